//! Pages of the norms regime: the catalog with a diff between any two versions, the
//! negotiations with their tallies, and the review calendar. Every page says the tree size it
//! was read at; statuses are evaluated at the log time of the latest entry.

use std::fmt::Write as _;

use accord_domain::decision::{Decision, Standing};
use accord_domain::ids::InstrumentId;
use accord_domain::norms::negotiation::{Draft, InstrumentRecord, InstrumentStatus};
use accord_domain::Timestamp;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};

use maud::{html, Markup};

use super::charts;
use super::escape;
use super::table::{export, Cell, Table};
use crate::AppState;

fn name_of(s: impl serde::Serialize) -> String {
    super::party::name(s)
}

fn day(t: accord_domain::Timestamp) -> String {
    t.to_string().chars().take(10).collect()
}

/// Word-level diff as HTML with `<del>` and `<ins>`.
pub fn inline_diff(old: &str, new: &str) -> String {
    let mut out = String::new();
    for change in TextDiff::from_words(old, new).iter_all_changes() {
        let text = escape(change.value());
        match change.tag() {
            ChangeTag::Equal => out.push_str(&text),
            ChangeTag::Delete => {
                let _ = write!(out, "<del>{text}</del>");
            }
            ChangeTag::Insert => {
                let _ = write!(out, "<ins>{text}</ins>");
            }
        }
    }
    out
}

/// Renders a regime page: `body` is built from the regime and the log time of the latest
/// entry, under the same read of the ledger as the checkpoint the page names; it returns the
/// page's HTML and its tables, which `?format=csv|json&table=` exports.
fn regime_page(
    app: &AppState,
    uri: &Uri,
    export_q: &ExportQuery,
    title: &str,
    body: impl FnOnce(&accord_domain::norms::Regime, accord_domain::Timestamp) -> (String, Vec<Table>),
) -> Response {
    app.view_core(|core| {
        let state = core.state();
        let (body, tables) = match state.regime() {
            Some(r) => body(r, state.last_at()),
            None => (
                "<section><p>No charter has been established yet.</p></section>".to_owned(),
                Vec::new(),
            ),
        };
        if let Some(res) = export(
            &super::Frame::default(),
            &tables.iter().collect::<Vec<_>>(),
            export_q.format.as_deref(),
            export_q.table.as_deref(),
        ) {
            return res;
        }
        let mut html = body;
        for t in &tables {
            html = html.replace(
                &format!("<!--table:{}-->", t.id),
                &t.render(uri).into_string(),
            );
        }
        let frame = super::Frame::of(app, core, None);
        super::respond(&frame, super::page(&frame, title, maud::PreEscaped(html)))
    })
}

/// A table export request.
#[derive(Deserialize, Default)]
pub struct ExportQuery {
    /// `csv` or `json`.
    pub format: Option<String>,
    /// The table.
    pub table: Option<String>,
}

/// Which catalog versions the catalog page compares.
#[derive(Deserialize)]
pub struct CatalogQuery {
    from: Option<u32>,
    to: Option<u32>,
    format: Option<String>,
    table: Option<String>,
}

