//! The log explorer: the signed checkpoint, entries by index or leaf hash, and for each entry
//! a check that runs in the reader's own browser (`/assets/verify.js`, WebCrypto only): the
//! checkpoint's Ed25519 signature against the verifier key the reader trusts, the entry's
//! bytes from its tlog-tiles entry bundle, and its RFC 9162 inclusion proof up to the signed
//! root. The server's word is not needed for any of it.

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::escape;
use super::table::{export, Cell, Table};
use crate::{decode_entry, AppState};

/// Entries per page of the explorer.
const PAGE: u64 = 50;

/// The verifier script, served as a static asset.
pub async fn verify_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../assets/verify.js"),
    )
        .into_response()
}

/// Query of `/log`.
#[derive(Deserialize)]
pub struct LogQuery {
    /// Show entries before this index.
    before: Option<u64>,
    /// Go to this entry.
    entry: Option<String>,
    /// Go to the entry with this leaf hash (hex).
    leaf_hash: Option<String>,
    /// `csv` or `json`, with `table`.
    format: Option<String>,
    /// The table to export.
    table: Option<String>,
}

/// `GET /log`: the checkpoint and the latest entries; `?entry=` or `?leaf_hash=` jump to one.
pub async fn index(State(app): State<AppState>, uri: Uri, Query(q): Query<LogQuery>) -> Response {
    if let Some(e) = q.entry.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        return match e.parse::<u64>() {
            Ok(i) => Redirect::to(&format!("/log/{i}")).into_response(),
            Err(_) => not_found(
                &app,
                &format!("`{e}` is not an entry index (a whole number)"),
            ),
        };
    }
    if let Some(h) = q
        .leaf_hash
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        let found = hex::decode(h)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|hash| app.store.index_of_leaf(&hash).ok().flatten());
        return match found {
            Some(i) => Redirect::to(&format!("/log/{i}")).into_response(),
            None => not_found(&app, &format!("no entry has the leaf hash `{h}`")),
        };
    }
    let (size, note) = published(&app);
    let end = q.before.unwrap_or(size).min(size);
    let start = end.saturating_sub(PAGE);
    let mut table = Table::new(
        "entries",
        format!("Entries {start} to {}, newest first", end.saturating_sub(1)),
        &["#", "sequenced at", "type", "signer", "leaf hash"],
    );
    if let Ok(entries) = app.store.entries(start, end) {
        for e in entries.iter().rev() {
            if let Some(entry) = decode_entry(&e.data) {
                table.row(vec![
                    Cell::link(e.index.to_string(), format!("/log/{}", e.index)),
                    entry.sequenced_at.to_string().into(),
                    entry.envelope.entry_type.clone().into(),
                    entry.envelope.signer.party.to_string().into(),
                    hex::encode(e.leaf_hash).into(),
                ]);
            }
        }
    }
    if let Some(res) = export(
        &super::Frame::default(),
        &[&table],
        q.format.as_deref(),
        q.table.as_deref(),
    ) {
        return res;
    }
    let rows = table.render(&uri).into_string();
    let older = if start > 0 {
        format!("<p><a href=\"/log?before={start}\">Older entries</a></p>")
    } else {
        String::new()
    };
    let body = format!(
        r#"<section><h2>Signed checkpoint</h2><p>The log holds {size} entries. This is the checkpoint the instance signed last; each entry page checks, in your browser, that the entry is under it.</p><pre>{note}</pre>
<p>Verifier key: <code>{vkey}</code> — compare it with the key the secretariat published. <a href="/log/checkpoints">Check that the log only grew</a>.</p></section>
<section><h2>Find an entry</h2><form method="get" action="/log" class="inline">
<label for="entry">Entry index</label> <input id="entry" name="entry" inputmode="numeric" size="10">
<label for="leaf_hash">or leaf hash (hex)</label> <input id="leaf_hash" name="leaf_hash" size="40">
<button type="submit">Open</button></form></section>
<section><h2>Entries</h2>{rows}{older}</section>"#,
        note = escape(&note),
        vkey = escape(&app.ledger.verifier_key()),
    );
    framed(&app, "Log explorer", body)
}

