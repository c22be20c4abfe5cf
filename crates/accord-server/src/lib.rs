//! The *serve* box of the data flow: the HTTP face of an instance.
//!
//! Handlers are small: they parse, call the sequencer or read the ledger and the store, and
//! answer. This crate knows HTTP and nothing about SQL; every error leaves as RFC 9457
//! problem+json. The tlog-tiles endpoints follow C2SP exactly, since outsiders rely on them.

// `Problem` is the response itself; boxing it would only add an allocation per error.
#![allow(clippy::result_large_err)]

pub mod accountability;
pub mod auth;
pub mod cbm;
pub mod cluster;
pub mod connections;
pub mod credentials;
pub mod enforcement;
pub mod evidence;
pub mod hardening;
pub mod limits;
pub mod metrics;
pub mod pages;
pub mod problem;
pub mod regime;
pub mod shapes;
pub mod taxii;
pub mod witnessing;

use std::future::Future;
use std::sync::Arc;

use accord_domain::LogEntry;
use accord_envelope::Envelope;
use accord_sequencer::{Core, Ledger, Receipt, Sequencer, Submission, SubmitError};
use accord_store::Store;
use accord_tlog::tiles::{encode_entry_bundle, TileKind, TilePath};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use metrics::Metrics;
pub use problem::Problem;
use problem::PROBLEM_JSON;

/// The largest submission body accepted, in bytes (a logged entry is at most 65,535 bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Feeds the sequencer thread.
    pub sequencer: Sequencer,
    /// Reads the durable projection.
    pub ledger: Arc<Ledger>,
    /// Reads entries and tiles.
    pub store: Arc<dyn Store>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Confidential evidence content, beside the log.
    pub vault: Arc<dyn accord_store::Vault>,
    /// Status resources of recent TAXII posts.
    pub taxii: Arc<taxii::Statuses>,
    /// Party sessions of the dashboard.
    pub sessions: Arc<pages::session::Sessions>,
    /// Bounds on what requests may hold at once (memory of large bodies).
    pub limits: Arc<limits::Limits>,
    /// This node, when several share the store (`None`: this process alone writes it).
    pub node: Option<Arc<cluster::Node>>,
    /// The witnesses this instance asks for cosignatures (`None`: none configured).
    pub witnessing: Option<Arc<witnessing::Witnessing>>,
    /// The instances this one follows and their verified mirrors (`None`: none).
    pub federation: Option<Arc<accord_federation::Federation>>,
}

impl AppState {
    /// The state of a server over `ledger`, fed by `sequencer`, with default limits and
    /// session cookies that are not marked `Secure` (plain HTTP on loopback).
    pub fn new(
        sequencer: Sequencer,
        ledger: Arc<Ledger>,
        vault: Arc<dyn accord_store::Vault>,
        metrics: Arc<Metrics>,
    ) -> Self {
        AppState {
            sequencer,
            store: ledger.store().clone(),
            ledger,
            metrics,
            vault,
            taxii: Default::default(),
            sessions: Default::default(),
            limits: Default::default(),
            node: None,
            witnessing: None,
            federation: None,
        }
    }
}

impl AppState {
    /// Runs `read` over the ledger's projection as of its last published checkpoint: the one
    /// way a handler reads the ledger.
    ///
    /// `read` is synchronous, so the read lock can never be held across an `.await`. It must
    /// not read the ledger again: a second read on the same thread waits behind a queued
    /// writer, which waits behind the first, for ever. So a handler judges its caller or
    /// viewer *before* it takes the view, never inside; debug builds (every test) panic on a
    /// nested view.
    pub fn view_core<T>(&self, read: impl FnOnce(&Core) -> T) -> T {
        let _once = OneView::enter();
        let core = self.ledger.read();
        read(&core)
    }

    /// [`AppState::view_core`] over the projected state only.
    pub fn view<T>(&self, read: impl FnOnce(&accord_domain::State) -> T) -> T {
        self.view_core(|core| read(core.state()))
    }

    /// A dashboard page's view: judges who is looking (before the read, see
    /// [`AppState::view_core`]), then runs `read` with the page's [`pages::Frame`] and the
    /// state, both from one read of the ledger.
    pub fn page<T>(
        &self,
        headers: &HeaderMap,
        read: impl FnOnce(pages::Frame, &accord_domain::State) -> T,
    ) -> T {
        let viewer = pages::viewer(self, headers);
        self.view_core(|core| read(pages::Frame::of(self, core, viewer), core.state()))
    }
}

