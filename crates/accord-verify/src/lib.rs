//! Independent verification of an Accord log: re-reads it from entry 0, checks every
//! signature (with the key valid at that entry), every checkpoint signature, the tree root at
//! every checkpoint, consistency between consecutive checkpoints, the stored hash tiles, and
//! the state digest recomputed by replaying the projections.
//!
//! It reads through a [`LogSource`]: a local store ([`LocalSource`]) or a server's public
//! endpoints ([`HttpSource`]: tlog-tiles entry bundles and tiles, `/checkpoints`). It trusts
//! neither: everything is recomputed here, and the first inconsistency is reported with the
//! entry (or checkpoint, or tile) it was found at.

mod source;

use std::time::{Duration, Instant};

use accord_domain::{LogEntry, State, StateDigest};
use accord_envelope::{Envelope, PublicKey};
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::{leaf_hash, verify_consistency, Hash, Tree};
use rayon::prelude::*;

pub use source::{HttpSource, LocalSource, LogSource, SourceCheckpoint, SourceEntry};

/// Where verification failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A log entry, by index.
    Entry(u64),
    /// A checkpoint, by tree size.
    Checkpoint(u64),
    /// A hash tile.
    Tile {
        /// Tile level.
        level: u8,
        /// Tile index.
        index: u64,
    },
    /// The source itself (unreachable, unreadable).
    Source,
}

impl Location {
    /// The position in the log an error is at, to order it against others: an entry's index,
    /// a checkpoint's size (it is checked after the entry before it).
    fn entry(&self) -> Option<u64> {
        match self {
            Location::Entry(i) | Location::Checkpoint(i) => Some(*i),
            Location::Tile { .. } | Location::Source => None,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Entry(i) => write!(f, "entry {i}"),
            Location::Checkpoint(s) => write!(f, "checkpoint at tree size {s}"),
            Location::Tile { level, index } => write!(f, "tile {level}/{index}"),
            Location::Source => write!(f, "log source"),
        }
    }
}

/// The first inconsistency found.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{location}: {reason}")]
pub struct VerifyError {
    /// Where.
    pub location: Location,
    /// Why.
    pub reason: String,
}

fn fail<T>(location: Location, reason: impl Into<String>) -> Result<T, VerifyError> {
    Err(VerifyError {
        location,
        reason: reason.into(),
    })
}

/// What a successful verification established.
#[derive(Clone, Debug)]
pub struct Report {
    /// Entries replayed.
    pub entries: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Hash tiles compared.
    pub tiles: u64,
    /// Root of the verified tree.
    pub root: Hash,
    /// State digest recomputed at the latest checkpoint.
    pub state_digest: StateDigest,
    /// Registered parties at the end.
    pub parties: usize,
    /// The certification credentials and their status lists, recomputed from the log.
    pub credentials: Credentials,
    /// Wall time taken.
    pub elapsed: Duration,
}

/// Progress callback: (entries done, total).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// How entry signatures are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signatures {
    /// In batches of [`SIGNATURE_BATCH`] (Ed25519 batch verification; a batch that fails is
    /// checked one by one to name the entry). See [`Envelope::verify_batch`] for the one
    /// difference from strict one-by-one verification.
    ///
    /// [`Envelope::verify_batch`]: accord_envelope::Envelope::verify_batch
    #[default]
    Batched,
    /// Each alone, with strict Ed25519 verification, as the sequencer does.
    OneByOne,
}

/// Signatures per batch.
pub const SIGNATURE_BATCH: usize = 256;

/// Verifies a whole log against the instance's checkpoint verifier key (signatures in
/// batches).
pub fn verify(
    source: &dyn LogSource,
    verifier: &NoteVerifier,
    progress: Progress<'_>,
) -> Result<Report, VerifyError> {
    verify_with(source, verifier, Signatures::Batched, progress)
}

