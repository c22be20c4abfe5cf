//! C2SP `tlog-cosignature`, Ed25519 `cosignature/v1`: a witness's signed statement that, as
//! of a time, the largest consistent tree it has seen for a log has the checkpoint's root.
//!
//! A cosignature is a note signature line `— <witness name> base64(key id || timestamp ||
//! signature)` on the checkpoint, where
//!
//! - the key id is `SHA-256(name || "\n" || 0x04 || public key)[:4]` (signature type `0x04`,
//!   so a witness key can never pass for a log key, whose type is `0x01`);
//! - the timestamp is the POSIX time of signing, a big-endian `u64` below 2^63;
//! - the signature is Ed25519 over `cosignature/v1\n`, `time <timestamp>\n` and the whole
//!   checkpoint body (its text up to and including the newline before the blank line).
//!
//! Verifier keys are vkeys of signature type `0x04`: `<name>+<key id hex>+base64(0x04 || key)`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::note::{check_name, key_id_of, parse_vkey, vkey_of, Note, NoteError};

/// Signature type of Ed25519 `cosignature/v1` keys.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The header line of the signed message.
const HEADER: &str = "cosignature/v1\n";

/// Largest timestamp a cosignature may carry.
pub const MAX_TIMESTAMP: u64 = (1 << 63) - 1;

/// The message a `cosignature/v1` signs: header, time line, checkpoint body.
pub fn signed_message(body: &str, timestamp: u64) -> String {
    format!("{HEADER}time {timestamp}\n{body}")
}

/// A witness's signing key and name.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl std::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// A cosigner named `name` (a schema-less URL such as `witness.example/w1`).
    pub fn new(name: &str, key: SigningKey) -> Result<Cosigner, NoteError> {
        check_name(name)?;
        let key_id = key_id_of(name, ALG_COSIGNATURE_V1, &key.verifying_key());
        Ok(Cosigner {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Its verifier key (signature type `0x04`).
    pub fn verifier_key(&self) -> String {
        vkey_of(
            &self.name,
            ALG_COSIGNATURE_V1,
            self.key_id,
            &self.key.verifying_key(),
        )
    }

    /// Its verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (ending in a newline) on the checkpoint whose note body is
    /// `body`, made at `timestamp`.
    pub fn cosign(&self, body: &str, timestamp: u64) -> Result<String, NoteError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::InvalidText("a timestamp must be below 2^63"));
        }
        if body.is_empty() || !body.ends_with('\n') || body.contains("\n\n") {
            return Err(NoteError::InvalidText(
                "a checkpoint body ends in one newline and holds no blank line",
            ));
        }
        let signature = self.key.sign(signed_message(body, timestamp).as_bytes());
        let mut blob = Vec::with_capacity(4 + 8 + 64);
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!("\u{2014} {} {}\n", self.name, BASE64.encode(blob)))
    }
}

/// A witness's public key, as a reader's policy names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

/// What is wrong with a cosignature by a known witness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    /// The line is not `key id || u64 timestamp || 64-byte signature`.
    #[error("the cosignature by {0} is not a key id, a timestamp and a 64-byte signature")]
    Malformed(String),
    /// The timestamp is 2^63 or more.
    #[error("the cosignature by {0} has a timestamp of 2^63 or more")]
    BadTimestamp(String),
    /// The signature does not verify over the checkpoint.
    #[error("the cosignature by {0} does not verify over this checkpoint")]
    Invalid(String),
}

impl CosignatureVerifier {
    /// Parses a witness's verifier key (signature type `0x04`).
    pub fn parse(vkey: &str) -> Result<CosignatureVerifier, NoteError> {
        let (name, key) = parse_vkey(vkey, ALG_COSIGNATURE_V1)?;
        Ok(CosignatureVerifier {
            key_id: key_id_of(&name, ALG_COSIGNATURE_V1, &key),
            name,
            key,
        })
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Its verifier key.
    pub fn to_vkey(&self) -> String {
        vkey_of(&self.name, ALG_COSIGNATURE_V1, self.key_id, &self.key)
    }

    /// The timestamp of this witness's cosignature on an opened checkpoint note, if the note
    /// carries one (lines by other keys are ignored, as the spec says). A line with this
    /// witness's name and key id that does not verify is an error.
    pub fn timestamp_on(&self, note: &Note) -> Result<Option<u64>, CosignatureError> {
        let mut found = None;
        for sig in note
            .signatures
            .iter()
            .filter(|s| s.name == self.name && s.key_id == self.key_id)
        {
            let timestamp = self.check(&note.text, &sig.signature)?;
            found = Some(found.map_or(timestamp, |t: u64| t.max(timestamp)));
        }
        Ok(found)
    }

    /// Checks a cosignature's bytes after the key id (`timestamp || signature`) over the
    /// checkpoint body; returns its timestamp.
    pub fn check(&self, body: &str, bytes: &[u8]) -> Result<u64, CosignatureError> {
        let (Ok(timestamp), Ok(signature)) = (
            <[u8; 8]>::try_from(bytes.get(..8).unwrap_or_default()),
            Signature::from_slice(bytes.get(8..).unwrap_or_default()),
        ) else {
            return Err(CosignatureError::Malformed(self.name.clone()));
        };
        let timestamp = u64::from_be_bytes(timestamp);
        if timestamp > MAX_TIMESTAMP {
            return Err(CosignatureError::BadTimestamp(self.name.clone()));
        }
        self.key
            .verify_strict(signed_message(body, timestamp).as_bytes(), &signature)
            .map_err(|_| CosignatureError::Invalid(self.name.clone()))?;
        Ok(timestamp)
    }
}

/// A reader's witness policy: which witnesses it trusts, and how many of them must have
/// cosigned a checkpoint before it relies on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The witnesses.
    pub witnesses: Vec<CosignatureVerifier>,
    /// How many of them must have cosigned.
    pub quorum: usize,
}

