//! The registry rules: genesis, registration, roles, key rotation and revocation, points of
//! contact and reachability checks, each admitted or refused through `State::admit`.

use crate::common::*;
use accord_domain::payload::{GENESIS, PARTY_REGISTER};
use accord_domain::{LogEntry, RejectionKind, State, Timestamp};
use accord_envelope::KeyPair;
use serde_json::json;

#[test]
fn the_first_entry_must_be_a_genesis_signed_by_the_instance_key() {
    let key = KeyPair::generate();
    let env = envelope("poc.ack", json!({"check": "c1"}), "secretariat", &key);
    let entry = LogEntry {
        envelope: env,
        sequenced_at: Timestamp::from_unix_ms(T0),
    };
    let r = State::new().admit(0, &entry).unwrap_err();
    assert_eq!(r.rule, "unknown-signer");
    // A genesis signed by a key other than the one it declares is refused.
    let w = World::founded();
    let genesis = w.entries[0].envelope.payload.clone();
    let forged = LogEntry {
        envelope: envelope(GENESIS, genesis, "instance", &KeyPair::generate()),
        sequenced_at: Timestamp::from_unix_ms(T0),
    };
    let r = State::new().admit(0, &forged).unwrap_err();
    assert_eq!(
        (r.rule, r.pointer.as_str()),
        ("key-mismatch", "/signer/key")
    );
    // A second genesis is refused.
    let mut w = World::founded();
    let again = w.entries[0].envelope.clone();
    let (kind, rule, _) = refused(w.submit(again));
    assert_eq!((kind, rule), (RejectionKind::Conflict, "genesis-exists"));
}

#[test]
fn only_the_secretariat_registers_parties() {
    let mut w = World::founded();
    let a = KeyPair::generate();
    w.register("state-a", "state", &a).unwrap();
    let b = KeyPair::generate();
    let payload = json!({"party": "state-b", "kind": "state", "region": "europe",
                         "display_name": "B", "public_key": b.public_key()});
    let (kind, rule, pointer) = refused(w.submit(envelope(PARTY_REGISTER, payload, "state-a", &a)));
    assert_eq!(
        (kind, rule, pointer.as_str()),
        (RejectionKind::Forbidden, "role", "/type")
    );
    // Ids and keys are never reused.
    let (_, rule, pointer) = refused(w.register("state-a", "state", &KeyPair::generate()));
    assert_eq!((rule, pointer.as_str()), ("party-exists", "/payload/party"));
    let (_, rule, _) = refused(w.register("state-c", "state", &a));
    assert_eq!(rule, "key-in-use");
    let (_, rule, _) = refused(w.register("instance", "state", &KeyPair::generate()));
    assert_eq!(rule, "reserved-party-id");
}

#[test]
fn payload_errors_point_at_the_member() {
    let mut w = World::founded();
    let key = KeyPair::generate();
    let sec = w.secretariat.clone();
    let cases = [
        (
            json!({"party": "x", "kind": "pirate", "region": "europe", "display_name": "X",
                "public_key": key.public_key()}),
            "invalid-value",
            "/payload/kind",
        ),
        (
            json!({"party": "x", "kind": "state", "region": "europe", "display_name": "X",
                "public_key": key.public_key(), "shoe_size": 42}),
            "unknown-member",
            "/payload/shoe_size",
        ),
        (
            json!({"party": "x", "kind": "state", "region": "europe",
                "public_key": key.public_key()}),
            "missing-member",
            "/payload/display_name",
        ),
        (
            json!({"party": "x", "kind": "state", "region": "europe", "display_name": 7,
                "public_key": key.public_key()}),
            "wrong-type",
            "/payload/display_name",
        ),
        (
            json!({"party": "x", "kind": "state", "region": "europe", "display_name": "X",
                "public_key": "AAAA"}),
            "invalid-value",
            "/payload/public_key",
        ),
    ];
    for (payload, rule, pointer) in cases {
        let r = w
            .submit(envelope(PARTY_REGISTER, payload, "secretariat", &sec))
            .unwrap_err();
        assert_eq!((r.rule, r.pointer.as_str()), (rule, pointer), "{r}");
    }
    let r = w
        .submit(envelope("party.enrol", json!({}), "secretariat", &sec))
        .unwrap_err();
    assert_eq!(
        (r.rule, r.pointer.as_str()),
        ("unknown-entry-type", "/type")
    );
}

