//! Sharing rules in the domain: groups, shares signed by the sharer itself, forged creators,
//! TLP versus collection, versions and withdrawals, and sightings that corroborate an
//! attribution claim resting on the sighted object.

use crate::common::{envelope, envelope_at, refused, World};
use accord_domain::indicators::{attribution_parity, Period};
use accord_domain::sharing::{identity_in, identity_of};
use accord_domain::{RejectionKind, Timestamp};
use accord_envelope::KeyPair;
use serde_json::{json, Value};

const IND: &str = "indicator--11111111-2222-4333-8444-555555555555";

fn indicator(marking: &str, modified: &str) -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": IND,
        "created": "2026-01-01T00:00:00.000Z", "modified": modified, "name": "C2",
        "pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": [marking]})
}

const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

fn sealed(id: &str, ty: &str, tlp: &str, extra: Value) -> Value {
    let mut s = json!({"id": id, "type": ty, "version": "2026-01-01T00:00:00.000Z", "tlp": tlp,
        "commitment": "ab".repeat(32), "size": 420});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

struct W {
    w: World,
    keys: Vec<(&'static str, KeyPair)>,
}

impl W {
    fn new() -> W {
        let mut w = World::chartered();
        let keys = vec![
            ("cert-a", KeyPair::from_seed([31; 32])),
            ("cert-b", KeyPair::from_seed([32; 32])),
            ("cert-c", KeyPair::from_seed([33; 32])),
        ];
        for (id, k) in &keys {
            w.register(id, "cert", k).unwrap();
        }
        W { w, keys }
    }

    /// Submits as `party` — or, for a restricted object, as the instance recording a TAXII
    /// post by `party` (as the server does).
    fn by(
        &mut self,
        party: &str,
        ty: &str,
        payload: Value,
    ) -> Result<(), accord_domain::Rejection> {
        if payload.get("sealed").is_some() {
            let instance = KeyPair::from_seed([1; 32]);
            return self.w.submit(envelope(ty, payload, "instance", &instance));
        }
        self.signed_by(party, ty, payload)
    }

    fn signed_by(
        &mut self,
        party: &str,
        ty: &str,
        payload: Value,
    ) -> Result<(), accord_domain::Rejection> {
        let key = self
            .keys
            .iter()
            .find(|(p, _)| *p == party)
            .unwrap()
            .1
            .clone();
        self.w.submit(envelope(ty, payload, party, &key))
    }
}

#[test]
fn shares_are_checked_against_groups_markings_creators_and_versions() {
    let mut w = W::new();
    // A TLP:CLEAR object is logged in full.
    w.by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "community",
        "object": indicator(CLEAR, "2026-01-01T00:00:00.000Z")}),
    )
    .unwrap();
    // A party shares only as itself.
    let r = refused(w.by(
        "cert-b",
        "intel.share",
        json!({"by": "cert-a", "collection": "community",
        "object": indicator(CLEAR, "2026-02-01T00:00:00.000Z")}),
    ));
    assert_eq!((r.0, r.1), (RejectionKind::Forbidden, "intel-by"));
    // A restricted object is never logged in full.
    let r = refused(w.by("cert-a", "intel.share", json!({"by": "cert-a", "collection": "community",
        "object": indicator("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "2026-02-01T00:00:00.000Z")})));
    assert_eq!(r.1, "tlp-clear-only");
    // Only the sharer adds versions; the same version twice is refused.
    let r = refused(w.by(
        "cert-b",
        "intel.share",
        json!({"by": "cert-b", "collection": "community",
        "object": indicator(CLEAR, "2026-03-01T00:00:00.000Z")}),
    ));
    assert_eq!(r.1, "object-owner");
    let r = refused(w.by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "community",
        "object": indicator(CLEAR, "2026-01-01T00:00:00.000Z")}),
    ));
    assert_eq!(r.1, "version-exists");
    // A forged creator.
    let mut forged = indicator(CLEAR, "2026-04-01T00:00:00.000Z");
    forged["created_by_ref"] = json!(identity_of("cert-b"));
    assert_eq!(
        refused(w.by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "community", "object": forged})
        ))
        .1,
        "created-by-ref"
    );
    // AMBER needs a group; a group must exist and the sharer be in it.
    let amber = sealed(
        "indicator--21111111-2222-4333-8444-555555555555",
        "indicator",
        "TLP:AMBER",
        json!({}),
    );
    assert_eq!(
        refused(w.by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "community", "sealed": amber})
        ))
        .1,
        "tlp-needs-group"
    );
    assert_eq!(
        refused(w.by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "circle", "sealed": amber})
        ))
        .1,
        "unknown-collection"
    );
    w.by(
        "cert-b",
        "sharing.group",
        json!({"group": "circle", "title": "Circle", "members": ["cert-c"]}),
    )
    .unwrap();
    assert_eq!(
        refused(w.by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "circle", "sealed": amber})
        ))
        .1,
        "not-a-member"
    );
    // Only the convenor changes a group; `community` is reserved; members are registered.
    assert_eq!(
        refused(w.by(
            "cert-a",
            "sharing.group",
            json!({"group": "circle", "title": "Mine", "members": []})
        ))
        .1,
        "group-convenor"
    );
    assert_eq!(
        refused(w.by(
            "cert-a",
            "sharing.group",
            json!({"group": "community", "title": "Mine", "members": []})
        ))
        .1,
        "reserved-group"
    );
    assert_eq!(
        refused(w.by(
            "cert-b",
            "sharing.group",
            json!({"group": "circle", "title": "C", "members": ["ghost"]})
        ))
        .1,
        "group-member"
    );
    w.by(
        "cert-b",
        "sharing.group",
        json!({"group": "circle", "title": "Circle", "members": ["cert-c", "cert-a"]}),
    )
    .unwrap();
    w.by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "circle", "sealed": amber}),
    )
    .unwrap();
    // A party cannot sign a restricted share itself: its content would never reach the vault.
    let own = sealed(
        "indicator--41111111-2222-4333-8444-555555555555",
        "indicator",
        "TLP:AMBER",
        json!({}),
    );
    let r = refused(w.signed_by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "circle", "sealed": own}),
    ));
    assert_eq!(r.1, "sealed-via-taxii");
    // A bad commitment or id is named precisely.
    let mut bad = amber.clone();
    bad["commitment"] = json!("XYZ");
    assert_eq!(
        refused(w.by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "circle", "sealed": bad})
        ))
        .2,
        "/payload/sealed/commitment"
    );
    // Withdrawal: by the sharer only; then it is gone and cannot be withdrawn again.
    let wd = json!({"by": "cert-a", "collection": "circle", "id": "indicator--21111111-2222-4333-8444-555555555555"});
    assert_eq!(refused(w.by("cert-c", "intel.withdraw", json!({"by": "cert-c", "collection": "circle", "id": "indicator--21111111-2222-4333-8444-555555555555"}))).1, "object-owner");
    w.by("cert-a", "intel.withdraw", wd.clone()).unwrap();
    assert_eq!(
        refused(w.by("cert-a", "intel.withdraw", wd)).1,
        "unknown-object"
    );
    let coll = w.w.state.sharing().collection("circle").unwrap();
    assert!(coll.added[0].withdrawn.is_some());
}

