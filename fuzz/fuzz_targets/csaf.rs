//! CSAF 2.0 advisories: the schema and the mandatory tests never panic on any JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = accord_csaf::validate(&doc);
        let _ = accord_csaf::summarize(&doc);
    }
});