/// Verifies a whole log, checking signatures as `signatures` says.
pub fn verify_with(
    source: &dyn LogSource,
    verifier: &NoteVerifier,
    signatures: Signatures,
    progress: Progress<'_>,
) -> Result<Report, VerifyError> {
    let started = Instant::now();
    let src_err = |e: source::SourceError| VerifyError {
        location: Location::Source,
        reason: e.to_string(),
    };
    let checkpoints = source.checkpoints().map_err(src_err)?;
    let Some(latest) = checkpoints.last() else {
        return fail(
            Location::Source,
            "the log has no checkpoint: nothing to verify",
        );
    };
    let mut parsed = Vec::with_capacity(checkpoints.len());
    let mut previous_size = 0;
    for cp in &checkpoints {
        let opened = note::open(&cp.note, std::slice::from_ref(verifier)).or_else(|e| {
            fail(
                Location::Checkpoint(cp.tree_size),
                format!("signature does not verify with {}: {e}", verifier.to_vkey()),
            )
        })?;
        let body = Checkpoint::parse(&opened.text)
            .or_else(|e| fail(Location::Checkpoint(cp.tree_size), e.to_string()))?;
        if body.size != cp.tree_size {
            return fail(
                Location::Checkpoint(cp.tree_size),
                format!("the signed note says size {}", body.size),
            );
        }
        if body.origin != verifier.name() {
            return fail(
                Location::Checkpoint(cp.tree_size),
                format!("origin `{}` is not `{}`", body.origin, verifier.name()),
            );
        }
        if cp.tree_size <= previous_size && previous_size != 0 {
            return fail(
                Location::Checkpoint(cp.tree_size),
                "checkpoints do not grow (the log shrank or forked)",
            );
        }
        previous_size = cp.tree_size;
        parsed.push((body, cp.state_digest));
    }
    let size = latest.tree_size;
    // Signatures are checked on a second thread, a chunk behind the replay (which needs the
    // state in order): the replay names each entry's key, the verifier checks the chunk's
    // signatures on every core, and the first bad one is reported as if found in order.
    let (jobs, job_rx) = std::sync::mpsc::sync_channel::<SignatureJob>(4);
    let (bad_tx, bad_rx) = std::sync::mpsc::channel::<(u64, String)>();
    let replayed = std::thread::scope(|scope| {
        scope.spawn(move || {
            for job in job_rx {
                if let Some(bad) = job.first_bad(signatures) {
                    let _ = bad_tx.send(bad);
                }
            }
        });
        replay(source, size, &parsed, jobs, progress)
    });
    let first_bad_signature = bad_rx.try_iter().min_by_key(|(index, _)| *index);
    let (state, tree, digest) = match (replayed, first_bad_signature) {
        (Err(e), Some((index, why))) if e.location.entry().is_none_or(|at| index < at) => {
            return fail(Location::Entry(index), format!("signature: {why}"));
        }
        (Err(e), _) => return Err(e),
        (Ok(_), Some((index, why))) => {
            return fail(Location::Entry(index), format!("signature: {why}"))
        }
        (Ok(done), None) => done,
    };
    let tiles = verify_tiles(source, &tree)?;
    Ok(Report {
        entries: size,
        checkpoints: checkpoints.len() as u64,
        tiles,
        root: tree.root(),
        state_digest: digest,
        parties: state.parties().len(),
        credentials: Credentials::of(&state),
        elapsed: started.elapsed(),
    })
}

/// The certification credentials a log holds and their status lists at its last entry,
/// recomputed by the replay: what an instance's published `/credentials/status/{purpose}`
/// lists must carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Credentials issued.
    pub issued: usize,
    /// Suspended at the last entry's time.
    pub suspended: usize,
    /// Revoked by then.
    pub revoked: usize,
    /// The log time the lists are of (RFC 3339).
    pub at: String,
    /// Each status purpose with its `encodedList` (in the order of
    /// `accord_domain::credentials::PURPOSES`).
    pub lists: Vec<(&'static str, String)>,
}

impl Credentials {
    fn of(state: &State) -> Credentials {
        let at = state.last_at();
        let lists = state.status_lists(at);
        let count = |i: usize| {
            state
                .credentials()
                .all()
                .iter()
                .filter(|c| {
                    usize::try_from(c.number).is_ok_and(|n| lists[i].get(n).unwrap_or(false))
                })
                .count()
        };
        Credentials {
            issued: state.credentials().all().len(),
            suspended: count(0),
            revoked: count(1),
            at: at.to_string(),
            lists: accord_domain::credentials::PURPOSES
                .iter()
                .zip(&lists)
                .map(|(p, l)| (*p, l.encode()))
                .collect(),
        }
    }
}

