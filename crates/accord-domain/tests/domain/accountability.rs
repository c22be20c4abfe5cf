//! Commitments and incident notifications in a fixed world, with indicator values checked
//! against hand-computed ones — including a report exactly at its deadline, a leap day, a
//! non-UTC timestamp, and a norm that leaves force.

use crate::common::*;
use accord_domain::indicators::{incident_notification_timeliness, Period};
use accord_domain::reports::Timeliness;
use accord_domain::{RejectionKind, Timestamp};
use accord_envelope::KeyPair;
use serde_json::{json, Value};

const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

fn ts(s: &str) -> u64 {
    s.parse::<Timestamp>().unwrap().unix_ms()
}

struct W {
    w: World,
    cert: KeyPair,
}

impl W {
    fn new() -> W {
        let mut w = World::chartered();
        let cert = KeyPair::from_seed([77; 32]);
        w.register("cert-a", "cert", &cert).unwrap();
        W { w, cert }
    }

    /// Submits as cert-a at log time `at` (milliseconds).
    fn at(&mut self, at: u64, ty: &str, payload: Value) -> Result<(), accord_domain::Rejection> {
        self.w.now = at - 60_000; // submit() adds a minute
        let key = self.cert.clone();
        self.w.submit(envelope(ty, payload, "cert-a", &key))
    }
}

fn incident(id: &str, stage: &str, aware: &str) -> Value {
    json!({"incident": id, "stage": stage, "aware_at": aware, "severity": "significant",
           "cross_border": false, "summary": "Ransomware on a hospital network."})
}

#[test]
fn commitments_are_made_tightened_withdrawn_and_stop_counting_at_sunset() {
    let mut w = W::new();
    let t0 = w.w.now + DAY;
    w.at(
        t0,
        "commitment.make",
        json!({"norm": "vulnerability-disclosure", "parameters": {"disclosure_window_days": 45}}),
    )
    .unwrap();
    // Looser than the region's 90 days is refused; unknown parameters too.
    let err = w
        .at(
            t0 + HOUR,
            "commitment.make",
            json!({"norm": "gge-j", "parameters": {"disclosure_window_days": 120}}),
        )
        .unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("not-stricter", "/payload/parameters/disclosure_window_days")
    );
    let err = w
        .at(
            t0 + HOUR,
            "commitment.make",
            json!({"norm": "gge-j", "parameters": {"lunch_minutes": 30}}),
        )
        .unwrap_err();
    assert_eq!(err.rule, "unknown-parameter");
    // Notice periods are stricter upwards.
    w.at(
        t0 + 2 * HOUR,
        "commitment.make",
        json!({"norm": "declared-testing", "parameters": {"testing_notice_days": 14}}),
    )
    .unwrap();
    let err = w
        .at(
            t0 + 3 * HOUR,
            "commitment.make",
            json!({"norm": "gge-f", "parameters": {"testing_notice_days": 3}}),
        )
        .unwrap_err();
    assert_eq!(err.rule, "not-stricter");
    let err = w
        .at(
            t0 + 3 * HOUR,
            "commitment.make",
            json!({"norm": "no-such-norm"}),
        )
        .unwrap_err();
    assert_eq!(err.rule, "unknown-norm");

    let state = &w.w.state;
    let regime = state.regime().unwrap();
    let party = state.party(&"cert-a".parse().unwrap()).unwrap();
    let eff = state.commitments().effective_parameters(
        regime,
        party,
        &"vulnerability-disclosure".parse().unwrap(),
    );
    let window = &eff[&"disclosure_window_days".parse().unwrap()];
    assert_eq!((window.value, window.origin.as_str()), (45, "party"));

    // Withdrawal keeps the history; withdrawing twice is refused.
    w.at(
        t0 + 4 * HOUR,
        "commitment.withdraw",
        json!({"norm": "declared-testing", "reason": "Our testing programme ended."}),
    )
    .unwrap();
    let err = w
        .at(
            t0 + 5 * HOUR,
            "commitment.withdraw",
            json!({"norm": "declared-testing", "reason": "Again."}),
        )
        .unwrap_err();
    assert_eq!(
        (err.kind, err.rule),
        (RejectionKind::Conflict, "not-committed")
    );
    let c =
        w.w.state
            .commitments()
            .get(
                &"cert-a".parse().unwrap(),
                &"declared-testing".parse().unwrap(),
            )
            .unwrap();
    assert!(!c.active);
    assert_eq!(c.history.len(), 2);

    // The baseline norms lapse 60 months after the charter: the commitment stops counting.
    let regime = w.w.state.regime().unwrap();
    let vd =
        w.w.state
            .commitments()
            .get(
                &"cert-a".parse().unwrap(),
                &"vulnerability-disclosure".parse().unwrap(),
            )
            .unwrap();
    let sunset = regime.norms[&"vulnerability-disclosure".parse().unwrap()].sunset_at;
    assert!(vd.counts(regime, Timestamp::from_unix_ms(sunset.unix_ms() - 1)));
    assert!(!vd.counts(regime, sunset));
    // And a norm out of force takes no new commitments.
    let err = w
        .at(
            sunset.unix_ms() + DAY,
            "commitment.make",
            json!({"norm": "gge-a"}),
        )
        .unwrap_err();
    assert_eq!(err.rule, "norm-not-in-force");
}

