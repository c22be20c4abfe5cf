//! `accord migrate`: move an instance's log and evidence vault from its SQLite files into a
//! PostgreSQL database, verify the copy, and only then switch the data directory over.
//!
//! The copy is the log itself — every entry, tile and signed checkpoint, byte for byte — so
//! the instance keeps its identity, checkpoints and receipts; nothing is re-signed. The copy is
//! verified like `accord verify` does (replayed from entry 0, every signature and the state
//! digest checked) and compared with the source (same size, root and state digest; every vault
//! item opened and compared). Until all of that passed the data directory is untouched; a
//! failed copy is wiped from the database again.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use accord_store::{BatchWrite, Store, Vault};
use accord_store_postgres::{PostgresStore, PostgresVault};
use accord_store_sqlite::{SqliteStore, SqliteVault};
use accord_tlog::note::NoteVerifier;
use accord_verify::{verify, LocalSource};
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::datadir::{redacted, DataDir, StoreKind};
use crate::progress;

/// Entries per copied batch.
const ENTRY_CHUNK: u64 = 2_000;
/// Tiles per copied batch.
const TILE_CHUNK: usize = 1_000;
/// Vault items per copied batch.
const VAULT_CHUNK: usize = 200;

/// Arguments of `accord migrate`.
#[derive(Args)]
pub struct MigrateArgs {
    /// The data directory of the instance to move (it keeps its keys and configuration; its
    /// log and vault move).
    #[arg(long, value_name = "DIR")]
    from: PathBuf,
    /// The empty PostgreSQL database to move it into (postgres://user:password@host:port/db).
    #[arg(long, value_name = "URL")]
    to: String,
}

/// What was copied.
struct Copied {
    entries: u64,
    checkpoints: u64,
    tiles: u64,
    items: usize,
}

