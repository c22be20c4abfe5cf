//! Pages of the norms regime: the catalog with a diff between any two versions, the
//! negotiations with their tallies, and the review calendar. Every page says the tree size it
//! was read at; statuses are evaluated at the log time of the latest entry.

use std::fmt::Write as _;

use accord_domain::norms::negotiation::InstrumentStatus;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};

use super::escape;
use crate::AppState;

fn status(s: impl serde::Serialize) -> String {
    let name = serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "<span class=\"status {name}\">{}</span>",
        escape(&name.replace('_', " "))
    )
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
/// entry, under the same read of the ledger as the tree size the page says it was read at.
fn regime_page(
    app: &AppState,
    title: &str,
    body: impl FnOnce(&accord_domain::norms::Regime, accord_domain::Timestamp) -> String,
) -> Html<String> {
    let core = app.ledger.read();
    let state = core.state();
    let body = match state.regime() {
        Some(r) => body(r, state.last_at()),
        None => "<section><p>No charter has been established yet.</p></section>".to_owned(),
    };
    let frame = super::Frame::of(app, &core, None);
    Html(super::page(&frame, title, maud::PreEscaped(body)))
}

/// Which catalog versions the catalog page compares.
#[derive(Deserialize)]
pub struct CatalogQuery {
    from: Option<u32>,
    to: Option<u32>,
}

/// `GET /catalog`: the norms in force and, with `?from=A&to=B`, what changed between two
/// catalog versions.
pub async fn catalog(State(app): State<AppState>, Query(q): Query<CatalogQuery>) -> Html<String> {
    regime_page(&app, "Norms catalog", |r, now| {
        let mut rows = String::new();
        for n in r.norms.values() {
            let t = &n.current().text;
            let _ = write!(
                rows,
                "<tr><td><a href=\"/norms/{id}\"><code>{id}</code></a></td><td><strong>{title}</strong><br>{text}<br><small>Source: {doc}, {reference}</small></td><td>{v}</td><td>{status}</td><td class=\"nowrap\">{review}</td><td class=\"nowrap\">{sunset}</td></tr>",
                id = escape(n.id.as_str()),
                title = escape(t.title.as_str()),
                text = escape(t.text.as_str()),
                doc = escape(t.source.document.as_str()),
                reference = escape(t.source.reference.as_str()),
                v = n.current().version,
                status = status(n.status(now)),
                review = day(n.review_at),
                sunset = day(n.sunset_at),
            );
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
        format!(
            r#"<section><h2>{title}</h2><p>{count} norms; catalog version {latest}. Statuses at log time {now}.</p>
<table><thead><tr><th>norm</th><th>text</th><th>v</th><th>status</th><th>review</th><th>sunset</th></tr></thead><tbody>{rows}</tbody></table></section>
<section><h2>Catalog versions</h2><ul>{versions}</ul>
<form method="get" action="/catalog"><label for="from">Compare version</label> <input id="from" name="from" type="number" min="1" max="{latest}" value="{from}"> <label for="to">with</label> <input id="to" name="to" type="number" min="1" max="{latest}" value="{to}"> <button>Show changes</button></form></section>
<section><h2>Changes from version {from} to {to}</h2><table><tbody>{diff}</tbody></table></section>"#,
            title = escape(r.title.as_str()),
            count = r.norms.len(),
        )
    })
}

/// `GET /negotiations`: every instrument, where it stands, and its tally.
pub async fn negotiations(State(app): State<AppState>) -> Html<String> {
    regime_page(&app, "Negotiations", |r, now| {
        let (mut open, mut closed) = (String::new(), String::new());
        for i in r.instruments.values() {
            let s = i.status(now);
            let decision = match &i.decision {
                Some(d) => d.decision.clone(),
                None => i.compute_decision(),
            };
            let mut chambers = String::new();
            for (c, t) in &decision.tally.chambers {
                if t.eligible == 0 && t.voted() == 0 {
                    continue;
                }
                let _ = write!(
                    chambers,
                    "{}: {} for, {} against, {} abstaining of {}{}<br>",
                    escape(c.label()),
                    t.support,
                    t.object,
                    t.abstain,
                    t.eligible,
                    if matches!(t.standing, accord_domain::decision::Standing::Advisory) {
                        " (advisory)"
                    } else {
                        ""
                    }
                );
            }
            let reservations: usize = i.signatures.values().map(|s| s.reservations.len()).sum();
            let row = format!(
                "<tr><td><a href=\"/instruments/{id}\"><code>{id}</code></a><br>{title}<br><small>{kind}, proposed by {by}</small></td><td>{status}<br><small>comments until {c}<br>positions until {p}</small></td><td>{rule}<br>{chambers}<small>{explanation}</small></td><td>{sig} signatures, {reservations} reservations<br>{amend} amendments</td></tr>",
                id = escape(i.id.as_str()),
                title = escape(i.title.as_str()),
                kind = i.kind.replace('_', " "),
                by = escape(i.proposer.as_str()),
                status = status(s),
                c = day(i.comment_until),
                p = day(i.positions_until),
                rule = escape(decision.rule.name()),
                explanation = escape(&decision.explanation),
                sig = i.signatures.len(),
                amend = i.amendments.len(),
            );
            if matches!(s, InstrumentStatus::Adopted | InstrumentStatus::Rejected) {
                closed.push_str(&row);
            } else {
                open.push_str(&row);
            }
        }
        let head = "<thead><tr><th>instrument</th><th>status</th><th>decision rule and tally</th><th>signatures</th></tr></thead>";
        format!(
            "<section><h2>Open</h2><table>{head}<tbody>{open}</tbody></table></section><section><h2>Concluded</h2><table>{head}<tbody>{closed}</tbody></table></section>"
        )
    })
}

/// `GET /calendar`: the review calendar — every norm's review and sunset dates, soonest first.
pub async fn calendar(State(app): State<AppState>) -> Html<String> {
    regime_page(&app, "Review calendar", |r, now| {
        let mut norms: Vec<_> = r.norms.values().filter(|n| n.retired.is_none()).collect();
        norms.sort_by(|a, b| (a.review_at, &a.id).cmp(&(b.review_at, &b.id)));
        let mut rows = String::new();
        for n in norms {
            let _ = write!(
                rows,
                "<tr><td class=\"nowrap\">{review}</td><td class=\"nowrap\">{sunset}</td><td><code>{id}</code> {title}</td><td>{status}</td></tr>",
                review = day(n.review_at),
                sunset = day(n.sunset_at),
                id = escape(n.id.as_str()),
                title = escape(n.current().text.title.as_str()),
                status = status(n.status(now)),
            );
        }
        format!(
            "<section><h2>Review calendar</h2><p>A norm enters review on its review date and leaves force on its sunset date unless a review renews it. Statuses at log time {now}. <a href=\"/review-calendar\">JSON</a></p><table><thead><tr><th>review</th><th>sunset</th><th>norm</th><th>status</th></tr></thead><tbody>{rows}</tbody></table></section>"
        )
    })
}
