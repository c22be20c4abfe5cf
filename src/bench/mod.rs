//! `accord bench`: measures, in one run on this machine, durable signed submissions through
//! HTTP and through the library path against a baseline of raw batched SQLite inserts of the
//! same bytes; `verify` throughput on a large log; and the peak memory of a server serving it.
//!
//! Everything runs on loopback, is bounded in count, and cleans up after itself.

mod enforcement;
mod negotiation;
mod reports;
mod simulation;
mod taxii;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_domain::ids::{DisplayName, LanguageTag, RegionId, ShortText};
use accord_domain::norms::Charter;
use accord_domain::registry::{
    Channel, Contact, ContactRole, PartyKind, PartyRegistration, PocDeclaration,
};
use accord_domain::Payload;
use accord_envelope::{Envelope, KeyPair, PartyId, Signer};
use accord_sequencer::{Ledger, Sequencer, Submission, SystemClock};
use accord_server::{AppState, Metrics};
use accord_tlog::note::NoteVerifier;
use accord_verify::LocalSource;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use rayon::prelude::*;

use crate::datadir::DataDir;
use crate::init::{found, Founding};
use crate::progress;
use crate::serve::MAX_BATCH;

/// Arguments of `accord bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Entries in the log that `verify` and the memory measurement run on.
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Signed submissions sent through HTTP (and again through the library path).
    #[arg(long, default_value_t = 20_000)]
    submissions: u64,
    /// Remediation reports imported in the bulk-report measurement (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    reports: u64,
    /// Positions in the negotiation-projection measurement (200 parties).
    #[arg(long, default_value_t = 10_000)]
    positions: usize,
    /// Parties in the enforcement measurement.
    #[arg(long, default_value_t = 10_000)]
    parties: usize,
    /// Cases in the enforcement measurement (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// STIX objects posted and read through TAXII, beside medallion (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    taxii_objects: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Runs of 1,000 generations of the norms game in the simulation measurement (0 skips it).
    #[arg(long, default_value_t = 1000)]
    simulation_runs: u64,
    /// Also measure durable HTTP submissions with the log in this empty PostgreSQL database
    /// (postgres://user:password@host/db); without it, PostgreSQL is not measured.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Work in this directory (kept afterwards) instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of a table.
    #[arg(long)]
    json: bool,
}

struct Row {
    what: String,
    value: String,
    target: String,
    verdict: &'static str,
}

fn row(what: &str, value: String, target: &str, pass: Option<bool>) -> Row {
    Row {
        what: what.to_owned(),
        value,
        target: target.to_owned(),
        verdict: match pass {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        },
    }
}

