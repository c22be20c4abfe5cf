//! TAXII 2.1 (OASIS, 2021) over the shared-intelligence projection.
//!
//! One API root, `/taxii2/accord/`. Its collections are `community` (every registered party)
//! and one per sharing group; a collection's TAXII id is a name-based UUID of the instance
//! origin and the group id, and its `alias` is the group id. Every endpoint but discovery and
//! the API root needs credentials: `Authorization: Bearer <token>`, or HTTP Basic with the
//! party id as user name and its token as password.
//!
//! Reads go through [`Sharing::visible`]: the reader's membership, its access tier now, the
//! TLP marking and withdrawals decide, object by object, on every endpoint. A POSTed object
//! is validated ([`accord_stix::validate`]) and becomes one `intel.share` entry signed by the
//! instance key on behalf of the poster: the object itself when TLP:CLEAR, otherwise a salted
//! commitment, with content and salt put in the vault first. DELETE is an `intel.withdraw`
//! entry; the content then leaves the vault. Errors use the TAXII error message resource and
//! media type.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;

use accord_domain::enforcement::standing::Tier;
use accord_domain::evidence::commitment;
use accord_domain::ids::GroupId;
use accord_domain::sharing::{
    CollectionRecord, IntelShare, IntelWithdraw, Reader, Refusal, SealedObject, Sharing, Tlp,
    VersionRecord, COMMUNITY, MAX_SEALED_BYTES,
};
use accord_domain::{Payload, State as DomainState, Timestamp};
use accord_envelope::canonical::to_canonical;
use accord_envelope::PartyId;
use accord_sequencer::{Submission, SubmitError};
use accord_store::Sealed;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand_core::RngCore as _;
use serde_json::{json, Map, Value};

use crate::AppState;

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

/// A TAXII error message resource with its HTTP status.
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    title: &'static str,
    description: String,
    details: Option<Value>,
}

impl TaxiiError {
    fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> Self {
        TaxiiError {
            status,
            title,
            description: description.into(),
            details: None,
        }
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", description)
    }

    fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", description)
    }

    fn unauthorized(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", description)
    }

    fn internal(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            description,
        )
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
        });
        if let Some(d) = self.details {
            body["details"] = d;
        }
        let mut res = (self.status, taxii_json(&body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"accord\", Bearer realm=\"accord\""),
            );
        }
        res
    }
}

impl From<accord_store::StoreError> for TaxiiError {
    fn from(e: accord_store::StoreError) -> Self {
        TaxiiError::internal(format!("storage: {e}"))
    }
}

type Answer = Result<Response, TaxiiError>;

fn taxii_json(v: &Value) -> Response {
    let mut res = serde_json::to_vec(v).unwrap_or_default().into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA));
    res
}

/// Whether an `Accept` header admits TAXII 2.1 JSON.
fn accepts_taxii(headers: &HeaderMap) -> Result<(), TaxiiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let accept = accept.to_str().unwrap_or("");
    let ok = accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let params: Vec<String> = parts
            .map(|p| p.replace(' ', "").to_ascii_lowercase())
            .collect();
        let version_ok = params
            .iter()
            .filter(|p| p.starts_with("version="))
            .all(|p| p == "version=2.1");
        match media.as_str() {
            "application/taxii+json" => version_ok,
            "*/*" | "application/*" => true,
            _ => false,
        }
    });
    if ok {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!("this server answers `{TAXII_MEDIA}`; the request accepts only `{accept}`"),
        ))
    }
}

