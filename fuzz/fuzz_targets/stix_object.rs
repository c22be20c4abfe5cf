//! STIX 2.1 objects and bundles as shared over TAXII: validation never panics, and a valid
//! object's marking is never less strict than any of its granular markings says.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(summary) = accord_stix::validate(&value) {
        let granular = value
            .get("granular_markings")
            .and_then(|g| g.as_array())
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("marking_ref")?.as_str())
            .filter_map(accord_stix::Tlp::of_marking)
            .filter(|t| *t > accord_stix::Tlp::Green)
            .max();
        if let Some(g) = granular {
            assert!(summary.tlp.is_some_and(|t| t >= g), "{value}");
        }
    }
    let _ = accord_stix::validate_bundle(&value);
});
