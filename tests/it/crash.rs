//! Crash safety: the real server under concurrent load is killed with SIGKILL mid-batch,
//! several times. Every receipt it handed out must still be in the log afterwards (same
//! index, same leaf, provable against the latest checkpoint) and `accord verify` must pass.
//!
//! After every restart the published checkpoint is at least as large as every receipt seen so
//! far (a crash never rolls the log back). Bounded: 20 rounds of a quarter to three quarters
//! of a second of load from 8 loopback clients each (10 rounds on PostgreSQL, where the same
//! test runs against a real throwaway cluster).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use accord_envelope::KeyFile;
use accord_sequencer::Receipt;
use accord_tlog::note::NoteVerifier;

const CLIENTS: usize = 8;
const ROUNDS: usize = 20;

#[test]
fn receipts_survive_sigkill_and_the_log_verifies() {
    sigkill_rounds(ROUNDS, None);
}

#[test]
fn receipts_survive_sigkill_and_the_log_verifies_on_postgres() {
    let cluster = crate::postgres::Cluster::start();
    sigkill_rounds(10, Some(&cluster.fresh_database()));
}

fn sigkill_rounds(rounds: usize, database: Option<&str>) {
    let tmp = tempdir();
    let data = p(tmp.path(), "data");
    let init: serde_json::Value =
        serde_json::from_str(&ok_on(database, &["init", "--data", &data, "--json"])).unwrap();
    let verifier = NoteVerifier::parse(init["verifier_key"].as_str().unwrap()).unwrap();
    let secretariat = KeyFile::load(std::path::Path::new(
        init["secretariat_key_file"].as_str().unwrap(),
    ))
    .unwrap();

    let receipts: Arc<Mutex<Vec<Receipt>>> = Arc::default();
    let mut counter = 0u64;
    for round in 0..rounds {
        let server = Server::start_on(std::path::Path::new(&data), database);
        // On PostgreSQL the killed node's sequencer lease outlives it: the restarted node
        // forwards writes (and answers 503) until the lease expires and it takes it over.
        // Load it once it sequences, so that every round tests a crash under load.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while get_json(&server, "/healthz")["role"] == "follower" {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: the restarted node never took the sequencer lease over"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let acknowledged = receipts
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.index + 1)
            .max()
            .unwrap_or(0);
        let (_, _, note) = get(&format!("{}/checkpoint", server.url));
        let size: u64 = String::from_utf8_lossy(&note)
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .expect("a checkpoint");
        assert!(
            size >= acknowledged,
            "round {round}: the log restarted at {size} entries but {acknowledged} were acknowledged"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            // Each client sends distinct signed statements as fast as the server answers.
            let envelopes: Vec<Vec<u8>> = (0..400)
                .map(|i| {
                    counter += 1;
                    secretariat_statement(
                        &secretariat,
                        &format!("soc-{round}-{c}@secretariat.example"),
                        &format!("24x7 #{counter} {i}"),
                    )
                    .to_canonical_bytes()
                })
                .collect();
            let url = format!("{}/entries", server.url);
            let stop = stop.clone();
            let receipts = receipts.clone();
            clients.push(std::thread::spawn(move || {
                let agent = agent();
                for body in envelopes {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let res = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send(&body[..]);
                    // A killed server answers nothing; only 201s are receipts.
                    let Ok(mut res) = res else { break };
                    if res.status().as_u16() == 201 {
                        let body = res.body_mut().read_to_vec();
                        if let Some(r) = body
                            .ok()
                            .and_then(|b| serde_json::from_slice::<Receipt>(&b).ok())
                        {
                            receipts.lock().unwrap().push(r);
                        }
                    }
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(250 + 25 * round as u64));
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
    }
    let receipts = receipts.lock().unwrap().clone();
    assert!(
        receipts.len() > 100,
        "too few receipts under load: {}",
        receipts.len()
    );

    // Restart: every receipt verifies offline, its entry is in the log at its index with its
    // leaf hash (read from the tlog-tiles entry bundles), and the checkpoint it came with is
    // consistent with today's (RFC 9162 consistency proof): nothing acknowledged was lost or
    // rewritten.
    let server = Server::start_on(std::path::Path::new(&data), database);
    let latest = checkpoint_of(&verifier, &get(&format!("{}/checkpoint", server.url)).2);
    let leaves = log_leaves(&server.url, latest.size);
    let mut checked = std::collections::BTreeSet::new();
    for r in &receipts {
        r.verify(&verifier)
            .expect("a receipt handed out before a crash still verifies");
        assert_eq!(
            leaves.get(r.index as usize),
            Some(&r.leaf_hash),
            "entry {} of a receipt is gone or changed",
            r.index
        );
        let old = checkpoint_of(&verifier, r.checkpoint.as_bytes());
        if checked.insert(old.size) {
            let proof = consistency_proof(&server.url, old.size, latest.size);
            accord_tlog::verify_consistency(old.size, latest.size, &old.root, &latest.root, &proof)
                .expect("a checkpoint handed out before a crash is consistent with today's");
        }
    }
    drop(server);
    let v: serde_json::Value =
        serde_json::from_str(&ok_on(database, &["verify", "--data", &data, "--json"])).unwrap();
    assert_eq!(v["valid"], true, "{v}");
}
