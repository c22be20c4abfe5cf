//! A submission body: strict I-JSON, canonical form, the envelope's shape, and the typed
//! payload of its entry type. Whatever parses re-serializes to the same canonical bytes.
#![no_main]
use accord_envelope::Envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = Envelope::from_wire(data) {
        let canonical = env.to_canonical_bytes();
        let again = Envelope::from_wire(&canonical).expect("canonical bytes parse again");
        assert_eq!(again.to_canonical_bytes(), canonical);
        let _ = accord_domain::Payload::from_envelope(&env);
    }
});
