//! A full negotiation, step by step through `State::admit`: charter, proposal, comments,
//! competing amendments, positions from every chamber, decisions under every rule, signature
//! with a reservation, review, renewal and sunset — and the bad inputs each step refuses.

use std::collections::BTreeMap;

use crate::common::*;
use accord_domain::norms::charter::Charter;
use accord_domain::norms::negotiation::{InstrumentStatus, NormStatus};
use accord_domain::{RejectionKind, State};
use accord_envelope::KeyPair;
use serde_json::{json, Value};

const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

/// A world with a charter and parties in every chamber, in two regions.
struct Regime {
    w: World,
    keys: BTreeMap<&'static str, KeyPair>,
}

const PARTIES: &[(&str, &str, &str)] = &[
    ("state-a", "state", "europe"),
    ("state-b", "state", "europe"),
    ("state-c", "state", "africa"),
    ("council-europe", "regional_council", "europe"),
    ("acme", "company", "europe"),
    ("globex", "company", "africa"),
    ("watch", "civil_society", "europe"),
    ("cert-a", "cert", "europe"),
    ("audit", "auditor", "global"),
];

impl Regime {
    fn new() -> Regime {
        let mut w = World::founded();
        let sec = w.secretariat.clone();
        let charter = serde_json::to_value(Charter::baseline()).unwrap();
        w.submit(envelope("regime.establish", charter, "secretariat", &sec))
            .unwrap();
        let mut keys = BTreeMap::new();
        for (i, (id, kind, region)) in PARTIES.iter().enumerate() {
            let key = KeyPair::from_seed([40 + i as u8; 32]);
            w.register_in(id, kind, region, &key).unwrap();
            keys.insert(*id, key);
        }
        Regime { w, keys }
    }

    fn by(
        &mut self,
        party: &str,
        ty: &str,
        payload: Value,
    ) -> Result<(), accord_domain::Rejection> {
        let key = if party == "secretariat" {
            self.w.secretariat.clone()
        } else {
            self.keys[party].clone()
        };
        self.w.submit(envelope(ty, payload, party, &key))
    }

    fn wait(&mut self, ms: u64) {
        self.w.now += ms;
    }

    fn state(&self) -> &State {
        &self.w.state
    }
}

fn norm(id: &str, text: &str) -> Value {
    json!({
        "id": id, "title": format!("Norm {id}"), "text": text,
        "rationale": "Because it keeps networks open and predictable.",
        "source": {"document": "Test", "reference": "1"},
        "indicators": ["adherence"], "report_types": ["self_assessment"],
        "review_after_months": 12, "sunset_after_months": 24
    })
}

fn propose(
    r: &mut Regime,
    by: &str,
    id: &str,
    draft: Value,
) -> Result<(), accord_domain::Rejection> {
    let payload = json!({
        "instrument": id, "title": format!("Instrument {id}"), "draft": draft,
        "comment_until": r.w.at(7 * 24), "positions_until": r.w.at(14 * 24)
    });
    r.by(by, "instrument.propose", payload)
}

fn position(
    r: &mut Regime,
    by: &str,
    id: &str,
    version: u32,
    stance: &str,
) -> Result<(), accord_domain::Rejection> {
    let mut p = json!({"instrument": id, "version": version, "stance": stance});
    if stance == "object" {
        p["reason"] = json!("The text goes further than our law allows.");
    }
    r.by(by, "instrument.position", p)
}

fn everyone_supports(r: &mut Regime, id: &str, version: u32) {
    let voters: Vec<String> = r.state().regime().unwrap().instruments[&id.parse().unwrap()]
        .eligible
        .keys()
        .map(|p| p.to_string())
        .collect();
    for v in voters {
        position(r, &v, id, version, "support").unwrap();
    }
}

fn decide(r: &mut Regime, id: &str, outcome: &str) -> Result<(), accord_domain::Rejection> {
    r.by(
        "secretariat",
        "instrument.decide",
        json!({"instrument": id, "outcome": outcome}),
    )
}

#[test]
fn the_charter_founds_the_baseline_catalog() {
    let r = Regime::new();
    let regime = r.state().regime().unwrap();
    assert_eq!(regime.norms.len(), 17);
    assert_eq!(regime.catalog.len(), 1);
    assert_eq!(regime.catalog[0].norms.len(), 17);
    let now = r.state().last_at();
    assert!(regime
        .norms
        .values()
        .all(|n| n.status(now) == NormStatus::InForce));
    // A second charter is refused, as is one from anyone but a secretariat.
    let mut r = r;
    let charter = serde_json::to_value(Charter::baseline()).unwrap();
    let (_, rule, _) = refused(r.by("secretariat", "regime.establish", charter.clone()));
    assert_eq!(rule, "regime-exists");
    let (kind, rule, _) = refused(r.by("state-a", "regime.establish", charter));
    assert_eq!((kind, rule), (RejectionKind::Forbidden, "role"));
}

