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