/// `GET /catalog`: the norms in force and, with `?from=A&to=B`, what changed between two
/// catalog versions.
pub async fn catalog(
    State(app): State<AppState>,
    uri: Uri,
    Query(q): Query<CatalogQuery>,
) -> Response {
    let export_q = ExportQuery {
        format: q.format.clone(),
        table: q.table.clone(),
    };
    regime_page(&app, &uri, &export_q, "Norms catalog", |r, now| {
        let mut norms = Table::new(
            "norms",
            "The norms of the catalog",
            &[
                "norm", "title", "text", "source", "version", "status", "review", "sunset",
            ],
        );
        for n in r.norms.values() {
            let t = &n.current().text;
            norms.row(vec![
                Cell::link(n.id.to_string(), format!("/norm/{}", n.id)),
                t.title.to_string().into(),
                t.text.to_string().into(),
                format!("{}, {}", t.source.document, t.source.reference).into(),
                n.current().version.to_string().into(),
                Cell::status(name_of(n.status(now))),
                day(n.review_at).into(),
                day(n.sunset_at).into(),
            ]);
        }
        let latest = r.catalog.len() as u32;
        let mut versions = String::new();
        for v in &r.catalog {
            let _ = write!(
                versions,
                "<li>version {n}: {count} norms, {at} ({cause}) — <a href=\"/catalog/versions/{n}\">JSON</a> · <a href=\"/catalog/versions/{n}/oscal\">OSCAL</a></li>",
                n = v.number,
                count = v.norms.len(),
                at = day(v.made.at),
                cause = escape(&v.cause),
            );
        }
        let (from, to) = (
            q.from.unwrap_or(latest.saturating_sub(1).max(1)),
            q.to.unwrap_or(latest),
        );
        let mut diff = String::new();
        match (
            r.catalog.get((from as usize).wrapping_sub(1)),
            r.catalog.get((to as usize).wrapping_sub(1)),
        ) {
            (Some(a), Some(b)) => {
                let text_of = |v: &accord_domain::norms::negotiation::CatalogVersion, id| {
                    let version = *v.norms.get(id)?;
                    r.norms
                        .get(id)?
                        .versions
                        .get((version as usize).checked_sub(1)?)
                        .map(|nv| &nv.text)
                };
                let ids: std::collections::BTreeSet<_> =
                    a.norms.keys().chain(b.norms.keys()).collect();
                for id in ids {
                    let (old, new) = (text_of(a, id), text_of(b, id));
                    if old == new {
                        continue;
                    }
                    let field = |f: fn(&accord_domain::norms::NormText) -> &str| {
                        inline_diff(old.map_or("", f), new.map_or("", f))
                    };
                    let _ = write!(
                        diff,
                        "<tr><td><code>{id}</code></td><td><strong>{title}</strong><br>{text}</td></tr>",
                        id = escape(id.as_str()),
                        title = field(|t| t.title.as_str()),
                        text = field(|t| t.text.as_str()),
                    );
                }
                if diff.is_empty() {
                    diff = "<tr><td colspan=\"2\">The two versions hold the same texts.</td></tr>"
                        .into();
                }
            }
            _ => {
                diff =
                    format!("<tr><td colspan=\"2\">Catalog versions are 1 to {latest}.</td></tr>")
            }
        }
        (
            format!(
                r#"<section><h2>{title}</h2><p>{count} norms; catalog version {latest}. Statuses at log time {now}.</p>
<!--table:norms--></section>
<section><h2>Catalog versions</h2><ul>{versions}</ul>
<form method="get" action="/catalog"><label for="from">Compare version</label> <input id="from" name="from" type="number" min="1" max="{latest}" value="{from}"> <label for="to">with</label> <input id="to" name="to" type="number" min="1" max="{latest}" value="{to}"> <button>Show changes</button></form></section>
<section><h2>Changes from version {from} to {to}</h2><table><caption>Word changes, norm by norm</caption><tbody>{diff}</tbody></table></section>"#,
                title = escape(r.title.as_str()),
                count = r.norms.len(),
            ),
            vec![norms],
        )
    })
}

/// Where `regime_page` puts the table `id` (markup, so no text on the page can make one).
fn slot(id: &str) -> maud::PreEscaped<String> {
    maud::PreEscaped(format!("<!--table:{id}-->"))
}

/// What an instrument's decision says, in one sentence: the outcome (or, before the
/// decision, the stage and the provisional result `decision`, from [`decision_of`]), the date
/// and the rule.
fn decision_sentence(i: &InstrumentRecord, decision: &Decision, now: Timestamp) -> String {
    match (&i.decision, i.status(now)) {
        (Some(d), _) => format!(
            "{} on {} under the {} rule: {}.",
            if d.decision.adopted {
                "Adopted"
            } else {
                "Rejected"
            },
            day(d.entry.at),
            d.decision.rule.name().replace('_', " "),
            d.decision.explanation.trim_end_matches('.')
        ),
        (None, status) => {
            let stage = match status {
                InstrumentStatus::CommentPeriod => {
                    format!(
                        "Open for comments and amendments until {}",
                        day(i.comment_until)
                    )
                }
                InstrumentStatus::Positions => {
                    format!("Taking positions until {}", day(i.positions_until))
                }
                _ => format!(
                    "Positions closed on {}; the decision is due",
                    day(i.positions_until)
                ),
            };
            format!(
                "{stage}. Not decided yet; under the {} rule the positions so far would give: {}.",
                decision.rule.name().replace('_', " "),
                decision.explanation.trim_end_matches('.')
            )
        }
    }
}

/// The decision of an instrument, taken or provisional.
fn decision_of(i: &InstrumentRecord) -> Decision {
    match &i.decision {
        Some(d) => d.decision.clone(),
        None => i.compute_decision(),
    }
}

