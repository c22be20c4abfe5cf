//! Decision rules: how the positions parties take on a proposed norm become "adopted" or
//! "not adopted".
//!
//! A [`Procedure`] names a [`DecisionRule`] (unanimity, consensus, consensus minus one, qualified
//! majority or weighted chambers), a quorum, and the [`Standing`] of each [`Chamber`]: only
//! *voting* chambers count; *advisory* chambers are tallied and shown but never decide.
//! [`tally`] counts positions per chamber and [`decide`] applies the rule to the tally, returning
//! a [`Decision`] with a plain-English explanation.
//!
//! Guarantees:
//! - **Deterministic**: the outcome is a pure function of the procedure and the counts; it does
//!   not depend on voter names, map order, clocks or randomness.
//! - **Integer arithmetic only**: shares are compared by cross-multiplication in `u64`
//!   (`support * 100 >= percent * cast`), never with floats, so every replica agrees exactly.
//!   Percentages shown in explanations are rounded down, so a shown figure never appears to
//!   reach a threshold that the exact share missed.
//! - **Monotone**: adding a Support, or turning an Object or Abstain into Support, never turns
//!   an adoption into a rejection, under every rule.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who takes a position: a party.
pub type Voter = accord_envelope::PartyId;

/// The position a party takes on a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    /// In favour.
    Support,
    /// Against; under consensus rules, an objection blocks.
    Object,
    /// Takes part without taking a side: counts towards the quorum, not towards shares.
    Abstain,
}

/// A stakeholder group whose members take positions together under one standing.
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
pub enum Chamber {
    /// Governments.
    States,
    /// Companies.
    PrivateSector,
    /// Non-governmental organisations and academia.
    CivilSociety,
    /// Standards bodies, CERTs and operators.
    TechnicalCommunity,
}

impl Chamber {
    /// Every chamber, in their fixed order.
    pub const ALL: [Chamber; 4] = [
        Chamber::States,
        Chamber::PrivateSector,
        Chamber::CivilSociety,
        Chamber::TechnicalCommunity,
    ];

    /// The wire name, as in JSON (`"private_sector"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Chamber::States => "states",
            Chamber::PrivateSector => "private_sector",
            Chamber::CivilSociety => "civil_society",
            Chamber::TechnicalCommunity => "technical_community",
        }
    }

    /// The name for people (`"private sector"`).
    pub fn label(self) -> &'static str {
        match self {
            Chamber::States => "states",
            Chamber::PrivateSector => "private sector",
            Chamber::CivilSociety => "civil society",
            Chamber::TechnicalCommunity => "technical community",
        }
    }
}

impl fmt::Display for Chamber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a chamber's positions decide, or are only heard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Its members' positions count.
    Voting,
    /// Its members' positions are tallied and published but never change the outcome.
    Advisory,
}

/// The rule that turns a tally of voting chambers into an outcome.
///
/// JSON: `{"rule":"consensus"}`, `{"rule":"qualified_majority","percent":67}`,
/// `{"rule":"weighted_chambers","percent":{"states":67,"private_sector":50}}`. Unknown fields
/// are refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case", from = "RuleRepr")]
pub enum DecisionRule {
    /// Every voting-eligible party supports.
    Unanimity,
    /// Quorum, at least one support and no objection.
    Consensus,
    /// Quorum, at least one support and at most one objection.
    ConsensusMinusOne,
    /// Quorum, and support is at least `percent` of the votes cast (support + object).
    QualifiedMajority {
        /// Threshold, 1 to 100.
        percent: u8,
    },
    /// Quorum, and in every voting chamber with members, support is at least that chamber's
    /// percentage of its votes cast.
    WeightedChambers {
        /// Threshold per voting chamber, each 1 to 100.
        percent: BTreeMap<Chamber, u8>,
    },
}

/// Wire form for deserializing: unit variants as empty structs, so that unknown fields are
/// refused for every rule (serde ignores extra fields on internally tagged unit variants).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
enum RuleRepr {
    Unanimity {},
    Consensus {},
    ConsensusMinusOne {},
    QualifiedMajority { percent: u8 },
    WeightedChambers { percent: BTreeMap<Chamber, u8> },
}