#[test]
fn incident_notification_timeliness_matches_hand_computed_values() {
    let mut w = W::new();
    // Incident 1: aware 10:00; early warning exactly at the 24 h deadline (on time);
    // notification at 73 h (late by an hour); final report 29 days after the notification (below).
    let aware1 = ts("2026-03-02T10:00:00.000Z");
    w.at(
        aware1 + 24 * HOUR,
        "report.incident",
        incident("inc-1", "early_warning", "2026-03-02T10:00:00.000Z"),
    )
    .unwrap();
    w.at(
        aware1 + 73 * HOUR,
        "report.incident",
        incident("inc-1", "notification", "2026-03-02T10:00:00.000Z"),
    )
    .unwrap();
    // Incident 2: the notification comes first, after 10 h (it files the early warning too);
    // the final report never comes.
    let aware2 = ts("2026-04-01T00:00:00.000Z");
    w.at(
        aware2 + 10 * HOUR,
        "report.incident",
        incident("inc-2", "notification", "2026-04-01T00:00:00.000Z"),
    )
    .unwrap();
    // Now, neither final report is due yet: both are pending and not counted.
    let period = Period {
        from: Timestamp::from_unix_ms(ts("2026-01-01T00:00:00.000Z")),
        to: Timestamp::from_unix_ms(ts("2027-01-01T00:00:00.000Z")),
    };
    let party = "cert-a".parse().unwrap();
    let e = incident_notification_timeliness(
        w.w.state.incidents(),
        &party,
        period,
        w.w.state.last_at(),
    );
    assert_eq!((e.value.numerator, e.value.denominator), (3, 4));
    // Bad inputs: a final report before any notification; a stage twice; awareness changed;
    // awareness in the future; a timestamp with a time-zone offset instead of UTC.
    let err = w
        .at(
            aware2 + 11 * HOUR,
            "report.incident",
            incident("inc-3", "final_report", "2026-04-01T00:00:00.000Z"),
        )
        .unwrap_err();
    assert_eq!(err.rule, "stage-order");
    let err = w
        .at(
            aware2 + 11 * HOUR,
            "report.incident",
            incident("inc-2", "notification", "2026-04-01T00:00:00.000Z"),
        )
        .unwrap_err();
    assert_eq!(err.rule, "stage-filed");
    let err = w
        .at(
            aware2 + 11 * HOUR,
            "report.incident",
            incident("inc-2", "final_report", "2026-03-31T00:00:00.000Z"),
        )
        .unwrap_err();
    assert_eq!(err.rule, "aware-at-changed");
    let err = w
        .at(
            aware2 + 11 * HOUR,
            "report.incident",
            incident("inc-4", "early_warning", "2026-05-01T00:00:00.000Z"),
        )
        .unwrap_err();
    assert_eq!(err.rule, "aware-in-future");
    let err = w
        .at(
            aware2 + 11 * HOUR,
            "report.incident",
            incident("inc-4", "early_warning", "2026-04-01T02:00:00.000+02:00"),
        )
        .unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("invalid-value", "/payload/aware_at")
    );

    // inc-1's final report, 29 days after its notification (in time for its 30 days).
    w.at(
        aware1 + 73 * HOUR + 29 * DAY,
        "report.incident",
        incident("inc-1", "final_report", "2026-03-02T10:00:00.000Z"),
    )
    .unwrap();
    // Evaluate at 1 June: inc-2's final report (due 30 days after 1 April 10:00) is overdue.
    let now = Timestamp::from_unix_ms(ts("2026-06-01T00:00:00.000Z"));
    let e = incident_notification_timeliness(w.w.state.incidents(), &party, period, now);
    // Hand count: inc-1 EW on time, N late, F on time; inc-2 EW on time, N on time, F overdue.
    assert_eq!((e.value.numerator, e.value.denominator), (4, 6));
    assert_eq!(e.value.percent, Some(66.6));
    let stage = |s: &str| (e.breakdown[s].numerator, e.breakdown[s].denominator);
    assert_eq!(stage("early_warning"), (2, 2));
    assert_eq!(stage("notification"), (1, 2));
    assert_eq!(stage("final_report"), (1, 2));
    let outcomes: Vec<(String, String)> = e
        .items
        .iter()
        .map(|i| (i.item.clone(), i.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes[0],
        ("incident inc-1, early_warning".into(), "on_time".into()),
        "a report exactly at its deadline is on time"
    );
    assert!(outcomes.contains(&("incident inc-2, final_report".into(), "overdue".into())));
    assert!(
        e.items
            .iter()
            .filter(|i| i.outcome != "overdue")
            .all(|i| i.entry.is_some()),
        "each counted filing names its entry"
    );
    // A period that holds none of the deadlines has no value.
    let empty = Period {
        from: Timestamp::from_unix_ms(ts("2025-01-01T00:00:00.000Z")),
        to: Timestamp::from_unix_ms(ts("2026-01-01T00:00:00.000Z")),
    };
    assert_eq!(
        incident_notification_timeliness(w.w.state.incidents(), &party, empty, now)
            .value
            .percent,
        None
    );
}

