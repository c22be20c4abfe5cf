//! Regression tests for the security review of 2026-11 (issue 14), one per finding that the
//! HTTP face of an instance answers for; each failed before its fix. Findings 1 and 2 are
//! also in the confidentiality and sharing matrices and the domain tests, 4 and 5 in
//! `tests/it/abuse.rs`, 6 in `tests/it/rollback.rs`, 12 in the domain's text types. See
//! docs/security.md for the threat model and how each is prevented.

use crate::live::{Api, HOUR};
use accord_domain::tokens::token_hash;
use serde_json::{json, Value};

const PARTIES: &[(&str, &str, &str)] =
    &[("cert-a", "cert", "europe"), ("cert-b", "cert", "europe")];

const TAXII: &str = "application/taxii+json;version=2.1";
const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn with_tokens() -> Api {
    let api = Api::start(PARTIES);
    for p in ["cert-a", "cert-b"] {
        api.ok(
            p,
            "party.token_issue",
            json!({"party": p, "token_sha256": token_hash(&format!("acc_sec-{p}")), "label": "api"}),
        );
    }
    api
}

fn token(p: &str) -> String {
    format!("acc_sec-{p}")
}

/// Finding 1a: the secretariat cannot mint a working token for another party.
#[test]
fn the_secretariat_cannot_mint_a_token_for_a_party() {
    let api = with_tokens();
    api.refused(
        "secretariat",
        "party.token_issue",
        json!({"party": "cert-a", "token_sha256": token_hash("acc_minted"), "label": "minted"}),
        403,
        "own-token-only",
    );
    let who = api.request("GET", "/whoami", Some("acc_minted"), &[], None);
    assert_eq!(who.status, 401);
}

/// A TLP:CLEAR indicator whose description is marked TLP:RED.
fn granular_red(n: u32) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{n:08x}-0000-4000-8000-000000000000"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "C2 beacon", "description": "SECRET-SOURCE-LIAISON",
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": [TLP_CLEAR],
        "granular_markings": [{"marking_ref": TLP_RED, "selectors": ["description"]}]
    })
}

/// Every object these tests post for Accord to accept (for the OASIS validator's test).
pub fn posted_objects() -> Vec<Value> {
    vec![granular_red(1), granular_red(2)]
}

/// Finding 2: an object marked TLP:CLEAR with a TLP:RED granular marking is RED: it never
/// enters the log in full, and cannot be shared into the community collection.
#[test]
fn a_granular_red_marking_keeps_an_object_out_of_the_public_log() {
    let api = with_tokens();
    let object = granular_red;
    let before = api.digest();
    let post = api.request(
        "POST",
        "/taxii2/accord/collections/community/objects/",
        Some(&token("cert-a")),
        &[("content-type", TAXII), ("accept", TAXII)],
        Some(&serde_json::to_vec(&json!({"objects": [object(1)]})).unwrap()),
    );
    assert_eq!(post.status, 202, "{}", post.json());
    assert_eq!(post.json()["failure_count"], 1, "{}", post.json());
    assert!(
        post.json()["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TLP:RED"),
        "{}",
        post.json()
    );
    assert_eq!(api.digest(), before, "a refused object changed the log");
    // Signed by the party itself as a CLEAR object in full: refused too.
    api.refused(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "community", "object": object(2)}),
        422,
        "tlp-clear-only",
    );
    let log = std::fs::read(api.dir.path().join("accord.db")).unwrap();
    assert!(!log.windows(21).any(|w| w == b"SECRET-SOURCE-LIAISON"));
}

/// Finding 3: an expired token stops working when it expires, by the server's clock, even
/// if no entry is logged in between.
#[test]
fn an_expired_token_stops_at_once_not_at_the_next_entry() {
    let api = Api::start(PARTIES);
    api.ok(
        "cert-a",
        "party.token_issue",
        json!({"party": "cert-a", "token_sha256": token_hash("acc_short"), "label": "short",
               "expires_at": api.at(0).replace("T08", "T09")}),
    );
    let whoami = || {
        api.request("GET", "/whoami", Some("acc_short"), &[], None)
            .status
    };
    assert_eq!(whoami(), 200);
    api.wait(2 * HOUR);
    assert_eq!(whoami(), 401, "the token still works after it expired");
    let taxii = api.request(
        "GET",
        "/taxii2/accord/collections/",
        Some("acc_short"),
        &[("accept", TAXII)],
        None,
    );
    assert_eq!(taxii.status, 401);
}

/// Finding 7: contact fields that a spreadsheet would run as formulas are exported inert.
#[test]
fn csv_exports_never_carry_a_live_formula() {
    let api = with_tokens();
    let formulas = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
    ];
    api.ok(
        "cert-a",
        "poc.declare",
        json!({"contacts": formulas.iter().map(|f| json!({"role": "technical", "channel": "email",
               "address": f, "hours": "-1+1", "languages": ["en"]})).collect::<Vec<_>>()}),
    );
    let csv = api.request(
        "GET",
        "/party/cert-a?format=csv&table=contacts",
        None,
        &[],
        None,
    );
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.body).unwrap();
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a live formula in the export: {line}"
            );
        }
    }
    assert!(text.contains("'=HYPERLINK"), "{text}");
}

