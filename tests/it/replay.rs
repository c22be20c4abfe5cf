//! Replay never changes meaning. A log written by an earlier version of Accord must verify,
//! entry for entry, to the same root and state digest with every later version, and the demo
//! world of a fixed seed must stay bit-identical unless the world itself is changed on
//! purpose (then these constants change in the same commit, which says why).

use crate::common::*;

/// Root and state digest of the demo world of seed 2026. Changed on purpose when the demo
/// world became the scenario file `scenarios/demo.toml` and grew from 21 to 37 parties in five
/// regions (new parties, evidence and intelligence salts derived by the scenario interpreter,
/// stories written as data rather than drawn at random); the stored log of the world before
/// (FIXTURE below) still verifies to its own, unchanged values. Changed on purpose again when
/// `intel.share` moved to schema 2 (the second edition of the STIX rules): the demo's objects
/// and its parties' STIX identities got version-5 UUIDs in Accord's namespace, which the
/// OASIS validator accepts, instead of version-8 ones; the fixture, written at schema 1,
/// verifies under the first rules to its unchanged values. And once more when
/// `report.vulnerability_disclosure` moved to schema 2 (CSAF 6.1.11 and 6.1.12): the demo's
/// advisories pass both, so only the envelopes' `schema` changed the root; the state digest
/// stayed. And again when the world gained portable certifications: two certification schemes
/// adopted, Dunmore's baseline audit, and two `credential.issue` entries (docs/credentials.md).
pub const DEMO_ROOT: &str = "3ecaa9ab509cc0a63abf00fc91bb8dfed217b4e695932fb0ee74e97537b0b494";
pub const DEMO_DIGEST: &str = "46c537a80a85af2f083344c7fdeec8ec4c5dd7953d2544f9b56151ac1c0ddd7b";

/// The stored log of tests/data/log-2026-12-02 (the demo world of that day).
const FIXTURE: &str = "tests/data/log-2026-12-02";
const FIXTURE_ROOT: &str = "3a4707250bd1dca14db6506ecb2a186fac6505a57b2b6b5ac76357bfe71b50a6";
const FIXTURE_DIGEST: &str = "c392bdb3de09ae35d5088d797ebb2c586d43c87399fb20d283cc9d015554d0cb";

fn verify(data: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&ok(&[
        "verify",
        "--data",
        &data.to_string_lossy(),
        "--json",
    ]))
    .unwrap()
}

#[test]
fn the_demo_world_of_a_fixed_seed_is_pinned() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&[
        "demo",
        "--no-serve",
        "--seed",
        "2026",
        "--data",
        &data.to_string_lossy(),
    ]);
    let v = verify(&data);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(
        (v["root"].as_str(), v["state_digest"].as_str()),
        (Some(DEMO_ROOT), Some(DEMO_DIGEST)),
        "the demo world changed: if on purpose, update the pinned values and say why"
    );
}

#[test]
fn a_log_written_before_still_verifies_to_the_same_state() {
    let tmp = tempdir();
    let data = tmp.path().join("log");
    std::fs::create_dir_all(&data).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    for name in ["accord.db", "instance.json"] {
        std::fs::copy(fixture.join(name), data.join(name)).unwrap();
    }
    let v = verify(&data);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["entries"], 981);
    assert_eq!(
        (v["root"].as_str(), v["state_digest"].as_str()),
        (Some(FIXTURE_ROOT), Some(FIXTURE_DIGEST)),
        "replaying a stored log gave another state"
    );
}
