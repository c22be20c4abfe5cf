//! The PostgreSQL backend of the [`Store`] trait, for deployments that outgrow one machine.
//!
//! The same three tables as the SQLite store — `entries` (keyed by `idx`, unique
//! `envelope_hash`, indexed `leaf_hash`), `tiles` (keyed by `level`, `idx`), `checkpoints`
//! (keyed by `tree_size`) — plus `accord_meta`, which names the database as an Accord store
//! and holds its schema version.
//!
//! - **Durable and atomic.** Each [`Store::append_batch`] is one transaction, validated inside
//!   it and rolled back on any refusal; it returns once PostgreSQL has committed it (with the
//!   server's default `synchronous_commit = on`, after its WAL is flushed).
//! - **One writer at a time, without advisory locks.** A batch first locks the `accord_meta`
//!   row `writer` (`SELECT … FOR UPDATE`), so concurrent writers — other processes included —
//!   queue; row locks are what PostgreSQL-compatible distributed engines also offer.
//! - **Readers never see half a batch.** Each read is one statement, and so one snapshot.
//! - **Versioned schema**, applied in order under the same lock, one transaction each; a
//!   database that is not an Accord store, or is newer than this build, is refused.
//! - **Distrust what is read back**: a hash that is not 32 bytes or a negative index is
//!   [`StoreError::Corrupt`], naming table, row and column.

#![warn(missing_docs)]

mod lease;
mod vault;

pub use vault::{PostgresVault, VaultKey};

use lease::Held;

use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use accord_store::{
    BatchWrite, Hash, Lease, LeaseHolder, Store, StoreError, StoredCheckpoint, StoredEntry,
    StoredTile,
};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row};

/// Schema migrations, in order: applying `MIGRATIONS[n]` takes the schema from `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE entries(
         idx BIGINT PRIMARY KEY CHECK (idx >= 0),
         leaf_hash BYTEA NOT NULL,
         envelope_hash BYTEA NOT NULL UNIQUE,
         sequenced_at_ms BIGINT NOT NULL,
         data BYTEA NOT NULL
     );
     CREATE INDEX entries_by_leaf_hash ON entries(leaf_hash);
     CREATE TABLE tiles(
         level SMALLINT NOT NULL,
         idx BIGINT NOT NULL,
         data BYTEA NOT NULL,
         PRIMARY KEY(level, idx)
     );
     CREATE TABLE checkpoints(
         tree_size BIGINT PRIMARY KEY,
         note TEXT NOT NULL,
         state_digest BYTEA NOT NULL
     );",
    // 2: the evidence vault (ciphertext only; see `vault`).
    "CREATE TABLE evidence(
         owner TEXT NOT NULL,
         id TEXT NOT NULL,
         nonce BYTEA NOT NULL,
         sealed BYTEA NOT NULL,
         PRIMARY KEY(owner, id)
     );",
    // 3: the sequencer lease (see `lease`), and the token each checkpoint was committed under.
    "CREATE TABLE accord_lease(
         name TEXT PRIMARY KEY,
         node TEXT NOT NULL,
         url TEXT NOT NULL,
         token BIGINT NOT NULL,
         expires_at TIMESTAMPTZ NOT NULL
     );
     INSERT INTO accord_lease VALUES ('sequencer', '', '', 0, '-infinity');
     ALTER TABLE checkpoints ADD COLUMN lease_token BIGINT;",
    // 4: the lease holder's claim to belong to the instance (see `lease`).
    "ALTER TABLE accord_lease ADD COLUMN claim TEXT NOT NULL DEFAULT '';",
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// What `accord_meta.application` holds in an Accord store.
const APPLICATION: &str = "accord";

/// Most reader connections open at once.
const MAX_READERS: usize = 8;

/// A [`Store`] in one PostgreSQL database.
pub struct PostgresStore {
    url: String,
    /// Always `Some` until dropped (taken by `Drop` to close it off the runtime).
    writer: Mutex<Option<Client>>,
    readers: Mutex<Vec<Client>>,
    /// The sequencer lease this process holds, as far as it knows.
    lease: Mutex<Option<Held>>,
    /// Opened by [`PostgresStore::open_existing`]: writes and the lease are refused.
    read_only: bool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &redacted(&self.url))
            .finish_non_exhaustive()
    }
}