/// The authenticated party.
fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<PartyId, TaxiiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(TaxiiError::unauthorized(
            "TAXII collections need credentials: `Authorization: Bearer <token>`, or HTTP Basic with your party id and token",
        ));
    };
    let value = value.to_str().unwrap_or("");
    let (user, token) = if let Some(t) = value.strip_prefix("Bearer ") {
        (None, t.trim().to_owned())
    } else if let Some(b) = value.strip_prefix("Basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or_else(|| {
                TaxiiError::unauthorized("the Basic credentials are not base64 of `party:token`")
            })?;
        let (u, p) = decoded.split_once(':').ok_or_else(|| {
            TaxiiError::unauthorized("the Basic credentials are not `party:token`")
        })?;
        (Some(u.to_owned()), p.to_owned())
    } else {
        return Err(TaxiiError::unauthorized(
            "send `Authorization: Bearer <token>` or HTTP Basic (`party:token`)",
        ));
    };
    let (party, _) = crate::auth::authenticate(app, token.trim()).ok_or_else(|| {
        TaxiiError::unauthorized(
            "the token is not valid: unknown, revoked or expired; issue a new one with `accord token issue`",
        )
    })?;
    if user.as_deref().is_some_and(|u| u != party.as_str()) {
        return Err(TaxiiError::unauthorized(
            "the Basic user name is not the party the token was issued to",
        ));
    }
    Ok(party)
}

/// The log time reads are judged at (the clock, never before the last entry).
fn now(app: &AppState, state: &DomainState) -> Timestamp {
    app.ledger.clock_now().max(state.last_at())
}

/// The TAXII id of a collection: a name-based UUID (version 8, SHA-256) of the instance origin
/// and the group id.
pub fn collection_uuid(origin: &str, group: &str) -> String {
    accord_domain::ids::name_uuid(&format!("accord-taxii-collection-v1\n{origin}\n{group}"), 8)
}

/// The group a collection id (TAXII UUID, or the alias) names.
fn group_of(app: &AppState, state: &DomainState, id: &str) -> Option<GroupId> {
    let origin = app.ledger.origin();
    std::iter::once(COMMUNITY.to_owned())
        .chain(state.sharing().groups().keys().map(|g| g.to_string()))
        .find(|g| g == id || collection_uuid(origin, g) == id)
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
    let core = app.ledger.read();
    let title = core
        .state()
        .instance()
        .map(|i| i.display_name.to_string())
        .unwrap_or_else(|| "Accord".to_owned());
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
    let core = app.ledger.read();
    let state = core.state();
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
}

/// `GET /taxii2/accord/collections/{id}/`.
pub async fn collection(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    accepts_taxii(&headers)?;
    let party = authenticate(&app, &headers)?;
    let core = app.ledger.read();
    let state = core.state();
    let a = admit(&app, state, &party, &id)?;
    Ok(taxii_json(&collection_resource(
        &app,
        state,
        a.group.as_str(),
        true,
    )))
}

/// The filters of objects, manifest, versions and object requests.
#[derive(Default)]
struct Filter {
    limit: usize,
    next: usize,
    added_after: Option<Timestamp>,
    ids: Option<BTreeSet<String>>,
    types: Option<BTreeSet<String>>,
    versions: Versions,
    spec_ok: bool,
}

#[derive(Default, PartialEq)]
enum Versions {
    #[default]
    Last,
    First,
    All,
    At(BTreeSet<String>),
}

