//! Cases with due process, scenario by scenario: every deadline lapsing, an appeal reversing a
//! finding, recidivism escalating a second violation, a deviation from the ladder, an honest
//! mistake, a sanction reviewed and lifted after the review period, restoration after verified
//! remediation, and steps out of order refused.

use std::collections::BTreeMap;

use crate::common::*;
use accord_domain::enforcement::cases::{policy_of, Finding};
use accord_domain::enforcement::{EnforcementPolicy, Measure, Stage, StandingLevel, Tier};
use accord_domain::ids::CaseId;
use accord_domain::norms::negotiation::RecognitionScope;
use accord_domain::{Rejection, State};
use accord_envelope::KeyPair;
use serde_json::{json, Value};

const DAY: u64 = 86_400_000;

pub struct Enf {
    pub w: World,
    pub keys: BTreeMap<String, KeyPair>,
}

/// (id, kind, region)
const PARTIES: &[(&str, &str, &str)] = &[
    ("cert-a", "cert", "europe"),
    ("state-x", "state", "africa"),
    ("state-y", "state", "asia"),
    ("cert-b", "cert", "africa"),
    ("aud-1", "auditor", "global"),
    ("aud-2", "auditor", "global"),
    ("aud-3", "auditor", "global"),
    ("aud-4", "auditor", "global"),
    ("aud-5", "auditor", "global"),
    ("aud-6", "auditor", "global"),
    ("cs-1", "civil_society", "europe"),
];

impl Enf {
    fn new() -> Enf {
        let mut w = World::chartered();
        let sec = w.secretariat.clone();
        let mut keys = BTreeMap::new();
        keys.insert("secretariat".to_owned(), sec);
        for (i, (id, kind, region)) in PARTIES.iter().enumerate() {
            let k = KeyPair::from_seed([100 + i as u8; 32]);
            w.register_in(id, kind, region, &k).unwrap();
            keys.insert((*id).to_owned(), k);
        }
        let mut e = Enf { w, keys };
        let auditors: Vec<&str> = PARTIES
            .iter()
            .filter(|p| p.1 == "auditor")
            .map(|p| p.0)
            .collect();
        e.accredit("accreditation-1", &auditors);
        e
    }

    /// The states adopt an accreditation of `auditors` (registered auditors are drawn only
    /// once accredited).
    fn accredit(&mut self, id: &str, auditors: &[&str]) {
        self.adopt_draft(
            id,
            "Accreditation of auditors",
            json!({"kind": "accreditation", "accredit": auditors}),
        );
    }

    /// A state proposes `draft` as instrument `id`, both states support it, the secretariat
    /// records its adoption; three days pass.
    fn adopt_draft(&mut self, id: &str, title: &str, draft: Value) {
        self.ok(
            "state-y",
            "instrument.propose",
            json!({"instrument": id, "title": title, "draft": draft,
                   "comment_until": self.w.at(24), "positions_until": self.w.at(48)}),
        );
        self.wait_days(1);
        for s in ["state-x", "state-y"] {
            self.ok(
                s,
                "instrument.position",
                json!({"instrument": id, "version": 1, "stance": "support"}),
            );
        }
        self.wait_days(2);
        self.ok(
            "secretariat",
            "instrument.decide",
            json!({"instrument": id, "outcome": "adopted"}),
        );
    }

    fn say(&mut self, by: &str, ty: &str, payload: Value) -> Result<(), Rejection> {
        let key = self.keys[by].clone();
        self.w.submit(envelope(ty, payload, by, &key))
    }

    fn ok(&mut self, by: &str, ty: &str, payload: Value) {
        if let Err(r) = self.say(by, ty, payload) {
            panic!("{ty} by {by} refused: {r}");
        }
    }

    fn refused(&mut self, by: &str, ty: &str, payload: Value, rule: &str) {
        let before = self.w.entries.len();
        let r = self.say(by, ty, payload).expect_err("should be refused");
        assert_eq!(r.rule, rule, "{r}");
        assert_eq!(self.w.entries.len(), before);
    }

    fn wait_days(&mut self, d: u64) {
        self.w.now += d * DAY;
    }

    fn case(&self, id: &str) -> accord_domain::enforcement::CaseRecord {
        self.w
            .state
            .cases()
            .get(&CaseId::new(id).unwrap())
            .unwrap()
            .clone()
    }

    fn stage(&self, id: &str) -> Stage {
        let c = self.case(id);
        let policy = policy_of(self.w.state.regime().unwrap(), &c);
        c.stage(policy, accord_domain::Timestamp::from_unix_ms(self.w.now))
    }

    fn next(&self, id: &str) -> Vec<accord_domain::enforcement::cases::NextStep> {
        let c = self.case(id);
        let policy = policy_of(self.w.state.regime().unwrap(), &c);
        c.next_steps(policy, accord_domain::Timestamp::from_unix_ms(self.w.now))
    }

    fn allege(&mut self, id: &str, by: &str, against: &str) {
        self.ok(
            by,
            "case.allege",
            json!({"case": id, "respondent": against, "norm": "gge-c",
                   "summary": "Knowingly allowed its territory to be used for an operation against our grid."}),
        );
    }

    fn admit(&mut self, id: &str) {
        self.ok(
            "secretariat",
            "case.admissibility",
            json!({"case": id, "admissible": true, "reasons": "The allegation names a norm and facts."}),
        );
    }

    fn respond(&mut self, id: &str, by: &str) {
        self.ok(
            by,
            "case.respond",
            json!({"case": id, "response": "We acted as soon as we were told."}),
        );
    }

    fn convene(&mut self, id: &str) -> Vec<String> {
        let kind = if self.case(id).appeal.is_some() {
            "appeal"
        } else {
            "first"
        };
        self.ok(
            "secretariat",
            "case.convene",
            json!({"case": id, "panel": kind}),
        );
        let c = self.case(id);
        let panel = match &c.appeal {
            Some(a) => a.panel.clone().unwrap(),
            None => c.panel.clone().unwrap(),
        };
        panel.members.iter().map(|p| p.to_string()).collect()
    }