/// `GET /log/{index}`: one entry, its payload, and the in-browser check.
pub async fn entry(State(app): State<AppState>, Path(index): Path<String>) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return not_found(&app, &format!("`{index}` is not an entry index"));
    };
    let (size, _) = published(&app);
    if index >= size {
        return not_found(
            &app,
            &format!("the signed log has {size} entries; entry {index} is not in it (yet)"),
        );
    }
    let Some((stored, entry)) = app
        .store
        .entry(index)
        .ok()
        .flatten()
        .and_then(|s| decode_entry(&s.data).map(|e| (s, e)))
    else {
        return not_found(&app, &format!("entry {index} cannot be read"));
    };
    let payload = serde_json::to_string_pretty(&entry.envelope.payload).unwrap_or_default();
    let nav = {
        let mut n = String::new();
        if index > 0 {
            let _ = write!(
                n,
                "<a href=\"/log/{}\" rel=\"prev\">Entry {}</a> · ",
                index - 1,
                index - 1
            );
        }
        if index + 1 < size {
            let _ = write!(
                n,
                "<a href=\"/log/{}\" rel=\"next\">Entry {}</a> · ",
                index + 1,
                index + 1
            );
        }
        n.push_str("<a href=\"/log\">All entries</a>");
        n
    };
    let body = format!(
        r#"<p>{nav}</p>
<section><h2>Check it yourself</h2><p>Your browser fetches the signed checkpoint, this entry's bytes from the public entry bundle and an inclusion proof, and checks the Ed25519 signature and the path to the signed root with its own WebCrypto. Paste the verifier key the secretariat published if it differs.</p>
<form data-verify data-index="{index}"><label for="vkey">Verifier key</label> <input id="vkey" name="vkey" size="70" value="{vkey}" spellcheck="false">{witness_fields} <button type="submit">Verify again</button>
<p><output id="verdict" for="vkey" aria-live="polite">Verification needs JavaScript; or run <code>accord verify --url</code>.</output></p></form></section>
<section><h2>Entry {index}</h2><table><tbody>
<tr><th scope="row">type</th><td><code>{ty}</code> (schema {schema})</td></tr>
<tr><th scope="row">signer</th><td>{who} (key <code>{key}</code>)</td></tr>
<tr><th scope="row">sequenced at</th><td>{at}</td></tr>
<tr><th scope="row">leaf hash</th><td><code>{leaf}</code></td></tr>
<tr><th scope="row">machine-readable</th><td><a href="/entries/{index}">/entries/{index}</a> · <a href="/proof/inclusion?index={index}">inclusion proof</a></td></tr>
</tbody></table><h3>Payload</h3><pre>{payload}</pre></section>
<script type="module" src="/assets/verify.js"></script>"#,
        vkey = escape(&app.ledger.verifier_key()),
        witness_fields = witness_fields(&app),
        ty = escape(&entry.envelope.entry_type),
        schema = entry.envelope.schema,
        who = escape(entry.envelope.signer.party.as_str()),
        key = escape(&entry.envelope.signer.key.to_string()),
        at = entry.sequenced_at,
        leaf = hex::encode(stored.leaf_hash),
        payload = escape(&payload),
    );
    framed(&app, &format!("Log entry {index}"), body)
}

/// Query of `/log/checkpoints`.
#[derive(Deserialize)]
pub struct CheckpointsQuery {
    /// List checkpoints after this tree size.
    after: Option<u64>,
    /// The older checkpoint to check against the latest.
    old: Option<u64>,
    /// `csv` or `json`, with `table`.
    format: Option<String>,
    /// The table to export.
    table: Option<String>,
}

