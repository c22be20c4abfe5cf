//! `accord credential`: the portable certifications of docs/credentials.md — verify one
//! offline, see the draft a council would sign, issue one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use accord_domain::certification::{self, Log};
use accord_domain::Timestamp;
use accord_vc::verify::{Outcome, Report};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::datadir::DataDir;
use crate::negotiate::SignAs;
use crate::{DataArg, TargetArgs};

/// `accord credential …`.
#[derive(Subcommand)]
pub enum CredentialCommand {
    /// Check a credential offline: its shape (VC Data Model 2.0), its eddsa-rdfc-2022 proof,
    /// that its issuer signed it, its validity period, its status, and whether this instance
    /// (its own log, or a log it follows that the regime recognizes for certifications) knows
    /// it. Exit status 0 when every check passes, 1 otherwise.
    Verify(VerifyArgs),
    /// Print an issued credential (signed JSON-LD, as `GET /credentials/{number}` serves it).
    Show {
        /// Its number.
        number: u64,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// The unsigned credential the log supports now under a scheme from an audit: what the
    /// scheme's council signs.
    Draft {
        /// The scheme.
        #[arg(long)]
        scheme: String,
        /// The audit it rests on.
        #[arg(long)]
        audit: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Issue a credential as the scheme's council: take the draft, sign it with the council's
    /// key (a Data Integrity proof), and log it as a `credential.issue` entry.
    Issue {
        /// The scheme.
        #[arg(long)]
        scheme: String,
        /// The audit it rests on.
        #[arg(long)]
        audit: String,
        /// Also write the signed credential to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        sign: SignAs,
    },
}

/// Arguments of `accord credential verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The credential (JSON-LD, as downloaded from `/credentials/{number}`).
    file: PathBuf,
    /// A Bitstring Status List credential to read its status from: a file, or an http(s) URL
    /// to fetch (repeat for the suspension and revocation lists). Without one, the status is
    /// recomputed from the log the credential was found in.
    #[arg(long = "status", value_name = "FILE|URL")]
    status: Vec<String>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// This instance's data directory: its own log and the mirrors of the instances it
    /// follows answer "is this issuer recognized here?".
    #[command(flatten)]
    data: DataArg,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord credential …`.
pub fn run(cmd: CredentialCommand) -> Result<ExitCode> {
    match cmd {
        CredentialCommand::Verify(args) => verify(args),
        CredentialCommand::Show { number, target } => {
            let credential = match &target.server {
                Some(server) => crate::negotiate::fetch(server, &format!("/credentials/{number}"))?,
                None => {
                    let dir = DataDir::at(&target.data);
                    dir.require()?;
                    let core = crate::federation_cmd::own_core(&dir)?;
                    let found = core
                        .state()
                        .credentials()
                        .get(number)
                        .map(|c| c.credential.clone());
                    found.with_context(|| {
                        format!(
                            "no credential {number} in {}: {} were issued",
                            dir.path().display(),
                            core.state().credentials().all().len()
                        )
                    })?
                }
            };
            println!("{}", serde_json::to_string_pretty(&credential)?);
            Ok(ExitCode::SUCCESS)
        }
        CredentialCommand::Draft {
            scheme,
            audit,
            target,
        } => {
            let (draft, _) = draft(&scheme, &audit, &target)?;
            println!("{}", serde_json::to_string_pretty(&draft)?);
            Ok(ExitCode::SUCCESS)
        }
        CredentialCommand::Issue {
            scheme,
            audit,
            out,
            sign,
        } => {
            let key = crate::client::load_key(&sign.key)?;
            let (draft, at) = draft(&scheme, &audit, &sign.target)?;
            let payload = certification::sign(&draft, key.key.as_dalek(), at)
                .context("signing the credential")?;
            if let Some(path) = &out {
                std::fs::write(path, serde_json::to_vec_pretty(&payload["credential"])?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            let envelope = crate::client::sign(
                accord_domain::payload::CREDENTIAL_ISSUE,
                1,
                payload,
                &key,
                &sign.key,
            )?;
            crate::client::send_and_print(envelope, &sign.target, None)
        }
    }
}

/// The draft under `scheme` from `audit`, from the server or the data directory, with the
/// time to sign it at.
fn draft(scheme: &str, audit: &str, target: &TargetArgs) -> Result<(Value, Timestamp)> {
    if let Some(server) = &target.server {
        let answer = crate::negotiate::fetch(
            server,
            &format!("/credentials/draft?scheme={scheme}&audit={audit}"),
        )?;
        let at = answer["sign_at"]
            .as_str()
            .and_then(Timestamp::from_rfc3339)
            .context("the server's draft has no `sign_at` time")?;
        return Ok((answer["credential"].clone(), at));
    }
    let dir = DataDir::at(&target.data);
    dir.require()?;
    let core = crate::federation_cmd::own_core(&dir)?;
    let state = core.state();
    let now = Timestamp::from_unix_ms(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
    .max(state.last_at());
    let scheme = scheme
        .parse()
        .map_err(|e| anyhow::anyhow!("--scheme: {e}"))?;
    let audit = audit.parse().map_err(|e| anyhow::anyhow!("--audit: {e}"))?;
    certification::draft(state, &scheme, &audit, now)
        .map_err(|r| anyhow::anyhow!("the log does not support this credential: {r}"))
}

/// Reads a status list credential from a file or an http(s) URL.
fn load_document(source: &str) -> Result<Value> {
    let bytes = if source.starts_with("https://") || source.starts_with("http://") {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        agent
            .get(source)
            .call()
            .with_context(|| format!("fetching {source}"))?
            .body_mut()
            .read_to_vec()
            .with_context(|| format!("reading {source}"))?
    } else {
        std::fs::read(source).with_context(|| format!("reading {source}"))?
    };
    serde_json::from_slice(&bytes).with_context(|| format!("{source} is not JSON"))
}

fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let credential = load_document(&args.file.display().to_string())?;
    let at = match &args.at {
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("--at `{t}` is not an RFC 3339 time"))?,
        None => time::OffsetDateTime::now_utc(),
    };
    let lists: Vec<Value> = args
        .status
        .iter()
        .map(|s| load_document(s))
        .collect::<Result<_>>()?;
    let source = |url: &str| {
        lists
            .iter()
            .find(|l| l.get("id").and_then(Value::as_str) == Some(url))
            .cloned()
            .ok_or_else(|| "not among the status lists given with --status".to_owned())
    };
    let (mut report, _) = accord_vc::verify::verify(
        &credential,
        at,
        (!lists.is_empty()).then_some(&source as accord_vc::verify::StatusSource<'_>),
    );
    let as_of =
        Timestamp::from_unix_ms(u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0));
    trust(
        &mut report,
        &credential,
        &args.data,
        lists.is_empty(),
        as_of,
    )?;
    print(&report, &args.file, args.json);
    Ok(if report.verified() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Adds the trust check (and, when no status list was given, the status recomputed from the
/// log the credential was found in) from this instance's data directory.
fn trust(
    report: &mut Report,
    credential: &Value,
    data: &DataArg,
    recompute: bool,
    at: Timestamp,
) -> Result<()> {
    let dir = DataDir::at(data);
    if !dir.exists() {
        report.add(
            "recognized here",
            Outcome::Unknown,
            format!(
                "no instance data at {} (give --data DIR) to say whether this regime recognizes the issuer",
                dir.path().display()
            ),
        );
        if recompute {
            report.add(
                "status",
                Outcome::Unknown,
                "no status list given (--status FILE|URL) and no log to recompute it from",
            );
        }
        return Ok(());
    }
    let own = crate::federation_cmd::own_core(&dir)?;
    let mirrors = crate::federation_cmd::mirrors(&dir)?;
    let recognitions = accord_federation::recognitions_of(own.state());
    let own_origin = own
        .state()
        .instance()
        .map(|i| i.origin.clone())
        .unwrap_or_default();
    let mut logs = vec![Log {
        origin: &own_origin,
        state: own.state(),
        own: true,
        recognition: None,
    }];
    for m in &mirrors {
        logs.push(Log {
            origin: m.followed().origin(),
            state: m.core().state(),
            own: false,
            recognition: match m.followed().recognized(&recognitions) {
                accord_federation::Recognized::Yes(r) => Some(r),
                _ => None,
            },
        });
    }
    let found = certification::provenance(&logs, credential, at);
    found.add_to(report);
    if recompute {
        match found.status {
            Some(s) => {
                let outcome = if s.revoked || s.suspended {
                    Outcome::Fail
                } else {
                    Outcome::Pass
                };
                let causes = if s.causes.is_empty() {
                    String::new()
                } else {
                    format!(": {}", s.causes.join("; "))
                };
                report.add(
                    "status",
                    outcome,
                    format!("{} at {}, recomputed from the log{causes}", s.state, s.at),
                );
            }
            None => report.add(
                "status",
                Outcome::Unknown,
                "no status list given (--status FILE|URL) and the credential is in no log held here",
            ),
        }
    }
    Ok(())
}

fn print(report: &Report, file: &Path, json: bool) {
    if json {
        println!(
            "{}",
            json!({"file": file, "verified": report.verified(), "checks": report.checks})
        );
        return;
    }
    for c in &report.checks {
        let mark = match c.outcome {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Unknown => "????",
        };
        println!("{mark}  {:<18} {}", c.name, c.detail);
    }
    if report.verified() {
        println!("{}: verified", file.display());
    } else {
        println!("{}: NOT verified", file.display());
    }
}
