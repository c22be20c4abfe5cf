//! TAXII 2.1 (OASIS, 2021) over the shared-intelligence projection.
//!
//! One API root, `/taxii2/accord/`. Its collections are `community` (every registered party)
//! and one per sharing group; a collection's TAXII id is a name-based UUID of the instance
//! origin and the group id, and its `alias` is the group id. Every endpoint but discovery and
//! the API root needs credentials: `Authorization: Bearer <token>`, or HTTP Basic with the
//! party id as user name and its token as password.
//!
//! Reads go through `Sharing::visible`: the reader's membership, its access tier now, the
//! TLP marking and withdrawals decide, object by object, on every endpoint. A POSTed object
//! is validated ([`accord_stix::validate`]) and becomes one `intel.share` entry signed by the
//! instance key on behalf of the poster: the object itself when TLP:CLEAR, otherwise a salted
//! commitment, with content and salt put in the vault first. DELETE is an `intel.withdraw`
//! entry; the content then leaves the vault. Errors use the TAXII error message resource and
//! media type.
//!
//! Here: the endpoints and who may see which collection. `protocol`: media types and error
//! messages. `filter`: filters and paging. `write`: posts, withdrawals and the vault.
//! Credentials are read by the server's one parser, [`crate::auth::caller`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use accord_domain::enforcement::standing::Tier;
use accord_domain::ids::GroupId;
use accord_domain::sharing::{IntelWithdraw, Reader, Refusal, Tlp, VersionRecord, COMMUNITY};
use accord_domain::{Payload, State as DomainState, Timestamp};
use accord_envelope::PartyId;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};

use crate::AppState;

mod filter;
mod protocol;
mod write;

use filter::{date_span, paged, parse_filter, select, Versions};
pub use protocol::TaxiiError;
use protocol::{accepts_taxii, taxii_json, Answer};
use write::submit;
pub use write::{fuzzing, post, prepare_share, reconcile, withdrawn_keys, Prepared};

/// The TAXII 2.1 media type.
pub const TAXII_MEDIA: &str = "application/taxii+json;version=2.1";
/// The STIX 2.1 media type of objects in a collection.
pub const STIX_MEDIA: &str = "application/stix+json;version=2.1";
/// The one API root's path segment.
pub const API_ROOT: &str = "accord";
/// The largest POST body, in bytes (the API root's `max_content_length`).
pub const MAX_CONTENT_LENGTH: usize = 10 * 1024 * 1024;
/// The largest page; `limit` above it is clamped to it.
pub const MAX_PAGE: usize = 1000;
/// The page when no `limit` is given.
pub const DEFAULT_PAGE: usize = 100;
/// Status resources kept for reading back (oldest dropped first).
pub const STATUSES_KEPT: usize = 10_000;
/// The most objects one POST may carry.
pub const MAX_OBJECTS_PER_POST: usize = 1000;

/// Status resources by id (with their poster), and ids oldest first.
type StatusTable = (HashMap<String, (PartyId, Value)>, VecDeque<String>);

/// Status resources of recent POSTs, in memory.
#[derive(Default)]
pub struct Statuses {
    inner: Mutex<StatusTable>,
}

impl Statuses {
    fn put(&self, id: String, owner: PartyId, status: Value) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0.insert(id.clone(), (owner, status));
        g.1.push_back(id);
        while g.1.len() > STATUSES_KEPT {
            if let Some(old) = g.1.pop_front() {
                g.0.remove(&old);
            }
        }
    }

    fn get(&self, id: &str) -> Option<(PartyId, Value)> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0.get(id).cloned()
    }
}

/// The authenticated party: TAXII collections always need credentials (one parser for the
/// whole server, [`crate::auth::caller`]); refusals are TAXII errors.
fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<PartyId, TaxiiError> {
    match crate::auth::caller(app, headers) {
        Ok(Some(c)) => Ok(c.party),
        Ok(None) => Err(TaxiiError::unauthorized(
            "TAXII collections need credentials: `Authorization: Bearer <token>`, or HTTP Basic with your party id and token",
        )),
        Err(u) => Err(TaxiiError::unauthorized(u.reason())),
    }
}

/// The log time reads are judged at (the clock, never before the last entry).
fn now(app: &AppState, state: &DomainState) -> Timestamp {
    app.ledger.clock_now().max(state.last_at())
}

/// The TAXII id of a collection: the version-5 UUID of `taxii-collection:<origin>:<group>` in
/// Accord's namespace ([`accord_domain::ids::ACCORD_NAMESPACE`]).
pub fn collection_uuid(origin: &str, group: &str) -> String {
    accord_domain::ids::uuid_v5(
        &accord_domain::ids::ACCORD_NAMESPACE,
        &format!("taxii-collection:{origin}:{group}"),
    )
}

