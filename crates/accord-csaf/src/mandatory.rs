//! The mandatory tests of CSAF 2.0 section 6.1, one function per test.
//!
//! Each function takes the whole document and returns its findings, with the test id as the
//! rule. They never panic and read the document defensively: a member that is missing or not
//! of the schema's type is skipped, because the schema reports it. A finding about a member
//! that should be there but is not points at the object that should hold it.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cvss::{self, Metric, Rounding};
use crate::pointer::Pointer;
use crate::product_tree::{
    full_product_names, group_id_definitions, group_id_references, group_members, items,
    names_product, product_id_definitions, product_id_references, strings,
};
use crate::schema::{self, CvssSchema};
use crate::version::{is_integer_version, Version};
use crate::{purl, Finding};

/// The tests implemented here, as `(rule id, title)`, in spec order.
pub const IMPLEMENTED: &[(&str, &str)] = &[
    ("6.1.1", "Missing Definition of Product ID"),
    ("6.1.2", "Multiple Definition of Product ID"),
    ("6.1.3", "Circular Definition of Product ID"),
    ("6.1.4", "Missing Definition of Product Group ID"),
    ("6.1.5", "Multiple Definition of Product Group ID"),
    ("6.1.6", "Contradicting Product Status"),
    ("6.1.7", "Multiple Scores with same Version per Product"),
    ("6.1.8", "Invalid CVSS"),
    ("6.1.9", "Invalid CVSS computation"),
    ("6.1.10", "Inconsistent CVSS"),
    ("6.1.11", "CWE"),
    ("6.1.12", "Language"),
    ("6.1.13", "PURL"),
    ("6.1.14", "Sorted Revision History"),
    ("6.1.15", "Translator"),
    ("6.1.16", "Latest Document Version"),
    ("6.1.17", "Document Status Draft"),
    ("6.1.18", "Released Revision History"),
    (
        "6.1.19",
        "Revision History Entries for Pre-release Versions",
    ),
    ("6.1.20", "Non-draft Document Version"),
    ("6.1.21", "Missing Item in Revision History"),
    ("6.1.22", "Multiple Definition in Revision History"),
    ("6.1.23", "Multiple Use of Same CVE"),
    ("6.1.24", "Multiple Definition in Involvements"),
    ("6.1.25", "Multiple Use of Same Hash Algorithm"),
    ("6.1.26", "Prohibited Document Category Name"),
    ("6.1.27.1", "Document Notes"),
    ("6.1.27.2", "Document References"),
    ("6.1.27.3", "Vulnerabilities"),
    ("6.1.27.4", "Product Tree"),
    ("6.1.27.5", "Vulnerability Notes"),
    ("6.1.27.6", "Product Status"),
    ("6.1.27.7", "VEX Product Status"),
    ("6.1.27.8", "Vulnerability ID"),
    ("6.1.27.9", "Impact Statement"),
    ("6.1.27.10", "Action Statement"),
    ("6.1.27.11", "Vulnerabilities"),
    ("6.1.28", "Translation"),
    ("6.1.29", "Remediation without Product Reference"),
    ("6.1.30", "Mixed Integer and Semantic Versioning"),
    ("6.1.31", "Version Range in Product Version"),
    ("6.1.32", "Flag without Product Reference"),
    (
        "6.1.33",
        "Multiple Flags with VEX Justification Codes per Product",
    ),
];

type Test = fn(&Value) -> Vec<Finding>;

/// The test functions, in the order of [`IMPLEMENTED`].
const TESTS: &[Test] = &[
    test_6_1_1_missing_definition_of_product_id,
    test_6_1_2_multiple_definition_of_product_id,
    test_6_1_3_circular_definition_of_product_id,
    test_6_1_4_missing_definition_of_product_group_id,
    test_6_1_5_multiple_definition_of_product_group_id,
    test_6_1_6_contradicting_product_status,
    test_6_1_7_multiple_scores_with_same_version_per_product,
    test_6_1_8_invalid_cvss,
    test_6_1_9_invalid_cvss_computation,
    test_6_1_10_inconsistent_cvss,
    test_6_1_11_cwe,
    test_6_1_12_language,
    test_6_1_13_purl,
    test_6_1_14_sorted_revision_history,
    test_6_1_15_translator,
    test_6_1_16_latest_document_version,
    test_6_1_17_document_status_draft,
    test_6_1_18_released_revision_history,
    test_6_1_19_revision_history_entries_for_prerelease_versions,
    test_6_1_20_non_draft_document_version,
    test_6_1_21_missing_item_in_revision_history,
    test_6_1_22_multiple_definition_in_revision_history,
    test_6_1_23_multiple_use_of_same_cve,
    test_6_1_24_multiple_definition_in_involvements,
    test_6_1_25_multiple_use_of_same_hash_algorithm,
    test_6_1_26_prohibited_document_category_name,
    test_6_1_27_1_document_notes,
    test_6_1_27_2_document_references,
    test_6_1_27_3_vulnerabilities,
    test_6_1_27_4_product_tree,
    test_6_1_27_5_vulnerability_notes,
    test_6_1_27_6_product_status,
    test_6_1_27_7_vex_product_status,
    test_6_1_27_8_vulnerability_id,
    test_6_1_27_9_impact_statement,
    test_6_1_27_10_action_statement,
    test_6_1_27_11_vulnerabilities,
    test_6_1_28_translation,
    test_6_1_29_remediation_without_product_reference,
    test_6_1_30_mixed_integer_and_semantic_versioning,
    test_6_1_31_version_range_in_product_version,
    test_6_1_32_flag_without_product_reference,
    test_6_1_33_multiple_flags_with_vex_justification_codes_per_product,
];

/// The tests the second edition of Accord's CSAF rules added ([`crate::Edition::V2`]).
pub const SINCE_V2: &[&str] = &["6.1.11", "6.1.12"];

/// Runs every implemented mandatory test; findings unsorted.
pub fn run_all(doc: &Value) -> Vec<Finding> {
    run_all_in(doc, crate::Edition::LATEST)
}