/// Runs `accord migrate`.
pub fn run(args: MigrateArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.from);
    let config = dir.config()?;
    if config.store == StoreKind::Postgres {
        bail!(
            "the instance in `{}` already keeps its log in PostgreSQL; nothing to migrate",
            args.from.display()
        );
    }
    let _lock = dir.lock()?;
    let db = redacted(&args.to);
    let source: Arc<dyn Store> = Arc::new(
        SqliteStore::open_read_only(dir.db_path())
            .with_context(|| format!("opening {}", dir.db_path().display()))?,
    );
    let evidence_path = args.from.join("evidence.db");
    let source_vault = SqliteVault::open(&evidence_path)
        .with_context(|| format!("opening {}", evidence_path.display()))?;
    let target = Arc::new(PostgresStore::open(&args.to)?);
    let existing = target.tree_size()?;
    if existing > 0 {
        bail!("{db} already holds an Accord log of {existing} entries; migrate into an empty database");
    }
    let key_was_there = dir.vault_key_path().exists();
    if !key_was_there {
        dir.create_vault_key()?;
    }
    let outcome = copy_and_check(
        &dir,
        &config.verifier_key,
        source.as_ref(),
        &source_vault,
        target.clone(),
        &args.to,
    );
    let copied = match outcome {
        Ok(copied) => copied,
        Err(e) => {
            drop(target);
            let wiped = PostgresStore::reset(&args.to);
            if !key_was_there {
                let _ = std::fs::remove_file(dir.vault_key_path());
            }
            let after = match wiped {
                Ok(()) => format!("the partial copy was wiped from {db}"),
                Err(w) => format!("wiping the partial copy from {db} failed too ({w}); drop its tables before retrying"),
            };
            return Err(e.context(format!(
                "migration failed; `{}` is unchanged and {after}",
                args.from.display()
            )));
        }
    };
    drop(source);
    drop(source_vault);
    // Switch over: the directory now says PostgreSQL, and the SQLite files step aside so
    // that nothing keeps writing to the old log by mistake.
    let mut switched = config.clone();
    switched.store = StoreKind::Postgres;
    dir.write_config(&switched)?;
    let mut kept = Vec::new();
    for name in ["accord.db", "evidence.db"] {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let from = args.from.join(format!("{name}{suffix}"));
            if from.exists() {
                let to = args.from.join(format!("{name}{suffix}.migrated"));
                std::fs::rename(&from, &to)
                    .with_context(|| format!("moving {} aside", from.display()))?;
                kept.push(to);
            }
        }
    }
    println!(
        "Moved instance `{}` into {db}: {} entries, {} checkpoints, {} tiles, {} evidence items; the copy replays and matches the source.",
        config.origin, copied.entries, copied.checkpoints, copied.tiles, copied.items
    );
    println!(
        "From now on pass --database (or set ACCORD_DATABASE) with --data {}; every node also needs {} and instance.key.",
        args.from.display(),
        dir.vault_key_path().display()
    );
    if !kept.is_empty() {
        println!(
            "The old files are kept as {}; {} still holds confidential content in the clear — delete it once you have checked the new instance.",
            kept.iter().map(|p| file_name(p)).collect::<Vec<_>>().join(", "),
            file_name(&args.from.join("evidence.db.migrated"))
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn copy_and_check(
    dir: &DataDir,
    verifier_key: &str,
    source: &dyn Store,
    source_vault: &SqliteVault,
    target: Arc<PostgresStore>,
    url: &str,
) -> Result<Copied> {
    let size = source.tree_size()?;
    let checkpoints = source.checkpoints_after(0, usize::MAX)?;
    let bar = progress::bar(size, "copying the log", true);
    let mut copied = 0u64;
    for checkpoint in &checkpoints {
        // Entries up to the checkpoint in chunks, the last chunk carrying the checkpoint.
        loop {
            let end = (copied + ENTRY_CHUNK).min(checkpoint.tree_size);
            let entries = source.entries(copied, end)?;
            if entries.len() as u64 != end - copied {
                bail!(
                    "the source log is missing entries in {copied}..{end}; run `accord verify --data {}`",
                    dir.path().display()
                );
            }
            let last = end == checkpoint.tree_size;
            target.append_batch(&BatchWrite {
                entries,
                checkpoint: last.then(|| checkpoint.clone()),
                ..Default::default()
            })?;
            copied = end;
            bar.set_position(copied);
            if last {
                break;
            }
        }
    }
    if copied != size {
        bail!("the source log has {size} entries but its last checkpoint covers {copied}; run `accord verify --data {}`", dir.path().display());
    }
    bar.finish_and_clear();
    let mut tiles = 0u64;
    for level in 0..=u8::MAX {
        let mut start = 0;
        loop {
            let page = source.tiles(level, start, TILE_CHUNK)?;
            let Some(last) = page.last() else { break };
            start = last.index + 1;
            tiles += page.len() as u64;
            target.append_batch(&BatchWrite {
                tiles: page,
                ..Default::default()
            })?;
        }
        if start == 0 {
            break;
        }
    }

    let target_vault = PostgresVault::open(url, &dir.vault_key()?)?;
    let items = source_vault.list()?;
    let bar = progress::bar(items.len() as u64, "copying evidence", items.len() > 1_000);
    for chunk in items.chunks(VAULT_CHUNK) {
        let mut batch = Vec::with_capacity(chunk.len());
        for (owner, id) in chunk {
            if let Some(sealed) = source_vault.get(owner, id)? {
                batch.push((owner.clone(), id.clone(), sealed));
            }
        }
        target_vault.put_many(&batch)?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();

    // Check: the copy replays on its own, and it is the same log and the same vault.
    let verifier =
        NoteVerifier::parse(verifier_key).context("instance.json's verifier key does not parse")?;
    let bar = progress::bar(size, "verifying the copy", true);
    let report = verify(&LocalSource(target.clone()), &verifier, &mut |done, _| {
        bar.set_position(done)
    })
    .map_err(|e| anyhow::anyhow!("the copy does not verify: {e}"))?;
    bar.finish_and_clear();
    let want = checkpoints
        .last()
        .context("the source log has no checkpoint")?;
    let got = target
        .latest_checkpoint()?
        .context("the copy has no checkpoint")?;
    if report.entries != size || got != *want {
        bail!(
            "the copy differs from the source: {} entries and checkpoint at {} (source: {size} entries, checkpoint at {})",
            report.entries, got.tree_size, want.tree_size
        );
    }
    for (owner, id) in &items {
        if target_vault.get(owner, id)? != source_vault.get(owner, id)? {
            bail!("evidence {owner}/{id} differs between the source vault and the copy");
        }
    }
    if target_vault.list()? != items {
        bail!("the copied vault lists other items than the source");
    }
    Ok(Copied {
        entries: size,
        checkpoints: checkpoints.len() as u64,
        tiles,
        items: items.len(),
    })
}
