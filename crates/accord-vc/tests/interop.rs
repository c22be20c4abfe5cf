//! Digital Bazaar's `@digitalbazaar/vc` with the `eddsa-rdfc-2022` cryptosuite and
//! `vc-bitstring-status-list` (tests/vc, offline) verifies what this crate signs, and refuses a
//! tampered credential, one signed by a key that is not its issuer's, an expired one and a
//! suspended one, each for that reason.

use accord_vc::{did, proof, status::Bitstring};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

#[path = "../../../tests/support/digital_bazaar.rs"]
mod digital_bazaar;
use digital_bazaar::verdicts as digital_bazaar;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

const LIST: &str = "https://regime.example/credentials/status/suspension";

fn credential(council: &SigningKey, index: usize, until: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": format!("https://regime.example/credentials/C-{index}"),
        "type": ["VerifiableCredential"],
        "issuer": {"id": did::did_key(&council.verifying_key()), "name": "Council of the Region"},
        "name": "Certification under scheme S-1",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": until,
        "credentialSubject": {"id": "https://regime.example/parties/acme", "name": "ACME Corp"},
        "credentialStatus": [{
            "id": format!("{LIST}#{index}"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": index.to_string(),
            "statusListCredential": LIST,
        }],
    })
}

#[test]
fn digital_bazaar_verifies_what_accord_signs_and_refuses_each_fault_for_its_reason() {
    let council = key(7);
    let instance = key(9);
    let impostor = key(11);
    let created = "2026-01-01T00:00:00Z";

    let good = proof::sign(
        &credential(&council, 3, "2028-01-01T00:00:00Z"),
        &council,
        created,
    )
    .unwrap();
    let mut tampered = good.clone();
    tampered["credentialSubject"]["name"] = json!("Someone Else");
    let wrong_key = proof::sign(
        &credential(&council, 4, "2028-01-01T00:00:00Z"),
        &impostor,
        created,
    )
    .unwrap();
    let expired = proof::sign(
        &credential(&council, 5, "2026-06-01T00:00:00Z"),
        &council,
        created,
    )
    .unwrap();
    let suspended = proof::sign(
        &credential(&council, 6, "2028-01-01T00:00:00Z"),
        &council,
        created,
    )
    .unwrap();

    // This crate agrees before anyone else is asked.
    assert!(proof::verify(&good).is_ok());
    assert!(proof::verify(&tampered).is_err());

    let mut list = Bitstring::new(0);
    list.set(6, true).unwrap();
    let status_list = proof::sign(
        &json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": LIST,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did::did_key(&instance.verifying_key()),
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": format!("{LIST}#list"),
                "type": "BitstringStatusList",
                "statusPurpose": "suspension",
                "encodedList": list.encode(),
            },
        }),
        &instance,
        created,
    )
    .unwrap();

    let verdicts = digital_bazaar(&json!({
        "now": "2027-01-01T00:00:00Z",
        "documents": {LIST: status_list},
        "credentials": [
            {"name": "good", "credential": good},
            {"name": "tampered", "credential": tampered},
            {"name": "wrong_key", "credential": wrong_key},
            {"name": "expired", "credential": expired},
            {"name": "suspended", "credential": suspended},
        ],
    }));
    let errors = |name: &str| verdicts[name]["errors"].to_string();
    assert_eq!(verdicts["good"]["verified"], true, "{}", errors("good"));
    assert_eq!(verdicts["good"]["status"]["suspension"], false);
    assert_eq!(verdicts["tampered"]["verified"], false);
    assert!(
        errors("tampered").contains("Invalid signature"),
        "{}",
        errors("tampered")
    );
    assert_eq!(verdicts["wrong_key"]["verified"], false);
    assert!(
        errors("wrong_key").contains("issuer"),
        "{}",
        errors("wrong_key")
    );
    assert_eq!(verdicts["expired"]["verified"], false);
    assert!(
        errors("expired").contains("validUntil"),
        "{}",
        errors("expired")
    );
    assert_eq!(verdicts["suspended"]["verified"], false);
    assert_eq!(verdicts["suspended"]["status"]["suspension"], true);
    assert!(
        errors("suspended").contains("suspension"),
        "{}",
        errors("suspended")
    );
}
