//! Accord's verdicts against the reference: BSI's `@secvisogram/csaf-validator-lib` 2.0.10 (the
//! validator behind Secvisogram and the CSAF TC's own checks, installed by
//! `scripts/install-test-tools` under `tests/csaf/`) runs every mandatory test on every OASIS
//! test file, and so does Accord. Where the two differ on the test a file was written for, the
//! difference must be one listed in [`DISAGREEMENTS`], with the specification's text and why
//! Accord's verdict is the one the text asks for; any other difference fails the test, as does
//! a listed one that no longer occurs. The test fails — it never skips — when Node.js or the
//! library is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// (file, test, the library's verdict) where Accord's verdict is the intended one and the
/// library's is not, with the specification's text and the reason.
const DISAGREEMENTS: &[(&str, &str, bool, &str)] = &[(
    "oasis_csaf_tc-csaf_2_0-2021-6-1-26-04.json",
    "6.1.26",
    true,
    "The category is `csafsecurityadvisory`. CSAF 2.0 §6.1.26: \"It MUST be tested that the \
     document category is not equal to the (case insensitive) name (without the prefix csaf_) \
     or value of any other profile than 'CSAF Base'. Any occurrences of dash, whitespace, and \
     underscore characters are removed from the values on both sides before the match.\" The \
     value of the Security Advisory profile is `csaf_security_advisory`, which without its \
     underscores is `csafsecurityadvisory`: the category is prohibited, and the OASIS file is \
     a failing case (01-09). The library compares only with the profiles' names \
     (`securityadvisory`), not their values, so it lets this one through.",
)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn oasis_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/documents/oasis-testcases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The test and case a file is for: `…-2021-6-1-27-09-01.json` is test 6.1.27.9, case 01.
fn test_and_case(name: &str) -> (String, u32) {
    let stem = name.trim_end_matches(".json");
    let parts: Vec<&str> = stem.rsplit_once("-2021-").unwrap().1.split('-').collect();
    let (case, test) = parts.split_last().unwrap();
    let test: Vec<String> = test
        .iter()
        .map(|p| p.trim_start_matches('0').to_owned())
        .collect();
    (test.join("."), case.parse().unwrap())
}

fn library_verdicts(files: &[PathBuf]) -> BTreeMap<String, BTreeMap<String, bool>> {
    let script = root().join("tests/csaf/verdicts.mjs");
    let installed = root().join("tests/csaf/node_modules/@secvisogram/csaf-validator-lib");
    assert!(
        installed.is_dir(),
        "the CSAF validator library is missing: run scripts/install-test-tools"
    );
    let out = Command::new("node")
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): run scripts/install-test-tools"));
    assert!(
        out.status.success(),
        "node {script:?} ended with {}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn accord_and_bsis_validator_agree_on_the_oasis_test_files_but_where_the_spec_says_otherwise() {
    let files = oasis_files();
    let lib = library_verdicts(&files);
    let mut found = Vec::new();
    let mut compared = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (test, case) = test_and_case(&name);
        let intended = case >= 11;
        let accord = accord_csaf::mandatory::run(&test, &doc)
            .unwrap_or_else(|| panic!("{name}: Accord has no test {test}"))
            .is_empty();
        assert_eq!(accord, intended, "{name}: Accord's verdict on {test}");
        let theirs = *lib[&name]
            .get(&test)
            .unwrap_or_else(|| panic!("{name}: the library has no test {test}"));
        compared += 1;
        if theirs != accord {
            found.push((name, test, theirs));
        }
    }
    assert_eq!(compared, files.len());
    let listed: Vec<(String, String, bool)> = DISAGREEMENTS
        .iter()
        .map(|(f, t, v, _)| (f.to_string(), t.to_string(), *v))
        .collect();
    assert_eq!(
        found, listed,
        "the disagreements with csaf-validator-lib changed (left: found, right: listed)"
    );
}
