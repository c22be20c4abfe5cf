//! Commitments: a party binds itself to a norm in force, with the effective parameters of its
//! region or stricter ones of its own. Making and withdrawing a commitment are entries; the
//! history stays visible, and a commitment to a norm that has left force stops counting.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use crate::entry::EntryRef;
use crate::ids::{LongText, NormId, ParamName};
use crate::norms::negotiation::{chamber_of, EffectiveParameter, Regime};
use crate::registry::Party;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// `commitment.make`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentMade {
    /// The norm committed to (must be in force).
    pub norm: NormId,
    /// Parameters the party holds itself to, each at least as strict as its region's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<ParamName, i64>,
    /// What the party says about how it meets the norm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<LongText>,
}

/// `commitment.withdraw`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentWithdrawn {
    /// The norm.
    pub norm: NormId,
    /// Why.
    pub reason: LongText,
}

/// One step in a commitment's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CommitmentEvent {
    /// Made (or made again, with new parameters).
    Made {
        /// The entry.
        entry: EntryRef,
        /// The party's own parameters.
        parameters: BTreeMap<ParamName, i64>,
    },
    /// Withdrawn.
    Withdrawn {
        /// The entry.
        entry: EntryRef,
        /// Why.
        reason: LongText,
    },
}

/// A party's commitment to one norm, with its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentRecord {
    /// The party.
    pub party: PartyId,
    /// The norm.
    pub norm: NormId,
    /// Whether the party is committed now (regardless of the norm's status).
    pub active: bool,
    /// The party's own parameters while active.
    pub parameters: BTreeMap<ParamName, i64>,
    /// Every make and withdraw, oldest first.
    pub history: Vec<CommitmentEvent>,
}

impl CommitmentRecord {
    /// Whether the commitment counts at log time `now`: active, and the norm in force.
    pub fn counts(&self, regime: &Regime, now: Timestamp) -> bool {
        self.active
            && regime
                .norms
                .get(&self.norm)
                .is_some_and(|n| n.in_force(now))
    }
}

/// All commitments, by party then norm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitments {
    by_party: BTreeMap<PartyId, BTreeMap<NormId, CommitmentRecord>>,
}

impl Commitments {
    /// A party's commitments, by norm.
    pub fn of(&self, party: &PartyId) -> Option<&BTreeMap<NormId, CommitmentRecord>> {
        self.by_party.get(party)
    }

    /// One commitment.
    pub fn get(&self, party: &PartyId, norm: &NormId) -> Option<&CommitmentRecord> {
        self.by_party.get(party)?.get(norm)
    }

    /// Parameters in effect for `party` under its commitment to `norm`: the baseline, then its
    /// region's profile, then its own stricter values (origin `party`).
    pub fn effective_parameters(
        &self,
        regime: &Regime,
        party: &Party,
        norm: &NormId,
    ) -> BTreeMap<ParamName, EffectiveParameter> {
        let mut params = regime.effective_parameters(&party.region);
        if let Some(c) = self.get(&party.id, norm).filter(|c| c.active) {
            for (name, value) in &c.parameters {
                if let Some(p) = params.get_mut(name) {
                    p.value = *value;
                    p.origin = "party".to_owned();
                }
            }
        }
        params
    }

