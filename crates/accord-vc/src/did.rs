//! `did:key` identifiers of Ed25519 keys and their documents (W3C did:key method v0.7,
//! Multikey verification methods per the Controlled Identifiers spec).

use ed25519_dalek::VerifyingKey;
use serde_json::{json, Value};

use crate::Error;

/// The multicodec prefix of an Ed25519 public key (`ed25519-pub`, varint 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// The DID v1 context a DID document opens with.
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey context.
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

/// The Multikey `publicKeyMultibase` of an Ed25519 key: `z` + base58btc(0xed01 ‖ key).
pub fn multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The Ed25519 key a `publicKeyMultibase` value encodes.
pub fn from_multikey(value: &str) -> Result<VerifyingKey, Error> {
    let encoded = value.strip_prefix('z').ok_or_else(|| {
        Error::Key(format!(
            "`{value}` is not base58btc multibase (no leading `z`)"
        ))
    })?;
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|e| Error::Key(format!("`{value}` is not base58btc: {e}")))?;
    let key = bytes.strip_prefix(&ED25519_PUB).ok_or_else(|| {
        Error::Key(format!(
            "`{value}` is not an Ed25519 public key (multicodec 0xed)"
        ))
    })?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| Error::Key(format!("`{value}` holds {} key bytes, not 32", key.len())))?;
    VerifyingKey::from_bytes(&key).map_err(|e| Error::Key(format!("`{value}`: {e}")))
}

/// The `did:key` of an Ed25519 key.
pub fn did_key(key: &VerifyingKey) -> String {
    format!("did:key:{}", multikey(key))
}

/// The verification method id of a `did:key`: the DID, `#`, its multibase key.
pub fn verification_method(key: &VerifyingKey) -> String {
    let mk = multikey(key);
    format!("did:key:{mk}#{mk}")
}

/// The Ed25519 key a `did:key` DID (or one of its verification method ids) names.
pub fn resolve(did_url: &str) -> Result<VerifyingKey, Error> {
    let rest = did_url
        .strip_prefix("did:key:")
        .ok_or_else(|| Error::Key(format!("`{did_url}` is not a did:key")))?;
    let (did, fragment) = rest.split_once('#').unwrap_or((rest, rest));
    if did != fragment {
        return Err(Error::Key(format!(
            "`{did_url}`: a did:key's only verification method is `#{did}`"
        )));
    }
    from_multikey(did)
}

/// The Multikey verification method document of a key.
pub fn verification_method_document(key: &VerifyingKey) -> Value {
    json!({
        "@context": MULTIKEY_V1,
        "id": verification_method(key),
        "type": "Multikey",
        "controller": did_key(key),
        "publicKeyMultibase": multikey(key),
    })
}

/// The DID document of a key's `did:key` (its one Multikey method, for every relationship).
pub fn did_document(key: &VerifyingKey) -> Value {
    let did = did_key(key);
    let vm = verification_method(key);
    json!({
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [{
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey(key),
        }],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityDelegation": [vm],
        "capabilityInvocation": [vm],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_did_key_spec_example_round_trips() {
        // did:key v0.7 §2 example: the Ed25519 key of this identifier.
        let did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        let key = resolve(did).unwrap();
        assert_eq!(did_key(&key), did);
        assert!(
            resolve("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6Mkother").is_err()
        );
        assert!(resolve("did:web:example.com").is_err());
        assert!(from_multikey("u6MkhaXg").is_err());
    }
}
