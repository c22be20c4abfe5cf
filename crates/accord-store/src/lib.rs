//! The storage contract of an Accord instance.
//!
//! A [`Store`] keeps what the sequencer makes durable: the log entries, the tlog-tiles hash
//! tiles, and the signed checkpoints with the state digest recorded after each batch. It knows
//! nothing of signatures, JSON or HTTP: bytes in, bytes out. Every backend (SQLite today,
//! PostgreSQL later) must pass the same [`conformance`] suite.
//!
//! Invariants every backend keeps:
//! - the log is append-only: [`Store::append_batch`] is the only write, it is atomic (all of a
//!   batch or none of it) and durable when it returns;
//! - entry indexes are dense, start at 0 and follow the order of appends;
//! - one envelope hash maps to one entry (idempotent submission relies on it);
//! - tiles only grow, and checkpoints never go back to a smaller tree size.

#![warn(missing_docs)]

pub mod conformance;
pub mod vault;
pub mod vault_conformance;

pub use vault::{Sealed, Vault};

use thiserror::Error;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// One log entry as stored: the exact leaf bytes plus the values derived from them that the
/// server looks entries up by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// Position in the log, from 0.
    pub index: u64,
    /// RFC 6962 leaf hash of `data`.
    pub leaf_hash: Hash,
    /// SHA-256 of the canonical envelope inside the entry (the idempotency key).
    pub envelope_hash: Hash,
    /// Sequencer timestamp, Unix milliseconds (also inside `data`; kept for queries).
    pub sequenced_at_ms: u64,
    /// The leaf bytes exactly as hashed into the tree and served in entry bundles.
    pub data: Vec<u8>,
}

/// One hash tile as in C2SP tlog-tiles: `width` hashes of level `level`, concatenated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTile {
    /// Tile level (0 holds leaf hashes, 1 holds hashes of height 8, …).
    pub level: u8,
    /// Tile index within its level.
    pub index: u64,
    /// Concatenated 32-byte hashes; `data.len() / 32` is the width (1..=256).
    pub data: Vec<u8>,
}

/// A signed checkpoint as published after a batch, with the state digest of that batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size the checkpoint commits to.
    pub tree_size: u64,
    /// The full signed note text (C2SP signed-note over a tlog-checkpoint body).
    pub note: String,
    /// Digest of the projected state after the entries up to `tree_size`.
    pub state_digest: Hash,
}

/// Everything one batch makes durable, written in one transaction.
#[derive(Clone, Debug, Default)]
pub struct BatchWrite {
    /// New entries; their indexes continue the log without gaps.
    pub entries: Vec<StoredEntry>,
    /// Tiles created or grown by this batch (an existing tile is replaced by a wider one).
    pub tiles: Vec<StoredTile>,
    /// The checkpoint signed for the log after this batch.
    pub checkpoint: Option<StoredCheckpoint>,
}

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The batch does not continue the log: its first index is not the current size.
    #[error("batch starts at entry {got} but the log has {expected} entries")]
    NotContiguous {
        /// The index the next entry must have (the entries before it in the batch included).
        expected: u64,
        /// The index the batch gave it.
        got: u64,
    },
    /// An envelope with this hash is already in the log.
    #[error(
        "envelope {} is already stored as entry {index}",
        hex_prefix(envelope_hash)
    )]
    DuplicateEnvelope {
        /// The repeated envelope hash.
        envelope_hash: Hash,
        /// The entry already holding it; for a repeat inside one batch, the earlier entry of
        /// that batch (which, like the rest of the batch, was not written).
        index: u64,
    },
    /// A tile would shrink (tiles only ever grow until full).
    #[error("tile {level}/{index} would shrink from {stored} to {new} hashes")]
    TileShrinks {
        /// Tile level.
        level: u8,
        /// Tile index within the level.
        index: u64,
        /// Width (hashes) of the stored tile.
        stored: usize,
        /// Width (hashes) of the tile the batch would replace it with.
        new: usize,
    },
    /// A checkpoint would make the log smaller than the last one.
    #[error("checkpoint for size {new} is older than the stored checkpoint for size {stored}")]
    CheckpointGoesBack {
        /// Tree size of the latest stored checkpoint.
        stored: u64,
        /// Tree size of the batch's checkpoint.
        new: u64,
    },
    /// The data on disk is not what this version expects.
    #[error("store is corrupt or from an incompatible version: {0}")]
    Corrupt(String),
    /// The backend failed (I/O, locking, SQL).
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// This process does not hold the sequencer lease of a store that several processes share
    /// (another node sequences, or this one's lease ran out): nothing was written.
    #[error("not the sequencer: {0}")]
    Fenced(String),
}

/// Who holds the sequencer lease of a shared store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseHolder {
    /// The node's id (unique per process).
    pub node: String,
    /// Where the node takes writes (its advertised base URL), for forwarding.
    pub url: String,
    /// The fencing token of this tenure: it grows with every change of holder.
    pub token: u64,
    /// The holder's proof that it belongs to the instance (a signature over node and URL by
    /// a key only the instance's nodes hold), checked before anyone hands it a write.
    pub claim: String,
    /// Milliseconds until the lease runs out unless renewed.
    pub expires_in_ms: u64,
}

