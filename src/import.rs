//! `accord report import DIR|FILE.jsonl`: bulk reports. Every record is validated before any
//! is sequenced — JSON, envelope, payload schema and, against a data directory, every rule of
//! the regime on a copy of the state — then the valid records are appended in batches, with a
//! progress bar, and a summary says what was rejected and why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use accord_domain::{Payload, Rejection, Timestamp};
use accord_envelope::{canonical, Envelope, KeyFile};
use accord_sequencer::{Submission, SystemClock};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use crate::client::{load_key, sign};
use crate::datadir::DataDir;
use crate::{progress, TargetArgs};

/// `accord report …`.
#[derive(Subcommand)]
pub enum ReportCommand {
    /// Import reports in bulk: a `.jsonl` file (one statement per line), a `.json` file, or a
    /// directory of them. Statements `{"type", "schema", "payload"}` are signed with `--key`;
    /// already signed envelopes are sent as they are.
    Import(ImportArgs),
}

/// Arguments of `accord report import`.
#[derive(Args)]
pub struct ImportArgs {
    /// A `.jsonl` or `.json` file, or a directory of them (read in name order).
    path: PathBuf,
    /// Key file to sign unsigned statements with.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Append the valid records even if some are invalid (by default nothing is appended
    /// unless every record is valid).
    #[arg(long)]
    skip_invalid: bool,
    /// Records per batch.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    #[command(flatten)]
    target: TargetArgs,
}

/// One record and where it came from.
struct Record {
    origin: String,
    envelope: Envelope,
}

/// A rejected record.
struct Rejected {
    origin: String,
    rule: String,
    pointer: String,
    detail: String,
}

fn files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_dir() {
        let mut list: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("json" | "jsonl")
                )
            })
            .collect();
        list.sort();
        if list.is_empty() {
            bail!("{} holds no .json or .jsonl files", path.display());
        }
        Ok(list)
    } else if path.exists() {
        Ok(vec![path.to_owned()])
    } else {
        bail!("{} does not exist", path.display())
    }
}

/// Parses and signs every record; structural problems are rejections, not errors.
fn read_records(args: &ImportArgs, rejected: &mut Vec<Rejected>) -> Result<Vec<Record>> {
    let key: Option<KeyFile> = args.key.as_deref().map(load_key).transpose()?;
    let mut records = Vec::new();
    for file in files(&args.path)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let jsonl = file.extension().and_then(|e| e.to_str()) == Some("jsonl");
        let lines: Vec<(usize, &str)> = if jsonl {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (i + 1, l))
                .collect()
        } else {
            vec![(1, text.as_str())]
        };
        for (line, body) in lines {
            let origin = if jsonl {
                format!("{}:{line}", file.display())
            } else {
                file.display().to_string()
            };
            let reject = |rule: &str, pointer: &str, detail: String| Rejected {
                origin: origin.clone(),
                rule: rule.to_owned(),
                pointer: pointer.to_owned(),
                detail,
            };
            let value = match canonical::parse_strict(body.as_bytes()) {
                Ok(v) => v,
                Err(e) => {
                    rejected.push(reject(e.rule(), &e.pointer(), e.to_string()));
                    continue;
                }
            };
            let envelope = if value.get("signature").is_some() {
                Envelope::from_value(value)
                    .map_err(|e| reject(e.rule(), e.pointer(), e.to_string()))
            } else {
                statement(value, key.as_ref(), args.key.as_deref())
                    .map_err(|e| reject("statement", "", format!("{e:#}")))
            };
            match envelope {
                Ok(envelope) => records.push(Record { origin, envelope }),
                Err(r) => rejected.push(r),
            }
        }
    }
    Ok(records)
}

fn statement(
    value: serde_json::Value,
    key: Option<&KeyFile>,
    path: Option<&Path>,
) -> Result<Envelope> {
    let (Some(key), Some(path)) = (key, path) else {
        bail!("the statement is unsigned: give --key FILE to sign it");
    };
    let serde_json::Value::Object(mut map) = value else {
        bail!("a statement is an object {{\"type\", \"schema\", \"payload\"}}");
    };
    if let Some(extra) = map
        .keys()
        .find(|k| !["type", "schema", "payload"].contains(&k.as_str()))
    {
        bail!("unknown member `{extra}`: a statement has only `type`, `schema` and `payload`");
    }
    let ty = map
        .remove("type")
        .and_then(|v| v.as_str().map(str::to_owned))
        .context("`type` must be a string")?;
    let schema = map
        .remove("schema")
        .and_then(|v| v.as_u64())
        .and_then(|v| u32::try_from(v).ok())
        .context("`schema` must be a whole number")?;
    let payload = map.remove("payload").context("`payload` is missing")?;
    sign(&ty, schema, payload, key, path)
}

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Timestamp::from_unix_ms(ms)
}

