//! The signed envelope every statement travels in.
//!
//! ```json
//! {"payload":{…},"schema":1,"signature":"<base64>",
//!  "signer":{"key":"<key id>","party":"<party id>"},"type":"party.register"}
//! ```
//!
//! The signature is Ed25519 over `"accord-envelope-v1\n"` followed by the RFC 8785 canonical
//! JSON of the envelope without its `signature` member. On the wire an envelope must be
//! canonical itself, so one envelope has exactly one byte string and one hash.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::canonical::{self, escape_pointer_token, CanonicalError};
use crate::keys::{KeyId, KeyPair, PartyId, PublicKey, Signature};

/// Domain separator of envelope signatures.
pub const SIGNING_CONTEXT: &[u8] = b"accord-envelope-v1\n";

/// Longest entry type name.
const MAX_TYPE_LEN: usize = 64;

/// Who signed: the party and which of its keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    /// The signing party.
    pub party: PartyId,
    /// The id of the key that signed.
    pub key: KeyId,
}

/// A signed statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Envelope {
    /// What kind of statement this is, e.g. `party.register`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// Version of the payload schema of that type.
    pub schema: u32,
    /// The statement itself (a JSON object; its schema depends on `type` and `schema`).
    #[schemars(with = "serde_json::Map<String, Value>")]
    pub payload: Value,
    /// Who signed.
    pub signer: Signer,
    /// Ed25519 signature over [`Envelope::signing_input`].
    pub signature: Signature,
}

/// Why an envelope is refused. Each error names the rule and the JSON Pointer of the place.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The bytes are not (canonical, I-JSON) JSON.
    #[error(transparent)]
    Json(#[from] CanonicalError),
    /// A member that the envelope does not define.
    #[error(
        "unknown member `{}`: an envelope has only type, schema, payload, signer and signature",
        last_token(pointer)
    )]
    UnknownMember {
        /// Where.
        pointer: String,
    },
    /// A required member is absent.
    #[error("missing member `{}`", last_token(pointer))]
    MissingMember {
        /// Where it should be.
        pointer: String,
    },
    /// A member has the wrong JSON type.
    #[error("`{pointer}` must be {expected}")]
    WrongType {
        /// Where.
        pointer: String,
        /// The type expected.
        expected: &'static str,
    },
    /// A member has the right type but an unacceptable value.
    #[error("`{pointer}` is invalid: {detail}")]
    InvalidValue {
        /// Where.
        pointer: String,
        /// Why.
        detail: String,
    },
    /// The signature does not verify under the signer's key.
    #[error("the signature does not verify under key {key} of `{party}`")]
    BadSignature {
        /// The claimed signer.
        party: PartyId,
        /// The key it was checked against.
        key: KeyId,
    },
    /// The key offered for signing or verifying is not the one the envelope names.
    #[error("the envelope names key {named} but key {actual} was used")]
    KeyMismatch {
        /// The key id in `signer.key`.
        named: KeyId,
        /// The id of the key actually used.
        actual: KeyId,
    },
}

fn last_token(pointer: &str) -> &str {
    pointer.rsplit('/').next().unwrap_or(pointer)
}

impl EnvelopeError {
    /// The rule broken, as named in problem documents (`/problems/<rule>`).
    pub fn rule(&self) -> &'static str {
        match self {
            EnvelopeError::Json(e) => e.rule(),
            EnvelopeError::UnknownMember { .. } => "unknown-member",
            EnvelopeError::MissingMember { .. } => "missing-member",
            EnvelopeError::WrongType { .. } => "wrong-type",
            EnvelopeError::InvalidValue { .. } => "invalid-value",
            EnvelopeError::BadSignature { .. } => "bad-signature",
            EnvelopeError::KeyMismatch { .. } => "key-mismatch",
        }
    }

    /// JSON Pointer (RFC 6901) of the offending member; empty for the whole document.
    pub fn pointer(&self) -> &str {
        match self {
            EnvelopeError::Json(CanonicalError::DuplicateMember { object, .. }) => object,
            EnvelopeError::Json(_) => "",
            EnvelopeError::UnknownMember { pointer }
            | EnvelopeError::MissingMember { pointer }
            | EnvelopeError::WrongType { pointer, .. }
            | EnvelopeError::InvalidValue { pointer, .. } => pointer,
            EnvelopeError::BadSignature { .. } => "/signature",
            EnvelopeError::KeyMismatch { .. } => "/signer/key",
        }
    }
}

