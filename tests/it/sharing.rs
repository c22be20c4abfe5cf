//! Threat-intelligence sharing over TAXII 2.1, attacked from every side.
//!
//! Parties in every access tier (full, standard, reduced in and out of the sharer's region,
//! suspended — each reached through a real case and its measures), members of a sharing group
//! from the start and a late joiner, outsiders, the secretariat, anonymous callers and a bad
//! token read every TAXII endpoint of every collection. Each shared object carries a unique
//! canary: a canary may reach only the readers the published rules allow (the expected table
//! below is written out by hand, not computed by the code under test), every refusal is a
//! TAXII error message, and no restricted canary is ever in the public log. Then bad input:
//! invalid STIX, wrong media types, an oversize envelope, a forged `created_by_ref`, bad
//! pagination — precise errors, nothing stored.

use std::collections::BTreeSet;

use crate::live::{Answer, Api, DAY, HOUR};
use accord_domain::tokens::token_hash;
use base64::Engine as _;
use serde_json::{json, Value};

const TAXII: &str = "application/taxii+json;version=2.1";

const PARTIES: &[(&str, &str, &str)] = &[
    ("cert-a", "cert", "europe"),
    ("cert-b", "cert", "africa"),
    ("cert-c", "cert", "europe"),
    ("late", "cert", "europe"),
    ("flagged", "company", "europe"),
    ("reduced", "company", "africa"),
    ("reduced-eu", "company", "europe"),
    ("suspended", "company", "europe"),
    ("aud-1", "auditor", "global"),
    ("aud-2", "auditor", "global"),
    ("aud-3", "auditor", "global"),
    ("aud-4", "auditor", "global"),
    ("state-s", "state", "europe"),
];

const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn token(party: &str) -> String {
    format!("acc_sharing-test-{party}")
}

fn uuid(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

fn canary(name: &str) -> String {
    format!("CANARY-{}", name.to_uppercase())
}

/// Every object these tests post for Accord to accept (for the OASIS validator's test).
pub fn posted_objects() -> Vec<Value> {
    let t0 = "2026-01-01T00:00:00.000Z";
    let mut revoked = indicator("revoked", 9, Some(TLP_GREEN), "2026-02-01T00:00:00.000Z");
    revoked["revoked"] = json!(true);
    let mut own = indicator("own", 25, Some(TLP_GREEN), t0);
    own["created_by_ref"] = json!(accord_domain::sharing::identity_of("cert-a"));
    vec![
        indicator("clear", 1, Some(TLP_CLEAR), t0),
        indicator("green", 2, Some(TLP_GREEN), t0),
        indicator("unmarked", 3, None, t0),
        indicator("revoked", 9, Some(TLP_GREEN), t0),
        revoked,
        indicator("amber", 5, Some(TLP_AMBER), t0),
        indicator("strict", 6, Some(TLP_STRICT), t0),
        indicator("red", 7, Some(TLP_RED), t0),
        indicator("withdrawn", 8, Some(TLP_AMBER), t0),
        indicator("x", 50, Some(TLP_CLEAR), t0),
        indicator("amber", 24, Some(TLP_AMBER), t0),
        own,
    ]
}

/// An indicator with a canary in its description.
fn indicator(name: &str, n: u32, marking: Option<&str>, modified: &str) -> Value {
    let mut o = json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid(n)),
        "created": "2026-01-01T00:00:00.000Z", "modified": modified,
        "name": format!("{name} indicator"), "description": canary(name),
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z", "indicator_types": ["malicious-activity"],
    });
    if let Some(m) = marking {
        o["object_marking_refs"] = json!([m]);
    }
    o
}

fn taxii(api: &Api, method: &str, path: &str, who: Option<&str>, body: Option<&Value>) -> Answer {
    let auth = who.map(|p| match p {
        "bad-token" => "Bearer acc_nobody-issued-this".to_owned(),
        // One role authenticates with HTTP Basic, as many TAXII clients do.
        "cert-c" => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("cert-c:{}", token("cert-c")))
        ),
        p => format!("Bearer {}", token(p)),
    });
    let mut headers: Vec<(&str, &str)> = vec![("accept", TAXII)];
    if let Some(a) = &auth {
        headers.push(("authorization", a));
    }
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    if bytes.is_some() {
        headers.push(("content-type", TAXII));
    }
    api.request(
        method,
        &format!("/taxii2/accord/{path}"),
        None,
        &headers,
        bytes.as_deref(),
    )
}

