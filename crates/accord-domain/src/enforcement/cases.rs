//! Cases with due process: a state machine whose every transition is a signed entry.
//!
//! allegation → admissibility (or its lapse: admissible by default) → response (or its lapse)
//! → panel (drawn conflict-free from the log) → finding by majority vote → appeal window →
//! appeal to a disjoint panel (or the window's lapse) → final finding → remediation plan →
//! verified remediation → restoration; measures in force come up for review and lapse when not
//! maintained. Which step comes next is a function of the record and log time
//! ([`CaseRecord::stage`]); an entry for any other step is refused, so an illegal transition
//! cannot be submitted. The measure is read off the ladder of the policy the case is judged
//! under; a panel may deviate only by a majority voting for the same deviation with reasons.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::assign;
use super::policy::{EnforcementPolicy, Measure};
use crate::entry::EntryRef;
use crate::ids::{CaseId, EvidenceId, LongText, NormId, ShortText};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

const DAY_MS: u64 = 86_400_000;

/// What a panel finds.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// The respondent did not violate the norm.
    NoViolation,
    /// A breach, but an honest mistake: remediation, no measure.
    HonestMistake,
    /// A violation, with a severity on the policy's scale.
    Violation,
}

/// A measure other than the ladder's, which needs a majority and reasons.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The measures instead of the ladder's.
    pub measures: BTreeSet<Measure>,
    /// Why.
    pub reason: LongText,
}

/// `case.allege`: any party alleges that another violated a norm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allegation {
    /// The case id (unique in the instance).
    pub case: CaseId,
    /// Who is alleged to have violated the norm.
    pub respondent: PartyId,
    /// The norm.
    pub norm: NormId,
    /// What happened.
    pub summary: LongText,
    /// The complainant's confidential evidence (its own `evidence.commit` items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceId>,
}

/// `case.join`: a party joins an allegation as co-complainant, before the first panel is
/// convened. It then sits on no panel of the case (nor audits the case triggers): a side
/// chooses only to exclude itself, never another party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Joining {
    /// The case.
    pub case: CaseId,
    /// Why it joins.
    pub statement: LongText,
}

/// `case.admissibility`: the secretariat decides whether the case goes ahead; an admissible
/// decision is the notice to the respondent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Admissibility {
    /// The case.
    pub case: CaseId,
    /// Whether it is admissible.
    pub admissible: bool,
    /// Why.
    pub reasons: LongText,
}

/// `case.respond`: the respondent answers, within the response window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The case.
    pub case: CaseId,
    /// The answer.
    pub response: LongText,
    /// The respondent's confidential evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceId>,
}

/// Which panel of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    /// The first panel.
    First,
    /// The appeal panel.
    Appeal,
}

/// `case.convene`: the secretariat convenes the panel (or the appeal panel) the log draws.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Convening {
    /// The case.
    pub case: CaseId,
    /// Which panel.
    pub panel: PanelKind,
}

/// `case.vote`: a panel member's finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vote {
    /// The case.
    pub case: CaseId,
    /// The member's finding.
    pub finding: Finding,
    /// The severity, for a violation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<u8>,
    /// Why.
    pub reasons: LongText,
    /// A measure other than the ladder's, for a violation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<Deviation>,
}

/// `case.appeal`: the respondent or the complainant appeals a finding within the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    /// The case.
    pub case: CaseId,
    /// On what grounds.
    pub grounds: LongText,
}

/// One milestone of a remediation plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Its id within the plan.
    pub milestone: ShortText,
    /// When it is due.
    pub due: Timestamp,
    /// What will be done.
    pub description: LongText,
}

/// `case.remediation_plan`: the respondent's plan after a final violation or honest mistake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationPlan {
    /// The case.
    pub case: CaseId,
    /// 1 to 20 milestones.
    pub milestones: Vec<Milestone>,
}

/// `case.verify_remediation`: the secretariat or an auditor verified the plan was carried out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationVerified {
    /// The case.
    pub case: CaseId,
    /// What was checked.
    pub notes: LongText,
}

/// What a review of measures in force decides.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Keep the measures for another review period.
    Maintain,
    /// Lift them.
    Lift,
}

/// `case.review`: the secretariat reviews measures in force once their review is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The case.
    pub case: CaseId,
    /// The review date this decision answers (as `GET /cases/{id}` shows it), so that each
    /// periodic review is its own entry.
    pub due: Timestamp,
    /// Maintain or lift.
    pub decision: ReviewDecision,
    /// Why.
    pub reasons: LongText,
}

/// `case.refusal`: the instance records a refused attempt at a case transition by a party
/// with a valid signature (e.g. a secretariat trying to skip a step).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// The case.
    pub case: CaseId,
    /// Who tried.
    pub by: PartyId,
    /// The entry type they submitted.
    pub attempted: ShortText,
    /// SHA-256 of the refused envelope, hex.
    pub envelope_sha256: String,
    /// The rule it broke.
    pub rule: ShortText,
}

/// A drawn panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Panel {
    /// Its members, in draw order.
    pub members: Vec<PartyId>,
    /// The convening entry.
    pub convened: EntryRef,
    /// When its finding is due.
    pub finding_due: Timestamp,
    /// Votes so far.
    pub votes: BTreeMap<PartyId, VoteRecord>,
}

/// A vote as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    /// The finding.
    pub finding: Finding,
    /// The severity.
    pub severity: Option<u8>,
    /// A deviation.
    pub deviation: Option<Deviation>,
    /// The entry.
    pub entry: EntryRef,
}

/// An established finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// What was found.
    pub finding: Finding,
    /// The severity, for a violation.
    pub severity: Option<u8>,
    /// Final violations of the respondent within the recidivism window before it.
    pub priors: u32,
    /// The measures (the ladder's, or the deviation's).
    pub measures: BTreeSet<Measure>,
    /// The reason for a deviation from the ladder, if the panel deviated.
    pub deviation: Option<LongText>,
    /// The vote that made the majority.
    pub entry: EntryRef,
}