    fn vote(&mut self, id: &str, by: &str, finding: &str, severity: Option<u8>) {
        let mut p =
            json!({"case": id, "finding": finding, "reasons": "On the evidence before the panel."});
        if let Some(s) = severity {
            p["severity"] = json!(s);
        }
        self.ok(by, "case.vote", p);
    }

    /// Allegation to a first finding by a unanimous panel.
    fn through_finding(
        &mut self,
        id: &str,
        against: &str,
        finding: &str,
        severity: Option<u8>,
    ) -> Vec<String> {
        self.allege(id, "cert-a", against);
        self.admit(id);
        self.respond(id, against);
        let panel = self.convene(id);
        for m in panel.clone() {
            if self.case(id).finding.is_none() {
                self.vote(id, &m, finding, severity);
            }
        }
        panel
    }

    /// The review date of a case's measures in force, on the wire.
    fn review_due(&self, id: &str) -> String {
        let now = accord_domain::Timestamp::from_unix_ms(self.w.now);
        self.case(id)
            .measures(&EnforcementPolicy::default_policy(), now)
            .unwrap()
            .review_due
            .to_string()
    }

    fn standing(&self, party: &str) -> accord_domain::enforcement::Standing {
        let now = accord_domain::Timestamp::from_unix_ms(self.w.now);
        self.w.state.standing(&party.parse().unwrap(), now)
    }

    fn replays(&self) {
        let mut replay = State::new();
        for (i, e) in self.w.entries.iter().enumerate() {
            replay.admit(i as u64, e).unwrap();
        }
        assert_eq!(replay.cases(), self.w.state.cases());
        assert_eq!(
            replay.clone().seal_batch(&[0; 32]),
            self.w.state.clone().seal_batch(&[0; 32])
        );
    }
}

#[test]
fn every_deadline_lapses_and_the_case_still_reaches_a_lawful_measure() {
    let mut e = Enf::new();
    let policy = EnforcementPolicy::default_policy();
    e.allege("c1", "cert-a", "state-x");
    assert!(matches!(e.stage("c1"), Stage::Admissibility { .. }));
    // The secretariat tries to skip admissibility and convene at once: refused.
    e.refused(
        "secretariat",
        "case.convene",
        json!({"case": "c1", "panel": "first"}),
        "case-stage",
    );
    // Admissibility lapses: admissible by default, notice runs from the lapse.
    e.wait_days(15);
    assert!(
        matches!(e.stage("c1"), Stage::Response { .. }),
        "{:?}",
        e.stage("c1")
    );
    e.refused(
        "secretariat",
        "case.admissibility",
        json!({"case": "c1", "admissible": false, "reasons": "Too late to decide."}),
        "case-stage",
    );
    // The response window lapses: the case proceeds without an answer.
    e.wait_days(31);
    e.refused(
        "state-x",
        "case.respond",
        json!({"case": "c1", "response": "Late answer."}),
        "case-stage",
    );
    assert!(matches!(e.stage("c1"), Stage::Panel { .. }));
    // Nobody but the panel votes; the panel is conflict-free.
    e.refused(
        "secretariat",
        "case.vote",
        json!({"case": "c1", "finding": "violation", "severity": 2, "reasons": "Skip."}),
        "case-stage",
    );
    // The secretariat's own deadline to convene lapses: the next step shows it overdue.
    e.wait_days(15);
    let overdue = e.next("c1");
    assert_eq!(
        (overdue[0].entry_type, overdue[0].overdue),
        ("case.convene", true)
    );
    let panel = e.convene("c1");
    assert_eq!(panel.len(), 3);
    for p in &panel {
        assert!(
            !["cert-a", "state-x", "cert-b", "secretariat"].contains(&p.as_str()),
            "{p} sits"
        );
    }
    e.refused(
        "state-y",
        "case.vote",
        json!({"case": "c1", "finding": "violation", "severity": 2, "reasons": "Not on it."}),
        "not-panelist",
    );
    // A violation needs a severity on the scale.
    e.refused(
        &panel[0],
        "case.vote",
        json!({"case": "c1", "finding": "violation", "severity": 9, "reasons": "Off scale."}),
        "severity",
    );
    // The finding deadline lapses (the panel is late: the docket shows it overdue) and the
    // majority still decides.
    e.wait_days(50);
    assert!(matches!(e.stage("c1"), Stage::Deliberation { due } if due.unix_ms() < e.w.now));
    e.vote("c1", &panel[0], "violation", Some(2));
    e.vote("c1", &panel[1], "violation", Some(2));
    let f = e.case("c1").finding.unwrap();
    assert_eq!(
        (f.finding, f.severity, f.priors),
        (Finding::Violation, Some(2), 0)
    );
    assert_eq!(f.measures, policy.measures(2, 0));
    e.refused(
        &panel[2],
        "case.vote",
        json!({"case": "c1", "finding": "no_violation", "reasons": "Too late."}),
        "case-stage",
    );
    // No measure before the appeal window closes.
    assert_eq!(e.standing("state-x").standing, StandingLevel::Good);
    // The appeal window lapses: final, measures in force.
    e.wait_days(22);
    e.refused(
        "state-x",
        "case.appeal",
        json!({"case": "c1", "grounds": "Late."}),
        "case-stage",
    );
    assert!(matches!(
        e.stage("c1"),
        Stage::Final {
            finding: Finding::Violation,
            ..
        }
    ));
    let s = e.standing("state-x");
    assert_eq!(
        (s.standing, s.tier, s.incentive_eligible),
        (StandingLevel::Flagged, Tier::Standard, false)
    );
    assert_eq!(s.public_statements.len(), 1);
    // The remediation plan lapses: still flagged, and the cause says why.
    e.wait_days(31);
    let s = e.standing("state-x");
    assert!(
        s.causes
            .iter()
            .any(|c| c.what.contains("remediation plan overdue")),
        "{:?}",
        s.causes
    );
    e.replays();
}

