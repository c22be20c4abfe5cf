//! `accord snapshot`: take a projection snapshot now, or list a node's snapshots with whether
//! each would be used at the next start (and why not). `accord serve` takes them by itself
//! (`--snapshot-every`); see `accord_sequencer::snapshot` for the format and the checks.

use std::process::ExitCode;
use std::time::Instant;

use accord_tlog::note::NoteVerifier;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::datadir::DataDir;
use crate::DataArg;

/// `accord snapshot …`.
#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Write a snapshot at the latest checkpoint now, unless the newest is already there
    /// (safe while the server runs: it replays on its own and takes no lock).
    Take(SnapshotArgs),
    /// List this node's snapshots, newest first, each checked as a start would check it.
    List(SnapshotArgs),
}

/// Arguments of `accord snapshot take|list`.
#[derive(Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    data: DataArg,
}

/// Runs `accord snapshot …`.
pub fn run(command: SnapshotCommand) -> Result<ExitCode> {
    let (SnapshotCommand::Take(args) | SnapshotCommand::List(args)) = &command;
    let dir = DataDir::at(&args.data);
    let config = dir.config()?;
    let verifier = NoteVerifier::parse(&config.verifier_key)
        .context("instance.json's verifier key does not parse")?;
    let key = dir.instance_key()?;
    let store = dir.open_store_read_only()?;
    let snapshots = dir.snapshots();
    match command {
        SnapshotCommand::Take(_) => {
            let started = Instant::now();
            eprintln!("Replaying the log (from the newest usable snapshot) to take a snapshot…");
            match snapshots.refresh(store.as_ref(), &verifier, &key)? {
                Some(taken) => println!(
                    "Snapshot at size {} written to {} ({:.1} MiB) in {:.1} s",
                    taken.size,
                    taken.path.display(),
                    taken.bytes as f64 / (1024.0 * 1024.0),
                    started.elapsed().as_secs_f64()
                ),
                None => println!(
                    "The newest snapshot is already at the latest checkpoint; nothing written."
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        SnapshotCommand::List(_) => {
            let listed = snapshots
                .list()
                .with_context(|| format!("listing {}", snapshots.dir().display()))?;
            if listed.is_empty() {
                println!(
                    "No snapshots in {}: the next start replays the whole log.",
                    snapshots.dir().display()
                );
            }
            let mut usable = false;
            for (size, path) in listed {
                let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                let verdict = match accord_sequencer::snapshot::open(
                    &path,
                    store.as_ref(),
                    &verifier,
                    &key.public_key(),
                ) {
                    Ok(_) if !usable => {
                        usable = true;
                        "usable: the next start begins here".to_owned()
                    }
                    Ok(_) => "usable".to_owned(),
                    Err(why) => format!("not usable: {why}"),
                };
                println!(
                    "{size:>12}  {:>9.1} MiB  {}  {verdict}",
                    bytes as f64 / (1024.0 * 1024.0),
                    path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