thread_local! {
    static IN_VIEW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks this thread as inside a ledger view for as long as it lives (also when `read`
/// panics), so that a nested view is caught in debug builds.
struct OneView;

impl OneView {
    fn enter() -> OneView {
        let nested = IN_VIEW.with(|v| v.replace(true));
        debug_assert!(
            !nested,
            "a ledger view taken inside another: judge the caller before the view"
        );
        OneView
    }
}

impl Drop for OneView {
    fn drop(&mut self) {
        IN_VIEW.with(|v| v.set(false));
    }
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::overview::overview))
        .route(
            "/login",
            get(pages::session::login_form).post(pages::session::login),
        )
        .route("/logout", post(pages::session::logout))
        .route("/party/{id}", get(pages::party::party))
        .route(
            "/party/{id}/indicator/{indicator}",
            get(pages::party::explain),
        )
        .route("/norm/{id}", get(pages::views::norm))
        .route("/regions", get(pages::views::regions))
        .route("/region/{id}", get(pages::views::region))
        .route("/region/{id}/report", get(pages::views::report))
        .route("/docket", get(pages::views::docket))
        .route("/docket/{id}", get(pages::views::case))
        .route("/exchange/{id}", get(pages::records::exchange))
        .route("/audit/{id}", get(pages::records::audit))
        .route("/federation", get(pages::federation::index))
        .route("/federation/party/{id}", get(pages::federation::party))
        .route("/federation/equivocations", get(federation_equivocations))
        .route("/federation/mirrors", get(federation_mirrors))
        .route("/intel", get(pages::views::intel))
        .route("/catalog", get(pages::regime::catalog))
        .route("/log", get(pages::log::index))
        .route("/log/checkpoints", get(pages::log::checkpoints))
        .route("/log/{index}", get(pages::log::entry))
        .route("/assets/verify.js", get(pages::log::verify_js))
        .route("/negotiations", get(pages::regime::negotiations))
        .route("/instrument/{id}", get(pages::regime::instrument))
        .route("/calendar", get(pages::regime::calendar))
        .route("/entries", post(submit))
        .route("/entries/{index}", get(entry))
        .route("/receipts/{index}", get(receipt))
        .route("/checkpoint", get(checkpoint))
        .route("/checkpoint/unwitnessed", get(unwitnessed_checkpoint))
        .route("/witnesses", get(witnesses))
        .route("/checkpoints", get(checkpoints))
        .route("/verifier-key", get(verifier_key))
        .route("/tile/{*path}", get(tile))
        .route("/proof/inclusion", get(inclusion_proof))
        .route("/proof/consistency", get(consistency_proof))
        .route("/parties", get(parties))
        .route("/parties/{id}", get(party))
        .route("/norms", get(regime::norms))
        .route("/norms/{id}", get(regime::norm))
        .route("/catalog/versions", get(regime::catalog_versions))
        .route("/catalog/versions/{n}", get(regime::catalog_version_full))
        .route("/catalog/versions/{n}/oscal", get(regime::catalog_oscal))
        .route("/catalog/diff", get(regime::catalog_diff))
        .route("/instruments", get(regime::instruments))
        .route("/instruments/{id}", get(regime::instrument))
        .route("/regions/{id}/parameters", get(regime::region_parameters))
        .route("/parties/{id}/parameters", get(regime::party_parameters))
        .route(
            "/parties/{id}/commitments",
            get(accountability::commitments),
        )
        .route("/parties/{id}/incidents", get(accountability::incidents))
        .route(
            "/parties/{id}/notifications",
            get(accountability::notifications),
        )
        .route(
            "/parties/{id}/indicators/{indicator}",
            get(accountability::indicator),
        )
        .route("/overdue", get(accountability::overdue))
        .route(
            "/evidence/{owner}/{id}",
            get(evidence::read).put(evidence::upload),
        )
        .route(
            "/evidence/{owner}/{id}/read",
            post(evidence::read_in_session),
        )
        .route("/parties/{id}/evidence", get(evidence::list))
        .route("/exchanges", get(cbm::exchanges))
        .route("/exchanges/{id}", get(cbm::exchange))
        .route("/policy", get(enforcement::policy))
        .route("/cases", get(enforcement::docket))
        .route("/cases/{id}", get(enforcement::case))
        .route("/audits", get(enforcement::audits))
        .route("/audits/schedule", get(enforcement::audit_schedule))
        .route("/credentials", get(credentials::list))
        .route("/credentials/draft", get(credentials::draft))
        .route(
            "/credentials/status/{purpose}",
            get(credentials::status_list),
        )
        .route("/credentials/{number}", get(credentials::credential))
        .route(
            "/credentials/{number}/verification",
            get(credentials::verify),
        )
        .route("/credential/{number}", get(pages::records::credential))
        .route("/certifications", get(pages::records::certifications))
        .route("/parties/{id}/standing", get(enforcement::party_standing))
        .route("/parties/{id}/due", get(enforcement::party_due))
        .route("/review-calendar", get(regime::review_calendar))
        .route("/schemas", get(schemas))
        .route("/schemas/envelope", get(envelope_schema))
        .route("/schemas/enforcement-policy", get(policy_schema))
        .route("/schemas/{type}/{version}", get(payload_schema))
        .route("/whoami", get(auth::whoami))
        .route("/sharing", get(sharing_stats))
        .route("/taxii2/", get(taxii::discovery))
        .route("/taxii2/accord/", get(taxii::api_root))
        .route("/taxii2/accord/status/{id}/", get(taxii::status))
        .route("/taxii2/accord/collections/", get(taxii::collections))
        .route("/taxii2/accord/collections/{id}/", get(taxii::collection))
        .route(
            "/taxii2/accord/collections/{id}/objects/",
            get(taxii::objects).post(taxii::post),
        )
        .route(
            "/taxii2/accord/collections/{id}/objects/{object}/",
            get(taxii::object).delete(taxii::delete),
        )
        .route(
            "/taxii2/accord/collections/{id}/objects/{object}/versions/",
            get(taxii::versions),
        )
        .route(
            "/taxii2/accord/collections/{id}/manifest/",
            get(taxii::manifest),
        )
        .route("/taxii2", axum::routing::any(taxii::unknown))
        .route("/taxii2/{*rest}", axum::routing::any(taxii::unknown))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { Problem::not_found("no such endpoint; see /openapi.json") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cluster::forward_writes,
        ))
        .layer(axum::middleware::from_fn(close_after_refused_body))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.limits.connections.request_timeout,
        ))
        .layer(axum::middleware::from_fn(hardening::harden))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A request with a body that is refused may have been answered before its body was read: the