/// An appeal as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealRecord {
    /// Who appealed.
    pub by: PartyId,
    /// The appeal entry.
    pub entry: EntryRef,
    /// The appeal panel, once convened.
    pub panel: Option<Panel>,
    /// Its finding, once reached.
    pub finding: Option<FindingRecord>,
}

/// A decision with its entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    /// The entry.
    pub entry: EntryRef,
    /// Who.
    pub by: PartyId,
}

/// A case as projected: every step with its entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Its id.
    pub case: CaseId,
    /// Who alleged.
    pub complainant: PartyId,
    /// Who responds.
    pub respondent: PartyId,
    /// The norm.
    pub norm: NormId,
    /// What is alleged.
    pub summary: LongText,
    /// Parties that joined the allegation (`case.join`).
    pub co_signers: BTreeSet<PartyId>,
    /// The policy version it is judged under.
    pub policy: u32,
    /// The allegation entry.
    pub alleged: EntryRef,
    /// The admissibility decision: (admissible, entry).
    pub admissibility: Option<(bool, EntryRef)>,
    /// The response.
    pub response: Option<EntryRef>,
    /// The first panel.
    pub panel: Option<Panel>,
    /// Its finding.
    pub finding: Option<FindingRecord>,
    /// An appeal.
    pub appeal: Option<AppealRecord>,
    /// Panels dissolved without a majority (every member voted without one, or the finding
    /// deadline passed), in order.
    pub dissolved: Vec<Panel>,
    /// The remediation plan.
    pub plan: Option<(Vec<Milestone>, EntryRef)>,
    /// Verification of remediation.
    pub verified: Option<Decided>,
    /// Reviews of measures in force.
    pub reviews: Vec<(ReviewDecision, EntryRef)>,
    /// Refused attempts at transitions, as the instance recorded them.
    pub refusals: Vec<(Refusal, EntryRef)>,
}

/// Where a case stands at a moment, and what is due next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the secretariat's admissibility decision.
    Admissibility {
        /// Its deadline (then admissible by default).
        due: Timestamp,
    },
    /// Found inadmissible.
    Dismissed,
    /// Waiting for the respondent's answer.
    Response {
        /// When the notice ran from.
        noticed: Timestamp,
        /// Its deadline (then the case proceeds without it).
        due: Timestamp,
    },
    /// Waiting for the secretariat to convene the panel.
    Panel {
        /// Its deadline.
        due: Timestamp,
    },
    /// Waiting for the panel's majority.
    Deliberation {
        /// Its deadline.
        due: Timestamp,
    },
    /// A finding, open to appeal.
    AppealWindow {
        /// Until when.
        until: Timestamp,
    },
    /// Appealed; waiting for the appeal panel to be convened.
    AppealPanel {
        /// Its deadline.
        due: Timestamp,
    },
    /// Waiting for the appeal panel's majority.
    AppealDeliberation {
        /// Its deadline.
        due: Timestamp,
    },
    /// The finding is final.
    Final {
        /// Since when.
        since: Timestamp,
        /// The final finding.
        finding: Finding,
    },
}

/// The measures of a case and when they are in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeasuresInForce {
    /// The measures.
    pub measures: BTreeSet<Measure>,
    /// From when.
    pub since: Timestamp,
    /// Until when (exclusive), as far as the log says now.
    pub until: Timestamp,
    /// Why they end then: `restored`, `lifted_on_review` or `lapsed_unreviewed`.
    pub ends_by: &'static str,
    /// When the next review is due.
    pub review_due: Timestamp,
}

fn days(t: Timestamp, d: u32) -> Timestamp {
    t.plus_ms(u64::from(d) * DAY_MS)
}

impl CaseRecord {
    /// Where the case stands at `now` under `policy`.
    pub fn stage(&self, policy: &EnforcementPolicy, now: Timestamp) -> Stage {
        let d = policy.deadlines;
        let noticed = match self.admissibility {
            Some((false, _)) => return Stage::Dismissed,
            Some((true, e)) => e.at,
            None => {
                let due = days(self.alleged.at, d.admissibility_days);
                if now < due {
                    return Stage::Admissibility { due };
                }
                due
            }
        };
        let response_due = days(noticed, d.response_days);
        let response_end = match self.response {
            Some(e) => e.at,
            None if now < response_due => {
                return Stage::Response {
                    noticed,
                    due: response_due,
                }
            }
            None => response_due,
        };
        let Some(panel) = &self.panel else {
            return Stage::Panel {
                due: days(response_end, d.panel_days),
            };
        };
        let Some(first) = &self.finding else {
            return Stage::Deliberation {
                due: panel.finding_due,
            };
        };
        let until = days(first.entry.at, d.appeal_window_days);
        match &self.appeal {
            None if now < until => Stage::AppealWindow { until },
            None => Stage::Final {
                since: until,
                finding: first.finding,
            },
            Some(a) => match (&a.panel, &a.finding) {
                (None, _) => Stage::AppealPanel {
                    due: days(a.entry.at, d.panel_days),
                },
                (Some(p), None) => Stage::AppealDeliberation { due: p.finding_due },
                (Some(_), Some(f)) => Stage::Final {
                    since: f.entry.at,
                    finding: f.finding,
                },
            },
        }
    }

    /// The finding that counts (the appeal's once reached, else the first).
    pub fn final_finding(&self) -> Option<&FindingRecord> {
        match &self.appeal {
            Some(a) => a.finding.as_ref(),
            None => self.finding.as_ref(),
        }
    }

    /// When the finding became final, if it has by `now`.
    pub fn final_at(&self, policy: &EnforcementPolicy, now: Timestamp) -> Option<Timestamp> {
        match self.stage(policy, now) {
            Stage::Final { since, .. } => Some(since),
            _ => None,
        }
    }

