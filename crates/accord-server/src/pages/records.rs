//! The pages of bilateral exchanges and audits — the confidence-building and verification
//! steps that come before or beside a case:
//!
//! - `/exchange/{id}`: where an exchange stands on the ladder (information request →
//!   clarification → consultation → case) in one sentence, then every rung with its deadline,
//!   answer and outcome;
//! - `/audit/{id}`: what was audited, why, by whom, the verified findings and the attestations.
//!
//! Both are listed on the docket page ([`exchanges_table`], [`audits_table`]).

use accord_domain::cbm::ExchangeRecord;
use accord_domain::enforcement::audits::{AuditRecord, Trigger};
use accord_domain::{State as Projection, Timestamp};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;

use super::party::{day, missing, name, PartyQuery};
use super::table::{export, Cell, Table};
use super::{page, respond};
use crate::AppState;

fn entry(e: &accord_domain::EntryRef) -> Cell {
    Cell::link(format!("entry {}", e.index), format!("/log/{}", e.index))
}

fn party(p: &accord_envelope::PartyId) -> Cell {
    Cell::link(p.to_string(), format!("/party/{p}"))
}

/// Every exchange, newest first, with the rung it is on and how that rung stands.
pub fn exchanges_table(state: &Projection, now: Timestamp) -> Table {
    let mut t = Table::new(
        "exchanges",
        "Bilateral exchanges, newest first",
        &[
            "exchange",
            "requester",
            "counterpart",
            "rung now",
            "outcome",
            "due",
            "closed",
        ],
    );
    let mut all: Vec<&ExchangeRecord> = state.exchanges().all().collect();
    all.sort_by_key(|x| std::cmp::Reverse(x.rungs.first().map(|r| r.opened.index)));
    for x in all {
        let current = x.current();
        t.row(vec![
            Cell::link(x.exchange.to_string(), format!("/exchange/{}", x.exchange)),
            party(&x.requester),
            party(&x.counterpart),
            name(current.rung).into(),
            Cell::status(current.outcome(now).replace('_', " ")),
            current.due.map(day).unwrap_or_default().into(),
            x.closed
                .map(|c| day(c.at))
                .unwrap_or_else(|| "open".into())
                .into(),
        ]);
    }
    t
}

/// Every audit, newest first.
pub fn audits_table(state: &Projection, now: Timestamp) -> Table {
    let mut t = Table::new(
        "audits",
        "Audits, newest first",
        &[
            "audit", "party", "trigger", "auditors", "norms", "findings", "status",
        ],
    );
    let mut all: Vec<&AuditRecord> = state.audits().all().collect();
    all.sort_by_key(|a| std::cmp::Reverse(a.opened.index));
    for a in all {
        t.row(vec![
            Cell::link(a.audit.to_string(), format!("/audit/{}", a.audit)),
            party(&a.party),
            trigger(a).into(),
            join(a.auditors.iter()).into(),
            join(a.norms.iter()).into(),
            a.findings.len().to_string().into(),
            Cell::status(if a.open_at(now) { "open" } else { "closed" }),
        ]);
    }
    t
}

fn join<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

fn trigger(a: &AuditRecord) -> String {
    let kind = if a.peer_review {
        "peer review"
    } else {
        "audit"
    };
    match &a.trigger {
        Trigger::Scheduled => format!("scheduled {kind}"),
        Trigger::Case { case } => format!("{kind} for case {case}"),
    }
}

/// Where an exchange stands, in one sentence.
fn exchange_sentence(x: &ExchangeRecord, now: Timestamp) -> String {
    let current = x.current();
    let outcome = match current.outcome(now) {
        "on_time" => "answered on time".to_owned(),
        "late" => "answered late".to_owned(),
        "overdue" => format!(
            "unanswered past its deadline of {}",
            current.due.map(day).unwrap_or_default()
        ),
        "pending" => format!(
            "awaiting an answer by {}",
            current.due.map(day).unwrap_or_default()
        ),
        _ => "escalated to a case".to_owned(),
    };
    let state = match (&x.closed, &x.case) {
        (Some(c), _) => format!("Closed on {}", day(c.at)),
        (None, Some(k)) => format!("Escalated to case {k}"),
        (None, None) => "Open".to_owned(),
    };
    format!(
        "{state}: {} asked {}; after {} rung{} it {} at the {} rung, {outcome}.",
        x.requester,
        x.counterpart,
        x.rungs.len(),
        if x.rungs.len() == 1 { "" } else { "s" },
        if x.closed.is_some() { "ended" } else { "is" },
        name(current.rung).replace('_', " "),
    )
}

