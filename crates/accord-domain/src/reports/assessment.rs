//! Self-assessments: a party's own score of how it meets a norm over a period. Verified values
//! come from audits (a later capability); the gap indicator compares the two.

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::ByParty;
use crate::entry::EntryRef;
use crate::ids::{LongText, NormId};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// `report.self_assessment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfAssessment {
    /// The norm assessed.
    pub norm: NormId,
    /// Start of the period assessed.
    pub period_start: Timestamp,
    /// End of the period assessed (excluded).
    pub period_end: Timestamp,
    /// The party's score, 0 to 100.
    pub score: u8,
    /// How it reached the score.
    pub statement: LongText,
    /// Confidential evidence the owner committed (`evidence.commit`) and attaches here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::ids::EvidenceId>,
}

/// A self-assessment as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentRecord {
    /// The assessment.
    pub assessment: SelfAssessment,
    /// The entry.
    pub entry: EntryRef,
}

/// All self-assessments, by party then norm, oldest first.
pub type Assessments = ByParty<NormId, Vec<AssessmentRecord>>;

impl Assessments {
    /// A party's assessments of a norm.
    pub fn of_norm(&self, party: &PartyId, norm: &NormId) -> &[AssessmentRecord] {
        self.0
            .get(party)
            .and_then(|m| m.get(norm))
            .map_or(&[], Vec::as_slice)
    }

    /// Checks `report.self_assessment`.
    pub fn check(
        &self,
        regime: &Regime,
        s: &SelfAssessment,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        if !regime.norms.contains_key(&s.norm) {
            return Err(Rejection::conflict(
                "unknown-norm",
                "/payload/norm",
                format!("norm `{}` is not in the catalog", s.norm),
            ));
        }
        if s.score > 100 {
            return Err(Rejection::malformed(
                "score",
                "/payload/score",
                format!("a score is 0 to 100, not {}", s.score),
            ));
        }
        if s.period_end <= s.period_start || s.period_start > at {
            return Err(Rejection::malformed(
                "period",
                "/payload/period_end",
                format!(
                    "the period must end after it starts and start by now ({} .. {})",
                    s.period_start, s.period_end
                ),
            ));
        }
        Ok(())
    }

    /// Folds in `report.self_assessment`.
    pub fn apply(&mut self, party: &Party, s: &SelfAssessment, here: EntryRef) {
        self.0
            .entry(party.id.clone())
            .or_default()
            .entry(s.norm.clone())
            .or_default()
            .push(AssessmentRecord {
                assessment: s.clone(),
                entry: here,
            });
    }
}
