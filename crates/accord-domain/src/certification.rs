//! The rule and read model of certification over the composed state: the credential the log
//! supports for a scheme and an audit ([`certification`], which reads the holder's adherence
//! indicators), the whole admission rule of `credential.issue` ([`check_issue`], which the
//! composition layer asks — the one admission rule that reads a read model, listed as such in
//! the domain's tidy test), and the trust question a verifier asks of a credential against the
//! logs it holds ([`provenance`]).

use accord_envelope::PublicKey;
use serde_json::{json, Value};

use crate::admission::Submitted;
use crate::credentials::{
    base_url, context, credential_url, request_of, rfc3339, status, status_list_url,
    CredentialIssue, Request, Status, MAX_BACKDATE_MS, PURPOSES,
};
use crate::entry::EntryRef;
use crate::ids::{AuditId, SchemeId};
use crate::indicators::Period;
use crate::norms::schemes::measure_name;
use crate::registry::{Party, PartyKind};
use crate::rules::Rejection;
use crate::time::Timestamp;

/// A log a credential may have been issued in, as a verifier holds it: this instance's own,
/// or one it follows (a verified mirror), with the recognition the regime here gives it.
pub struct Log<'a> {
    /// The log's origin.
    pub origin: &'a str,
    /// Its replayed state.
    pub state: &'a crate::State,
    /// This instance's own log.
    pub own: bool,
    /// The recognition in force here of that instance, when it is another.
    pub recognition: Option<&'a crate::norms::negotiation::RecognitionRecord>,
}

/// Where a credential came from and whether it counts here: found, exactly, in this
/// instance's log or in a followed log the regime recognizes for certifications; with its
/// status recomputed from that log at its last entry.
pub struct Provenance {
    /// Whether it counts here.
    pub recognized: bool,
    /// Why, in words.
    pub detail: String,
    /// Its status, recomputed from the log it was found in.
    pub status: Option<Status>,
}

impl Provenance {
    /// Adds the trust question's answer to a verification report, as `recognized here`.
    pub fn add_to(&self, report: &mut accord_vc::verify::Report) {
        let outcome = if self.recognized {
            accord_vc::verify::Outcome::Pass
        } else {
            accord_vc::verify::Outcome::Fail
        };
        report.add("recognized here", outcome, self.detail.clone());
    }
}

