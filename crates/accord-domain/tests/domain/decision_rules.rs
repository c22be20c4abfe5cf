//! Decision rules: hand-made boundary cases, procedure validation, JSON shapes, and properties
//! (monotonicity, unanimity implies every rule, rule ordering, advisory chambers never decide,
//! independence from voter names, determinism).

use accord_domain::decision::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

use Chamber::*;
use Stance::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A procedure where exactly `voting` chambers vote and the others are listed as advisory.
fn procedure(rule: DecisionRule, quorum_percent: u8, voting: &[Chamber]) -> Procedure {
    let standing = Chamber::ALL
        .iter()
        .map(|&c| {
            let s = if voting.contains(&c) {
                Standing::Voting
            } else {
                Standing::Advisory
            };
            (c, s)
        })
        .collect();
    Procedure {
        rule,
        quorum_percent,
        standing,
    }
}

fn ct(eligible: u32, support: u32, object: u32, abstain: u32) -> ChamberTally {
    ChamberTally {
        standing: Standing::Voting,
        eligible,
        support,
        object,
        abstain,
    }
}

/// A tally with only the states chamber populated.
fn states(eligible: u32, support: u32, object: u32, abstain: u32) -> Tally {
    Tally {
        chambers: BTreeMap::from([(States, ct(eligible, support, object, abstain))]),
    }
}

fn qm(percent: u8) -> DecisionRule {
    DecisionRule::QualifiedMajority { percent }
}

fn wc(percent: &[(Chamber, u8)]) -> DecisionRule {
    DecisionRule::WeightedChambers {
        percent: percent.iter().copied().collect(),
    }
}

fn decide_states(rule: DecisionRule, quorum: u8, t: Tally) -> Decision {
    decide(&procedure(rule, quorum, &[States]), &t)
}

fn all_rules() -> Vec<DecisionRule> {
    vec![
        DecisionRule::Unanimity,
        DecisionRule::Consensus,
        DecisionRule::ConsensusMinusOne,
        qm(67),
        wc(&[(States, 67)]),
    ]
}

// ---------------------------------------------------------------------------------------------
// Unanimity

#[test]
fn unanimity_adopts_when_everyone_supports() {
    let d = decide_states(DecisionRule::Unanimity, 100, states(5, 5, 0, 0));
    assert!(d.adopted && d.quorum_met);
    assert_eq!(
        d.explanation,
        "Adopted by unanimity: all 5 voting parties support."
    );
}

#[test]
fn unanimity_fails_on_one_abstention_or_silence() {
    let d = decide_states(DecisionRule::Unanimity, 0, states(5, 4, 0, 1));
    assert!(!d.adopted);
    assert!(d.explanation.contains("4 of 5 voting parties support"));
    let d = decide_states(DecisionRule::Unanimity, 0, states(5, 4, 0, 0));
    assert!(!d.adopted);
    assert!(
        d.explanation.contains("1 with no position"),
        "{}",
        d.explanation
    );
}

// ---------------------------------------------------------------------------------------------
// Consensus and consensus minus one

#[test]
fn consensus_adopts_with_abstentions_but_no_objection() {
    let d = decide_states(DecisionRule::Consensus, 50, states(10, 1, 0, 4));
    assert!(d.adopted, "{}", d.explanation);
    assert_eq!(
        d.explanation,
        "Adopted by consensus: 1 party supports and no one objects; quorum 5 of 10 (50%) ≥ 50%."
    );
}

#[test]
fn consensus_one_objection_blocks() {
    let d = decide_states(DecisionRule::Consensus, 50, states(10, 8, 1, 0));
    assert!(!d.adopted);
    assert_eq!(
        d.explanation,
        "Not adopted by consensus: 1 sustained objection. Of 10 voting parties: 8 in support, \
         1 objecting, 0 abstaining, 1 with no position."
    );
}

#[test]
fn consensus_needs_at_least_one_support() {
    let d = decide_states(DecisionRule::Consensus, 0, states(4, 0, 0, 4));
    assert!(!d.adopted);
    assert!(d.explanation.contains("no party supports"));
    let d = decide_states(DecisionRule::ConsensusMinusOne, 0, states(4, 0, 0, 0));
    assert!(!d.adopted);
}

