//! C2SP tlog-tiles entry bundles as `accord verify --url` reads them from a server: whatever
//! decodes re-encodes to the same bytes, and every entry is parsed as a log entry.
#![no_main]
use accord_tlog::tiles::{decode_entry_bundle, encode_entry_bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = decode_entry_bundle(data) {
        let again = encode_entry_bundle(entries.iter().map(Vec::as_slice)).expect("re-encodes");
        assert_eq!(again, data);
        for e in &entries {
            let _ = accord_domain::LogEntry::from_leaf_bytes(e);
        }
    }
});
