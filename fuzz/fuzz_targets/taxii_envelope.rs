//! The body of a TAXII POST: the envelope parsed object by object, each validated and
//! prepared for sharing (canonical JSON, commitment) as the server does.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = accord_server::taxii::fuzzing::envelope(data);
});
