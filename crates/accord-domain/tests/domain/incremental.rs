//! Property: for random sequences of report and evidence entries (valid and invalid alike), the
//! indicators and evidence records of the state built entry by entry — refusals included —
//! equal those of a full replay of the accepted log, and so does the state digest.

use crate::common::*;
use accord_domain::indicators::{explain, Period, INDICATORS};
use accord_domain::norms::Charter;
use accord_domain::{State, Timestamp};
use accord_envelope::KeyPair;
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
    Evidence {
        party: usize,
        id: u8,
        marking: u8,
        recipient: Option<usize>,
    },
    Grant {
        party: usize,
        id: u8,
        to: usize,
        days: u64,
    },
    /// Signed by the instance key, with a basis that may or may not be the log's.
    Read {
        owner: usize,
        id: u8,
        reader: usize,
        basis: u8,
    },
    Erase {
        party: usize,
        owner: usize,
        id: u8,
    },
    Attach {
        party: usize,
        id: u8,
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
        (p.clone(), 0..3u8).prop_map(|(party, norm)| Op::Withdraw { party, norm }),
        (p.clone(), 0..3u8, 0..4u8, prop::option::of(p.clone())).prop_map(
            |(party, id, marking, recipient)| Op::Evidence {
                party,
                id,
                marking,
                recipient
            }
        ),
        (p.clone(), 0..3u8, p.clone(), 0..3u64).prop_map(|(party, id, to, days)| Op::Grant {
            party,
            id,
            to,
            days
        }),
        (p.clone(), 0..3u8, p.clone(), 0..5u8).prop_map(|(owner, id, reader, basis)| Op::Read {
            owner,
            id,
            reader,
            basis
        }),
        (p.clone(), p.clone(), 0..3u8).prop_map(|(party, owner, id)| Op::Erase {
            party,
            owner,
            id
        }),
        (p, 0..3u8).prop_map(|(party, id)| Op::Attach { party, id }),
    ]
}

const MARKINGS: [&str; 4] = [
    "TLP:RED",
    "TLP:AMBER+STRICT",
    "TLP:AMBER",
    "BUSINESS-CONFIDENTIAL",
];
const BASES: [&str; 5] = [
    "owner",
    "recipient",
    "grant",
    "secretariat",
    "regional_need_to_know",
];
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
        Op::Evidence {
            party,
            id,
            marking,
            recipient,
        } => (
            *party,
            "evidence.commit",
            json!({"evidence": format!("e{id}"),
            "marking": MARKINGS[*marking as usize],
            "commitment": "ab".repeat(32), "media_type": "text/plain", "size": 10, "label": "material",
            "recipients": recipient.map(|r| vec![PARTIES[r]]).unwrap_or_default()}),
        ),
        Op::Grant {
            party,
            id,
            to,
            days,
        } => (
            *party,
            "evidence.grant",
            json!({"evidence": format!("e{id}"), "party": PARTIES[*to],
            "until": at(now + days * 24 * HOUR), "purpose": "audit"}),
        ),
        Op::Read {
            owner,
            id,
            reader,
            basis,
        } => (
            usize::MAX,
            "evidence.read",
            json!({"owner": PARTIES[*owner], "evidence": format!("e{id}"), "reader": PARTIES[*reader],
            "basis": BASES[*basis as usize],
            "request": format!("{:032x}", now)}),
        ),
        Op::Erase { party, owner, id } => (
            *party,
            "evidence.erase",
            json!({"owner": PARTIES[*owner], "evidence": format!("e{id}"), "reason": "Done."}),
        ),
        Op::Attach { party, id } => (
            *party,
            "report.remediation",
            json!({"item": format!("ra{id}"), "severity": "low", "found_at": at(now / HOUR * HOUR - HOUR),
            "status": "open", "summary": "With evidence.", "attachments": [format!("e{id}")]}),
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
            let env = if party == usize::MAX {
                envelope(ty, p, "instance", &KeyPair::from_seed([1; 32]))
            } else {
                envelope(ty, p, PARTIES[party], &keys[party])
            };
            if w.submit(env).is_err() {
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
        prop_assert_eq!(w.state.evidence(), replay.evidence());
        // The state built with refusals interleaved digests like the replayed one.
        prop_assert_eq!(w.state.clone().seal_batch(&[0; 32]), replay.clone().seal_batch(&[0; 32]));
        prop_assert_eq!(w.entries.len() + refused, ops.len() + 2 + PARTIES.len());
    }
}