/// Runs `accord bench`.
pub fn run(args: BenchArgs) -> Result<ExitCode> {
    if args.clients == 0 || args.submissions == 0 || args.entries < 2_000 || args.positions < 400 {
        bail!("--clients and --submissions must be positive, --entries at least 2000 and --positions at least 400");
    }
    let (root, temporary) = match &args.dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("accord-bench-{}", std::process::id())),
            true,
        ),
    };
    if root.exists() {
        std::fs::remove_dir_all(&root).with_context(|| format!("clearing {}", root.display()))?;
    }
    std::fs::create_dir_all(&root)?;
    let result = measure(&args, &root);
    if temporary {
        let _ = std::fs::remove_dir_all(&root);
    }
    let rows = result?;
    if args.json {
        let v: Vec<_> = rows
            .iter()
            .map(|r| serde_json::json!({"measurement": r.what, "value": r.value, "target": r.target, "verdict": r.verdict}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "\naccord bench — {} submissions, {} clients, {}-entry log, {} cores\n",
            args.submissions,
            args.clients,
            args.entries,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        println!("| measurement | value | target | |");
        println!("|---|---|---|---|");
        for r in &rows {
            println!(
                "| {} | {} | {} | {} |",
                r.what, r.value, r.target, r.verdict
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn measure(args: &BenchArgs, root: &Path) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let clients = args.clients;

    // 0. The norms game: on every core, and on one as the baseline.
    if args.simulation_runs > 0 {
        let sim = simulation::measure(args.simulation_runs, 1000)?;
        let (all, one) = sim.rates();
        rows.push(row(
            &format!(
                "simulate: norms game, {} runs × 1,000 generations, all cores / one core",
                sim.runs
            ),
            format!("{:.1} s / {:.1} s", sim.parallel, sim.one_core),
            "1,000 runs < 60 s",
            (sim.runs >= 1000).then_some(sim.parallel < 60.0),
        ));
        rows.push(row(
            "simulate: generations × agents per second, all cores / one core",
            format!("{:.2e} / {:.2e}", all, one),
            "",
            None,
        ));
    }

    // 1. HTTP, concurrent clients, receipts after durability.
    let http = Instance::new(&root.join("http"), clients)?;
    let envelopes = http.presign(args.submissions, 0)?;
    let leaf_bytes_sample: Vec<Vec<u8>> =
        envelopes.iter().map(|e| e.to_canonical_bytes()).collect();
    let (http_rate, http_lat, batches) = http.bench_http(envelopes, clients)?;
    rows.push(row(
        "HTTP: durable signed submissions/s",
        format!("{http_rate:.0}"),
        ">= 5000",
        Some(http_rate >= 5000.0),
    ));
    rows.push(row(
        "HTTP: latency to receipt p50 / p99",
        format!("{:.1} ms / {:.1} ms", http_lat.0, http_lat.1),
        "",
        None,
    ));

    // 1b. The same over HTTP with the log in PostgreSQL, when a database is given.
    if let Some(url) = &args.postgres {
        let pg = Instance::new_on(&root.join("http-postgres"), clients, Some(url))?;
        let envelopes = pg.presign(args.submissions, 0)?;
        let (rate, lat, _) = pg.bench_http(envelopes, clients)?;
        rows.push(row(
            "HTTP on PostgreSQL: durable signed submissions/s",
            format!("{rate:.0}"),
            "reported",
            None,
        ));
        rows.push(row(
            "HTTP on PostgreSQL: latency to receipt p50 / p99",
            format!("{:.1} ms / {:.1} ms", lat.0, lat.1),
            "",
            None,
        ));
    }

    // 2. The library path: the same through Sequencer::submit, no HTTP.
    let lib = Instance::new(&root.join("lib"), clients)?;
    let envelopes = lib.presign(args.submissions, 0)?;
    let (lib_rate, lib_lat) = lib.bench_library(envelopes, clients)?;
    rows.push(row(
        "library: durable signed submissions/s",
        format!("{lib_rate:.0}"),
        "",
        None,
    ));
    rows.push(row(
        "library: latency to receipt p50 / p99",
        format!("{:.1} ms / {:.1} ms", lib_lat.0, lib_lat.1),
        "",
        None,
    ));

    // 3. Baseline: raw batched SQLite inserts of the same bytes, same batch size, same fsync.
    let avg_batch = (args.submissions as f64 / batches.max(1) as f64).max(1.0) as usize;
    let raw_rate = sqlite_baseline(&root.join("baseline.db"), &leaf_bytes_sample, avg_batch)?;
    rows.push(row(
        &format!("baseline: raw SQLite inserts/s (batches of {avg_batch}, same bytes)"),
        format!("{raw_rate:.0}"),
        "",
        None,
    ));

    // 4. Projecting a negotiation: the cost per entry should not grow with the log.
    let (half_time, half_entries) = negotiation::measure(args.positions / 2)?;
    let (full_time, full_entries) = negotiation::measure(args.positions)?;
    let per = |t: Duration, n: usize| t.as_secs_f64() * 1e6 / n as f64;
    let (half_per, full_per) = (per(half_time, half_entries), per(full_time, full_entries));
    rows.push(row(
        &format!(
            "projection: negotiation, {} parties, {} positions ({} entries)",
            negotiation::PARTIES,
            args.positions,
            full_entries
        ),
        format!(
            "{:.0} ms ({full_per:.1} µs/entry; {} positions: {half_per:.1} µs/entry)",
            full_time.as_secs_f64() * 1e3,
            args.positions / 2
        ),
        "linear in entries",
        Some(full_per <= half_per * 1.5),
    ));

    // 4b. Enforcement: cases projected at two sizes, standing of every party, audits assigned.
    if args.cases > 0 {
        let half = enforcement::measure(args.parties, args.cases / 2)?;
        let full = enforcement::measure(args.parties, args.cases)?;
        let per = |m: &enforcement::Measured| m.projection.as_secs_f64() * 1e6 / m.entries as f64;
        rows.push(row(
            &format!(
                "projection: enforcement, {} parties, {} cases to a finding ({} entries)",
                args.parties, args.cases, full.entries
            ),
            format!(
                "{:.1} s ({:.1} µs/entry; {} cases: {:.1} µs/entry)",
                full.projection.as_secs_f64(),
                per(&full),
                args.cases / 2,
                per(&half)
            ),
            "linear in entries",
            Some(per(&full) <= per(&half) * 1.5),
        ));
        rows.push(row(
            &format!("standing: all {} parties, with explain", args.parties),
            format!(
                "{:.0} ms ({:.1} µs/party)",
                full.standings.as_secs_f64() * 1e3,
                full.standings.as_secs_f64() * 1e6 / args.parties as f64
            ),
            "",
            None,
        ));
        rows.push(row(
            &format!(
                "assignment: 1,000 audits × 3 auditors, conflict-free, among {} parties",
                args.parties
            ),
            format!(
                "{:.0} ms ({:.0} µs/audit; exhaustive baseline {:.0} µs/audit); load spread {}",
                full.audits.as_secs_f64() * 1e3,
                full.audits.as_secs_f64() * 1e3,
                full.exhaustive.as_secs_f64() * 1e3,
                full.spread
            ),
            "spread <= 2",
            Some(full.spread <= 2),
        ));
    }

    // TAXII 2.1 beside the reference server, on the same objects.
    if args.taxii_objects > 0 {
        rows.extend(taxii::measure(&root.join("taxii"), args.taxii_objects)?);
    }

    // 5. Bulk reports: import end to end, then explain queries on that data.
    if args.reports > 0 {
        let m = reports::measure(root, args.reports)?;
        let rate = m.reports as f64 / m.import.as_secs_f64();
        rows.push(row(
            &format!(
                "import: {} signed reports end to end (`accord report import`)",
                m.reports
            ),
            format!(
                "{:.1} s ({rate:.0} reports/s), peak RSS {:.0} MiB",
                m.import.as_secs_f64(),
                m.import_rss_mib
            ),
            ">= 5000 reports/s",
            (m.reports >= 1_000_000).then_some(rate >= 5000.0),
        ));
        rows.push(row(
            "explain: remediation_within_deadline p50 / p99 (1,000 parties)",
            format!(
                "{:.1} ms / {:.1} ms (server ready in {:.1} s, peak RSS {:.0} MiB)",
                m.explain.0,
                m.explain.1,
                m.serve_ready.as_secs_f64(),
                m.serve_rss_mib
            ),
            "p99 <= 50 ms",
            (m.reports >= 1_000_000).then_some(m.explain.1 <= 50.0),
        ));
    }

    // 6. verify on a large log.
    let big_dir = root.join("big");
    let build_started = Instant::now();
    build_large_log(&big_dir, args.entries)?;
    let build_secs = build_started.elapsed().as_secs_f64();
    rows.push(row(
        &format!(
            "library: build a {}-entry log (batches of 1000)",
            args.entries
        ),
        format!(
            "{build_secs:.1} s ({:.0} entries/s)",
            args.entries as f64 / build_secs
        ),
        "",
        None,
    ));
    let dir = DataDir::new(&big_dir);
    let verifier = NoteVerifier::parse(&dir.config()?.verifier_key)?;
    let store = dir.open_store_read_only()?;
    let bar = progress::bar(args.entries, "verify", true);
    let report = accord_verify::verify(&LocalSource(store), &verifier, &mut |d, _| {
        bar.set_position(d)
    })
    .map_err(|e| anyhow!("verify failed on the bench log: {e}"))?;
    bar.finish_and_clear();
    let secs = report.elapsed.as_secs_f64();
    // Baseline: the same log with every signature checked alone (`verify --one-by-one`).
    let bar = progress::bar(args.entries, "verify one by one", true);
    let alone = accord_verify::verify_with(
        &LocalSource(dir.open_store_read_only()?),
        &verifier,
        accord_verify::Signatures::OneByOne,
        &mut |d, _| bar.set_position(d),
    )
    .map_err(|e| anyhow!("verify --one-by-one failed on the bench log: {e}"))?;
    bar.finish_and_clear();
    let alone_secs = alone.elapsed.as_secs_f64();
    rows.push(row(
        &format!(
            "verify: {} entries, signatures in batches (baseline: one by one)",
            report.entries
        ),
        format!(
            "{secs:.1} s ({:.0} entries/s; one by one {alone_secs:.1} s)",
            report.entries as f64 / secs
        ),
        "<= 15 s for 1,000,000",
        (args.entries >= 1_000_000).then_some(secs <= 15.0 * args.entries as f64 / 1e6),
    ));

    // 7. Peak memory of a real server process serving that log, and its dashboard pages.
    let (rss_mib, startup, pages) = serve_and_measure_rss(&big_dir, args.entries)?;
    rows.push(row(
        &format!("serve: peak RSS with a {}-entry log", args.entries),
        format!("{rss_mib:.0} MiB (ready in {:.1} s)", startup.as_secs_f64()),
        "<= 300 MiB for 1,000,000",
        (args.entries >= 1_000_000).then_some(rss_mib <= 300.0),
    ));
    let judged = args.entries >= 1_000_000;
    rows.push(row(
        &format!(
            "dashboard: {} pages × {} renders with a {}-entry log, p50 / p95 / slowest page's p95",
            pages.pages, pages.renders, args.entries
        ),
        format!(
            "{:.1} ms / {:.1} ms / {:.1} ms ({})",
            pages.p50, pages.p95, pages.slowest.1, pages.slowest.0
        ),
        "p95 <= 100 ms",
        judged.then_some(pages.slowest.1 <= 100.0),
    ));
    rows.push(row(
        "dashboard: heaviest page, HTML + CSS + JS (line-chart SVG excluded)",
        format!(
            "{:.0} KB ({})",
            pages.heaviest.1 as f64 / 1000.0,
            pages.heaviest.0
        ),
        "<= 300 KB",
        judged.then_some(pages.heaviest.1 <= 300_000),
    ));

    // 8. Start from a snapshot, beside the start above (a replay from entry 0).
    let snapshots = dir.snapshots();
    let started = Instant::now();
    let taken = snapshots
        .refresh(
            dir.open_store_read_only()?.as_ref(),
            &verifier,
            &dir.instance_key()?,
        )?
        .context("no snapshot was taken of the bench log")?;
    let take_secs = started.elapsed().as_secs_f64();
    let server = ServerChild::start(&big_dir)?;
    let from_snapshot = server.ready.as_secs_f64();
    let snapshot_rss = server.peak_rss_mib().unwrap_or(0.0);
    drop(server);
    rows.push(row(
        &format!(
            "snapshot: take one at {} entries (replayed in the background)",
            taken.size
        ),
        format!(
            "{take_secs:.1} s, {:.0} MiB on disk",
            taken.bytes as f64 / (1024.0 * 1024.0)
        ),
        "",
        None,
    ));
    rows.push(row(
        &format!(
            "serve: ready from a snapshot, {}-entry log (baseline: replay from entry 0)",
            args.entries
        ),
        format!(
            "{from_snapshot:.1} s, peak RSS {snapshot_rss:.0} MiB (replay from 0: {:.1} s, {rss_mib:.0} MiB)",
            startup.as_secs_f64()
        ),
        "<= 3 s for 10,000,000",
        (args.entries >= 10_000_000).then_some(from_snapshot <= 3.0),
    ));
    // 9. Federation: a mirror pulls the whole log through the public endpoints of a running
    // server, verifying it as it goes; the local verify above is the baseline.
    let server = ServerChild::start(&big_dir)?;
    let started = Instant::now();
    let mut mirror = accord_federation::Mirror::open(
        &root.join("mirror"),
        accord_federation::Followed {
            name: "bench".into(),
            url: format!("http://{}", server.addr),
            verifier_key: dir.config()?.verifier_key,
        },
    )?;
    let bar = progress::bar(args.entries, "mirror", true);
    let pulled = mirror.pull(&mut |done, _| bar.set_position(done))?;
    bar.finish_and_clear();
    let mirror_secs = started.elapsed().as_secs_f64();
    drop(server);
    rows.push(row(
        &format!(
            "federation: mirror a {}-entry log over HTTP, verified (baseline: local verify)",
            args.entries
        ),
        format!(
            "{mirror_secs:.1} s ({:.0} entries/s; local verify {secs:.1} s), at {} of {}",
            pulled.size as f64 / mirror_secs,
            pulled.size,
            pulled.remote
        ),
        "within one checkpoint",
        Some(pulled.size == pulled.remote),
    ));
    rows.push(row(
        "bench process: peak RSS",
        format!("{:.0} MiB", peak_rss_mib(std::process::id()).unwrap_or(0.0)),
        "",
        None,
    ));
    Ok(rows)
}

/// Founds a bench instance with fresh keys; returns its ledger and the secretariat's key.
pub(crate) fn found_bench_instance(dir: &Path, log: &str, name: &str) -> Result<(Ledger, KeyPair)> {
    found_bench_instance_in(&DataDir::new(dir), log, name)
}

/// [`found_bench_instance`] in a data directory that may name a database.
fn found_bench_instance_in(dir: &DataDir, log: &str, name: &str) -> Result<(Ledger, KeyPair)> {
    let secretariat = KeyPair::generate();
    let ledger = found(
        dir,
        &Founding {
            origin: format!("bench.accord.example/{log}"),
            display_name: name.into(),
            secretariat: "secretariat".into(),
            region: "global".into(),
            instance_key: KeyPair::generate(),
            secretariat_key: secretariat.clone(),
            charter: Charter::baseline(),
        },
        Arc::new(SystemClock),
    )?;
    Ok((ledger, secretariat))
}

/// A real server on loopback in this process, over `ledger` and the vault of `dir`.
pub(crate) struct InProcess {
    runtime: tokio::runtime::Runtime,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: accord_sequencer::SequencerThread,
    /// Where it listens.
    pub(crate) addr: std::net::SocketAddr,
}

impl InProcess {
    pub(crate) fn start(ledger: Arc<Ledger>, dir: &DataDir) -> Result<InProcess> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let (sequencer, thread) = Sequencer::start(ledger.clone(), MAX_BATCH, None);
        let state = AppState::new(
            sequencer,
            ledger,
            dir.open_vault()?,
            Arc::new(Metrics::new()),
        );
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let server = runtime.spawn(accord_server::serve(listener, state, async {
            let _ = stop_rx.await;
        }));
        Ok(InProcess {
            runtime,
            server,
            stop,
            thread,
            addr,
        })
    }

    /// Stops serving, finishes requests in flight, and drains the sequencer.
    pub(crate) fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        self.runtime.block_on(self.server)??;
        self.thread.join();
        Ok(())
    }
}

/// A fresh instance with `clients` registered parties to submit as.
struct Instance {
    ledger: Arc<Ledger>,
    keys: Vec<(PartyId, KeyPair)>,
    dir: DataDir,
}

impl Instance {
    fn new(dir: &Path, clients: usize) -> Result<Instance> {
        Instance::new_on(dir, clients, None)
    }

    /// An instance whose log is in the PostgreSQL database `database` (when given).
    fn new_on(dir: &Path, clients: usize, database: Option<&str>) -> Result<Instance> {
        let data = DataDir::new(dir).with_database(database.map(str::to_owned));
        let (ledger, secretariat) = found_bench_instance_in(&data, "log", "Accord bench")?;
        let keys = register_parties(&ledger, &secretariat, clients)?;
        Ok(Instance {
            ledger: Arc::new(ledger),
            keys,
            dir: data,
        })
    }

    /// `n` distinct signed `poc.declare` envelopes, round-robin over the parties.
    fn presign(&self, n: u64, offset: u64) -> Result<Vec<Envelope>> {
        presign(&self.keys, offset..offset + n)
    }

    fn bench_http(
        &self,
        envelopes: Vec<Envelope>,
        clients: usize,
    ) -> Result<(f64, (f64, f64), u64)> {
        let before = self.ledger.store().checkpoints_after(0, usize::MAX)?.len() as u64;
        let server = InProcess::start(self.ledger.clone(), &self.dir)?;
        let addr = server.addr;
        let bodies: Vec<Vec<u8>> = envelopes.iter().map(|e| e.to_canonical_bytes()).collect();
        let url = format!("http://{addr}/entries");
        let started = Instant::now();
        let latencies = run_clients(bodies, clients, || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let url = url.clone();
            move |b: &[u8]| -> Result<()> {
                let mut res = agent
                    .post(&url)
                    .header("content-type", "application/json")
                    .send(b)?;
                let status = res.status().as_u16();
                let _ = res.body_mut().read_to_vec();
                if status != 201 {
                    bail!("HTTP {status}");
                }
                Ok(())
            }
        })?;
        let elapsed = started.elapsed();
        server.stop()?;
        let after = self.ledger.store().checkpoints_after(0, usize::MAX)?.len() as u64;
        Ok((
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentiles(latencies),
            after - before,
        ))
    }

    fn bench_library(&self, envelopes: Vec<Envelope>, clients: usize) -> Result<(f64, (f64, f64))> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let (sequencer, thread) = Sequencer::start(self.ledger.clone(), MAX_BATCH, None);
        let per_client = envelopes.len().div_ceil(clients);
        let mut chunks: Vec<Vec<Envelope>> = Vec::new();
        let mut it = envelopes.into_iter().peekable();
        while it.peek().is_some() {
            chunks.push(it.by_ref().take(per_client).collect());
        }
        let started = Instant::now();
        let latencies = runtime.block_on(async {
            let mut tasks = Vec::new();
            for chunk in chunks {
                let sequencer = sequencer.clone();
                let ledger = self.ledger.clone();
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(chunk.len());
                    for env in chunk {
                        let t = Instant::now();
                        let mut sub = Submission::new(env);
                        ledger.preverify(&mut sub).map_err(|r| anyhow!("{r}"))?;
                        let out = sequencer.submit(sub).await.map_err(|e| anyhow!("{e}"))?;
                        if out.duplicate {
                            bail!("unexpected duplicate");
                        }
                        lat.push(t.elapsed());
                    }
                    Ok::<_, anyhow::Error>(lat)
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await??);
            }
            Ok::<_, anyhow::Error>(all)
        })?;
        let elapsed = started.elapsed();
        drop(sequencer);
        thread.join();
        Ok((
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentiles(latencies),
        ))
    }
}