/// Finding 8: the exports of a signed-in party's own view are private and never stored.
#[test]
fn exports_of_a_party_view_are_private() {
    let api = with_tokens();
    let a = api.request(
        "GET",
        "/party/cert-a?format=json&table=contacts",
        Some(&token("cert-a")),
        &[],
        None,
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.header("cache-control"), Some("private, no-store"));
    assert!(a
        .header("vary")
        .is_some_and(|v| v.contains("Authorization")));
    let public = api.request(
        "GET",
        "/party/cert-a?format=json&table=contacts",
        None,
        &[],
        None,
    );
    assert_eq!(public.header("cache-control"), Some("no-cache"));
}

/// Finding 9: a read of evidence is never a side effect: a HEAD logs nothing, a GET with a
/// session cookie reads nothing, and sign-in and sign-out refuse cross-origin posts.
#[test]
fn evidence_reads_are_never_side_effects_and_forms_refuse_other_origins() {
    let api = with_tokens();
    let body = b"packet capture";
    let salt = [7u8; 32];
    api.ok(
        "cert-a",
        "evidence.commit",
        json!({"evidence": "pcap", "marking": "TLP:RED",
               "commitment": accord_domain::evidence::commitment(&salt, body),
               "media_type": "text/plain", "size": body.len(), "label": "capture"}),
    );
    let put = api.request(
        "PUT",
        "/evidence/cert-a/pcap",
        Some(&token("cert-a")),
        &[("accord-evidence-salt", &hex::encode(salt))],
        Some(body),
    );
    assert_eq!(put.status, 201);
    let before = api.digest();
    let head = api.request(
        "HEAD",
        "/evidence/cert-a/pcap",
        Some(&token("cert-a")),
        &[],
        None,
    );
    assert_eq!(head.status, 405);
    assert_eq!(api.digest(), before, "a HEAD logged a read");
    // A session of cert-a, then a GET carrying only its cookie (what an <img> would send).
    let login = |origin: &str| {
        api.request(
            "POST",
            "/login",
            None,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", origin),
            ],
            Some(format!("token={}", token("cert-a")).as_bytes()),
        )
    };
    assert_eq!(login("http://evil.example").status, 403);
    let host = api.url.trim_start_matches("http://").to_owned();
    let ok = login(&format!("http://{host}"));
    assert_eq!(ok.status, 303);
    let cookie = ok
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let get = api.request(
        "GET",
        "/evidence/cert-a/pcap",
        None,
        &[("cookie", &cookie)],
        None,
    );
    assert_eq!(get.status, 401);
    assert_eq!(api.digest(), before, "a cookie-only GET logged a read");
    // A cross-origin sign-out is refused; the session lives on.
    let page = api.request("GET", "/party/cert-a", None, &[("cookie", &cookie)], None);
    let csrf = csrf_of(&String::from_utf8_lossy(&page.body));
    let logout = |origin: &str, csrf: &str| {
        api.request(
            "POST",
            "/logout",
            None,
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", origin),
            ],
            Some(format!("csrf={csrf}").as_bytes()),
        )
        .status
    };
    assert_eq!(logout("http://evil.example", &csrf), 403);
    assert_eq!(logout(&format!("http://{host}"), "forged"), 403);
    let still = api.request("GET", "/party/cert-a", None, &[("cookie", &cookie)], None);
    assert!(String::from_utf8_lossy(&still.body).contains("Signed in as"));
}

/// Finding 10: the session cookie is an opaque, short-lived server-side session — not the
/// API token — that sign-out ends on the server and token revocation ends at once; `Secure`
/// never depends on a request header.
#[test]
fn sessions_are_opaque_short_lived_and_end_on_the_server() {
    let api = with_tokens();
    let host = api.url.trim_start_matches("http://").to_owned();
    let sign_in = || {
        let a = api.request(
            "POST",
            "/login",
            None,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", &format!("http://{host}")),
                ("x-forwarded-proto", "https"),
            ],
            Some(format!("token={}", token("cert-a")).as_bytes()),
        );
        a.header("set-cookie").unwrap().to_owned()
    };
    let set = sign_in();
    assert!(
        !set.contains(&token("cert-a")),
        "the cookie is the token: {set}"
    );
    assert!(
        set.contains("Max-Age=43200")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Strict")
    );
    assert!(
        !set.contains("Secure"),
        "Secure from a request header: {set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let signed_in = |cookie: &str| {
        let page = api.request("GET", "/party/cert-a", None, &[("cookie", cookie)], None);
        String::from_utf8_lossy(&page.body).contains("Signed in as")
    };
    assert!(signed_in(&cookie));
    // The raw token is no session.
    assert!(!signed_in(&format!("accord_session={}", token("cert-a"))));
    // Sign-out ends the session on the server: the old cookie is dead even if replayed.
    let page = api.request("GET", "/party/cert-a", None, &[("cookie", &cookie)], None);
    let csrf = csrf_of(&String::from_utf8_lossy(&page.body));
    let out = api.request(
        "POST",
        "/logout",
        None,
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", &format!("http://{host}")),
        ],
        Some(format!("csrf={csrf}").as_bytes()),
    );
    assert_eq!(out.status, 303);
    assert!(!signed_in(&cookie), "a signed-out session still works");
    // Revoking the token ends its sessions at once.
    let cookie = sign_in().split(';').next().unwrap().to_owned();
    assert!(signed_in(&cookie));
    api.ok(
        "cert-a",
        "party.token_revoke",
        json!({"token_sha256": token_hash(&token("cert-a"))}),
    );
    assert!(!signed_in(&cookie), "a session outlived its revoked token");
}

