//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C Data Integrity EdDSA
//! Cryptosuites v1.0, §3.2): the document and the proof configuration are each canonicalized
//! with RDFC-1.0, hashed with SHA-256, and the proof configuration's hash followed by the
//! document's is signed with Ed25519; `proofValue` is the signature in base58btc multibase.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::{did, jsonld, Error};

/// The proof type.
pub const DATA_INTEGRITY_PROOF: &str = "DataIntegrityProof";
/// The cryptosuite.
pub const EDDSA_RDFC_2022: &str = "eddsa-rdfc-2022";

/// What a verified proof says: who signed, with which key, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The verification method (a `did:key` URL).
    pub verification_method: String,
    /// The key it names.
    pub key: VerifyingKey,
    /// The proof's `created`, if stated.
    pub created: Option<String>,
    /// The proof purpose.
    pub proof_purpose: String,
}

/// The data signed: SHA-256 of the canonical proof configuration, then of the document.
fn hash_data(document: &Value, config: &Value) -> Result<Vec<u8>, Error> {
    let mut out = Sha256::digest(jsonld::canonicalize(config)?.as_bytes()).to_vec();
    out.extend_from_slice(&Sha256::digest(jsonld::canonicalize(document)?.as_bytes()));
    Ok(out)
}

/// The document (a JSON object without `proof`) with an `eddsa-rdfc-2022` proof by `key`,
/// for the `assertionMethod` purpose, its verification method the key's `did:key`.
pub fn sign(document: &Value, key: &SigningKey, created: &str) -> Result<Value, Error> {
    let Some(object) = document.as_object() else {
        return Err(Error::Proof("only a JSON object can be signed".into()));
    };
    if object.contains_key("proof") {
        return Err(Error::Proof("the document already carries a proof".into()));
    }
    let context = object
        .get("@context")
        .cloned()
        .ok_or_else(|| Error::Proof("the document has no @context".into()))?;
    let mut proof = json!({
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": EDDSA_RDFC_2022,
        "created": created,
        "verificationMethod": did::verification_method(&key.verifying_key()),
        "proofPurpose": "assertionMethod",
    });
    let mut config = proof.clone();
    config["@context"] = context;
    let signature = key.sign(&hash_data(document, &config)?);
    proof["proofValue"] = Value::String(format!(
        "z{}",
        bs58::encode(signature.to_bytes()).into_string()
    ));
    let mut secured = object.clone();
    secured.insert("proof".into(), proof);
    Ok(Value::Object(secured))
}

/// Checks the `eddsa-rdfc-2022` proof of a secured document against the key its `did:key`
/// verification method names. Returns the document without its proof and what the proof says.
pub fn verify(secured: &Value) -> Result<(Value, Verified), Error> {
    let Some(object) = secured.as_object() else {
        return Err(Error::Proof("the document is not a JSON object".into()));
    };
    let mut unsecured: Map<String, Value> = object.clone();
    let proof = match unsecured.remove("proof") {
        Some(Value::Object(p)) => p,
        Some(Value::Array(_)) => {
            return Err(Error::Proof(
                "several proofs (a proof set) are not accepted; one proof is expected".into(),
            ))
        }
        Some(_) => return Err(Error::Proof("`proof` is not an object".into())),
        None => return Err(Error::Proof("the document has no proof".into())),
    };
    let text = |name: &str| -> Result<String, Error> {
        proof
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Proof(format!("the proof has no `{name}` string")))
    };
    if text("type")? != DATA_INTEGRITY_PROOF {
        return Err(Error::Proof(format!(
            "proof type `{}` is not {DATA_INTEGRITY_PROOF}",
            text("type")?
        )));
    }
    if text("cryptosuite")? != EDDSA_RDFC_2022 {
        return Err(Error::Proof(format!(
            "cryptosuite `{}` is not {EDDSA_RDFC_2022}",
            text("cryptosuite")?
        )));
    }
    let proof_value = text("proofValue")?;
    let verification_method = text("verificationMethod")?;
    let proof_purpose = text("proofPurpose")?;
    let context = unsecured
        .get("@context")
        .cloned()
        .ok_or_else(|| Error::Proof("the document has no @context".into()))?;
    if let Some(c) = proof.get("@context") {
        if *c != context {
            return Err(Error::Proof(
                "the proof's @context differs from the document's".into(),
            ));
        }
    }
    let signature = proof_value
        .strip_prefix('z')
        .and_then(|s| bs58::decode(s).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| {
            Error::Proof("`proofValue` is not a base58btc-multibase 64-byte signature".into())
        })?;
    let key = did::resolve(&verification_method)?;
    let mut config = proof.clone();
    config.remove("proofValue");
    config.insert("@context".into(), context);
    let unsecured = Value::Object(unsecured);
    let data = hash_data(&unsecured, &Value::Object(config))?;
    key.verify_strict(&data, &signature).map_err(|_| {
        Error::Proof(format!(
            "the signature does not verify with {verification_method}: the document or its proof was changed after signing, or another key signed it"
        ))
    })?;
    Ok((
        unsecured,
        Verified {
            verification_method,
            key,
            created: proof
                .get("created")
                .and_then(Value::as_str)
                .map(str::to_owned),
            proof_purpose,
        },
    ))
}