/// connection is then closed after the answer, and says so (`Connection: close`), so that a
/// client never sends its next request on a connection the server is about to drop.
async fn close_after_refused_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let has_body = req.headers().contains_key(header::CONTENT_LENGTH)
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let mut res = next.run(req).await;
    if has_body && (res.status().is_client_error() || res.status().is_server_error()) {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// Serves `router` on `listener` until `shutdown` resolves, under the connection limits of
/// `state.limits` ([`connections`]); requests in flight finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.connections;
    connections::serve(listener, router(state), limits, shutdown).await
}

/// The OpenAPI 3.1 description of this API, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord",
        description = "Signed submissions to a cooperative cybersecurity-norms regime, on a tamper-evident transparency log (C2SP tlog-tiles)."
    ),
    paths(
        submit,
        entry,
        checkpoint,
        receipt,
        unwitnessed_checkpoint,
        witnesses,
        federation_equivocations,
        federation_mirrors,
        checkpoints,
        verifier_key,
        tile,
        inclusion_proof,
        consistency_proof,
        parties,
        party,
        regime::norms,
        regime::norm,
        regime::catalog_versions,
        regime::catalog_version_full,
        regime::catalog_oscal,
        regime::catalog_diff,
        regime::instruments,
        regime::instrument,
        regime::region_parameters,
        regime::party_parameters,
        accountability::commitments,
        accountability::incidents,
        accountability::notifications,
        accountability::indicator,
        accountability::overdue,
        evidence::read,
        evidence::upload,
        evidence::list,
        cbm::exchanges,
        cbm::exchange,
        enforcement::policy,
        enforcement::docket,
        enforcement::case,
        enforcement::audits,
        enforcement::audit_schedule,
        credentials::list,
        credentials::draft,
        credentials::status_list,
        credentials::credential,
        credentials::verify,
        enforcement::party_standing,
        enforcement::party_due,
        auth::whoami,
        sharing_stats,
        regime::review_calendar,
        schemas,
        envelope_schema,
        policy_schema,
        payload_schema,
        healthz,
        metrics_text,
        openapi
    ),
    components(schemas(
        witnessing::WitnessesView,
        witnessing::WitnessLag,
        witnessing::WitnessStatus,
        EquivocationView,
        MirrorView,
        Receipt,
        Problem,
        EntryView,
        CheckpointView,
        InclusionProofView,
        ConsistencyProofView,
        regime::NormSummary,
        SchemaRef
    )),
    modifiers(&EveryOperation)
)]
pub struct ApiDoc;

/// What every operation may answer whatever its handler does: `408` (a problem) when the
/// request is not complete within the request timeout, which wraps every route.
struct EveryOperation;

impl utoipa::Modify for EveryOperation {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let timeout = ResponseBuilder::new()
            .description(
                "The request was not complete within the request timeout (120 s by default)",
            )
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                op.responses
                    .responses
                    .entry("408".to_owned())
                    .or_insert_with(|| timeout.clone().into());
            }
        }
    }
}

/// This document: the OpenAPI 3.1 description of the API, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, body = Object, description = "OpenAPI 3.1")))]
async fn openapi() -> Response {
    use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
    let mut doc = ApiDoc::openapi();
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    // Party tokens (`party.token_issue`), sent as `Authorization: Bearer <token>`.
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    Json(doc).into_response()
}

/// Submits a signed envelope.
#[utoipa::path(
    post, path = "/entries",
    request_body(content = Object, content_type = "application/json",
        description = "A signed envelope in RFC 8785 canonical form: {payload, schema, signature, signer, type}"),
    responses(
        (status = 201, description = "Appended durably; the receipt", body = Receipt),
        (status = 200, description = "Already in the log; the first receipt", body = Receipt),
        (status = 403, description = "Signer, key, signature or role not accepted", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "Conflicts with the state", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "Not application/json", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "Malformed", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "An erasure's task failed", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The sequencer is shutting down or the store failed; retry", body = Problem, content_type = PROBLEM_JSON),
    )
)]
async fn submit(State(app): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match accept_submission(&app, &headers, body).await {
        Ok((receipt, duplicate)) => {
            let outcome = if duplicate { "duplicate" } else { "accepted" };
            app.metrics.submission(outcome, "");
            app.metrics.set_log_size(published_size(&app));
            let status = if duplicate {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let location = format!("/entries/{}", receipt.index);
            let mut res = (status, Json(receipt)).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            res
        }
        Err(p) => {
            app.metrics.submission("rejected", &p.rule);
            p.into_response()
        }
    }
}

async fn accept_submission(
    app: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Receipt, bool), Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
            "Unsupported media type",
            format!(
                "submissions are `application/json`, not `{}`",
                if content_type.is_empty() {
                    "(none)"
                } else {
                    content_type
                }
            ),
        ));
    }
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Body too large",
            format!("a submission is at most {MAX_BODY_BYTES} bytes; store large documents beside the log and reference their hash"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    let envelope = Envelope::from_wire(&bytes)
        .map_err(|e| Problem::from(accord_domain::Rejection::from(e)))?;
    let mut submission = Submission::new(envelope.clone());
    app.ledger
        .preverify(&mut submission)
        .map_err(Problem::from)?;
    let verified = submission.verified_with.is_some();
    let submitted = if envelope.entry_type == accord_domain::payload::EVIDENCE_ERASE {
        // An erasure must reach the vault even if the client goes away after the entry is
        // sequenced: it runs to the end in a task of its own.
        let (sequencer, vault, erase) =
            (app.sequencer.clone(), app.vault.clone(), envelope.clone());
        tokio::spawn(async move {
            let r = sequencer.submit(submission).await;
            if r.is_ok() {
                evidence::erase_after(vault.as_ref(), &erase);
            }
            r
        })
        .await
        .map_err(|e| Problem::internal(format!("the erasure task failed: {e}")))?
    } else {
        app.sequencer.submit(submission).await
    };
    match submitted {
        Ok(outcome) => Ok((outcome.receipt, outcome.duplicate)),
        Err(SubmitError::Rejected(r)) => {
            let recorded = enforcement::record_refusal(app, &envelope, verified, &r).await;
            let mut p = Problem::from(r);
            if let Some(index) = recorded {
                p.detail.push_str(&format!(
                    " (this refused attempt is recorded in the log as entry {index})"
                ));
            }
            Err(p)
        }
        Err(SubmitError::Unavailable(why)) => Err(Problem::unavailable(why)),
    }
}