/// The URL without its password, for messages.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Runs `f`, which blocks on the synchronous client, where that is allowed: the client drives
/// its own small tokio runtime, which cannot start on a thread that already drives one (an
/// async server's handler), so there `f` runs on a scoped helper thread instead.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn pg_err(e: postgres::Error, what: impl fmt::Display) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`, or any
    /// libpq connection string), creating the schema if the database is empty and bringing it
    /// up to [`SCHEMA_VERSION`].
    pub fn open(url: &str) -> Result<Self, StoreError> {
        off_runtime(|| {
            let mut writer = connect(url)?;
            migrate(&mut writer, url)?;
            // A writer paused (or cut off) inside a transaction must not hold the lease row
            // forever: the server ends such a transaction, and the batch with it.
            writer
                .batch_execute("SET idle_in_transaction_session_timeout = '3s'")
                .map_err(|e| pg_err(e, "configuring the writer session"))?;
            Ok(PostgresStore {
                url: url.to_owned(),
                writer: Mutex::new(Some(writer)),
                readers: Mutex::new(Vec::new()),
                lease: Mutex::new(None),
                read_only: false,
            })
        })
    }

    /// For commands that only read: opens an Accord store that is already there, at exactly
    /// this build's [`SCHEMA_VERSION`], and changes nothing — no schema created or upgraded
    /// (a server of an older build may be using the database), no lock taken. Writes and the
    /// lease through it are refused before they reach the database.
    pub fn open_existing(url: &str) -> Result<Self, StoreError> {
        off_runtime(|| {
            let mut conn = connect(url)?;
            if !has_meta(&mut conn, url)? {
                return Err(StoreError::Corrupt(format!(
                    "{} holds no Accord store (no accord_meta table)",
                    redacted(url)
                )));
            }
            let version = schema_version(&mut conn, url)?;
            if version < SCHEMA_VERSION {
                return Err(StoreError::Corrupt(format!(
                    "{} has schema version {version}, older than version {SCHEMA_VERSION} this build reads; a command of this build that writes (`accord serve`) upgrades it, and commands that only read never change a database",
                    redacted(url)
                )));
            }
            Ok(PostgresStore {
                url: url.to_owned(),
                writer: Mutex::new(Some(conn)),
                readers: Mutex::new(Vec::new()),
                lease: Mutex::new(None),
                read_only: true,
            })
        })
    }

    /// Drops every Accord table in the database at `url` (log, vault, metadata), for
    /// `accord demo --fresh`. Refuses a database that holds tables but is not an Accord store.
    pub fn reset(url: &str) -> Result<(), StoreError> {
        let mut conn = connect(url)?;
        let what = || format!("resetting {}", redacted(url));
        let mut tx = conn.transaction().map_err(|e| pg_err(e, what()))?;
        let names: Vec<String> = tx
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema()",
                &[],
            )
            .map_err(|e| pg_err(e, what()))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        if !names.iter().any(|n| n == "accord_meta") {
            return Err(StoreError::Corrupt(format!(
                "{} holds {} tables but is not an Accord store; not touching it",
                redacted(url),
                names.len()
            )));
        }
        tx.batch_execute(
            "DROP TABLE IF EXISTS entries, tiles, checkpoints, evidence, accord_lease, accord_meta",
        )
        .map_err(|e| pg_err(e, what()))?;
        tx.commit().map_err(|e| pg_err(e, what()))
    }

    fn refuse_if_read_only(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::Backend(format!(
                "{} was opened read-only: nothing is written through it",
                redacted(&self.url)
            )));
        }
        Ok(())
    }

    fn writer(&self) -> MutexGuard<'_, Option<Client>> {
        // A panic while holding the lock left no transaction open (dropping it rolls back).
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `read` on a reader connection (opened on demand, kept for reuse).
    fn read<T: Send>(
        &self,
        read: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| self.read_here(read))
    }

    fn read_here<T>(
        &self,
        read: impl FnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match idle {
            Some(c) if !c.is_closed() => c,
            _ => connect(&self.url)?,
        };
        let out = read(&mut conn);
        let mut pool = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < MAX_READERS && !conn.is_closed() {
            pool.push(conn);
        }
        out
    }
}