/// The tally of a decision, one small stacked bar per chamber that had members or votes.
fn tally_bars(instrument: &InstrumentId, d: &Decision) -> Markup {
    html! {
        dl.tally {
            @for (c, t) in d.tally.chambers.iter().filter(|(_, t)| t.eligible > 0 || t.voted() > 0) {
                dt { (c.label()) @if matches!(t.standing, Standing::Advisory) { " (advisory)" } }
                dd {
                    (charts::stacked(
                        &[
                            ("for", t.support as usize, "t-yes"),
                            ("against", t.object as usize, "t-no"),
                            ("abstaining", t.abstain as usize, "t-abstain"),
                            ("not voted", t.eligible.saturating_sub(t.voted()) as usize, "t-pending"),
                        ],
                        &format!(
                            "{} on {instrument}: {} for, {} against, {} abstaining of {} eligible",
                            c.label(), t.support, t.object, t.abstain, t.eligible
                        ),
                    ))
                }
            }
        }
    }
}

/// The tally of a decision as a table (the table view of [`tally_bars`]).
fn tally_rows(t: &mut Table, instrument: &InstrumentId, d: &Decision, with_instrument: bool) {
    for (c, ct) in d
        .tally
        .chambers
        .iter()
        .filter(|(_, t)| t.eligible > 0 || t.voted() > 0)
    {
        let mut row: Vec<Cell> = Vec::new();
        if with_instrument {
            row.push(Cell::link(
                instrument.to_string(),
                format!("/instrument/{instrument}"),
            ));
        }
        row.extend([
            c.label().into(),
            name_of(ct.standing).into(),
            ct.support.to_string().into(),
            ct.object.to_string().into(),
            ct.abstain.to_string().into(),
            ct.eligible.to_string().into(),
        ]);
        t.row(row);
    }
}

const TALLY_HEAD: [&str; 6] = [
    "chamber",
    "standing",
    "for",
    "against",
    "abstaining",
    "eligible",
];

/// `GET /negotiations`: every instrument, open ones first, each with its decision (or where
/// it stands) in one sentence and its tally by chamber as small stacked bars; the details are
/// on the instrument's page.
pub async fn negotiations(
    State(app): State<AppState>,
    uri: Uri,
    Query(q): Query<ExportQuery>,
) -> Response {
    regime_page(&app, &uri, &q, "Negotiations", |r, now| {
        let head = [
            "instrument",
            "title",
            "kind",
            "proposed by",
            "status",
            "decision rule",
            "signatures",
            "reservations",
            "amendments",
        ];
        let mut open = Table::new("open", "Open negotiations", &head);
        let mut closed = Table::new("concluded", "Concluded negotiations", &head);
        let mut tallies = {
            let mut h = vec!["instrument"];
            h.extend(TALLY_HEAD);
            Table::new("tallies", "Tally by chamber of every instrument", &h)
        };
        let (mut open_cards, mut closed_cards) = (Vec::new(), Vec::new());
        for i in r.instruments.values() {
            let s = i.status(now);
            let decision = decision_of(i);
            tally_rows(&mut tallies, &i.id, &decision, true);
            let reservations: usize = i.signatures.values().map(|s| s.reservations.len()).sum();
            let row = vec![
                Cell::link(i.id.to_string(), format!("/instrument/{}", i.id)),
                i.title.to_string().into(),
                i.kind.replace('_', " ").into(),
                Cell::link(i.proposer.to_string(), format!("/party/{}", i.proposer)),
                Cell::status(name_of(s)),
                decision.rule.name().into(),
                i.signatures.len().to_string().into(),
                reservations.to_string().into(),
                i.amendments.len().to_string().into(),
            ];
            let card = html! {
                article.instrument {
                    h3 { a href={ "/instrument/" (i.id) } { (i.title) } }
                    p { span class={ "status " (name_of(s).replace(' ', "_")) } { (name_of(s)) } " · " (i.kind.replace('_', " ")) " · proposed by " a href={ "/party/" (i.proposer) } { (i.proposer) } }
                    p.decision { (decision_sentence(i, &decision, now)) }
                    (tally_bars(&i.id, &decision))
                }
            };
            if matches!(s, InstrumentStatus::Adopted | InstrumentStatus::Rejected) {
                closed.row(row);
                closed_cards.push(card);
            } else {
                open.row(row);
                open_cards.push(card);
            }
        }
        let body = html! {
            section { h2 { "Open" } @for c in &open_cards { (c) } (slot("open")) }
            section { h2 { "Concluded" } @for c in &closed_cards { (c) } (slot("concluded")) }
            section { h2 { "Tallies" } details { summary { "Table view of every tally" } (slot("tallies")) } }
        };
        (
            body.into_string()
                .replace("&lt;!--", "<!--")
                .replace("--&gt;", "-->"),
            vec![open, closed, tallies],
        )
    })
}

