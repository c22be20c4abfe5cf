//! TAXII 2.1 throughput, Accord beside the OASIS reference server `medallion` (PyPI, memory
//! backend) on the same objects, the same machine, in the same run.
//!
//! The objects are STIX 2.1 indicators, half TLP:CLEAR (logged in full) and half TLP:GREEN
//! (committed in the log, content in the vault). Both servers are driven by the same client
//! code, one request at a time, with envelopes and pages of 100 objects:
//! - **write**: Accord takes all `n` objects; medallion, whose memory backend copies the whole
//!   API root on every request, is loaded with `n - k` of them from its data file and then
//!   takes the last `k` — the same collection size, a bounded run;
//! - **read one object**: GET `…/objects/{id}/` of random objects in the full collection;
//! - **read everything**: paging through the collection with `limit`/`next`. Medallion's first
//!   page costs O(n²) (its filters compare every object with every other), so it pages a
//!   small collection of `small` objects — its best case — while Accord pages all `n`.
//!
//! medallion runs on the test tools' Python (`scripts/install-test-tools` installs it into a
//! virtualenv), found by the rule the tests use.

/// The test tools' Python: the one rule, shared with the tests of every crate.
#[path = "../../tests/support/python.rs"]
mod python;

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_domain::tokens::token_hash;
use accord_envelope::{Envelope, Signer};
use accord_sequencer::Submission;
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde_json::{json, Value};

use super::{found_bench_instance, register_parties, row, InProcess, Row};
use crate::datadir::DataDir;

const TAXII: &str = "application/taxii+json;version=2.1";
const PAGE: usize = 100;
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

/// The `i`-th bench object.
fn object(i: usize) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{:08x}-{:04x}-4000-8000-{:012x}", i, i % 0xffff, i),
        "created": "2026-06-01T00:00:00.000Z", "modified": "2026-06-01T00:00:00.000Z",
        "name": format!("scanner {i}"),
        "description": "Mass scanning of exposed management interfaces.",
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", i >> 16 & 255, i >> 8 & 255, i & 255),
        "pattern_type": "stix", "valid_from": "2026-06-01T00:00:00Z",
        "indicator_types": ["malicious-activity"],
        "object_marking_refs": [if i.is_multiple_of(2) { CLEAR } else { GREEN }],
    })
}

/// A TAXII client of one server.
struct Client {
    agent: ureq::Agent,
    collection: String,
    auth: String,
}

