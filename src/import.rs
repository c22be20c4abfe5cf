//! `accord report import DIR|FILE.jsonl`: bulk reports. Every record is validated before any
//! is sequenced — JSON, envelope, payload schema and, against a data directory, every rule of
//! the regime on a copy of the state — then the valid records are appended in batches, with a
//! progress bar, and a summary says what was rejected and why.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use accord_domain::{Payload, Rejection, Timestamp};
use accord_envelope::{canonical, Envelope, KeyFile};
use accord_sequencer::{Submission, SystemClock};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use rayon::prelude::*;

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

/// A rejected record.
struct Rejected {
    origin: String,
    rule: String,
    pointer: String,
    detail: String,
}

impl Rejected {
    fn from(origin: &str, r: &Rejection) -> Rejected {
        Rejected {
            origin: origin.to_owned(),
            rule: r.rule.to_owned(),
            pointer: r.pointer.clone(),
            detail: r.detail.clone(),
        }
    }
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

/// Streams the raw records of every file in chunks: (origin, text). A `.jsonl` file holds one
/// record per non-empty line; a `.json` file is one record.
fn for_each_chunk(
    files: &[PathBuf],
    chunk: usize,
    mut f: impl FnMut(Vec<(String, String)>) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::with_capacity(chunk);
    for file in files {
        let jsonl = file.extension().and_then(|e| e.to_str()) == Some("jsonl");
        if jsonl {
            let reader = BufReader::new(
                std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?,
            );
            for (i, line) in reader.lines().enumerate() {
                let line = line.with_context(|| format!("reading {}:{}", file.display(), i + 1))?;
                if line.trim().is_empty() {
                    continue;
                }
                buf.push((format!("{}:{}", file.display(), i + 1), line));
                if buf.len() == chunk {
                    f(std::mem::take(&mut buf))?;
                }
            }
        } else {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            buf.push((file.display().to_string(), text));
            if buf.len() == chunk {
                f(std::mem::take(&mut buf))?;
            }
        }
    }
    if !buf.is_empty() {
        f(buf)?;
    }
    Ok(())
}

/// Parses (and, for a statement, signs) one record; a structural problem is a rejection.
fn parse(origin: &str, text: &str, key: Option<(&KeyFile, &Path)>) -> Result<Envelope, Rejected> {
    let reject = |rule: &str, pointer: &str, detail: String| Rejected {
        origin: origin.to_owned(),
        rule: rule.to_owned(),
        pointer: pointer.to_owned(),
        detail,
    };
    let value = canonical::parse_strict(text.as_bytes())
        .map_err(|e| reject(e.rule(), &e.pointer(), e.to_string()))?;
    if value.get("signature").is_some() {
        Envelope::from_value(value).map_err(|e| reject(e.rule(), e.pointer(), e.to_string()))
    } else {
        statement(value, key).map_err(|e| reject("statement", "", format!("{e:#}")))
    }
}

fn statement(value: serde_json::Value, key: Option<(&KeyFile, &Path)>) -> Result<Envelope> {
    let Some((key, path)) = key else {
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

/// Parses, signs and pre-verifies a chunk in parallel: signatures whose key the registry
/// already knows are checked here, on every core.
fn prepare(
    chunk: &[(String, String)],
    key: Option<(&KeyFile, &Path)>,
    ledger: Option<&accord_sequencer::Ledger>,
) -> Vec<(String, Result<Submission, Rejected>)> {
    chunk
        .par_iter()
        .map(|(origin, text)| {
            let sub = parse(origin, text, key).and_then(|env| {
                let mut sub = Submission::new(env);
                if let Some(l) = ledger {
                    l.preverify(&mut sub)
                        .map_err(|r| Rejected::from(origin, &r))?;
                }
                Ok(sub)
            });
            (origin.clone(), sub)
        })
        .collect()
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
    let files = files(&args.path)?;
    let key_file: Option<KeyFile> = args.key.as_deref().map(load_key).transpose()?;
    let key = key_file.as_ref().zip(args.key.as_deref());
    let show = !args.target.json;

    let local = args.target.server.is_none();
    let (lock, ledger) = if local {
        let dir = DataDir::at(&args.target.data);
        dir.require()?;
        let lock = dir.lock()?;
        let store = dir.open_store()?;
        (
            Some(lock),
            Some(dir.open_ledger(store, Arc::new(SystemClock))?),
        )
    } else {
        (None, None)
    };

    // Pass 1: validate every record, in order, on a copy of the state; nothing is sequenced.
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut total = 0usize;
    {
        let bar = progress::spinner("validating", show);
        let mut state = ledger.as_ref().map(|l| l.read().state().clone());
        let at = state.as_ref().map_or(now(), |s| now().max(s.last_at()));
        for_each_chunk(&files, args.batch, |chunk| {
            for (origin, sub) in prepare(&chunk, key, ledger.as_ref()) {
                total += 1;
                let sub = match sub {
                    Ok(sub) => sub,
                    Err(r) => {
                        rejected.push(r);
                        continue;
                    }
                };
                let checked = match &mut state {
                    Some(s) => {
                        let env = &sub.envelope;
                        let index = s.size();
                        s.signing_key(env)
                            .and_then(|key| {
                                if sub.verified_with != Some(key) {
                                    env.verify(&key)?;
                                }
                                Ok(())
                            })
                            .and_then(|()| s.check(env, at))
                            .map(|payload| s.apply(index, at, env, payload))
                    }
                    None => Payload::from_envelope(&sub.envelope).map(|_| ()),
                };
                if let Err(r) = checked {
                    rejected.push(Rejected::from(&origin, &r));
                }
            }
            bar.set_position(total as u64);
            Ok(())
        })?;
        bar.finish_and_clear();
    }
    if !rejected.is_empty() && !args.skip_invalid {
        print_rejections(&rejected, total, args.target.json, false);
        eprintln!(
            "nothing was imported: fix these records, or pass --skip-invalid to import the {} valid ones",
            total - rejected.len()
        );
        return Ok(ExitCode::from(2));
    }
    let invalid: std::collections::HashSet<String> =
        rejected.iter().map(|r| r.origin.clone()).collect();

    // Pass 2: read again and append the valid records in batches.
    let bar = progress::bar(
        total.saturating_sub(invalid.len()) as u64,
        "importing",
        show,
    );
    let (mut appended, mut duplicates) = (0u64, 0u64);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for_each_chunk(&files, args.batch, |chunk| {
        let chunk: Vec<(String, String)> = chunk
            .into_iter()
            .filter(|(o, _)| !invalid.contains(o))
            .collect();
        let prepared = prepare(&chunk, key, ledger.as_ref());
        match (&ledger, &args.target.server) {
            (Some(ledger), _) => {
                let (origins, subs): (Vec<String>, Vec<Submission>) = prepared
                    .into_iter()
                    .filter_map(|(o, s)| s.ok().map(|s| (o, s)))
                    .unzip();
                for (origin, result) in origins.iter().zip(ledger.append(subs)?) {
                    match result {
                        Ok(o) if o.duplicate => duplicates += 1,
                        Ok(_) => appended += 1,
                        Err(r) => rejected.push(Rejected::from(origin, &r)),
                    }
                }
            }
            (None, Some(server)) => {
                let url = format!("{}/entries", server.trim_end_matches('/'));
                for (origin, sub) in prepared
                    .into_iter()
                    .filter_map(|(o, s)| s.ok().map(|s| (o, s)))
                {
                    let mut res = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send(&sub.canonical[..])
                        .with_context(|| format!("posting to {url}"))?;
                    let status = res.status().as_u16();
                    let body: serde_json::Value =
                        serde_json::from_slice(&res.body_mut().read_to_vec()?).unwrap_or_default();
                    match status {
                        201 => appended += 1,
                        200 => duplicates += 1,
                        _ => rejected.push(Rejected {
                            origin,
                            rule: body["rule"].as_str().unwrap_or("http").to_owned(),
                            pointer: body["pointer"].as_str().unwrap_or("").to_owned(),
                            detail: body["detail"]
                                .as_str()
                                .map_or_else(|| format!("HTTP {status}"), str::to_owned),
                        }),
                    }
                }
            }
            (None, None) => unreachable!("either a data directory or a server"),
        }
        bar.inc(chunk.len() as u64);
        Ok(())
    })?;
    bar.finish_and_clear();
    drop(lock);
    let secs = started.elapsed().as_secs_f64();
    if args.target.json {
        println!(
            "{}",
            serde_json::json!({
                "records": total, "appended": appended, "duplicates": duplicates,
                "rejected": rejected.iter().map(|r| serde_json::json!({"record": r.origin, "rule": r.rule, "pointer": r.pointer, "detail": r.detail})).collect::<Vec<_>>(),
                "seconds": secs,
                "peak_rss_mib": crate::bench::peak_rss_mib(std::process::id()),
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
