//! How an entry type is admitted: its rule (`check`) and its fold (`apply`) behind one trait,
//! implemented by the sub-domain that owns the type, next to its payload.
//!
//! The composition layer (`State`) hands each sub-domain its part of the state and the inputs
//! its rules read, once per sub-domain, and dispatches every entry type from the one table of
//! entry types (`payload::entry_table!`). A new entry type of an existing sub-domain is then
//! its payload with an `impl Admit` in the sub-domain's file, plus one line in that table.

use accord_envelope::PartyId;

use crate::entry::EntryRef;
use crate::party::{Party, PartyKind};
use crate::rules::Rejection;
use crate::time::Timestamp;

/// Who signed a submission: a registered party, or the instance key (whose entries record
/// what the server itself did: releasing evidence, refusing a case step, a TAXII post).
#[derive(Clone, Copy, Debug)]
pub enum Signer<'a> {
    /// A registered party with an active key.
    Party(&'a Party),
    /// The instance key.
    Instance,
}

/// A submission as the rules see it: its entry type, its signer, its log time and the index
/// it would be sequenced at.
#[derive(Clone, Copy, Debug)]
pub struct Submitted<'a> {
    /// The entry type.
    pub entry_type: &'a str,
    /// The signer (its key already verified and active).
    pub signer: Signer<'a>,
    /// The log time it would be sequenced at.
    pub at: Timestamp,
    /// The log index it would be sequenced at.
    pub index: u64,
    /// The envelope's schema version: the version of the rules that judge it (see
    /// `payload::current_schema`).
    pub schema: u32,
}

impl<'a> Submitted<'a> {
    /// The signing party; refuses the instance key, which signs only records of what the
    /// server did.
    pub fn party(&self) -> Result<&'a Party, Rejection> {
        match self.signer {
            Signer::Party(p) => Ok(p),
            Signer::Instance => Err(Rejection::forbidden(
                "instance-signer",
                "/signer/party",
                "the instance key signs only records of what the server did",
            )),
        }
    }

    /// Refuses a party: entries of this type are the instance's records of what the server
    /// did (`how` says how a party gets it done instead).
    pub fn instance(&self, how: &str) -> Result<(), Rejection> {
        match self.signer {
            Signer::Instance => Ok(()),
            Signer::Party(_) => Err(Rejection::forbidden(
                "instance-signer",
                "/signer/party",
                format!("`{}` {how}", self.entry_type),
            )),
        }
    }

    /// Where the entry would stand in the log.
    pub fn here(&self) -> EntryRef {
        EntryRef {
            index: self.index,
            at: self.at,
        }
    }

    /// Refuses a signer that is not of `kind` (e.g. only a secretariat registers parties).
    pub fn require_kind(&self, kind: PartyKind) -> Result<&'a Party, Rejection> {
        let signer = self.party()?;
        if signer.kind == kind {
            return Ok(signer);
        }
        Err(Rejection::forbidden(
            "role",
            "/type",
            format!(
                "`{}` entries may be submitted only by a {} party; `{}` is a {}",
                self.entry_type,
                kind.as_str(),
                signer.id,
                signer.kind.as_str()
            ),
        ))
    }
}

/// An entry type's rule and fold.
pub trait Admit: Sized {
    /// The part of the state it folds into.
    type Part;
    /// What else its rule reads, assembled by the composition layer.
    type Inputs<'a>;
    /// A record of the part its fold touched (for the state digest).
    type Touched;

    /// Whether `part` (and `inputs`) admit this entry by its signer at its time.
    fn check(
        &self,
        part: &Self::Part,
        inputs: &Self::Inputs<'_>,
        by: &Submitted<'_>,
    ) -> Result<(), Rejection>;

    /// Folds the admitted entry, signed by `by`, into `part`; the records it touched.
    fn apply(
        self,
        part: &mut Self::Part,
        inputs: &Self::Inputs<'_>,
        by: &PartyId,
        here: EntryRef,
    ) -> Vec<Self::Touched>;
}

/// A boxed payload (large ones are boxed in `Payload`) is admitted as what it holds.
impl<T: Admit> Admit for Box<T> {
    type Part = T::Part;
    type Inputs<'a> = T::Inputs<'a>;
    type Touched = T::Touched;

    fn check(
        &self,
        part: &Self::Part,
        inputs: &Self::Inputs<'_>,
        by: &Submitted<'_>,
    ) -> Result<(), Rejection> {
        (**self).check(part, inputs, by)
    }

    fn apply(
        self,
        part: &mut Self::Part,
        inputs: &Self::Inputs<'_>,
        by: &PartyId,
        here: EntryRef,
    ) -> Vec<Self::Touched> {
        (*self).apply(part, inputs, by, here)
    }
}