impl Envelope {
    /// Signs a statement. Fails if the type or payload is malformed or `signer.key` is not the
    /// id of `key`.
    pub fn sign(
        entry_type: &str,
        schema: u32,
        payload: Value,
        signer: Signer,
        key: &KeyPair,
    ) -> Result<Envelope, EnvelopeError> {
        check_type(entry_type)?;
        check_schema(u64::from(schema))?;
        if !payload.is_object() {
            return Err(wrong_type("/payload", "an object"));
        }
        if signer.key != key.key_id() {
            return Err(EnvelopeError::KeyMismatch {
                named: signer.key,
                actual: key.key_id(),
            });
        }
        let mut envelope = Envelope {
            entry_type: entry_type.to_owned(),
            schema,
            payload,
            signer,
            signature: Signature([0; 64]),
        };
        envelope.signature = key.sign(&envelope.signing_input());
        Ok(envelope)
    }

    /// The bytes the signature covers.
    pub fn signing_input(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(SIGNING_CONTEXT);
        self.write_canonical(&mut out, false);
        out
    }

    /// Checks the signature under `key` (strict Ed25519), and that `key` is the named key.
    pub fn verify(&self, key: &PublicKey) -> Result<(), EnvelopeError> {
        if key.key_id() != self.signer.key {
            return Err(EnvelopeError::KeyMismatch {
                named: self.signer.key,
                actual: key.key_id(),
            });
        }
        if key.verify_strict(&self.signing_input(), &self.signature) {
            Ok(())
        } else {
            Err(EnvelopeError::BadSignature {
                party: self.signer.party.clone(),
                key: self.signer.key,
            })
        }
    }

    /// Checks many envelopes' signatures at once, each under the key paired with it: Ed25519
    /// batch verification, one random linear combination of all the verification equations,
    /// about twice as fast per signature as checking each alone. `true`: every signature
    /// verifies; `false`: at least one does not (check them one by one with
    /// [`Envelope::verify`] to name it).
    ///
    /// Everything [`Envelope::verify`] refuses is refused here too — a key that is not the
    /// named one, a non-canonical `s`, an `R` that is not a canonical encoding or is of small
    /// order — with one difference the batch equation cannot avoid: a signature whose `R`
    /// differs from the strict one only by a small-torsion component may pass a batch (with
    /// probability 1/2 to 1/8). Only the holder of the signing key can make one, and the
    /// sequencer, which verifies each submission alone, never logs one.
    pub fn verify_batch(items: &[(&Envelope, &PublicKey)]) -> bool {
        let mut messages = Vec::with_capacity(items.len());
        let mut signatures = Vec::with_capacity(items.len());
        let mut keys = Vec::with_capacity(items.len());
        for (envelope, key) in items {
            if key.key_id() != envelope.signer.key {
                return false;
            }
            let r: [u8; 32] = envelope.signature.0[..32]
                .try_into()
                .expect("64-byte signature");
            if !canonical_y(&r) || small_order_encodings().contains(&r) {
                return false;
            }
            messages.push(envelope.signing_input());
            signatures.push(ed25519_dalek::Signature::from_bytes(&envelope.signature.0));
            keys.push(*key.as_dalek());
        }
        let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    }

