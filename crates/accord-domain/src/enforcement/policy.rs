//! The enforcement policy: the severity scale, the recidivism window, the sanction ladder, the
//! due-process deadlines, panel rules, the review period and restoration conditions. It is an
//! instrument like any other: the regime starts with [`EnforcementPolicy::default_policy`]
//! (published in `docs/enforcement.md`) and replaces it through an adopted
//! `enforcement_policy` instrument. A case is judged under the policy in force when it was
//! alleged, so changing the policy never changes a pending case.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{DisplayName, LongText, ShortText};
use crate::registry::PartyKind;
use crate::rules::Rejection;

/// A consequence the ladder can impose. Each has teeth inside the system: the standing and
/// access-tier projections read them.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A public statement on the dashboard naming the party and the finding.
    PublicStatement,
    /// The party's standing is flagged.
    StandingFlag,
    /// The party loses eligibility for incentives (capacity-building priority).
    IncentiveIneligible,
    /// The party's threat-intelligence access drops to the reduced tier.
    ReducedIntelTier,
    /// The party's access to shared intelligence is suspended.
    SharingSuspended,
    /// A recorded recommendation that the parties' governments consider coordinated external
    /// measures (sanctions, asset freezes); the regime itself imposes none.
    RecommendExternalMeasures,
}

/// One level of the severity scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityLevel {
    /// 1 (least) upward, without gaps.
    pub level: u8,
    /// Its name.
    pub name: ShortText,
    /// What it means.
    pub definition: LongText,
}

/// One rung of the ladder: severity × prior violations → measures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LadderRule {
    /// The severity level.
    pub severity: u8,
    /// Prior violations within the recidivism window: 0, 1, …; the highest value given
    /// stands for "that many or more".
    pub priors: u8,
    /// The measures imposed.
    pub measures: BTreeSet<Measure>,
}

/// Due-process deadlines, in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// From allegation to the admissibility decision; when it lapses, the case is admissible
    /// by default and the notice runs from the lapse.
    pub admissibility_days: u32,
    /// From notice to the respondent's answer; when it lapses, the case proceeds without one.
    pub response_days: u32,
    /// From the end of the response window to the convening of the panel.
    pub panel_days: u32,
    /// From convening to the panel's finding.
    pub finding_days: u32,
    /// From the finding to the end of the appeal window; without an appeal the finding is
    /// then final.
    pub appeal_window_days: u32,
    /// From the appeal to the appeal panel's finding.
    pub appeal_decision_days: u32,
    /// From a final finding of violation or honest mistake to the remediation plan.
    pub remediation_plan_days: u32,
}

/// How panels are drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelRules {
    /// Members of a first panel (odd, 1–9).
    pub size: u8,
    /// Members of an appeal panel (odd, 1–9), all distinct from the first panel.
    pub appeal_size: u8,
    /// The kinds of party panels are drawn from.
    pub kinds: BTreeSet<PartyKind>,
    /// Whether parties of the respondent's region are excluded.
    pub exclude_same_region: bool,
}

/// When measures are lifted automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restoration {
    /// Whether remediation must be verified first.
    pub remediation_verified: bool,
    /// The shortest time measures stay in force, in months.
    pub min_months_in_force: u32,
}

/// The enforcement policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnforcementPolicy {
    /// Its title.
    pub title: DisplayName,
    /// The severity scale.
    pub severity_scale: Vec<SeverityLevel>,
    /// How far back prior violations count, in months.
    pub recidivism_window_months: u32,
    /// The sanction ladder: one rule per severity and prior count.
    pub ladder: Vec<LadderRule>,
    /// Due-process deadlines.
    pub deadlines: Deadlines,
    /// How panels are drawn.
    pub panels: PanelRules,
    /// Measures in force lapse this many months after they took effect or were last
    /// maintained on review.
    pub review_months: u32,
    /// When measures are lifted automatically.
    pub restoration: Restoration,
    /// The rungs of the bilateral escalation ladder ([`crate::cbm`]), lowest first, ending
    /// with `case`; a regime may leave out `information_request`, `clarification` or
    /// `consultation`. Absent: all four.
    #[serde(
        default = "Rung::full_ladder",
        skip_serializing_if = "Rung::is_full_ladder"
    )]
    pub escalation: Vec<Rung>,
}