/// One log entry, as stored.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryView {
    /// Index in the log.
    pub index: u64,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// The entry (its RFC 8785 form is the leaf).
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
}

/// Public statistics of shared threat intelligence: object versions by TLP level, STIX type
/// and kind of sharer, and the number of sharing groups. No content, ids or sharers. The
/// objects themselves are served over TAXII 2.1 under `/taxii2/`.
#[utoipa::path(get, path = "/sharing", responses((status = 200, body = shapes::SharingStats)))]
async fn sharing_stats(State(app): State<AppState>) -> Response {
    app.view(|state| Json(taxii::public_stats(state)).into_response())
}

/// Reads one entry by index.
#[utoipa::path(get, path = "/entries/{index}",
    params(("index" = u64, Path, description = "Entry index")),
    responses((status = 200, body = EntryView),
              (status = 400, description = "Not an entry index", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "Beyond the published log", body = Problem, content_type = PROBLEM_JSON),
              (status = 500, description = "The store could not be read", body = Problem, content_type = PROBLEM_JSON)))]
async fn entry(
    State(app): State<AppState>,
    Path(index): Path<String>,
) -> Result<Response, Problem> {
    let (index, stored) = published_entry(&app, &index)?;
    let entry = serde_json::from_slice(&stored.data)
        .map_err(|e| Problem::internal(format!("stored entry {index} is not JSON: {e}")))?;
    Ok(Json(EntryView {
        index,
        leaf_hash: hex::encode(stored.leaf_hash),
        entry,
    })
    .into_response())
}

/// A receipt for one entry, made now: anchored at the witnessed checkpoint when witnesses
/// are configured and a quorum of them cosigned a checkpoint that covers the entry (its
/// cosignature lines in the receipt's checkpoint, `Accord-Witnessed: true`), otherwise at the
/// latest checkpoint (`Accord-Witnessed: false`). A submitter fetches it again once the
/// checkpoint after its entry is witnessed; `accord receipt verify --witness … --quorum K`
/// checks it offline.
#[utoipa::path(get, path = "/receipts/{index}",
    params(("index" = u64, Path, description = "Entry index")),
    responses((status = 200, body = Receipt,
               headers(("Accord-Witnessed" = String, description = "`true` when a quorum of witnesses cosigned its checkpoint"))),
              (status = 400, description = "Not an entry index", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "Beyond the published log", body = Problem, content_type = PROBLEM_JSON),
              (status = 500, description = "The store could not be read", body = Problem, content_type = PROBLEM_JSON)))]
async fn receipt(
    State(app): State<AppState>,
    Path(index): Path<String>,
) -> Result<Response, Problem> {
    let (index, stored) = published_entry(&app, &index)?;
    let witnessed = app
        .witnessing
        .as_ref()
        .filter(|w| w.quorum() > 0)
        .and_then(|w| w.witnessed())
        .filter(|w| w.size > index);
    let made = app.view_core(|core| {
        let (note, at) = match &witnessed {
            Some(w) => (w.note.clone(), w.size),
            None => {
                let p = core.published()?;
                (p.note.clone(), p.checkpoint.size)
            }
        };
        let proof = core.tree().inclusion_proof(index, at).ok()?;
        let key = accord_sequencer::ledger::signer_key_of(core.state(), &stored.data)?;
        Some(Receipt::new(index, &stored.data, &proof, &note, &key))
    });
    let receipt = made.ok_or_else(|| {
        Problem::internal(format!("a receipt for entry {index} could not be made"))
    })?;
    Ok((
        [(
            header::HeaderName::from_static("accord-witnessed"),
            if witnessed.is_some() { "true" } else { "false" },
        )],
        Json(receipt),
    )
        .into_response())
}

/// The published entry at the index a path names, or the problem to answer.
fn published_entry(
    app: &AppState,
    index: &str,
) -> Result<(u64, accord_store::StoredEntry), Problem> {
    let index: u64 = index
        .parse()
        .map_err(|_| Problem::bad_request("index", format!("`{index}` is not an entry index")))?;
    let size = published_size(app);
    if index >= size {
        return Err(Problem::not_found(format!(
            "entry {index} does not exist; the log has {size} entries"
        )));
    }
    let stored = app
        .store
        .entry(index)?
        .ok_or_else(|| Problem::not_found(format!("entry {index} is missing")))?;
    Ok((index, stored))
}

fn published_size(app: &AppState) -> u64 {
    app.view_core(|core| core.published().map_or(0, |p| p.checkpoint.size))
}

/// How long a cache may keep the checkpoint: a few seconds, so that a CDN in front of the
/// instance absorbs the polling of many readers while they still see a new checkpoint soon.
pub const CHECKPOINT_CACHE: &str = "public, max-age=5";