/// Whether the database at `url` holds Accord's `accord_meta` table.
fn has_meta(conn: &mut impl postgres::GenericClient, url: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'accord_meta')",
            &[],
        )
        .map_err(|e| pg_err(e, format!("reading {}", redacted(url))))?
        .get(0))
}

/// The schema version of the Accord store at `url`, after checking that it is one and is no
/// newer than this build.
fn schema_version(conn: &mut impl postgres::GenericClient, url: &str) -> Result<i64, StoreError> {
    let mut meta = |key: &str| -> Result<String, StoreError> {
        conn.query_opt("SELECT value FROM accord_meta WHERE key = $1", &[&key])
            .map_err(|e| pg_err(e, format!("reading {}", redacted(url))))?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::Corrupt(format!("accord_meta has no row `{key}`")))
    };
    if meta("application")? != APPLICATION {
        return Err(StoreError::Corrupt(format!(
            "{} is not an Accord store (accord_meta.application)",
            redacted(url)
        )));
    }
    let version: i64 = meta("schema")?
        .parse()
        .map_err(|_| StoreError::Corrupt("accord_meta.schema is not a number".to_owned()))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "{} has schema version {version}, newer than version {SCHEMA_VERSION} this build knows; use a newer Accord",
            redacted(url)
        )));
    }
    Ok(version)
}

fn connect(url: &str) -> Result<Client, StoreError> {
    Client::connect(url, NoTls).map_err(|e| pg_err(e, format!("connecting to {}", redacted(url))))
}

/// Creates `accord_meta` if the database is empty, checks that it is an Accord store no newer
/// than this build, and applies the missing migrations.
fn migrate(conn: &mut Client, url: &str) -> Result<(), StoreError> {
    let what = || format!("preparing the store at {}", redacted(url));
    let tables: i64 = conn
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(|e| pg_err(e, what()))?
        .get(0);
    if !has_meta(conn, url)? {
        if tables > 0 {
            return Err(StoreError::Corrupt(format!(
                "{} holds {tables} tables but is not an Accord store (no accord_meta table)",
                redacted(url)
            )));
        }
        conn.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS accord_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO accord_meta VALUES ('application', '{APPLICATION}'), ('schema', '0'),
                 ('writer', 'the row a batch locks') ON CONFLICT DO NOTHING;"
        ))
        .map_err(|e| pg_err(e, what()))?;
    }
    loop {
        let mut tx = conn.transaction().map_err(|e| pg_err(e, what()))?;
        lock_writer(&mut tx)?;
        let version = schema_version(&mut tx, url)?;
        let Some(sql) = MIGRATIONS.get(version as usize) else {
            return Ok(());
        };
        let to = version + 1;
        tx.batch_execute(sql)
            .map_err(|e| pg_err(e, format!("migrating to schema version {to}")))?;
        tx.execute(
            "UPDATE accord_meta SET value = $1 WHERE key = 'schema'",
            &[&to.to_string()],
        )
        .map_err(|e| pg_err(e, format!("migrating to schema version {to}")))?;
        tx.commit()
            .map_err(|e| pg_err(e, format!("migrating to schema version {to}")))?;
    }
}

/// Takes the writers' lock for the rest of the transaction.
fn lock_writer(tx: &mut impl GenericClient) -> Result<(), StoreError> {
    tx.query_one(
        "SELECT value FROM accord_meta WHERE key = 'writer' FOR UPDATE",
        &[],
    )
    .map_err(|e| pg_err(e, "taking the writers' lock"))?;
    Ok(())
}

/// A u64 as a BIGINT parameter, or a refusal naming what did not fit.
fn int_param(v: u64, what: impl FnOnce() -> String) -> Result<i64, StoreError> {
    i64::try_from(v)
        .map_err(|_| StoreError::Backend(format!("{} does not fit in a BIGINT", what())))
}

fn hash(row: &Row, column: &str, table: &str, key: i64) -> Result<Hash, StoreError> {
    let bytes: Vec<u8> = row.get(column);
    bytes.try_into().map_err(|b: Vec<u8>| {
        StoreError::Corrupt(format!(
            "table {table}: row {key}: column {column} holds {} bytes, not 32",
            b.len()
        ))
    })
}

