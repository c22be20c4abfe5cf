//! The embedded SQLite backend of the [`Store`] trait.
//!
//! One database file holds an instance's log, in three tables whose names other tools rely on:
//! `entries` (keyed by `idx`, unique `envelope_hash`, indexed `leaf_hash`), `tiles` (keyed by
//! `level`, `idx`) and `checkpoints` (keyed by `tree_size`).
//!
//! Why it is built the way it is:
//! - **Durable and atomic.** Each [`Store::append_batch`] is one `BEGIN IMMEDIATE`
//!   transaction, validated inside it and rolled back on any refusal; with `synchronous=FULL`
//!   the commit is fsync'd before the call returns.
//! - **Readers never wait for the writer.** The database runs in WAL mode: one writer
//!   connection sits behind a mutex, and reads use a small pool of read-only connections,
//!   each seeing a consistent snapshot per statement (so never part of a batch).
//! - **Versioned schema.** Migrations are applied in order, one transaction each, and tracked in
//!   `PRAGMA user_version`; the file is stamped with an `application_id`. A database newer than
//!   this build, another application's database, or a file that is not SQLite is refused.
//! - **Distrust what is read back.** A value of the wrong type or size (a hash that is not 32
//!   bytes, a negative index) is reported as [`StoreError::Corrupt`] naming table, row and
//!   column, rather than passed on or panicked on.

#![warn(missing_docs)]

mod vault;

pub use vault::SqliteVault;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use accord_store::{
    BatchWrite, Hash, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile,
};
use rusqlite::types::ValueRef;
use rusqlite::{
    params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior,
};

/// Schema migrations, in order: applying `MIGRATIONS[n]` takes `user_version` from `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE entries(
         idx INTEGER PRIMARY KEY,
         leaf_hash BLOB NOT NULL,
         envelope_hash BLOB NOT NULL UNIQUE,
         sequenced_at_ms INTEGER NOT NULL,
         data BLOB NOT NULL
     );
     CREATE INDEX entries_by_leaf_hash ON entries(leaf_hash);
     CREATE TABLE tiles(
         level INTEGER NOT NULL,
         idx INTEGER NOT NULL,
         data BLOB NOT NULL,
         PRIMARY KEY(level, idx)
     ) WITHOUT ROWID;
     CREATE TABLE checkpoints(
         tree_size INTEGER PRIMARY KEY,
         note TEXT NOT NULL,
         state_digest BLOB NOT NULL
     );",
];

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `PRAGMA application_id` of Accord stores: "ACCD".
const APPLICATION_ID: i32 = 0x4143_4344;

/// How long a connection waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Most reader connections open at once; further readers wait for one to be returned.
const MAX_READERS: usize = 8;

