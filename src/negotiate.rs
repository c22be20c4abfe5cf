//! `accord norms …` and `accord instrument …`: read the catalog and take part in negotiations.
//!
//! Writes are signed with a key file and go to a server (`--server`) or straight into a data
//! directory (`--data`), like every other write. Reads ask a running server's API.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_domain::Timestamp;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::client::{load_key, send_and_print, sign};
use crate::TargetArgs;

/// Where to read from.
#[derive(Args, Clone, Debug)]
pub struct ReadArgs {
    /// The server to ask.
    #[arg(
        long,
        value_name = "URL",
        env = "ACCORD_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub(crate) server: String,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `accord norms …`.
#[derive(Subcommand)]
pub enum NormsCommand {
    /// List the catalog: every norm with its version, status, review and sunset dates.
    List(ReadArgs),
    /// Show one norm: its current text, versions and the instruments about it.
    Show {
        /// Norm id.
        id: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Compare two catalog versions, norm by norm.
    Diff {
        /// Older catalog version.
        from: u32,
        /// Newer catalog version.
        to: u32,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Export a catalog version as an OSCAL 1.1 catalog (JSON).
    Oscal {
        /// Catalog version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        read: ReadArgs,
    },
}

/// Positions, as CLI values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StanceArg {
    /// Support the current text.
    Support,
    /// Object to it (give --reason).
    Object,
    /// Abstain.
    Abstain,
}

/// Who signs a negotiation step, and where it goes.
#[derive(Args, Clone, Debug)]
pub struct SignAs {
    /// Key file to sign with.
    #[arg(long = "as", value_name = "FILE")]
    pub(crate) key: PathBuf,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// `accord instrument …`.
#[derive(Subcommand)]
pub enum InstrumentCommand {
    /// List instruments and where each stands.
    List(ReadArgs),
    /// Show an instrument: text versions, amendments, positions by chamber, the tally.
    Status {
        /// Instrument id.
        id: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Propose an instrument: a new norm, a norm amendment, a regional profile, a review
    /// outcome or new rules of procedure (the draft file says which, in its `kind`).
    Propose {
        /// Id of the new instrument.
        #[arg(long)]
        id: String,
        /// Its public title.
        #[arg(long)]
        title: String,
        /// The draft, a JSON file such as `{"kind": "norm", "norm": {…}}`.
        #[arg(long, value_name = "FILE")]
        draft: PathBuf,
        /// Days of comments and amendments from now.
        #[arg(long, default_value_t = 14)]
        comment_days: u64,
        /// Days of positions after the comment period.
        #[arg(long, default_value_t = 14)]
        position_days: u64,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Comment on the current text.
    Comment {
        /// Instrument id.
        id: String,
        /// The comment.
        #[arg(long)]
        text: String,
        /// Text version commented on (default: the current one, asked of --server).
        #[arg(long)]
        version: Option<u32>,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Propose an amendment to the current text.
    Amend {
        /// Instrument id.
        id: String,
        /// Id of the amendment.
        #[arg(long)]
        amendment: String,
        /// The amended draft (JSON file, same kind as the instrument).
        #[arg(long, value_name = "FILE")]
        draft: PathBuf,
        /// Why.
        #[arg(long)]
        rationale: String,
        /// Version amended (default: the current one, asked of --server).
        #[arg(long)]
        against: Option<u32>,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Fold an amendment into the text (the proposer or the secretariat).
    Accept {
        /// Instrument id.
        id: String,
        /// Amendment id.
        amendment: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Take a position on the current text.
    Position {
        /// Instrument id.
        id: String,
        /// Support, object or abstain.
        #[arg(long, value_enum)]
        stance: StanceArg,
        /// Reasons (required to object).
        #[arg(long)]
        reason: Option<String>,
        /// Version (default: the current one, asked of --server).
        #[arg(long)]
        version: Option<u32>,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Record the decision the rule of procedure gives (the secretariat).
    Decide {
        /// Instrument id.
        id: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Sign or accede to an adopted instrument, with reservations.
    Sign {
        /// Instrument id.
        id: String,
        /// A reservation (repeat for several).
        #[arg(long = "reservation")]
        reservations: Vec<String>,
        #[command(flatten)]
        sign: SignAs,
    },
}

pub(crate) fn fetch(server: &str, path: &str) -> Result<Value> {
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut res = agent.get(&url).call().with_context(|| {
        format!("cannot reach {url}; is `accord serve` running there? (choose it with --server)")
    })?;
    let status = res.status().as_u16();
    let body = res.body_mut().read_to_vec()?;
    let value: Value = serde_json::from_slice(&body)
        .with_context(|| format!("{url} answered HTTP {status} without JSON"))?;
    if status != 200 {
        bail!(
            "{url}: {}",
            value["detail"].as_str().unwrap_or("the server refused")
        );
    }
    Ok(value)
}

pub(crate) fn print_json(v: &Value) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(ExitCode::SUCCESS)
}

/// Runs `accord norms …`.
pub fn norms(cmd: NormsCommand) -> Result<ExitCode> {
    match cmd {
        NormsCommand::List(read) => {
            let list = fetch(&read.server, "/norms")?;
            if read.json {
                return print_json(&list);
            }
            println!(
                "{:<28} {:>3}  {:<13} {:<10} {:<10}  title",
                "norm", "v", "status", "review", "sunset"
            );
            for n in list.as_array().into_iter().flatten() {
                let s = |k: &str| n[k].as_str().unwrap_or("").to_owned();
                println!(
                    "{:<28} {:>3}  {:<13} {:<10} {:<10}  {}",
                    s("id"),
                    n["version"],
                    s("status"),
                    &s("review_at").get(..10).unwrap_or(""),
                    &s("sunset_at").get(..10).unwrap_or(""),
                    s("title")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        NormsCommand::Show { id, read } => {
            let n = fetch(&read.server, &format!("/norms/{id}"))?;
            if read.json {
                return print_json(&n);
            }
            let versions = n["norm"]["versions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let current = versions.last().cloned().unwrap_or_default();
            let t = &current["text"];
            println!(
                "{} — {} (version {})",
                id,
                t["title"].as_str().unwrap_or(""),
                current["version"]
            );
            println!(
                "status {}; review {}; sunset {}",
                n["status"], n["norm"]["review_at"], n["norm"]["sunset_at"]
            );
            println!(
                "\n{}\n\nWhy: {}",
                t["text"].as_str().unwrap_or(""),
                t["rationale"].as_str().unwrap_or("")
            );
            println!(
                "Source: {} {}",
                t["source"]["document"].as_str().unwrap_or(""),
                t["source"]["reference"].as_str().unwrap_or("")
            );
            for i in n["instruments"].as_array().into_iter().flatten() {
                println!("instrument {} ({}): {}", i["id"], i["kind"], i["status"]);
            }
            Ok(ExitCode::SUCCESS)
        }
        NormsCommand::Diff { from, to, read } => {
            let d = fetch(&read.server, &format!("/catalog/diff?from={from}&to={to}"))?;
            if read.json {
                return print_json(&d);
            }
            let norms = d["norms"].as_array().cloned().unwrap_or_default();
            if norms.is_empty() {
                println!("catalog versions {from} and {to} hold the same texts");
            }
            for n in norms {
                println!(
                    "== {} ({})",
                    n["id"].as_str().unwrap_or(""),
                    n["change"].as_str().unwrap_or("")
                );
                for (field, diff) in n["fields"].as_object().into_iter().flatten() {
                    println!("-- {field}");
                    print!("{}", diff["unified"].as_str().unwrap_or(""));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        NormsCommand::Oscal { version, out, read } => {
            let n = match version {
                Some(n) => n,
                None => fetch(&read.server, "/catalog/versions")?
                    .as_array()
                    .map_or(0, |v| v.len() as u32),
            };
            let doc = fetch(&read.server, &format!("/catalog/versions/{n}/oscal"))?;
            let text = serde_json::to_string_pretty(&doc)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{text}\n"))
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("Wrote OSCAL catalog version {n} to {}", path.display());
                }
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The current text version of an instrument, asked of the server when not given.
fn current_version(given: Option<u32>, id: &str, target: &TargetArgs) -> Result<u32> {
    if let Some(v) = given {
        return Ok(v);
    }
    let Some(server) = &target.server else {
        bail!(
            "say which text version with --version (or --against), or give --server to look it up"
        );
    };
    let i = fetch(server, &format!("/instruments/{id}"))?;
    i["instrument"]["versions"]
        .as_array()
        .map(|v| v.len() as u32)
        .context("the server's answer has no versions")
}

fn read_json(path: &PathBuf) -> Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn days_from_now(days: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Timestamp::from_unix_ms(now + days * 86_400_000).to_string()
}

/// Runs `accord instrument …`.
pub fn instrument(cmd: InstrumentCommand) -> Result<ExitCode> {
    let (entry_type, payload, by) = match cmd {
        InstrumentCommand::List(read) => {
            let list = fetch(&read.server, "/instruments")?;
            if read.json {
                return print_json(&list);
            }
            println!(
                "{:<28} {:<18} {:<17} {:>3} {:>9} {:>10}",
                "instrument", "kind", "status", "v", "positions", "signatures"
            );
            for i in list.as_array().into_iter().flatten() {
                println!(
                    "{:<28} {:<18} {:<17} {:>3} {:>9} {:>10}",
                    i["id"].as_str().unwrap_or(""),
                    i["kind"].as_str().unwrap_or(""),
                    i["status"].as_str().unwrap_or(""),
                    i["version"],
                    i["positions"],
                    i["signatures"]
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        InstrumentCommand::Status { id, read } => {
            let i = fetch(&read.server, &format!("/instruments/{id}"))?;
            if read.json {
                return print_json(&i);
            }
            let r = &i["instrument"];
            println!(
                "{} — {} ({})",
                id,
                r["title"].as_str().unwrap_or(""),
                r["kind"].as_str().unwrap_or("")
            );
            println!("status {} at log time {}", i["status"], i["evaluated_at"]);
            println!(
                "comments until {}, positions until {}",
                r["comment_until"], r["positions_until"]
            );
            let decision = r["decision"]["decision"].clone();
            let d = if decision.is_null() {
                i["tally"].clone()
            } else {
                decision
            };
            println!("{}", d["explanation"].as_str().unwrap_or(""));
            for (chamber, t) in d["tally"]["chambers"].as_object().into_iter().flatten() {
                println!(
                    "  {chamber:<20} {:<8} eligible {:>3}  support {:>3}  object {:>3}  abstain {:>3}",
                    t["standing"].as_str().unwrap_or(""),
                    t["eligible"],
                    t["support"],
                    t["object"],
                    t["abstain"]
                );
            }
            for (aid, a) in r["amendments"].as_object().into_iter().flatten() {
                println!(
                    "amendment {aid} by {} against v{}: {}",
                    a["by"], a["against"], a["status"]
                );
            }
            for (party, s) in r["signatures"].as_object().into_iter().flatten() {
                let n = s["reservations"].as_array().map_or(0, Vec::len);
                println!(
                    "signed by {party}{}",
                    if n > 0 {
                        format!(" with {n} reservation(s)")
                    } else {
                        String::new()
                    }
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        InstrumentCommand::Propose {
            id,
            title,
            draft,
            comment_days,
            position_days,
            sign,
        } => {
            if comment_days == 0 {
                bail!("--comment-days must be at least 1");
            }
            let payload = json!({
                "instrument": id, "title": title, "draft": read_json(&draft)?,
                "comment_until": days_from_now(comment_days),
                "positions_until": days_from_now(comment_days + position_days),
            });
            ("instrument.propose", payload, sign)
        }
        InstrumentCommand::Comment {
            id,
            text,
            version,
            sign,
        } => {
            let version = current_version(version, &id, &sign.target)?;
            (
                "instrument.comment",
                json!({"instrument": id, "version": version, "text": text}),
                sign,
            )
        }
        InstrumentCommand::Amend {
            id,
            amendment,
            draft,
            rationale,
            against,
            sign,
        } => {
            let against = current_version(against, &id, &sign.target)?;
            let payload = json!({"instrument": id, "amendment": amendment, "against": against,
                                 "draft": read_json(&draft)?, "rationale": rationale});
            ("instrument.amend", payload, sign)
        }
        InstrumentCommand::Accept {
            id,
            amendment,
            sign,
        } => (
            "instrument.accept_amendment",
            json!({"instrument": id, "amendment": amendment}),
            sign,
        ),
        InstrumentCommand::Position {
            id,
            stance,
            reason,
            version,
            sign,
        } => {
            let version = current_version(version, &id, &sign.target)?;
            let stance = match stance {
                StanceArg::Support => "support",
                StanceArg::Object => "object",
                StanceArg::Abstain => "abstain",
            };
            let mut payload = json!({"instrument": id, "version": version, "stance": stance});
            if let Some(r) = reason {
                payload["reason"] = json!(r);
            }
            ("instrument.position", payload, sign)
        }
        InstrumentCommand::Decide { id, sign } => {
            let Some(server) = &sign.target.server else {
                bail!("`decide` reads the tally from the server: give --server");
            };
            let i = fetch(server, &format!("/instruments/{id}"))?;
            let adopted = i["tally"]["adopted"]
                .as_bool()
                .with_context(|| format!("`{id}` is already decided ({})", i["status"]))?;
            let outcome = if adopted { "adopted" } else { "rejected" };
            (
                "instrument.decide",
                json!({"instrument": id, "outcome": outcome}),
                sign,
            )
        }
        InstrumentCommand::Sign {
            id,
            reservations,
            sign,
        } => (
            "instrument.sign",
            json!({"instrument": id, "reservations": reservations}),
            sign,
        ),
    };
    let key = load_key(&by.key)?;
    let envelope = sign(entry_type, 1, payload, &key, &by.key)?;
    send_and_print(envelope, &by.target, None)
}
