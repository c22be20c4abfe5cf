//! Party sessions in the browser. A party signs in with a token it issued itself; the server
//! then keeps a **session** of its own — an opaque random id in an `HttpOnly`,
//! `SameSite=Strict` cookie with a `Max-Age`, never the long-lived API token — that expires
//! after [`SESSION_IDLE`] without use or [`SESSION_LIFETIME`] in all, ends server-side at
//! sign-out, and ends as soon as the token it was opened with is revoked or expires.
//!
//! Every state-changing form (sign-in, sign-out, reading confidential evidence, which writes a
//! log entry) is a POST that must come from this origin (`Origin`, or `Sec-Fetch-Site`);
//! the forms of a session also carry its CSRF token. Cookies are `Secure` when the server
//! is configured with an `https://` public URL — never on a request header's say-so.
//! Pages seen in a session are sent `Cache-Control: private, no-store`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use accord_envelope::PartyId;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use maud::html;
use rand_core::RngCore as _;
use sha2::{Digest, Sha256};

use super::{page, respond, Frame};
use crate::{AppState, Problem};

/// The session cookie's name.
pub const COOKIE: &str = "accord_session";
/// A session ends this long after sign-in, used or not.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::from_secs(3600);
/// At most this many sessions are open; the least recently used one ends first.
pub const MAX_SESSIONS: usize = 10_000;

/// One open session (kept in memory: a restart signs everyone out).
#[derive(Clone, Debug)]
struct Session {
    party: PartyId,
    token_sha256: String,
    csrf: String,
    opened: Instant,
    seen: Instant,
}

impl Session {
    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.opened) >= SESSION_LIFETIME
            || now.duration_since(self.seen) >= SESSION_IDLE
    }
}

/// The open sessions, by SHA-256 of their id (a memory dump yields no usable cookie).
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<[u8; 32], Session>>,
    secure_cookies: bool,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut bytes);
    B64URL.encode(bytes)
}

fn id_hash(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

impl Sessions {
    /// Sessions whose cookie is marked `Secure` when `secure_cookies` (served over HTTPS).
    pub fn new(secure_cookies: bool) -> Self {
        Sessions {
            open: Mutex::default(),
            secure_cookies,
        }
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session for `party`, signed in with the token whose hash is `token_sha256`;
    /// returns the session id (the cookie value).
    fn open(&self, party: PartyId, token_sha256: String) -> String {
        let id = random_token();
        let now = Instant::now();
        let mut open = self.lock();
        open.retain(|_, s| !s.expired(now));
        if open.len() >= MAX_SESSIONS {
            if let Some(oldest) = open.iter().min_by_key(|(_, s)| s.seen).map(|(k, _)| *k) {
                open.remove(&oldest);
            }
        }
        open.insert(
            id_hash(&id),
            Session {
                party,
                token_sha256,
                csrf: random_token(),
                opened: now,
                seen: now,
            },
        );
        id
    }

    /// The live session with this id, marked as used now.
    fn get(&self, id: &str) -> Option<Session> {
        let now = Instant::now();
        let mut open = self.lock();
        let key = id_hash(id);
        let session = open.get_mut(&key)?;
        if session.expired(now) {
            open.remove(&key);
            return None;
        }
        session.seen = now;
        Some(session.clone())
    }

    /// Ends the session with this id.
    fn close(&self, id: &str) {
        self.lock().remove(&id_hash(id));
    }

    fn cookie(&self, value: &str, max_age: u64) -> String {
        format!(
            "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
            if self.secure_cookies { "; Secure" } else { "" }
        )
    }
}

/// Who is looking at a page: the party, and the CSRF token its forms carry when the page is
/// seen in a browser session (none for a bearer token, which no browser sends by itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The party.
    pub party: PartyId,
    /// The session's CSRF token.
    pub csrf: Option<String>,
}

/// The viewer of a request: its bearer token, else its session cookie, if valid now.
pub fn viewer(app: &AppState, headers: &HeaderMap) -> Option<Viewer> {
    if let Ok(Some(c)) = crate::auth::caller(app, headers) {
        return Some(Viewer {
            party: c.party,
            csrf: None,
        });
    }
    let session = session_of(app, headers)?;
    Some(Viewer {
        party: session.party,
        csrf: Some(session.csrf),
    })
}

/// The live session of a request's cookie whose token is still valid now.
fn session_of(app: &AppState, headers: &HeaderMap) -> Option<Session> {
    let id = cookie(headers)?;
    let session = app.sessions.get(&id)?;
    let now = crate::auth::now(app);
    if app.view(|state| state.tokens().valid(&session.token_sha256, now).is_none()) {
        // The token was revoked or expired: the session ends with it.
        app.sessions.close(&id);
        return None;
    }
    Some(session)
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

/// Refuses a request that a browser sent from another origin: its `Origin` names another
/// host, or (without `Origin`) `Sec-Fetch-Site` says `cross-site` or `same-site`. A request
/// with neither header is not from a browser, which always sends one on a POST.
pub fn same_origin(headers: &HeaderMap) -> Result<(), Problem> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let refused = |why: String| {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "cross-origin",
            "Cross-origin request refused",
            why,
        ))
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        return match (authority, host) {
            (Some(a), Some(h)) if a.eq_ignore_ascii_case(h) => Ok(()),
            _ => refused(format!(
                "this form is accepted only from this server's own pages, not from `{origin}`"
            )),
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        None | Some("same-origin") | Some("none") => Ok(()),
        Some(site) => refused(format!(
            "this form is accepted only from this server's own pages (Sec-Fetch-Site: {site})"
        )),
    }
}