/// A [`Store`] in one SQLite database file.
pub struct SqliteStore {
    path: PathBuf,
    /// `None` when opened read-only.
    writer: Option<Mutex<Connection>>,
    readers: ReaderPool,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("read_only", &self.writer.is_none())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store at `path` for reading and writing, creating the file if it is missing
    /// and bringing its schema up to [`SCHEMA_VERSION`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| sql_err(e, format!("opening {}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_err(e, format!("configuring {}", path.display())))?;
        // Identify the file before changing anything in it.
        let version = check_identity(&conn, &path)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| sql_err(e, format!("switching {} to WAL", path.display())))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{} cannot use write-ahead logging (journal mode stays {mode})",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(|e| sql_err(e, format!("configuring {}", path.display())))?;
        if version < SCHEMA_VERSION {
            migrate(&mut conn, &path)?;
        }
        Ok(SqliteStore {
            readers: ReaderPool::new(path.clone()),
            path,
            writer: Some(Mutex::new(conn)),
        })
    }

    /// Opens an existing store for reading only; [`Store::append_batch`] then fails.
    ///
    /// The schema must be exactly [`SCHEMA_VERSION`]: a read-only store cannot be migrated.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(StoreError::Backend(format!(
                "cannot open store {} read-only: no such file",
                path.display()
            )));
        }
        let readers = ReaderPool::new(path.clone());
        let conn = readers.get()?;
        let version = check_identity(&conn, &path)?;
        if version < SCHEMA_VERSION {
            return Err(StoreError::Corrupt(format!(
                "{} has schema version {version} but this build reads version {SCHEMA_VERSION}; \
                 open it for writing once to upgrade it",
                path.display()
            )));
        }
        drop(conn);
        Ok(SqliteStore {
            path,
            writer: None,
            readers,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let writer = self.writer.as_ref().ok_or_else(|| {
            StoreError::Backend(format!(
                "store {} is open read-only and cannot be written to",
                self.path.display()
            ))
        })?;
        // A panic while holding the lock left no transaction open (dropping it rolls back).
        Ok(writer.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Checks that the file is SQLite, empty or an Accord store, and not newer than this build;
/// returns its schema version.
fn check_identity(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
    let what = || format!("reading the header of {}", path.display());
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| sql_err(e, what()))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| sql_err(e, what()))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(|e| sql_err(e, what()))?;
    let fresh = app == 0 && version == 0 && tables == 0;
    if app != APPLICATION_ID && !fresh {
        return Err(StoreError::Corrupt(format!(
            "{} is an SQLite database but not an Accord store (application_id {app:#x})",
            path.display()
        )));
    }
    match u32::try_from(version) {
        Ok(v) if v <= SCHEMA_VERSION => Ok(v),
        Ok(_) => Err(StoreError::Corrupt(format!(
            "{} has schema version {version}, newer than version {SCHEMA_VERSION} this build \
             knows; use a newer Accord",
            path.display()
        ))),
        Err(_) => Err(StoreError::Corrupt(format!(
            "{} has an invalid schema version {version}",
            path.display()
        ))),
    }
}

/// Applies the missing migrations, each in its own transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(e, format!("migrating {}", path.display())))?;
        // Re-read under the write lock: another process may have migrated meanwhile.
        let version: u32 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sql_err(e, format!("migrating {}", path.display())))?;
        let Some(sql) = MIGRATIONS.get(version as usize) else {
            return Ok(());
        };
        let to = version + 1;
        let what = || format!("migrating {} to schema version {to}", path.display());
        tx.execute_batch(sql).map_err(|e| sql_err(e, what()))?;
        tx.execute_batch(&format!(
            "PRAGMA user_version = {to}; PRAGMA application_id = {APPLICATION_ID};"
        ))
        .map_err(|e| sql_err(e, what()))?;
        tx.commit().map_err(|e| sql_err(e, what()))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Reader pool
// ---------------------------------------------------------------------------------------------

/// Read-only connections, opened on demand up to [`MAX_READERS`] and reused.
struct ReaderPool {
    path: PathBuf,
    state: Mutex<PoolState>,
    returned: Condvar,
}

struct PoolState {
    idle: Vec<Connection>,
    open: usize,
}

/// A borrowed reader connection; goes back to the pool when dropped.
struct Reader<'p> {
    pool: &'p ReaderPool,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().idle.push(conn);
            self.pool.returned.notify_one();
        }
    }
}

impl ReaderPool {
    fn new(path: PathBuf) -> Self {
        ReaderPool {
            path,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self) -> Result<Reader<'_>, StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Reader {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < MAX_READERS {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(Reader {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        let what = || format!("opening {} for reading", self.path.display());
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&self.path, flags).map_err(|e| sql_err(e, what()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_err(e, what()))?;
        Ok(conn)
    }
}

// ---------------------------------------------------------------------------------------------
// The Store implementation
// ---------------------------------------------------------------------------------------------

impl Store for SqliteStore {
    fn append_batch(&self, batch: &BatchWrite) -> Result<(), StoreError> {
        let mut conn = self.writer()?;
        if batch.entries.is_empty() && batch.tiles.is_empty() && batch.checkpoint.is_none() {
            return Ok(());
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(e, "starting a batch"))?;
        write_batch(&tx, batch)?; // on error, dropping `tx` rolls the batch back
        tx.commit().map_err(|e| sql_err(e, "committing a batch"))
    }

