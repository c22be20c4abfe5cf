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
use serde::Serialize;

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
