//! A full negotiation through the HTTP API, with parties of every chamber: the charter,
//! a proposal, comments, two competing amendments, positions, adoption under each decision
//! rule, a signature with a reservation, review, renewal and a sunset that takes a norm out of
//! force; then the bad inputs each step refuses. Afterwards `accord verify` (the library, from
//! the database and from the live server) recomputes the identical state digest.
//!
//! The server is the real one on loopback over a real SQLite file; log time comes from the
//! injectable clock, moved forward between steps so deadlines pass without waiting.

use crate::live::{Api, DAY};
use accord_domain::norms::Charter;
use serde_json::{json, Value};

/// (id, kind, region)
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

impl Api {
    fn propose(&self, by: &str, id: &str, draft: Value) {
        let payload = json!({"instrument": id, "title": format!("Instrument {id}"), "draft": draft,
                             "comment_until": self.at(7), "positions_until": self.at(14)});
        self.ok(by, "instrument.propose", payload);
    }

    fn position(&self, by: &str, id: &str, version: u32, stance: &str) {
        let mut p = json!({"instrument": id, "version": version, "stance": stance});
        if stance == "object" {
            p["reason"] = json!("It would conflict with our national law.");
        }
        self.ok(by, "instrument.position", p);
    }

    fn everyone_supports(&self, id: &str, version: u32) {
        let i = self.get(&format!("/instruments/{id}"));
        let eligible: Vec<String> = i["instrument"]["eligible"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        for p in eligible {
            self.position(&p, id, version, "support");
        }
    }

    fn decide(&self, id: &str, outcome: &str) {
        self.wait(15 * DAY);
        self.ok(
            "secretariat",
            "instrument.decide",
            json!({"instrument": id, "outcome": outcome}),
        );
        let i = self.get(&format!("/instruments/{id}"));
        assert_eq!(i["status"], outcome, "{i}");
    }
}

fn norm(id: &str, text: &str) -> Value {
    json!({"id": id, "title": format!("Norm {id}"), "text": text,
           "rationale": "Predictable behaviour lowers the risk of escalation.",
           "source": {"document": "Negotiation test", "reference": "1"},
           "indicators": ["adherence"], "report_types": ["self_assessment"],
           "review_after_months": 12, "sunset_after_months": 24})
}

#[test]
fn a_negotiation_runs_end_to_end_over_http_and_verifies() {
    let api = Api::start(PARTIES);
    assert_eq!(api.get("/norms").as_array().unwrap().len(), 17);

    // 1. A new norm under weighted chambers: comments, two competing amendments, positions.
    api.propose(
        "state-a",
        "n1",
        json!({"kind": "norm", "norm": norm("incident-help", "Parties answer requests for help.")}),
    );
    api.ok(
        "watch",
        "instrument.comment",
        json!({"instrument": "n1", "version": 1, "text": "Say within what time."}),
    );
    api.ok("watch", "instrument.amend", json!({"instrument": "n1", "amendment": "a1", "against": 1, "rationale": "A time limit.",
        "draft": {"kind": "norm", "norm": norm("incident-help", "Parties answer requests for help within 72 hours.")}}));
    api.ok("acme", "instrument.amend", json!({"instrument": "n1", "amendment": "a2", "against": 1, "rationale": "A channel.",
        "draft": {"kind": "norm", "norm": norm("incident-help", "Parties answer requests for help through their contact points.")}}));
    api.ok(
        "state-a",
        "instrument.accept_amendment",
        json!({"instrument": "n1", "amendment": "a1"}),
    );
    // Bad input: an amendment against the superseded version 1.
    api.refused(
        "acme",
        "instrument.amend",
        json!({"instrument": "n1", "amendment": "a3", "against": 1, "rationale": "Late.",
        "draft": {"kind": "norm", "norm": norm("incident-help", "Another text.")}}),
        409,
        "superseded-version",
    );
    api.refused(
        "state-a",
        "instrument.accept_amendment",
        json!({"instrument": "n1", "amendment": "a2"}),
        409,
        "amendment-superseded",
    );
    // Bad input: an objection without reasons.
    api.refused(
        "state-c",
        "instrument.position",
        json!({"instrument": "n1", "version": 2, "stance": "object"}),
        422,
        "objection-reason",
    );
    for (p, s) in [
        ("state-a", "support"),
        ("state-b", "support"),
        ("state-c", "object"),
        ("council-europe", "support"),
        ("acme", "support"),
        ("globex", "abstain"),
        ("watch", "support"),
        ("cert-a", "support"),
        ("audit", "support"),
    ] {
        api.position(p, "n1", 2, s);
    }
    let live = api.get("/instruments/n1");
    assert!(live["tally"]["adopted"].as_bool().unwrap(), "{live}");
    api.decide("n1", "adopted");
    // Bad input: a position after the deadline.
    api.refused(
        "state-c",
        "instrument.position",
        json!({"instrument": "n1", "version": 2, "stance": "support"}),
        409,
        "position-deadline",
    );
    // Signature with a reservation; bad input: a signature by a party of the wrong kind.
    api.ok(
        "state-c",
        "instrument.sign",
        json!({"instrument": "n1", "reservations": ["Applies once our law is amended."]}),
    );
    api.refused(
        "audit",
        "instrument.sign",
        json!({"instrument": "n1"}),
        403,
        "signatory-kind",
    );
    let versions = api.get("/catalog/versions");
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let oscal = api.get("/catalog/versions/2/oscal");
    let groups = oscal["catalog"]["groups"].as_array().unwrap();
    let controls: usize = groups
        .iter()
        .map(|g| g["controls"].as_array().unwrap().len())
        .sum();
    assert_eq!(controls, 18, "the baseline and the adopted norm");
    let diff = api.get("/catalog/diff?from=1&to=2");
    assert_eq!(diff["norms"][0]["id"], "incident-help");
    assert_eq!(diff["norms"][0]["change"], "added");
    let text = &diff["norms"][0]["fields"]["text"];
    assert!(
        text["unified"]
            .as_str()
            .unwrap()
            .contains("+Parties answer"),
        "{diff}"
    );
    assert_eq!(text["words"][0][0], "insert", "{diff}");

    // 2. A regional profile under qualified majority of the region's states.
    // Bad input: a tailoring outside the baseline bounds.
    api.refused("council-europe", "instrument.propose", json!({"instrument": "p-eu", "title": "Europe", "comment_until": api.at(7), "positions_until": api.at(14),
        "draft": {"kind": "regional_profile", "region": "europe", "languages": ["en"], "tailoring": {"disclosure_window_days": 400}}}), 422, "out-of-bounds");
    api.propose(
        "council-europe",
        "p-eu",
        json!({"kind": "regional_profile", "region": "europe", "languages": ["en", "fr", "de"],
        "tailoring": {"disclosure_window_days": 60, "early_warning_hours": 12}}),
    );
    // Bad input: a vote from an advisory-only chamber (companies are advisory on profiles).
    api.refused(
        "acme",
        "instrument.position",
        json!({"instrument": "p-eu", "version": 1, "stance": "support"}),
        403,
        "advisory-chamber",
    );
    api.position("state-a", "p-eu", 1, "support");
    api.position("council-europe", "p-eu", 1, "support");
    api.position("state-b", "p-eu", 1, "object");
    api.decide("p-eu", "adopted");
    let params = api.get("/regions/europe/parameters");
    assert_eq!(params["effective"]["disclosure_window_days"]["value"], 60);
    assert_eq!(
        params["effective"]["disclosure_window_days"]["origin"],
        "region:europe"
    );
    assert_eq!(
        params["effective"]["final_report_days"]["origin"],
        "baseline"
    );

    // 3. Rules of procedure under unanimity of states: norms move to consensus-minus-one.
    let mut rules = serde_json::to_value(Charter::baseline().procedure).unwrap();
    rules["norm"]["procedure"]["rule"] = json!({"rule": "consensus_minus_one"});
    api.propose(
        "state-b",
        "rop-1",
        json!({"kind": "rules_of_procedure", "procedure": rules}),
    );
    api.everyone_supports("rop-1", 1);
    api.decide("rop-1", "adopted");
    // 4. A norm under consensus-minus-one, adopted over one objection.
    api.propose("state-b", "n2", json!({"kind": "norm", "norm": norm("exercise-together", "Parties join one exercise a year.")}));
    api.everyone_supports("n2", 1);
    api.position("globex", "n2", 1, "object");
    api.decide("n2", "adopted");

    // 5. Review (consensus of states and technical community) and renewal.
    api.wait(366 * DAY);
    api.ok(
        "secretariat",
        "poc.check",
        json!({"check": "tick-1", "role": "technical", "respond_within_hours": 24}),
    );
    let calendar = api.get("/review-calendar");
    let entry = calendar
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "incident-help")
        .unwrap();
    assert_eq!(entry["status"], "under_review");
    api.propose(
        "state-a",
        "n1-review",
        json!({"kind": "review", "norm": "incident-help", "outcome": "renew"}),
    );
    api.everyone_supports("n1-review", 1);
    api.decide("n1-review", "adopted");
    assert_eq!(api.get("/norms/incident-help")["status"], "in_force");
    // 6. Sunset: "exercise-together" was never renewed; 24 months after adoption it lapses.
    api.wait(400 * DAY);
    api.ok(
        "secretariat",
        "poc.check",
        json!({"check": "tick-2", "role": "technical", "respond_within_hours": 24}),
    );
    let lapsed = api.get("/norms/exercise-together");
    assert_eq!(
        (lapsed["status"].as_str(), lapsed["in_force"].as_bool()),
        (Some("sunset"), Some(false)),
        "{lapsed}"
    );

    // accord verify recomputes the identical state digest, from the database and over HTTP.
    api.verify();
}