/// Runs the mandatory tests of `edition`; findings unsorted.
pub fn run_all_in(doc: &Value, edition: crate::Edition) -> Vec<Finding> {
    IMPLEMENTED
        .iter()
        .zip(TESTS)
        .filter(|((id, _), _)| edition >= crate::Edition::V2 || !SINCE_V2.contains(id))
        .flat_map(|(_, test)| test(doc))
        .collect()
}

/// Runs the implemented test with id `rule` (e.g. `"6.1.27.9"`); `None` if there is none.
pub fn run(rule: &str, doc: &Value) -> Option<Vec<Finding>> {
    let index = IMPLEMENTED.iter().position(|(id, _)| *id == rule)?;
    TESTS.get(index).map(|test| test(doc))
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn category(doc: &Value) -> Option<&str> {
    str_at(doc, "/document/category")
}

fn tracking_status(doc: &Value) -> Option<&str> {
    str_at(doc, "/document/tracking/status")
}

fn parse_date(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn vulnerabilities(doc: &Value) -> impl Iterator<Item = (Pointer, &Value)> {
    items(doc, "vulnerabilities").map(|(i, v)| (Pointer::at("/vulnerabilities").join(i), v))
}

/// One revision history item with a parseable date and number.
struct Revision<'a> {
    index: usize,
    date: OffsetDateTime,
    number: &'a str,
    version: Version,
}

/// The revision history sorted ascending by date (ties by version), or `None` if the history
/// is missing or any item lacks a valid date or number (the schema reports those).
fn revisions_by_date(doc: &Value) -> Option<Vec<Revision<'_>>> {
    let history = doc
        .pointer("/document/tracking/revision_history")?
        .as_array()?;
    let mut revisions = history
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let number = item.get("number")?.as_str()?;
            Some(Revision {
                index,
                date: parse_date(item.get("date")?.as_str()?)?,
                number,
                version: Version::parse(number)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    revisions.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then_with(|| a.version.cmp_precedence(&b.version))
    });
    Some(revisions)
}

fn revision_history_at() -> Pointer {
    Pointer::at("/document/tracking/revision_history")
}

// ---------------------------------------------------------------------------------------------
// 6.1.1 – 6.1.7: product ids, groups and statuses

/// 6.1.1 Missing Definition of Product ID: every product id that is referenced (in product
/// groups, relationships, product statuses, flags, remediations, scores and threats) must be
/// defined by a full product name in the product tree.
pub fn test_6_1_1_missing_definition_of_product_id(doc: &Value) -> Vec<Finding> {
    undefined(
        product_id_definitions(doc),
        product_id_references(doc),
        "6.1.1",
        "product id",
    )
}

/// 6.1.2 Multiple Definition of Product ID: each product id is defined by one full product
/// name only. Every definition after the first is reported.
pub fn test_6_1_2_multiple_definition_of_product_id(doc: &Value) -> Vec<Finding> {
    defined_twice(product_id_definitions(doc), "6.1.2", "product id")
}

/// 6.1.3 Circular Definition of Product ID: a product id that a relationship defines must not
/// depend on itself through the `product_reference` / `relates_to_product_reference` chain.
/// Reported at each reference of a relationship that leads back into a circle through it.
pub fn test_6_1_3_circular_definition_of_product_id(doc: &Value) -> Vec<Finding> {
    let relationships: Vec<(usize, &Value)> = doc
        .get("product_tree")
        .map(|tree| items(tree, "relationships").collect())
        .unwrap_or_default();
    // The relationships that define each id.
    let mut defined_by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, relationship) in &relationships {
        if let Some(id) = str_at(relationship, "/full_product_name/product_id") {
            defined_by.entry(id).or_default().push(*i);
        }
    }
    let references = |i: usize| -> Vec<(&'static str, &str)> {
        let Some((_, relationship)) = relationships.iter().find(|(j, _)| *j == i) else {
            return Vec::new();
        };
        ["product_reference", "relates_to_product_reference"]
            .into_iter()
            .filter_map(|key| Some((key, relationship.get(key)?.as_str()?)))
            .collect()
    };
    // Whether relationship `target` is reachable from the relationships defining `id`.
    let reaches = |id: &str, target: usize| -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = defined_by.get(id).cloned().unwrap_or_default();
        while let Some(i) = stack.pop() {
            if i == target {
                return true;
            }
            if seen.insert(i) {
                for (_, next) in references(i) {
                    stack.extend(defined_by.get(next).into_iter().flatten());
                }
            }
        }
        false
    };
    let mut findings = Vec::new();
    for (i, relationship) in &relationships {
        if str_at(relationship, "/full_product_name/product_id").is_none() {
            continue;
        }
        for (key, id) in references(*i) {
            if reaches(id, *i) {
                let at = Pointer::at("/product_tree/relationships").join(i).join(key);
                let defined = str_at(relationship, "/full_product_name/product_id").unwrap_or("");
                findings.push(Finding::new(
                    at,
                    "6.1.3",
                    format!(
                        "product id \"{defined}\" is defined in terms of itself through \"{id}\""
                    ),
                ));
            }
        }
    }
    findings
}

/// 6.1.4 Missing Definition of Product Group ID: every product group id referenced in flags,
/// remediations and threats must be defined in the product tree.
pub fn test_6_1_4_missing_definition_of_product_group_id(doc: &Value) -> Vec<Finding> {
    undefined(
        group_id_definitions(doc),
        group_id_references(doc),
        "6.1.4",
        "product group id",
    )
}

/// 6.1.5 Multiple Definition of Product Group ID: each product group id is defined once.
pub fn test_6_1_5_multiple_definition_of_product_group_id(doc: &Value) -> Vec<Finding> {
    defined_twice(group_id_definitions(doc), "6.1.5", "product group id")
}

/// References to ids that no definition defines (6.1.1, 6.1.4).
fn undefined(
    definitions: Vec<(Pointer, &str)>,
    references: Vec<(Pointer, &str)>,
    rule: &str,
    what: &str,
) -> Vec<Finding> {
    let defined: HashSet<&str> = definitions.into_iter().map(|(_, id)| id).collect();
    references
        .into_iter()
        .filter(|(_, id)| !defined.contains(id))
        .map(|(at, id)| {
            Finding::new(
                at,
                rule,
                format!("{what} \"{id}\" is not defined in the product tree"),
            )
        })
        .collect()
}

