//! The sequencer lease on a real PostgreSQL cluster: one holder at a time, fencing inside the
//! commit, takeover after expiry, tokens that never go down along the checkpoints, and
//! one-off writers that neither barge in on a leader nor keep the lease after they are gone.

#[path = "../../../tests/support/postgres.rs"]
mod postgres;

use accord_store::conformance::{test_checkpoint, test_entries};
use accord_store::{BatchWrite, Store, StoreError};
use accord_store_postgres::PostgresStore;

fn batch(start: u64, n: u64) -> BatchWrite {
    BatchWrite {
        entries: test_entries(start, n),
        checkpoint: Some(test_checkpoint(start + n, 0)),
        ..Default::default()
    }
}

fn lease_tokens(url: &str) -> Vec<i64> {
    let mut c = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
    c.query(
        "SELECT lease_token FROM checkpoints ORDER BY tree_size",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn one_holder_at_a_time_and_a_deposed_one_writes_nothing() {
    let cluster = postgres::Cluster::start();
    let url = cluster.fresh_database();
    let a = PostgresStore::open(&url).unwrap();
    let b = PostgresStore::open(&url).unwrap();
    let (la, lb) = (a.lease().unwrap(), b.lease().unwrap());

    let ta = la
        .acquire("node-a", "http://a", "", 1_500)
        .unwrap()
        .expect("a free lease");
    assert_eq!(lb.acquire("node-b", "http://b", "", 1_500).unwrap(), None);
    let holder = lb.holder().unwrap().expect("a live holder");
    assert_eq!(
        (holder.node.as_str(), holder.url.as_str(), holder.token),
        ("node-a", "http://a", ta)
    );
    // Renewing keeps the token.
    assert_eq!(
        la.acquire("node-a", "http://a", "", 1_500).unwrap(),
        Some(ta)
    );

    // Only the holder writes; the other is refused, naming the holder, and writes nothing.
    a.append_batch(&batch(0, 3)).unwrap();
    let err = b.append_batch(&batch(3, 2)).unwrap_err();
    assert!(matches!(err, StoreError::Fenced(_)), "{err}");
    assert!(err.to_string().contains("node-a"), "{err}");
    assert_eq!(b.tree_size().unwrap(), 3);

    // The lease runs out; b takes over with a greater token; a is fenced at commit.
    std::thread::sleep(std::time::Duration::from_millis(1_700));
    let tb = lb
        .acquire("node-b", "http://b", "", 5_000)
        .unwrap()
        .expect("an expired lease");
    assert!(tb > ta, "the token did not grow: {ta} then {tb}");
    let err = a.append_batch(&batch(3, 2)).unwrap_err();
    assert!(matches!(err, StoreError::Fenced(_)), "{err}");
    assert_eq!(la.held(), None, "a still believes it holds the lease");
    assert_eq!(a.tree_size().unwrap(), 3, "a deposed holder wrote");
    b.append_batch(&batch(3, 2)).unwrap();
    assert_eq!(la.acquire("node-a", "http://a", "", 1_500).unwrap(), None);

    // Releasing hands the lease over at once.
    lb.release().unwrap();
    assert_eq!(lb.holder().unwrap(), None);
    let ta2 = la
        .acquire("node-a", "http://a", "", 1_500)
        .unwrap()
        .expect("a released lease");
    assert!(ta2 > tb);
    a.append_batch(&batch(5, 1)).unwrap();

    let tokens = lease_tokens(&url);
    assert_eq!(tokens.len(), 3);
    assert!(
        tokens.windows(2).all(|w| w[0] <= w[1]),
        "lease tokens went down along the checkpoints: {tokens:?}"
    );
}

#[test]
fn a_one_off_writer_takes_a_free_lease_and_gives_it_back_but_never_barges_in() {
    let cluster = postgres::Cluster::start();
    let url = cluster.fresh_database();
    {
        let cli = PostgresStore::open(&url).unwrap();
        cli.append_batch(&batch(0, 2)).unwrap();
        let server = PostgresStore::open(&url).unwrap();
        assert_eq!(
            server
                .lease()
                .unwrap()
                .acquire("node-s", "http://s", "", 2_000)
                .unwrap(),
            None,
            "a node took the lease while a one-off writer held it"
        );
    } // the one-off writer is dropped: its lease is given back
    let server = PostgresStore::open(&url).unwrap();
    let lease = server.lease().unwrap();
    lease
        .acquire("node-s", "http://s", "", 5_000)
        .unwrap()
        .expect("a given-back lease");
    let cli = PostgresStore::open(&url).unwrap();
    let err = cli.append_batch(&batch(2, 1)).unwrap_err();
    assert!(err.to_string().contains("node-s (http://s)"), "{err}");
    server.append_batch(&batch(2, 1)).unwrap();
    assert_eq!(cli.tree_size().unwrap(), 3);
}
