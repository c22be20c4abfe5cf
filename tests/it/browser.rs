//! The dashboard in a real browser. `scripts/install-test-tools` installs Debian's Chromium and
//! the npm packages of `tests/browser/` (playwright-core, which drives that Chromium without
//! downloading a browser of its own, and axe-core).
//!
//! - The in-browser verifier (`crates/accord-server/assets/verify.js`) passes the known-answer
//!   vectors the Rust code is tested with, under Node.js's WebCrypto (`tests/browser/kat.mjs`).
//! - On the demo world, Chromium navigates the pages, searches the log, verifies an entry in
//!   the page (checkpoint signature, entry bytes, inclusion proof) and shows a failure when the
//!   proof or the entry bytes are tampered with in transit or the key is not the instance's;
//!   axe-core finds no WCAG 2.1 A or AA violation on any page visited. Screenshots are saved
//!   under the target directory (`tmp/browser-screenshots/`).

use std::path::PathBuf;

use crate::common::*;

#[test]
fn the_browser_verifier_passes_the_rust_known_answer_vectors() {
    let r = node(&["tests/browser/kat.mjs"]);
    assert_eq!(r["roots"], 8, "{r}");
    assert_eq!(r["inclusion"], 5, "{r}");
    assert_eq!(r["corrupted"], 10, "{r}");
    assert_eq!(r["consistency"], 4, "{r}");
    assert_eq!(r["notes"], 2, "{r}");
    assert_eq!(r["cosignatures"], 5, "{r}");
}

#[test]
fn the_dashboard_verifies_in_chromium_and_passes_axe() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    let out = ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    assert!(out.contains("Seeded the demo world"), "{out}");
    let server = Server::start(&data);
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let token = std::fs::read_to_string(data.join("keys/cert-aldoria.token")).unwrap();
    let r = node(&[
        "tests/browser/dashboard.mjs",
        &server.url,
        &shots.to_string_lossy(),
        "cert-aldoria",
        token.trim(),
    ]);
    server.stop();
    assert_eq!(r["errors"], serde_json::json!([]), "{r:#}");
    for p in r["pages"].as_array().unwrap() {
        assert_eq!(p["status"], 200, "{p}");
    }
    assert_eq!(r["pages"].as_array().unwrap().len(), 18, "{r:#}");
    // Every page is sent its Content-Security-Policy, and none breaks it.
    for p in r["pages"].as_array().unwrap() {
        assert!(
            p["csp"].as_str().is_some_and(
                |c| c.contains("script-src 'self'") && c.contains("frame-ancestors 'none'")
            ),
            "{p}"
        );
    }
    assert_eq!(
        r["csp"],
        serde_json::json!([]),
        "CSP violations: {:#}",
        r["csp"]
    );
    assert_eq!(
        r["violations"],
        serde_json::json!([]),
        "axe-core found WCAG A/AA violations: {:#}",
        r["violations"]
    );
    let steps = &r["steps"];
    assert_eq!(steps["search"], true, "{steps:#}");
    assert_eq!(steps["filter"], true, "{steps:#}");
    assert_eq!(steps["explain"], true, "{steps:#}");
    assert_eq!(steps["own_view"], true, "{steps:#}");
    assert_eq!(steps["own_cache"], "private, no-store", "{steps:#}");
    assert_eq!(steps["signed_out"], true, "{steps:#}");
    assert_eq!(steps["evidence_read"], true, "{steps:#}");
    assert_eq!(steps["verified"], true, "{steps:#}");
    assert_eq!(steps["consistency"]["verified"], true, "{steps:#}");
    assert_eq!(steps["consistency_tampered"], true, "{steps:#}");
    assert!(
        steps["verified_text"]
            .as_str()
            .unwrap()
            .starts_with("Verified: entry 7"),
        "{steps:#}"
    );
    assert_eq!(steps["tampered_proof"]["failed"], true, "{steps:#}");
    assert!(
        steps["tampered_proof"]["text"]
            .as_str()
            .unwrap()
            .contains("does not lead to the signed root"),
        "{steps:#}"
    );
    assert_eq!(steps["tampered_entry"]["failed"], true, "{steps:#}");
    assert!(
        steps["wrong_key"]["text"]
            .as_str()
            .unwrap()
            .contains("FAILED"),
        "{steps:#}"
    );
    for name in ["overview", "log", "entry-verified", "entry-tampered-proof"] {
        assert!(
            shots.join(format!("{name}.png")).exists(),
            "no screenshot {name}"
        );
    }
}
