//! The witness over HTTP: `POST /add-checkpoint` (C2SP tlog-witness) and `GET /`, which says
//! who the witness is (name, verifier key) and the latest size it cosigned for each log.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::Witness;

/// Largest request body: a checkpoint with its signatures and 63 proof lines fit many times.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The witness's routes.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/equivocations", get(equivocations))
        .route("/latest", get(latest))
        .route("/", get(about))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(witness)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // SQLite and Ed25519: off the async workers.
    let answer = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, now)).await;
    match answer {
        Ok(answer) => (
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, answer.content_type)],
            answer.body,
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the witness failed while answering; nothing was cosigned\n",
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
struct LatestQuery {
    origin: String,
}

/// The latest checkpoint this witness cosigned for a log, as the log signed it (`?origin=`):
/// what a monitor gossips to other witnesses, so that a split view shown to two witnesses
/// meets in one of them.
async fn latest(State(witness): State<Arc<Witness>>, Query(q): Query<LatestQuery>) -> Response {
    let origin = q.origin;
    match tokio::task::spawn_blocking(move || witness.latest(&origin).map(|l| (origin, l))).await {
        Ok(Ok((_, Some(l)))) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            l.note,
        )
            .into_response(),
        Ok(Ok((origin, None))) => (
            StatusCode::NOT_FOUND,
            format!("this witness has cosigned nothing for `{origin}`\n"),
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the witness could not read its state\n",
        )
            .into_response(),
    }
}

/// Every conclusive equivocation proof the witness holds: published, so that a log that
/// showed it a split view cannot hide it.
async fn equivocations(State(witness): State<Arc<Witness>>) -> Response {
    match tokio::task::spawn_blocking(move || witness.equivocations()).await {
        Ok(Ok(found)) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string_pretty(&found).unwrap_or_default(),
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the witness could not read its state\n",
        )
            .into_response(),
    }
}

async fn about(State(witness): State<Arc<Witness>>) -> Response {
    let mut text = format!(
        "Accord witness {}\nverifier key {}\n",
        witness.name(),
        witness.verifier_key()
    );
    for origin in witness.origins() {
        match witness.latest(origin) {
            Ok(Some(l)) => text.push_str(&format!(
                "log {origin}: cosigned size {} at {}\n",
                l.size, l.cosigned_at
            )),
            Ok(None) => text.push_str(&format!("log {origin}: nothing cosigned yet\n")),
            Err(e) => text.push_str(&format!("log {origin}: {e}\n")),
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}
