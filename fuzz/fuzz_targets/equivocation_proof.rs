//! Equivocation proofs (`accord verify-equivocation`, a witness's `GET /equivocations`) as
//! anyone may hand them over: parsed as JSON and checked against a log key. A proof that
//! verifies names two different sizes or two different roots.
#![no_main]
use accord_tlog::note::NoteSigner;
use accord_witness::Equivocation;
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = serde_json::from_slice::<Equivocation>(data) else {
        return;
    };
    let log = NoteSigner::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
    if let Ok(proven) = proof.verify(&log.verifier()) {
        assert!(proven.sizes.0 <= proven.sizes.1);
        assert_eq!(proven.origin, "example.com/log");
    }
});
