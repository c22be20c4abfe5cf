//! Read endpoints for commitments, reports and indicators: what a party committed to (with the
//! parameters in effect), its incident notifications with their deadlines, the overdue items
//! of every party, and indicator values with their explain view.

use accord_domain::indicators::Period;
use accord_domain::Timestamp;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::problem::PROBLEM_JSON;
use crate::shapes;
use crate::{AppState, Problem};

/// A party's commitments: each with its history, whether it counts now, and the parameters
/// in effect under it (baseline, region, the party's own).
#[utoipa::path(get, path = "/parties/{id}/commitments", params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::PartyCommitments), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn commitments(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let party = crate::registered_party(state, &id)?;
        let id = party.id.clone();
        let regime = state
            .regime()
            .ok_or_else(|| Problem::not_found("this instance has no charter yet"))?;
        let now = state.last_at();
        let list: Vec<_> = state
            .commitments()
            .of(&id)
            .into_iter()
            .flat_map(|m| m.values())
            .map(|c| {
                serde_json::json!({
                    "commitment": c,
                    "counts": c.counts(regime, now),
                    "parameters": state.commitments().effective_parameters(regime, party, &c.norm),
                })
            })
            .collect();
        Ok(
            Json(serde_json::json!({"party": id, "evaluated_at": now, "commitments": list}))
                .into_response(),
        )
    })
}

/// A party's incident notifications with every stage's deadline and outcome now.
#[utoipa::path(get, path = "/parties/{id}/incidents", params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::PartyIncidents), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn incidents(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let id = crate::registered_party(state, &id)?.id.clone();
        let now = state.last_at();
        let list: Vec<_> = state
            .incidents()
            .of(&id)
            .into_iter()
            .flat_map(|m| m.values())
            .map(|i| staged(i, now))
            .collect();
        Ok(
            Json(serde_json::json!({"party": id, "evaluated_at": now, "incidents": list}))
                .into_response(),
        )
    })
}

/// An incident with each stage's outcome at `now`.
fn staged(
    i: &accord_domain::reports::incident::IncidentRecord,
    now: accord_domain::Timestamp,
) -> serde_json::Value {
    let outcomes: std::collections::BTreeMap<_, _> = i
        .stages
        .iter()
        .map(|(s, r)| (s.as_str(), r.outcome(now)))
        .collect();
    serde_json::json!({"incident": i, "outcomes": outcomes})
}

/// The incident notifications that name a party as affected, with every stage's deadline and
/// outcome now: what the party has been told, and what it is still owed.
#[utoipa::path(get, path = "/parties/{id}/notifications", params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::PartyNotifications), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn notifications(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let id = crate::registered_party(state, &id)?.id.clone();
        let now = state.last_at();
        let list: Vec<_> = state
            .incidents()
            .affecting(&id)
            .map(|i| staged(i, now))
            .collect();
        Ok(
            Json(serde_json::json!({"party": id, "evaluated_at": now, "notifications": list}))
                .into_response(),
        )
    })
}

/// Every overdue item of every party at the latest log time: deadlines passed, nothing filed.
/// A browser (`Accept: text/html`) gets the same list as a page.
/// (The page's table export, `?format=csv|json&table=overdue`, is the dashboard's, as on every
/// page: docs/dashboard.md.)
#[utoipa::path(get, path = "/overdue",
    responses((status = 200, description = "`{evaluated_at, overdue}`; the page to a browser (`Accept: text/html` first)",
        content((shapes::Overdue = "application/json"), (String = "text/html; charset=utf-8")))))]
