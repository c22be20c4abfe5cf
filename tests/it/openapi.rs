//! The OpenAPI document tells the truth. `schemathesis` (PyPI, pinned by
//! `scripts/install-test-tools`) reads `/openapi.json` from the real server on the demo world,
//! sends every operation it documents generated requests — valid and invalid ones, with path
//! and query values drawn half of the time from the world itself (its parties, norms,
//! instruments, cases, exchanges, evidence items, catalog versions, entry indices, tiles), so
//! that real resources are read and not only refused — and checks every answer: no server
//! error, the status code and the content type declared, the body valid against the declared
//! schema. Every request carries the bearer token of a demo party that owns an evidence item
//! (`keys/cert-aldoria.token`), so `/whoami` and `GET`/`PUT /evidence/{owner}/{id}` are
//! exercised past authentication. Loopback only; bounded in examples and in time.
//!
//! The check is seen to fail: against a document with one planted lie (`GET /parties`
//! declared an object, as it was before issue 15), schemathesis must report the violation.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;
use crate::python;

/// The party whose token goes with every request: it owns an evidence item in the demo world.
const CALLER: &str = "cert-aldoria";

/// Runs `cmd` to completion with its output in the file `out`, killing it and failing if it
/// takes longer than `limit`; returns (success, stdout and stderr).
fn run_bounded(mut cmd: Command, out: &Path, limit: Duration) -> (bool, String) {
    let file = std::fs::File::create(out).expect("output file");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("output file"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run schemathesis ({e}): {}", python::INSTALL));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "schemathesis did not finish within {limit:?}:\n{}",
                std::fs::read_to_string(out).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (
        status.success(),
        std::fs::read_to_string(out).unwrap_or_default(),
    )
}

/// `schemathesis [--config-file CONFIG] run ARGS…`, on the test tools' Python, in `dir`;
/// fails, saying what to run, when schemathesis is not installed there.
fn schemathesis(dir: &Path, config: Option<&Path>, args: &[&str]) -> Command {
    let version = python::command()
        .args(["-m", "schemathesis.cli", "--version"])
        .output()
        .expect("running the test tools' Python");
    assert!(
        version.status.success(),
        "schemathesis is not installed ({}): {}",
        String::from_utf8_lossy(&version.stderr).trim(),
        python::INSTALL
    );
    let mut cmd = python::command();
    cmd.current_dir(dir).args(["-m", "schemathesis.cli"]);
    if let Some(config) = config {
        cmd.arg("--config-file").arg(config);
    }
    cmd.args(["run", "--no-color", "--generation-database", "none"])
        .args(args);
    cmd
}

fn json_of(url: &str) -> Value {
    let (status, _, body) = get(url);
    assert_eq!(status, 200, "GET {url}");
    serde_json::from_slice(&body).expect("JSON")
}

/// The value at `pointer` (a string or a number) in every object of `list`.
fn ids(list: &Value, pointer: &str) -> Vec<Value> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| {
            let id = o.pointer(pointer).cloned().unwrap_or_default();
            assert!(id.is_string() || id.is_number(), "{pointer} of {o}");
            id
        })
        .collect()
}

/// The schemathesis configuration: dictionaries of what exists in the world, and for each
/// operation which of its parameters draw from them (half of the time; the other half is
/// generated from the schema).
fn config(base: &str) -> String {
    let parties = json_of(&format!("{base}/parties"));
    let party_ids = ids(&parties, "/id");
    let mut regions: Vec<Value> = ids(&parties, "/region");
    regions.sort_by_key(|r| r.to_string());
    regions.dedup();
    let mut owners = vec![];
    let mut evidence = vec![];
    for p in &party_ids {
        let items = json_of(&format!("{base}/parties/{}/evidence", p.as_str().unwrap()));
        for item in items.as_array().unwrap() {
            owners.push(item["owner"].clone());
            evidence.push(item["evidence"].clone());
        }
    }
    assert!(
        owners.iter().any(|o| o == CALLER),
        "{CALLER} owns no evidence: the authenticated reads would prove little"
    );
    let size = json_of(&format!("{base}/healthz"))["tree_size"]
        .as_u64()
        .unwrap();
    let versions: Vec<Value> = (1..=json_of(&format!("{base}/catalog/versions"))
        .as_array()
        .unwrap()
        .len())
        .map(|n| json!(n))
        .collect();
    let dictionaries = json!({
        "party": party_ids,
        "region": regions,
        "norm": ids(&json_of(&format!("{base}/norms")), "/id"),
        "instrument": ids(&json_of(&format!("{base}/instruments")), "/id"),
        "case": ids(&json_of(&format!("{base}/cases"))["cases"], "/case"),
        "exchange": ids(&json_of(&format!("{base}/exchanges"))["exchanges"], "/exchange/exchange"),
        "owner": owners,
        "evidence": evidence,
        "version": versions,
        "index": [0, 1, size / 2, size - 1, size],
        "size": [0, 1, size / 2, size, size + 1],
        "indicator": accord_domain::indicators::INDICATORS,
        "entry_type": accord_domain::payload::ENTRY_TYPES.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        "schema_version": [1, 2],
        "tile": ["0/000", "0/000.p/7", "1/000.p/3", "entries/000", "entries/000.p/9",
                 "entries/x001/000", "0/001", "2/000.p/1"],
    });
    let mut toml = String::new();
    for (name, values) in dictionaries.as_object().unwrap() {
        assert!(
            !values.as_array().unwrap().is_empty(),
            "the demo world has no {name}"
        );
        toml += &format!("[dictionaries.{name}]\nvalues = {values}\n\n");
    }
    let bindings: &[(&str, &[(&str, &str)])] = &[
        (
            "^/parties/\\{id\\}(/(parameters|commitments|incidents|notifications|evidence|standing|due))?$",
            &[("path.id", "party")],
        ),
        (
            "^/parties/\\{id\\}/indicators/\\{indicator\\}$",
            &[
                ("path.id", "party"),
                ("path.indicator", "indicator"),
                ("query.norm", "norm"),
            ],
        ),
        ("^/norms/\\{id\\}$", &[("path.id", "norm")]),
        ("^/instruments/\\{id\\}$", &[("path.id", "instrument")]),
        ("^/cases/\\{id\\}$", &[("path.id", "case")]),
        ("^/exchanges/\\{id\\}$", &[("path.id", "exchange")]),
        ("^/(cases|exchanges|audits)$", &[("query.party", "party")]),
        ("^/regions/\\{id\\}/parameters$", &[("path.id", "region")]),
        (
            "^/evidence/\\{owner\\}/\\{id\\}$",
            &[("path.owner", "owner"), ("path.id", "evidence")],
        ),
        ("^/entries/\\{index\\}$", &[("path.index", "index")]),
        ("^/catalog/versions/\\{n\\}", &[("path.n", "version")]),
        (
            "^/catalog/diff$",
            &[("query.from", "version"), ("query.to", "version")],
        ),
        (
            "^/schemas/\\{type\\}/\\{version\\}$",
            &[("path.type", "entry_type"), ("path.version", "schema_version")],
        ),
        ("^/tile/\\{path\\}$", &[("path.path", "tile")]),
        (
            "^/proof/inclusion$",
            &[("query.index", "index"), ("query.tree_size", "size")],
        ),
        (
            "^/proof/consistency$",
            &[("query.old", "size"), ("query.new", "size")],
        ),
        ("^/checkpoints$", &[("query.after", "size")]),
    ];
    for (path, params) in bindings {
        toml += &format!(
            "[[operations]]\ninclude-path-regex = {}\n[operations.parameters]\n",
            json!(path)
        );
        for (param, dictionary) in *params {
            toml += &format!(
                "{} = {{ dictionary = \"{dictionary}\", probability = 0.5 }}\n",
                json!(param)
            );
        }
        toml += "\n";
    }
    toml
}