#[test]
fn consensus_minus_one_tolerates_exactly_one_objection() {
    let d = decide_states(DecisionRule::ConsensusMinusOne, 50, states(10, 5, 1, 0));
    assert!(d.adopted, "{}", d.explanation);
    assert!(d
        .explanation
        .contains("5 parties support and 1 party objects"));
    let d = decide_states(DecisionRule::ConsensusMinusOne, 50, states(10, 5, 2, 0));
    assert!(!d.adopted);
    assert!(d
        .explanation
        .contains("2 sustained objections, where at most 1 is allowed"));
}

// ---------------------------------------------------------------------------------------------
// Qualified majority

#[test]
fn qualified_majority_exactly_at_threshold_passes_one_below_fails() {
    assert!(decide_states(qm(67), 0, states(100, 67, 33, 0)).adopted);
    assert!(!decide_states(qm(67), 0, states(100, 66, 34, 0)).adopted);
    assert!(decide_states(qm(50), 0, states(2, 1, 1, 0)).adopted);
    assert!(decide_states(qm(100), 0, states(3, 3, 0, 0)).adopted);
    assert!(!decide_states(qm(100), 0, states(3, 2, 1, 0)).adopted);
}

#[test]
fn qualified_majority_shown_percent_is_rounded_down() {
    // 2 of 3 is 66.67%: below a 67% threshold, and shown as 66% so it does not look like a pass.
    let d = decide_states(qm(67), 0, states(3, 2, 1, 0));
    assert!(!d.adopted);
    assert!(
        d.explanation
            .contains("2 of 3 votes cast (66%) support, below the 67% threshold"),
        "{}",
        d.explanation
    );
    assert!(decide_states(qm(66), 0, states(3, 2, 1, 0)).adopted);
}

#[test]
fn qualified_majority_explanation_reads_plainly() {
    let d = decide_states(qm(67), 50, states(24, 14, 4, 2));
    assert!(d.adopted);
    assert_eq!(
        d.explanation,
        "Adopted by qualified majority: 14 of 18 votes cast (77%) support, threshold 67%; \
         quorum 20 of 24 (83%) ≥ 50%."
    );
}

#[test]
fn abstentions_do_not_count_in_majority_shares() {
    // 2 for, 1 against, 100 abstaining: 66% of votes cast, whatever the abstentions.
    assert!(decide_states(qm(60), 50, states(103, 2, 1, 100)).adopted);
    assert!(!decide_states(qm(67), 50, states(103, 2, 1, 100)).adopted);
    let all_abstain = decide_states(qm(1), 0, states(5, 0, 0, 5));
    assert!(!all_abstain.adopted);
    assert!(all_abstain
        .explanation
        .contains("no votes for or against were cast"));
}

// ---------------------------------------------------------------------------------------------
// Quorum

#[test]
fn quorum_boundary() {
    let at = decide_states(qm(50), 50, states(10, 5, 0, 0));
    assert!(at.quorum_met && at.adopted);
    let below = decide_states(qm(50), 50, states(10, 4, 0, 0));
    assert!(!below.quorum_met && !below.adopted);
    assert!(below.explanation.contains(
        "quorum not met, only 4 of 10 voting parties (40%) took a position where 50% is required"
    ));
    // Abstentions count towards the quorum.
    let abstaining = decide_states(qm(50), 50, states(10, 1, 0, 4));
    assert!(abstaining.quorum_met && abstaining.adopted);
    // 1 of 3 is 33.3%: meets 33%, misses 34%.
    assert!(decide_states(DecisionRule::Consensus, 33, states(3, 1, 0, 0)).quorum_met);
    assert!(!decide_states(DecisionRule::Consensus, 34, states(3, 1, 0, 0)).quorum_met);
    // A zero quorum is always met.
    assert!(decide_states(DecisionRule::Consensus, 0, states(3, 0, 0, 0)).quorum_met);
}