#[test]
fn an_appeal_to_a_disjoint_panel_reverses_a_finding() {
    let mut e = Enf::new();
    let first = e.through_finding("c2", "state-x", "violation", Some(3));
    assert!(matches!(e.stage("c2"), Stage::AppealWindow { .. }));
    // Only a side appeals.
    e.refused(
        "cs-1",
        "case.appeal",
        json!({"case": "c2", "grounds": "We disagree."}),
        "not-a-side",
    );
    e.ok(
        "state-x",
        "case.appeal",
        json!({"case": "c2", "grounds": "The panel ignored our logs."}),
    );
    e.refused(
        "state-x",
        "case.appeal",
        json!({"case": "c2", "grounds": "Twice."}),
        "case-stage",
    );
    let appeal = e.convene("c2");
    assert!(
        appeal.iter().all(|m| !first.contains(m)),
        "{first:?} / {appeal:?}"
    );
    // The appeal panel's deadline lapses: its votes show overdue, and its majority still decides.
    e.wait_days(46);
    let late = e.next("c2");
    assert!(
        late.iter()
            .all(|s| s.entry_type == "case.vote" && s.overdue),
        "{late:?}"
    );
    assert_eq!(late.len(), 3);
    for m in &appeal[..2] {
        e.vote("c2", m, "no_violation", None);
    }
    assert!(matches!(
        e.stage("c2"),
        Stage::Final {
            finding: Finding::NoViolation,
            ..
        }
    ));
    e.wait_days(400);
    assert_eq!(e.standing("state-x").standing, StandingLevel::Good);
    assert!(e
        .case("c2")
        .measures(
            &EnforcementPolicy::default_policy(),
            accord_domain::Timestamp::from_unix_ms(e.w.now)
        )
        .is_none());
    e.replays();
}

#[test]
fn recidivism_escalates_a_second_violation() {
    let mut e = Enf::new();
    let policy = EnforcementPolicy::default_policy();
    e.through_finding("c3", "state-x", "violation", Some(2));
    e.wait_days(22);
    e.through_finding("c4", "state-x", "violation", Some(2));
    let f = e.case("c4").finding.unwrap();
    assert_eq!(f.priors, 1);
    assert_eq!(f.measures, policy.measures(2, 1));
    assert!(policy.measures(2, 0).is_subset(&f.measures) && policy.measures(2, 0) != f.measures);
    // Another respondent with the same facts gets the same measure as the first.
    e.through_finding("c5", "state-y", "violation", Some(2));
    assert_eq!(
        e.case("c5").finding.unwrap().measures,
        policy.measures(2, 0)
    );
    // Outside the window a violation no longer counts.
    e.wait_days(30 + 2 * 366);
    e.through_finding("c6", "state-x", "violation", Some(2));
    assert_eq!(e.case("c6").finding.unwrap().priors, 0);
    e.replays();
}

#[test]
fn a_sanction_is_reviewed_and_lifted_after_the_review_period() {
    let mut e = Enf::new();
    e.through_finding("c7", "state-x", "violation", Some(3));
    e.wait_days(22);
    let s = e.standing("state-x");
    assert!(!s.incentive_eligible);
    // Not before the review falls due, and only for the date it falls due.
    let due = e.review_due("c7");
    e.refused(
        "secretariat",
        "case.review",
        json!({"case": "c7", "due": due, "decision": "lift", "reasons": "Early."}),
        "review-not-due",
    );
    e.wait_days(366);
    e.refused(
        "secretariat",
        "case.review",
        json!({"case": "c7", "due": e.w.at(0), "decision": "lift", "reasons": "Wrong date."}),
        "review-date",
    );
    e.refused(
        "state-x",
        "case.review",
        json!({"case": "c7", "due": due, "decision": "lift", "reasons": "Self-serving."}),
        "role",
    );
    e.ok(
        "secretariat",
        "case.review",
        json!({"case": "c7", "due": due, "decision": "lift", "reasons": "Conduct since the finding is exemplary."}),
    );
    e.wait_days(1);
    let m = e
        .case("c7")
        .measures(
            &EnforcementPolicy::default_policy(),
            accord_domain::Timestamp::from_unix_ms(e.w.now),
        )
        .unwrap();
    assert_eq!(m.ends_by, "lifted_on_review");
    // The plan was never filed, so the standing stays flagged for that, not for the measure.
    let s = e.standing("state-x");
    assert!(
        s.causes.iter().all(|c| c.measures.is_empty()),
        "{:?}",
        s.causes
    );
    e.replays();
}

#[test]
fn unreviewed_measures_lapse_and_maintained_ones_continue() {
    let mut e = Enf::new();
    e.through_finding("c8", "state-x", "violation", Some(1));
    e.through_finding("c9", "state-y", "violation", Some(1));
    e.wait_days(22 + 366);
    let due = e.review_due("c9");
    e.ok(
        "secretariat",
        "case.review",
        json!({"case": "c9", "due": due, "decision": "maintain", "reasons": "No remediation yet."}),
    );
    // The next periodic review is its own entry, with the same words.
    e.wait_days(366);
    let next = e.review_due("c9");
    assert_ne!(next, due);
    e.ok(
        "secretariat",
        "case.review",
        json!({"case": "c9", "due": next, "decision": "maintain", "reasons": "No remediation yet."}),
    );
    assert_eq!(e.case("c9").reviews.len(), 2);
    e.wait_days(60);
    let now = accord_domain::Timestamp::from_unix_ms(e.w.now);
    let p = EnforcementPolicy::default_policy();
    let lapsed = e.case("c8").measures(&p, now).unwrap();
    assert_eq!(lapsed.ends_by, "lapsed_unreviewed");
    assert!(lapsed.until < now);
    let kept = e.case("c9").measures(&p, now).unwrap();
    assert!(kept.until > now, "{kept:?}");
    e.replays();
}

