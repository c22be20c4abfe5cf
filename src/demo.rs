//! `accord demo`: a living regime to look at. Seeds a world from a scenario file
//! (docs/scenarios.md) — the built-in one, `scenarios/demo.toml`, compiled into the binary, or
//! any other with `--scenario` — every item a signed entry appended through the ordinary
//! ledger path under a simulated clock, deterministically for a seed. Then serves it.
//! This module owns the command (data directory, `--fresh`, reuse, serving); the world is
//! data, and the interpreter is `crate::scenario`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use accord_sequencer::SystemClock;
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::datadir::{DataDir, StoreKind};
use crate::scenario::Scenario;
use crate::{serve, DataArg};

/// Arguments of `accord demo`.
#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    data: DataArg,
    /// Address to serve on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Delete the demo data directory and seed it again.
    #[arg(long)]
    fresh: bool,
    /// Seed of the world (same seed, same world, same log) [default: the scenario's own
    /// `seed`, 2026 for the built-in world].
    #[arg(long)]
    seed: Option<u64>,
    /// Seed only; do not serve.
    #[arg(long)]
    no_serve: bool,
    /// Seed the world of this scenario file (docs/scenarios.md) instead of the built-in one,
    /// scenarios/demo.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "federation")]
    scenario: Option<PathBuf>,
    /// Seed and serve a small federation on loopback instead: the demo world as the global
    /// instance, two regional instances that recognize it and witness each other, and a
    /// misbehaving instance caught forking its log (ports from --listen's up; --data default
    /// ./accord-federation).
    #[arg(long, conflicts_with = "seed")]
    federation: bool,
}

/// The built-in world, as the scenario names it, with the files it includes.
const BUILTIN_NAME: &str = "scenarios/demo.toml";
const BUILTIN: &str = include_str!("../scenarios/demo.toml");
const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "demo/amend-disclosure-csaf.json",
        include_str!("../scenarios/demo/amend-disclosure-csaf.json"),
    ),
    (
        "demo/cedar-systems-sa-2026-001.json",
        include_str!("../scenarios/demo/cedar-systems-sa-2026-001.json"),
    ),
    (
        "demo/cert-aldoria-sa-2026-001.json",
        include_str!("../scenarios/demo/cert-aldoria-sa-2026-001.json"),
    ),
    (
        "demo/kestrel-software-sa-2026-001.json",
        include_str!("../scenarios/demo/kestrel-software-sa-2026-001.json"),
    ),
    (
        "demo/meridian-telecom-sa-2026-001.json",
        include_str!("../scenarios/demo/meridian-telecom-sa-2026-001.json"),
    ),
    (
        "demo/northwind-cloud-sa-2026-001.json",
        include_str!("../scenarios/demo/northwind-cloud-sa-2026-001.json"),
    ),
    (
        "demo/orbital-grid-sa-2026-001.json",
        include_str!("../scenarios/demo/orbital-grid-sa-2026-001.json"),
    ),
];

/// The built-in demo world, checked like any scenario file.
pub fn builtin() -> Result<Scenario> {
    Scenario::builtin(Path::new(BUILTIN_NAME), BUILTIN, BUILTIN_FILES)
}

/// Runs `accord demo`.
pub fn run(args: DemoArgs) -> Result<ExitCode> {
    if args.federation {
        if args.data.database.is_some() {
            bail!("the federated demo keeps its instances in SQLite files; drop --database");
        }
        let root = if args.data.data == Path::new("./accord-data") {
            PathBuf::from("./accord-federation")
        } else {
            args.data.data.clone()
        };
        return crate::federated_demo::run(&root, args.listen, args.fresh, args.no_serve);
    }
    let dir = DataDir::at(&args.data);
    if args.fresh && dir.path().exists() {
        let is_ours = dir.exists()
            || std::fs::read_dir(dir.path())
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !is_ours {
            bail!(
                "refusing to delete `{}`: it is not an Accord data directory",
                dir.path().display()
            );
        }
        let _lock = dir.lock()?;
        if let Some(url) = dir.database() {
            // Only a world this command seeded is wiped from a database server: a data
            // directory that is a seeded world (scenario.json) keeping its log there.
            let seeded = dir.scenario_provenance_path().exists()
                && dir.config()?.store == StoreKind::Postgres;
            if dir.exists() && !seeded {
                bail!(
                    "refusing to wipe the database of `{}`: it is not a seeded demo world",
                    dir.path().display()
                );
            }
            if seeded {
                accord_store_postgres::PostgresStore::reset(url)
                    .context("wiping the demo world from the database")?;
            }
        }
        std::fs::remove_dir_all(dir.path())
            .with_context(|| format!("deleting {}", dir.path().display()))?;
    }
    let scenario = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => builtin()?,
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let banner = if dir.exists() {
        crate::scenario::reuse(&dir, &scenario, seed)?
    } else {
        crate::scenario::seed_into(&dir, &scenario, seed)?
    };
    let config = dir.config()?;
    println!("{banner}");
    println!("Checkpoint verifier key: {}", config.verifier_key);
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let _lock = dir.lock()?;
    let store = dir.open_store()?;
    let ledger = Arc::new(
        dir.open_ledger(store, Arc::new(SystemClock))
            .with_context(|| {
                format!(
                    "the demo world in `{}` does not replay under this version of Accord (it may be from an older one); seed it again with `accord demo --fresh`",
                    dir.path().display()
                )
            })?,
    );
    serve::serve_ledger(&dir, ledger, args.listen, &Default::default(), None)?;
    Ok(ExitCode::SUCCESS)
}