    fn tree_size(&self) -> Result<u64, StoreError> {
        tree_size(&*self.readers.get()?)
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let (Ok(first), end) = (i64::try_from(start), clamp(end)) else {
            return Ok(vec![]);
        };
        if first >= end {
            return Ok(vec![]);
        }
        let conn = self.readers.get()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT idx, leaf_hash, envelope_hash, sequenced_at_ms, data FROM entries
                 WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
            )
            .map_err(|e| sql_err(e, "reading entries"))?;
        let mut rows = stmt
            .query(params![first, end])
            .map_err(|e| sql_err(e, "reading entries"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| sql_err(e, "reading entries"))? {
            accord_store::push_dense(&mut out, start, decode_entry(row)?)?;
        }
        Ok(out)
    }

    fn index_of_envelope(&self, envelope_hash: &Hash) -> Result<Option<u64>, StoreError> {
        index_by(
            &*self.readers.get()?,
            "SELECT idx FROM entries WHERE envelope_hash = ?1",
            envelope_hash,
        )
    }

    fn index_of_leaf(&self, leaf_hash: &Hash) -> Result<Option<u64>, StoreError> {
        let sql = "SELECT idx FROM entries WHERE leaf_hash = ?1 ORDER BY idx LIMIT 1";
        index_by(&*self.readers.get()?, sql, leaf_hash)
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>, StoreError> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        let conn = self.readers.get()?;
        let what = || format!("reading tile {level}/{index}");
        let mut stmt = conn
            .prepare_cached("SELECT level, idx, data FROM tiles WHERE level = ?1 AND idx = ?2")
            .map_err(|e| sql_err(e, what()))?;
        let mut rows = stmt
            .query(params![level, index])
            .map_err(|e| sql_err(e, what()))?;
        rows.next()
            .map_err(|e| sql_err(e, what()))?
            .map(decode_tile)
            .transpose()
    }

    fn tiles(&self, level: u8, start: u64, limit: usize) -> Result<Vec<StoredTile>, StoreError> {
        let Ok(start) = i64::try_from(start) else {
            return Ok(vec![]);
        };
        if limit == 0 {
            return Ok(vec![]);
        }
        let conn = self.readers.get()?;
        let what = || format!("reading tiles of level {level}");
        let mut stmt = conn
            .prepare_cached(
                "SELECT level, idx, data FROM tiles WHERE level = ?1 AND idx >= ?2
                 ORDER BY idx LIMIT ?3",
            )
            .map_err(|e| sql_err(e, what()))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![level, start, limit])
            .map_err(|e| sql_err(e, what()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| sql_err(e, what()))? {
            out.push(decode_tile(row)?);
        }
        Ok(out)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let sql = "SELECT tree_size, note, state_digest FROM checkpoints
                   ORDER BY tree_size DESC LIMIT 1";
        Ok(checkpoints(&*self.readers.get()?, sql, params![])?.pop())
    }

    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let Ok(size) = i64::try_from(tree_size) else {
            return Ok(None);
        };
        let sql = "SELECT tree_size, note, state_digest FROM checkpoints WHERE tree_size = ?1";
        Ok(checkpoints(&*self.readers.get()?, sql, params![size])?.pop())
    }

    fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let sql = "SELECT tree_size, note, state_digest FROM checkpoints WHERE tree_size > ?1
                   ORDER BY tree_size LIMIT ?2";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        checkpoints(&*self.readers.get()?, sql, params![clamp(after), limit])
    }
}