#[test]
fn a_deadline_on_a_leap_day_is_met_to_the_millisecond() {
    let mut w = W::new();
    let aware = ts("2028-02-28T12:00:00.000Z");
    // Due 24 h later: 2028-02-29T12:00:00.000Z (a leap day).
    w.at(
        ts("2028-02-29T12:00:00.000Z"),
        "report.incident",
        incident("leap", "early_warning", "2028-02-28T12:00:00.000Z"),
    )
    .unwrap();
    w.at(
        ts("2028-03-02T12:00:00.001Z"),
        "report.incident",
        incident("leap", "notification", "2028-02-28T12:00:00.000Z"),
    )
    .unwrap();
    let record =
        &w.w.state
            .incidents()
            .of(&"cert-a".parse().unwrap())
            .unwrap()[&"leap".parse().unwrap()];
    let ew = &record.stages[&accord_domain::reports::IncidentStage::EarlyWarning];
    assert_eq!(ew.due.to_string(), "2028-02-29T12:00:00.000Z");
    assert_eq!(ew.outcome(ew.due), Timeliness::OnTime);
    let n = &record.stages[&accord_domain::reports::IncidentStage::Notification];
    assert_eq!(n.due.unix_ms(), aware + 72 * HOUR);
    assert_eq!(
        n.outcome(n.due),
        Timeliness::Late,
        "one millisecond late is late"
    );
}

fn year_2026() -> Period {
    Period {
        from: Timestamp::from_unix_ms(ts("2026-01-01T00:00:00.000Z")),
        to: Timestamp::from_unix_ms(ts("2027-01-01T00:00:00.000Z")),
    }
}

fn remediation(item: &str, severity: &str, found: &str, status: &str) -> Value {
    json!({"item": item, "severity": severity, "found_at": found, "status": status,
           "summary": "Outdated TLS library on a public portal."})
}