impl From<RuleRepr> for DecisionRule {
    fn from(r: RuleRepr) -> Self {
        match r {
            RuleRepr::Unanimity {} => DecisionRule::Unanimity,
            RuleRepr::Consensus {} => DecisionRule::Consensus,
            RuleRepr::ConsensusMinusOne {} => DecisionRule::ConsensusMinusOne,
            RuleRepr::QualifiedMajority { percent } => DecisionRule::QualifiedMajority { percent },
            RuleRepr::WeightedChambers { percent } => DecisionRule::WeightedChambers { percent },
        }
    }
}

impl DecisionRule {
    /// The rule's name for people (`"qualified majority"`).
    pub fn name(&self) -> &'static str {
        match self {
            DecisionRule::Unanimity => "unanimity",
            DecisionRule::Consensus => "consensus",
            DecisionRule::ConsensusMinusOne => "consensus minus one",
            DecisionRule::QualifiedMajority { .. } => "qualified majority",
            DecisionRule::WeightedChambers { .. } => "weighted chambers",
        }
    }
}

/// How one proposal is decided: the rule, the quorum and who votes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// The decision rule.
    pub rule: DecisionRule,
    /// Share of voting-eligible parties (0 to 100) that must take a position, abstaining
    /// included.
    pub quorum_percent: u8,
    /// Standing of each chamber; a chamber not listed is advisory.
    pub standing: BTreeMap<Chamber, Standing>,
}

/// Why a [`Procedure`] is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcedureError {
    /// JSON pointer of the offending field in the procedure, e.g. `/rule/percent/civil_society`.
    pub pointer: String,
    /// One sentence for a person: what is wrong.
    pub detail: String,
}

impl fmt::Display for ProcedureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.detail)
    }
}

impl std::error::Error for ProcedureError {}

fn invalid(pointer: impl Into<String>, detail: impl Into<String>) -> ProcedureError {
    ProcedureError {
        pointer: pointer.into(),
        detail: detail.into(),
    }
}

impl Procedure {
    /// The standing of `chamber`: advisory unless listed as voting.
    pub fn standing_of(&self, chamber: Chamber) -> Standing {
        self.standing
            .get(&chamber)
            .copied()
            .unwrap_or(Standing::Advisory)
    }

