//! The ledger: the synchronous heart of an instance. It checks submissions against the
//! projected state, appends the accepted ones to the Merkle tree, makes the batch durable in
//! one store transaction together with its tiles, signed checkpoint and state digest, and only
//! then hands out receipts.
//!
//! Invariants: readers never see a checkpoint that is not durable; the published tree size
//! never shrinks; entry timestamps never go backwards.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use accord_domain::registry::Genesis;
use accord_domain::state::StateDigest;
use accord_domain::{LogEntry, Payload, Rejection, State, Timestamp, MAX_ENTRY_BYTES};
use accord_envelope::{Envelope, KeyId, KeyPair, PublicKey};
use accord_store::{BatchWrite, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile};
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteSigner, NoteVerifier};
use accord_tlog::{leaf_hash, Tree};

use crate::clock::Clock;
use crate::published::PublishedFile;
use crate::receipt::Receipt;
use crate::snapshot::{Snapshots, Start, Taken};

/// A submission ready for the ledger: the parsed envelope, its canonical bytes and hash, and
/// the key its signature was already verified with (if the caller verified it in parallel).
#[derive(Clone, Debug)]
pub struct Submission {
    /// The envelope.
    pub envelope: Envelope,
    /// Its canonical bytes (what goes into the leaf).
    pub canonical: Vec<u8>,
    /// SHA-256 of `canonical`: the idempotency key.
    pub hash: [u8; 32],
    /// The key the signature was verified with before sequencing, if any.
    pub verified_with: Option<PublicKey>,
}

impl Submission {
    /// Wraps an envelope (the signature is checked by the ledger).
    pub fn new(envelope: Envelope) -> Self {
        let canonical = envelope.to_canonical_bytes();
        let hash = envelope.hash();
        Self {
            envelope,
            canonical,
            hash,
            verified_with: None,
        }
    }
}

/// The result of one accepted submission.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The receipt (the first one, if this was a resubmission).
    pub receipt: Receipt,
    /// True if the envelope was already in the log and nothing new was stored.
    pub duplicate: bool,
}

/// Why the ledger could not process a batch at all.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The store failed; nothing of the batch was stored.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored log does not replay to what its checkpoints say.
    #[error("the stored log is inconsistent at entry {index}: {reason}; run `accord verify --data` for a full report")]
    Inconsistent {
        /// First entry where replay diverged.
        index: u64,
        /// What diverged.
        reason: String,
    },
    /// The checkpoint could not be signed.
    #[error("signing the checkpoint failed: {0}")]
    Signing(String),
    /// The store does not extend a checkpoint this instance already published: it was
    /// rolled back (an old backup, deleted entries) or replaced. Serving it would fork the log.
    #[error("{0}")]
    RolledBack(String),
    /// Another node sequences this log (or none does right now): this one takes no writes.
    #[error("this node does not sequence the log right now; send the write to the node that does")]
    NotLeader,
    /// The ledger stopped taking writes after a checkpoint could not be recorded (see
    /// [`LedgerError::Unrecorded`]); restart the server.
    #[error("the log stopped taking writes after a checkpoint could not be recorded as published; restart the server")]
    Halted,
    /// A committed batch's checkpoint could not be recorded as published; the ledger takes no
    /// more writes until it is restarted (readers keep the last recorded checkpoint).
    #[error("recording the published checkpoint in {path} failed: {error}; the log takes no more writes until the server restarts")]
    Unrecorded {
        /// The record's path.
        path: String,
        /// What failed.
        error: String,
    },
    /// A snapshot could not be written (the log is unaffected).
    #[error("writing a snapshot into {path} failed: {error}")]
    Snapshot {
        /// The snapshot directory.
        path: String,
        /// What failed.
        error: String,
    },
}

/// A checkpoint as published: its note and parsed body.
#[derive(Clone, Debug)]
pub struct Published {
    /// The signed note.
    pub note: String,
    /// The parsed body.
    pub checkpoint: Checkpoint,
    /// State digest at this size.
    pub state_digest: StateDigest,
}

/// The in-memory projection of the log: state, tree and latest checkpoint.
#[derive(Debug, Default)]
pub struct Core {
    state: State,
    tree: Tree,
    published: Option<Published>,
    digest: StateDigest,
}