/// The session of a form POST, checked: same origin, a live session, and the session's CSRF
/// token in the form's `csrf` field. Returns the party and the session id.
pub fn form_session(
    app: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(PartyId, String), Problem> {
    same_origin(headers)?;
    let session = session_of(app, headers).ok_or_else(|| {
        Problem::new(
            StatusCode::FORBIDDEN,
            "session",
            "No valid session",
            "sign in again: this form needs a live party session",
        )
    })?;
    check_csrf(&session, body)?;
    Ok((session.party, cookie(headers).unwrap_or_default()))
}

fn check_csrf(session: &Session, body: &[u8]) -> Result<(), Problem> {
    let sent = form_field(body, "csrf").unwrap_or_default();
    if constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Form not from this session",
            "the form's CSRF token does not match the session; reload the page and try again",
        ))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn form(message: Option<&str>, app: &AppState) -> String {
    let frame = app.view_core(|core| Frame::of(app, core, None));
    page(
        &frame,
        "Party sign-in",
        html! {
            section {
                p { "Sign in with a token your party issued itself (" code { "accord token issue" } "). Pages then show your own confidential items and what you owe, by when. The server keeps a session for you (at most 12 hours, one hour idle); your token never leaves this form. Sign out to end the session." }
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

/// `POST /login` (`application/x-www-form-urlencoded`, `token=`), from this origin only.
pub async fn login(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(p) = same_origin(&headers) {
        return p.into_response();
    }
    let token = form_field(&body, "token").unwrap_or_default();
    let Some((party, _)) = crate::auth::authenticate(&app, token.trim()) else {
        let mut res = respond(
            &Frame::default(),
            form(
                Some("That token is not valid: unknown, revoked or expired. Issue a new one with `accord token issue`."),
                &app,
            ),
        );
        *res.status_mut() = StatusCode::UNAUTHORIZED;
        return res;
    };
    let id = app.sessions.open(
        party.clone(),
        accord_domain::tokens::token_hash(token.trim()),
    );
    let mut res = Redirect::to(&format!("/party/{party}")).into_response();
    if let Ok(v) = HeaderValue::from_str(&app.sessions.cookie(&id, SESSION_LIFETIME.as_secs())) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /logout` (`csrf=`): ends the session on the server and clears the cookie.
pub async fn logout(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(p) = same_origin(&headers) {
        return p.into_response();
    }
    // A live session ends only with its own CSRF token (a forged form cannot sign anyone
    // out); without one there is nothing to end but the cookie.
    if let Some(session) = session_of(&app, &headers) {
        if let Err(p) = check_csrf(&session, &body) {
            return p.into_response();
        }
        app.sessions.close(&cookie(&headers).unwrap_or_default());
    }
    let mut res = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&app.sessions.cookie("", 0)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// One field of an `application/x-www-form-urlencoded` body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"token=acc_a%2Bb+c%41&csrf=x", "token").as_deref(),
            Some("acc_a+b cA")
        );
        assert_eq!(form_field(b"csrf=%4", "csrf").as_deref(), Some("%4"));
        assert_eq!(form_field(b"a=1", "csrf"), None);
    }

    #[test]
    fn only_this_origin_may_post() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h).is_ok(), "a non-browser client");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(same_origin(&h).is_err());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(same_origin(&h).is_err());
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(same_origin(&h).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h).is_ok());
    }

    #[test]
    fn sessions_expire_and_close() {
        let s = Sessions::new(true);
        let id = s.open("cert-a".parse().unwrap(), "ab".repeat(32));
        assert_eq!(s.get(&id).unwrap().party.as_str(), "cert-a");
        assert!(s.get("forged").is_none());
        assert!(s.cookie(&id, 10).contains("; Secure"));
        assert!(s.cookie(&id, 10).contains("Max-Age=10"));
        s.close(&id);
        assert!(s.get(&id).is_none());
    }
}
