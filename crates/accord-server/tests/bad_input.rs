//! Bad input to the write endpoint: malformed JSON, non-canonical JSON, wrong signatures,
//! unknown signers, revoked keys, oversize bodies, wrong content types. Each gets a precise
//! RFC 9457 problem, and the log and the state digest are unchanged.
//!
//! Drives the router with `tower::ServiceExt::oneshot` over a real SQLite store.

use std::sync::Arc;

use accord_domain::ids::{DisplayName, RegionId};
use accord_domain::registry::{
    Genesis, KeyRevocation, PartyKind, PartyRegistration, RevocationReason,
};
use accord_domain::Payload;
use accord_envelope::{Envelope, KeyPair, Signer};
use accord_sequencer::{Ledger, Sequencer, SimulatedClock, Submission};
use accord_server::{router, AppState, Metrics};
use accord_store_sqlite::SqliteStore;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    app: axum::Router,
    ledger: Arc<Ledger>,
    secretariat: KeyPair,
    cert: KeyPair,
    revoked: KeyPair,
}

fn sign(kind_payload: &Payload, party: &str, key: &KeyPair) -> Envelope {
    Envelope::sign(
        kind_payload.entry_type(),
        1,
        kind_payload.to_value(),
        Signer {
            party: party.parse().unwrap(),
            key: key.key_id(),
        },
        key,
    )
    .unwrap()
}

fn register(id: &str, key: &KeyPair) -> Payload {
    Payload::PartyRegister(PartyRegistration {
        party: id.parse().unwrap(),
        kind: PartyKind::Cert,
        region: RegionId::new("europe").unwrap(),
        display_name: DisplayName::new(format!("CERT {id}")).unwrap(),
        public_key: key.public_key(),
    })
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("accord.db")).unwrap());
    let instance = KeyPair::generate();
    let secretariat = KeyPair::generate();
    let cert = KeyPair::generate();
    let revoked = KeyPair::generate();
    let clock = SimulatedClock::at(accord_domain::Timestamp::from_unix_ms(1_767_225_600_000));
    let ledger = Arc::new(
        Ledger::open(
            store.clone(),
            "test.example/log",
            &instance,
            Arc::new(clock),
            &mut |_, _| {},
        )
        .unwrap(),
    );
    let genesis = Payload::Genesis(Box::new(Genesis {
        origin: "test.example/log".into(),
        display_name: DisplayName::new("Test").unwrap(),
        instance_key: instance.public_key(),
        secretariat: PartyRegistration {
            party: "secretariat".parse().unwrap(),
            kind: PartyKind::Secretariat,
            region: RegionId::new("global").unwrap(),
            display_name: DisplayName::new("Secretariat").unwrap(),
            public_key: secretariat.public_key(),
        },
    }));
    let subs = vec![
        Submission::new(sign(&genesis, "instance", &instance)),
        Submission::new(sign(
            &register("cert-a", &cert),
            "secretariat",
            &secretariat,
        )),
        Submission::new(sign(
            &register("cert-b", &revoked),
            "secretariat",
            &secretariat,
        )),
        Submission::new(sign(
            &Payload::KeyRevoke(KeyRevocation {
                party: "cert-b".parse().unwrap(),
                key: revoked.key_id(),
                reason: RevocationReason::Compromised,
            }),
            "secretariat",
            &secretariat,
        )),
    ];
    for r in ledger.append(subs).unwrap() {
        r.unwrap();
    }
    let (sequencer, _thread) = Sequencer::start(ledger.clone(), 64, None);
    let _ = store;
    let app = router(AppState::new(
        sequencer,
        ledger.clone(),
        Arc::new(accord_store_sqlite::SqliteVault::open(dir.path().join("evidence.db")).unwrap()),
        Arc::new(Metrics::new()),
    ));
    Fixture {
        _dir: dir,
        app,
        ledger,
        secretariat,
        cert,
        revoked,
    }
}

fn poc(address: &str) -> Payload {
    serde_json::from_value::<accord_domain::registry::PocDeclaration>(serde_json::json!({
        "contacts": [{"role": "technical", "channel": "email", "address": address,
                      "hours": "24x7", "languages": ["en"]}]
    }))
    .map(Payload::PocDeclare)
    .unwrap()
}

/// (name, content type, body, expected status, expected rule, expected pointer)
type Case<'a> = (
    &'a str,
    Option<&'a str>,
    Vec<u8>,
    StatusCode,
    &'a str,
    Option<&'a str>,
);

async fn post(
    app: &axum::Router,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String, serde_json::Value) {
    let mut req = Request::post("/entries");
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, ct, json)
}