#[test]
fn rotated_and_revoked_keys_stop_signing_but_their_past_stays_valid() {
    let mut w = World::founded();
    let old = KeyPair::generate();
    w.register("cert-a", "cert", &old).unwrap();
    let poc = json!({"contacts": [{"role": "technical", "channel": "email",
                     "address": "soc@cert-a.example", "hours": "24x7", "languages": ["en"]}]});
    w.submit(envelope("poc.declare", poc.clone(), "cert-a", &old))
        .unwrap();

    let new = KeyPair::generate();
    let rotation =
        json!({"party": "cert-a", "public_key": new.public_key(), "retires": old.key_id()});
    w.submit(envelope("party.rotate_key", rotation, "cert-a", &old))
        .unwrap();
    let (_, rule, pointer) =
        refused(w.submit(envelope("poc.declare", poc.clone(), "cert-a", &old)));
    assert_eq!((rule, pointer.as_str()), ("retired-key", "/signer/key"));
    w.submit(envelope("poc.declare", poc.clone(), "cert-a", &new))
        .unwrap();

    // Another party may not touch cert-a's keys; the secretariat may.
    let b = KeyPair::generate();
    w.register("cert-b", "cert", &b).unwrap();
    let revoke = json!({"party": "cert-a", "key": new.key_id(), "reason": "compromised"});
    let (kind, rule, _) =
        refused(w.submit(envelope("party.revoke_key", revoke.clone(), "cert-b", &b)));
    assert_eq!((kind, rule), (RejectionKind::Forbidden, "not-own-key"));
    let sec = w.secretariat.clone();
    w.submit(envelope(
        "party.revoke_key",
        revoke.clone(),
        "secretariat",
        &sec,
    ))
    .unwrap();
    let (kind, rule, _) = refused(w.submit(envelope("poc.declare", poc, "cert-a", &new)));
    assert_eq!((kind, rule), (RejectionKind::Unauthorized, "revoked-key"));
    let (_, rule, _) = refused(w.submit(envelope("party.revoke_key", revoke, "secretariat", &sec)));
    assert_eq!(rule, "already-revoked");

    // Replaying the whole log from scratch admits every entry again (keys judged as of then).
    let mut replay = State::new();
    for (i, e) in w.entries.iter().enumerate() {
        replay.admit(i as u64, e).unwrap();
    }
    assert_eq!(replay.parties(), w.state.parties());
}

#[test]
fn reachability_checks_count_on_time_and_late_answers() {
    let mut w = World::founded();
    let a = KeyPair::generate();
    let b = KeyPair::generate();
    w.register("cert-a", "cert", &a).unwrap();
    w.register("state-b", "state", &b).unwrap();
    let sec = w.secretariat.clone();
    let check = json!({"check": "2026-01", "role": "technical", "respond_within_hours": 1});
    w.submit(envelope("poc.check", check.clone(), "secretariat", &sec))
        .unwrap();
    let (_, rule, _) = refused(w.submit(envelope("poc.check", check, "secretariat", &sec)));
    assert_eq!(rule, "check-exists");
    let ack = json!({"check": "2026-01"});
    w.submit(envelope("poc.ack", ack.clone(), "cert-a", &a))
        .unwrap();
    let (_, rule, _) = refused(w.submit(envelope("poc.ack", ack.clone(), "cert-a", &a)));
    assert_eq!(rule, "already-acknowledged");
    w.now += 2 * 3_600_000;
    w.submit(envelope("poc.ack", ack, "state-b", &b)).unwrap();
    let stats = |id: &str| w.state.party(&id.parse().unwrap()).unwrap().reachability;
    assert_eq!((stats("cert-a").on_time, stats("cert-a").late), (1, 0));
    assert_eq!((stats("state-b").on_time, stats("state-b").late), (0, 1));
    let (_, rule, _) =
        refused(w.submit(envelope("poc.ack", json!({"check": "nope"}), "cert-a", &a)));
    assert_eq!(rule, "unknown-check");
}

#[test]
fn the_state_digest_is_a_function_of_the_entries_and_their_batching_points() {
    let mut w = World::founded();
    for i in 0..5u8 {
        w.register(
            &format!("company-{i}"),
            "company",
            &KeyPair::from_seed([10 + i; 32]),
        )
        .unwrap();
    }
    let digest_of = |entries: &[LogEntry], batches: &[usize]| {
        let mut s = State::new();
        let mut d = [0u8; 32];
        let mut next = 0;
        for &end in batches {
            while next < end {
                s.admit(next as u64, &entries[next]).unwrap();
                next += 1;
            }
            d = s.seal_batch(&d);
        }
        d
    };
    let all = w.entries.len();
    assert_eq!(
        digest_of(&w.entries, &[1, 3, all]),
        digest_of(&w.entries, &[1, 3, all])
    );
    assert_ne!(
        digest_of(&w.entries, &[1, 3, all]),
        digest_of(&w.entries, &[2, all]),
        "batch points are committed"
    );
    // A different entry gives a different digest.
    let mut other = World::founded();
    other
        .register("company-0", "company", &KeyPair::from_seed([99; 32]))
        .unwrap();
    assert_ne!(digest_of(&other.entries, &[2]), digest_of(&w.entries, &[2]));
}