/// `GET /exchange/{id}`.
pub async fn exchange(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(x) = id.parse().ok().and_then(|k| state.exchanges().get(&k)) else {
            return missing(&frame, &format!("There is no exchange `{id}`."));
        };
        let now = state.last_at();
        let mut rungs = Table::new(
            "rungs",
            "Rungs of the ladder, in order",
            &["rung", "opened", "due", "answered", "outcome"],
        );
        for r in &x.rungs {
            rungs.row(vec![
                name(r.rung).replace('_', " ").into(),
                entry(&r.opened),
                r.due.map(day).unwrap_or_else(|| "policy deadlines".into()).into(),
                r.answered.as_ref().map(entry).unwrap_or_else(|| "no answer".into()),
                Cell::status(r.outcome(now).replace('_', " ")),
            ]);
        }
        if let Some(res) = export(&frame, &[&rungs], q.format.as_deref(), q.table.as_deref()) {
            return res;
        }
        let body = html! {
            section {
                h2 { "Exchange " (x.exchange) }
                p.decision { strong { (exchange_sentence(x, now)) } }
                p { "Subject: " (x.subject) }
                p { "Requester " a href={ "/party/" (x.requester) } { (x.requester) } " · counterpart " a href={ "/party/" (x.counterpart) } { (x.counterpart) }
                    @if let Some(k) = &x.case { " · case " a href={ "/docket/" (k) } { (k) } }
                    @if let Some(c) = &x.closed { " · closed in " a href={ "/log/" (c.index) } { "entry " (c.index) } }
                    " · " a href={ "/exchanges/" (x.exchange) } { "JSON" } }
                p { "Answers and the closing outcome are in the entries named; confidential attachments stay in the vault." }
                (rungs.render(&uri))
            }
        };
        respond(&frame, page(&frame, &format!("Exchange {}", x.exchange), body))
    })
}