/// Every definition of an id after its first (6.1.2, 6.1.5).
fn defined_twice(definitions: Vec<(Pointer, &str)>, rule: &str, what: &str) -> Vec<Finding> {
    let mut first: HashMap<&str, Pointer> = HashMap::new();
    let mut findings = Vec::new();
    for (at, id) in definitions {
        match first.get(id) {
            Some(earlier) => findings.push(Finding::new(
                at,
                rule,
                format!("{what} \"{id}\" is already defined at {earlier}"),
            )),
            None => {
                first.insert(id, at);
            }
        }
    }
    findings
}

/// The product status groups of 6.1.6; `recommended` belongs to none.
const STATUS_GROUPS: [(&str, &[&str]); 4] = [
    (
        "affected",
        &["first_affected", "known_affected", "last_affected"],
    ),
    ("not affected", &["known_not_affected"]),
    ("fixed", &["first_fixed", "fixed"]),
    ("under investigation", &["under_investigation"]),
];

/// 6.1.6 Contradicting Product Status: within one vulnerability a product id is in at most one
/// of the groups Affected, Not affected, Fixed and Under investigation.
pub fn test_6_1_6_contradicting_product_status(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        let Some(status) = vulnerability.get("product_status") else {
            continue;
        };
        // product id -> the groups it is in, in group order.
        let mut groups_of: Vec<(&str, Vec<&str>)> = Vec::new();
        for (group, lists) in STATUS_GROUPS {
            let ids: BTreeSet<&str> = lists
                .iter()
                .flat_map(|list| strings(status, list).map(|(_, id)| id))
                .collect();
            for id in ids {
                match groups_of.iter_mut().find(|(known, _)| *known == id) {
                    Some((_, groups)) => groups.push(group),
                    None => groups_of.push((id, vec![group])),
                }
            }
        }
        for (id, groups) in groups_of.into_iter().filter(|(_, g)| g.len() > 1) {
            findings.push(Finding::new(
                v_at.join("product_status"),
                "6.1.6",
                format!(
                    "product id \"{id}\" has contradicting statuses: {}",
                    groups.join(" and ")
                ),
            ));
        }
    }
    findings
}

/// 6.1.7 Multiple Scores with same Version per Product: within one vulnerability a product has
/// at most one CVSS score of each CVSS version.
pub fn test_6_1_7_multiple_scores_with_same_version_per_product(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        for (s, score) in items(vulnerability, "scores") {
            let versions: Vec<&str> = ["cvss_v2", "cvss_v3"]
                .into_iter()
                .filter_map(|key| str_at(score, &format!("/{key}/version")))
                .collect();
            for (p, product) in strings(score, "products") {
                for version in &versions {
                    if !seen.insert((product, version)) {
                        findings.push(Finding::new(
                            v_at.join("scores").join(s).join("products").join(p),
                            "6.1.7",
                            format!(
                                "product id \"{product}\" already has a CVSS {version} score in this vulnerability"
                            ),
                        ));
                    }
                }
            }
        }
    }
    findings
}

// ---------------------------------------------------------------------------------------------
// 6.1.8 – 6.1.10: CVSS

/// Every CVSS object: `(pointer, "cvss_v2" or "cvss_v3", the object)`.
fn cvss_objects(doc: &Value) -> Vec<(Pointer, &'static str, &Value)> {
    let mut out = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        for (s, score) in items(vulnerability, "scores") {
            for key in ["cvss_v2", "cvss_v3"] {
                if let Some(cvss) = score.get(key) {
                    out.push((v_at.join("scores").join(s).join(key), key, cvss));
                }
            }
        }
    }
    out
}

/// 6.1.8 Invalid CVSS: each `cvss_v2` object is valid against FIRST's CVSS v2.0 schema and each
/// `cvss_v3` object against the CVSS v3.0 or v3.1 schema its `version` names.
pub fn test_6_1_8_invalid_cvss(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (at, key, cvss) in cvss_objects(doc) {
        let schema = match (key, cvss.get("version").and_then(Value::as_str)) {
            ("cvss_v2", _) => CvssSchema::V2_0,
            (_, Some("3.0")) => CvssSchema::V3_0,
            (_, Some("3.1")) => CvssSchema::V3_1,
            (_, other) => {
                let found = other.map_or("no version".to_owned(), |v| format!("version \"{v}\""));
                findings.push(Finding::new(
                    at,
                    "6.1.8",
                    format!("a cvss_v3 object needs version \"3.0\" or \"3.1\", found {found}"),
                ));
                continue;
            }
        };
        findings.extend(schema::validate_cvss(schema, cvss, &at, "6.1.8"));
    }
    findings
}

fn same_score(given: f64, computed: f64) -> bool {
    (given - computed).abs() < 1e-6
}