#[test]
fn another_partys_sighting_of_a_claimed_indicator_corroborates_the_claim() {
    let mut w = W::new();
    w.by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "community",
        "object": indicator(CLEAR, "2026-01-01T00:00:00.000Z")}),
    )
    .unwrap();
    w.by("cert-a", "report.attribution", json!({"claim": "c1", "accused": "APT North Wind",
        "incident": "ir-1", "confidence": 4, "evidence": [{"kind": "infrastructure", "description": "Shared C2."}],
        "intel": [IND]})).unwrap();
    let rate = |w: &W| {
        let now = Timestamp::from_unix_ms(w.w.now);
        let period = Period {
            from: Timestamp::from_unix_ms(0),
            to: now.plus_hours(1),
        };
        let e = attribution_parity(
            w.w.state.attributions(),
            w.w.state.sharing(),
            &"cert-a".parse().unwrap(),
            period,
            now,
            3,
        );
        e.figures["corroboration_rate"]
    };
    assert_eq!(rate(&w), 0.0);
    // The claimant's own sighting does not count.
    let sighting = |n: u8, by: &str| {
        sealed(
            &format!("sighting--3{n}111111-2222-4333-8444-555555555555"),
            "sighting",
            "TLP:GREEN",
            json!({"sighting_of_ref": IND, "created_by_ref": identity_of(by)}),
        )
    };
    w.by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "community", "sealed": sighting(1, "cert-a")}),
    )
    .unwrap();
    assert_eq!(rate(&w), 0.0);
    // Another party's does — even restricted, since the public envelope names what it sights.
    w.by(
        "cert-b",
        "intel.share",
        json!({"by": "cert-b", "collection": "community", "sealed": sighting(2, "cert-b")}),
    )
    .unwrap();
    assert_eq!(rate(&w), 1.0);
    // Withdrawn, it no longer counts.
    w.by("cert-b", "intel.withdraw", json!({"by": "cert-b", "collection": "community", "id": "sighting--32111111-2222-4333-8444-555555555555"})).unwrap();
    assert_eq!(rate(&w), 0.0);
    // A claim naming something that is not a STIX id is refused.
    let r = refused(w.by(
        "cert-a",
        "report.attribution",
        json!({"claim": "c2", "accused": "X",
        "incident": "ir-2", "confidence": 3, "intel": ["not-an-id"]}),
    ));
    assert_eq!(r.2, "/payload/intel/0");
}