/// Sends every body from `clients` threads, each with its own connection; returns latencies.
fn run_clients<F, S>(bodies: Vec<Vec<u8>>, clients: usize, make_sender: F) -> Result<Vec<Duration>>
where
    F: Fn() -> S + Sync,
    S: FnMut(&[u8]) -> Result<()>,
{
    let per_client = bodies.len().div_ceil(clients);
    let results: Vec<Result<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bodies
            .chunks(per_client)
            .map(|chunk| {
                let make = &make_sender;
                scope.spawn(move || {
                    let mut send = make();
                    let mut lat = Vec::with_capacity(chunk.len());
                    for b in chunk {
                        let t = Instant::now();
                        send(b)?;
                        lat.push(t.elapsed());
                    }
                    Ok(lat)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("a client thread panicked")))
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

/// The `q` quantile of latencies, in milliseconds (nearest rank).
fn quantile(mut lat: Vec<Duration>, q: f64) -> f64 {
    if lat.is_empty() {
        return 0.0;
    }
    lat.sort();
    lat[((lat.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

pub(crate) fn percentiles(mut lat: Vec<Duration>) -> (f64, f64) {
    if lat.is_empty() {
        return (0.0, 0.0);
    }
    lat.sort();
    let at = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.50), at(0.99))
}

pub(crate) fn register_parties(
    ledger: &Ledger,
    secretariat: &KeyPair,
    n: usize,
) -> Result<Vec<(PartyId, KeyPair)>> {
    let keys: Vec<(PartyId, KeyPair)> = (0..n)
        .map(|i| Ok((format!("party-{i:05}").parse()?, KeyPair::generate())))
        .collect::<Result<_>>()?;
    for chunk in keys.chunks(1000) {
        let subs = chunk
            .iter()
            .map(|(id, key)| {
                let payload = Payload::PartyRegister(PartyRegistration {
                    party: id.clone(),
                    kind: PartyKind::Company,
                    region: RegionId::new("global")?,
                    display_name: DisplayName::new(format!("Bench party {id}"))?,
                    public_key: key.public_key(),
                });
                Ok(Submission::new(Envelope::sign(
                    payload.entry_type(),
                    1,
                    payload.to_value(),
                    Signer {
                        party: "secretariat".parse()?,
                        key: secretariat.key_id(),
                    },
                    secretariat,
                )?))
            })
            .collect::<Result<Vec<_>>>()?;
        for r in ledger.append(subs)? {
            r.map_err(|e| anyhow!("registering a bench party: {e}"))?;
        }
    }
    Ok(keys)
}

fn presign(keys: &[(PartyId, KeyPair)], range: std::ops::Range<u64>) -> Result<Vec<Envelope>> {
    let languages = vec![LanguageTag::new("en")?];
    range
        .into_par_iter()
        .map(|i| {
            let (party, key) = &keys[(i % keys.len() as u64) as usize];
            let payload = Payload::PocDeclare(PocDeclaration {
                contacts: vec![Contact {
                    role: ContactRole::Technical,
                    channel: Channel::Email,
                    address: ShortText::new(format!("soc@{party}.example"))?,
                    hours: ShortText::new(format!("24x7 (revision {i})"))?,
                    languages: languages.clone(),
                }],
            });
            Ok(Envelope::sign(
                payload.entry_type(),
                1,
                payload.to_value(),
                Signer {
                    party: party.clone(),
                    key: key.key_id(),
                },
                key,
            )?)
        })
        .collect()
}

fn sqlite_baseline(path: &Path, rows: &[Vec<u8>], batch: usize) -> Result<f64> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE entries(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);",
    )?;
    let started = Instant::now();
    let mut idx = 0i64;
    for chunk in rows.chunks(batch) {
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("INSERT INTO entries(idx, data) VALUES (?1, ?2)")?;
            for data in chunk {
                stmt.execute(rusqlite::params![idx, data])?;
                idx += 1;
            }
        }
        tx.commit()?;
    }
    Ok(rows.len() as f64 / started.elapsed().as_secs_f64())
}

/// Builds an instance with `entries` entries through the ledger (1000 parties, the rest
/// `poc.declare` statements signed in parallel).
fn build_large_log(dir: &Path, entries: u64) -> Result<()> {
    let (ledger, secretariat) = found_bench_instance(dir, "large", "Accord bench (large log)")?;
    let parties = 1000.min(entries as usize / 2);
    let keys = register_parties(&ledger, &secretariat, parties)?;
    let mut next = ledger.read().state().size();
    let bar = progress::bar(entries, "building the large log", true);
    bar.set_position(next);
    const CHUNK: u64 = 20_000;
    while next < entries {
        let end = (next + CHUNK).min(entries);
        let envelopes = presign(&keys, next..end)?;
        // The signatures were just made with these keys; check them in parallel as the HTTP
        // handlers do, so the sequencer does only its stateful work.
        let subs: Vec<Submission> = envelopes
            .into_par_iter()
            .map(|e| {
                let mut s = Submission::new(e);
                ledger.preverify(&mut s).map(|_| s)
            })
            .collect::<Result<_, _>>()
            .map_err(|r| anyhow!("{r}"))?;
        let mut it = subs.into_iter().peekable();
        while it.peek().is_some() {
            let batch: Vec<Submission> = it.by_ref().take(1000).collect();
            for r in ledger.append(batch)? {
                r.map_err(|e| anyhow!("building the large log: {e}"))?;
            }
        }
        next = end;
        bar.set_position(next);
    }
    bar.finish_and_clear();
    Ok(())
}

/// A child `accord serve` on a data directory, stopped (SIGTERM, then SIGKILL) when dropped.
pub(crate) struct ServerChild {
    child: Child,
    /// Kept open: the server writes to it, and a closed pipe would stop it.
    _stdout: std::io::Lines<BufReader<std::process::ChildStdout>>,
    /// `host:port` it listens on.
    pub addr: String,
    /// Time from start to listening.
    pub ready: Duration,
}

impl ServerChild {
    /// Starts the real `accord serve` on `dir` and waits until it listens. It takes no
    /// snapshots: what is measured is the server alone.
    pub(crate) fn start(dir: &Path) -> Result<ServerChild> {
        let started = Instant::now();
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--listen", "127.0.0.1:0", "--snapshot-every", "0"])
            .arg("--data")
            .arg(dir)
            .env("ACCORD_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting `accord serve`")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.split("on http://").nth(1) {
                        break rest.trim_end_matches('/').to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    bail!("the server exited before listening");
                }
            }
        };
        Ok(ServerChild {
            child,
            _stdout: lines,
            addr,
            ready: started.elapsed(),
        })
    }

    /// Its peak resident memory so far, in MiB.
    pub(crate) fn peak_rss_mib(&self) -> Option<f64> {
        peak_rss_mib(self.child.id())
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = wait_or_kill(&mut self.child);
    }
}

