//! `accord case …` and `accord audit …`: cases with due process and audits, from the command
//! line. Reads ask a server; each step is signed with a key file and submitted like any entry.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::client::{load_key, send_and_print, sign};
use crate::negotiate::{fetch, print_json, ReadArgs, SignAs};

/// A finding on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FindingArg {
    /// No violation.
    NoViolation,
    /// An honest mistake: remediation, no measure.
    HonestMistake,
    /// A violation (give --severity).
    Violation,
}

/// A review decision on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReviewArg {
    /// Keep the measures for another review period.
    Maintain,
    /// Lift them.
    Lift,
}

/// `accord case …`.
#[derive(Subcommand)]
pub enum CaseCommand {
    /// The docket: every case with its stage, finding, measures and next step.
    Docket {
        /// Only cases this party is a side of.
        #[arg(long)]
        party: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// One case: every step, panels, votes, findings, deadlines.
    Show {
        /// Case id.
        id: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// What a party must do in cases, by when.
    Due {
        /// Party id.
        party: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// A party's standing, intelligence tier and incentive eligibility, with causes.
    Standing {
        /// Party id.
        party: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Allege that a party violated a norm.
    Allege {
        /// New case id.
        id: String,
        /// The respondent.
        #[arg(long)]
        respondent: String,
        /// The norm.
        #[arg(long)]
        norm: String,
        /// What happened.
        #[arg(long)]
        summary: String,
        /// Your confidential evidence item (repeat for several).
        #[arg(long = "evidence")]
        evidence: Vec<String>,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Join an allegation as co-complainant (before the first panel sits); you then sit on
    /// none of its panels.
    Join {
        /// Case id.
        id: String,
        /// Why you join.
        #[arg(long)]
        statement: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Decide admissibility (an admissible decision is the notice to the respondent).
    Admit {
        /// Case id.
        id: String,
        /// Inadmissible instead.
        #[arg(long)]
        reject: bool,
        /// Why.
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Answer an allegation, as the respondent.
    Respond {
        /// Case id.
        id: String,
        /// The answer.
        #[arg(long)]
        response: String,
        /// Your confidential evidence item (repeat for several).
        #[arg(long = "evidence")]
        evidence: Vec<String>,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Convene the panel (or, with --appeal, the appeal panel) the log draws.
    Convene {
        /// Case id.
        id: String,
        /// The appeal panel.
        #[arg(long)]
        appeal: bool,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Vote as a panel member.
    Vote {
        /// Case id.
        id: String,
        /// The finding.
        #[arg(long, value_enum)]
        finding: FindingArg,
        /// Severity on the policy's scale (for a violation).
        #[arg(long)]
        severity: Option<u8>,
        /// Why.
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Appeal a finding, as the respondent or the complainant.
    Appeal {
        /// Case id.
        id: String,
        /// On what grounds.
        #[arg(long)]
        grounds: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Submit the remediation plan (a JSON array of {milestone, due, description}).
    Plan {
        /// Case id.
        id: String,
        /// The milestones file.
        #[arg(long)]
        milestones: PathBuf,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Record that the remediation was verified (a secretariat or an auditor).
    Verify {
        /// Case id.
        id: String,
        /// What was checked.
        #[arg(long)]
        notes: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Review measures in force whose review is due.
    Review {
        /// Case id.
        id: String,
        /// Maintain or lift.
        #[arg(long, value_enum)]
        decision: ReviewArg,
        /// The review date being answered (as `accord case show` gives it).
        #[arg(long)]
        due: String,
        /// Why.
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        sign: SignAs,
    },
}

/// `accord audit …`.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Open an audit (or, with --peer-review, a peer review) of a party.
    Open {
        /// New audit id.
        id: String,
        /// The audited party.
        #[arg(long)]
        party: String,
        /// A norm audited (repeat for several).
        #[arg(long = "norm", required = true)]
        norms: Vec<String>,
        /// The case that triggered it (default: scheduled).
        #[arg(long)]
        case: Option<String>,
        /// How many auditors.
        #[arg(long, default_value_t = 2)]
        auditors: u8,
        /// Reviewers of the audited party's own kind instead of auditors.
        #[arg(long)]
        peer_review: bool,
        /// How long it runs, in days.
        #[arg(long, default_value_t = 60)]
        days: u32,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Sign a verified value for one norm, as an assigned auditor.
    Finding {
        /// Audit id.
        id: String,
        /// The norm.
        #[arg(long)]
        norm: String,
        /// The verified score, 0 to 100.
        #[arg(long)]
        value: u8,
        /// How it was verified.
        #[arg(long)]
        method: String,
        /// What was sampled.
        #[arg(long)]
        sample: String,
        #[command(flatten)]
        sign: SignAs,
    },
    /// Sign the closing attestation, as an assigned auditor.
    Attest {
        /// Audit id.
        id: String,
        /// The statement.
        #[arg(long)]
        statement: String,
        #[command(flatten)]
        sign: SignAs,
    },
}

fn submit(entry_type: &str, payload: Value, by: &SignAs) -> Result<ExitCode> {
    let key = load_key(&by.key)?;
    let envelope = sign(entry_type, 1, payload, &key, &by.key)?;
    send_and_print(envelope, &by.target, None)
}

fn enum_str<T: ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().replace('-', "_"))
        .unwrap_or_default()
}

/// Runs `accord case …`.
pub fn case(cmd: CaseCommand) -> Result<ExitCode> {
    let (entry_type, payload, by) = match cmd {
        CaseCommand::Docket { party, read } => {
            let path = match party {
                Some(p) => format!("/cases?party={p}"),
                None => "/cases".into(),
            };
            return show(&read, &path, docket_lines);
        }
        CaseCommand::Show { id, read } => return show(&read, &format!("/cases/{id}"), case_lines),
        CaseCommand::Due { party, read } => {
            return show(&read, &format!("/parties/{party}/due"), due_lines)
        }
        CaseCommand::Standing { party, read } => {
            return show(&read, &format!("/parties/{party}/standing"), standing_lines)
        }
        CaseCommand::Allege {
            id,
            respondent,
            norm,
            summary,
            evidence,
            sign,
        } => (
            "case.allege",
            json!({"case": id, "respondent": respondent, "norm": norm, "summary": summary,
                   "evidence": evidence}),
            sign,
        ),
        CaseCommand::Join {
            id,
            statement,
            sign,
        } => (
            "case.join",
            json!({"case": id, "statement": statement}),
            sign,
        ),
        CaseCommand::Admit {
            id,
            reject,
            reasons,
            sign,
        } => (
            "case.admissibility",
            json!({"case": id, "admissible": !reject, "reasons": reasons}),
            sign,
        ),
        CaseCommand::Respond {
            id,
            response,
            evidence,
            sign,
        } => (
            "case.respond",
            json!({"case": id, "response": response, "evidence": evidence}),
            sign,
        ),
        CaseCommand::Convene { id, appeal, sign } => (
            "case.convene",
            json!({"case": id, "panel": if appeal { "appeal" } else { "first" }}),
            sign,
        ),
        CaseCommand::Vote {
            id,
            finding,
            severity,
            reasons,
            sign,
        } => {
            let mut p = json!({"case": id, "finding": enum_str(finding), "reasons": reasons});
            if let Some(s) = severity {
                p["severity"] = json!(s);
            }
            ("case.vote", p, sign)
        }
        CaseCommand::Appeal { id, grounds, sign } => {
            ("case.appeal", json!({"case": id, "grounds": grounds}), sign)
        }
        CaseCommand::Plan {
            id,
            milestones,
            sign,
        } => {
            let text = std::fs::read_to_string(&milestones)
                .with_context(|| format!("reading {}", milestones.display()))?;
            let list: Value = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a JSON array of {{milestone, due, description}}",
                    milestones.display()
                )
            })?;
            (
                "case.remediation_plan",
                json!({"case": id, "milestones": list}),
                sign,
            )
        }
        CaseCommand::Verify { id, notes, sign } => (
            "case.verify_remediation",
            json!({"case": id, "notes": notes}),
            sign,
        ),
        CaseCommand::Review {
            id,
            decision,
            due,
            reasons,
            sign,
        } => (
            "case.review",
            json!({"case": id, "due": due, "decision": enum_str(decision), "reasons": reasons}),
            sign,
        ),
    };
    submit(entry_type, payload, &by)
}

/// Runs `accord audit …`.
pub fn audit(cmd: AuditCommand) -> Result<ExitCode> {
    let (entry_type, payload, by) = match cmd {
        AuditCommand::Open {
            id,
            party,
            norms,
            case,
            auditors,
            peer_review,
            days,
            sign,
        } => {
            let trigger = match case {
                Some(c) => json!({"kind": "case", "case": c}),
                None => json!({"kind": "scheduled"}),
            };
            (
                "audit.open",
                json!({"audit": id, "party": party, "norms": norms, "trigger": trigger,
                       "auditors": auditors, "peer_review": peer_review, "window_days": days}),
                sign,
            )
        }
        AuditCommand::Finding {
            id,
            norm,
            value,
            method,
            sample,
            sign,
        } => (
            "audit.finding",
            json!({"audit": id, "norm": norm, "verified_value": value, "method": method, "sample": sample}),
            sign,
        ),
        AuditCommand::Attest {
            id,
            statement,
            sign,
        } => (
            "audit.attest",
            json!({"audit": id, "statement": statement}),
            sign,
        ),
    };
    submit(entry_type, payload, &by)
}

fn show(read: &ReadArgs, path: &str, lines: fn(&Value) -> Vec<String>) -> Result<ExitCode> {
    let v = fetch(&read.server, path)?;
    if read.json {
        return print_json(&v);
    }
    for line in lines(&v) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn next_line(step: &Value) -> String {
    let who = match s(&step["actor"]) {
        "party" => s(&step["party"]).to_owned(),
        other => other.replace('_', " "),
    };
    format!(
        "{} by {}{}: {} ({})",
        s(&step["entry_type"]),
        s(&step["due"]),
        if step["overdue"].as_bool() == Some(true) {
            " OVERDUE"
        } else {
            ""
        },
        s(&step["what"]),
        who
    )
}

fn docket_lines(v: &Value) -> Vec<String> {
    let mut out = vec![format!("Docket as of {}", s(&v["evaluated_at"]))];
    for c in v["cases"].as_array().into_iter().flatten() {
        let finding = c["final_finding"]["finding"].as_str().unwrap_or("-");
        out.push(format!(
            "{:<14} {} v {} ({}): {}, finding {}{}",
            s(&c["case"]),
            s(&c["complainant"]),
            s(&c["respondent"]),
            s(&c["norm"]),
            s(&c["stage"]["stage"]).replace('_', " "),
            finding,
            if c["measures_in_force"].as_bool() == Some(true) {
                ", measures in force"
            } else {
                ""
            }
        ));
        for step in c["next"].as_array().into_iter().flatten() {
            out.push(format!("    next: {}", next_line(step)));
        }
    }
    out
}

fn case_lines(v: &Value) -> Vec<String> {
    let mut out = docket_lines(&json!({"evaluated_at": "", "cases": [v]}));
    out.remove(0);
    let r = &v["record"];
    for (label, panel) in [
        ("panel", &r["panel"]),
        ("appeal panel", &r["appeal"]["panel"]),
    ] {
        if let Some(m) = panel["members"].as_array() {
            let names: Vec<&str> = m.iter().map(s).collect();
            out.push(format!("  {label}: {}", names.join(", ")));
        }
    }
    if let Some(m) = v["measures"].as_object() {
        out.push(format!(
            "  measures {} from {} until {} ({}); review due {}",
            serde_json::to_string(&m["measures"]).unwrap_or_default(),
            s(&m["since"]),
            s(&m["until"]),
            s(&m["ends_by"]).replace('_', " "),
            s(&m["review_due"])
        ));
    }
    out
}

fn due_lines(v: &Value) -> Vec<String> {
    let mut out = vec![format!(
        "Due from {} as of {}",
        s(&v["party"]),
        s(&v["evaluated_at"])
    )];
    for d in v["due"].as_array().into_iter().flatten() {
        out.push(format!(
            "  case {}: {}",
            s(&d["case"]),
            next_line(&d["step"])
        ));
    }
    if out.len() == 1 {
        out.push("  nothing".into());
    }
    out
}

fn standing_lines(v: &Value) -> Vec<String> {
    let mut out = vec![format!(
        "{}: standing {}, intelligence tier {}, incentives {}",
        s(&v["party"]),
        s(&v["standing"]),
        s(&v["tier"]),
        if v["incentive_eligible"].as_bool() == Some(true) {
            "eligible"
        } else {
            "not eligible"
        }
    )];
    for c in v["causes"].as_array().into_iter().flatten() {
        out.push(format!(
            "  because {} (since {})",
            s(&c["what"]),
            s(&c["since"])
        ));
    }
    out
}