impl Core {
    /// The projected state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The Merkle tree (may be ahead of the published checkpoint only while a batch commits,
    /// which readers never observe: they hold the read lock).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The latest durable checkpoint.
    pub fn published(&self) -> Option<&Published> {
        self.published.as_ref()
    }

    /// Replays a store into a core, checking each checkpoint's root and state digest.
    pub fn load(
        store: &dyn Store,
        verifier: &NoteVerifier,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Core, LedgerError> {
        let mut core = Core::default();
        core.catch_up(store, verifier, progress)?;
        Core::check_covered(store, core.tree.size())?;
        Ok(core)
    }

    /// A core taken back from its parts (a snapshot's), at a published checkpoint.
    pub(crate) fn from_parts(state: State, tree: Tree, published: Published) -> Core {
        Core {
            digest: published.state_digest,
            state,
            tree,
            published: Some(published),
        }
    }

    /// Refuses a store whose entries and checkpoints disagree after a core replayed `size`
    /// entries of it.
    pub(crate) fn check_covered(store: &dyn Store, size: u64) -> Result<(), LedgerError> {
        // Another node may commit meanwhile, but always entries and their checkpoint together:
        // read the checkpoint first and the entries after, and only a store that lost
        // something can show entries no checkpoint covers, or a checkpoint beyond its entries.
        let latest = store.latest_checkpoint()?.map_or(0, |c| c.tree_size);
        let stored = store.tree_size()?;
        if stored > latest {
            return Err(LedgerError::Inconsistent {
                index: stored - 1,
                reason: "entries are stored but no checkpoint covers them".into(),
            });
        }
        if let Some(beyond) = store.checkpoints_after(size, 1)?.first() {
            let stored = store.tree_size()?;
            if beyond.tree_size > stored {
                return Err(deleted_under(stored, beyond.tree_size));
            }
        }
        Ok(())
    }

    /// Replays what the store holds beyond this core, up to the store's latest checkpoint
    /// (never further: entries without a durable checkpoint are not the log yet), checking
    /// every entry against the rules, the state digest at every checkpoint, and the latest
    /// checkpoint's signature and root. Returns how many entries were applied. A store that
    /// holds less than this core, or whose checkpoint does not commit to the entries this core
    /// has seen, is refused: this core never shrinks or forks.
    pub fn catch_up(
        &mut self,
        store: &dyn Store,
        verifier: &NoteVerifier,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, LedgerError> {
        let from = self.tree.size();
        let Some(latest) = store.latest_checkpoint()? else {
            if from > 0 {
                return Err(LedgerError::RolledBack(format!(
                    "the store holds no checkpoint, but {from} entries were already replayed from it: it was emptied or replaced"
                )));
            }
            return Ok(0);
        };
        let target = latest.tree_size;
        if target < from {
            return Err(LedgerError::RolledBack(format!(
                "the store's latest checkpoint covers {target} entries, but {from} were already replayed from it: it was rolled back or replaced; serving it would shrink the log"
            )));
        }
        if target == from {
            return Ok(0);
        }
        let mut checkpoints = store
            .checkpoints_after(from, 10_000)?
            .into_iter()
            .peekable();
        const CHUNK: u64 = 10_000;
        let mut start = from;
        while start < target {
            let end = (start + CHUNK).min(target);
            let entries = store.entries(start, end)?;
            if entries.len() as u64 != end - start {
                // Entries and their checkpoint are committed together: missing entries under a
                // stored checkpoint were deleted.
                return Err(deleted_under(store.tree_size()?, target));
            }
            for stored in entries {
                let index = stored.index;
                let bad = |reason: String| LedgerError::Inconsistent { index, reason };
                if leaf_hash(&stored.data) != stored.leaf_hash {
                    return Err(bad("stored leaf hash is not the hash of the entry".into()));
                }
                let entry =
                    LogEntry::from_leaf_bytes(&stored.data).map_err(|e| bad(e.to_string()))?;
                self.state
                    .signing_key(&entry.envelope)
                    .and_then(|_| self.state.check(&entry.envelope, entry.sequenced_at))
                    .map(|payload| {
                        self.state
                            .apply(index, entry.sequenced_at, &entry.envelope, payload)
                    })
                    .map_err(|r| bad(format!("entry breaks a rule on replay: {r}")))?;
                self.tree.push(stored.leaf_hash);
                if checkpoints.peek().is_none() {
                    checkpoints = store
                        .checkpoints_after(index, 10_000)?
                        .into_iter()
                        .peekable();
                }
                if checkpoints
                    .peek()
                    .is_some_and(|cp| cp.tree_size == index + 1)
                {
                    let cp = checkpoints.next().expect("peeked");
                    self.digest = self.state.seal_batch(&self.digest);
                    if self.digest != cp.state_digest {
                        return Err(bad(format!(
                            "state digest after entry {index} differs from the one recorded with checkpoint {}",
                            cp.tree_size
                        )));
                    }
                }
            }
            start = end;
            progress(start - from, target - from);
        }
        let bad = |reason: String| LedgerError::Inconsistent {
            index: target - 1,
            reason,
        };
        if self.digest != latest.state_digest {
            return Err(bad(
                "the state digest differs from the one recorded with the latest checkpoint".into(),
            ));
        }
        let opened = note::open(&latest.note, std::slice::from_ref(verifier))
            .map_err(|e| bad(format!("stored checkpoint does not verify: {e}")))?;
        let checkpoint = Checkpoint::parse(&opened.text)
            .map_err(|e| bad(format!("stored checkpoint does not parse: {e}")))?;
        if checkpoint.size != target || checkpoint.root != self.tree.root() {
            return Err(bad(
                "the latest checkpoint does not commit to the stored entries".into(),
            ));
        }
        self.published = Some(Published {
            note: latest.note,
            checkpoint,
            state_digest: latest.state_digest,
        });
        Ok(target - from)
    }
}

/// One instance's log, state and signer.
pub struct Ledger {
    store: Arc<dyn Store>,
    core: RwLock<Core>,
    keys: RwLock<HashMap<KeyId, PublicKey>>,
    signer: NoteSigner,
    instance_key: PublicKey,
    instance_pair: KeyPair,
    clock: Arc<dyn Clock>,
    /// Where each checkpoint is recorded before it is published (none: not recorded).
    publications: std::sync::Mutex<Option<PublishedFile>>,
    /// Set when a committed checkpoint could not be recorded: no more writes.
    halted: std::sync::atomic::AtomicBool,
    /// Whether this node sequences (always, for a store only it writes; while it holds the
    /// lease, for a shared one).
    leading: std::sync::atomic::AtomicBool,
}

enum Pending {
    New { index: u64, key: PublicKey },
    Duplicate { index: u64 },
    Rejected(Rejection),
}

impl Ledger {
    /// Opens the ledger over a store, replaying it. `instance_key` signs checkpoints under
    /// the log origin `origin`.
    pub fn open(
        store: Arc<dyn Store>,
        origin: &str,
        instance_key: &KeyPair,
        clock: Arc<dyn Clock>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Ledger, LedgerError> {
        let signer = NoteSigner::new(origin, instance_key.as_dalek().clone())
            .map_err(|e| LedgerError::Signing(e.to_string()))?;
        let core = Core::load(store.as_ref(), &signer.verifier(), progress)?;
        Ok(Ledger::over(store, core, signer, instance_key, clock))
    }

    /// Opens the ledger like [`Ledger::open`], but from the newest of `snapshots` that passes
    /// every check, replaying only the log after it (see [`crate::snapshot`]); says how it
    /// started. `progress` sees the replay.
    pub fn start(
        store: Arc<dyn Store>,
        origin: &str,
        instance_key: &KeyPair,
        clock: Arc<dyn Clock>,
        snapshots: &Snapshots,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(Ledger, Start), LedgerError> {
        let signer = NoteSigner::new(origin, instance_key.as_dalek().clone())
            .map_err(|e| LedgerError::Signing(e.to_string()))?;
        let (core, start) = snapshots.start(
            store.as_ref(),
            &signer.verifier(),
            &instance_key.public_key(),
            progress,
        )?;
        Ok((
            Ledger::over(store, core, signer, instance_key, clock),
            start,
        ))
    }

    /// Writes a snapshot at the store's latest checkpoint into `snapshots`. The projection it
    /// writes is not this ledger's (whose lock it never takes, so sequencing and reads go on):
    /// it is replayed afresh, from the newest usable snapshot and the log after it, checking
    /// every entry and state digest on the way, so a snapshot only ever holds what a checked
    /// replay produced. Returns `None` when the newest snapshot is already at that checkpoint.
    pub fn take_snapshot(&self, snapshots: &Snapshots) -> Result<Option<Taken>, LedgerError> {
        snapshots.refresh(
            self.store.as_ref(),
            &self.signer.verifier(),
            &self.instance_pair,
        )
    }

    fn over(
        store: Arc<dyn Store>,
        core: Core,
        signer: NoteSigner,
        instance_key: &KeyPair,
        clock: Arc<dyn Clock>,
    ) -> Ledger {
        let keys = keys_of(&core.state);
        Ledger {
            store,
            core: RwLock::new(core),
            keys: RwLock::new(keys),
            signer,
            instance_key: instance_key.public_key(),
            instance_pair: instance_key.clone(),
            clock,
            publications: std::sync::Mutex::new(None),
            halted: std::sync::atomic::AtomicBool::new(false),
            leading: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// The latest published checkpoint with an RFC 6962 consistency proof to it from the
    /// tree size `old` (empty from 0 or from its own size; an error when `old` is beyond it),
    /// taken under one read of the projection: what a witness is sent.
    pub fn published_with_proof(
        &self,
        old: u64,
    ) -> Option<(
        Published,
        Result<Vec<accord_tlog::Hash>, accord_tlog::TreeError>,
    )> {
        let core = self.read();
        let published = core.published()?.clone();
        let size = published.checkpoint.size;
        let proof = if old == 0 || old == size {
            Ok(Vec::new())
        } else {
            core.tree().consistency_proof(old, size)
        };
        Some((published, proof))
    }

    /// Whether this node sequences.
    pub fn is_leading(&self) -> bool {
        self.leading.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Makes this node sequence (after it took the lease and caught up) or stop sequencing
    /// (it lost the lease, or waits for it). Appends while not leading are refused with
    /// [`LedgerError::NotLeader`] before they touch anything.
    pub fn set_leading(&self, leading: bool) {
        // Under the write lock, so that no batch is half-way through when it changes.
        let _core = self.core.write().unwrap_or_else(|p| p.into_inner());
        self.leading
            .store(leading, std::sync::atomic::Ordering::SeqCst);
    }

    /// Applies what other nodes committed to the store since this node last looked (see
    /// [`Core::catch_up`]), recording each new checkpoint as published before readers see it.
    /// Returns how many entries were applied; cheap when there are none.
    pub fn catch_up(&self) -> Result<u64, LedgerError> {
        let latest = self.store.latest_checkpoint()?.map_or(0, |c| c.tree_size);
        if latest == self.read().tree.size() {
            return Ok(0);
        }
        let mut core = self.core.write().unwrap_or_else(|p| p.into_inner());
        let published = core.published.as_ref().map(|p| p.checkpoint.clone());
        let before = core.tree.size();
        let applied = match core.catch_up(
            self.store.as_ref(),
            &self.signer.verifier(),
            &mut |_, _| {},
        ) {
            Ok(n) => n,
            Err(e) if core.tree.size() == before => {
                // Refused before anything was applied: readers keep what they had.
                return Err(e);
            }
            Err(e) => {
                // The core is half-way through the new entries: rebuild it from the store,
                // which must still extend what this node published.
                let reloaded =
                    Core::load(self.store.as_ref(), &self.signer.verifier(), &mut |_, _| {})
                        .and_then(|reloaded| match &published {
                            Some(p) => self
                                .check_extends(&reloaded, p, "in memory")
                                .map(|()| reloaded),
                            None => Ok(reloaded),
                        });
                match reloaded {
                    Ok(reloaded) => {
                        *core = reloaded;
                        return Err(e);
                    }
                    Err(why) => {
                        // Neither the new entries nor the store's own history can be
                        // vouched for, and the projection is half-applied: stop, still
                        // holding the lock, rather than let a reader see it.
                        tracing::error!(error = %e, reload = %why, "the log in the store no longer extends what this node published; stopping");
                        eprintln!("accord: the log in the store no longer extends what this node published ({e}; reloading: {why}); stopping rather than serve it");
                        std::process::exit(70);
                    }
                }
            }
        };
        if applied > 0 {
            if let (Some(file), Some(p)) = (
                self.publications
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref(),
                core.published.as_ref(),
            ) {
                file.record(&p.note).map_err(|e| LedgerError::Unrecorded {
                    path: file.path().display().to_string(),
                    error: e.to_string(),
                })?;
            }
            *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys_of(&core.state);
        }
        Ok(applied)
    }

    /// From now on records every checkpoint in `file` before it is published, after checking
    /// that the log extends the checkpoint recorded there (same root at the recorded size):
    /// a store that was rolled back or forked is refused with [`LedgerError::RolledBack`].
    /// Without a record yet, the current checkpoint becomes the first.
    pub fn record_publications(&self, file: PublishedFile) -> Result<(), LedgerError> {
        let core = self.core.write().unwrap_or_else(|p| p.into_inner());
        let where_ = file.path().display().to_string();
        let unrecorded = |e: std::io::Error| LedgerError::Unrecorded {
            path: where_.clone(),
            error: e.to_string(),
        };
        if let Some(note) = file.read().map_err(unrecorded)? {
            let recorded = self.open_note(&note).map_err(|why| {
                LedgerError::RolledBack(format!(
                    "{where_} does not hold a checkpoint of this instance ({why}); it records the highest checkpoint ever published — restore it, do not delete it"
                ))
            })?;
            self.check_extends(&core, &recorded, &where_)?;
        }
        if let Some(p) = &core.published {
            file.record(&p.note).map_err(unrecorded)?;
        }
        *self.publications.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
        Ok(())
    }

    fn open_note(&self, note: &str) -> Result<Checkpoint, String> {
        let opened = note::open(note, std::slice::from_ref(&self.signer.verifier()))
            .map_err(|e| e.to_string())?;
        Checkpoint::parse(&opened.text).map_err(|e| e.to_string())
    }

    /// Refuses a core that does not extend `published` (recorded in `source`).
    fn check_extends(
        &self,
        core: &Core,
        published: &Checkpoint,
        source: &str,
    ) -> Result<(), LedgerError> {
        let size = core.tree.size();
        if size < published.size {
            return Err(LedgerError::RolledBack(format!(
                "the store holds {size} entries, but this instance already published a checkpoint of {} entries ({source}): the store was rolled back or replaced. Restore the data directory from a backup that holds at least {} entries; serving this store would fork the log",
                published.size, published.size
            )));
        }
        let root = core
            .tree
            .root_at(published.size)
            .map_err(|e| LedgerError::RolledBack(e.to_string()))?;
        if root != published.root {
            return Err(LedgerError::RolledBack(format!(
                "the store's first {} entries have another root than the checkpoint this instance published at that size ({source}): the log was rewritten. Serving it would fork the log",
                published.size
            )));
        }
        Ok(())
    }

    /// Signs a record of what the server itself did (an entry type in
    /// [`accord_domain::state::INSTANCE_ENTRY_TYPES`]) with the instance key, as party
    /// `instance`; it is then submitted like any other entry.
    pub fn sign_as_instance(&self, payload: &Payload) -> Result<Envelope, Rejection> {
        let signer = accord_envelope::Signer {
            party: accord_domain::registry::INSTANCE_SIGNER
                .parse()
                .map_err(|_| Rejection::malformed("instance-signer", "", "bad instance id"))?,
            key: self.instance_key.key_id(),
        };
        let schema = accord_domain::payload::current_schema(payload.entry_type()).unwrap_or(1);
        Ok(Envelope::sign(
            payload.entry_type(),
            schema,
            payload.to_value(),
            signer,
            &self.instance_pair,
        )?)
    }

    /// The instance's Bitstring Status List credential of `purpose` (`suspension` or
    /// `revocation`) as the log stands: the projection of every credential's status at the
    /// last entry's time, signed with the instance key (Data Integrity `eddsa-rdfc-2022`, issuer
    /// the key's `did:key`). Deterministic for a log size, so anyone who replays the log
    /// recomputes the same list, and the same signature.
    pub fn status_list(&self, purpose: &str) -> Option<serde_json::Value> {
        let core = self.read();
        self.status_list_of(core.state(), purpose, None)
    }

    /// [`Ledger::status_list`] of a state the caller already reads (no second lock), as of
    /// log time `at` (at most the last entry's; default that).
    pub fn status_list_of(
        &self,
        state: &State,
        purpose: &str,
        at: Option<Timestamp>,
    ) -> Option<serde_json::Value> {
        let index = accord_domain::credentials::PURPOSES
            .iter()
            .position(|p| *p == purpose)?;
        let at = at.map_or(state.last_at(), |t| t.min(state.last_at()));
        let lists = state.status_lists(at);
        let unsigned = accord_domain::credentials::status_list_credential(
            self.origin(),
            purpose,
            &lists[index],
            &self.instance_pair.as_dalek().verifying_key(),
            at,
            state.size(),
        );
        accord_vc::proof::sign(
            &unsigned,
            self.instance_pair.as_dalek(),
            &accord_domain::credentials::rfc3339(at),
        )
        .ok()
    }

    /// A node's claim to the sequencer lease: the instance key's signature over the origin,
    /// the node's id and the URL where it takes writes (hex). Only the instance's own nodes
    /// hold that key, so whoever can merely write the database cannot make one.
    pub fn lease_claim(&self, node: &str, url: &str) -> String {
        hex::encode(
            self.instance_pair
                .sign(&lease_claim_message(self.origin(), node, url))
                .0,
        )
    }

    /// Whether `claim` is this instance's claim for `node` at `url`.
    pub fn lease_claim_is_valid(&self, node: &str, url: &str, claim: &str) -> bool {
        hex::decode(claim)
            .ok()
            .and_then(|b| accord_envelope::Signature::from_slice(&b).ok())
            .is_some_and(|sig| {
                self.instance_key
                    .verify_strict(&lease_claim_message(self.origin(), node, url), &sig)
            })
    }

    /// The clock's time now (not yet ordered after the last entry: compare with the state's
    /// `last_at`).
    pub fn clock_now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The log origin.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The verifier for this instance's checkpoints.
    pub fn verifier(&self) -> NoteVerifier {
        self.signer.verifier()
    }

    /// The checkpoint verifier key (C2SP signed-note `name+keyid+base64`).
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// Read access to the durable projection.
    pub fn read(&self) -> RwLockReadGuard<'_, Core> {
        self.core.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The public key with this id, for verifying signatures outside the sequencer lock.
    /// Whether the key may still sign is decided by the ledger when it sequences.
    pub fn key(&self, id: &KeyId) -> Option<PublicKey> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .copied()
    }

    /// Verifies a submission's signature outside the sequencer, with the key its signer names
    /// (when that key is known), so that the sequencer thread only does the cheap stateful
    /// checks. Whether the key may still sign is decided when the entry is sequenced.
    pub fn preverify(&self, submission: &mut Submission) -> Result<(), Rejection> {
        if let Some(key) = self.key(&submission.envelope.signer.key) {
            submission.envelope.verify(&key)?;
            submission.verified_with = Some(key);
        }
        Ok(())
    }

    /// Checks, sequences and durably appends a batch. Returns one result per submission, in
    /// order; a rejected submission changes nothing. On a store failure nothing of the batch
    /// is kept, in memory or on disk.
    pub fn append(
        &self,
        submissions: Vec<Submission>,
    ) -> Result<Vec<Result<Outcome, Rejection>>, LedgerError> {
        let mut core = self.core.write().unwrap_or_else(|p| p.into_inner());
        if self.halted.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(LedgerError::Halted);
        }
        if !self.is_leading() {
            return Err(LedgerError::NotLeader);
        }
        let start = core.tree.size();
        let mut seen: HashMap<[u8; 32], u64> = HashMap::new();
        let mut entries: Vec<StoredEntry> = Vec::new();
        let mut pending = Vec::with_capacity(submissions.len());
        let mut new_keys = Vec::new();
        let hashes: Vec<[u8; 32]> = submissions.iter().map(|s| s.hash).collect();
        let stored = self.store.indexes_of_envelopes(&hashes)?;
        for (sub, stored) in submissions.iter().zip(stored) {
            if let Some(&index) = seen.get(&sub.hash) {
                pending.push(Pending::Duplicate { index });
                continue;
            }
            if let Some(index) = stored {
                pending.push(Pending::Duplicate { index });
                continue;
            }
            let at = self.clock.now().max(core.state.last_at());
            let index = start + entries.len() as u64;
            match self.sequence_one(&mut core, sub, index, at) {
                Ok((key, stored)) => {
                    if let Some(k) = rotated_or_registered_key(&sub.envelope) {
                        new_keys.push(k);
                    }
                    seen.insert(sub.hash, index);
                    entries.push(stored);
                    pending.push(Pending::New { index, key });
                }
                Err(r) => pending.push(Pending::Rejected(r)),
            }
        }
        if !entries.is_empty() {
            if let Err(e) = self.commit(&mut core, start, entries.clone()) {
                if matches!(e, LedgerError::Unrecorded { .. }) {
                    self.halted.store(true, std::sync::atomic::Ordering::SeqCst);
                    return Err(e);
                }
                if matches!(e, LedgerError::Store(StoreError::Fenced(_))) {
                    // Deposed at commit: another node sequences now; this one follows.
                    self.leading
                        .store(false, std::sync::atomic::Ordering::SeqCst);
                }
                // Nothing was stored: rebuild the in-memory projection from the store, which
                // must still extend what was published.
                let published = core.published.as_ref().map(|p| p.checkpoint.clone());
                let reloaded =
                    Core::load(self.store.as_ref(), &self.signer.verifier(), &mut |_, _| {})?;
                if let Some(p) = &published {
                    if let Err(rolled) = self.check_extends(&reloaded, p, "in memory") {
                        self.halted.store(true, std::sync::atomic::Ordering::SeqCst);
                        return Err(rolled);
                    }
                }
                *core = reloaded;
                return Err(e);
            }
            let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
            for k in new_keys {
                keys.insert(k.key_id(), k);
            }
        }
        let Some(published) = core.published.as_ref() else {
            // Only reachable when every submission was rejected on an empty log.
            return Ok(pending
                .into_iter()
                .map(|p| match p {
                    Pending::Rejected(r) => Err(r),
                    _ => unreachable!("accepted entries always produce a checkpoint"),
                })
                .collect());
        };
        let size = published.checkpoint.size;
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            out.push(match p {
                Pending::Rejected(r) => Err(r),
                Pending::New { index, key } => {
                    let leaf = &entries_leaf(&entries, start, index);
                    Ok(Outcome {
                        receipt: self.receipt(&core, index, leaf, size, &key)?,
                        duplicate: false,
                    })
                }
                Pending::Duplicate { index } => {
                    let leaf = if index >= start {
                        entries_leaf(&entries, start, index).to_vec()
                    } else {
                        self.store
                            .entry(index)?
                            .ok_or_else(|| LedgerError::Inconsistent {
                                index,
                                reason: "indexed envelope has no stored entry".into(),
                            })?
                            .data
                    };
                    let key = signer_key_of(&core.state, &leaf).ok_or_else(|| {
                        LedgerError::Inconsistent {
                            index,
                            reason: "the signer of a stored entry is unknown".into(),
                        }
                    })?;
                    Ok(Outcome {
                        receipt: self.receipt(&core, index, &leaf, size, &key)?,
                        duplicate: true,
                    })
                }
            });
        }
        Ok(out)
    }

    fn sequence_one(
        &self,
        core: &mut Core,
        sub: &Submission,
        index: u64,
        at: Timestamp,
    ) -> Result<(PublicKey, StoredEntry), Rejection> {
        let env = &sub.envelope;
        let key = core.state.signing_key(env)?;
        if sub.verified_with != Some(key) {
            env.verify(&key)?;
        }
        // A new entry is judged by the current rules of its type; replay (which never comes
        // here) judges each logged entry by the rules of the version it was logged at.
        accord_domain::payload::require_current_schema(&env.entry_type, env.schema)?;
        let payload = core.state.check(env, at)?;
        if let Payload::Genesis(g) = &payload {
            self.check_genesis_matches_signer(g)?;
        }
        let leaf = LogEntry::leaf_bytes(&sub.canonical, at);
        if leaf.len() > MAX_ENTRY_BYTES {
            return Err(Rejection::malformed(
                "entry-too-large",
                "",
                format!(
                    "the logged entry would be {} bytes, over the {MAX_ENTRY_BYTES}-byte limit; store large documents beside the log and reference their hash",
                    leaf.len()
                ),
            ));
        }
        core.state.apply(index, at, env, payload);
        let lh = leaf_hash(&leaf);
        core.tree.push(lh);
        Ok((
            key,
            StoredEntry {
                index,
                leaf_hash: lh,
                envelope_hash: sub.hash,
                sequenced_at_ms: at.unix_ms(),
                data: leaf,
            },
        ))
    }

    fn check_genesis_matches_signer(&self, g: &Genesis) -> Result<(), Rejection> {
        if g.origin != self.signer.name() {
            return Err(Rejection::conflict(
                "origin-mismatch",
                "/payload/origin",
                format!(
                    "genesis origin `{}` is not this instance's origin `{}`",
                    g.origin,
                    self.signer.name()
                ),
            ));
        }
        if g.instance_key != self.instance_key {
            return Err(Rejection::conflict(
                "instance-key-mismatch",
                "/payload/instance_key",
                "genesis names an instance key other than the one this instance signs checkpoints with",
            ));
        }
        Ok(())
    }

    fn commit(
        &self,
        core: &mut Core,
        start: u64,
        entries: Vec<StoredEntry>,
    ) -> Result<(), LedgerError> {
        let size = core.tree.size();
        // Never sign a checkpoint that does not extend the one published before it.
        if let Some(p) = &core.published {
            self.check_extends(core, &p.checkpoint, "the last published checkpoint")?;
        }
        let digest = core.state.seal_batch(&core.digest);
        let tiles = Tree::tiles_grown(start, size)
            .into_iter()
            .filter_map(|(level, index, width)| {
                core.tree
                    .tile(level, index, width)
                    .map(|data| StoredTile { level, index, data })
            })
            .collect();
        let checkpoint = Checkpoint {
            origin: self.signer.name().to_owned(),
            size,
            root: core.tree.root(),
            extensions: vec![],
        };
        let note = self
            .signer
            .sign(&checkpoint.to_body())
            .map_err(|e| LedgerError::Signing(e.to_string()))?;
        let batch = BatchWrite {
            entries,
            tiles,
            checkpoint: Some(StoredCheckpoint {
                tree_size: size,
                note: note.clone(),
                state_digest: digest,
            }),
        };
        self.store.append_batch(&batch)?;
        // Recorded before any reader can see it (readers wait for this write lock).
        if let Some(file) = self
            .publications
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            file.record(&note).map_err(|e| LedgerError::Unrecorded {
                path: file.path().display().to_string(),
                error: e.to_string(),
            })?;
        }
        core.digest = digest;
        core.published = Some(Published {
            note,
            checkpoint,
            state_digest: digest,
        });
        Ok(())
    }

    fn receipt(
        &self,
        core: &Core,
        index: u64,
        leaf: &[u8],
        size: u64,
        key: &PublicKey,
    ) -> Result<Receipt, LedgerError> {
        let proof =
            core.tree
                .inclusion_proof(index, size)
                .map_err(|e| LedgerError::Inconsistent {
                    index,
                    reason: e.to_string(),
                })?;
        let note = core
            .published
            .as_ref()
            .map(|p| p.note.as_str())
            .unwrap_or_default();
        Ok(Receipt::new(index, leaf, &proof, note, key))
    }
}

/// The refusal of a store that holds a checkpoint of `published` entries but only `stored`.
fn deleted_under(stored: u64, published: u64) -> LedgerError {
    LedgerError::RolledBack(format!(
        "the store holds {stored} entries but a checkpoint of {published} entries it also holds was published: entries were deleted; restore them (or the whole data directory) from a backup that includes them"
    ))
}

/// What a lease claim signs (length-prefixed, under its own context).
fn lease_claim_message(origin: &str, node: &str, url: &str) -> Vec<u8> {
    let mut out = b"accord-lease-claim-v1\n".to_vec();
    for part in [origin, node, url] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Every registered key by id.
fn keys_of(state: &State) -> HashMap<KeyId, PublicKey> {
    state
        .parties()
        .values()
        .flat_map(|p| p.keys.iter().map(|(id, k)| (*id, k.public_key)))
        .collect()
}

fn entries_leaf(entries: &[StoredEntry], start: u64, index: u64) -> &[u8] {
    &entries[(index - start) as usize].data
}

fn rotated_or_registered_key(env: &Envelope) -> Option<PublicKey> {
    match Payload::from_envelope(env).ok()? {
        Payload::PartyRegister(r) => Some(r.public_key),
        Payload::KeyRotate(r) => Some(r.public_key),
        Payload::Genesis(g) => Some(g.secretariat.public_key),
        _ => None,
    }
}

/// The public key that signed a stored entry, from the registry (keys are never forgotten).
pub fn signer_key_of(state: &State, leaf: &[u8]) -> Option<PublicKey> {
    let entry = LogEntry::from_leaf_bytes(leaf).ok()?;
    let signer = &entry.envelope.signer;
    if let Some(instance) = state.instance() {
        if signer.party.as_str() == accord_domain::registry::INSTANCE_SIGNER
            && instance.instance_key.key_id() == signer.key
        {
            return Some(instance.instance_key);
        }
    }
    state
        .party(&signer.party)?
        .keys
        .get(&signer.key)
        .map(|k| k.public_key)
}
