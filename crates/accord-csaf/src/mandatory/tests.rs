//! One passing and at least one failing case per mandatory test, on small documents.

use serde_json::{json, Value};

use super::*;

/// A minimal CSAF Base document that passes every test.
fn base() -> Value {
    json!({
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "Example", "namespace": "https://example.com"},
            "title": "Example advisory",
            "tracking": {
                "current_release_date": "2024-02-01T00:00:00Z",
                "id": "EX-2024-0001",
                "initial_release_date": "2024-01-01T00:00:00Z",
                "revision_history": [
                    {"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "Initial."},
                    {"date": "2024-02-01T00:00:00Z", "number": "2", "summary": "Update."}
                ],
                "status": "final",
                "version": "2"
            }
        },
        "product_tree": {
            "full_product_names": [
                {"name": "Product A 1.0", "product_id": "A"},
                {"name": "Product B 2.0", "product_id": "B"}
            ],
            "product_groups": [{"group_id": "G", "product_ids": ["A", "B"]}]
        }
    })
}

/// `base()` with `value` set at JSON pointer `at` (parents must exist).
fn with(mut doc: Value, at: &str, value: Value) -> Value {
    let (parent, key) = at.rsplit_once('/').unwrap();
    let parent = doc.pointer_mut(parent).unwrap();
    match parent {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => {
            let index: usize = key.parse().unwrap();
            if index == items.len() {
                items.push(value);
            } else {
                items[index] = value;
            }
        }
        _ => panic!("no container at {at}"),
    }
    doc
}

fn without(mut doc: Value, at: &str) -> Value {
    let (parent, key) = at.rsplit_once('/').unwrap();
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove(key);
    doc
}

/// The `(path, rule)` of each finding.
fn found(findings: Vec<Finding>) -> Vec<(String, String)> {
    let mut out: Vec<_> = findings.into_iter().map(|f| (f.path, f.rule)).collect();
    out.sort();
    out
}

fn one(path: &str, rule: &str) -> Vec<(String, String)> {
    vec![(path.to_owned(), rule.to_owned())]
}

fn with_vulnerability(doc: Value, vulnerability: Value) -> Value {
    with(doc, "/vulnerabilities", json!([vulnerability]))
}

#[test]
fn the_base_document_passes_every_test() {
    assert_eq!(run_all(&base()), []);
}

#[test]
fn every_implemented_test_has_a_function_and_runs_by_id() {
    assert_eq!(IMPLEMENTED.len(), TESTS.len());
    for (id, _) in IMPLEMENTED {
        assert_eq!(run(id, &base()), Some(vec![]), "{id}");
    }
    assert_eq!(run("6.1.34", &base()), None);
}

#[test]
fn a_cwe_name_off_by_a_space_fails_6_1_11() {
    let mut doc = base();
    doc["vulnerabilities"] = json!([{"cwe": {"id": "CWE-79",
        "name": "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"}}]);
    assert_eq!(test_6_1_11_cwe(&doc), []);
    // An older name MITRE gave the same id stays valid (CSAF 2.0 names no CWE version).
    doc["vulnerabilities"][0]["cwe"]["name"] =
        json!("Failure to Preserve Web Page Structure ('Cross-site Scripting')");
    assert_eq!(test_6_1_11_cwe(&doc), []);
    doc["vulnerabilities"][0]["cwe"]["name"] = json!(
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting') "
    );
    let f = test_6_1_11_cwe(&doc);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].path, "/vulnerabilities/0/cwe/name");
    doc["vulnerabilities"][0]["cwe"] = json!({"id": "CWE-999999", "name": "x"});
    assert_eq!(test_6_1_11_cwe(&doc)[0].path, "/vulnerabilities/0/cwe/id");
}

#[test]
fn an_unregistered_language_fails_6_1_12() {
    let mut doc = base();
    doc["document"]["lang"] = json!("en-GB");
    doc["document"]["source_lang"] = json!("de-CH-1901");
    assert_eq!(test_6_1_12_language(&doc), []);
    doc["document"]["lang"] = json!("EZ");
    doc["document"]["source_lang"] = json!("en-UK");
    let paths: Vec<String> = test_6_1_12_language(&doc)
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(paths, ["/document/lang", "/document/source_lang"]);
}