#[test]
fn a_norm_is_negotiated_amended_adopted_signed_reviewed_renewed_and_sunset() {
    let mut r = Regime::new();
    propose(
        &mut r,
        "state-a",
        "n1",
        json!({"kind": "norm", "norm": norm("incident-help", "Parties answer requests for help.")}),
    )
    .unwrap();
    r.by(
        "watch",
        "instrument.comment",
        json!({"instrument": "n1", "version": 1, "text": "Say within what time."}),
    )
    .unwrap();
    // Two competing amendments against version 1.
    let a1 = json!({"instrument": "n1", "amendment": "a1", "against": 1, "rationale": "Add a time.",
                    "draft": {"kind": "norm", "norm": norm("incident-help", "Parties answer requests for help within 72 hours.")}});
    let a2 = json!({"instrument": "n1", "amendment": "a2", "against": 1, "rationale": "Add a channel.",
                    "draft": {"kind": "norm", "norm": norm("incident-help", "Parties answer requests for help through their POC.")}});
    r.by("watch", "instrument.amend", a1).unwrap();
    r.by("acme", "instrument.amend", a2).unwrap();
    r.by(
        "state-a",
        "instrument.accept_amendment",
        json!({"instrument": "n1", "amendment": "a1"}),
    )
    .unwrap();
    // a2 was against version 1, which is now superseded.
    let (_, rule, _) = refused(r.by(
        "state-a",
        "instrument.accept_amendment",
        json!({"instrument": "n1", "amendment": "a2"}),
    ));
    assert_eq!(rule, "amendment-superseded");
    let late = json!({"instrument": "n1", "amendment": "a3", "against": 1, "rationale": "Old text.",
                      "draft": {"kind": "norm", "norm": norm("incident-help", "Something else.")}});
    let (_, rule, pointer) = refused(r.by("acme", "instrument.amend", late));
    assert_eq!(
        (rule, pointer.as_str()),
        ("superseded-version", "/payload/against")
    );

    // Positions: every chamber votes under the weighted-chambers rule.
    r.wait(8 * DAY);
    let (_, rule, _) = refused(position(&mut r, "state-a", "n1", 1, "support"));
    assert_eq!(rule, "superseded-version");
    let (_, rule, _) = refused(r.by(
        "state-b",
        "instrument.position",
        json!({"instrument": "n1", "version": 2, "stance": "object"}),
    ));
    assert_eq!(rule, "objection-reason");
    for (p, s) in [
        ("state-a", "support"),
        ("state-b", "support"),
        ("state-c", "object"),
        ("council-europe", "support"),
        ("acme", "support"),
        ("globex", "abstain"),
        ("watch", "support"),
        ("cert-a", "support"),
    ] {
        position(&mut r, p, "n1", 2, s).unwrap();
    }
    let (_, rule, _) = refused(decide(&mut r, "n1", "adopted"));
    assert_eq!(rule, "positions-open");
    r.wait(7 * DAY);
    let (_, rule, _) = refused(position(&mut r, "state-c", "n1", 2, "support"));
    assert_eq!(rule, "position-deadline");
    let (_, rule, _) = refused(decide(&mut r, "n1", "rejected"));
    assert_eq!(rule, "wrong-outcome");
    decide(&mut r, "n1", "adopted").unwrap();

    let regime = r.state().regime().unwrap();
    let n = &regime.norms[&"incident-help".parse().unwrap()];
    assert!(n.current().text.text.as_str().contains("72 hours"));
    assert_eq!(
        regime.catalog.len(),
        2,
        "adoption makes a new catalog version"
    );
    let i = &regime.instruments[&"n1".parse().unwrap()];
    assert_eq!(i.status(r.state().last_at()), InstrumentStatus::Adopted);
    assert!(i
        .decision
        .as_ref()
        .unwrap()
        .decision
        .explanation
        .to_lowercase()
        .contains("adopted"));

    // Signature with a reservation; an auditor or the secretariat cannot sign.
    r.by(
        "state-c",
        "instrument.sign",
        json!({"instrument": "n1", "reservations": ["Applies once our law is amended."]}),
    )
    .unwrap();
    let (kind, rule, _) = refused(r.by("audit", "instrument.sign", json!({"instrument": "n1"})));
    assert_eq!((kind, rule), (RejectionKind::Forbidden, "signatory-kind"));
    let (_, rule, _) = refused(r.by("state-c", "instrument.sign", json!({"instrument": "n1"})));
    assert_eq!(rule, "already-signed");

    // Review: past its review date (12 months) the norm is under review, but still in force.
    r.wait(366 * DAY);
    r.by(
        "secretariat",
        "poc.check",
        json!({"check": "tick-1", "role": "technical", "respond_within_hours": 24}),
    )
    .unwrap();
    let now = r.state().last_at();
    let status = |r: &Regime| {
        r.state().regime().unwrap().norms[&"incident-help".parse().unwrap()]
            .status(r.state().last_at())
    };
    assert_eq!(status(&r), NormStatus::UnderReview);
    // Renewal is negotiated like any instrument (consensus of states and technical community).
    propose(
        &mut r,
        "state-a",
        "n1-review",
        json!({"kind": "review", "norm": "incident-help", "outcome": "renew"}),
    )
    .unwrap();
    let (kind, rule, _) = refused(position(&mut r, "acme", "n1-review", 1, "support"));
    assert_eq!((kind, rule), (RejectionKind::Forbidden, "advisory-chamber"));
    everyone_supports(&mut r, "n1-review", 1);
    r.wait(15 * DAY);
    decide(&mut r, "n1-review", "adopted").unwrap();
    assert_eq!(status(&r), NormStatus::InForce, "renewed at {now}");

    // Without another renewal the norm lapses at its sunset date (24 months after renewal).
    r.wait(731 * DAY);
    r.by(
        "secretariat",
        "poc.check",
        json!({"check": "tick-2", "role": "technical", "respond_within_hours": 24}),
    )
    .unwrap();
    assert_eq!(status(&r), NormStatus::Sunset);
    assert!(
        !r.state().regime().unwrap().norms[&"incident-help".parse().unwrap()]
            .in_force(r.state().last_at())
    );

    // Replaying the log reproduces the state digest.
    let replay_digest = |entries: &[accord_domain::LogEntry]| {
        let mut s = State::new();
        let mut d = [0u8; 32];
        for (i, e) in entries.iter().enumerate() {
            s.admit(i as u64, e).unwrap();
            d = s.seal_batch(&d);
        }
        d
    };
    assert_eq!(replay_digest(&r.w.entries), replay_digest(&r.w.entries));
}

