//! Valid STIX 2.1 objects of every common kind pass; broken ones fail with the rule and the
//! JSON pointer of what is wrong.

use accord_stix::{validate, validate_bundle, validate_in, Edition, Tlp};
use serde_json::{json, Value};

const IDENTITY: &str = "identity--e5f1b90a-d9b6-40ab-81a9-8a29df4b6b65";
const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const T0: &str = "2026-07-14T09:30:00.000Z";

fn valid_objects() -> Vec<Value> {
    vec![
        json!({"type": "identity", "spec_version": "2.1", "id": IDENTITY, "created": T0,
               "modified": T0, "name": "CERT-Aldoria", "identity_class": "organization"}),
        json!({"type": "indicator", "spec_version": "2.1", "id": INDICATOR, "created": T0,
               "modified": T0, "created_by_ref": IDENTITY, "name": "C2 beacon",
               "pattern": "[ipv4-addr:value = '203.0.113.7']", "pattern_type": "stix",
               "valid_from": T0, "object_marking_refs": [AMBER], "confidence": 70,
               "labels": ["c2"]}),
        json!({"type": "malware", "spec_version": "2.1", "id": MALWARE, "created": T0,
               "modified": "2026-07-15T10:00:00Z", "name": "NorthLoader", "is_family": true}),
        json!({"type": "malware", "spec_version": "2.1",
               "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "created": T0, "modified": T0,
               "is_family": false}),
        json!({"type": "relationship", "spec_version": "2.1",
               "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad", "created": T0,
               "modified": T0, "relationship_type": "indicates", "source_ref": INDICATOR,
               "target_ref": MALWARE}),
        json!({"type": "sighting", "spec_version": "2.1",
               "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "created": T0,
               "modified": T0, "sighting_of_ref": INDICATOR, "count": 3,
               "where_sighted_refs": [IDENTITY], "object_marking_refs": [RED]}),
        json!({"type": "report", "spec_version": "2.1",
               "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", "created": T0,
               "modified": T0, "name": "Campaign summary", "published": T0,
               "object_refs": [INDICATOR, MALWARE]}),
        json!({"type": "attack-pattern", "spec_version": "2.1",
               "id": "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5", "created": T0,
               "modified": T0, "name": "Spearphishing Attachment",
               "external_references": [{"source_name": "capec", "external_id": "CAPEC-163"}]}),
        json!({"type": "vulnerability", "spec_version": "2.1",
               "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "created": T0,
               "modified": T0, "name": "CVE-2026-21001"}),
        json!({"type": "location", "spec_version": "2.1",
               "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64", "created": T0,
               "modified": T0, "region": "northern-europe"}),
        json!({"type": "observed-data", "spec_version": "2.1",
               "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf", "created": T0,
               "modified": T0, "first_observed": T0, "last_observed": T0, "number_observed": 50,
               "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]}),
        json!({"type": "ipv4-addr", "spec_version": "2.1",
               "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "203.0.113.7"}),
        json!({"type": "marking-definition", "spec_version": "2.1", "id": AMBER,
               "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
               "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                   {"extension_type": "property-extension", "tlp_2_0": "amber"}}}),
        json!({"type": "x-accord-clarification", "spec_version": "2.1",
               "id": "x-accord-clarification--9b7c3a8e-2f0a-4b7e-9f3c-5d1e2a3b4c5d",
               "created": T0, "modified": T0, "question": "Which hosts?"}),
    ]
}

#[test]
fn valid_objects_pass_with_their_summary() {
    for obj in valid_objects() {
        let s = validate(&obj).unwrap_or_else(|f| panic!("{obj}: {f:?}"));
        assert_eq!(s.id, obj["id"]);
    }
    let indicator = validate(&valid_objects()[1]).unwrap();
    assert_eq!(indicator.tlp, Some(Tlp::Amber));
    assert_eq!(indicator.created_by.as_deref(), Some(IDENTITY));
    assert_eq!(validate(&valid_objects()[5]).unwrap().tlp, Some(Tlp::Red));
    assert_eq!(validate(&valid_objects()[0]).unwrap().tlp, None);
}

/// (what to change, expected rule, expected pointer)
fn broken() -> Vec<(Value, &'static str, &'static str)> {
    let base = valid_objects()[1].clone();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    vec![
        (
            with(&|v| v["type"] = json!("Indicator")),
            "stix-type",
            "/type",
        ),
        (with(&|v| v["type"] = json!("widget")), "stix-type", "/type"),
        (
            with(&|v| v["id"] = json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")),
            "stix-id",
            "/id",
        ),
        (
            with(&|v| v["id"] = json!("indicator--not-a-uuid")),
            "stix-id",
            "/id",
        ),
        (
            with(&|v| v["spec_version"] = json!("2.0")),
            "spec-version",
            "/spec_version",
        ),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("spec_version");
            }),
            "required",
            "/spec_version",
        ),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("created");
            }),
            "required",
            "/created",
        ),
        (
            with(&|v| v["modified"] = json!("2026-07-14 09:30")),
            "timestamp",
            "/modified",
        ),
        (
            with(&|v| v["created"] = json!("2026-07-14T09:30:00+02:00")),
            "timestamp",
            "/created",
        ),
        (
            with(&|v| v["modified"] = json!("2026-07-13T09:30:00.000Z")),
            "modified-before-created",
            "/modified",
        ),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("pattern");
            }),
            "required",
            "/pattern",
        ),
        (with(&|v| v["pattern"] = json!("  ")), "pattern", "/pattern"),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("valid_from");
            }),
            "required",
            "/valid_from",
        ),
        (
            with(&|v| v["created_by_ref"] = json!(MALWARE)),
            "stix-ref",
            "/created_by_ref",
        ),
        (
            with(&|v| v["object_marking_refs"] = json!([IDENTITY])),
            "stix-ref",
            "/object_marking_refs/0",
        ),
        (
            with(&|v| v["object_marking_refs"] = json!([AMBER, RED])),
            "tlp-markings",
            "/object_marking_refs",
        ),
        (
            with(&|v| v["confidence"] = json!(101)),
            "range",
            "/confidence",
        ),
        (with(&|v| v["labels"] = json!("c2")), "labels", "/labels"),
        (with(&|v| v["revoked"] = json!("no")), "boolean", "/revoked"),
        (
            with(&|v| v["external_references"] = json!([{"url": "https://x.example"}])),
            "required",
            "/external_references/0/source_name",
        ),
        (
            json!({"type": "relationship", "spec_version": "2.1",
                "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad", "created": T0,
                "modified": T0, "relationship_type": "indicates", "source_ref": "nonsense",
                "target_ref": MALWARE}),
            "stix-ref",
            "/source_ref",
        ),
        (
            json!({"type": "sighting", "spec_version": "2.1",
                "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "created": T0,
                "modified": T0}),
            "required",
            "/sighting_of_ref",
        ),
        (
            json!({"type": "malware", "spec_version": "2.1", "id": MALWARE, "created": T0,
                "modified": T0, "is_family": true}),
            "required",
            "/name",
        ),
        (
            json!({"type": "report", "spec_version": "2.1",
                "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", "created": T0,
                "modified": T0, "name": "Empty", "published": T0, "object_refs": []}),
            "stix-refs",
            "/object_refs",
        ),
        (
            json!({"type": "location", "spec_version": "2.1",
                "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64", "created": T0,
                "modified": T0, "latitude": 1.0}),
            "required",
            "/longitude",
        ),
        (json!([1, 2]), "stix-object", ""),
    ]
}