    /// The canonical wire form.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        self.write_canonical(&mut out, true);
        out
    }

    /// SHA-256 of the canonical wire form: the envelope's identity (idempotency key).
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_canonical_bytes()).into()
    }

    /// Members in RFC 8785 order: payload, schema, signature, signer, type.
    fn write_canonical(&self, out: &mut Vec<u8>, with_signature: bool) {
        out.extend_from_slice(b"{\"payload\":");
        canonical::write_value(out, &self.payload);
        out.extend_from_slice(b",\"schema\":");
        out.extend_from_slice(self.schema.to_string().as_bytes());
        if with_signature {
            out.extend_from_slice(b",\"signature\":");
            canonical::write_string(out, &self.signature.to_base64());
        }
        out.extend_from_slice(b",\"signer\":{\"key\":");
        canonical::write_string(out, &self.signer.key.to_string());
        out.extend_from_slice(b",\"party\":");
        canonical::write_string(out, self.signer.party.as_str());
        out.extend_from_slice(b"},\"type\":");
        canonical::write_string(out, &self.entry_type);
        out.push(b'}');
    }

    /// Parses an envelope from the wire: the bytes must be canonical JSON.
    pub fn from_wire(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        Self::from_value(canonical::require_canonical(bytes)?)
    }

    /// Reads an envelope from a parsed value, checking every member.
    pub fn from_value(value: Value) -> Result<Envelope, EnvelopeError> {
        let Value::Object(mut map) = value else {
            return Err(wrong_type("", "an object"));
        };
        only_members(
            &map,
            "",
            &["payload", "schema", "signature", "signer", "type"],
        )?;
        let entry_type = take_string(&mut map, "", "type")?;
        check_type(&entry_type)?;
        let schema = match take(&mut map, "", "schema")? {
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| wrong_type("/schema", "a whole number"))?,
            _ => return Err(wrong_type("/schema", "a whole number")),
        };
        check_schema(schema)?;
        let payload = take(&mut map, "", "payload")?;
        if !payload.is_object() {
            return Err(wrong_type("/payload", "an object"));
        }
        let Value::Object(mut signer) = take(&mut map, "", "signer")? else {
            return Err(wrong_type("/signer", "an object"));
        };
        only_members(&signer, "/signer", &["key", "party"])?;
        let party = take_string(&mut signer, "/signer", "party")?
            .parse::<PartyId>()
            .map_err(|e| invalid("/signer/party", e.0))?;
        let key = take_string(&mut signer, "/signer", "key")?
            .parse::<KeyId>()
            .map_err(|e| invalid("/signer/key", e.0))?;
        let signature = take_string(&mut map, "", "signature")?
            .parse::<Signature>()
            .map_err(|e| invalid("/signature", e.0))?;
        Ok(Envelope {
            entry_type,
            schema: schema as u32,
            payload,
            signer: Signer { party, key },
            signature,
        })
    }
}

fn wrong_type(pointer: &str, expected: &'static str) -> EnvelopeError {
    EnvelopeError::WrongType {
        pointer: pointer.to_owned(),
        expected,
    }
}

fn invalid(pointer: &str, detail: impl Into<String>) -> EnvelopeError {
    EnvelopeError::InvalidValue {
        pointer: pointer.to_owned(),
        detail: detail.into(),
    }
}

fn only_members(map: &Map<String, Value>, at: &str, allowed: &[&str]) -> Result<(), EnvelopeError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(EnvelopeError::UnknownMember {
            pointer: format!("{at}/{}", escape_pointer_token(k)),
        }),
        None => Ok(()),
    }
}

fn take(map: &mut Map<String, Value>, at: &str, name: &str) -> Result<Value, EnvelopeError> {
    map.remove(name)
        .ok_or_else(|| EnvelopeError::MissingMember {
            pointer: format!("{at}/{name}"),
        })
}

fn take_string(
    map: &mut Map<String, Value>,
    at: &str,
    name: &str,
) -> Result<String, EnvelopeError> {
    match take(map, at, name)? {
        Value::String(s) => Ok(s),
        _ => Err(wrong_type(&format!("{at}/{name}"), "a string")),
    }
}

fn check_type(t: &str) -> Result<(), EnvelopeError> {
    let ok = !t.is_empty()
        && t.len() <= MAX_TYPE_LEN
        && t.starts_with(|c: char| c.is_ascii_lowercase())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "/type",
            format!("`{t}` is not an entry type: use up to {MAX_TYPE_LEN} characters of a-z, 0-9, `.` and `_`"),
        ))
    }
}

fn check_schema(schema: u64) -> Result<(), EnvelopeError> {
    if (1..=u64::from(u32::MAX)).contains(&schema) {
        Ok(())
    } else {
        Err(invalid(
            "/schema",
            format!("schema version {schema} is out of range 1..=4294967295"),
        ))
    }
}

/// Whether a compressed Edwards point encodes its y-coordinate canonically (below
/// p = 2^255 - 19), as strict verification, which compares encodings, requires of `R`.
fn canonical_y(bytes: &[u8; 32]) -> bool {
    // y >= p only for 2^255 - 19 ..= 2^255 - 1: 0xed..=0xff, then thirty 0xff, then 0x7f.
    !(bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed)
}