    /// The measures of a final violation and their period in force, as the log says at `now`.
    pub fn measures(&self, policy: &EnforcementPolicy, now: Timestamp) -> Option<MeasuresInForce> {
        let since = self.final_at(policy, now)?;
        let f = self.final_finding()?;
        if f.finding != Finding::Violation || f.measures.is_empty() {
            return None;
        }
        let period = |t: Timestamp| t.plus_months(policy.review_months);
        let mut review_due = period(since);
        let mut end: Option<(Timestamp, &'static str)> = None;
        for (decision, e) in &self.reviews {
            if e.at > review_due.plus_ms(u64::from(policy.deadlines.finding_days) * DAY_MS) {
                break;
            }
            match decision {
                ReviewDecision::Maintain => review_due = period(e.at),
                ReviewDecision::Lift => {
                    end = Some((e.at, "lifted_on_review"));
                    break;
                }
            }
        }
        // Unreviewed measures lapse a grace period (the finding deadline) after the review fell due.
        let lapse = review_due.plus_ms(u64::from(policy.deadlines.finding_days) * DAY_MS);
        let mut until = end.unwrap_or((lapse, "lapsed_unreviewed"));
        if let Some(restored) = self.restored_at(policy, since) {
            if restored < until.0 {
                until = (restored, "restored");
            }
        }
        Some(MeasuresInForce {
            measures: f.measures.clone(),
            since,
            until: until.0,
            ends_by: until.1,
            review_due,
        })
    }

    /// When restoration conditions are met, if they are (given the measures took effect at
    /// `since`).
    fn restored_at(&self, policy: &EnforcementPolicy, since: Timestamp) -> Option<Timestamp> {
        let min = since.plus_months(policy.restoration.min_months_in_force);
        if policy.restoration.remediation_verified {
            self.verified.as_ref().map(|v| v.entry.at.max(min))
        } else {
            Some(min)
        }
    }

    /// When the remediation plan is due, once a final finding requires one.
    pub fn plan_due(&self, policy: &EnforcementPolicy, now: Timestamp) -> Option<Timestamp> {
        let since = self.final_at(policy, now)?;
        match self.final_finding()?.finding {
            Finding::NoViolation => None,
            _ => Some(days(since, policy.deadlines.remediation_plan_days)),
        }
    }

    fn current_panel_mut(&mut self) -> Option<&mut Panel> {
        match &mut self.appeal {
            Some(a) => a.panel.as_mut(),
            None => self.panel.as_mut(),
        }
    }

    fn current_panel(&self) -> Option<&Panel> {
        match &self.appeal {
            Some(a) => a.panel.as_ref(),
            None => self.panel.as_ref(),
        }
    }
}

/// Who must act next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "actor", content = "party", rename_all = "snake_case")]
pub enum Actor {
    /// The secretariat.
    Secretariat,
    /// A named party.
    Party(PartyId),
    /// The respondent or the complainant, if either wishes.
    EitherSide,
    /// The secretariat or an auditor.
    Verifier,
}

/// A step that is due in a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// Who.
    #[serde(flatten)]
    pub actor: Actor,
    /// What, as an entry type and in words.
    pub entry_type: &'static str,
    /// In words.
    pub what: String,
    /// By when (for an appeal: until when it is possible).
    pub due: Timestamp,
    /// Whether the deadline has passed.
    pub overdue: bool,
    /// What happens if it lapses.
    pub on_lapse: &'static str,
}

impl CaseRecord {
    /// Every step due at `now`, with who must take it and by when.
    pub fn next_steps(&self, policy: &EnforcementPolicy, now: Timestamp) -> Vec<NextStep> {
        let step = |actor, entry_type, what: String, due: Timestamp, on_lapse| NextStep {
            actor,
            entry_type,
            what,
            due,
            overdue: now > due,
            on_lapse,
        };
        let respondent = || Actor::Party(self.respondent.clone());
        let pending_votes = |p: &Panel, due: Timestamp, what: &str| -> Vec<NextStep> {
            p.members
                .iter()
                .filter(|m| !p.votes.contains_key(*m))
                .map(|m| {
                    step(
                        Actor::Party(m.clone()),
                        "case.vote",
                        format!("vote on the {what}"),
                        due,
                        "overdue: the panel is late; the docket shows it",
                    )
                })
                .collect()
        };
        match self.stage(policy, now) {
            Stage::Dismissed => Vec::new(),
            Stage::Admissibility { due } => vec![step(
                Actor::Secretariat,
                "case.admissibility",
                "decide admissibility (an admissible decision is the notice)".into(),
                due,
                "admissible by default; the notice runs from the lapse",
            )],
            Stage::Response { due, .. } => vec![step(
                respondent(),
                "case.respond",
                "answer the allegation".into(),
                due,
                "the case proceeds without an answer",
            )],
            Stage::Panel { due } => vec![step(
                Actor::Secretariat,
                "case.convene",
                "convene the panel the log draws".into(),
                due,
                "overdue: the secretariat is late; the docket shows it",
            )],
            Stage::Deliberation { due } => {
                pending_votes(self.panel.as_ref().expect("a panel"), due, "finding")
            }
            Stage::AppealWindow { until } => vec![step(
                Actor::EitherSide,
                "case.appeal",
                "appeal the finding, if either side wishes".into(),
                until,
                "the finding becomes final",
            )],
            Stage::AppealPanel { due } => vec![step(
                Actor::Secretariat,
                "case.convene",
                "convene the appeal panel (disjoint from the first)".into(),
                due,
                "overdue: the secretariat is late; the docket shows it",
            )],
            Stage::AppealDeliberation { due } => pending_votes(
                self.appeal
                    .as_ref()
                    .and_then(|a| a.panel.as_ref())
                    .expect("an appeal panel"),
                due,
                "appeal",
            ),
            Stage::Final { .. } => {
                let mut out = Vec::new();
                match (&self.plan, &self.verified, self.plan_due(policy, now)) {
                    (None, None, Some(due)) => out.push(step(
                        respondent(),
                        "case.remediation_plan",
                        "submit the remediation plan".into(),
                        due,
                        "the respondent's standing is flagged until it does",
                    )),
                    (Some((milestones, _)), None, _) => {
                        for m in milestones {
                            out.push(step(
                                respondent(),
                                "case.remediation_plan",
                                format!("carry out milestone {}: {}", m.milestone, m.description),
                                m.due,
                                "the respondent's standing is flagged until remediation is verified",
                            ));
                        }
                        let last = milestones.iter().map(|m| m.due).max().unwrap_or(now);
                        out.push(step(
                            Actor::Verifier,
                            "case.verify_remediation",
                            "verify the remediation".into(),
                            last,
                            "measures stay in force until verified (or reviewed)",
                        ));
                    }
                    _ => {}
                }
                if let Some(m) = self.measures(policy, now) {
                    if m.since <= now && now < m.until {
                        out.push(step(
                            Actor::Secretariat,
                            "case.review",
                            "review the measures in force (maintain or lift)".into(),
                            m.review_due,
                            "the measures lapse unreviewed after the grace period",
                        ));
                    }
                }
                out
            }
        }
    }
}

