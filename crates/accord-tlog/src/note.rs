//! C2SP signed notes with Ed25519 signatures (signature type `0x01`):
//! key names, key ids, verifier keys (`<name>+<keyid hex>+<base64 key>`),
//! signing a note text, and splitting and verifying a signed note.
//!
//! A signed note is the text (ending in a newline), a blank line, and one or
//! more lines `— <key name> <base64(key id || signature)>`. Verification
//! follows the spec: signatures from keys the caller does not know are kept
//! but not checked, a signature from a known key that fails rejects the
//! whole note, and at least one known key must have signed.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;

/// Signature type identifier byte for Ed25519 in signed notes.
const ALG_ED25519: u8 = 0x01;

/// Start of every signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Most signature lines a note may carry; the spec requires accepting at
/// least 16.
pub const MAX_SIGNATURES: usize = 100;

/// Errors from signed-note keys, signing and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name is empty or holds a space, a `+` or a control character.
    #[error(
        "invalid key name {0:?}: it must be non-empty with no spaces, '+' or control characters"
    )]
    InvalidKeyName(String),
    /// A verifier key string is not `<name>+<8 hex digits>+<base64 key>`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// A verifier key names another signature type than the one expected: Ed25519 note
    /// signatures (0x01) for a log, Ed25519 `cosignature/v1` (0x04) for a witness.
    #[error("verifier key has signature type 0x{found:02x}, but 0x{expected:02x} is expected here (0x01: an Ed25519 log key; 0x04: an Ed25519 cosignature/v1 witness key)")]
    UnsupportedAlgorithm {
        /// The type the key has.
        found: u8,
        /// The type expected.
        expected: u8,
    },
    /// A verifier key's key id is not the one its name and key hash to.
    #[error("verifier key id {stated:08x} does not match the id {computed:08x} computed from its name and key")]
    KeyIdMismatch {
        /// The key id written in the verifier key.
        stated: u32,
        /// The key id computed from its name and public key.
        computed: u32,
    },
    /// A note text to sign is not valid.
    #[error("invalid note text: {0}")]
    InvalidText(&'static str),
    /// A signed note is not well formed.
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// A signature line is not `— <name> <base64(key id || signature)>`.
    #[error("malformed signature line {line} of the signed note: {reason}")]
    MalformedSignatureLine {
        /// 1-based position of the line among the signature lines.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The note carries more signature lines than accepted.
    #[error("signed note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature by a known key does not verify.
    #[error("signature by known key {name}+{key_id:08x} does not verify")]
    InvalidSignature {
        /// Name of the key.
        name: String,
        /// Id of the key.
        key_id: u32,
    },
    /// No signature by any of the given verifiers is present.
    #[error("signed note has no signature by any of the given verifiers")]
    NoKnownSignature,
}

/// Checks a key name against the spec: non-empty, no Unicode spaces, no
/// `+`, and no control characters below U+0020 (which notes may not hold).
pub(crate) fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c < ' ')
    {
        return Err(NoteError::InvalidKeyName(name.to_owned()));
    }
    Ok(())
}

/// Key id of an Ed25519 key: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || 0x01 || public key)`.
fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    key_id_of(name, ALG_ED25519, key)
}

/// Key id of a key of signature type `alg`: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || alg || public key)`.
pub(crate) fn key_id_of(name: &str, alg: u8, key: &VerifyingKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', alg]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Formats a verifier key string.
fn vkey(name: &str, key_id: u32, key: &VerifyingKey) -> String {
    vkey_of(name, ALG_ED25519, key_id, key)
}

/// Formats a verifier key string for a key of signature type `alg`.
pub(crate) fn vkey_of(name: &str, alg: u8, key_id: u32, key: &VerifyingKey) -> String {
    let mut material = Vec::with_capacity(33);
    material.push(alg);
    material.extend_from_slice(key.as_bytes());
    format!("{name}+{key_id:08x}+{}", BASE64.encode(material))
}

/// Parses a verifier key `<name>+<8 lowercase hex key id>+<base64(alg || 32-byte Ed25519
/// public key)>` of signature type `alg`, checking the key id against the name and key and
/// refusing weak (small-order) keys.
pub(crate) fn parse_vkey(vkey: &str, want: u8) -> Result<(String, VerifyingKey), NoteError> {
    // The base64 part may itself contain '+', so split twice only.
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(NoteError::MalformedVerifierKey(
            "expected <name>+<key id>+<key>",
        ));
    };
    check_name(name)?;
    if id_hex.len() != 8
        || !id_hex
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(NoteError::MalformedVerifierKey(
            "key id must be 8 lowercase hexadecimal digits",
        ));
    }
    let stated = u32::from_str_radix(id_hex, 16)
        .map_err(|_| NoteError::MalformedVerifierKey("key id is not hexadecimal"))?;
    let material = BASE64
        .decode(key_b64)
        .map_err(|_| NoteError::MalformedVerifierKey("key is not valid base64"))?;
    let (&alg, key_bytes) = material
        .split_first()
        .ok_or(NoteError::MalformedVerifierKey("key is empty"))?;
    if alg != want {
        return Err(NoteError::UnsupportedAlgorithm {
            found: alg,
            expected: want,
        });
    }
    let key_bytes: [u8; 32] = key_bytes
        .try_into()
        .map_err(|_| NoteError::MalformedVerifierKey("Ed25519 public key must be 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| NoteError::MalformedVerifierKey("public key is not a valid Ed25519 point"))?;
    if key.is_weak() {
        return Err(NoteError::MalformedVerifierKey(
            "public key is a weak (small-order) Ed25519 point",
        ));
    }
    let computed = key_id_of(name, alg, &key);
    if computed != stated {
        return Err(NoteError::KeyIdMismatch { stated, computed });
    }
    Ok((name.to_owned(), key))
}

/// A named Ed25519 key that signs notes.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// Makes a signer from a key name and an Ed25519 signing key. The name
    /// must be non-empty and hold no spaces, `+` or control characters.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_id = key_id(name, &key.verifying_key());
        Ok(NoteSigner {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id: first 4 bytes (big-endian) of
    /// `SHA-256(name || 0x0A || 0x01 || public key)`.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier key string `<name>+<8 lowercase hex key id>+<base64(0x01
    /// || public key)>`.
    pub fn verifier_key(&self) -> String {
        vkey(&self.name, self.key_id, &self.key.verifying_key())
    }

    /// The verifier for this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` and returns the signed note: the text, a blank line and
    /// the line `— <name> <base64(key id || signature)>`.
    ///
    /// The text must be non-empty, end with a newline and hold no control
    /// characters other than newline.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if !text.ends_with('\n') {
            return Err(NoteError::InvalidText("it must end with a newline"));
        }
        if text.chars().any(|c| c < ' ' && c != '\n') {
            return Err(NoteError::InvalidText(
                "it must not hold control characters other than newline",
            ));
        }
        let signature = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(4 + Signature::BYTE_SIZE);
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        ))
    }
}

