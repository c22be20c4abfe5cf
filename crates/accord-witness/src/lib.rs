//! A transparency-log witness per C2SP `tlog-witness`: it cosigns (C2SP `tlog-cosignature`,
//! `cosignature/v1`) a log's checkpoint only if the checkpoint is signed by a key it trusts for
//! that log and is consistent with the latest checkpoint it cosigned for it, and it records
//! the new checkpoint durably *before* it answers. So a log that shows two readers two
//! different trees cannot get both cosigned by one honest witness, and a witness that
//! restarts never cosigns a rollback.
//!
//! [`Witness::add_checkpoint`] is the protocol's one call, answered as the spec says:
//!
//! | status | when |
//! |---|---|
//! | 200 | cosigned; the body is the cosignature line |
//! | 400 | the request does not parse, or its old size exceeds the checkpoint's size |
//! | 403 | no signature by a key this witness trusts for the origin verifies |
//! | 404 | the origin is not a log this witness witnesses |
//! | 409 | the old size is not the size of the latest cosigned checkpoint (body: that size, `text/x.tlog.size`), or the same size with another root |
//! | 422 | the consistency proof does not verify |
//!
//! A request whose checkpoint is signed by the log but refused (409 with another root at the
//! same size, 422) is kept in the `refused` table beside the cosigned one: two signed
//! checkpoints of one log that cannot both be true are evidence of a split view.
//!
//! State lives in one SQLite file (`synchronous = FULL`); each request's check and update run
//! in one `BEGIN IMMEDIATE` transaction, so two requests (or two processes) can never both
//! pass the check against the same old size.

pub mod equivocation;
pub mod http;
mod request;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::cosignature::Cosigner;
use accord_tlog::note::{self, NoteError, NoteVerifier};
use accord_tlog::{verify_consistency, Hash};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use equivocation::{Equivocation, Proven};
pub use request::{AddCheckpoint, RequestError};

/// Media type of a 409 answer's body: the size of the latest cosigned checkpoint.
pub const SIZE_MEDIA_TYPE: &str = "text/x.tlog.size";

/// Errors opening or using the witness's state.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The state database failed.
    #[error("the witness's state database {path}: {error}")]
    State {
        /// Its path.
        path: String,
        /// What failed.
        error: String,
    },
    /// Two keys for one log origin disagree on its name.
    #[error("log key {0} has another name than the origin it is listed under")]
    Config(String),
}

/// An answer to `add-checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` of the body.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Answer {
    fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }

    fn size(size: u64) -> Answer {
        Answer {
            status: 409,
            content_type: SIZE_MEDIA_TYPE,
            body: format!("{size}\n"),
        }
    }
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    /// The log's origin.
    pub origin: String,
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
    /// The checkpoint as submitted (with the log's signatures).
    pub note: String,
    /// When it was cosigned (POSIX seconds).
    pub cosigned_at: u64,
}

/// A checkpoint the log signed that the witness refused to cosign, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The log's origin.
    pub origin: String,
    /// The old size the request named.
    pub old_size: u64,
    /// The checkpoint as submitted.
    pub note: String,
    /// The consistency proof it came with, one base64 hash per line.
    pub proof: String,
    /// Why it was refused.
    pub reason: String,
    /// When (POSIX seconds).
    pub at: u64,
    /// The equivocation proof it makes with the cosigned checkpoint, when it is conclusive.
    pub evidence: Option<Equivocation>,
}

