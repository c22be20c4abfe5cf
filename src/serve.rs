//! `accord serve`: open an instance and serve it until SIGINT or SIGTERM, finishing the batch
//! in flight before exiting.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use accord_sequencer::{Ledger, Sequencer, SystemClock};
use accord_server::{AppState, Metrics};
use anyhow::{Context, Result};

use crate::datadir::DataDir;

/// Largest batch the sequencer makes durable at once.
pub const MAX_BATCH: usize = 2048;

/// How `accord serve` faces its readers.
#[derive(clap::Args, Clone, Debug)]
pub struct ServeOptions {
    /// The URL readers reach this server at, e.g. `https://accord.example` behind a TLS
    /// proxy; when it is https, session cookies are marked `Secure`.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// The most connections held at once (idle ones give way to new ones).
    #[arg(long, default_value_t = accord_server::connections::Limits::default().max_connections)]
    pub max_connections: usize,
    /// With several nodes on one database: where the other nodes reach this one to hand it
    /// writes while it sequences (default: http:// and the address it listens on).
    #[arg(long, value_name = "URL")]
    pub advertise_url: Option<String>,
    /// Take a projection snapshot (in `snapshots/`) whenever the log has grown by this many
    /// entries since the newest one, so that the next start replays only the tail; 0: never.
    #[arg(long, value_name = "ENTRIES", default_value_t = DEFAULT_SNAPSHOT_EVERY)]
    pub snapshot_every: u64,
    /// Where to POST an alert (`accord-alert/v1` JSON, naming the regime's points of contact)
    /// when an instance this one follows is caught equivocating: the secretariat's mail or
    /// paging gateway. Retried until it answers 2xx.
    #[arg(long, value_name = "URL")]
    pub alert_webhook: Option<String>,
}

/// Entries between two snapshots by default: one costs a replay of that many entries and a
/// write of the state, in the background.
pub const DEFAULT_SNAPSHOT_EVERY: u64 = 100_000;

/// How often `serve` pulls the logs of the instances it follows.
const FEDERATION_PULL_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            public_url: None,
            max_connections: accord_server::connections::Limits::default().max_connections,
            advertise_url: None,
            snapshot_every: DEFAULT_SNAPSHOT_EVERY,
            alert_webhook: None,
        }
    }
}

/// Runs `accord serve`.
pub fn run(data: &crate::DataArg, listen: SocketAddr, options: &ServeOptions) -> Result<ExitCode> {
    let dir = DataDir::at(data);
    dir.require()?;
    let _lock = dir.lock()?;
    let store = dir.open_store()?;
    let ledger = Arc::new(dir.open_ledger(store, Arc::new(SystemClock))?);
    serve_ledger(&dir, ledger, listen, options, None)?;
    Ok(ExitCode::SUCCESS)
}

