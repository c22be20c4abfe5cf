//! Identities and keys: party ids, Ed25519 key pairs, key ids and key files.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// A string that is not a valid identifier or key encoding.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Implements string serde and a JSON Schema (a string with `pattern`) for a type that
/// displays and parses as text.
macro_rules! string_serde {
    ($t:ty, $description:literal, $pattern:literal) => {
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": $description,
                    "pattern": $pattern
                })
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse()
                    .map_err(|e: ParseError| serde::de::Error::custom(e.0))
            }
        }
    };
}

/// The id of a party (or of the instance itself): 1–64 characters of `a-z`, `0-9`, `-`, `_`
/// and `.`, starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(String);

impl PartyId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PartyId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
        let first_ok = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if s.is_empty() || s.len() > 64 || !first_ok || !s.chars().all(ok_char) {
            return Err(ParseError(format!(
                "`{s}` is not a party id: use 1–64 characters of a-z, 0-9, `-`, `_` and `.`, \
                 starting with a letter or digit"
            )));
        }
        Ok(PartyId(s.to_owned()))
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(
    PartyId,
    "A party id: 1-64 characters of a-z, 0-9, `-`, `_` and `.`.",
    "^[a-z0-9][a-z0-9._-]{0,63}$"
);

/// Domain separator of key ids.
const KEY_ID_CONTEXT: &[u8] = b"accord-key-v1\n";

/// A short, stable name for a public key: the first 8 bytes of
/// SHA-256(`"accord-key-v1\n"` ‖ public key), written as 16 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 8]);

impl FromStr for KeyId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let bad = || {
            ParseError(format!(
                "`{s}` is not a key id: expected 16 lowercase hex digits"
            ))
        };
        if s.len() != 16 || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let mut id = [0u8; 8];
        hex::decode_to_slice(s, &mut id).map_err(|_| bad())?;
        Ok(KeyId(id))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
string_serde!(
    KeyId,
    "A key id: the first 8 bytes of SHA-256(\"accord-key-v1\\n\" || public key), in hex.",
    "^[0-9a-f]{16}$"
);

/// An Ed25519 public key, written as standard base64 of its 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Decodes a key, refusing non-canonical points and small-order ("weak") keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, ParseError> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| ParseError("not a valid Ed25519 public key (not a curve point)".into()))?;
        if key.is_weak() {
            return Err(ParseError(
                "Ed25519 public key is a small-order (weak) point".into(),
            ));
        }
        Ok(PublicKey(key))
    }

    /// Decodes standard base64 of 32 bytes.
    pub fn from_base64(s: &str) -> Result<Self, ParseError> {
        let bytes: [u8; 32] = B64
            .decode(s)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ParseError("public key must be standard base64 of 32 bytes".into()))?;
        Self::from_bytes(&bytes)
    }

    /// Standard base64 of the 32 key bytes.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }

    /// The raw key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// This key's id.
    pub fn key_id(&self) -> KeyId {
        let digest = Sha256::new()
            .chain_update(KEY_ID_CONTEXT)
            .chain_update(self.0.as_bytes())
            .finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }

    /// The `ed25519-dalek` key.
    pub fn as_dalek(&self) -> &VerifyingKey {
        &self.0
    }

    /// Strict Ed25519 verification (no malleable signatures, no weak keys).
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl FromStr for PublicKey {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::from_base64(s)
    }
}
string_serde!(
    PublicKey,
    "An Ed25519 public key: standard base64 of 32 bytes.",
    "^[A-Za-z0-9+/]{43}=$"
);

/// An Ed25519 signature, written as standard base64 of its 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    /// A signature from exactly 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ParseError> {
        bytes
            .try_into()
            .map(Signature)
            .map_err(|_| ParseError(format!("a signature is 64 bytes, not {}", bytes.len())))
    }

    /// Standard base64 of the 64 bytes.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base64())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl FromStr for Signature {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let bytes = B64
            .decode(s)
            .map_err(|_| ParseError("signature must be standard base64 of 64 bytes".into()))?;
        Self::from_slice(&bytes)
    }
}
string_serde!(
    Signature,
    "An Ed25519 signature: standard base64 of 64 bytes.",
    "^[A-Za-z0-9+/]{86}==$"
);

/// An Ed25519 key pair. `Debug` never prints the secret.
#[derive(Clone)]
pub struct KeyPair(SigningKey);

impl KeyPair {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Self {
        KeyPair(SigningKey::generate(&mut rand_core::OsRng))
    }

    /// The key pair whose secret seed is `seed` (deterministic; for demo worlds and tests).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        KeyPair(SigningKey::from_bytes(&seed))
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The public key's id.
    pub fn key_id(&self) -> KeyId {
        self.public_key().key_id()
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }

    /// The `ed25519-dalek` key.
    pub fn as_dalek(&self) -> &SigningKey {
        &self.0
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({}, secret redacted)", self.key_id())
    }
}

/// Why a key file could not be read or written.
#[derive(Debug, Error)]
pub enum KeyFileError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid Accord key file.
    #[error("{} is not a valid Accord key file: {detail}", path.display())]
    Format {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The file exists and overwriting was not asked for.
    #[error("{} already exists; refusing to overwrite a key", path.display())]
    Exists {
        /// The key file.
        path: PathBuf,
    },
}

