//! Properties of random case histories (valid and invalid steps by random parties at random
//! times): no measure without a notice, an answered or elapsed response window and a finding;
//! the same facts under the same policy always give the same measure; appeal panels are
//! disjoint from first panels and no panel holds a side of the case; honest mistakes never
//! bring a measure; restoration follows verified remediation exactly as the policy says; and a
//! replay of the accepted log reproduces every case and the state digest.

use std::collections::BTreeSet;

use crate::common::*;
use accord_domain::enforcement::cases::{policy_of, Finding};
use accord_domain::enforcement::Stage;
use accord_domain::norms::Charter;
use accord_domain::{State, Timestamp};
use accord_envelope::KeyPair;
use proptest::prelude::*;
use serde_json::json;

const DAY: u64 = 86_400_000;
const PARTIES: &[(&str, &str, &str)] = &[
    ("cert-a", "cert", "europe"),
    ("state-x", "state", "africa"),
    ("state-y", "state", "asia"),
    ("aud-1", "auditor", "global"),
    ("aud-2", "auditor", "global"),
    ("aud-3", "auditor", "global"),
    ("aud-4", "auditor", "global"),
    ("aud-5", "auditor", "europe"),
    ("cs-1", "civil_society", "africa"),
    ("cs-2", "civil_society", "asia"),
];
const SIDES: [usize; 3] = [0, 1, 2];

