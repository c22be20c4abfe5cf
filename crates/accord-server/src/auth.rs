//! Who is asking: the one place a request's credential is read and judged.
//!
//! A credential is a party's token, sent as `Authorization: Bearer <token>` or as HTTP Basic
//! (`party:token`, what TAXII clients send). It names a party when the token's SHA-256 was
//! issued to it by a logged `party.token_issue` entry (which only the party itself signs) and
//! is neither revoked nor expired now — by the server's clock, not only by the last entry's
//! time, so a token stops working the moment it expires. The dashboard's session cookie
//! ([`crate::pages::session`]) is judged there and only for pages and forms.
//!
//! Handlers take [`Authenticated`] (401 unless a valid credential is sent) or
//! [`MaybeAuthenticated`] (none is fine, an invalid one is a 401). TAXII renders the same
//! refusal as a TAXII error.

use accord_envelope::PartyId;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;

use accord_domain::Timestamp;

use crate::problem::PROBLEM_JSON;
use crate::shapes;
use crate::{AppState, Problem};

/// The time requests are judged at: the server's clock, never before the last entry.
pub fn now(app: &AppState) -> Timestamp {
    let clock = app.ledger.clock_now();
    clock.max(app.view(|state| state.last_at()))
}

/// The party a presented token authenticates now, with the token's label.
pub fn authenticate(app: &AppState, token: &str) -> Option<(PartyId, String)> {
    let now = now(app);
    app.view(|state| {
        state
            .tokens()
            .authenticate(token, now)
            .map(|t| (t.party.clone(), t.label.to_string()))
    })
}

/// Who a request authenticated as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The party.
    pub party: PartyId,
    /// The token's label.
    pub label: String,
}

/// A refused credential: answers 401 with `WWW-Authenticate` and a problem saying why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unauthorized(&'static str);

impl Unauthorized {
    /// A 401 saying `why`.
    pub fn new(why: &'static str) -> Self {
        Unauthorized(why)
    }

    /// Why.
    pub fn reason(&self) -> &'static str {
        self.0
    }
}

/// The `WWW-Authenticate` challenge of every 401: a bearer token, or Basic for TAXII clients.
pub const CHALLENGE: &str = "Bearer realm=\"accord\", Basic realm=\"accord\"";

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let mut res =
            Problem::new(StatusCode::UNAUTHORIZED, "token", "Unauthorized", self.0).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(CHALLENGE),
        );
        res
    }
}

/// The token of the request's `Authorization` header (Bearer, or Basic `party:token`, whose
/// user name must then be the token's party). `Ok(None)` without the header.
fn presented(headers: &HeaderMap) -> Result<Option<(Option<String>, String)>, Unauthorized> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or("");
    if let Some(t) = value.strip_prefix("Bearer ") {
        let t = t.trim();
        if t.is_empty() {
            return Err(Unauthorized(
                "send the token as `Authorization: Bearer <token>`",
            ));
        }
        return Ok(Some((None, t.to_owned())));
    }
    if let Some(b) = value.strip_prefix("Basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or(Unauthorized(
                "the Basic credentials are not base64 of `party:token`",
            ))?;
        let (user, token) = decoded
            .split_once(':')
            .ok_or(Unauthorized("the Basic credentials are not `party:token`"))?;
        return Ok(Some((Some(user.to_owned()), token.trim().to_owned())));
    }
    Err(Unauthorized(
        "send `Authorization: Bearer <token>` or HTTP Basic (`party:token`)",
    ))
}

/// The caller, if the request carries a credential; `Err` (a 401) if it carries one that is
/// malformed, unknown, revoked or expired.
pub fn caller(app: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, Unauthorized> {
    let Some((user, token)) = presented(headers)? else {
        return Ok(None);
    };
    let (party, label) = authenticate(app, &token).ok_or(Unauthorized(
        "the token is not valid: unknown, revoked or expired; issue a new one with `accord token issue`",
    ))?;
    if user.is_some_and(|u| u != party.as_str()) {
        return Err(Unauthorized(
            "the Basic user name is not the party the token was issued to",
        ));
    }
    Ok(Some(Caller { party, label }))
}

/// The authenticated caller of a request: a 401 without a valid credential.
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        caller(app, &parts.headers)?
            .map(Authenticated)
            .ok_or(Unauthorized(
                "this needs a party's token: `Authorization: Bearer <token>` (or HTTP Basic `party:token`)",
            ))
    }
}

/// The caller of a request if it presents a credential: none is fine, an invalid one is a 401.
pub struct MaybeAuthenticated(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        caller(app, &parts.headers).map(MaybeAuthenticated)
    }
}

/// Who the bearer token authenticates as.
#[utoipa::path(get, path = "/whoami", responses((status = 200, body = shapes::WhoAmI),
    (status = 401, description = "No token, or one that is malformed, unknown, revoked or expired; with `WWW-Authenticate`", body = Problem, content_type = PROBLEM_JSON)),
    security(("bearer" = [])))]
pub async fn whoami(Authenticated(c): Authenticated) -> Response {
    Json(serde_json::json!({"party": c.party, "token": c.label})).into_response()
}