#[test]
fn quorum_failure_blocks_every_rule_but_unanimity_reports_support() {
    for rule in [
        DecisionRule::Consensus,
        DecisionRule::ConsensusMinusOne,
        qm(50),
        wc(&[(States, 50)]),
    ] {
        let d = decide_states(rule, 60, states(10, 5, 0, 0));
        assert!(!d.adopted && !d.quorum_met);
        assert!(
            d.explanation.contains("quorum not met"),
            "{}",
            d.explanation
        );
    }
    let d = decide_states(DecisionRule::Unanimity, 60, states(10, 5, 0, 0));
    assert!(!d.adopted && !d.explanation.contains("quorum"));
}

// ---------------------------------------------------------------------------------------------
// No eligible voters; advisory chambers

#[test]
fn no_eligible_voters_adopts_nothing() {
    for rule in all_rules() {
        let d = decide_states(rule.clone(), 0, states(0, 0, 0, 0));
        assert!(!d.adopted, "{rule:?}");
        assert_eq!(
            d.explanation,
            "Not adopted: no party is eligible to vote in any voting chamber."
        );
        let empty = Tally {
            chambers: BTreeMap::new(),
        };
        assert!(!decide_states(rule, 0, empty).adopted);
    }
}

#[test]
fn advisory_objections_never_block() {
    let p = procedure(DecisionRule::Consensus, 50, &[States]);
    let eligible = BTreeMap::from([
        ("s1".parse::<Voter>().unwrap(), States),
        ("s2".parse::<Voter>().unwrap(), States),
        ("c1".parse::<Voter>().unwrap(), CivilSociety),
        ("c2".parse::<Voter>().unwrap(), CivilSociety),
    ]);
    let positions = BTreeMap::from([
        ("s1".parse::<Voter>().unwrap(), Support),
        ("s2".parse::<Voter>().unwrap(), Support),
        ("c1".parse::<Voter>().unwrap(), Object),
        ("c2".parse::<Voter>().unwrap(), Object),
    ]);
    let t = tally(&p, &eligible, &positions);
    assert_eq!(t.chambers[&CivilSociety].standing, Standing::Advisory);
    assert_eq!(t.chambers[&CivilSociety].object, 2);
    let d = decide(&p, &t);
    assert!(d.adopted, "{}", d.explanation);
    assert_eq!(t.voting_totals().object, 0);
}

#[test]
fn decide_takes_standing_from_the_procedure_not_the_tally() {
    // The tally claims civil society votes; the procedure says it is advisory.
    let mut t = states(2, 2, 0, 0);
    t.chambers.insert(CivilSociety, ct(3, 0, 3, 0));
    let d = decide(&procedure(DecisionRule::Consensus, 50, &[States]), &t);
    assert!(d.adopted);
    assert_eq!(d.tally.chambers[&CivilSociety].standing, Standing::Advisory);
    assert_eq!(d.tally.chambers.len(), 4);
}

#[test]
fn chamber_missing_from_standing_is_advisory() {
    let p = Procedure {
        rule: DecisionRule::Consensus,
        quorum_percent: 0,
        standing: BTreeMap::from([(States, Standing::Voting)]),
    };
    assert_eq!(p.standing_of(PrivateSector), Standing::Advisory);
    let mut t = states(1, 1, 0, 0);
    t.chambers.insert(PrivateSector, ct(1, 0, 1, 0));
    assert!(decide(&p, &t).adopted);
}

// ---------------------------------------------------------------------------------------------
// Weighted chambers

#[test]
fn weighted_chambers_each_chamber_must_meet_its_own_threshold() {
    let p = procedure(
        wc(&[(States, 67), (PrivateSector, 50)]),
        50,
        &[States, PrivateSector],
    );
    let t = |s: u32| Tally {
        chambers: BTreeMap::from([
            (States, ct(4, s, 4 - s, 0)),
            (PrivateSector, ct(2, 1, 1, 0)),
        ]),
    };
    let pass = decide(&p, &t(3));
    assert!(pass.adopted, "{}", pass.explanation);
    assert_eq!(
        pass.explanation,
        "Adopted by weighted chambers: states 3 of 4 (75%) ≥ 67%, \
         private sector 1 of 2 (50%) ≥ 50%; quorum 6 of 6 (100%) ≥ 50%."
    );
    let fail = decide(&p, &t(2));
    assert!(!fail.adopted);
    assert!(
        fail.explanation
            .contains("states 2 of 4 (50%) support, below its 67% threshold"),
        "{}",
        fail.explanation
    );
}

