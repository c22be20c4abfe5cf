//! C2SP signed notes, verifier keys and tlog checkpoints, as `accord verify` and the
//! witness read them from the network.
#![no_main]
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use libfuzzer_sys::fuzz_target;

// The C2SP signed-note test key (golang.org/x/mod/sumdb/note), as in the known-answer tests.
const KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = NoteVerifier::parse(text);
    let verifier = NoteVerifier::parse(KEY).expect("a valid verifier key");
    if let Ok(opened) = note::open(text, std::slice::from_ref(&verifier)) {
        let _ = Checkpoint::parse(&opened.text);
    }
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(Checkpoint::parse(&cp.to_body()).unwrap(), cp);
    }
});
