//! Interop with the OASIS reference library: objects produced by Python `stix2` (installed by
//! `scripts/install-test-tools`) validate here with their TLP levels read, and objects this
//! crate refuses are refused by `stix2` too — except three rules of the specification that
//! `stix2.parse` does not enforce (named below), which this crate does. The test fails — it
//! never skips — when the test tools' Python is missing.

#[path = "../../../tests/support/python.rs"]
mod python;

use accord_stix::{validate, validate_bundle, Tlp};
use serde_json::Value;

fn run_python(script: &str, input: &str) -> String {
    let out = python::command()
        .args(["-c", script, input])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the test tools' Python ({e}): {}",
                python::INSTALL
            )
        });
    assert!(
        out.status.success(),
        "python failed (is stix2 installed? {}):\n{}",
        python::INSTALL,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const PRODUCE: &str = r#"
import json, sys
import stix2
me = stix2.Identity(name="CERT-Aldoria", identity_class="organization")
ind = stix2.Indicator(name="C2 beacon", pattern="[ipv4-addr:value = '203.0.113.7']",
                      pattern_type="stix", created_by_ref=me, object_marking_refs=[stix2.TLP_AMBER],
                      confidence=70, labels=["c2"])
mal = stix2.Malware(name="NorthLoader", is_family=True, created_by_ref=me)
rel = stix2.Relationship(ind, "indicates", mal)
sig = stix2.Sighting(sighting_of_ref=ind, count=3, where_sighted_refs=[me],
                     object_marking_refs=[stix2.TLP_RED])
ap = stix2.AttackPattern(name="Spearphishing Attachment",
                         external_references=[{"source_name": "capec", "external_id": "CAPEC-163"}])
vuln = stix2.Vulnerability(name="CVE-2026-21001")
loc = stix2.Location(region="northern-europe")
ip = stix2.IPv4Address(value="203.0.113.7")
obs = stix2.ObservedData(first_observed="2026-07-14T09:30:00Z", last_observed="2026-07-14T10:30:00Z",
                         number_observed=50, object_refs=[ip])
tool = stix2.Tool(name="cobalt-like")
camp = stix2.Campaign(name="North Wind 2026")
ta = stix2.ThreatActor(name="APT North Wind")
iset = stix2.IntrusionSet(name="North Wind")
coa = stix2.CourseOfAction(name="Block the C2 range")
note = stix2.Note(content="Seen in three ministries.", object_refs=[ind])
rep = stix2.Report(name="Campaign summary", published="2026-07-15T00:00:00Z",
                   object_refs=[ind, mal, rel])
bundle = stix2.Bundle(me, ind, mal, rel, sig, ap, vuln, loc, ip, obs, tool, camp, ta, iset, coa,
                      note, rep, stix2.TLP_AMBER, stix2.TLP_RED)
print(bundle.serialize())
"#;

#[test]
fn objects_made_by_stix2_validate_and_keep_their_tlp() {
    let bundle: Value = serde_json::from_str(&run_python(PRODUCE, "")).unwrap();
    let summaries = validate_bundle(&bundle).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(summaries.len(), 19);
    let tlp_of = |ty: &str| {
        summaries
            .iter()
            .find(|s| s.object_type == ty)
            .and_then(|s| s.tlp)
    };
    assert_eq!(tlp_of("indicator"), Some(Tlp::Amber));
    assert_eq!(tlp_of("sighting"), Some(Tlp::Red));
    assert_eq!(tlp_of("malware"), None);
}

const PARSE: &str = r#"
import json, sys
import stix2
verdicts = []
for obj in json.loads(sys.argv[1]):
    try:
        stix2.parse(obj, allow_custom=False)
        verdicts.append("accepted")
    except Exception as e:
        verdicts.append("refused")
print(json.dumps(verdicts))
"#;

#[test]
fn what_this_crate_refuses_stix2_refuses_too() {
    let good = r#"{"type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-07-14T09:30:00.000Z", "modified": "2026-07-14T09:30:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.7']", "pattern_type": "stix",
        "valid_from": "2026-07-14T09:30:00.000Z"}"#;
    let base: Value = serde_json::from_str(good).unwrap();
    let mut broken = Vec::new();
    let mut push = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        broken.push(v);
    };
    push(&|v| v["id"] = "indicator--not-a-uuid".into());
    push(&|v| v["id"] = "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into());
    push(&|v| {
        v.as_object_mut().unwrap().remove("pattern");
    });
    // (A missing `valid_from` is refused here, as STIX 2.1 §4.7 requires it; `stix2` fills in
    // a default instead, so that case is left out of this comparison.)
    // (Likewise `modified` before `created`: STIX 2.1 §3.2 forbids it, `stix2.parse` lets it
    // through.)
    // (And `confidence` outside 0–100, which §3.2 forbids and `stix2.parse` does not check.)
    push(&|v| v["created_by_ref"] = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b".into());
    push(&|v| v["created"] = "not a time".into());
    push(&|v| v["type"] = "widget".into());
    push(&|v| v["external_references"] = serde_json::json!([{"url": "https://x.example"}]));
    for b in &broken {
        assert!(validate(b).is_err(), "{b}");
    }
    let mut all = vec![base.clone()];
    all.extend(broken.iter().cloned());
    let verdicts: Vec<String> =
        serde_json::from_str(&run_python(PARSE, &Value::from(all).to_string())).unwrap();
    assert_eq!(
        verdicts[0], "accepted",
        "the reference accepts the valid object"
    );
    let accepted: Vec<&Value> = verdicts
        .iter()
        .skip(1)
        .zip(&broken)
        .filter(|(v, _)| *v == "accepted")
        .map(|(_, b)| b)
        .collect();
    assert!(
        accepted.is_empty(),
        "stix2 accepted objects refused here: {accepted:?}"
    );
}
