//! `[[expect]]`: outcomes a scenario asserts once every step has run, read off the projected
//! state the way the dashboard and the API read it. Each table names one subject (the log, a
//! party or a case) and one or more checks of it; a failure says which expectation, what was
//! expected and what the state holds. Time-dependent outcomes (a case's stage, a party's
//! standing, what is overdue) are evaluated at the log time of the last entry, or at the
//! expectation's own `at` — a later moment, computed from the same log without new entries.

use std::collections::{BTreeMap, BTreeSet};

use accord_domain::enforcement::cases::policy_of;
use accord_domain::ids::CaseId;
use accord_domain::{State, Timestamp};
use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::when::When;

/// An `[[expect]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    name: Option<String>,
    at: Option<String>,
    party: Option<String>,
    case: Option<String>,
    entries: Option<u64>,
    refused_steps: Option<u64>,
    overdue: Option<u64>,
    standing: Option<String>,
    tier: Option<String>,
    incentive_eligible: Option<bool>,
    commitments: Option<Vec<String>>,
    stage: Option<String>,
    finding: Option<String>,
    refusals: Option<u64>,
}

/// What an expectation is about.
#[derive(Debug)]
enum Subject {
    Log,
    Party(PartyId),
    Case(CaseId),
}

/// One check of a subject.
#[derive(Debug)]
enum Check {
    /// Entries in the log (genesis and charter included).
    Entries(u64),
    /// Steps refused (as they expected).
    RefusedSteps(u64),
    /// Reports past their deadline with nothing filed (of the party, or of everyone).
    Overdue(u64),
    Standing(String),
    Tier(String),
    IncentiveEligible(bool),
    /// The norms the party is committed to now, exactly.
    Commitments(BTreeSet<String>),
    Stage(String),
    /// The finding that counts: the appeal's once reached, else the first.
    Finding(String),
    /// Refused transitions the instance recorded on the case.
    Refusals(u64),
}

/// A checked `[[expect]]` table.
#[derive(Debug)]
pub struct Expectation {
    number: usize,
    line: usize,
    name: Option<String>,
    at: Option<(When, Timestamp)>,
    subject: Subject,
    checks: Vec<Check>,
}

/// What the run knows that the state does not.
pub struct RunFacts {
    /// Steps the ledger refused (each as its step expected).
    pub refused_steps: u64,
}

/// An expectation that did not hold.
#[derive(Debug)]
pub struct Failure {
    /// Which expectation, as a person finds it in the file.
    pub expectation: String,
    /// What was checked.
    pub what: String,
    /// What the scenario expected.
    pub expected: String,
    /// What the state holds.
    pub actual: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: expected {}, found {}",
            self.expectation, self.what, self.expected, self.actual
        )
    }
}

