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
    follower_named(dir, "africa", server, url)
}

/// [`follower`], named `name`.
fn follower_named(
    dir: &Path,
    name: &str,
    server: &Server,
    url: &str,
) -> (std::path::PathBuf, String) {
    let africa = dir.join(name);
    let data = africa.to_string_lossy().to_string();
    ok(&[
        "init",
        "--data",
        &data,
        "--origin",
        &format!("{name}.accord.example/regime"),
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

/// The size of `server`'s latest checkpoint: the second line of its note.
fn latest_size(server: &Server) -> u64 {
    let (_, _, note) = get(&format!("{}/checkpoint", server.url));
    note_size(&String::from_utf8(note).unwrap())
}

/// The size a checkpoint note states (its second line).
fn note_size(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("not a checkpoint: {note}"))
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
    let latest = latest_size(&server);
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

    // A key of the same log name that is not the followed instance's: everything is
    // refused, nothing stored.
    let impostor = accord_tlog::note::NoteSigner::new(
        vkey.split('+').next().unwrap(),
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
    )
    .unwrap()
    .verifier_key();
    ok(&[
        "federation",
        "follow",
        "--data",
        &africa_arg,
        "impostor",
        &server.url,
        "--key",
        &impostor,
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
    // Adherence per committed norm, as the followed instance computes it (a norm it has
    // figures for this year).
    let commitments = get_json(&server, "/parties/kestrel-software/commitments");
    let (norm, adherence) = commitments["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commitment"]["norm"].as_str().unwrap().to_owned())
        .map(|norm| {
            let a = get_json(
                &server,
                &format!("/parties/kestrel-software/indicators/adherence?norm={norm}"),
            );
            (norm, a)
        })
        .find(|(_, a)| a["value"]["percent"].is_number())
        .expect("kestrel-software has a measured commitment");
    let adherence = format!(
        "adherence to {norm} {:.1} % ({} of {})",
        adherence["value"]["percent"].as_f64().unwrap(),
        adherence["value"]["numerator"],
        adherence["value"]["denominator"]
    );
    for needle in [
        adherence,
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
    let tmp = tempdir();
    let global = tmp.path().join("global");
    ok(&["demo", "--no-serve", "--data", &global.to_string_lossy()]);
    let server = Server::start(&global);
    let upstream = server.url.clone();
    let proxy = proxy(
        move || upstream.clone(),
        |path, body| {
            if path.starts_with("/tile/entries/") && body.len() > 4 {
                let len = u16::from_be_bytes([body[0], body[1]]) as usize;
                body[2 + len / 2] ^= 1;
            }
        },
    );
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

/// An instance that forks its log — here a copy of the global instance, same key, that signs
/// other entries after the size both mirrors hold — is caught by the first pull that reaches
/// it, whether it lists its other checkpoint of the mirror's size (two trees of one size) or
/// hides it (its own consistency proof then shows that the smaller tree is not a prefix of
/// the larger). Each mirror keeps the proof, which verifies offline, keeps what it verified
/// before, takes nothing more, and a serving follower publishes the proof.
#[test]
fn a_mirror_catches_an_instance_that_forks_its_log_and_keeps_the_proof() {
    use std::sync::{Arc, Mutex};
    let tmp = tempdir();
    let global = tmp.path().join("global");
    ok(&["demo", "--no-serve", "--data", &global.to_string_lossy()]);
    let fork = tmp.path().join("fork");
    copy_dir(&global, &fork);
    let server = Server::start(&global);
    // Both followers read through proxies that can be pointed at another server; the
    // second one's can hide a checkpoint of a given size from `/checkpoints`.
    let upstream = Arc::new(Mutex::new(server.url.clone()));
    let hidden: Arc<Mutex<Option<u64>>> = Arc::new(Mutex::new(None));
    let straight = {
        let upstream = Arc::clone(&upstream);
        proxy(move || upstream.lock().unwrap().clone(), |_, _| {})
    };
    let hiding = {
        let upstream = Arc::clone(&upstream);
        let hidden = Arc::clone(&hidden);
        proxy(
            move || upstream.lock().unwrap().clone(),
            move |path, body| {
                let Some(size) = *hidden.lock().unwrap() else {
                    return;
                };
                if path.starts_with("/checkpoints") {
                    let mut list: Vec<serde_json::Value> = serde_json::from_slice(body).unwrap();
                    list.retain(|c| c["tree_size"] != size);
                    *body = serde_json::to_vec(&list).unwrap();
                }
            },
        )
    };
    let (lists, vkey) = follower_named(tmp.path(), "lists", &server, &straight);
    let (hides, _) = follower_named(tmp.path(), "hides", &server, &hiding);
    let key = KeyFile::load(global.join("keys/cert-aldoria.key")).unwrap();
    declare(&server, &key, "soc-a@aldoria.example");
    declare(&server, &key, "soc-b@aldoria.example");
    let held = latest_size(&server);
    for dir in [&lists, &hides] {
        let out = ok(&["federation", "pull", "--data", &dir.to_string_lossy()]);
        assert!(
            out.contains(&format!("mirror at {held} of {held}")),
            "{out}"
        );
    }
    server.stop();

    // The same key signs another history from the copy: other entries after the fork point.
    let forked = Server::start(&fork);
    for n in 0..3 {
        declare(&forked, &key, &format!("forked-{n}@aldoria.example"));
    }
    *upstream.lock().unwrap() = forked.url.clone();
    *hidden.lock().unwrap() = Some(held);

    for (dir, says) in [
        (&lists, format!("two different trees of size {held}")),
        (
            &hides,
            "the smaller is not a prefix of the larger".to_owned(),
        ),
    ] {
        let data = dir.to_string_lossy().to_string();
        let out = run(&["federation", "pull", "--data", &data]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("equivocated") && err.contains(&says), "{err}");
        let proof = dir.join("mirrors/global.equivocation.json");
        let checked = ok(&[
            "verify-equivocation",
            &proof.to_string_lossy(),
            "--verifier-key",
            &vkey,
        ]);
        assert!(checked.contains(&says), "{checked}");
        // What was verified before stays; nothing more is taken, even from an honest answer.
        let list = ok(&["federation", "list", "--data", &data]);
        assert!(
            list.contains(&format!("\t{held} entries mirrored\t"))
                && list.contains("\tEQUIVOCATED"),
            "{list}"
        );
        let again = run(&["federation", "pull", "--data", &data]);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("equivocated"));
    }

    // A serving follower publishes the proof, says so on its page, and alerts the points of
    // contact through the webhook its operator configured — once, across restarts.
    let statement = tmp.path().join("poc.json");
    std::fs::write(
        &statement,
        serde_json::json!({"type": "poc.declare", "schema": 1, "payload": {"contacts": [
            {"role": "policy", "channel": "email", "address": "duty@lists.example",
             "hours": "24x7", "languages": ["en"]}]}})
        .to_string(),
    )
    .unwrap();
    ok(&[
        "submit",
        &statement.to_string_lossy(),
        "--key",
        &lists.join("keys/secretariat.key").to_string_lossy(),
        "--data",
        &lists.to_string_lossy(),
    ]);
    let (hook, alerts) = webhook();
    let serving = Server::start_with(&lists, &["--alert-webhook", &hook]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while alerts.lock().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no alert reached the webhook"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let published = get_json(&serving, "/federation/equivocations");
    let published = published.as_array().unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["instance"], "global");
    assert!(published[0]["finding"]
        .as_str()
        .unwrap()
        .contains(&format!("two different trees of size {held}")));
    let kept: serde_json::Value = serde_json::from_slice(
        &std::fs::read(lists.join("mirrors/global.equivocation.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(published[0]["proof"], kept);
    let (_, _, page) = get(&format!("{}/federation", serving.url));
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("global equivocated."), "{page}");
    let alert = alerts.lock().unwrap()[0].clone();
    assert_eq!(alert["type"], "accord-alert/v1");
    assert_eq!(alert["event"], "equivocation");
    assert_eq!(alert["instance"], "global");
    assert_eq!(alert["raised_by"], "lists.accord.example/regime");
    assert_eq!(alert["proof"], kept);
    assert_eq!(alert["finding"], published[0]["finding"]);
    assert_eq!(
        alert["recipients"],
        serde_json::json!([{"party": "secretariat", "role": "policy", "channel": "email",
                             "address": "duty@lists.example", "hours": "24x7"}])
    );
    serving.stop();
    let again = Server::start_with(&lists, &["--alert-webhook", &hook]);
    std::thread::sleep(std::time::Duration::from_secs(7));
    assert_eq!(alerts.lock().unwrap().len(), 1, "alerted twice");
    again.stop();
    forked.stop();
}

/// Copies a data directory (a stopped instance's) file by file.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A regime of two states that recognizes the instance at `url` with `vkey`: a scenario whose
/// only negotiation is that recognition, proposed, supported by both and adopted.
fn recognizing_scenario(vkey: &str, url: &str) -> String {
    format!(
        r#"
[scenario]
name = "south"
description = "A regional regime that recognizes the global instance."
seed = 7
origin = "south.accord.example/regime"
display_name = "Regional regime of the South"
start = 2026-06-01T09:00:00Z

[[party]]
id = "state-north"
kind = "state"
name = "Northern Republic"
region = "africa"

[[party]]
id = "state-south"
kind = "state"
name = "Southern Republic"
region = "africa"

[[step]]
at = "day 1 10:00"
by = "state-north"
type = "instrument.propose"
[step.payload]
instrument = "rec-global"
title = "Recognition of the global instance"
draft = {{ kind = "recognition", recognize = [{{ name = "Accord demo regime", verifier_key = "{vkey}", url = "{url}", counts = ["audits", "findings"] }}] }}
comment_until = "@day 2 10:00"
positions_until = "@day 4 10:00"

[[step]]
at = "day 3 10:00"
by = ["state-north", "state-south"]
type = "instrument.position"
payload = {{ instrument = "rec-global", version = 1, stance = "support" }}

[[step]]
at = "day 5 10:00"
by = "secretariat"
type = "instrument.decide"
payload = {{ instrument = "rec-global", outcome = "adopted" }}
"#
    )
}

/// Mutual recognition is an instrument like any other: once the regime adopts it, its
/// instrument — not this instance's operator — says which key another instance's log is
/// checked with; following it with another key is refused, and the pages say what counts.
#[test]
fn an_instance_the_regime_recognizes_is_followed_with_the_key_its_instrument_names() {
    let tmp = tempdir();
    let global = tmp.path().join("global");
    ok(&["demo", "--no-serve", "--data", &global.to_string_lossy()]);
    let server = Server::start(&global);
    let (_, _, vkey) = get(&format!("{}/verifier-key", server.url));
    let vkey = String::from_utf8(vkey).unwrap().trim().to_owned();
    let origin = vkey.split('+').next().unwrap().to_owned();
    let file = tmp.path().join("south.toml");
    std::fs::write(&file, recognizing_scenario(&vkey, &server.url)).unwrap();
    let south = tmp.path().join("south");
    let data = south.to_string_lossy().to_string();
    ok(&[
        "demo",
        "--scenario",
        &file.to_string_lossy(),
        "--data",
        &data,
        "--no-serve",
    ]);

    // Another key for the recognized log: refused, naming the instrument and the key.
    let impostor = accord_tlog::note::NoteSigner::new(
        &origin,
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
    )
    .unwrap()
    .verifier_key();
    let out = run(&[
        "federation",
        "follow",
        "--data",
        &data,
        "global",
        &server.url,
        "--key",
        &impostor,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("recognizes") && err.contains("rec-global") && err.contains(&vkey),
        "{err}"
    );
    // A log the regime does not recognize: named.
    let out = run(&[
        "federation",
        "follow",
        "--data",
        &data,
        "x",
        "--recognized",
        "nobody.example/log",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("recognizes no instance"));
    // Followed as recognized: URL and key from the instrument.
    let out = ok(&[
        "federation",
        "follow",
        "--data",
        &data,
        "global",
        "--recognized",
        &origin,
    ]);
    assert!(
        out.contains("recognized by instrument rec-global: its audits, findings count here"),
        "{out}"
    );
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(south.join("federation.json")).unwrap()).unwrap();
    assert_eq!(config["followed"][0]["verifier_key"], vkey.as_str());
    assert_eq!(config["followed"][0]["url"], server.url.as_str());
    ok(&["federation", "pull", "--data", &data]);
    let list = ok(&["federation", "list", "--data", &data]);
    assert!(
        list.contains("recognized by instrument rec-global"),
        "{list}"
    );

    let serving = Server::start(&south);
    // The page says what the API says: once the first pull is done, each mirror's size of
    // the followed instance's latest, and whether it is recognized here.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mirrors = loop {
        let m = get_json(&serving, "/federation/mirrors");
        if m[0]["remote"].as_u64() > Some(0) {
            break m;
        }
        assert!(std::time::Instant::now() < deadline, "never pulled: {m}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let mirror = &mirrors[0];
    assert_eq!(mirror["instance"], "global");
    assert_eq!(mirror["equivocated"], false);
    assert_eq!(mirror["size"], mirror["remote"]);
    let (_, _, page) = get(&format!("{}/federation", serving.url));
    let page = String::from_utf8(page).unwrap();
    for needle in [
        mirror["recognized"].as_str().unwrap().to_owned(),
        format!("{} of {}", mirror["size"], mirror["remote"]),
        "recognized by instrument rec-global: its audits, findings count here".to_owned(),
        "Instances the regime recognizes".to_owned(),
        "href=\"/instrument/rec-global\"".to_owned(),
    ] {
        assert!(
            page.contains(&needle),
            "`{needle}` not on /federation: {page}"
        );
    }
    let (status, _, page) = get(&format!("{}/instrument/rec-global", serving.url));
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Mutual recognition") && page.contains(&format!("log {origin}")),
        "{page}"
    );
    serving.stop();
    server.stop();
}

/// `accord demo --federation`: the global demo world, two regional instances that recognize
/// it and witness each other, and a rogue instance caught forking its log — every part set up
/// with the commands an operator types, and every log and proof checkable afterwards.
#[test]
fn the_federated_demo_recognizes_witnesses_mirrors_and_catches_the_rogue() {
    let tmp = tempdir();
    let root = tmp.path().join("federation");
    let out = ok(&[
        "demo",
        "--federation",
        "--no-serve",
        "--data",
        &root.to_string_lossy(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(
        out.contains("rogue") && out.contains("equivocated — the log signed two different trees"),
        "{out}"
    );
    // Every instance's log verifies from entry 0.
    for instance in ["global", "south", "north", "rogue", "rogue-fork"] {
        ok(&["verify", "--data", &root.join(instance).to_string_lossy()]);
    }
    // South: the global instance followed as recognized, the north as information, the rogue
    // caught with a proof that verifies offline under the rogue's own key.
    let south = root.join("south").to_string_lossy().to_string();
    let list = ok(&["federation", "list", "--data", &south]);
    let line = |name: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("{name}\t")))
            .unwrap_or_else(|| panic!("{name} not followed: {list}"))
            .to_owned()
    };
    let global_size = get_size(&root.join("global"));
    assert!(
        line("global").contains(&format!(
            "\t{global_size} entries mirrored\trecognized by instrument recognition-global"
        )),
        "{list}"
    );
    assert!(line("north").contains("not recognized here"), "{list}");
    assert!(line("rogue").contains("EQUIVOCATED"), "{list}");
    let rogue: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("rogue/instance.json")).unwrap()).unwrap();
    let proven = ok(&[
        "verify-equivocation",
        &root
            .join("south/mirrors/rogue.equivocation.json")
            .to_string_lossy(),
        "--verifier-key",
        rogue["verifier_key"].as_str().unwrap(),
    ]);
    assert!(proven.starts_with("PROVEN: "), "{proven}");
    // Each region's witness cosigned the global log to its end and the other region's log.
    for (witness, other) in [("witness-south", "north"), ("witness-north", "south")] {
        let status = ok(&[
            "witness",
            "status",
            "--dir",
            &root.join(witness).to_string_lossy(),
        ]);
        for (origin, size) in [
            ("demo.accord.example/regime".to_owned(), global_size),
            (
                format!("{other}.accord.example/regime"),
                get_size(&root.join(other)),
            ),
        ] {
            assert!(
                status.contains(&format!("log {origin}: cosigned size {size} ")),
                "{witness}: {status}"
            );
        }
    }
    // A certification the global councils issued counts in both regions: each finds it in its
    // verified mirror of the global log, which its recognition counts certifications of; the
    // rogue, which follows no one, does not know it.
    let credential = ok(&[
        "credential",
        "show",
        "0",
        "--data",
        &root.join("global").to_string_lossy(),
    ]);
    let file = tmp.path().join("credential-0.json");
    std::fs::write(&file, credential).unwrap();
    for region in ["south", "north"] {
        let out = ok(&[
            "credential",
            "verify",
            &file.to_string_lossy(),
            "--data",
            &root.join(region).to_string_lossy(),
        ]);
        assert!(
            out.contains(
                "whose certifications this regime recognizes (instrument recognition-global"
            ) && out.contains("recomputed from the log"),
            "{region}: {out}"
        );
    }
    let out = run(&[
        "credential",
        "verify",
        &file.to_string_lossy(),
        "--data",
        &root.join("rogue").to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL  recognized here"));
    // A second run into the same directory is refused unless it replaces the demo there.
    let again = run(&[
        "demo",
        "--federation",
        "--no-serve",
        "--data",
        &root.to_string_lossy(),
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--fresh"));
}

/// The size of the latest checkpoint a stopped instance published (its note's second line).
fn get_size(data: &Path) -> u64 {
    note_size(&std::fs::read_to_string(data.join("published-checkpoint")).unwrap())
}
