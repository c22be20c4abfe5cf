//! The backend-agnostic conformance suite, one test per check, each on a fresh database file.

use std::ops::Deref;

use accord_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A store in its own temporary directory, removed when the test ends.
struct Fixture {
    store: SqliteStore,
    _dir: TempDir,
}

impl Deref for Fixture {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

fn fresh() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("accord.db")).expect("open a fresh store");
    Fixture { store, _dir: dir }
}

accord_store::conformance_tests!(fresh);