/// Every case, with the indexes the projections need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cases {
    by_id: BTreeMap<CaseId, CaseRecord>,
    by_respondent: BTreeMap<PartyId, BTreeSet<CaseId>>,
    /// Open panel seats per party (balances the draw).
    load: assign::Load,
}

/// The registry as the draws need it: every party, and party ids by kind.
#[derive(Clone, Copy)]
pub struct Roster<'a> {
    /// Every party.
    pub parties: &'a BTreeMap<PartyId, Party>,
    /// Party ids by kind, in registration order.
    pub by_kind: &'a BTreeMap<PartyKind, Vec<PartyId>>,
    /// Auditors the regime accredited, in accreditation order: the only auditors drawn.
    pub accredited: &'a [PartyId],
}

impl<'a> Roster<'a> {
    /// The candidates of the given kinds. Auditors are candidates only once accredited by an
    /// instrument the parties adopted: registering one is the secretariat's act alone, and a
    /// draw must not reach an auditor the operator planted.
    pub fn pool(&self, kinds: impl IntoIterator<Item = &'a PartyKind>) -> assign::Pool<'a> {
        assign::Pool(
            kinds
                .into_iter()
                .filter_map(|k| match k {
                    PartyKind::Auditor => Some(self.accredited),
                    k => self.by_kind.get(k).map(|v| &v[..]),
                })
                .collect(),
        )
    }
}

fn conflict(rule: &'static str, pointer: &str, detail: String) -> Rejection {
    Rejection::conflict(rule, pointer, detail)
}

fn stage_name(s: &Stage) -> &'static str {
    match s {
        Stage::Admissibility { .. } => "awaiting the admissibility decision",
        Stage::Dismissed => "dismissed",
        Stage::Response { .. } => "awaiting the respondent's answer",
        Stage::Panel { .. } => "awaiting the panel",
        Stage::Deliberation { .. } => "before the panel",
        Stage::AppealWindow { .. } => "open to appeal",
        Stage::AppealPanel { .. } => "awaiting the appeal panel",
        Stage::AppealDeliberation { .. } => "before the appeal panel",
        Stage::Final { .. } => "final",
    }
}

/// A case step that falls to a party: the case and the step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepDue {
    /// The case.
    pub case: CaseId,
    /// The step, its actor and deadline.
    pub step: NextStep,
}

impl Cases {
    /// The case steps that fall to `party` at log time `now`, soonest first: as respondent or
    /// complainant, as panelist, and for a secretariat (or an auditor, as verifier) the steps
    /// that fall to it.
    pub fn due_for(&self, regime: &Regime, party: &Party, now: Timestamp) -> Vec<StepDue> {
        let mut due: Vec<StepDue> = Vec::new();
        for case in self.all() {
            let policy = policy_of(regime, case);
            for step in case.next_steps(policy, now) {
                let mine = match &step.actor {
                    Actor::Party(p) => *p == party.id,
                    Actor::Secretariat => party.kind == PartyKind::Secretariat,
                    Actor::Verifier => {
                        matches!(party.kind, PartyKind::Secretariat | PartyKind::Auditor)
                            && party.id != case.respondent
                            && party.id != case.complainant
                    }
                    Actor::EitherSide => {
                        party.id == case.respondent || party.id == case.complainant
                    }
                };
                if mine {
                    due.push(StepDue {
                        case: case.case.clone(),
                        step,
                    });
                }
            }
        }
        due.sort_by_key(|d| d.step.due);
        due
    }
}

/// The policy a case is judged under.
pub fn policy_of<'a>(regime: &'a Regime, case: &CaseRecord) -> &'a EnforcementPolicy {
    let i = (case.policy as usize).saturating_sub(1);
    &regime.policies[i.min(regime.policies.len() - 1)].policy
}

impl Cases {
    /// One case.
    pub fn get(&self, id: &CaseId) -> Option<&CaseRecord> {
        self.by_id.get(id)
    }

    /// Every case, by id.
    pub fn all(&self) -> impl Iterator<Item = &CaseRecord> {
        self.by_id.values()
    }

