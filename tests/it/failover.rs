//! Several nodes, one sequencer (issue 17): three `accord serve` processes on one real
//! PostgreSQL database under mixed load (signed submissions to every node — followers hand
//! them to the sequencer — and reads from every node).
//!
//! 1. The sequencer is killed with SIGKILL: another node sequences within 5 s.
//! 2. The new sequencer is paused with SIGSTOP until the third node has taken over, then
//!    resumed: it commits nothing after losing its lease (the fencing token recorded with
//!    every checkpoint never goes down).
//!
//! Afterwards every acknowledged entry is in the log exactly once, at the index its receipt
//! names; no index holds two entries; and every checkpoint any node published during the run
//! is consistent (RFC 9162 consistency proof) with the final one: no fork across nodes.
//! Bounded: about ten seconds of load from six loopback clients.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::postgres::Cluster;
use accord_envelope::KeyFile;
use accord_sequencer::Receipt;
use accord_tlog::note::NoteVerifier;

const CLIENTS: usize = 6;
const FAILOVER_WITHIN: Duration = Duration::from_secs(5);

/// A second node's data directory: the instance's identity and keys, a log of its own nowhere
/// (the log is the database's).
fn node_dir(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for name in ["instance.json", "instance.key", "vault.key"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
    to.to_owned()
}

fn health(url: &str) -> Option<serde_json::Value> {
    let res = agent()
        .get(&format!("{url}/healthz"))
        .config()
        .timeout_global(Some(Duration::from_millis(500)))
        .build()
        .call()
        .ok()?;
    let mut res = res;
    serde_json::from_slice(&res.body_mut().read_to_vec().ok()?).ok()
}

/// Waits until exactly one of `urls` says it sequences; returns its position.
fn sequencer_among(urls: &[&str], within: Duration) -> usize {
    let start = Instant::now();
    loop {
        let leading: Vec<usize> = urls
            .iter()
            .enumerate()
            .filter(|(_, u)| health(u).is_some_and(|h| h["role"] == "sequencer"))
            .map(|(i, _)| i)
            .collect();
        if leading.len() == 1 {
            return leading[0];
        }
        assert!(
            start.elapsed() < within,
            "no single sequencer among {urls:?} within {within:?} (sequencing: {leading:?})"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(server: &Server, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &server.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

#[test]
fn three_nodes_fail_over_without_losing_or_forking_anything() {
    let cluster = Cluster::start();
    let db = cluster.fresh_database();
    let tmp = tempdir();
    let (data, secretariat, _) = instance_with_cert_on(tmp.path(), Some(&db));
    let first = PathBuf::from(&data);
    let dirs = [
        first.clone(),
        node_dir(&first, &tmp.path().join("node-b")),
        node_dir(&first, &tmp.path().join("node-c")),
    ];
    let mut servers: Vec<Option<Server>> = dirs
        .iter()
        .map(|d| Some(Server::start_on(d, Some(&db))))
        .collect();
    let urls: Vec<String> = servers
        .iter()
        .map(|s| s.as_ref().unwrap().url.clone())
        .collect();
    let url_refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let verifier_key: String = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(first.join("instance.json")).unwrap(),
    )
    .unwrap()["verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let verifier = NoteVerifier::parse(&verifier_key).unwrap();
    let key = KeyFile::load(Path::new(&secretariat)).unwrap();

    // Mixed load: every client posts distinct statements to the nodes in turn and reads.
    let stop = Arc::new(AtomicBool::new(false));
    let receipts: Arc<Mutex<Vec<Receipt>>> = Arc::default();
    let counter = Arc::new(AtomicU64::new(0));
    let alive: Arc<Mutex<Vec<bool>>> = Arc::new(Mutex::new(vec![true; 3]));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (stop, receipts, counter, alive) = (
            stop.clone(),
            receipts.clone(),
            counter.clone(),
            alive.clone(),
        );
        let urls = urls.clone();
        let key = KeyFile {
            party: key.party.clone(),
            key: key.key.clone(),
        };
        clients.push(std::thread::spawn(move || {
            let agent = agent();
            let mut turn = c;
            while !stop.load(Ordering::Relaxed) {
                turn += 1;
                let node = turn % urls.len();
                if !alive.lock().unwrap()[node] {
                    continue;
                }
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n % 3 == 0 {
                    let _ = agent.get(&format!("{}/parties", urls[node])).call();
                    continue;
                }
                let body =
                    secretariat_statement(&key, &format!("soc-{n}@secretariat.example"), "24x7")
                        .to_canonical_bytes();
                let Ok(mut res) = agent
                    .post(&format!("{}/entries", urls[node]))
                    .header("content-type", "application/json")
                    .send(&body[..])
                else {
                    continue;
                };
                if res.status().as_u16() == 201 {
                    let bytes = res.body_mut().read_to_vec().unwrap();
                    receipts
                        .lock()
                        .unwrap()
                        .push(serde_json::from_slice(&bytes).expect("a receipt"));
                }
            }
        }));
    }
    // Every checkpoint any node publishes, as it is published.
    let notes: Arc<Mutex<BTreeSet<Vec<u8>>>> = Arc::default();
    let watcher = {
        let (stop, notes, alive, urls) = (stop.clone(), notes.clone(), alive.clone(), urls.clone());
        std::thread::spawn(move || {
            let agent = agent();
            while !stop.load(Ordering::Relaxed) {
                for (i, url) in urls.iter().enumerate() {
                    if !alive.lock().unwrap()[i] {
                        continue;
                    }
                    if let Ok(mut res) = agent
                        .get(&format!("{url}/checkpoint"))
                        .config()
                        .timeout_global(Some(Duration::from_millis(300)))
                        .build()
                        .call()
                    {
                        if res.status().as_u16() == 200 {
                            notes
                                .lock()
                                .unwrap()
                                .insert(res.body_mut().read_to_vec().unwrap());
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let receipts_now = || receipts.lock().unwrap().len();

    // 1. SIGKILL the sequencer under load.
    let first_leader = sequencer_among(&url_refs, FAILOVER_WITHIN);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        receipts_now() > 50,
        "too few receipts before the kill: {}",
        receipts_now()
    );
    alive.lock().unwrap()[first_leader] = false;
    let killed = Instant::now();
    servers[first_leader].take().unwrap().kill9();
    let rest: Vec<usize> = (0..3).filter(|&i| i != first_leader).collect();
    let rest_urls: Vec<&str> = rest.iter().map(|&i| urls[i].as_str()).collect();
    let second_leader = rest[sequencer_among(&rest_urls, FAILOVER_WITHIN)];
    let took = killed.elapsed();
    let before = receipts_now();
    let deadline = Instant::now() + FAILOVER_WITHIN;
    while receipts_now() == before {
        assert!(
            Instant::now() < deadline,
            "no write succeeded after the failover"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("failover after SIGKILL: a new sequencer in {took:?}");
    assert!(took <= FAILOVER_WITHIN, "failover took {took:?}");
    std::thread::sleep(Duration::from_millis(1000));

    // 2. SIGSTOP the new sequencer until the third node takes over, then resume it.
    let third = rest.iter().copied().find(|&i| i != second_leader).unwrap();
    signal(servers[second_leader].as_ref().unwrap(), "-STOP");
    let paused = Instant::now();
    sequencer_among(&[urls[third].as_str()], Duration::from_secs(15));
    eprintln!(
        "failover after SIGSTOP: a new sequencer in {:?}",
        paused.elapsed()
    );
    std::thread::sleep(Duration::from_millis(1000));
    signal(servers[second_leader].as_ref().unwrap(), "-CONT");
    std::thread::sleep(Duration::from_millis(2000));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    watcher.join().unwrap();
    assert_eq!(
        sequencer_among(
            &[urls[second_leader].as_str(), urls[third].as_str()],
            FAILOVER_WITHIN
        ),
        1,
        "the resumed node took the lease back"
    );

    // The fencing tokens along the checkpoints never go down: a deposed node committed nothing.
    let mut client = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let tokens: Vec<i64> = client
        .query(
            "SELECT lease_token FROM checkpoints WHERE lease_token IS NOT NULL ORDER BY tree_size",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        tokens.windows(2).all(|w| w[0] <= w[1]),
        "a checkpoint was committed under an older lease after a newer one: {tokens:?}"
    );
    let tenures: BTreeSet<i64> = tokens.iter().copied().collect();
    assert!(
        tenures.len() >= 3,
        "three tenures expected, saw {tenures:?}"
    );

    // Both survivors converge on one checkpoint.
    let survivors = [urls[second_leader].as_str(), urls[third].as_str()];
    let deadline = Instant::now() + Duration::from_secs(10);
    let latest = loop {
        let got: Vec<Vec<u8>> = survivors
            .iter()
            .map(|u| get(&format!("{u}/checkpoint")).2)
            .collect();
        if got[0] == got[1] {
            break checkpoint_of(&verifier, &got[0]);
        }
        assert!(Instant::now() < deadline, "the survivors did not converge");
        std::thread::sleep(Duration::from_millis(100));
    };

    // Every receipt: signed, its entry at its index, exactly once; no index reused.
    let leaves = log_leaves(survivors[0], latest.size);
    let mut count: BTreeMap<&String, usize> = BTreeMap::new();
    for leaf in &leaves {
        *count.entry(leaf).or_default() += 1;
    }
    assert!(
        count.values().all(|&n| n == 1),
        "an entry appears twice in the log"
    );
    let receipts = receipts.lock().unwrap().clone();
    let mut by_index: BTreeMap<u64, &str> = BTreeMap::new();
    for r in &receipts {
        r.verify(&verifier).expect("every receipt verifies");
        assert_eq!(
            leaves.get(r.index as usize),
            Some(&r.leaf_hash),
            "acknowledged entry {} is missing or another entry is there",
            r.index
        );
        let previous = by_index.insert(r.index, &r.leaf_hash);
        assert!(
            previous.is_none_or(|p| p == r.leaf_hash),
            "index {} was handed out for two entries",
            r.index
        );
    }
    eprintln!(
        "{} receipts, {} entries, {} checkpoints seen, tenures {tenures:?}",
        receipts.len(),
        latest.size,
        notes.lock().unwrap().len()
    );

    // No fork: every checkpoint any node published is consistent with the final one.
    for note in notes.lock().unwrap().iter() {
        let old = checkpoint_of(&verifier, note);
        assert!(
            old.size <= latest.size,
            "a node published past the final checkpoint"
        );
        let proof = consistency_proof(survivors[1], old.size, latest.size);
        accord_tlog::verify_consistency(old.size, latest.size, &old.root, &latest.root, &proof)
            .expect("a checkpoint published during the run forks from the final one");
    }
    drop(servers);
    let v: serde_json::Value =
        serde_json::from_str(&ok_on(Some(&db), &["verify", "--data", &data, "--json"])).unwrap();
    assert_eq!(v["valid"], true, "{v}");
}

/// Whoever can write the database can rewrite the lease row, but not sign a claim with the
/// instance key: the nodes hand no write (nor the token it carries) to a holder without one,
/// answer 503 meanwhile, and elect a sequencer of their own once the row is freed.
#[test]
fn a_lease_row_rewritten_in_the_database_does_not_redirect_writes() {
    let cluster = Cluster::start();
    let db = cluster.fresh_database();
    let tmp = tempdir();
    let (data, secretariat, _) = instance_with_cert_on(tmp.path(), Some(&db));
    let first = PathBuf::from(&data);
    let dirs = [first.clone(), node_dir(&first, &tmp.path().join("node-b"))];
    let servers: Vec<Server> = dirs
        .iter()
        .map(|d| Server::start_on(d, Some(&db)))
        .collect();
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    sequencer_among(&urls, FAILOVER_WITHIN);

    // An intruder's listener, and the lease row pointed at it for an hour.
    let intruder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    intruder.set_nonblocking(true).unwrap();
    let intruder_url = format!("http://{}", intruder.local_addr().unwrap());
    let mut client = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    client
        .execute(
            "UPDATE accord_lease SET node = 'intruder', url = $1, claim = '',
                 token = token + 1, expires_at = clock_timestamp() + interval '1 hour'",
            &[&intruder_url],
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(2_500));

    let key = KeyFile::load(Path::new(&secretariat)).unwrap();
    let post = |url: &str, n: u32| {
        let body = secretariat_statement(&key, &format!("soc-{n}@secretariat.example"), "24x7")
            .to_canonical_bytes();
        agent()
            .post(&format!("{url}/entries"))
            .header("content-type", "application/json")
            .send(&body[..])
            .unwrap()
            .status()
            .as_u16()
    };
    for (n, url) in urls.iter().enumerate() {
        assert_eq!(
            post(url, n as u32),
            503,
            "{url} took a write with no sequencer of its own"
        );
        let h = health(url).unwrap();
        assert_eq!(h["role"], "follower", "{h}");
        assert!(h["sequencer"].is_null(), "{url} names a sequencer: {h}");
    }
    assert!(
        intruder.accept().is_err(),
        "a node handed a write to the URL an intruder wrote into the lease row"
    );

    // The row freed, the nodes elect one of their own and take writes again.
    client
        .execute("UPDATE accord_lease SET expires_at = '-infinity'", &[])
        .unwrap();
    sequencer_among(&urls, FAILOVER_WITHIN);
    // A follower learns who sequences within a renewal period; until then it answers 503.
    for (n, url) in urls.iter().enumerate() {
        let deadline = Instant::now() + FAILOVER_WITHIN;
        let mut attempt = 0;
        while post(url, 100 * (n as u32 + 1) + attempt) != 201 {
            assert!(
                Instant::now() < deadline,
                "{url} takes no write after the election"
            );
            attempt += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(intruder.accept().is_err(), "a write reached the intruder");
}
