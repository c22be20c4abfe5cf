//! Scenario files (docs/scenarios.md) run by the real binary: the example seeds the same log
//! for the same seed and meets its expectations; bad input — malformed TOML, an unknown
//! party, a step refused that should pass, an expectation that does not hold — fails with a
//! message naming the problem, and leaves no data directory behind.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/example-incident.toml")
}

/// The example with the first `from` replaced by `to`, written into `dir`.
fn variant(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(example()).unwrap();
    assert!(
        text.contains(from),
        "the example no longer contains {from:?}"
    );
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

/// Where the first `from` sits in the example: its line, and the number and line of the
/// `[[step]]` it belongs to (from 1).
fn place(from: &str) -> (usize, usize, usize) {
    let text = std::fs::read_to_string(example()).unwrap();
    let before = &text[..text.find(from).expect("in the example")];
    let line = before.matches('\n').count() + 1;
    let steps: Vec<usize> = before
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[step]]")
        .map(|(i, _)| i + 1)
        .collect();
    (line, steps.len(), steps.last().copied().unwrap_or(0))
}

fn seed(scenario: &Path, data: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "demo".to_owned(),
        "--no-serve".to_owned(),
        "--scenario".to_owned(),
        scenario.to_string_lossy().into_owned(),
        "--data".to_owned(),
        data.to_string_lossy().into_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    accord().args(&args).output().expect("running accord")
}

fn verify(data: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(&[
        "verify",
        "--data",
        &data.to_string_lossy(),
        "--json",
    ]))
    .unwrap()
}

/// Requires a failure whose stderr holds every one of `needles`; returns stderr.
fn fails_with(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "expected a failure; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
    }
    stderr
}

#[test]
fn the_example_seeds_the_same_log_for_the_same_seed_and_meets_its_expectations() {
    let tmp = tempdir();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let first = seed(&example(), &a, &[]);
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("6 expectations met"), "{stdout}");
    assert!(stdout.contains("2 refused, as expected"), "{stdout}");
    assert!(seed(&example(), &b, &[]).status.success());
    let (va, vb) = (verify(&a), verify(&b));
    assert_eq!(va["valid"], true, "{va}");
    assert_eq!(va["entries"], 27, "{va}");
    assert_eq!(
        (&va["root"], &va["state_digest"]),
        (&vb["root"], &vb["state_digest"]),
        "the same scenario and seed gave two logs"
    );
    let root = va["root"].as_str().unwrap();
    assert!(
        stdout.contains(root),
        "the summary names another root: {stdout}"
    );
    // Another seed: other keys, so another log (and the same outcomes).
    assert!(seed(&example(), &c, &["--seed", "8"]).status.success());
    assert_ne!(verify(&c)["root"], va["root"]);
    // Parties can act on the seeded world with the keys it saved.
    assert!(a.join("keys/cert-calandra.key").exists());
    // Nothing but the three worlds was left beside them.
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn a_seeded_scenario_is_reused_only_for_the_same_file_and_seed() {
    let tmp = tempdir();
    let data = tmp.path().join("w");
    assert!(seed(&example(), &data, &[]).status.success());
    let again = seed(&example(), &data, &[]);
    assert!(again.status.success(), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains("Reusing the world of scenario `example-incident`"));
    fails_with(
        &seed(&example(), &data, &["--seed", "9"]),
        &[
            "holds the world of scenario `example-incident` (seed 7",
            "--fresh",
        ],
    );
    let edited = variant(tmp.path(), "edited.toml", "seed = 7", "seed = 7 # edited");
    fails_with(&seed(&edited, &data, &[]), &["not of this file"]);
    let fresh = seed(&edited, &data, &["--fresh"]);
    assert!(fresh.status.success(), "{fresh:?}");
}

#[test]
fn malformed_toml_is_refused_with_its_line_and_column() {
    let tmp = tempdir();
    let data = tmp.path().join("w");
    let unterminated = "kind = \"cert\"";
    let bad = variant(tmp.path(), "bad.toml", unterminated, "kind = \"cert");
    let (line, _, _) = place(unterminated);
    fails_with(
        &seed(&bad, &data, &[]),
        &[
            &format!("bad.toml: TOML parse error at line {line}, column 13"),
            "invalid basic string",
        ],
    );
    let payload = "payload = { norm = \"gge-h\" }";
    let misspelt = variant(
        tmp.path(),
        "misspelt.toml",
        payload,
        "paylod = { norm = \"gge-h\" }",
    );
    let (line, _, _) = place(payload);
    fails_with(
        &seed(&misspelt, &data, &[]),
        &[&format!("line {line}, column 1"), "unknown field `paylod`"],
    );
    assert!(!data.exists(), "a refused scenario must write nothing");
}

