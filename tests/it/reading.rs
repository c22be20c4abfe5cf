//! The dashboard as people read it, in Debian's Chromium (see `browser.rs` for the tools):
//!
//! - **Layouts that fit**: every page of the demo world — each menu page and every party,
//!   norm, instrument, region, case, exchange and audit — at 360, 768 and 1400 px, with every
//!   table view opened: no page wider than the window, no table wider than its container, no
//!   chart text under 12 px as rendered; axe-core finds no WCAG 2.1 A/AA violation on the main
//!   pages at any of the three widths (`tests/browser/layout.mjs`).
//! - **A reader's tasks**: from `/`, the final outcome of each demo case, why each party on a
//!   reduced tier is there, and the tally of each decided instrument, each in at most two
//!   clicks, read from the rendered text and compared with the API
//!   (`tests/browser/reader.mjs`).
//!
//! The main pages are photographed at 1400 and 360 px into the target directory
//! (`tmp/reading-screenshots/`), or into the directory `ACCORD_SCREENSHOTS` names — that is
//! how `docs/screenshots/` is made.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::common::*;

fn ids(list: &Value, key: &[&str]) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            key.iter()
                .fold(x, |v, k| &v[*k])
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The demo world, served.
fn demo() -> (tempfile::TempDir, Server) {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    (tmp, server)
}

#[test]
fn every_page_fits_from_360_to_1400_px_with_legible_charts() {
    let (tmp, server) = demo();
    // The main pages: audited by axe-core at every width, and photographed.
    let mut paths: Vec<Value> = [
        ("/", "overview", true),
        ("/catalog", "catalog", false),
        ("/negotiations", "negotiations", true),
        ("/instrument/norm-joint-exercises", "instrument", true),
        ("/calendar", "calendar", false),
        ("/overdue", "overdue", false),
        ("/log", "log", false),
        ("/log/7", "entry", false),
        ("/log/checkpoints", "checkpoints", false),
        ("/party/kestrel-software", "party", true),
        (
            "/party/state-dunmore/indicator/remediation_within_deadline",
            "explain",
            false,
        ),
        ("/norm/vulnerability-disclosure", "norm", true),
        ("/regions", "regions", false),
        ("/region/europe", "region", true),
        ("/region/europe/report", "annual-report", true),
        ("/docket", "docket", true),
        ("/docket/2026-002", "case", true),
        ("/exchange/x-scan-0927", "exchange", false),
        ("/audit/2026-peer-dunmore", "audit", false),
        ("/certifications", "certifications", false),
        ("/credential/0", "credential", false),
        ("/intel", "sharing", true),
        ("/login", "login", false),
    ]
    .iter()
    .map(|(path, name, shot)| json!({"path": path, "name": name, "shot": shot, "axe": true}))
    .collect();
    // Every other object page, for the layout checks.
    let mut more = Vec::new();
    for p in ids(&get_json(&server, "/parties"), &["id"]) {
        more.push(format!("/party/{p}"));
    }
    for n in ids(&get_json(&server, "/norms"), &["id"]) {
        more.push(format!("/norm/{n}"));
    }
    for i in ids(&get_json(&server, "/instruments"), &["id"]) {
        more.push(format!("/instrument/{i}"));
    }
    let regions: std::collections::BTreeSet<String> =
        ids(&get_json(&server, "/parties"), &["region"])
            .into_iter()
            .collect();
    for r in &regions {
        more.push(format!("/region/{r}"));
        more.push(format!("/region/{r}/report"));
    }
    for c in ids(&get_json(&server, "/cases")["cases"], &["case"]) {
        more.push(format!("/docket/{c}"));
    }
    for x in ids(
        &get_json(&server, "/exchanges")["exchanges"],
        &["exchange", "exchange"],
    ) {
        more.push(format!("/exchange/{x}"));
    }
    for a in ids(&get_json(&server, "/audits")["audits"], &["audit", "audit"]) {
        more.push(format!("/audit/{a}"));
    }
    for path in more {
        if !paths.iter().any(|p| p["path"] == path.as_str()) {
            paths.push(json!({"path": path, "name": "", "shot": false, "axe": false}));
        }
    }
    let list = tmp.path().join("paths.json");
    std::fs::write(&list, serde_json::to_vec(&paths).unwrap()).unwrap();
    let shots = std::env::var_os("ACCORD_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reading-screenshots"));
    let r = node(&[
        "tests/browser/layout.mjs",
        &server.url,
        &shots.to_string_lossy(),
        &list.to_string_lossy(),
    ]);
    server.stop();
    assert_eq!(r["errors"], json!([]), "{r:#}");
    assert_eq!(
        r["visited"].as_u64(),
        Some(3 * paths.len() as u64),
        "every page at three widths"
    );
    assert!(paths.len() >= 90, "{} pages", paths.len());
    assert_eq!(
        r["overflow"],
        json!([]),
        "pages wider than the window: {:#}",
        r["overflow"]
    );
    assert_eq!(
        r["wide_tables"],
        json!([]),
        "tables wider than their container: {:#}",
        r["wide_tables"]
    );
    assert_eq!(
        r["small_text"],
        json!([]),
        "chart text under 12 px: {:#}",
        r["small_text"]
    );
    assert_eq!(
        r["violations"],
        json!([]),
        "axe-core found WCAG A/AA violations: {:#}",
        r["violations"]
    );
    for name in ["overview", "case", "negotiations", "party"] {
        for width in [1400, 360] {
            assert!(
                shots.join(format!("{name}-{width}.png")).exists(),
                "no screenshot {name}-{width}"
            );
        }
    }
}