#[test]
fn restoration_follows_verified_remediation_as_the_policy_says() {
    let mut e = Enf::new();
    e.through_finding("c10", "state-x", "violation", Some(2));
    e.wait_days(22);
    let final_at = e.w.now;
    e.refused(
        "aud-1",
        "case.verify_remediation",
        json!({"case": "c10", "notes": "Nothing to verify."}),
        "no-plan",
    );
    e.ok(
        "state-x",
        "case.remediation_plan",
        json!({"case": "c10", "milestones": [
            {"milestone": "m1", "due": e.w.at(24 * 20), "description": "Take down the relay."},
            {"milestone": "m2", "due": e.w.at(24 * 40), "description": "Prosecute the operators."}]}),
    );
    // Not before the plan's last milestone is due.
    e.wait_days(10);
    e.refused(
        "aud-1",
        "case.verify_remediation",
        json!({"case": "c10", "notes": "Looks fine so far."}),
        "plan-running",
    );
    e.wait_days(31);
    e.ok(
        "aud-1",
        "case.verify_remediation",
        json!({"case": "c10", "notes": "Relay gone; charges filed."}),
    );
    // Verified after 41 days, but measures stay in force the policy's minimum of 3 months.
    assert_eq!(e.standing("state-x").standing, StandingLevel::Flagged);
    let p = EnforcementPolicy::default_policy();
    let m = e
        .case("c10")
        .measures(&p, accord_domain::Timestamp::from_unix_ms(e.w.now))
        .unwrap();
    assert_eq!(m.ends_by, "restored");
    let since = m.since;
    assert_eq!(m.until, since.plus_months(3));
    assert!(since.unix_ms() <= final_at);
    e.wait_days(60);
    let s = e.standing("state-x");
    assert_eq!(
        (s.standing, s.tier, s.incentive_eligible),
        (StandingLevel::Good, Tier::Full, true)
    );
    e.replays();
}

#[test]
fn honest_mistakes_bring_remediation_and_never_a_measure() {
    let mut e = Enf::new();
    e.through_finding("c11", "state-x", "honest_mistake", None);
    e.refused(
        "aud-1",
        "case.vote",
        json!({"case": "c11", "finding": "honest_mistake", "severity": 2, "reasons": "x y z"}),
        "case-stage",
    );
    e.wait_days(22);
    assert!(matches!(
        e.stage("c11"),
        Stage::Final {
            finding: Finding::HonestMistake,
            ..
        }
    ));
    assert!(e.case("c11").finding.unwrap().measures.is_empty());
    assert_eq!(e.standing("state-x").standing, StandingLevel::Good);
    // The plan is still due, and overdue it flags the standing.
    e.wait_days(31);
    assert_eq!(e.standing("state-x").standing, StandingLevel::Flagged);
    e.replays();
}

#[test]
fn a_deviation_from_the_ladder_needs_a_majority_with_reasons() {
    let policy = EnforcementPolicy::default_policy();
    let mut e = Enf::new();
    let deviation = |case: &str| {
        json!({"case": case, "finding": "violation", "severity": 3, "reasons": "Serious.",
        "deviation": {"measures": ["public_statement"], "reason": "The respondent self-reported and cooperated fully."}})
    };
    // One deviation and one ladder vote: the violation has its majority, the deviation not.
    e.allege("c12", "cert-a", "state-x");
    e.admit("c12");
    e.respond("c12", "state-x");
    let panel = e.convene("c12");
    e.ok(&panel[0], "case.vote", deviation("c12"));
    e.vote("c12", &panel[1], "violation", Some(3));
    let f = e.case("c12").finding.unwrap();
    assert_eq!(f.measures, policy.measures(3, 0));
    assert!(f.deviation.is_none());
    // Two identical deviations: the panel deviates, with its reason on record.
    e.allege("c14", "cert-a", "state-y");
    e.admit("c14");
    e.respond("c14", "state-y");
    let panel = e.convene("c14");
    e.ok(&panel[0], "case.vote", deviation("c14"));
    e.ok(&panel[1], "case.vote", deviation("c14"));
    let f = e.case("c14").finding.unwrap();
    assert_eq!(f.measures, [Measure::PublicStatement].into_iter().collect());
    assert!(f.deviation.unwrap().as_str().contains("self-reported"));
    // A deviation is only for a violation.
    e.allege("c13", "cert-a", "state-y");
    e.admit("c13");
    e.respond("c13", "state-y");
    let panel = e.convene("c13");
    e.refused(
        &panel[0],
        "case.vote",
        json!({"case": "c13", "finding": "honest_mistake", "reasons": "x",
               "deviation": {"measures": ["public_statement"], "reason": "y"}}),
        "severity",
    );
    e.replays();
}

#[test]
fn split_severities_take_the_lower_median_and_a_hung_panel_is_replaced() {
    let policy = EnforcementPolicy::default_policy();
    let mut e = Enf::new();
    e.allege("h1", "cert-a", "state-x");
    e.admit("h1");
    e.respond("h1", "state-x");
    let first = e.convene("h1");
    // Three findings, one each: no majority once everyone voted: the panel is dissolved.
    e.vote("h1", &first[0], "violation", Some(4));
    e.vote("h1", &first[1], "honest_mistake", None);
    e.vote("h1", &first[2], "no_violation", None);
    let c = e.case("h1");
    assert!(c.panel.is_none() && c.finding.is_none());
    assert_eq!(c.dissolved.len(), 1);
    assert!(matches!(e.stage("h1"), Stage::Panel { .. }));
    // A new panel, none of whose members sat on the hung one.
    let second = e.convene("h1");
    assert!(
        second.iter().all(|m| !first.contains(m)),
        "{first:?} / {second:?}"
    );
    // Violation by majority with severities 4 and 2: the lower median, 2.
    e.vote("h1", &second[0], "violation", Some(4));
    e.vote("h1", &second[1], "violation", Some(2));
    let f = e.case("h1").finding.unwrap();
    assert_eq!((f.finding, f.severity), (Finding::Violation, Some(2)));
    assert_eq!(f.measures, policy.measures(2, 0));
    e.replays();
}

#[test]
fn a_silent_panel_is_replaced_after_its_deadline() {
    let mut e = Enf::new();
    e.allege("s1", "cert-a", "state-x");
    e.admit("s1");
    e.respond("s1", "state-x");
    let first = e.convene("s1");
    e.vote("s1", &first[0], "violation", Some(2));
    // Before the finding deadline the panel stands.
    e.refused(
        "secretariat",
        "case.convene",
        json!({"case": "s1", "panel": "first"}),
        "case-stage",
    );
    e.wait_days(46);
    let second = e.convene("s1");
    assert!(second.iter().all(|m| !first.contains(m)));
    assert_eq!(e.case("s1").dissolved[0].votes.len(), 1);
    // The old panel's members no longer vote.
    e.refused(
        &first[1],
        "case.vote",
        json!({"case": "s1", "finding": "violation", "severity": 2, "reasons": "Late."}),
        "not-panelist",
    );
    e.replays();
}

