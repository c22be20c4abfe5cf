//! Validation of CSAF 2.0 advisories, the body of a `vulnerability_disclosure` report.
//!
//! A party that discloses a vulnerability files an OASIS Common Security Advisory Framework 2.0
//! document. [`validate`] checks it the way a CSAF 2.0 validator does (spec section 9.1.14) and,
//! if it passes, hands back the [`Summary`] that Accord keeps of it:
//!
//! 1. **Schema.** The document must be valid against the official CSAF 2.0 JSON schema
//!    (`csaf_json_schema.json`, JSON Schema draft 2020-12; Errata 01 left it unchanged), whose
//!    `cvss_v2` and `cvss_v3` members refer to FIRST's CVSS v2.0, v3.0 and v3.1 schemas. All four are
//!    vendored under `schemas/` and compiled into the crate; references resolve in memory and the
//!    validator never touches the network or the file system. `format` keywords (`date-time`,
//!    `uri`) are asserted, not merely annotated. Findings carry the rule `"schema"`.
//! 2. **Mandatory tests** of spec section 6.1, each one a function in [`mandatory`] named after
//!    its test id. Implemented (rule id, title):
//!
//!    | rule | test |
//!    |---|---|
//!    | 6.1.1 | Missing Definition of Product ID |
//!    | 6.1.2 | Multiple Definition of Product ID |
//!    | 6.1.3 | Circular Definition of Product ID |
//!    | 6.1.4 | Missing Definition of Product Group ID |
//!    | 6.1.5 | Multiple Definition of Product Group ID |
//!    | 6.1.6 | Contradicting Product Status |
//!    | 6.1.7 | Multiple Scores with same Version per Product |
//!    | 6.1.8 | Invalid CVSS (against FIRST's CVSS v2.0 / v3.0 / v3.1 schemas) |
//!    | 6.1.9 | Invalid CVSS computation (v2.0, v3.0, v3.1: base, temporal and environmental scores, and v3 severities, recomputed from the vector string; for v3.0 the floating-point rounding of FIRST's v3.0 calculator is accepted too) |
//!    | 6.1.10 | Inconsistent CVSS (a temporal or environmental property whose metric the vector string leaves out must be `NOT_DEFINED`) |
//!    | 6.1.11 | CWE (the id is a MITRE CWE weakness and the name one MITRE gave it, CWE 1.0 to 4.20; since [`Edition::V2`]) |
//!    | 6.1.12 | Language (`lang` and `source_lang` valid by the IANA subtag registry, `accord-langtag`; since [`Edition::V2`]) |
//!    | 6.1.13 | PURL (the type-independent rules of the purl specification) |
//!    | 6.1.14 | Sorted Revision History |
//!    | 6.1.15 | Translator |
//!    | 6.1.16 | Latest Document Version |
//!    | 6.1.17 | Document Status Draft |
//!    | 6.1.18 | Released Revision History |
//!    | 6.1.19 | Revision History Entries for Pre-release Versions |
//!    | 6.1.20 | Non-draft Document Version |
//!    | 6.1.21 | Missing Item in Revision History |
//!    | 6.1.22 | Multiple Definition in Revision History |
//!    | 6.1.23 | Multiple Use of Same CVE |
//!    | 6.1.24 | Multiple Definition in Involvements |
//!    | 6.1.25 | Multiple Use of Same Hash Algorithm |
//!    | 6.1.26 | Prohibited Document Category Name |
//!    | 6.1.27.1 – 6.1.27.11 | Profile tests: Document Notes, Document References, Vulnerabilities, Product Tree, Vulnerability Notes, Product Status, VEX Product Status, Vulnerability ID, Impact Statement, Action Statement, Vulnerabilities |
//!    | 6.1.28 | Translation |
//!    | 6.1.29 | Remediation without Product Reference |
//!    | 6.1.30 | Mixed Integer and Semantic Versioning |
//!    | 6.1.31 | Version Range in Product Version |
//!    | 6.1.32 | Flag without Product Reference |
//!    | 6.1.33 | Multiple Flags with VEX Justification Codes per Product |
//!
//!    All the mandatory tests of CSAF 2.0 are implemented. The optional (6.2) and informative
//!    (6.3) tests are out of scope.
//!
//!    Evidence: the crate's tests run the OASIS CSAF TC's own test files for these tests (every
//!    failing case must fail the test, every valid case must pass validation entirely), the
//!    OASIS example advisories (all must validate), and the CVSS equations against 700 vectors
//!    scored by an independent implementation; see `tests/documents/README.md`.
//!
//! Every test runs on every document, schema-valid or not, so one submission reports all of its
//! problems at once; the tests read the document defensively and skip what is not shaped as the
//! schema says. Findings come back sorted by JSON pointer (array indices compared as numbers),
//! then rule, then message, without duplicates.
//!
//! This crate does no I/O and reads no clock: it is a pure function of the document.

#![warn(missing_docs)]

pub mod mandatory;

mod cvss;
mod pointer;
mod product_tree;
mod purl;
mod schema;
mod summary;
mod version;

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

