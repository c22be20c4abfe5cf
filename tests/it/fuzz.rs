//! A bounded run of every fuzz target (`fuzz/`, libFuzzer through `cargo +nightly fuzz`):
//! each replays its committed corpus (`fuzz/corpus/<target>`) and then searches for new
//! inputs for a few seconds. Any crash, panic, failed assertion or timeout fails the test and
//! leaves the input in `fuzz/artifacts/<target>/`. The long runs (10^7 executions a target)
//! are in docs/security.md with the command that ran them.
//!
//! Needs the nightly toolchain and cargo-fuzz (`scripts/install-test-tools` installs the
//! latter); the targets are built once into the build cache beside the project's own.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every fuzz target with the input size it explores (entries are at most 64 KiB; most
/// parsers see far less).
const TARGETS: &[(&str, usize)] = &[
    ("envelope", 8192),
    ("canonical_json", 8192),
    ("stix_object", 8192),
    ("stix_pattern", 1024),
    ("taxii_query", 1024),
    ("taxii_envelope", 16384),
    ("csaf", 16384),
    ("signed_note", 2048),
    ("tile_path", 256),
    ("entry_bundle", 4096),
    ("receipt", 8192),
    ("witness_request", 4096),
    ("equivocation_proof", 8192),
    ("credential", 8192),
];

fn cargo_fuzz() -> Command {
    let mut c = Command::new("cargo");
    c.args(["+nightly", "fuzz"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS");
    c
}

#[test]
fn every_fuzz_target_survives_its_corpus_and_a_bounded_search() {
    let target_dir: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("fuzz");
    let dir = target_dir.to_string_lossy().into_owned();
    let built = cargo_fuzz()
        .args(["build", "-O", "--target-dir", &dir])
        .output()
        .expect(
            "running `cargo +nightly fuzz`; install cargo-fuzz with scripts/install-test-tools",
        );
    assert!(
        built.status.success(),
        "building the fuzz targets failed (needs the nightly toolchain and cargo-fuzz):\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let corpus_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, max_len) in TARGETS {
        let corpus = corpus_root.join(target);
        assert!(
            std::fs::read_dir(&corpus).is_ok_and(|d| d.count() > 0),
            "no committed corpus for {target}"
        );
        // New inputs go to a scratch directory: the committed corpus is read only.
        let scratch = tempfile::tempdir().unwrap();
        let out = cargo_fuzz()
            .args(["run", target, "-O", "--target-dir", &dir])
            .arg(scratch.path())
            .arg(&corpus)
            .args([
                "--",
                "-runs=300000",
                "-max_total_time=10",
                &format!("-max_len={max_len}"),
                "-timeout=10",
                "-rss_limit_mb=2048",
            ])
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        let summary = log
            .lines()
            .rev()
            .find(|l| l.contains("DONE") || l.starts_with("Done"))
            .unwrap_or("");
        eprintln!("{target}: {summary}");
        assert!(
            out.status.success(),
            "fuzz target {target} failed:\n{}",
            log.lines()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