#[test]
fn an_unknown_party_is_named_with_its_step_before_anything_is_written() {
    let tmp = tempdir();
    let data = tmp.path().join("w");
    let signer = "by = \"cert-calandra\"\ntype = \"commitment.make\"";
    let bad = variant(
        tmp.path(),
        "unknown.toml",
        signer,
        "by = \"cert-calandre\"\ntype = \"commitment.make\"",
    );
    let (_, step, line) = place(signer);
    fails_with(
        &seed(&bad, &data, &[]),
        &[&format!(
            "step {step} (line {line}, at day 1 12:00): by: unknown party `cert-calandre`; declare it in a [[party]] table"
        )],
    );
    assert!(!data.exists());
    assert!(
        !tmp.path().join("w.failed").exists(),
        "nothing ran, so nothing is kept"
    );
}

#[test]
fn a_refusal_the_scenario_did_not_expect_names_step_rule_and_reason() {
    let tmp = tempdir();
    let data = tmp.path().join("w");
    let expect = "expect = { refused = \"case-stage\" }\n";
    let bad = variant(tmp.path(), "rushed.toml", expect, "");
    let (_, step, line) = place(expect);
    fails_with(
        &seed(&bad, &data, &[]),
        &[
            &format!("step {step} (line {line}, at day 10 15:00, `case.convene` by secretariat)"),
            "was refused under rule `case-stage`",
            "awaiting the admissibility decision",
            "add expect = { refused = \"case-stage\" }",
            "Nothing was seeded",
        ],
    );
    assert!(!data.exists());
    let note = std::fs::read_to_string(tmp.path().join("w.failed/FAILED")).unwrap();
    assert!(note.contains("case-stage"), "{note}");
}

#[test]
fn a_seat_that_was_not_drawn_is_named() {
    let tmp = tempdir();
    let data = tmp.path().join("w");
    let bad = variant(
        tmp.path(),
        "seat.toml",
        "panel 2026-001 seat 1",
        "panel 2026-001 seat 3",
    );
    fails_with(
        &seed(&bad, &data, &[]),
        &["`panel 2026-001 seat 3`: no seat 3: 3 members were drawn for the panel"],
    );
    assert!(!data.exists());
}

#[test]
fn a_failing_expectation_fails_the_run_and_seeds_nothing() {
    let tmp = tempdir();
    let data = tmp.path().join("w");
    let bad = variant(
        tmp.path(),
        "hopeful.toml",
        "standing = \"flagged\"",
        "standing = \"good\"",
    );
    fails_with(
        &seed(&bad, &data, &[]),
        &[
            "1 of the scenario's expectations did not hold",
            "expectation 4 \"the ladder's measures for a moderate first violation\"",
            "party state-aldoria at day 53 09:00",
            "standing: expected good, found flagged",
        ],
    );
    assert!(
        !data.exists(),
        "a failed scenario must not leave a world in --data"
    );
    assert!(tmp.path().join("w.failed/FAILED").exists());
    // A wrong count names what is really there.
    let bad = variant(tmp.path(), "count.toml", "overdue = 1", "overdue = 0");
    fails_with(
        &seed(&bad, &data, &[]),
        &["overdue reports: expected 0, found 1 (northwind-cloud incident nw-ddos-1, final_report)"],
    );
}