/// Each object fails (by the current rules) with a finding of `rule` at `pointer`.
fn assert_refused(obj: &Value, rule: &str, pointer: &str) {
    let findings = validate(obj).expect_err(&format!("{obj} should fail"));
    assert!(
        findings
            .iter()
            .any(|f| f.rule == rule && f.pointer == pointer && !f.message.is_empty()),
        "{obj}: expected {rule} at {pointer}, got {findings:?}"
    );
}

#[test]
fn broken_objects_fail_with_rule_and_pointer() {
    let cases = broken();
    assert!(cases.len() >= 20);
    for (obj, rule, pointer) in cases {
        assert_refused(&obj, rule, pointer);
    }
}

#[test]
fn bundles_point_into_their_objects() {
    let good = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                      "objects": valid_objects()});
    assert_eq!(validate_bundle(&good).unwrap().len(), valid_objects().len());
    let mut bad = good.clone();
    bad["objects"][3]["id"] = json!("malware--nope");
    let f = validate_bundle(&bad).unwrap_err();
    assert_eq!(
        (f[0].rule, f[0].pointer.as_str()),
        ("stix-id", "/objects/3/id")
    );
    let f = validate_bundle(&json!({"type": "bundle", "id": "bundle--x"})).unwrap_err();
    assert_eq!(f[0].pointer, "/id");
}

/// Finding 2 of the security review: an object marked TLP:CLEAR whose description carries a
/// granular TLP:RED marking is RED as a whole (the strictest of its markings), so it never
/// enters the public log in full.
#[test]
fn the_effective_marking_is_the_strictest_of_object_and_granular_markings() {
    const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
    let mut obj = valid_objects()[1].clone();
    obj["object_marking_refs"] = json!([CLEAR]);
    assert_eq!(validate(&obj).unwrap().tlp, Some(Tlp::Clear));
    obj["description"] = json!("the source is our liaison at the ministry");
    obj["granular_markings"] = json!([{"marking_ref": RED, "selectors": ["description"]}]);
    assert_eq!(validate(&obj).unwrap().tlp, Some(Tlp::Red));
    obj["granular_markings"] = json!([
        {"marking_ref": AMBER, "selectors": ["name"]},
        {"marking_ref": CLEAR, "selectors": ["description"]}
    ]);
    assert_eq!(validate(&obj).unwrap().tlp, Some(Tlp::Amber));
    // Unmarked with a CLEAR part stays unmarked; with an AMBER part it is AMBER.
    obj.as_object_mut().unwrap().remove("object_marking_refs");
    obj["granular_markings"] = json!([{"marking_ref": CLEAR, "selectors": ["description"]}]);
    assert_eq!(validate(&obj).unwrap().tlp, None);
    obj["granular_markings"] = json!([{"marking_ref": AMBER, "selectors": ["description"]}]);
    assert_eq!(validate(&obj).unwrap().tlp, Some(Tlp::Amber));
}

