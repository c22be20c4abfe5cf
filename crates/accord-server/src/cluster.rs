//! Several nodes on one shared store: exactly one sequences, the others follow.
//!
//! Every `accord serve` on a shared store (PostgreSQL) runs [`run_node`] on a thread of its
//! own. It competes for the store's sequencer lease ([`accord_store::Lease`]); the holder
//! sequences, every other node serves reads from its own projection, caught up by tailing the
//! log, and hands writes to the holder ([`forward_writes`]) — or answers `503` with
//! `Retry-After` while no node holds the lease.
//!
//! Invariants (tested in `tests/it/failover.rs`):
//! - **One sequencer.** A node sequences only while it holds the lease, and the store checks
//!   the lease inside every commit: a deposed or paused node commits nothing.
//! - **Caught up before leading.** A node that takes the lease first applies everything
//!   committed before it took it, then starts sequencing.
//! - **Readers see only durable checkpoints**, and a node's published size never shrinks or
//!   forks: followers apply only entries covered by a committed checkpoint whose signature,
//!   root and state digest they checked ([`accord_sequencer::Core::catch_up`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use accord_sequencer::Ledger;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, Problem};

/// How long a lease lasts unless renewed.
pub const LEASE_TTL: Duration = Duration::from_secs(3);
/// How often the holder renews it (and a follower tries to take it).
pub const RENEW_EVERY: Duration = Duration::from_millis(750);
/// How often a follower looks for new entries.
pub const TAIL_EVERY: Duration = Duration::from_millis(200);

/// Marks a request one node handed to another (a follower never hands on what it was handed).
pub const FORWARDED: &str = "accord-forwarded-by";

/// This node in a cluster: its id, where it takes writes, and who sequences.
#[derive(Debug)]
pub struct Node {
    /// Unique per process.
    pub id: String,
    /// Its advertised base URL.
    pub url: String,
    leader: RwLock<Option<String>>,
    /// Its claim to the lease: id and URL signed with `ledger`'s instance key.
    claim: String,
}

impl Node {
    /// A node `id` of `ledger`'s instance, reachable at `url`.
    pub fn new(id: impl Into<String>, url: impl Into<String>, ledger: &Ledger) -> Self {
        let (id, url) = (id.into(), url.into().trim_end_matches('/').to_owned());
        let claim = ledger.lease_claim(&id, &url);
        Node {
            id,
            url,
            leader: RwLock::new(None),
            claim,
        }
    }

    /// The base URL of the node that sequences, as last seen (`None`: none does).
    pub fn leader_url(&self) -> Option<String> {
        self.leader
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_leader(&self, url: Option<String>) {
        *self.leader.write().unwrap_or_else(|p| p.into_inner()) = url;
    }
}

/// Runs this node until `stop` is set: holds or seeks the lease, tails the log while it
/// follows, and calls `on_lead` (after catching up, before sequencing) each time it becomes
/// the sequencer. Gives the lease up when stopped.
pub fn run_node(
    ledger: Arc<Ledger>,
    node: Arc<Node>,
    stop: Arc<AtomicBool>,
    on_lead: &dyn Fn(&Ledger),
) {
    let Some(lease) = ledger.store().lease() else {
        return;
    };
    let ttl = LEASE_TTL.as_millis() as u64;
    let mut last_lease = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if ledger.is_leading() {
            if last_lease.elapsed() >= RENEW_EVERY {
                match lease.acquire(&node.id, &node.url, &node.claim, ttl) {
                    Ok(Some(_)) => last_lease = Instant::now(),
                    outcome => {
                        ledger.set_leading(false);
                        node.set_leader(None);
                        tracing::warn!(node = %node.id, ?outcome, "lost the sequencer lease; following");
                    }
                }
            }
        } else {
            if let Err(e) = ledger.catch_up() {
                tracing::error!(node = %node.id, error = %e, "catching up with the log failed");
            }
            if last_lease.elapsed() >= RENEW_EVERY {
                last_lease = Instant::now();
                try_lead(&ledger, &node, on_lead);
            }
        }
        std::thread::sleep(TAIL_EVERY);
    }
    if ledger.is_leading() {
        ledger.set_leading(false);
        if let Err(e) = lease.release() {
            tracing::warn!(node = %node.id, error = %e, "giving up the sequencer lease failed");
        }
    }
}

