//! The sequencer lease: one row, `accord_lease('sequencer')`, naming the node that may write,
//! its URL, a fencing token and when the lease runs out.
//!
//! - Taking or renewing it is one `UPDATE … WHERE` the lease is free, expired or already this
//!   node's; a new holder gets the next token. Plain row updates: no advisory locks, so the
//!   same statements work on PostgreSQL-compatible distributed engines.
//! - **Fencing inside the commit.** Every batch first updates the lease row *in its own
//!   transaction*, on the condition that it still names this node and token and has not run
//!   out (by the server's clock, `clock_timestamp()`). The row lock this takes orders the batch
//!   against any takeover: a takeover waits for the batch to commit and then sees it, or the
//!   batch waits for the takeover and then finds the token changed and writes nothing. The
//!   batch's checkpoint row records the token it committed under, so the tokens along the
//!   checkpoints never go down — which a test checks.
//! - A leader paused mid-transaction cannot hold the row forever: writer sessions run with
//!   `idle_in_transaction_session_timeout`, so the server ends the transaction (and with it the
//!   paused leader's batch) and the lease can change hands.
//! - Expiry is judged by the database server's clock only; nodes' clocks never decide.

use postgres::GenericClient;
use rand_core::{OsRng, RngCore};

use accord_store::{LeaseHolder, StoreError};

use crate::pg_err;

/// How long an implicitly taken lease (a one-off command writing to the database) lasts;
/// each write renews it, and dropping the store gives it up.
pub const IMPLICIT_TTL_MS: i64 = 30_000;

/// How long a lease takeover waits for the row before concluding someone is mid-commit.
const LOCK_TIMEOUT: &str = "2s";

/// What this process holds.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    pub node: String,
    pub token: i64,
    /// Taken by a write without an election (renewed by each write).
    pub implicit: bool,
}

/// A node id for a process that writes without having been given one.
pub(crate) fn implicit_node() -> String {
    format!("writer-{}-{:08x}", std::process::id(), OsRng.next_u32())
}

/// Takes or renews the lease; `Some(token)` when `node` holds it afterwards.
pub(crate) fn acquire(
    conn: &mut postgres::Client,
    node: &str,
    url: &str,
    claim: &str,
    mine: Option<i64>,
    ttl_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let what = "taking the sequencer lease";
    let mut tx = conn.transaction().map_err(|e| pg_err(e, what))?;
    tx.batch_execute(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        .map_err(|e| pg_err(e, what))?;
    let row = tx.query_opt(
        "UPDATE accord_lease SET
             node = $1,
             url = $2,
             claim = $5,
             token = CASE WHEN node = $1 AND token = $3 THEN token ELSE token + 1 END,
             expires_at = clock_timestamp() + $4::bigint * interval '1 millisecond'
         WHERE name = 'sequencer'
           AND (expires_at <= clock_timestamp() OR (node = $1 AND token = $3))
         RETURNING token",
        &[&node, &url, &mine.unwrap_or(-1), &ttl_ms, &claim],
    );
    match row {
        Ok(row) => {
            tx.commit().map_err(|e| pg_err(e, what))?;
            Ok(row.map(|r| r.get(0)))
        }
        // Someone holds the row (a batch being committed, or a paused one the server has not
        // timed out yet): the lease is not free now.
        Err(e) if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) => Ok(None),
        Err(e) => Err(pg_err(e, what)),
    }
}

/// Ends the lease at once if `node` still holds it with `token`.
pub(crate) fn release(
    conn: &mut impl GenericClient,
    node: &str,
    token: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE accord_lease SET expires_at = '-infinity'
         WHERE name = 'sequencer' AND node = $1 AND token = $2",
        &[&node, &token],
    )
    .map_err(|e| pg_err(e, "giving up the sequencer lease"))?;
    Ok(())
}

/// The live holder, if any.
pub(crate) fn holder(conn: &mut impl GenericClient) -> Result<Option<LeaseHolder>, StoreError> {
    let row = conn
        .query_opt(
            "SELECT node, url, token,
                    floor(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint,
                    claim
             FROM accord_lease
             WHERE name = 'sequencer' AND expires_at > clock_timestamp()",
            &[],
        )
        .map_err(|e| pg_err(e, "reading the sequencer lease"))?;
    Ok(row.map(|r| LeaseHolder {
        node: r.get(0),
        url: r.get(1),
        token: u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
        expires_in_ms: u64::try_from(r.get::<_, i64>(3)).unwrap_or(0),
        claim: r.get(4),
    }))
}

/// The fence of a batch, inside its transaction: holds the lease row until commit and fails
/// unless `held` is still the live lease (an implicit lease is renewed by it).
pub(crate) fn fence(tx: &mut impl GenericClient, held: &Held) -> Result<(), StoreError> {
    let extend = if held.implicit { IMPLICIT_TTL_MS } else { 0 };
    let n = tx
        .execute(
            "UPDATE accord_lease SET expires_at = greatest(
                 expires_at, clock_timestamp() + $3::bigint * interval '1 millisecond')
             WHERE name = 'sequencer' AND node = $1 AND token = $2
               AND expires_at > clock_timestamp()",
            &[&held.node, &held.token, &extend],
        )
        .map_err(|e| pg_err(e, "checking the sequencer lease"))?;
    if n == 0 {
        return Err(StoreError::Fenced(format!(
            "the sequencer lease of token {} is no longer this node's (it ran out or another node took over); nothing was written",
            held.token
        )));
    }
    Ok(())
}

/// The refusal for a write while another node holds the lease.
pub(crate) fn held_elsewhere(holder: Option<LeaseHolder>) -> StoreError {
    match holder {
        Some(h) => StoreError::Fenced(format!(
            "node {} ({}) sequences this log (lease token {}, {} ms left); send writes through it",
            h.node,
            if h.url.is_empty() { "no URL" } else { &h.url },
            h.token,
            h.expires_in_ms
        )),
        None => StoreError::Fenced(
            "another node is committing to this log right now; try again".to_owned(),
        ),
    }
}
