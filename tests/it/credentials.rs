//! Portable certifications end to end on the demo world: the credentials its councils issued
//! verify with Digital Bazaar's libraries (an independent implementation of VC 2.0, Data
//! Integrity `eddsa-rdfc-2022` and Bitstring Status List), offline, and a tampered one, one
//! signed by a key that is not its issuer's, an expired one and a suspended one each fail there
//! for that reason; every credential passes the W3C VC 2.0 JSON Schema; `accord credential
//! verify` and the credential's page say the same; a council issues one from the command line
//! and the secretariat cannot.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::common::*;
use crate::digital_bazaar::verdicts as digital_bazaar;
use crate::python;

fn json_of(url: &str) -> (String, Value) {
    let (status, content_type, body) = get(url);
    assert_eq!(status, 200, "GET {url}: {}", String::from_utf8_lossy(&body));
    (content_type, serde_json::from_slice(&body).unwrap())
}

/// The W3C VC 2.0 JSON Schema's errors for each document (Python's `jsonschema`).
fn schema_errors(documents: &[Value]) -> Vec<Vec<String>> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vc/verifiable-credential-schema.json");
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
docs = json.load(sys.stdin)
print(json.dumps([[e.message for e in validator.iter_errors(d)] for d in docs]))
"#;
    let mut child = python::command()
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        &serde_json::to_vec(documents).unwrap(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "jsonschema failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn errors(verdicts: &BTreeMap<String, Value>, name: &str) -> String {
    verdicts[name]["errors"].to_string()
}