/// Finding 11: pages carry a Content-Security-Policy, frame denial, `nosniff` and a
/// Referrer-Policy; data answers a CSP that forbids everything.
#[test]
fn every_answer_carries_the_security_headers() {
    let api = with_tokens();
    for path in [
        "/",
        "/log",
        "/party/cert-a",
        "/checkpoint",
        "/parties",
        "/no/such/page",
    ] {
        let a = api.request("GET", path, None, &[], None);
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(a.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(a.header("referrer-policy"), Some("same-origin"), "{path}");
        let csp = a.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if a.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
        {
            assert!(
                csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
                "{csp}"
            );
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
}

/// Finding 12: invisible formatting and direction-override characters in names and
/// contacts are refused at the border, naming the character.
#[test]
fn bidi_and_invisible_characters_are_refused_in_names_and_contacts() {
    let api = with_tokens();
    for bad in [
        "Kestrel\u{202E}erawtfoS",
        "soc@cert\u{2066}.example",
        "cert\u{200B}a",
    ] {
        let body = api.refused(
            "cert-a",
            "poc.declare",
            json!({"contacts": [{"role": "technical", "channel": "email", "address": bad,
                   "hours": "24x7", "languages": ["en"]}]}),
            422,
            "invalid-value",
        );
        assert!(body["detail"].as_str().unwrap().contains("U+"), "{body}");
    }
    api.refused(
        "secretariat",
        "party.register",
        json!({"party": "spoof", "kind": "company", "region": "europe",
               "display_name": "Northwind\u{202E}duolC", "public_key": accord_envelope::KeyPair::generate().public_key()}),
        422,
        "invalid-value",
    );
}

/// Finding 13: every error is a problem — bad query parameters, an undecodable path, a
/// method a route does not take (with a body naming what it takes) — and TAXII paths answer
/// TAXII error messages.
#[test]
fn every_error_is_a_problem_or_a_taxii_error() {
    let api = with_tokens();
    let problem = |a: &crate::live::Answer, status: u16| {
        assert_eq!(a.status, status);
        assert_eq!(a.header("content-type"), Some("application/problem+json"));
        let p: Value = a.json();
        assert_eq!(p["status"], status);
        assert!(p["detail"].as_str().is_some_and(|d| d.len() > 10), "{p}");
        p
    };
    problem(
        &api.request("GET", "/checkpoints?limit=many", None, &[], None),
        400,
    );
    problem(
        &api.request("GET", "/proof/consistency?old=-1", None, &[], None),
        400,
    );
    problem(
        &api.request("GET", "/schemas/party.register/x", None, &[], None),
        400,
    );
    problem(&api.request("GET", "/parties/%ff", None, &[], None), 400);
    let a = api.request("DELETE", "/checkpoint", None, &[], None);
    assert!(
        a.header("allow").is_some_and(|v| v.contains("GET")),
        "{:?}",
        a.headers
    );
    let p = problem(&a, 405);
    assert!(p["detail"].as_str().unwrap().contains("DELETE"), "{p}");
    let a = api.request("PUT", "/entries", None, &[], None);
    assert!(a.header("allow").is_some_and(|v| v.contains("POST")));
    problem(&a, 405);
    // Under /taxii2/: TAXII error messages.
    for (method, path) in [
        (
            "GET",
            "/taxii2/accord/collections/community/objects/?limit=x",
        ),
        ("PUT", "/taxii2/accord/collections/"),
        ("GET", "/taxii2/accord/collections/%ff/"),
    ] {
        let a = api.request(
            method,
            path,
            Some(&token("cert-a")),
            &[("accept", TAXII)],
            None,
        );
        assert!(a.status >= 400, "{method} {path}");
        assert_eq!(a.header("content-type"), Some(TAXII), "{method} {path}");
        let e = a.json();
        assert_eq!(e["http_status"], a.status.to_string(), "{e}");
        assert!(
            e["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{e}"
        );
    }
}

/// The CSRF token of a page's forms.
fn csrf_of(page: &str) -> String {
    let field = "name=\"csrf\" value=\"";
    let at = page.find(field).expect("a CSRF field");
    let rest = &page[at + field.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}