fn parse_filter(
    q: &HashMap<String, String>,
    default_version: Versions,
) -> Result<Filter, TaxiiError> {
    let mut f = Filter {
        limit: DEFAULT_PAGE,
        versions: default_version,
        spec_ok: true,
        ..Filter::default()
    };
    for (k, v) in q {
        let list = || {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<BTreeSet<_>>()
        };
        match k.as_str() {
            "limit" => {
                f.limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| TaxiiError::bad_request(format!("`limit` is a positive integer, not `{v}`")))?
                    .min(MAX_PAGE);
            }
            "next" => {
                f.next = v
                    .strip_prefix('p')
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| TaxiiError::bad_request(format!("`next` is `{v}`, which is not a token this server gave; start again without `next`")))?;
            }
            "added_after" => {
                f.added_after = Some(
                    accord_stix::valid_timestamp(v)
                        .then(|| Timestamp::from_rfc3339(v))
                        .flatten()
                        .ok_or_else(|| TaxiiError::bad_request(format!("`added_after` is a timestamp such as 2026-01-31T23:59:59.000Z, not `{v}`")))?,
                );
            }
            "match[id]" => f.ids = Some(list()),
            "match[type]" => f.types = Some(list()),
            "match[version]" => {
                let l = list();
                f.versions = if l.contains("all") {
                    Versions::All
                } else if l.len() == 1 && l.contains("last") {
                    Versions::Last
                } else if l.len() == 1 && l.contains("first") {
                    Versions::First
                } else {
                    for x in &l {
                        if !accord_stix::valid_timestamp(x) {
                            return Err(TaxiiError::bad_request(format!("`match[version]` takes `last`, `first`, `all` or timestamps, not `{x}`")));
                        }
                    }
                    Versions::At(l)
                };
            }
            "match[spec_version]" => {
                let l = list();
                for x in &l {
                    if !matches!(x.as_str(), "2.0" | "2.1") {
                        return Err(TaxiiError::bad_request(format!("`match[spec_version]` takes `2.0` or `2.1`, not `{x}`")));
                    }
                }
                f.spec_ok = l.contains("2.1");
            }
            other => {
                return Err(TaxiiError::bad_request(format!(
                    "unknown parameter `{other}`; this endpoint takes added_after, limit, next, match[id], match[type], match[version] and match[spec_version]"
                )))
            }
        }
    }
    Ok(f)
}

/// Positions in the collection's log order of the versions a reader gets, one page.
fn select(
    coll: &CollectionRecord,
    a: &Admitted,
    f: &Filter,
    only: Option<&str>,
) -> (Vec<usize>, Option<usize>) {
    let mut page = Vec::new();
    if !f.spec_ok {
        return (page, None);
    }
    let candidates: Box<dyn Iterator<Item = usize>> = match only {
        Some(id) => Box::new(
            coll.objects
                .get(id)
                .into_iter()
                .flat_map(|m| m.values().copied())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(move |i| *i >= f.next),
        ),
        None => Box::new(f.next..coll.added.len()),
    };
    for i in candidates {
        let v = &coll.added[i];
        if f.ids.as_ref().is_some_and(|s| !s.contains(&v.id))
            || f.types
                .as_ref()
                .is_some_and(|s| !s.contains(&v.object_type))
            || f.added_after.is_some_and(|t| v.entry.at <= t)
            || !Sharing::visible(v, &a.reader, a.since, a.now)
        {
            continue;
        }
        let chosen = match &f.versions {
            Versions::All => true,
            Versions::At(set) => set.contains(&v.version),
            Versions::Last => Sharing::last_visible(coll, &v.id, &a.reader, a.since, a.now)
                .is_some_and(|l| std::ptr::eq(l, v)),
            Versions::First => coll
                .versions(&v.id)
                .filter(|x| Sharing::visible(x, &a.reader, a.since, a.now))
                .min_by(|x, y| {
                    x.version
                        .cmp(&y.version)
                        .then(x.entry.index.cmp(&y.entry.index))
                })
                .is_some_and(|l| std::ptr::eq(l, v)),
        };
        if !chosen {
            continue;
        }
        if page.len() == f.limit {
            return (page, Some(i));
        }
        page.push(i);
    }
    (page, None)
}

/// The first and last `date_added` of a page, for the TAXII headers.
fn date_span(coll: &CollectionRecord, page: &[usize]) -> Option<(Timestamp, Timestamp)> {
    let dates = page.iter().map(|i| coll.added[*i].entry.at);
    Some((dates.clone().min()?, dates.max()?))
}

