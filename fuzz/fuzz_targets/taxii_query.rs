//! The query string of a TAXII objects request (`match[…]`, `added_after`, `limit`, `next`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = accord_server::taxii::fuzzing::query(q);
    }
});
