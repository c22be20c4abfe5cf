//! Strict I-JSON parsing and RFC 8785 canonicalization: canonical form is a fixed point.
#![no_main]
use accord_envelope::canonical::{canonicalize, parse_strict, require_canonical};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = parse_strict(data) {
        if let Ok(canonical) = canonicalize(&value) {
            let reparsed = require_canonical(&canonical).expect("canonical output is canonical");
            assert_eq!(canonicalize(&reparsed).unwrap(), canonical);
        }
    }
});
