//! A small world for domain tests: a founded instance whose entries are admitted one by one.

#![allow(dead_code)]

use accord_domain::payload::{GENESIS, PARTY_REGISTER};
use accord_domain::{LogEntry, Rejection, RejectionKind, State, Timestamp};
use accord_envelope::{Envelope, KeyPair, Signer};
use serde_json::{json, Value};

pub const T0: u64 = 1_767_600_000_000; // 2026-01-05T08:00:00Z

pub struct World {
    pub state: State,
    pub entries: Vec<LogEntry>,
    pub now: u64,
    pub secretariat: KeyPair,
}

pub fn envelope(ty: &str, payload: Value, party: &str, key: &KeyPair) -> Envelope {
    let signer = Signer {
        party: party.parse().unwrap(),
        key: key.key_id(),
    };
    let schema = accord_domain::payload::current_schema(ty).unwrap_or(1);
    Envelope::sign(ty, schema, payload, signer, key).unwrap()
}

/// An envelope at an older schema version of its type, as a log written then holds it.
pub fn envelope_at(ty: &str, schema: u32, payload: Value, party: &str, key: &KeyPair) -> Envelope {
    let signer = Signer {
        party: party.parse().unwrap(),
        key: key.key_id(),
    };
    Envelope::sign(ty, schema, payload, signer, key).unwrap()
}

impl World {
    pub fn founded() -> World {
        let instance = KeyPair::from_seed([1; 32]);
        let secretariat = KeyPair::from_seed([2; 32]);
        let mut w = World {
            state: State::new(),
            entries: Vec::new(),
            now: T0,
            secretariat: secretariat.clone(),
        };
        let genesis = json!({
            "origin": "test.example/regime",
            "display_name": "Test regime",
            "instance_key": instance.public_key(),
            "secretariat": {
                "party": "secretariat", "kind": "secretariat", "region": "global",
                "display_name": "The Secretariat", "public_key": secretariat.public_key()
            }
        });
        w.submit(envelope(GENESIS, genesis, "instance", &instance))
            .unwrap();
        w
    }

    /// A founded instance whose secretariat established the baseline charter.
    pub fn chartered() -> World {
        let mut w = World::founded();
        let sec = w.secretariat.clone();
        let charter = serde_json::to_value(accord_domain::norms::Charter::baseline()).unwrap();
        w.submit(envelope("regime.establish", charter, "secretariat", &sec))
            .unwrap();
        w
    }

    pub fn submit(&mut self, envelope: Envelope) -> Result<(), Rejection> {
        self.now += 60_000;
        let entry = LogEntry {
            envelope,
            sequenced_at: Timestamp::from_unix_ms(self.now),
        };
        self.state.admit(self.entries.len() as u64, &entry)?;
        self.entries.push(entry);
        Ok(())
    }

    pub fn register(&mut self, id: &str, kind: &str, key: &KeyPair) -> Result<(), Rejection> {
        self.register_in(id, kind, "europe", key)
    }

    pub fn register_in(
        &mut self,
        id: &str,
        kind: &str,
        region: &str,
        key: &KeyPair,
    ) -> Result<(), Rejection> {
        let payload = json!({
            "party": id, "kind": kind, "region": region,
            "display_name": format!("Party {id}"), "public_key": key.public_key()
        });
        let sec = self.secretariat.clone();
        self.submit(envelope(PARTY_REGISTER, payload, "secretariat", &sec))
    }

    /// Log time now, on the wire.
    pub fn at(&self, plus_hours: u64) -> String {
        Timestamp::from_unix_ms(self.now + plus_hours * 3_600_000).to_string()
    }
}

pub fn refused(result: Result<(), Rejection>) -> (RejectionKind, &'static str, String) {
    let r = result.expect_err("the entry should have been refused");
    assert!(!r.detail.is_empty());
    (r.kind, r.rule, r.pointer)
}
