//! The OSCAL catalog export, read back by an independent OSCAL implementation: IBM's
//! `compliance-trestle` (PyPI), whose pydantic models are generated from NIST's OSCAL
//! metaschema. The test fails — it never skips — when the test tools' Python or trestle is
//! missing: `scripts/install-test-tools` installs them (`scripts/test` runs it first).

#[path = "../../../../tests/support/python.rs"]
mod python;

use accord_domain::entry::EntryRef;
use accord_domain::norms::{oscal, Charter, Regime};
use accord_domain::Timestamp;

const INSTALL: &str = "run `scripts/install-test-tools` to install compliance-trestle";

/// Loads the catalog with trestle's model, runs trestle's validators, and checks what it read.
/// Exit status 3: trestle is missing or models another OSCAL line.
const CHECK: &str = r#"
import json, pathlib, re, sys

path, controls, title, metadata_title = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    import trestle
    from trestle.oscal import OSCAL_VERSION, OSCAL_VERSION_REGEX
    from trestle.oscal.catalog import Catalog
    # The factory registers every validator (importing all_validator first is circular).
    from trestle.core.validator_factory import validator_factory
except ImportError as e:
    print(f"compliance-trestle is not importable: {e}")
    sys.exit(3)
if not OSCAL_VERSION.startswith("1.1."):
    print(f"compliance-trestle {trestle.__version__} models OSCAL {OSCAL_VERSION}, not 1.1.x")
    sys.exit(3)

data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
parse = getattr(Catalog, "model_validate", None) or Catalog.parse_obj
catalog = parse(data["catalog"])
# trestle's own reader (unwraps the top-level "catalog" key itself) must agree.
assert Catalog.oscal_read(pathlib.Path(path)) == catalog, "oscal_read disagrees with parse_obj"
validators = list(validator_factory.get_all())
assert len(validators) >= 5, validators
for validator in validators:
    assert validator.model_is_valid(catalog, True, None), f"{type(validator).__name__} refuses it"

assert catalog.metadata.title == metadata_title, catalog.metadata.title
# trestle's model does not enforce the version pattern itself (strict_version is off): check it.
version = data["catalog"]["metadata"]["oscal-version"]
assert re.match(OSCAL_VERSION_REGEX, version), f"oscal-version {version} !~ {OSCAL_VERSION_REGEX}"
found = [c for g in catalog.groups for c in g.controls]
assert len(found) == controls, f"{len(found)} controls, expected {controls}"
by_id = {c.id: c for c in found}
assert by_id["gge-a"].title == title, by_id["gge-a"].title
assert [p.label for p in by_id["gge-a"].params] == ["adherence", "self_assessment_gap"]
assert by_id["gge-a"].parts[0].name == "statement" and by_id["gge-a"].parts[0].prose
resources = {str(r.uuid) for r in catalog.back_matter.resources}
for c in found:
    for link in c.links:
        assert link.href[1:] in resources, link.href
print(f"trestle {trestle.__version__} (OSCAL {OSCAL_VERSION}) read {len(found)} controls")
"#;

#[test]
fn trestle_reads_the_baseline_catalog() {
    let here = EntryRef {
        index: 1,
        at: Timestamp::from_unix_ms(1_767_600_000_000),
    };
    let regime = Regime::establish(Charter::baseline(), here);
    let doc = oscal::catalog(&regime, 1, "accord.example/eu-council").expect("catalog version 1");

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("catalog.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).expect("write catalog");

    let charter = Charter::baseline();
    let output = python::command()
        .arg("-c")
        .arg(CHECK)
        .arg(&path)
        .arg(charter.norms.len().to_string())
        .arg(charter.norms[0].title.as_str())
        .arg("Accord baseline norms — catalog version 1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the test tools' Python ({e}): {INSTALL}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => println!("{stdout}"),
        Some(3) => panic!("{stdout}{stderr}\n{INSTALL}"),
        _ => panic!(
            "trestle refused the OSCAL catalog ({}):\n{stdout}{stderr}",
            output.status
        ),
    }
}