/// The operations a run tested (the labels of its fuzzing scenarios), from its NDJSON report.
fn tested_operations(report_dir: &Path) -> Vec<String> {
    let mut labels = vec![];
    for file in std::fs::read_dir(report_dir).expect("the report directory") {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for line in text.lines() {
            let event: Value = serde_json::from_str(line).expect("an NDJSON event");
            let scenario = &event["ScenarioFinished"];
            if scenario["phase"] == "fuzzing" && scenario["status"] != "skip" {
                if let Some(label) = scenario["recorder"]["label"].as_str() {
                    labels.push(label.to_owned());
                }
            }
        }
    }
    labels.sort();
    labels.dedup();
    labels
}

#[test]
fn schemathesis_finds_every_answer_as_the_openapi_document_declares_it() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let token = std::fs::read_to_string(data.join(format!("keys/{CALLER}.token")))
        .expect("the demo saves each party's token");
    let server = Server::start(&data);
    let document = json_of(&format!("{}/openapi.json", server.url));

    let config = tmp.path().join("schemathesis.toml");
    std::fs::write(&config, self::config(&server.url)).unwrap();
    let reports = tmp.path().join("reports");
    let auth = format!("Authorization: Bearer {}", token.trim());
    let (passed, output) = run_bounded(
        schemathesis(
            tmp.path(),
            Some(&config),
            &[
                &format!("{}/openapi.json", server.url),
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples",
                "15",
                "--seed",
                "2026",
                "--workers",
                "2",
                "--request-timeout",
                "30",
                "--header",
                &auth,
                "--report",
                "ndjson",
                "--report-dir",
                &reports.to_string_lossy(),
            ],
        ),
        &tmp.path().join("schemathesis.out"),
        Duration::from_secs(240),
    );
    assert!(
        passed,
        "schemathesis found answers that /openapi.json does not declare:\n{output}"
    );
    // Every documented operation was fuzzed (schemathesis leaves out the document itself).
    let mut documented: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .filter(|op| op != "GET /openapi.json")
        .collect();
    documented.sort();
    assert_eq!(tested_operations(&reports), documented, "{output}");
    assert!(documented.len() >= 46, "{documented:?}");
    server.stop();
}

#[test]
fn schemathesis_reports_a_planted_lie_in_the_document() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let mut document = json_of(&format!("{}/openapi.json", server.url));
    let declared = &mut document["paths"]["/parties"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(declared["type"], "array", "{declared}");
    *declared = json!({"type": "object"});
    let lie = tmp.path().join("openapi-with-a-lie.json");
    std::fs::write(&lie, document.to_string()).unwrap();
    let (passed, output) = run_bounded(
        schemathesis(
            tmp.path(),
            None,
            &[
                &lie.to_string_lossy(),
                "--url",
                &server.url,
                "--include-path",
                "/parties",
                "--include-method",
                "GET",
                "--checks",
                "response_schema_conformance",
                "--max-examples",
                "5",
            ],
        ),
        &tmp.path().join("schemathesis.out"),
        Duration::from_secs(120),
    );
    assert!(!passed, "schemathesis accepted the planted lie:\n{output}");
    assert!(output.contains("Response violates schema"), "{output}");
    server.stop();
}
