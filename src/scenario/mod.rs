//! Scenarios: a world written as data (docs/scenarios.md) — an instance, its parties, timed
//! signed statements and the outcomes they must lead to — run by a small interpreter through
//! the ordinary signed submission path. `accord demo --scenario FILE` seeds one.
//!
//! This module owns the file format ([`file`]), the scenario clock ([`when`]), signer
//! references ([`signer`]), payload conversion ([`payload`]), expectations ([`expect`]) and
//! the interpreter ([`run`]). It must never decide what the log accepts: every rule is the
//! ledger's, and a scenario only states what it expects the ledger to do.
//!
//! A scenario is seeded into a staging directory beside the target and moved into place only
//! when every step and expectation held, so a data directory never holds half a world; a
//! failed run is kept as `DIR.failed` (with a `FAILED` note) for inspection.

mod expect;
mod file;
mod payload;
mod round;
mod run;
mod signer;
mod when;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

pub use file::Scenario;

use crate::datadir::DataDir;

/// The note a seeded world keeps of where it came from (`scenario.json` in the data
/// directory), so that a later `accord demo --scenario` knows whether it may reuse it.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
#[serde(deny_unknown_fields)]
struct Provenance {
    scenario: String,
    sha256: String,
    seed: u64,
    entries: u64,
    root: String,
}

const FAILED_NOTE: &str = "FAILED";

/// Seeds `scenario` with `seed` into `target`, which must not hold an instance; returns the
/// summary to print.
pub fn seed_into(target: &DataDir, scenario: &Scenario, seed: u64) -> Result<String> {
    let target_path = target.path();
    clear_empty(target_path)?;
    let parent = match target_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target_path
        .file_name()
        .with_context(|| format!("`{}` is not a directory name", target_path.display()))?
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = parent.join(format!(".{name}.seeding-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing the stale {}", staging.display()))?;
    }
    let staged = DataDir::new(&staging).with_database(target.database().map(str::to_owned));
    // Everything that holds the staging directory open (lock, ledger, store, vault) is
    // dropped at the end of this block, before the directory moves.
    let result = {
        let _lock = staged.lock()?;
        run::seed(&staged, scenario, seed).and_then(|seeded| {
            let provenance = Provenance {
                scenario: scenario.name.clone(),
                sha256: scenario.sha256.clone(),
                seed,
                entries: seeded.entries,
                root: seeded.root.clone(),
            };
            let path = staged.scenario_provenance_path();
            std::fs::write(&path, serde_json::to_string_pretty(&provenance)? + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(seeded)
        })
    };
    let seeded = match result {
        Ok(seeded) => seeded,
        Err(e) => {
            return Err(keep_failed(
                &staging,
                &parent.join(format!("{name}.failed")),
                e,
            ))
        }
    };
    std::fs::rename(&staging, target_path).with_context(|| {
        format!(
            "moving the seeded world from {} to {} (did something else create it meanwhile?)",
            staging.display(),
            target_path.display()
        )
    })?;
    let description = match scenario.description.trim() {
        "" => String::new(),
        d => format!("{d}\n"),
    };
    let what = if scenario.builtin {
        format!("the demo world, built-in {}", scenario.path.display())
    } else {
        format!(
            "scenario `{}` from {}",
            scenario.name,
            scenario.path.display()
        )
    };
    Ok(format!(
        "{description}Seeded {what} (seed {seed}): {} parties, {} signed entries from {} to {}; {} steps ({} refused, as expected); {} expectations met.\nCheckpoint root: {}\nParty keys{} in {}",
        scenario.parties.len() + 1,
        seeded.entries,
        scenario.start,
        seeded.last_at,
        seeded.steps,
        seeded.refused_steps,
        seeded.expectations,
        seeded.root,
        if seeded.tokens > 0 { " and API/TAXII tokens" } else { "" },
        target.path().join("keys").display()
    ))
}

/// Whether the world in `dir` was seeded from this very scenario file and seed; says what to
/// do when it was not.
pub fn reuse(dir: &DataDir, scenario: &Scenario, seed: u64) -> Result<String> {
    let path = dir.scenario_provenance_path();
    let again = if scenario.builtin {
        "seed it again with `accord demo --fresh`, or choose another --data".to_owned()
    } else {
        format!(
            "seed it again with `accord demo --scenario {} --fresh`, or choose another --data",
            scenario.path.display()
        )
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        bail!(
            "`{}` holds a world that was not seeded from a scenario (no {}); {again}",
            dir.path().display(),
            path.display()
        );
    };
    let was: Provenance = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a scenario provenance note", path.display()))?;
    let this = if scenario.builtin {
        "the built-in demo world of this version of Accord"
    } else {
        "this file"
    };
    if was.sha256 != scenario.sha256 || was.seed != seed {
        bail!(
            "`{}` holds the world of scenario `{}` (seed {}, file SHA-256 {}), not of {this} with seed {seed}; {again}",
            dir.path().display(),
            was.scenario,
            was.seed,
            &was.sha256[..was.sha256.len().min(12)]
        );
    }
    let what = if scenario.builtin {
        "the demo world".to_owned()
    } else {
        format!("the world of scenario `{}`", was.scenario)
    };
    Ok(format!(
        "Reusing {what} (same file, seed {seed}, {} entries; use --fresh to seed it again).",
        was.entries
    ))
}

/// Removes `path` if it is a directory holding nothing but a write-lock file (as `--fresh`
/// or an interrupted run leaves); refuses anything else that is not an instance.
fn clear_empty(path: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return Ok(());
    };
    let names: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    if names.iter().all(|n| n == "LOCK") {
        return std::fs::remove_dir_all(path)
            .with_context(|| format!("removing the empty {}", path.display()));
    }
    bail!(
        "`{}` exists and is not an Accord data directory; choose another --data",
        path.display()
    )
}

/// Keeps a failed run's directory as `failed` with a note saying why, and returns the error
/// with where to look.
fn keep_failed(staging: &Path, failed: &Path, error: anyhow::Error) -> anyhow::Error {
    let note = format!(
        "This directory holds a scenario run that FAILED; it is kept for inspection only.\n\n{error:#}\n"
    );
    let kept = std::fs::write(staging.join(FAILED_NOTE), note)
        .and_then(|()| {
            if failed.join(FAILED_NOTE).exists() {
                std::fs::remove_dir_all(failed)?;
            }
            std::fs::rename(staging, failed)
        })
        .is_ok();
    if kept {
        anyhow::anyhow!(
            "{error:#}\nNothing was seeded. The partial log is kept for inspection in {} (its {FAILED_NOTE} file says why).",
            failed.display()
        )
    } else {
        let _ = std::fs::remove_dir_all(staging);
        anyhow::anyhow!("{error:#}\nNothing was seeded.")
    }
}
