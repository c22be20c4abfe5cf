//! The *sequence* box of the data flow: accepted envelopes are batched, checked against the
//! projected state, appended to the log and made durable in one transaction; the checkpoint is
//! re-signed; receipts go out only after the commit.
//!
//! [`Ledger`] is the synchronous core (used directly by `init`, the demo world and replay);
//! [`Sequencer`] runs a ledger on its own thread and batches whatever concurrent submitters
//! send while the previous batch is being made durable.

pub mod clock;
pub mod ledger;
pub mod published;
pub mod receipt;
pub mod snapshot;

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use accord_domain::Rejection;
use tokio::sync::{mpsc, oneshot};

pub use clock::{Clock, SimulatedClock, SystemClock};
pub use ledger::{Core, Ledger, LedgerError, Outcome, Published, Submission};
pub use published::PublishedFile;
pub use receipt::{Receipt, ReceiptError, VerifiedReceipt};
pub use snapshot::Snapshots;

/// Why a submission through the [`Sequencer`] did not produce a receipt.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The submission broke a rule; nothing was stored.
    #[error("{0}")]
    Rejected(Rejection),
    /// The ledger could not store the batch; nothing of it was stored. Retry later.
    #[error("the log is unavailable: {0}")]
    Unavailable(String),
}

/// What one batch did, for metrics.
#[derive(Clone, Copy, Debug)]
pub struct BatchStats {
    /// Submissions in the batch.
    pub submissions: usize,
    /// New entries appended.
    pub appended: usize,
    /// Time from taking the batch to having its receipts.
    pub duration: Duration,
}

/// A callback told about every batch.
pub type BatchObserver = Arc<dyn Fn(BatchStats) + Send + Sync>;

type Job = (Submission, oneshot::Sender<Result<Outcome, SubmitError>>);

/// A ledger running on its own thread, fed through a channel. Cloning shares the thread.
#[derive(Clone)]
pub struct Sequencer {
    tx: mpsc::Sender<Job>,
    ledger: Arc<Ledger>,
}

/// Joins the sequencer thread once every [`Sequencer`] handle is dropped: the batch in flight
/// and everything queued before the last handle went away is finished first.
pub struct SequencerThread(Option<JoinHandle<()>>);

impl SequencerThread {
    /// Waits for the sequencer thread to drain and stop.
    pub fn join(mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}

impl Sequencer {
    /// Starts the sequencer thread over `ledger`; batches hold at most `max_batch` submissions.
    pub fn start(
        ledger: Arc<Ledger>,
        max_batch: usize,
        observer: Option<BatchObserver>,
    ) -> (Sequencer, SequencerThread) {
        let (tx, mut rx) = mpsc::channel::<Job>(max_batch.max(1) * 4);
        let worker = ledger.clone();
        let handle = std::thread::Builder::new()
            .name("accord-sequencer".into())
            .spawn(move || {
                let mut jobs = Vec::with_capacity(max_batch);
                while let Some(first) = rx.blocking_recv() {
                    jobs.push(first);
                    while jobs.len() < max_batch {
                        match rx.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
                    let started = Instant::now();
                    let (subs, replies): (Vec<_>, Vec<_>) = jobs.drain(..).unzip();
                    let n = subs.len();
                    match worker.append(subs) {
                        Ok(results) => {
                            let appended = results
                                .iter()
                                .filter(|r| matches!(r, Ok(o) if !o.duplicate))
                                .count();
                            for (reply, result) in replies.into_iter().zip(results) {
                                let _ = reply.send(result.map_err(SubmitError::Rejected));
                            }
                            if let Some(obs) = &observer {
                                obs(BatchStats {
                                    submissions: n,
                                    appended,
                                    duration: started.elapsed(),
                                });
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "batch not stored");
                            for reply in replies {
                                let _ = reply.send(Err(SubmitError::Unavailable(e.to_string())));
                            }
                        }
                    }
                }
            })
            .expect("spawning the sequencer thread");
        (Sequencer { tx, ledger }, SequencerThread(Some(handle)))
    }

    /// The ledger (for reads).
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// Submits one envelope and waits for its receipt (after durability) or its rejection.
    pub async fn submit(&self, submission: Submission) -> Result<Outcome, SubmitError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send((submission, tx))
            .await
            .map_err(|_| SubmitError::Unavailable("the sequencer has stopped".into()))?;
        rx.await
            .map_err(|_| SubmitError::Unavailable("the sequencer stopped mid-batch".into()))?
    }
}
