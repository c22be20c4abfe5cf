//! A receipt as `accord receipt verify` reads it from a file: parsed, then checked offline
//! (leaf hash, signed checkpoint, inclusion proof, envelope signature) without panicking.
#![no_main]
use accord_sequencer::Receipt;
use accord_tlog::note::NoteVerifier;
use libfuzzer_sys::fuzz_target;

// The C2SP signed-note test key (golang.org/x/mod/sumdb/note), as in the known-answer tests.
const KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    if let Ok(receipt) = serde_json::from_slice::<Receipt>(data) {
        let verifier = NoteVerifier::parse(KEY).expect("a valid verifier key");
        let _ = receipt.verify(&verifier);
    }
});
