//! Bearer-token authentication: `Authorization: Bearer <token>` names a party when the token's
//! SHA-256 was issued to it by a logged `party.token_issue` entry (which only the party itself
//! signs) and is neither revoked nor expired now — by the server's clock, not only by the last
//! entry's time, so a token stops working the moment it expires. Reads that need no party
//! ignore the header; reads that do answer 401 with `WWW-Authenticate: Bearer`.

use accord_envelope::PartyId;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use accord_domain::Timestamp;

use crate::{AppState, Problem};

/// The time requests are judged at: the server's clock, never before the last entry.
pub fn now(app: &AppState) -> Timestamp {
    let clock = app.ledger.clock_now();
    clock.max(app.ledger.read().state().last_at())
}

/// The party a presented token authenticates now, with the token's label.
pub fn authenticate(app: &AppState, token: &str) -> Option<(PartyId, String)> {
    let now = now(app);
    let core = app.ledger.read();
    core.state()
        .tokens()
        .authenticate(token, now)
        .map(|t| (t.party.clone(), t.label.to_string()))
}

/// Who a request authenticated as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The party.
    pub party: PartyId,
    /// The token's label.
    pub label: String,
}

/// A refused credential: answers 401 with `WWW-Authenticate: Bearer` and a problem saying why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unauthorized(&'static str);

impl Unauthorized {
    /// A 401 saying `why`.
    pub fn new(why: &'static str) -> Self {
        Unauthorized(why)
    }
}

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let mut res =
            Problem::new(StatusCode::UNAUTHORIZED, "token", "Unauthorized", self.0).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"accord\""),
        );
        res
    }
}

/// The caller, if the request carries a bearer token; `Err` (a 401) if it carries one that is
/// malformed, unknown, revoked or expired.
pub fn caller(app: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, Unauthorized> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Unauthorized(
            "send the token as `Authorization: Bearer <token>`",
        ))?;
    authenticate(app, token)
        .map(|(party, label)| Some(Caller { party, label }))
        .ok_or(Unauthorized(
            "the token is not valid: unknown, revoked or expired; issue a new one with `accord token issue`",
        ))
}

/// Who the bearer token authenticates as.
#[utoipa::path(get, path = "/whoami", responses((status = 200, body = Object), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn whoami(State(app): State<AppState>, headers: HeaderMap) -> Response {
    match caller(&app, &headers) {
        Ok(Some(c)) => {
            Json(serde_json::json!({"party": c.party, "token": c.label})).into_response()
        }
        Ok(None) => {
            Unauthorized("this endpoint needs `Authorization: Bearer <token>`").into_response()
        }
        Err(e) => e.into_response(),
    }
}
