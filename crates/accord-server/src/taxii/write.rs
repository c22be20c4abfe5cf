//! The write path: a POSTed envelope parsed object by object, each validated and prepared
//! (restricted content into the vault first, in one durable write), then sequenced; withdrawals;
//! and the reconciliation of the vault with the log at start.

use std::collections::{BTreeSet, HashMap};

use accord_domain::evidence::commitment;
use accord_domain::ids::GroupId;
use accord_domain::sharing::{
    IntelShare, SealedObject, Sharing, Tlp, VersionRecord, COMMUNITY, MAX_SEALED_BYTES,
};
use accord_domain::{Payload, State as DomainState};
use accord_envelope::canonical::to_canonical;
use accord_envelope::PartyId;
use accord_sequencer::{Submission, SubmitError};
use accord_store::Sealed;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use rand_core::RngCore as _;
use serde_json::{json, Value};

use crate::AppState;

use super::*;

/// The vault keys a withdrawal takes out (the server erases them once the withdrawal is
/// logged; so does a scenario's `intel.withdraw` step).
pub fn withdrawn_keys(sharing: &Sharing, payload: &Payload) -> Vec<(String, String)> {
    let Payload::IntelWithdraw(w) = payload else {
        return Vec::new();
    };
    sharing
        .collection(w.collection.as_str())
        .into_iter()
        .flat_map(|c| c.versions(&w.id))
        .filter(|v| v.sealed() && v.withdrawn.is_none())
        .filter(|v| w.version.as_ref().is_none_or(|x| *x == v.version))
        .map(VersionRecord::vault_key)
        .collect()
}

/// What the log did with a share: whether it was there already, and the log time of its
/// entry (the version of a cyber observable, which has no `modified`).
pub(super) struct Logged {
    duplicate: bool,
    at: Option<String>,
}

/// Signs `payload` as the instance and sequences it; the refusal as text.
pub(super) async fn submit(app: &AppState, payload: &Payload) -> Result<Logged, String> {
    let env = app
        .ledger
        .sign_as_instance(payload)
        .map_err(|r| r.to_string())?;
    match app.sequencer.submit(Submission::new(env)).await {
        Ok(o) => Ok(Logged {
            duplicate: o.duplicate,
            at: o.receipt.entry["sequenced_at"].as_str().map(str::to_owned),
        }),
        Err(SubmitError::Rejected(r)) => Err(r.detail.clone()),
        Err(SubmitError::Unavailable(why)) => Err(format!("the log is unavailable: {why}")),
    }
}

/// `POST …/collections/{id}/objects/`: shares the objects of an envelope.
pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = ct
        .split(';')
        .map(|p| p.replace(' ', "").to_ascii_lowercase());
    let media_ok = parts.next().as_deref() == Some("application/taxii+json")
        && parts.all(|p| !p.starts_with("version=") || p == "version=2.1");
    if !media_ok {
        return Err(TaxiiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!(
                "POST a TAXII envelope as `{TAXII_MEDIA}`, not `{}`",
                if ct.is_empty() { "(none)" } else { ct }
            ),
        ));
    }
    let too_large = || {
        TaxiiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            format!("an envelope is at most {MAX_CONTENT_LENGTH} bytes (the API root's max_content_length); split it"),
        )
    };
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_CONTENT_LENGTH)
    {
        return Err(too_large());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let group = app.view(|state| admit(&app, state, &party, &id))?.group;
    // Read the body only once its size is reserved from the budget all requests share, so
    // concurrent large posts queue rather than multiply memory.
    let _permit = app
        .limits
        .reserve_body(declared.unwrap_or(MAX_CONTENT_LENGTH))
        .await
        .map_err(|p| TaxiiError::new(StatusCode::SERVICE_UNAVAILABLE, "Server busy", p.detail))?;
    let bytes = axum::body::to_bytes(body, MAX_CONTENT_LENGTH)
        .await
        .map_err(|_| too_large())?;
    // Parsing and validating up to 10 MiB is CPU work: off the async workers, so that other
    // requests (health checks among them) keep being answered meanwhile.
    let parsed = {
        let (party, group) = (party.clone(), group.clone());
        tokio::task::spawn_blocking(move || parse_envelope(&bytes, &party, &group))
            .await
            .map_err(|e| TaxiiError::internal(format!("parsing the envelope failed: {e}")))??
    };
    let request_timestamp = app.view(|state| now(&app, state)).to_string();
    let (records, prepared): (Vec<Value>, Vec<_>) = parsed.into_iter().unzip();
    let outcomes = share_all(&app, prepared).await;
    let (mut successes, mut failures) = (Vec::new(), Vec::new());
    for (outcome, mut record) in outcomes.into_iter().zip(records) {
        match outcome {
            Ok((message, at)) => {
                record["message"] = Value::String(message);
                // A cyber observable has no `modified`: its version is when it was added.
                if record.get("version").is_none() {
                    if let Some(at) = at {
                        record["version"] = Value::String(at);
                    }
                }
                successes.push(record);
            }
            Err(message) => {
                record["message"] = Value::String(message);
                failures.push(record);
            }
        }
    }
    let mut uuid = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut uuid);
    let status_id = accord_domain::ids::uuid_string(uuid, 4);
    let status = json!({
        "id": status_id,
        "status": "complete",
        "request_timestamp": request_timestamp,
        "total_count": successes.len() + failures.len(),
        "success_count": successes.len(),
        "successes": successes,
        "failure_count": failures.len(),
        "failures": failures,
        "pending_count": 0,
        "pendings": [],
    });
    app.taxii.put(status_id, party, status.clone());
    Ok((StatusCode::ACCEPTED, taxii_json(&status)).into_response())
}

