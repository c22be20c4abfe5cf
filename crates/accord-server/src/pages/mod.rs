//! The overview page: what the instance is, who is in it, what was logged last, and the
//! checkpoint every number on the page was read at. (The full dashboard grows on this.)

pub mod log;
pub mod regime;

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;

use crate::{decode_entry, AppState};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: header with the instance, its origin and the log size the page was read at,
/// navigation, and `body` (already escaped HTML).
pub fn layout(title: &str, origin: &str, size: u64, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} — Accord</title>
<style>
body{{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}}
header{{background:#12324f;color:#fff;padding:1rem 2rem}} header h1{{margin:0;font-size:1.4rem}}
header nav a{{color:#cfe3ff;margin-right:1rem}}
main{{padding:1rem 2rem;max-width:72rem}} section{{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:1rem;margin:1rem 0}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #eceff3;vertical-align:top}}
pre{{background:#f0f2f5;padding:.6rem;overflow:auto}} a{{color:#0b5cad}}
ins{{background:#d7f5dd;text-decoration:none}} del{{background:#fbd9d9}}
.status{{font-size:.85rem;padding:.1rem .4rem;border-radius:4px;background:#eceff3;white-space:nowrap}} .nowrap{{white-space:nowrap}}
.status.in_force,.status.adopted{{background:#d7f5dd}} .status.under_review,.status.positions,.status.comment_period{{background:#fff1c2}}
.status.sunset,.status.retired,.status.rejected{{background:#fbd9d9}}
output{{display:block;padding:.5rem .7rem;border-radius:6px;background:#eceff3}} output.verified{{background:#d7f5dd;color:#0d4a1c}} output.failed{{background:#fbd9d9;color:#7a0b0b;font-weight:600}}
form.inline input{{margin-right:.8rem}} label{{font-weight:600}}
@media print{{header nav{{display:none}} body{{background:#fff}}}}
</style></head><body>
<header><h1>{title}</h1><div>log origin <code>{origin}</code> · read at tree size {size}</div>
<nav><a href="/">Overview</a><a href="/catalog">Norms catalog</a><a href="/negotiations">Negotiations</a><a href="/calendar">Review calendar</a><a href="/overdue">Overdue</a><a href="/log">Log</a></nav></header>
<main>
{body}
</main></body></html>"#,
        title = escape(title),
        origin = escape(origin),
    )
}

/// `GET /`: the overview.
pub async fn overview(State(app): State<AppState>) -> Html<String> {
    let mut html = String::new();
    let (name, origin, size, note, parties, recent_from) = {
        let core = app.ledger.read();
        let state = core.state();
        let name = state
            .instance()
            .map(|i| i.display_name.to_string())
            .unwrap_or_else(|| "Accord".into());
        let size = core.published().map_or(0, |p| p.checkpoint.size);
        let note = core.published().map(|p| p.note.clone()).unwrap_or_default();
        let mut rows = String::new();
        for p in state.parties().values() {
            let r = p.reachability;
            let answered = r.on_time + r.late;
            let rate = if r.addressed == 0 {
                "—".to_owned()
            } else {
                format!(
                    "{:.0}%",
                    100.0 * f64::from(r.on_time) / f64::from(r.addressed)
                )
            };
            let _ = write!(
                rows,
                "<tr><td><a href=\"/parties/{id}\">{id}</a></td><td>{name}</td><td>{kind}</td><td>{region}</td><td>{keys}</td><td>{answered}/{addressed}</td><td>{rate}</td></tr>",
                id = escape(p.id.as_str()),
                name = escape(p.display_name.as_str()),
                kind = p.kind.as_str(),
                region = escape(p.region.as_str()),
                keys = p.keys.len(),
                addressed = r.addressed,
            );
        }
        (
            name,
            ledger_origin(&app),
            size,
            note,
            rows,
            size.saturating_sub(15),
        )
    };
    let mut recent = String::new();
    if let Ok(entries) = app.store.entries(recent_from, size) {
        for e in entries.iter().rev() {
            if let Some(entry) = decode_entry(&e.data) {
                let _ = write!(
                    recent,
                    "<tr><td><a href=\"/entries/{i}\">{i}</a></td><td>{at}</td><td><code>{ty}</code></td><td>{who}</td></tr>",
                    i = e.index,
                    at = entry.sequenced_at,
                    ty = escape(&entry.envelope.entry_type),
                    who = escape(entry.envelope.signer.party.as_str()),
                );
            }
        }
    }
    let body = format!(
        r#"<section><h2>Checkpoint</h2><p>Every number on this page was read at this signed checkpoint. Check it yourself with <code>accord verify --url</code>.</p><pre>{note}</pre></section>
<section><h2>Parties</h2><table><thead><tr><th>id</th><th>name</th><th>kind</th><th>region</th><th>keys</th><th>checks answered</th><th>on time</th></tr></thead><tbody>{parties}</tbody></table></section>
<section><h2>Recent entries</h2><table><thead><tr><th>#</th><th>sequenced at</th><th>type</th><th>signer</th></tr></thead><tbody>{recent}</tbody></table></section>
<section><h2>For machines</h2><p><a href="/checkpoint">/checkpoint</a> · <a href="/verifier-key">/verifier-key</a> · <a href="/openapi.json">/openapi.json</a> · <a href="/schemas">/schemas</a> · <a href="/metrics">/metrics</a> · <a href="/parties">/parties</a></p></section>"#,
        note = escape(&note),
    );
    html.push_str(&layout(&name, &origin, size, &body));
    Html(html)
}

fn ledger_origin(app: &AppState) -> String {
    app.ledger.origin().to_owned()
}