/// `GET /log/checkpoints`: recorded checkpoints, and a check in the reader's browser that the
/// latest extends an older one (both signatures and the RFC 9162 consistency proof).
pub async fn checkpoints(
    State(app): State<AppState>,
    uri: Uri,
    Query(q): Query<CheckpointsQuery>,
) -> Response {
    let (size, _) = published(&app);
    let after = q.after.unwrap_or(0);
    let list = app
        .store
        .checkpoints_after(after, PAGE as usize)
        .unwrap_or_default();
    let old = q
        .old
        .or_else(|| list.first().map(|c| c.tree_size))
        .unwrap_or(1)
        .min(size.max(1));
    let mut table = Table::new(
        "checkpoints",
        format!("Checkpoints after tree size {after}, with the state digest at each"),
        &["tree size", "root (base64)", "state digest", "consistency"],
    );
    for c in &list {
        table.row(vec![
            c.tree_size.to_string().into(),
            c.note.lines().nth(2).unwrap_or("").into(),
            hex::encode(c.state_digest).into(),
            Cell::link(
                "check against the latest",
                format!("/log/checkpoints?after={after}&old={}", c.tree_size),
            ),
        ]);
    }
    let witnessing = app.witnessing.as_ref().map(|w| w.view(size));
    let mut witnesses = Table::new(
        "witnesses",
        match &witnessing {
            Some(v) => format!(
                "Witnesses this instance asks: a checkpoint needs {} of {}; witnessed size {} of {}",
                v.quorum,
                v.witnesses.len(),
                v.witnessed_size,
                v.published_size
            ),
            None => "Witnesses: this instance asks none".to_owned(),
        },
        &["witness", "cosigned size", "lag (entries)", "last error"],
    );
    for w in witnessing.iter().flat_map(|v| &v.witnesses) {
        witnesses.row(vec![
            w.status.name.clone().into(),
            w.status.cosigned_size.to_string().into(),
            w.lag.to_string().into(),
            w.status.last_error.clone().unwrap_or_default().into(),
        ]);
    }
    if let Some(res) = export(
        &super::Frame::default(),
        &[&table, &witnesses],
        q.format.as_deref(),
        q.table.as_deref(),
    ) {
        return res;
    }
    let rows = table.render(&uri).into_string();
    let witness_rows = witnesses.render(&uri).into_string();
    let next = list
        .last()
        .filter(|_| list.len() == PAGE as usize)
        .map(|c| {
            format!(
                "<p><a href=\"/log/checkpoints?after={}\">Later checkpoints</a></p>",
                c.tree_size
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"<section><h2>Is the log append-only?</h2><p>Your browser fetches the signed checkpoint of the older size and the latest one, checks both Ed25519 signatures against the verifier key and checks the RFC 9162 consistency proof between their roots: if it holds, nothing logged before the older checkpoint was changed or removed.</p>
<form data-consistency data-latest="{size}"><label for="old">Older tree size</label> <input id="old" name="old" inputmode="numeric" size="10" value="{old}"> <label for="vkey">Verifier key</label> <input id="vkey" name="vkey" size="60" value="{vkey}" spellcheck="false"> <button type="submit">Verify</button>
<p><output id="verdict" aria-live="polite">Verification needs JavaScript; or run <code>accord verify --url</code>.</output></p></form></section>
<section><h2>Witnesses</h2><p>Independent witnesses cosign a checkpoint only if it is consistent with every checkpoint of this log they cosigned before, so this instance cannot show different logs to different readers without it showing (<a href="/witnesses">JSON</a>; <code>accord verify --url … --witness KEY --quorum K</code>).</p>{witness_rows}</section>
<section><h2>Recorded checkpoints</h2>{rows}{next}</section>
<script type="module" src="/assets/verify.js"></script>"#,
        vkey = escape(&app.ledger.verifier_key()),
    );
    framed(&app, "Checkpoints", body)
}

/// A page of the explorer in the dashboard's frame (checkpoint, navigation).
fn framed(app: &AppState, title: &str, body: String) -> Response {
    let frame = app.view_core(|core| super::Frame::of(app, core, None));
    super::respond(&frame, super::page(&frame, title, maud::PreEscaped(body)))
}

fn published(app: &AppState) -> (u64, String) {
    app.view_core(|core| match core.published() {
        Some(p) => (p.checkpoint.size, p.note.clone()),
        None => (0, String::new()),
    })
}

fn not_found(app: &AppState, why: &str) -> Response {
    let body = format!(
        "<section><h2>Not found</h2><p>{}</p><p><a href=\"/log\">Back to the log</a></p></section>",
        escape(why)
    );
    let mut res = framed(app, "Not found", body);
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

/// The witness policy fields of the entry verifier, prefilled with the witnesses this instance
/// asks and its quorum (the reader's to change); nothing when it asks none.
fn witness_fields(app: &AppState) -> String {
    let Some(view) = app.witnessing.as_ref().map(|w| w.view(0)) else {
        return String::new();
    };
    let keys: Vec<String> = view
        .witnesses
        .iter()
        .map(|w| escape(&w.status.vkey))
        .collect();
    format!(
        r#"<br><label for="witnesses">Witness keys, one per line (prefilled with the witnesses this instance names: put the ones you trust instead)</label><br><textarea id="witnesses" name="witnesses" rows="{rows}" cols="90" spellcheck="false">{keys}</textarea><br><label for="quorum">Cosignatures required</label> <input id="quorum" name="quorum" inputmode="numeric" size="3" value="{quorum}">"#,
        rows = keys.len().max(1),
        keys = keys.join("\n"),
        quorum = view.quorum,
    )
}
