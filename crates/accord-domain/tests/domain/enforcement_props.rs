//! Properties of random case histories (valid and invalid steps by random parties at random
//! times): no measure without a notice, an answered or elapsed response window and a finding;
//! the same facts under the same policy always give the same measure; appeal panels are
//! disjoint from first panels and no panel holds a side of the case; honest mistakes never
//! bring a measure; restoration follows verified remediation exactly as the policy says; a
//! replay of the accepted log reproduces every case and the state digest; and a credential's
//! status at every log position is what the enforcement record says there.

use std::collections::BTreeSet;

use crate::common::*;
use accord_domain::credentials::{CredentialRecord, Credentials};
use accord_domain::enforcement::cases::{policy_of, Finding};
use accord_domain::enforcement::{Measure, Stage};
use accord_domain::norms::Charter;
use accord_domain::EntryRef;
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

/// Plays a random case history (each op after its wait, in days), calling `each` with the
/// world after every op.
fn play(ops: &[(Op, u64)], mut each: impl FnMut(&World)) -> World {
    let mut w = World::founded();
    let sec = w.secretariat.clone();
    w.submit(envelope(
        "regime.establish",
        serde_json::to_value(Charter::baseline()).unwrap(),
        "secretariat",
        &sec,
    ))
    .unwrap();
    let keys: Vec<KeyPair> = (0..PARTIES.len())
        .map(|i| KeyPair::from_seed([150 + i as u8; 32]))
        .collect();
    for (i, (id, kind, region)) in PARTIES.iter().enumerate() {
        w.register_in(id, kind, region, &keys[i]).unwrap();
    }
    // The states accredit the auditors: only accredited auditors sit on panels.
    let auditors: Vec<&str> = PARTIES
        .iter()
        .filter(|p| p.1 == "auditor")
        .map(|p| p.0)
        .collect();
    let draft = json!({"kind": "accreditation", "accredit": auditors});
    w.submit(envelope(
        "instrument.propose",
        json!({"instrument": "accreditation", "title": "Accreditation",
        "draft": draft, "comment_until": w.at(24), "positions_until": w.at(48)}),
        "state-y",
        &keys[2],
    ))
    .unwrap();
    w.now += DAY;
    for i in [1, 2] {
        w.submit(envelope(
            "instrument.position",
            json!({"instrument": "accreditation", "version": 1, "stance": "support"}),
            PARTIES[i].0,
            &keys[i],
        ))
        .unwrap();
    }
    w.now += 2 * DAY;
    w.submit(envelope(
        "instrument.decide",
        json!({"instrument": "accreditation", "outcome": "adopted"}),
        "secretariat",
        &sec,
    ))
    .unwrap();
    for (op, wait_days) in ops {
        w.now += wait_days * DAY;
        let name = |c: &u8| format!("k{c}");
        let case_of = |w: &World, c: &u8| w.state.cases().get(&name(c).parse().unwrap()).cloned();
        let (by, ty, payload): (Option<usize>, &str, serde_json::Value) = match op {
            Op::Allege { case, by, against } => (
                Some(*by),
                "case.allege",
                json!({"case": name(case), "respondent": PARTIES[*against].0, "norm": "gge-c", "summary": "Alleged."}),
            ),
            Op::Admit { case, admissible } => (
                None,
                "case.admissibility",
                json!({"case": name(case), "admissible": admissible, "reasons": "Decided."}),
            ),
            Op::Respond { case } => {
                let r = case_of(&w, case)
                    .map(|c| c.respondent.to_string())
                    .unwrap_or_default();
                (
                    PARTIES.iter().position(|p| p.0 == r),
                    "case.respond",
                    json!({"case": name(case), "response": "Answer."}),
                )
            }
            Op::Convene { case } => {
                let kind = if case_of(&w, case).is_some_and(|c| c.appeal.is_some()) {
                    "appeal"
                } else {
                    "first"
                };
                (
                    None,
                    "case.convene",
                    json!({"case": name(case), "panel": kind}),
                )
            }
            Op::Vote {
                case,
                seat,
                finding,
                severity,
                deviate,
            } => {
                let c = case_of(&w, case);
                let panel = c.as_ref().and_then(|c| match &c.appeal {
                    Some(a) => a.panel.clone(),
                    None => c.panel.clone(),
                });
                let voter = panel
                    .and_then(|p| p.members.get(*seat).map(|m| m.to_string()))
                    .unwrap_or_else(|| "aud-1".into());
                let finding = ["no_violation", "honest_mistake", "violation"][*finding as usize];
                let mut p = json!({"case": name(case), "finding": finding, "reasons": "Voted."});
                if finding == "violation" {
                    p["severity"] = json!(severity);
                    if *deviate {
                        p["deviation"] =
                            json!({"measures": ["public_statement"], "reason": "Cooperated."});
                    }
                }
                (PARTIES.iter().position(|p| p.0 == voter), "case.vote", p)
            }
            Op::Appeal { case, respondent } => {
                let side = case_of(&w, case)
                    .map(|c| {
                        if *respondent {
                            c.respondent
                        } else {
                            c.complainant
                        }
                        .to_string()
                    })
                    .unwrap_or_default();
                (
                    PARTIES.iter().position(|p| p.0 == side),
                    "case.appeal",
                    json!({"case": name(case), "grounds": "Appealed."}),
                )
            }
            Op::Plan { case } => {
                let r = case_of(&w, case)
                    .map(|c| c.respondent.to_string())
                    .unwrap_or_default();
                (
                    PARTIES.iter().position(|p| p.0 == r),
                    "case.remediation_plan",
                    json!({"case": name(case),
                        "milestones": [{"milestone": "m1", "due": w.at(24 * 30), "description": "Fix it."}]}),
                )
            }
            Op::Verify { case } => (
                Some(3),
                "case.verify_remediation",
                json!({"case": name(case), "notes": "Checked."}),
            ),
            Op::Review { case, lift } => {
                let due = case_of(&w, case)
                    .and_then(|c| {
                        let policy = policy_of(w.state.regime().unwrap(), &c).clone();
                        c.measures(&policy, Timestamp::from_unix_ms(w.now))
                    })
                    .map(|m| m.review_due.to_string())
                    .unwrap_or_else(|| w.at(0));
                (
                    None,
                    "case.review",
                    json!({"case": name(case), "due": due, "decision": if *lift { "lift" } else { "maintain" }, "reasons": "Reviewed."}),
                )
            }
        };
        let env = match by {
            Some(i) => envelope(ty, payload, PARTIES[i].0, &keys[i]),
            None => envelope(ty, payload, "secretariat", &sec),
        };
        let _ = w.submit(env);
        each(&w);
    }
    w
}

