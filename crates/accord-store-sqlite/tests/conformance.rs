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

/// The vault conformance suite, each check on a fresh `evidence.db`.
#[test]
fn the_sqlite_vault_passes_the_vault_conformance_suite() {
    let all = accord_store::vault_conformance::vault_checks::<accord_store_sqlite::SqliteVault>();
    assert!(all.len() >= 7);
    for (name, check) in all {
        let dir = tempfile::tempdir().expect("temporary directory");
        let vault = accord_store_sqlite::SqliteVault::open(dir.path().join("evidence.db"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check(&vault);
    }
}
