//! Portable certifications: W3C Verifiable Credentials 2.0 a council issues from audits under
//! a certification scheme the regime adopted, with a status that follows due process.
//!
//! A scheme is an instrument (`"kind": "certification_scheme"`): the norms it covers, the
//! thresholds (adherence, verified values, a closed audit no older than a window), how long a
//! credential is valid, and which measures of the ladder suspend or revoke it. A credential is
//! what [`certification`] builds from the log for one (scheme, audit) pair: nothing in it is
//! the issuer's to choose but the moment it is issued from and the log size it rests on. The
//! council signs it with its own key (a Data Integrity `eddsa-rdfc-2022` proof, issuer its
//! `did:key`) and logs it as a `credential.issue` entry; admission rebuilds it and refuses any
//! difference, so a credential is traceable to the signed record it came from, and the
//! secretariat, which holds no council's key, cannot issue one.
//!
//! Its status is a projection ([`status`]): suspended while a measure the scheme lists under
//! `suspend_on` is in force against the holder, revoked from the first moment one listed under
//! `revoke_on` is (revocation is final), expired after `validUntil`. The Bitstring Status
//! Lists ([`status_lists`]) are recomputed from the log by anyone.

use std::collections::BTreeMap;

use accord_envelope::{PartyId, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::admission::{Admit, Submitted};
use crate::enforcement::{Cases, Measure};
use crate::entry::EntryRef;
use crate::ids::{AuditId, DisplayName, InstrumentId, NormId, SchemeId};
use crate::indicators::Period;
use crate::norms::negotiation::Regime;
use crate::registry::{Party, PartyKind};
use crate::rules::Rejection;
use crate::time::Timestamp;

/// The vocabulary of Accord's own credential terms (the credential's second, inline context
/// maps every term the W3C context does not define here).
pub const VOCABULARY: &str = "https://w3id.org/accord/v1#";

/// How far before its entry a credential may say it is valid from.
const MAX_BACKDATE_MS: u64 = 86_400_000;

/// The status purposes, in the order of [`status_lists`].
pub const PURPOSES: [&str; 2] = ["suspension", "revocation"];

/// A certification scheme, as a `certification_scheme` instrument adopts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationScheme {
    /// Its id; adopting a scheme of an id in force replaces it for credentials issued after.
    pub scheme: SchemeId,
    /// Its public title, e.g. `Baseline cyber-hygiene certification`.
    pub title: DisplayName,
    /// The regional council that issues its credentials.
    pub issuer: PartyId,
    /// The adopted norms it certifies (1 to 50).
    pub norms: Vec<NormId>,
    /// Adherence a holder must have to each norm over the 12 months before issuance, percent.
    pub min_adherence: u8,
    /// The least verified value (0-100) every audit finding on a covered norm must show.
    pub min_verified_value: u8,
    /// How recent the audit must be: closed (attested by every auditor) within this many
    /// months before issuance (1 to 60).
    pub audit_within_months: u32,
    /// How long a credential is valid, in months (1 to 60).
    pub validity_months: u32,
    /// Measures that suspend a credential while in force against its holder.
    #[serde(default)]
    pub suspend_on: Vec<Measure>,
    /// Measures that revoke a credential once in force against its holder.
    #[serde(default)]
    pub revoke_on: Vec<Measure>,
}