fn post_objects(api: &Api, who: &str, collection: &str, objects: Vec<Value>) -> Value {
    let a = taxii(
        api,
        "POST",
        &format!("collections/{collection}/objects/"),
        Some(who),
        Some(&json!({"objects": objects})),
    );
    assert_eq!(a.status, 202, "{}", a.json());
    assert_eq!(a.header("content-type"), Some(TAXII));
    a.json()
}

fn assert_taxii_error(a: &Answer, status: u16, context: &str) {
    assert_eq!(
        a.status,
        status,
        "{context}: {}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.header("content-type"), Some(TAXII), "{context}");
    let e = a.json();
    assert_eq!(e["http_status"], status.to_string(), "{context}: {e}");
    assert!(
        e["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{context}: {e}"
    );
    assert!(
        e["description"].as_str().is_some_and(|t| t.len() > 10),
        "{context}: {e}"
    );
}

/// Runs a case against `respondent` to a final violation finding of `severity`.
fn sanction(api: &Api, case: &str, respondent: &str, severity: u8) {
    api.ok(
        "cert-b",
        "case.allege",
        json!({"case": case, "respondent": respondent, "norm": "gge-c",
        "summary": "Attacks from its infrastructure continued after three requests."}),
    );
    api.ok(
        "secretariat",
        "case.admissibility",
        json!({"case": case, "admissible": true, "reasons": "Facts and a norm are named."}),
    );
    api.ok(
        respondent,
        "case.respond",
        json!({"case": case, "response": "We dispute the account."}),
    );
    api.ok(
        "secretariat",
        "case.convene",
        json!({"case": case, "panel": "first"}),
    );
    let panel = api.get(&format!("/cases/{case}"))["record"]["panel"]["members"].clone();
    for m in panel.as_array().unwrap().iter().take(2) {
        api.ok(m.as_str().unwrap(), "case.vote", json!({"case": case, "finding": "violation",
            "severity": severity, "reasons": "The record shows the attacks and the ignored requests."}));
    }
}

/// Every canary in a body.
fn canaries(body: &[u8]) -> BTreeSet<String> {
    let text = String::from_utf8_lossy(body);
    text.match_indices("CANARY-")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
                .collect()
        })
        .collect()
}