#[test]
fn weighted_chambers_skips_empty_chambers_and_needs_votes_in_populated_ones() {
    let p = procedure(
        wc(&[(States, 50), (TechnicalCommunity, 50)]),
        0,
        &[States, TechnicalCommunity],
    );
    // Technical community has no eligible members: skipped.
    assert!(decide(&p, &states(2, 1, 1, 0)).adopted);
    // Technical community has members who all abstain: no share to judge, so not adopted.
    let mut t = states(2, 1, 1, 0);
    t.chambers.insert(TechnicalCommunity, ct(2, 0, 0, 2));
    let d = decide(&p, &t);
    assert!(!d.adopted);
    assert!(d
        .explanation
        .contains("technical community cast no votes for or against"));
}

// ---------------------------------------------------------------------------------------------
// tally()

#[test]
fn tally_counts_eligible_parties_only() {
    let p = procedure(qm(50), 0, &[States, PrivateSector]);
    let eligible = BTreeMap::from([
        ("a".parse::<Voter>().unwrap(), States),
        ("b".parse::<Voter>().unwrap(), States),
        ("c".parse::<Voter>().unwrap(), PrivateSector),
        ("d".parse::<Voter>().unwrap(), TechnicalCommunity),
    ]);
    let positions = BTreeMap::from([
        ("a".parse::<Voter>().unwrap(), Support),
        ("c".parse::<Voter>().unwrap(), Abstain),
        ("d".parse::<Voter>().unwrap(), Object),
        ("stranger".parse::<Voter>().unwrap(), Object),
    ]);
    let t = tally(&p, &eligible, &positions);
    assert_eq!(t.chambers.len(), 4);
    assert_eq!(t.chambers[&States], ct(2, 1, 0, 0));
    assert_eq!(t.chambers[&PrivateSector], ct(1, 0, 0, 1));
    let tech = t.chambers[&TechnicalCommunity];
    assert_eq!((tech.standing, tech.object), (Standing::Advisory, 1));
    assert_eq!(t.chambers[&CivilSociety].eligible, 0);
    let totals = t.voting_totals();
    assert_eq!(
        (
            totals.eligible,
            totals.voted(),
            totals.cast(),
            totals.silent()
        ),
        (3, 2, 1, 1)
    );
}

// ---------------------------------------------------------------------------------------------
// Procedure::validate

fn err(p: &Procedure) -> ProcedureError {
    p.validate().expect_err("should be invalid")
}

#[test]
fn validate_accepts_well_formed_procedures() {
    for rule in all_rules() {
        procedure(rule, 50, &[States]).validate().unwrap();
    }
    procedure(qm(1), 0, &[States]).validate().unwrap();
    procedure(qm(100), 100, &[States]).validate().unwrap();
}

#[test]
fn validate_names_the_offending_field() {
    let e = err(&procedure(DecisionRule::Consensus, 101, &[States]));
    assert_eq!(e.pointer, "/quorum_percent");
    assert!(e.detail.contains("101"));

    assert_eq!(
        err(&procedure(qm(0), 50, &[States])).pointer,
        "/rule/percent"
    );
    assert_eq!(
        err(&procedure(qm(101), 50, &[States])).pointer,
        "/rule/percent"
    );

    let e = err(&procedure(DecisionRule::Consensus, 50, &[]));
    assert_eq!(e.pointer, "/standing");

    let e = err(&procedure(wc(&[(States, 50)]), 50, &[States, CivilSociety]));
    assert_eq!(e.pointer, "/rule/percent/civil_society");
    assert!(e.detail.contains("needs a threshold"), "{e}");

    let e = err(&procedure(
        wc(&[(States, 50), (PrivateSector, 50)]),
        50,
        &[States],
    ));
    assert_eq!(e.pointer, "/rule/percent/private_sector");
    assert!(e.detail.contains("advisory"), "{e}");

    let e = err(&procedure(wc(&[(States, 0)]), 50, &[States]));
    assert_eq!(e.pointer, "/rule/percent/states");
    assert_eq!(
        e.to_string(),
        "/rule/percent/states: threshold must be 1 to 100 percent, not 0"
    );
}

