//! Confidential evidence over HTTP (principle 3).
//!
//! - `PUT /evidence/{owner}/{id}`: the owner uploads the content of an item it committed with
//!   `evidence.commit`; the salt travels in `Accord-Evidence-Salt`. The server stores it only if
//!   SHA-256(salt ‖ content) and the size match the logged commitment.
//! - `GET /evidence/{owner}/{id}`: a party with a bearer token reads an item. Whether it may is
//!   computed from the log ([`accord_domain::evidence::Evidences::access`]); if it may, the
//!   read is first made durable as an `evidence.read` entry signed by the instance key, and
//!   only then is the content released, with its salt so the reader can check the commitment.
//! - `GET /parties/{id}/evidence`: the public record of a party's items (marking, commitment,
//!   recipients, grants, logged reads, erasure) — never content or salt.
//!
//! Refusals say which rule applies (TLP audience, erased, not uploaded) and never carry
//! content. Erasure is an `evidence.erase` entry; once it is sequenced the server deletes
//! content and salt from the vault ([`erase_after`]), and [`reconcile_vault`] repeats any
//! deletion a crash interrupted when the server starts.

use accord_domain::evidence::{commitment, AccessBasis, Denied, EvidenceRead, MAX_EVIDENCE_BYTES};
use accord_domain::ids::EvidenceId;
use accord_domain::payload::EVIDENCE_ERASE;
use accord_domain::Payload;
use accord_envelope::{Envelope, PartyId};
use accord_sequencer::{Ledger, Submission, SubmitError};
use accord_store::{Sealed, StoreError, Vault};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand_core::RngCore as _;

use crate::auth::{caller, Caller, Unauthorized};
use crate::problem::PROBLEM_JSON;
use crate::shapes;
use crate::{AppState, Problem};

/// Header carrying the commitment salt, 64 hex digits.
pub const SALT_HEADER: &str = "accord-evidence-salt";
/// Header naming the `evidence.read` entry that recorded a read.
pub const READ_ENTRY_HEADER: &str = "accord-read-entry";

/// A refused evidence request: 401 (with `WWW-Authenticate`) or a problem.
enum Refusal {
    Unauthorized(Unauthorized),
    Problem(Problem),
}

impl From<Problem> for Refusal {
    fn from(p: Problem) -> Self {
        Refusal::Problem(p)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Problem(Problem::unavailable(format!(
            "the evidence vault failed: {e}"
        )))
    }
}

impl Refusal {
    fn outcome(&self) -> &'static str {
        match self {
            Refusal::Unauthorized(_) => "unauthenticated",
            Refusal::Problem(p) => match p.status {
                403 => "forbidden",
                404 => "not_found",
                410 => "gone",
                400 | 409 | 413 | 422 => "invalid",
                _ => "failed",
            },
        }
    }
}

fn respond(app: &AppState, action: &str, result: Result<Response, Refusal>) -> Response {
    match result {
        Ok(r) => {
            app.metrics.evidence(action, "ok");
            r
        }
        Err(refusal) => {
            app.metrics.evidence(action, refusal.outcome());
            match refusal {
                Refusal::Unauthorized(u) => u.into_response(),
                Refusal::Problem(p) => p.into_response(),
            }
        }
    }
}

fn authenticated(app: &AppState, headers: &HeaderMap) -> Result<Caller, Refusal> {
    match caller(app, headers) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(Refusal::Unauthorized(Unauthorized::new(
            "evidence is confidential: send a party token as `Authorization: Bearer <token>`",
        ))),
        Err(u) => Err(Refusal::Unauthorized(u)),
    }
}

fn parse_item(owner: &str, id: &str) -> Result<(PartyId, EvidenceId), Problem> {
    let owner: PartyId = owner
        .parse()
        .map_err(|_| Problem::not_found(format!("no party `{owner}` is registered")))?;
    let id: EvidenceId = id
        .parse()
        .map_err(|e| Problem::not_found(format!("`{id}` is not an evidence id: {e}")))?;
    Ok((owner, id))
}