#[derive(Clone, Debug)]
enum Op {
    Allege {
        case: u8,
        by: usize,
        against: usize,
    },
    Admit {
        case: u8,
        admissible: bool,
    },
    Respond {
        case: u8,
    },
    Convene {
        case: u8,
    },
    Vote {
        case: u8,
        seat: usize,
        finding: u8,
        severity: u8,
        deviate: bool,
    },
    Appeal {
        case: u8,
        respondent: bool,
    },
    Plan {
        case: u8,
    },
    Verify {
        case: u8,
    },
    Review {
        case: u8,
        lift: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..2u8;
    let finding = prop_oneof![1 => Just(0u8), 1 => Just(1u8), 4 => Just(2u8)];
    let severity = prop_oneof![3 => Just(2u8), 1 => 1..6u8];
    prop_oneof![
        2 => (c.clone(), 0..3usize, 0..3usize).prop_map(|(case, by, against)| Op::Allege {
            case,
            by: SIDES[by],
            against: SIDES[against]
        }),
        2 => (c.clone(), prop::bool::weighted(0.85))
            .prop_map(|(case, admissible)| Op::Admit { case, admissible }),
        2 => c.clone().prop_map(|case| Op::Respond { case }),
        3 => c.clone().prop_map(|case| Op::Convene { case }),
        8 => (c.clone(), 0..3usize, finding, severity, prop::bool::weighted(0.1))
            .prop_map(|(case, seat, finding, severity, deviate)| Op::Vote {
                case,
                seat,
                finding,
                severity,
                deviate
            }),
        2 => (c.clone(), any::<bool>()).prop_map(|(case, respondent)| Op::Appeal { case, respondent }),
        2 => c.clone().prop_map(|case| Op::Plan { case }),
        2 => c.clone().prop_map(|case| Op::Verify { case }),
        2 => (c, any::<bool>()).prop_map(|(case, lift)| Op::Review { case, lift }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn case_histories_keep_due_process(ops in prop::collection::vec((op(), prop_oneof![6 => 0..2u64, 1 => 0..60u64, 1 => Just(200u64)]), 1..200)) {
        let mut w = World::founded();
        let sec = w.secretariat.clone();
        w.submit(envelope("regime.establish", serde_json::to_value(Charter::baseline()).unwrap(), "secretariat", &sec)).unwrap();
        let keys: Vec<KeyPair> = (0..PARTIES.len()).map(|i| KeyPair::from_seed([150 + i as u8; 32])).collect();
        for (i, (id, kind, region)) in PARTIES.iter().enumerate() {
            w.register_in(id, kind, region, &keys[i]).unwrap();
        }
        for (op, wait_days) in &ops {
            w.now += wait_days * DAY;
            let name = |c: &u8| format!("k{c}");
            let case_of = |w: &World, c: &u8| w.state.cases().get(&name(c).parse().unwrap()).cloned();
            let (by, ty, payload): (Option<usize>, &str, serde_json::Value) = match op {
                Op::Allege { case, by, against } => (Some(*by), "case.allege",
                    json!({"case": name(case), "respondent": PARTIES[*against].0, "norm": "gge-c", "summary": "Alleged."})),
                Op::Admit { case, admissible } => (None, "case.admissibility",
                    json!({"case": name(case), "admissible": admissible, "reasons": "Decided."})),
                Op::Respond { case } => {
                    let r = case_of(&w, case).map(|c| c.respondent.to_string()).unwrap_or_default();
                    (PARTIES.iter().position(|p| p.0 == r), "case.respond", json!({"case": name(case), "response": "Answer."}))
                }
                Op::Convene { case } => {
                    let kind = if case_of(&w, case).is_some_and(|c| c.appeal.is_some()) { "appeal" } else { "first" };
                    (None, "case.convene", json!({"case": name(case), "panel": kind}))
                }
                Op::Vote { case, seat, finding, severity, deviate } => {
                    let c = case_of(&w, case);
                    let panel = c.as_ref().and_then(|c| match &c.appeal { Some(a) => a.panel.clone(), None => c.panel.clone() });
                    let voter = panel.and_then(|p| p.members.get(*seat).map(|m| m.to_string())).unwrap_or_else(|| "aud-1".into());
                    let finding = ["no_violation", "honest_mistake", "violation"][*finding as usize];
                    let mut p = json!({"case": name(case), "finding": finding, "reasons": "Voted."});
                    if finding == "violation" {
                        p["severity"] = json!(severity);
                        if *deviate {
                            p["deviation"] = json!({"measures": ["public_statement"], "reason": "Cooperated."});
                        }
                    }
                    (PARTIES.iter().position(|p| p.0 == voter), "case.vote", p)
                }
                Op::Appeal { case, respondent } => {
                    let side = case_of(&w, case).map(|c| if *respondent { c.respondent } else { c.complainant }.to_string()).unwrap_or_default();
                    (PARTIES.iter().position(|p| p.0 == side), "case.appeal", json!({"case": name(case), "grounds": "Appealed."}))
                }
                Op::Plan { case } => {
                    let r = case_of(&w, case).map(|c| c.respondent.to_string()).unwrap_or_default();
                    (PARTIES.iter().position(|p| p.0 == r), "case.remediation_plan", json!({"case": name(case),
                        "milestones": [{"milestone": "m1", "due": w.at(24 * 30), "description": "Fix it."}]}))
                }
                Op::Verify { case } => (Some(3), "case.verify_remediation", json!({"case": name(case), "notes": "Checked."})),
                Op::Review { case, lift } => {
                    let due = case_of(&w, case)
                        .and_then(|c| {
                            let policy = policy_of(w.state.regime().unwrap(), &c).clone();
                            c.measures(&policy, Timestamp::from_unix_ms(w.now))
                        })
                        .map(|m| m.review_due.to_string())
                        .unwrap_or_else(|| w.at(0));
                    (None, "case.review",
                        json!({"case": name(case), "due": due, "decision": if *lift { "lift" } else { "maintain" }, "reasons": "Reviewed."}))
                }
            };
            let env = match by {
                Some(i) => envelope(ty, payload, PARTIES[i].0, &keys[i]),
                None => envelope(ty, payload, "secretariat", &sec),
            };
            let _ = w.submit(env);
        }
        let regime = w.state.regime().unwrap().clone();
        let now = Timestamp::from_unix_ms(w.now + 400 * DAY);
        for case in w.state.cases().all() {
            let policy = policy_of(&regime, case);
            let d = policy.deadlines;
            let conflicted: BTreeSet<String> = [case.respondent.to_string(), case.complainant.to_string()].into_iter().collect();
            let first: BTreeSet<String> = case.panel.iter().flat_map(|p| p.members.iter().map(|m| m.to_string())).collect();
            prop_assert!(first.is_disjoint(&conflicted));
            if let Some(a) = &case.appeal {
                let second: BTreeSet<String> = a.panel.iter().flat_map(|p| p.members.iter().map(|m| m.to_string())).collect();
                prop_assert!(second.is_disjoint(&first), "appeal panel {:?} overlaps {:?}", second, first);
                prop_assert!(second.is_disjoint(&conflicted));
            }
            for f in case.finding.iter().chain(case.appeal.iter().flat_map(|a| a.finding.iter())) {
                match f.finding {
                    Finding::Violation => {
                        let s = f.severity.unwrap();
                        if f.deviation.is_none() {
                            prop_assert_eq!(&f.measures, &policy.measures(s, f.priors));
                        }
                        let recount = w.state.cases().priors(&regime, &case.respondent, &case.case, f.entry.at, policy.recidivism_window_months);
                        prop_assert_eq!(recount, f.priors);
                    }
                    _ => prop_assert!(f.measures.is_empty(), "a {:?} with measures", f.finding),
                }
            }
            if let Some(m) = case.measures(policy, now) {
                // Notice, an answered or elapsed response window, and a final finding.
                let is_final_violation = matches!(
                    case.stage(policy, now),
                    Stage::Final { finding: Finding::Violation, .. }
                );
                prop_assert!(is_final_violation, "measures on a case that is not a final violation");
                let noticed = match case.admissibility {
                    Some((true, e)) => e.at,
                    Some((false, _)) => { prop_assert!(false, "measures on a dismissed case"); unreachable!() }
                    None => case.alleged.at.plus_ms(u64::from(d.admissibility_days) * DAY),
                };
                let panel = case.panel.as_ref().expect("a finding has a panel");
                let response_end = case.response.map(|e| e.at).unwrap_or(noticed.plus_ms(u64::from(d.response_days) * DAY));
                prop_assert!(panel.convened.at >= response_end);
                prop_assert!(case.final_finding().is_some());
                // Restoration exactly as the policy says.
                let min = m.since.plus_months(policy.restoration.min_months_in_force);
                match &case.verified {
                    Some(v) => prop_assert!(m.until <= v.entry.at.max(min)),
                    None => prop_assert_ne!(m.ends_by, "restored"),
                }
                if m.ends_by == "restored" {
                    prop_assert_eq!(m.until, case.verified.as_ref().unwrap().entry.at.max(min));
                }
            }
        }
        let mut replay = State::new();
        for (i, e) in w.entries.iter().enumerate() {
            replay.admit(i as u64, e).unwrap();
        }
        prop_assert_eq!(replay.cases(), w.state.cases());
        prop_assert_eq!(replay.clone().seal_batch(&[0; 32]), w.state.clone().seal_batch(&[0; 32]));
    }
}
