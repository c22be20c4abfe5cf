//! Standardized reports and the deadlines they are held to. Each report type is a signed entry
//! with a published JSON Schema; deadlines come from the party's effective parameters and the
//! entry timestamps, so late and overdue items appear without anyone asking.
//!
//! - [`incident`]: incident notifications in stages (early warning, notification, final report);
//! - [`remediation`]: remediation items with a due date by severity, and their status updates;
//! - [`testing`]: declarations of security tests on others' systems, made before the test;
//! - [`attribution`]: attribution claims with evidence and confidence, corroboration, retraction;
//! - [`assessment`]: self-assessments per norm;
//! - [`disclosure`]: vulnerability disclosures as CSAF 2.0 advisories;
//! - [`overdue`]: what is past its deadline with nothing filed, across report types.

pub mod assessment;
pub mod attribution;
pub mod disclosure;
pub mod incident;
pub mod overdue;
pub mod remediation;
pub mod testing;

pub use incident::{
    IncidentRecord, IncidentReport, IncidentSeverity, IncidentStage, Incidents, StageRecord,
    Timeliness,
};

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use crate::commitments::Commitments;
use crate::norms::negotiation::Regime;
use crate::registry::Party;

/// A parameter in effect for `party` from its region (baseline, then regional profile).
pub(crate) fn param(regime: &Regime, party: &Party, name: &str, fallback: i64) -> u64 {
    let value = name
        .parse()
        .ok()
        .and_then(|n| {
            regime
                .effective_parameters(&party.region)
                .get(&n)
                .map(|p| p.value)
        })
        .unwrap_or(fallback);
    u64::try_from(value).unwrap_or(0)
}

/// A parameter in effect for `party`, counting the stricter values it committed itself to:
/// the strictest of its region's value and those of its active commitments.
pub(crate) fn param_with_commitments(
    regime: &Regime,
    commitments: &Commitments,
    party: &Party,
    name: &str,
    fallback: i64,
) -> u64 {
    let base = param(regime, party, name, fallback);
    let Ok(key) = name.parse::<crate::ids::ParamName>() else {
        return base;
    };
    let Some(bound) = regime.parameters.get(&key) else {
        return base;
    };
    let own = commitments
        .of(&party.id)
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|c| c.active)
        .filter_map(|c| c.parameters.get(&key))
        .filter_map(|v| u64::try_from(*v).ok());
    own.fold(base, |best, v| {
        if bound.stricter.at_least_as_strict(v as i64, best as i64) {
            v
        } else {
            best
        }
    })
}

/// Records of one kind, by party then by the party's own id for them (incident, item, test,
/// claim, norm).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByParty<K: Ord, R>(BTreeMap<PartyId, BTreeMap<K, R>>);

impl<K: Ord, R> Default for ByParty<K, R> {
    fn default() -> Self {
        ByParty(BTreeMap::new())
    }
}

impl<K: Ord, R> ByParty<K, R> {
    /// A party's records.
    pub fn of(&self, party: &PartyId) -> Option<&BTreeMap<K, R>> {
        self.0.get(party)
    }

    /// Every record, by party.
    pub fn all(&self) -> impl Iterator<Item = &R> {
        self.0.values().flat_map(|m| m.values())
    }
}

/// What the rules and folds of reports read besides the reports: the regime (deadlines from
/// effective parameters), the commitments (a party's own stricter parameters) and the parties.
pub struct ReportInputs<'a> {
    /// The regime, once chartered.
    pub regime: Option<&'a Regime>,
    /// Every commitment.
    pub commitments: &'a Commitments,
    /// Every registered party.
    pub parties: &'a BTreeMap<PartyId, Party>,
}

/// The report entry types.
mod admission {
    use super::assessment::{Assessments, SelfAssessment};
    use super::attribution::{AttributionClaim, Attributions, Corroboration, Retraction};
    use super::disclosure::{DisclosureReport, Disclosures};
    use super::remediation::{RemediationReport, Remediations};
    use super::testing::{TestingDeclaration, TestingDeclarations};
    use super::*;
    use crate::admission::{Admit, Submitted};
    use crate::entry::EntryRef;
    use crate::ids::{NormId, ShortText};
    use crate::norms::negotiation::require_regime;
    use crate::rules::Rejection;

    /// (party, report id).
    type Key = (PartyId, ShortText);

    impl Admit for IncidentReport {
        type Part = Incidents;
        type Inputs<'a> = ReportInputs<'a>;
        type Touched = Key;

        fn check(
            &self,
            part: &Incidents,
            i: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            require_regime(i.regime)?;
            part.check(by.party()?, self, by.at, |p| i.parties.contains_key(p))
        }