/// A full tile or entry bundle never changes (C2SP tlog-tiles): cached for a year.
pub const FULL_TILE_CACHE: &str = "public, max-age=31536000, immutable";

/// A partial tile is replaced by a wider one as the log grows: cached briefly.
pub const PARTIAL_TILE_CACHE: &str = "public, max-age=60";

/// The checkpoint readers should rely on (C2SP tlog-checkpoint in a signed note): with
/// witnesses configured and a quorum set, the latest checkpoint that a quorum of them cosigned,
/// with their cosignature lines (C2SP tlog-cosignature) after the instance's signature, and
/// `Accord-Witnessed: true`; otherwise (no witnesses, or none has met the quorum yet) the
/// latest, signed by the instance alone, with `Accord-Witnessed: false`.
#[utoipa::path(get, path = "/checkpoint",
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String,
               headers(("Accord-Witnessed" = String, description = "`true` when a quorum of witnesses cosigned it"))),
              (status = 404, description = "The log is empty", body = Problem, content_type = PROBLEM_JSON)))]
async fn checkpoint(State(app): State<AppState>) -> Result<Response, Problem> {
    let witnessed = app
        .witnessing
        .as_ref()
        .filter(|w| w.quorum() > 0)
        .and_then(|w| w.witnessed());
    let (note, is_witnessed) = match witnessed {
        Some(w) => (w.note, true),
        None => (latest_note(&app)?, false),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CHECKPOINT_CACHE),
            (
                header::HeaderName::from_static("accord-witnessed"),
                if is_witnessed { "true" } else { "false" },
            ),
        ],
        note,
    )
        .into_response())
}

fn latest_note(app: &AppState) -> Result<String, Problem> {
    app.view_core(|core| core.published().map(|p| p.note.clone()))
        .ok_or_else(|| Problem::not_found("the log is empty: no checkpoint yet"))
}

/// The latest checkpoint, signed by the instance alone, whether or not witnesses have
/// cosigned it yet.
#[utoipa::path(get, path = "/checkpoint/unwitnessed",
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String),
              (status = 404, description = "The log is empty", body = Problem, content_type = PROBLEM_JSON)))]
async fn unwitnessed_checkpoint(State(app): State<AppState>) -> Result<Response, Problem> {
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CHECKPOINT_CACHE),
        ],
        latest_note(&app)?,
    )
        .into_response())
}

/// The witnesses this instance asks, the quorum, and each witness's latest cosigned size and
/// lag behind the latest checkpoint.
#[utoipa::path(get, path = "/witnesses",
    responses((status = 200, body = witnessing::WitnessesView)))]
async fn witnesses(State(app): State<AppState>) -> Response {
    let published = app.view_core(|core| core.published().map_or(0, |p| p.checkpoint.size));
    let view = match &app.witnessing {
        Some(w) => w.view(published),
        None => witnessing::WitnessesView {
            quorum: 0,
            published_size: published,
            witnessed_size: 0,
            witnesses: Vec::new(),
        },
    };
    Json(view).into_response()
}

/// A proof that an instance this one follows signed two checkpoints that cannot both be true,
/// as its mirror here caught it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EquivocationView {
    /// The followed instance's local name.
    pub instance: String,
    /// Its public endpoints.
    pub url: String,
    /// Its verifier key, as configured here: the key the proof is checked with.
    pub verifier_key: String,
    /// What cannot both be true, in words.
    pub finding: String,
    /// The proof (`accord-equivocation-proof/v1`): save it and check it offline with
    /// `accord verify-equivocation FILE --verifier-key KEY`.
    #[schema(value_type = Object)]
    pub proof: serde_json::Value,
}

/// Every equivocation proof this instance's mirrors caught (empty when it follows no instance
/// or every followed instance kept one log): published, so that an instance that showed it a
/// split view cannot hide it.
#[utoipa::path(get, path = "/federation/equivocations",
    responses((status = 200, body = [EquivocationView])))]
async fn federation_equivocations(State(app): State<AppState>) -> Response {
    let found: Vec<EquivocationView> = app
        .federation
        .as_ref()
        .map(|f| f.caught())
        .unwrap_or_default()
        .into_iter()
        .map(|(followed, proof, finding)| EquivocationView {
            instance: followed.name,
            url: followed.url,
            verifier_key: followed.verifier_key,
            finding,
            proof: serde_json::to_value(proof).unwrap_or_default(),
        })
        .collect();
    Json(found).into_response()
}

/// One instance this one follows and how far its verified mirror is.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MirrorView {
    /// The followed instance's local name.
    pub instance: String,
    /// Its public endpoints.
    pub url: String,
    /// Its verifier key, as configured here.
    pub verifier_key: String,
    /// Entries mirrored and verified (a checkpoint of its log).
    pub size: u64,
    /// The latest size it listed when last asked.
    pub remote: u64,
    /// Why the last pull stopped short, if it did.
    pub error: Option<String>,
    /// Whether it was caught equivocating (the proof is at `/federation/equivocations`).
    pub equivocated: bool,
    /// Whether the regime here recognizes it, in words.
    pub recognized: String,
}

/// The instances this instance follows and how far each verified mirror is (empty when it
/// follows none).
#[utoipa::path(get, path = "/federation/mirrors",
    responses((status = 200, body = [MirrorView])))]
