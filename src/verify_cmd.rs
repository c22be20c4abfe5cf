//! `accord verify`: replay a log from a data directory or a URL and check everything.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_tlog::note::NoteVerifier;
use accord_verify::{verify_with, HttpSource, LocalSource, LogSource, Signatures};
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::datadir::DataDir;
use crate::progress;

/// Arguments of `accord verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// Verify the log in this data directory.
    #[arg(long, value_name = "DIR", conflicts_with = "url")]
    data: Option<PathBuf>,
    /// The PostgreSQL database holding the log of the instance in --data.
    #[arg(
        long,
        value_name = "URL",
        env = "ACCORD_DATABASE",
        hide_env_values = true
    )]
    database: Option<String>,
    /// Verify the log served at this URL (tlog-tiles endpoints only).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The checkpoint verifier key to trust. Without it, --data uses instance.json and --url
    /// asks the server (trust on first use; say so in the output).
    #[arg(long, value_name = "VKEY")]
    verifier_key: Option<String>,
    /// Check each entry's signature alone, with strict Ed25519 as the sequencer does, instead
    /// of in batches (slower; see docs/api.md for the one difference).
    #[arg(long)]
    one_by_one: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord verify`.
pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let (source, vkey, tofu): (Box<dyn LogSource>, String, bool) = match (&args.data, &args.url) {
        (Some(dir), None) => {
            let dir = DataDir::new(dir).with_database(args.database.clone());
            let store = dir.open_store_read_only()?;
            let vkey = match &args.verifier_key {
                Some(k) => k.clone(),
                None => dir.config()?.verifier_key,
            };
            (Box::new(LocalSource(store)), vkey, false)
        }
        (None, Some(url)) => {
            let source = HttpSource::new(url);
            let (vkey, tofu) = match &args.verifier_key {
                Some(k) => (k.clone(), false),
                None => (
                    source
                        .verifier_key()
                        .with_context(|| format!("asking {url} for its verifier key"))?,
                    true,
                ),
            };
            (Box::new(source), vkey, tofu)
        }
        _ => bail!("say what to verify: --data DIR or --url URL"),
    };
    let verifier = NoteVerifier::parse(&vkey).context("the verifier key does not parse")?;
    if tofu && !args.json {
        eprintln!("note: trusting the verifier key the server sent ({vkey}); pass --verifier-key to pin it");
    }
    let bar = progress::bar(0, "verifying", true);
    let signatures = if args.one_by_one {
        Signatures::OneByOne
    } else {
        Signatures::Batched
    };
    let result = verify_with(
        source.as_ref(),
        &verifier,
        signatures,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    );
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            let rate = r.entries as f64 / r.elapsed.as_secs_f64().max(1e-9);
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "valid": true,
                        "entries": r.entries,
                        "checkpoints": r.checkpoints,
                        "tiles": r.tiles,
                        "root": hex::encode(r.root),
                        "state_digest": hex::encode(r.state_digest),
                        "parties": r.parties,
                        "seconds": r.elapsed.as_secs_f64(),
                        "entries_per_second": rate,
                    })
                );
            } else {
                println!(
                    "OK: {} entries, {} checkpoints, {} tiles verified in {:.2}s ({:.0} entries/s)",
                    r.entries,
                    r.checkpoints,
                    r.tiles,
                    r.elapsed.as_secs_f64(),
                    rate
                );
                println!("root          {}", hex::encode(r.root));
                println!("state digest  {}", hex::encode(r.state_digest));
                println!("parties       {}", r.parties);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"valid": false, "at": e.location.to_string(), "reason": e.reason})
                );
            } else {
                eprintln!("FAILED at {}: {}", e.location, e.reason);
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