/// Starts the real `accord serve` on the log, exercises it, and reads its peak RSS.
/// Dashboard page timings.
struct PageTimes {
    pages: usize,
    renders: usize,
    p50: f64,
    p95: f64,
    /// The page with the highest p95, and that p95 (ms).
    slowest: (String, f64),
    /// The page with the most bytes of HTML, CSS and JS (charts' SVG excluded), and its size.
    heaviest: (String, usize),
}

/// Renders every dashboard page `renders` times on a server over a big log.
fn time_pages(addr: &str, entries: u64, renders: usize) -> Result<PageTimes> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let paths = [
        "/".to_owned(),
        "/catalog".into(),
        "/negotiations".into(),
        "/calendar".into(),
        "/overdue".into(),
        "/regions".into(),
        "/region/global".into(),
        "/docket".into(),
        "/intel".into(),
        "/log".into(),
        format!("/log/{}", entries / 2),
        "/party/party-00042".into(),
        "/party/party-00042/indicator/reachability".into(),
        "/norm/gge-a".into(),
    ];
    let script = {
        let mut res = agent
            .get(&format!("http://{addr}/assets/verify.js"))
            .call()?;
        res.body_mut().read_to_vec()?.len()
    };
    let mut all = Vec::new();
    let mut slowest = (String::new(), 0.0f64);
    let mut heaviest = (String::new(), 0usize);
    for path in &paths {
        let mut times = Vec::with_capacity(renders);
        for _ in 0..renders {
            let started = Instant::now();
            let mut res = agent
                .get(&format!("http://{addr}{path}"))
                .header("accept", "text/html")
                .call()?;
            let body = res
                .body_mut()
                .with_config()
                .limit(1 << 24)
                .read_to_string()?;
            times.push(started.elapsed());
            if !res.status().is_success() {
                bail!("GET {path}: HTTP {}", res.status());
            }
            // Line charts draw in an inline SVG: what counts is the page without it (the other
            // charts are HTML and count).
            let mut weight = body.len();
            let mut rest = body.as_str();
            while let Some(i) = rest.find("<svg") {
                let end = rest[i..].find("</svg>").map_or(rest.len() - i, |j| j + 6);
                weight -= end;
                rest = &rest[i + end..];
            }
            if body.contains("/assets/verify.js") {
                weight += script;
            }
            if weight > heaviest.1 {
                heaviest = (path.clone(), weight);
            }
        }
        let p95 = quantile(times.clone(), 0.95);
        if p95 > slowest.1 {
            slowest = (path.clone(), p95);
        }
        all.extend(times);
    }
    let n = all.len();
    let (p50, p95) = (quantile(all.clone(), 0.5), quantile(all, 0.95));
    Ok(PageTimes {
        pages: paths.len(),
        renders: n / paths.len(),
        p50,
        p95,
        slowest,
        heaviest,
    })
}