async fn federation_mirrors(State(app): State<AppState>) -> Response {
    let recognitions = app.view(accord_federation::recognitions_of);
    let mirrors: Vec<MirrorView> = app
        .federation
        .as_ref()
        .map(|f| {
            f.each(|followed, core, status| MirrorView {
                instance: followed.name.clone(),
                url: followed.url.clone(),
                verifier_key: followed.verifier_key.clone(),
                size: core.tree().size(),
                remote: status.remote.max(core.tree().size()),
                error: status.error.clone(),
                equivocated: status.equivocation.is_some(),
                recognized: followed.recognized(&recognitions).describe(),
            })
        })
        .unwrap_or_default();
    Json(mirrors).into_response()
}

/// A recorded checkpoint with the state digest computed at its size.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    /// Tree size.
    pub tree_size: u64,
    /// The signed note.
    pub note: String,
    /// State digest after the entries up to `tree_size`, hex.
    pub state_digest: String,
}

#[derive(Deserialize)]
struct CheckpointsQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

/// Recorded checkpoints with their state digests, oldest first (for replaying verifiers).
#[utoipa::path(get, path = "/checkpoints",
    params(("after" = Option<u64>, Query, description = "Only checkpoints with a larger tree size"),
           ("limit" = Option<usize>, Query, description = "At most this many (default and max 1000)")),
    responses((status = 200, body = [CheckpointView]),
              (status = 400, description = "A parameter is not a number", body = Problem, content_type = PROBLEM_JSON),
              (status = 500, description = "The store could not be read", body = Problem, content_type = PROBLEM_JSON)))]
async fn checkpoints(
    State(app): State<AppState>,
    Query(q): Query<CheckpointsQuery>,
) -> Result<Response, Problem> {
    let limit = q.limit.unwrap_or(1000).clamp(1, 1000);
    let size = published_size(&app);
    let list: Vec<CheckpointView> = app
        .store
        .checkpoints_after(q.after.unwrap_or(0), limit)?
        .into_iter()
        .filter(|c| c.tree_size <= size)
        .map(|c| CheckpointView {
            tree_size: c.tree_size,
            note: c.note,
            state_digest: hex::encode(c.state_digest),
        })
        .collect();
    Ok(Json(list).into_response())
}

/// The instance's checkpoint verifier key (C2SP signed-note `name+keyid+base64`).
#[utoipa::path(get, path = "/verifier-key",
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String)))]
async fn verifier_key(State(app): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", app.ledger.verifier_key()),
    )
        .into_response()
}

/// A C2SP tlog-tiles hash tile or entry bundle.
#[utoipa::path(get, path = "/tile/{path}",
    params(("path" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, N in x-prefixed 3-digit groups")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, description = "Not a tile path, or beyond the published tree", body = Problem, content_type = PROBLEM_JSON),
              (status = 500, description = "The store could not be read", body = Problem, content_type = PROBLEM_JSON)))]
async fn tile(State(app): State<AppState>, Path(path): Path<String>) -> Result<Response, Problem> {
    let full = format!("tile/{path}");
    let tp = TilePath::parse(&full)
        .map_err(|e| Problem::not_found(format!("`/{full}` is not a tile path: {e}")))?;
    let size = published_size(&app);
    let available = |level_shift: u32| -> u64 {
        // Complete items at this level within the published tree, and so in this tile.
        let items = size >> level_shift;
        items.saturating_sub(tp.index * 256).min(256)
    };
    let want = u64::from(tp.width.unwrap_or(256));
    let bytes = match tp.kind {
        TileKind::Hashes { level } => {
            if available(8 * u32::from(level)) < want {
                return Err(tile_missing(&full));
            }
            let stored = app
                .store
                .tile(level, tp.index)?
                .ok_or_else(|| tile_missing(&full))?;
            let n = want as usize * 32;
            if stored.data.len() < n {
                return Err(tile_missing(&full));
            }
            stored.data[..n].to_vec()
        }
        TileKind::Entries => {
            if available(0) < want {
                return Err(tile_missing(&full));
            }
            let start = tp.index * 256;
            let entries = app.store.entries(start, start + want)?;
            encode_entry_bundle(entries.iter().map(|e| e.data.as_slice()))
                .map_err(|e| Problem::internal(e.to_string()))?
        }
    };
    let cache = if tp.width.is_some() {
        PARTIAL_TILE_CACHE
    } else {
        FULL_TILE_CACHE
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

fn tile_missing(path: &str) -> Problem {
    Problem::not_found(format!(
        "`/{path}` does not exist (yet): the published tree does not cover it at that width"
    ))
}

#[derive(Deserialize)]
struct InclusionQuery {
    index: Option<u64>,
    leaf_hash: Option<String>,
    tree_size: Option<u64>,
}

/// An inclusion proof.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InclusionProofView {
    /// Entry index.
    pub index: u64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Leaf hash, hex.
    pub leaf_hash: String,
    /// Proof hashes, base64 (RFC 9162 §2.1.3).
    pub proof: Vec<String>,
}

/// RFC 9162 inclusion proof for an entry (by index or leaf hash) at a tree size.
#[utoipa::path(get, path = "/proof/inclusion",
    params(("index" = Option<u64>, Query, description = "Entry index"),
           ("leaf_hash" = Option<String>, Query, description = "Leaf hash, hex (instead of index)"),
           ("tree_size" = Option<u64>, Query, description = "Tree size (default: latest checkpoint)")),
    responses((status = 200, body = InclusionProofView),
              (status = 400, description = "Not exactly one of `index` and `leaf_hash`, or out of range", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No entry has that leaf hash", body = Problem, content_type = PROBLEM_JSON),
              (status = 500, description = "The store could not be read", body = Problem, content_type = PROBLEM_JSON)))]
