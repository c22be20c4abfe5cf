//! Portable certifications over HTTP: the credentials issued (W3C Verifiable Credentials 2.0,
//! downloadable as `application/vc`), the draft a council signs to issue one, the instance's
//! Bitstring Status Lists, and each credential's verification as `accord credential verify`
//! reports it. Issuing is an ordinary signed entry (`credential.issue`, `POST /entries`).

use accord_domain::certification::{self, Log};
use accord_domain::credentials;
use accord_domain::ids::{AuditId, SchemeId};
use accord_domain::State;
use accord_vc::verify::Report;
use axum::extract::{Path, Query, State as AxState};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::problem::PROBLEM_JSON;
use crate::{AppState, Problem};

/// The media type of a W3C Verifiable Credential (VC Data Model 2.0, §6.1).
pub const VC_MEDIA_TYPE: &str = "application/vc";

fn vc_response(document: Value) -> Response {
    ([(header::CONTENT_TYPE, VC_MEDIA_TYPE)], Json(document)).into_response()
}

/// One credential as listed: what it certifies and its status now.
fn summary(state: &State, c: &credentials::CredentialRecord) -> Value {
    let origin = state
        .instance()
        .map(|i| i.origin.as_str())
        .unwrap_or_default();
    let status = state.credential_status(c.number, state.last_at());
    json!({
        "number": c.number,
        "id": credentials::credential_url(origin, c.number),
        "scheme": c.scheme,
        "issuer": c.issuer,
        "holder": c.holder,
        "audit": c.audit,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "entry": c.entry.index,
        "status": status,
    })
}

/// Every credential issued, with its status at the last entry's time.
#[utoipa::path(get, path = "/credentials",
    responses((status = 200, body = Object, description = "`credentials`: number, id, scheme, issuer, holder, audit, validity, issuing entry and status (`state`: valid, suspended, revoked or expired, with causes)")))]
pub async fn list(AxState(app): AxState<AppState>) -> Response {
    app.view(|state| {
        let all: Vec<Value> = state
            .credentials()
            .all()
            .iter()
            .map(|c| summary(state, c))
            .collect();
        Json(json!({"evaluated_at": state.last_at(), "credentials": all})).into_response()
    })
}

/// What a draft is asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DraftQuery {
    /// The scheme.
    scheme: String,
    /// The audit the credential rests on.
    audit: String,
}

