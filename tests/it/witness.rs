//! `accord witness` against a real instance: the real binaries on loopback. The witness
//! cosigns the instance's published checkpoints as they grow (with the instance's own
//! consistency proofs), its cosignatures verify with its verifier key, a witness killed with
//! SIGKILL and restarted from its directory refuses the older checkpoint (409 and the size it
//! cosigned), and a log it does not witness is 404.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use accord_tlog::cosignature::CosignatureVerifier;
use accord_tlog::note::{open, NoteVerifier};

use crate::common::*;

/// A running `accord witness serve`, killed on drop.
struct WitnessServer {
    child: Child,
    url: String,
}

impl WitnessServer {
    fn start(dir: &Path) -> WitnessServer {
        WitnessServer::start_with(dir, &[])
    }

    fn start_with(dir: &Path, options: &[&str]) -> WitnessServer {
        let mut child = accord()
            .args(["witness", "serve", "--listen", "127.0.0.1:0", "--dir"])
            .arg(dir)
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting accord witness serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("on http://").nth(1) {
                    let addr = rest.split('/').next().unwrap_or_default().to_owned();
                    let _ = tx.send(format!("http://{addr}"));
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the witness did not start listening within 30 s");
        WitnessServer { child, url }
    }

    fn add_checkpoint(&self, body: &str) -> (u16, String, String) {
        let mut res = agent()
            .post(&format!("{}/add-checkpoint", self.url))
            .send(body)
            .unwrap();
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = res.body_mut().read_to_string().unwrap();
        (res.status().as_u16(), ctype, text)
    }
}

impl Drop for WitnessServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json(url: &str) -> serde_json::Value {
    let (status, _, body) = get(url);
    assert_eq!(status, 200, "{url}");
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn a_witness_cosigns_a_growing_instance_and_survives_a_kill() {
    // An instance with a log of some size, served.
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let (_, _, vkey) = get(&format!("{}/verifier-key", server.url));
    let vkey = String::from_utf8(vkey).unwrap().trim().to_owned();
    let log_key = NoteVerifier::parse(&vkey).unwrap();

    // A witness of it.
    let wdir = tmp.path().join("witness");
    let w = wdir.to_string_lossy().into_owned();
    let out = ok(&[
        "witness",
        "init",
        "--dir",
        &w,
        "--name",
        "witness.council.example/w1",
    ]);
    let wkey = out.lines().last().unwrap().trim().to_owned();
    let cosigner = CosignatureVerifier::parse(&wkey).unwrap();
    let err = run(&["witness", "serve", "--dir", &w]);
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("witnesses no log"));
    ok(&["witness", "add-log", "--dir", &w, &vkey]);
    let witness = WitnessServer::start(&wdir);

    // An early checkpoint first (old size 0), then the latest with the instance's proof.
    let cps = json(&format!("{}/checkpoints?limit=1000", server.url));
    let cps = cps.as_array().unwrap();
    let early = &cps[cps.len() / 3];
    let (early_size, early_note) = (
        early["tree_size"].as_u64().unwrap(),
        early["note"].as_str().unwrap(),
    );
    let (status, _, line) = witness.add_checkpoint(&format!("old 0\n\n{early_note}"));
    assert_eq!(status, 200, "{line}");
    let cosigned = open(
        &format!("{early_note}{line}"),
        std::slice::from_ref(&log_key),
    )
    .unwrap();
    assert!(cosigner.timestamp_on(&cosigned).unwrap().is_some());

    let (_, _, latest) = get(&format!("{}/checkpoint", server.url));
    let latest = String::from_utf8(latest).unwrap();
    let size: u64 = latest.lines().nth(1).unwrap().parse().unwrap();
    let proof = json(&format!(
        "{}/proof/consistency?old={early_size}&new={size}",
        server.url
    ));
    let lines: String = proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{}\n", h.as_str().unwrap()))
        .collect();
    let (status, _, line) = witness.add_checkpoint(&format!("old {early_size}\n{lines}\n{latest}"));
    assert_eq!(status, 200, "{line}");
    let cosigned = open(&format!("{latest}{line}"), std::slice::from_ref(&log_key)).unwrap();
    assert!(cosigner.timestamp_on(&cosigned).unwrap().is_some());

    // Killed and restarted from its directory (now alerting its operator's webhook): it
    // remembers, and refuses the older one.
    drop(witness);
    let (hook, alerts) = webhook();
    let witness = WitnessServer::start_with(&wdir, &["--alert-webhook", &hook]);
    let (status, ctype, body) = witness.add_checkpoint(&format!("old 0\n\n{early_note}"));
    assert_eq!(
        (status, ctype.as_str(), body.trim()),
        (409, "text/x.tlog.size", size.to_string().as_str())
    );
    let (status, _, _) = witness.add_checkpoint(&format!("old {size}\n\n{latest}"));
    assert_eq!(status, 200, "the latest again is cosigned again");