async fn inclusion_proof(
    State(app): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Response, Problem> {
    let index = match (q.index, &q.leaf_hash) {
        (Some(i), None) => i,
        (None, Some(h)) => {
            let hash: [u8; 32] = hex::decode(h)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    Problem::bad_request("leaf-hash", "`leaf_hash` must be 64 hex digits")
                })?;
            app.store
                .index_of_leaf(&hash)?
                .ok_or_else(|| Problem::not_found(format!("no entry has leaf hash {h}")))?
        }
        _ => {
            return Err(Problem::bad_request(
                "query",
                "give exactly one of `index` and `leaf_hash`",
            ))
        }
    };
    app.view_core(|core| {
        let latest = core.published().map_or(0, |p| p.checkpoint.size);
        let size = q.tree_size.unwrap_or(latest);
        if size > latest || index >= size {
            return Err(Problem::bad_request(
                "range",
                format!("need index < tree_size <= {latest}; got index {index}, tree_size {size}"),
            ));
        }
        let proof = core
            .tree()
            .inclusion_proof(index, size)
            .map_err(|e| Problem::bad_request("range", e.to_string()))?;
        let leaf = core.tree().leaf(index).unwrap_or_default();
        Ok(Json(InclusionProofView {
            index,
            tree_size: size,
            leaf_hash: hex::encode(leaf),
            proof: proof.iter().map(|h| B64.encode(h)).collect(),
        })
        .into_response())
    })
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    old: u64,
    new: Option<u64>,
}

/// A consistency proof.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsistencyProofView {
    /// Older tree size.
    pub old: u64,
    /// Newer tree size.
    pub new: u64,
    /// Proof hashes, base64 (RFC 9162 §2.1.4).
    pub proof: Vec<String>,
}

/// RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(get, path = "/proof/consistency",
    params(("old" = u64, Query, description = "Older tree size"),
           ("new" = Option<u64>, Query, description = "Newer tree size (default: latest checkpoint)")),
    responses((status = 200, body = ConsistencyProofView),
              (status = 400, description = "`old` missing, or the sizes out of range", body = Problem, content_type = PROBLEM_JSON)))]
async fn consistency_proof(
    State(app): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Response, Problem> {
    app.view_core(|core| {
        let latest = core.published().map_or(0, |p| p.checkpoint.size);
        let new = q.new.unwrap_or(latest);
        if new > latest || q.old > new {
            return Err(Problem::bad_request(
                "range",
                format!("need old <= new <= {latest}; got old {}, new {new}", q.old),
            ));
        }
        let proof = core
            .tree()
            .consistency_proof(q.old, new)
            .map_err(|e| Problem::bad_request("range", e.to_string()))?;
        Ok(Json(ConsistencyProofView {
            old: q.old,
            new,
            proof: proof.iter().map(|h| B64.encode(h)).collect(),
        })
        .into_response())
    })
}

/// A published schema in the list at `/schemas`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SchemaRef {
    /// Entry type.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// Schema version of its payload.
    pub schema: u32,
    /// Where its JSON Schema is.
    pub href: String,
}

/// Every entry type this instance accepts, with where its payload's JSON Schema is; the
/// envelope's own schema is at `/schemas/envelope`.
#[utoipa::path(get, path = "/schemas", responses((status = 200, body = [SchemaRef])))]
async fn schemas() -> Response {
    let list: Vec<SchemaRef> = accord_domain::payload::ENTRY_TYPES
        .iter()
        .map(|(t, v)| SchemaRef {
            entry_type: (*t).to_owned(),
            schema: *v,
            href: format!("/schemas/{t}/{v}"),
        })
        .collect();
    Json(list).into_response()
}

/// The JSON Schema (2020-12) of the signed envelope.
#[utoipa::path(get, path = "/schemas/envelope", responses((status = 200, body = Object, content_type = "application/schema+json")))]
async fn envelope_schema() -> Response {
    let mut schema = schemars::SchemaGenerator::default()
        .into_root_schema_for::<Envelope>()
        .to_value();
    schema["$id"] = "/schemas/envelope".into();
    schema_response(schema)
}

/// The JSON Schema (2020-12) of an enforcement policy document (what an
/// `enforcement_policy` instrument carries; `GET /policy` shows those in force).
#[utoipa::path(get, path = "/schemas/enforcement-policy", responses((status = 200, body = Object, content_type = "application/schema+json")))]
async fn policy_schema() -> Response {
    let mut schema = schemars::SchemaGenerator::default()
        .into_root_schema_for::<accord_domain::enforcement::EnforcementPolicy>()
        .to_value();
    schema["$id"] = "/schemas/enforcement-policy".into();
    schema_response(schema)
}

