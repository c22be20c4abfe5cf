//! Party sessions in the browser: a party signs in with the token the secretariat issued it;
//! the token is kept in an `HttpOnly`, `SameSite=Strict` cookie and checked against the log on
//! every request, exactly like a bearer token. Pages seen in a session show the party's own
//! confidential items and due dates and are sent `Cache-Control: private, no-store`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{page, respond, Frame};
use crate::AppState;

const COOKIE: &str = "accord_session";

/// The party of the request's session cookie or bearer token, if it is valid now.
pub fn viewer(app: &AppState, headers: &HeaderMap) -> Option<accord_envelope::PartyId> {
    if let Ok(Some(c)) = crate::auth::caller(app, headers) {
        return Some(c.party);
    }
    let token = cookie(headers)?;
    let core = app.ledger.read();
    let state = core.state();
    state
        .tokens()
        .authenticate(&token, state.last_at())
        .map(|t| t.party.clone())
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn form(message: Option<&str>, app: &AppState) -> String {
    let frame = {
        let core = app.ledger.read();
        Frame::of(app, &core, None)
    };
    page(
        &frame,
        "Party sign-in",
        html! {
            section {
                p { "Sign in with the token the secretariat issued your party (" code { "accord token issue" } "). Pages then show your own confidential items and what you owe, by when. The token stays in a cookie this server alone can read; sign out to remove it." }
                @if let Some(m) = message { p role="alert" class="status failed" { (m) } }
                form method="post" action="/login" {
                    label for="token" { "Token" } " "
                    input id="token" name="token" type="password" size="50" autocomplete="off" required;
                    " "
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_form(State(app): State<AppState>) -> Response {
    respond(&Frame::default(), form(None, &app))
}

/// `POST /login` (`application/x-www-form-urlencoded`, `token=`).
pub async fn login(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let token = String::from_utf8_lossy(&body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| percent_decode(v))
        .unwrap_or_default();
    let party = {
        let core = app.ledger.read();
        let state = core.state();
        state
            .tokens()
            .authenticate(token.trim(), state.last_at())
            .map(|t| t.party.clone())
    };
    let Some(party) = party else {
        let mut res = respond(
            &Frame::default(),
            form(
                Some("That token is not valid: unknown, revoked or expired. Ask the secretariat for a new one."),
                &app,
            ),
        );
        *res.status_mut() = StatusCode::UNAUTHORIZED;
        return res;
    };
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes() == b"https");
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}",
        token.trim(),
        if secure { "; Secure" } else { "" }
    );
    let mut res = Redirect::to(&format!("/party/{party}")).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /logout`.
pub async fn logout() -> Response {
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("accord_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    res
}

/// Decodes `application/x-www-form-urlencoded` text (`+` and `%XX`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
