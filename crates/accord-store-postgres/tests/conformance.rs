//! The backend-agnostic conformance suite against a real PostgreSQL server: one throwaway
//! cluster for the whole run (`tests/support/postgres.rs`), a fresh database for each check.
//! The test fails — it never skips — when PostgreSQL is missing.

#[path = "../../../tests/support/postgres.rs"]
mod postgres;

use accord_store::conformance::checks;
use accord_store::Store;
use accord_store_postgres::PostgresStore;

#[test]
fn the_postgres_store_passes_the_conformance_suite() {
    let cluster = postgres::Cluster::start();
    let all = checks::<PostgresStore>();
    assert!(all.len() >= 15);
    for (name, check) in all {
        let url = cluster.fresh_database();
        let store = PostgresStore::open(&url).unwrap_or_else(|e| panic!("{name}: {e}"));
        check(&store);
    }
}

/// A store reopened finds its log; a database that another application uses is refused, and
/// nothing is created in it.
#[test]
fn a_store_reopens_and_refuses_what_is_not_its_own() {
    let cluster = postgres::Cluster::start();
    let url = cluster.fresh_database();
    {
        let store = PostgresStore::open(&url).unwrap();
        let batch = accord_store::BatchWrite {
            entries: accord_store::conformance::test_entries(0, 3),
            ..Default::default()
        };
        store.append_batch(&batch).unwrap();
    }
    let again = PostgresStore::open(&url).unwrap();
    assert_eq!(again.tree_size().unwrap(), 3);
    assert_eq!(again.entries(0, 3).unwrap().len(), 3);

    let other = cluster.fresh_database();
    let mut client = ::postgres::Client::connect(&other, ::postgres::NoTls).unwrap();
    client
        .batch_execute("CREATE TABLE invoices(id INT PRIMARY KEY)")
        .unwrap();
    let err = PostgresStore::open(&other).unwrap_err().to_string();
    assert!(err.contains("not an Accord store"), "{err}");
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        tables, 1,
        "nothing was created in a database that is not ours"
    );
}

/// The vault conformance suite against the same cluster, each check on a fresh database.
#[test]
fn the_postgres_vault_passes_the_vault_conformance_suite() {
    let cluster = postgres::Cluster::start();
    let key = accord_store_postgres::VaultKey::generate();
    let all =
        accord_store::vault_conformance::vault_checks::<accord_store_postgres::PostgresVault>();
    assert!(all.len() >= 7);
    for (name, check) in all {
        let url = cluster.fresh_database();
        let vault = accord_store_postgres::PostgresVault::open(&url, &key)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check(&vault);
    }
}

/// The database holds only ciphertext: the content is nowhere in its rows; a vault opened with
/// another key is refused; a row moved to another item's place does not open.
#[test]
fn the_postgres_vault_holds_only_ciphertext_bound_to_its_place() {
    use accord_store::{Sealed, Vault};
    let cluster = postgres::Cluster::start();
    let url = cluster.fresh_database();
    let key = accord_store_postgres::VaultKey::generate();
    let vault = accord_store_postgres::PostgresVault::open(&url, &key).unwrap();
    let canary = b"CANARY-5e1d0c-confidential".repeat(20);
    let sealed = Sealed {
        salt: [0x42; 32],
        content: canary.clone(),
    };
    vault.put("cert-a", "pcap-1", &sealed).unwrap();
    vault.put("cert-b", "pcap-2", &sealed).unwrap();

    let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    let rows = client
        .query("SELECT owner, id, nonce, sealed FROM evidence", &[])
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let bytes: Vec<u8> = row.get(3);
        assert!(
            !bytes.windows(13).any(|w| w == b"CANARY-5e1d0c"),
            "plaintext content in the database"
        );
        assert!(
            !bytes.windows(32).any(|w| w == [0x42; 32]),
            "plaintext salt"
        );
    }

    let err = accord_store_postgres::PostgresVault::open(
        &url,
        &accord_store_postgres::VaultKey::generate(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("vault.key"), "{err}");

    // Someone with write access to the database copies cert-b's row over cert-a's.
    client
        .execute(
            "UPDATE evidence SET nonce = o.nonce, sealed = o.sealed
             FROM (SELECT nonce, sealed FROM evidence WHERE owner = 'cert-b') o
             WHERE evidence.owner = 'cert-a'",
            &[],
        )
        .unwrap();
    let err = vault.get("cert-a", "pcap-1").unwrap_err().to_string();
    assert!(err.contains("does not open"), "{err}");
    assert_eq!(vault.get("cert-b", "pcap-2").unwrap(), Some(sealed));
    assert!(vault.erase("cert-b", "pcap-2").unwrap());
    assert_eq!(vault.get("cert-b", "pcap-2").unwrap(), None);
}

/// A command that only reads opens the store as it is: it reads a store at this build's
/// schema and writes nothing through it; it refuses one at an older schema rather than
/// upgrade it under a server of an older build, and leaves it as it was.
#[test]
fn a_read_only_open_reads_and_never_changes_the_database() {
    let cluster = postgres::Cluster::start();
    let url = cluster.fresh_database();
    {
        let store = PostgresStore::open(&url).unwrap();
        let batch = accord_store::BatchWrite {
            entries: accord_store::conformance::test_entries(0, 2),
            ..Default::default()
        };
        store.append_batch(&batch).unwrap();
    }
    let reader = PostgresStore::open_existing(&url).unwrap();
    assert_eq!(reader.tree_size().unwrap(), 2);
    let more = accord_store::BatchWrite {
        entries: accord_store::conformance::test_entries(2, 3),
        ..Default::default()
    };
    let err = reader.append_batch(&more).unwrap_err().to_string();
    assert!(err.contains("read-only"), "{err}");
    drop(reader);
    assert_eq!(PostgresStore::open(&url).unwrap().tree_size().unwrap(), 2);

    let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    let older = accord_store_postgres::SCHEMA_VERSION - 1;
    client
        .execute(
            "UPDATE accord_meta SET value = $1 WHERE key = 'schema'",
            &[&older.to_string()],
        )
        .unwrap();
    let err = PostgresStore::open_existing(&url).unwrap_err().to_string();
    assert!(err.contains("older than version"), "{err}");
    let schema: String = client
        .query_one("SELECT value FROM accord_meta WHERE key = 'schema'", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        schema,
        older.to_string(),
        "a read-only open upgraded the schema"
    );

    let empty = cluster.fresh_database();
    let err = PostgresStore::open_existing(&empty)
        .unwrap_err()
        .to_string();
    assert!(err.contains("holds no Accord store"), "{err}");
}