impl Expectation {
    /// Checks the table at `line` (the `number`th) against the scenario's parties.
    pub fn check(
        raw: RawExpect,
        number: usize,
        line: usize,
        start: Timestamp,
        parties: &BTreeMap<PartyId, Timestamp>,
    ) -> Result<Expectation, String> {
        let here = format!("expectation {number} (line {line})");
        let at = match &raw.at {
            None => None,
            Some(t) => {
                let when: When = t.parse().map_err(|e| format!("{here}: at: {e}"))?;
                let ts = when.resolve(start).ok_or_else(|| {
                    format!("{here}: at: `{when}` is before the scenario's start")
                })?;
                Some((when, ts))
            }
        };
        let subject = match (&raw.party, &raw.case) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "{here}: names both a party and a case; write one [[expect]] for each"
                ))
            }
            (Some(p), None) => {
                let p: PartyId = p.parse().map_err(|e| format!("{here}: party: {e}"))?;
                if !parties.contains_key(&p) {
                    return Err(format!(
                        "{here}: party: unknown party `{p}`; declare it in a [[party]] table"
                    ));
                }
                Subject::Party(p)
            }
            (None, Some(c)) => Subject::Case(c.parse().map_err(|e| format!("{here}: case: {e}"))?),
            (None, None) => Subject::Log,
        };
        let mut checks = Vec::new();
        let mut misplaced = Vec::new();
        let mut take = |key: &str, fits: bool, check: Option<Check>| {
            if let Some(c) = check {
                if fits {
                    checks.push(c);
                } else {
                    misplaced.push(key.to_owned());
                }
            }
        };
        let (log, party, case) = (
            matches!(subject, Subject::Log),
            matches!(subject, Subject::Party(_)),
            matches!(subject, Subject::Case(_)),
        );
        take("entries", log, raw.entries.map(Check::Entries));
        take(
            "refused_steps",
            log,
            raw.refused_steps.map(Check::RefusedSteps),
        );
        take("overdue", log || party, raw.overdue.map(Check::Overdue));
        take("standing", party, raw.standing.map(Check::Standing));
        take("tier", party, raw.tier.map(Check::Tier));
        take(
            "incentive_eligible",
            party,
            raw.incentive_eligible.map(Check::IncentiveEligible),
        );
        take(
            "commitments",
            party,
            raw.commitments
                .map(|c| Check::Commitments(c.into_iter().collect())),
        );
        take("stage", case, raw.stage.map(Check::Stage));
        take("finding", case, raw.finding.map(Check::Finding));
        take("refusals", case, raw.refusals.map(Check::Refusals));
        if !misplaced.is_empty() {
            let about = match subject {
                Subject::Log => "the whole log (no `party` or `case`)",
                Subject::Party(_) => "a party",
                Subject::Case(_) => "a case",
            };
            return Err(format!(
                "{here}: {} cannot be checked of {about}; see docs/scenarios.md for which keys go with `party`, `case` or neither",
                misplaced.join(", ")
            ));
        }
        if checks.is_empty() {
            return Err(format!(
                "{here}: checks nothing; add a key such as `entries`, `standing` or `stage`"
            ));
        }
        Ok(Expectation {
            number,
            line,
            name: raw.name,
            at,
            subject,
            checks,
        })
    }

    /// How a failure names it.
    fn label(&self) -> String {
        let about = match &self.subject {
            Subject::Log => "the log".to_owned(),
            Subject::Party(p) => format!("party {p}"),
            Subject::Case(c) => format!("case {c}"),
        };
        let name = self
            .name
            .as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        let at = self.at.map(|(w, _)| format!(" at {w}")).unwrap_or_default();
        format!(
            "expectation {}{name} (line {}, {about}{at})",
            self.number, self.line
        )
    }

    /// Evaluates every check against `state`, returning those that do not hold.
    pub fn evaluate(&self, state: &State, facts: &RunFacts) -> Vec<Failure> {
        let last = state.last_at();
        let now = match self.at {
            Some((_, at)) if at < last => {
                return vec![self.failure(
                    "when",
                    format!("a moment at or after the last entry ({last})"),
                    format!("`at` is {at}: the state already holds later entries"),
                )]
            }
            Some((_, at)) => at,
            None => last,
        };
        let mut failures = Vec::new();
        for check in &self.checks {
            let (what, expected, actual) = self.measure(check, state, facts, now);
            if expected != actual {
                failures.push(self.failure(what, expected, actual));
            }
        }
        failures
    }

    fn failure(&self, what: &str, expected: String, actual: String) -> Failure {
        Failure {
            expectation: self.label(),
            what: what.to_owned(),
            expected,
            actual,
        }
    }

    /// What `check` looks at, what it expects and what the state holds, both as words.
    fn measure(
        &self,
        check: &Check,
        state: &State,
        facts: &RunFacts,
        now: Timestamp,
    ) -> (&'static str, String, String) {
        let party = match &self.subject {
            Subject::Party(p) => Some(p),
            _ => None,
        };
        match check {
            Check::Entries(n) => ("entries", n.to_string(), state.size().to_string()),
            Check::RefusedSteps(n) => (
                "refused steps",
                n.to_string(),
                facts.refused_steps.to_string(),
            ),
            Check::Overdue(n) => {
                let items = state.overdue(party, now);
                let listed: Vec<String> = items
                    .iter()
                    .map(|i| format!("{} {}", i.party, i.item))
                    .collect();
                let actual = if listed.is_empty() {
                    "0".to_owned()
                } else {
                    format!("{} ({})", items.len(), listed.join("; "))
                };
                let actual = if items.len() as u64 == *n {
                    n.to_string()
                } else {
                    actual
                };
                ("overdue reports", n.to_string(), actual)
            }
            Check::Standing(s) => {
                let standing = party.map(|p| state.standing(p, now).standing);
                ("standing", s.clone(), word(&standing))
            }
            Check::Tier(t) => {
                let tier = party.map(|p| state.standing(p, now).tier);
                ("tier", t.clone(), word(&tier))
            }
            Check::IncentiveEligible(b) => {
                let eligible = party.map(|p| state.standing(p, now).incentive_eligible);
                ("incentive eligibility", b.to_string(), word(&eligible))
            }
            Check::Commitments(norms) => {
                let active: BTreeSet<String> = party
                    .and_then(|p| state.commitments().of(p))
                    .map(|m| {
                        m.values()
                            .filter(|c| c.active)
                            .map(|c| c.norm.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                ("commitments", list(norms), list(&active))
            }
            Check::Stage(s) => (
                "stage",
                s.clone(),
                self.case_word(state, now, |stage, _| stage),
            ),
            Check::Finding(f) => (
                "finding",
                f.clone(),
                self.case_word(state, now, |_, finding| finding),
            ),
            Check::Refusals(n) => {
                let actual = match &self.subject {
                    Subject::Case(c) => state.cases().get(c).map_or_else(
                        || format!("no case `{c}`"),
                        |c| c.refusals.len().to_string(),
                    ),
                    _ => "no case".to_owned(),
                };
                ("recorded refusals", n.to_string(), actual)
            }
        }
    }

    /// The case's stage or final finding at `now`, as its wire word.
    fn case_word(
        &self,
        state: &State,
        now: Timestamp,
        pick: impl Fn(String, String) -> String,
    ) -> String {
        let Subject::Case(id) = &self.subject else {
            return "no case".to_owned();
        };
        let Some(case) = state.cases().get(id) else {
            return format!("no case `{id}`");
        };
        let Some(regime) = state.regime() else {
            return "no regime".to_owned();
        };
        let stage = serde_json::to_value(case.stage(policy_of(regime, case), now))
            .ok()
            .and_then(|v| v["stage"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        let finding = case
            .final_finding()
            .map_or_else(|| "none yet".to_owned(), |f| word(&Some(f.finding)));
        pick(stage, finding)
    }
}

/// A value as its wire word (`good`, `standard`, `violation`, `true`).
fn word<T: Serialize>(value: &Option<T>) -> String {
    match value.as_ref().map(serde_json::to_value) {
        Some(Ok(serde_json::Value::String(s))) => s,
        Some(Ok(v)) => v.to_string(),
        _ => "nothing (no such party)".to_owned(),
    }
}

fn list(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        format!("[{}]", items.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-02T09:00:00.000Z
    const START: Timestamp = Timestamp::from_unix_ms(1_772_442_000_000);

    fn check(text: &str) -> Result<Expectation, String> {
        let raw: RawExpect = toml::from_str(text).unwrap();
        let parties = BTreeMap::from([("cert-a".parse().unwrap(), START)]);
        Expectation::check(raw, 2, 40, START, &parties)
    }

    #[test]
    fn keys_go_with_their_subject() {
        assert!(check("entries = 3\nrefused_steps = 0\noverdue = 1").is_ok());
        assert!(check("party = \"cert-a\"\nstanding = \"good\"\noverdue = 0").is_ok());
        assert!(check("case = \"2026-001\"\nstage = \"final\"\nrefusals = 0").is_ok());
        for (text, want) in [
            (
                "standing = \"good\"",
                "standing cannot be checked of the whole log",
            ),
            (
                "party = \"cert-a\"\nentries = 3\nstage = \"final\"",
                "entries, stage cannot be checked of a party",
            ),
            (
                "case = \"2026-001\"\ntier = \"full\"",
                "tier cannot be checked of a case",
            ),
            (
                "party = \"cert-a\"\ncase = \"2026-001\"",
                "names both a party and a case",
            ),
            (
                "party = \"cert-z\"\nstanding = \"good\"",
                "unknown party `cert-z`",
            ),
            ("name = \"nothing\"", "checks nothing"),
            (
                "at = \"day 0 08:00\"\nentries = 1",
                "before the scenario's start",
            ),
        ] {
            let e = check(text).unwrap_err();
            assert!(e.starts_with("expectation 2 (line 40): "), "{e}");
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn a_failure_names_the_expectation_and_both_values() {
        let x = check("name = \"counted\"\nentries = 3\nrefused_steps = 1").unwrap();
        let failures = x.evaluate(&State::new(), &RunFacts { refused_steps: 1 });
        let shown: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["expectation 2 \"counted\" (line 40, the log): entries: expected 3, found 0"]
        );
    }
}