pub async fn overdue(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<crate::pages::regime::ExportQuery>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.trim().starts_with("text/html"))
        });
    app.view_core(|core| {
        let state = core.state();
        let now = state.last_at();
        let items = overdue_items(state, now);
        if wants_html || q.format.is_some() {
            use crate::pages::table::{Cell, Table};
            let mut t = Table::new(
                "overdue",
                "Items past their deadline with nothing filed, oldest first",
                &["due", "party", "kind", "item"],
            );
            for i in &items {
                let party = i["party"].as_str().unwrap_or("");
                t.row(vec![
                    i["due"]
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(16)
                        .collect::<String>()
                        .replace('T', " ")
                        .into(),
                    Cell::link(party, format!("/party/{party}")),
                    i["kind"].as_str().unwrap_or("").replace('_', " ").into(),
                    i["item"].as_str().unwrap_or("").into(),
                ]);
            }
            if let Some(res) = crate::pages::table::export(
                &crate::pages::Frame::default(),
                &[&t],
                q.format.as_deref(),
                q.table.as_deref(),
            ) {
                return res;
            }
            let frame = crate::pages::Frame::of(&app, core, None);
            let body = maud::html! {
                section {
                    h2 { "Overdue" }
                    p { (items.len()) " items are past their deadline with nothing filed, at log time " (now) ". Deadlines come from each party's effective parameters; see " a href="/overdue" { "the JSON" } " and each party's indicators for the explain view." }
                    (t.render(&uri))
                }
            };
            return crate::pages::respond(&frame, crate::pages::page(&frame, "Overdue", body));
        }
        Json(serde_json::json!({"evaluated_at": now, "overdue": items})).into_response()
    })
}

/// Every overdue item at `now`, as the API and the pages show it (the domain decides what is
/// overdue: [`accord_domain::reports::overdue`]).
pub fn overdue_items(state: &accord_domain::State, now: Timestamp) -> Vec<serde_json::Value> {
    state
        .overdue(None, now)
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// The period of an indicator query.
#[derive(Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    norm: Option<String>,
}

/// An indicator for a party and period, with its explain view: value, formula, breakdown and
/// every entry it came from. The period defaults to the calendar year of the latest log time.
#[utoipa::path(get, path = "/parties/{id}/indicators/{indicator}",
    params(("id" = String, Path, description = "Party id"),
           ("indicator" = String, Path, description = "Indicator id, e.g. `incident_notification_timeliness`"),
           ("from" = Option<String>, Query, description = "Period start (UTC timestamp)"),
           ("to" = Option<String>, Query, description = "Period end, excluded (UTC timestamp)"),
           ("norm" = Option<String>, Query, description = "Norm id, for per-norm indicators (`adherence`, `self_assessment_gap`)")),
    responses((status = 200, body = shapes::IndicatorExplanation),
              (status = 400, description = "An unknown indicator, a bad period or norm id, or a path that does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn indicator(
    State(app): State<AppState>,
    Path((id, indicator)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let id = crate::registered_party(state, &id)?.id.clone();
        let now = state.last_at();
        let parse =
            |name: &str, v: &Option<String>, default: Timestamp| -> Result<Timestamp, Problem> {
                match v {
                    None => Ok(default),
                    Some(s) => s
                        .parse()
                        .map_err(|e| Problem::bad_request("period", format!("`{name}`: {e}"))),
                }
            };
        let year_start: Timestamp = format!("{}-01-01T00:00:00.000Z", &now.to_string()[..4])
            .parse()
            .unwrap_or(now);
        let from = parse("from", &q.from, year_start)?;
        let to = parse("to", &q.to, year_start.plus_months(12))?;
        if to <= from {
            return Err(Problem::bad_request(
                "period",
                format!("the period must end after it starts: {from} .. {to}"),
            ));
        }
        let period = Period { from, to };
        let norm = match &q.norm {
            Some(n) => Some(
                n.parse::<accord_domain::ids::NormId>()
                    .map_err(|e| Problem::bad_request("norm-id", format!("`{n}`: {e}")))?,
            ),
            None => None,
        };
        let e =
            accord_domain::indicators::explain(state, &id, &indicator, norm.as_ref(), period, now)
                .map_err(|detail| Problem::bad_request("indicator", detail))?;
        Ok(Json(e).into_response())
    })
}