impl CertificationScheme {
    /// Checks the scheme against the regime and the registry; `at` is its JSON pointer.
    pub fn validate(
        &self,
        regime: &Regime,
        parties: &BTreeMap<PartyId, Party>,
        at: &str,
    ) -> Result<(), Rejection> {
        match parties.get(&self.issuer) {
            Some(p) if p.kind == PartyKind::RegionalCouncil => {}
            Some(p) => {
                return Err(Rejection::malformed(
                    "scheme-issuer",
                    format!("{at}/issuer"),
                    format!(
                        "`{}` is a {}; a scheme's credentials are issued by a regional council",
                        p.id,
                        p.kind.as_str()
                    ),
                ))
            }
            None => {
                return Err(Rejection::malformed(
                    "scheme-issuer",
                    format!("{at}/issuer"),
                    format!("`{}` is not a registered party", self.issuer),
                ))
            }
        }
        if self.norms.is_empty() || self.norms.len() > 50 {
            return Err(Rejection::malformed(
                "scheme-norms",
                format!("{at}/norms"),
                "a scheme covers 1 to 50 norms",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, norm) in self.norms.iter().enumerate() {
            if !seen.insert(norm) {
                return Err(Rejection::malformed(
                    "scheme-norms",
                    format!("{at}/norms/{i}"),
                    format!("`{norm}` is listed twice"),
                ));
            }
            if !regime.norms.contains_key(norm) {
                return Err(Rejection::malformed(
                    "scheme-norms",
                    format!("{at}/norms/{i}"),
                    format!("`{norm}` is not an adopted norm"),
                ));
            }
        }
        for (name, value, max) in [
            ("min_adherence", u32::from(self.min_adherence), 100),
            (
                "min_verified_value",
                u32::from(self.min_verified_value),
                100,
            ),
        ] {
            if value > max {
                return Err(Rejection::malformed(
                    "scheme-threshold",
                    format!("{at}/{name}"),
                    format!("{name} = {value} is above {max}"),
                ));
            }
        }
        for (name, months) in [
            ("audit_within_months", self.audit_within_months),
            ("validity_months", self.validity_months),
        ] {
            if !(1..=60).contains(&months) {
                return Err(Rejection::malformed(
                    "scheme-months",
                    format!("{at}/{name}"),
                    format!("{name} = {months} is outside 1-60 months"),
                ));
            }
        }
        if let Some(m) = self.suspend_on.iter().find(|m| self.revoke_on.contains(m)) {
            return Err(Rejection::malformed(
                "scheme-measures",
                format!("{at}/revoke_on"),
                format!(
                    "`{}` is listed both to suspend and to revoke",
                    serde_json::to_value(m)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }
}

/// A scheme as adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeRecord {
    /// The scheme.
    pub scheme: CertificationScheme,
    /// The instrument that adopted it.
    pub instrument: InstrumentId,
    /// The adopting entry.
    pub adopted: EntryRef,
}

/// `credential.issue`: a council logs a credential it signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialIssue {
    /// The W3C Verifiable Credential (VC Data Model 2.0, JSON-LD) with its Data Integrity
    /// `eddsa-rdfc-2022` proof by the issuing council's key, exactly as
    /// `GET /credentials/draft` builds it from the log.
    pub credential: Value,
}

/// A credential as logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialRecord {
    /// Its number: its index in the status lists.
    pub number: u64,
    /// The scheme and the entry that adopted the version it was issued under.
    pub scheme: SchemeId,
    /// The version of the scheme (its adopting entry's index).
    pub scheme_adopted: u64,
    /// The issuing council.
    pub issuer: PartyId,
    /// The holder.
    pub holder: PartyId,
    /// The audit it rests on.
    pub audit: AuditId,
    /// Valid from (included).
    pub valid_from: Timestamp,
    /// Valid until (excluded).
    pub valid_until: Timestamp,
    /// Measures that suspend it, and that revoke it (the scheme's when issued).
    pub suspend_on: Vec<Measure>,
    /// Measures that revoke it.
    pub revoke_on: Vec<Measure>,
    /// The issuing entry.
    pub entry: EntryRef,
    /// The signed credential.
    pub credential: Value,
}

/// Every credential issued, by number.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    issued: Vec<CredentialRecord>,
}

impl Credentials {
    /// Every credential, by number.
    pub fn all(&self) -> &[CredentialRecord] {
        &self.issued
    }

    /// The credential of `number`.
    pub fn get(&self, number: u64) -> Option<&CredentialRecord> {
        usize::try_from(number)
            .ok()
            .and_then(|n| self.issued.get(n))
    }

    /// The credentials a party holds.
    pub fn of<'a>(&'a self, holder: &'a PartyId) -> impl Iterator<Item = &'a CredentialRecord> {
        self.issued.iter().filter(move |c| &c.holder == holder)
    }

    /// The number the next credential gets.
    pub fn next_number(&self) -> u64 {
        self.issued.len() as u64
    }
}

impl Credentials {
    /// The logged credential `credential` is, exactly (found by its number, compared whole).
    pub fn recorded(&self, credential: &Value) -> Option<&CredentialRecord> {
        let number = credential
            .pointer("/credentialStatus/0/statusListIndex")
            .and_then(Value::as_str)?
            .parse::<u64>()
            .ok()?;
        self.get(number).filter(|c| &c.credential == credential)
    }
}

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

/// What a credential's issuance asks for: the free parameters of [`certification`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The scheme.
    pub scheme: SchemeId,
    /// The audit (its audited party is the holder).
    pub audit: AuditId,
    /// Valid from: at most a day before the issuing entry, never after it.
    pub valid_from: Timestamp,
    /// The log size it rests on (every entry it cites is below it).
    pub log_size: u64,
}

/// The instance's public URL base for an origin (`demo.accord.example/regime` →
/// `https://demo.accord.example/regime`).
pub fn base_url(origin: &str) -> String {
    format!("https://{}", origin.trim_end_matches('/'))
}

/// The URL of a status list of `purpose`.
pub fn status_list_url(origin: &str, purpose: &str) -> String {
    format!("{}/credentials/status/{purpose}", base_url(origin))
}

/// The URL of credential `number`.
pub fn credential_url(origin: &str, number: u64) -> String {
    format!("{}/credentials/{number}", base_url(origin))
}

/// The inline context of Accord's terms.
fn context() -> Value {
    json!([accord_vc::jsonld::CREDENTIALS_V2, {"@vocab": VOCABULARY}])
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

/// A timestamp as an XML Schema `dateTimeStamp` (RFC 3339, UTC, milliseconds).
pub fn rfc3339(t: Timestamp) -> String {
    t.to_string()
}

/// The wire name of a measure.
pub fn measure_name(m: Measure) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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

/// The free parameters of a submitted credential, read back from it.
fn request_of(credential: &Value) -> Result<(u64, Request), Rejection> {
    let text = |pointer: &str| {
        credential
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Rejection::malformed(
                    "credential-shape",
                    format!("/payload/credential{pointer}"),
                    "missing; submit the credential GET /credentials/draft builds, signed",
                )
            })
    };
    let number = text("/credentialStatus/0/statusListIndex")?
        .parse::<u64>()
        .map_err(|_| {
            Rejection::malformed(
                "credential-shape",
                "/payload/credential/credentialStatus/0/statusListIndex",
                "not a number",
            )
        })?;
    let scheme = SchemeId::new(text("/credentialSubject/certification/scheme")?).map_err(|e| {
        Rejection::malformed(
            "credential-shape",
            "/payload/credential/credentialSubject/certification/scheme",
            e.to_string(),
        )
    })?;
    let audit = AuditId::new(text("/credentialSubject/certification/audit")?).map_err(|e| {
        Rejection::malformed(
            "credential-shape",
            "/payload/credential/credentialSubject/certification/audit",
            e.to_string(),
        )
    })?;
    let valid_from = Timestamp::from_rfc3339(text("/validFrom")?).ok_or_else(|| {
        Rejection::malformed(
            "credential-shape",
            "/payload/credential/validFrom",
            "not an RFC 3339 time",
        )
    })?;
    let log_size = credential
        .pointer("/credentialSubject/log/size")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            Rejection::malformed(
                "credential-shape",
                "/payload/credential/credentialSubject/log/size",
                "missing or not a number",
            )
        })?;
    Ok((
        number,
        Request {
            scheme,
            audit,
            valid_from,
            log_size,
        },
    ))
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