    /// The cases against a party.
    pub fn against(&self, party: &PartyId) -> impl Iterator<Item = &CaseRecord> {
        self.by_respondent
            .get(party)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// Every measure in force against `party` at `at`.
    pub fn measures_in_force(
        &self,
        regime: &Regime,
        party: &PartyId,
        at: Timestamp,
    ) -> BTreeSet<Measure> {
        self.against(party)
            .filter_map(|c| c.measures(policy_of(regime, c), at))
            .filter(|m| m.since <= at && at < m.until)
            .flat_map(|m| m.measures)
            .collect()
    }

    /// Open panel seats per party (parties with none are absent).
    pub fn load(&self) -> &BTreeMap<PartyId, u32> {
        self.load.by_party()
    }

    /// A counter that moves whenever the panel load changes.
    pub fn load_version(&self) -> u64 {
        self.load.changes()
    }

    /// Draws a panel for `case` (the appeal panel once appealed) with `seed`.
    fn draw_panel(
        &self,
        policy: &EnforcementPolicy,
        case: &CaseRecord,
        roster: Roster<'_>,
        seed: &[u8; 32],
    ) -> Option<Vec<PartyId>> {
        let appeal = case.appeal.is_some();
        let size = if appeal {
            policy.panels.appeal_size
        } else {
            policy.panels.size
        };
        let region = roster.parties.get(&case.respondent).map(|p| &p.region);
        let first: &[PartyId] = match (&case.panel, appeal) {
            (Some(p), true) => &p.members,
            _ => &[],
        };
        let lapsed: &[PartyId] = case.current_panel().map_or(&[], |p| &p.members[..]);
        let eligible = |p: &PartyId| {
            p != &case.respondent
                && p != &case.complainant
                && !case.co_signers.contains(p)
                && !first.contains(p)
                && !lapsed.contains(p)
                && !case.dissolved.iter().any(|d| d.members.contains(p))
                && !(policy.panels.exclude_same_region
                    && roster.parties.get(p).map(|x| &x.region) == region)
                // Nobody registered after the allegation sits on its panel: a party planted
                // once the case is known cannot be drawn to judge it.
                && roster
                    .parties
                    .get(p)
                    .is_some_and(|x| x.registered.index < case.alleged.index)
        };
        let kinds: Vec<PartyKind> = policy.panels.kinds.iter().copied().collect();
        self.load.draw(
            &roster.pool(&policy.panels.kinds),
            &kinds,
            &eligible,
            seed,
            usize::from(size),
        )
    }

    fn case(&self, id: &CaseId) -> Result<&CaseRecord, Rejection> {
        self.by_id.get(id).ok_or_else(|| {
            conflict(
                "unknown-case",
                "/payload/case",
                format!("no case `{id}` was alleged"),
            )
        })
    }

    fn wrong_stage(case: &CaseRecord, stage: &Stage, wanted: &str) -> Rejection {
        conflict(
            "case-stage",
            "/type",
            format!(
                "case `{}` is {}; {wanted} is not the next step",
                case.case,
                stage_name(stage)
            ),
        )
    }

    /// Final violations of `respondent` whose finding became final in the recidivism window
    /// before `at` (other than `except`).
    pub fn priors(
        &self,
        regime: &Regime,
        respondent: &PartyId,
        except: &CaseId,
        at: Timestamp,
        window_months: u32,
    ) -> u32 {
        self.against(respondent)
            .filter(|c| c.case != *except)
            .filter(|c| {
                let policy = policy_of(regime, c);
                c.final_finding()
                    .is_some_and(|f| f.finding == Finding::Violation)
                    && c.final_at(policy, at)
                        .is_some_and(|t| t < at && at < t.plus_months(window_months))
            })
            .count() as u32
    }

    /// Checks `case.allege`.
    pub fn check_allege(
        &self,
        regime: &Regime,
        signer: &Party,
        a: &Allegation,
        parties: &BTreeMap<PartyId, Party>,
    ) -> Result<(), Rejection> {
        if self.by_id.contains_key(&a.case) {
            return Err(conflict(
                "case-exists",
                "/payload/case",
                format!(
                    "case `{}` already exists; case ids are never reused",
                    a.case
                ),
            ));
        }
        match parties.get(&a.respondent) {
            None => {
                return Err(conflict(
                    "unknown-party",
                    "/payload/respondent",
                    format!("party `{}` is not registered", a.respondent),
                ))
            }
            Some(p) if p.kind == PartyKind::Secretariat => {
                return Err(Rejection::malformed(
                    "respondent",
                    "/payload/respondent",
                    "cases are brought against participants, not the secretariat",
                ))
            }
            Some(_) => {}
        }
        if a.respondent == signer.id {
            return Err(Rejection::malformed(
                "respondent",
                "/payload/respondent",
                "a party does not allege against itself; report a breach as a self-assessment or remediation item",
            ));
        }
        if !regime.norms.contains_key(&a.norm) {
            return Err(conflict(
                "unknown-norm",
                "/payload/norm",
                format!("no norm `{}` in the catalog", a.norm),
            ));
        }
        Ok(())
    }

    /// Checks every other case transition at `at`.
    pub fn check_step(
        &self,
        regime: &Regime,
        signer: &Party,
        step: &CaseStep<'_>,
        roster: Roster<'_>,
        seed: &[u8; 32],
        at: Timestamp,
    ) -> Result<(), Rejection> {
        let case = self.case(step.case())?;
        let policy = policy_of(regime, case);
        let stage = case.stage(policy, at);
        let secretariat = signer.kind == PartyKind::Secretariat;
        let need_secretariat = |what: &str| {
            if secretariat {
                Ok(())
            } else {
                Err(Rejection::forbidden(
                    "role",
                    "/type",
                    format!("only a secretariat {what}"),
                ))
            }
        };
        match step {
            CaseStep::Join(_) => {
                if signer.id == case.respondent
                    || signer.id == case.complainant
                    || case.co_signers.contains(&signer.id)
                    || secretariat
                {
                    return Err(Rejection::forbidden(
                        "join",
                        "/type",
                        format!(
                            "`{}` cannot join case `{}`: it is already a side, or the secretariat",
                            signer.id, case.case
                        ),
                    ));
                }
                match stage {
                    Stage::Admissibility { .. } | Stage::Response { .. } | Stage::Panel { .. }
                        if case.panel.is_none() && case.dissolved.is_empty() =>
                    {
                        Ok(())
                    }
                    s => Err(Self::wrong_stage(case, &s, "joining the allegation")),
                }
            }
            CaseStep::Admissibility(_) => {
                need_secretariat("decides admissibility")?;
                match stage {
                    Stage::Admissibility { .. } => Ok(()),
                    s => Err(Self::wrong_stage(case, &s, "an admissibility decision")),
                }
            }
            CaseStep::Respond(_) => {
                if signer.id != case.respondent {
                    return Err(Rejection::forbidden(
                        "not-respondent",
                        "/type",
                        format!(
                            "only the respondent `{}` answers case `{}`",
                            case.respondent, case.case
                        ),
                    ));
                }
                match stage {
                    Stage::Response { .. } => Ok(()),
                    s => Err(Self::wrong_stage(case, &s, "a response")),
                }
            }
            CaseStep::Convene(c) => {
                need_secretariat("convenes panels")?;
                let size = match (stage, c.panel) {
                    (Stage::Panel { .. }, PanelKind::First) => policy.panels.size,
                    (Stage::AppealPanel { .. }, PanelKind::Appeal) => policy.panels.appeal_size,
                    // A panel past its finding deadline without a majority is replaced.
                    (Stage::Deliberation { due }, PanelKind::First) if at > due => {
                        policy.panels.size
                    }
                    (Stage::AppealDeliberation { due }, PanelKind::Appeal) if at > due => {
                        policy.panels.appeal_size
                    }
                    (s, kind) => {
                        return Err(Self::wrong_stage(
                            case,
                            &s,
                            match kind {
                                PanelKind::First => "convening the first panel",
                                PanelKind::Appeal => "convening the appeal panel",
                            },
                        ))
                    }
                };
                if self.draw_panel(policy, case, roster, seed).is_none() {
                    return Err(conflict(
                        "panel-unavailable",
                        "/payload/case",
                        format!(
                            "fewer than {size} conflict-free panelists of the kinds the policy names; register more or adopt a policy with other panel rules"
                        ),
                    ));
                }
                Ok(())
            }
            CaseStep::Vote(v) => {
                match stage {
                    Stage::Deliberation { .. } | Stage::AppealDeliberation { .. } => {}
                    s => return Err(Self::wrong_stage(case, &s, "a vote")),
                }
                let panel = case.current_panel().expect("deliberation has a panel");
                if !panel.members.contains(&signer.id) {
                    return Err(Rejection::forbidden(
                        "not-panelist",
                        "/type",
                        format!(
                            "`{}` does not sit on the panel of case `{}`",
                            signer.id, case.case
                        ),
                    ));
                }
                if panel.votes.contains_key(&signer.id) {
                    return Err(conflict(
                        "already-voted",
                        "/payload/case",
                        format!("`{}` already voted in case `{}`", signer.id, case.case),
                    ));
                }
                match (v.finding, v.severity, &v.deviation) {
                    (Finding::Violation, Some(s), _)
                        if (1..=policy.max_severity()).contains(&s) =>
                    {
                        Ok(())
                    }
                    (Finding::Violation, _, _) => Err(Rejection::malformed(
                        "severity",
                        "/payload/severity",
                        format!(
                            "a violation needs a severity from 1 to {} on the policy's scale",
                            policy.max_severity()
                        ),
                    )),
                    (_, None, None) => Ok(()),
                    _ => Err(Rejection::malformed(
                        "severity",
                        "/payload/severity",
                        "only a violation carries a severity or a deviation",
                    )),
                }
            }
            CaseStep::Appeal(_) => {
                if signer.id != case.respondent && signer.id != case.complainant {
                    return Err(Rejection::forbidden(
                        "not-a-side",
                        "/type",
                        "only the respondent or the complainant appeals",
                    ));
                }
                match stage {
                    Stage::AppealWindow { .. } => Ok(()),
                    s => Err(Self::wrong_stage(case, &s, "an appeal")),
                }
            }
            CaseStep::Plan(p) => {
                if signer.id != case.respondent {
                    return Err(Rejection::forbidden(
                        "not-respondent",
                        "/type",
                        "only the respondent submits the remediation plan",
                    ));
                }
                if case.plan.is_some() || case.plan_due(policy, at).is_none() {
                    return Err(Self::wrong_stage(case, &stage, "a remediation plan"));
                }
                if p.milestones.is_empty() || p.milestones.len() > 20 {
                    return Err(Rejection::malformed(
                        "milestones",
                        "/payload/milestones",
                        "a plan has 1 to 20 milestones",
                    ));
                }
                let mut ids = BTreeSet::new();
                for (i, m) in p.milestones.iter().enumerate() {
                    if m.due <= at || !ids.insert(&m.milestone) {
                        return Err(Rejection::malformed(
                            "milestones",
                            format!("/payload/milestones/{i}"),
                            "each milestone has its own id and a due date after the plan",
                        ));
                    }
                }
                Ok(())
            }
            CaseStep::Verify(_) => {
                if !secretariat && signer.kind != PartyKind::Auditor {
                    return Err(Rejection::forbidden(
                        "role",
                        "/type",
                        "a secretariat or an auditor verifies remediation",
                    ));
                }
                if signer.id == case.respondent
                    || signer.id == case.complainant
                    || case.co_signers.contains(&signer.id)
                {
                    return Err(Rejection::forbidden(
                        "conflicted",
                        "/type",
                        "a side of the case cannot verify it",
                    ));
                }
                let Some((milestones, _)) = case.plan.as_ref().filter(|_| case.verified.is_none())
                else {
                    return Err(conflict(
                        "no-plan",
                        "/payload/case",
                        format!("case `{}` has no unverified remediation plan", case.case),
                    ));
                };
                let last = milestones.iter().map(|m| m.due).max().unwrap_or(at);
                if at < last {
                    return Err(conflict(
                        "plan-running",
                        "/payload/case",
                        format!(
                            "the remediation plan of case `{}` runs until {last}; verify it once its last milestone is due",
                            case.case
                        ),
                    ));
                }
                Ok(())
            }
            CaseStep::Review(r) => {
                need_secretariat("reviews measures")?;
                let m = case
                    .measures(policy, at)
                    .filter(|m| m.since <= at && at < m.until);
                let Some(m) = m else {
                    return Err(conflict(
                        "no-measures",
                        "/payload/case",
                        format!("case `{}` has no measures in force to review", case.case),
                    ));
                };
                if r.due != m.review_due {
                    return Err(conflict(
                        "review-date",
                        "/payload/due",
                        format!(
                            "the measures of case `{}` are due for review at {}, not {}",
                            case.case, m.review_due, r.due
                        ),
                    ));
                }
                if at < m.review_due {
                    return Err(conflict(
                        "review-not-due",
                        "/payload/case",
                        format!(
                            "the measures of case `{}` come up for review at {}; a {} decision before then is not allowed",
                            case.case,
                            m.review_due,
                            if r.decision == ReviewDecision::Lift { "lift" } else { "maintain" }
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Folds in `case.allege`.
    pub fn allege(
        &mut self,
        regime: &Regime,
        complainant: &PartyId,
        a: &Allegation,
        here: EntryRef,
    ) {
        self.by_respondent
            .entry(a.respondent.clone())
            .or_default()
            .insert(a.case.clone());
        self.by_id.insert(
            a.case.clone(),
            CaseRecord {
                case: a.case.clone(),
                complainant: complainant.clone(),
                respondent: a.respondent.clone(),
                norm: a.norm.clone(),
                summary: a.summary.clone(),
                co_signers: BTreeSet::new(),
                policy: regime.policies.len() as u32,
                alleged: here,
                admissibility: None,
                response: None,
                panel: None,
                finding: None,
                appeal: None,
                dissolved: Vec::new(),
                plan: None,
                verified: None,
                reviews: Vec::new(),
                refusals: Vec::new(),
            },
        );
    }

    /// Folds in a checked step. `seed` is the SHA-256 of the step's envelope (it seeds panel
    /// draws).
    pub fn apply_step(
        &mut self,
        regime: &Regime,
        signer: &PartyId,
        step: &CaseStep<'_>,
        roster: Roster<'_>,
        seed: &[u8; 32],
        here: EntryRef,
    ) {
        let id = step.case().clone();
        let Some(case) = self.by_id.get(&id) else {
            return;
        };
        let policy = policy_of(regime, case).clone();
        match step {
            CaseStep::Convene(_) => {
                let days_for = if case.appeal.is_some() {
                    policy.deadlines.appeal_decision_days
                } else {
                    policy.deadlines.finding_days
                };
                // A lapsed panel without a majority is dissolved before the new one is drawn.
                if case.current_panel().is_some() {
                    self.dissolve(&id, roster);
                }
                let Some(case) = self.by_id.get(&id) else {
                    return;
                };
                let Some(members) = self.draw_panel(&policy, case, roster, seed) else {
                    return;
                };
                for m in &members {
                    if let Some(p) = roster.parties.get(m) {
                        self.load.add(m, p.kind);
                    }
                }
                let panel = Panel {
                    members,
                    convened: here,
                    finding_due: days(here.at, days_for),
                    votes: BTreeMap::new(),
                };
                if let Some(case) = self.by_id.get_mut(&id) {
                    match &mut case.appeal {
                        Some(a) => a.panel = Some(panel),
                        None => case.panel = Some(panel),
                    }
                }
            }
            CaseStep::Vote(v) => {
                let priors_window = policy.recidivism_window_months;
                let respondent = case.respondent.clone();
                let Some(panel) = self.by_id.get_mut(&id).and_then(|c| c.current_panel_mut())
                else {
                    return;
                };
                panel.votes.insert(
                    signer.clone(),
                    VoteRecord {
                        finding: v.finding,
                        severity: v.severity,
                        deviation: v.deviation.clone(),
                        entry: here,
                    },
                );
                let Some((finding, severity, deviation)) = majority(panel) else {
                    if panel.votes.len() == panel.members.len() {
                        // Every member voted and no finding has a majority: a hung panel.
                        self.dissolve(&id, roster);
                    }
                    return;
                };
                let members: Vec<PartyId> = panel.members.clone();
                let priors = if finding == Finding::Violation {
                    self.priors(regime, &respondent, &id, here.at, priors_window)
                } else {
                    0
                };
                let measures = match (&deviation, finding, severity) {
                    (Some(d), Finding::Violation, _) => d.measures.clone(),
                    (None, Finding::Violation, Some(s)) => policy.measures(s, priors),
                    _ => BTreeSet::new(),
                };
                let record = FindingRecord {
                    finding,
                    severity,
                    priors,
                    measures,
                    deviation: deviation.map(|d| d.reason),
                    entry: here,
                };
                for m in &members {
                    if let Some(p) = roster.parties.get(m) {
                        self.load.release(m, p.kind);
                    }
                }
                if let Some(case) = self.by_id.get_mut(&id) {
                    match &mut case.appeal {
                        Some(a) => a.finding = Some(record),
                        None => case.finding = Some(record),
                    }
                }
            }
            _ => {
                let Some(case) = self.by_id.get_mut(&id) else {
                    return;
                };
                match step {
                    CaseStep::Join(_) => {
                        case.co_signers.insert(signer.clone());
                    }
                    CaseStep::Admissibility(a) => case.admissibility = Some((a.admissible, here)),
                    CaseStep::Respond(_) => case.response = Some(here),
                    CaseStep::Appeal(_) => {
                        case.appeal = Some(AppealRecord {
                            by: signer.clone(),
                            entry: here,
                            panel: None,
                            finding: None,
                        })
                    }
                    CaseStep::Plan(p) => case.plan = Some((p.milestones.clone(), here)),
                    CaseStep::Verify(_) => {
                        case.verified = Some(Decided {
                            entry: here,
                            by: signer.clone(),
                        })
                    }
                    CaseStep::Review(r) => case.reviews.push((r.decision, here)),
                    CaseStep::Convene(_) | CaseStep::Vote(_) => {}
                }
            }
        }
    }

    /// Moves the current panel (without a finding) to the dissolved ones and frees its seats.
    fn dissolve(&mut self, id: &CaseId, roster: Roster<'_>) {
        let Some(case) = self.by_id.get_mut(id) else {
            return;
        };
        let panel = match &mut case.appeal {
            Some(a) => a.panel.take(),
            None => case.panel.take(),
        };
        if let Some(p) = panel {
            for m in &p.members {
                if let Some(party) = roster.parties.get(m) {
                    self.load.release(m, party.kind);
                }
            }
            case.dissolved.push(p);
        }
    }

    /// Checks `case.refusal` (signed by the instance).
    pub fn check_refusal(&self, r: &Refusal) -> Result<(), Rejection> {
        self.case(&r.case).map(|_| ())
    }

    /// Folds in `case.refusal`.
    pub fn refusal(&mut self, r: &Refusal, here: EntryRef) {
        if let Some(case) = self.by_id.get_mut(&r.case) {
            case.refusals.push((r.clone(), here));
        }
    }
}

/// The panel's finding once a majority of its members agree on one: for a violation, the
/// severity is the lower median of the majority's severities, and a deviation from the ladder
/// applies only when a majority of the whole panel voted for that same deviation.
fn majority(panel: &Panel) -> Option<(Finding, Option<u8>, Option<Deviation>)> {
    let needed = panel.members.len() / 2 + 1;
    let mut by_finding: BTreeMap<Finding, Vec<&VoteRecord>> = BTreeMap::new();
    for v in panel.votes.values() {
        by_finding.entry(v.finding).or_default().push(v);
    }
    let (finding, votes) = by_finding.into_iter().find(|(_, v)| v.len() >= needed)?;
    if finding != Finding::Violation {
        return Some((finding, None, None));
    }
    let mut severities: Vec<u8> = votes.iter().filter_map(|v| v.severity).collect();
    severities.sort_unstable();
    let severity = severities.get((severities.len() - 1) / 2).copied();
    let mut deviations: BTreeMap<&Deviation, usize> = BTreeMap::new();
    for d in votes.iter().filter_map(|v| v.deviation.as_ref()) {
        *deviations.entry(d).or_default() += 1;
    }
    let deviation = deviations
        .into_iter()
        .find(|(_, n)| *n >= needed)
        .map(|(d, _)| d.clone());
    Some((finding, severity, deviation))
}

/// A case transition other than the allegation.
#[derive(Clone, Copy, Debug)]
pub enum CaseStep<'a> {
    /// `case.join`.
    Join(&'a Joining),
    /// `case.admissibility`.
    Admissibility(&'a Admissibility),
    /// `case.respond`.
    Respond(&'a Response),
    /// `case.convene`.
    Convene(&'a Convening),
    /// `case.vote`.
    Vote(&'a Vote),
    /// `case.appeal`.
    Appeal(&'a Appeal),
    /// `case.remediation_plan`.
    Plan(&'a RemediationPlan),
    /// `case.verify_remediation`.
    Verify(&'a RemediationVerified),
    /// `case.review`.
    Review(&'a Review),
}

impl CaseStep<'_> {
    /// The case it concerns.
    pub fn case(&self) -> &CaseId {
        match self {
            CaseStep::Join(x) => &x.case,
            CaseStep::Admissibility(x) => &x.case,
            CaseStep::Respond(x) => &x.case,
            CaseStep::Convene(x) => &x.case,
            CaseStep::Vote(x) => &x.case,
            CaseStep::Appeal(x) => &x.case,
            CaseStep::Plan(x) => &x.case,
            CaseStep::Verify(x) => &x.case,
            CaseStep::Review(x) => &x.case,
        }
    }
}

/// What the rules of cases read besides the cases: the regime (its policy and catalog), the
/// registry as the draws see it, and the draw seed of the entry (see `State`'s `draw_seed`).
pub struct CaseInputs<'a> {
    /// The regime, once chartered.
    pub regime: Option<&'a Regime>,
    /// The parties, by kind, and the accredited auditors.
    pub roster: Roster<'a>,
    /// The seed of any panel draw this entry makes.
    pub seed: [u8; 32],
}

/// A case record an entry touched, for the state digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Touched {
    /// The case itself.
    Case(CaseId),
    /// The panel load of every party (who sits on how many panels).
    PanelLoad,
}

/// The case entry types.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};
    use crate::norms::negotiation::require_regime;

    impl Admit for Allegation {
        type Part = Cases;
        type Inputs<'a> = CaseInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Cases,
            i: &CaseInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            let signer = by.party()?;
            part.check_allege(require_regime(i.regime)?, signer, self, i.roster.parties)
        }

        fn apply(
            self,
            part: &mut Cases,
            i: &CaseInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            let Some(regime) = i.regime else {
                return Vec::new();
            };
            part.allege(regime, by, &self, here);
            vec![Touched::Case(self.case)]
        }
    }

    impl Admit for Refusal {
        type Part = Cases;
        type Inputs<'a> = CaseInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Cases,
            i: &CaseInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            by.instance("is recorded by the instance when it refuses a case transition")?;
            if !i.roster.parties.contains_key(&self.by) {
                return Err(conflict(
                    "unknown-party",
                    "/payload/by",
                    format!("party `{}` is not registered", self.by),
                ));
            }
            part.check_refusal(self)
        }

        fn apply(
            self,
            part: &mut Cases,
            _: &CaseInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            part.refusal(&self, here);
            vec![Touched::Case(self.case)]
        }
    }

    /// A case transition: checked and folded by the cases as the `CaseStep` it is.
    macro_rules! case_step {
        ($($ty:ty => $step:ident,)*) => {$(
            impl Admit for $ty {
                type Part = Cases;
                type Inputs<'a> = CaseInputs<'a>;
                type Touched = Touched;

                fn check(
                    &self,
                    part: &Cases,
                    i: &CaseInputs<'_>,
                    by: &Submitted<'_>,
                ) -> Result<(), Rejection> {
                    let signer = by.party()?;
                    let regime = require_regime(i.regime)?;
                    part.check_step(regime, signer, &CaseStep::$step(self), i.roster, &i.seed, by.at)
                }

                fn apply(
                    self,
                    part: &mut Cases,
                    i: &CaseInputs<'_>,
                    by: &PartyId,
                    here: EntryRef,
                ) -> Vec<Touched> {
                    let Some(regime) = i.regime else {
                        return Vec::new();
                    };
                    let before = part.load_version();
                    part.apply_step(regime, by, &CaseStep::$step(&self), i.roster, &i.seed, here);
                    let mut touched = vec![Touched::Case(self.case)];
                    if part.load_version() != before {
                        touched.push(Touched::PanelLoad);
                    }
                    touched
                }
            }
        )*};
    }

    case_step! {
        Joining => Join,
        Admissibility => Admissibility,
        Response => Respond,
        Convening => Convene,
        Vote => Vote,
        Appeal => Appeal,
        RemediationPlan => Plan,
        RemediationVerified => Verify,
        Review => Review,
    }
}