impl Client {
    fn new(collection: String, auth: String) -> Client {
        Client {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(600)))
                .build()
                .into(),
            collection,
            auth,
        }
    }

    fn get(&self, url: &str) -> Result<Value> {
        let mut res = self
            .agent
            .get(url)
            .header("accept", TAXII)
            .header("authorization", &self.auth)
            .call()?;
        let status = res.status().as_u16();
        let body = res.body_mut().with_config().limit(1 << 30).read_to_vec()?;
        if status != 200 {
            bail!(
                "GET {url}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// Posts `objects` in envelopes of [`PAGE`]; objects/s.
    fn write(&self, objects: &[Value], bar: &indicatif::ProgressBar) -> Result<f64> {
        let url = format!("{}objects/", self.collection);
        let started = Instant::now();
        for chunk in objects.chunks(PAGE) {
            let body = serde_json::to_vec(&json!({ "objects": chunk }))?;
            let mut res = self
                .agent
                .post(&url)
                .header("accept", TAXII)
                .header("content-type", TAXII)
                .header("authorization", &self.auth)
                .send(&body[..])?;
            let status = res.status().as_u16();
            let status_body: Value =
                serde_json::from_slice(&res.body_mut().read_to_vec()?).unwrap_or(Value::Null);
            if status != 202 || status_body["success_count"].as_u64() != Some(chunk.len() as u64) {
                bail!("POST {url}: HTTP {status}: {status_body}");
            }
            bar.inc(chunk.len() as u64);
        }
        Ok(objects.len() as f64 / started.elapsed().as_secs_f64())
    }

    /// Reads `ids` one by one; objects/s.
    fn read_each(&self, ids: &[String]) -> Result<f64> {
        let started = Instant::now();
        for id in ids {
            let page = self.get(&format!("{}objects/{id}/", self.collection))?;
            if page["objects"][0]["id"] != *id {
                bail!("reading {id} returned {page}");
            }
        }
        Ok(ids.len() as f64 / started.elapsed().as_secs_f64())
    }

    /// Pages through the whole collection; (objects read, objects/s).
    fn read_all(&self) -> Result<(usize, f64)> {
        let started = Instant::now();
        let mut n = 0;
        let mut next: Option<String> = None;
        loop {
            let url = match &next {
                None => format!("{}objects/?limit={PAGE}", self.collection),
                Some(t) => format!("{}objects/?limit={PAGE}&next={t}", self.collection),
            };
            let page = self.get(&url)?;
            n += page["objects"].as_array().map_or(0, Vec::len);
            if page["more"] != true {
                break;
            }
            next = Some(
                page["next"]
                    .as_str()
                    .context("`more` without `next`")?
                    .to_owned(),
            );
        }
        Ok((n, n as f64 / started.elapsed().as_secs_f64()))
    }
}

/// What one server did.
struct Measured {
    write: f64,
    read_one: f64,
    read_all: (usize, f64),
}

/// Accord with `n` objects.
fn accord(root: &Path, objects: &[Value], sample: &[String]) -> Result<Measured> {
    let (ledger, secretariat) = found_bench_instance(root, "taxii", "Accord TAXII bench")?;
    let (party, party_key) = register_parties(&ledger, &secretariat, 1)?.remove(0);
    let token = "acc_taxii-bench-token";
    let issue = Envelope::sign(
        "party.token_issue",
        1,
        json!({"party": party, "token_sha256": token_hash(token), "label": "bench"}),
        Signer {
            party: party.clone(),
            key: party_key.key_id(),
        },
        &party_key,
    )?;
    for r in ledger.append(vec![Submission::new(issue)])? {
        r.map_err(|e| anyhow!("issuing the bench token: {e}"))?;
    }
    let server = InProcess::start(Arc::new(ledger), &DataDir::new(root))?;
    let addr = server.addr;
    let client = Client::new(
        format!("http://{addr}/taxii2/accord/collections/community/"),
        format!("Bearer {token}"),
    );
    let bar = crate::progress::bar(objects.len() as u64, "TAXII: posting to Accord", true);
    let measured = (|| {
        let write = client.write(objects, &bar)?;
        bar.finish_and_clear();
        Ok::<_, anyhow::Error>(Measured {
            write,
            read_one: client.read_each(sample)?,
            read_all: client.read_all()?,
        })
    })();
    server.stop()?;
    measured
}

/// A medallion process with a memory backend holding `preload` objects.
struct Medallion {
    child: Child,
    client: Client,
}

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const COLLECTION: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";

impl Medallion {
    fn start(python: &Path, dir: &Path, preload: &[Value]) -> Result<Medallion> {
        std::fs::create_dir_all(dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let root = format!("http://127.0.0.1:{port}/api1/");
        let manifest: Vec<Value> = preload
            .iter()
            .map(|o| {
                json!({"id": o["id"], "date_added": "2026-06-01T00:00:00.000000Z",
                "version": o["modified"], "media_type": "application/stix+json;version=2.1"})
            })
            .collect();
        let data = json!({
            "/discovery": {"title": "medallion bench", "description": "reference",
                "contact": "bench@example.org", "default": root, "api_roots": [root]},
            "api1": {
                "information": {"title": "API root", "description": "bench",
                    "versions": [TAXII], "max_content_length": 104_857_600},
                "status": [],
                "collections": [{"id": COLLECTION, "title": "bench", "description": "bench",
                    "can_read": true, "can_write": true,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": preload, "manifest": manifest}],
            },
        });
        let data_path = dir.join("data.json");
        std::fs::write(&data_path, serde_json::to_vec(&data)?)?;
        let config = json!({
            "backend": {"module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend", "filename": data_path},
            "users": {"bench": "bench-password"},
            "taxii": {"max_page_size": PAGE},
        });
        let config_path = dir.join("config.json");
        std::fs::write(&config_path, serde_json::to_vec(&config)?)?;
        let mut child = Command::new(python)
            .args([
                "-m",
                "medallion.scripts.run",
                "--host",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .args(["--log-level", "WARN"])
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!(
                    "starting medallion ({} -m medallion.scripts.run)",
                    python.display()
                )
            })?;
        let stderr = child.stderr.take();
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("bench:bench-password")
        );
        let m = Medallion {
            child,
            client: Client::new(format!("{root}collections/{COLLECTION}/"), auth),
        };
        // Drain its log so it never blocks on a full pipe.
        if let Some(e) = stderr {
            std::thread::spawn(move || for _ in BufReader::new(e).lines() {});
        }
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if m.client
                .get(&format!("http://127.0.0.1:{port}/taxii2/"))
                .is_ok()
            {
                return Ok(m);
            }
            if Instant::now() > deadline {
                bail!("medallion did not answer within 10 minutes");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The test tools' Python, if medallion can be run with it here.
fn medallion_python() -> Option<std::path::PathBuf> {
    let python = python::installed().ok()?;
    Command::new(&python)
        .args(["-c", "import medallion"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(python)
}

/// The rows of the TAXII comparison: `n` objects, medallion's write measured on the last `k`
/// and its full read on a collection of `small`.
pub(super) fn measure(root: &Path, n: usize) -> Result<Vec<Row>> {
    let objects: Vec<Value> = (0..n).map(object).collect();
    let k = (n / 50).clamp(100, 2_000).min(n);
    let small = n.min(1_000);
    let sample: Vec<String> = (0..20)
        .map(|i| {
            objects[(i * 7919) % n]["id"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let a = accord(&root.join("accord"), &objects, &sample)?;
    if a.read_all.0 != n {
        bail!("Accord paged {} objects of {n}", a.read_all.0);
    }
    let mut rows = vec![];
    let Some(python) = medallion_python() else {
        rows.push(row(
            &format!("TAXII: Accord, {n} objects: write / read one / read all (objects/s)"),
            format!("{:.0} / {:.0} / {:.0}", a.write, a.read_one, a.read_all.1),
            "≥ 20× medallion",
            None,
        ));
        rows.push(row(
            "TAXII: medallion not installed (run scripts/install-test-tools); no comparison",
            String::new(),
            "",
            None,
        ));
        return Ok(rows);
    };
    // medallion's write at collection size n: preloaded with n - k, then the last k.
    let (write, read_one) = {
        let m = Medallion::start(&python, &root.join("medallion-full"), &objects[..n - k])?;
        let bar = crate::progress::bar(k as u64, "TAXII: posting to medallion", true);
        let write = m.client.write(&objects[n - k..], &bar)?;
        bar.finish_and_clear();
        (write, m.client.read_each(&sample[..3])?)
    };
    // medallion's full read, on a small collection (its best case).
    let read_all = {
        let m = Medallion::start(&python, &root.join("medallion-small"), &objects[..small])?;
        m.client.read_all()?
    };
    if read_all.0 != small {
        bail!("medallion paged {} objects of {small}", read_all.0);
    }
    let ratio = |a: f64, b: f64| a / b;
    // The target is set for 100,000 objects; smaller runs are not judged.
    let verdict = |r: f64| (n >= 100_000).then_some(r >= 20.0);
    let (w, o, r) = (
        ratio(a.write, write),
        ratio(a.read_one, read_one),
        ratio(a.read_all.1, read_all.1),
    );
    rows.push(row(
        &format!("TAXII write, envelopes of {PAGE}: Accord ({n} objects) vs medallion (last {k} into {n})"),
        format!("{:.0} vs {write:.1} objects/s = {w:.0}×", a.write),
        "≥ 20×",
        verdict(w),
    ));
    rows.push(row(
        &format!("TAXII read one object by id, {n}-object collection: Accord vs medallion"),
        format!("{:.0} vs {read_one:.2} objects/s = {o:.0}×", a.read_one),
        "≥ 20×",
        verdict(o),
    ));
    rows.push(row(
        &format!("TAXII read all, pages of {PAGE}: Accord ({n} objects) vs medallion ({small}, its best case)"),
        format!("{:.0} vs {:.0} objects/s = {r:.0}×", a.read_all.1, read_all.1),
        "≥ 20×",
        verdict(r),
    ));
    Ok(rows)
}