/// The envelope-like answer with the TAXII date headers.
fn paged(
    span: Option<(Timestamp, Timestamp)>,
    more: Option<usize>,
    key: &str,
    items: Vec<Value>,
) -> Response {
    let mut body = Map::new();
    body.insert("more".into(), Value::Bool(more.is_some()));
    if let Some(n) = more {
        body.insert("next".into(), Value::String(format!("p{n}")));
    }
    if !items.is_empty() {
        body.insert(key.into(), Value::Array(items));
    }
    let mut res = taxii_json(&Value::Object(body));
    if let Some((first, last)) = span {
        for (name, value) in [
            ("x-taxii-date-added-first", first.to_string()),
            ("x-taxii-date-added-last", last.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
    }
    res
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
    let (span, more, versions) = {
        let core = app.ledger.read();
        let state = core.state();
        let a = admit(&app, state, &party, &id)?;
        let Some(coll) = state.sharing().collection(a.group.as_str()) else {
            return not_in(&only, &id);
        };
        let (page, more) = select(coll, &a, &f, only.as_deref());
        if only.is_some() && page.is_empty() && more.is_none() {
            return not_in(&only, &id);
        }
        let versions: Vec<VersionRecord> = page.iter().map(|i| coll.added[*i].clone()).collect();
        (date_span(coll, &page), more, versions)
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
    let core = app.ledger.read();
    let state = core.state();
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
    let core = app.ledger.read();
    let state = core.state();
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
    let targets: Vec<Option<String>> = {
        let core = app.ledger.read();
        let state = core.state();
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
        chosen
    };
    let group: GroupId = {
        let core = app.ledger.read();
        group_of(&app, core.state(), &id)
            .ok_or_else(|| TaxiiError::not_found("no such collection"))?
    };
    for version in targets {
        let payload = Payload::IntelWithdraw(IntelWithdraw {
            by: party.clone(),
            collection: group.clone(),
            id: object_id.clone(),
            version,
        });
        let erase = {
            let core = app.ledger.read();
            let state = core.state();
            withdrawn_keys(state.sharing(), &payload)
        };
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

/// The vault keys a withdrawal takes out.
fn withdrawn_keys(sharing: &Sharing, payload: &Payload) -> Vec<(String, String)> {
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

/// Signs `payload` as the instance and sequences it; the refusal as text.
async fn submit(app: &AppState, payload: &Payload) -> Result<bool, String> {
    let env = app
        .ledger
        .sign_as_instance(payload)
        .map_err(|r| r.to_string())?;
    match app.sequencer.submit(Submission::new(env)).await {
        Ok(o) => Ok(o.duplicate),
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
    let group = {
        let core = app.ledger.read();
        admit(&app, core.state(), &party, &id)?.group
    };
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
    let request_timestamp = now(&app, app.ledger.read().state()).to_string();
    let (records, prepared): (Vec<Value>, Vec<_>) = parsed.into_iter().unzip();
    let outcomes = share_all(&app, prepared).await;
    let (mut successes, mut failures) = (Vec::new(), Vec::new());
    for (outcome, mut record) in outcomes.into_iter().zip(records) {
        match outcome {
            Ok(message) => {
                record["message"] = Value::String(message);
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
async fn share_all(
    app: &AppState,
    prepared: Vec<Result<Prepared, String>>,
) -> Vec<Result<String, String>> {
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
                Ok(true) => Ok("already shared: this exact object is in the collection".to_owned()),
                Ok(false) => Ok(format!("shared as {}", tlp.label())),
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
type PreparedOrWhy = Result<Prepared, String>;

/// Parses a TAXII envelope and prepares the share of each object as soon as it is read: an
/// invalid object leaves only its message behind, a valid one its prepared share. Per object,
/// its status record (id, version) and the prepared share or why it cannot be shared.
fn parse_envelope(
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
type VaultKey = (String, String);

/// The status resource's record of one posted object: its id and version.
fn status_record(object: &Value) -> Value {
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
struct EnvelopeSeed<'a> {
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

struct ObjectsSeed<'a> {
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

/// `GET /taxii2/{*rest}` and other unknown TAXII paths.
pub async fn unknown() -> TaxiiError {
    TaxiiError::not_found(format!(
        "no such TAXII endpoint; start at /taxii2/ (API root /taxii2/{API_ROOT}/)"
    ))
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