#[test]
fn the_demos_credentials_verify_with_digital_bazaar_and_each_fault_fails_for_its_reason() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let url = &server.url;

    let (_, listed) = json_of(&format!("{url}/credentials"));
    let listed = listed["credentials"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let mut credentials = Vec::new();
    for c in &listed {
        let (content_type, credential) = json_of(&format!("{url}/credentials/{}", c["number"]));
        assert_eq!(content_type, "application/vc");
        assert_eq!(c["status"]["state"], "valid", "{c}");
        credentials.push(credential);
    }
    let dunmore = credentials[0].clone();
    assert_eq!(
        dunmore["credentialSubject"]["id"],
        "https://demo.accord.example/regime/parties/state-dunmore"
    );
    let lists: Vec<Value> = ["suspension", "revocation"]
        .iter()
        .map(|p| json_of(&format!("{url}/credentials/status/{p}")).1)
        .collect();
    let documents = |lists: &[Value]| -> Value {
        lists
            .iter()
            .map(|l| (l["id"].as_str().unwrap().to_owned(), l.clone()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };

    // While the standing flag of case 2026-001 was in force (5 July to 5 October 2026), the
    // instance's own list, as of then, says suspended.
    let august = "2026-08-01T00:00:00.000Z";
    let august_lists: Vec<Value> = ["suspension", "revocation"]
        .iter()
        .map(|p| json_of(&format!("{url}/credentials/status/{p}?at={august}")).1)
        .collect();
    let (status, _, _) = get(&format!(
        "{url}/credentials/status/suspension?at=2030-01-01T00:00:00Z"
    ));
    assert_eq!(status, 400, "a list of a time the log has not reached");

    let mut tampered = dunmore.clone();
    tampered["credentialSubject"]["certification"]["norms"][0]["verifiedValue"] = json!(99);
    let mut unsigned = credentials[1].clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let impostor = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let wrong_key = accord_vc::proof::sign(&unsigned, &impostor, "2026-11-07T10:00:00Z").unwrap();

    let now = "2026-11-20T00:00:00Z";
    let verdicts = digital_bazaar(&json!({
        "now": now,
        "documents": documents(&lists),
        "credentials": [
            {"name": "dunmore", "credential": dunmore},
            {"name": "northwind", "credential": credentials[1]},
            {"name": "tampered", "credential": tampered},
            {"name": "wrong_key", "credential": wrong_key},
        ],
    }));
    for name in ["dunmore", "northwind"] {
        assert_eq!(
            verdicts[name]["verified"],
            true,
            "{name}: {}",
            errors(&verdicts, name)
        );
        assert_eq!(verdicts[name]["status"]["suspension"], false);
        assert_eq!(verdicts[name]["status"]["revocation"], false);
    }
    assert_eq!(verdicts["tampered"]["verified"], false);
    assert!(
        errors(&verdicts, "tampered").contains("Invalid signature"),
        "{}",
        errors(&verdicts, "tampered")
    );
    assert_eq!(verdicts["wrong_key"]["verified"], false);
    assert!(
        errors(&verdicts, "wrong_key").contains("issuer"),
        "{}",
        errors(&verdicts, "wrong_key")
    );

    let expired = digital_bazaar(&json!({
        "now": "2027-05-01T00:00:00Z",
        "documents": documents(&lists),
        "credentials": [{"name": "dunmore", "credential": dunmore}],
    }));
    assert_eq!(expired["dunmore"]["verified"], false);
    assert!(
        errors(&expired, "dunmore").contains("validUntil"),
        "{}",
        errors(&expired, "dunmore")
    );

    let suspended = digital_bazaar(&json!({
        "now": august,
        "documents": documents(&august_lists),
        "credentials": [
            {"name": "dunmore", "credential": dunmore},
        ],
    }));
    assert_eq!(suspended["dunmore"]["verified"], false);
    assert_eq!(suspended["dunmore"]["status"]["suspension"], true);
    assert_eq!(suspended["dunmore"]["status"]["revocation"], false);
    assert!(
        errors(&suspended, "dunmore").contains("suspension"),
        "{}",
        errors(&suspended, "dunmore")
    );

    // The W3C's JSON Schema of the data model, on every credential and status list issued.
    let mut all = credentials.clone();
    all.extend(lists.iter().cloned());
    all.extend(august_lists.iter().cloned());
    for (doc, errs) in all.iter().zip(schema_errors(&all)) {
        assert!(errs.is_empty(), "{}: {errs:?}", doc["id"]);
    }
    // And it is not a schema that passes anything.
    let mut broken = credentials[0].clone();
    broken["type"] = json!(["AccordCertification"]);
    broken.as_object_mut().unwrap().remove("issuer");
    assert!(!schema_errors(&[broken])[0].is_empty());

    // `accord credential verify`, offline, says what the page and the API say.
    let dir = tmp.path();
    std::fs::write(
        dir.join("c0.json"),
        serde_json::to_vec(&credentials[0]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("tampered.json"),
        serde_json::to_vec(&with_longer_validity(&credentials[0])).unwrap(),
    )
    .unwrap();
    let d = data.to_string_lossy().into_owned();
    let out = ok(&[
        "credential",
        "verify",
        &p(dir, "c0.json"),
        "--data",
        &d,
        "--json",
    ]);
    let cli: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(cli["verified"], true, "{cli}");
    let (_, api) = json_of(&format!("{url}/credentials/0/verification"));
    assert_eq!(api["verified"], true, "{api}");
    let names = |v: &Value| -> Vec<String> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for name in [
        "data model",
        "proof",
        "issuer key",
        "validity period",
        "recognized here",
    ] {
        assert!(names(&cli).contains(&name.to_owned()), "{name}: {cli}");
        assert!(names(&api).contains(&name.to_owned()), "{name}: {api}");
    }
    let (status, _, page) = get(&format!("{url}/credential/0"));
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    for check in api["checks"].as_array().unwrap() {
        assert!(page.contains(check["name"].as_str().unwrap()), "{check}");
        let detail = check["detail"]
            .as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        assert!(page.contains(&detail), "the page lacks {detail}");
    }
    assert!(page.contains("It verifies here"), "{page}");

    let bad = run(&[
        "credential",
        "verify",
        &p(dir, "tampered.json"),
        "--data",
        &d,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let said = String::from_utf8_lossy(&bad.stdout);
    assert!(said.contains("FAIL  proof"), "{said}");
    let then = run(&[
        "credential",
        "verify",
        &p(dir, "c0.json"),
        "--data",
        &d,
        "--at",
        august,
    ]);
    assert_eq!(then.status.code(), Some(1));
    let said = String::from_utf8_lossy(&then.stdout);
    assert!(
        said.contains("suspended") && said.contains("case 2026-001"),
        "{said}"
    );
    let with_list = run(&[
        "credential",
        "verify",
        &p(dir, "c0.json"),
        "--data",
        &d,
        "--status",
        &format!("{url}/credentials/status/suspension"),
        "--status",
        &format!("{url}/credentials/status/revocation"),
    ]);
    assert!(
        with_list.status.success(),
        "{}",
        String::from_utf8_lossy(&with_list.stdout)
    );
    // `accord verify --url` recomputes the status lists and holds the published ones to them.
    let verifier_key = String::from_utf8(get(&format!("{url}/verifier-key")).2).unwrap();
    let honest = ok(&[
        "verify",
        "--url",
        url,
        "--verifier-key",
        verifier_key.trim(),
    ]);
    assert!(
        honest.contains("2 issued")
            && honest.contains("suspension: as the log gives, revocation: as the log gives"),
        "{honest}"
    );
    // The secretariat, which holds the instance key, publishes a suspension list that suspends
    // Northwind's credential, properly signed: the replay catches it.
    let instance = accord_envelope::KeyFile::load(data.join("instance.key")).unwrap();
    let upstream = url.clone();
    let lying = proxy(
        move || upstream.clone(),
        move |path, body| {
            if !path.starts_with("/credentials/status/suspension") {
                return;
            }
            let mut list: Value = serde_json::from_slice(body).unwrap();
            list.as_object_mut().unwrap().remove("proof");
            let mut bits = accord_vc::status::Bitstring::decode(
                list["credentialSubject"]["encodedList"].as_str().unwrap(),
            )
            .unwrap();
            bits.set(1, true).unwrap();
            list["credentialSubject"]["encodedList"] = json!(bits.encode());
            let created = list["validFrom"].as_str().unwrap().to_owned();
            let signed = accord_vc::proof::sign(&list, instance.key.as_dalek(), &created).unwrap();
            *body = serde_json::to_vec(&signed).unwrap();
        },
    );
    let out = run(&[
        "verify",
        "--url",
        &lying,
        "--verifier-key",
        verifier_key.trim(),
    ]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("FAILED at the status lists")
            && said.contains("is not the one the log gives: credentials [1] differ"),
        "{said}"
    );
}

/// The credential claiming a longer validity than it was signed with.
fn with_longer_validity(credential: &Value) -> Value {
    let mut c = credential.clone();
    c["validUntil"] = json!("2030-01-01T00:00:00.000Z");
    c
}

#[test]
fn a_council_issues_from_the_command_line_and_the_secretariat_cannot() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    let d = data.to_string_lossy().into_owned();
    ok(&["demo", "--no-serve", "--data", &d]);
    let key = |party: &str| p(&data.join("keys"), &format!("{party}.key"));
    // `accord credential issue` under `scheme` from Dunmore's peer review, as `party`; the
    // answer and what it said on stderr.
    let issue = |party: &str, scheme: &str, more: &[&str]| {
        let (k, audit) = (key(party), "2026-peer-dunmore");
        let mut args = vec!["credential", "issue", "--scheme", scheme, "--audit", audit];
        args.extend(["--as", &k, "--data", &d]);
        args.extend(more);
        let out = run(&args);
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        (out, said)
    };

    // The secretariat runs the instance but holds no council's key: it cannot issue.
    let (out, said) = issue("secretariat", "africa-gge-c", &[]);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("only by a regional_council party"));
    // Another council cannot issue under a scheme that is not its own.
    let (out, said) = issue("council-europe", "africa-gge-c", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(said.contains("scheme-issuer"), "{said}");
    // Nothing is issued from an audit the scheme does not accept.
    let (out, said) = issue("council-europe", "europe-cvd", &[]);
    assert!(!out.status.success());
    assert!(
        said.contains("no finding on `vulnerability-disclosure`"),
        "{said}"
    );

    // A council that signs something other than what the log supports is refused: here a
    // credential valid for ten years instead of the scheme's twelve months.
    let draft: Value = serde_json::from_str(&ok(&[
        "credential",
        "draft",
        "--scheme",
        "africa-gge-c",
        "--audit",
        "2026-peer-dunmore",
        "--data",
        &d,
    ]))
    .unwrap();
    let mut inflated = draft.clone();
    inflated["validUntil"] = json!("2036-01-01T00:00:00.000Z");
    let council = accord_envelope::KeyFile::load(Path::new(&key("council-africa"))).unwrap();
    let signed = accord_vc::proof::sign(
        &inflated,
        council.key.as_dalek(),
        inflated["validFrom"].as_str().unwrap(),
    )
    .unwrap();
    let statement =
        json!({"type": "credential.issue", "schema": 1, "payload": {"credential": signed}});
    std::fs::write(tmp.path().join("inflated.json"), statement.to_string()).unwrap();
    let out = run(&[
        "submit",
        &p(tmp.path(), "inflated.json"),
        "--key",
        &key("council-africa"),
        "--data",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("credential-content") && said.contains("/validUntil"),
        "{said}"
    );

    // The council itself issues it: the credential verifies offline against this instance.
    let issued = p(tmp.path(), "issued.json");
    let (out, said) = issue("council-africa", "africa-gge-c", &["--out", &issued]);
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.contains("Appended as entry"), "{out}{said}");
    let out = ok(&[
        "credential",
        "verify",
        &p(tmp.path(), "issued.json"),
        "--data",
        &d,
    ]);
    assert!(
        out.contains("this instance's own") && out.contains("verified"),
        "{out}"
    );
    // Twice from one audit is refused.
    let (out, said) = issue("council-africa", "africa-gge-c", &[]);
    assert!(!out.status.success());
    assert!(said.contains("issued from audit"));
    // And the whole log, credentials included, replays.
    ok(&["verify", "--data", &d]);
}
