//! The published JSON Schemas tell the truth: every payload and envelope in the demo log
//! validates against the schema the server publishes for it (checked by Python's `jsonschema`,
//! an independent JSON Schema 2020-12 implementation), and a payload with an unknown member,
//! which the server refuses, fails the schema too.

use std::collections::BTreeMap;

use crate::common::*;
use crate::python;

fn json(url: &str) -> serde_json::Value {
    let (status, _, body) = get(url);
    assert_eq!(status, 200, "GET {url}");
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn every_logged_payload_validates_against_its_published_schema() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let url = &server.url;

    let (status, content_type, _) = get(&format!("{url}/schemas/envelope"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/schema+json")
    );
    let listed = json(&format!("{url}/schemas"));
    let mut schemas = BTreeMap::new();
    for s in listed.as_array().unwrap() {
        let href = s["href"].as_str().unwrap();
        schemas.insert(
            s["type"].as_str().unwrap().to_owned(),
            json(&format!("{url}{href}")),
        );
    }
    assert!(schemas.len() >= 15, "{listed}");

    let size = json(&format!("{url}/healthz"))["tree_size"]
        .as_u64()
        .unwrap();
    let mut envelopes = Vec::new();
    for i in 0..size {
        envelopes.push(json(&format!("{url}/entries/{i}"))["entry"]["envelope"].clone());
    }
    let seen: std::collections::BTreeSet<&str> = envelopes
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(
        seen.len() >= 12,
        "the demo log should exercise most entry types: {seen:?}"
    );

    let doc = serde_json::json!({
        "envelope_schema": json(&format!("{url}/schemas/envelope")),
        "schemas": schemas,
        "envelopes": envelopes,
        "policy_schema": json(&format!("{url}/schemas/enforcement-policy")),
        "policies": json(&format!("{url}/policy"))["versions"],
    });
    let file = tmp.path().join("check.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
doc = json.load(open(sys.argv[1]))
env = Draft202012Validator(doc["envelope_schema"])
checked = 0
for e in doc["envelopes"]:
    errors = list(env.iter_errors(e))
    assert not errors, f"envelope of {e['type']}: {errors[0].message}"
    v = Draft202012Validator(doc["schemas"][e["type"]])
    errors = list(v.iter_errors(e["payload"]))
    assert not errors, f"payload of {e['type']}: {errors[0].message} at {list(errors[0].path)}"
    bad = dict(e["payload"], unexpected_member=1)
    assert list(v.iter_errors(bad)), f"schema of {e['type']} accepts an unknown member"
    checked += 1
p = Draft202012Validator(doc["policy_schema"])
for version in doc["policies"]:
    errors = list(p.iter_errors(version["policy"]))
    assert not errors, f"policy {version['version']}: {errors[0].message}"
assert doc["policies"], "no policy in force"
print(f"{checked} envelopes valid")
"#;
    let out = python::command()
        .args(["-c", script, &file.to_string_lossy()])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the test tools' Python ({e}): {}",
                python::INSTALL
            )
        });
    assert!(
        out.status.success(),
        "schema check failed (is jsonschema installed? {}):\n{}{}",
        python::INSTALL,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{size} envelopes valid")));
    server.stop();
}
