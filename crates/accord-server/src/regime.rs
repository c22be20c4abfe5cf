//! Read endpoints of the norms regime: the catalog and its versions and diffs, norms with
//! their review and sunset dates, instruments under negotiation with their tally, regional
//! profiles and effective parameters, and the review calendar.
//!
//! Everything here is read from the published projection; statuses that depend on time (a
//! norm under review, a negotiation awaiting its decision) are evaluated at the log time of the
//! latest entry, never the server's clock, so anyone replaying the log gets the same answer.

use std::collections::BTreeMap;

use accord_domain::ids::{NormId, RegionId};
use accord_domain::norms::negotiation::{CatalogVersion, EffectiveParameter, InstrumentStatus};
use accord_domain::norms::{NormRecord, NormStatus, Regime};
use accord_domain::Timestamp;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use similar::TextDiff;

use crate::problem::PROBLEM_JSON;
use crate::shapes;
use crate::{AppState, Problem};

/// Runs `f` on the regime as published, with the log time it is evaluated at.
fn with_regime<T>(
    app: &AppState,
    f: impl FnOnce(&Regime, Timestamp) -> Result<T, Problem>,
) -> Result<T, Problem> {
    app.view(|state| {
        let regime = state
            .regime()
            .ok_or_else(|| Problem::not_found("this instance has no charter yet"))?;
        f(regime, state.last_at())
    })
}

fn norm_id(id: &str) -> Result<NormId, Problem> {
    id.parse()
        .map_err(|e| Problem::bad_request("norm-id", format!("`{id}`: {e}")))
}

/// A norm in a listing.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NormSummary {
    /// Stable id.
    pub id: String,
    /// Current title.
    pub title: String,
    /// Current version.
    pub version: u32,
    /// Status at the latest log time.
    #[schema(value_type = String)]
    pub status: NormStatus,
    /// Review date.
    #[schema(value_type = String)]
    pub review_at: Timestamp,
    /// Sunset date.
    #[schema(value_type = String)]
    pub sunset_at: Timestamp,
}

fn summary(n: &NormRecord, now: Timestamp) -> NormSummary {
    let current = n.current();
    NormSummary {
        id: n.id.to_string(),
        title: current.text.title.to_string(),
        version: current.version,
        status: n.status(now),
        review_at: n.review_at,
        sunset_at: n.sunset_at,
    }
}

/// The norms catalog: every norm ever adopted, with its status now.
#[utoipa::path(get, path = "/norms", responses((status = 200, body = [NormSummary]), (status = 404, description = "No charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn norms(State(app): State<AppState>) -> Result<Response, Problem> {
    with_regime(&app, |r, now| {
        let list: Vec<NormSummary> = r.norms.values().map(|n| summary(n, now)).collect();
        Ok(Json(list).into_response())
    })
}

/// One norm: every version, its dates and status, and the instruments about it.
#[utoipa::path(get, path = "/norms/{id}", params(("id" = String, Path, description = "Norm id")),
    responses((status = 200, body = shapes::NormView),
              (status = 400, description = "Not a norm id", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such norm, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn norm(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = norm_id(&id)?;
    with_regime(&app, |r, now| {
        let n = r
            .norms
            .get(&id)
            .ok_or_else(|| Problem::not_found(format!("no norm `{id}` in the catalog")))?;
        let instruments: Vec<_> = r
            .instruments
            .values()
            .filter(|i| i.subject_norm() == Some(&id))
            .map(|i| serde_json::json!({"id": i.id, "kind": i.kind, "status": i.status(now)}))
            .collect();
        Ok(Json(serde_json::json!({
            "norm": n,
            "status": n.status(now),
            "in_force": n.in_force(now),
            "evaluated_at": now,
            "instruments": instruments,
        }))
        .into_response())
    })
}

/// Catalog versions, oldest first (without the texts).
#[utoipa::path(get, path = "/catalog/versions", responses((status = 200, body = [shapes::CatalogVersionView], description = "Every catalog version, oldest first"), (status = 404, description = "No charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn catalog_versions(State(app): State<AppState>) -> Result<Response, Problem> {
    with_regime(&app, |r, _| Ok(Json(&r.catalog).into_response()))
}

fn catalog_version(r: &Regime, n: u32) -> Result<&CatalogVersion, Problem> {
    r.catalog.get((n as usize).wrapping_sub(1)).ok_or_else(|| {
        Problem::not_found(format!(
            "catalog version {n} does not exist; versions are 1 to {}",
            r.catalog.len()
        ))
    })
}

/// The texts of a catalog version: norm id → the version of its text it holds.
fn texts<'a>(
    r: &'a Regime,
    v: &CatalogVersion,
) -> BTreeMap<&'a NormId, &'a accord_domain::norms::NormText> {
    v.norms
        .iter()
        .filter_map(|(id, version)| {
            let n = r.norms.get_key_value(id)?;
            let text = &n.1.versions.get((*version as usize).checked_sub(1)?)?.text;
            Some((n.0, text))
        })
        .collect()
}

