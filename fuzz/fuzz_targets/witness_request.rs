//! The witness's `add-checkpoint` request body (C2SP tlog-witness), as any client on the
//! network may send it: parsed, its checkpoint opened and checked against the witness's state
//! (an in-memory SQLite database, kept across inputs so that later inputs meet earlier ones'
//! checkpoints), and answered. Every answer is one the spec names.
#![no_main]
use std::sync::OnceLock;

use accord_tlog::cosignature::Cosigner;
use accord_tlog::note::NoteSigner;
use accord_witness::Witness;
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;

fn witness() -> &'static Witness {
    static W: OnceLock<Witness> = OnceLock::new();
    W.get_or_init(|| {
        // The log key of the corpus: origin example.com/log, seed 0x01 × 32.
        let log = NoteSigner::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let cosigner = Cosigner::new("witness.example/fuzz", SigningKey::from_bytes(&[2; 32])).unwrap();
        Witness::open(std::path::Path::new(":memory:"), cosigner, vec![log.verifier()]).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let answer = witness().add_checkpoint(data, 1_700_000_000);
    assert!(
        [200, 400, 403, 404, 409, 422].contains(&answer.status),
        "status {} for {:?}",
        answer.status,
        String::from_utf8_lossy(data)
    );
    if answer.status == 200 {
        assert!(answer.body.starts_with("\u{2014} witness.example/fuzz "));
    }
});