/// The trust question for `credential` against `logs`, its status as of `at` (or, when the
/// log ends before `at`, as of its last entry: as far as that log knows).
pub fn provenance(logs: &[Log<'_>], credential: &Value, at: Timestamp) -> Provenance {
    for log in logs {
        let Some(record) = log.state.credentials().recorded(credential) else {
            continue;
        };
        let status = log
            .state
            .regime()
            .map(|r| status(record, r, log.state.cases(), at.min(log.state.last_at())));
        let issued = format!(
            "issued by `{}` under scheme `{}` in entry {} of the log {}",
            record.issuer, record.scheme, record.entry.index, log.origin
        );
        let counts = |r: &crate::norms::negotiation::RecognitionRecord| {
            r.instance
                .counts
                .contains(&crate::norms::negotiation::RecognitionScope::Certifications)
        };
        let (recognized, detail) = match (log.own, log.recognition) {
            (true, _) => (true, format!("{issued}, this instance's own")),
            (false, Some(r)) if counts(r) => (
                true,
                format!(
                    "{issued}, whose certifications this regime recognizes (instrument {}, entry {})",
                    r.instrument, r.adopted.index
                ),
            ),
            (false, Some(r)) => (
                false,
                format!(
                    "{issued}; this regime recognizes that instance for {} only, not certifications (instrument {})",
                    r.instance.counts_in_words(),
                    r.instrument
                ),
            ),
            (false, None) => (
                false,
                format!("{issued}, an instance this regime follows but does not recognize"),
            ),
        };
        return Provenance {
            recognized,
            detail,
            status,
        };
    }
    Provenance {
        recognized: false,
        detail: format!(
            "not found in this instance's log nor in the {} log(s) it follows: it was not issued in a log this regime knows, or it was altered",
            logs.iter().filter(|l| !l.own).count()
        ),
        status: None,
    }
}

/// A log time as the verifier's clock.
pub fn as_datetime(t: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.unix_ms()) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn refuse(rule: &'static str, pointer: &str, detail: impl Into<String>) -> Rejection {
    Rejection::conflict(rule, pointer.to_owned(), detail)
}

/// The unsigned credential the log supports for `request`, issued by the scheme's council at
/// log time `at` as credential `number`: every threshold checked at `at`.
pub fn certification(
    state: &crate::State,
    request: &Request,
    number: u64,
    at: Timestamp,
) -> Result<Value, Rejection> {
    let origin = state
        .instance()
        .map(|i| i.origin.clone())
        .ok_or_else(|| refuse("no-genesis", "", "the log has no genesis"))?;
    let regime = state
        .regime()
        .ok_or_else(|| refuse("no-regime", "", "no regime is established"))?;
    let record = regime.schemes.get(&request.scheme).ok_or_else(|| {
        refuse(
            "unknown-scheme",
            "/credentialSubject/certification/scheme",
            format!("no certification scheme `{}` is adopted", request.scheme),
        )
    })?;
    let scheme = &record.scheme;
    let audit = state.audits().get(&request.audit).ok_or_else(|| {
        refuse(
            "unknown-audit",
            "/credentialSubject/certification/audit",
            format!("no audit `{}`", request.audit),
        )
    })?;
    let holder = state.party(&audit.party).ok_or_else(|| {
        refuse(
            "unknown-party",
            "/credentialSubject/id",
            "the audited party is not registered",
        )
    })?;
    let issuer = state.party(&scheme.issuer).ok_or_else(|| {
        refuse(
            "unknown-party",
            "/issuer",
            "the scheme's issuer is not registered",
        )
    })?;
    if request.valid_from > at || at.unix_ms() - request.valid_from.unix_ms() > MAX_BACKDATE_MS {
        return Err(refuse(
            "valid-from",
            "/validFrom",
            format!(
                "validFrom {} must be at most a day before the issuing entry's time {at}, and not after it",
                request.valid_from
            ),
        ));
    }
    // Only what was logged before the issuing entry counts, and the credential says so.
    if request.log_size > state.size() || request.log_size <= audit.opened.index {
        return Err(refuse(
            "log-size",
            "/credentialSubject/log/size",
            format!(
                "the log size a credential rests on must hold the audit and be at most the log's {}",
                state.size()
            ),
        ));
    }
    if state
        .credentials()
        .all()
        .iter()
        .any(|c| c.scheme == request.scheme && c.audit == request.audit)
    {
        return Err(refuse(
            "already-issued",
            "/credentialSubject/certification/audit",
            format!(
                "a credential under `{}` was issued from audit `{}` already",
                request.scheme, request.audit
            ),
        ));
    }
    // A clean, closed, recent audit of every covered norm.
    let attested: Vec<EntryRef> = audit.attested.values().copied().collect();
    let closed = attested.iter().map(|e| e.at).max();
    let closed = match closed {
        Some(t) if attested.len() == audit.auditors.len() => t,
        _ => {
            return Err(refuse(
                "audit-open",
                "/credentialSubject/certification/audit",
                format!(
                    "audit `{}` is not closed: {} of {} auditors attested",
                    audit.audit,
                    attested.len(),
                    audit.auditors.len()
                ),
            ))
        }
    };
    if closed.plus_months(scheme.audit_within_months) < at {
        return Err(refuse(
            "audit-too-old",
            "/credentialSubject/certification/audit",
            format!(
                "audit `{}` closed {closed}, more than {} months before {at}",
                audit.audit, scheme.audit_within_months
            ),
        ));
    }
    let period = Period {
        from: Timestamp::from_unix_ms(at.unix_ms().saturating_sub(365 * 86_400_000)),
        to: at.plus_ms(1),
    };
    let mut norms = Vec::new();
    for norm in &scheme.norms {
        let findings: Vec<_> = audit.findings.iter().filter(|f| &f.norm == norm).collect();
        let verified = findings.iter().map(|f| f.verified_value).min();
        let verified = match verified {
            Some(v) if v >= scheme.min_verified_value => v,
            Some(v) => {
                return Err(refuse(
                    "audit-finding",
                    "/credentialSubject/certification/audit",
                    format!(
                        "audit `{}` verified {v} on `{norm}`, below the scheme's {}",
                        audit.audit, scheme.min_verified_value
                    ),
                ))
            }
            None => {
                return Err(refuse(
                    "audit-finding",
                    "/credentialSubject/certification/audit",
                    format!("audit `{}` has no finding on `{norm}`", audit.audit),
                ))
            }
        };
        let adherence = crate::indicators::adherence(state, &holder.id, norm, period, at)
            .value
            .percent;
        let adherence = match adherence {
            Some(p) if p >= f64::from(scheme.min_adherence) => p.floor() as u64,
            other => {
                return Err(refuse(
                    "adherence",
                    "/credentialSubject/certification/norms",
                    format!(
                        "`{}` adherence to `{norm}` over the last 12 months is {}, below the scheme's {} %",
                        holder.id,
                        other.map_or("without data".to_owned(), |p| format!("{p} %")),
                        scheme.min_adherence
                    ),
                ))
            }
        };
        norms.push(json!({
            "norm": norm.as_str(),
            "adherence": adherence,
            "verifiedValue": verified,
        }));
    }
    let in_force = state.cases().measures_in_force(regime, &holder.id, at);
    if let Some(m) = in_force
        .iter()
        .find(|m| scheme.suspend_on.contains(m) || scheme.revoke_on.contains(m))
    {
        return Err(refuse(
            "measure-in-force",
            "/credentialSubject/id",
            format!(
                "a `{}` measure is in force against `{}`; the scheme withholds certification under it",
                measure_name(*m),
                holder.id
            ),
        ));
    }
    let key = issuer_key(issuer, at).ok_or_else(|| {
        refuse(
            "issuer-key",
            "/issuer",
            "the issuing council has no active key",
        )
    })?;
    let base = base_url(&origin);
    let valid_until = request.valid_from.plus_months(scheme.validity_months);
    let mut evidence: Vec<(u64, &str)> = vec![(audit.opened.index, "audit.open")];
    evidence.extend(
        audit
            .findings
            .iter()
            .map(|f| (f.entry.index, "audit.finding")),
    );
    evidence.extend(attested.iter().map(|e| (e.index, "audit.attest")));
    evidence.push((record.adopted.index, "instrument.decide"));
    evidence.sort();
    let status = |purpose: &str| {
        json!({
            "id": format!("{}#{number}", status_list_url(&origin, purpose)),
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": number.to_string(),
            "statusListCredential": status_list_url(&origin, purpose),
        })
    };
    Ok(json!({
        "@context": context(),
        "id": credential_url(&origin, number),
        "type": ["VerifiableCredential", "AccordCertification"],
        "name": scheme.title.as_str(),
        "description": format!(
            "{} is certified under the scheme `{}` of {} on the record of the log {origin}.",
            holder.display_name, scheme.scheme, issuer.display_name
        ),
        "issuer": {
            "id": accord_vc::did::did_key(&key),
            "name": issuer.display_name.as_str(),
            "url": format!("{base}/parties/{}", issuer.id),
        },
        "validFrom": rfc3339(request.valid_from),
        "validUntil": rfc3339(valid_until),
        "credentialSubject": {
            "id": format!("{base}/parties/{}", holder.id),
            "name": holder.display_name.as_str(),
            "certification": {
                "type": "Certification",
                "scheme": scheme.scheme.as_str(),
                "schemeInstrument": format!("{base}/instruments/{}", record.instrument),
                "audit": request.audit.as_str(),
                "auditPage": format!("{base}/audit/{}", request.audit),
                "auditClosed": rfc3339(closed),
                "norms": norms,
            },
            "log": {"origin": origin, "size": request.log_size},
        },
        "evidence": evidence.iter().map(|(i, t)| json!({
            "id": format!("{base}/entries/{i}"),
            "type": ["LogEntry"],
            "entryType": t,
        })).collect::<Vec<_>>(),
        "credentialStatus": PURPOSES.iter().map(|p| status(p)).collect::<Vec<_>>(),
    }))
}

/// The credential a council may issue now under `scheme` from `audit` (valid from `now`,
/// resting on the whole log so far, numbered next), with the time to sign it at; or why not.
pub fn draft(
    state: &crate::State,
    scheme: &SchemeId,
    audit: &AuditId,
    now: Timestamp,
) -> Result<(Value, Timestamp), Rejection> {
    let request = Request {
        scheme: scheme.clone(),
        audit: audit.clone(),
        valid_from: now,
        log_size: state.size(),
    };
    let credential = certification(state, &request, state.credentials().next_number(), now)?;
    Ok((credential, now))
}

/// The `credential.issue` payload of a draft signed with the council's key at `at`.
pub fn sign(
    draft: &Value,
    key: &ed25519_dalek::SigningKey,
    at: Timestamp,
) -> Result<Value, accord_vc::Error> {
    let credential = accord_vc::proof::sign(draft, key, &rfc3339(at))?;
    Ok(json!({ "credential": credential }))
}

/// The key a council signs credentials with at `at`: its newest active key.
fn issuer_key(issuer: &Party, at: Timestamp) -> Option<ed25519_dalek::VerifyingKey> {
    let key = issuer
        .keys
        .values()
        .filter(|k| {
            matches!(k.status, crate::party::KeyStatus::Active)
                && k.usable_from.is_none_or(|t| t <= at)
        })
        .max_by_key(|k| k.added.index)?;
    ed25519_dalek::VerifyingKey::from_bytes(&key.public_key.to_bytes()).ok()
}

/// The first JSON pointer at which two documents differ.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys()
                .chain(y.keys())
                .find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => first_difference(p, q, format!("{at}/{k}")),
                    _ => Some(format!("{at}/{k}")),
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}/{i}"))),
        _ => (a != b).then_some(at),
    }
}

