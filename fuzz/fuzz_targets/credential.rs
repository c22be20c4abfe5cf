//! Credentials as anyone may hand them to `accord credential verify` (a file, a download): the
//! JSON read, the VC 2.0 shape checked, the JSON-LD expanded and canonicalized (only the
//! bundled context is ever loaded), the proof checked, and any status list it names read from
//! the same bytes. Nothing an outsider sends may panic or hang; nothing unsigned verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(credential) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let list = credential.clone();
    let source = move |_: &str| Ok(list.clone());
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let (report, verified) = accord_vc::verify::verify(&credential, now, Some(&source));
    // Only a document a key signed has a verified proof; fuzzed bytes are signed by no one
    // unless the corpus handed over a signed credential unchanged.
    if let Some(v) = verified {
        assert!(v.verification_method.starts_with("did:key:"));
    }
    assert!(report.checks.iter().any(|c| c.name == "proof"));
    if let Some(encoded) = credential
        .pointer("/credentialSubject/encodedList")
        .and_then(|v| v.as_str())
    {
        if let Ok(list) = accord_vc::status::Bitstring::decode(encoded) {
            assert!(list.len() >= accord_vc::status::MIN_ENTRIES);
        }
    }
});