#[test]
fn invalid_procedure_adopts_nothing() {
    let d = decide_states(qm(0), 0, states(3, 3, 0, 0));
    assert!(!d.adopted);
    assert!(d
        .explanation
        .starts_with("Not adopted: the procedure is invalid (/rule/percent"));
}

// ---------------------------------------------------------------------------------------------
// JSON shapes

#[test]
fn rule_json_shapes() {
    let r: DecisionRule =
        serde_json::from_str(r#"{"rule":"qualified_majority","percent":67}"#).unwrap();
    assert_eq!(r, qm(67));
    let r: DecisionRule = serde_json::from_str(r#"{"rule":"consensus_minus_one"}"#).unwrap();
    assert_eq!(r, DecisionRule::ConsensusMinusOne);
    let r: DecisionRule = serde_json::from_str(
        r#"{"rule":"weighted_chambers","percent":{"states":67,"civil_society":50}}"#,
    )
    .unwrap();
    assert_eq!(r, wc(&[(States, 67), (CivilSociety, 50)]));

    assert_eq!(
        serde_json::to_string(&qm(67)).unwrap(),
        r#"{"rule":"qualified_majority","percent":67}"#
    );
    assert_eq!(
        serde_json::to_string(&DecisionRule::Unanimity).unwrap(),
        r#"{"rule":"unanimity"}"#
    );
    assert_eq!(
        serde_json::to_string(&wc(&[(PrivateSector, 60)])).unwrap(),
        r#"{"rule":"weighted_chambers","percent":{"private_sector":60}}"#
    );
}

#[test]
fn rule_json_refuses_unknown_and_missing_fields() {
    for bad in [
        r#"{"rule":"qualified_majority","percent":67,"extra":1}"#,
        r#"{"rule":"consensus","percent":67}"#,
        r#"{"rule":"unanimity","note":"x"}"#,
        r#"{"rule":"qualified_majority"}"#,
        r#"{"rule":"majority","percent":50}"#,
        r#"{"rule":"weighted_chambers","percent":{"governments":50}}"#,
        r#"{"rule":"qualified_majority","percent":300}"#,
        r#"{"percent":50}"#,
    ] {
        assert!(
            serde_json::from_str::<DecisionRule>(bad).is_err(),
            "accepted {bad}"
        );
    }
}

#[test]
fn procedure_json_shape() {
    let json = r#"{"rule":{"rule":"consensus"},"quorum_percent":50,
                   "standing":{"states":"voting","civil_society":"advisory"}}"#;
    let p: Procedure = serde_json::from_str(json).unwrap();
    assert_eq!(p.rule, DecisionRule::Consensus);
    assert_eq!(p.quorum_percent, 50);
    assert_eq!(p.standing_of(States), Standing::Voting);
    assert_eq!(p.standing_of(CivilSociety), Standing::Advisory);
    assert_eq!(p.standing_of(PrivateSector), Standing::Advisory);
    p.validate().unwrap();

    let unknown = r#"{"rule":{"rule":"consensus"},"quorum_percent":50,"standing":{},"x":1}"#;
    assert!(serde_json::from_str::<Procedure>(unknown).is_err());
    let missing = r#"{"rule":{"rule":"consensus"},"standing":{}}"#;
    assert!(serde_json::from_str::<Procedure>(missing).is_err());
}

#[test]
fn enum_wire_names_are_snake_case() {
    assert_eq!(serde_json::to_string(&Abstain).unwrap(), r#""abstain""#);
    assert_eq!(
        serde_json::from_str::<Stance>(r#""object""#).unwrap(),
        Object
    );
    assert_eq!(
        serde_json::to_string(&Standing::Advisory).unwrap(),
        r#""advisory""#
    );
    for c in Chamber::ALL {
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!("\"{}\"", c.as_str())
        );
        assert_eq!(c.to_string(), c.as_str());
    }
    assert_eq!(TechnicalCommunity.label(), "technical community");
}

#[test]
fn decision_json_shape() {
    let d = decide_states(qm(50), 0, states(2, 2, 0, 0));
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["adopted"], true);
    assert_eq!(v["quorum_met"], true);
    assert_eq!(
        v["rule"],
        serde_json::json!({"rule":"qualified_majority","percent":50})
    );
    assert_eq!(
        v["tally"]["chambers"]["states"],
        serde_json::json!({"standing":"voting","eligible":2,"support":2,"object":0,"abstain":0})
    );
    assert_eq!(
        v["tally"]["chambers"]["civil_society"]["standing"],
        "advisory"
    );
    assert!(v["explanation"].is_string());
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Everything needed to build a procedure under any rule, plus a body of voters.
#[derive(Clone, Debug)]
struct Scenario {
    voting: [bool; 4],
    quorum: u8,
    qm_percent: u8,
    wc_percent: [u8; 4],
    /// Each voter's chamber and position (`None`: took no position).
    voters: Vec<(Chamber, Option<Stance>)>,
}

fn stance_from_roll(roll: u8, noise: u8) -> Option<Stance> {
    // With noise 0 everyone supports; the higher the noise the more dissent and silence.
    let third = noise / 3;
    match roll {
        r if r < third => Some(Object),
        r if r < 2 * third => Some(Abstain),
        r if r < noise => None,
        _ => Some(Support),
    }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<[bool; 4]>(),
        0u8..=100,
        1u8..=100,
        [1u8..=100, 1u8..=100, 1u8..=100, 1u8..=100],
        0u8..=90,
        prop::collection::vec(
            (prop::sample::select(Chamber::ALL.to_vec()), 0u8..100),
            0..=40,
        ),
    )
        .prop_map(|(mut voting, quorum, qm_percent, wc_percent, noise, raw)| {
            if !voting.contains(&true) {
                voting[0] = true;
            }
            let voters = raw
                .into_iter()
                .map(|(c, roll)| (c, stance_from_roll(roll, noise)))
                .collect();
            Scenario {
                voting,
                quorum,
                qm_percent,
                wc_percent,
                voters,
            }
        })
}

impl Scenario {
    fn is_voting(&self, c: Chamber) -> bool {
        self.voting[Chamber::ALL.iter().position(|&x| x == c).unwrap()]
    }

    fn procedure(&self, rule: DecisionRule) -> Procedure {
        let voting: Vec<Chamber> = Chamber::ALL
            .into_iter()
            .filter(|&c| self.is_voting(c))
            .collect();
        procedure(rule, self.quorum, &voting)
    }

    /// The same body under each of the five rules.
    fn procedures(&self) -> Vec<Procedure> {
        let weights = Chamber::ALL
            .into_iter()
            .zip(self.wc_percent)
            .filter(|&(c, _)| self.is_voting(c))
            .collect();
        [
            DecisionRule::Unanimity,
            DecisionRule::Consensus,
            DecisionRule::ConsensusMinusOne,
            qm(self.qm_percent),
            DecisionRule::WeightedChambers { percent: weights },
        ]
        .into_iter()
        .map(|r| self.procedure(r))
        .collect()
    }

    fn outcome(&self, p: &Procedure) -> Decision {
        self.outcome_named(p, |i| format!("p{i:02}"))
    }

    fn outcome_named(&self, p: &Procedure, name: impl Fn(usize) -> String) -> Decision {
        let mut eligible = BTreeMap::new();
        let mut positions = BTreeMap::new();
        for (i, &(c, s)) in self.voters.iter().enumerate() {
            let id: Voter = name(i).parse().expect("test ids are party ids");
            eligible.insert(id.clone(), c);
            if let Some(s) = s {
                positions.insert(id, s);
            }
        }
        decide(p, &tally(p, &eligible, &positions))
    }

    fn voting_eligible(&self) -> usize {
        self.voters
            .iter()
            .filter(|(c, _)| self.is_voting(*c))
            .count()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_procedures_are_valid(s in scenario()) {
        for p in s.procedures() {
            prop_assert!(p.validate().is_ok(), "{:?}", p.validate());
        }
    }

    /// 1. More support never turns adoption into rejection.
    #[test]
    fn more_support_never_hurts(s in scenario(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!s.voters.is_empty());
        let i = pick.index(s.voters.len());
        prop_assume!(s.voters[i].1 != Some(Support));
        let mut more = s.clone();
        more.voters[i].1 = Some(Support);
        for p in s.procedures() {
            let before = s.outcome(&p);
            let after = more.outcome(&p);
            prop_assert!(!before.adopted || after.adopted,
                "{:?}: {} -> {}", p.rule, before.explanation, after.explanation);
            prop_assert!(!before.quorum_met || after.quorum_met);
        }
    }

    /// 2. If every voting-eligible party supports, every rule adopts.
    #[test]
    fn unanimous_support_passes_every_rule(s in scenario()) {
        prop_assume!(s.voting_eligible() > 0);
        let mut all = s.clone();
        for v in &mut all.voters {
            if s.is_voting(v.0) {
                v.1 = Some(Support);
            }
        }
        for p in all.procedures() {
            let d = all.outcome(&p);
            prop_assert!(d.adopted && d.quorum_met, "{:?}: {}", p.rule, d.explanation);
        }
    }

    /// 3. Unanimity ⇒ consensus ⇒ consensus minus one.
    #[test]
    fn stricter_rules_imply_looser(s in scenario()) {
        let u = s.outcome(&s.procedure(DecisionRule::Unanimity)).adopted;
        let c = s.outcome(&s.procedure(DecisionRule::Consensus)).adopted;
        let c1 = s.outcome(&s.procedure(DecisionRule::ConsensusMinusOne)).adopted;
        prop_assert!(!u || c);
        prop_assert!(!c || c1);
    }

    /// 4. Positions in advisory chambers never change the outcome.
    #[test]
    fn advisory_positions_never_decide(
        s in scenario(),
        rolls in prop::collection::vec(0u8..100, 40),
        noise in 0u8..=100,
    ) {
        let mut other = s.clone();
        for (v, &roll) in other.voters.iter_mut().zip(&rolls) {
            if !s.is_voting(v.0) {
                v.1 = stance_from_roll(roll, noise);
            }
        }
        for p in s.procedures() {
            let (a, b) = (s.outcome(&p), other.outcome(&p));
            prop_assert_eq!(a.adopted, b.adopted);
            prop_assert_eq!(a.quorum_met, b.quorum_met);
            prop_assert_eq!(a.explanation, b.explanation);
            prop_assert_eq!(a.tally.voting_totals(), b.tally.voting_totals());
        }
    }

    /// 5. Renaming voters (a permutation of ids) changes nothing.
    #[test]
    fn voter_names_do_not_matter(s in scenario(), keys in prop::collection::vec(any::<u32>(), 40)) {
        let mut order: Vec<usize> = (0..s.voters.len()).collect();
        order.sort_by_key(|&i| (keys[i], i));
        for p in s.procedures() {
            let plain = s.outcome(&p);
            let renamed = s.outcome_named(&p, |i| format!("party-{:02}", order[i]));
            prop_assert_eq!(plain, renamed);
        }
    }

    /// 6. Deterministic, and procedures and rules survive a JSON round trip.
    #[test]
    fn deterministic_and_round_trips(s in scenario()) {
        for p in s.procedures() {
            let (a, b) = (s.outcome(&p), s.outcome(&p));
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Procedure>(&json).unwrap(), &p);
            let rule = serde_json::to_string(&p.rule).unwrap();
            prop_assert_eq!(&serde_json::from_str::<DecisionRule>(&rule).unwrap(), &p.rule);
            prop_assert!(!a.explanation.is_empty());
            let totals = a.tally.voting_totals();
            prop_assert_eq!(totals.eligible as usize, s.voting_eligible());
        }
    }
}