/// Security review, finding 1a: a token stands for its party, so only that party mints it;
/// the secretariat may revoke any token but mint none for another party.
#[test]
fn only_a_party_mints_its_own_tokens_and_the_secretariat_only_revokes() {
    let mut w = World::founded();
    let a = KeyPair::generate();
    let b = KeyPair::generate();
    w.register("cert-a", "cert", &a).unwrap();
    w.register("cert-b", "cert", &b).unwrap();
    let sec = w.secretariat.clone();
    let hash = |t: &str| accord_domain::tokens::token_hash(t);
    let issue = |t: &str, party: &str| json!({"party": party, "token_sha256": hash(t), "label": "taxii-client"});
    let (kind, rule, pointer) = refused(w.submit(envelope(
        "party.token_issue",
        issue("minted", "cert-a"),
        "secretariat",
        &sec,
    )));
    assert_eq!(
        (kind, rule, pointer.as_str()),
        (RejectionKind::Forbidden, "own-token-only", "/payload/party")
    );
    let (_, rule, _) = refused(w.submit(envelope(
        "party.token_issue",
        issue("minted", "cert-a"),
        "cert-b",
        &b,
    )));
    assert_eq!(rule, "own-token-only");
    w.submit(envelope(
        "party.token_issue",
        issue("mine", "cert-a"),
        "cert-a",
        &a,
    ))
    .unwrap();
    w.submit(envelope(
        "party.token_issue",
        issue("sec", "secretariat"),
        "secretariat",
        &sec,
    ))
    .unwrap();
    let now = Timestamp::from_unix_ms(w.now);
    assert_eq!(
        w.state
            .tokens()
            .authenticate("mine", now)
            .map(|t| t.party.as_str()),
        Some("cert-a")
    );
    assert!(w.state.tokens().authenticate("minted", now).is_none());
    // Another party may not revoke it; the secretariat may (a leak, a lost laptop).
    let revoke = json!({"token_sha256": hash("mine")});
    let (_, rule, _) =
        refused(w.submit(envelope("party.token_revoke", revoke.clone(), "cert-b", &b)));
    assert_eq!(rule, "not-own-token");
    w.submit(envelope("party.token_revoke", revoke, "secretariat", &sec))
        .unwrap();
    assert!(w.state.tokens().authenticate("mine", now).is_none());
}

/// Security review, finding 1a (the road around it): the secretariat cannot give itself a
/// party's signature by adding a key to it. It may recover a party left with no active key,
/// and the recovered key signs only after a public notice.
#[test]
fn the_secretariat_cannot_add_a_key_to_a_party_it_may_only_recover_one_under_notice() {
    let mut w = World::founded();
    let a = KeyPair::generate();
    w.register("cert-a", "cert", &a).unwrap();
    let sec = w.secretariat.clone();
    let planted = KeyPair::generate();
    let rotation = json!({"party": "cert-a", "public_key": planted.public_key()});
    let (kind, rule, _) = refused(w.submit(envelope(
        "party.rotate_key",
        rotation.clone(),
        "secretariat",
        &sec,
    )));
    assert_eq!((kind, rule), (RejectionKind::Forbidden, "not-own-key"));
    // The party's own key was stolen: the secretariat revokes it, then recovers the party.
    let revoke = json!({"party": "cert-a", "key": a.key_id(), "reason": "compromised"});
    w.submit(envelope("party.revoke_key", revoke, "secretariat", &sec))
        .unwrap();
    w.submit(envelope("party.rotate_key", rotation, "secretariat", &sec))
        .unwrap();
    let token = json!({"party": "cert-a", "token_sha256": accord_domain::tokens::token_hash("t"),
                       "label": "api"});
    let (kind, rule, pointer) = refused(w.submit(envelope(
        "party.token_issue",
        token.clone(),
        "cert-a",
        &planted,
    )));
    assert_eq!(
        (kind, rule, pointer.as_str()),
        (
            RejectionKind::Unauthorized,
            "key-under-notice",
            "/signer/key"
        )
    );
    let key = &w.state.parties()[&"cert-a".parse().unwrap()].keys[&planted.key_id()];
    let from = key.usable_from.expect("a recovered key is under notice");
    w.now = from.unix_ms();
    w.submit(envelope("party.token_issue", token, "cert-a", &planted))
        .unwrap();
    let mut replay = State::new();
    for (i, e) in w.entries.iter().enumerate() {
        replay.admit(i as u64, e).unwrap();
    }
    assert_eq!(replay.parties(), w.state.parties());
}