fn gone(owner: &PartyId, id: &EvidenceId, index: u64) -> Problem {
    Problem::new(
        StatusCode::GONE,
        "evidence-erased",
        "Erased",
        format!(
            "evidence `{owner}/{id}` was erased by entry {index}: its content and salt no longer exist; the commitment stays in the log"
        ),
    )
}

/// Reads a confidential evidence item; the read is logged before the content is released.
#[utoipa::path(get, path = "/evidence/{owner}/{id}",
    params(("owner" = String, Path, description = "Owning party"),
           ("id" = String, Path, description = "Evidence id")),
    responses(
        (status = 200, description = "The content, served as the media type its owner committed (`media_type` of `evidence.commit`, any type); `Accord-Evidence-Salt` and `Accord-Read-Entry` headers", content_type = "*/*", body = Vec<u8>),
        (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The log does not let this party read the item", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such item", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "Committed but not uploaded yet", body = Problem, content_type = PROBLEM_JSON),
        (status = 410, description = "Erased", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The read could not be recorded", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The sequencer or the vault is unavailable; retry", body = Problem, content_type = PROBLEM_JSON)),
    security(("bearer" = [])))]
pub async fn read(
    State(app): State<AppState>,
    method: axum::http::Method,
    Path((owner, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    // A read writes a log entry, so it never happens as a side effect: HEAD, which a client
    // or a proxy may send on its own, is refused, and a browser session reads only through
    // the dashboard's form (`POST …/read`), never by a GET an `<img>` could trigger.
    if method == axum::http::Method::HEAD {
        let mut res = Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
            "Method not allowed",
            "a read of evidence is logged, so it is a GET with a bearer token (HEAD would log a read nobody saw)",
        )
        .into_response();
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, PUT"));
        return res;
    }
    let result = match authenticated(&app, &headers) {
        Ok(who) => read_inner(&app, &owner, &id, who).await,
        Err(e) => Err(e),
    };
    respond(&app, "read", result)
}

/// `POST /evidence/{owner}/{id}/read`: a party reads from its dashboard page. The form comes
/// from this origin and carries the session's CSRF token; the read is logged like any other.
pub async fn read_in_session(
    State(app): State<AppState>,
    Path((owner, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let result = match crate::pages::session::form_session(&app, &headers, &body) {
        Ok((party, _)) => {
            let who = Caller {
                party,
                label: "dashboard session".into(),
            };
            read_inner(&app, &owner, &id, who).await
        }
        Err(p) => Err(p.into()),
    };
    respond(&app, "read", result)
}

async fn read_inner(
    app: &AppState,
    owner: &str,
    id: &str,
    who: Caller,
) -> Result<Response, Refusal> {
    let (owner, id) = parse_item(owner, id)?;
    let (basis, media_type) = decide(app, &owner, &id, &who.party)?;
    let sealed = app.vault.get(owner.as_str(), id.as_str())?.ok_or_else(|| {
        Problem::new(
            StatusCode::CONFLICT,
            "evidence-not-uploaded",
            "Not uploaded",
            format!("evidence `{owner}/{id}` is committed in the log but its owner has not uploaded the content yet"),
        )
    })?;
    let envelope = read_entry(&app.ledger, &owner, &id, &who.party, basis)?;
    let index = match app.sequencer.submit(Submission::new(envelope)).await {
        Ok(o) => o.receipt.index,
        // The state moved between the decision and sequencing (an erasure, an expired grant).
        Err(SubmitError::Rejected(r)) => return Err(Problem::from(r).into()),
        Err(SubmitError::Unavailable(why)) => return Err(Problem::unavailable(why).into()),
    };
    Ok(release(&id, &media_type, sealed, index))
}

/// Decides a read from the log: the basis and the item's media type, or the refusal.
fn decide(
    app: &AppState,
    owner: &PartyId,
    id: &EvidenceId,
    reader: &PartyId,
) -> Result<(AccessBasis, String), Problem> {
    // Decide at the time the read entry will carry (the clock, never before the last entry),
    // so that the decision and the check when the read is sequenced agree.
    let clock = app.ledger.clock_now();
    app.view(|state| {
        let now = clock.max(state.last_at());
        let not_found = || Problem::not_found(format!("`{owner}` committed no evidence `{id}`"));
        state.party(owner).ok_or_else(not_found)?;
        state
            .party(reader)
            .ok_or_else(|| Problem::internal("the token's party is not registered"))?;
        let item = state.evidence().get(owner, id).ok_or_else(not_found)?;
        match state.evidence_access(owner, id, reader, now) {
            Ok(basis) => Ok((basis, item.media_type.to_string())),
            Err(Denied::Unknown) => Err(not_found()),
            Err(Denied::Erased(e)) => Err(gone(owner, id, e.index)),
            Err(Denied::NotAllowed { marking }) => Err(Problem::new(
                StatusCode::FORBIDDEN,
                "evidence-not-allowed",
                "Not allowed",
                format!(
                    "`{reader}` may not read `{owner}/{id}`: it is marked {} and is for {}. Ask its owner to name you as a recipient or grant you access",
                    marking.label(),
                    marking.audience()
                ),
            )),
        }
    })
}

/// The `evidence.read` entry for a read, signed by the instance key.
pub fn read_entry(
    ledger: &Ledger,
    owner: &PartyId,
    id: &EvidenceId,
    reader: &PartyId,
    basis: AccessBasis,
) -> Result<Envelope, Problem> {
    let mut nonce = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut nonce);
    let payload = Payload::EvidenceRead(EvidenceRead {
        owner: owner.clone(),
        evidence: id.clone(),
        reader: reader.clone(),
        basis,
        request: hex::encode(nonce),
    });
    ledger
        .sign_as_instance(&payload)
        .map_err(|r| Problem::internal(format!("signing the read record: {r}")))
}

fn release(id: &EvidenceId, media_type: &str, sealed: Sealed, index: u64) -> Response {
    let mut res = sealed.content.into_response();
    let h = res.headers_mut();
    let ct = HeaderValue::from_str(media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    // Never cached, never rendered inline on this origin, never sniffed.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{id}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&hex::encode(sealed.salt)) {
        h.insert(SALT_HEADER, v);
    }
    h.insert(READ_ENTRY_HEADER, HeaderValue::from(index));
    res
}

/// Uploads the content of an item its owner committed.
#[utoipa::path(put, path = "/evidence/{owner}/{id}",
    params(("owner" = String, Path, description = "Owning party (the token's party)"),
           ("id" = String, Path, description = "Evidence id, as committed"),
           ("Accord-Evidence-Salt" = String, Header, description = "The 32-byte salt, 64 hex digits")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "Stored: `{owner, evidence, size, stored}`", body = shapes::EvidenceStored),
        (status = 200, description = "Already stored (now replaced by the same content)", body = shapes::EvidenceStored),
        (status = 400, description = "No salt, or one that is not 64 hex digits; or a path that does not decode", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The token is not the owner's", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "The owner committed no such item", body = Problem, content_type = PROBLEM_JSON),
        (status = 410, description = "Erased", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Larger than the commitment says", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "Not the committed size or content", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The vault failed, or the body budget is taken; retry (`Retry-After`)", body = Problem, content_type = PROBLEM_JSON)),
    security(("bearer" = [])))]