fn snapshot(ledger: &Ledger) -> (u64, [u8; 32], String) {
    let core = ledger.read();
    let p = core.published().unwrap();
    (p.checkpoint.size, p.state_digest, p.note.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_submission_gets_a_precise_problem_and_changes_nothing() {
    let f = fixture();
    let good = sign(&poc("soc@cert-a.example"), "cert-a", &f.cert);
    let canonical = good.to_canonical_bytes();
    let text = String::from_utf8(canonical.clone()).unwrap();

    // A tampered signature: same envelope, payload changed after signing.
    let mut forged: serde_json::Value = serde_json::from_slice(&canonical).unwrap();
    forged["payload"]["contacts"][0]["hours"] = "9-5".into();
    let forged = accord_envelope::canonical::canonicalize(&forged).unwrap();

    let unknown_signer = KeyPair::generate();
    let by_unknown = sign(&poc("x@y.example"), "nobody", &unknown_signer).to_canonical_bytes();
    let by_revoked = sign(&poc("soc@cert-b.example"), "cert-b", &f.revoked).to_canonical_bytes();
    let by_wrong_role =
        sign(&register("cert-c", &KeyPair::generate()), "cert-a", &f.cert).to_canonical_bytes();
    let mut unknown_member: serde_json::Value = serde_json::from_slice(&canonical).unwrap();
    unknown_member["extra"] = 1.into();
    let unknown_member = accord_envelope::canonical::canonicalize(&unknown_member).unwrap();
    // A correctly signed envelope whose payload breaks the schema.
    let mut pigeon = poc("soc@cert-a.example").to_value();
    pigeon["contacts"][0]["channel"] = "carrier-pigeon".into();
    let signer = Signer {
        party: "cert-a".parse().unwrap(),
        key: f.cert.key_id(),
    };
    let bad_payload = Envelope::sign("poc.declare", 1, pigeon, signer, &f.cert)
        .unwrap()
        .to_canonical_bytes();
    let _ = &f.secretariat;

    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            Some("application/json"),
            b"{\"payload\":".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            None,
        ),
        (
            "non-canonical JSON",
            Some("application/json"),
            text.replacen(':', ": ", 1).into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "canonical-json",
            None,
        ),
        (
            "forged signature",
            Some("application/json"),
            forged,
            StatusCode::FORBIDDEN,
            "bad-signature",
            Some("/signature"),
        ),
        (
            "unknown signer",
            Some("application/json"),
            by_unknown,
            StatusCode::FORBIDDEN,
            "unknown-signer",
            Some("/signer/party"),
        ),
        (
            "revoked key",
            Some("application/json"),
            by_revoked,
            StatusCode::FORBIDDEN,
            "revoked-key",
            Some("/signer/key"),
        ),
        (
            "wrong role",
            Some("application/json"),
            by_wrong_role,
            StatusCode::FORBIDDEN,
            "role",
            Some("/type"),
        ),
        (
            "unknown member",
            Some("application/json"),
            unknown_member,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-member",
            None,
        ),
        (
            "bad enum value",
            Some("application/json"),
            bad_payload,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-value",
            Some("/payload/contacts/0/channel"),
        ),
        (
            "oversize body",
            Some("application/json"),
            vec![b' '; 70 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            None,
        ),
        (
            "wrong content type",
            Some("text/plain"),
            canonical.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
            None,
        ),
        (
            "no content type",
            None,
            canonical.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
            None,
        ),
    ];
    let before = snapshot(&f.ledger);
    for (name, ct, body, status, rule, pointer) in cases {
        let (got, content_type, problem) = post(&f.app, ct, body).await;
        assert_eq!(got, status, "{name}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{name}");
        assert_eq!(problem["status"], status.as_u16(), "{name}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}: {problem}"
        );
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/")),
            "{name}"
        );
        if !rule.is_empty() {
            assert_eq!(problem["rule"], rule, "{name}: {problem}");
        }
        if let Some(p) = pointer {
            assert_eq!(problem["pointer"], p, "{name}: {problem}");
        }
        assert_eq!(snapshot(&f.ledger), before, "{name} changed the log");
    }

    // The good one is accepted (201), and again is idempotent (200, same receipt).
    let (s1, _, r1) = post(&f.app, Some("application/json"), canonical.clone()).await;
    assert_eq!(s1, StatusCode::CREATED, "{r1}");
    let after_one = snapshot(&f.ledger);
    let (s2, _, r2) = post(&f.app, Some("application/json; charset=utf-8"), canonical).await;
    assert_eq!(s2, StatusCode::OK);
    assert_eq!(r1["index"], r2["index"]);
    assert_eq!(r1["leaf_hash"], r2["leaf_hash"]);
    assert_eq!(
        snapshot(&f.ledger).0,
        after_one.0,
        "a resubmission stored something"
    );
}

#[tokio::test]
async fn tiles_and_checkpoint_follow_tlog_tiles() {
    let f = fixture();
    let get = |uri: &str| {
        let app = f.app.clone();
        let uri = uri.to_owned();
        async move {
            let res = app
                .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = res.status();
            let headers = res.headers().clone();
            let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, headers, body)
        }
    };
    let (s, h, body) = get("/checkpoint").await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with("test.example/log\n4\n"), "{text}");
    // A cache in front may keep the checkpoint a few seconds.
    assert_eq!(h["cache-control"], accord_server::CHECKPOINT_CACHE);
    // Four entries: a partial tile of width 4 exists; widths beyond the tree do not. A
    // partial tile is superseded as the log grows, so it is cached briefly, not for ever.
    let (s, h, body) = get("/tile/0/000.p/4").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body.len(), 4 * 32);
    assert_eq!(h["cache-control"], accord_server::PARTIAL_TILE_CACHE);
    let (s, _, _) = get("/tile/0/000.p/5").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = get("/tile/0/000").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, body) = get("/tile/entries/000.p/4").await;
    assert_eq!(s, StatusCode::OK);
    let entries = accord_tlog::tiles::decode_entry_bundle(&body).unwrap();
    assert_eq!(entries.len(), 4);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(
            f.ledger.read().tree().leaf(i as u64).unwrap(),
            accord_tlog::leaf_hash(e)
        );
    }
    let (s, h, _) = get("/tile/0/x001/000").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h["content-type"], "application/problem+json");
    let (s, _, _) = get("/proof/inclusion?index=9").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, body) = get("/proof/consistency?old=2&new=4").await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(v["proof"].as_array().is_some());
}