/// `intel.share` schema 2 holds objects to the second edition of the STIX rules; an entry
/// signed at schema 1 (as the logs written before hold them) is judged by the first, so it
/// replays as it was accepted: a version-8 id and the version-8 identity of its sharer.
#[test]
fn a_share_is_judged_by_the_rules_of_its_schema() {
    let mut w = W::new();
    let key = w.keys[0].1.clone();
    let v8 = "indicator--b16ab9b2-98bf-893f-86d3-158d9add1052";
    let mut object = indicator(CLEAR, "2026-01-02T00:00:00.000Z");
    object["id"] = json!(v8);
    object["created_by_ref"] = json!(identity_in("cert-a", accord_stix::Edition::V1));
    let share = json!({"by": "cert-a", "collection": "community", "object": object});
    let now =
        w.w.submit(envelope("intel.share", share.clone(), "cert-a", &key));
    let err = now.unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("stix", "/payload/object/id"),
        "{err}"
    );
    w.w.submit(envelope_at("intel.share", 1, share, "cert-a", &key))
        .expect("a schema 1 share is judged by the first rules");

    // At schema 2 the sharer's identity is the version-5 one, and a pattern must parse.
    let mut object = indicator(CLEAR, "2026-01-03T00:00:00.000Z");
    object["created_by_ref"] = json!(identity_in("cert-a", accord_stix::Edition::V1));
    let err = w
        .by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "community", "object": object.clone()}),
        )
        .unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("stix", "/payload/object/created_by_ref"),
        "{err}"
    );
    object["created_by_ref"] = json!(identity_of("cert-a"));
    object["pattern"] = json!("[ipv4-addr:value = ]");
    let err = w
        .by(
            "cert-a",
            "intel.share",
            json!({"by": "cert-a", "collection": "community", "object": object.clone()}),
        )
        .unwrap_err();
    assert!(err.detail.contains("at character 19"), "{err}");
    object["pattern"] = json!("[ipv4-addr:value = '203.0.113.9']");
    w.by(
        "cert-a",
        "intel.share",
        json!({"by": "cert-a", "collection": "community", "object": object}),
    )
    .unwrap();
}

/// Once an entry type is logged at a newer schema, an entry at an older one is refused by the
/// projection itself — on the live instance and on every replay — so that an operator with a
/// modified sequencer cannot keep logging under retired rules without `accord verify` saying
/// so.
#[test]
fn a_log_never_goes_back_to_a_retired_schema() {
    let mut w = W::new();
    let key = w.keys[0].1.clone();
    let share = |n: u32, identity: String| {
        let mut object = indicator(CLEAR, "2026-01-02T00:00:00.000Z");
        object["id"] = json!(format!("indicator--{n:08x}-2222-4333-8444-555555555555"));
        object["created_by_ref"] = json!(identity);
        json!({"by": "cert-a", "collection": "community", "object": object})
    };
    let old = identity_in("cert-a", accord_stix::Edition::V1);
    // Before any schema 2 entry, schema 1 replays (a log written before the change).
    w.w.submit(envelope_at(
        "intel.share",
        1,
        share(1, old.clone()),
        "cert-a",
        &key,
    ))
    .unwrap();
    w.w.submit(envelope(
        "intel.share",
        share(2, identity_of("cert-a")),
        "cert-a",
        &key,
    ))
    .unwrap();
    let err =
        w.w.submit(envelope_at("intel.share", 1, share(3, old), "cert-a", &key))
            .unwrap_err();
    assert_eq!(
        (err.rule, err.pointer.as_str()),
        ("schema-went-back", "/schema"),
        "{err}"
    );
    assert_eq!(err.kind, RejectionKind::Conflict);
}