fn history() -> impl Strategy<Value = Vec<(Op, u64)>> {
    prop::collection::vec(
        (
            op(),
            prop_oneof![6 => 0..2u64, 1 => 0..60u64, 1 => Just(200u64)],
        ),
        1..200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn case_histories_keep_due_process(ops in history()) {
        let w = play(&ops, |_| {});
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

/// A case against side `against` that goes to a violation found by its first panel (a random
/// severity), then a random history of every kind of step: measures come into force, and are
/// restored, lifted, appealed or left to lapse as the tail decides.
fn sanctioned_history() -> impl Strategy<Value = (usize, Vec<(Op, u64)>)> {
    (
        1..3usize,
        1..6u8,
        prop::collection::vec(
            (
                op(),
                prop_oneof![4 => 0..3u64, 2 => 0..60u64, 1 => Just(120u64)],
            ),
            0..40,
        ),
    )
        .prop_map(|(against, severity, tail)| {
            let vote = |seat| Op::Vote {
                case: 0,
                seat,
                finding: 2,
                severity,
                deviate: false,
            };
            let mut ops = vec![
                (
                    Op::Allege {
                        case: 0,
                        by: 0,
                        against,
                    },
                    1,
                ),
                (
                    Op::Admit {
                        case: 0,
                        admissible: true,
                    },
                    1,
                ),
                (Op::Respond { case: 0 }, 1),
                (Op::Convene { case: 0 }, 1),
                (vote(0), 1),
                (vote(1), 1),
                (vote(2), 1),
            ];
            ops.extend(tail);
            (against, ops)
        })
}

fn measures() -> impl Strategy<Value = Vec<Measure>> {
    prop::sample::subsequence(
        vec![
            Measure::PublicStatement,
            Measure::StandingFlag,
            Measure::IncentiveIneligible,
            Measure::ReducedIntelTier,
            Measure::SharingSuspended,
        ],
        0..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A credential's status, at every log position of a random case history against its
    /// holder, is what the enforcement record says there: suspended exactly while a measure it
    /// is suspended by is in force, revoked from the first moment one it is revoked by was in
    /// force after issuance (and for good), expired outside its validity; and the status lists
    /// carry exactly those bits.
    #[test]
    fn a_credentials_status_is_what_the_enforcement_record_says(
        (holder, ops) in sanctioned_history(),
        suspend_on in measures(),
        revoke_on in measures(),
        issued_day in 0..40u64,
        valid_days in 30..400u64,
    ) {
        let revoke_on: Vec<Measure> = revoke_on.into_iter().filter(|m| !suspend_on.contains(m)).collect();
        let mut record = None;
        let mut checked = 0;
        let w = play(&ops, |w| {
            let start = w.entries.first().map_or(0, |e| e.sequenced_at.unix_ms());
            let issued = Timestamp::from_unix_ms(start + issued_day * DAY);
            let credential = record.get_or_insert_with(|| CredentialRecord {
                number: 0,
                scheme: "s".parse().unwrap(),
                scheme_adopted: 0,
                issuer: "cs-1".parse().unwrap(),
                holder: PARTIES[holder].0.parse().unwrap(),
                audit: "a".parse().unwrap(),
                valid_from: issued,
                valid_until: issued.plus_ms(valid_days * DAY),
                suspend_on: suspend_on.clone(),
                revoke_on: revoke_on.clone(),
                entry: EntryRef { index: 0, at: issued },
                credential: serde_json::Value::Null,
            });
            check_status(credential, &w.state, w.state.last_at());
            checked += 1;
        });
        prop_assert!(checked > 0);
        // And later, as far as the log knows: measures lapsed, restored or lifted by then.
        let credential = record.expect("made at the first position");
        for days in [10, 45, 100, 200, 400, 800] {
            check_status(&credential, &w.state, w.state.last_at().plus_ms(days * DAY));
        }
    }
}
/// Checks the status of `credential` at log time `at` against the enforcement record of `state`.
fn check_status(credential: &CredentialRecord, state: &State, at: Timestamp) {
    let Some(regime) = state.regime() else { return };
    let cases = state.cases();
    let holder = &credential.holder;
    let status = accord_domain::credentials::status(credential, regime, cases, at);
    let now = cases.measures_in_force(regime, holder, at);
    assert_eq!(
        status.suspended,
        credential.suspend_on.iter().any(|m| now.contains(m)),
        "suspended at {at}: {status:?}, in force {now:?}"
    );
    // In force at some moment of [issued, at]: the in-force set changes only where a
    // case's measures start, so it is enough to look at issuance and at every start.
    let moments = std::iter::once(credential.entry.at).chain(
        cases
            .against(holder)
            .filter_map(|c| c.measures(policy_of(regime, c), at))
            .map(|m| m.since),
    );
    let ever = moments
        .filter(|t| *t >= credential.entry.at && *t <= at)
        .any(|t| {
            let then = cases.measures_in_force(regime, holder, t);
            credential.revoke_on.iter().any(|m| then.contains(m))
        });
    assert_eq!(status.revoked, ever, "revoked at {at}: {status:?}");
    if std::env::var("DBG").is_ok() && !now.is_empty() {
        eprintln!(
            "DBG revoked={} suspended={} now={:?}",
            status.revoked, status.suspended, now
        );
    }
    assert_eq!(
        status.expired,
        at < credential.valid_from || at >= credential.valid_until
    );
    let lists = accord_domain::credentials::status_lists(
        &single(credential.clone()),
        Some(regime),
        cases,
        at,
    );
    assert_eq!(lists[0].get(0).unwrap(), status.suspended);
    assert_eq!(lists[1].get(0).unwrap(), status.revoked);
}

/// A set of credentials holding one.
fn single(record: CredentialRecord) -> Credentials {
    serde_json::from_value(json!({ "issued": [serde_json::to_value(record).unwrap()] })).unwrap()
}