/// A witness: its cosigning key, the logs it witnesses with their keys, and its state.
pub struct Witness {
    cosigner: Cosigner,
    logs: BTreeMap<String, Vec<NoteVerifier>>,
    db: Mutex<Connection>,
    path: String,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("cosigner", &self.cosigner)
            .field("logs", &self.logs.keys().collect::<Vec<_>>())
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Witness {
    /// Opens (creating if missing) the witness state at `path`; `logs` are the verifier keys
    /// of the logs it witnesses (a log's origin is its key's name; several keys for one log
    /// are fine).
    pub fn open(
        path: &Path,
        cosigner: Cosigner,
        logs: Vec<NoteVerifier>,
    ) -> Result<Witness, WitnessError> {
        let shown = path.display().to_string();
        let state = |e: rusqlite::Error| WitnessError::State {
            path: shown.clone(),
            error: e.to_string(),
        };
        let db = Connection::open(path).map_err(state)?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS cosigned(
                 origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL,
                 note TEXT NOT NULL, cosigned_at INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS refused(
                 id INTEGER PRIMARY KEY, origin TEXT NOT NULL, old_size INTEGER NOT NULL,
                 note TEXT NOT NULL, proof TEXT NOT NULL, reason TEXT NOT NULL,
                 at INTEGER NOT NULL, evidence TEXT);",
        )
        .map_err(state)?;
        let mut by_origin: BTreeMap<String, Vec<NoteVerifier>> = BTreeMap::new();
        for key in logs {
            by_origin
                .entry(key.name().to_owned())
                .or_default()
                .push(key);
        }
        Ok(Witness {
            cosigner,
            logs: by_origin,
            db: Mutex::new(db),
            path: shown,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        self.cosigner.name()
    }

    /// Its verifier key (signature type `0x04`), for logs and readers to configure.
    pub fn verifier_key(&self) -> String {
        self.cosigner.verifier_key()
    }

    /// The origins it witnesses.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.logs.keys().map(String::as_str)
    }

    /// The latest checkpoint it cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Result<Option<Latest>, WitnessError> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        latest(&db, origin).map_err(|e| self.state_error(e))
    }

    /// Every refused checkpoint of `origin`, oldest first.
    pub fn refused(&self, origin: &str) -> Result<Vec<Refused>, WitnessError> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let mut query = db
            .prepare(
                "SELECT origin, old_size, note, proof, reason, at, evidence FROM refused
                 WHERE origin = ?1 ORDER BY id",
            )
            .map_err(|e| self.state_error(e))?;
        let rows = query
            .query_map([origin], |r| {
                Ok(Refused {
                    origin: r.get(0)?,
                    old_size: r.get::<_, i64>(1)? as u64,
                    note: r.get(2)?,
                    proof: r.get(3)?,
                    reason: r.get(4)?,
                    at: r.get::<_, i64>(5)? as u64,
                    evidence: r
                        .get::<_, Option<String>>(6)?
                        .and_then(|e| serde_json::from_str(&e).ok()),
                })
            })
            .map_err(|e| self.state_error(e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.state_error(e))
    }

    /// Every conclusive equivocation proof this witness holds, of any log, oldest first.
    pub fn equivocations(&self) -> Result<Vec<Equivocation>, WitnessError> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let mut query = db
            .prepare("SELECT evidence FROM refused WHERE evidence IS NOT NULL ORDER BY id")
            .map_err(|e| self.state_error(e))?;
        let rows = query
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.state_error(e))?;
        let mut found = Vec::new();
        for row in rows {
            let text = row.map_err(|e| self.state_error(e))?;
            if let Ok(e) = serde_json::from_str(&text) {
                found.push(e);
            }
        }
        Ok(found)
    }

    fn state_error(&self, e: rusqlite::Error) -> WitnessError {
        WitnessError::State {
            path: self.path.clone(),
            error: e.to_string(),
        }
    }

    /// Answers one `add-checkpoint` request body at time `now` (POSIX seconds). A failure of
    /// the state database is a 500 and cosigns nothing.
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Answer {
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(e) => return Answer::text(400, e.to_string()),
        };
        let origin = request.note.lines().next().unwrap_or_default();
        let Some(keys) = self.logs.get(origin) else {
            return Answer::text(
                404,
                format!("this witness does not witness the log `{origin}`"),
            );
        };
        let opened = match note::open(&request.note, keys) {
            Ok(opened) => opened,
            Err(NoteError::NoKnownSignature) => {
                return Answer::text(
                    403,
                    format!("the checkpoint carries no signature by a key this witness trusts for `{origin}`"),
                )
            }
            Err(e) => return Answer::text(403, format!("the checkpoint's signature: {e}")),
        };
        let checkpoint = match Checkpoint::parse(&opened.text) {
            Ok(c) => c,
            Err(e) => return Answer::text(400, format!("the checkpoint: {e}")),
        };
        if request.old_size > checkpoint.size {
            return Answer::text(
                400,
                format!(
                    "the old size {} is larger than the checkpoint's size {}",
                    request.old_size, checkpoint.size
                ),
            );
        }
        match self.check_and_record(&request, &checkpoint, keys, now) {
            Ok(Ok(())) => {}
            Ok(Err(answer)) => return answer,
            Err(e) => {
                tracing::error!(error = %e, "witness state");
                return Answer::text(
                    500,
                    "the witness could not record its state; nothing was cosigned",
                );
            }
        }
        match self.cosigner.cosign(&opened.text, now) {
            Ok(line) => Answer {
                status: 200,
                content_type: "text/plain; charset=utf-8",
                body: line,
            },
            Err(e) => Answer::text(500, format!("cosigning: {e}")),
        }
    }

    /// In one transaction: compares the request with the latest cosigned checkpoint, and
    /// either records the new one (Ok(Ok)) or answers why not (Ok(Err)), keeping a signed
    /// but inconsistent checkpoint as evidence.
    fn check_and_record(
        &self,
        request: &AddCheckpoint,
        checkpoint: &Checkpoint,
        keys: &[NoteVerifier],
        now: u64,
    ) -> Result<Result<(), Answer>, rusqlite::Error> {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let origin = &checkpoint.origin;
        let stored = latest(&tx, origin)?;
        let (stored_size, stored_root) = stored
            .as_ref()
            .map_or((0, None), |l| (l.size, Some(l.root)));
        if request.old_size != stored_size {
            return Ok(Err(Answer::size(stored_size)));
        }
        let refuse = |tx: &rusqlite::Transaction<'_>,
                      reason: &str,
                      evidence: Option<Equivocation>|
         -> Result<(), rusqlite::Error> {
            if evidence.is_some() {
                tracing::error!(log = %origin, %reason, "split view: the log signed two checkpoints that cannot both be true; equivocation proof kept");
            }
            tx.execute(
                "INSERT INTO refused(origin, old_size, note, proof, reason, at, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    origin,
                    request.old_size as i64,
                    request.note,
                    request.proof_lines(),
                    reason,
                    now as i64,
                    evidence.map(|e| serde_json::to_string(&e).expect("serializable"))
                ],
            )?;
            Ok(())
        };
        let cosigned_note = stored.as_ref().map(|l| l.note.as_str()).unwrap_or_default();
        if let Some(old_root) = stored_root {
            if checkpoint.size == stored_size {
                if checkpoint.root != old_root {
                    let reason = format!(
                        "another root at size {stored_size}, which this witness cosigned with another root"
                    );
                    let evidence = Equivocation::same_size(origin, cosigned_note, &request.note);
                    refuse(&tx, &reason, Some(evidence))?;
                    tx.commit()?;
                    return Ok(Err(Answer::size(stored_size)));
                }
            } else if let Err(e) = verify_consistency(
                stored_size,
                checkpoint.size,
                &old_root,
                &checkpoint.root,
                &request.proof,
            ) {
                let evidence = keys.iter().find_map(|log| {
                    Equivocation::from_failed_proof(
                        log,
                        cosigned_note,
                        &request.note,
                        &request.proof,
                        None,
                    )
                });
                let reason = format!(
                    "the consistency proof from size {stored_size} to {} does not verify: {e}{}",
                    checkpoint.size,
                    if evidence.is_some() {
                        " (it leads to the new root and to another root at the cosigned size: a split view)"
                    } else {
                        ""
                    }
                );
                refuse(&tx, &reason, evidence)?;
                tx.commit()?;
                return Ok(Err(Answer::text(422, reason)));
            }
        } else if !request.proof.is_empty() {
            return Ok(Err(Answer::text(
                422,
                "a consistency proof from size 0 must be empty",
            )));
        }
        tx.execute(
            "INSERT INTO cosigned(origin, size, root, note, cosigned_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(origin) DO UPDATE SET size = ?2, root = ?3, note = ?4, cosigned_at = ?5",
            params![
                origin,
                checkpoint.size as i64,
                &checkpoint.root[..],
                request.note,
                now as i64
            ],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }
}

fn latest(db: &Connection, origin: &str) -> Result<Option<Latest>, rusqlite::Error> {
    db.query_row(
        "SELECT origin, size, root, note, cosigned_at FROM cosigned WHERE origin = ?1",
        [origin],
        |r| {
            let root: Vec<u8> = r.get(2)?;
            Ok(Latest {
                origin: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                root: root.try_into().unwrap_or([0; 32]),
                note: r.get(3)?,
                cosigned_at: r.get::<_, i64>(4)? as u64,
            })
        },
    )
    .optional()
}
