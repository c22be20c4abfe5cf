//! The demo world is deterministic and verifies; changing any stored byte of an entry, a
//! tile, a checkpoint or a state digest makes `accord verify` fail and name what changed.

use std::path::Path;

use crate::common::*;

fn seed(dir: &Path) -> serde_json::Value {
    let data = dir.to_string_lossy();
    let out = ok(&["demo", "--no-serve", "--data", &data]);
    assert!(out.contains("Seeded the demo world"), "{out}");
    serde_json::from_str(&ok(&["verify", "--data", &data, "--json"])).expect("verify --json")
}

#[test]
fn the_demo_world_is_deterministic_alive_and_verifies() {
    let tmp = tempdir();
    let a = seed(&tmp.path().join("a"));
    let b = seed(&tmp.path().join("b"));
    assert_eq!(a["valid"], true);
    assert_eq!(a["root"], b["root"], "same seed, same log");
    assert_eq!(a["state_digest"], b["state_digest"]);
    assert!(a["entries"].as_u64().unwrap() >= 300, "{a}");
    assert!(a["parties"].as_u64().unwrap() >= 12, "{a}");

    // Reusing an existing world keeps it; --fresh seeds it again to the same log.
    let data = tmp.path().join("a");
    let out = ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    assert!(out.contains("Reusing"), "{out}");
    let out = ok(&[
        "demo",
        "--no-serve",
        "--fresh",
        "--data",
        &data.to_string_lossy(),
    ]);
    assert!(out.contains("Seeded"), "{out}");
    let again: serde_json::Value = serde_json::from_str(&ok(&[
        "verify",
        "--data",
        &data.to_string_lossy(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(again["root"], a["root"]);

    // --fresh refuses to delete a directory that is not an Accord data directory.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("precious.txt"), "keep me").unwrap();
    let out = run(&[
        "demo",
        "--no-serve",
        "--fresh",
        "--data",
        &foreign.to_string_lossy(),
    ]);
    assert!(!out.status.success());
    assert!(foreign.join("precious.txt").exists());
}

#[test]
fn the_demo_world_holds_a_year_of_negotiation() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    seed(&data);
    let server = Server::start(&data);
    let json = |path: &str| -> serde_json::Value {
        let (status, _, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "GET {path}");
        serde_json::from_slice(&body).unwrap()
    };
    // The baseline catalog plus the norm negotiated in spring.
    assert_eq!(json("/norms").as_array().unwrap().len(), 18);
    // Two regional profiles with different tailoring.
    let europe = json("/regions/europe/parameters");
    let africa = json("/regions/africa/parameters");
    assert_eq!(
        europe["effective"]["disclosure_window_days"]["origin"],
        "region:europe"
    );
    assert_eq!(
        africa["effective"]["disclosure_window_days"]["origin"],
        "baseline"
    );
    assert_eq!(
        africa["effective"]["remediation_days_critical"]["origin"],
        "region:africa"
    );
    // One negotiation concluded with amendments and reservations.
    let done = json("/instruments/norm-joint-exercises");
    assert_eq!(done["status"], "adopted");
    let amendments = done["instrument"]["amendments"].as_object().unwrap();
    let statuses: Vec<&str> = amendments
        .values()
        .filter_map(|a| a["status"].as_str())
        .collect();
    assert!(
        statuses.contains(&"accepted") && statuses.contains(&"superseded"),
        "{statuses:?}"
    );
    let signatures = done["instrument"]["signatures"].as_object().unwrap();
    assert!(signatures
        .values()
        .any(|s| !s["reservations"].as_array().unwrap().is_empty()));
    // One in progress, with positions from every chamber.
    let open = json("/instruments/amend-disclosure-csaf");
    assert_eq!(open["status"], "positions");
    let chambers: std::collections::BTreeSet<&str> = open["instrument"]["positions"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| p["chamber"].as_str())
        .collect();
    assert_eq!(chambers.len(), 4, "{chambers:?}");

    // The same, on the pages people read.
    let page = |path: &str| -> String {
        let (status, content_type, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "GET {path}");
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        String::from_utf8(body).unwrap()
    };
    let catalog = page("/catalog?from=1&to=2");
    assert!(
        catalog.contains("joint-exercises") && catalog.contains("<ins>"),
        "the diff shows the new norm"
    );
    assert!(catalog.contains("computed at the signed checkpoint of"));
    let negotiations = page("/negotiations");
    assert!(
        negotiations.contains("amend-disclosure-csaf")
            && negotiations.contains("weighted chambers")
    );
    let calendar = page("/calendar");
    assert!(calendar.contains("Review calendar") && calendar.contains("gge-a"));
    server.stop();
}

#[test]
fn the_demo_world_commits_and_reports() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    seed(&data);
    let server = Server::start(&data);
    let json = |path: &str| -> serde_json::Value {
        let (status, _, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "GET {path}");
        serde_json::from_slice(&body).unwrap()
    };
    // Commitments, one of them withdrawn with its history kept.
    let kestrel = json("/parties/kestrel-software/commitments");
    let withdrawn: Vec<&serde_json::Value> = kestrel["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["commitment"]["active"] == false)
        .collect();
    assert_eq!(withdrawn.len(), 1, "{kestrel}");
    assert_eq!(
        withdrawn[0]["commitment"]["history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Overdue items appear without anyone asking.
    let overdue = json("/overdue");
    // A browser gets the same list as a page.
    let page = ureq::get(&format!("{}/overdue", server.url))
        .header("accept", "text/html,application/xhtml+xml")
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        page.contains("<h2>Overdue</h2>") && page.contains("<tr>"),
        "{page}"
    );
    assert!(
        !overdue["overdue"].as_array().unwrap().is_empty(),
        "{overdue}"
    );
    // Some party has a mix of on-time and late stages, and the explain view names the entries.
    let mut mixed = false;
    for p in json("/parties").as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let e = json(&format!(
            "/parties/{id}/indicators/incident_notification_timeliness"
        ));
        let items = e["items"].as_array().unwrap();
        let outcomes: std::collections::BTreeSet<&str> =
            items.iter().filter_map(|i| i["outcome"].as_str()).collect();
        mixed |= outcomes.contains("on_time") && outcomes.contains("late");
        for i in items.iter().filter(|i| i["outcome"] != "overdue") {
            let entry = i["entry"].as_u64().unwrap();
            let logged = json(&format!("/entries/{entry}"));
            assert_eq!(logged["entry"]["envelope"]["type"], "report.incident");
            assert_eq!(logged["entry"]["envelope"]["signer"]["party"], id);
        }
    }
    assert!(
        mixed,
        "the demo should have a party with both on-time and late stages"
    );
    server.stop();
}

#[test]
fn the_demo_world_enforces_with_due_process_and_verify_recomputes_it() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    let verified = seed(&data);
    let server = Server::start(&data);
    let json = |path: &str| -> serde_json::Value {
        let (status, _, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "GET {path}");
        serde_json::from_slice(&body).unwrap()
    };
    let docket = json("/cases");
    let cases = docket["cases"].as_array().unwrap();
    let find = |id: &str| cases.iter().find(|c| c["case"] == id).unwrap().clone();
    // Sanctioned, remediated, verified: restored.
    let restored = find("2026-001");
    assert_eq!(restored["final_finding"]["finding"], "violation");
    assert_eq!(restored["measures"]["ends_by"], "restored");
    assert_eq!(restored["measures_in_force"], false);
    // Reversed on appeal by a disjoint panel.
    let reversed = json("/cases/2026-002");
    assert_eq!(reversed["final_finding"]["finding"], "no_violation");
    let first: Vec<&serde_json::Value> = reversed["record"]["panel"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for m in reversed["record"]["appeal"]["panel"]["members"]
        .as_array()
        .unwrap()
    {
        assert!(!first.contains(&m), "{m} sat on both panels");
    }
    // An honest mistake never brings a measure; an overdue plan flags the standing.
    assert_eq!(
        find("2026-003")["final_finding"]["finding"],
        "honest_mistake"
    );
    assert!(find("2026-003")["measures"].is_null());
    let flagged = json("/parties/kestrel-software/standing");
    assert_eq!(flagged["standing"], "flagged");
    assert_eq!(flagged["public_statements"][0], "2026-004");
    assert_eq!(find("2026-005")["stage"]["stage"], "dismissed");
    // The rushed step is on the record, signed by the instance.
    let rushed = json("/cases/2026-006");
    let refusal = &rushed["record"]["refusals"][0];
    assert_eq!(refusal[0]["by"], "secretariat");
    let entry = json(&format!("/entries/{}", refusal[1]["index"]));
    assert_eq!(entry["entry"]["envelope"]["signer"]["party"], "instance");
    // Exchanges on the escalation ladder: one escalated and settled, one open.
    let exchanges = json("/exchanges");
    let list = exchanges["exchanges"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let settled = json("/exchanges/x-scan-0927");
    assert_eq!(
        (settled["open"].as_bool(), settled["rung"].as_str()),
        (Some(false), Some("clarification"))
    );
    assert_eq!(settled["rungs"][0]["outcome"], "overdue");
    assert_eq!(settled["rungs"][1]["outcome"], "on_time");
    assert_eq!(json("/exchanges/x-claim-b1")["open"], true);
    // Audits: two scheduled ones (Dunmore's baseline, certified; Northwind's, whose finding
    // feeds the gap), and a peer review by other regions.
    let audits = json("/audits");
    assert_eq!(audits["audits"].as_array().unwrap().len(), 3);
    let gap = json(
        "/parties/northwind-cloud/indicators/self_assessment_gap?norm=vulnerability-disclosure",
    );
    assert!(gap["figures"]["gap"].is_number(), "{gap}");
    // Every draw and finding above is in the state digest `accord verify` recomputed.
    let digest = verified["state_digest"].as_str().unwrap();
    let checkpoints = json("/checkpoints?after=0&limit=1000");
    let size = json("/healthz")["tree_size"].as_u64().unwrap();
    let mut all = checkpoints.as_array().unwrap().clone();
    while all
        .last()
        .is_some_and(|c| c["tree_size"].as_u64().unwrap() < size)
    {
        let after = all.last().unwrap()["tree_size"].as_u64().unwrap();
        let more = json(&format!("/checkpoints?after={after}&limit=1000"));
        all.extend(more.as_array().unwrap().iter().cloned());
    }
    assert_eq!(all.last().unwrap()["state_digest"], digest);
    server.stop();
}

#[test]
fn the_demo_world_shares_intelligence_over_taxii_by_tlp_group_and_tier() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    seed(&data);
    let server = Server::start(&data);
    let taxii = |party: &str, path: &str| -> serde_json::Value {
        let token = std::fs::read_to_string(data.join("keys").join(format!("{party}.token")))
            .expect("the demo saves each party's token");
        let mut res = agent()
            .get(&format!("{}/taxii2/accord/{path}", server.url))
            .header("accept", "application/taxii+json;version=2.1")
            .header("authorization", &format!("Bearer {}", token.trim()))
            .call()
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "{party} GET {path}");
        serde_json::from_slice(&res.body_mut().read_to_vec().unwrap()).unwrap()
    };
    let names = |party: &str, collection: &str| -> Vec<String> {
        let page = taxii(
            party,
            &format!("collections/{collection}/objects/?limit=1000"),
        );
        page["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|o| o["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // A CERT in the circle reads TLP:AMBER, AMBER+STRICT and RED shared there.
    let circle = names("cert-esteria", "cert-circle");
    for n in [
        "NorthLoader staging server",
        "Utility VPN brute force",
        "Ministry mail implant beacon",
    ] {
        assert!(circle.iter().any(|c| c == n), "{n} missing from {circle:?}");
    }
    // Kestrel Software, in the circle but on a reduced tier after its second violation, gets
    // only TLP:CLEAR there (nothing) and in the community.
    let standing = {
        let (_, _, body) = get(&format!("{}/parties/kestrel-software/standing", server.url));
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()
    };
    assert_eq!(standing["tier"], "reduced", "{standing}");
    assert!(names("kestrel-software", "cert-circle").is_empty());
    let community = names("kestrel-software", "community");
    assert!(
        community
            .iter()
            .all(|n| n.starts_with("scanner cert-aldoria") || n.starts_with("NorthLoader")),
        "{community:?}"
    );
    // A party outside the circle does not see it; the withdrawn indicator is gone for all;
    // the revoked one says so.
    let collections = taxii("state-calandra", "collections/");
    assert_eq!(collections["collections"].as_array().unwrap().len(), 1);
    let all = names("cert-calandra", "community");
    assert!(!all.iter().any(|n| n == "Esterian ministry phishing domain"));
    let objects = taxii(
        "cert-calandra",
        "collections/community/objects/?match[type]=indicator&limit=1000",
    );
    let c2 = objects["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "NorthLoader command server")
        .unwrap();
    assert_eq!(c2["revoked"], true);
    // The public statistics, and the sighting that corroborates claim c1.
    let (_, _, body) = get(&format!("{}/sharing", server.url));
    let stats: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(stats["by_tlp"]["TLP:RED"], 1, "{stats}");
    assert!(stats["object_versions"].as_u64().unwrap() > 40, "{stats}");
    let (_, _, body) = get(&format!(
        "{}/parties/state-calandra/indicators/attribution_parity",
        server.url
    ));
    let parity: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(parity["figures"]["corroboration_rate"], 1.0, "{parity}");
    // The incident notification that names Aldoria reaches it, with its stages.
    let (_, _, body) = get(&format!(
        "{}/parties/state-aldoria/notifications",
        server.url
    ));
    let notes: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let first = &notes["notifications"][0];
    assert_eq!(
        first["incident"]["incident"], "mail-intrusion-0819",
        "{notes}"
    );
    assert_eq!(first["incident"]["party"], "cert-calandra", "{notes}");
    assert_eq!(first["outcomes"]["early_warning"], "on_time", "{notes}");
    assert_eq!(first["outcomes"]["notification"], "overdue", "{notes}");
    server.stop();
}

/// Copies a seeded data directory and flips one byte of one stored value in the copy.
fn tampered(seeded: &Path, dest: &Path, table: &str, column: &str, row: &str, byte: usize) {
    std::fs::create_dir_all(dest).unwrap();
    for f in ["accord.db", "instance.json", "instance.key"] {
        std::fs::copy(seeded.join(f), dest.join(f)).unwrap();
    }
    let conn = rusqlite::Connection::open(dest.join("accord.db")).unwrap();
    let select = format!("SELECT {column} FROM {table} WHERE {row}");
    let value: rusqlite::types::Value = conn.query_row(&select, [], |r| r.get(0)).unwrap();
    let new = match value {
        rusqlite::types::Value::Blob(mut b) => {
            b[byte] ^= 0x01;
            rusqlite::types::Value::Blob(b)
        }
        rusqlite::types::Value::Text(t) => {
            let mut b = t.into_bytes();
            b[byte] ^= 0x01;
            rusqlite::types::Value::Text(String::from_utf8(b).expect("flip keeps ASCII"))
        }
        other => panic!("unexpected value {other:?}"),
    };
    let update = format!("UPDATE {table} SET {column} = ?1 WHERE {row}");
    assert_eq!(conn.execute(&update, [new]).unwrap(), 1);
}

fn verify_fails(dir: &Path, expect: &str) {
    let out = run(&["verify", "--data", &dir.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "verify should fail: {stderr}");
    assert!(stderr.contains(expect), "expected `{expect}` in: {stderr}");
}

#[test]
fn verify_names_every_tampered_byte() {
    let tmp = tempdir();
    let seeded = tmp.path().join("seeded");
    ok(&["demo", "--no-serve", "--data", &seeded.to_string_lossy()]);
    let cases = [
        ("entries", "data", "idx = 57", 60, "entry 57"),
        ("entries", "leaf_hash", "idx = 120", 3, "entry 120"),
        ("tiles", "data", "level = 0 AND idx = 1", 100, "tile 0/1"),
        (
            "checkpoints",
            "note",
            "tree_size = 70",
            2,
            "checkpoint at tree size 70",
        ),
        (
            "checkpoints",
            "state_digest",
            "tree_size = 200",
            0,
            "checkpoint at tree size 200",
        ),
    ];
    for (i, (table, column, row, byte, expect)) in cases.iter().enumerate() {
        let dest = tmp.path().join(format!("t{i}"));
        tampered(&seeded, &dest, table, column, row, *byte);
        verify_fails(&dest, expect);
    }
}

/// A signature altered in a stored entry (its leaf hash recomputed, so only the signature
/// tells): both ways of checking signatures — in batches, the default, and one by one — name
/// that entry, deep in the log and past the first chunk of the replay.
#[test]
fn verify_names_a_bad_signature_in_batches_and_one_by_one() {
    let tmp = tempdir();
    let seeded = tmp.path().join("seeded");
    ok(&["demo", "--no-serve", "--data", &seeded.to_string_lossy()]);
    let dest = tmp.path().join("forged");
    std::fs::create_dir_all(&dest).unwrap();
    for f in ["accord.db", "instance.json", "instance.key"] {
        std::fs::copy(seeded.join(f), dest.join(f)).unwrap();
    }
    let conn = rusqlite::Connection::open(dest.join("accord.db")).unwrap();
    let index = 1_111i64;
    let data: Vec<u8> = conn
        .query_row("SELECT data FROM entries WHERE idx = ?1", [index], |r| {
            r.get(0)
        })
        .unwrap();
    let text = String::from_utf8(data).unwrap();
    let at = text.find("\"signature\":\"").expect("a signature") + 13;
    let mut bytes = text.into_bytes();
    // Another base64 letter: still canonical, still 64 bytes, no longer the signature.
    bytes[at + 10] = if bytes[at + 10] == b'A' { b'B' } else { b'A' };
    conn.execute(
        "UPDATE entries SET data = ?1, leaf_hash = ?2 WHERE idx = ?3",
        rusqlite::params![&bytes, &accord_tlog::leaf_hash(&bytes)[..], index],
    )
    .unwrap();
    drop(conn);
    for extra in [None, Some("--one-by-one")] {
        let mut args = vec!["verify", "--data"];
        let d = dest.to_string_lossy().into_owned();
        args.push(&d);
        args.extend(extra);
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {stderr}");
        assert!(
            stderr.contains(&format!("entry {index}")) && stderr.contains("signature"),
            "{extra:?}: {stderr}"
        );
    }
}