/// Runs `accord report …`.
pub fn report(cmd: ReportCommand) -> Result<ExitCode> {
    let ReportCommand::Import(args) = cmd;
    if args.batch == 0 {
        bail!("--batch must be at least 1");
    }
    let started = Instant::now();
    let mut rejected = Vec::new();
    let records = read_records(&args, &mut rejected)?;
    let total = records.len() + rejected.len();

    // Validate every record before any is sequenced.
    let local = args.target.server.is_none();
    let (dir, lock, ledger) = if local {
        let dir = DataDir::new(&args.target.data.data);
        dir.require()?;
        let lock = dir.lock()?;
        let store = dir.open_store()?;
        let ledger = dir.open_ledger(store, Arc::new(SystemClock))?;
        (Some(dir), Some(lock), Some(ledger))
    } else {
        (None, None, None)
    };
    let bar = progress::bar(records.len() as u64, "validating", !args.target.json);
    let mut state = ledger.as_ref().map(|l| l.read().state().clone());
    let mut valid = Vec::with_capacity(records.len());
    let at = state.as_ref().map_or(now(), |s| now().max(s.last_at()));
    for record in records {
        bar.inc(1);
        let checked: Result<(), Rejection> = match &mut state {
            Some(s) => {
                let index = s.size();
                s.signing_key(&record.envelope)
                    .and_then(|key| record.envelope.verify(&key).map_err(Rejection::from))
                    .and_then(|_| s.check(&record.envelope, at))
                    .map(|payload| s.apply(index, at, &record.envelope, payload))
            }
            None => Payload::from_envelope(&record.envelope).map(|_| ()),
        };
        match checked {
            Ok(()) => valid.push(record),
            Err(r) => rejected.push(Rejected {
                origin: record.origin,
                rule: r.rule.to_owned(),
                pointer: r.pointer,
                detail: r.detail,
            }),
        }
    }
    bar.finish_and_clear();

    if !rejected.is_empty() && !args.skip_invalid {
        print_rejections(&rejected, total, args.target.json, false);
        eprintln!("nothing was imported: fix these records, or pass --skip-invalid to import the {} valid ones", valid.len());
        return Ok(ExitCode::from(2));
    }

    // Sequence the valid records in batches.
    let bar = progress::bar(valid.len() as u64, "importing", !args.target.json);
    let (mut appended, mut duplicates) = (0u64, 0u64);
    match (&ledger, &args.target.server) {
        (Some(ledger), _) => {
            for chunk in valid.chunks(args.batch) {
                let subs = chunk
                    .iter()
                    .map(|r| Submission::new(r.envelope.clone()))
                    .collect();
                for (record, result) in chunk.iter().zip(ledger.append(subs)?) {
                    match result {
                        Ok(o) if o.duplicate => duplicates += 1,
                        Ok(_) => appended += 1,
                        Err(r) => rejected.push(Rejected {
                            origin: record.origin.clone(),
                            rule: r.rule.to_owned(),
                            pointer: r.pointer,
                            detail: r.detail,
                        }),
                    }
                }
                bar.inc(chunk.len() as u64);
            }
        }
        (None, Some(server)) => {
            let url = format!("{}/entries", server.trim_end_matches('/'));
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            for record in &valid {
                let mut res = agent
                    .post(&url)
                    .header("content-type", "application/json")
                    .send(&record.envelope.to_canonical_bytes()[..])
                    .with_context(|| format!("posting to {url}"))?;
                let status = res.status().as_u16();
                let body: serde_json::Value =
                    serde_json::from_slice(&res.body_mut().read_to_vec()?).unwrap_or_default();
                match status {
                    201 => appended += 1,
                    200 => duplicates += 1,
                    _ => rejected.push(Rejected {
                        origin: record.origin.clone(),
                        rule: body["rule"].as_str().unwrap_or("http").to_owned(),
                        pointer: body["pointer"].as_str().unwrap_or("").to_owned(),
                        detail: body["detail"]
                            .as_str()
                            .map_or_else(|| format!("HTTP {status}"), str::to_owned),
                    }),
                }
                bar.inc(1);
            }
        }
        (None, None) => unreachable!("either a data directory or a server"),
    }
    bar.finish_and_clear();
    drop((lock, dir));
    let secs = started.elapsed().as_secs_f64();
    if args.target.json {
        println!(
            "{}",
            serde_json::json!({
                "records": total, "appended": appended, "duplicates": duplicates,
                "rejected": rejected.iter().map(|r| serde_json::json!({"record": r.origin, "rule": r.rule, "pointer": r.pointer, "detail": r.detail})).collect::<Vec<_>>(),
                "seconds": secs,
            })
        );
    } else {
        println!(
            "Imported {appended} of {total} records ({duplicates} already in the log, {} rejected) in {secs:.1} s ({:.0} records/s)",
            rejected.len(),
            appended as f64 / secs.max(1e-9)
        );
        if !rejected.is_empty() {
            print_rejections(&rejected, total, false, true);
        }
    }
    Ok(if rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn print_rejections(rejected: &[Rejected], total: usize, json: bool, imported_rest: bool) {
    if json {
        println!(
            "{}",
            serde_json::json!({
                "records": total, "appended": 0,
                "rejected": rejected.iter().map(|r| serde_json::json!({"record": r.origin, "rule": r.rule, "pointer": r.pointer, "detail": r.detail})).collect::<Vec<_>>(),
            })
        );
        return;
    }
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rejected {
        *by_rule.entry(&r.rule).or_default() += 1;
    }
    eprintln!(
        "{} of {total} records {}:",
        rejected.len(),
        if imported_rest {
            "were rejected"
        } else {
            "are invalid"
        }
    );
    for (rule, n) in &by_rule {
        eprintln!("  {n:>6} × {rule}");
    }
    for r in rejected.iter().take(20) {
        let at = if r.pointer.is_empty() {
            String::new()
        } else {
            format!(" at {}", r.pointer)
        };
        eprintln!("  {}: {}{at} ({})", r.origin, r.detail, r.rule);
    }
    if rejected.len() > 20 {
        eprintln!("  … and {} more (use --json for all)", rejected.len() - 20);
    }
}
