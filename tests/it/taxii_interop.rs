//! Interop with real TAXII 2.1 peers: the OASIS reference client `taxii2-client` and STIX
//! library `stix2` (both installed from PyPI by `scripts/install-test-tools`) discover, read,
//! page, filter, post, version, revoke and delete objects on a running Accord server, and
//! objects produced by `stix2` come back unchanged. The script is
//! `tests/interop/taxii_client.py`; every expectation in it raises when it fails.

use crate::live::Api;
use crate::python;
use accord_domain::tokens::token_hash;
use serde_json::{json, Value};

#[test]
fn taxii2_client_and_stix2_round_trip_through_the_server() {
    let api = Api::start(&[("cert-a", "cert", "europe"), ("cert-b", "cert", "africa")]);
    for p in ["cert-a", "cert-b"] {
        api.ok(
            p,
            "party.token_issue",
            json!({"party": p, "token_sha256": token_hash(&format!("acc_interop-{p}")), "label": "taxii2-client"}),
        );
    }
    let script =
        std::path::Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("run through cargo"))
            .join("tests/interop/taxii_client.py");
    let out = python::command()
        .arg(&script)
        .args([
            api.url.as_str(),
            "cert-a",
            "acc_interop-cert-a",
            &accord_domain::sharing::identity_of("cert-a"),
            "cert-b",
            "acc_interop-cert-b",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the test tools' Python ({e}): {}",
                python::INSTALL
            )
        });
    assert!(
        out.status.success(),
        "the taxii2-client interop script failed (if a module is missing, {}):\n{}",
        python::INSTALL,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["posted"], 13, "{report}");
    assert_eq!(report["round_trip_unchanged"], 13, "{report}");
    assert_eq!(report["collections"], json!(["community"]), "{report}");
    // The alias leads to the collection's id: a version-5 UUID.
    let canonical = report["alias_leads_to"].as_str().unwrap_or_default();
    let id = canonical
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    assert!(id.len() == 36 && id.as_bytes()[14] == b'5', "{report}");
    assert!(report["pages"].as_u64().unwrap() >= 5, "{report}");
    // What the client did is in the log, and the log verifies.
    let shared = api.get("/sharing");
    assert_eq!(shared["by_tlp"]["TLP:CLEAR"], 9, "{shared}");
    api.verify();
}