/// One catalog version with the full text of every norm it holds.
#[utoipa::path(get, path = "/catalog/versions/{n}", params(("n" = u32, Path, description = "Catalog version")),
    responses((status = 200, body = shapes::CatalogVersionText),
              (status = 400, description = "`n` is not a number", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such version, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn catalog_version_full(
    State(app): State<AppState>,
    Path(n): Path<u32>,
) -> Result<Response, Problem> {
    with_regime(&app, |r, _| {
        let v = catalog_version(r, n)?;
        Ok(Json(serde_json::json!({"version": v, "norms": texts(r, v)})).into_response())
    })
}

/// A catalog version as an OSCAL 1.1 catalog (norms as controls, indicators as parameters).
#[utoipa::path(get, path = "/catalog/versions/{n}/oscal", params(("n" = u32, Path, description = "Catalog version")),
    responses((status = 200, body = Object, description = "OSCAL catalog JSON"),
              (status = 400, description = "`n` is not a number", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such version, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn catalog_oscal(
    State(app): State<AppState>,
    Path(n): Path<u32>,
) -> Result<Response, Problem> {
    let origin = app.ledger.origin().to_owned();
    with_regime(&app, |r, _| {
        catalog_version(r, n)?;
        let doc = accord_domain::norms::oscal::catalog(r, n, &origin)
            .ok_or_else(|| Problem::not_found(format!("catalog version {n} does not exist")))?;
        Ok(Json(doc).into_response())
    })
}

/// Which catalog versions to compare.
#[derive(Deserialize)]
pub struct DiffQuery {
    from: u32,
    to: u32,
}

/// How one norm differs between two catalog versions.
#[derive(Serialize)]
struct NormDiff {
    id: String,
    change: &'static str,
    /// The fields that changed (title, text, rationale), each as a diff.
    fields: BTreeMap<&'static str, FieldDiff>,
}

/// A changed text, as a unified line diff and as word runs for inline display.
#[derive(Serialize)]
struct FieldDiff {
    /// Unified diff (`---`/`+++` headers, `@@` hunks) by line.
    unified: String,
    /// Runs of words: `["equal" | "delete" | "insert", text]`, in order.
    words: Vec<(&'static str, String)>,
}

fn text_diff(old: &str, new: &str, from: u32, to: u32) -> FieldDiff {
    let unified = TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("catalog v{from}"), &format!("catalog v{to}"))
        .to_string();
    let mut words: Vec<(&'static str, String)> = Vec::new();
    for change in TextDiff::from_words(old, new).iter_all_changes() {
        let tag = match change.tag() {
            similar::ChangeTag::Equal => "equal",
            similar::ChangeTag::Delete => "delete",
            similar::ChangeTag::Insert => "insert",
        };
        match words.last_mut() {
            Some((last, text)) if *last == tag => text.push_str(change.value()),
            _ => words.push((tag, change.value().to_owned())),
        }
    }
    FieldDiff { unified, words }
}

/// A text diff between two catalog versions, norm by norm (unified diff format).
#[utoipa::path(get, path = "/catalog/diff",
    params(("from" = u32, Query, description = "Older catalog version"), ("to" = u32, Query, description = "Newer catalog version")),
    responses((status = 200, body = shapes::CatalogDiff),
              (status = 400, description = "`from` or `to` missing or not a number", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such version, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn catalog_diff(
    State(app): State<AppState>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, Problem> {
    with_regime(&app, |r, _| {
        let (a, b) = (
            texts(r, catalog_version(r, q.from)?),
            texts(r, catalog_version(r, q.to)?),
        );
        let ids: std::collections::BTreeSet<&&NormId> = a.keys().chain(b.keys()).collect();
        let mut out = Vec::new();
        for id in ids {
            let (old, new) = (a.get(*id), b.get(*id));
            let change = match (old, new) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(x), Some(y)) if x == y => continue,
                _ => "changed",
            };
            let field = |f: fn(&accord_domain::norms::NormText) -> &str| {
                (old.map_or("", |t| f(t)), new.map_or("", |t| f(t)))
            };
            let mut fields = BTreeMap::new();
            for (name, (x, y)) in [
                ("title", field(|t| t.title.as_str())),
                ("text", field(|t| t.text.as_str())),
                ("rationale", field(|t| t.rationale.as_str())),
            ] {
                if x != y {
                    fields.insert(name, text_diff(x, y, q.from, q.to));
                }
            }
            out.push(NormDiff {
                id: id.to_string(),
                change,
                fields,
            });
        }
        Ok(Json(serde_json::json!({"from": q.from, "to": q.to, "norms": out})).into_response())
    })
}

/// Instruments, newest last, with their status now.
#[utoipa::path(get, path = "/instruments", responses((status = 200, body = [shapes::InstrumentSummary], description = "Every instrument, with its status now"), (status = 404, description = "No charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn instruments(State(app): State<AppState>) -> Result<Response, Problem> {
    with_regime(&app, |r, now| {
        let list: Vec<_> = r
            .instruments
            .values()
            .map(|i| {
                serde_json::json!({
                    "id": i.id, "title": i.title, "kind": i.kind, "proposer": i.proposer,
                    "status": i.status(now), "version": i.version(),
                    "comment_until": i.comment_until, "positions_until": i.positions_until,
                    "positions": i.positions.len(), "signatures": i.signatures.len(),
                })
            })
            .collect();
        Ok(Json(list).into_response())
    })
}

/// One instrument: its texts, amendments, positions by chamber, the tally under its rule
/// (provisional until decided) and signatures with reservations.
#[utoipa::path(get, path = "/instruments/{id}", params(("id" = String, Path, description = "Instrument id")),
    responses((status = 200, body = shapes::InstrumentView), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such instrument, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn instrument(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    with_regime(&app, |r, now| {
        let i = id
            .parse()
            .ok()
            .and_then(|id| r.instruments.get(&id))
            .ok_or_else(|| Problem::not_found(format!("no instrument `{id}`")))?;
        let status = i.status(now);
        let provisional = !matches!(
            status,
            InstrumentStatus::Adopted | InstrumentStatus::Rejected
        );
        Ok(Json(serde_json::json!({
            "instrument": i,
            "status": status,
            "evaluated_at": now,
            "tally": if provisional { serde_json::to_value(i.compute_decision()).ok() } else { None },
        }))
        .into_response())
    })
}

/// A region's profile (if adopted) and its effective parameters with their origin.
#[utoipa::path(get, path = "/regions/{id}/parameters", params(("id" = String, Path, description = "Region id")),
    responses((status = 200, body = shapes::RegionParameters),
              (status = 400, description = "Not a region id", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn region_parameters(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let region: RegionId = id
        .parse()
        .map_err(|e| Problem::bad_request("region-id", format!("`{id}`: {e}")))?;
    with_regime(&app, |r, _| {
        let effective: BTreeMap<_, EffectiveParameter> = r.effective_parameters(&region);
        Ok(Json(serde_json::json!({
            "region": region,
            "profile": r.profiles.get(&region),
            "bounds": r.parameters,
            "effective": effective,
        }))
        .into_response())
    })
}

/// A party's effective parameters: the baseline, overridden by its region's profile, each
/// with its origin.
#[utoipa::path(get, path = "/parties/{id}/parameters", params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::PartyParameters), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn party_parameters(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let party = crate::registered_party(state, &id)?;
        let regime = state
            .regime()
            .ok_or_else(|| Problem::not_found("this instance has no charter yet"))?;
        Ok(Json(serde_json::json!({
            "party": party.id,
            "region": party.region,
            "effective": regime.effective_parameters(&party.region),
        }))
        .into_response())
    })
}

/// The review calendar: every norm in force with its review and sunset dates, soonest first.
#[utoipa::path(get, path = "/review-calendar", responses((status = 200, body = [NormSummary]), (status = 404, description = "No charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn review_calendar(State(app): State<AppState>) -> Result<Response, Problem> {
    with_regime(&app, |r, now| {
        let mut list: Vec<NormSummary> = r
            .norms
            .values()
            .filter(|n| n.retired.is_none())
            .map(|n| summary(n, now))
            .collect();
        list.sort_by(|a, b| (a.review_at, &a.id).cmp(&(b.review_at, &b.id)));
        Ok(Json(list).into_response())
    })
}