#[test]
fn evidence_content_goes_to_the_vault_and_only_its_commitment_to_the_log() {
    use sha2::{Digest, Sha256};
    let tmp = tempdir();
    let data = tmp.path().join("w");
    assert!(seed(&example(), &data, &[]).status.success());
    let text: toml::Table = toml::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    let step = text["step"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"].as_str() == Some("evidence.commit"))
        .expect("the example commits evidence");
    let content = step["content"].as_str().unwrap();
    let entries = verify(&data)["entries"].as_u64().unwrap();
    let logged: Vec<serde_json::Value> = (0..entries)
        .map(|i| {
            let out = ok(&[
                "log",
                "show",
                &i.to_string(),
                "--data",
                &data.to_string_lossy(),
                "--json",
            ]);
            serde_json::from_str::<serde_json::Value>(&out).unwrap()["envelope"].clone()
        })
        .filter(|e| e["type"] == "evidence.commit")
        .collect();
    assert_eq!(logged.len(), 1);
    let vault = rusqlite::Connection::open(data.join("evidence.db")).unwrap();
    let (salt, stored): (Vec<u8>, Vec<u8>) = vault
        .query_row(
            "SELECT salt, content FROM evidence WHERE owner = 'cert-calandra' AND id = 'botnet-analysis'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored, content.as_bytes());
    let mut h = Sha256::new();
    h.update(&salt);
    h.update(&stored);
    assert_eq!(
        logged[0]["payload"]["commitment"],
        hex::encode(h.finalize())
    );
    assert_eq!(logged[0]["payload"]["size"], content.len());
    let needle = &content.as_bytes()[..40];
    for name in ["accord.db", "accord.db-wal"] {
        let Ok(bytes) = std::fs::read(data.join(name)) else {
            continue;
        };
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the confidential content reached the log's database ({name})"
        );
    }
}

/// A scenario with a key rotated and the old one revoked, tokens, and intelligence shared and
/// withdrawn through the TAXII path.
const KEYS_TOKENS_INTEL: &str = r#"
[scenario]
name = "keys-tokens-intel"
seed = 11
origin = "t.example/kti"
start = 2026-03-02T09:00:00Z

[[party]]
id = "cert-a"
kind = "cert"
name = "CERT A"
region = "europe"

[[party]]
id = "cert-b"
kind = "cert"
name = "CERT B"
region = "africa"

[[party]]
id = "state-c"
kind = "state"
name = "State C"
region = "americas"

[[step]]
at = "day 1 09:00"
by = ["cert-a", "cert-b", "state-c"]
type = "party.token_issue"
payload = { party = "{by}", token_sha256 = "@token {by}", label = "taxii" }

[[step]]
at = "day 2 09:00"
by = "cert-a"
type = "party.rotate_key"
payload = { party = "cert-a", public_key = "@key cert-a#1" }

[[step]]
at = "day 2 09:01"
by = "cert-a"
type = "party.revoke_key"
payload = { party = "cert-a", key = "@key-id cert-a", reason = "compromised" }

[[step]]
at = "day 3 09:00"
by = "cert-a"
type = "sharing.group"
payload = { group = "pair", title = "A and B", description = "Two CERTs.", members = ["cert-b"] }

[[step]]
at = "day 3 10:00"
by = "cert-a"
type = "intel.share"
[step.payload]
collection = "pair"
[step.payload.object]
type = "indicator"
spec_version = "2.1"
id = "@stix indicator staging"
created = "@day 3 09:00"
modified = "@day 3 09:00"
created_by_ref = "@identity cert-a"
object_marking_refs = ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
name = "staging"
pattern = "[ipv4-addr:value = '192.0.2.7']"
pattern_type = "stix"
valid_from = "@day 3 09:00"

[[step]]
at = "day 3 11:00"
by = "cert-a"
type = "intel.share"
[step.payload]
collection = "pair"
[step.payload.object]
type = "indicator"
spec_version = "2.1"
id = "@stix indicator mistake"
created = "@day 3 09:00"
modified = "@day 3 09:00"
created_by_ref = "@identity cert-a"
object_marking_refs = ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
name = "mistake"
pattern = "[ipv4-addr:value = '192.0.2.8']"
pattern_type = "stix"
valid_from = "@day 3 09:00"

[[step]]
at = "day 3 12:00"
by = "cert-a"
type = "intel.share"
expect = { refused = "intel-invalid" }
[step.payload]
collection = "pair"
object = { type = "indicator", spec_version = "2.1", id = "@stix indicator broken", name = "no pattern" }

[[step]]
at = "day 4 09:00"
by = "cert-a"
type = "intel.withdraw"
payload = { collection = "pair", id = "@stix indicator mistake" }

[[step]]
at = "day 4 10:00"
by = "state-c"
type = "intel.share"
expect = { refused = "not-a-member" }
[step.payload]
collection = "pair"
object = { type = "indicator", spec_version = "2.1", id = "@stix indicator outsider", created = "@day 4 09:00", modified = "@day 4 09:00", name = "outsider", pattern = "[ipv4-addr:value = '192.0.2.9']", pattern_type = "stix", valid_from = "@day 4 09:00", object_marking_refs = ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"] }

[[step]]
at = "day 5 09:00"
by = "cert-a"
type = "commitment.make"
payload = { norm = "gge-c" }
note = "signed with generation 1: the registered key is revoked"
"#;

#[test]
fn keys_rotate_tokens_are_saved_and_intelligence_takes_the_taxii_path() {
    let tmp = tempdir();
    let file = tmp.path().join("kti.toml");
    std::fs::write(&file, KEYS_TOKENS_INTEL).unwrap();
    let data = tmp.path().join("w");
    let out = seed(&file, &data, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Party keys and API/TAXII tokens"),
        "{out:?}"
    );
    assert_eq!(verify(&data)["valid"], true);
    let server = Server::start(&data);
    let json = |path: &str| -> serde_json::Value {
        let (status, _, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "GET {path}");
        serde_json::from_slice(&body).unwrap()
    };
    // cert-a's saved key is the one it rotated to, and the one the log holds as active.
    let saved = std::fs::read_to_string(data.join("keys/cert-a.key")).unwrap();
    let party = json("/parties/cert-a");
    let keys = party["keys"].as_object().unwrap();
    assert_eq!(keys.len(), 2, "{party}");
    let status = |s: &str| {
        keys.iter()
            .find(|(_, k)| k["status"] == s)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no {s} key: {party}"))
    };
    let (revoked, active) = (status("revoked"), status("active"));
    assert_ne!(revoked, active);
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved["key_id"], active.as_str(), "{party}");
    // Each party's token is saved, and it is the one the log knows.
    let token = |p: &str| {
        std::fs::read_to_string(data.join(format!("keys/{p}.token")))
            .unwrap()
            .trim()
            .to_owned()
    };
    let taxii = |p: &str, path: &str| -> (u16, serde_json::Value) {
        let mut res = agent()
            .get(&format!("{}/taxii2/accord/{path}", server.url))
            .header("accept", "application/taxii+json;version=2.1")
            .header("authorization", &format!("Bearer {}", token(p)))
            .call()
            .expect("GET");
        let status = res.status().as_u16();
        let body = res.body_mut().read_to_vec().unwrap();
        (status, serde_json::from_slice(&body).unwrap_or_default())
    };
    // The member reads the AMBER object (its content came from the vault); the withdrawn one
    // is gone; the outsider sees no such collection.
    let (status, page) = taxii("cert-b", "collections/pair/objects/?limit=100");
    assert_eq!(status, 200, "{page}");
    let names: Vec<&str> = page["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["staging"], "{page}");
    let (status, collections) = taxii("state-c", "collections/");
    assert_eq!(status, 200);
    assert!(
        !collections.to_string().contains("\"pair\""),
        "{collections}"
    );
    server.stop();
}

#[test]
fn the_built_in_world_is_a_scenario_compiled_into_the_binary() {
    // Run from a directory that holds no scenario files: the demo needs none.
    let tmp = tempdir();
    let out = accord()
        .current_dir(tmp.path())
        .args(["demo", "--no-serve", "--data", "w"])
        .output()
        .expect("running accord");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "Seeded the demo world, built-in scenarios/demo.toml (seed 2026): 37 parties"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("2 refused, as expected"), "{stdout}");
    let data = tmp.path().join("w");
    // The same file from disk gives the same world, and a reuse names the built-in world.
    let from_file = tmp.path().join("f");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.toml");
    assert!(seed(&demo, &from_file, &[]).status.success());
    assert_eq!(verify(&data)["root"], verify(&from_file)["root"]);
    let again = accord()
        .current_dir(tmp.path())
        .args(["demo", "--no-serve", "--data", "w"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("Reusing the demo world"));
    // The file on disk is the same world, so it is reused too; another seed is not.
    let same = seed(&demo, &data, &[]);
    assert!(
        String::from_utf8_lossy(&same.stdout).contains("Reusing the world of scenario `demo`"),
        "{same:?}"
    );
    let other_seed = accord()
        .current_dir(tmp.path())
        .args(["demo", "--no-serve", "--data", "w", "--seed", "7"])
        .output()
        .unwrap();
    fails_with(
        &other_seed,
        &[
            "not of the built-in demo world of this version of Accord with seed 7",
            "`accord demo --fresh`",
        ],
    );
}