/// What a draft proposes, in words: a norm's title and text, or what else it changes.
fn draft_text(d: &Draft) -> (String, String) {
    match d {
        Draft::Norm { norm } | Draft::NormAmendment { norm } => {
            (norm.title.to_string(), norm.text.to_string())
        }
        Draft::RegionalProfile {
            region,
            tailoring,
            languages,
        } => (
            format!("Regional profile of {region}"),
            format!(
                "Tailored parameters: {}; working languages: {}.",
                tailoring
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                languages
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Draft::Review {
            norm,
            outcome,
            amended,
        } => (
            format!("Review of {norm}"),
            format!(
                "Outcome: {}{}",
                name_of(outcome),
                amended
                    .as_ref()
                    .map(|t| format!("; new text: {}", t.text))
                    .unwrap_or_default()
            ),
        ),
        Draft::RulesOfProcedure { .. } => (
            "Rules of procedure".into(),
            "New rules of procedure (the full text is in the instrument's JSON).".into(),
        ),
        Draft::EnforcementPolicy { .. } => (
            "Enforcement policy".into(),
            "A new enforcement policy (the full text is at /policy and in the instrument's JSON)."
                .into(),
        ),
        Draft::Accreditation { accredit, withdraw } => (
            "Accreditation".into(),
            format!(
                "Accredits: {}; withdraws: {}.",
                if accredit.is_empty() {
                    "none".into()
                } else {
                    accredit
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                if withdraw.is_empty() {
                    "none".into()
                } else {
                    withdraw
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        ),
        Draft::Recognition {
            recognize,
            withdraw,
        } => {
            let mut said: Vec<String> = recognize
                .iter()
                .map(|r| {
                    format!(
                        "Recognizes {} (log {}, {}, key {}): its {} count here.",
                        r.name,
                        r.origin(),
                        r.url,
                        r.verifier_key,
                        r.counts_in_words()
                    )
                })
                .collect();
            if !withdraw.is_empty() {
                said.push(format!("Ends the recognition of {}.", withdraw.join(", ")));
            }
            ("Mutual recognition".into(), said.join(" "))
        }
        Draft::CertificationScheme { scheme } => {
            let measures = |ms: &[accord_domain::enforcement::Measure]| {
                if ms.is_empty() {
                    "none".to_owned()
                } else {
                    ms.iter()
                        .map(|m| accord_domain::norms::schemes::measure_name(*m))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            (
                format!("Certification scheme {}: {}", scheme.scheme, scheme.title),
                format!(
                    "{} issues W3C Verifiable Credentials to parties audited on {} when the audit closed within {} months with every finding at least {}, and adherence to each norm over the last 12 months is at least {} %. A credential is valid {} months; measures that suspend it: {}; that revoke it: {}.",
                    scheme.issuer,
                    scheme
                        .norms
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    scheme.audit_within_months,
                    scheme.min_verified_value,
                    scheme.min_adherence,
                    scheme.validity_months,
                    measures(&scheme.suspend_on),
                    measures(&scheme.revoke_on),
                ),
            )
        }
    }
}

/// `GET /instrument/{id}`: one instrument — its decision and the rule it was taken under
/// first, the tally by chamber, then the text, amendments, every position with its reason,
/// and the signatures with their reservations.
pub async fn instrument(
    State(app): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    Query(q): Query<ExportQuery>,
) -> Response {
    let known = app.view(|state| {
        state
            .regime()
            .zip(id.parse::<InstrumentId>().ok())
            .is_some_and(|(r, id)| r.instruments.contains_key(&id))
    });
    if !known {
        return app.view_core(|core| {
            let frame = super::Frame::of(&app, core, None);
            super::party::missing(&frame, &format!("There is no instrument `{id}`."))
        });
    }
    let title = format!("Instrument {id}");
    regime_page(&app, &uri, &q, &title, |r, now| {
        let Some(i) = id
            .parse()
            .ok()
            .and_then(|id: InstrumentId| r.instruments.get(&id))
        else {
            return (
                format!(
                    "<section><p>There is no instrument <code>{}</code>.</p></section>",
                    escape(&id)
                ),
                Vec::new(),
            );
        };
        let decision = decision_of(i);
        let mut tally = Table::new("tally", "Tally by chamber", &TALLY_HEAD);
        tally_rows(&mut tally, &i.id, &decision, false);
        let mut positions = Table::new(
            "positions",
            "Positions",
            &[
                "party",
                "chamber",
                "stance",
                "on version",
                "reason",
                "entry",
            ],
        );
        for (p, pos) in &i.positions {
            positions.row(vec![
                Cell::link(p.to_string(), format!("/party/{p}")),
                pos.chamber.label().into(),
                name_of(pos.stance).into(),
                pos.version.to_string().into(),
                pos.reason
                    .as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or_default()
                    .into(),
                Cell::link(
                    pos.entry.index.to_string(),
                    format!("/log/{}", pos.entry.index),
                ),
            ]);
        }
        let mut amendments = Table::new(
            "amendments",
            "Amendments",
            &["amendment", "by", "status", "rationale", "entry"],
        );
        for (a, rec) in &i.amendments {
            amendments.row(vec![
                a.to_string().into(),
                Cell::link(rec.by.to_string(), format!("/party/{}", rec.by)),
                Cell::status(name_of(rec.status)),
                rec.rationale.to_string().into(),
                Cell::link(
                    rec.entry.index.to_string(),
                    format!("/log/{}", rec.entry.index),
                ),
            ]);
        }
        let mut signatures = Table::new(
            "signatures",
            "Signatures",
            &["party", "signed", "reservations", "entry"],
        );
        for (p, sig) in &i.signatures {
            signatures.row(vec![
                Cell::link(p.to_string(), format!("/party/{p}")),
                day(sig.entry.at).into(),
                if sig.reservations.is_empty() {
                    "none".to_owned()
                } else {
                    sig.reservations
                        .iter()
                        .map(|r| r.to_string())
                        .collect::<Vec<_>>()
                        .join(" · ")
                }
                .into(),
                Cell::link(
                    sig.entry.index.to_string(),
                    format!("/log/{}", sig.entry.index),
                ),
            ]);
        }
        let (draft_title, draft_body) = draft_text(i.draft());
        let s = i.status(now);
        let body = html! {
            section {
                h2 { (i.title) }
                p.decision { strong { (decision_sentence(i, &decision, now)) } }
                p { span class={ "status " (name_of(s).replace(' ', "_")) } { (name_of(s)) } " · " (i.kind.replace('_', " "))
                    " · proposed by " a href={ "/party/" (i.proposer) } { (i.proposer) } " on " (day(i.proposed.at))
                    " (" a href={ "/log/" (i.proposed.index) } { "entry " (i.proposed.index) } ")"
                    " · comments until " (day(i.comment_until)) " · positions until " (day(i.positions_until))
                    @if let Some(d) = &i.decision { " · decided in " a href={ "/log/" (d.entry.index) } { "entry " (d.entry.index) } }
                    " · " a href={ "/instruments/" (i.id) } { "JSON" } }
                p { "Quorum " (i.rules.procedure.quorum_percent) " % of the eligible: " @if decision.quorum_met { "met" } @else { "not met" } "." }
                (tally_bars(&i.id, &decision))
                (slot("tally"))
            }
            section {
                h2 { "Text (version " (i.version()) ")" }
                h3 { (draft_title) }
                blockquote { (draft_body) }
                p { (i.comments.values().sum::<u32>()) " comments were made." }
                (slot("amendments"))
            }
            section { h2 { "Positions" } (slot("positions")) }
            section { h2 { "Signatures" } (slot("signatures")) }
        };
        (
            body.into_string()
                .replace("&lt;!--", "<!--")
                .replace("--&gt;", "-->"),
            vec![tally, positions, amendments, signatures],
        )
    })
}

/// `GET /calendar`: the review calendar — every norm's review and sunset dates, soonest first.
pub async fn calendar(
    State(app): State<AppState>,
    uri: Uri,
    Query(q): Query<ExportQuery>,
) -> Response {
    regime_page(&app, &uri, &q, "Review calendar", |r, now| {
        let mut norms: Vec<_> = r.norms.values().filter(|n| n.retired.is_none()).collect();
        norms.sort_by(|a, b| (a.review_at, &a.id).cmp(&(b.review_at, &b.id)));
        let mut t = Table::new(
            "calendar",
            "Review and sunset dates, soonest review first",
            &["review", "sunset", "norm", "title", "status"],
        );
        for n in norms {
            t.row(vec![
                day(n.review_at).into(),
                day(n.sunset_at).into(),
                Cell::link(n.id.to_string(), format!("/norm/{}", n.id)),
                n.current().text.title.to_string().into(),
                Cell::status(name_of(n.status(now))),
            ]);
        }
        (
            format!("<section><h2>Review calendar</h2><p>A norm enters review on its review date and leaves force on its sunset date unless a review renews it. Statuses at log time {now}. <a href=\"/review-calendar\">JSON</a></p><!--table:calendar--></section>"),
            vec![t],
        )
    })
}