#[test]
fn the_first_edition_leaves_out_6_1_11_and_6_1_12() {
    let mut doc = base();
    doc["document"]["lang"] = json!("EZ");
    assert!(run_all_in(&doc, crate::Edition::V1).is_empty());
    assert_eq!(run_all_in(&doc, crate::Edition::V2)[0].rule, "6.1.12");
}

#[test]
fn tests_do_not_panic_on_any_shape() {
    for doc in [
        json!(null),
        json!([]),
        json!("x"),
        json!({"document": 1, "product_tree": [], "vulnerabilities": {}}),
        json!({"document": {"tracking": {"revision_history": [1, {"number": 2}]}}}),
        json!({"vulnerabilities": [1, {"scores": [{"cvss_v3": {"vectorString": 5}}]}]}),
    ] {
        let _ = run_all(&doc);
    }
}

#[test]
fn test_6_1_1_reports_undefined_product_ids() {
    let doc = with_vulnerability(base(), json!({"product_status": {"fixed": ["A", "Z"]}}));
    assert_eq!(
        found(test_6_1_1_missing_definition_of_product_id(&doc)),
        one("/vulnerabilities/0/product_status/fixed/1", "6.1.1")
    );
    let doc = with(
        base(),
        "/product_tree/product_groups/0/product_ids/1",
        json!("Y"),
    );
    assert_eq!(
        found(test_6_1_1_missing_definition_of_product_id(&doc)),
        one("/product_tree/product_groups/0/product_ids/1", "6.1.1")
    );
}

#[test]
fn test_6_1_2_reports_the_second_definition() {
    let doc = with(
        base(),
        "/product_tree/branches",
        json!([{"category": "vendor", "name": "Ex", "product": {"name": "again", "product_id": "A"}}]),
    );
    // Branches come first in document order, so the full_product_names entry is the repeat.
    assert_eq!(
        found(test_6_1_2_multiple_definition_of_product_id(&doc)),
        one("/product_tree/full_product_names/0/product_id", "6.1.2")
    );
    assert_eq!(test_6_1_2_multiple_definition_of_product_id(&base()), []);
}

#[test]
fn test_6_1_3_reports_circles_through_relationships() {
    let relationship = |id: &str, a: &str, b: &str| {
        json!({"category": "installed_on", "full_product_name": {"name": id, "product_id": id},
               "product_reference": a, "relates_to_product_reference": b})
    };
    // Self reference.
    let doc = with(
        base(),
        "/product_tree/relationships",
        json!([relationship("C", "C", "B")]),
    );
    assert_eq!(
        found(test_6_1_3_circular_definition_of_product_id(&doc)),
        one("/product_tree/relationships/0/product_reference", "6.1.3")
    );
    // C is defined through D, and D through C.
    let doc = with(
        base(),
        "/product_tree/relationships",
        json!([relationship("C", "A", "D"), relationship("D", "C", "B")]),
    );
    assert_eq!(
        found(test_6_1_3_circular_definition_of_product_id(&doc)),
        vec![
            (
                "/product_tree/relationships/0/relates_to_product_reference".to_owned(),
                "6.1.3".to_owned()
            ),
            (
                "/product_tree/relationships/1/product_reference".to_owned(),
                "6.1.3".to_owned()
            ),
        ]
    );
    // A chain without a circle is fine.
    let doc = with(
        base(),
        "/product_tree/relationships",
        json!([relationship("C", "A", "B"), relationship("D", "C", "B")]),
    );
    assert_eq!(test_6_1_3_circular_definition_of_product_id(&doc), []);
}

#[test]
fn test_6_1_4_reports_undefined_group_ids() {
    let doc = with_vulnerability(
        base(),
        json!({"threats": [{"category": "impact", "details": "d", "group_ids": ["G", "H"]}]}),
    );
    assert_eq!(
        found(test_6_1_4_missing_definition_of_product_group_id(&doc)),
        one("/vulnerabilities/0/threats/0/group_ids/1", "6.1.4")
    );
}

#[test]
fn test_6_1_5_reports_the_second_group_definition() {
    let doc = with(
        base(),
        "/product_tree/product_groups/1",
        json!({"group_id": "G", "product_ids": ["A", "B"]}),
    );
    assert_eq!(
        found(test_6_1_5_multiple_definition_of_product_group_id(&doc)),
        one("/product_tree/product_groups/1/group_id", "6.1.5")
    );
}

