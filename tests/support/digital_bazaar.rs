//! Digital Bazaar's Verifiable Credentials libraries (tests/vc, npm, pinned by its lock file)
//! as an independent verifier: `@digitalbazaar/vc` with the `eddsa-rdfc-2022` cryptosuite and
//! `vc-bitstring-status-list`, offline with bundled contexts (tests/vc/verify.mjs).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Each named credential's verdict (`verified`, `errors`, `status` by purpose) for an input
/// `{"now": …, "documents": {url: status list}, "credentials": [{"name", "credential"}]}`.
pub fn verdicts(input: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    // The workspace's tests/vc, from whichever of its crates includes this file.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("tests/vc"))
        .find(|d| d.join("verify.mjs").is_file())
        .expect("tests/vc/verify.mjs above this crate");
    assert!(
        dir.join("node_modules/@digitalbazaar/vc").is_dir(),
        "Digital Bazaar's VC libraries are missing at {}: run scripts/install-test-tools",
        dir.display()
    );
    let file = std::env::temp_dir().join(format!(
        "accord-vc-input-{}-{:?}.json",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, serde_json::to_vec(input).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(dir.join("verify.mjs"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): run scripts/install-test-tools"));
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "verify.mjs ended with {}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
