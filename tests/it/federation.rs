//! Federation: a council instance follows another instance through its public endpoints only
//! and keeps a verified read-only mirror of its log (`accord federation`).
//!
//! - The mirror of the demo world verifies all of it, agrees with the followed instance's own
//!   answers (its checkpoint, and a party's standing, tier and every cause), and follows it as
//!   it grows, to its latest checkpoint.
//! - A key that is not the followed instance's refuses everything, and nothing is stored.
//! - Bad configuration is refused with what is wrong.

use std::path::Path;

use accord_envelope::KeyFile;

use crate::common::*;

/// A new instance `africa` beside `server`'s, following it as `global` at `url` (the server
/// itself or something in front of it) with the server's verifier key; returns its data
/// directory and that key.
fn follower(dir: &Path, server: &Server, url: &str) -> (std::path::PathBuf, String) {
    let africa = dir.join("africa");
    let data = africa.to_string_lossy().to_string();
    ok(&[
        "init",
        "--data",
        &data,
        "--origin",
        "africa.accord.example/regime",
    ]);
    let (_, _, vkey) = get(&format!("{}/verifier-key", server.url));
    let vkey = String::from_utf8(vkey).unwrap().trim().to_owned();
    ok(&[
        "federation",
        "follow",
        "--data",
        &data,
        "global",
        url,
        "--key",
        &vkey,
    ]);
    (africa, vkey)
}

/// One more entry in `server`'s log: `key`'s party declares a contact at `address`.
fn declare(server: &Server, key: &KeyFile, address: &str) {
    let body = secretariat_statement(key, address, "24x7").to_canonical_bytes();
    let res = agent()
        .post(&format!("{}/entries", server.url))
        .header("content-type", "application/json")
        .send(&body[..])
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
}

