//! What the conformance suite cannot see: files, schema versions, read-only mode, values
//! tampered with on disk, the reader pool, and insert speed.

use std::path::{Path, PathBuf};

use accord_store::conformance::{test_checkpoint, test_entries, test_entry, test_tile};
use accord_store::{BatchWrite, Store, StoreError};
use accord_store_sqlite::{SqliteStore, SCHEMA_VERSION};
use rusqlite::Connection;
use tempfile::TempDir;

fn db(dir: &TempDir) -> PathBuf {
    dir.path().join("accord.db")
}

/// A store with entries 0..10, tiles 0/0 and 1/0, and checkpoints for sizes 4 and 10.
fn seeded(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(path).unwrap();
    let batches = [(0, 4, 4), (4, 6, 10)];
    for (start, count, size) in batches {
        let b = BatchWrite {
            entries: test_entries(start, count),
            tiles: vec![test_tile(0, 0, size as usize), test_tile(1, 0, 1)],
            checkpoint: Some(test_checkpoint(size, 0)),
        };
        store.append_batch(&b).unwrap();
    }
    store
}

fn corrupt_message(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Corrupt(m)) => m,
        other => panic!("expected StoreError::Corrupt, got {other:?}"),
    }
}

/// Runs `sql` on the database file directly, as a tamperer would.
fn tamper(path: &Path, sql: &str) {
    Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

#[test]
fn reopen_preserves_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&db(&dir));
    let entries = store.entries(0, u64::MAX).unwrap();
    drop(store);

    let store = SqliteStore::open(db(&dir)).unwrap();
    assert_eq!(store.path(), db(&dir));
    assert_eq!(store.tree_size().unwrap(), 10);
    assert_eq!(store.entries(0, u64::MAX).unwrap(), entries);
    assert_eq!(store.entries(0, 10).unwrap(), test_entries(0, 10));
    assert_eq!(store.tile(0, 0).unwrap(), Some(test_tile(0, 0, 10)));
    assert_eq!(store.tile(1, 0).unwrap(), Some(test_tile(1, 0, 1)));
    assert_eq!(
        store.latest_checkpoint().unwrap(),
        Some(test_checkpoint(10, 0))
    );
    assert_eq!(store.checkpoint_at(4).unwrap(), Some(test_checkpoint(4, 0)));
    // And the log goes on where it stopped.
    let next = BatchWrite {
        entries: test_entries(10, 1),
        ..Default::default()
    };
    store.append_batch(&next).unwrap();
    assert_eq!(store.tree_size().unwrap(), 11);
}

#[test]
fn open_creates_the_file_with_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(db(&dir)).unwrap());
    let conn = Connection::open(db(&dir)).unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // The exact names other tools (the tamper test) rely on.
    for (table, column) in [
        ("entries", "idx"),
        ("entries", "leaf_hash"),
        ("entries", "envelope_hash"),
        ("entries", "sequenced_at_ms"),
        ("entries", "data"),
        ("tiles", "level"),
        ("tiles", "idx"),
        ("tiles", "data"),
        ("checkpoints", "tree_size"),
        ("checkpoints", "note"),
        ("checkpoints", "state_digest"),
    ] {
        conn.prepare(&format!("SELECT {column} FROM {table}"))
            .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
    }
}

#[test]
fn open_read_only_of_a_missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.db");
    let err = SqliteStore::open_read_only(&path).unwrap_err();
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert!(err.to_string().contains("no such file"), "{err}");
    assert!(!path.exists(), "a read-only open must not create the file");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let junk = "this is a text file, not a database\n".repeat(200);
    std::fs::write(&path, &junk).unwrap();
    for result in [SqliteStore::open(&path), SqliteStore::open_read_only(&path)] {
        let message = corrupt_message(result);
        assert!(message.contains("not an SQLite database"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), junk);
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    tamper(
        &path,
        "CREATE TABLE entries(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);",
    );
    for result in [SqliteStore::open(&path), SqliteStore::open_read_only(&path)] {
        let message = corrupt_message(result);
        assert!(message.contains("not an Accord store"), "{message}");
    }
    let conn = Connection::open(&path).unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(
        (version, mode.as_str()),
        (0, "delete"),
        "the foreign database was changed"
    );
}

#[test]
fn a_newer_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(&db(&dir)));
    let future = SCHEMA_VERSION + 1;
    tamper(&db(&dir), &format!("PRAGMA user_version = {future};"));
    for result in [
        SqliteStore::open(db(&dir)),
        SqliteStore::open_read_only(db(&dir)),
    ] {
        let message = corrupt_message(result);
        assert!(
            message.contains(&format!("schema version {future}")),
            "{message}"
        );
        assert!(
            message.contains(&format!("version {SCHEMA_VERSION} this build")),
            "{message}"
        );
    }
}