/// The whole rule of `credential.issue`, which reads the whole projection (the holder's
/// adherence indicators among it), so the composition layer asks it: the signer is the
/// scheme's issuing council; the credential is exactly what [`certification`] builds for its
/// parameters at this entry; its proof verifies with the key that signed the entry.
pub fn check_issue(
    state: &crate::State,
    issue: &CredentialIssue,
    by: &Submitted<'_>,
    signing_key: &PublicKey,
) -> Result<(), Rejection> {
    let signer = by.require_kind(PartyKind::RegionalCouncil)?;
    let (number, request) = request_of(&issue.credential)?;
    let expected = state.credentials().next_number();
    if number != expected {
        return Err(Rejection::conflict(
            "credential-number",
            "/payload/credential/credentialStatus/0/statusListIndex",
            format!("the next credential is number {expected}, not {number}: fetch a new draft"),
        ));
    }
    let scheme_issuer = state
        .regime()
        .and_then(|r| r.schemes.get(&request.scheme))
        .map(|s| s.scheme.issuer.clone());
    if scheme_issuer.as_ref() != Some(&signer.id) {
        return Err(Rejection::forbidden(
            "scheme-issuer",
            "/signer/party",
            format!(
                "credentials under `{}` are issued by {}, not `{}`",
                request.scheme,
                scheme_issuer.map_or("no one (no such scheme)".to_owned(), |p| format!("`{p}`")),
                signer.id
            ),
        ));
    }
    let (unsecured, proof) = accord_vc::proof::verify(&issue.credential).map_err(|e| {
        Rejection::unauthorized(
            "credential-proof",
            "/payload/credential/proof",
            e.to_string(),
        )
    })?;
    if proof.key.as_bytes() != &signing_key.to_bytes() {
        return Err(Rejection::unauthorized(
            "credential-proof",
            "/payload/credential/proof/verificationMethod",
            format!(
                "the proof is by {}, not by the key that signed this entry",
                proof.verification_method
            ),
        ));
    }
    let mut built = certification(state, &request, number, by.at)?;
    // The issuer is the council's did:key of the key that signs this entry.
    built["issuer"]["id"] = Value::String(accord_vc::did::did_key(&proof.key));
    if let Some(pointer) = first_difference(&unsecured, &built, String::new()) {
        return Err(Rejection::conflict(
            "credential-content",
            format!("/payload/credential{pointer}"),
            "the credential differs from what the log supports here: sign the draft GET /credentials/draft builds, unchanged",
        ));
    }
    Ok(())
}