        fn apply(
            self,
            part: &mut Incidents,
            i: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            let (Some(regime), Some(party)) = (i.regime, i.parties.get(by)) else {
                return Vec::new();
            };
            part.apply(regime, party, &self, here);
            vec![(party.id.clone(), self.incident)]
        }
    }

    impl Admit for RemediationReport {
        type Part = Remediations;
        type Inputs<'a> = ReportInputs<'a>;
        type Touched = Key;

        fn check(
            &self,
            part: &Remediations,
            i: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            require_regime(i.regime)?;
            part.check(by.party()?, self, by.at)
        }

        fn apply(
            self,
            part: &mut Remediations,
            i: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            let (Some(regime), Some(party)) = (i.regime, i.parties.get(by)) else {
                return Vec::new();
            };
            part.apply(regime, i.commitments, party, &self, here);
            vec![(party.id.clone(), self.item)]
        }
    }

    impl Admit for TestingDeclaration {
        type Part = TestingDeclarations;
        type Inputs<'a> = ReportInputs<'a>;
        type Touched = Key;

        fn check(
            &self,
            part: &TestingDeclarations,
            i: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            require_regime(i.regime)?;
            part.check(by.party()?, self, by.at)
        }

        fn apply(
            self,
            part: &mut TestingDeclarations,
            i: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            let (Some(regime), Some(party)) = (i.regime, i.parties.get(by)) else {
                return Vec::new();
            };
            part.apply(regime, i.commitments, party, &self, here);
            vec![(party.id.clone(), self.test)]
        }
    }

    impl Admit for AttributionClaim {
        type Part = Attributions;
        type Inputs<'a> = ReportInputs<'a>;
        type Touched = Key;

        fn check(
            &self,
            part: &Attributions,
            i: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_claim(by.party()?, self, |p| i.parties.contains_key(p))
        }

        fn apply(
            self,
            part: &mut Attributions,
            _: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            part.apply_claim(by, &self, here);
            vec![(by.clone(), self.claim)]
        }
    }

    impl Admit for Corroboration {
        type Part = Attributions;
        type Inputs<'a> = ReportInputs<'a>;
        type Touched = Key;

        fn check(
            &self,
            part: &Attributions,
            _: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_corroboration(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Attributions,
            _: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            part.apply_corroboration(by, &self, here);
            vec![(self.claimant, self.claim)]
        }
    }

    impl Admit for Retraction {
        type Part = Attributions;
        type Inputs<'a> = ReportInputs<'a>;
        type Touched = Key;

        fn check(
            &self,
            part: &Attributions,
            _: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_retraction(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Attributions,
            _: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            part.apply_retraction(by, &self, here);
            vec![(by.clone(), self.claim)]
        }
    }

    impl Admit for SelfAssessment {
        type Part = Assessments;
        type Inputs<'a> = ReportInputs<'a>;
        /// (party, norm).
        type Touched = (PartyId, NormId);

        fn check(
            &self,
            part: &Assessments,
            i: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check(require_regime(i.regime)?, self, by.at)
        }

        fn apply(
            self,
            part: &mut Assessments,
            i: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, NormId)> {
            let Some(party) = i.parties.get(by) else {
                return Vec::new();
            };
            part.apply(party, &self, here);
            vec![(party.id.clone(), self.norm)]
        }
    }

    impl Admit for DisclosureReport {
        type Part = Disclosures;
        type Inputs<'a> = ReportInputs<'a>;
        /// (party, advisory tracking id).
        type Touched = Key;

        fn check(
            &self,
            part: &Disclosures,
            i: &ReportInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            require_regime(i.regime)?;
            // Schema 2 runs every mandatory CSAF test; schema 1 ran all but 6.1.11 (CWE) and
            // 6.1.12 (Language), and its entries replay by those rules.
            let edition = if by.schema >= 2 {
                accord_csaf::Edition::V2
            } else {
                accord_csaf::Edition::V1
            };
            part.check(by.party()?, self, by.at, edition).map(|_| ())
        }

        fn apply(
            self,
            part: &mut Disclosures,
            i: &ReportInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Key> {
            let (Some(regime), Some(party)) = (i.regime, i.parties.get(by)) else {
                return Vec::new();
            };
            part.apply(regime, i.commitments, party, &self, here);
            self.advisory["document"]["tracking"]["id"]
                .as_str()
                .and_then(|t| ShortText::new(t).ok())
                .map(|id| vec![(party.id.clone(), id)])
                .unwrap_or_default()
        }
    }
}
