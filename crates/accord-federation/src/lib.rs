//! Following other instances. A council instance keeps a **read-only mirror** of another
//! instance's log, pulled through that instance's public endpoints only (`/checkpoints` and the
//! C2SP tlog-tiles entry bundles — never a private channel), and verified as it is pulled with
//! the same code `accord serve` replays its own log with ([`Core::catch_up`]): every envelope
//! signature, every rule of the regime, the state digest recorded with every checkpoint, and
//! the latest checkpoint's signature under the followed instance's key (configured, never taken
//! from the instance itself) and its Merkle root.
//!
//! A mirror only grows. Entries are taken one checkpoint at a time (the entries a checkpoint
//! covers, with it): the checkpoint's note must verify under the followed key and extend the
//! mirror before its entries are fetched, and the entries are written only after
//! [`Core::catch_up`] accepted them, read through a read-only overlay of the mirror. When
//! the followed instance shows something that does not verify — a forged entry, a state
//! digest that does not match, a checkpoint of another tree (a fork or a rollback) — the
//! mirror refuses it, keeps what it had verified, and says why: [`MirrorError`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_domain::entry::LogEntry;
use accord_sequencer::{Core, LedgerError};
use accord_store::{BatchWrite, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile};
use accord_store_sqlite::SqliteStore;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::{leaf_hash, Hash};
use accord_verify::{HttpSource, LogSource};
use serde::{Deserialize, Serialize};

/// An instance this one follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Followed {
    /// A short local name (letters, digits, `-`), also the mirror's file name.
    pub name: String,
    /// Where its public endpoints are, e.g. `https://africa.accord.example`.
    pub url: String,
    /// Its checkpoint verifier key (`<origin>+<key id>+<key>`), as its secretariat published
    /// it: the mirror trusts nothing the instance says about its own key.
    pub verifier_key: String,
}

impl Followed {
    /// Whether the entry is well formed, or what is wrong with it.
    pub fn check(&self) -> Result<NoteVerifier, MirrorError> {
        if self.name.is_empty()
            || self.name.len() > 64
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(MirrorError::Config(format!(
                "`{}` is not a name for a followed instance: 1–64 letters, digits or `-`",
                self.name
            )));
        }
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(MirrorError::Config(format!(
                "`{}` is not an http(s) URL",
                self.url
            )));
        }
        NoteVerifier::parse(&self.verifier_key).map_err(|e| {
            MirrorError::Config(format!(
                "`{}` is not a verifier key: {e}",
                self.verifier_key
            ))
        })
    }
}

/// Why a mirror could not be opened or grown.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The configuration is wrong.
    #[error("{0}")]
    Config(String),
    /// The followed instance could not be reached or answered something unreadable.
    #[error("reading {url}: {why}")]
    Source {
        /// Its URL.
        url: String,
        /// What went wrong.
        why: String,
    },
    /// The followed instance showed a log that does not verify: nothing of it was accepted.
    #[error("{name} ({url}) showed a log that does not verify, refused: {why}")]
    Refused {
        /// The followed instance's name.
        name: String,
        /// Its URL.
        url: String,
        /// What did not verify.
        why: String,
    },
    /// The local mirror file could not be read or written.
    #[error("mirror {path}: {why}")]
    Local {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

/// What one pull did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pulled {
    /// Entries verified and added.
    pub entries: u64,
    /// The mirror's size now (a checkpoint of the followed log).
    pub size: u64,
    /// The followed instance's latest published size when asked.
    pub remote: u64,
}

/// A verified, read-only mirror of a followed instance's log and its projected state.
pub struct Mirror {
    followed: Followed,
    verifier: NoteVerifier,
    path: PathBuf,
    store: Arc<SqliteStore>,
    core: Core,
}