fn index(v: i64, table: &str, column: &str) -> Result<u64, StoreError> {
    u64::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("table {table}: row {column} = {v} is negative")))
}

fn decode_entry(row: &Row) -> Result<StoredEntry, StoreError> {
    let idx: i64 = row.get("idx");
    let at: i64 = row.get("sequenced_at_ms");
    Ok(StoredEntry {
        index: index(idx, "entries", "idx")?,
        leaf_hash: hash(row, "leaf_hash", "entries", idx)?,
        envelope_hash: hash(row, "envelope_hash", "entries", idx)?,
        sequenced_at_ms: index(at, "entries", "sequenced_at_ms")?,
        data: row.get("data"),
    })
}

fn decode_tile(row: &Row) -> Result<StoredTile, StoreError> {
    let level: i16 = row.get("level");
    let idx: i64 = row.get("idx");
    let data: Vec<u8> = row.get("data");
    if data.is_empty() || !data.len().is_multiple_of(32) || data.len() > 256 * 32 {
        return Err(StoreError::Corrupt(format!(
            "table tiles: row ({level}, {idx}): data holds {} bytes, not 1 to 256 hashes",
            data.len()
        )));
    }
    Ok(StoredTile {
        level: u8::try_from(level).map_err(|_| {
            StoreError::Corrupt(format!("table tiles: row level = {level} is out of range"))
        })?,
        index: index(idx, "tiles", "idx")?,
        data,
    })
}

fn decode_checkpoint(row: &Row) -> Result<StoredCheckpoint, StoreError> {
    let size: i64 = row.get("tree_size");
    Ok(StoredCheckpoint {
        tree_size: index(size, "checkpoints", "tree_size")?,
        note: row.get("note"),
        state_digest: hash(row, "state_digest", "checkpoints", size)?,
    })
}

fn tree_size(conn: &mut impl GenericClient) -> Result<u64, StoreError> {
    let max: Option<i64> = conn
        .query_one("SELECT max(idx) FROM entries", &[])
        .map_err(|e| pg_err(e, "reading the tree size"))?
        .get(0);
    Ok(match max {
        None => 0,
        Some(max) => index(max, "entries", "idx")? + 1,
    })
}

fn checkpoints(
    conn: &mut impl GenericClient,
    sql: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    conn.query(sql, args)
        .map_err(|e| pg_err(e, "reading checkpoints"))?
        .iter()
        .map(decode_checkpoint)
        .collect()
}

fn index_by(
    conn: &mut impl GenericClient,
    sql: &str,
    hash: &Hash,
) -> Result<Option<u64>, StoreError> {
    let key: &[u8] = hash;
    conn.query_opt(sql, &[&key])
        .map_err(|e| pg_err(e, "looking up an entry"))?
        .map(|r| index(r.get(0), "entries", "idx"))
        .transpose()
}

