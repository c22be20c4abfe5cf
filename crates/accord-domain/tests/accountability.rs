//! Commitments and incident notifications in a fixed world, with indicator values checked
//! against hand-computed ones — including a report exactly at its deadline, a leap day, a
//! non-UTC timestamp, and a norm that leaves force.

mod common;

use accord_domain::indicators::{incident_notification_timeliness, Period};
use accord_domain::norms::Charter;
use accord_domain::reports::StageOutcome;
use accord_domain::{RejectionKind, Timestamp};
use accord_envelope::KeyPair;
use common::*;
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
        let mut w = World::founded();
        let sec = w.secretariat.clone();
        w.submit(envelope(
            "regime.establish",
            serde_json::to_value(Charter::baseline()).unwrap(),
            "secretariat",
            &sec,
        ))
        .unwrap();
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
    let outcomes: Vec<(String, StageOutcome)> = e
        .items
        .iter()
        .map(|i| (i.item.clone(), i.outcome))
        .collect();
    assert_eq!(
        outcomes[0],
        ("incident inc-1, early_warning".into(), StageOutcome::OnTime),
        "a report exactly at its deadline is on time"
    );
    assert!(outcomes.contains(&("incident inc-2, final_report".into(), StageOutcome::Overdue)));
    assert!(
        e.items
            .iter()
            .filter(|i| i.outcome != StageOutcome::Overdue)
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
    assert_eq!(ew.outcome(ew.due), StageOutcome::OnTime);
    let n = &record.stages[&accord_domain::reports::IncidentStage::Notification];
    assert_eq!(n.due.unix_ms(), aware + 72 * HOUR);
    assert_eq!(
        n.outcome(n.due),
        StageOutcome::Late,
        "one millisecond late is late"
    );
}
