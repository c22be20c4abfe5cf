//! A case over the real HTTP API: allegation, notice, answer, a conflict-free panel, a
//! majority finding, the appeal window lapsing, measures in force, the respondent's view of
//! what is due, standing and tier; a secretariat's attempt to skip a step is refused and the
//! attempt itself is recorded in the log by the instance; `accord verify` recomputes every
//! assignment, finding and standing from the log.

use crate::live::{Api, DAY};
use serde_json::json;

const PARTIES: &[(&str, &str, &str)] = &[
    ("cert-a", "cert", "europe"),
    ("state-x", "state", "africa"),
    ("aud-1", "auditor", "global"),
    ("aud-2", "auditor", "global"),
    ("aud-3", "auditor", "global"),
    ("aud-4", "auditor", "global"),
];

#[test]
fn a_case_runs_over_http_and_a_skipped_step_is_on_the_record() {
    let api = Api::start(PARTIES);
    api.accredit(&["state-x"], &["aud-1", "aud-2", "aud-3", "aud-4"]);
    let policy = api.get("/policy");
    assert_eq!(policy["in_force"], 1);
    assert_eq!(
        policy["versions"][0]["policy"]["deadlines"]["response_days"],
        30
    );

    api.ok(
        "cert-a",
        "case.allege",
        json!({"case": "2026-001", "respondent": "state-x", "norm": "gge-c",
               "summary": "A botnet on its territory attacked our hospitals; it ignored three requests."}),
    );
    // The secretariat tries to convene a panel before admissibility and notice: refused, and
    // the attempt is in the log.
    let (status, body) = api.post(
        "secretariat",
        "case.convene",
        json!({"case": "2026-001", "panel": "first"}),
    );
    assert_eq!(
        (status, body["rule"].as_str()),
        (409, Some("case-stage")),
        "{body}"
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("recorded in the log as entry"), "{detail}");
    let index: u64 = detail
        .rsplit("entry ")
        .next()
        .unwrap()
        .trim_end_matches(')')
        .parse()
        .unwrap();
    let logged = api.get(&format!("/entries/{index}"));
    let env = &logged["entry"]["envelope"];
    assert_eq!(env["type"], "case.refusal");
    assert_eq!(env["signer"]["party"], "instance");
    assert_eq!(env["payload"]["by"], "secretariat");
    assert_eq!(env["payload"]["attempted"], "case.convene");
    assert_eq!(api.get("/cases/2026-001")["refused_attempts"], 1);
    // A party cannot forge a refusal record.
    api.refused(
        "cert-a",
        "case.refusal",
        json!({"case": "2026-001", "by": "secretariat", "attempted": "case.vote",
               "envelope_sha256": "00".repeat(32), "rule": "case-stage"}),
        403,
        "instance-signer",
    );

    // Nobody can make the instance record refusals: a party key presented as the instance's
    // is refused outright and leaves no record.
    let forged = accord_envelope::Envelope::sign(
        "case.vote",
        1,
        json!({"case": "2026-001", "finding": "no_violation", "reasons": "Forged."}),
        accord_envelope::Signer {
            party: "instance".parse().unwrap(),
            key: api.keys["cert-a"].key_id(),
        },
        &api.keys["cert-a"],
    )
    .unwrap();
    let answer = api.request(
        "POST",
        "/entries",
        None,
        &[("content-type", "application/json")],
        Some(&forged.to_canonical_bytes()),
    );
    assert_eq!(answer.status, 403, "{}", answer.json());
    assert_eq!(answer.json()["rule"], "unknown-key");
    assert_eq!(api.get("/cases/2026-001")["refused_attempts"], 1);
    api.ok(
        "secretariat",
        "case.admissibility",
        json!({"case": "2026-001", "admissible": true, "reasons": "Facts and a norm are named."}),
    );
    // The respondent's view: what is due, by when.
    let due = api.get("/parties/state-x/due");
    assert_eq!(due["due"][0]["step"]["entry_type"], "case.respond");
    assert_eq!(due["due"][0]["step"]["actor"], "party");
    api.ok(
        "state-x",
        "case.respond",
        json!({"case": "2026-001", "response": "We took the botnet down on the fourth request."}),
    );
    api.ok(
        "secretariat",
        "case.convene",
        json!({"case": "2026-001", "panel": "first"}),
    );
    let case = api.get("/cases/2026-001");
    let panel: Vec<String> = case["record"]["panel"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(panel.len(), 3);
    assert!(panel.iter().all(|m| m.starts_with("aud-")), "{panel:?}");
    let due = api.get(&format!("/parties/{}/due", panel[0]));
    assert_eq!(due["due"][0]["step"]["entry_type"], "case.vote");
    for m in &panel[..2] {
        api.ok(
            m,
            "case.vote",
            json!({"case": "2026-001", "finding": "violation", "severity": 3,
                   "reasons": "Three ignored requests over five weeks."}),
        );
    }
    let case = api.get("/cases/2026-001");
    assert_eq!(case["stage"]["stage"], "appeal_window");
    assert_eq!(case["final_finding"]["priors"], 0);
    // The appeal window lapses; measures take effect.
    api.wait(22 * DAY);
    api.ok(
        "secretariat",
        "poc.check",
        json!({"check": "tick", "role": "technical", "respond_within_hours": 24}),
    );
    let case = api.get("/cases/2026-001");
    assert_eq!(case["stage"]["stage"], "final");
    assert_eq!(case["measures_in_force"], true);
    let standing = api.get("/parties/state-x/standing");
    assert_eq!(standing["standing"], "flagged");
    assert_eq!(standing["tier"], "standard");
    assert_eq!(standing["incentive_eligible"], false);
    assert_eq!(standing["public_statements"][0], "2026-001");
    assert!(standing["causes"][0]["what"]
        .as_str()
        .unwrap()
        .contains("2026-001"));
    let docket = api.get("/cases?party=state-x");
    assert_eq!(docket["cases"].as_array().unwrap().len(), 1);
    let due = api.get("/parties/state-x/due");
    assert_eq!(due["due"][0]["step"]["entry_type"], "case.remediation_plan");
    // Everything above is recomputed by replaying the log.
    api.verify();
}