/// Validates and writes one batch inside the caller's transaction (which holds the writers'
/// lock). Every refusal is found before anything is written, since a failed statement would
/// abort the transaction.
fn write_batch(
    tx: &mut impl GenericClient,
    batch: &BatchWrite,
    lease_token: i64,
) -> Result<(), StoreError> {
    let size = tree_size(tx)?;
    accord_store::check_contiguous(size, &batch.entries)?;
    // One round trip for the whole batch: which of its envelopes are stored already.
    let hashes: Vec<&[u8]> = batch.entries.iter().map(|e| &e.envelope_hash[..]).collect();
    if !hashes.is_empty() {
        let stored = tx
            .query(
                "SELECT idx, envelope_hash FROM entries WHERE envelope_hash = ANY($1)
                 ORDER BY idx LIMIT 1",
                &[&hashes],
            )
            .map_err(|e| pg_err(e, "looking up the batch's envelopes"))?;
        if let Some(row) = stored.first() {
            let idx: i64 = row.get(0);
            return Err(StoreError::DuplicateEnvelope {
                envelope_hash: hash(row, "envelope_hash", "entries", idx)?,
                index: index(idx, "entries", "idx")?,
            });
        }
    }
    let mut seen = HashSet::new();
    for e in &batch.entries {
        if !seen.insert(e.envelope_hash) {
            let index = batch
                .entries
                .iter()
                .find(|f| f.envelope_hash == e.envelope_hash)
                .map_or(e.index, |f| f.index);
            return Err(StoreError::DuplicateEnvelope {
                envelope_hash: e.envelope_hash,
                index,
            });
        }
    }
    // A tile named twice in one batch counts once, as its last version — which must not be
    // narrower than an earlier one.
    let mut last: std::collections::HashMap<(u8, u64), &StoredTile> = Default::default();
    for t in &batch.tiles {
        if let Some(earlier) = last.insert((t.level, t.index), t) {
            accord_store::check_tile_grows(t, earlier.data.len() / 32)?;
        }
    }
    let tiles: Vec<&StoredTile> = batch
        .tiles
        .iter()
        .filter(|t| std::ptr::eq(last[&(t.level, t.index)], *t))
        .collect();
    // One round trip for the widths of every tile the batch writes.
    let mut levels = Vec::with_capacity(tiles.len());
    let mut tile_idxs = Vec::with_capacity(tiles.len());
    for t in &tiles {
        levels.push(i16::from(t.level));
        tile_idxs.push(int_param(t.index, || {
            format!("index of tile {}/{}", t.level, t.index)
        })?);
    }
    if !tiles.is_empty() {
        let stored = tx
            .query(
                "SELECT t.level, t.idx, length(t.data) FROM tiles t
                 JOIN UNNEST($1::smallint[], $2::bigint[]) AS w(level, idx)
                   ON t.level = w.level AND t.idx = w.idx",
                &[&levels, &tile_idxs],
            )
            .map_err(|e| pg_err(e, "reading the tiles the batch grows"))?;
        let stored: std::collections::HashMap<(i16, i64), usize> = stored
            .iter()
            .map(|r| ((r.get(0), r.get(1)), r.get::<_, i32>(2) as usize / 32))
            .collect();
        for (t, key) in tiles.iter().zip(levels.iter().zip(&tile_idxs)) {
            let width = stored.get(&(*key.0, *key.1)).copied().unwrap_or(0);
            accord_store::check_tile_grows(t, width)?;
        }
    }
    if let Some(cp) = &batch.checkpoint {
        let sql = "SELECT tree_size, note, state_digest FROM checkpoints
                   ORDER BY tree_size DESC LIMIT 1";
        if let Some(latest) = checkpoints(tx, sql, &[])?.pop() {
            if cp.tree_size < latest.tree_size {
                return Err(StoreError::CheckpointGoesBack {
                    stored: latest.tree_size,
                    new: cp.tree_size,
                });
            }
        }
    }

    if !batch.entries.is_empty() {
        // One statement for the whole batch (arrays unnested into rows).
        let mut idxs = Vec::with_capacity(batch.entries.len());
        let mut ats = Vec::with_capacity(batch.entries.len());
        for e in &batch.entries {
            idxs.push(int_param(e.index, || {
                format!("index of entry {}", e.index)
            })?);
            ats.push(int_param(e.sequenced_at_ms, || {
                format!("sequenced_at_ms of entry {}", e.index)
            })?);
        }
        let leaves: Vec<&[u8]> = batch.entries.iter().map(|e| &e.leaf_hash[..]).collect();
        let data: Vec<&[u8]> = batch.entries.iter().map(|e| &e.data[..]).collect();
        tx.execute(
            "INSERT INTO entries(idx, leaf_hash, envelope_hash, sequenced_at_ms, data)
             SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::bigint[], $5::bytea[])",
            &[&idxs, &leaves, &hashes, &ats, &data],
        )
        .map_err(|err| {
            // Another writer got past the lease (it never should): say what collided.
            if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                StoreError::Backend(format!(
                    "entries {}..{} collide with stored ones: {err}",
                    batch.entries[0].index,
                    batch.entries[batch.entries.len() - 1].index + 1
                ))
            } else {
                pg_err(err, "writing entries")
            }
        })?;
    }
    if !tiles.is_empty() {
        let data: Vec<&[u8]> = tiles.iter().map(|t| &t.data[..]).collect();
        tx.execute(
            "INSERT INTO tiles(level, idx, data)
             SELECT * FROM UNNEST($1::smallint[], $2::bigint[], $3::bytea[])
             ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data",
            &[&levels, &tile_idxs, &data],
        )
        .map_err(|e| pg_err(e, "writing tiles"))?;
    }
    if let Some(cp) = &batch.checkpoint {
        let size = int_param(cp.tree_size, || format!("checkpoint size {}", cp.tree_size))?;
        let digest: &[u8] = &cp.state_digest;
        tx.execute(
            "INSERT INTO checkpoints(tree_size, note, state_digest, lease_token)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note,
                 state_digest = excluded.state_digest, lease_token = excluded.lease_token",
            &[&size, &cp.note, &digest, &lease_token],
        )
        .map_err(|e| {
            pg_err(
                e,
                format!("writing the checkpoint for size {}", cp.tree_size),
            )
        })?;
    }
    Ok(())
}