#[test]
fn remediation_within_deadline_by_severity() {
    let mut w = W::new();
    // The party commits to a critical window of 10 days (stricter than the baseline 15).
    let t0 = ts("2026-02-01T00:00:00.000Z");
    w.at(
        t0,
        "commitment.make",
        json!({"norm": "gge-g", "parameters": {"remediation_days_critical": 10}}),
    )
    .unwrap();
    // crit-1: found 1 March, due 11 March (10 days); fixed exactly then (below): on time.
    let found = "2026-03-01T00:00:00.000Z";
    w.at(
        ts(found) + HOUR,
        "report.remediation",
        remediation("crit-1", "critical", found, "open"),
    )
    .unwrap();
    // high-1: found 1 March, due 31 March (30 days); fixed 2 April 12:00: late by 2 days (rounded up).
    w.at(
        ts(found) + 2 * HOUR,
        "report.remediation",
        remediation("high-1", "high", found, "in_progress"),
    )
    .unwrap();
    // crit-2: found 5 March, due 15 March; never fixed: overdue.
    let found2 = "2026-03-05T00:00:00.000Z";
    w.at(
        ts(found2) + HOUR,
        "report.remediation",
        remediation("crit-2", "critical", found2, "open"),
    )
    .unwrap();
    w.at(
        ts("2026-03-11T00:00:00.000Z"),
        "report.remediation",
        remediation("crit-1", "critical", found, "fixed"),
    )
    .unwrap();
    w.at(
        ts("2026-04-02T12:00:00.000Z"),
        "report.remediation",
        remediation("high-1", "high", found, "fixed"),
    )
    .unwrap();
    // Updates keep severity and finding time; a fixed item is closed.
    let err = w
        .at(
            ts("2026-04-03T00:00:00.000Z"),
            "report.remediation",
            remediation("crit-2", "low", found2, "open"),
        )
        .unwrap_err();
    assert_eq!(err.rule, "item-changed");
    let err = w
        .at(
            ts("2026-04-03T00:00:00.000Z"),
            "report.remediation",
            remediation("crit-1", "critical", found, "open"),
        )
        .unwrap_err();
    assert_eq!(err.rule, "item-closed");

    let party = "cert-a".parse().unwrap();
    let now = Timestamp::from_unix_ms(ts("2026-05-01T00:00:00.000Z"));
    let e = accord_domain::indicators::remediation_within_deadline(
        w.w.state.remediations(),
        &party,
        year_2026(),
        now,
    );
    assert_eq!((e.value.numerator, e.value.denominator), (1, 3));
    assert_eq!(e.figures["overdue"], 1.0);
    assert_eq!(
        e.figures["median_days_late"], 3.0,
        "31 March 00:00 to 2 April 12:00 is 2.5 days, rounded up to 3"
    );
    assert_eq!(
        (
            e.breakdown["critical"].numerator,
            e.breakdown["critical"].denominator
        ),
        (1, 2)
    );
    assert_eq!(
        (
            e.breakdown["high"].numerator,
            e.breakdown["high"].denominator
        ),
        (0, 1)
    );
    let crit1 = e
        .items
        .iter()
        .find(|i| i.item.starts_with("remediation crit-1"))
        .unwrap();
    assert_eq!(
        (
            crit1.due.unwrap().to_string().as_str(),
            crit1.outcome.as_str()
        ),
        ("2026-03-11T00:00:00.000Z", "on_time")
    );
}