/// The sequencer lease of a store shared by several processes (a database server): at most one
/// holds it at a time, and the store refuses every batch (with [`StoreError::Fenced`]) inside
/// the very transaction that would commit it, unless the lease it was taken under is still
/// this process's and unexpired. A process that was paused or cut off past its lease therefore
/// commits nothing after another took over.
pub trait Lease: Send + Sync {
    /// Takes the lease for `ttl_ms` if it is free, expired or already this node's (renewing it
    /// then), as node `node` reachable at `url`, with `claim` (see [`LeaseHolder::claim`]).
    /// Returns the fencing token when this node holds the lease afterwards, `None` when another
    /// live node does.
    fn acquire(
        &self,
        node: &str,
        url: &str,
        claim: &str,
        ttl_ms: u64,
    ) -> Result<Option<u64>, StoreError>;
    /// Gives the lease up at once (a clean shutdown), so that another node need not wait for it
    /// to run out.
    fn release(&self) -> Result<(), StoreError>;
    /// The current live holder, if any.
    fn holder(&self) -> Result<Option<LeaseHolder>, StoreError>;
    /// The token this process holds (as far as it knows; the store has the last word).
    fn held(&self) -> Option<u64>;
}

fn hex_prefix(h: &Hash) -> String {
    h[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// For backends: appends `entry` to the entries read from `start` on, refusing a gap (a
/// missing row reads as [`StoreError::Corrupt`], never as a shorter log).
pub fn push_dense(
    out: &mut Vec<StoredEntry>,
    start: u64,
    entry: StoredEntry,
) -> Result<(), StoreError> {
    let expected = start + out.len() as u64;
    if entry.index != expected {
        return Err(StoreError::Corrupt(format!(
            "table entries: row idx = {expected} is missing (the next row is idx = {})",
            entry.index
        )));
    }
    out.push(entry);
    Ok(())
}

/// Refuses a tile that would be narrower than the `stored_width` hashes already stored (or
/// written earlier in the same batch): tiles only grow until full.
pub fn check_tile_grows(tile: &StoredTile, stored_width: usize) -> Result<(), StoreError> {
    let new = tile.data.len() / 32;
    if new < stored_width {
        return Err(StoreError::TileShrinks {
            level: tile.level,
            index: tile.index,
            stored: stored_width,
            new,
        });
    }
    Ok(())
}

/// For backends: refuses a batch whose entries do not continue a log of `size` entries.
pub fn check_contiguous(size: u64, entries: &[StoredEntry]) -> Result<(), StoreError> {
    for (offset, entry) in entries.iter().enumerate() {
        let expected = size + offset as u64;
        if entry.index != expected {
            return Err(StoreError::NotContiguous {
                expected,
                got: entry.index,
            });
        }
    }
    Ok(())
}

/// The durable home of one instance's log.
///
/// Methods take `&self`: a backend serialises writers and lets readers run concurrently.
pub trait Store: Send + Sync + 'static {
    /// Appends a batch atomically and durably (fsync'd before returning).
    ///
    /// The batch is refused, and nothing of it written, when its entries do not continue the
    /// log ([`StoreError::NotContiguous`]), repeat an envelope hash already stored or earlier
    /// in the batch ([`StoreError::DuplicateEnvelope`]), narrow a stored tile
    /// ([`StoreError::TileShrinks`]; an equal or wider tile replaces it), or carry a
    /// checkpoint for a smaller tree size than the latest stored one
    /// ([`StoreError::CheckpointGoesBack`]; one for the same size replaces it). A batch with
    /// no entries (only a checkpoint, say) is fine.
    fn append_batch(&self, batch: &BatchWrite) -> Result<(), StoreError>;
    /// Number of entries in the log.
    fn tree_size(&self) -> Result<u64, StoreError>;
    /// Entries with `start <= index < end`, in order (fewer if the log is shorter).
    fn entries(&self, start: u64, end: u64) -> Result<Vec<StoredEntry>, StoreError>;
    /// The entry at `index`, if any.
    fn entry(&self, index: u64) -> Result<Option<StoredEntry>, StoreError> {
        Ok(self.entries(index, index.saturating_add(1))?.pop())
    }
    /// Index of the entry holding the envelope with this hash.
    fn index_of_envelope(&self, envelope_hash: &Hash) -> Result<Option<u64>, StoreError>;
    /// Index of the entry with this leaf hash.
    fn index_of_leaf(&self, leaf_hash: &Hash) -> Result<Option<u64>, StoreError>;
    /// [`Store::index_of_envelope`] for several envelopes at once, in order (a backend across a
    /// network answers in one round trip).
    fn indexes_of_envelopes(&self, hashes: &[Hash]) -> Result<Vec<Option<u64>>, StoreError> {
        hashes.iter().map(|h| self.index_of_envelope(h)).collect()
    }
    /// The stored tile at `level`/`index` at its current width.
    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>, StoreError>;
    /// All tiles of one level with `index >= start`, in index order (used to load the tree).
    fn tiles(&self, level: u8, start: u64, limit: usize) -> Result<Vec<StoredTile>, StoreError>;
    /// The newest checkpoint.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// The checkpoint for exactly this tree size.
    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// Checkpoints with `tree_size > after`, oldest first, at most `limit`.
    fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// The sequencer lease, for a store that several processes may write (`None`: one
    /// process owns the store, as with an SQLite file and its lock).
    fn lease(&self) -> Option<&dyn Lease> {
        None
    }
}