/// A named Ed25519 public key that verifies note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key `<name>+<8 lowercase hex key id>+<base64(0x01
    /// || 32-byte Ed25519 public key)>` and checks that the key id is the
    /// one computed from the name and key. Weak (small-order) keys are
    /// refused.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let (name, key) = parse_vkey(vkey, ALG_ED25519)?;
        Ok(NoteVerifier {
            key_id: key_id(&name, &key),
            name,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier key string, as [`NoteVerifier::parse`] reads it.
    pub fn to_vkey(&self) -> String {
        vkey(&self.name, self.key_id, &self.key)
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks an Ed25519 signature over `text` (strict verification).
    fn verify(&self, text: &str, signature: &[u8]) -> bool {
        match Signature::from_slice(signature) {
            Ok(signature) => self.key.verify_strict(text.as_bytes(), &signature).is_ok(),
            Err(_) => false,
        }
    }
}

/// One signature line of a signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name on the line.
    pub name: String,
    /// The key id (first 4 bytes of the decoded signature, big-endian).
    pub key_id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
    /// Whether the signature is by one of the given verifiers and was
    /// checked; `false` for signatures by keys the caller did not supply.
    pub verified: bool,
}

/// An opened signed note: its text and its signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The note text, including its final newline.
    pub text: String,
    /// The signatures, in the order they appear, without repeats.
    pub signatures: Vec<NoteSignature>,
}

/// Splits a signed note and verifies it: at least one signature by one of
/// `verifiers` must be present and valid (Ed25519 strict); signatures from
/// unknown keys are kept but not checked (per spec); a signature line that
/// names a known key but fails is an error.
///
/// A key is known when both its name and key id match a verifier. Repeated
/// signatures by one key, and repeated identical unknown lines, are kept
/// once. At most [`MAX_SIGNATURES`] signature lines are accepted.
pub fn open(signed: &str, verifiers: &[NoteVerifier]) -> Result<Note, NoteError> {
    if signed.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::MalformedNote(
            "it holds control characters other than newline",
        ));
    }
    let split = signed.rfind("\n\n").ok_or(NoteError::MalformedNote(
        "no blank line before the signatures",
    ))?;
    let (text, sigs) = (&signed[..=split], &signed[split + 2..]);
    if sigs.is_empty() {
        return Err(NoteError::MalformedNote("no signature lines"));
    }
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(NoteError::MalformedNote(
            "the last signature line does not end with a newline",
        ));
    };

    let mut signatures = Vec::new();
    let mut seen_known = HashSet::new();
    let mut seen_unknown = HashSet::new();
    let mut any_verified = false;
    for (i, line) in sigs.split('\n').enumerate() {
        let line_no = i + 1;
        if line_no > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let malformed = |reason| NoteError::MalformedSignatureLine {
            line: line_no,
            reason,
        };
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or_else(|| malformed("it does not start with an em dash and a space"))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| malformed("no space between key name and signature"))?;
        if check_name(name).is_err() {
            return Err(malformed("invalid key name"));
        }
        let blob = BASE64
            .decode(b64)
            .map_err(|_| malformed("signature is not valid base64"))?;
        if blob.len() < 5 {
            return Err(malformed("signature is shorter than a key id and one byte"));
        }
        let key_id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        let signature = blob[4..].to_vec();

        let known = verifiers
            .iter()
            .find(|v| v.name == name && v.key_id == key_id);
        let Some(verifier) = known else {
            if seen_unknown.insert(line) {
                signatures.push(NoteSignature {
                    name: name.to_owned(),
                    key_id,
                    signature,
                    verified: false,
                });
            }
            continue;
        };
        // Every line by a known key is checked, repeats included.
        if !verifier.verify(text, &signature) {
            return Err(NoteError::InvalidSignature {
                name: name.to_owned(),
                key_id,
            });
        }
        any_verified = true;
        if !seen_known.insert((name, key_id)) {
            continue;
        }
        signatures.push(NoteSignature {
            name: name.to_owned(),
            key_id,
            signature,
            verified: true,
        });
    }
    if !any_verified {
        return Err(NoteError::NoKnownSignature);
    }
    Ok(Note {
        text: text.to_owned(),
        signatures,
    })
}