pub async fn upload(
    State(app): State<AppState>,
    Path((owner, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = upload_inner(&app, &owner, &id, &headers, body).await;
    respond(&app, "upload", result)
}

async fn upload_inner(
    app: &AppState,
    owner: &str,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let who = authenticated(app, headers)?;
    let (owner, id) = parse_item(owner, id)?;
    if who.party != owner {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "not-own-evidence",
            "Not allowed",
            format!(
                "only `{owner}` uploads its evidence; this token is `{}`'s",
                who.party
            ),
        )
        .into());
    }
    let (size, expected) = app.view(|state| {
        let item = state.evidence().get(&owner, &id).ok_or_else(|| {
            Problem::not_found(format!(
                "`{owner}` committed no evidence `{id}`: submit `evidence.commit` first"
            ))
        })?;
        if let Some(e) = &item.erased {
            return Err(gone(&owner, &id, e.entry.index));
        }
        Ok((item.size, item.commitment.clone()))
    })?;
    let salt: [u8; 32] = headers
        .get(SALT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| hex::decode(v.trim()).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            Problem::bad_request(
                "salt",
                "send the commitment's salt as `Accord-Evidence-Salt: <64 hex digits>`",
            )
        })?;
    // The commitment says how large the content is: reserve that much of the body budget and
    // read no more than one byte past it.
    let _permit = app.limits.reserve_body(size as usize).await?;
    let limit = (size as usize)
        .saturating_add(1)
        .min(MAX_EVIDENCE_BYTES as usize);
    let content = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "evidence-size",
            "Body too large",
            format!(
                "the body is larger than the {size} bytes the commitment names (evidence is at most {MAX_EVIDENCE_BYTES} bytes)"
            ),
        )
    })?;
    if content.len() as u64 != size {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "size-mismatch",
            "Not the committed content",
            format!(
                "the commitment is to {size} bytes; this body has {}",
                content.len()
            ),
        )
        .into());
    }
    if commitment(&salt, &content) != expected {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "commitment-mismatch",
            "Not the committed content",
            "SHA-256(salt ‖ content) differs from the logged commitment: wrong file or wrong salt",
        )
        .into());
    }
    let existed = app.vault.get(owner.as_str(), id.as_str())?.is_some();
    app.vault.put(
        owner.as_str(),
        id.as_str(),
        &Sealed {
            salt,
            content: content.to_vec(),
        },
    )?;
    // An erasure may have been sequenced while the body was arriving: look again, and take
    // the content back out if so (the erasure itself found nothing to delete).
    let erased = app.view(|state| {
        state
            .evidence()
            .get(&owner, &id)
            .and_then(|i| i.erased.as_ref().map(|e| e.entry.index))
    });
    if let Some(index) = erased {
        app.vault.erase(owner.as_str(), id.as_str())?;
        return Err(gone(&owner, &id, index).into());
    }
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(serde_json::json!({"owner": owner, "evidence": id, "size": size, "stored": true})),
    )
        .into_response())
}