impl EnforcementPolicy {
    /// The policy every regime starts with.
    pub fn default_policy() -> EnforcementPolicy {
        serde_json::from_str(include_str!("default_policy.json"))
            .expect("the default enforcement policy parses")
    }

    /// The highest severity level.
    pub fn max_severity(&self) -> u8 {
        self.severity_scale.len() as u8
    }

    /// The measures for a violation of `severity` with `priors` prior violations in the window.
    pub fn measures(&self, severity: u8, priors: u32) -> BTreeSet<Measure> {
        let top = self
            .ladder
            .iter()
            .filter(|r| r.severity == severity)
            .map(|r| r.priors)
            .max()
            .unwrap_or(0);
        let rung = priors.min(u32::from(top)) as u8;
        self.ladder
            .iter()
            .find(|r| r.severity == severity && r.priors == rung)
            .map(|r| r.measures.clone())
            .unwrap_or_default()
    }

    /// Checks the policy is complete and coherent; `at` is its pointer in the envelope.
    pub fn validate(&self, at: &str) -> Result<(), Rejection> {
        let bad = |rule: &'static str, ptr: String, why: String| {
            Err(Rejection::malformed(rule, ptr, why))
        };
        if self.severity_scale.is_empty() || self.severity_scale.len() > 10 {
            return bad(
                "severity-scale",
                format!("{at}/severity_scale"),
                "the severity scale has 1 to 10 levels".into(),
            );
        }
        for (i, s) in self.severity_scale.iter().enumerate() {
            if usize::from(s.level) != i + 1 {
                return bad(
                    "severity-scale",
                    format!("{at}/severity_scale/{i}/level"),
                    format!(
                        "levels run 1, 2, 3, … without gaps; found {} at position {}",
                        s.level,
                        i + 1
                    ),
                );
            }
        }
        for severity in 1..=self.max_severity() {
            let mut priors: Vec<u8> = self
                .ladder
                .iter()
                .filter(|r| r.severity == severity)
                .map(|r| r.priors)
                .collect();
            priors.sort_unstable();
            let expected: Vec<u8> = (0..priors.len() as u8).collect();
            if priors.is_empty() || priors != expected {
                return bad(
                    "ladder",
                    format!("{at}/ladder"),
                    format!("the ladder needs one rule for severity {severity} per prior count 0, 1, …, without gaps or repeats"),
                );
            }
        }
        for (i, r) in self.ladder.iter().enumerate() {
            if r.severity == 0 || r.severity > self.max_severity() {
                return bad(
                    "ladder",
                    format!("{at}/ladder/{i}/severity"),
                    format!("severity {} is not on the scale", r.severity),
                );
            }
        }
        // Monotone: more priors or more severity never means fewer measures.
        for a in &self.ladder {
            for b in &self.ladder {
                if b.severity >= a.severity
                    && b.priors >= a.priors
                    && !a.measures.is_subset(&b.measures)
                {
                    return bad(
                        "ladder",
                        format!("{at}/ladder"),
                        format!(
                            "the ladder must not soften: severity {} with {} priors imposes less than severity {} with {} priors",
                            b.severity, b.priors, a.severity, a.priors
                        ),
                    );
                }
            }
        }
        let d = self.deadlines;
        for (name, v) in [
            ("admissibility_days", d.admissibility_days),
            ("response_days", d.response_days),
            ("panel_days", d.panel_days),
            ("finding_days", d.finding_days),
            ("appeal_window_days", d.appeal_window_days),
            ("appeal_decision_days", d.appeal_decision_days),
            ("remediation_plan_days", d.remediation_plan_days),
        ] {
            if !(1..=365).contains(&v) {
                return bad(
                    "deadline",
                    format!("{at}/deadlines/{name}"),
                    format!("`{name}` is 1 to 365 days, not {v}"),
                );
            }
        }
        for (name, v) in [
            ("size", self.panels.size),
            ("appeal_size", self.panels.appeal_size),
        ] {
            if v == 0 || v > 9 || v % 2 == 0 {
                return bad(
                    "panel-size",
                    format!("{at}/panels/{name}"),
                    format!("a panel has an odd number of members from 1 to 9, not {v}"),
                );
            }
        }
        if self.panels.kinds.is_empty() || self.panels.kinds.contains(&PartyKind::Secretariat) {
            return bad(
                "panel-kinds",
                format!("{at}/panels/kinds"),
                "panels are drawn from at least one kind of party, never the secretariat".into(),
            );
        }
        if !(1..=120).contains(&self.review_months)
            || !(1..=120).contains(&self.recidivism_window_months)
        {
            return bad(
                "months",
                format!("{at}/review_months"),
                "the review period and the recidivism window are 1 to 120 months".into(),
            );
        }
        if self.restoration.min_months_in_force > self.review_months {
            return bad(
                "restoration",
                format!("{at}/restoration/min_months_in_force"),
                "measures cannot have to stay in force longer than the review period".into(),
            );
        }
        let ladder = &self.escalation;
        if ladder.len() < 2
            || ladder.last() != Some(&Rung::Case)
            || ladder.windows(2).any(|w| w[0] >= w[1])
        {
            return bad(
                "escalation-ladder",
                format!("{at}/escalation"),
                "the escalation ladder lists rungs lowest first, each once, at least one below `case`, and ends with `case`".into(),
            );
        }
        Ok(())
    }
}