/// What an audit found, in one sentence.
fn audit_sentence(a: &AuditRecord, now: Timestamp) -> String {
    let status = if a.open_at(now) {
        format!("Open until {}", day(a.until))
    } else {
        format!("Closed (ran until {})", day(a.until))
    };
    let findings = if a.findings.is_empty() {
        "no finding yet".to_owned()
    } else {
        a.findings
            .iter()
            .map(|f| {
                format!(
                    "{} verified at {} by {}",
                    f.norm, f.verified_value, f.auditor
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!(
        "{status}: {} of {} on {}; {findings}; attested by {} of {} auditors.",
        trigger(a),
        a.party,
        join(a.norms.iter()),
        a.attested.len(),
        a.auditors.len()
    )
}

/// `GET /audit/{id}`.
pub async fn audit(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(a) = id.parse().ok().and_then(|k| state.audits().get(&k)) else {
            return missing(&frame, &format!("There is no audit `{id}`."));
        };
        let now = state.last_at();
        let mut findings = Table::new(
            "findings",
            "Verified findings",
            &["norm", "verified value", "auditor", "entry"],
        );
        for f in &a.findings {
            findings.row(vec![
                Cell::link(f.norm.to_string(), format!("/norm/{}", f.norm)),
                f.verified_value.to_string().into(),
                party(&f.auditor),
                entry(&f.entry),
            ]);
        }
        let mut auditors = Table::new(
            "auditors",
            "Auditors and their attestations",
            &["auditor", "attested"],
        );
        for p in &a.auditors {
            auditors.row(vec![
                party(p),
                a.attested.get(p).map(entry).unwrap_or_else(|| "not yet".into()),
            ]);
        }
        if let Some(res) = export(
            &frame,
            &[&findings, &auditors],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body = html! {
            section {
                h2 { "Audit " (a.audit) }
                p.decision { strong { (audit_sentence(a, now)) } }
                p { "Audited party " a href={ "/party/" (a.party) } { (a.party) }
                    " · " (trigger(a))
                    @if let Trigger::Case { case } = &a.trigger { " (" a href={ "/docket/" (case) } { "case " (case) } ")" }
                    " · opened in " a href={ "/log/" (a.opened.index) } { "entry " (a.opened.index) } " on " (day(a.opened.at))
                    " · findings until " (day(a.until)) " · " a href="/audits" { "JSON" } }
                (findings.render(&uri))
                (auditors.render(&uri))
            }
        };
        respond(&frame, page(&frame, &format!("Audit {}", a.audit), body))
    })
}

/// Every credential issued, with its status now.
pub fn certifications_table(state: &Projection, now: Timestamp) -> Table {
    let mut t = Table::new(
        "certifications",
        "Certifications issued",
        &[
            "credential",
            "holder",
            "scheme",
            "issuer",
            "valid until",
            "status",
            "issued",
        ],
    );
    for c in state.credentials().all() {
        let status = state
            .credential_status(c.number, now)
            .map_or("unknown", |s| s.state);
        t.row(vec![
            Cell::link(
                format!("credential {}", c.number),
                format!("/credential/{}", c.number),
            ),
            party(&c.holder),
            c.scheme.to_string().into(),
            party(&c.issuer),
            day(c.valid_until).into(),
            Cell::status(status),
            entry(&c.entry),
        ]);
    }
    t
}

/// `GET /certifications`: the credentials councils issued under the regime's schemes, with
/// their status as the log stands.
pub async fn certifications(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let now = state.last_at();
        let table = certifications_table(state, now);
        if let Some(res) = export(&frame, &[&table], q.format.as_deref(), q.table.as_deref()) {
            return res;
        }
        let schemes: Vec<_> = state
            .regime()
            .map(|r| r.schemes.values().cloned().collect())
            .unwrap_or_default();
        let body = html! {
            section {
                h2 { "Certifications" }
                p { "A regional council issues a W3C Verifiable Credential to a party whose closed audit meets a certification scheme the regime adopted. Each is signed with the council's own key, logged, and checkable offline with "
                    code { "accord credential verify" } "; its status follows due process: a measure the scheme names suspends or revokes it, and it is valid again when the measure ends. Status lists: "
                    a href="/credentials/status/suspension" { "suspension" } ", " a href="/credentials/status/revocation" { "revocation" } " · " a href="/credentials" { "JSON" } }
                @if schemes.is_empty() {
                    p { "The regime has adopted no certification scheme yet." }
                } @else {
                    ul {
                        @for s in &schemes {
                            li { strong { (s.scheme.title) } " (" code { (s.scheme.scheme) } "), issued by " a href={ "/party/" (s.scheme.issuer) } { (s.scheme.issuer) }
                                " · adopted by " a href={ "/instrument/" (s.instrument) } { "instrument " (s.instrument) } }
                        }
                    }
                }
                (table.render(&uri))
            }
        };
        respond(&frame, page(&frame, "Certifications", body))
    })
}

/// `GET /credential/{number}`: one credential, what it certifies, and every check of it as
/// `accord credential verify` makes them (the same report as
/// `GET /credentials/{number}/verification`).
pub async fn credential(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(number): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(c) = number.parse().ok().and_then(|n| state.credentials().get(n)) else {
            return missing(&frame, &format!("There is no credential `{number}`."));
        };
        let now = state.last_at();
        let report = crate::credentials::verification(&app, state, &c.credential);
        let status = state.credential_status(c.number, now);
        let mut checks = Table::new("checks", "Verification", &["check", "outcome", "detail"]);
        for check in &report.checks {
            let outcome = match check.outcome {
                accord_vc::verify::Outcome::Pass => "pass",
                accord_vc::verify::Outcome::Fail => "fail",
                accord_vc::verify::Outcome::Unknown => "unknown",
            };
            checks.row(vec![check.name.clone().into(), Cell::status(outcome), check.detail.clone().into()]);
        }
        let mut norms = Table::new("norms", "What it certifies", &["norm", "adherence (%)", "verified value"]);
        let listed = c
            .credential
            .pointer("/credentialSubject/certification/norms")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        for n in &listed {
            let norm = n.get("norm").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            norms.row(vec![
                Cell::link(norm.clone(), format!("/norm/{norm}")),
                n.get("adherence").map(|v| v.to_string()).unwrap_or_default().into(),
                n.get("verifiedValue").map(|v| v.to_string()).unwrap_or_default().into(),
            ]);
        }
        if let Some(res) = export(&frame, &[&checks, &norms], q.format.as_deref(), q.table.as_deref()) {
            return res;
        }
        let pretty = serde_json::to_string_pretty(&c.credential).unwrap_or_default();
        let verdict = if report.verified() { "verifies" } else { "does not verify" };
        let body = html! {
            section {
                h2 { "Credential " (c.number) ": " (c.scheme) }
                p.decision { strong {
                    "Certifies " a href={ "/party/" (c.holder) } { (c.holder) } " under " (c.scheme)
                    ", issued by " a href={ "/party/" (c.issuer) } { (c.issuer) } " on " (day(c.valid_from))
                    ", valid until " (day(c.valid_until)) ". Status now: " (status.as_ref().map_or("unknown", |s| s.state))
                    ". It " (verdict) " here."
                } }
                @if let Some(s) = &status {
                    @if !s.causes.is_empty() {
                        ul { @for cause in &s.causes { li { (cause) } } }
                    }
                }
                p { "Rests on " a href={ "/audit/" (c.audit) } { "audit " (c.audit) } " · issued in " a href={ "/log/" (c.entry.index) } { "entry " (c.entry.index) }
                    " · " a href={ "/credentials/" (c.number) } download={ "credential-" (c.number) ".json" } { "download (JSON-LD, application/vc)" }
                    " · " a href={ "/credentials/" (c.number) "/verification" } { "verification as JSON" } }
                (checks.render(&uri))
                (norms.render(&uri))
                details {
                    summary { "The credential" }
                    pre { code { (pretty) } }
                }
            }
        };
        respond(&frame, page(&frame, &format!("Credential {}", c.number), body))
    })
}