impl PostgresStore {
    fn held_lease(&self) -> Option<Held> {
        self.lease
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A write without an election (a one-off command): take the lease if it is free.
    fn acquire_implicitly(&self) -> Result<Held, StoreError> {
        let node = lease::implicit_node();
        let token =
            self.read(|c| lease::acquire(c, &node, "", "", None, lease::IMPLICIT_TTL_MS))?;
        let Some(token) = token else {
            return Err(lease::held_elsewhere(self.read(lease::holder)?));
        };
        let held = Held {
            node,
            token,
            implicit: true,
        };
        *self.lease.lock().unwrap_or_else(PoisonError::into_inner) = Some(held.clone());
        Ok(held)
    }
}

impl Lease for PostgresStore {
    fn acquire(
        &self,
        node: &str,
        url: &str,
        claim: &str,
        ttl_ms: u64,
    ) -> Result<Option<u64>, StoreError> {
        self.refuse_if_read_only()?;
        let mine = self
            .held_lease()
            .filter(|h| h.node == node)
            .map(|h| h.token);
        let ttl = i64::try_from(ttl_ms).unwrap_or(i64::MAX);
        let token = self.read(|c| lease::acquire(c, node, url, claim, mine, ttl))?;
        *self.lease.lock().unwrap_or_else(PoisonError::into_inner) = token.map(|token| Held {
            node: node.to_owned(),
            token,
            implicit: false,
        });
        Ok(token.map(|t| u64::try_from(t).unwrap_or(0)))
    }

    fn release(&self) -> Result<(), StoreError> {
        let held = self
            .lease
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match held {
            Some(h) => self.read(|c| lease::release(c, &h.node, h.token)),
            None => Ok(()),
        }
    }

    fn holder(&self) -> Result<Option<LeaseHolder>, StoreError> {
        self.read(lease::holder)
    }

    fn held(&self) -> Option<u64> {
        self.held_lease()
            .map(|h| u64::try_from(h.token).unwrap_or(0))
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing a client blocks on its runtime: do it where that is allowed.
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let readers = std::mem::take(
            self.readers
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let held = self
            .lease
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        off_runtime(move || {
            let mut writer = writer;
            // Give the lease up so that another node need not wait for it to run out.
            if let (Some(held), Some(conn)) = (held, writer.as_mut()) {
                let _ = lease::release(conn, &held.node, held.token);
            }
            drop((writer, readers))
        });
    }
}

impl Store for PostgresStore {
    fn append_batch(&self, batch: &BatchWrite) -> Result<(), StoreError> {
        if batch.entries.is_empty() && batch.tiles.is_empty() && batch.checkpoint.is_none() {
            return Ok(());
        }
        self.refuse_if_read_only()?;
        let held = match self.held_lease() {
            Some(held) => held,
            None => self.acquire_implicitly()?,
        };
        off_runtime(|| {
            let mut guard = self.writer();
            let conn = guard.as_mut().expect("the writer connection until dropped");
            let mut tx = conn
                .transaction()
                .map_err(|e| pg_err(e, "starting a batch"))?;
            if let Err(e) = lease::fence(&mut tx, &held) {
                *self.lease.lock().unwrap_or_else(PoisonError::into_inner) = None;
                return Err(e);
            }
            lock_writer(&mut tx)?;
            // On error, dropping `tx` rolls the batch back.
            write_batch(&mut tx, batch, held.token)?;
            tx.commit().map_err(|e| pg_err(e, "committing a batch"))
        })
    }