/// The escalation ladder of confidence-building measures that a policy may shorten (the
/// exchanges of `cbm` climb it).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rung {
    /// A request for information.
    InformationRequest,
    /// A request to clarify an incident, a claim or conduct.
    Clarification,
    /// Formal consultation between the two parties.
    Consultation,
    /// A case under the enforcement policy.
    Case,
}

impl Rung {
    /// Every rung, lowest first: the default ladder.
    pub fn full_ladder() -> Vec<Rung> {
        vec![
            Rung::InformationRequest,
            Rung::Clarification,
            Rung::Consultation,
            Rung::Case,
        ]
    }

    /// Whether `ladder` is the default one (left out of a policy's JSON).
    pub fn is_full_ladder(ladder: &[Rung]) -> bool {
        *ladder == Self::full_ladder()
    }

    /// The rung above this one on `ladder`.
    pub fn next_on(self, ladder: &[Rung]) -> Option<Rung> {
        ladder.iter().copied().find(|r| *r > self)
    }
}

/// Access to shared threat intelligence (enforced by the sharing endpoints).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Everything the party's TLP permits.
    Full,
    /// Full, minus the incentive-only feeds (a flagged party).
    Standard,
    /// Only TLP:CLEAR and the party's own sector.
    Reduced,
    /// Nothing.
    Suspended,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_escalates() {
        let p = EnforcementPolicy::default_policy();
        p.validate("").unwrap();
        assert!(p.measures(1, 0).len() < p.measures(1, 1).len());
        assert_eq!(
            p.measures(3, 7),
            p.measures(3, 2),
            "the top rung holds for more priors"
        );
        assert!(p.measures(5, 0).contains(&Measure::SharingSuspended));
    }

    #[test]
    fn a_softening_ladder_is_refused() {
        let mut p = EnforcementPolicy::default_policy();
        p.ladder[1].measures.clear();
        assert_eq!(p.validate("/x").unwrap_err().rule, "ladder");
    }
}