/// The id a collection had before [`collection_uuid`] (a version-8 UUID, which strict STIX and
/// TAXII tools refuse): still resolved, so that a client configured with it keeps working.
fn legacy_collection_uuid(origin: &str, group: &str) -> String {
    accord_domain::ids::sha256_uuid(&format!("accord-taxii-collection-v1\n{origin}\n{group}"), 8)
}

/// The group a collection id (TAXII UUID, or the alias) names.
fn group_of(app: &AppState, state: &DomainState, id: &str) -> Option<GroupId> {
    let origin = app.ledger.origin();
    std::iter::once(COMMUNITY.to_owned())
        .chain(state.sharing().groups().keys().map(|g| g.to_string()))
        .find(|g| {
            g == id || collection_uuid(origin, g) == id || legacy_collection_uuid(origin, g) == id
        })
        .and_then(|g| g.parse().ok())
}

/// A reader admitted to a collection: who, since when a member, the group.
struct Admitted {
    reader: Reader,
    since: Option<accord_domain::entry::EntryRef>,
    group: GroupId,
    now: Timestamp,
}

fn admit(
    app: &AppState,
    state: &DomainState,
    party: &PartyId,
    collection: &str,
) -> Result<Admitted, TaxiiError> {
    let now = now(app, state);
    let reader = state
        .sharing_reader(party, now)
        .ok_or_else(|| TaxiiError::internal("the token's party is not registered"))?;
    let group = group_of(app, state, collection).ok_or_else(|| {
        TaxiiError::not_found(format!(
            "there is no collection `{collection}`; list them at /taxii2/{API_ROOT}/collections/"
        ))
    })?;
    match state.sharing().admit(group.as_str(), &reader) {
        Ok(since) => Ok(Admitted {
            reader,
            since,
            group,
            now,
        }),
        Err(Refusal::Unknown) => Err(TaxiiError::not_found(format!("there is no collection `{collection}`"))),
        Err(Refusal::NotMember) => Err(TaxiiError::forbidden(format!(
            "`{party}` is not a member of sharing group `{group}`; its convenor adds members"
        ))),
        Err(Refusal::Suspended) => Err(TaxiiError::forbidden(format!(
            "the sharing access of `{party}` is suspended by a measure in force; see /parties/{party}/standing"
        ))),
    }
}

/// The TAXII collection resource of `group` for a reader.
fn collection_resource(app: &AppState, state: &DomainState, group: &str, can: bool) -> Value {
    let (title, description) = if group == COMMUNITY {
        (
            "Community".to_owned(),
            "Every party of the regime: TLP:CLEAR and TLP:GREEN intelligence.".to_owned(),
        )
    } else {
        let g = &state.sharing().groups()[group];
        (
            g.title.to_string(),
            g.description
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_else(|| format!("Sharing group `{group}` convened by `{}`", g.convenor)),
        )
    };
    json!({
        "id": collection_uuid(app.ledger.origin(), group),
        "title": title,
        "description": description,
        "alias": group,
        "can_read": can,
        "can_write": can,
        "media_types": [STIX_MEDIA],
    })
}

/// `GET /taxii2/`: discovery.
pub async fn discovery(State(app): State<AppState>, headers: HeaderMap) -> Answer {
    accepts_taxii(&headers)?;
    let root = format!("{}/taxii2/{API_ROOT}/", base_url(&headers));
    let title = app.view(|state| {
        state
            .instance()
            .map(|i| i.display_name.to_string())
            .unwrap_or_else(|| "Accord".to_owned())
    });
    Ok(taxii_json(&json!({
        "title": format!("{title} — threat-intelligence sharing"),
        "description": "TAXII 2.1 over the Accord transparency log: TLP 2.0 and sharing groups enforced on every read.",
        "default": root,
        "api_roots": [root],
    })))
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

/// `GET /taxii2/accord/`: the API root.
pub async fn api_root(headers: HeaderMap) -> Answer {
    accepts_taxii(&headers)?;
    Ok(taxii_json(&json!({
        "title": "Accord",
        "description": "Shared threat intelligence of the regime's parties",
        "versions": [TAXII_MEDIA],
        "max_content_length": MAX_CONTENT_LENGTH,
    })))
}

/// `GET /taxii2/accord/collections/`.
pub async fn collections(State(app): State<AppState>, headers: HeaderMap) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    app.view(|state| {
        let reader = state
            .sharing_reader(&party, now(&app, state))
            .ok_or_else(|| TaxiiError::internal("the token's party is not registered"))?;
        let can = reader.tier != Tier::Suspended;
        let list: Vec<Value> = std::iter::once(COMMUNITY)
            .chain(
                state
                    .sharing()
                    .groups()
                    .values()
                    .filter(|g| g.members.contains_key(&party))
                    .map(|g| g.group.as_str()),
            )
            .map(|g| collection_resource(&app, state, g, can))
            .collect();
        Ok(taxii_json(&json!({ "collections": list })))
    })
}