#[test]
fn a_party_joins_only_itself_to_an_allegation() {
    let mut e = Enf::new();
    e.allege("j1", "cert-a", "state-x");
    e.refused(
        "state-x",
        "case.join",
        json!({"case": "j1", "statement": "Joining against ourselves."}),
        "join",
    );
    // Every auditor but two joins: they sit on no panel of the case.
    for a in ["aud-1", "aud-2", "aud-3", "aud-4"] {
        e.ok(
            a,
            "case.join",
            json!({"case": "j1", "statement": "We saw the same attacks."}),
        );
    }
    e.admit("j1");
    e.respond("j1", "state-x");
    let panel = e.convene("j1");
    for m in &panel {
        assert!(
            !["aud-1", "aud-2", "aud-3", "aud-4"].contains(&m.as_str()),
            "{m}"
        );
    }
    // Once a panel sits, nobody joins.
    e.refused(
        "cs-1",
        "case.join",
        json!({"case": "j1", "statement": "Late."}),
        "case-stage",
    );
    // A side never verifies the remediation.
    assert!(e.case("j1").co_signers.len() == 4);
    e.replays();
}

#[test]
fn a_suspended_party_loses_need_to_know_access_but_not_what_it_was_given() {
    use accord_domain::evidence::AccessBasis;
    let mut e = Enf::new();
    for (id, marking) in [("amber-1", "TLP:AMBER"), ("named-1", "TLP:RED")] {
        let mut p = json!({"evidence": id, "marking": marking, "commitment": "ab".repeat(32),
                           "media_type": "text/plain", "size": 10, "label": "logs"});
        if marking == "TLP:RED" {
            p["recipients"] = json!(["cert-b"]);
        }
        e.ok("state-x", "evidence.commit", p);
    }
    let access = |e: &Enf, id: &str| {
        e.w.state.evidence_access(
            &"state-x".parse().unwrap(),
            &id.parse().unwrap(),
            &"cert-b".parse().unwrap(),
            accord_domain::Timestamp::from_unix_ms(e.w.now),
        )
    };
    assert_eq!(access(&e, "amber-1"), Ok(AccessBasis::RegionalNeedToKnow));
    e.through_finding("sus", "cert-b", "violation", Some(5));
    e.wait_days(22);
    assert_eq!(e.standing("cert-b").tier, Tier::Suspended);
    assert!(access(&e, "amber-1").is_err());
    assert_eq!(access(&e, "named-1"), Ok(AccessBasis::Recipient));
    e.replays();
}

#[test]
fn inadmissible_cases_end_and_bad_allegations_are_refused() {
    let mut e = Enf::new();
    e.refused(
        "state-x",
        "case.allege",
        json!({"case": "s1", "respondent": "state-x", "norm": "gge-c", "summary": "Ourselves."}),
        "respondent",
    );
    e.refused(
        "cert-a",
        "case.allege",
        json!({"case": "s1", "respondent": "nobody", "norm": "gge-c", "summary": "Nobody."}),
        "unknown-party",
    );
    e.refused(
        "cert-a",
        "case.allege",
        json!({"case": "s1", "respondent": "state-x", "norm": "no-such-norm", "summary": "x"}),
        "unknown-norm",
    );
    e.refused(
        "cert-a",
        "case.allege",
        json!({"case": "s1", "respondent": "state-x", "norm": "gge-c", "summary": "x",
               "evidence": ["not-committed"]}),
        "unknown-evidence",
    );
    e.allege("s1", "cert-a", "state-x");
    e.refused(
        "cert-a",
        "case.admissibility",
        json!({"case": "s1", "admissible": true, "reasons": "Mine."}),
        "role",
    );
    e.ok(
        "secretariat",
        "case.admissibility",
        json!({"case": "s1", "admissible": false, "reasons": "No norm is engaged by these facts."}),
    );
    assert_eq!(e.stage("s1"), Stage::Dismissed);
    e.refused(
        "state-x",
        "case.respond",
        json!({"case": "s1", "response": "Thanks."}),
        "case-stage",
    );
    e.refused(
        "secretariat",
        "case.convene",
        json!({"case": "s1", "panel": "first"}),
        "case-stage",
    );
    e.replays();
}