/// The cases the second edition of the rules refuses, each with its rule and pointer; the
/// first edition (what `intel.share` schema 1 accepted, replayed as it was) still accepts
/// every one of them.
fn refused_since_v2() -> Vec<(Value, &'static str, &'static str)> {
    let base = valid_objects()[1].clone();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    const V8: &str = "indicator--8e2e2d2b-17d4-8cbf-938f-98ee46b3cd3f";
    vec![
        (with(&|v| v["id"] = json!(V8)), "stix-id", "/id"),
        (
            with(&|v| {
                v["created_by_ref"] = json!("identity--e5f1b90a-d9b6-80ab-81a9-8a29df4b6b65")
            }),
            "stix-ref",
            "/created_by_ref",
        ),
        (
            with(&|v| v["pattern"] = json!("[ipv4-addr:value = ]")),
            "pattern",
            "/pattern",
        ),
        (
            with(&|v| v["pattern"] = json!("[indicator:name = 'x']")),
            "pattern",
            "/pattern",
        ),
        (
            with(&|v| {
                v["kill_chain_phases"] =
                    json!([{"kill_chain_name": "lockheed-martin-cyber-kill-chain"}])
            }),
            "kill-chain-phase",
            "/kill_chain_phases/0/phase_name",
        ),
        (
            with(&|v| {
                v["description"] = json!("d");
                v["granular_markings"] =
                    json!([{"marking_ref": AMBER, "selectors": ["descriptoin"]}]);
            }),
            "granular-selector",
            "/granular_markings/0/selectors/0",
        ),
        (
            with(&|v| {
                v["granular_markings"] =
                    json!([{"marking_ref": AMBER, "selectors": ["labels.[3]"]}])
            }),
            "granular-selector",
            "/granular_markings/0/selectors/0",
        ),
        (
            with(&|v| v["valid_until"] = json!("2026-07-13T09:30:00.000Z")),
            "timestamp-order",
            "/valid_until",
        ),
        (with(&|v| v["labels"] = json!([])), "empty-list", "/labels"),
        (
            with(&|v| v["x_Acme_score"] = json!(3)),
            "property-name",
            "/x_Acme_score",
        ),
        (with(&|v| v["xy"] = json!(3)), "property-name", "/xy"),
        (
            with(&|v| v["_x_score"] = json!(3)),
            "property-name",
            "/_x_score",
        ),
        (with(&|v| v["lang"] = json!("en_US")), "lang", "/lang"),
        (
            with(&|v| v["lang"] = json!("de-DE-1901-1901")),
            "lang",
            "/lang",
        ),
    ]
}

#[test]
fn the_second_edition_refuses_what_the_first_let_through() {
    let cases = refused_since_v2();
    for (obj, rule, pointer) in cases {
        assert_refused(&obj, rule, pointer);
        assert!(
            validate_in(&obj, Edition::V1).is_ok(),
            "the first edition accepted {obj}, and a log replayed under it must still"
        );
    }
}

#[test]
fn the_pattern_error_names_the_character() {
    let mut obj = valid_objects()[1].clone();
    obj["pattern"] = json!("[ipv4-addr:value = ]");
    let f = validate(&obj).unwrap_err();
    assert!(f[0].message.contains("at character 19"), "{}", f[0].message);
    // Another pattern language is not parsed as STIX.
    obj["pattern_type"] = json!("snort");
    obj["pattern"] = json!("alert tcp any any -> any 80 (msg:\"x\";)");
    assert!(validate(&obj).is_ok());
}

/// STIX 2.1 gives custom properties no type (§11.1), so a custom `*_ref` is the producer's
/// own: published corpora carry empty ones, and they are accepted. The references STIX
/// defines still hold ids.
#[test]
fn custom_refs_are_the_producers_own() {
    let mut obj = valid_objects()[1].clone();
    obj["x_mitre_modified_by_ref"] = json!("");
    obj["x_acme_related_refs"] = json!([]);
    validate(&obj).unwrap_or_else(|f| panic!("{f:?}"));
    obj["created_by_ref"] = json!("");
    assert_eq!(validate(&obj).unwrap_err()[0].pointer, "/created_by_ref");
}

#[test]
fn well_formed_markings_and_languages_pass() {
    let mut obj = valid_objects()[1].clone();
    obj["lang"] = json!("pt-BR");
    obj["description"] = json!("d");
    obj["kill_chain_phases"] =
        json!([{"kill_chain_name": "mitre-attack", "phase_name": "execution"}]);
    obj["granular_markings"] = json!([
        {"marking_ref": AMBER, "selectors": ["description", "labels.[0]"]},
        {"lang": "fr", "selectors": ["name"]}
    ]);
    obj["valid_until"] = json!("2026-08-14T09:30:00.000Z");
    validate(&obj).unwrap_or_else(|f| panic!("{f:?}"));
}
