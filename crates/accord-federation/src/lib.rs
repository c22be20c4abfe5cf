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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

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

    /// Pulls the followed log up to its latest checkpoint, one checkpoint at a time, each
    /// verified before the next is asked for. `progress(done, to_do)` is called after each.
    pub fn pull(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<Pulled, MirrorError> {
        let fetcher = self.fetcher();
        let start = self.size();
        let mut remote = start;
        loop {
            let batch = fetcher.fetch(self.size())?;
            if batch.checkpoints.is_empty() {
                break;
            }
            remote = remote.max(batch.remote);
            for checkpoint in batch.checkpoints {
                self.apply(checkpoint)?;
                progress(self.size() - start, remote - start);
            }
        }
        Ok(Pulled {
            entries: self.size() - start,
            size: self.size(),
            remote,
        })
    }

    /// Entries mirrored (a checkpoint of the followed log).
    pub fn size(&self) -> u64 {
        self.core.tree().size()
    }

    /// What fetches from the followed instance for this mirror; it needs no access to the
    /// mirror, so a server fetches without holding it.
    pub fn fetcher(&self) -> Fetcher {
        Fetcher {
            followed: self.followed.clone(),
            verifier: self.verifier.clone(),
            source: HttpSource::new(&self.followed.url),
        }
    }

    /// Verifies one fetched checkpoint with its entries and, if it verifies, writes it: the
    /// projection replays the store as it would be with these entries (a read-only overlay)
    /// before anything is written, so a refusal leaves the mirror as it was.
    pub fn apply(&mut self, fetched: FetchedCheckpoint) -> Result<(), MirrorError> {
        let from = self.size();
        if fetched.from != from {
            return Err(self.local(format!(
                "entries fetched from {} do not continue the mirror at {from}",
                fetched.from
            )));
        }
        let staged = Staged {
            base: Arc::clone(&self.store),
            base_size: from,
            entries: fetched.entries,
            checkpoint: fetched.checkpoint,
        };
        if let Err(e) = self.core.catch_up(&staged, &self.verifier, &mut |_, _| {}) {
            // The projection may have applied part of what it refused: start it again from
            // what the mirror holds.
            self.core = Core::load(self.store.as_ref(), &self.verifier, &mut |_, _| {})
                .map_err(|e| self.local(format!("the mirror does not verify any more: {e}")))?;
            return Err(match e {
                LedgerError::Store(e) => self.local(e.to_string()),
                other => refused(&self.followed, other.to_string()),
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
            .map_err(|e| self.local(e.to_string()))
    }

    fn local(&self, why: String) -> MirrorError {
        MirrorError::Local {
            path: self.path.display().to_string(),
            why,
        }
    }
}

/// One checkpoint of the followed log with the entries it adds, fetched but not verified yet.
pub struct FetchedCheckpoint {
    from: u64,
    entries: Vec<StoredEntry>,
    checkpoint: StoredCheckpoint,
}

/// What one fetch brought: checkpoints in order, each with its entries.
pub struct Fetched {
    /// The checkpoints, oldest first.
    pub checkpoints: Vec<FetchedCheckpoint>,
    /// The largest size the followed instance listed.
    pub remote: u64,
}

/// Reads a followed instance's public endpoints for a mirror.
pub struct Fetcher {
    followed: Followed,
    verifier: NoteVerifier,
    source: HttpSource,
}

/// Entries one fetch brings at most (it always brings at least one checkpoint's).
const FETCH_ENTRIES: u64 = 10_000;

impl Fetcher {
    /// The followed instance's next checkpoints after `from` (up to about
    /// [`FETCH_ENTRIES`] entries), each note checked against the followed key, origin and
    /// order before its entries are asked for.
    pub fn fetch(&self, from: u64) -> Result<Fetched, MirrorError> {
        let unreachable = |why: String| MirrorError::Source {
            url: self.followed.url.clone(),
            why,
        };
        let page = self
            .source
            .checkpoints_after(from, 1000)
            .map_err(|e| unreachable(e.to_string()))?;
        let remote = page.last().map_or(from, |c| c.tree_size);
        let mut out = Vec::new();
        let mut at = from;
        for cp in page {
            if at > from && cp.tree_size - from > FETCH_ENTRIES {
                break;
            }
            self.check_note(&cp.note, cp.tree_size, at)?;
            let fetched = self
                .source
                .entries(at, cp.tree_size)
                .map_err(|e| unreachable(e.to_string()))?;
            if fetched.len() as u64 != cp.tree_size - at {
                return Err(refused(
                    &self.followed,
                    format!(
                        "entries {at}..{} answered with {} entries",
                        cp.tree_size,
                        fetched.len()
                    ),
                ));
            }
            let mut entries = Vec::with_capacity(fetched.len());
            for (i, e) in fetched.into_iter().enumerate() {
                let index = at + i as u64;
                let entry = LogEntry::from_leaf_bytes(&e.data)
                    .map_err(|why| refused(&self.followed, format!("entry {index}: {why}")))?;
                entries.push(StoredEntry {
                    index,
                    leaf_hash: leaf_hash(&e.data),
                    envelope_hash: entry.envelope.hash(),
                    sequenced_at_ms: entry.sequenced_at.unix_ms(),
                    data: e.data,
                });
            }
            out.push(FetchedCheckpoint {
                from: at,
                entries,
                checkpoint: StoredCheckpoint {
                    tree_size: cp.tree_size,
                    note: cp.note,
                    state_digest: cp.state_digest,
                },
            });
            at = cp.tree_size;
        }
        Ok(Fetched {
            checkpoints: out,
            remote,
        })
    }

    /// A checkpoint note must verify under the followed key, name its origin and extend the
    /// mirror; anything else is refused before its entries are fetched.
    fn check_note(&self, note_text: &str, size: u64, from: u64) -> Result<(), MirrorError> {
        let opened = note::open(note_text, std::slice::from_ref(&self.verifier))
            .map_err(|e| refused(&self.followed, format!("checkpoint {size}: {e}")))?;
        let checkpoint = Checkpoint::parse(&opened.text)
            .map_err(|e| refused(&self.followed, format!("checkpoint {size}: {e}")))?;
        if checkpoint.origin != self.verifier.name() {
            return Err(refused(
                &self.followed,
                format!(
                    "checkpoint {size} is of the log `{}`, not `{}`",
                    checkpoint.origin,
                    self.verifier.name()
                ),
            ));
        }
        if checkpoint.size != size || size <= from {
            return Err(refused(&self.followed, format!(
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

fn refused(followed: &Followed, why: impl Into<String>) -> MirrorError {
    MirrorError::Refused {
        name: followed.name.clone(),
        url: followed.url.clone(),
        why: why.into(),
    }
}

/// How a followed instance's mirror stands, for a server's pages.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Status {
    /// When the last pull ended (Unix milliseconds), if one did.
    pub pulled_at_ms: Option<u64>,
    /// The followed instance's latest size it listed.
    pub remote: u64,
    /// Why the last pull stopped, if it did not reach the followed instance's latest
    /// checkpoint.
    pub error: Option<String>,
}

struct Kept {
    mirror: RwLock<Mirror>,
    fetcher: Fetcher,
    status: Mutex<Status>,
}

/// The mirrors a server keeps, pulled in the background ([`Federation::run`]) while pages
/// read them ([`Federation::each`]): a pull fetches without holding its mirror, and holds it
/// only to verify and write what it fetched.
pub struct Federation {
    kept: Vec<Kept>,
}

impl Federation {
    /// Opens the mirror of each followed instance in `dir`, verified.
    pub fn open(dir: &Path, followed: Vec<Followed>) -> Result<Federation, MirrorError> {
        let kept = followed
            .into_iter()
            .map(|f| {
                let mirror = Mirror::open(dir, f)?;
                Ok(Kept {
                    fetcher: mirror.fetcher(),
                    mirror: RwLock::new(mirror),
                    status: Mutex::new(Status::default()),
                })
            })
            .collect::<Result<_, MirrorError>>()?;
        Ok(Federation { kept })
    }

    /// `read` over each mirror: what is followed, the mirror's projection, its status.
    pub fn each<T>(&self, mut read: impl FnMut(&Followed, &Core, &Status) -> T) -> Vec<T> {
        self.kept
            .iter()
            .map(|k| {
                let mirror = k.mirror.read().unwrap_or_else(|p| p.into_inner());
                let status = k.status.lock().unwrap_or_else(|p| p.into_inner()).clone();
                read(mirror.followed(), mirror.core(), &status)
            })
            .collect()
    }

    /// Pulls every mirror up to its followed instance's latest checkpoint (or the first thing
    /// that stops it, kept in its status).
    pub fn pull_round(&self) {
        for k in &self.kept {
            let result = (|| -> Result<u64, MirrorError> {
                let mut remote = 0;
                loop {
                    let from = k.mirror.read().unwrap_or_else(|p| p.into_inner()).size();
                    let fetched = k.fetcher.fetch(from)?;
                    remote = remote.max(fetched.remote).max(from);
                    if fetched.checkpoints.is_empty() {
                        return Ok(remote);
                    }
                    let mut mirror = k.mirror.write().unwrap_or_else(|p| p.into_inner());
                    for checkpoint in fetched.checkpoints {
                        mirror.apply(checkpoint)?;
                    }
                }
            })();
            let mut status = k.status.lock().unwrap_or_else(|p| p.into_inner());
            status.pulled_at_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_millis() as u64);
            match result {
                Ok(remote) => {
                    status.remote = remote;
                    status.error = None;
                }
                Err(e) => status.error = Some(e.to_string()),
            }
        }
    }

    /// Pulls every `every` until `stop` is set.
    pub fn run(&self, stop: &AtomicBool, every: Duration) {
        let mut last: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            if last.is_none_or(|l| l.elapsed() >= every) {
                self.pull_round();
                last = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