/// Every canonical-y encoding of a point of small order: the eight points of the 8-torsion
/// subgroup compressed, and the two whose x is 0 with the sign bit set (they decode too).
/// Comparing bytes spares the batch a second decompression of each `R`.
fn small_order_encodings() -> &'static [[u8; 32]; 10] {
    static ENCODINGS: std::sync::OnceLock<[[u8; 32]; 10]> = std::sync::OnceLock::new();
    ENCODINGS.get_or_init(|| {
        let mut out = [[0u8; 32]; 10];
        for (slot, point) in out
            .iter_mut()
            .zip(curve25519_dalek::constants::EIGHT_TORSION)
        {
            *slot = point.compress().to_bytes();
        }
        // x = 0: y = 1 (the identity) and y = -1, with the sign bit set.
        out[8] = out[0];
        out[8][31] |= 0x80;
        out[9] = out[4];
        out[9][31] |= 0x80;
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signed(key: &KeyPair) -> Envelope {
        Envelope::sign(
            "poc.declare",
            1,
            json!({"contacts": [{"address": "soc@example.org", "b": 1.5}], "é": "x"}),
            Signer {
                party: "cert-a".parse().unwrap(),
                key: key.key_id(),
            },
            key,
        )
        .unwrap()
    }

    /// A batch passes exactly when each of its signatures passes alone — for honest
    /// signatures, a bit flipped anywhere, a wrong key, and the `R` values strict verification
    /// refuses (small order, non-canonical encoding).
    #[test]
    fn a_batch_verifies_like_its_signatures_one_by_one() {
        let keys: Vec<KeyPair> = (0..5).map(|_| KeyPair::generate()).collect();
        let envs: Vec<Envelope> = (0..40).map(|i| signed(&keys[i % 5])).collect();
        let publics: Vec<PublicKey> = (0..40).map(|i| keys[i % 5].public_key()).collect();
        let batch = |envs: &[Envelope], publics: &[PublicKey]| {
            let items: Vec<(&Envelope, &PublicKey)> = envs.iter().zip(publics).collect();
            let alone = items.iter().all(|(e, k)| e.verify(k).is_ok());
            assert_eq!(
                Envelope::verify_batch(&items),
                alone,
                "batch and one-by-one disagree"
            );
            alone
        };
        assert!(batch(&envs, &publics));
        assert!(batch(&[], &[]));
        for bit in [0, 100, 255, 256, 300, 511] {
            let mut bad = envs.clone();
            bad[17].signature.0[bit / 8] ^= 1 << (bit % 8);
            assert!(!batch(&bad, &publics), "bit {bit} flipped");
        }
        let mut wrong = publics.clone();
        wrong[3] = keys[4].public_key();
        assert!(!batch(&envs, &wrong));
        // R = the identity (small order), and R = a non-canonical encoding of a valid point.
        let mut small = envs.clone();
        small[9].signature.0[..32].copy_from_slice(&{
            let mut id = [0u8; 32];
            id[0] = 1;
            id
        });
        assert!(!batch(&small, &publics));
        let mut non_canonical = envs.clone();
        let mut r = [0xffu8; 32];
        r[0] = 0xee; // y = p + 1, the identity's y written above p
        r[31] = 0x7f;
        non_canonical[2].signature.0[..32].copy_from_slice(&r);
        assert!(!batch(&non_canonical, &publics));
        assert!(!canonical_y(&r) && canonical_y(&[0u8; 32]));
        // The byte list of small-order encodings is the set that decodes to small order.
        for encoding in small_order_encodings() {
            let point = curve25519_dalek::edwards::CompressedEdwardsY(*encoding)
                .decompress()
                .expect("a curve point");
            assert!(point.is_small_order() && canonical_y(encoding));
            let mut small = envs.clone();
            small[5].signature.0[..32].copy_from_slice(encoding);
            assert!(!batch(&small, &publics));
        }
    }

    #[test]
    fn sign_verify_and_wire_round_trip() {
        let key = KeyPair::generate();
        let env = signed(&key);
        env.verify(&key.public_key()).unwrap();
        let wire = env.to_canonical_bytes();
        // Our hand-written member order is the RFC 8785 order.
        let value: Value = serde_json::to_value(&env).unwrap();
        assert_eq!(canonical::canonicalize(&value).unwrap(), wire);
        let back = Envelope::from_wire(&wire).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.hash(), env.hash());
        back.verify(&key.public_key()).unwrap();
        // The signing input is the canonical envelope without the signature.
        let mut unsigned = value;
        unsigned.as_object_mut().unwrap().remove("signature");
        let mut input = SIGNING_CONTEXT.to_vec();
        input.extend(canonical::canonicalize(&unsigned).unwrap());
        assert_eq!(env.signing_input(), input);
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let key = KeyPair::generate();
        let env = signed(&key);
        let mut changed = env.clone();
        changed.payload["contacts"][0]["b"] = json!(2);
        let err = changed.verify(&key.public_key()).unwrap_err();
        assert_eq!((err.rule(), err.pointer()), ("bad-signature", "/signature"));
        let mut retyped = env.clone();
        retyped.entry_type = "poc.ack".into();
        assert!(retyped.verify(&key.public_key()).is_err());
        let other = KeyPair::generate();
        let err = env.verify(&other.public_key()).unwrap_err();
        assert_eq!(err.rule(), "key-mismatch");
    }

    #[test]
    fn malformed_envelopes_name_the_member_and_rule() {
        let key = KeyPair::generate();
        let good: Value = serde_json::to_value(signed(&key)).unwrap();
        type Mutation = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Mutation, &str, &str)> = vec![
            (
                Box::new(|v| v["extra"] = json!(1)),
                "unknown-member",
                "/extra",
            ),
            (
                Box::new(|v| v["signer"]["role"] = json!("x")),
                "unknown-member",
                "/signer/role",
            ),
            (
                Box::new(|v| drop(v.as_object_mut().unwrap().remove("type"))),
                "missing-member",
                "/type",
            ),
            (
                Box::new(|v| drop(v["signer"].as_object_mut().unwrap().remove("key"))),
                "missing-member",
                "/signer/key",
            ),
            (
                Box::new(|v| v["schema"] = json!("1")),
                "wrong-type",
                "/schema",
            ),
            (
                Box::new(|v| v["schema"] = json!(0)),
                "invalid-value",
                "/schema",
            ),
            (
                Box::new(|v| v["schema"] = json!(1.5)),
                "wrong-type",
                "/schema",
            ),
            (
                Box::new(|v| v["payload"] = json!([])),
                "wrong-type",
                "/payload",
            ),
            (
                Box::new(|v| v["type"] = json!("Party Register")),
                "invalid-value",
                "/type",
            ),
            (
                Box::new(|v| v["signer"]["party"] = json!("Nope!")),
                "invalid-value",
                "/signer/party",
            ),
            (
                Box::new(|v| v["signer"]["key"] = json!("xyz")),
                "invalid-value",
                "/signer/key",
            ),
            (
                Box::new(|v| v["signature"] = json!("AAAA")),
                "invalid-value",
                "/signature",
            ),
            (
                Box::new(|v| v["signer"] = json!(null)),
                "wrong-type",
                "/signer",
            ),
        ];
        for (mutate, rule, pointer) in cases {
            let mut v = good.clone();
            mutate(&mut v);
            let wire = canonical::canonicalize(&v).unwrap();
            let err = Envelope::from_wire(&wire).unwrap_err();
            assert_eq!((err.rule(), err.pointer()), (rule, pointer), "{err}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn wire_form_must_be_canonical_and_unique() {
        let key = KeyPair::generate();
        let wire = String::from_utf8(signed(&key).to_canonical_bytes()).unwrap();
        let spaced = wire.replacen(':', ": ", 1);
        assert_eq!(
            Envelope::from_wire(spaced.as_bytes()).unwrap_err().rule(),
            "canonical-json"
        );
        let dup = wire.replacen("{\"payload\"", "{\"payload\":{},\"payload\"", 1);
        assert_eq!(
            Envelope::from_wire(dup.as_bytes()).unwrap_err().rule(),
            "duplicate-member"
        );
        assert_eq!(
            Envelope::from_wire(b"{").unwrap_err().rule(),
            "malformed-json"
        );
        assert_eq!(Envelope::from_wire(b"[]").unwrap_err().rule(), "wrong-type");
    }

    #[test]
    fn signing_refuses_a_key_that_is_not_the_named_one() {
        let key = KeyPair::generate();
        let err = Envelope::sign(
            "poc.declare",
            1,
            json!({}),
            Signer {
                party: "a".parse().unwrap(),
                key: KeyPair::generate().key_id(),
            },
            &key,
        )
        .unwrap_err();
        assert_eq!(err.rule(), "key-mismatch");
    }
}
