//! Standing and threat-intelligence access tiers: projections of final findings, the measures
//! in force, remediation and overdue reports, with an explain view naming every cause.
//! Restoration needs no one's decision: when a case's measures end (restored, lifted on
//! review, lapsed unreviewed) they stop counting here at that instant of log time.

use std::collections::BTreeSet;

use accord_envelope::PartyId;
use serde::Serialize;

use super::cases::Cases;
use super::cases::{policy_of, Finding};
use super::policy::Measure;
use crate::ids::CaseId;
use crate::norms::negotiation::Regime;
use crate::reports::remediation::Remediations;
use crate::reports::Incidents;
use crate::time::Timestamp;

/// A party's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandingLevel {
    /// No measure and nothing overdue in a case.
    Good,
    /// A standing flag is in force, or a remediation plan is overdue.
    Flagged,
    /// Sharing access is suspended.
    Suspended,
}

pub use super::policy::Tier;

/// One cause of the projection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// What it is.
    pub what: String,
    /// The case, when a case is the cause.
    pub case: Option<CaseId>,
    /// The measures it brings.
    pub measures: BTreeSet<Measure>,
    /// Since when.
    pub since: Timestamp,
    /// Until when, as far as the log says now.
    pub until: Option<Timestamp>,
    /// The entry behind it.
    pub entry: Option<u64>,
}

/// A party's standing, tier and incentive eligibility, with their causes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// The party.
    pub party: PartyId,
    /// When evaluated (log time).
    pub evaluated_at: Timestamp,
    /// Standing.
    pub standing: StandingLevel,
    /// Intelligence access tier.
    pub tier: Tier,
    /// Whether it may receive incentives (capacity-building priority, incentive feeds).
    pub incentive_eligible: bool,
    /// Public statements on the dashboard (cases with that measure in force).
    pub public_statements: Vec<CaseId>,
    /// Every cause, case by case.
    pub causes: Vec<Cause>,
    /// How the values follow from the causes.
    pub rules: &'static str,
}

const RULES: &str = "standing: suspended if a `sharing_suspended` measure is in force, flagged if a `standing_flag` measure is in force or a remediation plan (or a milestone of one) is overdue, good otherwise. tier: suspended with `sharing_suspended`, reduced with `reduced_intel_tier`, standard when flagged, full otherwise. incentive_eligible: good standing, no `incentive_ineligible` measure in force, and no overdue incident notification or remediation item.";

/// What a standing is computed from: the regime (its enforcement policies), the cases, and
/// the remediation and incident reports whose overdue items count against incentives.
#[derive(Clone, Copy)]
pub struct StandingInputs<'a> {
    /// The regime, once chartered.
    pub regime: Option<&'a Regime>,
    /// Every case.
    pub cases: &'a Cases,
    /// Remediation items.
    pub remediations: &'a Remediations,
    /// Incident notifications.
    pub incidents: &'a Incidents,
}

/// The standing of `party` at log time `now` (`State::standing` gathers the inputs).
pub fn standing(state: StandingInputs<'_>, party: &PartyId, now: Timestamp) -> Standing {
    let mut causes = Vec::new();
    let mut in_force: BTreeSet<Measure> = BTreeSet::new();
    let mut statements = Vec::new();
    let mut plan_overdue = false;
    if let Some(regime) = state.regime {
        for case in state.cases.against(party) {
            let policy = policy_of(regime, case);
            if let Some(m) = case.measures(policy, now) {
                if m.since <= now && now < m.until {
                    in_force.extend(m.measures.iter().copied());
                    if m.measures.contains(&Measure::PublicStatement) {
                        statements.push(case.case.clone());
                    }
                    causes.push(Cause {
                        what: format!(
                            "measures of case {} in force (ending by {})",
                            case.case, m.ends_by
                        ),
                        case: Some(case.case.clone()),
                        measures: m.measures.clone(),
                        since: m.since,
                        until: Some(m.until),
                        entry: case.final_finding().map(|f| f.entry.index),
                    });
                }
            }
            let Some(due) = case.plan_due(policy, now) else {
                continue;
            };
            let overdue = match (&case.plan, &case.verified) {
                (_, Some(_)) => None,
                (None, None) => (now > due).then(|| (due, "remediation plan".to_owned(), None)),
                (Some((milestones, e)), None) => milestones
                    .iter()
                    .filter(|m| m.due < now)
                    .min_by_key(|m| m.due)
                    .map(|m| {
                        (
                            m.due,
                            format!("milestone {} of the remediation plan", m.milestone),
                            Some(e.index),
                        )
                    }),
            };
            if let Some((since, what, entry)) = overdue {
                plan_overdue = true;
                let kind = match case.final_finding().map(|f| f.finding) {
                    Some(Finding::HonestMistake) => "honest mistake",
                    _ => "violation",
                };
                causes.push(Cause {
                    what: format!("{what} overdue in case {} ({kind})", case.case),
                    case: Some(case.case.clone()),
                    measures: BTreeSet::new(),
                    since,
                    until: None,
                    entry,
                });
            }
        }
    }
    let overdue_reports: Vec<(String, Timestamp)> =
        crate::reports::overdue::overdue(state.incidents, state.remediations, Some(party), now)
            .into_iter()
            .map(|o| (format!("{} overdue", o.item), o.due))
            .collect();
    for (what, due) in &overdue_reports {
        causes.push(Cause {
            what: what.clone(),
            case: None,
            measures: BTreeSet::new(),
            since: *due,
            until: None,
            entry: None,
        });
    }
    let standing = if in_force.contains(&Measure::SharingSuspended) {
        StandingLevel::Suspended
    } else if in_force.contains(&Measure::StandingFlag) || plan_overdue {
        StandingLevel::Flagged
    } else {
        StandingLevel::Good
    };
    let tier = if in_force.contains(&Measure::SharingSuspended) {
        Tier::Suspended
    } else if in_force.contains(&Measure::ReducedIntelTier) {
        Tier::Reduced
    } else if standing == StandingLevel::Flagged {
        Tier::Standard
    } else {
        Tier::Full
    };
    Standing {
        party: party.clone(),
        evaluated_at: now,
        standing,
        tier,
        incentive_eligible: standing == StandingLevel::Good
            && !in_force.contains(&Measure::IncentiveIneligible)
            && overdue_reports.is_empty(),
        public_statements: statements,
        causes,
        rules: RULES,
    }
}