    /// Checks ranges and consistency: thresholds 1..=100, quorum 0..=100, at least one voting
    /// chamber, and for weighted chambers a threshold for exactly the voting chambers.
    pub fn validate(&self) -> Result<(), ProcedureError> {
        if self.quorum_percent > 100 {
            return Err(invalid(
                "/quorum_percent",
                format!(
                    "quorum must be 0 to 100 percent, not {}",
                    self.quorum_percent
                ),
            ));
        }
        if !Chamber::ALL
            .iter()
            .any(|&c| self.standing_of(c) == Standing::Voting)
        {
            return Err(invalid(
                "/standing",
                "at least one chamber must have voting standing",
            ));
        }
        let check = |pointer: &str, percent: u8| match percent {
            1..=100 => Ok(()),
            _ => Err(invalid(
                pointer,
                format!("threshold must be 1 to 100 percent, not {percent}"),
            )),
        };
        match &self.rule {
            DecisionRule::QualifiedMajority { percent } => check("/rule/percent", *percent)?,
            DecisionRule::WeightedChambers { percent } => {
                for c in Chamber::ALL {
                    let pointer = format!("/rule/percent/{c}");
                    match (self.standing_of(c), percent.get(&c)) {
                        (Standing::Voting, None) => {
                            return Err(invalid(
                                pointer,
                                format!("the {} chamber votes, so it needs a threshold", c.label()),
                            ))
                        }
                        (Standing::Advisory, Some(_)) => {
                            return Err(invalid(
                                pointer,
                                format!(
                                    "the {} chamber is advisory, so it takes no threshold",
                                    c.label()
                                ),
                            ))
                        }
                        (Standing::Voting, Some(&p)) => check(&pointer, p)?,
                        (Standing::Advisory, None) => {}
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Counts of one chamber (or, from [`Tally::voting_totals`], of all voting chambers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChamberTally {
    /// Whether these counts decide.
    pub standing: Standing,
    /// Parties entitled to take a position.
    pub eligible: u32,
    /// Of those, how many support.
    pub support: u32,
    /// Of those, how many object.
    pub object: u32,
    /// Of those, how many abstain.
    pub abstain: u32,
}

impl ChamberTally {
    /// No members, no positions.
    pub fn empty(standing: Standing) -> Self {
        Self {
            standing,
            eligible: 0,
            support: 0,
            object: 0,
            abstain: 0,
        }
    }

    /// Parties that took a position, abstaining included (what the quorum counts).
    pub fn voted(&self) -> u32 {
        self.cast().saturating_add(self.abstain)
    }

    /// Votes cast for or against (what majority shares are taken of).
    pub fn cast(&self) -> u32 {
        self.support.saturating_add(self.object)
    }

    /// Eligible parties that took no position.
    pub fn silent(&self) -> u32 {
        self.eligible.saturating_sub(self.voted())
    }
}

/// Counts per chamber for one proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Counts per chamber; [`tally`] lists every chamber.
    pub chambers: BTreeMap<Chamber, ChamberTally>,
}

impl Tally {
    /// Sum of the counts of the chambers marked `Voting` (saturating; counts are far below
    /// `u32::MAX` in practice).
    pub fn voting_totals(&self) -> ChamberTally {
        let mut t = ChamberTally::empty(Standing::Voting);
        for c in self.chambers.values() {
            if c.standing == Standing::Voting {
                t.eligible = t.eligible.saturating_add(c.eligible);
                t.support = t.support.saturating_add(c.support);
                t.object = t.object.saturating_add(c.object);
                t.abstain = t.abstain.saturating_add(c.abstain);
            }
        }
        t
    }
}

/// Counts the position of every eligible party into its chamber. Positions of parties not in
/// `eligible` are ignored; advisory chambers are counted too, marked advisory.
pub fn tally(
    procedure: &Procedure,
    eligible: &BTreeMap<Voter, Chamber>,
    positions: &BTreeMap<Voter, Stance>,
) -> Tally {
    let mut chambers: BTreeMap<Chamber, ChamberTally> = Chamber::ALL
        .iter()
        .map(|&c| (c, ChamberTally::empty(procedure.standing_of(c))))
        .collect();
    for (voter, chamber) in eligible {
        let t = chambers.get_mut(chamber).expect("every chamber is listed");
        t.eligible += 1;
        match positions.get(voter) {
            Some(Stance::Support) => t.support += 1,
            Some(Stance::Object) => t.object += 1,
            Some(Stance::Abstain) => t.abstain += 1,
            None => {}
        }
    }
    Tally { chambers }
}

/// The outcome of applying a procedure to a tally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the proposal is adopted.
    pub adopted: bool,
    /// Whether enough voting-eligible parties took a position.
    pub quorum_met: bool,
    /// The rule applied.
    pub rule: DecisionRule,
    /// One or two plain-English sentences: the outcome and why. Names no party.
    pub explanation: String,
    /// The counts decided on, with each chamber's standing as the procedure sets it.
    pub tally: Tally,
}

/// `part / whole >= percent / 100`, exactly.
fn meets(part: u32, percent: u8, whole: u32) -> bool {
    u64::from(part) * 100 >= u64::from(percent) * u64::from(whole)
}

/// `part / whole` as a percentage, rounded down (0 when `whole` is 0).
fn pct(part: u32, whole: u32) -> u64 {
    (u64::from(part) * 100)
        .checked_div(u64::from(whole))
        .unwrap_or(0)
}

fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Applies the procedure's rule to the tally. Only chambers the procedure gives voting standing
/// count (the tally's own standing flags are overwritten by the procedure's). An invalid
/// procedure, or one with no voting-eligible party, adopts nothing.
pub fn decide(procedure: &Procedure, tally: &Tally) -> Decision {
    let mut tally = tally.clone();
    for c in Chamber::ALL {
        let standing = procedure.standing_of(c);
        tally
            .chambers
            .entry(c)
            .or_insert_with(|| ChamberTally::empty(standing))
            .standing = standing;
    }
    let t = tally.voting_totals();
    let quorum_met = meets(t.voted(), procedure.quorum_percent, t.eligible);
    let (adopted, explanation) = if let Err(e) = procedure.validate() {
        (
            false,
            format!("Not adopted: the procedure is invalid ({e})."),
        )
    } else if t.eligible == 0 {
        let why = "Not adopted: no party is eligible to vote in any voting chamber.";
        (false, why.to_string())
    } else {
        judge(procedure, &tally, &t, quorum_met)
    };
    Decision {
        adopted,
        quorum_met,
        rule: procedure.rule.clone(),
        explanation,
        tally,
    }
}

/// The rule proper, on a valid procedure with at least one voting-eligible party.
fn judge(p: &Procedure, tally: &Tally, t: &ChamberTally, quorum_met: bool) -> (bool, String) {
    let (q, voted, eligible) = (p.quorum_percent, t.voted(), t.eligible);
    let mut fails = Vec::new();
    if !quorum_met {
        fails.push(format!(
            "quorum not met, only {voted} of {eligible} voting parties ({}%) took a position where {q}% is required",
            pct(voted, eligible)
        ));
    }
    let success = match &p.rule {
        DecisionRule::Unanimity => {
            fails.clear(); // all supporting implies the quorum; report only the support
            if t.support < eligible {
                fails.push(format!(
                    "{} of {eligible} voting parties support",
                    t.support
                ));
            }
            format!("all {eligible} voting parties support")
        }
        DecisionRule::Consensus | DecisionRule::ConsensusMinusOne => {
            let allowed = u32::from(p.rule == DecisionRule::ConsensusMinusOne);
            if t.object > allowed {
                let limit = if allowed == 0 {
                    ""
                } else {
                    ", where at most 1 is allowed"
                };
                let n = count(t.object, "sustained objection", "sustained objections");
                fails.push(format!("{n}{limit}"));
            }
            if t.support == 0 {
                fails.push("no party supports".to_string());
            }
            let objections = match t.object {
                0 => "no one objects".to_string(),
                n => count(n, "party objects", "parties object"),
            };
            let support = count(t.support, "party supports", "parties support");
            format!("{support} and {objections}")
        }
        DecisionRule::QualifiedMajority { percent } => {
            let (s, cast) = (t.support, t.cast());
            let share = format!("{s} of {cast} votes cast ({}%) support", pct(s, cast));
            if cast == 0 {
                fails.push("no votes for or against were cast".to_string());
            } else if !meets(s, *percent, cast) {
                fails.push(format!("{share}, below the {percent}% threshold"));
            }
            format!("{share}, threshold {percent}%")
        }
        DecisionRule::WeightedChambers { percent } => {
            let mut parts = Vec::new();
            for (c, ct) in &tally.chambers {
                if ct.standing != Standing::Voting || ct.eligible == 0 {
                    continue;
                }
                let need = percent.get(c).copied().unwrap_or(100);
                let (s, cast) = (ct.support, ct.cast());
                let share = format!("{} {s} of {cast} ({}%)", c.label(), pct(s, cast));
                if cast == 0 {
                    fails.push(format!("{} cast no votes for or against", c.label()));
                } else if !meets(s, need, cast) {
                    fails.push(format!("{share} support, below its {need}% threshold"));
                }
                parts.push(format!("{share} ≥ {need}%"));
            }
            parts.join(", ")
        }
    };
    let name = p.rule.name();
    if fails.is_empty() {
        let quorum = match p.rule {
            DecisionRule::Unanimity => String::new(),
            _ => format!(
                "; quorum {voted} of {eligible} ({}%) ≥ {q}%",
                pct(voted, eligible)
            ),
        };
        (true, format!("Adopted by {name}: {success}{quorum}."))
    } else {
        let summary = format!(
            "Of {eligible} voting parties: {} in support, {} objecting, {} abstaining, {} with no position.",
            t.support,
            t.object,
            t.abstain,
            t.silent()
        );
        (
            false,
            format!("Not adopted by {name}: {}. {summary}", fails.join("; ")),
        )
    }
}
