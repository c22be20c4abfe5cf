//! Runs `validate` over the documents on disk:
//!
//! * `documents/valid/`: the OASIS CSAF 2.0 example advisories, each of which must validate;
//! * `documents/invalid/`: documents that each break one rule; `<name>.expect` beside
//!   `<name>.json` lists the findings that must appear, one `rule pointer` per line;
//! * `documents/oasis-testcases/`: the OASIS CSAF TC's test files for the mandatory tests,
//!   `oasis_csaf_tc-csaf_2_0-2021-6-1-<test>-<case>.json`; cases 01–09 must fail that test, cases
//!   11 and up must pass it.

use std::fs;
use std::path::{Path, PathBuf};

use accord_csaf::{validate, CvssSeverity, DocumentStatus, Finding, MANDATORY_TESTS};
use serde_json::Value;

fn documents(folder: &str) -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/documents").join(folder);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn show(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("  {f}\n"))
        .collect::<String>()
}

#[test]
fn every_valid_document_validates() {
    let paths = documents("valid");
    assert!(paths.len() >= 10, "only {} valid documents", paths.len());
    let mut failures = String::new();
    for path in &paths {
        if let Err(findings) = validate(&load(path)) {
            failures += &format!("{}:\n{}", name(path), show(&findings));
        }
    }
    assert!(failures.is_empty(), "valid documents failed:\n{failures}");
}

#[test]
fn summaries_carry_what_accord_records() {
    let dir = manifest_dir().join("tests/documents/valid");
    let cisco = validate(&load(&dir.join("cisco-sa-20180328-smi2.json"))).unwrap();
    assert_eq!(cisco.tracking_id, "cisco-sa-20180328-smi2");
    assert_eq!(
        cisco.title,
        "Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability"
    );
    assert_eq!(cisco.initial_release_date, "2018-03-28T16:00:00Z");
    assert_eq!(cisco.current_release_date, "2018-04-17T15:08:41Z");
    assert_eq!(cisco.status, DocumentStatus::Final);
    assert_eq!(cisco.cve_ids, ["CVE-2018-0171"]);
    let rating = cisco.highest_cvss_v3.unwrap();
    assert_eq!(
        (rating.base_score.to_string(), rating.base_severity),
        ("9.8".to_owned(), CvssSeverity::Critical)
    );
    assert_eq!(cisco.product_count, 259);

    let vex = validate(&load(&dir.join("2022-evd-uc-04-001.json"))).unwrap();
    let rating = vex.highest_cvss_v3.unwrap();
    assert_eq!(rating.base_score.tenths(), 100);
    assert_eq!(vex.product_count, 3);

    let rhsa = validate(&load(&dir.join("rhsa-2021_5186.json"))).unwrap();
    assert_eq!(rhsa.cve_ids, ["CVE-2021-4104", "CVE-2021-4125"]);
    assert_eq!(rhsa.highest_cvss_v3, None);
}

#[test]
fn every_invalid_document_fails_with_the_expected_rule_and_pointer() {
    let paths = documents("invalid");
    assert!(paths.len() >= 10, "only {} invalid documents", paths.len());
    let dir = manifest_dir().join("tests/documents/invalid");
    let sidecars = fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "expect")
        })
        .count();
    assert_eq!(
        sidecars,
        paths.len(),
        "every NAME.json needs one NAME.expect and vice versa"
    );
    let mut failures = String::new();
    for path in &paths {
        let expect_path = path.with_extension("expect");
        let expected = fs::read_to_string(&expect_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let findings = match validate(&load(path)) {
            Ok(_) => {
                failures += &format!("{} validated\n", name(path));
                continue;
            }
            Err(findings) => findings,
        };
        let mut lines = 0;
        for line in expected.lines().filter(|l| !l.trim().is_empty()) {
            lines += 1;
            let (rule, pointer) = line.split_once(' ').unwrap_or((line, ""));
            if !findings
                .iter()
                .any(|f| f.rule == rule && f.path == pointer.trim())
            {
                failures += &format!(
                    "{}: no finding [{rule}] at \"{}\"; found:\n{}",
                    name(path),
                    pointer.trim(),
                    show(&findings)
                );
            }
        }
        assert!(lines > 0, "{} is empty", expect_path.display());
    }
    assert!(failures.is_empty(), "{failures}");
}

/// The rule id and case number of an OASIS test file name.
fn oasis_case(file_name: &str) -> (String, u32) {
    let stem = file_name.trim_end_matches(".json");
    let (_, numbers) = stem.split_once("-2021-").unwrap();
    let mut parts: Vec<u32> = numbers.split('-').map(|n| n.parse().unwrap()).collect();
    let case = parts.pop().unwrap();
    let rule = parts
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".");
    (rule, case)
}

#[test]
fn the_oasis_test_cases_fail_and_pass_as_published() {
    let paths = documents("oasis-testcases");
    let mut failures = String::new();
    let (mut failing, mut passing) = (0, 0);
    for path in &paths {
        let file = name(path);
        let (rule, case) = oasis_case(&file);
        assert!(
            MANDATORY_TESTS.iter().any(|(id, _)| *id == rule),
            "{file}: test {rule} is not implemented"
        );
        let findings = validate(&load(path)).err().unwrap_or_default();
        let of_rule: Vec<Finding> = findings
            .iter()
            .filter(|f| f.rule == rule)
            .cloned()
            .collect();
        if case < 10 {
            failing += 1;
            if of_rule.is_empty() {
                failures += &format!(
                    "{file}: expected a [{rule}] finding, got:\n{}",
                    show(&findings)
                );
            }
        } else {
            passing += 1;
            if !findings.is_empty() {
                failures += &format!("{file}: expected no findings, got:\n{}", show(&findings));
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
    assert!(
        failing >= 80 && passing >= 55,
        "{failing} failing, {passing} passing cases"
    );
}

#[test]
fn oasis_case_names_parse() {
    assert_eq!(
        oasis_case("oasis_csaf_tc-csaf_2_0-2021-6-1-27-09-03.json"),
        ("6.1.27.9".to_owned(), 3)
    );
    assert_eq!(
        oasis_case("oasis_csaf_tc-csaf_2_0-2021-6-1-14-11.json"),
        ("6.1.14".to_owned(), 11)
    );
}

/// This crate's directory, as cargo gives it to the running test (not the path it was built
/// at: a build cache shared between checkouts must not send the test to another checkout).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}
