//! The field's own validator agrees: every STIX object the demo serves over TAXII, and every
//! object the tests post and Accord accepts, passes the OASIS STIX validator
//! (`stix2-validator`, installed by `scripts/install-test-tools`) with no errors. Warnings
//! (its SHOULDs, such as "an SDO's id SHOULD be a version 4 UUID") are not errors. The test
//! fails — it never skips — when the tool is missing.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;

use serde_json::{json, Value};

use crate::common::*;
use crate::python;

/// The validator's verdict: how many objects it checked, and the errors of each it refused.
fn oasis_validate(objects: &[Value]) -> Value {
    let script =
        std::path::Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("run through cargo"))
            .join("tests/interop/stix2_validate.py");
    let mut child = python::command()
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the test tools' Python ({e}): {}",
                python::INSTALL
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(objects).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "stix2-validator failed to run (if it is missing, {}):\n{}",
        python::INSTALL,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_all_valid(what: &str, objects: &[Value]) {
    let verdict = oasis_validate(objects);
    assert_eq!(verdict["checked"], objects.len(), "{verdict}");
    assert_eq!(
        verdict["failed"],
        json!([]),
        "{what}: the OASIS validator refuses these"
    );
}

#[test]
fn every_object_the_demo_serves_passes_the_oasis_validator() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let taxii = |token: &str, path: &str| -> Value {
        let mut res = agent()
            .get(&format!("{}/taxii2/accord/{path}", server.url))
            .header("accept", "application/taxii+json;version=2.1")
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        serde_json::from_slice(&res.body_mut().read_to_vec().unwrap()).unwrap()
    };
    // Every version of every object, as every party with a token reads it.
    let mut served: BTreeMap<(String, String), Value> = BTreeMap::new();
    for entry in std::fs::read_dir(data.join("keys")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "token") {
            continue;
        }
        let token = std::fs::read_to_string(&path).unwrap();
        let token = token.trim();
        let collections = taxii(token, "collections/");
        for c in collections["collections"].as_array().unwrap() {
            let id = c["id"].as_str().unwrap();
            let page = taxii(
                token,
                &format!("collections/{id}/objects/?limit=1000&match[version]=all"),
            );
            for o in page["objects"].as_array().into_iter().flatten() {
                let key = (
                    o["id"].as_str().unwrap().to_owned(),
                    o["modified"].as_str().unwrap_or("").to_owned(),
                );
                served.insert(key, o.clone());
            }
        }
    }
    let objects: Vec<Value> = served.into_values().collect();
    assert!(objects.len() >= 20, "only {} objects served", objects.len());
    assert_all_valid("objects the demo serves", &objects);
}

#[test]
fn every_object_the_tests_post_passes_the_oasis_validator() {
    let mut objects = crate::sharing::posted_objects();
    objects.extend(crate::security::posted_objects());
    objects.push(json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--0000002a-0000-4000-8000-000000000000",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "scanner 42", "description": "Mass scanning of exposed management interfaces.",
        "pattern": "[ipv4-addr:value = '10.0.0.42']", "pattern_type": "stix",
        "valid_from": "2026-06-01T00:00:00Z", "indicator_types": ["malicious-activity"],
        "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],
    }));
    // Each is one Accord accepts, so the two validators are held to the same objects.
    for o in &objects {
        if let Err(f) = accord_stix::validate(o) {
            panic!("Accord refuses an object the tests post as valid: {o}: {f:?}");
        }
    }
    assert_all_valid("objects the tests post", &objects);
}

/// And the other way: what the second edition of Accord's rules refuses for a reason the
/// OASIS validator also checks, it refuses too.
#[test]
fn the_oasis_validator_refuses_what_accord_now_refuses() {
    let base = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--0000002a-0000-4000-8000-000000000000",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "x", "pattern": "[ipv4-addr:value = '10.0.0.42']", "pattern_type": "stix",
        "valid_from": "2026-06-01T00:00:00Z",
    });
    let with = |k: &str, v: Value| {
        let mut o = base.clone();
        o[k] = v;
        o
    };
    let refused = vec![
        with(
            "id",
            json!("indicator--b16ab9b2-98bf-893f-86d3-158d9add1052"),
        ),
        with("pattern", json!("[ipv4-addr:value = ]")),
        with(
            "kill_chain_phases",
            json!([{"kill_chain_name": "mitre-attack"}]),
        ),
        with("valid_until", json!("2026-01-01T00:00:00Z")),
        with("labels", json!([])),
        with("x_Acme", json!(1)),
        with("_x_acme", json!(1)),
        with("lang", json!("en_US")),
        with(
            "granular_markings",
            json!([{"marking_ref": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "selectors": ["nothing_here"]}]),
        ),
    ];
    for o in &refused {
        assert!(accord_stix::validate(o).is_err(), "Accord accepts {o}");
    }
    let verdict = oasis_validate(&refused);
    let failed = verdict["failed"].as_array().unwrap();
    assert_eq!(failed.len(), refused.len(), "{verdict}");
}
