//! The domain of Accord: entry types, the rules that admit them, and the pure projections that
//! fold the log into state (the *check* and *project* boxes of the data flow).
//!
//! This crate does no I/O and reads no clock. Everything it computes is a function of log
//! entries, which is what lets anyone replay the log and reproduce every published number.

pub mod admission;
pub mod cbm;
pub mod certification;
pub mod commitments;
pub mod credentials;
pub mod decision;
pub mod enforcement;
pub mod entry;
pub mod evidence;
pub mod ids;
pub mod indicators;
pub mod norms;
pub mod party;
pub mod payload;
pub mod registry;
pub mod reports;
pub mod rules;
pub mod sharing;
pub mod state;
pub mod time;
pub mod tokens;

pub use entry::{EntryError, EntryRef, LogEntry, MAX_ENTRY_BYTES};
pub use payload::Payload;
pub use registry::{Party, PartyKind};
pub use rules::{Rejection, RejectionKind};
pub use state::{State, StateDigest};
pub use time::Timestamp;

impl State {
    /// Admits one entry in full: resolves the signing key, verifies the signature strictly,
    /// checks the rules and folds the entry in. The sequencer splits these steps to verify
    /// signatures in parallel; replay and tests use this one.
    pub fn admit(&mut self, index: u64, entry: &LogEntry) -> Result<(), Rejection> {
        let key = self.signing_key(&entry.envelope)?;
        entry.envelope.verify(&key)?;
        let payload = self.check(&entry.envelope, entry.sequenced_at)?;
        self.apply(index, entry.sequenced_at, &entry.envelope, payload);
        Ok(())
    }
}