#[test]
fn every_reader_gets_exactly_what_tlp_groups_and_tiers_allow_on_every_endpoint() {
    let api = Api::start(PARTIES);
    api.accredit(&["state-s"], &["aud-1", "aud-2", "aud-3", "aud-4"]);
    for (p, _, _) in PARTIES.iter().chain([("secretariat", "", "")].iter()) {
        api.ok(
            p,
            "party.token_issue",
            json!({"party": p, "token_sha256": token_hash(&token(p)), "label": "taxii"}),
        );
    }
    // Tiers through real cases: standard (flag), reduced (two), suspended.
    sanction(&api, "2026-001", "flagged", 2);
    sanction(&api, "2026-002", "reduced", 4);
    sanction(&api, "2026-003", "reduced-eu", 4);
    sanction(&api, "2026-004", "suspended", 5);
    api.wait(22 * DAY);
    api.ok(
        "secretariat",
        "poc.check",
        json!({"check": "tick", "role": "technical", "respond_within_hours": 24}),
    );
    for (p, tier) in [
        ("cert-a", "full"),
        ("flagged", "standard"),
        ("reduced", "reduced"),
        ("reduced-eu", "reduced"),
        ("suspended", "suspended"),
    ] {
        assert_eq!(
            api.get(&format!("/parties/{p}/standing"))["tier"],
            tier,
            "{p}"
        );
    }
    api.ok(
        "cert-a",
        "sharing.group",
        json!({"group": "eu-amber", "title": "European CERT circle",
        "members": ["cert-c", "flagged", "reduced", "reduced-eu", "suspended"]}),
    );

    // Shares. Community: CLEAR, GREEN, unmarked (GREEN), GREEN from Africa, a revoked object.
    let s = post_objects(
        &api,
        "cert-a",
        "community",
        vec![
            indicator("clear", 1, Some(TLP_CLEAR), "2026-01-01T00:00:00.000Z"),
            indicator("green", 2, Some(TLP_GREEN), "2026-01-01T00:00:00.000Z"),
            indicator("unmarked", 3, None, "2026-01-01T00:00:00.000Z"),
            indicator("revoked", 9, Some(TLP_GREEN), "2026-01-01T00:00:00.000Z"),
        ],
    );
    assert_eq!(s["success_count"], 4, "{s}");
    assert_eq!(s["status"], "complete");
    post_objects(
        &api,
        "cert-b",
        "community",
        vec![indicator(
            "green-af",
            4,
            Some(TLP_GREEN),
            "2026-01-01T00:00:00.000Z",
        )],
    );
    let mut revoked = indicator("revoked", 9, Some(TLP_GREEN), "2026-02-01T00:00:00.000Z");
    revoked["revoked"] = json!(true);
    post_objects(&api, "cert-a", "community", vec![revoked]);
    // The group: AMBER, AMBER+STRICT, RED, and one that will be withdrawn.
    let s = post_objects(
        &api,
        "cert-a",
        "eu-amber",
        vec![
            indicator("amber", 5, Some(TLP_AMBER), "2026-01-01T00:00:00.000Z"),
            indicator("strict", 6, Some(TLP_STRICT), "2026-01-01T00:00:00.000Z"),
            indicator("red", 7, Some(TLP_RED), "2026-01-01T00:00:00.000Z"),
            indicator("withdrawn", 8, Some(TLP_AMBER), "2026-01-01T00:00:00.000Z"),
        ],
    );
    assert_eq!(s["success_count"], 4, "{s}");
    // `late` joins after the RED object was shared.
    api.ok(
        "cert-a",
        "sharing.group",
        json!({"group": "eu-amber", "title": "European CERT circle",
        "members": ["cert-c", "flagged", "reduced", "reduced-eu", "suspended", "late"]}),
    );
    let del = taxii(
        &api,
        "DELETE",
        &format!("collections/eu-amber/objects/indicator--{}/", uuid(8)),
        Some("cert-a"),
        None,
    );
    assert_eq!(del.status, 200, "{}", String::from_utf8_lossy(&del.body));
    // Someone else's object cannot be deleted.
    let del = taxii(
        &api,
        "DELETE",
        &format!("collections/community/objects/indicator--{}/", uuid(4)),
        Some("cert-a"),
        None,
    );
    assert_taxii_error(&del, 403, "delete another party's object");
    api.wait(HOUR);

    let community = ["clear", "green", "unmarked", "green-af", "revoked"];
    let group = ["amber", "strict", "red"];
    let set = |names: &[&str]| names.iter().map(|n| canary(n)).collect::<BTreeSet<_>>();
    // What each reader may get, an hour after sharing and a day later (by the published rules).
    let expected = |who: &str, later: bool| -> (BTreeSet<String>, BTreeSet<String>) {
        match who {
            "cert-a" | "cert-c" => (set(&community), set(&group)),
            "late" => (set(&community), set(&["amber", "strict"])),
            "cert-b" | "secretariat" => (set(&community), BTreeSet::new()),
            "flagged" if later => (set(&community), set(&group)),
            "flagged" => (set(&["clear"]), BTreeSet::new()),
            "reduced" => (set(&["clear", "green-af"]), BTreeSet::new()),
            "reduced-eu" => (set(&["clear", "green", "unmarked", "revoked"]), set(&group)),
            _ => (BTreeSet::new(), BTreeSet::new()),
        }
    };
    let members: BTreeSet<&str> = [
        "cert-a",
        "cert-c",
        "flagged",
        "reduced",
        "reduced-eu",
        "late",
    ]
    .into();
    let roles = [
        "anonymous",
        "bad-token",
        "cert-a",
        "cert-b",
        "cert-c",
        "late",
        "flagged",
        "reduced",
        "reduced-eu",
        "suspended",
        "secretariat",
    ];
    let ids: Vec<String> = (1..=9).map(|n| format!("indicator--{}", uuid(n))).collect();

    for later in [false, true] {
        if later {
            api.wait(DAY);
        }
        for role in roles {
            let who = (role != "anonymous").then_some(role);
            for coll in ["community", "eu-amber"] {
                let (allowed_c, allowed_g) = expected(role, later);
                let allowed = if coll == "community" {
                    allowed_c
                } else {
                    allowed_g
                };
                let admitted = !matches!(role, "anonymous" | "bad-token" | "suspended")
                    && (coll == "community" || members.contains(role));
                let mut seen = BTreeSet::new();
                let mut paths = vec![
                    format!("collections/{coll}/"),
                    format!("collections/{coll}/objects/?limit=2"),
                    format!("collections/{coll}/objects/?match[version]=all"),
                    format!("collections/{coll}/manifest/"),
                ];
                for id in &ids {
                    paths.push(format!("collections/{coll}/objects/{id}/"));
                    paths.push(format!(
                        "collections/{coll}/objects/{id}/?match[version]=first"
                    ));
                    paths.push(format!("collections/{coll}/objects/{id}/versions/"));
                }
                for path in &paths {
                    let a = taxii(&api, "GET", path, who, None);
                    let context = format!("{role} GET {path} (later: {later})");
                    if !admitted {
                        let status = match role {
                            "anonymous" | "bad-token" => 401,
                            _ => 403,
                        };
                        assert_taxii_error(&a, status, &context);
                        assert!(canaries(&a.body).is_empty(), "{context}");
                        continue;
                    }
                    assert!(matches!(a.status, 200 | 404), "{context}: {}", a.status);
                    assert_eq!(a.header("content-type"), Some(TAXII), "{context}");
                    if a.status == 404 {
                        assert_taxii_error(&a, 404, &context);
                    }
                    let got = canaries(&a.body);
                    assert!(
                        got.is_subset(&allowed),
                        "{context}: leaked {:?}",
                        got.difference(&allowed).collect::<Vec<_>>()
                    );
                    seen.extend(got);
                    // Follow `next` to the end of a paged listing.
                    let mut page = a.json();
                    let mut guard = 0;
                    while page["more"] == true {
                        guard += 1;
                        assert!(guard < 50, "{context}: paging does not end");
                        let next = page["next"].as_str().expect("more without next");
                        let base = path.split('?').next().unwrap();
                        let a = taxii(
                            &api,
                            "GET",
                            &format!("{base}?limit=2&next={next}"),
                            who,
                            None,
                        );
                        assert_eq!(a.status, 200, "{context}");
                        let got = canaries(&a.body);
                        assert!(got.is_subset(&allowed), "{context}: leaked {got:?}");
                        seen.extend(got);
                        page = a.json();
                    }
                }
                assert_eq!(
                    seen, allowed,
                    "{role} in {coll} (later: {later}) did not get all it may read"
                );
            }
        }
    }

    // The last version of a revoked object says so.
    let a = taxii(
        &api,
        "GET",
        &format!("collections/community/objects/{}/", ids[8]),
        Some("cert-b"),
        None,
    );
    assert_eq!(a.json()["objects"][0]["revoked"], true);
    let versions = taxii(
        &api,
        "GET",
        &format!("collections/community/objects/{}/versions/", ids[8]),
        Some("cert-b"),
        None,
    );
    assert_eq!(versions.json()["versions"].as_array().unwrap().len(), 2);
    assert!(versions.header("x-taxii-date-added-first").is_some());
    assert!(versions.header("x-taxii-date-added-last").is_some());
    // Collections listed per reader; the suspended party sees it may not read or write.
    let list = taxii(&api, "GET", "collections/", Some("suspended"), None).json();
    assert!(
        list["collections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["can_read"] == false),
        "{list}"
    );
    let list = taxii(&api, "GET", "collections/", Some("cert-b"), None).json();
    assert_eq!(list["collections"].as_array().unwrap().len(), 1, "{list}");
    let list = taxii(&api, "GET", "collections/", Some("late"), None).json();
    let aliases: Vec<&str> = list["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["alias"].as_str().unwrap())
        .collect();
    assert_eq!(aliases, ["community", "eu-amber"]);
    // The collection's UUID works as well as its alias.
    let uuid_path = format!(
        "collections/{}/objects/",
        list["collections"][1]["id"].as_str().unwrap()
    );
    assert_eq!(
        canaries(&taxii(&api, "GET", &uuid_path, Some("late"), None).body),
        set(&["amber", "strict"])
    );
    // The suspended party cannot post either.
    let a = taxii(
        &api,
        "POST",
        "collections/community/objects/",
        Some("suspended"),
        Some(
            &json!({"objects": [indicator("x", 50, Some(TLP_CLEAR), "2026-01-01T00:00:00.000Z")]}),
        ),
    );
    assert_taxii_error(&a, 403, "suspended post");

    // The public log, the API and the statistics hold only the TLP:CLEAR canary.
    let size = api.digest().0;
    for i in 0..size {
        let a = api.request("GET", &format!("/entries/{i}"), None, &[], None);
        let got = canaries(&a.body);
        assert!(got.is_subset(&set(&["clear"])), "entry {i} carries {got:?}");
    }
    let stats = api.get("/sharing");
    assert_eq!(stats["by_tlp"]["TLP:RED"], 1, "{stats}");
    assert_eq!(stats["by_tlp"]["TLP:GREEN"], 5, "{stats}");
    // The withdrawn object's content left the vault file itself.
    let vault = std::fs::read(api.dir.path().join("evidence.db")).unwrap();
    assert!(!String::from_utf8_lossy(&vault).contains(&canary("withdrawn")));
    assert!(String::from_utf8_lossy(&vault).contains(&canary("amber")));
    api.verify();
}

#[test]
fn bad_input_gets_a_precise_taxii_error_and_stores_nothing() {
    let api = Api::start(&PARTIES[..3]);
    for p in ["cert-a", "cert-b"] {
        api.ok(
            p,
            "party.token_issue",
            json!({"party": p, "token_sha256": token_hash(&token(p)), "label": "taxii"}),
        );
    }
    let before = api.digest();
    let post_raw = |ct: &str, body: &[u8]| {
        let auth = format!("Bearer {}", token("cert-a"));
        api.request(
            "POST",
            "/taxii2/accord/collections/community/objects/",
            None,
            &[
                ("accept", TAXII),
                ("content-type", ct),
                ("authorization", &auth),
            ],
            Some(body),
        )
    };
    // Wrong media types.
    assert_taxii_error(
        &post_raw("application/json", b"{\"objects\":[]}"),
        415,
        "json content type",
    );
    assert_taxii_error(
        &post_raw("application/taxii+json;version=2.0", b"{}"),
        415,
        "taxii 2.0",
    );
    let auth = format!("Bearer {}", token("cert-a"));
    let a = api.request(
        "GET",
        "/taxii2/accord/collections/",
        None,
        &[("accept", "application/json"), ("authorization", &auth)],
        None,
    );
    assert_taxii_error(&a, 406, "accept json");
    // Not an envelope.
    assert_taxii_error(&post_raw(TAXII, b"not json"), 400, "not json");
    assert_taxii_error(
        &post_raw(TAXII, b"{\"objects\": []}"),
        400,
        "empty envelope",
    );
    assert_taxii_error(&post_raw(TAXII, b"[1]"), 400, "array");
    // Oversize envelope: refused on its declared length, before the body is read (over a raw
    // socket, since the server answers without waiting for 10 MiB).
    {
        use std::io::{Read, Write};
        let addr = api.url.trim_start_matches("http://");
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        write!(sock, "POST /taxii2/accord/collections/community/objects/ HTTP/1.1\r\nHost: {addr}\r\nAccept: {TAXII}\r\nContent-Type: {TAXII}\r\nAuthorization: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{", 10 * 1024 * 1024 + 1).unwrap();
        let mut answer = String::new();
        let _ = sock.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(
            answer.contains(TAXII) && answer.contains("max_content_length"),
            "{answer}"
        );
    }
    // Invalid STIX, a forged creator, AMBER into the community: per-object failures.
    let mut missing = indicator("bad", 20, Some(TLP_CLEAR), "2026-01-01T00:00:00.000Z");
    missing.as_object_mut().unwrap().remove("pattern");
    let mut bad_id = indicator("bad", 21, Some(TLP_CLEAR), "2026-01-01T00:00:00.000Z");
    bad_id["id"] = json!("indicator--not-a-uuid");
    let mut forged = indicator("forged", 22, Some(TLP_GREEN), "2026-01-01T00:00:00.000Z");
    forged["created_by_ref"] = json!(accord_domain::sharing::identity_of("cert-b"));
    let mut forged_clear = indicator("forged", 23, Some(TLP_CLEAR), "2026-01-01T00:00:00.000Z");
    forged_clear["created_by_ref"] = json!(accord_domain::sharing::identity_of("cert-b"));
    let amber = indicator("amber", 24, Some(TLP_AMBER), "2026-01-01T00:00:00.000Z");
    let s = post_objects(
        &api,
        "cert-a",
        "community",
        vec![missing, bad_id, forged, forged_clear, amber],
    );
    assert_eq!(
        (s["success_count"].as_u64(), s["failure_count"].as_u64()),
        (Some(0), Some(5)),
        "{s}"
    );
    let messages: Vec<&str> = s["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("/pattern"), "{}", messages[0]);
    assert!(messages[1].contains("/id"), "{}", messages[1]);
    assert!(messages[2].contains("created_by_ref"), "{}", messages[2]);
    assert!(messages[3].contains("created_by_ref"), "{}", messages[3]);
    assert!(messages[4].contains("sharing group"), "{}", messages[4]);
    // The status can be read back, by its poster only.
    let status = format!("status/{}/", s["id"].as_str().unwrap());
    assert_eq!(
        taxii(&api, "GET", &status, Some("cert-a"), None).json()["failure_count"],
        5
    );
    assert_taxii_error(
        &taxii(&api, "GET", &status, Some("cert-b"), None),
        404,
        "other's status",
    );
    // Bad pagination and filters.
    for q in [
        "next=xyz",
        "next=",
        "limit=0",
        "limit=abc",
        "added_after=yesterday",
        "match[version]=newest",
        "match[spec_version]=3.0",
        "colour=red",
    ] {
        let a = taxii(
            &api,
            "GET",
            &format!("collections/community/objects/?{q}"),
            Some("cert-a"),
            None,
        );
        assert_taxii_error(&a, 400, q);
    }
    // Unknown collection and endpoint.
    assert_taxii_error(
        &taxii(
            &api,
            "GET",
            "collections/nope/objects/",
            Some("cert-a"),
            None,
        ),
        404,
        "unknown collection",
    );
    assert_taxii_error(
        &taxii(&api, "GET", "nowhere/", Some("cert-a"), None),
        404,
        "unknown endpoint",
    );
    // Nothing of the above was stored: not in the log, not in the vault.
    assert_eq!(api.digest(), before);
    let db = accord_store_sqlite::SqliteVault::open(api.dir.path().join("evidence.db")).unwrap();
    assert!(accord_store::Vault::list(&db).unwrap().is_empty());
    // The creator's own identity is accepted, and so is an object without one.
    let mut own = indicator("own", 25, Some(TLP_GREEN), "2026-01-01T00:00:00.000Z");
    own["created_by_ref"] = json!(accord_domain::sharing::identity_of("cert-a"));
    let s = post_objects(&api, "cert-a", "community", vec![own.clone()]);
    assert_eq!(s["success_count"], 1, "{s}");
    // The same version again is refused, and nothing more is stored.
    let s = post_objects(&api, "cert-a", "community", vec![own]);
    assert_eq!(s["failure_count"], 1, "{s}");
    assert!(
        s["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already"),
        "{s}"
    );
    assert_eq!(accord_store::Vault::list(&db).unwrap().len(), 1);
}

/// A cyber observable has no `modified`: its TAXII version is the time it was added, and the
/// status resource names that version as the manifest does.
#[test]
fn the_status_names_the_version_of_a_cyber_observable() {
    let api = Api::start(&PARTIES[..2]);
    api.ok(
        "cert-a",
        "party.token_issue",
        json!({"party": "cert-a", "token_sha256": token_hash(&token("cert-a")), "label": "taxii"}),
    );
    let ip = json!({"type": "ipv4-addr", "spec_version": "2.1",
        "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "203.0.113.7",
        "object_marking_refs": [TLP_CLEAR]});
    let status = post_objects(&api, "cert-a", "community", vec![ip]);
    assert_eq!(status["success_count"], 1, "{status}");
    let version = status["successes"][0]["version"]
        .as_str()
        .expect("a version");
    let manifest = taxii(
        &api,
        "GET",
        "collections/community/manifest/",
        Some("cert-a"),
        None,
    )
    .json();
    assert_eq!(manifest["objects"][0]["version"], version, "{manifest}");
    // The status resource, read again, says the same.
    let id = status["id"].as_str().unwrap();
    let again = taxii(&api, "GET", &format!("status/{id}/"), Some("cert-a"), None).json();
    assert_eq!(again["successes"][0]["version"], version, "{again}");
}
