//! Receipts: what a submitter keeps to prove, offline and without trusting the server, that
//! its statement is in the log — the entry, its index, an RFC 9162 inclusion proof and the
//! signed checkpoint the proof leads to.

use accord_domain::LogEntry;
use accord_envelope::{canonical, PublicKey};
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::{leaf_hash, verify_inclusion, Hash};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Proof that one entry is in the log at a signed checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Index of the entry in the log.
    pub index: u64,
    /// RFC 6962 leaf hash of the entry, hex.
    pub leaf_hash: String,
    /// The entry as logged (its RFC 8785 form is the leaf).
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
    /// Inclusion proof hashes, base64, from leaf to root (RFC 9162 §2.1.3).
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP signed-note over a tlog-checkpoint body).
    pub checkpoint: String,
    /// The signer's public key (base64), so the envelope signature can be checked too.
    pub signer_public_key: String,
}

/// What a successful receipt check established.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedReceipt {
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
    /// The entry index.
    pub index: u64,
    /// The entry.
    pub entry: LogEntry,
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The entry inside the receipt is malformed.
    #[error("the receipt's entry is malformed: {0}")]
    Entry(String),
    /// The stated leaf hash is not the hash of the entry.
    #[error("leaf hash {stated} in the receipt is not the hash of its entry ({computed})")]
    LeafHash {
        /// As stated.
        stated: String,
        /// As computed.
        computed: String,
    },
    /// The checkpoint's signature or form is wrong.
    #[error("the receipt's checkpoint does not verify: {0}")]
    Checkpoint(String),
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("inclusion proof for entry {index} does not lead to the root of the checkpoint (size {size}): {reason}")]
    Inclusion {
        /// Entry index.
        index: u64,
        /// Checkpoint size.
        size: u64,
        /// Why.
        reason: String,
    },
    /// The envelope's signature does not verify with the stated key.
    #[error("the entry's envelope signature does not verify: {0}")]
    Signature(String),
}

impl Receipt {
    /// Builds a receipt.
    pub fn new(
        index: u64,
        leaf: &[u8],
        proof: &[Hash],
        checkpoint_note: &str,
        signer_key: &PublicKey,
    ) -> Receipt {
        // Leaf bytes are canonical JSON produced by the sequencer; parsing cannot fail.
        let entry = serde_json::from_slice(leaf).unwrap_or(serde_json::Value::Null);
        Receipt {
            index,
            leaf_hash: hex::encode(leaf_hash(leaf)),
            entry,
            inclusion_proof: proof.iter().map(|h| B64.encode(h)).collect(),
            checkpoint: checkpoint_note.to_owned(),
            signer_public_key: signer_key.to_base64(),
        }
    }

    /// Checks the receipt offline against the instance's checkpoint verifier key.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<VerifiedReceipt, ReceiptError> {
        let leaf =
            canonical::canonicalize(&self.entry).map_err(|e| ReceiptError::Entry(e.to_string()))?;
        let entry =
            LogEntry::from_leaf_bytes(&leaf).map_err(|e| ReceiptError::Entry(e.to_string()))?;
        let computed = leaf_hash(&leaf);
        if hex::encode(computed) != self.leaf_hash {
            return Err(ReceiptError::LeafHash {
                stated: self.leaf_hash.clone(),
                computed: hex::encode(computed),
            });
        }
        let opened = note::open(&self.checkpoint, std::slice::from_ref(verifier))
            .map_err(|e| ReceiptError::Checkpoint(e.to_string()))?;
        let checkpoint =
            Checkpoint::parse(&opened.text).map_err(|e| ReceiptError::Checkpoint(e.to_string()))?;
        let proof = self
            .inclusion_proof
            .iter()
            .map(|h| decode_hash(h))
            .collect::<Option<Vec<Hash>>>()
            .ok_or_else(|| ReceiptError::Inclusion {
                index: self.index,
                size: checkpoint.size,
                reason: "a proof hash is not base64 of 32 bytes".into(),
            })?;
        verify_inclusion(
            &computed,
            self.index,
            checkpoint.size,
            &proof,
            &checkpoint.root,
        )
        .map_err(|e| ReceiptError::Inclusion {
            index: self.index,
            size: checkpoint.size,
            reason: e.to_string(),
        })?;
        let key = PublicKey::from_base64(&self.signer_public_key)
            .map_err(|e| ReceiptError::Signature(e.to_string()))?;
        entry
            .envelope
            .verify(&key)
            .map_err(|e| ReceiptError::Signature(e.to_string()))?;
        Ok(VerifiedReceipt {
            checkpoint,
            index: self.index,
            entry,
        })
    }
}

fn decode_hash(s: &str) -> Option<Hash> {
    B64.decode(s).ok()?.try_into().ok()
}
