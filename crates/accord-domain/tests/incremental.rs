//! Property: for random sequences of report entries (valid and invalid alike), the indicators
//! of the state built entry by entry — refusals included — equal those of a full replay of the
//! accepted log, and so does the state digest.

mod common;

use accord_domain::indicators::{explain, Period, INDICATORS};
use accord_domain::norms::Charter;
use accord_domain::{State, Timestamp};
use accord_envelope::KeyPair;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const PARTIES: [&str; 3] = ["cert-a", "state-b", "acme"];
const KINDS: [&str; 3] = ["cert", "state", "company"];
const HOUR: u64 = 3_600_000;

#[derive(Clone, Debug)]
enum Op {
    Incident {
        party: usize,
        id: u8,
        stage: u8,
        aware_back_hours: u64,
    },
    Remediation {
        party: usize,
        id: u8,
        severity: u8,
        status: u8,
        found_back_days: u64,
    },
    Test {
        party: usize,
        id: u8,
        ahead_days: u64,
    },
    Claim {
        party: usize,
        id: u8,
        accused: u8,
        confidence: u8,
        evidence: bool,
    },
    Corroborate {
        party: usize,
        claimant: usize,
        id: u8,
    },
    Retract {
        party: usize,
        id: u8,
    },
    Commit {
        party: usize,
        norm: u8,
        stricter: bool,
    },
    Withdraw {
        party: usize,
        norm: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PARTIES.len();
    prop_oneof![
        (p.clone(), 0..4u8, 0..3u8, 0..100u64).prop_map(|(party, id, stage, aware_back_hours)| {
            Op::Incident {
                party,
                id,
                stage,
                aware_back_hours,
            }
        }),
        (p.clone(), 0..4u8, 0..4u8, 0..3u8, 0..40u64).prop_map(
            |(party, id, severity, status, found_back_days)| Op::Remediation {
                party,
                id,
                severity,
                status,
                found_back_days
            }
        ),
        (p.clone(), 0..4u8, 0..15u64).prop_map(|(party, id, ahead_days)| Op::Test {
            party,
            id,
            ahead_days
        }),
        (p.clone(), 0..4u8, 0..3u8, 0..7u8, any::<bool>()).prop_map(
            |(party, id, accused, confidence, evidence)| Op::Claim {
                party,
                id,
                accused,
                confidence,
                evidence
            }
        ),
        (p.clone(), p.clone(), 0..4u8).prop_map(|(party, claimant, id)| Op::Corroborate {
            party,
            claimant,
            id
        }),
        (p.clone(), 0..4u8).prop_map(|(party, id)| Op::Retract { party, id }),
        (p.clone(), 0..3u8, any::<bool>()).prop_map(|(party, norm, stricter)| Op::Commit {
            party,
            norm,
            stricter
        }),
        (p, 0..3u8).prop_map(|(party, norm)| Op::Withdraw { party, norm }),
    ]
}

const NORMS: [&str; 3] = ["gge-g", "gge-h", "vulnerability-disclosure"];

fn payload(op: &Op, now: u64) -> (usize, &'static str, Value) {
    let at = |ms: u64| Timestamp::from_unix_ms(ms).to_string();
    match op {
        Op::Incident {
            party,
            id,
            stage,
            aware_back_hours,
        } => {
            let stage = ["early_warning", "notification", "final_report"][*stage as usize];
            (
                *party,
                "report.incident",
                json!({
            "incident": format!("i{id}"), "stage": stage,
            "aware_at": at(now.saturating_sub(aware_back_hours * HOUR) / HOUR * HOUR), "severity": "major",
            "cross_border": false, "summary": "Something happened."}),
            )
        }
        Op::Remediation {
            party,
            id,
            severity,
            status,
            found_back_days,
        } => {
            let severity = ["critical", "high", "medium", "low"][*severity as usize];
            let status = ["open", "in_progress", "fixed"][*status as usize];
            (
                *party,
                "report.remediation",
                json!({
            "item": format!("r{id}"), "severity": severity,
            "found_at": at(now.saturating_sub(found_back_days * 24 * HOUR) / HOUR * HOUR),
            "status": status, "summary": "A finding."}),
            )
        }
        Op::Test {
            party,
            id,
            ahead_days,
        } => (
            *party,
            "report.testing_declaration",
            json!({
            "test": format!("t{id}"), "scope": "Scans.", "target_class": "commercial",
            "window_start": at(now + ahead_days * 24 * HOUR), "window_end": at(now + (ahead_days + 1) * 24 * HOUR)}),
        ),
        Op::Claim {
            party,
            id,
            accused,
            confidence,
            evidence,
        } => (
            *party,
            "report.attribution",
            json!({
            "claim": format!("c{id}"), "accused": format!("actor-{accused}"), "incident": "x", "confidence": confidence,
            "evidence": if *evidence { json!([{"kind": "infrastructure", "description": "Shared servers."}]) } else { json!([]) },
            "co_signers": []}),
        ),
        Op::Corroborate {
            party,
            claimant,
            id,
        } => (
            *party,
            "report.attribution_corroborate",
            json!({
            "claimant": PARTIES[*claimant], "claim": format!("c{id}"), "note": "Seen too."}),
        ),
        Op::Retract { party, id } => (
            *party,
            "report.attribution_retract",
            json!({"claim": format!("c{id}"), "reason": "Wrong."}),
        ),
        Op::Commit {
            party,
            norm,
            stricter,
        } => {
            let mut p = json!({"norm": NORMS[*norm as usize]});
            if *stricter {
                p["parameters"] = json!({"remediation_days_critical": 7});
            }
            (*party, "commitment.make", p)
        }
        Op::Withdraw { party, norm } => (
            *party,
            "commitment.withdraw",
            json!({"norm": NORMS[*norm as usize], "reason": "Changed course."}),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_indicators_equal_a_full_replay(ops in prop::collection::vec((op(), 0..30u64), 1..60)) {
        let mut w = World::founded();
        let sec = w.secretariat.clone();
        w.submit(envelope("regime.establish", serde_json::to_value(Charter::baseline()).unwrap(), "secretariat", &sec)).unwrap();
        let keys: Vec<KeyPair> = (0..PARTIES.len()).map(|i| KeyPair::from_seed([90 + i as u8; 32])).collect();
        for (i, id) in PARTIES.iter().enumerate() {
            w.register(id, KINDS[i], &keys[i]).unwrap();
        }
        let mut refused = 0;
        for (op, wait_hours) in &ops {
            w.now += wait_hours * HOUR;
            let (party, ty, p) = payload(op, w.now + 60_000);
            if w.submit(envelope(ty, p, PARTIES[party], &keys[party])).is_err() {
                refused += 1;
            }
        }
        let mut replay = State::new();
        for (i, e) in w.entries.iter().enumerate() {
            replay.admit(i as u64, e).unwrap();
        }
        let now = w.state.last_at();
        let period = Period { from: Timestamp::from_unix_ms(0), to: now.plus_months(24) };
        for party in PARTIES {
            let party = party.parse().unwrap();
            for ind in INDICATORS {
                for norm in NORMS {
                    let norm = norm.parse().unwrap();
                    let a = explain(&w.state, &party, ind, Some(&norm), period, now).unwrap();
                    let b = explain(&replay, &party, ind, Some(&norm), period, now).unwrap();
                    prop_assert_eq!(a, b);
                }
            }
        }
        // The state built with refusals interleaved digests like the replayed one.
        prop_assert_eq!(w.state.clone().seal_batch(&[0; 32]), replay.clone().seal_batch(&[0; 32]));
        prop_assert_eq!(w.entries.len() + refused, ops.len() + 2 + PARTIES.len());
    }
}
