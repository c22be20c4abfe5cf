//! Rejections: why a submission was refused, in terms the HTTP layer turns into RFC 9457
//! problem details (a stable rule slug, the JSON pointer of the offending field, a sentence).

use std::fmt;

/// The class of a rejection, which decides the HTTP status the server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectionKind {
    /// The submission is malformed or violates a field rule (422).
    Malformed,
    /// The signer, its key or its signature is not acceptable (403).
    Unauthorized,
    /// The signer's role does not allow this entry type (403).
    Forbidden,
    /// The submission conflicts with the current state (409).
    Conflict,
}

/// A refused submission. Nothing was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Class of the problem.
    pub kind: RejectionKind,
    /// Stable, machine-readable rule slug, e.g. `revoked-key`.
    pub rule: &'static str,
    /// JSON pointer of the offending member in the envelope ("" for the whole).
    pub pointer: String,
    /// One sentence for a person: what is wrong and what to do.
    pub detail: String,
}

impl Rejection {
    fn new(
        kind: RejectionKind,
        rule: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            rule,
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }

    /// A malformed submission.
    pub fn malformed(
        rule: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(RejectionKind::Malformed, rule, pointer, detail)
    }

    /// A signer, key or signature problem.
    pub fn unauthorized(
        rule: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(RejectionKind::Unauthorized, rule, pointer, detail)
    }

    /// A role problem.
    pub fn forbidden(
        rule: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(RejectionKind::Forbidden, rule, pointer, detail)
    }

    /// A conflict with the current state.
    pub fn conflict(
        rule: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(RejectionKind::Conflict, rule, pointer, detail)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{} ({})", self.detail, self.rule)
        } else {
            write!(f, "{} at {} ({})", self.detail, self.pointer, self.rule)
        }
    }
}

impl std::error::Error for Rejection {}

impl From<accord_envelope::EnvelopeError> for Rejection {
    fn from(e: accord_envelope::EnvelopeError) -> Self {
        let kind = match e.rule() {
            "bad-signature" | "key-mismatch" => RejectionKind::Unauthorized,
            _ => RejectionKind::Malformed,
        };
        Rejection::new(kind, e.rule(), e.pointer(), e.to_string())
    }
}