/// What the fold of `credential.issue` reads besides its part.
pub struct CredentialInputs<'a> {
    /// The regime (its schemes).
    pub regime: Option<&'a Regime>,
    /// The audits (the holder is the audited party).
    pub audits: &'a crate::enforcement::Audits,
}

/// The part-local rule of `credential.issue` (the rest is [`check_issue`], which the
/// composition layer asks with the whole projection).
impl Admit for CredentialIssue {
    type Part = Credentials;
    type Inputs<'a> = CredentialInputs<'a>;
    type Touched = u64;

    fn check(
        &self,
        _part: &Credentials,
        _inputs: &CredentialInputs<'_>,
        by: &Submitted<'_>,
    ) -> Result<(), Rejection> {
        by.require_kind(PartyKind::RegionalCouncil).map(|_| ())
    }

    fn apply(
        self,
        part: &mut Credentials,
        inputs: &CredentialInputs<'_>,
        by: &PartyId,
        here: EntryRef,
    ) -> Vec<u64> {
        // check_issue admitted it: its parameters read back, its scheme and audit exist.
        let (Ok((number, request)), Some(audit)) = (
            request_of(&self.credential),
            request_of(&self.credential)
                .ok()
                .and_then(|(_, r)| inputs.audits.get(&r.audit)),
        ) else {
            return Vec::new();
        };
        let scheme = inputs.regime.and_then(|r| r.schemes.get(&request.scheme));
        let valid_until = self
            .credential
            .pointer("/validUntil")
            .and_then(Value::as_str)
            .and_then(Timestamp::from_rfc3339)
            .unwrap_or(here.at);
        part.issued.push(CredentialRecord {
            number,
            scheme_adopted: scheme.map_or(0, |s| s.adopted.index),
            suspend_on: scheme
                .map(|s| s.scheme.suspend_on.clone())
                .unwrap_or_default(),
            revoke_on: scheme
                .map(|s| s.scheme.revoke_on.clone())
                .unwrap_or_default(),
            scheme: request.scheme,
            issuer: by.clone(),
            holder: audit.party.clone(),
            audit: request.audit,
            valid_from: request.valid_from,
            valid_until,
            entry: here,
            credential: self.credential,
        });
        vec![number]
    }
}

