//! Commands that sign and send statements, read the log and check receipts.
//!
//! A write goes to a running server (`--server URL`, posted as canonical JSON) or, when no
//! server is named, straight into the data directory through the same ledger path.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use accord_domain::ids::{DisplayName, RegionId};
use accord_domain::registry::{
    KeyRevocation, KeyRotation, PartyKind, PartyRegistration, RevocationReason,
};
use accord_domain::{LogEntry, Payload};
use accord_envelope::{canonical, Envelope, KeyFile, KeyId, KeyPair, PartyId, Signer};
use accord_sequencer::{Receipt, Submission, SystemClock};
use accord_tlog::note::NoteVerifier;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use crate::datadir::DataDir;
use crate::{DataArg, TargetArgs};

/// Arguments of `accord keygen`.
#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the key file (mode 0600).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The party this key belongs to (recorded in the file, used as the signer).
    #[arg(long)]
    party: Option<String>,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord keygen`.
pub fn keygen(args: KeygenArgs) -> Result<ExitCode> {
    let party = args
        .party
        .as_deref()
        .map(str::parse::<PartyId>)
        .transpose()
        .context("--party is not a valid party id")?;
    let key = KeyPair::generate();
    KeyFile {
        party,
        key: key.clone(),
    }
    .save(&args.out, args.force)
    .with_context(|| format!("writing {}", args.out.display()))?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"file": args.out, "key_id": key.key_id().to_string(), "public_key": key.public_key().to_base64()})
        );
    } else {
        println!("Wrote {}", args.out.display());
        println!("key id:     {}", key.key_id());
        println!("public key: {}", key.public_key().to_base64());
    }
    Ok(ExitCode::SUCCESS)
}

/// Party kinds as CLI values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KindArg {
    /// A government party.
    State,
    /// A regional cyber council.
    RegionalCouncil,
    /// A CERT or CSIRT.
    Cert,
    /// A company, operator or vendor.
    Company,
    /// A civil-society organisation.
    CivilSociety,
    /// An auditor or peer reviewer.
    Auditor,
    /// A secretariat.
    Secretariat,
}

impl From<KindArg> for PartyKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::State => PartyKind::State,
            KindArg::RegionalCouncil => PartyKind::RegionalCouncil,
            KindArg::Cert => PartyKind::Cert,
            KindArg::Company => PartyKind::Company,
            KindArg::CivilSociety => PartyKind::CivilSociety,
            KindArg::Auditor => PartyKind::Auditor,
            KindArg::Secretariat => PartyKind::Secretariat,
        }
    }
}

/// Revocation reasons as CLI values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReasonArg {
    /// The key is or may be known to someone else.
    Compromised,
    /// Replaced by another key.
    Superseded,
    /// No longer used.
    CessationOfOperation,
}

/// `accord party …`.
#[derive(Subcommand)]
pub enum PartyCommand {
    /// Register a party with its first key (signed by the secretariat).
    Add {
        /// New party id (a-z, 0-9, '-', '_').
        #[arg(long)]
        id: String,
        /// Its kind.
        #[arg(long, value_enum)]
        kind: KindArg,
        /// Its region id.
        #[arg(long)]
        region: String,
        /// Its public name.
        #[arg(long)]
        name: String,
        /// Its public key file (from `accord keygen`); only the public half is used.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The secretariat's key file to sign with.
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Add a new key for a party, optionally retiring an old one.
    RotateKey {
        /// Whose key.
        #[arg(long)]
        party: String,
        /// Key file with the new key.
        #[arg(long, value_name = "FILE")]
        new_key: PathBuf,
        /// Key id to retire.
        #[arg(long)]
        retire: Option<String>,
        /// Key file to sign with (the party's current key, or the secretariat's).
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Revoke a key from now on.
    RevokeKey {
        /// Whose key.
        #[arg(long)]
        party: String,
        /// Key id to revoke.
        #[arg(long)]
        key: String,
        /// Why.
        #[arg(long, value_enum)]
        reason: ReasonArg,
        /// Key file to sign with (the party's own key, or the secretariat's).
        #[arg(long = "as", value_name = "FILE")]
        signer: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// Runs `accord party …`.
pub fn party(cmd: PartyCommand) -> Result<ExitCode> {
    let (payload, signer, target) = match cmd {
        PartyCommand::Add {
            id,
            kind,
            region,
            name,
            key,
            signer,
            target,
        } => {
            let public_key = load_key(&key)?.key.public_key();
            let payload = Payload::PartyRegister(PartyRegistration {
                party: id.parse().context("--id is not a valid party id")?,
                kind: kind.into(),
                region: RegionId::new(region).context("--region")?,
                display_name: DisplayName::new(name).context("--name")?,
                public_key,
            });
            (payload, signer, target)
        }
        PartyCommand::RotateKey {
            party,
            new_key,
            retire,
            signer,
            target,
        } => {
            let payload = Payload::KeyRotate(KeyRotation {
                party: party.parse().context("--party is not a valid party id")?,
                public_key: load_key(&new_key)?.key.public_key(),
                retires: retire
                    .map(|k| k.parse::<KeyId>())
                    .transpose()
                    .context("--retire is not a key id")?,
            });
            (payload, signer, target)
        }
        PartyCommand::RevokeKey {
            party,
            key,
            reason,
            signer,
            target,
        } => {
            let payload = Payload::KeyRevoke(KeyRevocation {
                party: party.parse().context("--party is not a valid party id")?,
                key: key.parse().context("--key is not a key id")?,
                reason: match reason {
                    ReasonArg::Compromised => RevocationReason::Compromised,
                    ReasonArg::Superseded => RevocationReason::Superseded,
                    ReasonArg::CessationOfOperation => RevocationReason::CessationOfOperation,
                },
            });
            (payload, signer, target)
        }
    };
    let key = load_key(&signer)?;
    let envelope = sign(payload.entry_type(), 1, payload.to_value(), &key, &signer)?;
    send_and_print(envelope, &target, None)
}

pub(crate) fn load_key(path: &Path) -> Result<KeyFile> {
    KeyFile::load(path).with_context(|| format!("loading key file {}", path.display()))
}

pub(crate) fn sign(
    entry_type: &str,
    schema: u32,
    payload: serde_json::Value,
    key: &KeyFile,
    path: &Path,
) -> Result<Envelope> {
    let party = key.party.clone().ok_or_else(|| {
        anyhow!(
            "key file {} names no party; create it with `accord keygen --party ID`",
            path.display()
        )
    })?;
    Ok(Envelope::sign(
        entry_type,
        schema,
        payload,
        Signer {
            party,
            key: key.key.key_id(),
        },
        &key.key,
    )?)
}

/// Arguments of `accord submit`.
#[derive(Args)]
pub struct SubmitArgs {
    /// A statement `{"type": …, "schema": …, "payload": {…}}` to sign, or an already signed
    /// envelope (with `signer` and `signature`) to send as it is. `-` reads standard input.
    file: PathBuf,
    /// Key file to sign with (not needed for an already signed envelope).
    #[arg(long = "key", value_name = "FILE")]
    key: Option<PathBuf>,
    /// Also write the receipt to this file.
    #[arg(long, value_name = "FILE")]
    receipt: Option<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `accord submit`.
pub fn submit(args: SubmitArgs) -> Result<ExitCode> {
    let bytes = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        buf
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let value = canonical::parse_strict(&bytes)
        .with_context(|| format!("{} is not valid JSON", args.file.display()))?;
    let envelope = if value.get("signature").is_some() {
        Envelope::from_value(value)
            .with_context(|| format!("{} is not a valid signed envelope", args.file.display()))?
    } else {
        let key_path = args
            .key
            .as_ref()
            .ok_or_else(|| anyhow!("the statement is unsigned: give --key FILE to sign it"))?;
        let key = load_key(key_path)?;
        let entry_type = value
            .get("type")
            .and_then(|v| v.as_str())
            .ok_or_else(|| anyhow!("the statement needs a string member `type`"))?
            .to_owned();
        let schema = value
            .get("schema")
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| anyhow!("the statement needs a whole-number member `schema`"))?;
        let payload = value
            .get("payload")
            .cloned()
            .ok_or_else(|| anyhow!("the statement needs an object member `payload`"))?;
        if let Some(extra) = value.as_object().and_then(|o| {
            o.keys()
                .find(|k| !["type", "schema", "payload"].contains(&k.as_str()))
        }) {
            bail!("unknown member `{extra}` in the statement: only `type`, `schema` and `payload` are allowed");
        }
        sign(&entry_type, schema, payload, &key, key_path)?
    };
    send_and_print(envelope, &args.target, args.receipt.as_deref())
}

/// The answer to a submission.
pub(crate) enum Sent {
    Receipt { receipt: Receipt, duplicate: bool },
    Problem(serde_json::Value),
}

pub(crate) fn send(envelope: Envelope, target: &TargetArgs) -> Result<Sent> {
    match &target.server {
        Some(url) => {
            let url = format!("{}/entries", url.trim_end_matches('/'));
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut res = agent
                .post(&url)
                .header("content-type", "application/json")
                .send(&envelope.to_canonical_bytes()[..])
                .with_context(|| format!("posting to {url}"))?;
            let status = res.status().as_u16();
            let bytes = res
                .body_mut()
                .read_to_vec()
                .with_context(|| format!("reading the answer of {url}"))?;
            let body: serde_json::Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{url} answered HTTP {status} without JSON"))?;
            if status == 200 || status == 201 {
                let receipt: Receipt = serde_json::from_value(body).with_context(|| {
                    format!("{url} answered with something that is not a receipt")
                })?;
                Ok(Sent::Receipt {
                    receipt,
                    duplicate: status == 200,
                })
            } else {
                Ok(Sent::Problem(body))
            }
        }
        None => {
            let dir = DataDir::at(&target.data);
            dir.require()?;
            let _lock = dir.lock()?;
            let store = dir.open_store()?;
            let ledger = dir.open_ledger(store, Arc::new(SystemClock))?;
            let mut results = ledger.append(vec![Submission::new(envelope.clone())])?;
            match results.pop() {
                Some(Ok(o)) => {
                    accord_server::evidence::erase_after(dir.open_vault()?.as_ref(), &envelope);
                    Ok(Sent::Receipt {
                        receipt: o.receipt,
                        duplicate: o.duplicate,
                    })
                }
                Some(Err(r)) => Ok(Sent::Problem(serde_json::json!({
                    "title": "Submission refused",
                    "detail": r.detail,
                    "rule": r.rule,
                    "pointer": r.pointer,
                }))),
                None => bail!("the ledger returned no result"),
            }
        }
    }
}

pub(crate) fn send_and_print(
    envelope: Envelope,
    target: &TargetArgs,
    receipt_out: Option<&Path>,
) -> Result<ExitCode> {
    match send(envelope, target)? {
        Sent::Receipt { receipt, duplicate } => {
            let json = serde_json::to_string_pretty(&receipt)?;
            if let Some(path) = receipt_out {
                std::fs::write(path, format!("{json}\n"))
                    .with_context(|| format!("writing the receipt to {}", path.display()))?;
            }
            if target.json {
                println!("{json}");
            } else {
                let what = if duplicate {
                    "Already in the log as entry"
                } else {
                    "Appended as entry"
                };
                println!("{what} {} (leaf {})", receipt.index, receipt.leaf_hash);
                if let Some(path) = receipt_out {
                    println!("Receipt written to {}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Sent::Problem(p) => Ok(print_problem(&p, target.json)),
    }
}

/// Prints a refusal (as JSON for scripts) and returns exit status 2.
pub(crate) fn print_problem(p: &serde_json::Value, json: bool) -> ExitCode {
    if json {
        println!("{p}");
    } else {
        let field = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("");
        eprintln!("refused: {}", field("title"));
        eprintln!("  {}", field("detail"));
        if !field("pointer").is_empty() {
            eprintln!("  at {}", field("pointer"));
        }
        eprintln!("  rule: {}", field("rule"));
    }
    ExitCode::from(2)
}

/// `accord log …`.
#[derive(Subcommand)]
pub enum LogCommand {
    /// Show entry N.
    Show {
        /// Entry index.
        index: u64,
        #[command(flatten)]
        data: DataArg,
        /// Print the raw entry JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `accord log …`.
pub fn log(cmd: LogCommand) -> Result<ExitCode> {
    let LogCommand::Show { index, data, json } = cmd;
    let dir = DataDir::at(&data);
    let store = dir.open_store_read_only()?;
    let size = store.tree_size()?;
    let stored = store.entry(index)?.ok_or_else(|| {
        anyhow!("entry {index} does not exist: the log has {size} entries (0..{size})")
    })?;
    let entry = LogEntry::from_leaf_bytes(&stored.data)
        .with_context(|| format!("entry {index} does not parse; run `accord verify`"))?;
    if json {
        println!("{}", String::from_utf8_lossy(&stored.data));
        return Ok(ExitCode::SUCCESS);
    }
    println!("entry        {index} of {size}");
    println!("leaf hash    {}", hex::encode(stored.leaf_hash));
    println!("sequenced at {}", entry.sequenced_at);
    println!(
        "type         {} (schema {})",
        entry.envelope.entry_type, entry.envelope.schema
    );
    println!(
        "signer       {} (key {})",
        entry.envelope.signer.party, entry.envelope.signer.key
    );
    println!(
        "payload\n{}",
        serde_json::to_string_pretty(&entry.envelope.payload)?
    );
    Ok(ExitCode::SUCCESS)
}

/// `accord receipt …`.
#[derive(Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt offline: entry hash, inclusion proof, checkpoint signature, envelope
    /// signature.
    Verify {
        /// The receipt file (JSON, as returned by a submission).
        file: PathBuf,
        /// The instance's checkpoint verifier key (`name+keyid+base64`).
        #[arg(long, value_name = "VKEY", conflicts_with = "data")]
        verifier_key: Option<String>,
        /// Read the verifier key from this data directory's instance.json instead.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// A witness whose cosignature the receipt's checkpoint must carry (its verifier key,
        /// signature type 0x04); repeat for several. Fetch a witnessed receipt from
        /// `GET /receipts/{index}` once its checkpoint is witnessed.
        #[arg(long = "witness", value_name = "VKEY")]
        witnesses: Vec<String>,
        /// With --witness: how many of them must have cosigned (default: all).
        #[arg(long, value_name = "K", requires = "witnesses")]
        quorum: Option<usize>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `accord receipt …`.
pub fn receipt(cmd: ReceiptCommand) -> Result<ExitCode> {
    let ReceiptCommand::Verify {
        file,
        verifier_key,
        data,
        witnesses,
        quorum,
        json,
    } = cmd;
    let policy = accord_tlog::cosignature::Policy {
        quorum: quorum.unwrap_or(witnesses.len()),
        witnesses: witnesses
            .iter()
            .map(|w| {
                accord_tlog::cosignature::CosignatureVerifier::parse(w)
                    .with_context(|| format!("--witness `{w}` is not a witness's verifier key"))
            })
            .collect::<Result<Vec<_>>>()?,
    };
    if policy.quorum > policy.witnesses.len() {
        bail!(
            "--quorum {} needs at least as many --witness keys; {} given",
            policy.quorum,
            policy.witnesses.len()
        );
    }
    let vkey = match (verifier_key, data) {
        (Some(k), _) => k,
        (None, Some(dir)) => DataDir::new(&dir).config()?.verifier_key,
        (None, None) => bail!(
            "give the instance's --verifier-key (or --data DIR to read it from instance.json)"
        ),
    };
    let verifier = NoteVerifier::parse(&vkey).context("--verifier-key is not a verifier key")?;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let receipt: Receipt = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a receipt", file.display()))?;
    let verified = receipt
        .verify(&verifier)
        .map_err(|e| e.to_string())
        .and_then(|v| {
            if policy.witnesses.is_empty() {
                return Ok((v, Vec::new()));
            }
            policy
                .check(&receipt.checkpoint, &verifier)
                .map(|by| (v, by))
                .map_err(|e| format!("witness policy: {e}"))
        });
    match verified {
        Ok((v, cosigned)) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"valid": true, "index": v.index, "tree_size": v.checkpoint.size, "origin": v.checkpoint.origin,
                        "cosigned_by": cosigned.iter().map(|(n, at)| serde_json::json!({"witness": n, "at": at})).collect::<Vec<_>>()})
                );
            } else {
                println!(
                    "valid: entry {} ({} by {}) is in log `{}` at tree size {}",
                    v.index,
                    v.entry.envelope.entry_type,
                    v.entry.envelope.signer.party,
                    v.checkpoint.origin,
                    v.checkpoint.size
                );
                if !cosigned.is_empty() {
                    let names: Vec<&str> = cosigned.iter().map(|(n, _)| n.as_str()).collect();
                    println!(
                        "witnessed: cosigned by {} (policy: {} of {})",
                        names.join(", "),
                        policy.quorum,
                        policy.witnesses.len()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"valid": false, "error": e.to_string()})
                );
            } else {
                eprintln!("INVALID receipt {}: {e}", file.display());
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