#[test]
fn test_6_1_6_reports_products_in_two_status_groups() {
    let doc = with_vulnerability(
        base(),
        json!({"product_status": {"known_affected": ["A"], "first_fixed": ["A"], "recommended": ["A"], "fixed": ["B"]}}),
    );
    assert_eq!(
        found(test_6_1_6_contradicting_product_status(&doc)),
        one("/vulnerabilities/0/product_status", "6.1.6")
    );
    // first_affected and known_affected are the same group; recommended is in none.
    let doc = with_vulnerability(
        base(),
        json!({"product_status": {"known_affected": ["A"], "first_affected": ["A"], "recommended": ["B"], "fixed": ["B"]}}),
    );
    assert_eq!(test_6_1_6_contradicting_product_status(&doc), []);
}

fn cvss31(vector: &str, score: f64, severity: &str) -> Value {
    json!({"version": "3.1", "vectorString": vector, "baseScore": score, "baseSeverity": severity})
}

const V31_CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

#[test]
fn test_6_1_7_reports_two_scores_of_one_version_for_a_product() {
    let doc = with_vulnerability(
        base(),
        json!({"scores": [
            {"cvss_v3": cvss31(V31_CRITICAL, 9.8, "CRITICAL"), "products": ["A"]},
            {"cvss_v3": cvss31(V31_CRITICAL, 9.8, "CRITICAL"), "products": ["B", "A"]}
        ]}),
    );
    assert_eq!(
        found(test_6_1_7_multiple_scores_with_same_version_per_product(
            &doc
        )),
        one("/vulnerabilities/0/scores/1/products/1", "6.1.7")
    );
}

#[test]
fn test_6_1_8_checks_cvss_objects_against_first_schemas() {
    let doc = with_vulnerability(
        base(),
        json!({"scores": [{"cvss_v3": {"version": "3.1", "vectorString": V31_CRITICAL, "baseScore": 9.8}, "products": ["A"]}]}),
    );
    let findings = found(test_6_1_8_invalid_cvss(&doc));
    assert_eq!(
        findings,
        one("/vulnerabilities/0/scores/0/cvss_v3", "6.1.8")
    );
    let doc = with_vulnerability(
        base(),
        json!({"scores": [{"cvss_v2": {"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:X", "baseScore": 7.5}, "products": ["A"]}]}),
    );
    assert_eq!(
        found(test_6_1_8_invalid_cvss(&doc)),
        one("/vulnerabilities/0/scores/0/cvss_v2/vectorString", "6.1.8")
    );
    let doc = with_vulnerability(
        base(),
        json!({"scores": [{"cvss_v3": cvss31(V31_CRITICAL, 9.8, "CRITICAL"), "products": ["A"]}]}),
    );
    assert_eq!(test_6_1_8_invalid_cvss(&doc), []);
}