fn serve_and_measure_rss(dir: &Path, entries: u64) -> Result<(f64, Duration, PageTimes)> {
    let server = ServerChild::start(dir)?;
    let addr = server.addr.clone();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| -> Result<()> {
        let mut res = agent.get(&format!("http://{addr}{path}")).call()?;
        let _ = res.body_mut().with_config().limit(1 << 24).read_to_vec();
        if !res.status().is_success() {
            bail!("GET {path}: HTTP {}", res.status());
        }
        Ok(())
    };
    get("/checkpoint")?;
    get("/")?;
    for i in 0..200u64 {
        let index = (i * 7919 * 131) % entries;
        get(&format!("/proof/inclusion?index={index}"))?;
        // The last tile may be partial: ask for the width the tree has.
        let tile = index / 256;
        let width = (entries - tile * 256).min(256);
        let mut path = accord_tlog::tiles::encode_index(tile);
        if width < 256 {
            path.push_str(&format!(".p/{width}"));
        }
        get(&format!("/tile/0/{path}"))?;
        get(&format!("/tile/entries/{path}"))?;
    }
    let pages = time_pages(&addr, entries, 20)?;
    let rss = server
        .peak_rss_mib()
        .context("reading the server's peak RSS")?;
    Ok((rss, server.ready, pages))
}

fn wait_or_kill(child: &mut Child) -> Result<()> {
    for _ in 0..100 {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill()?;
    child.wait()?;
    Ok(())
}

/// Peak resident set size (VmHWM) of a process, in MiB.
pub(crate) fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
