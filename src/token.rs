//! `accord token issue|revoke`: bearer tokens for parties' authenticated reads. A party issues
//! its own tokens with its own key (nobody else can: a token stands for its party); the
//! token is generated here and shown once; only its SHA-256 goes into the signed issuing
//! entry. A party, or a secretariat, revokes one.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_domain::tokens::token_hash;
use accord_domain::Timestamp;
use anyhow::{bail, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use clap::Subcommand;
use rand_core::RngCore as _;
use serde_json::json;

use crate::client::{load_key, print_problem, send, send_and_print, sign, Sent};
use crate::TargetArgs;

/// `accord token …`.
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue your party a bearer token, signed with your own key; the token is printed once.
    Issue {
        /// The party it authenticates: the signer's own (default: the key file's party).
        #[arg(long)]
        party: Option<String>,
        /// What it is for, e.g. `dashboard`.
        #[arg(long, default_value = "api")]
        label: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<u64>,
        /// Your party's key file.
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Revoke a token (give the token, or its SHA-256): your own, or any as a secretariat.
    Revoke {
        /// The token itself.
        #[arg(long, conflicts_with = "sha256")]
        token: Option<String>,
        /// The token's SHA-256 (as logged).
        #[arg(long)]
        sha256: Option<String>,
        /// Your party's key file (the token's party, or a secretariat).
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// Runs `accord token …`.
pub fn token(cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Issue {
            party,
            label,
            expires_days,
            signer,
            target,
        } => {
            let key = load_key(&signer)?;
            let party = match (party, &key.party) {
                (Some(p), _) => p,
                (None, Some(p)) => p.to_string(),
                (None, None) => bail!(
                    "{} is not bound to a party: give --party (your own party's id)",
                    signer.display()
                ),
            };
            let mut secret = [0u8; 32];
            rand_core::OsRng.fill_bytes(&mut secret);
            let token = format!("acc_{}", B64URL.encode(secret));
            let mut payload =
                json!({"party": party, "token_sha256": token_hash(&token), "label": label});
            if let Some(days) = expires_days {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64);
                payload["expires_at"] =
                    json!(Timestamp::from_unix_ms(now + days * 86_400_000).to_string());
            }
            let envelope = sign("party.token_issue", 1, payload, &key, &signer)?;
            match send(envelope, &target)? {
                Sent::Receipt { receipt, .. } => {
                    if target.json {
                        println!(
                            "{}",
                            json!({"party": party, "token": token, "token_sha256": token_hash(&token), "entry": receipt.index})
                        );
                    } else {
                        println!("Token for `{party}` ({label}), logged as entry {}; shown once — store it now:", receipt.index);
                        println!("  {token}");
                        println!("Send it as `Authorization: Bearer <token>`; only its SHA-256 is in the log.");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Sent::Problem(p) => Ok(print_problem(&p, target.json)),
            }
        }
        TokenCommand::Revoke {
            token,
            sha256,
            signer,
            target,
        } => {
            let hash = match (token, sha256) {
                (Some(t), None) => token_hash(&t),
                (None, Some(h)) => h,
                _ => bail!("give --token or --sha256"),
            };
            let key = load_key(&signer)?;
            let envelope = sign(
                "party.token_revoke",
                1,
                json!({"token_sha256": hash}),
                &key,
                &signer,
            )?;
            send_and_print(envelope, &target, None)
        }
    }
}