/// Validates and writes one batch inside the caller's transaction.
fn write_batch(tx: &Connection, batch: &BatchWrite) -> Result<(), StoreError> {
    let size = tree_size(tx)?;
    accord_store::check_contiguous(size, &batch.entries)?;

    let mut insert = tx
        .prepare_cached(
            "INSERT INTO entries(idx, leaf_hash, envelope_hash, sequenced_at_ms, data)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(|e| sql_err(e, "preparing to write entries"))?;
    for e in &batch.entries {
        let at = int_param(e.sequenced_at_ms, || {
            format!("sequenced_at_ms of entry {}", e.index)
        })?;
        let idx = int_param(e.index, || format!("index of entry {}", e.index))?;
        let inserted = insert.execute(params![idx, e.leaf_hash, e.envelope_hash, at, e.data]);
        if let Err(err) = inserted {
            // The UNIQUE index catches repeats of stored envelopes and of earlier ones in
            // this batch alike; either way the first holder is now visible in `tx`.
            if is_unique_violation(&err) {
                let sql = "SELECT idx FROM entries WHERE envelope_hash = ?1";
                if let Some(index) = index_by(tx, sql, &e.envelope_hash)? {
                    return Err(StoreError::DuplicateEnvelope {
                        envelope_hash: e.envelope_hash,
                        index,
                    });
                }
            }
            return Err(sql_err(err, format!("writing entry {}", e.index)));
        }
    }

    for t in &batch.tiles {
        let what = || format!("writing tile {}/{}", t.level, t.index);
        let index = int_param(t.index, || format!("index of tile {}/{}", t.level, t.index))?;
        let stored: Option<i64> = tx
            .prepare_cached("SELECT length(data) FROM tiles WHERE level = ?1 AND idx = ?2")
            .and_then(|mut s| {
                s.query_row(params![t.level, index], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| sql_err(e, what()))?;
        accord_store::check_tile_grows(t, stored.unwrap_or(0) as usize / 32)?;
        tx.prepare_cached(
            "INSERT INTO tiles(level, idx, data) VALUES (?1, ?2, ?3)
             ON CONFLICT(level, idx) DO UPDATE SET data = excluded.data",
        )
        .and_then(|mut s| s.execute(params![t.level, index, t.data]))
        .map_err(|e| sql_err(e, what()))?;
    }

    if let Some(cp) = &batch.checkpoint {
        let what = || format!("writing the checkpoint for size {}", cp.tree_size);
        let size = int_param(cp.tree_size, || format!("checkpoint size {}", cp.tree_size))?;
        let sql = "SELECT tree_size, note, state_digest FROM checkpoints
                   ORDER BY tree_size DESC LIMIT 1";
        if let Some(latest) = checkpoints(tx, sql, params![])?.pop() {
            if cp.tree_size < latest.tree_size {
                return Err(StoreError::CheckpointGoesBack {
                    stored: latest.tree_size,
                    new: cp.tree_size,
                });
            }
        }
        tx.prepare_cached(
            "INSERT INTO checkpoints(tree_size, note, state_digest) VALUES (?1, ?2, ?3)
             ON CONFLICT(tree_size) DO UPDATE
             SET note = excluded.note, state_digest = excluded.state_digest",
        )
        .and_then(|mut s| s.execute(params![size, cp.note, cp.state_digest]))
        .map_err(|e| sql_err(e, what()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Queries and decoding
// ---------------------------------------------------------------------------------------------

fn tree_size(conn: &Connection) -> Result<u64, StoreError> {
    let max: Option<i64> = conn
        .prepare_cached("SELECT max(idx) FROM entries")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(|e| sql_err(e, "reading the tree size"))?;
    match max {
        None => Ok(0),
        Some(max) if max >= 0 => Ok(max as u64 + 1),
        Some(max) => Err(StoreError::Corrupt(format!(
            "table entries: row idx = {max} is negative"
        ))),
    }
}

fn index_by(conn: &Connection, sql: &str, hash: &Hash) -> Result<Option<u64>, StoreError> {
    let idx: Option<i64> = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([hash], |r| r.get(0)).optional())
        .map_err(|e| sql_err(e, "looking up an entry"))?;
    match idx {
        Some(i) if i < 0 => Err(StoreError::Corrupt(format!(
            "table entries: row idx = {i} is negative"
        ))),
        other => Ok(other.map(|i| i as u64)),
    }
}

fn checkpoints(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(|e| sql_err(e, "reading checkpoints"))?;
    let mut rows = stmt
        .query(args)
        .map_err(|e| sql_err(e, "reading checkpoints"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| sql_err(e, "reading checkpoints"))? {
        let key = row
            .get_ref(0)
            .map_err(|e| sql_err(e, "reading checkpoints"))?;
        let at = Cell::new("checkpoints", format!("tree_size = {}", show(key)), row);
        out.push(StoredCheckpoint {
            tree_size: at.uint(0, "tree_size")?,
            note: at.text(1, "note")?,
            state_digest: at.hash(2, "state_digest")?,
        });
    }
    Ok(out)
}

fn decode_entry(row: &Row<'_>) -> Result<StoredEntry, StoreError> {
    let key = row.get_ref(0).map_err(|e| sql_err(e, "reading entries"))?;
    let at = Cell::new("entries", format!("idx = {}", show(key)), row);
    Ok(StoredEntry {
        index: at.uint(0, "idx")?,
        leaf_hash: at.hash(1, "leaf_hash")?,
        envelope_hash: at.hash(2, "envelope_hash")?,
        sequenced_at_ms: at.uint(3, "sequenced_at_ms")?,
        data: at.blob(4, "data")?.to_vec(),
    })
}

fn decode_tile(row: &Row<'_>) -> Result<StoredTile, StoreError> {
    let level = row.get_ref(0).map_err(|e| sql_err(e, "reading tiles"))?;
    let idx = row.get_ref(1).map_err(|e| sql_err(e, "reading tiles"))?;
    let at = Cell::new(
        "tiles",
        format!("level = {} AND idx = {}", show(level), show(idx)),
        row,
    );
    let level = u8::try_from(at.uint(0, "level")?).map_err(|_| at.corrupt("level", "above 255"))?;
    let data = at.blob(2, "data")?;
    if data.is_empty() || data.len() % 32 != 0 || data.len() > 256 * 32 {
        let problem = format!("{} bytes is not 1 to 256 hashes of 32 bytes", data.len());
        return Err(at.corrupt("data", problem));
    }
    Ok(StoredTile {
        level,
        index: at.uint(1, "idx")?,
        data: data.to_vec(),
    })
}

/// Shows a key value in an error message.
fn show(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t)),
        other => format!("({:?})", other.data_type()),
    }
}

/// One row being decoded, to name table, row and column when a value is malformed.
struct Cell<'r, 's> {
    table: &'static str,
    key: String,
    row: &'r Row<'s>,
}

impl<'r, 's> Cell<'r, 's> {
    fn new(table: &'static str, key: String, row: &'r Row<'s>) -> Self {
        Cell { table, key, row }
    }

    fn corrupt(&self, column: &str, problem: impl fmt::Display) -> StoreError {
        StoreError::Corrupt(format!(
            "table {}, row {}, column {column}: {problem}",
            self.table, self.key
        ))
    }

    fn value(&self, i: usize, column: &str) -> Result<ValueRef<'r>, StoreError> {
        self.row.get_ref(i).map_err(|e| self.corrupt(column, e))
    }

    fn uint(&self, i: usize, column: &str) -> Result<u64, StoreError> {
        match self.value(i, column)? {
            ValueRef::Integer(v) if v >= 0 => Ok(v as u64),
            ValueRef::Integer(v) => Err(self.corrupt(column, format!("{v} is negative"))),
            other => {
                Err(self.corrupt(column, format!("{:?} is not an integer", other.data_type())))
            }
        }
    }

    fn blob(&self, i: usize, column: &str) -> Result<&'r [u8], StoreError> {
        match self.value(i, column)? {
            ValueRef::Blob(b) => Ok(b),
            other => Err(self.corrupt(column, format!("{:?} is not a blob", other.data_type()))),
        }
    }

    fn hash(&self, i: usize, column: &str) -> Result<Hash, StoreError> {
        let b = self.blob(i, column)?;
        b.try_into()
            .map_err(|_| self.corrupt(column, format!("{} bytes, not a 32-byte hash", b.len())))
    }

    fn text(&self, i: usize, column: &str) -> Result<String, StoreError> {
        match self.value(i, column)? {
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(str::to_owned)
                .map_err(|e| self.corrupt(column, format!("not UTF-8: {e}"))),
            other => Err(self.corrupt(column, format!("{:?} is not text", other.data_type()))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// `v` as an SQLite integer bound, saturating (for upper bounds of queries).
fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// `v` as an SQLite integer to store; refuses values SQLite cannot hold.
fn int_param(v: u64, what: impl FnOnce() -> String) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| {
        StoreError::Backend(format!("{} = {v} exceeds SQLite's integer range", what()))
    })
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// Maps an SQLite error to a [`StoreError`], with what was being done.
fn sql_err(e: rusqlite::Error, doing: impl fmt::Display) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            StoreError::Corrupt(format!("{doing}: the file is not an SQLite database ({e})"))
        }
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt(format!("{doing}: {e}")),
        _ => StoreError::Backend(format!("{doing}: {e}")),
    }
}