/// One attempt to become the sequencer: takes the lease if it is free, catches up with
/// everything committed before, calls `on_lead`, and starts sequencing. Otherwise notes who
/// sequences, for forwarding. Returns whether this node sequences now.
pub fn try_lead(ledger: &Ledger, node: &Node, on_lead: &dyn Fn(&Ledger)) -> bool {
    let Some(lease) = ledger.store().lease() else {
        return true;
    };
    match lease.acquire(
        &node.id,
        &node.url,
        &node.claim,
        LEASE_TTL.as_millis() as u64,
    ) {
        Ok(Some(token)) => match ledger.catch_up() {
            Ok(_) => {
                on_lead(ledger);
                ledger.set_leading(true);
                node.set_leader(Some(node.url.clone()));
                tracing::info!(node = %node.id, token, "took the sequencer lease; sequencing");
                return true;
            }
            Err(e) => {
                tracing::error!(node = %node.id, error = %e, "took the lease but could not catch up; giving it back");
                let _ = lease.release();
            }
        },
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(node = %node.id, error = %e, "asking for the sequencer lease failed")
        }
    }
    match lease.holder() {
        // Writes (and the tokens and cookies they carry) go only to a holder that proves it is
        // one of the instance's nodes: a row rewritten in the database does not redirect them.
        Ok(Some(h)) if !ledger.lease_claim_is_valid(&h.node, &h.url, &h.claim) => {
            if !h.url.is_empty() {
                tracing::warn!(node = %node.id, holder = %h.node, url = %h.url, "the sequencer lease names a holder without a valid claim; not handing it writes");
            }
            node.set_leader(None);
        }
        Ok(holder) => node.set_leader(holder.map(|h| h.url).filter(|u| !u.is_empty())),
        Err(e) => tracing::warn!(node = %node.id, error = %e, "reading the sequencer lease failed"),
    }
    false
}

/// Whether a request writes (or must be served where the writes are): every method but
/// GET/HEAD/OPTIONS; evidence content (each read is logged); TAXII statuses (kept by the node
/// that took the post); and requests of a signed-in dashboard session (kept by the node that
/// signed it in — the sequencer).
fn must_go_to_leader(req: &Request) -> bool {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let path = req.uri().path();
    path.starts_with("/evidence/")
        || path.starts_with("/taxii2/accord/status/")
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains(crate::pages::session::COOKIE))
}

/// Middleware: on a follower, hands writes to the sequencer and relays its answer; `503` with
/// `Retry-After` while no node sequences.
pub async fn forward_writes(AxState(app): AxState<AppState>, req: Request, next: Next) -> Response {
    let Some(node) = app.node.clone() else {
        return next.run(req).await;
    };
    if app.ledger.is_leading() || !must_go_to_leader(&req) {
        return next.run(req).await;
    }
    let none = || {
        Problem::unavailable(
            "no node sequences the log right now (a new sequencer is being elected); retry in a moment",
        )
        .with_retry_after(1)
        .into_response()
    };
    if req.headers().contains_key(FORWARDED) {
        // Handed here by a node that thought this one sequences: it no longer does.
        return none();
    }
    let Some(leader) = node.leader_url().filter(|u| *u != node.url) else {
        return none();
    };
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let max = crate::taxii::MAX_CONTENT_LENGTH;
    if declared.is_some_and(|n| n > max) {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request too large",
            format!("a request body is at most {max} bytes"),
        )
        .into_response();
    }
    let _permit = match app.limits.reserve_body(declared.unwrap_or(max)).await {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    let bytes: Bytes = match axum::body::to_bytes(body, max).await {
        Ok(b) => b,
        Err(_) => {
            return Problem::bad_request(
                "body",
                format!("the body could not be read (at most {max} bytes)"),
            )
            .into_response()
        }
    };
    let target = format!(
        "{leader}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let id = node.id.clone();
    let relayed = tokio::task::spawn_blocking(move || relay(&target, parts, bytes, &id)).await;
    match relayed {
        Ok(Ok(res)) => res,
        Ok(Err(why)) => {
            tracing::warn!(leader = %leader, error = %why, "handing a write to the sequencer failed");
            Problem::unavailable(format!(
                "the node that sequences the log ({leader}) did not answer; retry in a moment"
            ))
            .with_retry_after(1)
            .into_response()
        }
        Err(e) => Problem::internal(format!("relaying a write: {e}")).into_response(),
    }
}

/// Headers that belong to one connection, not to the request or answer.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn relay(
    target: &str,
    parts: axum::http::request::Parts,
    body: Bytes,
    node: &str,
) -> Result<Response, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut request = axum::http::Request::builder()
        .method(parts.method.clone())
        .uri(target);
    for (name, value) in &parts.headers {
        if !hop_by_hop(name) {
            request = request.header(name, value);
        }
    }
    let request = request
        .header(FORWARDED, node)
        .body(body.to_vec())
        .map_err(|e| e.to_string())?;
    let mut answer = agent.run(request).map_err(|e| e.to_string())?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| e.to_string())?;
    let mut res = Response::new(Body::from(bytes));
    *res.status_mut() = status;
    for (name, value) in &headers {
        if !hop_by_hop(name) {
            res.headers_mut().append(name, value.clone());
        }
    }
    res.headers_mut().insert(
        HeaderName::from_static("accord-served-by"),
        HeaderValue::from_static("sequencer"),
    );
    Ok(res)
}