#[test]
fn audits_draw_conflict_free_auditors_who_see_evidence_only_while_open() {
    use accord_domain::evidence::AccessBasis;
    use accord_domain::indicators::{explain, Period};
    let mut e = Enf::new();
    e.through_finding("c20", "state-x", "violation", Some(1));
    e.ok(
        "state-x",
        "report.self_assessment",
        json!({"norm": "gge-c", "period_start": e.w.at(0), "period_end": e.w.at(24),
               "score": 90, "statement": "We meet the norm in full."}),
    );
    e.ok(
        "state-x",
        "evidence.commit",
        json!({"evidence": "grid-logs", "marking": "TLP:AMBER+STRICT", "commitment": "ab".repeat(32),
               "media_type": "text/plain", "size": 10, "label": "grid operator logs"}),
    );
    e.ok(
        "state-x",
        "evidence.commit",
        json!({"evidence": "grid-red", "marking": "TLP:RED", "commitment": "cd".repeat(32),
               "media_type": "text/plain", "size": 10, "label": "liaison notes"}),
    );
    // Only the secretariat or the audited party's own council opens an audit.
    e.refused(
        "cert-a",
        "audit.open",
        json!({"audit": "a1", "party": "state-x", "norms": ["gge-c"], "trigger": {"kind": "scheduled"},
               "auditors": 2, "window_days": 30}),
        "role",
    );
    e.refused(
        "secretariat",
        "audit.open",
        json!({"audit": "a1", "party": "state-x", "norms": ["gge-c"], "trigger": {"kind": "scheduled"},
               "auditors": 7, "window_days": 30}),
        "audit-size",
    );
    e.ok(
        "secretariat",
        "audit.open",
        json!({"audit": "a1", "party": "state-x", "norms": ["gge-c"],
               "trigger": {"kind": "case", "case": "c20"}, "auditors": 2, "window_days": 30}),
    );
    let audit =
        e.w.state
            .audits()
            .get(&"a1".parse().unwrap())
            .unwrap()
            .clone();
    assert_eq!(audit.auditors.len(), 2);
    for a in &audit.auditors {
        assert!(a.as_str().starts_with("aud-"), "{a}");
    }
    let auditor = audit.auditors[0].to_string();
    let outsider = ["aud-1", "aud-2", "aud-3", "aud-4", "aud-5", "aud-6"]
        .into_iter()
        .find(|a| !audit.auditors.iter().any(|x| x.as_str() == *a))
        .unwrap();
    // The load stays level across audits.
    e.ok(
        "secretariat",
        "audit.open",
        json!({"audit": "a2", "party": "state-y", "norms": ["gge-c"], "trigger": {"kind": "scheduled"},
               "auditors": 2, "window_days": 30}),
    );
    // Nobody is drawn while another auditor carries two fewer audits.
    let loads: Vec<u32> = ["aud-1", "aud-2", "aud-3", "aud-4", "aud-5", "aud-6"]
        .iter()
        .map(|a| {
            e.w.state
                .audits()
                .load()
                .get(&a.parse().unwrap())
                .copied()
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(loads.iter().sum::<u32>(), 4);
    assert!(
        loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 2,
        "{loads:?}"
    );
    // While open, the assigned auditor may read the audited party's evidence; others not.
    let now = accord_domain::Timestamp::from_unix_ms(e.w.now);
    let access = |e: &Enf, who: &str, at| {
        e.w.state.evidence_access(
            &"state-x".parse().unwrap(),
            &"grid-logs".parse().unwrap(),
            &who.parse().unwrap(),
            at,
        )
    };
    assert_eq!(access(&e, &auditor, now), Ok(AccessBasis::Audit));
    assert!(access(&e, outsider, now).is_err());
    // TLP:RED is not the audit's: the auditor reads it only once the owner grants it.
    let red = |e: &Enf, who: &str, at| {
        e.w.state.evidence_access(
            &"state-x".parse().unwrap(),
            &"grid-red".parse().unwrap(),
            &who.parse().unwrap(),
            at,
        )
    };
    assert!(red(&e, &auditor, now).is_err());
    e.ok(
        "state-x",
        "evidence.grant",
        json!({"evidence": "grid-red", "party": auditor, "until": e.w.at(24 * 20),
               "purpose": "audit a1"}),
    );
    let now = accord_domain::Timestamp::from_unix_ms(e.w.now);
    assert_eq!(red(&e, &auditor, now), Ok(AccessBasis::Grant));
    assert!(red(&e, outsider, now).is_err());
    // Findings only by assigned auditors, on audited norms.
    e.refused(
        outsider,
        "audit.finding",
        json!({"audit": "a1", "norm": "gge-c", "verified_value": 40, "method": "m", "sample": "s"}),
        "not-auditor",
    );
    e.refused(
        &auditor,
        "audit.finding",
        json!({"audit": "a1", "norm": "gge-a", "verified_value": 40, "method": "m", "sample": "s"}),
        "norm-not-audited",
    );
    e.ok(
        &auditor,
        "audit.finding",
        json!({"audit": "a1", "norm": "gge-c", "verified_value": 60,
               "method": "Interviews and log review.", "sample": "Twelve weeks of grid operator logs."}),
    );
    let period = Period {
        from: accord_domain::Timestamp::from_unix_ms(0),
        to: now.plus_months(1),
    };
    let gap = explain(
        &e.w.state,
        &"state-x".parse().unwrap(),
        "self_assessment_gap",
        Some(&"gge-c".parse().unwrap()),
        period,
        now,
    )
    .unwrap();
    assert_eq!(gap.figures["gap"], 30.0);
    assert_eq!(gap.value.percent, Some(66.6));
    // After the window, no more access and no more findings.
    e.wait_days(31);
    let later = accord_domain::Timestamp::from_unix_ms(e.w.now);
    assert!(access(&e, &auditor, later).is_err());
    e.refused(
        &auditor,
        "audit.attest",
        json!({"audit": "a1", "statement": "Late."}),
        "audit-closed",
    );
    e.replays();
}

#[test]
fn scheduled_audits_fall_due_by_the_profile_cadence() {
    let mut e = Enf::new();
    e.ok("state-x", "commitment.make", json!({"norm": "gge-c"}));
    let committed = accord_domain::Timestamp::from_unix_ms(e.w.now);
    let now = committed;
    let s = e.w.state.audit_schedule(now);
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].party.as_str(), s[0].due),
        ("state-x", committed.plus_months(24))
    );
    assert!(!s[0].overdue);
    e.wait_days(800);
    let later = accord_domain::Timestamp::from_unix_ms(e.w.now);
    assert!(e.w.state.audit_schedule(later)[0].overdue);
    e.ok(
        "secretariat",
        "audit.open",
        json!({"audit": "sched-1", "party": "state-x", "norms": ["gge-c"],
               "trigger": {"kind": "scheduled"}, "auditors": 1, "window_days": 30}),
    );
    let opened = accord_domain::Timestamp::from_unix_ms(e.w.now);
    let s = e.w.state.audit_schedule(opened);
    assert_eq!(s[0].due, opened.plus_months(24));
    assert_eq!(
        s[0].last_audit.as_ref().map(|a| a.as_str()),
        Some("sched-1")
    );
    e.replays();
}

