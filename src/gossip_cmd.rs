//! `accord gossip`: a monitor's round of checkpoint gossip between witnesses. It fetches the
//! latest checkpoint each witness cosigned for a log (`GET /latest?origin=`) and submits each
//! to the others (C2SP tlog-witness `add-checkpoint`). A log that showed two witnesses two
//! different trees cannot pass: the witness that receives the other view refuses it and keeps
//! an equivocation proof, which this command fetches and writes out. Exit status 0 when every
//! view agrees, 2 when a split view was found, 1 on an error.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_tlog::checkpoint::Checkpoint;
use anyhow::{bail, Context, Result};
use clap::Args;

/// Arguments of `accord gossip`.
#[derive(Args)]
pub struct GossipArgs {
    /// A witness's URL (its submission prefix); at least two.
    #[arg(long = "witness", value_name = "URL", required = true)]
    witnesses: Vec<String>,
    /// The log's origin (its checkpoints' first line).
    #[arg(long)]
    origin: String,
    /// The log's URL, to fetch consistency proofs between checkpoints of different sizes
    /// (`GET /proof/consistency`); without it only views of the same size are compared.
    #[arg(long, value_name = "URL")]
    log: Option<String>,
    /// Where to write the equivocation proofs found (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
}

fn size_of(note_text: &str) -> Option<u64> {
    let body = note_text.split_once("\n\n")?.0;
    Checkpoint::parse(&format!("{body}\n")).ok().map(|c| c.size)
}

/// Runs `accord gossip`.
pub fn run(args: GossipArgs) -> Result<ExitCode> {
    if args.witnesses.len() < 2 {
        bail!("gossip needs at least two --witness URLs");
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .into();
    let base = |u: &str| u.trim_end_matches('/').to_owned();
    let origin_q: String = args
        .origin
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    // Each witness's view.
    let mut views = Vec::new();
    for w in &args.witnesses {
        let mut res = agent
            .get(&format!("{}/latest?origin={origin_q}", base(w)))
            .call()
            .with_context(|| format!("asking {w} for its latest checkpoint"))?;
        let text = res.body_mut().read_to_string()?;
        match res.status().as_u16() {
            200 => {
                let size = size_of(&text)
                    .with_context(|| format!("{w} answered something that is not a checkpoint"))?;
                println!("{w}: cosigned size {size}");
                views.push((w.clone(), size, text));
            }
            404 => println!("{w}: has cosigned nothing for {}", args.origin),
            s => bail!("{w}: HTTP {s}: {}", text.lines().next().unwrap_or_default()),
        }
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut split = false;
    for (from, from_size, note_text) in &views {
        for (to, to_size, _) in &views {
            if from == to || from_size < to_size {
                continue;
            }
            let proof = if from_size == to_size {
                String::new()
            } else if let Some(log) = &args.log {
                let mut res = agent
                    .get(&format!(
                        "{}/proof/consistency?old={to_size}&new={from_size}",
                        base(log)
                    ))
                    .call()
                    .with_context(|| format!("asking {log} for a consistency proof"))?;
                let v: serde_json::Value = serde_json::from_str(&res.body_mut().read_to_string()?)
                    .context("the log's consistency proof is not JSON")?;
                v["proof"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|h| h.as_str())
                    .map(|h| format!("{h}\n"))
                    .collect()
            } else {
                continue;
            };
            let body = format!("old {to_size}\n{proof}\n{note_text}");
            let mut res = agent
                .post(&format!("{}/add-checkpoint", base(to)))
                .send(body.as_bytes())
                .with_context(|| format!("gossiping to {to}"))?;
            let status = res.status().as_u16();
            let answer = res.body_mut().read_to_string().unwrap_or_default();
            match status {
                200 => println!("{to} agrees with {from}'s view of size {from_size}"),
                409 if answer.trim().parse::<u64>().ok() != Some(*to_size) => println!(
                    "{to} has moved on past size {to_size} since it was asked; run the round again"
                ),
                409 | 422 => {
                    split = true;
                    println!(
                        "SPLIT VIEW: {to} refuses {from}'s checkpoint of size {from_size} (HTTP {status}: {})",
                        answer.lines().next().unwrap_or_default()
                    );
                }
                _ => println!(
                    "{to} could not judge {from}'s checkpoint: HTTP {status}: {}",
                    answer.lines().next().unwrap_or_default()
                ),
            }
        }
    }
    if !split {
        println!(
            "No split view: the witnesses' views of {} agree.",
            args.origin
        );
        return Ok(ExitCode::SUCCESS);
    }
    // The witnesses that refused kept equivocation proofs: collect them.
    let mut written = 0;
    for (w, _, _) in &views {
        let mut res = agent.get(&format!("{}/equivocations", base(w))).call()?;
        if res.status().as_u16() != 200 {
            continue;
        }
        let list: Vec<serde_json::Value> =
            serde_json::from_str(&res.body_mut().read_to_string()?).unwrap_or_default();
        for proof in list.iter().filter(|p| p["origin"] == args.origin.as_str()) {
            written += 1;
            let path = args.out.join(format!("equivocation-{written}.json"));
            std::fs::write(&path, serde_json::to_string_pretty(proof)? + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            println!(
                "Equivocation proof from {w} written to {} (check it: accord verify-equivocation {} --verifier-key …)",
                path.display(),
                path.display()
            );
        }
    }
    Ok(ExitCode::from(2))
}