/// The public record of a party's evidence items: marking, commitment, recipients, grants,
/// logged reads and erasure. Never content or salt.
#[utoipa::path(get, path = "/parties/{id}/evidence",
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = [shapes::EvidenceView], description = "The party's items, by id"), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn list(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let party = crate::registered_party(state, &id)?;
        let items: Vec<_> = state
            .evidence()
            .of(&party.id)
            .map(|m| m.values().collect())
            .unwrap_or_default();
        Ok(Json(items).into_response())
    })
}

/// If `envelope` is an `evidence.erase` that was just sequenced, deletes the item from the
/// vault. A failure here is repaired by [`reconcile_vault`] at the next start; the log
/// already forbids every read.
pub fn erase_after(vault: &dyn Vault, envelope: &Envelope) {
    if envelope.entry_type != EVIDENCE_ERASE {
        return;
    }
    let (Some(owner), Some(id)) = (
        envelope.payload["owner"].as_str(),
        envelope.payload["evidence"].as_str(),
    ) else {
        return;
    };
    if let Err(e) = vault.erase(owner, id) {
        tracing::error!(%owner, %id, error = %e, "erasing evidence from the vault failed; it will be retried at the next start");
    }
}

/// Deletes from the vault every item the log says is erased (or never committed): run at
/// start, it completes erasures a crash interrupted. Returns how many items it removed.
pub fn reconcile_vault(ledger: &Ledger, vault: &dyn Vault) -> Result<usize, StoreError> {
    let doomed: Vec<(String, String)> = {
        let core = ledger.read();
        let evidence = core.state().evidence();
        vault
            .list()?
            .into_iter()
            // Shared intelligence has its own reconciliation (`taxii::reconcile`).
            .filter(|(_, id)| !id.starts_with(accord_domain::sharing::VAULT_PREFIX))
            .filter(|(owner, id)| {
                let record = owner
                    .parse::<PartyId>()
                    .ok()
                    .zip(id.parse::<EvidenceId>().ok())
                    .and_then(|(o, i)| evidence.get(&o, &i));
                record.is_none_or(|r| r.erased.is_some())
            })
            .collect()
    };
    for (owner, id) in &doomed {
        vault.erase(owner, id)?;
    }
    Ok(doomed.len())
}