/// `GET /taxii2/accord/collections/{id}/`.
pub async fn collection(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    app.view(|state| {
        let a = admit(&app, state, &party, &id)?;
        let resource = collection_resource(&app, state, a.group.as_str(), true);
        let mut res = taxii_json(&resource);
        // Addressed by its alias, the collection names its canonical URL: TAXII clients
        // (taxii2-client among them) require the collection's id in the URL they query.
        if let Some(uuid) = resource["id"].as_str().filter(|uuid| *uuid != id) {
            let canonical = format!(
                "{}/taxii2/{API_ROOT}/collections/{uuid}/",
                base_url(&headers)
            );
            if let Ok(v) = HeaderValue::from_str(&canonical) {
                res.headers_mut().insert(header::CONTENT_LOCATION, v);
            }
        }
        Ok(res)
    })
}

/// The content of one version: from its log entry (TLP:CLEAR) or the vault.
fn content(app: &AppState, v: &VersionRecord) -> Result<Option<Value>, TaxiiError> {
    if v.sealed() {
        let (owner, key) = v.vault_key();
        return Ok(app
            .vault
            .get(&owner, &key)?
            .and_then(|s| serde_json::from_slice(&s.content).ok()));
    }
    let stored = app.store.entry(v.entry.index)?;
    Ok(stored
        .and_then(|e| crate::decode_entry(&e.data))
        .and_then(|e| e.envelope.payload.get("object").cloned()))
}

/// `GET …/collections/{id}/objects/`.
pub async fn objects(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    read_objects(app, headers, id, None, q).await
}

/// `GET …/collections/{id}/objects/{object_id}/`.
pub async fn object(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    read_objects(app, headers, id, Some(object_id), q).await
}

async fn read_objects(
    app: AppState,
    headers: HeaderMap,
    id: String,
    only: Option<String>,
    q: HashMap<String, String>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    let f = parse_filter(&q, Versions::Last)?;
    let chosen = app.view(|state| {
        let a = admit(&app, state, &party, &id)?;
        let Some(coll) = state.sharing().collection(a.group.as_str()) else {
            return Ok::<_, TaxiiError>(None);
        };
        let (page, more) = select(coll, &a, &f, only.as_deref());
        if only.is_some() && page.is_empty() && more.is_none() {
            return Ok(None);
        }
        let versions: Vec<VersionRecord> = page.iter().map(|i| coll.added[*i].clone()).collect();
        Ok(Some((date_span(coll, &page), more, versions)))
    })?;
    let Some((span, more, versions)) = chosen else {
        return not_in(&only, &id);
    };
    let mut items = Vec::with_capacity(versions.len());
    for v in &versions {
        if let Some(o) = content(&app, v)? {
            items.push(o);
        }
    }
    Ok(paged(span, more, "objects", items))
}

fn not_in(only: &Option<String>, collection: &str) -> Answer {
    match only {
        Some(o) => Err(TaxiiError::not_found(format!(
            "collection `{collection}` has no object `{o}` you can read"
        ))),
        None => Ok(taxii_json(&json!({"more": false}))),
    }
}

/// `GET …/collections/{id}/manifest/`.
pub async fn manifest(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    let f = parse_filter(&q, Versions::Last)?;
    app.view(|state| {
        let a = admit(&app, state, &party, &id)?;
        let Some(coll) = state.sharing().collection(a.group.as_str()) else {
            return Ok(taxii_json(&json!({"more": false})));
        };
        let (page, more) = select(coll, &a, &f, None);
        let items = page
            .iter()
            .map(|i| {
                let v = &coll.added[*i];
                json!({
                    "id": v.id,
                    "date_added": v.entry.at.to_string(),
                    "version": v.version,
                    "media_type": STIX_MEDIA,
                })
            })
            .collect();
        Ok(paged(date_span(coll, &page), more, "objects", items))
    })
}

/// `GET …/collections/{id}/objects/{object_id}/versions/`.
pub async fn versions(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    if q.keys()
        .any(|k| k.starts_with("match[") && k != "match[spec_version]")
    {
        return Err(TaxiiError::bad_request(
            "the versions endpoint takes added_after, limit, next and match[spec_version]",
        ));
    }
    let f = parse_filter(&q, Versions::All)?;
    app.view(|state| {
        let a = admit(&app, state, &party, &id)?;
        let coll = state.sharing().collection(a.group.as_str());
        let (page, more) = coll
            .map(|c| select(c, &a, &f, Some(&object_id)))
            .unwrap_or_default();
        let Some(coll) = coll.filter(|_| !page.is_empty()) else {
            return Err(TaxiiError::not_found(format!(
                "collection `{id}` has no object `{object_id}` you can read"
            )));
        };
        let items = page
            .iter()
            .map(|i| Value::String(coll.added[*i].version.clone()))
            .collect();
        Ok(paged(date_span(coll, &page), more, "versions", items))
    })
}

