//! What every response carries, whatever handler (or framework layer) made it.
//!
//! - **Security headers.** `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (`no-referrer` would make browsers send `Origin: null` on our own forms)
//!   and frame denial everywhere; pages get a Content-Security-Policy that lets them load
//!   only this origin's own script (the reader-side verifier) and post forms only here.
//! - **Caching.** A response to a request that carried credentials (a session cookie or an
//!   `Authorization` header) is never stored by a shared cache unless its handler said so.
//! - **Errors are problems.** Every error answer is RFC 9457 `application/problem+json` (or,
//!   under `/taxii2/`, a TAXII error message) — including those axum's extractors and router
//!   produce as plain text or with no body at all (a bad query string, an undecodable path, a
//!   method the route does not take).

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Problem;

/// The Content-Security-Policy of HTML pages.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The Content-Security-Policy of everything else (data is never a document).
pub const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// The largest plain-text error body kept as a problem's detail.
const MAX_DETAIL: usize = 1000;

/// The middleware: security headers, caching of credentialed answers, errors as problems.
pub async fn harden(req: Request, next: Next) -> Response {
    let credentialed = req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key(header::COOKIE);
    let taxii = req.uri().path().starts_with("/taxii2");
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if res.status().is_client_error() || res.status().is_server_error() {
        res = as_problem(res, taxii, &method, &path).await;
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if html { PAGE_CSP } else { DATA_CSP }),
        );
    }
    if credentialed && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    if credentialed && !h.contains_key(header::VARY) {
        h.insert(
            header::VARY,
            HeaderValue::from_static("Cookie, Authorization"),
        );
    }
    res
}

fn is_structured(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("application/problem+json")
                || ct.starts_with("application/taxii+json")
                || ct.starts_with("application/json")
                || ct.starts_with("text/html")
        })
}

/// An error answer that is not yet a problem (or a TAXII error), made into one that keeps its
/// status, its headers (`Allow`, `WWW-Authenticate`, `Retry-After`) and what its text said.
async fn as_problem(res: Response, taxii: bool, method: &Method, path: &str) -> Response {
    if is_structured(&res) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, MAX_DETAIL * 4)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let status = parts.status;
    let (rule, title, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method",
            "Method not allowed",
            // The router adds the `Allow` header after this layer has run.
            format!(
                "`{path}` does not take {method}; the `Allow` header lists the methods it takes (see also /openapi.json)"
            ),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "Request timeout",
            "the request took too long to arrive or to answer; send it again".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body-too-large",
            "Body too large",
            if text.is_empty() {
                "the request body is larger than this endpoint takes".to_owned()
            } else {
                text.clone()
            },
        ),
        s if s.is_client_error() => (
            "bad-request",
            "Bad request",
            if text.is_empty() {
                format!("{method} {path} was refused ({s})")
            } else {
                // axum's extractor texts name the parameter and why, e.g. "Failed to
                // deserialize query string: limit: invalid digit found in string".
                text.chars().take(MAX_DETAIL).collect()
            },
        ),
        s => (
            "internal",
            "Internal error",
            format!("the server failed to answer {method} {path} ({s})"),
        ),
    };
    let mut out = if taxii {
        let body = serde_json::json!({
            "title": title,
            "description": detail,
            "http_status": status.as_u16().to_string(),
        });
        let mut r = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::taxii::TAXII_MEDIA),
        );
        r
    } else {
        Problem::new(status, rule, title, detail).into_response()
    };
    for name in [
        header::ALLOW,
        header::WWW_AUTHENTICATE,
        header::RETRY_AFTER,
        header::CONNECTION,
    ] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
