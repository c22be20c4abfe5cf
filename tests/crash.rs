//! Crash safety: the real server under concurrent load is killed with SIGKILL mid-batch,
//! several times. Every receipt it handed out must still be in the log afterwards (same
//! index, same leaf, provable against the latest checkpoint) and `accord verify` must pass.
//!
//! Bounded: 3 rounds of about a second of load from 8 loopback clients each.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accord_envelope::{Envelope, KeyFile, Signer};
use accord_sequencer::Receipt;
use accord_tlog::note::NoteVerifier;
use common::*;

const CLIENTS: usize = 8;
const ROUNDS: usize = 3;

#[test]
fn receipts_survive_sigkill_and_the_log_verifies() {
    let tmp = tempdir();
    let data = p(tmp.path(), "data");
    let init: serde_json::Value =
        serde_json::from_str(&ok(&["init", "--data", &data, "--json"])).unwrap();
    let verifier = NoteVerifier::parse(init["verifier_key"].as_str().unwrap()).unwrap();
    let secretariat = KeyFile::load(std::path::Path::new(
        init["secretariat_key_file"].as_str().unwrap(),
    ))
    .unwrap();

    let receipts: Arc<Mutex<Vec<Receipt>>> = Arc::default();
    let mut counter = 0u64;
    for round in 0..ROUNDS {
        let server = Server::start(std::path::Path::new(&data));
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            // Each client sends distinct signed statements as fast as the server answers.
            let envelopes: Vec<Vec<u8>> = (0..400)
                .map(|i| {
                    counter += 1;
                    let payload = serde_json::json!({"contacts": [{
                        "role": "technical", "channel": "email",
                        "address": format!("soc-{round}-{c}@secretariat.example"),
                        "hours": format!("24x7 #{counter} {i}"), "languages": ["en"]}]});
                    Envelope::sign(
                        "poc.declare",
                        1,
                        payload,
                        Signer {
                            party: secretariat.party.clone().unwrap(),
                            key: secretariat.key.key_id(),
                        },
                        &secretariat.key,
                    )
                    .unwrap()
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
        std::thread::sleep(Duration::from_millis(700 + 300 * round as u64));
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

    // Restart: every receipt is in the log, at its index, with its leaf hash.
    let server = Server::start(std::path::Path::new(&data));
    for r in &receipts {
        r.verify(&verifier)
            .expect("a receipt handed out before a crash still verifies");
        let (status, _, body) = get(&format!("{}/entries/{}", server.url, r.index));
        assert_eq!(status, 200, "entry {} of a receipt is gone", r.index);
        let stored: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            stored["leaf_hash"], r.leaf_hash,
            "entry {} changed",
            r.index
        );
        // And it is provable in today's tree, not just in the old checkpoint.
        let (status, _, _) = get(&format!(
            "{}/proof/inclusion?leaf_hash={}",
            server.url, r.leaf_hash
        ));
        assert_eq!(status, 200);
    }
    drop(server);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["verify", "--data", &data, "--json"])).unwrap();
    assert_eq!(v["valid"], true, "{v}");
}