/// Compares every hash tile the source holds with the tile recomputed from the entries.
/// Signatures of one chunk to check: each entry's index, the key the replay found valid for
/// it, and the entry.
struct SignatureJob {
    entries: Vec<(u64, PublicKey, LogEntry)>,
}

impl SignatureJob {
    /// The first entry whose signature does not verify, on every core.
    fn first_bad(&self, how: Signatures) -> Option<(u64, String)> {
        let one_by_one = |entries: &[(u64, PublicKey, LogEntry)]| {
            entries.iter().find_map(|(index, key, entry)| {
                entry
                    .envelope
                    .verify(key)
                    .err()
                    .map(|e| (*index, e.to_string()))
            })
        };
        let size = match how {
            Signatures::Batched => SIGNATURE_BATCH,
            Signatures::OneByOne => 1,
        };
        self.entries
            .par_chunks(size)
            .filter_map(|chunk| {
                let items: Vec<(&Envelope, &PublicKey)> =
                    chunk.iter().map(|(_, k, e)| (&e.envelope, k)).collect();
                if size > 1 && Envelope::verify_batch(&items) {
                    return None;
                }
                one_by_one(chunk)
            })
            .min_by_key(|(index, _)| *index)
    }
}

/// Replays the first `size` entries: leaf hashes, rules, tree, checkpoints and digests, handing
/// each chunk's signatures to `signatures`.
fn replay(
    source: &dyn LogSource,
    size: u64,
    checkpoints: &[(Checkpoint, StateDigest)],
    signatures: std::sync::mpsc::SyncSender<SignatureJob>,
    progress: Progress<'_>,
) -> Result<(State, Tree, StateDigest), VerifyError> {
    // A reader thread fetches and decodes (on every core) the chunks ahead of the replay,
    // which is the one part that must run in order.
    let (chunks, chunk_rx) = std::sync::mpsc::sync_channel::<Decoded>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut start = 0u64;
            while start < size {
                let end = (start + CHUNK).min(size);
                let chunk = decode(source, start, end);
                let failed =
                    chunk.as_ref().is_ok_and(|c| c.iter().any(Result::is_err)) || chunk.is_err();
                if chunks.send(chunk).is_err() || failed {
                    return;
                }
                start = end;
            }
        });
        replay_in_order(size, checkpoints, chunk_rx, signatures, progress)
    })
}

/// A decoded chunk: each entry parsed with its leaf hash, or why it could not be.
type Decoded = Result<Vec<Result<(LogEntry, Hash), VerifyError>>, VerifyError>;

/// Entries per chunk read, decoded and replayed.
const CHUNK: u64 = 4096;

/// Reads entries `start..end` and decodes them on every core.
fn decode(source: &dyn LogSource, start: u64, end: u64) -> Decoded {
    let raw = source.entries(start, end).map_err(|e| VerifyError {
        location: Location::Source,
        reason: e.to_string(),
    })?;
    if raw.len() as u64 != end - start {
        return fail(
            Location::Entry(start + raw.len() as u64),
            "the source returned fewer entries than its checkpoint covers",
        );
    }
    Ok(raw
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let index = start + i as u64;
            let computed = leaf_hash(&e.data);
            if let Some(stored) = e.stored_leaf_hash {
                if stored != computed {
                    return fail(
                        Location::Entry(index),
                        format!(
                            "stored leaf hash {} is not the hash of the stored entry ({})",
                            hex::encode(stored),
                            hex::encode(computed)
                        ),
                    );
                }
            }
            let entry = LogEntry::from_leaf_bytes(&e.data)
                .or_else(|err| fail(Location::Entry(index), err.to_string()))?;
            Ok((entry, computed))
        })
        .collect())
}

