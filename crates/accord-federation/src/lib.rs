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
//!
//! A fork becomes evidence. Before taking anything past what it holds, a mirror asks the
//! followed instance for a consistency proof from its own latest checkpoint to the next one
//! (and compares any checkpoint listed at its own size). When the followed instance has
//! signed two trees that cannot both be true, the mirror keeps a C2SP-style **equivocation
//! proof** (`<name>.equivocation.json` beside the mirror, the same document a witness makes:
//! [`Equivocation`], checked offline by `accord verify-equivocation`) and pulls nothing more
//! from that instance: [`MirrorError::Equivocated`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use accord_domain::entry::LogEntry;
use accord_domain::norms::negotiation::RecognitionRecord;
use accord_sequencer::{Core, LedgerError};
use accord_store::{BatchWrite, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile};
use accord_store_sqlite::SqliteStore;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::{leaf_hash, verify_consistency, Hash, Tree};
use accord_verify::{HttpSource, LogSource};
pub use accord_witness::equivocation::Equivocation;
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

/// Whether the regime here recognizes a followed instance (a recognition instrument in
/// force for its log) and with the key this instance follows it with.
#[derive(Clone, Copy, Debug)]
pub enum Recognized<'a> {
    /// Recognized with this key: what the record lists counts here.
    Yes(&'a RecognitionRecord),
    /// Recognized, but with another key than the one followed: the mirror does not check
    /// the log the regime agreed on.
    OtherKey(&'a RecognitionRecord),
    /// Not recognized: its record is shown for information and counts for nothing here.
    No,
}

impl Recognized<'_> {
    /// In words, for pages and the command line.
    pub fn describe(&self) -> String {
        match self {
            Recognized::Yes(r) => format!(
                "recognized by instrument {}: its {} count here",
                r.instrument,
                r.instance.counts_in_words()
            ),
            Recognized::OtherKey(r) => format!(
                "recognized by instrument {} with another key ({}): this mirror does not check the log the regime recognized",
                r.instrument, r.instance.verifier_key
            ),
            Recognized::No => "not recognized here: shown for information only".into(),
        }
    }
}

/// The regime's recognitions of other instances, withdrawn ones included (none before a
/// charter): what [`Followed::recognized`] reads.
pub fn recognitions_of(state: &accord_domain::State) -> BTreeMap<String, RecognitionRecord> {
    state
        .regime()
        .map(|r| r.recognitions.clone())
        .unwrap_or_default()
}

impl Followed {
    /// The log's origin (the verifier key's name).
    pub fn origin(&self) -> &str {
        self.verifier_key.split('+').next().unwrap_or_default()
    }

    /// Whether the regime recognizes this instance, and with this key (`recognitions`: the
    /// regime's record, [`accord_domain::norms::negotiation::Regime::recognitions`]).
    pub fn recognized<'a>(
        &self,
        recognitions: &'a BTreeMap<String, RecognitionRecord>,
    ) -> Recognized<'a> {
        match recognitions
            .get(self.origin())
            .filter(|r| r.withdrawn.is_none())
        {
            Some(r) if r.instance.verifier_key == self.verifier_key => Recognized::Yes(r),
            Some(r) => Recognized::OtherKey(r),
            None => Recognized::No,
        }
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
    /// The followed instance signed two checkpoints that cannot both be true: the proof is
    /// kept beside the mirror, which takes nothing more from it.
    #[error("{name} ({url}) equivocated — {finding}; the proof is kept in {kept}, and nothing more is taken from it")]
    Equivocated {
        /// The followed instance's name.
        name: String,
        /// Its URL.
        url: String,
        /// What cannot both be true, in words.
        finding: String,
        /// Where the proof is kept.
        kept: String,
        /// The proof.
        proof: Box<Equivocation>,
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
    equivocation: Option<Equivocation>,
}