#[test]
fn a_new_policy_is_adopted_as_an_instrument_and_judges_only_later_cases() {
    let mut e = Enf::new();
    e.allege("old", "cert-a", "state-x");
    let mut policy = serde_json::to_value(EnforcementPolicy::default_policy()).unwrap();
    policy["deadlines"]["response_days"] = json!(20);
    // An incoherent policy cannot even be proposed.
    let mut soft = policy.clone();
    soft["ladder"][1]["measures"] = json!([]);
    e.refused(
        "state-y",
        "instrument.propose",
        json!({"instrument": "policy-2", "title": "Enforcement policy 2",
               "draft": {"kind": "enforcement_policy", "policy": soft},
               "comment_until": e.w.at(24), "positions_until": e.w.at(48)}),
        "ladder",
    );
    adopt(&mut e, "policy-2", policy);
    let regime = e.w.state.regime().unwrap();
    assert_eq!(regime.policies.len(), 2);
    e.allege("new", "cert-a", "state-x");
    assert_eq!((e.case("old").policy, e.case("new").policy), (1, 2));
    e.admit("old");
    e.admit("new");
    let due = |e: &Enf, id: &str| match e.stage(id) {
        Stage::Response { noticed, due } => (due.unix_ms() - noticed.unix_ms()) / DAY,
        s => panic!("{s:?}"),
    };
    assert_eq!((due(&e, "old"), due(&e, "new")), (30, 20));
    e.replays();
}

/// Proposes `policy` as instrument `id`, both states support it, the secretariat records it.
fn adopt(e: &mut Enf, id: &str, policy: Value) {
    e.adopt_draft(
        id,
        "Enforcement policy 2",
        json!({"kind": "enforcement_policy", "policy": policy}),
    );
}

#[test]
fn the_escalation_ladder_is_the_policys_and_can_leave_rungs_out() {
    let mut e = Enf::new();
    let mut policy = serde_json::to_value(EnforcementPolicy::default_policy()).unwrap();
    // The default ladder is all four rungs and is left out of the policy's JSON.
    assert!(policy.get("escalation").is_none(), "{policy}");
    // A ladder that does not end with a case, or goes down, cannot be proposed.
    for bad in [
        json!(["clarification"]),
        json!(["consultation", "clarification", "case"]),
    ] {
        let mut p = policy.clone();
        p["escalation"] = bad;
        e.refused(
            "state-y",
            "instrument.propose",
            json!({"instrument": "bad", "title": "Bad ladder",
                   "draft": {"kind": "enforcement_policy", "policy": p},
                   "comment_until": e.w.at(24), "positions_until": e.w.at(48)}),
            "escalation-ladder",
        );
    }
    policy["escalation"] = json!(["clarification", "case"]);
    adopt(&mut e, "short-ladder", policy);
    // An information request is no longer a rung.
    e.refused(
        "cert-a",
        "exchange.open",
        json!({"exchange": "x1", "counterpart": "state-x", "rung": "information_request",
               "subject": "Scanning from its address space."}),
        "rung",
    );
    e.ok(
        "cert-a",
        "exchange.open",
        json!({"exchange": "x1", "counterpart": "state-x", "rung": "clarification",
               "subject": "Scanning from its address space."}),
    );
    e.wait_days(4);
    // Unanswered past its deadline, the clarification escalates straight to a case.
    e.allege("c1", "cert-a", "state-x");
    e.ok(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "No answer in 72 hours.", "case": "c1"}),
    );
    let x = e.w.state.exchanges().get(&"x1".parse().unwrap()).unwrap();
    let rungs: Vec<_> = x.rungs.iter().map(|r| r.rung).collect();
    assert_eq!(
        rungs,
        [
            accord_domain::cbm::Rung::Clarification,
            accord_domain::cbm::Rung::Case
        ]
    );
    e.replays();
}

// The secretariat as an attacker (security review, finding 1b): it registers parties alone,
// so a party it registers must not reach a draw, a vote or a RED item on that alone.

#[test]
fn a_puppet_auditor_is_never_drawn_until_the_parties_accredit_it() {
    let mut e = Enf::new();
    // The secretariat registers an auditor it controls and withdraws nobody: the accredited
    // six stay the pool, so audit after audit never draws the puppet.
    let puppet = KeyPair::from_seed([250; 32]);
    e.w.register_in("aud-puppet", "auditor", "global", &puppet)
        .unwrap();
    for i in 0..12 {
        e.ok(
            "secretariat",
            "audit.open",
            json!({"audit": format!("p{i}"), "party": "cert-b", "norms": ["gge-c"],
                   "trigger": {"kind": "scheduled"}, "auditors": 5, "window_days": 30}),
        );
        let audit =
            e.w.state
                .audits()
                .get(&format!("p{i}").parse().unwrap())
                .unwrap();
        assert!(
            audit.auditors.iter().all(|a| a.as_str() != "aud-puppet"),
            "drawn: {:?}",
            audit.auditors
        );
    }
    // Nor can the secretariat record an accreditation the parties did not vote for.
    e.ok(
        "secretariat",
        "instrument.propose",
        json!({"instrument": "acc-puppet", "title": "Accreditation",
               "draft": {"kind": "accreditation", "accredit": ["aud-puppet"]},
               "comment_until": e.w.at(24), "positions_until": e.w.at(48)}),
    );
    e.wait_days(3);
    e.refused(
        "secretariat",
        "instrument.decide",
        json!({"instrument": "acc-puppet", "outcome": "adopted"}),
        "wrong-outcome",
    );
    // Only a registered auditor can be accredited.
    e.refused(
        "state-x",
        "instrument.propose",
        json!({"instrument": "acc-cert", "title": "Accreditation",
               "draft": {"kind": "accreditation", "accredit": ["cert-b"]},
               "comment_until": e.w.at(24), "positions_until": e.w.at(48)}),
        "not-an-auditor",
    );
    // Once the states accredit it, it is drawn like the others; once withdrawn, no longer.
    e.accredit("acc-2", &["aud-puppet"]);
    let mut drawn = false;
    for i in 0..12 {
        e.ok(
            "secretariat",
            "audit.open",
            json!({"audit": format!("q{i}"), "party": "cert-b", "norms": ["gge-c"],
                   "trigger": {"kind": "scheduled"}, "auditors": 5, "window_days": 30}),
        );
        let audit =
            e.w.state
                .audits()
                .get(&format!("q{i}").parse().unwrap())
                .unwrap();
        drawn |= audit.auditors.iter().any(|a| a.as_str() == "aud-puppet");
    }
    assert!(drawn, "an accredited auditor is drawn");
    e.adopt_draft(
        "acc-3",
        "Withdrawal",
        json!({"kind": "accreditation", "withdraw": ["aud-puppet"]}),
    );
    let regime = e.w.state.regime().unwrap();
    assert!(!regime.accredited.iter().any(|a| a.as_str() == "aud-puppet"));
    assert!(regime.accreditations[&"aud-puppet".parse().unwrap()]
        .withdrawn
        .is_some());
    e.replays();
}