/// The in-order part of the replay, over decoded chunks.
fn replay_in_order(
    size: u64,
    checkpoints: &[(Checkpoint, StateDigest)],
    chunks: std::sync::mpsc::Receiver<Decoded>,
    signatures: std::sync::mpsc::SyncSender<SignatureJob>,
    progress: Progress<'_>,
) -> Result<(State, Tree, StateDigest), VerifyError> {
    let mut state = State::new();
    let mut tree = Tree::new();
    let mut digest: StateDigest = [0; 32];
    let mut next_cp = checkpoints.iter().peekable();
    let mut last_root: Option<(u64, Hash)> = None;
    let mut start = 0u64;
    while start < size {
        let decoded = chunks.recv().map_err(|_| VerifyError {
            location: Location::Source,
            reason: "the reader stopped early".to_owned(),
        })??;
        let end = start + decoded.len() as u64;
        let mut job = Vec::with_capacity(decoded.len());
        // Even when a rule or checkpoint fails part-way, the signatures before it are checked:
        // a bad signature earlier in the chunk is the first thing wrong.
        let applied = (|| -> Result<(), VerifyError> {
            for (i, d) in decoded.into_iter().enumerate() {
                let index = start + i as u64;
                let (entry, lh) = d?;
                let key = state.signing_key(&entry.envelope).or_else(|r| {
                    fail(
                        Location::Entry(index),
                        format!("signer not valid at this entry: {r}"),
                    )
                })?;
                let payload = state
                    .check(&entry.envelope, entry.sequenced_at)
                    .or_else(|r| fail(Location::Entry(index), format!("breaks a rule: {r}")))?;
                state.apply(index, entry.sequenced_at, &entry.envelope, payload);
                tree.push(lh);
                job.push((index, key, entry));
                if let Some((cp, stored_digest)) = next_cp.next_if(|(cp, _)| cp.size == index + 1) {
                    let root = tree.root();
                    if root != cp.root {
                        return fail(
                            Location::Checkpoint(cp.size),
                            format!(
                                "signed root {} is not the root recomputed from the entries ({})",
                                hex::encode(cp.root),
                                hex::encode(root)
                            ),
                        );
                    }
                    if let Some((old_size, old_root)) = last_root {
                        let proof = tree
                            .consistency_proof(old_size, cp.size)
                            .or_else(|e| fail(Location::Checkpoint(cp.size), e.to_string()))?;
                        verify_consistency(old_size, cp.size, &old_root, &cp.root, &proof)
                            .or_else(|e| {
                                fail(
                                    Location::Checkpoint(cp.size),
                                    format!("not consistent with checkpoint {old_size}: {e}"),
                                )
                            })?;
                    }
                    last_root = Some((cp.size, cp.root));
                    digest = state.seal_batch(&digest);
                    if digest != *stored_digest {
                        return fail(
                            Location::Checkpoint(cp.size),
                            format!(
                                "recorded state digest {} differs from the digest recomputed by replay ({})",
                                hex::encode(stored_digest),
                                hex::encode(digest)
                            ),
                        );
                    }
                }
            }
            Ok(())
        })();
        // The verifier hung up only if it panicked; the scope then reports that.
        let _ = signatures.send(SignatureJob { entries: job });
        applied?;
        start = end;
        progress(start, size);
    }
    if let Some((cp, _)) = next_cp.next() {
        return fail(
            Location::Checkpoint(cp.size),
            "the checkpoint covers entries the source does not have",
        );
    }
    Ok((state, tree, digest))
}

fn verify_tiles(source: &dyn LogSource, tree: &Tree) -> Result<u64, VerifyError> {
    let size = tree.size();
    let mut checked = 0;
    for (level, index, width) in Tree::tiles_grown(0, size) {
        let Some(expected) = tree.tile(level, index, width) else {
            continue;
        };
        let got = source.tile(level, index, width).map_err(|e| VerifyError {
            location: Location::Tile { level, index },
            reason: e.to_string(),
        })?;
        if got != expected {
            let at = got
                .chunks(32)
                .zip(expected.chunks(32))
                .position(|(a, b)| a != b)
                .unwrap_or(got.len() / 32);
            return fail(
                Location::Tile { level, index },
                format!("hash {at} of {width} differs from the hash recomputed from the entries"),
            );
        }
        checked += 1;
    }
    Ok(checked)
}