/// 6.1.9 Invalid CVSS computation: the scores given (base, temporal, environmental) and, for
/// CVSS v3, the severities must be those the vector string yields under the CVSS
/// specification of its version. A CVSS v3.0 score may also be the one FIRST's v3.0 calculator
/// yields (it rounds in floating point). Objects whose vector cannot be computed (6.1.8 reports
/// them) are skipped.
pub fn test_6_1_9_invalid_cvss_computation(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (at, key, cvss) in cvss_objects(doc) {
        let Some(vector) = cvss.get("vectorString").and_then(Value::as_str) else {
            continue;
        };
        // The ways of computing the scores a producer may have used; the first is the
        // definition, the others are accepted too (see `cvss::Rounding`).
        let computed: Vec<cvss::Scores> = match key {
            "cvss_v2" => cvss::v2_scores(vector).into_iter().collect(),
            _ => [Rounding::Exact, Rounding::FirstV3_0Calculator]
                .into_iter()
                .filter_map(|rounding| cvss::v3_scores_rounded(vector, rounding))
                .collect(),
        };
        let Some(definition) = computed.first() else {
            continue;
        };
        type Score = fn(&cvss::Scores) -> f64;
        let scores: [(&str, &str, Score); 3] = [
            ("baseScore", "baseSeverity", |s| s.base),
            ("temporalScore", "temporalSeverity", |s| s.temporal),
            ("environmentalScore", "environmentalSeverity", |s| {
                s.environmental
            }),
        ];
        for (property, severity_property, score) in scores {
            if let Some(given) = cvss.get(property).and_then(Value::as_f64) {
                if !computed.iter().any(|c| same_score(given, score(c))) {
                    findings.push(Finding::new(
                        at.join(property),
                        "6.1.9",
                        format!(
                            "{property} is {given} but the vector string yields {:.1}",
                            score(definition)
                        ),
                    ));
                }
            }
            if key != "cvss_v3" {
                continue;
            }
            if let Some(given) = cvss.get(severity_property).and_then(Value::as_str) {
                if !computed
                    .iter()
                    .any(|c| cvss::v3_severity(score(c)) == given)
                {
                    let expected = score(definition);
                    findings.push(Finding::new(
                        at.join(severity_property),
                        "6.1.9",
                        format!(
                            "{severity_property} is {given} but the vector string yields {} ({expected:.1})",
                            cvss::v3_severity(expected)
                        ),
                    ));
                }
            }
        }
    }
    findings
}

/// 6.1.10 Inconsistent CVSS: each metric property given in a CVSS object has the value its
/// vector string states. A temporal or environmental metric absent from the vector counts as
/// "not defined".
pub fn test_6_1_10_inconsistent_cvss(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (at, key, cvss) in cvss_objects(doc) {
        let Some(vector) = cvss.get("vectorString").and_then(Value::as_str) else {
            continue;
        };
        let (metrics, base_count, parsed, not_defined): (&[Metric], usize, _, &str) = match key {
            "cvss_v2" => (
                cvss::V2_METRICS,
                cvss::V2_BASE_METRICS,
                cvss::parse_v2(vector),
                "ND",
            ),
            _ => (
                cvss::V3_METRICS,
                cvss::V3_BASE_METRICS,
                cvss::parse_v3(vector).map(|(_, m)| m),
                "X",
            ),
        };
        let Some(parsed) = parsed else {
            continue;
        };
        for (n, metric) in metrics.iter().enumerate() {
            let Some(given) = cvss.get(metric.property).and_then(Value::as_str) else {
                continue;
            };
            let in_vector = match parsed.get(metric.key) {
                Some(value) => *value,
                None if n >= base_count => not_defined,
                None => continue,
            };
            let Some((expected, _)) = metric.values.iter().find(|(_, v)| *v == in_vector) else {
                continue;
            };
            if given != *expected {
                findings.push(Finding::new(
                    at.join(metric.property),
                    "6.1.10",
                    format!(
                        "{} is {given} but the vector string says {}:{in_vector} ({expected})",
                        metric.property, metric.key
                    ),
                ));
            }
        }
    }
    findings
}

// ---------------------------------------------------------------------------------------------
// 6.1.13: PURL

