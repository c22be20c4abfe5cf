//! RFC 9457 problem details: the one error type every handler returns.

use accord_domain::{Rejection, RejectionKind};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of every problem, as served and as the OpenAPI document declares it.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 `application/problem+json` response.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type: `/problems/<rule>` (documented in docs/api.md).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, and what to do.
    pub detail: String,
    /// Stable rule slug, e.g. `revoked-key`.
    pub rule: String,
    /// JSON pointer to the offending member of the submitted document, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl Problem {
    /// A problem with the given status, rule, title and detail.
    pub fn new(status: StatusCode, rule: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("/problems/{rule}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            rule: rule.to_owned(),
            pointer: None,
            retry_after: None,
        }
    }

    /// Says when to retry.
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Names the offending member.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    /// 404 for a missing resource.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 400 for a bad query or path parameter.
    pub fn bad_request(rule: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, rule, "Bad request", detail)
    }

    /// 503 when the log cannot take writes or reads.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Log unavailable",
            detail,
        )
        .with_retry_after(1)
    }

    /// 500 for a store failure.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            detail,
        )
    }
}

impl From<Rejection> for Problem {
    fn from(r: Rejection) -> Self {
        let (status, title) = match r.kind {
            RejectionKind::Malformed => {
                (StatusCode::UNPROCESSABLE_ENTITY, "Submission is malformed")
            }
            RejectionKind::Unauthorized => (
                StatusCode::FORBIDDEN,
                "Signer, key or signature not accepted",
            ),
            RejectionKind::Forbidden => (StatusCode::FORBIDDEN, "Role does not allow this entry"),
            RejectionKind::Conflict => (StatusCode::CONFLICT, "Conflicts with the log's state"),
        };
        let pointer = r.pointer.clone();
        Problem::new(status, r.rule, title, r.detail).at(pointer)
    }
}

impl From<accord_store::StoreError> for Problem {
    fn from(e: accord_store::StoreError) -> Self {
        tracing::error!(error = %e, "store read failed");
        Problem::internal(format!("reading the log failed: {e}"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}