impl Mirror {
    /// Opens (or creates) the mirror of `followed` in `dir` (`<dir>/<name>.db`) and replays
    /// what it holds, verified.
    pub fn open(dir: &Path, followed: Followed) -> Result<Mirror, MirrorError> {
        let verifier = followed.check()?;
        std::fs::create_dir_all(dir).map_err(|e| MirrorError::Local {
            path: dir.display().to_string(),
            why: e.to_string(),
        })?;
        let path = dir.join(format!("{}.db", followed.name));
        let local = |why: String| MirrorError::Local {
            path: path.display().to_string(),
            why,
        };
        let store = Arc::new(SqliteStore::open(&path).map_err(|e| local(e.to_string()))?);
        let core = Core::load(store.as_ref(), &verifier, &mut |_, _| {})
            .map_err(|e| local(format!("the mirror does not verify any more: {e}")))?;
        Ok(Mirror {
            followed,
            verifier,
            path,
            store,
            core,
        })
    }

    /// The followed instance.
    pub fn followed(&self) -> &Followed {
        &self.followed
    }

    /// The mirror's projection: state, tree and the followed instance's latest checkpoint it
    /// verified.
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The mirror's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn local(&self, why: String) -> MirrorError {
        MirrorError::Local {
            path: self.path.display().to_string(),
            why,
        }
    }

    fn refused(&self, why: impl Into<String>) -> MirrorError {
        MirrorError::Refused {
            name: self.followed.name.clone(),
            url: self.followed.url.clone(),
            why: why.into(),
        }
    }

    /// Pulls the followed log up to its latest checkpoint, one checkpoint at a time, each
    /// verified before the next is asked for. `progress(done, to_do)` is called after each.
    pub fn pull(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<Pulled, MirrorError> {
        let source = HttpSource::new(&self.followed.url);
        let unreachable = |why: String| MirrorError::Source {
            url: self.followed.url.clone(),
            why,
        };
        let start = self.core.tree().size();
        let mut remote = start;
        loop {
            let size = self.core.tree().size();
            let page = source
                .checkpoints_after(size, 1000)
                .map_err(|e| unreachable(e.to_string()))?;
            let Some(last) = page.last() else { break };
            remote = remote.max(last.tree_size);
            for cp in page {
                let from = self.core.tree().size();
                self.check_note(&cp.note, cp.tree_size, from)?;
                let fetched = source
                    .entries(from, cp.tree_size)
                    .map_err(|e| unreachable(e.to_string()))?;
                if fetched.len() as u64 != cp.tree_size - from {
                    return Err(self.refused(format!(
                        "entries {from}..{} answered with {} entries",
                        cp.tree_size,
                        fetched.len()
                    )));
                }
                let mut entries = Vec::with_capacity(fetched.len());
                for (i, e) in fetched.into_iter().enumerate() {
                    let index = from + i as u64;
                    let entry = LogEntry::from_leaf_bytes(&e.data)
                        .map_err(|why| self.refused(format!("entry {index}: {why}")))?;
                    entries.push(StoredEntry {
                        index,
                        leaf_hash: leaf_hash(&e.data),
                        envelope_hash: entry.envelope.hash(),
                        sequenced_at_ms: entry.sequenced_at.unix_ms(),
                        data: e.data,
                    });
                }
                let checkpoint = StoredCheckpoint {
                    tree_size: cp.tree_size,
                    note: cp.note,
                    state_digest: cp.state_digest,
                };
                // Verified before anything is written: the projection replays the store as
                // it would be with these entries (a read-only overlay), and only then are
                // they stored. A refusal leaves the mirror as it was.
                let staged = Staged {
                    base: Arc::clone(&self.store),
                    base_size: from,
                    entries,
                    checkpoint,
                };
                if let Err(e) = self.core.catch_up(&staged, &self.verifier, &mut |_, _| {}) {
                    // The projection may have applied part of what it refused: start it
                    // again from what the mirror holds.
                    self.core = Core::load(self.store.as_ref(), &self.verifier, &mut |_, _| {})
                        .map_err(|e| {
                            self.local(format!("the mirror does not verify any more: {e}"))
                        })?;
                    return Err(match e {
                        LedgerError::Store(e) => self.local(e.to_string()),
                        other => self.refused(other.to_string()),
                    });
                }
                let Staged {
                    entries,
                    checkpoint,
                    ..
                } = staged;
                self.store
                    .append_batch(&BatchWrite {
                        entries,
                        tiles: Vec::new(),
                        checkpoint: Some(checkpoint),
                    })
                    .map_err(|e| self.local(e.to_string()))?;
                progress(self.core.tree().size() - start, remote - start);
            }
        }
        Ok(Pulled {
            entries: self.core.tree().size() - start,
            size: self.core.tree().size(),
            remote,
        })
    }

    /// A checkpoint note must verify under the followed key, name its origin and extend the
    /// mirror; anything else is refused before its entries are fetched.
    fn check_note(&self, note_text: &str, size: u64, from: u64) -> Result<(), MirrorError> {
        let opened = note::open(note_text, std::slice::from_ref(&self.verifier))
            .map_err(|e| self.refused(format!("checkpoint {size}: {e}")))?;
        let checkpoint = Checkpoint::parse(&opened.text)
            .map_err(|e| self.refused(format!("checkpoint {size}: {e}")))?;
        if checkpoint.origin != self.verifier.name() {
            return Err(self.refused(format!(
                "checkpoint {size} is of the log `{}`, not `{}`",
                checkpoint.origin,
                self.verifier.name()
            )));
        }
        if checkpoint.size != size || size <= from {
            return Err(self.refused(format!(
                "a checkpoint of {} entries listed as {size} after {from}: the list does not extend the mirror",
                checkpoint.size
            )));
        }
        Ok(())
    }
}