/// A key on disk: JSON `{"key_id", "party", "public_key", "secret_key"}`, mode 0600.
///
/// `secret_key` is the base64 32-byte Ed25519 seed; `key_id` and `public_key` are stored for
/// people reading the file and checked against the secret when it is loaded.
#[derive(Clone, Debug)]
pub struct KeyFile {
    /// The party this key signs for, if it is bound to one yet.
    pub party: Option<PartyId>,
    /// The key pair.
    pub key: KeyPair,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileJson {
    key_id: KeyId,
    party: Option<PartyId>,
    public_key: PublicKey,
    secret_key: String,
}

impl KeyFile {
    /// Reads and checks a key file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, KeyFileError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| KeyFileError::Io {
            path: path.to_owned(),
            source,
        })?;
        let format = |detail: String| KeyFileError::Format {
            path: path.to_owned(),
            detail,
        };
        let json: KeyFileJson =
            serde_json::from_slice(&bytes).map_err(|e| format(e.to_string()))?;
        let seed: [u8; 32] = B64
            .decode(json.secret_key.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format("`secret_key` must be standard base64 of 32 bytes".into()))?;
        let key = KeyPair::from_seed(seed);
        if key.public_key() != json.public_key {
            return Err(format(
                "`public_key` does not belong to `secret_key`".into(),
            ));
        }
        if key.key_id() != json.key_id {
            return Err(format(format!(
                "`key_id` is {} but the key's id is {}",
                json.key_id,
                key.key_id()
            )));
        }
        Ok(KeyFile {
            party: json.party,
            key,
        })
    }

    /// Writes the key file with mode 0600, durably. With `overwrite` false an existing file is
    /// an error; with `overwrite` true the old file is replaced atomically.
    pub fn save(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<(), KeyFileError> {
        let path = path.as_ref();
        let io = |source| KeyFileError::Io {
            path: path.to_owned(),
            source,
        };
        let json = KeyFileJson {
            key_id: self.key.key_id(),
            party: self.party.clone(),
            public_key: self.key.public_key(),
            secret_key: B64.encode(self.key.0.to_bytes()),
        };
        let mut text = serde_json::to_vec_pretty(&json).expect("key file serializes");
        text.push(b'\n');
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        if !overwrite {
            let mut file = private_file(path, true).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    KeyFileError::Exists {
                        path: path.to_owned(),
                    }
                } else {
                    io(e)
                }
            })?;
            file.write_all(&text)
                .and_then(|()| file.sync_all())
                .map_err(io)?;
            return Ok(());
        }
        let tmp = path.with_extension("key.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut file = private_file(&tmp, true).map_err(io)?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

fn private_file(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(create_new);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_ids() {
        for ok in ["secretariat", "state-aldoria", "cert.eu", "a", "9x_y"] {
            assert_eq!(ok.parse::<PartyId>().unwrap().as_str(), ok);
        }
        for bad in ["", "-x", "Upper", "sp ace", "ünï", &"a".repeat(65)] {
            assert!(bad.parse::<PartyId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn key_ids_are_stable_and_strict() {
        let key = KeyPair::from_seed([7; 32]);
        let id = key.key_id();
        assert_eq!(id.to_string().len(), 16);
        assert_eq!(id.to_string().parse::<KeyId>().unwrap(), id);
        assert!(id.to_string().to_uppercase().parse::<KeyId>().is_err());
        assert!("abc".parse::<KeyId>().is_err());
        // The id is SHA-256 over the context and key, truncated: recompute it independently.
        let mut h = Sha256::new();
        h.update(b"accord-key-v1\n");
        h.update(key.public_key().to_bytes());
        assert_eq!(hex::encode(&h.finalize()[..8]), id.to_string());
    }

    #[test]
    fn public_keys_round_trip_and_refuse_weak_points() {
        let key = KeyPair::generate().public_key();
        assert_eq!(PublicKey::from_base64(&key.to_base64()).unwrap(), key);
        assert!(PublicKey::from_base64("AAAA").is_err());
        // The identity point (small order) is refused.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(PublicKey::from_bytes(&identity).is_err());
    }

    #[test]
    fn key_files_round_trip_privately_and_refuse_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/a.key");
        let file = KeyFile {
            party: Some("state-a".parse().unwrap()),
            key: KeyPair::generate(),
        };
        file.save(&path, false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = KeyFile::load(&path).unwrap();
        assert_eq!(back.party, file.party);
        assert_eq!(back.key.public_key(), file.key.public_key());
        assert!(matches!(
            file.save(&path, false),
            Err(KeyFileError::Exists { .. })
        ));
        file.save(&path, true).unwrap();
    }

    #[test]
    fn tampered_key_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.key");
        KeyFile {
            party: None,
            key: KeyPair::generate(),
        }
        .save(&path, false)
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let other = KeyPair::generate().public_key().to_base64();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["public_key"] = other.into();
        std::fs::write(&path, v.to_string()).unwrap();
        let err = KeyFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("does not belong"), "{err}");
        std::fs::write(&path, "{}").unwrap();
        assert!(KeyFile::load(&path).is_err());
        assert!(KeyFile::load(dir.path().join("missing.key")).is_err());
    }
}