#[test]
fn a_reader_finds_outcomes_reasons_and_tallies_in_two_clicks() {
    let (tmp, server) = demo();
    let mut tasks = Vec::new();
    let cases = ids(&get_json(&server, "/cases")["cases"], &["case"]);
    for c in &cases {
        tasks.push(json!({"kind": "case", "id": c}));
    }
    let mut reduced = Vec::new();
    for p in get_json(&server, "/parties").as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let st = get_json(&server, &format!("/parties/{id}/standing"));
        if st["tier"] == "reduced" {
            reduced.push(st.clone());
            tasks.push(json!({"kind": "party", "id": id, "name": p["display_name"]}));
        }
    }
    let mut decided = Vec::new();
    for i in get_json(&server, "/instruments").as_array().unwrap() {
        let id = i["id"].as_str().unwrap();
        let v = get_json(&server, &format!("/instruments/{id}"));
        if !v["instrument"]["decision"].is_null() {
            tasks.push(json!({"kind": "instrument", "id": id, "title": i["title"]}));
            decided.push(v);
        }
    }
    assert!(
        cases.len() >= 3 && !reduced.is_empty() && decided.len() >= 3,
        "{tasks:?}"
    );
    let list = tmp.path().join("tasks.json");
    std::fs::write(&list, serde_json::to_vec(&tasks).unwrap()).unwrap();
    let r = node(&[
        "tests/browser/reader.mjs",
        &server.url,
        &list.to_string_lossy(),
    ]);
    assert_eq!(r["errors"], json!([]), "{r:#}");
    let done = r["tasks"].as_array().unwrap();
    assert_eq!(done.len(), tasks.len(), "{r:#}");
    let text_of = |kind: &str, id: &str| -> String {
        let t = done
            .iter()
            .find(|t| t["kind"] == kind && t["id"] == id)
            .unwrap_or_else(|| panic!("no {kind} {id} in {r:#}"));
        assert!(t["clicks"].as_u64().unwrap() <= 2, "{t}");
        t["text"].as_str().unwrap().to_owned()
    };
    for c in &cases {
        let record = get_json(&server, &format!("/cases/{c}"));
        let text = text_of("case", c);
        let last = if record["record"]["appeal"]["finding"].is_null() {
            &record["record"]["finding"]
        } else {
            &record["record"]["appeal"]["finding"]
        };
        if last.is_null() {
            assert!(text.contains("no finding yet"), "case {c}: {text}");
        } else {
            let finding = last["finding"].as_str().unwrap().replace('_', " ");
            assert!(
                text.contains(&format!("finding of {finding}")),
                "case {c}: `{text}` does not give the final finding {finding}"
            );
        }
    }
    for st in &reduced {
        let id = st["party"].as_str().unwrap();
        let text = text_of("party", id);
        assert!(text.contains("reduced intelligence tier"), "{id}: {text}");
        let tier_causes: Vec<&Value> = st["causes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["measures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m == "reduced_intel_tier")
            })
            .collect();
        assert!(!tier_causes.is_empty(), "{st}");
        for c in tier_causes {
            assert!(
                text.contains(c["what"].as_str().unwrap()) && text.contains("reduced intel tier"),
                "{id}: `{text}` does not say why its tier is reduced ({c})"
            );
        }
    }
    for v in &decided {
        let id = v["instrument"]["id"].as_str().unwrap();
        let text = text_of("instrument", id);
        let d = &v["instrument"]["decision"]["decision"];
        assert!(
            text.contains(if d["adopted"] == true {
                "Adopted"
            } else {
                "Rejected"
            }),
            "{id}: {text}"
        );
        for (chamber, t) in d["tally"]["chambers"].as_object().unwrap() {
            if t["eligible"] == 0 {
                continue;
            }
            let line = format!(
                "{} for · {} against · {} abstaining",
                t["support"], t["object"], t["abstain"]
            );
            let label = chamber.replace('_', " ");
            let at = text
                .find(&format!("{label}\n"))
                .or_else(|| text.find(&format!("{label} (advisory)")))
                .unwrap_or_else(|| panic!("{id}: no chamber {label} in `{text}`"));
            assert!(
                text[at..].contains(&line),
                "{id}: the tally of {label} ({line}) is not what the page shows: `{text}`"
            );
        }
    }
    server.stop();
}
