//! Pages of the norms regime: the catalog with a diff between any two versions, the
//! negotiations with their tallies, and the review calendar. Every page says the tree size it
//! was read at; statuses are evaluated at the log time of the latest entry.

use std::fmt::Write as _;

use accord_domain::norms::negotiation::InstrumentStatus;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};

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

/// `GET /negotiations`: every instrument, where it stands, and its tally.
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
            "comments until",
            "positions until",
            "decision rule",
            "tally by chamber",
            "explanation",
            "signatures",
            "reservations",
            "amendments",
        ];
        let mut open = Table::new("open", "Open negotiations", &head);
        let mut closed = Table::new("concluded", "Concluded negotiations", &head);
        for i in r.instruments.values() {
            let s = i.status(now);
            let decision = match &i.decision {
                Some(d) => d.decision.clone(),
                None => i.compute_decision(),
            };
            let mut chambers = Vec::new();
            for (c, t) in &decision.tally.chambers {
                if t.eligible == 0 && t.voted() == 0 {
                    continue;
                }
                chambers.push(format!(
                    "{}: {} for, {} against, {} abstaining of {}{}",
                    c.label(),
                    t.support,
                    t.object,
                    t.abstain,
                    t.eligible,
                    if matches!(t.standing, accord_domain::decision::Standing::Advisory) {
                        " (advisory)"
                    } else {
                        ""
                    }
                ));
            }
            let reservations: usize = i.signatures.values().map(|s| s.reservations.len()).sum();
            let row = vec![
                Cell::link(i.id.to_string(), format!("/instruments/{}", i.id)),
                i.title.to_string().into(),
                i.kind.replace('_', " ").into(),
                Cell::link(i.proposer.to_string(), format!("/party/{}", i.proposer)),
                Cell::status(name_of(s)),
                day(i.comment_until).into(),
                day(i.positions_until).into(),
                decision.rule.name().into(),
                chambers.join("; ").into(),
                decision.explanation.clone().into(),
                i.signatures.len().to_string().into(),
                reservations.to_string().into(),
                i.amendments.len().to_string().into(),
            ];
            if matches!(s, InstrumentStatus::Adopted | InstrumentStatus::Rejected) {
                closed.row(row);
            } else {
                open.row(row);
            }
        }
        (
            "<section><h2>Open</h2><!--table:open--></section><section><h2>Concluded</h2><!--table:concluded--></section>".to_owned(),
            vec![open, closed],
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