/// `GET /taxii2/accord/status/{id}/`.
pub async fn status(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    match app.taxii.get(&id) {
        Some((owner, s)) if owner == party => Ok(taxii_json(&s)),
        _ => Err(TaxiiError::not_found(format!(
            "no status `{id}` of yours (the last {STATUSES_KEPT} are kept)"
        ))),
    }
}

/// `DELETE …/collections/{id}/objects/{object_id}/`: the sharer withdraws an object.
pub async fn delete(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    let f = parse_filter(&q, Versions::All)?;
    if f.limit != DEFAULT_PAGE
        || f.next != 0
        || f.added_after.is_some()
        || f.ids.is_some()
        || f.types.is_some()
    {
        return Err(TaxiiError::bad_request(
            "DELETE takes only match[version] and match[spec_version]",
        ));
    }
    let targets: Vec<Option<String>> = app.view(|state| {
        let a = admit(&app, state, &party, &id)?;
        let coll = state.sharing().collection(a.group.as_str());
        let mine: Vec<&VersionRecord> = coll
            .into_iter()
            .flat_map(|c| c.versions(&object_id))
            .filter(|v| v.withdrawn.is_none())
            .collect();
        if mine.is_empty() || !f.spec_ok {
            return Err(TaxiiError::not_found(format!(
                "collection `{id}` has no object `{object_id}`"
            )));
        }
        if mine.iter().any(|v| v.by != party) {
            return Err(TaxiiError::forbidden(format!(
                "`{object_id}` was shared by `{}`; only its sharer deletes it",
                mine[0].by
            )));
        }
        let last = mine.iter().map(|v| &v.version).max().cloned();
        let first = mine.iter().map(|v| &v.version).min().cloned();
        let chosen: Vec<Option<String>> = match &f.versions {
            Versions::All => vec![None],
            Versions::Last => vec![last],
            Versions::First => vec![first],
            Versions::At(set) => mine
                .iter()
                .filter(|v| set.contains(&v.version))
                .map(|v| Some(v.version.clone()))
                .collect(),
        };
        if chosen.is_empty() {
            return Err(TaxiiError::not_found(format!(
                "`{object_id}` has none of the versions asked for"
            )));
        }
        // Without match[version] (parsed as `all`), every version goes.
        Ok(chosen)
    })?;
    let group: GroupId = app
        .view(|state| group_of(&app, state, &id))
        .ok_or_else(|| TaxiiError::not_found("no such collection"))?;
    for version in targets {
        let payload = Payload::IntelWithdraw(IntelWithdraw {
            by: party.clone(),
            collection: group.clone(),
            id: object_id.clone(),
            version,
        });
        let erase = app.view(|state| withdrawn_keys(state.sharing(), &payload));
        submit(&app, &payload)
            .await
            .map_err(|m| TaxiiError::new(StatusCode::CONFLICT, "Conflict", m))?;
        for (owner, key) in erase {
            if let Err(e) = app.vault.erase(&owner, &key) {
                tracing::error!(%owner, %key, error = %e, "erasing withdrawn intelligence from the vault failed; it is retried at the next start");
            }
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// `GET /taxii2/{*rest}` and other unknown TAXII paths.
pub async fn unknown() -> TaxiiError {
    TaxiiError::not_found(format!(
        "no such TAXII endpoint; start at /taxii2/ (API root /taxii2/{API_ROOT}/)"
    ))
}

/// Sharing statistics for the public: objects by TLP level and type, no content.
pub fn public_stats(state: &DomainState) -> Value {
    let mut by_tlp = serde_json::Map::new();
    let mut by_type: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let mut by_kind: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    let mut total = 0u64;
    for t in Tlp::ALL {
        by_tlp.insert(t.label().into(), json!(0));
    }
    for v in state.sharing().live() {
        total += 1;
        if let Some(n) = by_tlp.get_mut(v.tlp.label()) {
            *n = json!(n.as_u64().unwrap_or(0) + 1);
        }
        *by_type.entry(v.object_type.clone()).or_default() += 1;
        if let Some(p) = state.party(&v.by) {
            *by_kind.entry(p.kind.as_str()).or_default() += 1;
        }
    }
    json!({
        "object_versions": total,
        "by_tlp": by_tlp,
        "by_type": by_type,
        "by_sharer_kind": by_kind,
        "sharing_groups": state.sharing().groups().len(),
    })
}