#[test]
fn a_mirror_verifies_agrees_with_and_follows_the_instance_it_mirrors() {
    let tmp = tempdir();
    let global = tmp.path().join("global");
    ok(&["demo", "--no-serve", "--data", &global.to_string_lossy()]);
    let server = Server::start(&global);
    let (africa, vkey) = follower(tmp.path(), &server, &server.url);
    let africa_arg = africa.to_string_lossy().to_string();
    // The followed instance's latest checkpoint: the second line of its note.
    let (_, _, note) = get(&format!("{}/checkpoint", server.url));
    let latest: u64 = String::from_utf8(note)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let out = ok(&["federation", "pull", "--data", &africa_arg]);
    assert!(
        out.contains(&format!(
            "{latest} new entries verified; mirror at {latest} of {latest}"
        )),
        "{out}"
    );
    // The federated view agrees with the followed instance's own answers.
    for party in ["kestrel-software", "state-dunmore", "cert-aldoria"] {
        let own = get_json(&server, &format!("/parties/{party}/standing"));
        let view: serde_json::Value = serde_json::from_str(&ok(&[
            "federation",
            "standing",
            "--data",
            &africa_arg,
            party,
            "--json",
        ]))
        .unwrap();
        let seen = view
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["instance"] == "global")
            .unwrap_or_else(|| panic!("{party} not in the mirror: {view}"));
        assert_eq!(seen["origin"], "demo.accord.example/regime");
        assert_eq!(seen["checkpoint_size"], latest);
        for field in ["standing", "tier", "incentive_eligible", "causes"] {
            assert_eq!(
                seen["standing"][field], own[field],
                "{party}: {field} differs between the mirror and the instance"
            );
        }
    }
    // Nothing new: nothing pulled.
    let out = ok(&["federation", "pull", "--data", &africa_arg]);
    assert!(out.contains("0 new entries verified"), "{out}");

    // The followed instance grows; the next pull reaches its latest checkpoint.
    let key = KeyFile::load(Path::new(&global.join("keys/cert-aldoria.key"))).unwrap();
    for n in 0..5 {
        declare(&server, &key, &format!("soc-{n}@aldoria.example"));
    }
    let grown = latest + 5;
    let out = ok(&["federation", "pull", "--data", &africa_arg]);
    assert!(
        out.contains(&format!(
            "5 new entries verified; mirror at {grown} of {grown}"
        )),
        "{out}"
    );
    let list = ok(&["federation", "list", "--data", &africa_arg]);
    assert!(
        list.contains(&format!("{grown} entries mirrored")),
        "{list}"
    );

    // A key that is not the followed instance's: everything is refused, nothing stored.
    let own_key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(africa.join("instance.json")).unwrap()).unwrap();
    ok(&[
        "federation",
        "follow",
        "--data",
        &africa_arg,
        "impostor",
        &server.url,
        "--key",
        own_key["verifier_key"].as_str().unwrap(),
    ]);
    let out = run(&["federation", "pull", "--data", &africa_arg, "impostor"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not verify, refused")
            && err.contains("no signature by any of the given verifiers"),
        "{err}"
    );
    let list = ok(&["federation", "list", "--data", &africa_arg]);
    assert!(
        list.contains("impostor") && list.contains("\t0 entries mirrored"),
        "{list}"
    );

    // `serve` pulls its mirrors by itself and shows the federated view.
    declare(&server, &key, "soc-late@aldoria.example");
    let grown = grown + 1;
    let follower = Server::start(&africa);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let index = loop {
        let (_, _, page) = get(&format!("{}/federation", follower.url));
        let page = String::from_utf8(page).unwrap();
        // Both mirrors pulled once: the global one caught up, the impostor refused.
        if page.contains(&format!("{grown} of {grown}")) && page.contains("stopped: impostor") {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the mirror did not catch up: {page}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(index.contains("demo.accord.example/regime"), "{index}");
    assert!(
        index.contains(&vkey),
        "the key the mirror checks is shown: {index}"
    );
    assert!(
        index.contains("stopped: impostor"),
        "the impostor's refusal is shown: {index}"
    );
    let (status, _, page) = get(&format!(
        "{}/federation/party/kestrel-software",
        follower.url
    ));
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let own = get_json(&server, "/parties/kestrel-software/standing");
    let reach = get_json(&server, "/parties/kestrel-software/indicators/reachability");
    let reach = format!(
        "reachability {:.1} % ({} of {})",
        reach["value"]["percent"].as_f64().unwrap(),
        reach["value"]["numerator"],
        reach["value"]["denominator"]
    );
    for needle in [
        "demo.accord.example/regime".to_owned(),
        format!("{grown} · "),
        own["standing"].as_str().unwrap().to_owned(),
        own["tier"].as_str().unwrap().to_owned(),
        own["causes"][0]["what"].as_str().unwrap().to_owned(),
        reach,
    ] {
        assert!(
            page.contains(&needle),
            "`{needle}` is not in the federated view: {page}"
        );
    }
    let (status, _, _) = get(&format!("{}/federation/party/nobody-here", follower.url));
    assert_eq!(status, 404);
    follower.stop();
    server.stop();

    // Bad configuration, named.
    for (args, says) in [
        (
            vec!["bad name", "http://x", vkey.as_str()],
            "is not a name for a followed instance",
        ),
        (
            vec!["ok", "ftp://x", vkey.as_str()],
            "is not an http(s) URL",
        ),
        (vec!["ok", "http://x", "nonsense"], "is not a verifier key"),
        (
            vec!["global", "http://x", vkey.as_str()],
            "is already followed",
        ),
    ] {
        let out = run(&[
            "federation",
            "follow",
            "--data",
            &africa_arg,
            args[0],
            args[1],
            "--key",
            args[2],
        ]);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// A followed instance that alters an entry on the way (here: a proxy in front of an honest
/// one, flipping a byte in every entry bundle) is refused, and the mirror keeps nothing of it.
#[test]
fn a_mirror_refuses_an_altered_entry() {
    use std::io::{Read, Write};
    let tmp = tempdir();
    let global = tmp.path().join("global");
    ok(&["demo", "--no-serve", "--data", &global.to_string_lossy()]);
    let server = Server::start(&global);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let upstream = server.url.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request);
            let Some(path) = line.split_whitespace().nth(1) else {
                continue;
            };
            let (status, _, mut body) = get(&format!("{upstream}{path}"));
            if path.starts_with("/tile/entries/") && body.len() > 4 {
                let len = u16::from_be_bytes([body[0], body[1]]) as usize;
                body[2 + len / 2] ^= 1;
            }
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    let (africa, _) = follower(tmp.path(), &server, &proxy);
    let africa_arg = africa.to_string_lossy().to_string();
    let out = run(&["federation", "pull", "--data", &africa_arg]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not verify, refused"), "{err}");
    let list = ok(&["federation", "list", "--data", &africa_arg]);
    assert!(list.contains("\t0 entries mirrored"), "{list}");
    server.stop();
}
