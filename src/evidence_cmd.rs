//! `accord evidence commit|get|grant|erase`: confidential evidence (principle 3).
//!
//! `commit` draws a fresh 32-byte salt, logs `evidence.commit` with SHA-256(salt ‖ content),
//! then uploads content and salt to the vault (through the server with the owner's token, or
//! straight into the data directory's vault). `get` reads an item with a party token and
//! checks it against the commitment in the log before writing it anywhere.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use accord_domain::evidence::{commitment, MAX_EVIDENCE_BYTES};
use accord_domain::Timestamp;
use accord_store::Sealed;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use rand_core::RngCore as _;
use serde_json::{json, Value};

use crate::client::{load_key, print_problem, send, send_and_print, sign, Sent};
use crate::datadir::DataDir;
use crate::TargetArgs;

/// A marking on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MarkingArg {
    /// TLP:RED — owner, named recipients and grants only.
    Red,
    /// TLP:AMBER+STRICT — as RED, plus the secretariat.
    AmberStrict,
    /// TLP:AMBER — as AMBER+STRICT, plus CERTs and council of the owner's region.
    Amber,
    /// Business-confidential — owner, secretariat, recipients, grants.
    BusinessConfidential,
}

impl MarkingArg {
    fn wire(self) -> &'static str {
        match self {
            MarkingArg::Red => "TLP:RED",
            MarkingArg::AmberStrict => "TLP:AMBER+STRICT",
            MarkingArg::Amber => "TLP:AMBER",
            MarkingArg::BusinessConfidential => "BUSINESS-CONFIDENTIAL",
        }
    }
}

