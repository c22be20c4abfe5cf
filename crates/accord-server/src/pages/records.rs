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
