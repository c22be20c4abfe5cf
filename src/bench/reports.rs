//! Bulk reports end to end: N signed remediation reports from 1,000 parties are written to a
//! JSONL file and imported by the real `accord report import` (validation pass, then durable
//! batches); then a real `accord serve` answers explain queries on that data.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use accord_envelope::{Envelope, KeyPair, PartyId, Signer};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde_json::json;

use super::{found_bench_instance, percentiles, register_parties, ServerChild};

/// Parties that report.
const PARTIES: usize = 1000;
const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// What the measurement found.
pub struct Measured {
    /// Reports imported.
    pub reports: u64,
    /// Wall time of `accord report import`.
    pub import: Duration,
    /// Its peak RSS.
    pub import_rss_mib: f64,
    /// Explain latency p50 / p99 in ms.
    pub explain: (f64, f64),
    /// Peak RSS of the server answering them.
    pub serve_rss_mib: f64,
    /// Time until the server listened (replaying the log).
    pub serve_ready: Duration,
}

fn write_reports(path: &Path, keys: &[(PartyId, KeyPair)], n: u64) -> Result<()> {
    let mut out = BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    const CHUNK: u64 = 20_000;
    let bar = crate::progress::bar(n, "writing reports", true);
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let lines: Vec<Result<Vec<u8>>> = (start..end)
            .into_par_iter()
            .map(|i| {
                let (party, key) = &keys[(i % keys.len() as u64) as usize];
                let payload = json!({
                    "item": format!("finding-{i}"), "severity": SEVERITIES[(i % 4) as usize],
                    "found_at": "2026-01-05T00:00:00.000Z",
                    "status": if i % 3 == 0 { "fixed" } else { "open" },
                    "summary": "Outdated TLS library on a public portal."});
                let signer = Signer {
                    party: party.clone(),
                    key: key.key_id(),
                };
                Ok(
                    Envelope::sign("report.remediation", 1, payload, signer, key)?
                        .to_canonical_bytes(),
                )
            })
            .collect();
        for line in lines {
            out.write_all(&line?)?;
            out.write_all(b"\n")?;
        }
        bar.set_position(end);
        start = end;
    }
    bar.finish_and_clear();
    out.flush()?;
    Ok(())
}

/// Imports `n` reports and queries the explain view.
pub fn measure(root: &Path, n: u64) -> Result<Measured> {
    let dir = root.join("reports");
    let (ledger, secretariat) = found_bench_instance(&dir, "reports", "Accord bench (reports)")?;
    let keys = register_parties(&ledger, &secretariat, PARTIES)?;
    drop(ledger);
    let file = root.join("reports.jsonl");
    write_reports(&file, &keys, n)?;

    let started = Instant::now();
    let out = Command::new(std::env::current_exe()?)
        .args(["report", "import"])
        .arg(&file)
        .arg("--data")
        .arg(&dir)
        .arg("--json")
        .env("ACCORD_LOG", "warn")
        .output()
        .context("running `accord report import`")?;
    let import = started.elapsed();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "`accord report import` printed no summary: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if summary["appended"].as_u64() != Some(n) {
        bail!(
            "the import appended {} of {n} reports: {summary}",
            summary["appended"]
        );
    }
    let import_rss_mib = summary["peak_rss_mib"].as_f64().unwrap_or(0.0);
    let _ = std::fs::remove_file(&file);

    let server = ServerChild::start(&dir)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut latencies = Vec::new();
    for i in 0..500u64 {
        let party = &keys[((i * 7919) % PARTIES as u64) as usize].0;
        let t = Instant::now();
        let mut res = agent
            .get(&format!(
                "http://{}/parties/{party}/indicators/remediation_within_deadline",
                server.addr
            ))
            .call()?;
        let body = res.body_mut().with_config().limit(1 << 26).read_to_vec()?;
        latencies.push(t.elapsed());
        if !res.status().is_success() {
            bail!(
                "explain for {party}: HTTP {}: {}",
                res.status(),
                String::from_utf8_lossy(&body)
            );
        }
    }
    Ok(Measured {
        reports: n,
        import,
        import_rss_mib,
        explain: percentiles(latencies),
        serve_rss_mib: server.peak_rss_mib().unwrap_or(0.0),
        serve_ready: server.ready,
    })
}
