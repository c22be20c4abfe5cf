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
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            public_url: None,
            max_connections: accord_server::connections::Limits::default().max_connections,
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
    let completed = accord_server::evidence::reconcile_vault(&ledger, vault.as_ref())
        .context("completing evidence erasures in the vault")?;
    if completed > 0 {
        tracing::warn!(
            items = completed,
            "completed evidence erasures that an earlier run logged but did not finish"
        );
    }
    let orphans = accord_server::taxii::reconcile(ledger.read().state(), vault.as_ref())
        .context("removing withdrawn or unlogged shared intelligence from the vault")?;
    if orphans > 0 {
        tracing::warn!(
            items = orphans,
            "removed shared objects from the vault that the log holds withdrawn or never took"
        );
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
    runtime.block_on(async move {
        let listener = accord_server::connections::bind(listen)
            .with_context(|| format!("cannot listen on {listen}; is another server using it? choose another with --listen"))?;
        let addr = listener.local_addr()?;
        if let Some(b) = banner {
            println!("{b}");
        }
        println!("Serving {} on http://{addr}/", dir.path().display());
        println!("Press Ctrl-C to stop.");
        tracing::info!(%addr, data = %dir.path().display(), "listening");
        accord_server::serve(listener, state, shutdown_signal())
            .await
            .context("serving HTTP")
    })?;
    // Every request has finished and every sequencer handle is gone: drain the sequencer.
    thread.join();
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
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