/// What sharing one object takes: the `intel.share` payload and, for a restricted object, the
/// vault item (key and content) that must be stored before the entry is submitted.
#[derive(Clone)]
pub struct Prepared {
    /// The payload to sign.
    pub share: IntelShare,
    /// Its marking.
    pub tlp: Tlp,
    /// The vault item of a restricted object.
    pub vault_item: Option<((String, String), Sealed)>,
}

/// Validates an object and prepares its share by `party` into `group`, committing to a
/// restricted object's RFC 8785 JSON with `salt`. The error lists every finding.
pub fn prepare_share(
    party: &PartyId,
    group: &GroupId,
    object: Value,
    salt: [u8; 32],
) -> Result<Prepared, String> {
    let summary = accord_stix::validate(&object).map_err(|findings| {
        findings
            .iter()
            .map(|f| {
                format!(
                    "{}: {} ({})",
                    if f.pointer.is_empty() {
                        "/"
                    } else {
                        &f.pointer
                    },
                    f.message,
                    f.rule
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let tlp = Tlp::effective(summary.tlp);
    if tlp == Tlp::Clear {
        return Ok(Prepared {
            share: IntelShare {
                by: party.clone(),
                collection: group.clone(),
                object: Some(object),
                sealed: None,
            },
            tlp,
            vault_item: None,
        });
    }
    let bytes = to_canonical(&object)
        .map_err(|e| format!("the object cannot be put in canonical JSON: {e}"))?;
    if bytes.len() as u64 > MAX_SEALED_BYTES {
        return Err(format!(
            "the object is {} bytes; a restricted object is at most {MAX_SEALED_BYTES}",
            bytes.len()
        ));
    }
    let sealed = SealedObject {
        id: summary.id.clone(),
        object_type: summary.object_type,
        version: summary.version,
        tlp,
        created_by_ref: summary.created_by,
        revoked: summary.revoked,
        sighting_of_ref: summary.sighting_of,
        commitment: commitment(&salt, &bytes),
        size: bytes.len() as u64,
    };
    let key = accord_domain::sharing::vault_key(party, group, &summary.id, &sealed.commitment);
    Ok(Prepared {
        share: IntelShare {
            by: party.clone(),
            collection: group.clone(),
            object: None,
            sealed: Some(sealed),
        },
        tlp,
        vault_item: Some((
            key,
            Sealed {
                salt,
                content: bytes,
            },
        )),
    })
}

/// Validates and shares the objects of one post; per object, the success message or why it
/// failed. Restricted content goes to the vault first, in one durable write; the entries are
/// then sequenced together (one batch, one fsync, as far as the sequencer can); the content of
/// any entry the log refuses is taken back out. If the server stops in between, `reconcile`
/// removes what the log never took at the next start.
pub(super) async fn share_all(
    app: &AppState,
    prepared: Vec<Result<Prepared, String>>,
) -> Vec<Result<(String, Option<String>), String>> {
    // Content moves into the vault write; each share keeps only its vault key.
    let mut items: Vec<(String, String, Sealed)> = Vec::new();
    let shares: Vec<Result<(Prepared, Option<VaultKey>), String>> = prepared
        .into_iter()
        .map(|p| {
            let mut p = p?;
            let key = p.vault_item.take().map(|((owner, key), sealed)| {
                items.push((owner.clone(), key.clone(), sealed));
                (owner, key)
            });
            Ok((p, key))
        })
        .collect();
    let vault = app.vault.clone();
    let stored = tokio::task::spawn_blocking(move || vault.put_many(&items))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let mut tasks = Vec::with_capacity(shares.len());
    for share in shares {
        let app = app.clone();
        let stored = stored.clone();
        tasks.push(tokio::spawn(async move {
            let (p, key) = share?;
            if key.is_some() {
                stored.map_err(|e| format!("the vault refused the content: {e}"))?;
            }
            let tlp = p.tlp;
            match submit(&app, &Payload::IntelShare(Box::new(p.share))).await {
                Ok(Logged {
                    duplicate: true,
                    at,
                }) => Ok((
                    "already shared: this exact object is in the collection".to_owned(),
                    at,
                )),
                Ok(Logged { at, .. }) => Ok((format!("shared as {}", tlp.label()), at)),
                Err(why) => {
                    if let Some((owner, key)) = key {
                        let _ = app.vault.erase(&owner, &key);
                    }
                    Err(why)
                }
            }
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(
            t.await
                .unwrap_or_else(|e| Err(format!("internal error: {e}"))),
        );
    }
    out
}

/// A prepared share, or why the object cannot be shared.
pub(super) type PreparedOrWhy = Result<Prepared, String>;

/// Parses a TAXII envelope and prepares the share of each object as soon as it is read: an
/// invalid object leaves only its message behind, a valid one its prepared share. Per object,
/// its status record (id, version) and the prepared share or why it cannot be shared.
pub(super) fn parse_envelope(
    bytes: &[u8],
    party: &PartyId,
    group: &GroupId,
) -> Result<Vec<(Value, PreparedOrWhy)>, TaxiiError> {
    let mut parsed = Vec::new();
    let mut count = 0usize;
    let envelope = EnvelopeSeed {
        each: &mut |object: Value| {
            count += 1;
            if count > MAX_OBJECTS_PER_POST {
                return;
            }
            let record = status_record(&object);
            let mut salt = [0u8; 32];
            rand_core::OsRng.fill_bytes(&mut salt);
            parsed.push((record, prepare_share(party, group, object, salt)));
        },
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let has_objects = serde::de::DeserializeSeed::deserialize(envelope, &mut de)
        .and_then(|found| de.end().map(|()| found))
        .map_err(|e| TaxiiError::bad_request(format!("the body is not a TAXII envelope: {e}")))?;
    if !has_objects {
        return Err(TaxiiError::bad_request(
            "a TAXII envelope is a JSON object with an `objects` array",
        ));
    }
    if count == 0 || count > MAX_OBJECTS_PER_POST {
        return Err(TaxiiError::bad_request(format!(
            "an envelope carries 1 to {MAX_OBJECTS_PER_POST} objects, not {count}"
        )));
    }
    Ok(parsed)
}

/// Where a restricted object's content sits in the vault: (owner, key).
pub(super) type VaultKey = (String, String);

/// The status resource's record of one posted object: its id and version.
pub(super) fn status_record(object: &Value) -> Value {
    let mut record = json!({ "id": object.get("id").and_then(Value::as_str).unwrap_or("") });
    if let Some(v) = object
        .get("modified")
        .or_else(|| object.get("created"))
        .and_then(Value::as_str)
    {
        record["version"] = Value::String(v.to_owned());
    }
    record
}

/// Parses a TAXII envelope, handing each element of `objects` to `each` as soon as it is
/// read (other members are skipped). Yields whether `objects` was there.
pub(super) struct EnvelopeSeed<'a> {
    each: &'a mut dyn FnMut(Value),
}

impl<'de> serde::de::DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for EnvelopeSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object with an `objects` array")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "objects" && !found {
                found = true;
                map.next_value_seed(ObjectsSeed {
                    each: &mut *self.each,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

pub(super) struct ObjectsSeed<'a> {
    each: &'a mut dyn FnMut(Value),
}

impl<'de> serde::de::DeserializeSeed<'de> for ObjectsSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ObjectsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of STIX objects")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(object) = seq.next_element::<Value>()? {
            (self.each)(object);
        }
        Ok(())
    }
}

/// Removes from the vault every shared object the log does not hold live (withdrawn, or a
/// post whose entry never made it); run at start. Returns how many it removed.
pub fn reconcile(
    state: &DomainState,
    vault: &dyn accord_store::Vault,
) -> Result<usize, accord_store::StoreError> {
    let live: BTreeSet<(String, String)> = state
        .sharing()
        .live()
        .filter(|v| v.sealed())
        .map(VersionRecord::vault_key)
        .collect();
    let mut removed = 0;
    for (owner, id) in vault.list()? {
        if id.starts_with(accord_domain::sharing::VAULT_PREFIX)
            && !live.contains(&(owner.clone(), id.clone()))
        {
            vault.erase(&owner, &id)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Entry points for the fuzzers (`fuzz/`): the TAXII request parsers that take outside bytes.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// Parses a query string as the objects endpoint does (`match[…]`, `added_after`,
    /// `limit`, `next`).
    pub fn query(query: &str) -> bool {
        let Ok(uri) = format!("/?{query}").parse::<axum::http::Uri>() else {
            return false;
        };
        let Ok(Query(q)) = Query::<HashMap<String, String>>::try_from_uri(&uri) else {
            return false;
        };
        parse_filter(&q, Versions::Last).is_ok()
    }

    /// Parses and validates a POSTed envelope as the objects endpoint does.
    pub fn envelope(bytes: &[u8]) -> usize {
        let party: PartyId = "cert-a".parse().expect("a party id");
        let group: GroupId = COMMUNITY.parse().expect("the community");
        parse_envelope(bytes, &party, &group).map_or(0, |p| p.len())
    }
}