#[test]
fn a_party_registered_after_an_allegation_never_sits_on_its_panel() {
    let mut e = Enf::new();
    e.allege("c9", "cert-a", "state-x");
    // The secretariat plants ten civil-society organisations once the case is known.
    for i in 0..10 {
        let k = KeyPair::from_seed([200 + i as u8; 32]);
        e.w.register_in(&format!("cs-planted-{i}"), "civil_society", "oceania", &k)
            .unwrap();
    }
    e.admit("c9");
    e.respond("c9", "state-x");
    let panel = e.convene("c9");
    assert!(!panel.is_empty());
    assert!(
        panel.iter().all(|m| !m.starts_with("cs-planted")),
        "{panel:?}"
    );
}

/// A C2SP signed-note verifier key of an instance whose log is `origin`, from `seed`.
fn verifier_key(origin: &str, seed: u8) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let key = KeyPair::from_seed([seed; 32]).public_key().to_bytes();
    let mut typed = vec![0x01];
    typed.extend_from_slice(&key);
    let mut h = sha2::Sha256::new();
    h.update(origin.as_bytes());
    h.update(b"\n");
    h.update(&typed);
    format!(
        "{origin}+{}+{}",
        hex::encode(&h.finalize()[..4]),
        base64::engine::general_purpose::STANDARD.encode(typed)
    )
}

#[test]
fn another_instance_is_recognized_only_by_an_adopted_instrument_and_checked_as_named() {
    let mut e = Enf::new();
    let south = verifier_key("south.accord.example/regime", 7);
    let recognize = |key: &str, counts: Value| {
        json!({"kind": "recognition", "recognize": [{
            "name": "Regional Cyber Council of the South", "verifier_key": key,
            "url": "https://south.accord.example", "counts": counts}]})
    };
    // Malformed recognitions are refused with what is wrong, and nothing is recorded.
    let mut broken_id = south.clone();
    let at = broken_id.find('+').unwrap() + 1;
    broken_id.replace_range(
        at..at + 1,
        if &south[at..at + 1] == "0" { "1" } else { "0" },
    );
    for (draft, rule) in [
        (recognize(&south, json!([])), "recognition-counts"),
        (
            recognize(&south, json!(["audits", "audits"])),
            "recognition-counts",
        ),
        (recognize("south+00+AA", json!(["audits"])), "verifier-key"),
        (recognize(&broken_id, json!(["audits"])), "verifier-key"),
        (
            json!({"kind": "recognition", "recognize": [{
                "name": "South", "verifier_key": south, "url": "ftp://south",
                "counts": ["audits"]}]}),
            "url",
        ),
        (json!({"kind": "recognition"}), "recognition-empty"),
        (
            json!({"kind": "recognition", "withdraw": ["south.accord.example/regime"]}),
            "not-recognized",
        ),
    ] {
        e.refused(
            "state-x",
            "instrument.propose",
            json!({"instrument": "rec-bad", "title": "Recognition", "draft": draft,
                   "comment_until": e.w.at(24), "positions_until": e.w.at(48)}),
            rule,
        );
    }
    // The secretariat cannot recognize an instance on its own: with no positions taken,
    // recording an adoption is refused, and nothing is recognized.
    e.ok(
        "secretariat",
        "instrument.propose",
        json!({"instrument": "rec-puppet", "title": "Recognition", "draft": recognize(&south, json!(["audits"])),
               "comment_until": e.w.at(24), "positions_until": e.w.at(48)}),
    );
    e.wait_days(3);
    e.refused(
        "secretariat",
        "instrument.decide",
        json!({"instrument": "rec-puppet", "outcome": "adopted"}),
        "wrong-outcome",
    );
    assert!(e
        .w
        .state
        .regime()
        .unwrap()
        .recognition("south.accord.example/regime")
        .is_none());
    // Proposed, it is nothing yet; adopted, the instance is recognized as the instrument
    // names it, and what counts is what it lists.
    e.adopt_draft(
        "rec-1",
        "Recognition of the South",
        recognize(&south, json!(["audits", "findings"])),
    );
    let regime = e.w.state.regime().unwrap();
    let r = regime
        .recognition("south.accord.example/regime")
        .expect("recognized once adopted");
    assert_eq!(r.instance.verifier_key, south);
    assert_eq!(r.instrument.as_str(), "rec-1");
    assert_eq!(
        r.instance.counts,
        vec![RecognitionScope::Audits, RecognitionScope::Findings]
    );
    // A key rotation is a new instrument that replaces the recognition.
    let rotated = verifier_key("south.accord.example/regime", 8);
    e.adopt_draft(
        "rec-2",
        "Key rotation of the South",
        recognize(&rotated, json!(["audits"])),
    );
    let regime = e.w.state.regime().unwrap();
    let r = regime.recognition("south.accord.example/regime").unwrap();
    assert_eq!(r.instance.verifier_key, rotated);
    assert_eq!(r.instrument.as_str(), "rec-2");
    // Withdrawn, it is recognized no longer, and the record says by which instrument.
    e.adopt_draft(
        "rec-3",
        "End of the recognition",
        json!({"kind": "recognition", "withdraw": ["south.accord.example/regime"]}),
    );
    let regime = e.w.state.regime().unwrap();
    assert!(regime.recognition("south.accord.example/regime").is_none());
    assert_eq!(
        regime.recognitions["south.accord.example/regime"]
            .withdrawn
            .as_ref()
            .unwrap()
            .0
            .as_str(),
        "rec-3"
    );
    e.replays();
}