/// Serves an open ledger; prints the address (and `banner`) once listening.
pub fn serve_ledger(
    dir: &DataDir,
    ledger: Arc<Ledger>,
    listen: SocketAddr,
    options: &ServeOptions,
    banner: Option<String>,
) -> Result<()> {
    let secure_cookies = match options.public_url.as_deref() {
        None => false,
        Some(u) if u.starts_with("https://") => true,
        Some(u) if u.starts_with("http://") => false,
        Some(u) => anyhow::bail!("--public-url `{u}` is not an http:// or https:// URL"),
    };
    if let Some(u) = options.alert_webhook.as_deref() {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            anyhow::bail!("--alert-webhook `{u}` is not an http:// or https:// URL");
        }
    }
    if options.max_connections < 16 {
        anyhow::bail!(
            "--max-connections {} is too low to serve anyone; use at least 16",
            options.max_connections
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let metrics = Arc::new(Metrics::new());
    let observer = {
        let metrics = metrics.clone();
        Arc::new(move |stats| metrics.batch(stats))
    };
    ledger
        .record_publications(accord_sequencer::PublishedFile::new(
            dir.published_checkpoint_path(),
        ))
        .context("refusing to serve")?;
    let vault = dir.open_vault()?;
    // On a shared store the lease decides who writes: this node follows until it holds it,
    // and only then tidies the vault (nobody else writes meanwhile).
    let shared = ledger.store().lease().is_some();
    if shared {
        ledger.set_leading(false);
    } else {
        reconcile(&ledger, vault.as_ref())?;
    }
    let (sequencer, thread) = Sequencer::start(ledger.clone(), MAX_BATCH, Some(observer));
    let mut state = AppState::new(sequencer, ledger, vault, metrics);
    state.sessions = Arc::new(accord_server::pages::session::Sessions::new(secure_cookies));
    state.limits = Arc::new(accord_server::limits::Limits::new(
        accord_server::connections::Limits {
            max_connections: options.max_connections,
            ..Default::default()
        },
        accord_server::limits::BODY_BUDGET_BYTES,
    ));
    let advertise_url = options.advertise_url.clone();
    let node_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let witnessing = crate::witnesses_cmd::load(dir)?;
    let witness_thread = witnessing
        .as_ref()
        .map(|w| {
            state.witnessing = Some(w.clone());
            let (w, ledger, stop) = (w.clone(), state.ledger.clone(), node_stop.clone());
            std::thread::Builder::new()
                .name("accord-witnessing".into())
                .spawn(move || accord_server::witnessing::run(w, ledger, stop))
        })
        .transpose()
        .context("starting the witnessing thread")?;
    let alerter = options.alert_webhook.clone().map(|webhook| {
        let public = options
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"));
        crate::alerts::webhook(webhook, state.ledger.clone(), public)
    });
    let federation = crate::federation_cmd::load(dir, alerter)?;
    let federation_thread = federation
        .as_ref()
        .map(|f| {
            state.federation = Some(f.clone());
            let (f, stop) = (f.clone(), node_stop.clone());
            std::thread::Builder::new()
                .name("accord-federation".into())
                .spawn(move || f.run(&stop, FEDERATION_PULL_EVERY))
        })
        .transpose()
        .context("starting the federation thread")?;
    let snapshot_thread = (options.snapshot_every > 0)
        .then(|| {
            let ledger = state.ledger.clone();
            let snapshots = dir.snapshots();
            let (every, stop) = (options.snapshot_every, node_stop.clone());
            std::thread::Builder::new()
                .name("accord-snapshots".into())
                .spawn(move || take_snapshots(&ledger, &snapshots, every, &stop))
        })
        .transpose()
        .context("starting the snapshot thread")?;
    runtime.block_on(async move {
        let listener = accord_server::connections::bind(listen)
            .with_context(|| format!("cannot listen on {listen}; is another server using it? choose another with --listen"))?;
        let addr = listener.local_addr()?;
        if let Some(b) = banner {
            println!("{b}");
        }
        println!("Serving {} on http://{addr}/", dir.path().display());
        let mut state = state;
        let node_thread = if shared {
            let url = match &advertise_url {
                Some(u) => u.clone(),
                None if addr.ip().is_unspecified() => anyhow::bail!(
                    "listening on {addr}, this node cannot tell the others where to reach it; say so with --advertise-url http://HOST:{}",
                    addr.port()
                ),
                None => format!("http://{addr}"),
            };
            let node = Arc::new(accord_server::cluster::Node::new(node_id(), url, &state.ledger));
            println!(
                "Node {} ({}): one of several on this database; it sequences while it holds the lease, and follows otherwise.",
                node.id, node.url
            );
            // One attempt before taking requests, so that a lone node sequences from the start.
            let lead = |ledger: &Ledger| {
                if let Err(e) = reconcile(ledger, state.vault.as_ref()) {
                    tracing::error!(error = %e, "tidying the vault failed");
                }
            };
            accord_server::cluster::try_lead(&state.ledger, &node, &lead);
            state.node = Some(node.clone());
            let ledger = state.ledger.clone();
            let vault = state.vault.clone();
            let stop = node_stop.clone();
            Some(
                std::thread::Builder::new()
                    .name("accord-node".into())
                    .spawn(move || {
                        accord_server::cluster::run_node(ledger, node, stop, &|ledger| {
                            if let Err(e) = reconcile(ledger, vault.as_ref()) {
                                tracing::error!(error = %e, "tidying the vault failed");
                            }
                        })
                    })
                    .context("starting the node thread")?,
            )
        } else {
            None
        };
        println!("Press Ctrl-C to stop.");
        tracing::info!(%addr, data = %dir.path().display(), "listening");
        let served = accord_server::serve(listener, state, shutdown_signal())
            .await
            .context("serving HTTP");
        node_stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in node_thread
            .into_iter()
            .chain(snapshot_thread)
            .chain(witness_thread)
            .chain(federation_thread)
        {
            let _ = t.join();
        }
        served
    })?;
    // Every request has finished and every sequencer handle is gone: drain the sequencer.
    thread.join();
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Takes a snapshot whenever the published log has grown by `every` entries since the newest
/// one, until `stop`. A failure is logged and retried at the next growth; it never touches
/// the log.
fn take_snapshots(
    ledger: &Ledger,
    snapshots: &accord_sequencer::Snapshots,
    every: u64,
    stop: &std::sync::atomic::AtomicBool,
) {
    let mut newest = snapshots.newest_size().ok().flatten().unwrap_or(0);
    let mut failed_at = None;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(250));
        let published = ledger.read().published().map_or(0, |p| p.checkpoint.size);
        if published < newest.saturating_add(every) || failed_at == Some(published) {
            continue;
        }
        let started = std::time::Instant::now();
        match ledger.take_snapshot(snapshots) {
            Ok(Some(taken)) => {
                tracing::info!(
                    size = taken.size,
                    bytes = taken.bytes,
                    seconds = started.elapsed().as_secs_f64(),
                    path = %taken.path.display(),
                    "snapshot taken"
                );
                newest = taken.size;
            }
            Ok(None) => newest = published,
            Err(e) => {
                tracing::warn!(error = %e, "taking a snapshot failed; the log is unaffected");
                failed_at = Some(published);
            }
        }
    }
}

/// Completes what an earlier run left half-done in the vault: erasures it logged, and shared
/// objects the log withdrew or never took.
fn reconcile(ledger: &Ledger, vault: &dyn accord_store::Vault) -> Result<()> {
    let completed = accord_server::evidence::reconcile_vault(ledger, vault)
        .context("completing evidence erasures in the vault")?;
    if completed > 0 {
        tracing::warn!(
            items = completed,
            "completed evidence erasures that an earlier run logged but did not finish"
        );
    }
    let orphans = accord_server::taxii::reconcile(ledger.read().state(), vault)
        .context("removing withdrawn or unlogged shared intelligence from the vault")?;
    if orphans > 0 {
        tracing::warn!(
            items = orphans,
            "removed shared objects from the vault that the log holds withdrawn or never took"
        );
    }
    Ok(())
}

/// A node id unique to this process: host name, process id and a random tag.
fn node_id() -> String {
    use rand_core::RngCore as _;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    format!(
        "{host}-{}-{:06x}",
        std::process::id(),
        rand_core::OsRng.next_u32() & 0xff_ffff
    )
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
