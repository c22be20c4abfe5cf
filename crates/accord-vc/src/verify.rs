//! Verifying a credential offline, check by check: its shape (VC Data Model 2.0), its proof
//! (`eddsa-rdfc-2022`), that its issuer made the proof, its validity period, and each status
//! entry against a Bitstring Status List credential (itself verified). The trust question —
//! does *my* regime recognize this issuer? — is the caller's: it adds its own check.

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::{model, proof, status::Bitstring};

/// How one check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It holds.
    Pass,
    /// It does not: the credential must not be relied on.
    Fail,
    /// It could not be checked (e.g. no status list at hand).
    Unknown,
}

/// One check, with what it found in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked, e.g. `proof`, `status: suspension`.
    pub name: String,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
}

/// Every check of one credential.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Adds a check.
    pub fn add(&mut self, name: impl Into<String>, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check {
            name: name.into(),
            outcome,
            detail: detail.into(),
        });
    }

    /// Whether every check passed.
    pub fn verified(&self) -> bool {
        self.checks.iter().all(|c| c.outcome == Outcome::Pass)
    }

    /// The checks that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome != Outcome::Pass)
    }
}

/// Where a status list credential comes from: its URL → the document (a file, a fetch), or
/// why it is not available.
pub type StatusSource<'a> = &'a dyn Fn(&str) -> Result<Value, String>;

fn time_of(v: Option<&Value>) -> Option<OffsetDateTime> {
    model::parse(v?.as_str()?)
}

/// Verifies `credential` at `now`, reading status lists from `status` (with none, its status
/// entries are left to the caller, e.g. recomputed from a log); also returns what the proof
/// says when it verified.
pub fn verify(
    credential: &Value,
    now: OffsetDateTime,
    status: Option<StatusSource<'_>>,
) -> (Report, Option<proof::Verified>) {
    let mut report = Report::default();
    let problems = model::problems(credential);
    if problems.is_empty() {
        report.add(
            "data model",
            Outcome::Pass,
            "conforms to the VC Data Model 2.0",
        );
    } else {
        report.add("data model", Outcome::Fail, problems.join("; "));
    }
    let verified = match proof::verify(credential) {
        Ok((_, v)) => {
            report.add(
                "proof",
                Outcome::Pass,
                format!(
                    "eddsa-rdfc-2022 signature by {} verifies",
                    v.verification_method
                ),
            );
            Some(v)
        }
        Err(e) => {
            report.add("proof", Outcome::Fail, e.to_string());
            None
        }
    };
    let issuer = match credential.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    };
    match (&verified, issuer) {
        (Some(v), Some(issuer)) => {
            let controller = v.verification_method.split('#').next().unwrap_or_default();
            if controller == issuer {
                report.add(
                    "issuer key",
                    Outcome::Pass,
                    format!("the proof is the issuer's, {issuer}"),
                );
            } else {
                report.add(
                    "issuer key",
                    Outcome::Fail,
                    format!("the proof is by {controller}, not by the issuer {issuer}"),
                );
            }
        }
        _ => report.add(
            "issuer key",
            Outcome::Fail,
            "no verified proof by a named issuer",
        ),
    }
    let from = time_of(credential.get("validFrom"));
    let until = time_of(credential.get("validUntil"));
    let shown = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    match (from, until) {
        (Some(f), _) if now < f => report.add(
            "validity period",
            Outcome::Fail,
            format!("not valid before {}", shown(f)),
        ),
        (_, Some(u)) if now >= u => report.add(
            "validity period",
            Outcome::Fail,
            format!("expired: valid until {}", shown(u)),
        ),
        (f, u) => report.add(
            "validity period",
            Outcome::Pass,
            format!(
                "valid from {} until {}",
                f.map_or("(no start)".into(), shown),
                u.map_or("(no end)".into(), shown)
            ),
        ),
    }
    if let (Some(source), Some(entries)) = (status, credential.get("credentialStatus")) {
        for entry in model::one_or_many(entries) {
            let purpose = entry
                .get("statusPurpose")
                .and_then(Value::as_str)
                .unwrap_or("status");
            let (outcome, detail) = check_status(entry, purpose, now, source);
            report.add(format!("status: {purpose}"), outcome, detail);
        }
    }
    (report, verified)
}

/// One `BitstringStatusListEntry` against its list.
fn check_status(
    entry: &Value,
    purpose: &str,
    now: OffsetDateTime,
    status: StatusSource<'_>,
) -> (Outcome, String) {
    if entry.get("type").and_then(Value::as_str) != Some("BitstringStatusListEntry") {
        return (Outcome::Unknown, "not a BitstringStatusListEntry".into());
    }
    let (Some(url), Some(index)) = (
        entry.get("statusListCredential").and_then(Value::as_str),
        entry
            .get("statusListIndex")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<usize>().ok()),
    ) else {
        return (
            Outcome::Fail,
            "the entry lacks statusListCredential or a numeric statusListIndex".into(),
        );
    };
    let list = match status(url) {
        Ok(list) => list,
        Err(why) => return (Outcome::Unknown, format!("{url}: {why}")),
    };
    if let Err(e) = proof::verify(&list) {
        return (
            Outcome::Fail,
            format!("the status list {url} does not verify: {e}"),
        );
    }
    if list.get("id").and_then(Value::as_str) != Some(url) {
        return (
            Outcome::Fail,
            format!("the document given for {url} is another list"),
        );
    }
    if time_of(list.get("validUntil")).is_some_and(|u| now >= u) {
        return (Outcome::Fail, format!("the status list {url} has expired"));
    }
    let subject = list
        .get("credentialSubject")
        .cloned()
        .unwrap_or(Value::Null);
    if subject.get("statusPurpose").and_then(Value::as_str) != Some(purpose) {
        return (
            Outcome::Fail,
            format!("the status list {url} is not for {purpose}"),
        );
    }
    let bits = match subject
        .get("encodedList")
        .and_then(Value::as_str)
        .map(Bitstring::decode)
    {
        Some(Ok(b)) => b,
        Some(Err(e)) => return (Outcome::Fail, e.to_string()),
        None => {
            return (
                Outcome::Fail,
                format!("the status list {url} has no encodedList"),
            )
        }
    };
    let as_of = list
        .get("validFrom")
        .and_then(Value::as_str)
        .unwrap_or("(undated)");
    match bits.get(index) {
        Ok(false) => (
            Outcome::Pass,
            format!("not set at index {index} (list of {as_of})"),
        ),
        Ok(true) => (
            Outcome::Fail,
            format!("{purpose} set at index {index} (list of {as_of})"),
        ),
        Err(e) => (Outcome::Fail, e.to_string()),
    }
}