#[test]
fn read_only_store_reads_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(&db(&dir)));
    let reader = SqliteStore::open_read_only(db(&dir)).unwrap();
    assert_eq!(reader.tree_size().unwrap(), 10);
    assert_eq!(reader.entries(0, 10).unwrap(), test_entries(0, 10));
    assert_eq!(
        reader.latest_checkpoint().unwrap(),
        Some(test_checkpoint(10, 0))
    );

    let next = BatchWrite {
        entries: test_entries(10, 1),
        ..Default::default()
    };
    match reader.append_batch(&next) {
        Err(StoreError::Backend(m)) => assert!(m.contains("read-only"), "{m}"),
        other => panic!("a read-only store must refuse writes, got {other:?}"),
    }
    assert!(reader.append_batch(&BatchWrite::default()).is_err());

    // A writer may work alongside it; the reader sees its commits.
    let writer = SqliteStore::open(db(&dir)).unwrap();
    writer.append_batch(&next).unwrap();
    assert_eq!(reader.tree_size().unwrap(), 11);
    assert_eq!(reader.entry(10).unwrap(), Some(test_entry(10)));
}

#[test]
fn malformed_values_are_reported_as_corrupt_with_their_place() {
    /// Reads the tampered value back and returns the Corrupt message.
    type Read = fn(&SqliteStore) -> String;
    let cases: [(&str, Read, &[&str]); 7] = [
        (
            "UPDATE entries SET leaf_hash = x'0102' WHERE idx = 3",
            |s| corrupt_message(s.entries(0, 10)),
            &["table entries", "idx = 3", "column leaf_hash", "2 bytes"],
        ),
        (
            "UPDATE entries SET sequenced_at_ms = -5 WHERE idx = 7",
            |s| corrupt_message(s.entry(7)),
            &[
                "table entries",
                "idx = 7",
                "column sequenced_at_ms",
                "negative",
            ],
        ),
        (
            "UPDATE entries SET data = 'text' WHERE idx = 2",
            |s| corrupt_message(s.entry(2)),
            &["table entries", "idx = 2", "column data", "not a blob"],
        ),
        (
            "UPDATE tiles SET data = x'00' WHERE level = 1 AND idx = 0",
            |s| corrupt_message(s.tile(1, 0)),
            &[
                "table tiles",
                "level = 1 AND idx = 0",
                "column data",
                "1 bytes",
            ],
        ),
        (
            "UPDATE checkpoints SET state_digest = 'abc' WHERE tree_size = 4",
            |s| corrupt_message(s.checkpoints_after(0, 10)),
            &[
                "table checkpoints",
                "tree_size = 4",
                "column state_digest",
                "not a blob",
            ],
        ),
        (
            "UPDATE checkpoints SET note = x'ff00' WHERE tree_size = 10",
            |s| corrupt_message(s.latest_checkpoint()),
            &[
                "table checkpoints",
                "tree_size = 10",
                "column note",
                "not text",
            ],
        ),
        (
            "DELETE FROM entries WHERE idx = 5",
            |s| corrupt_message(s.entries(0, 10)),
            &["table entries", "idx = 5 is missing"],
        ),
    ];
    for (sql, read, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        drop(seeded(&db(&dir)));
        tamper(&db(&dir), sql);
        let message = read(&SqliteStore::open_read_only(db(&dir)).unwrap());
        for needle in needles {
            assert!(
                message.contains(needle),
                "after `{sql}`: expected `{needle}` in: {message}"
            );
        }
    }
}

#[test]
fn values_beyond_sqlite_integers_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(db(&dir)).unwrap();
    let mut entries = test_entries(0, 3);
    entries[2].sequenced_at_ms = u64::MAX;
    let b = BatchWrite {
        entries,
        checkpoint: Some(test_checkpoint(3, 0)),
        ..Default::default()
    };
    match store.append_batch(&b) {
        Err(StoreError::Backend(m)) => assert!(m.contains("sequenced_at_ms of entry 2"), "{m}"),
        other => panic!("expected a Backend error, got {other:?}"),
    }
    assert_eq!(store.tree_size().unwrap(), 0);
    assert_eq!(store.latest_checkpoint().unwrap(), None);
}

#[test]
fn many_more_readers_than_pooled_connections() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&db(&dir));
    std::thread::scope(|s| {
        for _ in 0..24 {
            s.spawn(|| {
                for i in 0..50 {
                    assert_eq!(store.tree_size().unwrap(), 10);
                    assert_eq!(store.entry(i % 10).unwrap(), Some(test_entry(i % 10)));
                }
            });
        }
    });
}