    /// Checks `commitment.make`.
    pub fn check_make(
        &self,
        regime: &Regime,
        signer: &Party,
        c: &CommitmentMade,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        if chamber_of(signer.kind).is_none()
            || !regime.procedure.norm.signatories.contains(&signer.kind)
        {
            return Err(Rejection::forbidden(
                "role",
                "/type",
                format!(
                    "a {} does not commit to norms; it verifies or administers them",
                    signer.kind.as_str()
                ),
            ));
        }
        let norm = regime.norms.get(&c.norm).ok_or_else(|| {
            Rejection::conflict(
                "unknown-norm",
                "/payload/norm",
                format!("norm `{}` is not in the catalog", c.norm),
            )
        })?;
        if !norm.in_force(at) {
            return Err(Rejection::conflict(
                "norm-not-in-force",
                "/payload/norm",
                format!(
                    "norm `{}` is {:?} and takes no new commitments",
                    c.norm,
                    norm.status(at)
                ),
            ));
        }
        if self
            .get(&signer.id, &c.norm)
            .is_some_and(|r| r.active && r.parameters == c.parameters)
        {
            return Err(Rejection::conflict(
                "already-committed",
                "/payload/norm",
                format!(
                    "`{}` is already committed to `{}` with these parameters",
                    signer.id, c.norm
                ),
            ));
        }
        let effective = regime.effective_parameters(&signer.region);
        for (name, value) in &c.parameters {
            let pointer = format!("/payload/parameters/{name}");
            let (Some(bound), Some(current)) = (regime.parameters.get(name), effective.get(name))
            else {
                return Err(Rejection::malformed(
                    "unknown-parameter",
                    pointer,
                    format!("`{name}` is not a regime parameter"),
                ));
            };
            if *value < 1 || !bound.stricter.at_least_as_strict(*value, current.value) {
                return Err(Rejection::malformed(
                    "not-stricter",
                    pointer,
                    format!(
                        "{name} = {value} {unit} is less strict than the {} {unit} in effect for `{}` ({}); a party may only tighten it",
                        current.value,
                        signer.region,
                        current.origin,
                        unit = bound.unit
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks `commitment.withdraw`.
    pub fn check_withdraw(&self, signer: &Party, w: &CommitmentWithdrawn) -> Result<(), Rejection> {
        match self.get(&signer.id, &w.norm) {
            Some(c) if c.active => Ok(()),
            _ => Err(Rejection::conflict(
                "not-committed",
                "/payload/norm",
                format!("`{}` has no active commitment to `{}`", signer.id, w.norm),
            )),
        }
    }

    /// Folds in `commitment.make`.
    pub fn make(&mut self, party: &PartyId, c: &CommitmentMade, here: EntryRef) {
        let record = self.record(party, &c.norm);
        record.active = true;
        record.parameters = c.parameters.clone();
        record.history.push(CommitmentEvent::Made {
            entry: here,
            parameters: c.parameters.clone(),
        });
    }

    /// Folds in `commitment.withdraw`.
    pub fn withdraw(&mut self, party: &PartyId, w: &CommitmentWithdrawn, here: EntryRef) {
        let record = self.record(party, &w.norm);
        record.active = false;
        record.parameters.clear();
        record.history.push(CommitmentEvent::Withdrawn {
            entry: here,
            reason: w.reason.clone(),
        });
    }

    fn record(&mut self, party: &PartyId, norm: &NormId) -> &mut CommitmentRecord {
        self.by_party
            .entry(party.clone())
            .or_default()
            .entry(norm.clone())
            .or_insert_with(|| CommitmentRecord {
                party: party.clone(),
                norm: norm.clone(),
                active: false,
                parameters: BTreeMap::new(),
                history: Vec::new(),
            })
    }
}

/// What the rules of commitments read besides commitments: the regime (norms in force,
/// parameters, bounds).
pub struct CommitmentInputs<'a> {
    /// The regime, once chartered.
    pub regime: Option<&'a Regime>,
}

/// The commitments' entry types.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};
    use crate::norms::negotiation::require_regime;

    impl Admit for CommitmentMade {
        type Part = Commitments;
        type Inputs<'a> = CommitmentInputs<'a>;
        /// (party, norm).
        type Touched = (PartyId, NormId);

        fn check(
            &self,
            part: &Commitments,
            inputs: &CommitmentInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_make(require_regime(inputs.regime)?, by.party()?, self, by.at)
        }

        fn apply(
            self,
            part: &mut Commitments,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, NormId)> {
            part.make(by, &self, here);
            vec![(by.clone(), self.norm)]
        }
    }

    impl Admit for CommitmentWithdrawn {
        type Part = Commitments;
        type Inputs<'a> = CommitmentInputs<'a>;
        type Touched = (PartyId, NormId);

        fn check(
            &self,
            part: &Commitments,
            _: &CommitmentInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_withdraw(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Commitments,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, NormId)> {
            part.withdraw(by, &self, here);
            vec![(by.clone(), self.norm)]
        }
    }
}