/// The JSON Schema (2020-12) of one entry type's payload at one schema version.
#[utoipa::path(get, path = "/schemas/{type}/{version}",
    params(("type" = String, Path, description = "Entry type, e.g. `instrument.position`"),
           ("version" = u32, Path, description = "Schema version")),
    responses((status = 200, body = Object, content_type = "application/schema+json"),
              (status = 400, description = "`version` is not a number", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such entry type or schema version", body = Problem, content_type = PROBLEM_JSON)))]
async fn payload_schema(
    Path((entry_type, version)): Path<(String, u32)>,
) -> Result<Response, Problem> {
    let mut schema =
        accord_domain::payload::payload_schema(&entry_type, version).ok_or_else(|| {
            Problem::not_found(format!(
                "no schema {version} of entry type `{entry_type}`; see /schemas for the list"
            ))
        })?;
    schema["$id"] = format!("/schemas/{entry_type}/{version}").into();
    Ok(schema_response(schema))
}

fn schema_response(schema: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/schema+json")],
        Json(schema),
    )
        .into_response()
}

/// The party registry.
#[utoipa::path(get, path = "/parties", responses((status = 200, body = [shapes::PartyView], description = "Every registered party, by id")))]
async fn parties(State(app): State<AppState>) -> Response {
    app.view(|state| Json(state.parties().values().collect::<Vec<_>>()).into_response())
}

/// One party: kind, region, keys and their status, points of contact, reachability record.
#[utoipa::path(get, path = "/parties/{id}",
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::PartyView),
              (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party", body = Problem, content_type = PROBLEM_JSON)))]
async fn party(State(app): State<AppState>, Path(id): Path<String>) -> Result<Response, Problem> {
    app.view(|state| Ok(Json(registered_party(state, &id)?).into_response()))
}

/// Liveness: the ledger answers and the store is readable.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = shapes::Health), (status = 503, description = "The store is unreadable", body = Problem, content_type = PROBLEM_JSON)))]
async fn healthz(State(app): State<AppState>) -> Result<Response, Problem> {
    let stored = app
        .store
        .tree_size()
        .map_err(|e| Problem::unavailable(format!("store unreadable: {e}")))?;
    let published = published_size(&app);
    // Alone on its store a node always sequences; among several, while it holds the lease.
    let role = match (&app.node, app.ledger.is_leading()) {
        (None, _) => "sole",
        (Some(_), true) => "sequencer",
        (Some(_), false) => "follower",
    };
    let mut body = serde_json::json!({
        "status": "ok",
        "tree_size": published,
        "stored": stored,
        "role": role,
    });
    if let Some(node) = &app.node {
        body["node"] = node.id.clone().into();
        body["sequencer"] = node.leader_url().into();
    }
    Ok(Json(body).into_response())
}

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String)))]
async fn metrics_text(State(app): State<AppState>) -> Response {
    app.metrics.set_log_size(published_size(&app));
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

/// The registered party named `id` in a path, or a 404 problem naming it.
pub fn registered_party<'a>(
    state: &'a accord_domain::State,
    id: &str,
) -> Result<&'a accord_domain::registry::Party, Problem> {
    id.parse()
        .ok()
        .and_then(|p: accord_envelope::PartyId| state.party(&p))
        .ok_or_else(|| Problem::not_found(format!("no party `{id}` is registered")))
}

/// Decodes a stored entry for display (used by pages).
pub fn decode_entry(data: &[u8]) -> Option<LogEntry> {
    LogEntry::from_leaf_bytes(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Handlers read the ledger only through [`AppState::view_core`]: the one other read is
    /// the vault's reconciliation at start, before any request is served. The sources are
    /// read with white space and comment lines taken out, so a call split over lines counts.
    #[test]
    fn handlers_read_the_ledger_only_through_a_view() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let needle = ["ledger", ".read()"].concat();
        let mut reads = std::collections::BTreeMap::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let code: String = std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
                    .collect();
                let n = code.matches(needle.as_str()).count();
                if n > 0 {
                    let file = path.strip_prefix(&src).unwrap().display().to_string();
                    reads.insert(file, n);
                }
            }
        }
        let expected: std::collections::BTreeMap<String, usize> =
            [("evidence.rs".to_owned(), 1), ("lib.rs".to_owned(), 1)].into();
        assert_eq!(reads, expected, "reads of the ledger outside a view");
    }

    /// A view taken inside another (which can wait for ever behind a queued writer) panics
    /// in debug builds, and the marker is cleared even when the outer view's reader panics.
    #[test]
    fn a_nested_view_is_caught() {
        let outer = OneView::enter();
        let nested = std::panic::catch_unwind(OneView::enter);
        assert!(nested.is_err(), "a nested view went unnoticed");
        drop(outer);
        let again = std::panic::catch_unwind(OneView::enter);
        assert!(again.is_ok(), "the marker outlived its view");
    }

    /// Every error an operation declares is declared as what the server sends: a problem,
    /// `application/problem+json`, and nothing else.
    #[test]
    fn every_declared_error_is_a_problem() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut errors = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.as_str() < "400" {
                        continue;
                    }
                    errors += 1;
                    let content = response["content"].as_object();
                    let types: Vec<&String> =
                        content.map(|c| c.keys().collect()).unwrap_or_default();
                    assert_eq!(types, [PROBLEM_JSON], "{method} {path} {status}");
                    assert_eq!(
                        response["content"][PROBLEM_JSON]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
                assert!(
                    op["responses"]["408"].is_object(),
                    "{method} {path} does not declare the timeout"
                );
            }
        }
        assert!(errors > 80, "only {errors} error responses declared");
    }

    /// The lists the server answers with arrays are declared as arrays (the issue that made
    /// the document lie: these were declared as objects).
    #[test]
    fn lists_are_arrays_and_every_shape_is_used() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for path in [
            "/parties",
            "/norms",
            "/catalog/versions",
            "/instruments",
            "/parties/{id}/evidence",
            "/review-calendar",
            "/schemas",
            "/checkpoints",
        ] {
            let schema = &doc["paths"][path]["get"]["responses"]["200"]["content"]
                ["application/json"]["schema"];
            assert_eq!(schema["type"], "array", "{path}: {schema}");
        }
        // Every shape is used: each is a component because an operation answers with it.
        for (name, _) in shapes::all() {
            assert!(
                doc["components"]["schemas"][&name].is_object(),
                "{name} is not among the components"
            );
        }
    }
}
