//! Confidence-building measures over HTTP: bilateral exchanges on the escalation ladder
//! (information request → clarification → consultation → case), each rung with its deadline
//! and outcome.

use accord_domain::cbm::ExchangeRecord;
use accord_domain::ids::ExchangeId;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::enforcement::DocketQuery;
use crate::problem::PROBLEM_JSON;
use crate::shapes;
use crate::{AppState, Problem};

fn view(x: &ExchangeRecord, now: accord_domain::Timestamp) -> Value {
    let current = x.current();
    json!({
        "exchange": x,
        "rung": current.rung,
        "outcome": current.outcome(now),
        "due": current.due,
        "open": x.closed.is_none(),
        "rungs": x.rungs.iter().map(|r| json!({"rung": r.rung, "outcome": r.outcome(now)})).collect::<Vec<_>>(),
    })
}

/// Bilateral exchanges with where each stands on the ladder (`?party=` filters to a party's).
#[utoipa::path(get, path = "/exchanges",
    params(("party" = Option<String>, Query, description = "Only exchanges this party asked or was asked in")),
    responses((status = 200, body = shapes::Exchanges)))]
pub async fn exchanges(State(app): State<AppState>, Query(q): Query<DocketQuery>) -> Response {
    app.view(|state| {
        let now = state.last_at();
        let list: Vec<Value> = state
            .exchanges()
            .all()
            .filter(|x| {
                q.party()
                    .is_none_or(|p| x.requester.as_str() == p || x.counterpart.as_str() == p)
            })
            .map(|x| view(x, now))
            .collect();
        Json(json!({"evaluated_at": now, "exchanges": list})).into_response()
    })
}

/// One exchange: every rung with its deadline, answer and outcome.
#[utoipa::path(get, path = "/exchanges/{id}",
    params(("id" = String, Path, description = "Exchange id")),
    responses((status = 200, body = shapes::ExchangeView), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such exchange", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn exchange(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let x = id
            .parse::<ExchangeId>()
            .ok()
            .and_then(|id| state.exchanges().get(&id))
            .ok_or_else(|| Problem::not_found(format!("no exchange `{id}`")))?;
        Ok(Json(view(x, state.last_at())).into_response())
    })
}