#[test]
fn every_decision_rule_can_adopt() {
    let mut r = Regime::new();
    // Regional profile: qualified majority of the region's states (europe: state-a, state-b,
    // council-europe) — two of three is 67%.
    let profile = json!({"kind": "regional_profile", "region": "europe", "languages": ["en", "fr"],
                         "tailoring": {"disclosure_window_days": 60, "early_warning_hours": 12}});
    propose(&mut r, "council-europe", "p-eu", profile).unwrap();
    position(&mut r, "state-a", "p-eu", 1, "support").unwrap();
    position(&mut r, "council-europe", "p-eu", 1, "support").unwrap();
    position(&mut r, "state-b", "p-eu", 1, "object").unwrap();
    let (kind, rule, _) = refused(position(&mut r, "state-c", "p-eu", 1, "support"));
    assert_eq!((kind, rule), (RejectionKind::Forbidden, "not-eligible"));
    r.wait(15 * DAY);
    decide(&mut r, "p-eu", "adopted").unwrap();
    let regime = r.state().regime().unwrap();
    let eff = regime.effective_parameters(&"europe".parse().unwrap());
    let window = &eff[&"disclosure_window_days".parse().unwrap()];
    assert_eq!(
        (window.value, window.origin.as_str()),
        (60, "region:europe")
    );
    let stages = &eff[&"incident_notification_hours".parse().unwrap()];
    assert_eq!((stages.value, stages.origin.as_str()), (72, "baseline"));
    let africa = regime.effective_parameters(&"africa".parse().unwrap());
    assert_eq!(africa[&"disclosure_window_days".parse().unwrap()].value, 90);
    // Profiles are signed by parties of their region only.
    r.by("state-a", "instrument.sign", json!({"instrument": "p-eu"}))
        .unwrap();
    let (_, rule, _) = refused(r.by("state-c", "instrument.sign", json!({"instrument": "p-eu"})));
    assert_eq!(rule, "signatory-region");

    // Rules of procedure (unanimity of states): switch norms to consensus-minus-one.
    let mut rules = serde_json::to_value(Charter::baseline().procedure).unwrap();
    rules["norm"]["procedure"]["rule"] = json!({"rule": "consensus_minus_one"});
    propose(
        &mut r,
        "state-a",
        "rop-1",
        json!({"kind": "rules_of_procedure", "procedure": rules}),
    )
    .unwrap();
    everyone_supports(&mut r, "rop-1", 1);
    r.wait(15 * DAY);
    decide(&mut r, "rop-1", "adopted").unwrap();

    // A norm under consensus-minus-one: one sustained objection does not block it.
    propose(&mut r, "state-b", "n2", json!({"kind": "norm", "norm": norm("exercise-together", "Parties join one exercise a year.")})).unwrap();
    everyone_supports(&mut r, "n2", 1);
    position(&mut r, "state-c", "n2", 1, "object").unwrap();
    r.wait(15 * DAY);
    decide(&mut r, "n2", "adopted").unwrap();

    // Two objections do: the decision must say rejected.
    propose(
        &mut r,
        "state-b",
        "n3",
        json!({"kind": "norm", "norm": norm("share-more", "Parties share more.")}),
    )
    .unwrap();
    everyone_supports(&mut r, "n3", 1);
    position(&mut r, "state-c", "n3", 1, "object").unwrap();
    position(&mut r, "globex", "n3", 1, "object").unwrap();
    r.wait(15 * DAY);
    let (_, rule, _) = refused(decide(&mut r, "n3", "adopted"));
    assert_eq!(rule, "wrong-outcome");
    decide(&mut r, "n3", "rejected").unwrap();
    let (_, rule, _) = refused(r.by("state-a", "instrument.sign", json!({"instrument": "n3"})));
    assert_eq!(rule, "not-adopted");
    let regime = r.state().regime().unwrap();
    assert!(regime
        .norms
        .contains_key(&"exercise-together".parse().unwrap()));
    assert!(!regime.norms.contains_key(&"share-more".parse().unwrap()));
}

