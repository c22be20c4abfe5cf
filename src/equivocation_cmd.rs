//! `accord verify-equivocation`: check an equivocation proof offline — two checkpoints signed
//! by one log's key that cannot both be true (docs/witnessing.md). Exit status 0 when it
//! proves the split view, 1 when it does not.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_tlog::note::NoteVerifier;
use accord_witness::Equivocation;
use anyhow::{Context, Result};
use clap::Args;

/// Arguments of `accord verify-equivocation`.
#[derive(Args)]
pub struct VerifyEquivocationArgs {
    /// The proof: a JSON document `accord-equivocation-proof/v1` (as a witness publishes at
    /// `GET /equivocations`, one element of that list), or `-` for standard input.
    file: PathBuf,
    /// The log's checkpoint verifier key, obtained independently of the proof.
    #[arg(long, value_name = "VKEY")]
    verifier_key: String,
}

/// Runs `accord verify-equivocation`.
pub fn run(args: VerifyEquivocationArgs) -> Result<ExitCode> {
    let bytes = if args.file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
        b
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let proof: Equivocation = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not an equivocation proof (JSON with type, origin, first, second)",
            args.file.display()
        )
    })?;
    let log = NoteVerifier::parse(args.verifier_key.trim())
        .context("--verifier-key is not a log's verifier key")?;
    match proof.verify(&log) {
        Ok(proven) => {
            println!("PROVEN: {}: {}", proven.origin, proven.finding);
            println!(
                "Both checkpoints verify with {}; they cannot both be true, so the log showed different readers different histories.",
                log.to_vkey()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            eprintln!("NOT PROVEN: {why}");
            Ok(ExitCode::FAILURE)
        }
    }
}