    // The instance rigged to sign another tree of the size the witness cosigned (the
    // operator holds the instance key): refused, and published as an equivocation proof that
    // `accord verify-equivocation` checks offline.
    let key = accord_envelope::KeyFile::load(data.join("instance.key"))
        .unwrap()
        .key;
    let origin = log_key.name().to_owned();
    let rigged = accord_tlog::note::NoteSigner::new(&origin, key.as_dalek().clone()).unwrap();
    let forged = rigged
        .sign(
            &accord_tlog::checkpoint::Checkpoint {
                origin: origin.clone(),
                size,
                root: [7; 32],
                extensions: vec![],
            }
            .to_body(),
        )
        .unwrap();
    let (status, _, body) = witness.add_checkpoint(&format!("old {size}\n\n{forged}"));
    assert_eq!((status, body.trim()), (409, size.to_string().as_str()));
    let (status, _, proofs) = get(&format!("{}/equivocations", witness.url));
    assert_eq!(status, 200);
    let proofs: serde_json::Value = serde_json::from_slice(&proofs).unwrap();
    assert_eq!(proofs.as_array().unwrap().len(), 1, "{proofs}");
    // Its operator's gateway is alerted, once, with the proof.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while alerts.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no alert");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(6));
    let sent = alerts.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["type"], "accord-alert/v1");
    assert_eq!(sent[0]["origin"], origin.as_str());
    assert_eq!(sent[0]["proof"], proofs[0]);
    assert!(
        sent[0]["finding"]
            .as_str()
            .unwrap()
            .contains("two different trees"),
        "{sent:?}"
    );
    let file = tmp.path().join("equivocation.json");
    std::fs::write(&file, proofs[0].to_string()).unwrap();
    let f = file.to_string_lossy().into_owned();
    let out = ok(&["verify-equivocation", &f, "--verifier-key", &vkey]);
    assert!(
        out.starts_with("PROVEN: ") && out.contains("two different trees"),
        "{out}"
    );
    // With another log's key it proves nothing.
    let other_key = accord_tlog::note::NoteSigner::new(
        &origin,
        ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
    )
    .unwrap()
    .verifier_key();
    let out = run(&["verify-equivocation", &f, "--verifier-key", &other_key]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT PROVEN"));

    // Another log: 404. The status command tells what it cosigned.
    let other = "other.example/log+00000000+AQ==";
    let (status, _, _) = witness.add_checkpoint(&format!(
        "old 0\n\nother.example/log\n1\n{}\n\n— {other}\n",
        "A".repeat(43) + "="
    ));
    assert_eq!(status, 404);
    let status = ok(&["witness", "status", "--dir", &w]);
    assert!(
        status.contains(&format!("cosigned size {size}")),
        "{status}"
    );
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A witness of the instance in `tmp/<name>`, serving: its directory, verifier key, server.
fn witness_of(tmp: &Path, name: &str, log_vkey: &str) -> (String, String) {
    let dir = tmp.join(name).to_string_lossy().into_owned();
    let out = ok(&[
        "witness",
        "init",
        "--dir",
        &dir,
        "--name",
        &format!("{name}.example/w"),
    ]);
    let vkey = out.lines().last().unwrap().trim().to_owned();
    ok(&["witness", "add-log", "--dir", &dir, log_vkey]);
    (dir, vkey)
}

#[test]
fn an_instance_asks_its_witnesses_and_readers_hold_it_to_a_quorum() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    let d = data.to_string_lossy().into_owned();
    ok(&["demo", "--no-serve", "--data", &d]);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("instance.json")).unwrap()).unwrap();
    let log_vkey = config["verifier_key"].as_str().unwrap().to_owned();

    // Three witnesses configured, a quorum of two; the third is never started.
    let (w1, k1) = witness_of(tmp.path(), "north", &log_vkey);
    let (w2, k2) = witness_of(tmp.path(), "south", &log_vkey);
    let (_w3, k3) = witness_of(tmp.path(), "east", &log_vkey);
    let north = WitnessServer::start(Path::new(&w1));
    let south = WitnessServer::start(Path::new(&w2));
    ok(&["witnesses", "add", "--data", &d, &k1, "--url", &north.url]);
    ok(&["witnesses", "add", "--data", &d, &k2, "--url", &south.url]);
    let out = ok(&[
        "witnesses",
        "add",
        "--data",
        &d,
        &k3,
        "--url",
        "http://127.0.0.1:9",
        "--quorum",
        "2",
    ]);
    assert!(out.contains("needs 2 of 3"), "{out}");
    let bad = run(&[
        "witnesses",
        "add",
        "--data",
        &d,
        &log_vkey,
        "--url",
        "http://x",
    ]);
    assert!(!bad.status.success(), "a log key taken for a witness key");

    let server = Server::start(&data);
    let witnesses = || json(&format!("{}/witnesses", server.url));
    wait_for("a witnessed checkpoint", || {
        let w = witnesses();
        w["witnessed_size"].as_u64() > Some(0) && w["witnessed_size"] == w["published_size"]
    });

    // The log keeps sequencing with a witness down, and the new checkpoint gets witnessed.
    let secretariat = accord_envelope::KeyFile::load(data.join("keys/secretariat.key")).unwrap();
    let env = secretariat_statement(&secretariat, "soc@secretariat.example", "24/7");
    let res = agent()
        .post(&format!("{}/entries", server.url))
        .header("content-type", "application/json")
        .send(&env.to_canonical_bytes()[..])
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let size = json(&format!("{}/witnesses", server.url))["published_size"]
        .as_u64()
        .unwrap();
    wait_for("the new checkpoint witnessed", || {
        witnesses()["witnessed_size"].as_u64() == Some(size)
    });
    let view = witnesses();
    let east = view["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "east.example/w")
        .unwrap();
    assert!(
        east["last_error"].as_str().unwrap().contains("unreachable"),
        "{east}"
    );
    assert_eq!(east["lag"].as_u64(), Some(size));

    // /checkpoint is the witnessed one, with both cosignatures; the unwitnessed one beside it.
    let res = agent()
        .get(&format!("{}/checkpoint", server.url))
        .call()
        .unwrap();
    assert_eq!(res.headers().get("accord-witnessed").unwrap(), "true");
    let (_, _, note) = get(&format!("{}/checkpoint", server.url));
    let note = String::from_utf8(note).unwrap();
    assert!(
        note.contains("\n— north.example/w ") && note.contains("\n— south.example/w "),
        "{note}"
    );
    let (status, _, _) = get(&format!("{}/checkpoint/unwitnessed", server.url));
    assert_eq!(status, 200);

    // A reader's policy: 2 of the 3 holds; all 3 fails and names the missing witness.
    let url = server.url.clone();
    // `command` with the three witnesses: it holds with a quorum of 2 (and says who
    // cosigned) and fails with 3, naming the missing witness.
    let holds_to_policy = |command: &[&str], cosigned: &str| {
        for (quorum, pass) in [("2", true), ("3", false)] {
            let mut args = command.to_vec();
            args.extend([
                "--verifier-key",
                &log_vkey,
                "--witness",
                &k1,
                "--witness",
                &k2,
                "--witness",
                &k3,
                "--quorum",
                quorum,
            ]);
            let out = run(&args);
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert_eq!(
                out.status.success(),
                pass,
                "{command:?} {quorum}: {stdout}{stderr}"
            );
            if pass {
                assert!(stdout.contains(cosigned), "{stdout}");
            } else {
                assert!(stderr.contains("missing: east.example/w"), "{stderr}");
            }
        }
    };
    holds_to_policy(
        &["verify", "--url", &url],
        "cosigned by north.example/w, south.example/w",
    );

    // A receipt fetched now is anchored at the witnessed checkpoint and carries its
    // cosignatures; `accord receipt verify` holds it to a policy offline.
    let res = agent()
        .get(&format!("{}/receipts/{}", server.url, size - 1))
        .call()
        .unwrap();
    assert_eq!(res.headers().get("accord-witnessed").unwrap(), "true");
    let (_, _, receipt) = get(&format!("{}/receipts/{}", server.url, size - 1));
    let file = tmp.path().join("receipt.json");
    std::fs::write(&file, &receipt).unwrap();
    let f = file.to_string_lossy().into_owned();
    holds_to_policy(
        &["receipt", "verify", &f],
        "witnessed: cosigned by north.example/w, south.example/w",
    );
    let (status, _, _) = get(&format!("{}/receipts/{size}", server.url));
    assert_eq!(status, 404);

    // The in-browser verifier holds the served checkpoint to the same policy.
    let browser = |quorum: &str| -> serde_json::Value {
        let out = std::process::Command::new("node")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "tests/browser/policy.mjs",
                &url,
                &log_vkey,
                &(size - 1).to_string(),
                quorum,
                &k1,
                &k2,
                &k3,
            ])
            .output()
            .expect("node runs (scripts/install-test-tools)");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("policy.mjs: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let r = browser("2");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        r["cosigned"],
        serde_json::json!(["north.example/w", "south.example/w"])
    );
    let r = browser("3");
    assert_eq!(r["ok"], false, "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("missing: east.example/w"),
        "{r}"
    );
    let (_, _, page) = get(&format!("{url}/log/{}", size - 1));
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains(r#"name="witnesses""#) && page.contains(&k3),
        "the verifier's policy fields are prefilled"
    );

    // The dashboard shows each witness's cosigned size and lag (and as CSV).
    let (status, _, page) = get(&format!("{}/log/checkpoints", server.url));
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("a checkpoint needs 2 of 3") && page.contains("east.example/w"),
        "{page}"
    );
    let (_, _, csv) = get(&format!(
        "{}/log/checkpoints?format=csv&table=witnesses",
        server.url
    ));
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains(&format!("north.example/w,{size},0,")), "{csv}");
    assert!(csv.contains("east.example/w,0,"), "{csv}");

    // A slow witness (paused past the 5 s a request may take) delays only the quorum: the
    // log keeps sequencing at once, `/checkpoint` stays at the last witnessed size, and once
    // the witness answers again the new checkpoint is witnessed.
    let pid = south.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap();
    let env = secretariat_statement(&secretariat, "soc2@secretariat.example", "24/7");
    let started = std::time::Instant::now();
    let res = agent()
        .post(&format!("{}/entries", server.url))
        .header("content-type", "application/json")
        .send(&env.to_canonical_bytes()[..])
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "sequencing waited for a witness"
    );
    std::thread::sleep(Duration::from_secs(2));
    let view = witnesses();
    assert_eq!(view["published_size"].as_u64(), Some(size + 1));
    assert_eq!(view["witnessed_size"].as_u64(), Some(size), "{view}");
    std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap();
    wait_for("the checkpoint witnessed once the witness answers", || {
        witnesses()["witnessed_size"].as_u64() == Some(size + 1)
    });

    // Restarted, the instance serves the witnessed checkpoint it kept.
    drop(server);
    drop(north);
    drop(south);
    let server = Server::start(&data);
    let res = agent()
        .get(&format!("{}/checkpoint", server.url))
        .call()
        .unwrap();
    assert_eq!(res.headers().get("accord-witnessed").unwrap(), "true");
}

