//! The log entry: the exact bytes that are hashed into the tree and served in entry bundles.
//!
//! An entry is the canonical JSON (RFC 8785) of `{"envelope": <envelope>, "sequenced_at":
//! <timestamp>}`. The sequencer's timestamp sits inside the leaf, so log time is as
//! tamper-evident as the statements themselves.

use accord_envelope::canonical;
use accord_envelope::Envelope;
use serde::{Deserialize, Serialize};

use crate::rules::Rejection;
use crate::time::Timestamp;

/// The largest entry tlog-tiles can carry in an entry bundle (a 16-bit length prefix).
pub const MAX_ENTRY_BYTES: usize = 65_535;

/// One sequenced statement: a signed envelope and the time the sequencer accepted it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// The signed submission, unchanged.
    pub envelope: Envelope,
    /// The sequencer's clock when the entry was accepted.
    pub sequenced_at: Timestamp,
}

/// Leaf bytes that are not a well-formed entry.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// Not canonical JSON, or not the expected object.
    #[error("entry is not canonical JSON of {{\"envelope\", \"sequenced_at\"}}: {0}")]
    Shape(String),
    /// The envelope inside does not parse.
    #[error("entry envelope is invalid at {pointer}: {detail}")]
    Envelope {
        /// JSON pointer inside the envelope.
        pointer: String,
        /// What is wrong.
        detail: String,
    },
    /// The entry is larger than a tile entry can be.
    #[error(
        "entry is {0} bytes, more than the {MAX_ENTRY_BYTES}-byte limit of tlog-tiles entries"
    )]
    TooLarge(usize),
}

impl LogEntry {
    /// The leaf bytes, from the envelope's canonical bytes (already canonical, so this is a
    /// concatenation: `"envelope"` sorts before `"sequenced_at"`).
    pub fn to_leaf_bytes(&self) -> Vec<u8> {
        Self::leaf_bytes(&self.envelope.to_canonical_bytes(), self.sequenced_at)
    }

    /// Leaf bytes from an envelope's canonical bytes and a timestamp.
    pub fn leaf_bytes(envelope_canonical: &[u8], at: Timestamp) -> Vec<u8> {
        let ts = at.to_string();
        let mut out = Vec::with_capacity(envelope_canonical.len() + ts.len() + 32);
        out.extend_from_slice(b"{\"envelope\":");
        out.extend_from_slice(envelope_canonical);
        out.extend_from_slice(b",\"sequenced_at\":\"");
        out.extend_from_slice(ts.as_bytes());
        out.extend_from_slice(b"\"}");
        out
    }

    /// Parses leaf bytes, requiring their canonical form.
    pub fn from_leaf_bytes(bytes: &[u8]) -> Result<LogEntry, EntryError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        let value =
            canonical::require_canonical(bytes).map_err(|e| EntryError::Shape(e.to_string()))?;
        let serde_json::Value::Object(mut map) = value else {
            return Err(EntryError::Shape("not an object".into()));
        };
        let (Some(envelope), Some(at), 2) = (
            map.remove("envelope"),
            map.remove("sequenced_at"),
            map.len() + 2,
        ) else {
            return Err(EntryError::Shape(
                "members must be exactly `envelope` and `sequenced_at`".into(),
            ));
        };
        let at = at
            .as_str()
            .ok_or_else(|| EntryError::Shape("`sequenced_at` is not a string".into()))?
            .parse::<Timestamp>()
            .map_err(|e| EntryError::Shape(e.to_string()))?;
        let envelope = Envelope::from_value(envelope).map_err(|e| EntryError::Envelope {
            pointer: e.pointer().to_owned(),
            detail: e.to_string(),
        })?;
        Ok(LogEntry {
            envelope,
            sequenced_at: at,
        })
    }
}

impl From<EntryError> for Rejection {
    fn from(e: EntryError) -> Self {
        Rejection::malformed("malformed-entry", "", e.to_string())
    }
}

/// Where and when something happened in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRef {
    /// Entry index.
    pub index: u64,
    /// Entry timestamp.
    pub at: Timestamp,
}