/// A credential's status at a log time, with its causes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The credential.
    pub number: u64,
    /// When evaluated.
    pub at: Timestamp,
    /// Suspended (a `suspend_on` measure in force).
    pub suspended: bool,
    /// Revoked (a `revoke_on` measure was in force at some moment since issuance).
    pub revoked: bool,
    /// Past its `validUntil` (or before its `validFrom`).
    pub expired: bool,
    /// `valid`, `suspended`, `revoked` or `expired` (revoked first, then expired, then
    /// suspended).
    pub state: &'static str,
    /// Why, in words, each naming its case.
    pub causes: Vec<String>,
}

/// The status of `credential` at log time `at`: a function of the cases against its holder
/// under the regime's policies, and of its validity period.
pub fn status(
    credential: &CredentialRecord,
    regime: &Regime,
    cases: &Cases,
    at: Timestamp,
) -> Status {
    let mut suspended = false;
    let mut revoked = false;
    let mut causes = Vec::new();
    for case in cases.against(&credential.holder) {
        let policy = crate::enforcement::cases::policy_of(regime, case);
        let Some(m) = case.measures(policy, at) else {
            continue;
        };
        let in_force_now = m.since <= at && at < m.until;
        // In force at some moment of [issuance, at]: revocation is final.
        let in_force_since_issued = m.since <= at && m.until > credential.entry.at;
        for measure in &m.measures {
            if in_force_since_issued && credential.revoke_on.contains(measure) {
                revoked = true;
                causes.push(format!(
                    "revoked: `{}` measure of case {} in force since {}",
                    measure_name(*measure),
                    case.case,
                    m.since
                ));
            }
            if in_force_now && credential.suspend_on.contains(measure) {
                suspended = true;
                causes.push(format!(
                    "suspended: `{}` measure of case {} in force from {} until {}",
                    measure_name(*measure),
                    case.case,
                    m.since,
                    m.until
                ));
            }
        }
    }
    let expired = at >= credential.valid_until || at < credential.valid_from;
    if expired {
        causes.push(format!(
            "valid from {} until {}",
            credential.valid_from, credential.valid_until
        ));
    }
    let state = if revoked {
        "revoked"
    } else if expired {
        "expired"
    } else if suspended {
        "suspended"
    } else {
        "valid"
    };
    Status {
        number: credential.number,
        at,
        suspended,
        revoked,
        expired,
        state,
        causes,
    }
}

/// The suspension and revocation lists at log time `at` (in the order of [`PURPOSES`]).
pub fn status_lists(
    credentials: &Credentials,
    regime: Option<&Regime>,
    cases: &Cases,
    at: Timestamp,
) -> [accord_vc::status::Bitstring; 2] {
    let n = credentials.issued.len();
    let mut lists = [
        accord_vc::status::Bitstring::new(n),
        accord_vc::status::Bitstring::new(n),
    ];
    if let Some(regime) = regime {
        for c in &credentials.issued {
            let s = status(c, regime, cases, at);
            let index = usize::try_from(c.number).unwrap_or(usize::MAX);
            // Every number is below the lists' length, which is at least the count.
            let _ = lists[0].set(index, s.suspended);
            let _ = lists[1].set(index, s.revoked);
        }
    }
    lists
}

/// The unsigned Bitstring Status List credential of `purpose` for `list`, issued by the
/// instance (its log key's `did:key`) at `at`: the instance publishes the projection, and
/// anyone recomputes it from the log.
pub fn status_list_credential(
    origin: &str,
    purpose: &str,
    list: &accord_vc::status::Bitstring,
    instance_key: &ed25519_dalek::VerifyingKey,
    at: Timestamp,
    log_size: u64,
) -> Value {
    let url = status_list_url(origin, purpose);
    json!({
        "@context": context(),
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": accord_vc::did::did_key(instance_key),
        "validFrom": rfc3339(at),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": list.encode(),
        },
        "log": {"origin": origin, "size": log_size},
    })
}
