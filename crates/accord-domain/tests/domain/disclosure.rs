//! Vulnerability disclosures carry CSAF 2.0 advisories: the OASIS example advisories are
//! accepted, documents that break the schema or a mandatory test are refused with the failing
//! path named, and disclosure timeliness is counted from the report to the advisory's release.

use std::path::{Path, PathBuf};

use crate::common::*;
use accord_domain::indicators::{disclosure_timeliness, Period};
use accord_domain::Timestamp;
use accord_envelope::KeyPair;
use serde_json::{json, Value};

const DAY: u64 = 86_400_000;

fn documents(kind: &str) -> Vec<PathBuf> {
    let dir = manifest_dir()
        .join("../accord-csaf/tests/documents")
        .join(kind);
    let mut list: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    list.sort();
    list
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn released(doc: &Value) -> u64 {
    Timestamp::from_rfc3339(
        doc["document"]["tracking"]["initial_release_date"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
    .unix_ms()
}

#[test]
fn csaf_advisories_are_validated_and_disclosure_timeliness_counted() {
    let mut w = World::chartered();
    let key = KeyPair::from_seed([55; 32]);
    w.register("vendor", "company", &key).unwrap();

    // Every valid example: reported 30 days before release (within the 90-day window), except
    // the first, reported 120 days before (late).
    let valid = documents("valid");
    assert!(valid.len() >= 10);
    for (i, path) in valid.iter().enumerate() {
        let doc = load(path);
        let back = if i == 0 { 120 } else { 30 };
        let reported = Timestamp::from_unix_ms(released(&doc) - back * DAY).to_string();
        w.submit(envelope(
            "report.vulnerability_disclosure",
            json!({"reported_at": reported, "advisory": doc}),
            "vendor",
            &key,
        ))
        .unwrap_or_else(|r| panic!("{} was refused: {r}", path.display()));
    }
    // The same advisory twice is refused.
    let doc = load(&valid[1]);
    let reported = Timestamp::from_unix_ms(released(&doc) - DAY).to_string();
    let err = w
        .submit(envelope(
            "report.vulnerability_disclosure",
            json!({"reported_at": reported, "advisory": doc}),
            "vendor",
            &key,
        ))
        .unwrap_err();
    assert_eq!(err.rule, "advisory-exists");

    // Every invalid document is refused, naming the failing path and rule.
    let invalid = documents("invalid");
    assert!(invalid.len() >= 10);
    for path in &invalid {
        // The refusal names the first finding: one of those the document is known to break.
        let expect = std::fs::read_to_string(path.with_extension("expect")).unwrap();
        let expected: Vec<(String, String)> = expect
            .lines()
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                Some((
                    parts.next()?.to_owned(),
                    parts.next().unwrap_or("").to_owned(),
                ))
            })
            .collect();
        let payload = json!({"reported_at": "2020-01-01T00:00:00.000Z", "advisory": load(path)});
        let err = w
            .submit(envelope(
                "report.vulnerability_disclosure",
                payload,
                "vendor",
                &key,
            ))
            .unwrap_err();
        assert_eq!(err.rule, "csaf", "{}", path.display());
        let matched = expected.iter().any(|(rule, pointer)| {
            let named = if rule == "schema" {
                "CSAF schema".to_owned()
            } else {
                format!("CSAF mandatory test {rule}")
            };
            err.pointer == format!("/payload/advisory{pointer}") && err.detail.contains(&named)
        });
        assert!(
            matched,
            "{}: {} at {} is none of {expected:?}",
            path.display(),
            err.detail,
            err.pointer
        );
    }

    let period = Period {
        from: Timestamp::from_unix_ms(0),
        to: Timestamp::from_unix_ms(u64::MAX / 2),
    };
    let e = disclosure_timeliness(
        w.state.disclosures(),
        &"vendor".parse().unwrap(),
        period,
        w.state.last_at(),
    );
    assert_eq!(
        (e.value.numerator, e.value.denominator),
        (valid.len() as u32 - 1, valid.len() as u32)
    );
    assert_eq!(e.figures["median_days_to_disclosure"], 30.0);
    assert_eq!(e.items.iter().filter(|i| i.outcome == "late").count(), 1);
}

/// This crate's directory, as cargo gives it to the running test (not the path it was built
/// at: a build cache shared between checkouts must not send the test to another checkout).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

/// `report.vulnerability_disclosure` schema 2 runs CSAF 6.1.11 and 6.1.12; an entry signed at
/// schema 1 (as logs written before hold it) replays by the first rules, without them.
#[test]
fn a_disclosure_is_judged_by_the_csaf_tests_of_its_schema() {
    let mut w = World::chartered();
    let key = KeyPair::from_seed([56; 32]);
    w.register("vendor", "company", &key).unwrap();
    let mut doc = load(&documents("valid")[0]);
    // A CWE name with a trailing space: 6.1.11 fails it.
    doc["vulnerabilities"][0]["cwe"] = json!({"id": "CWE-79",
        "name": "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting') "});
    let reported = Timestamp::from_unix_ms(released(&doc) - DAY).to_string();
    let payload = json!({"reported_at": reported, "advisory": doc});
    let err = w
        .submit(envelope(
            "report.vulnerability_disclosure",
            payload.clone(),
            "vendor",
            &key,
        ))
        .unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("csaf", "/payload/advisory/vulnerabilities/0/cwe/name"),
        "{err}"
    );
    assert!(err.detail.contains("6.1.11"), "{err}");
    w.submit(envelope_at(
        "report.vulnerability_disclosure",
        1,
        payload,
        "vendor",
        &key,
    ))
    .expect("schema 1 did not run 6.1.11");
}