/// The latest checkpoint a mirror verified: what the next one must be consistent with.
#[derive(Clone, Debug)]
pub struct Head {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
    /// The note, as the followed instance signed it.
    pub note: String,
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
        let kept = equivocation_path(dir, &followed.name);
        let equivocation = match std::fs::read(&kept) {
            Ok(bytes) => {
                let proof: Equivocation =
                    serde_json::from_slice(&bytes).map_err(|e| MirrorError::Local {
                        path: kept.display().to_string(),
                        why: format!("the kept equivocation proof does not parse: {e}"),
                    })?;
                // A proof about the key followed now; one about another key (the instance
                // was followed again after a key rotation) stays on disk as evidence but does
                // not stop this mirror.
                proof.verify(&verifier).is_ok().then_some(proof)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(MirrorError::Local {
                    path: kept.display().to_string(),
                    why: e.to_string(),
                })
            }
        };
        Ok(Mirror {
            followed,
            verifier,
            path,
            store,
            core,
            equivocation,
        })
    }

    /// The proof that the followed instance equivocated, if the mirror caught it.
    pub fn equivocation(&self) -> Option<&Equivocation> {
        self.equivocation.as_ref()
    }

    /// The latest checkpoint the mirror verified.
    pub fn head(&self) -> Option<Head> {
        self.core.published().map(|p| Head {
            size: p.checkpoint.size,
            root: p.checkpoint.root,
            note: p.note.clone(),
        })
    }

    /// Keeps `proof` beside the mirror (written whole, then renamed into place) and stops
    /// taking anything from the followed instance; the error says so.
    pub fn record_equivocation(&mut self, proof: Equivocation) -> MirrorError {
        let finding = match proof.verify(&self.verifier) {
            Ok(proven) => proven.finding,
            Err(e) => {
                return self.local(format!("an equivocation proof that does not verify: {e}"))
            }
        };
        let kept = self.equivocation_path();
        let written = (|| -> std::io::Result<()> {
            let tmp = kept.with_extension("json.tmp");
            let mut text = serde_json::to_string_pretty(&proof)?;
            text.push('\n');
            std::fs::write(&tmp, text)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &kept)
        })();
        if let Err(e) = written {
            return self.local(format!(
                "keeping the equivocation proof in {}: {e}",
                kept.display()
            ));
        }
        self.equivocation = Some(proof.clone());
        self.equivocated(finding, proof)
    }

    fn equivocated(&self, finding: String, proof: Equivocation) -> MirrorError {
        MirrorError::Equivocated {
            name: self.followed.name.clone(),
            url: self.followed.url.clone(),
            finding,
            kept: self.equivocation_path().display().to_string(),
            proof: Box::new(proof),
        }
    }

    fn equivocation_path(&self) -> PathBuf {
        equivocation_path(
            self.path.parent().unwrap_or(Path::new(".")),
            &self.followed.name,
        )
    }

    /// Refuses to go on when the followed instance was caught equivocating.
    fn usable(&self) -> Result<(), MirrorError> {
        match &self.equivocation {
            None => Ok(()),
            Some(proof) => {
                Err(self.equivocated(finding_under(&self.verifier, proof), proof.clone()))
            }
        }
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
        self.usable()?;
        let fetcher = self.fetcher();
        let start = self.size();
        let mut remote = start;
        loop {
            let batch = match fetcher.fetch(self.size(), self.head().as_ref()) {
                Err(MirrorError::Equivocated { proof, .. }) => {
                    return Err(self.record_equivocation(*proof))
                }
                other => other?,
            };
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
    /// order before its entries are asked for. `head` is the mirror's latest checkpoint (of
    /// size `from`): a checkpoint listed at its size must be it, and the next one must be
    /// consistent with it by the followed instance's own proof — otherwise the followed
    /// instance equivocated and the answer is [`MirrorError::Equivocated`] with the proof
    /// (not yet kept: [`Mirror::record_equivocation`] keeps it).
    pub fn fetch(&self, from: u64, head: Option<&Head>) -> Result<Fetched, MirrorError> {
        let unreachable = |why: String| MirrorError::Source {
            url: self.followed.url.clone(),
            why,
        };
        let mut page = self
            .source
            .checkpoints_after(from.saturating_sub(1), 1000)
            .map_err(|e| unreachable(e.to_string()))?;
        if let Some(head) = head {
            if page.first().is_some_and(|c| c.tree_size == head.size) {
                let same = page.remove(0);
                let theirs = self.check_note(&same.note, head.size, head.size.saturating_sub(1))?;
                if theirs.root != head.root {
                    return Err(self.equivocation(Equivocation::same_size(
                        self.verifier.name(),
                        &head.note,
                        &same.note,
                    )));
                }
            }
            if let Some(next) = page.first() {
                self.check_note(&next.note, next.tree_size, from)?;
                self.consistent(head, &next.note)?;
            }
        } else {
            page.retain(|c| c.tree_size > from);
        }
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

    /// Whether the checkpoint `next` (its note already checked) extends `head` by the
    /// followed instance's consistency proof; if the proof leads to `next`'s root and shows
    /// another tree at `head`'s size, the followed instance equivocated.
    fn consistent(&self, head: &Head, next: &str) -> Result<(), MirrorError> {
        let unreachable = |why: String| MirrorError::Source {
            url: self.followed.url.clone(),
            why,
        };
        let next_checkpoint =
            opened_checkpoint(next, &self.verifier).map_err(|why| refused(&self.followed, why))?;
        let proof = self
            .source
            .consistency_proof(head.size, next_checkpoint.size)
            .map_err(|e| unreachable(e.to_string()))?;
        if verify_consistency(
            head.size,
            next_checkpoint.size,
            &head.root,
            &next_checkpoint.root,
            &proof,
        )
        .is_ok()
        {
            return Ok(());
        }
        // When the mirror's size is a power of two the proof does not carry the root the
        // followed instance now claims for it: compute it from the entries it serves.
        let prefix_root = if head.size.is_power_of_two() {
            let entries = self
                .source
                .entries(0, head.size)
                .map_err(|e| unreachable(e.to_string()))?;
            let mut tree = Tree::new();
            for e in &entries {
                tree.push(leaf_hash(&e.data));
            }
            Some(tree.root())
        } else {
            None
        };
        match Equivocation::from_failed_proof(&self.verifier, &head.note, next, &proof, prefix_root)
        {
            Some(proof) => Err(self.equivocation(proof)),
            None => Err(refused(
                &self.followed,
                format!(
                    "its consistency proof from the mirror's checkpoint {} to its checkpoint {} does not verify",
                    head.size, next_checkpoint.size
                ),
            )),
        }
    }

    fn equivocation(&self, proof: Equivocation) -> MirrorError {
        MirrorError::Equivocated {
            name: self.followed.name.clone(),
            url: self.followed.url.clone(),
            finding: finding_under(&self.verifier, &proof),
            kept: String::new(),
            proof: Box::new(proof),
        }
    }

    /// A checkpoint note must verify under the followed key, name its origin and extend the
    /// mirror; anything else is refused before its entries are fetched.
    fn check_note(&self, note_text: &str, size: u64, from: u64) -> Result<Checkpoint, MirrorError> {
        let checkpoint = opened_checkpoint(note_text, &self.verifier)
            .map_err(|why| refused(&self.followed, format!("checkpoint {size}: {why}")))?;
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
        Ok(checkpoint)
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

fn opened_checkpoint(note_text: &str, verifier: &NoteVerifier) -> Result<Checkpoint, String> {
    let opened =
        note::open(note_text, std::slice::from_ref(verifier)).map_err(|e| e.to_string())?;
    Checkpoint::parse(&opened.text).map_err(|e| e.to_string())
}

/// What `proof` shows about `followed`, in words (or why it does not verify).
fn finding(followed: &Followed, proof: &Equivocation) -> String {
    match followed.check() {
        Ok(verifier) => finding_under(&verifier, proof),
        Err(e) => e.to_string(),
    }
}

/// What `proof` shows about the log of `verifier`, in words (or why it does not verify).
fn finding_under(verifier: &NoteVerifier, proof: &Equivocation) -> String {
    proof.verify(verifier).map_or_else(|e| e, |p| p.finding)
}

fn equivocation_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.equivocation.json"))
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
    /// The proof that the followed instance equivocated, once the mirror caught it (it
    /// takes nothing more from it).
    pub equivocation: Option<Equivocation>,
}

struct Kept {
    mirror: RwLock<Mirror>,
    fetcher: Fetcher,
    status: Mutex<Status>,
    /// Where the mark that its equivocation was alerted is kept.
    alerted: PathBuf,
}

/// Sends the alert that a followed instance equivocated (its proof and what it shows); `Ok`
/// once someone has it. Until then it is asked again every round, and again after a restart.
pub type Alerter = dyn Fn(&Followed, &Equivocation, &str) -> Result<(), String> + Send + Sync;

/// The mirrors a server keeps, pulled in the background ([`Federation::run`]) while pages
/// read them ([`Federation::each`]): a pull fetches without holding its mirror, and holds it
/// only to verify and write what it fetched.
pub struct Federation {
    kept: Vec<Kept>,
    alerter: Option<Box<Alerter>>,
}

impl Federation {
    /// Opens the mirror of each followed instance in `dir`, verified.
    pub fn open(dir: &Path, followed: Vec<Followed>) -> Result<Federation, MirrorError> {
        let kept = followed
            .into_iter()
            .map(|f| {
                let mirror = Mirror::open(dir, f)?;
                let status = Status {
                    equivocation: mirror.equivocation().cloned(),
                    ..Status::default()
                };
                Ok(Kept {
                    alerted: mirror.path().with_extension("equivocation.alerted"),
                    fetcher: mirror.fetcher(),
                    mirror: RwLock::new(mirror),
                    status: Mutex::new(status),
                })
            })
            .collect::<Result<_, MirrorError>>()?;
        Ok(Federation {
            kept,
            alerter: None,
        })
    }

    /// Who is told when a followed instance is caught equivocating: `alerter` is called for
    /// each proof not yet alerted (marked `<name>.equivocation.alerted` beside the mirror once
    /// it answered `Ok`), at every round until it does.
    pub fn with_alerter(mut self, alerter: Box<Alerter>) -> Federation {
        self.alerter = Some(alerter);
        self
    }

    /// Alerts every caught equivocation not alerted yet.
    fn alert(&self) {
        let Some(alerter) = &self.alerter else { return };
        for k in &self.kept {
            if k.alerted.exists() {
                continue;
            }
            let (followed, proof) = {
                let mirror = k.mirror.read().unwrap_or_else(|p| p.into_inner());
                match mirror.equivocation() {
                    Some(proof) => (mirror.followed().clone(), proof.clone()),
                    None => continue,
                }
            };
            let finding = finding(&followed, &proof);
            match alerter(&followed, &proof, &finding) {
                Ok(()) => {
                    if let Err(e) = std::fs::write(&k.alerted, b"alerted\n") {
                        tracing::warn!(instance = %followed.name, error = %e, "could not mark the equivocation as alerted; it will be alerted again");
                    }
                }
                Err(e) => {
                    tracing::warn!(instance = %followed.name, error = %e, "the alert that a followed instance equivocated was not delivered; trying again next round")
                }
            }
        }
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

    /// Every followed instance its mirror caught equivocating, with the proof and what it
    /// shows (or why it no longer verifies).
    pub fn caught(&self) -> Vec<(Followed, Equivocation, String)> {
        self.each(|followed, _, status| {
            let proof = status.equivocation.clone()?;
            let finding = finding(followed, &proof);
            Some((followed.clone(), proof, finding))
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// Pulls every mirror up to its followed instance's latest checkpoint (or the first thing
    /// that stops it, kept in its status).
    pub fn pull_round(&self) {
        for k in &self.kept {
            let result = (|| -> Result<u64, MirrorError> {
                let mut remote = 0;
                loop {
                    let (from, head) = {
                        let mirror = k.mirror.read().unwrap_or_else(|p| p.into_inner());
                        mirror.usable()?;
                        (mirror.size(), mirror.head())
                    };
                    let fetched = match k.fetcher.fetch(from, head.as_ref()) {
                        Err(MirrorError::Equivocated { proof, .. }) => {
                            let mut mirror = k.mirror.write().unwrap_or_else(|p| p.into_inner());
                            return Err(mirror.record_equivocation(*proof));
                        }
                        other => other?,
                    };
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
                Err(MirrorError::Equivocated {
                    name,
                    finding,
                    kept,
                    proof,
                    ..
                }) => {
                    if status.equivocation.is_none() {
                        tracing::error!(instance = %name, %finding, proof = %kept, "a followed instance equivocated");
                    }
                    status.error = Some(format!("equivocated: {finding}"));
                    status.equivocation = Some(*proof);
                }
                Err(e) => status.error = Some(e.to_string()),
            }
        }
        self.alert();
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