#[test]
fn gossip_between_two_witnesses_catches_a_split_view_in_one_round() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let (_, _, honest) = get(&format!("{}/checkpoint", server.url));
    let honest = String::from_utf8(honest).unwrap();
    let vkey = String::from_utf8(get(&format!("{}/verifier-key", server.url)).2)
        .unwrap()
        .trim()
        .to_owned();
    let origin = honest.lines().next().unwrap().to_owned();
    let size: u64 = honest.lines().nth(1).unwrap().parse().unwrap();

    let (w1, _) = witness_of(tmp.path(), "north", &vkey);
    let (w2, _) = witness_of(tmp.path(), "south", &vkey);
    let north = WitnessServer::start(Path::new(&w1));
    let south = WitnessServer::start(Path::new(&w2));
    let gossip = |out: &Path| {
        run(&[
            "gossip",
            "--witness",
            &north.url,
            "--witness",
            &south.url,
            "--origin",
            &origin,
            "--log",
            &server.url,
            "--out",
            &out.to_string_lossy(),
        ])
    };

    // Honest: both see the same tree, and gossip finds nothing.
    assert_eq!(north.add_checkpoint(&format!("old 0\n\n{honest}")).0, 200);
    assert_eq!(south.add_checkpoint(&format!("old 0\n\n{honest}")).0, 200);
    let out = gossip(&tmp.path().join("honest"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A rigged instance shows another tree of the same size to a third witness that never saw
    // the honest one: each witness alone is satisfied...
    let (w3, _) = witness_of(tmp.path(), "east", &vkey);
    let east = WitnessServer::start(Path::new(&w3));
    let key = accord_envelope::KeyFile::load(data.join("instance.key"))
        .unwrap()
        .key;
    let forged = accord_tlog::note::NoteSigner::new(&origin, key.as_dalek().clone())
        .unwrap()
        .sign(
            &accord_tlog::checkpoint::Checkpoint {
                origin: origin.clone(),
                size,
                root: [9; 32],
                extensions: vec![],
            }
            .to_body(),
        )
        .unwrap();
    assert_eq!(east.add_checkpoint(&format!("old 0\n\n{forged}")).0, 200);
    // ...and one round of gossip between north and east catches it, with a proof.
    let found = tmp.path().join("found");
    let out = run(&[
        "gossip",
        "--witness",
        &north.url,
        "--witness",
        &east.url,
        "--origin",
        &origin,
        "--out",
        &found.to_string_lossy(),
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("SPLIT VIEW"), "{said}");
    let proof = found.join("equivocation-1.json");
    let verdict = ok(&[
        "verify-equivocation",
        &proof.to_string_lossy(),
        "--verifier-key",
        &vkey,
    ]);
    assert!(verdict.starts_with("PROVEN"), "{verdict}");
    drop(south);
}
