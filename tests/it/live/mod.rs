//! An in-process instance for integration tests: a real SQLite store and evidence vault in a
//! temporary directory, the real sequencer and HTTP server on loopback, and log time from an
//! injectable clock (moved forward between steps so deadlines pass without waiting).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_domain::norms::Charter;
use accord_domain::Timestamp;
use accord_envelope::{Envelope, KeyPair, Signer};
use accord_sequencer::{Ledger, Sequencer, SequencerThread, SimulatedClock};
use accord_server::{AppState, Metrics};
use accord_store::Store;
use accord_store_sqlite::{SqliteStore, SqliteVault};
use accord_tlog::note::NoteVerifier;
use serde_json::{json, Value};

pub const HOUR: u64 = 3_600_000;
pub const DAY: u64 = 24 * HOUR;
pub const START: u64 = 1_767_600_000_000; // 2026-01-05T08:00:00Z

/// A running instance and a client for it.
pub struct Api {
    pub url: String,
    pub agent: ureq::Agent,
    pub clock: SimulatedClock,
    pub keys: BTreeMap<String, KeyPair>,
    pub ledger: Arc<Ledger>,
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<SequencerThread>,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Api {
    /// Starts an empty instance: genesis, the baseline charter, and `parties`
    /// (id, kind, region), each with a fixed key.
    pub fn start(parties: &[(&str, &str, &str)]) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("accord.db")).unwrap());
        let vault = Arc::new(SqliteVault::open(dir.path().join("evidence.db")).unwrap());
        let instance = KeyPair::generate();
        let clock = SimulatedClock::at(Timestamp::from_unix_ms(START));
        let ledger = Arc::new(
            Ledger::open(
                store.clone(),
                "test.example/regime",
                &instance,
                Arc::new(clock.clone()),
                &mut |_, _| {},
            )
            .unwrap(),
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (sequencer, thread) = Sequencer::start(ledger.clone(), 256, None);
        let state = AppState::new(sequencer, ledger.clone(), vault, Arc::new(Metrics::new()));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(accord_server::serve(listener, state, async {
            let _ = stop_rx.await;
        }));
        let mut keys: BTreeMap<String, KeyPair> = BTreeMap::new();
        keys.insert("instance".into(), instance.clone());
        keys.insert("secretariat".into(), KeyPair::generate());
        for (i, (id, _, _)) in parties.iter().enumerate() {
            keys.insert((*id).into(), KeyPair::from_seed([60 + i as u8; 32]));
        }
        let api = Api {
            url,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
            clock,
            keys,
            ledger,
            store,
            dir,
            runtime,
            server: Some(server),
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        api.ok("instance", "instance.genesis", json!({
            "origin": "test.example/regime", "display_name": "Test regime",
            "instance_key": instance.public_key(),
            "secretariat": {"party": "secretariat", "kind": "secretariat", "region": "global",
                            "display_name": "Secretariat", "public_key": api.keys["secretariat"].public_key()}}));
        api.ok(
            "secretariat",
            "regime.establish",
            serde_json::to_value(Charter::baseline()).unwrap(),
        );
        for (id, kind, region) in parties {
            api.ok(
                "secretariat",
                "party.register",
                json!({"party": id, "kind": kind, "region": region,
                "display_name": format!("Party {id}"), "public_key": api.keys[*id].public_key()}),
            );
        }
        api
    }

    pub fn post(&self, party: &str, ty: &str, payload: Value) -> (u16, Value) {
        let key = &self.keys[party];
        let signer = Signer {
            party: party.parse().unwrap(),
            key: key.key_id(),
        };
        let schema = accord_domain::payload::current_schema(ty).unwrap_or(1);
        let env = Envelope::sign(ty, schema, payload, signer, key).unwrap();
        let mut res = self
            .agent
            .post(&format!("{}/entries", self.url))
            .header("content-type", "application/json")
            .send(&env.to_canonical_bytes()[..])
            .unwrap();
        let status = res.status().as_u16();
        let body = res.body_mut().read_to_vec().unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Posts and expects acceptance; returns the receipt.
    pub fn ok(&self, party: &str, ty: &str, payload: Value) -> Value {
        let (status, body) = self.post(party, ty, payload);
        assert_eq!(status, 201, "{ty} by {party} was refused: {body}");
        body
    }

    /// Posts, expects a refusal with `status` and `rule`, and checks nothing changed.
    pub fn refused(&self, party: &str, ty: &str, payload: Value, status: u16, rule: &str) -> Value {
        let before = self.digest();
        let (got, body) = self.post(party, ty, payload);
        assert_eq!(
            (got, body["rule"].as_str()),
            (status, Some(rule)),
            "{ty} by {party}: {body}"
        );
        assert!(
            body["detail"].as_str().is_some_and(|d| d.len() > 10),
            "{body}"
        );
        assert_eq!(self.digest(), before, "a refused {ty} changed the state");
        body
    }

    /// Any request, with an optional bearer token and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Answer {
        let uri = format!("{}{path}", self.url);
        let mut req = ureq::http::Request::builder().method(method).uri(&uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        let mut res = match body {
            Some(b) => self.agent.run(req.body(b.to_vec()).unwrap()),
            None => self.agent.run(req.body(()).unwrap()),
        }
        .unwrap();
        Answer {
            status: res.status().as_u16(),
            headers: res
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: res
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_vec()
                .unwrap(),
        }
    }

    /// The `voters` (states) adopt an accreditation of `auditors`, who may then be drawn for
    /// audits and panels; three days of log time pass.
    pub fn accredit(&self, voters: &[&str], auditors: &[&str]) {
        let id = format!("accreditation-{}", auditors.join("-"));
        self.ok(
            voters[0],
            "instrument.propose",
            json!({"instrument": id, "title": "Accreditation of auditors",
                   "draft": {"kind": "accreditation", "accredit": auditors},
                   "comment_until": self.at(1), "positions_until": self.at(2)}),
        );
        self.wait(DAY + HOUR);
        for v in voters {
            self.ok(
                v,
                "instrument.position",
                json!({"instrument": id, "version": 1, "stance": "support"}),
            );
        }
        self.wait(2 * DAY);
        self.ok(
            "secretariat",
            "instrument.decide",
            json!({"instrument": id, "outcome": "adopted"}),
        );
    }

    pub fn get(&self, path: &str) -> Value {
        let a = self.request("GET", path, None, &[], None);
        assert_eq!(a.status, 200, "GET {path}");
        a.json()
    }

    pub fn digest(&self) -> (u64, [u8; 32]) {
        let core = self.ledger.read();
        let p = core.published().unwrap();
        (p.checkpoint.size, p.state_digest)
    }

    pub fn wait(&self, ms: u64) {
        self.clock.advance_ms(ms);
    }

    pub fn at(&self, plus_days: u64) -> String {
        Timestamp::from_unix_ms(
            accord_sequencer::Clock::now(&self.clock).unix_ms() + plus_days * DAY,
        )
        .to_string()
    }

    /// `accord verify` (the library) from the database and over HTTP recomputes the live
    /// state digest.
    pub fn verify(&self) {
        let (size, digest) = self.digest();
        let verifier = NoteVerifier::parse(&self.ledger.verifier_key()).unwrap();
        let local = accord_verify::verify(
            &accord_verify::LocalSource(self.store.clone() as Arc<dyn Store>),
            &verifier,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!((local.entries, local.state_digest), (size, digest));
        let remote = accord_verify::verify(
            &accord_verify::HttpSource::new(&self.url),
            &verifier,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!((remote.entries, remote.state_digest), (size, digest));
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server);
        }
        if let Some(thread) = self.thread.take() {
            thread.join();
        }
    }
}