    fn tree_size(&self) -> Result<u64, StoreError> {
        self.read(tree_size)
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let (Ok(first), Ok(end)) = (
            i64::try_from(start),
            i64::try_from(end.min(i64::MAX as u64)),
        ) else {
            return Ok(vec![]);
        };
        if first >= end {
            return Ok(vec![]);
        }
        self.read(|c| {
            let rows = c
                .query(
                    "SELECT idx, leaf_hash, envelope_hash, sequenced_at_ms, data FROM entries
                     WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                    &[&first, &end],
                )
                .map_err(|e| pg_err(e, "reading entries"))?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                accord_store::push_dense(&mut out, start, decode_entry(row)?)?;
            }
            Ok(out)
        })
    }

    fn index_of_envelope(&self, envelope_hash: &Hash) -> Result<Option<u64>, StoreError> {
        self.read(|c| {
            index_by(
                c,
                "SELECT idx FROM entries WHERE envelope_hash = $1",
                envelope_hash,
            )
        })
    }

    fn indexes_of_envelopes(&self, hashes: &[Hash]) -> Result<Vec<Option<u64>>, StoreError> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        let keys: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        let found = self.read(|c| {
            let rows = c
                .query(
                    "SELECT envelope_hash, idx FROM entries WHERE envelope_hash = ANY($1)",
                    &[&keys],
                )
                .map_err(|e| pg_err(e, "looking up envelopes"))?;
            let mut found = std::collections::HashMap::with_capacity(rows.len());
            for row in &rows {
                let idx: i64 = row.get(1);
                found.insert(
                    hash(row, "envelope_hash", "entries", idx)?,
                    index(idx, "entries", "idx")?,
                );
            }
            Ok(found)
        })?;
        Ok(hashes.iter().map(|h| found.get(h).copied()).collect())
    }

    fn index_of_leaf(&self, leaf_hash: &Hash) -> Result<Option<u64>, StoreError> {
        self.read(|c| {
            index_by(
                c,
                "SELECT idx FROM entries WHERE leaf_hash = $1 ORDER BY idx LIMIT 1",
                leaf_hash,
            )
        })
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>, StoreError> {
        let Ok(idx) = i64::try_from(index) else {
            return Ok(None);
        };
        self.read(|c| {
            c.query_opt(
                "SELECT level, idx, data FROM tiles WHERE level = $1 AND idx = $2",
                &[&i16::from(level), &idx],
            )
            .map_err(|e| pg_err(e, format!("reading tile {level}/{index}")))?
            .as_ref()
            .map(decode_tile)
            .transpose()
        })
    }

    fn tiles(&self, level: u8, start: u64, limit: usize) -> Result<Vec<StoredTile>, StoreError> {
        let Ok(start) = i64::try_from(start) else {
            return Ok(vec![]);
        };
        if limit == 0 {
            return Ok(vec![]);
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            c.query(
                "SELECT level, idx, data FROM tiles WHERE level = $1 AND idx >= $2
                 ORDER BY idx LIMIT $3",
                &[&i16::from(level), &start, &limit],
            )
            .map_err(|e| pg_err(e, format!("reading tiles of level {level}")))?
            .iter()
            .map(decode_tile)
            .collect()
        })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.read(|c| {
            let sql = "SELECT tree_size, note, state_digest FROM checkpoints
                       ORDER BY tree_size DESC LIMIT 1";
            Ok(checkpoints(c, sql, &[])?.pop())
        })
    }

    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let Ok(size) = i64::try_from(tree_size) else {
            return Ok(None);
        };
        self.read(|c| {
            let sql = "SELECT tree_size, note, state_digest FROM checkpoints WHERE tree_size = $1";
            Ok(checkpoints(c, sql, &[&size])?.pop())
        })
    }

    fn lease(&self) -> Option<&dyn Lease> {
        Some(self)
    }

    fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            let sql = "SELECT tree_size, note, state_digest FROM checkpoints WHERE tree_size > $1
                       ORDER BY tree_size LIMIT $2";
            checkpoints(c, sql, &[&after, &limit])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redacted("postgres://accord:s3cret@db.example:5432/accord"),
            "postgres://accord:***@db.example:5432/accord"
        );
        assert_eq!(
            redacted("postgres://db.example/accord"),
            "postgres://db.example/accord"
        );
    }
}
