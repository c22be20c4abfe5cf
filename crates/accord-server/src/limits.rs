//! How much a request may hold at once. Large bodies (TAXII envelopes up to 10 MiB, evidence
//! up to 8 MiB) are read only after reserving their size from one budget shared by all
//! requests, so that concurrent large posts queue instead of multiplying the server's memory;
//! a request that cannot get its share within [`BODY_WAIT`] is answered `503` with
//! `Retry-After`. Parsing then keeps no more than a small multiple of the body.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::Problem;

/// The bytes of request bodies all requests may hold at once, by default.
pub const BODY_BUDGET_BYTES: usize = 16 * 1024 * 1024;
/// How long a request waits for its share of the budget before it is refused.
pub const BODY_WAIT: Duration = Duration::from_secs(30);

/// The server's bounds: connections (see [`crate::connections`]) and the body budget.
#[derive(Debug)]
pub struct Limits {
    /// Connections: how many, and their timeouts.
    pub connections: crate::connections::Limits,
    budget: Arc<Semaphore>,
    budget_kib: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(crate::connections::Limits::default(), BODY_BUDGET_BYTES)
    }
}

/// A reservation of body bytes, returned to the budget when dropped.
#[derive(Debug)]
pub struct BodyPermit(#[allow(dead_code)] OwnedSemaphorePermit);

impl Limits {
    /// Limits with a body budget of `budget_bytes` (at least the largest body, 10 MiB).
    pub fn new(connections: crate::connections::Limits, budget_bytes: usize) -> Self {
        let budget_kib = (budget_bytes / 1024).clamp(1, u32::MAX as usize) as u32;
        Limits {
            connections,
            budget: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
        }
    }

    /// Reserves `bytes` of the body budget (the declared length, or the endpoint's maximum
    /// when the length is not declared), waiting at most [`BODY_WAIT`].
    pub async fn reserve_body(&self, bytes: usize) -> Result<BodyPermit, Problem> {
        let kib = (bytes.div_ceil(1024) as u32).clamp(1, self.budget_kib);
        match tokio::time::timeout(BODY_WAIT, self.budget.clone().acquire_many_owned(kib)).await
        {
            Ok(Ok(permit)) => Ok(BodyPermit(permit)),
            _ => Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Server busy",
                format!(
                    "the server is reading other large requests and could not take {} KiB more within {} s; retry shortly",
                    kib,
                    BODY_WAIT.as_secs()
                ),
            )
            .with_retry_after(5)),
        }
    }
}