/// The unsigned credential the log supports now under `scheme` from `audit`: what the scheme's
/// council signs (Data Integrity `eddsa-rdfc-2022`, created at `valid_from`) and logs as a
/// `credential.issue` entry; admission rebuilds it and refuses any difference.
#[utoipa::path(get, path = "/credentials/draft", params(DraftQuery),
    responses((status = 200, body = Object, description = "`credential` (unsigned) and `sign_at`, the proof's `created`"),
              (status = 400, description = "A malformed scheme or audit id", body = Problem, content_type = PROBLEM_JSON),
              (status = 409, description = "The log does not support a credential: the rule and why", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn draft(
    AxState(app): AxState<AppState>,
    Query(q): Query<DraftQuery>,
) -> Result<Response, Problem> {
    let scheme: SchemeId = q
        .scheme
        .parse()
        .map_err(|e| Problem::bad_request("scheme", format!("`scheme`: {e}")))?;
    let audit: AuditId = q
        .audit
        .parse()
        .map_err(|e| Problem::bad_request("audit", format!("`audit`: {e}")))?;
    let now = app.ledger.clock_now();
    app.view(|state| {
        let (credential, at) =
            certification::draft(state, &scheme, &audit, now.max(state.last_at()))?;
        Ok(Json(json!({
            "credential": credential,
            "sign_at": credentials::rfc3339(at),
            "entry_type": accord_domain::payload::CREDENTIAL_ISSUE,
        }))
        .into_response())
    })
}

/// A past log time to evaluate at.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AtQuery {
    /// RFC 3339 log time, at most the last entry's (default: the last entry's).
    at: Option<String>,
}

/// The instance's Bitstring Status List credential of `purpose` (`suspension` or
/// `revocation`) as the log stands (or as of a past log time, `?at=`), signed with the
/// instance key; anyone recomputes it from the log.
#[utoipa::path(get, path = "/credentials/status/{purpose}",
    params(("purpose" = String, Path, description = "`suspension` or `revocation`"), AtQuery),
    responses((status = 200, body = Object, content_type = "application/vc", description = "A BitstringStatusListCredential"),
              (status = 400, description = "`at` is not a time, or is after the last entry", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such status purpose", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn status_list(
    AxState(app): AxState<AppState>,
    Path(purpose): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Response, Problem> {
    let at =
        q.at.as_deref()
            .map(|t| {
                accord_domain::Timestamp::from_rfc3339(t).ok_or_else(|| {
                    Problem::bad_request("at", format!("`at`: `{t}` is not an RFC 3339 time"))
                })
            })
            .transpose()?;
    app.view(|state| {
        if let Some(t) = at {
            if t > state.last_at() {
                return Err(Problem::bad_request(
                    "at",
                    format!(
                        "`at` {t} is after the log's last entry ({}); the log says nothing of it yet",
                        state.last_at()
                    ),
                ));
            }
        }
        app.ledger
            .status_list_of(state, &purpose, at)
            .map(vc_response)
            .ok_or_else(|| {
                Problem::not_found(format!(
                    "no status list `{purpose}`: the lists are {}",
                    credentials::PURPOSES.join(" and ")
                ))
            })
    })
}

fn number_of(number: &str) -> Result<u64, Problem> {
    number.parse().map_err(|_| {
        Problem::not_found(format!(
            "no credential `{number}`: credentials are numbered 0, 1, 2, …"
        ))
    })
}

/// One credential, signed, as issued (VC Data Model 2.0 with its Data Integrity proof).
#[utoipa::path(get, path = "/credentials/{number}",
    params(("number" = String, Path, description = "The credential's number (its status list index)")),
    responses((status = 200, body = Object, content_type = "application/vc"),
              (status = 404, description = "No such credential", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn credential(
    AxState(app): AxState<AppState>,
    Path(number): Path<String>,
) -> Result<Response, Problem> {
    let n = number_of(&number)?;
    app.view(|state| {
        state
            .credentials()
            .get(n)
            .map(|c| vc_response(c.credential.clone()))
            .ok_or_else(|| Problem::not_found(format!("no credential {n}")))
    })
}

/// Every check of `credential` as this instance makes it at the last entry's time: shape,
/// proof, issuer key, validity, each status list (this instance's, signed), and whether it
/// was issued in this log.
pub fn verification(app: &AppState, state: &State, credential: &Value) -> Report {
    let origin = state
        .instance()
        .map(|i| i.origin.clone())
        .unwrap_or_default();
    let source = |url: &str| {
        credentials::PURPOSES
            .iter()
            .find(|p| credentials::status_list_url(&origin, p) == url)
            .and_then(|p| app.ledger.status_list_of(state, p, None))
            .ok_or_else(|| "not a status list of this instance".to_owned())
    };
    let now = certification::as_datetime(state.last_at());
    let (mut report, _) = accord_vc::verify::verify(credential, now, Some(&source));
    certification::provenance(
        &[Log {
            origin: &origin,
            state,
            own: true,
            recognition: None,
        }],
        credential,
        state.last_at(),
    )
    .add_to(&mut report);
    report
}

/// Every check of one credential, as its page shows them.
#[utoipa::path(get, path = "/credentials/{number}/verification",
    params(("number" = String, Path, description = "The credential's number")),
    responses((status = 200, body = Object, description = "`verified` and each check: name, outcome (pass, fail, unknown), detail"),
              (status = 404, description = "No such credential", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn verify(
    AxState(app): AxState<AppState>,
    Path(number): Path<String>,
) -> Result<Response, Problem> {
    let n = number_of(&number)?;
    app.view(|state| {
        let c = state
            .credentials()
            .get(n)
            .ok_or_else(|| Problem::not_found(format!("no credential {n}")))?;
        let report = verification(&app, state, &c.credential);
        Ok(Json(json!({
            "number": n,
            "evaluated_at": state.last_at(),
            "verified": report.verified(),
            "checks": report.checks,
        }))
        .into_response())
    })
}
