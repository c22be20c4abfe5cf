//! The escalation ladder of bilateral exchanges: information request → clarification →
//! consultation → case, each rung with its deadline from the responder's profile, answers on
//! time or late, escalation only after an answer or a lapse, and a case only by naming one.

use crate::common::*;
use accord_domain::cbm::Rung;
use accord_domain::{State, Timestamp};
use accord_envelope::KeyPair;
use serde_json::{json, Value};

const HOUR: u64 = 3_600_000;

struct Ladder {
    w: World,
    keys: Vec<(&'static str, KeyPair)>,
}

impl Ladder {
    fn new() -> Ladder {
        let mut w = World::chartered();
        let keys = vec![
            ("cert-a", KeyPair::from_seed([200; 32])),
            ("state-b", KeyPair::from_seed([201; 32])),
            ("cs-c", KeyPair::from_seed([202; 32])),
        ];
        for ((id, k), kind) in keys.iter().zip(["cert", "state", "civil_society"]) {
            w.register(id, kind, k).unwrap();
        }
        Ladder { w, keys }
    }

    fn say(&mut self, by: &str, ty: &str, p: Value) -> Result<(), accord_domain::Rejection> {
        let key = self
            .keys
            .iter()
            .find(|(id, _)| *id == by)
            .unwrap()
            .1
            .clone();
        self.w.submit(envelope(ty, p, by, &key))
    }

    fn refused(&mut self, by: &str, ty: &str, p: Value, rule: &str) {
        let r = self.say(by, ty, p).expect_err("should be refused");
        assert_eq!(r.rule, rule, "{r}");
    }

    fn exchange(&self, id: &str) -> accord_domain::cbm::ExchangeRecord {
        self.w
            .state
            .exchanges()
            .get(&id.parse().unwrap())
            .unwrap()
            .clone()
    }
}

#[test]
fn an_exchange_climbs_the_ladder_one_rung_at_a_time() {
    let mut l = Ladder::new();
    l.refused(
        "cert-a",
        "exchange.open",
        json!({"exchange": "x1", "counterpart": "cert-a", "rung": "information_request",
               "subject": "Ourselves?"}),
        "counterpart",
    );
    l.refused(
        "cert-a",
        "exchange.open",
        json!({"exchange": "x1", "counterpart": "state-b", "rung": "case", "subject": "Straight to a case."}),
        "rung",
    );
    l.say(
        "cert-a",
        "exchange.open",
        json!({"exchange": "x1", "counterpart": "state-b", "rung": "information_request",
               "subject": "Scanning of our grid operators from your address space since Monday."}),
    )
    .unwrap();
    let x = l.exchange("x1");
    let opened = x.rungs[0].opened.at;
    // The baseline gives 72 hours.
    assert_eq!(x.rungs[0].due, Some(opened.plus_hours(72)));
    // Nobody else answers; the requester cannot escalate before an answer or the deadline.
    l.refused(
        "cs-c",
        "exchange.answer",
        json!({"exchange": "x1", "answer": "Not ours to say."}),
        "not-counterpart",
    );
    l.refused(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "Impatient."}),
        "answer-pending",
    );
    // The deadline passes unanswered: overdue, and the requester may escalate.
    l.w.now += 73 * HOUR;
    assert_eq!(
        l.exchange("x1").rungs[0].outcome(Timestamp::from_unix_ms(l.w.now)),
        "overdue"
    );
    l.say(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "No answer within 72 hours."}),
    )
    .unwrap();
    assert_eq!(l.exchange("x1").current().rung, Rung::Clarification);
    // Answered late this time, then escalated to a consultation (twice the time).
    l.w.now += 80 * HOUR;
    l.say(
        "state-b",
        "exchange.answer",
        json!({"exchange": "x1", "answer": "A university research scanner; we have asked it to stop."}),
    )
    .unwrap();
    let now = Timestamp::from_unix_ms(l.w.now);
    assert_eq!(l.exchange("x1").rungs[1].outcome(now), "late");
    l.refused(
        "state-b",
        "exchange.answer",
        json!({"exchange": "x1", "answer": "Twice."}),
        "nothing-to-answer",
    );
    l.say(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "The scanning continues."}),
    )
    .unwrap();
    let consultation = l.exchange("x1").current().clone();
    assert_eq!(consultation.rung, Rung::Consultation);
    assert_eq!(
        consultation.due,
        Some(consultation.opened.at.plus_hours(144))
    );
    // A case only by naming one alleged against the counterpart.
    l.w.now += 145 * HOUR;
    l.refused(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "Enough.", "case": "k-1"}),
        "case-ref",
    );
    l.say(
        "cert-a",
        "case.allege",
        json!({"case": "k-1", "respondent": "state-b", "norm": "gge-c",
               "summary": "Scanning of critical infrastructure continued after three requests."}),
    )
    .unwrap();
    l.say(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "Enough.", "case": "k-1"}),
    )
    .unwrap();
    let x = l.exchange("x1");
    assert_eq!(
        (x.current().rung, x.case.as_ref().map(|c| c.as_str())),
        (Rung::Case, Some("k-1"))
    );
    l.refused(
        "cert-a",
        "exchange.escalate",
        json!({"exchange": "x1", "reason": "Higher."}),
        "top-rung",
    );
    // Replay gives the same exchanges and digest.
    let mut replay = State::new();
    for (i, e) in l.w.entries.iter().enumerate() {
        replay.admit(i as u64, e).unwrap();
    }
    assert_eq!(replay.exchanges(), l.w.state.exchanges());
    assert_eq!(
        replay.clone().seal_batch(&[0; 32]),
        l.w.state.clone().seal_batch(&[0; 32])
    );
}

#[test]
fn an_answered_exchange_is_closed_by_its_requester() {
    let mut l = Ladder::new();
    l.say(
        "cs-c",
        "exchange.open",
        json!({"exchange": "x2", "counterpart": "cert-a", "rung": "clarification",
               "subject": "Your attribution of the June outage names no evidence."}),
    )
    .unwrap();
    l.say(
        "cert-a",
        "exchange.answer",
        json!({"exchange": "x2", "answer": "The evidence is shared with the council under TLP:AMBER."}),
    )
    .unwrap();
    let now = Timestamp::from_unix_ms(l.w.now);
    assert_eq!(l.exchange("x2").rungs[0].outcome(now), "on_time");
    l.refused(
        "cert-a",
        "exchange.close",
        json!({"exchange": "x2", "outcome": "Not mine to close."}),
        "not-requester",
    );
    l.say(
        "cs-c",
        "exchange.close",
        json!({"exchange": "x2", "outcome": "Clarified."}),
    )
    .unwrap();
    l.refused(
        "cs-c",
        "exchange.escalate",
        json!({"exchange": "x2", "reason": "Reopen."}),
        "exchange-closed",
    );
}