/// Why a checkpoint does not meet a [`Policy`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The checkpoint itself does not verify with the log's key.
    #[error("the checkpoint does not verify with the log's key: {0}")]
    Log(NoteError),
    /// A cosignature by a trusted witness is there but wrong.
    #[error("{0}")]
    Cosignature(CosignatureError),
    /// Too few trusted witnesses cosigned it.
    #[error("the checkpoint is cosigned by {} of the {} witnesses required ({}); missing: {}", .cosigned.len(), .quorum, if .cosigned.is_empty() { "none".to_owned() } else { .cosigned.join(", ") }, .missing.join(", "))]
    NoQuorum {
        /// The witnesses that cosigned it.
        cosigned: Vec<String>,
        /// The trusted witnesses that did not.
        missing: Vec<String>,
        /// How many are required.
        quorum: usize,
    },
}

impl Policy {
    /// Checks a signed checkpoint (with its cosignature lines) against the policy: the log's
    /// signature, then each trusted witness's cosignature. Returns each witness that cosigned
    /// it, with the time of its cosignature.
    pub fn check(
        &self,
        signed: &str,
        log: &crate::note::NoteVerifier,
    ) -> Result<Vec<(String, u64)>, PolicyError> {
        let note =
            crate::note::open(signed, std::slice::from_ref(log)).map_err(PolicyError::Log)?;
        let mut cosigned = Vec::new();
        let mut missing = Vec::new();
        for w in &self.witnesses {
            match w.timestamp_on(&note).map_err(PolicyError::Cosignature)? {
                Some(at) => cosigned.push((w.name().to_owned(), at)),
                None => missing.push(w.name().to_owned()),
            }
        }
        if cosigned.len() < self.quorum {
            return Err(PolicyError::NoQuorum {
                cosigned: cosigned.into_iter().map(|(n, _)| n).collect(),
                missing,
                quorum: self.quorum,
            });
        }
        Ok(cosigned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{open, NoteSigner};

    fn log() -> NoteSigner {
        NoteSigner::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap()
    }

    fn witness() -> Cosigner {
        Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[2; 32])).unwrap()
    }

    #[test]
    fn a_cosigned_checkpoint_opens_with_the_log_key_and_carries_the_timestamp() {
        let body = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let signed = log().sign(body).unwrap();
        let w = witness();
        let cosigned = format!("{signed}{}", w.cosign(body, 1_679_315_147).unwrap());
        let note = open(&cosigned, &[log().verifier()]).unwrap();
        let verifier = CosignatureVerifier::parse(&w.verifier_key()).unwrap();
        assert_eq!(verifier, w.verifier());
        assert_eq!(verifier.timestamp_on(&note), Ok(Some(1_679_315_147)));
        // Another body, or another time, and it no longer verifies.
        let sig = &note
            .signatures
            .iter()
            .find(|s| !s.verified)
            .unwrap()
            .signature;
        assert!(verifier.check("example.com/log\n4\n", sig).is_err());
        let mut later = sig.clone();
        later[7] ^= 1;
        assert!(verifier.check(body, &later).is_err());
        // A log key is not a witness key and the other way round.
        assert!(CosignatureVerifier::parse(&log().verifier_key()).is_err());
        assert!(crate::note::NoteVerifier::parse(&w.verifier_key()).is_err());
    }

    #[test]
    fn a_policy_names_the_missing_witnesses() {
        let body = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let w1 = witness();
        let w2 = Cosigner::new("witness.example/w2", SigningKey::from_bytes(&[5; 32])).unwrap();
        let signed = format!(
            "{}{}",
            log().sign(body).unwrap(),
            w1.cosign(body, 7).unwrap()
        );
        let policy = |quorum| Policy {
            witnesses: vec![w1.verifier(), w2.verifier()],
            quorum,
        };
        assert_eq!(
            policy(1).check(&signed, &log().verifier()),
            Ok(vec![("witness.example/w1".to_owned(), 7)])
        );
        let err = policy(2).check(&signed, &log().verifier()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the checkpoint is cosigned by 1 of the 2 witnesses required (witness.example/w1); missing: witness.example/w2"
        );
        // A cosignature over another checkpoint, pasted under this one, is caught.
        let other = "example.com/log\n4\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let pasted = format!(
            "{}{}",
            log().sign(body).unwrap(),
            w2.cosign(other, 7).unwrap()
        );
        assert!(matches!(
            policy(1).check(&pasted, &log().verifier()),
            Err(PolicyError::Cosignature(_))
        ));
    }

    #[test]
    fn the_key_id_is_the_spec_s() {
        use sha2::{Digest, Sha256};
        let w = witness();
        let mut h = Sha256::new();
        h.update(b"witness.example/w1\n\x04");
        h.update(SigningKey::from_bytes(&[2; 32]).verifying_key().as_bytes());
        let d = h.finalize();
        assert_eq!(w.key_id(), u32::from_be_bytes([d[0], d[1], d[2], d[3]]));
    }
}