#[test]
fn declared_testing_and_attribution_parity() {
    let mut w = W::new();
    let sec = w.w.secretariat.clone();
    let other = KeyPair::from_seed([78; 32]);
    w.w.register("cert-b", "cert", &other).unwrap();
    let _ = sec;
    // Notice is 7 days: declared 10 days ahead (timely), 3 days ahead (late).
    let t = ts("2026-06-01T00:00:00.000Z");
    let decl = |id: &str, start: u64| {
        json!({"test": id, "scope": "External scan of exposed management interfaces.",
        "target_class": "critical_infrastructure", "window_start": Timestamp::from_unix_ms(start).to_string(),
        "window_end": Timestamp::from_unix_ms(start + DAY).to_string()})
    };
    w.at(t, "report.testing_declaration", decl("t1", t + 10 * DAY))
        .unwrap();
    w.at(
        t + HOUR,
        "report.testing_declaration",
        decl("t2", t + 3 * DAY),
    )
    .unwrap();
    let err = w
        .at(
            t + 2 * HOUR,
            "report.testing_declaration",
            decl("t3", t - DAY),
        )
        .unwrap_err();
    assert_eq!(err.rule, "declared-after-start");
    let party = "cert-a".parse().unwrap();
    let now = Timestamp::from_unix_ms(t + 30 * DAY);
    let e = accord_domain::indicators::declared_testing_share(
        w.w.state.testing(),
        &party,
        year_2026(),
        now,
    );
    assert_eq!((e.value.numerator, e.value.denominator), (1, 2));

    // Attribution: two claims against actor X with evidence at confidence 4 and 3; one
    // against Y at confidence 2 without evidence (below the minimum of 3).
    let ev = json!([{"kind": "malware-analysis", "description": "Shared code with an earlier campaign."}]);
    let claim = |id: &str, accused: &str, confidence: u8, evidence: &Value| {
        json!({"claim": id, "accused": accused,
        "incident": "inc-9", "confidence": confidence, "evidence": evidence, "co_signers": []})
    };
    w.at(
        t + 3 * HOUR,
        "report.attribution",
        claim("c1", "actor-x", 4, &ev),
    )
    .unwrap();
    w.at(
        t + 4 * HOUR,
        "report.attribution",
        claim("c2", "actor-x", 3, &ev),
    )
    .unwrap();
    w.at(
        t + 5 * HOUR,
        "report.attribution",
        claim("c3", "actor-y", 2, &json!([])),
    )
    .unwrap();
    let err = w
        .at(
            t + 6 * HOUR,
            "report.attribution",
            claim("c4", "actor-y", 6, &ev),
        )
        .unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("confidence-scale", "/payload/confidence")
    );
    // cert-b corroborates c1; cert-a retracts c3; cert-a cannot corroborate itself.
    w.w.now = t + 7 * HOUR;
    w.w.submit(envelope(
        "report.attribution_corroborate",
        json!({"claimant": "cert-a", "claim": "c1", "note": "Same infrastructure seen here."}),
        "cert-b",
        &other,
    ))
    .unwrap();
    let err = w
        .at(
            t + 8 * HOUR,
            "report.attribution_corroborate",
            json!({"claimant": "cert-a", "claim": "c2", "note": "Mine."}),
        )
        .unwrap_err();
    assert_eq!(err.rule, "own-claim");
    w.at(
        t + 9 * HOUR,
        "report.attribution_retract",
        json!({"claim": "c3", "reason": "The evidence did not hold up."}),
    )
    .unwrap();
    let e = accord_domain::indicators::attribution_parity(
        w.w.state.attributions(),
        w.w.state.sharing(),
        &party,
        year_2026(),
        now,
        3,
    );
    assert_eq!((e.value.numerator, e.value.denominator), (2, 3));
    assert!((e.figures["corroboration_rate"] - 1.0 / 3.0).abs() < 1e-9);
    assert!((e.figures["retraction_rate"] - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        e.figures["parity_gap"], 1.0,
        "actor-x claims all meet the threshold, actor-y's none"
    );
    assert_eq!(e.breakdown["actor-x"].percent, Some(100.0));
    assert_eq!(e.breakdown["actor-y"].percent, Some(0.0));
}

#[test]
fn adherence_is_the_mean_of_the_norms_measured_indicators_for_a_commitment_that_counts() {
    let mut w = W::new();
    let party = "cert-a".parse().unwrap();
    let norm: accord_domain::ids::NormId = "gge-g".parse().unwrap();
    let now = Timestamp::from_unix_ms(ts("2026-06-01T00:00:00.000Z"));
    // Not committed: no score.
    let e = accord_domain::indicators::adherence(&w.w.state, &party, &norm, year_2026(), now);
    assert_eq!(e.value.percent, None);
    // gge-g is measured by remediation_within_deadline (its other indicators are not shares).
    w.at(
        ts("2026-02-01T00:00:00.000Z"),
        "commitment.make",
        json!({"norm": "gge-g"}),
    )
    .unwrap();
    let found = "2026-03-01T00:00:00.000Z";
    w.at(
        ts(found) + HOUR,
        "report.remediation",
        remediation("a", "critical", found, "fixed"),
    )
    .unwrap();
    w.at(
        ts(found) + 2 * HOUR,
        "report.remediation",
        remediation("b", "critical", found, "open"),
    )
    .unwrap();
    let e = accord_domain::indicators::adherence(&w.w.state, &party, &norm, year_2026(), now);
    assert_eq!(
        e.value.percent,
        Some(50.0),
        "one of two critical items on time"
    );
    assert_eq!((e.value.numerator, e.value.denominator), (1, 1));
    assert!(e.items.iter().any(|i| i.outcome == "committed"));
    // The explain dispatcher knows every indicator and asks for a norm where one is needed.
    let err =
        accord_domain::indicators::explain(&w.w.state, &party, "adherence", None, year_2026(), now)
            .unwrap_err();
    assert!(err.contains("per norm"), "{err}");
    assert!(accord_domain::indicators::explain(
        &w.w.state,
        &party,
        "vibes",
        None,
        year_2026(),
        now
    )
    .is_err());
}