/// 6.1.13 PURL: every `product_identification_helper/purl` is a valid package URL.
pub fn test_6_1_13_purl(doc: &Value) -> Vec<Finding> {
    full_product_names(doc)
        .into_iter()
        .filter_map(|(at, product)| {
            let purl = str_at(product, "/product_identification_helper/purl")?;
            let problem = purl::check(purl).err()?;
            Some(Finding::new(
                at.join("product_identification_helper").join("purl"),
                "6.1.13",
                format!("\"{purl}\" is not a valid package URL: {problem}"),
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 6.1.14 – 6.1.22: document tracking and revision history

/// 6.1.14 Sorted Revision History: when the revision history is sorted ascending by date, its
/// numbers are ascending too.
pub fn test_6_1_14_sorted_revision_history(doc: &Value) -> Vec<Finding> {
    let Some(revisions) = revisions_by_date(doc) else {
        return Vec::new();
    };
    revisions
        .windows(2)
        .filter(|pair| pair[0].version.cmp_precedence(&pair[1].version) == Ordering::Greater)
        .map(|pair| {
            Finding::new(
                revision_history_at().join(pair[1].index).join("number"),
                "6.1.14",
                format!(
                    "revision {} is dated after revision {} but has a lower number",
                    pair[1].number, pair[0].number
                ),
            )
        })
        .collect()
}

/// 6.1.15 Translator: a document whose publisher category is `translator` gives its
/// `source_lang`.
pub fn test_6_1_15_translator(doc: &Value) -> Vec<Finding> {
    let translated = str_at(doc, "/document/publisher/category") == Some("translator");
    if translated && doc.pointer("/document/source_lang").is_none() {
        return vec![Finding::new(
            "/document",
            "6.1.15",
            "source_lang is missing although the publisher category is translator",
        )];
    }
    Vec::new()
}

/// Every name MITRE has given each CWE weakness id, CWE 1.0 to 4.20 (`data/cwe-names.tsv`).
const CWE_NAMES: &str = include_str!("../data/cwe-names.tsv");

/// 6.1.11 CWE: the weakness exists and `name` is its name. CSAF 2.0 names no CWE version, so
/// a name is accepted if MITRE gave it to that id in any version (an advisory written when a
/// weakness had its older name stays valid); the finding names the current one.
pub fn test_6_1_11_cwe(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (at, v) in vulnerabilities(doc) {
        let Some(cwe) = v.get("cwe") else { continue };
        let (Some(id), Some(name)) = (
            cwe.get("id").and_then(Value::as_str),
            cwe.get("name").and_then(Value::as_str),
        ) else {
            continue;
        };
        let names: Vec<&str> = CWE_NAMES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .filter(|(i, _)| *i == id)
            .map(|(_, n)| n)
            .collect();
        match names.last() {
            None => findings.push(Finding::new(
                at.join("cwe").join("id"),
                "6.1.11",
                format!("no CWE weakness has the id {id} (MITRE CWE 1.0 to 4.20)"),
            )),
            Some(current) if !names.contains(&name) => findings.push(Finding::new(
                at.join("cwe").join("name"),
                "6.1.11",
                format!("\"{name}\" is not a name of {id}, which is \"{current}\""),
            )),
            Some(_) => {}
        }
    }
    findings
}

/// 6.1.12 Language: `/document/lang` and `/document/source_lang` are valid BCP 47 tags (RFC
/// 5646 §2.2.9: every subtag registered with IANA), not only well-formed ones.
pub fn test_6_1_12_language(doc: &Value) -> Vec<Finding> {
    ["/document/lang", "/document/source_lang"]
        .iter()
        .filter_map(|at| {
            let tag = str_at(doc, at)?;
            let e = accord_langtag::check_valid(tag).err()?;
            Some(Finding::new(
                *at,
                "6.1.12",
                format!("\"{tag}\" is not a valid language tag: {}", e.why),
            ))
        })
        .collect()
}

/// The part of a version that 6.1.16 compares: without build metadata, and for a draft also
/// without the pre-release part.
fn comparable_version(version: &str, draft: bool) -> &str {
    let version = version.split('+').next().unwrap_or(version);
    if draft {
        version.split('-').next().unwrap_or(version)
    } else {
        version
    }
}

/// 6.1.16 Latest Document Version: the document version equals the number of the latest
/// revision (latest by date), build metadata ignored, and for a draft the pre-release part too.
pub fn test_6_1_16_latest_document_version(doc: &Value) -> Vec<Finding> {
    let (Some(version), Some(status), Some(revisions)) = (
        str_at(doc, "/document/tracking/version"),
        tracking_status(doc),
        revisions_by_date(doc),
    ) else {
        return Vec::new();
    };
    let Some(latest) = revisions.last() else {
        return Vec::new();
    };
    let draft = status == "draft";
    if comparable_version(version, draft) != comparable_version(latest.number, draft) {
        return vec![Finding::new(
            "/document/tracking/version",
            "6.1.16",
            format!(
                "the document version is {version} but the latest revision is {}",
                latest.number
            ),
        )];
    }
    Vec::new()
}

/// 6.1.17 Document Status Draft: a document whose version is `0`, `0.y.z` or has a
/// pre-release part has the status `draft`.
pub fn test_6_1_17_document_status_draft(doc: &Value) -> Vec<Finding> {
    let (Some(version), Some(status)) = (
        str_at(doc, "/document/tracking/version"),
        tracking_status(doc),
    ) else {
        return Vec::new();
    };
    let Some(parsed) = Version::parse(version) else {
        return Vec::new();
    };
    if status != "draft" && (parsed.major() == 0 || parsed.is_prerelease()) {
        return vec![Finding::new(
            "/document/tracking/status",
            "6.1.17",
            format!("the status is {status} but version {version} is a draft version"),
        )];
    }
    Vec::new()
}

/// 6.1.18 Released Revision History: a `final` or `interim` document has no revision numbered
/// `0` or `0.y.z`.
pub fn test_6_1_18_released_revision_history(doc: &Value) -> Vec<Finding> {
    let Some(status @ ("final" | "interim")) = tracking_status(doc) else {
        return Vec::new();
    };
    let Some(history) = doc.pointer("/document/tracking/revision_history") else {
        return Vec::new();
    };
    strings_at(history, "number")
        .filter(|(_, number)| Version::parse(number).is_some_and(|v| v.major() == 0))
        .map(|(i, number)| {
            Finding::new(
                revision_history_at().join(i).join("number"),
                "6.1.18",
                format!("revision {number} is a draft version but the document status is {status}"),
            )
        })
        .collect()
}

/// The string member `key` of each object in the array `array`, with its index.
fn strings_at<'a>(array: &'a Value, key: &'a str) -> impl Iterator<Item = (usize, &'a str)> {
    array
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(move |(i, item)| Some((i, item.get(key)?.as_str()?)))
}

/// 6.1.19 Revision History Entries for Pre-release Versions: no revision number has a
/// pre-release part.
pub fn test_6_1_19_revision_history_entries_for_prerelease_versions(doc: &Value) -> Vec<Finding> {
    let Some(history) = doc.pointer("/document/tracking/revision_history") else {
        return Vec::new();
    };
    strings_at(history, "number")
        .filter(|(_, number)| Version::parse(number).is_some_and(|v| v.is_prerelease()))
        .map(|(i, number)| {
            Finding::new(
                revision_history_at().join(i).join("number"),
                "6.1.19",
                format!("revision {number} has a pre-release part"),
            )
        })
        .collect()
}

/// 6.1.20 Non-draft Document Version: the version of a `final` or `interim` document has no
/// pre-release part.
pub fn test_6_1_20_non_draft_document_version(doc: &Value) -> Vec<Finding> {
    let (Some(version), Some(status @ ("final" | "interim"))) = (
        str_at(doc, "/document/tracking/version"),
        tracking_status(doc),
    ) else {
        return Vec::new();
    };
    if Version::parse(version).is_some_and(|v| v.is_prerelease()) {
        return vec![Finding::new(
            "/document/tracking/version",
            "6.1.20",
            format!("version {version} has a pre-release part but the document status is {status}"),
        )];
    }
    Vec::new()
}

/// 6.1.21 Missing Item in Revision History: sorted by date, the revision history starts at
/// (major) version 0 or 1 and omits no (major) version after it.
pub fn test_6_1_21_missing_item_in_revision_history(doc: &Value) -> Vec<Finding> {
    let Some(revisions) = revisions_by_date(doc) else {
        return Vec::new();
    };
    let mut majors: Vec<u64> = Vec::new();
    for revision in &revisions {
        let major = revision.version.major();
        if !majors.contains(&major) {
            majors.push(major);
        }
    }
    let mut findings = Vec::new();
    let Some(&first) = majors.first() else {
        return findings;
    };
    if first > 1 {
        findings.push(Finding::new(
            revision_history_at(),
            "6.1.21",
            format!("the earliest revision has major version {first}, not 0 or 1"),
        ));
    }
    let mut expected = first;
    for major in majors {
        if major > expected {
            let missing: Vec<String> = (expected..major).map(|m| m.to_string()).collect();
            findings.push(Finding::new(
                revision_history_at(),
                "6.1.21",
                format!(
                    "the revision history omits major version {}",
                    missing.join(", ")
                ),
            ));
        }
        expected = expected.max(major + 1);
    }
    findings
}

/// 6.1.22 Multiple Definition in Revision History: no two revisions have the same number.
pub fn test_6_1_22_multiple_definition_in_revision_history(doc: &Value) -> Vec<Finding> {
    let Some(history) = doc.pointer("/document/tracking/revision_history") else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    strings_at(history, "number")
        .filter(|(_, number)| !seen.insert(*number))
        .map(|(i, number)| {
            Finding::new(
                revision_history_at().join(i).join("number"),
                "6.1.22",
                format!("revision number {number} appears more than once"),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 6.1.23 – 6.1.26

/// 6.1.23 Multiple Use of Same CVE: a CVE id names at most one vulnerability.
pub fn test_6_1_23_multiple_use_of_same_cve(doc: &Value) -> Vec<Finding> {
    let mut seen = HashSet::new();
    vulnerabilities(doc)
        .filter_map(|(at, v)| Some((at, v.get("cve")?.as_str()?)))
        .filter(|(_, cve)| !seen.insert(*cve))
        .map(|(at, cve)| {
            Finding::new(
                at.join("cve"),
                "6.1.23",
                format!("{cve} is already used by another vulnerability"),
            )
        })
        .collect()
}

/// 6.1.24 Multiple Definition in Involvements: within a vulnerability, no two involvements
/// have the same party and the same date.
pub fn test_6_1_24_multiple_definition_in_involvements(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        let mut seen: Vec<(&str, OffsetDateTime)> = Vec::new();
        for (i, involvement) in items(vulnerability, "involvements") {
            let (Some(party), Some(date)) = (
                involvement.get("party").and_then(Value::as_str),
                involvement
                    .get("date")
                    .and_then(Value::as_str)
                    .and_then(parse_date),
            ) else {
                continue;
            };
            if seen.contains(&(party, date)) {
                findings.push(Finding::new(
                    v_at.join("involvements").join(i),
                    "6.1.24",
                    format!("party {party} already has an involvement at this date"),
                ));
            } else {
                seen.push((party, date));
            }
        }
    }
    findings
}

/// 6.1.25 Multiple Use of Same Hash Algorithm: within one file's hashes each algorithm is used
/// once.
pub fn test_6_1_25_multiple_use_of_same_hash_algorithm(doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (at, product) in full_product_names(doc) {
        let Some(helper) = product.get("product_identification_helper") else {
            continue;
        };
        for (h, hash) in items(helper, "hashes") {
            let mut seen = HashSet::new();
            for (f, file_hash) in items(hash, "file_hashes") {
                let Some(algorithm) = file_hash.get("algorithm").and_then(Value::as_str) else {
                    continue;
                };
                if !seen.insert(algorithm) {
                    let hash_at = at
                        .join("product_identification_helper")
                        .join("hashes")
                        .join(h);
                    findings.push(Finding::new(
                        hash_at.join("file_hashes").join(f).join("algorithm"),
                        "6.1.25",
                        format!("hash algorithm {algorithm} is used twice for the same file"),
                    ));
                }
            }
        }
    }
    findings
}

/// The document categories of the profiles of section 4, and what 6.1.26 compares against.
const PROFILE_CATEGORIES: [&str; 5] = [
    "csaf_base",
    "csaf_security_incident_response",
    "csaf_informational_advisory",
    "csaf_security_advisory",
    "csaf_vex",
];

/// 6.1.26 Prohibited Document Category Name: a category that is not one of the profiles'
/// does not start with the reserved prefix `csaf_` and does not match the name or the category
/// of a profile other than CSAF Base once case, `-`, `_` and white space are disregarded.
pub fn test_6_1_26_prohibited_document_category_name(doc: &Value) -> Vec<Finding> {
    let Some(category) = category(doc) else {
        return Vec::new();
    };
    if PROFILE_CATEGORIES.contains(&category) {
        return Vec::new();
    }
    if category.to_lowercase().starts_with("csaf_") {
        return vec![Finding::new(
            "/document/category",
            "6.1.26",
            format!("category \"{category}\" uses the reserved prefix csaf_"),
        )];
    }
    let normalized: String = category
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '-' || *c == '_'))
        .flat_map(char::to_lowercase)
        .collect();
    // The names and the categories of the profiles other than CSAF Base, normalized the same
    // way ("Security Advisory" and "csaf_security_advisory" become "securityadvisory" and
    // "csafsecurityadvisory").
    let prohibited = [
        "securityincidentresponse",
        "informationaladvisory",
        "securityadvisory",
        "vex",
        "csafsecurityincidentresponse",
        "csafinformationaladvisory",
        "csafsecurityadvisory",
        "csafvex",
    ];
    if prohibited.contains(&normalized.as_str()) {
        return vec![Finding::new(
            "/document/category",
            "6.1.26",
            format!("category \"{category}\" imitates a CSAF profile; use the profile's category"),
        )];
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// 6.1.27: profile tests

fn in_profiles(doc: &Value, profiles: &[&str]) -> bool {
    category(doc).is_some_and(|c| profiles.contains(&c))
}

/// 6.1.27.1 Document Notes: a `csaf_informational_advisory` or
/// `csaf_security_incident_response` has a document note of category `description`,
/// `details`, `general` or `summary`.
pub fn test_6_1_27_1_document_notes(doc: &Value) -> Vec<Finding> {
    if !in_profiles(
        doc,
        &[
            "csaf_informational_advisory",
            "csaf_security_incident_response",
        ],
    ) {
        return Vec::new();
    }
    let notes = doc.pointer("/document/notes").unwrap_or(&Value::Null);
    let has_note = strings_at(notes, "category")
        .any(|(_, c)| matches!(c, "description" | "details" | "general" | "summary"));
    if has_note {
        return Vec::new();
    }
    vec![Finding::new(
        "/document",
        "6.1.27.1",
        "needs a document note of category description, details, general or summary",
    )]
}

/// 6.1.27.2 Document References: a `csaf_informational_advisory` or
/// `csaf_security_incident_response` has a document reference of category `external` (the
/// schema's default when the category is left out).
pub fn test_6_1_27_2_document_references(doc: &Value) -> Vec<Finding> {
    if !in_profiles(
        doc,
        &[
            "csaf_informational_advisory",
            "csaf_security_incident_response",
        ],
    ) {
        return Vec::new();
    }
    let external = doc
        .pointer("/document/references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| r.get("category").is_none_or(|c| c == "external"));
    if external {
        return Vec::new();
    }
    vec![Finding::new(
        "/document",
        "6.1.27.2",
        "needs a document reference of category external",
    )]
}

/// 6.1.27.3 Vulnerabilities: a `csaf_informational_advisory` has no `vulnerabilities`.
pub fn test_6_1_27_3_vulnerabilities(doc: &Value) -> Vec<Finding> {
    if in_profiles(doc, &["csaf_informational_advisory"]) && doc.get("vulnerabilities").is_some() {
        return vec![Finding::new(
            "/vulnerabilities",
            "6.1.27.3",
            "an informational advisory must not have vulnerabilities; use csaf_security_advisory",
        )];
    }
    Vec::new()
}

/// 6.1.27.4 Product Tree: a `csaf_security_advisory` or `csaf_vex` has a `product_tree`.
pub fn test_6_1_27_4_product_tree(doc: &Value) -> Vec<Finding> {
    if in_profiles(doc, &["csaf_security_advisory", "csaf_vex"])
        && doc.get("product_tree").is_none()
    {
        return vec![Finding::new(
            "",
            "6.1.27.4",
            "product_tree is missing; this profile requires it",
        )];
    }
    Vec::new()
}

/// 6.1.27.5 Vulnerability Notes: in a `csaf_security_advisory` or `csaf_vex` every
/// vulnerability has `notes`.
pub fn test_6_1_27_5_vulnerability_notes(doc: &Value) -> Vec<Finding> {
    require_in_each_vulnerability(
        doc,
        &["csaf_security_advisory", "csaf_vex"],
        "notes",
        "6.1.27.5",
    )
}

/// 6.1.27.6 Product Status: in a `csaf_security_advisory` every vulnerability has a
/// `product_status`.
pub fn test_6_1_27_6_product_status(doc: &Value) -> Vec<Finding> {
    require_in_each_vulnerability(
        doc,
        &["csaf_security_advisory"],
        "product_status",
        "6.1.27.6",
    )
}

fn require_in_each_vulnerability(
    doc: &Value,
    profiles: &[&str],
    member: &str,
    rule: &str,
) -> Vec<Finding> {
    if !in_profiles(doc, profiles) {
        return Vec::new();
    }
    vulnerabilities(doc)
        .filter(|(_, v)| v.get(member).is_none())
        .map(|(at, _)| {
            Finding::new(
                at,
                rule,
                format!("{member} is missing; this profile requires it"),
            )
        })
        .collect()
}

/// 6.1.27.7 VEX Product Status: in a `csaf_vex` every vulnerability lists products as
/// `fixed`, `known_affected`, `known_not_affected` or `under_investigation`.
pub fn test_6_1_27_7_vex_product_status(doc: &Value) -> Vec<Finding> {
    if !in_profiles(doc, &["csaf_vex"]) {
        return Vec::new();
    }
    const VEX_LISTS: [&str; 4] = [
        "fixed",
        "known_affected",
        "known_not_affected",
        "under_investigation",
    ];
    vulnerabilities(doc)
        .filter(|(_, v)| {
            !VEX_LISTS
                .iter()
                .any(|list| v.pointer(&format!("/product_status/{list}")).is_some())
        })
        .map(|(at, _)| {
            Finding::new(
                at,
                "6.1.27.7",
                "needs a product status of fixed, known_affected, known_not_affected or under_investigation",
            )
        })
        .collect()
}

/// 6.1.27.8 Vulnerability ID: in a `csaf_vex` every vulnerability has a `cve` or `ids`.
pub fn test_6_1_27_8_vulnerability_id(doc: &Value) -> Vec<Finding> {
    if !in_profiles(doc, &["csaf_vex"]) {
        return Vec::new();
    }
    vulnerabilities(doc)
        .filter(|(_, v)| v.get("cve").is_none() && v.get("ids").is_none())
        .map(|(at, _)| Finding::new(at, "6.1.27.8", "needs a cve or ids"))
        .collect()
}

/// 6.1.27.9 Impact Statement: in a `csaf_vex` every `known_not_affected` product has an impact
/// statement: a flag, or a threat of category `impact`, naming it directly or via a group.
pub fn test_6_1_27_9_impact_statement(doc: &Value) -> Vec<Finding> {
    if !in_profiles(doc, &["csaf_vex"]) {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        let Some(status) = vulnerability.get("product_status") else {
            continue;
        };
        for (i, id) in strings(status, "known_not_affected") {
            let by_flag = items(vulnerability, "flags").any(|(_, f)| names_product(doc, f, id));
            let by_threat = items(vulnerability, "threats").any(|(_, t)| {
                t.get("category").and_then(Value::as_str) == Some("impact")
                    && names_product(doc, t, id)
            });
            if !by_flag && !by_threat {
                findings.push(Finding::new(
                    v_at.join("product_status").join("known_not_affected").join(i),
                    "6.1.27.9",
                    format!("product id \"{id}\" is known not affected but has no impact statement (a flag or an impact threat)"),
                ));
            }
        }
    }
    findings
}

/// 6.1.27.10 Action Statement: in a `csaf_vex` every `known_affected` product has a
/// remediation naming it directly or via a group.
pub fn test_6_1_27_10_action_statement(doc: &Value) -> Vec<Finding> {
    if !in_profiles(doc, &["csaf_vex"]) {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        let Some(status) = vulnerability.get("product_status") else {
            continue;
        };
        for (i, id) in strings(status, "known_affected") {
            if !items(vulnerability, "remediations").any(|(_, r)| names_product(doc, r, id)) {
                findings.push(Finding::new(
                    v_at.join("product_status").join("known_affected").join(i),
                    "6.1.27.10",
                    format!("product id \"{id}\" is known affected but has no action statement (a remediation)"),
                ));
            }
        }
    }
    findings
}

/// 6.1.27.11 Vulnerabilities: a `csaf_security_advisory` or `csaf_vex` has `vulnerabilities`.
pub fn test_6_1_27_11_vulnerabilities(doc: &Value) -> Vec<Finding> {
    if in_profiles(doc, &["csaf_security_advisory", "csaf_vex"])
        && doc.get("vulnerabilities").is_none()
    {
        return vec![Finding::new(
            "",
            "6.1.27.11",
            "vulnerabilities is missing; this profile requires it",
        )];
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// 6.1.28 – 6.1.33

/// 6.1.28 Translation: `lang` and `source_lang` differ (language tags compare case-blind).
pub fn test_6_1_28_translation(doc: &Value) -> Vec<Finding> {
    let (Some(lang), Some(source)) = (
        str_at(doc, "/document/lang"),
        str_at(doc, "/document/source_lang"),
    ) else {
        return Vec::new();
    };
    if lang.eq_ignore_ascii_case(source) {
        return vec![Finding::new(
            "/document/source_lang",
            "6.1.28",
            format!(
                "source_lang equals lang ({lang}); a translation has a different source language"
            ),
        )];
    }
    Vec::new()
}

/// 6.1.29 Remediation without Product Reference: every remediation has `product_ids` or
/// `group_ids`.
pub fn test_6_1_29_remediation_without_product_reference(doc: &Value) -> Vec<Finding> {
    without_product_reference(doc, "remediations", "remediation", "6.1.29")
}

/// 6.1.32 Flag without Product Reference: every flag has `product_ids` or `group_ids`.
pub fn test_6_1_32_flag_without_product_reference(doc: &Value) -> Vec<Finding> {
    without_product_reference(doc, "flags", "flag", "6.1.32")
}

fn without_product_reference(doc: &Value, array: &str, noun: &str, rule: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        for (i, item) in items(vulnerability, array) {
            if item.get("product_ids").is_none() && item.get("group_ids").is_none() {
                findings.push(Finding::new(
                    v_at.join(array).join(i),
                    rule,
                    format!("the {noun} names no products: add product_ids or group_ids"),
                ));
            }
        }
    }
    findings
}

/// 6.1.30 Mixed Integer and Semantic Versioning: the revision numbers and the document version
/// all use integer versioning or all use semantic versioning (the first revision decides).
pub fn test_6_1_30_mixed_integer_and_semantic_versioning(doc: &Value) -> Vec<Finding> {
    let history = doc
        .pointer("/document/tracking/revision_history")
        .unwrap_or(&Value::Null);
    let mut numbers: Vec<(Pointer, &str)> = strings_at(history, "number")
        .map(|(i, n)| (revision_history_at().join(i).join("number"), n))
        .collect();
    if let Some(version) = str_at(doc, "/document/tracking/version") {
        numbers.push((Pointer::at("/document/tracking/version"), version));
    }
    let Some(integer) = numbers.first().map(|(_, n)| is_integer_version(n)) else {
        return Vec::new();
    };
    let scheme = |integer: bool| if integer { "integer" } else { "semantic" };
    numbers
        .into_iter()
        .filter(|(_, n)| is_integer_version(n) != integer)
        .map(|(at, n)| {
            Finding::new(
                at,
                "6.1.30",
                format!(
                    "{n} uses {} versioning but the document uses {} versioning",
                    scheme(!integer),
                    scheme(integer)
                ),
            )
        })
        .collect()
}

/// 6.1.31 Version Range in Product Version: the name of a `product_version` branch holds no
/// version range (no `<`, `<=`, `>`, `>=` and none of the words after, all, before, earlier,
/// later, prior, versions); ranges belong in `product_version_range`.
pub fn test_6_1_31_version_range_in_product_version(doc: &Value) -> Vec<Finding> {
    const RANGE_WORDS: [&str; 7] = [
        "after", "all", "before", "earlier", "later", "prior", "versions",
    ];
    let mut findings = Vec::new();
    let mut stack: Vec<(Pointer, &Value)> = doc
        .get("product_tree")
        .map(|tree| vec![(Pointer::at("/product_tree"), tree)])
        .unwrap_or_default();
    while let Some((at, parent)) = stack.pop() {
        for (i, branch) in items(parent, "branches") {
            let branch_at = at.join("branches").join(i);
            let name = branch.get("name").and_then(Value::as_str);
            if let (Some("product_version"), Some(name)) =
                (branch.get("category").and_then(Value::as_str), name)
            {
                let lower = name.to_lowercase();
                let has_range = lower.contains(['<', '>'])
                    || lower.split_whitespace().any(|w| RANGE_WORDS.contains(&w));
                if has_range {
                    findings.push(Finding::new(
                        branch_at.join("name"),
                        "6.1.31",
                        format!("product_version \"{name}\" is a version range; use the category product_version_range"),
                    ));
                }
            }
            stack.push((branch_at, branch));
        }
    }
    findings
}

/// 6.1.33 Multiple Flags with VEX Justification Codes per Product: within a vulnerability a
/// product is named (directly or via a group) by at most one flag.
pub fn test_6_1_33_multiple_flags_with_vex_justification_codes_per_product(
    doc: &Value,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (v_at, vulnerability) in vulnerabilities(doc) {
        let mut flagged: HashSet<&str> = HashSet::new();
        for (i, flag) in items(vulnerability, "flags") {
            let mut products: Vec<&str> = strings(flag, "product_ids").map(|(_, id)| id).collect();
            for (_, group) in strings(flag, "group_ids") {
                products.extend(group_members(doc, group));
            }
            products.sort_unstable();
            products.dedup();
            let repeated: Vec<&str> = products
                .into_iter()
                .filter(|id| !flagged.insert(id))
                .collect();
            if !repeated.is_empty() {
                findings.push(Finding::new(
                    v_at.join("flags").join(i),
                    "6.1.33",
                    format!(
                        "product id {} already has a flag (VEX justification) in this vulnerability",
                        repeated
                            .iter()
                            .map(|id| format!("\"{id}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests;