/// The mirror's store as it would be with one more checkpoint's entries, read-only: what the
/// projection verifies before the entries are written.
struct Staged {
    base: Arc<SqliteStore>,
    base_size: u64,
    entries: Vec<StoredEntry>,
    checkpoint: StoredCheckpoint,
}

impl Store for Staged {
    fn append_batch(&self, _: &BatchWrite) -> Result<(), StoreError> {
        Err(StoreError::Backend(
            "a pull being verified is read-only".into(),
        ))
    }

    fn tree_size(&self) -> Result<u64, StoreError> {
        Ok(self.base_size + self.entries.len() as u64)
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let mut out = if start < self.base_size {
            self.base.entries(start, end.min(self.base_size))?
        } else {
            Vec::new()
        };
        let from = start.max(self.base_size) - self.base_size;
        let to = end
            .saturating_sub(self.base_size)
            .min(self.entries.len() as u64);
        if from < to {
            out.extend_from_slice(&self.entries[from as usize..to as usize]);
        }
        Ok(out)
    }

    fn index_of_envelope(&self, envelope_hash: &Hash) -> Result<Option<u64>, StoreError> {
        Ok(match self.base.index_of_envelope(envelope_hash)? {
            Some(i) => Some(i),
            None => self
                .entries
                .iter()
                .find(|e| &e.envelope_hash == envelope_hash)
                .map(|e| e.index),
        })
    }

    fn index_of_leaf(&self, leaf_hash: &Hash) -> Result<Option<u64>, StoreError> {
        Ok(match self.base.index_of_leaf(leaf_hash)? {
            Some(i) => Some(i),
            None => self
                .entries
                .iter()
                .find(|e| &e.leaf_hash == leaf_hash)
                .map(|e| e.index),
        })
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>, StoreError> {
        self.base.tile(level, index)
    }

    fn tiles(&self, level: u8, start: u64, limit: usize) -> Result<Vec<StoredTile>, StoreError> {
        self.base.tiles(level, start, limit)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(Some(self.checkpoint.clone()))
    }

    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        if tree_size == self.checkpoint.tree_size {
            return Ok(Some(self.checkpoint.clone()));
        }
        self.base.checkpoint_at(tree_size)
    }

    fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let mut out = self.base.checkpoints_after(after, limit)?;
        if out.len() < limit && self.checkpoint.tree_size > after {
            out.push(self.checkpoint.clone());
        }
        Ok(out)
    }
}