#[test]
fn test_6_1_9_recomputes_scores_and_severities() {
    let mut cvss = cvss31(V31_CRITICAL, 9.1, "HIGH");
    cvss["temporalScore"] = json!(9.8);
    cvss["environmentalSeverity"] = json!("CRITICAL");
    let doc = with_vulnerability(
        base(),
        json!({"scores": [{"cvss_v3": cvss, "products": ["A"]}]}),
    );
    assert_eq!(
        found(test_6_1_9_invalid_cvss_computation(&doc)),
        vec![
            (
                "/vulnerabilities/0/scores/0/cvss_v3/baseScore".to_owned(),
                "6.1.9".to_owned()
            ),
            (
                "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity".to_owned(),
                "6.1.9".to_owned()
            ),
        ]
    );
    let doc = with_vulnerability(
        base(),
        json!({"scores": [{"cvss_v2": {"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "baseScore": 7.4}, "products": ["A"]}]}),
    );
    assert_eq!(
        found(test_6_1_9_invalid_cvss_computation(&doc)),
        one("/vulnerabilities/0/scores/0/cvss_v2/baseScore", "6.1.9")
    );
}

#[test]
fn test_6_1_10_compares_properties_with_the_vector() {
    let mut cvss = cvss31(V31_CRITICAL, 9.8, "CRITICAL");
    cvss["attackVector"] = json!("LOCAL");
    cvss["scope"] = json!("UNCHANGED");
    cvss["exploitCodeMaturity"] = json!("FUNCTIONAL"); // E is not in the vector: not defined
    cvss["remediationLevel"] = json!("NOT_DEFINED");
    let doc = with_vulnerability(
        base(),
        json!({"scores": [{"cvss_v3": cvss, "products": ["A"]}]}),
    );
    assert_eq!(
        found(test_6_1_10_inconsistent_cvss(&doc)),
        vec![
            (
                "/vulnerabilities/0/scores/0/cvss_v3/attackVector".to_owned(),
                "6.1.10".to_owned()
            ),
            (
                "/vulnerabilities/0/scores/0/cvss_v3/exploitCodeMaturity".to_owned(),
                "6.1.10".to_owned()
            ),
        ]
    );
}

#[test]
fn test_6_1_13_reports_invalid_purls() {
    let doc = with(
        base(),
        "/product_tree/full_product_names/1/product_identification_helper",
        json!({"purl": "pkg:n&g?inx/nginx@0.8.9"}),
    );
    assert_eq!(
        found(test_6_1_13_purl(&doc)),
        one(
            "/product_tree/full_product_names/1/product_identification_helper/purl",
            "6.1.13"
        )
    );
    let doc = with(
        base(),
        "/product_tree/full_product_names/1/product_identification_helper",
        json!({"purl": "pkg:npm/%40angular/animation@12.3.1"}),
    );
    assert_eq!(test_6_1_13_purl(&doc), []);
}

fn history(items: &[(&str, &str)]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|(date, number)| json!({"date": date, "number": number, "summary": "s"}))
            .collect(),
    )
}

const HISTORY: &str = "/document/tracking/revision_history";

#[test]
fn test_6_1_14_reports_numbers_that_fall_as_dates_rise() {
    let doc = with(
        base(),
        HISTORY,
        history(&[("2024-02-01T00:00:00Z", "1"), ("2024-01-01T00:00:00Z", "2")]),
    );
    assert_eq!(
        found(test_6_1_14_sorted_revision_history(&doc)),
        one("/document/tracking/revision_history/0/number", "6.1.14")
    );
    // Dates compare as instants, not as text.
    let doc = with(
        base(),
        HISTORY,
        history(&[
            ("2024-01-01T10:00:00+02:00", "2"),
            ("2024-01-01T09:00:00Z", "1"),
        ]),
    );
    assert_eq!(
        found(test_6_1_14_sorted_revision_history(&doc)),
        one("/document/tracking/revision_history/1/number", "6.1.14")
    );
}

#[test]
fn test_6_1_15_requires_source_lang_from_translators() {
    let doc = with(base(), "/document/publisher/category", json!("translator"));
    assert_eq!(
        found(test_6_1_15_translator(&doc)),
        one("/document", "6.1.15")
    );
    let doc = with(doc, "/document/source_lang", json!("de"));
    assert_eq!(test_6_1_15_translator(&doc), []);
}

#[test]
fn test_6_1_16_compares_version_with_the_latest_revision() {
    let doc = with(base(), "/document/tracking/version", json!("1"));
    assert_eq!(
        found(test_6_1_16_latest_document_version(&doc)),
        one("/document/tracking/version", "6.1.16")
    );
    // Build metadata is ignored; for drafts the pre-release part too.
    let doc = with(
        base(),
        HISTORY,
        history(&[("2024-01-01T00:00:00Z", "1.0.0+a")]),
    );
    let doc = with(doc, "/document/tracking/version", json!("1.0.0+b"));
    assert_eq!(test_6_1_16_latest_document_version(&doc), []);
    let doc = with(doc, "/document/tracking/version", json!("1.0.0-rc.1"));
    assert_eq!(test_6_1_16_latest_document_version(&doc).len(), 1);
    let doc = with(doc, "/document/tracking/status", json!("draft"));
    assert_eq!(test_6_1_16_latest_document_version(&doc), []);
}

#[test]
fn test_6_1_17_requires_draft_status_for_draft_versions() {
    for version in ["0", "0.9.0", "1.0.0-alpha"] {
        let doc = with(base(), "/document/tracking/version", json!(version));
        assert_eq!(
            found(test_6_1_17_document_status_draft(&doc)),
            one("/document/tracking/status", "6.1.17"),
            "{version}"
        );
        let doc = with(doc, "/document/tracking/status", json!("draft"));
        assert_eq!(test_6_1_17_document_status_draft(&doc), []);
    }
}

#[test]
fn test_6_1_18_reports_draft_revisions_in_released_documents() {
    let doc = with(
        base(),
        HISTORY,
        history(&[("2024-01-01T00:00:00Z", "0"), ("2024-02-01T00:00:00Z", "1")]),
    );
    assert_eq!(
        found(test_6_1_18_released_revision_history(&doc)),
        one("/document/tracking/revision_history/0/number", "6.1.18")
    );
    let doc = with(doc, "/document/tracking/status", json!("draft"));
    assert_eq!(test_6_1_18_released_revision_history(&doc), []);
}

#[test]
fn test_6_1_19_reports_prerelease_revisions() {
    let doc = with(
        base(),
        HISTORY,
        history(&[
            ("2024-01-01T00:00:00Z", "1.0.0-rc.1"),
            ("2024-02-01T00:00:00Z", "1.0.0"),
        ]),
    );
    assert_eq!(
        found(test_6_1_19_revision_history_entries_for_prerelease_versions(&doc)),
        one("/document/tracking/revision_history/0/number", "6.1.19")
    );
}

#[test]
fn test_6_1_20_reports_prerelease_versions_of_released_documents() {
    let doc = with(base(), "/document/tracking/version", json!("2.0.0-beta"));
    assert_eq!(
        found(test_6_1_20_non_draft_document_version(&doc)),
        one("/document/tracking/version", "6.1.20")
    );
    let doc = with(doc, "/document/tracking/status", json!("draft"));
    assert_eq!(test_6_1_20_non_draft_document_version(&doc), []);
}

#[test]
fn test_6_1_21_reports_gaps_and_a_late_start() {
    let doc = with(
        base(),
        HISTORY,
        history(&[("2024-01-01T00:00:00Z", "1"), ("2024-02-01T00:00:00Z", "3")]),
    );
    assert_eq!(
        found(test_6_1_21_missing_item_in_revision_history(&doc)),
        one("/document/tracking/revision_history", "6.1.21")
    );
    let doc = with(base(), HISTORY, history(&[("2024-01-01T00:00:00Z", "2")]));
    assert_eq!(
        found(test_6_1_21_missing_item_in_revision_history(&doc)),
        one("/document/tracking/revision_history", "6.1.21")
    );
    // Semantic versioning: only majors count.
    let doc = with(
        base(),
        HISTORY,
        history(&[
            ("2024-01-01T00:00:00Z", "0.1.0"),
            ("2024-01-02T00:00:00Z", "0.9.3"),
            ("2024-01-03T00:00:00Z", "1.0.0"),
            ("2024-01-04T00:00:00Z", "1.4.0"),
        ]),
    );
    assert_eq!(test_6_1_21_missing_item_in_revision_history(&doc), []);
}

#[test]
fn test_6_1_22_reports_repeated_revision_numbers() {
    let doc = with(
        base(),
        HISTORY,
        history(&[("2024-01-01T00:00:00Z", "1"), ("2024-02-01T00:00:00Z", "1")]),
    );
    assert_eq!(
        found(test_6_1_22_multiple_definition_in_revision_history(&doc)),
        one("/document/tracking/revision_history/1/number", "6.1.22")
    );
}

#[test]
fn test_6_1_23_reports_a_cve_used_twice() {
    let doc = with(
        base(),
        "/vulnerabilities",
        json!([{"cve": "CVE-2024-1234"}, {"cve": "CVE-2024-9999"}, {"cve": "CVE-2024-1234"}]),
    );
    assert_eq!(
        found(test_6_1_23_multiple_use_of_same_cve(&doc)),
        one("/vulnerabilities/2/cve", "6.1.23")
    );
}

#[test]
fn test_6_1_24_reports_repeated_party_and_date() {
    let doc = with_vulnerability(
        base(),
        json!({"involvements": [
            {"party": "vendor", "status": "open", "date": "2024-01-01T00:00:00Z"},
            {"party": "vendor", "status": "completed", "date": "2024-01-01T01:00:00+01:00"},
            {"party": "vendor", "status": "completed", "date": "2024-01-02T00:00:00Z"}
        ]}),
    );
    assert_eq!(
        found(test_6_1_24_multiple_definition_in_involvements(&doc)),
        one("/vulnerabilities/0/involvements/1", "6.1.24")
    );
}

#[test]
fn test_6_1_25_reports_a_repeated_hash_algorithm() {
    let sha = "4775203615d9534a8bfca96a93dc8b461a489f69124a130d786b42204f3341cc";
    let doc = with(
        base(),
        "/product_tree/full_product_names/0/product_identification_helper",
        json!({"hashes": [{"filename": "a.exe", "file_hashes": [
            {"algorithm": "sha256", "value": sha}, {"algorithm": "sha256", "value": sha}]}]}),
    );
    assert_eq!(
        found(test_6_1_25_multiple_use_of_same_hash_algorithm(&doc)),
        one(
            "/product_tree/full_product_names/0/product_identification_helper/hashes/0/file_hashes/1/algorithm",
            "6.1.25"
        )
    );
}

#[test]
fn test_6_1_26_reports_prohibited_categories() {
    for category in [
        "csaf_security_notice",
        "Security Advisory",
        "security-incident_response",
        "VEX",
        "csafsecurityadvisory",
    ] {
        let doc = with(base(), "/document/category", json!(category));
        assert_eq!(
            found(test_6_1_26_prohibited_document_category_name(&doc)),
            one("/document/category", "6.1.26"),
            "{category}"
        );
    }
    for category in ["csaf_vex", "Example Company Security Notice", "Base"] {
        let doc = with(base(), "/document/category", json!(category));
        assert_eq!(
            test_6_1_26_prohibited_document_category_name(&doc),
            [],
            "{category}"
        );
    }
}

#[test]
fn test_6_1_27_1_and_2_need_notes_and_references() {
    let doc = with(
        base(),
        "/document/category",
        json!("csaf_informational_advisory"),
    );
    assert_eq!(
        found(test_6_1_27_1_document_notes(&doc)),
        one("/document", "6.1.27.1")
    );
    assert_eq!(
        found(test_6_1_27_2_document_references(&doc)),
        one("/document", "6.1.27.2")
    );
    let doc = with(
        doc,
        "/document/notes",
        json!([{"category": "summary", "text": "t"}]),
    );
    let doc = with(
        doc,
        "/document/references",
        json!([{"summary": "s", "url": "https://example.com"}]),
    );
    assert_eq!(test_6_1_27_1_document_notes(&doc), []);
    assert_eq!(test_6_1_27_2_document_references(&doc), []);
    let doc = with(
        doc,
        "/document/references",
        json!([{"category": "self", "summary": "s", "url": "https://example.com"}]),
    );
    assert_eq!(test_6_1_27_2_document_references(&doc).len(), 1);
}

#[test]
fn test_6_1_27_3_forbids_vulnerabilities_in_informational_advisories() {
    let doc = with(
        base(),
        "/document/category",
        json!("csaf_informational_advisory"),
    );
    let doc = with_vulnerability(doc, json!({"title": "t"}));
    assert_eq!(
        found(test_6_1_27_3_vulnerabilities(&doc)),
        one("/vulnerabilities", "6.1.27.3")
    );
}

#[test]
fn test_6_1_27_4_and_11_need_product_tree_and_vulnerabilities() {
    let doc = with(
        base(),
        "/document/category",
        json!("csaf_security_advisory"),
    );
    assert_eq!(
        found(test_6_1_27_11_vulnerabilities(&doc)),
        one("", "6.1.27.11")
    );
    let doc = without(doc, "/product_tree");
    assert_eq!(found(test_6_1_27_4_product_tree(&doc)), one("", "6.1.27.4"));
    assert_eq!(test_6_1_27_4_product_tree(&base()), []);
}

#[test]
fn test_6_1_27_5_to_8_check_each_vulnerability() {
    let advisory = with(
        base(),
        "/document/category",
        json!("csaf_security_advisory"),
    );
    let doc = with_vulnerability(advisory, json!({"cve": "CVE-2024-1234"}));
    assert_eq!(
        found(test_6_1_27_5_vulnerability_notes(&doc)),
        one("/vulnerabilities/0", "6.1.27.5")
    );
    assert_eq!(
        found(test_6_1_27_6_product_status(&doc)),
        one("/vulnerabilities/0", "6.1.27.6")
    );
    let vex = with(base(), "/document/category", json!("csaf_vex"));
    let doc = with_vulnerability(
        vex,
        json!({"notes": [{"category": "description", "text": "t"}], "product_status": {"recommended": ["A"]}}),
    );
    assert_eq!(
        found(test_6_1_27_7_vex_product_status(&doc)),
        one("/vulnerabilities/0", "6.1.27.7")
    );
    assert_eq!(
        found(test_6_1_27_8_vulnerability_id(&doc)),
        one("/vulnerabilities/0", "6.1.27.8")
    );
    assert_eq!(
        test_6_1_27_6_product_status(&doc),
        [],
        "6.1.27.6 is for advisories only"
    );
}

#[test]
fn test_6_1_27_9_and_10_need_impact_and_action_statements() {
    let vex = with(base(), "/document/category", json!("csaf_vex"));
    let doc = with_vulnerability(
        vex.clone(),
        json!({"cve": "CVE-2024-1234", "product_status": {"known_not_affected": ["A"], "known_affected": ["B"]},
               "threats": [{"category": "exploit_status", "details": "d", "product_ids": ["A"]}]}),
    );
    assert_eq!(
        found(test_6_1_27_9_impact_statement(&doc)),
        one(
            "/vulnerabilities/0/product_status/known_not_affected/0",
            "6.1.27.9"
        )
    );
    assert_eq!(
        found(test_6_1_27_10_action_statement(&doc)),
        one(
            "/vulnerabilities/0/product_status/known_affected/0",
            "6.1.27.10"
        )
    );
    // Statements naming the products through the group G satisfy both tests.
    let doc = with_vulnerability(
        vex,
        json!({"cve": "CVE-2024-1234", "product_status": {"known_not_affected": ["A"], "known_affected": ["B"]},
               "flags": [{"label": "component_not_present", "group_ids": ["G"]}],
               "remediations": [{"category": "vendor_fix", "details": "d", "group_ids": ["G"]}]}),
    );
    assert_eq!(test_6_1_27_9_impact_statement(&doc), []);
    assert_eq!(test_6_1_27_10_action_statement(&doc), []);
}

#[test]
fn test_6_1_28_reports_identical_languages() {
    let doc = with(base(), "/document/lang", json!("en-US"));
    let doc = with(doc, "/document/source_lang", json!("en-us"));
    assert_eq!(
        found(test_6_1_28_translation(&doc)),
        one("/document/source_lang", "6.1.28")
    );
}

#[test]
fn test_6_1_29_and_32_need_product_references() {
    let doc = with_vulnerability(
        base(),
        json!({"remediations": [{"category": "workaround", "details": "d"}],
               "flags": [{"label": "component_not_present"}]}),
    );
    assert_eq!(
        found(test_6_1_29_remediation_without_product_reference(&doc)),
        one("/vulnerabilities/0/remediations/0", "6.1.29")
    );
    assert_eq!(
        found(test_6_1_32_flag_without_product_reference(&doc)),
        one("/vulnerabilities/0/flags/0", "6.1.32")
    );
}

#[test]
fn test_6_1_30_reports_mixed_versioning() {
    let doc = with(
        base(),
        HISTORY,
        history(&[
            ("2024-01-01T00:00:00Z", "1"),
            ("2024-02-01T00:00:00Z", "2.0.0"),
        ]),
    );
    assert_eq!(
        found(test_6_1_30_mixed_integer_and_semantic_versioning(&doc)),
        one("/document/tracking/revision_history/1/number", "6.1.30")
    );
}

#[test]
fn test_6_1_31_reports_ranges_in_product_versions() {
    let branch = |name: &str| {
        json!([{"category": "vendor", "name": "Ex", "branches": [
            {"category": "product_version", "name": name, "product": {"name": "p", "product_id": "C"}}]}])
    };
    for name in ["<4.2", "prior to 4.2", "All Versions", ">=1.0"] {
        let doc = with(base(), "/product_tree/branches", branch(name));
        assert_eq!(
            found(test_6_1_31_version_range_in_product_version(&doc)),
            one("/product_tree/branches/0/branches/0/name", "6.1.31"),
            "{name}"
        );
    }
    let doc = with(base(), "/product_tree/branches", branch("4.2.1-allways"));
    assert_eq!(test_6_1_31_version_range_in_product_version(&doc), []);
}

#[test]
fn test_6_1_33_reports_a_product_with_two_flags() {
    let doc = with_vulnerability(
        base(),
        json!({"flags": [
            {"label": "component_not_present", "product_ids": ["A"]},
            {"label": "vulnerable_code_not_present", "group_ids": ["G"]}
        ]}),
    );
    assert_eq!(
        found(test_6_1_33_multiple_flags_with_vex_justification_codes_per_product(&doc)),
        one("/vulnerabilities/0/flags/1", "6.1.33")
    );
}