pub use summary::{CvssRating, CvssScore, CvssSeverity, DocumentStatus, Summary};

/// The rule id of findings from the JSON schema.
pub const SCHEMA_RULE: &str = "schema";

/// The mandatory tests this crate implements, as `(rule id, title from spec section 6.1)`.
pub const MANDATORY_TESTS: &[(&str, &str)] = mandatory::IMPLEMENTED;

/// One problem with a document: where it is, which rule it breaks, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// RFC 6901 JSON Pointer into the document (`""` is the whole document). For a member
    /// that is missing it points at the object that should hold it.
    pub path: String,
    /// `"schema"`, or the id of the mandatory test, e.g. `"6.1.2"` or `"6.1.27.5"`.
    pub rule: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Finding {
    pub(crate) fn new(path: impl Into<String>, rule: &str, message: impl Into<String>) -> Self {
        Finding {
            path: path.into(),
            rule: rule.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(document)"
        } else {
            &self.path
        };
        write!(f, "{path}: [{}] {}", self.rule, self.message)
    }
}

impl PartialOrd for Finding {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Findings order by path, then rule, then message; numeric parts of paths (array indices) and
/// of rule ids compare as numbers, so `/vulnerabilities/2` comes before `/vulnerabilities/10`
/// and `6.1.2` before `6.1.10`.
impl Ord for Finding {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(&self.path, &other.path, '/')
            .then_with(|| natural_cmp(&self.rule, &other.rule, '.'))
            .then_with(|| self.message.cmp(&other.message))
    }
}

fn natural_cmp(a: &str, b: &str, separator: char) -> Ordering {
    let mut left = a.split(separator);
    let mut right = b.split(separator);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n).then_with(|| x.cmp(y)),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// The rules a document is held to. A `report.vulnerability_disclosure` entry is judged, when
/// it is sequenced and on every replay, by the edition of its payload's schema: schema 1 by
/// [`Edition::V1`], schema 2 by [`Edition::V2`], so an advisory accepted once is never found
/// invalid on replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    /// The JSON schema and every mandatory test but 6.1.11 and 6.1.12.
    V1,
    /// All the mandatory tests.
    V2,
}

impl Edition {
    /// The rules new documents are held to.
    pub const LATEST: Edition = Edition::V2;
}

/// Validates a CSAF 2.0 document against the JSON schema and the mandatory tests.
///
/// Returns the [`Summary`] of a valid document, or every [`Finding`] (at least one), sorted.
pub fn validate(doc: &Value) -> Result<Summary, Vec<Finding>> {
    validate_in(doc, Edition::LATEST)
}

/// Validates a CSAF 2.0 document by the rules of `edition`.
pub fn validate_in(doc: &Value, edition: Edition) -> Result<Summary, Vec<Finding>> {
    let mut findings = schema::validate(doc);
    findings.extend(mandatory::run_all_in(doc, edition));
    if findings.is_empty() {
        return summary::extract(doc).ok_or_else(|| {
            // Unreachable for a schema-valid document; kept so input can never panic us.
            vec![Finding::new(
                "/document/tracking",
                SCHEMA_RULE,
                "the document lacks the tracking data a summary needs",
            )]
        });
    }
    findings.sort();
    findings.dedup();
    Err(findings)
}

/// The [`Summary`] of a document already known to be valid, without validating it again (for
/// example when replaying a log whose entries were validated when they were admitted).
/// `None` if the tracking data a summary needs is missing.
pub fn summarize(doc: &Value) -> Option<Summary> {
    summary::extract(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, rule: &str) -> Finding {
        Finding::new(path, rule, "m")
    }

    #[test]
    fn findings_sort_numerically_by_path_then_rule() {
        let mut findings = [
            finding("/vulnerabilities/10", "6.1.2"),
            finding("/vulnerabilities/2", "6.1.10"),
            finding("/vulnerabilities/2", "6.1.2"),
            finding("", "schema"),
            finding("/document", "schema"),
        ];
        findings.sort();
        let order: Vec<_> = findings
            .iter()
            .map(|f| (f.path.as_str(), f.rule.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("", "schema"),
                ("/document", "schema"),
                ("/vulnerabilities/2", "6.1.2"),
                ("/vulnerabilities/2", "6.1.10"),
                ("/vulnerabilities/10", "6.1.2"),
            ]
        );
    }

    #[test]
    fn a_finding_displays_path_rule_and_message() {
        let f = Finding::new("/document", "schema", "\"title\" is a required property");
        assert_eq!(
            f.to_string(),
            "/document: [schema] \"title\" is a required property"
        );
        assert_eq!(
            Finding::new("", "schema", "x").to_string(),
            "(document): [schema] x"
        );
    }

    #[test]
    fn a_non_object_fails_with_a_schema_finding() {
        let findings = validate(&Value::String("advisory".into())).unwrap_err();
        assert!(findings
            .iter()
            .any(|f| f.rule == SCHEMA_RULE && f.path.is_empty()));
    }
}