#[test]
fn bad_steps_are_refused_with_the_rule_and_place() {
    let mut r = Regime::new();
    // Tailoring outside the baseline bounds, or of an unknown parameter.
    let wide = json!({"kind": "regional_profile", "region": "europe", "languages": ["en"],
                      "tailoring": {"disclosure_window_days": 365}});
    let (_, rule, pointer) = refused(propose(&mut r, "council-europe", "p1", wide));
    assert_eq!(
        (rule, pointer.as_str()),
        (
            "out-of-bounds",
            "/payload/draft/tailoring/disclosure_window_days"
        )
    );
    let unknown = json!({"kind": "regional_profile", "region": "europe", "languages": ["en"],
                         "tailoring": {"coffee_breaks": 3}});
    let (_, rule, _) = refused(propose(&mut r, "council-europe", "p1", unknown));
    assert_eq!(rule, "unknown-parameter");
    // Only the region's council proposes its profile.
    let fine = json!({"kind": "regional_profile", "region": "europe", "languages": ["en"], "tailoring": {}});
    let (_, rule, _) = refused(propose(&mut r, "state-a", "p1", fine));
    assert_eq!(rule, "profile-proposer");
    // A norm that already exists, a review of a norm that does not.
    let (_, rule, _) = refused(propose(
        &mut r,
        "state-a",
        "x",
        json!({"kind": "norm", "norm": norm("gge-a", "Again.")}),
    ));
    assert_eq!(rule, "norm-exists");
    let (_, rule, _) = refused(propose(
        &mut r,
        "state-a",
        "x",
        json!({"kind": "review", "norm": "nope", "outcome": "renew"}),
    ));
    assert_eq!(rule, "unknown-norm");
    // Unknown indicator in a text.
    let mut bad = norm("new-norm", "Text.");
    bad["indicators"] = json!(["vibes"]);
    let (_, rule, pointer) = refused(propose(
        &mut r,
        "state-a",
        "x",
        json!({"kind": "norm", "norm": bad}),
    ));
    assert_eq!(
        (rule, pointer.as_str()),
        ("unknown-indicator", "/payload/draft/norm/indicators/0")
    );
    // Deadlines in the past.
    let past = json!({"instrument": "x", "title": "X", "draft": {"kind": "norm", "norm": norm("new-norm", "T.")},
                      "comment_until": r.w.at(0), "positions_until": r.w.at(1)});
    let (_, rule, _) = refused(r.by("state-a", "instrument.propose", past));
    assert_eq!(rule, "deadlines");
    // Auditors do not negotiate.
    let (_, rule, _) = refused(propose(
        &mut r,
        "audit",
        "x",
        json!({"kind": "norm", "norm": norm("new-norm", "T.")}),
    ));
    assert_eq!(rule, "role");
    // Steps on an instrument that does not exist.
    let (_, rule, _) = refused(position(&mut r, "state-a", "ghost", 1, "support"));
    assert_eq!(rule, "unknown-instrument");
    // Nothing of the refused steps is in the state.
    assert!(r.state().regime().unwrap().instruments.is_empty());
}