/// `accord evidence …`.
#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Commit to a confidential file in the log and upload it to the vault.
    Commit {
        /// The file.
        file: PathBuf,
        /// Its id among your evidence (a-z, 0-9, '-', '_').
        #[arg(long)]
        id: String,
        /// Its marking.
        #[arg(long, value_enum)]
        marking: MarkingArg,
        /// A public label that reveals nothing confidential.
        #[arg(long)]
        label: String,
        /// A party to share it with (repeat for several).
        #[arg(long = "recipient")]
        recipients: Vec<String>,
        /// Media type (default: guessed from the file extension).
        #[arg(long)]
        media_type: Option<String>,
        /// Your key file.
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        /// Your bearer token (needed with --server to upload).
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: Option<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Upload (again) the content of an item you committed, with its salt.
    Upload {
        /// The file.
        file: PathBuf,
        /// `OWNER/ID`.
        item: String,
        /// The salt of the commitment, 64 hex digits.
        #[arg(long)]
        salt: String,
        /// Your bearer token.
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: String,
        /// The server.
        #[arg(long, env = "ACCORD_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Read an item (the read is logged) and check it against its commitment.
    Get {
        /// `OWNER/ID`.
        item: String,
        /// Write the content here (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Your bearer token.
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: String,
        /// The server.
        #[arg(long, env = "ACCORD_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Grant a party time-boxed access to one of your items (e.g. an auditor).
    Grant {
        /// Your item's id.
        id: String,
        /// Who may read it.
        #[arg(long)]
        party: String,
        /// For how many days (1-366).
        #[arg(long, default_value_t = 30)]
        days: u64,
        /// Why, e.g. `audit 2026-Q4`.
        #[arg(long)]
        purpose: String,
        /// Your key file.
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Erase an item: content and salt leave the vault; the commitment stays in the log.
    Erase {
        /// `OWNER/ID`.
        item: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The owner's (or a secretariat's) key file.
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
}

fn split_item(item: &str) -> Result<(&str, &str)> {
    item.split_once('/')
        .filter(|(o, i)| !o.is_empty() && !i.is_empty())
        .ok_or_else(|| anyhow!("name the item as OWNER/ID, e.g. cert-aldoria/pcap-0714"))
}

fn guess_media_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("txt" | "log" | "md") => "text/plain",
        Some("json") => "application/json",
        Some("pdf") => "application/pdf",
        Some("pcap") => "application/vnd.tcpdump.pcap",
        Some("csv") => "text/csv",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Runs `accord evidence …`.
pub fn evidence(cmd: EvidenceCommand) -> Result<ExitCode> {
    match cmd {
        EvidenceCommand::Commit {
            file,
            id,
            marking,
            label,
            recipients,
            media_type,
            signer,
            token,
            target,
        } => {
            let content =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            if content.is_empty() || content.len() as u64 > MAX_EVIDENCE_BYTES {
                bail!(
                    "{} is {} bytes; evidence is 1 to {MAX_EVIDENCE_BYTES} bytes",
                    file.display(),
                    content.len()
                );
            }
            if target.server.is_some() && token.is_none() {
                bail!("uploading through --server needs your bearer token: give --token or set ACCORD_TOKEN");
            }
            let mut salt = [0u8; 32];
            rand_core::OsRng.fill_bytes(&mut salt);
            let key = load_key(&signer)?;
            let owner = key
                .party
                .clone()
                .ok_or_else(|| anyhow!("key file {} names no party", signer.display()))?;
            let payload = json!({
                "evidence": id,
                "marking": marking.wire(),
                "commitment": commitment(&salt, &content),
                "media_type": media_type.as_deref().unwrap_or_else(|| guess_media_type(&file)),
                "size": content.len(),
                "label": label,
                "recipients": recipients,
            });
            let envelope = sign("evidence.commit", 1, payload, &key, &signer)?;
            let index = match send(envelope, &target)? {
                Sent::Receipt { receipt, .. } => receipt.index,
                Sent::Problem(p) => return Ok(print_problem(&p, target.json)),
            };
            let sealed = Sealed { salt, content };
            let stored = match (&target.server, &token) {
                (Some(server), Some(token)) => upload(server, token, owner.as_str(), &id, &sealed),
                _ => DataDir::at(&target.data)
                    .open_vault()
                    .and_then(|v| Ok(v.put(owner.as_str(), &id, &sealed)?)),
            };
            if let Err(e) = stored {
                bail!(
                    "the commitment is logged as entry {index} but the content was not stored: {e:#}\n\
                     retry with: accord evidence upload {} {owner}/{id} --salt {}",
                    file.display(),
                    hex::encode(salt)
                );
            }
            if target.json {
                println!(
                    "{}",
                    json!({"owner": owner, "evidence": id, "entry": index, "uploaded": true})
                );
            } else {
                println!(
                    "Committed `{owner}/{id}` ({}) as entry {index} and uploaded {} bytes to the vault.",
                    marking.wire(),
                    sealed.content.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Upload {
            file,
            item,
            salt,
            token,
            server,
        } => {
            let (owner, id) = split_item(&item)?;
            let salt: [u8; 32] = hex::decode(salt.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow!("--salt is the commitment's salt, 64 hex digits"))?;
            let content =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            upload(&server, &token, owner, id, &Sealed { salt, content })?;
            println!("Uploaded `{owner}/{id}` to the vault.");
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Get {
            item,
            output,
            token,
            server,
        } => {
            let (owner, id) = split_item(&item)?;
            let base = server.trim_end_matches('/');
            let url = format!("{base}/evidence/{owner}/{id}");
            let mut res = agent()
                .get(&url)
                .header("authorization", &format!("Bearer {token}"))
                .call()
                .with_context(|| format!("cannot reach {url}"))?;
            let status = res.status().as_u16();
            let salt = res
                .headers()
                .get("accord-evidence-salt")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let read_entry = res
                .headers()
                .get("accord-read-entry")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = res
                .body_mut()
                .with_config()
                .limit(MAX_EVIDENCE_BYTES)
                .read_to_vec()?;
            if status != 200 {
                let p: Value = serde_json::from_slice(&body)
                    .with_context(|| format!("{url} answered HTTP {status}"))?;
                return Ok(print_problem(&p, false));
            }
            let salt: [u8; 32] = salt
                .and_then(|s| hex::decode(s).ok())
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow!("{url} sent no valid Accord-Evidence-Salt header"))?;
            let items = get_json(&format!("{base}/parties/{owner}/evidence"))?;
            let logged = items
                .as_array()
                .and_then(|a| a.iter().find(|i| i["evidence"] == id))
                .and_then(|i| i["commitment"].as_str())
                .ok_or_else(|| anyhow!("the log has no commitment for {owner}/{id}"))?;
            if commitment(&salt, &body) != logged {
                bail!("the content does NOT match the commitment in the log; do not trust it");
            }
            match output {
                Some(path) => std::fs::write(&path, &body)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().write_all(&body)?,
            }
            eprintln!(
                "{} bytes of `{owner}/{id}`, matching its commitment in the log; this read is logged as entry {}.",
                body.len(),
                read_entry.as_deref().unwrap_or("?")
            );
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Grant {
            id,
            party,
            days,
            purpose,
            signer,
            target,
        } => {
            if !(1..=366).contains(&days) {
                bail!("--days is 1 to 366");
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let until = Timestamp::from_unix_ms(now + days * 86_400_000).to_string();
            let key = load_key(&signer)?;
            let payload =
                json!({"evidence": id, "party": party, "until": until, "purpose": purpose});
            let envelope = sign("evidence.grant", 1, payload, &key, &signer)?;
            send_and_print(envelope, &target, None)
        }
        EvidenceCommand::Erase {
            item,
            reason,
            signer,
            target,
        } => {
            let (owner, id) = split_item(&item)?;
            let key = load_key(&signer)?;
            let payload = json!({"owner": owner, "evidence": id, "reason": reason});
            let envelope = sign("evidence.erase", 1, payload, &key, &signer)?;
            send_and_print(envelope, &target, None)
        }
    }
}

fn upload(server: &str, token: &str, owner: &str, id: &str, sealed: &Sealed) -> Result<()> {
    let url = format!("{}/evidence/{owner}/{id}", server.trim_end_matches('/'));
    let mut res = agent()
        .put(&url)
        .header("authorization", &format!("Bearer {token}"))
        .header("accord-evidence-salt", &hex::encode(sealed.salt))
        .header("content-type", "application/octet-stream")
        .send(&sealed.content[..])
        .with_context(|| format!("uploading to {url}"))?;
    let status = res.status().as_u16();
    if status != 200 && status != 201 {
        let body = res.body_mut().read_to_vec().unwrap_or_default();
        let p: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        bail!(
            "the upload was refused (HTTP {status}): {}",
            p["detail"].as_str().unwrap_or("no detail")
        );
    }
    Ok(())
}

fn get_json(url: &str) -> Result<Value> {
    let mut res = agent()
        .get(url)
        .call()
        .with_context(|| format!("cannot reach {url}"))?;
    let body = res.body_mut().read_to_vec()?;
    serde_json::from_slice(&body).with_context(|| format!("{url} answered without JSON"))
}
