//! Portable certifications: the W3C Verifiable Credentials 2.0 a council issues from audits
//! under a certification scheme the regime adopted (`crate::norms::schemes`), as logged, and
//! their status, which follows due process.
//!
//! A credential is what `crate::certification::certification` builds from the log for one
//! (scheme, audit) pair: nothing in it is the issuer's to choose but the moment it is issued
//! from and the log size it rests on. The council signs it with its own key (a Data Integrity
//! `eddsa-rdfc-2022` proof, issuer its `did:key`) and logs it as a `credential.issue` entry;
//! admission rebuilds it and refuses any difference, so a credential is traceable to the signed
//! record it came from, and the secretariat, which holds no council's key, cannot issue one.
//!
//! Its status is a projection ([`status`]): suspended while a measure the scheme lists under
//! `suspend_on` is in force against the holder, revoked from the first moment one listed under
//! `revoke_on` is (revocation is final), expired after `validUntil`. The Bitstring Status
//! Lists ([`status_lists`]) are recomputed from the log by anyone.

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::admission::{Admit, Submitted};
use crate::enforcement::cases::Cases;
use crate::enforcement::policy::Measure;
use crate::entry::EntryRef;
use crate::ids::{AuditId, SchemeId};
use crate::norms::negotiation::Regime;
use crate::norms::schemes::measure_name;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// The vocabulary of Accord's own credential terms (the credential's second, inline context
/// maps every term the W3C context does not define here).
pub const VOCABULARY: &str = "https://w3id.org/accord/v1#";

/// How far before its entry a credential may say it is valid from.
pub const MAX_BACKDATE_MS: u64 = 86_400_000;

/// The status purposes, in the order of [`status_lists`].
pub const PURPOSES: [&str; 2] = ["suspension", "revocation"];

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
pub fn context() -> Value {
    json!([accord_vc::jsonld::CREDENTIALS_V2, {"@vocab": VOCABULARY}])
}

/// A timestamp as an XML Schema `dateTimeStamp` (RFC 3339, UTC, milliseconds).
pub fn rfc3339(t: Timestamp) -> String {
    t.to_string()
}

/// The free parameters of a submitted credential, read back from it.
pub fn request_of(credential: &Value) -> Result<(u64, Request), Rejection> {
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

/// What the fold of `credential.issue` reads besides its part.
pub struct CredentialInputs<'a> {
    /// The regime (its schemes).
    pub regime: Option<&'a Regime>,
    /// The audits (the holder is the audited party).
    pub audits: &'a crate::enforcement::Audits,
}

/// The part-local rule of `credential.issue` (the rest is
/// `crate::certification::check_issue`, which the composition layer asks with the whole
/// projection).
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
        let Ok((number, request)) = request_of(&self.credential) else {
            return Vec::new();
        };
        let Some(audit) = inputs.audits.get(&request.audit) else {
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
