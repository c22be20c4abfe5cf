//! The conformance suite every [`Store`] backend runs from its own tests.
//!
//! The rest of Accord relies on the invariants of the [`Store`] contract (dense indexes,
//! atomic batches, unique envelopes, growing tiles, checkpoints that never go back), so each
//! backend proves them against the same checks instead of its own idea of them.
//!
//! Each `check_*` function takes a *fresh, empty* store, exercises one part of the contract
//! and panics with a message naming what went wrong; [`run_all`] runs them all. A backend
//! can call them one per `#[test]` for readable reports, most simply through
//! [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! fn fresh() -> Box<MyStore> { Box::new(MyStore::in_memory()) }
//! accord_store::conformance_tests!(fresh);
//! ```
//!
//! The test data is deterministic (see [`test_entry`], [`test_tile`], [`test_checkpoint`]):
//! hashes are bytes derived from an index, not digests, since the store never interprets them.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{BatchWrite, Hash, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile};

/// One conformance check: panics if the store (fresh and empty when called) breaks the contract.
pub type Check<S> = fn(&S);

/// Every check, by name, in the order [`run_all`] runs them.
pub fn checks<S: Store>() -> Vec<(&'static str, Check<S>)> {
    vec![
        ("empty_store", check_empty_store),
        ("empty_batches", check_empty_batches),
        ("append_and_read_back", check_append_and_read_back),
        ("not_contiguous", check_not_contiguous),
        (
            "duplicate_envelope_across_batches",
            check_duplicate_envelope_across_batches,
        ),
        (
            "duplicate_envelope_within_batch",
            check_duplicate_envelope_within_batch,
        ),
        ("lookups", check_lookups),
        ("tiles_grow", check_tiles_grow),
        ("tile_shrink_rejected", check_tile_shrink_rejected),
        ("tiles_listing", check_tiles_listing),
        ("checkpoints", check_checkpoints),
        ("checkpoint_only_batches", check_checkpoint_only_batches),
        (
            "checkpoint_same_size_replaces",
            check_checkpoint_same_size_replaces,
        ),
        (
            "checkpoint_goes_back_rejected",
            check_checkpoint_goes_back_rejected,
        ),
        (
            "concurrent_readers_see_whole_batches",
            check_concurrent_readers_see_whole_batches,
        ),
    ]
}

/// Runs every conformance check, each against a fresh store made by `fresh`.
pub fn run_all<S: Store>(mut fresh: impl FnMut() -> S) {
    for (_name, check) in checks::<S>() {
        check(&fresh());
    }
}

/// Declares one `#[test]` per conformance check, plus `conformance_suite_is_complete`, which
/// fails if the list here and [`checks`] ever disagree.
///
/// `$fresh` is a function (path or closure) returning a fresh empty store behind anything that
/// dereferences to it: a `Box<S>`, or a fixture that also owns, say, a temporary directory and
/// implements `Deref<Target = S>`.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr) => {
        $crate::conformance_tests!(@tests $fresh;
            empty_store => check_empty_store,
            empty_batches => check_empty_batches,
            append_and_read_back => check_append_and_read_back,
            not_contiguous => check_not_contiguous,
            duplicate_envelope_across_batches => check_duplicate_envelope_across_batches,
            duplicate_envelope_within_batch => check_duplicate_envelope_within_batch,
            lookups => check_lookups,
            tiles_grow => check_tiles_grow,
            tile_shrink_rejected => check_tile_shrink_rejected,
            tiles_listing => check_tiles_listing,
            checkpoints => check_checkpoints,
            checkpoint_only_batches => check_checkpoint_only_batches,
            checkpoint_same_size_replaces => check_checkpoint_same_size_replaces,
            checkpoint_goes_back_rejected => check_checkpoint_goes_back_rejected,
            concurrent_readers_see_whole_batches => check_concurrent_readers_see_whole_batches,
        );
    };
    (@tests $fresh:expr; $($name:ident => $check:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let fixture = ($fresh)();
                $crate::conformance::$check(&*fixture);
            }
        )*

        #[test]
        fn conformance_suite_is_complete() {
            let fixture = ($fresh)();
            let listed = $crate::conformance::check_names_for(&*fixture);
            assert_eq!(listed, [$(stringify!($name)),*], "conformance_tests! is out of date");
        }
    };
}

/// The names of [`checks`] for the store type of `store` (used by [`conformance_tests!`](crate::conformance_tests)).
pub fn check_names_for<S: Store>(_store: &S) -> Vec<&'static str> {
    checks::<S>().into_iter().map(|(name, _)| name).collect()
}

// ---------------------------------------------------------------------------------------------
// Test data
// ---------------------------------------------------------------------------------------------

/// A deterministic 32-byte value for `(tag, n)`: distinct for distinct pairs.
pub fn test_hash(tag: u8, n: u64) -> Hash {
    let mut h = [0u8; 32];
    h[0] = tag;
    h[1..9].copy_from_slice(&n.to_be_bytes());
    for (i, b) in h.iter_mut().enumerate().skip(9) {
        *b = (n as u8).wrapping_mul(31).wrapping_add(i as u8 * 7) ^ tag;
    }
    h
}

/// The test entry at `index`: data of 0 to 299 bytes (entry 0 is empty) covering every byte
/// value, a realistic millisecond timestamp, and leaf and envelope hashes from [`test_hash`]
/// with tags `b'L'` and `b'E'`.
pub fn test_entry(index: u64) -> StoredEntry {
    let len = (index * 37 % 300) as usize;
    StoredEntry {
        index,
        leaf_hash: test_hash(b'L', index),
        envelope_hash: test_hash(b'E', index),
        sequenced_at_ms: 1_700_000_000_000 + index * 1_000 + index % 7,
        data: (0..len)
            .map(|j| (index as usize * 13 + j * 101) as u8)
            .collect(),
    }
}

/// Test entries `start..start + count`.
pub fn test_entries(start: u64, count: u64) -> Vec<StoredEntry> {
    (start..start + count).map(test_entry).collect()
}

/// Tile `level`/`index` with its first `width` hashes; a wider one extends a narrower one.
pub fn test_tile(level: u8, index: u64, width: usize) -> StoredTile {
    let data = (0..width as u64)
        .flat_map(|k| test_hash(b'T'.wrapping_add(level), index * 256 + k))
        .collect();
    StoredTile { level, index, data }
}

/// A checkpoint for `tree_size` with a non-ASCII multi-line note (`variant` changes the note,
/// as a re-signature would).
pub fn test_checkpoint(tree_size: u64, variant: u8) -> StoredCheckpoint {
    StoredCheckpoint {
        tree_size,
        note: format!(
            "accord.test/log\n{tree_size}\nroot{variant}=\n\n— accord.test sig{tree_size}/{variant}\n"
        ),
        state_digest: test_hash(b'S', tree_size),
    }
}

fn batch(entries: Vec<StoredEntry>, tiles: Vec<StoredTile>, cp: Option<u64>) -> BatchWrite {
    BatchWrite {
        entries,
        tiles,
        checkpoint: cp.map(|size| test_checkpoint(size, 0)),
    }
}

// ---------------------------------------------------------------------------------------------
// Assertion helpers
// ---------------------------------------------------------------------------------------------

/// Asserts that a store call succeeds and returns `want`; a failure quotes the call.
macro_rules! expect {
    ($call:expr, $want:expr) => {
        expect!($call, $want, "")
    };
    ($call:expr, $want:expr, $($context:tt)+) => {{
        let got = ok($call, stringify!($call));
        assert_eq!(got, $want, "`{}` {}", stringify!($call), format_args!($($context)+));
    }};
}

#[track_caller]
fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("`{what}` failed: {e} ({e:?})"))
}

#[track_caller]
fn append<S: Store>(store: &S, b: &BatchWrite) {
    ok(
        store.append_batch(b),
        &format!("append_batch of {}", describe(b)),
    );
}

/// Names a batch in failure messages.
fn describe(b: &BatchWrite) -> String {
    let entries = match (b.entries.first(), b.entries.last()) {
        (Some(first), Some(last)) => format!("entries {}..={}", first.index, last.index),
        _ => "no entries".into(),
    };
    let tiles: Vec<_> = b
        .tiles
        .iter()
        .map(|t| format!("{}/{}", t.level, t.index))
        .collect();
    let checkpoint = b.checkpoint.as_ref().map(|c| c.tree_size);
    format!("{entries}, tiles {tiles:?}, checkpoint for size {checkpoint:?}")
}

/// Appends a batch that must be refused, checks it changed nothing, and returns the error.
#[track_caller]
fn refused<S: Store>(store: &S, b: &BatchWrite, what: &str) -> StoreError {
    let before = snapshot(store);
    let Err(e) = store.append_batch(b) else {
        panic!("append_batch of {what} succeeded but must be refused")
    };
    let after = snapshot(store);
    assert!(
        after == before,
        "the refused batch ({what}) changed the store; a batch is written whole or not at all\n\
         before: {before:#?}\nafter: {after:#?}"
    );
    e
}

/// Everything a store shows from outside (tiles of levels 0 to 3), to compare before and after.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tree_size: u64,
    entries: Vec<StoredEntry>,
    tiles: Vec<StoredTile>,
    checkpoints: Vec<StoredCheckpoint>,
    latest: Option<StoredCheckpoint>,
}

#[track_caller]
fn snapshot<S: Store>(store: &S) -> Snapshot {
    let mut tiles = Vec::new();
    for level in 0..4 {
        tiles.extend(ok(store.tiles(level, 0, usize::MAX), "tiles"));
    }
    let mut checkpoints: Vec<_> = ok(store.checkpoint_at(0), "checkpoint_at")
        .into_iter()
        .collect();
    checkpoints.extend(ok(
        store.checkpoints_after(0, usize::MAX),
        "checkpoints_after",
    ));
    Snapshot {
        tree_size: ok(store.tree_size(), "tree_size"),
        entries: ok(store.entries(0, u64::MAX), "entries"),
        tiles,
        checkpoints,
        latest: ok(store.latest_checkpoint(), "latest_checkpoint"),
    }
}

fn cp(tree_size: u64) -> Option<StoredCheckpoint> {
    Some(test_checkpoint(tree_size, 0))
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// An empty store has no entries, tiles or checkpoints, and says so rather than failing.
pub fn check_empty_store<S: Store>(store: &S) {
    expect!(store.tree_size(), 0);
    expect!(store.entries(0, 10), vec![]);
    expect!(store.entries(0, u64::MAX), vec![]);
    expect!(store.entry(0), None);
    expect!(store.index_of_envelope(&test_hash(b'E', 0)), None);
    expect!(store.index_of_leaf(&test_hash(b'L', 0)), None);
    expect!(store.tile(0, 0), None);
    expect!(store.tiles(0, 0, 10), vec![]);
    expect!(store.latest_checkpoint(), None);
    expect!(store.checkpoint_at(0), None);
    expect!(store.checkpoints_after(0, 10), vec![]);
}

/// A batch with nothing in it is accepted and changes nothing.
pub fn check_empty_batches<S: Store>(store: &S) {
    for round in 0..2 {
        let before = snapshot(store);
        append(store, &BatchWrite::default());
        assert!(
            snapshot(store) == before,
            "an empty batch changed the store"
        );
        if round == 0 {
            append(store, &batch(test_entries(0, 3), vec![], Some(3)));
        }
    }
}

/// Entries read back exactly as written, in order, with ranges clipped to the log.
pub fn check_append_and_read_back<S: Store>(store: &S) {
    let mut all = test_entries(0, 12);
    append(store, &batch(all[..5].to_vec(), vec![], Some(5)));
    append(store, &batch(all[5..].to_vec(), vec![], Some(12)));
    let mut big = test_entry(12);
    big.data = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    all.push(big.clone());
    append(store, &batch(vec![big], vec![], None));

    expect!(store.tree_size(), 13);
    for want in &all {
        expect!(
            store.entry(want.index),
            Some(want.clone()),
            "(bytes, hashes or timestamp differ)"
        );
    }
    expect!(store.entries(0, 13), all);
    expect!(store.entries(3, 9), all[3..9]);
    expect!(
        store.entries(10, 100),
        all[10..],
        "(must stop at the end of the log)"
    );
    expect!(store.entries(0, u64::MAX), all);
    expect!(store.entries(12, 13), all[12..]);
    for (start, end) in [(13, 20), (50, 60), (5, 5), (9, 3), (u64::MAX, u64::MAX)] {
        expect!(store.entries(start, end), vec![], "for ({start}, {end})");
    }
    expect!(store.entry(13), None);
    expect!(store.entry(u64::MAX), None);
}

/// A batch must start at the current size and have no gaps; otherwise nothing is written.
pub fn check_not_contiguous<S: Store>(store: &S) {
    let expect_refused = |entries: Vec<StoredEntry>, expected: u64, got: u64, what: &str| {
        let b = batch(entries, vec![test_tile(0, 0, 8)], Some(8));
        match refused(store, &b, what) {
            StoreError::NotContiguous {
                expected: e,
                got: g,
            } if (e, g) == (expected, got) => {}
            other => panic!(
                "{what}: want NotContiguous {{ expected: {expected}, got: {got} }}, got {other:?}"
            ),
        }
    };
    expect_refused(test_entries(1, 2), 0, 1, "a first batch starting at 1");
    append(
        store,
        &batch(test_entries(0, 4), vec![test_tile(0, 0, 4)], Some(4)),
    );
    expect_refused(test_entries(5, 2), 4, 5, "a batch leaving a gap");
    expect_refused(test_entries(2, 4), 4, 2, "a batch overlapping the log");
    expect_refused(
        vec![test_entry(4), test_entry(6)],
        5,
        6,
        "a batch with a gap inside",
    );
    let mut again = test_entry(4);
    again.envelope_hash = test_hash(b'X', 4);
    expect_refused(
        vec![test_entry(4), again],
        5,
        4,
        "a batch repeating an index",
    );
    append(store, &batch(test_entries(4, 2), vec![], Some(6)));
    expect!(store.tree_size(), 6);
}

/// An envelope already in the log is refused with the index holding it; the whole batch is.
pub fn check_duplicate_envelope_across_batches<S: Store>(store: &S) {
    append(
        store,
        &batch(test_entries(0, 3), vec![test_tile(0, 0, 3)], Some(3)),
    );
    let mut entries = test_entries(3, 3);
    entries[1].envelope_hash = test_hash(b'E', 1);
    let b = batch(
        entries,
        vec![test_tile(0, 0, 6), test_tile(1, 0, 1)],
        Some(6),
    );
    match refused(store, &b, "entry 4 repeating the envelope of entry 1") {
        StoreError::DuplicateEnvelope {
            envelope_hash,
            index: 1,
        } if envelope_hash == test_hash(b'E', 1) => {}
        other => panic!("want DuplicateEnvelope of entry 1's envelope at index 1, got {other:?}"),
    }
    expect!(store.index_of_envelope(&test_hash(b'E', 1)), Some(1));
    append(store, &batch(test_entries(3, 3), vec![], Some(6)));
}

/// An envelope repeated inside one batch is refused with the earlier index; nothing written.
pub fn check_duplicate_envelope_within_batch<S: Store>(store: &S) {
    append(store, &batch(test_entries(0, 2), vec![], Some(2)));
    let mut entries = test_entries(2, 3);
    entries[2].envelope_hash = entries[1].envelope_hash;
    let b = batch(entries, vec![test_tile(0, 0, 5)], Some(5));
    match refused(
        store,
        &b,
        "entry 4 repeating the envelope of entry 3 in the same batch",
    ) {
        StoreError::DuplicateEnvelope {
            envelope_hash,
            index: 3,
        } if envelope_hash == test_hash(b'E', 3) => {}
        other => panic!("want DuplicateEnvelope of entry 3's envelope at index 3, got {other:?}"),
    }
    expect!(store.index_of_envelope(&test_hash(b'E', 3)), None);
    append(store, &batch(test_entries(2, 3), vec![], Some(5)));
}

/// Entries are found by envelope hash and by leaf hash, each by its own column.
pub fn check_lookups<S: Store>(store: &S) {
    append(store, &batch(test_entries(0, 4), vec![], Some(4)));
    append(store, &batch(test_entries(4, 6), vec![], Some(10)));
    for e in test_entries(0, 10) {
        expect!(store.index_of_envelope(&e.envelope_hash), Some(e.index));
        expect!(store.index_of_leaf(&e.leaf_hash), Some(e.index));
        expect!(
            store.index_of_envelope(&e.leaf_hash),
            None,
            "(a leaf hash is no envelope hash)"
        );
        expect!(
            store.index_of_leaf(&e.envelope_hash),
            None,
            "(an envelope hash is no leaf hash)"
        );
    }
    for unknown in [
        test_hash(b'E', 10),
        test_hash(b'L', 10),
        [0; 32],
        [0xff; 32],
    ] {
        expect!(store.index_of_envelope(&unknown), None);
        expect!(store.index_of_leaf(&unknown), None);
    }
    // Several at once, in the order asked, unknown and repeated ones included.
    let asked = [
        test_entry(7).envelope_hash,
        test_hash(b'E', 10),
        test_entry(0).envelope_hash,
        test_entry(7).envelope_hash,
        test_entry(9).leaf_hash,
    ];
    expect!(
        store.indexes_of_envelopes(&asked),
        vec![Some(7), None, Some(0), Some(7), None]
    );
    expect!(store.indexes_of_envelopes(&[]), Vec::<Option<u64>>::new());
}

/// A partial tile is replaced by wider (or equally wide) versions of itself.
pub fn check_tiles_grow<S: Store>(store: &S) {
    append(
        store,
        &batch(test_entries(0, 3), vec![test_tile(0, 0, 3)], Some(3)),
    );
    expect!(store.tile(0, 0), Some(test_tile(0, 0, 3)));
    expect!(store.tile(0, 1), None);
    expect!(store.tile(1, 0), None);

    append(
        store,
        &batch(test_entries(3, 7), vec![test_tile(0, 0, 10)], Some(10)),
    );
    expect!(
        store.tile(0, 0),
        Some(test_tile(0, 0, 10)),
        "(after growing to width 10)"
    );
    expect!(
        store.tiles(0, 0, 10),
        vec![test_tile(0, 0, 10)],
        "(a grown tile is listed once)"
    );

    append(
        store,
        &batch(test_entries(10, 1), vec![test_tile(0, 0, 10)], Some(11)),
    );
    expect!(store.tile(0, 0), Some(test_tile(0, 0, 10)));

    let tiles = vec![test_tile(0, 0, 256), test_tile(0, 1, 2), test_tile(1, 0, 1)];
    append(store, &batch(test_entries(11, 247), tiles, Some(258)));
    expect!(store.tile(0, 0), Some(test_tile(0, 0, 256)));
    expect!(store.tile(0, 1), Some(test_tile(0, 1, 2)));
    expect!(store.tile(1, 0), Some(test_tile(1, 0, 1)));
}

/// A narrower tile is refused with both widths, and the batch carrying it is not written.
pub fn check_tile_shrink_rejected<S: Store>(store: &S) {
    append(
        store,
        &batch(test_entries(0, 5), vec![test_tile(0, 0, 5)], Some(5)),
    );
    // A valid new tile before the shrinking one must not survive the refusal either.
    let b = batch(
        test_entries(5, 2),
        vec![test_tile(1, 0, 1), test_tile(0, 0, 3)],
        Some(7),
    );
    match refused(store, &b, "tile 0/0 shrinking from 5 to 3 hashes") {
        StoreError::TileShrinks {
            level: 0,
            index: 0,
            stored: 5,
            new: 3,
        } => {}
        other => {
            panic!("want TileShrinks {{ level: 0, index: 0, stored: 5, new: 3 }}, got {other:?}")
        }
    }
    append(
        store,
        &batch(test_entries(5, 2), vec![test_tile(0, 0, 7)], Some(7)),
    );
    expect!(store.tile(0, 0), Some(test_tile(0, 0, 7)));
}

/// `tiles` lists one level in index order from `start`, at most `limit` of them.
pub fn check_tiles_listing<S: Store>(store: &S) {
    let level0 = |i: u64| test_tile(0, i, if i == 5 { 17 } else { 256 });
    // Written out of order, across levels, over two batches.
    let first = vec![level0(4), level0(0), level0(5), test_tile(1, 1, 256)];
    append(store, &batch(test_entries(0, 1), first, None));
    let second = vec![
        level0(2),
        level0(1),
        level0(3),
        test_tile(1, 0, 256),
        test_tile(2, 0, 2),
    ];
    append(store, &batch(test_entries(1, 1), second, None));

    let all: Vec<StoredTile> = (0..6).map(level0).collect();
    expect!(store.tiles(0, 0, usize::MAX), all);
    expect!(store.tiles(0, 0, 6), all);
    expect!(store.tiles(0, 2, 3), all[2..5]);
    expect!(store.tiles(0, 5, 10), all[5..]);
    expect!(store.tiles(0, 6, 10), vec![]);
    expect!(store.tiles(0, 0, 0), vec![]);
    expect!(store.tiles(0, u64::MAX, 10), vec![]);
    expect!(
        store.tiles(1, 0, 10),
        vec![test_tile(1, 0, 256), test_tile(1, 1, 256)]
    );
    expect!(store.tiles(2, 0, 10), vec![test_tile(2, 0, 2)]);
    expect!(store.tiles(3, 0, 10), vec![]);
    expect!(store.tile(0, u64::MAX), None);
}

/// Checkpoints are found as the latest, by exact size, and listed after a size in order.
pub fn check_checkpoints<S: Store>(store: &S) {
    append(store, &batch(test_entries(0, 2), vec![], Some(2)));
    append(store, &batch(test_entries(2, 3), vec![], Some(5)));
    append(store, &batch(test_entries(5, 1), vec![], None));
    append(store, &batch(test_entries(6, 3), vec![], Some(9)));
    expect!(store.latest_checkpoint(), cp(9));
    expect!(store.checkpoint_at(5), cp(5));
    for missing in [0, 3, 6, 10, u64::MAX] {
        expect!(store.checkpoint_at(missing), None, "for size {missing}");
    }
    let cases: [(u64, usize, &[u64]); 8] = [
        (0, 10, &[2, 5, 9]),
        (0, usize::MAX, &[2, 5, 9]),
        (2, 10, &[5, 9]),
        (0, 2, &[2, 5]),
        (3, 1, &[5]),
        (9, 10, &[]),
        (0, 0, &[]),
        (u64::MAX, 10, &[]),
    ];
    for (after, limit, sizes) in cases {
        let want: Vec<_> = sizes.iter().filter_map(|&s| cp(s)).collect();
        expect!(
            store.checkpoints_after(after, limit),
            want,
            "must be those for sizes {sizes:?}"
        );
    }
}

/// Batches may carry only a checkpoint, including one for the empty log.
pub fn check_checkpoint_only_batches<S: Store>(store: &S) {
    append(store, &batch(vec![], vec![], Some(0)));
    expect!(store.tree_size(), 0);
    expect!(store.latest_checkpoint(), cp(0));
    expect!(store.checkpoint_at(0), cp(0));
    append(
        store,
        &batch(test_entries(0, 4), vec![test_tile(0, 0, 4)], None),
    );
    expect!(store.latest_checkpoint(), cp(0));
    append(store, &batch(vec![], vec![], Some(4)));
    expect!(store.tree_size(), 4);
    expect!(store.latest_checkpoint(), cp(4));
    expect!(store.checkpoints_after(0, 10), vec![test_checkpoint(4, 0)]);
}

/// A checkpoint for the latest size replaces the stored one (a re-signature).
pub fn check_checkpoint_same_size_replaces<S: Store>(store: &S) {
    append(store, &batch(test_entries(0, 3), vec![], Some(3)));
    let resigned = test_checkpoint(3, 1);
    let b = BatchWrite {
        checkpoint: Some(resigned.clone()),
        ..Default::default()
    };
    append(store, &b);
    expect!(store.latest_checkpoint(), Some(resigned.clone()));
    expect!(store.checkpoint_at(3), Some(resigned.clone()));
    expect!(
        store.checkpoints_after(0, 10),
        vec![resigned],
        "(a replaced checkpoint is listed once)"
    );
}

/// A checkpoint for a smaller size than the latest is refused with both sizes; batch unwritten.
pub fn check_checkpoint_goes_back_rejected<S: Store>(store: &S) {
    append(
        store,
        &batch(test_entries(0, 5), vec![test_tile(0, 0, 5)], Some(5)),
    );
    let cases = [
        (
            batch(test_entries(5, 1), vec![test_tile(0, 0, 6)], Some(4)),
            4,
            "entry 5 with a checkpoint for 4",
        ),
        (batch(vec![], vec![], Some(3)), 3, "a lone checkpoint for 3"),
        (batch(vec![], vec![], Some(0)), 0, "a lone checkpoint for 0"),
    ];
    for (b, new, what) in cases {
        match refused(store, &b, what) {
            StoreError::CheckpointGoesBack { stored: 5, new: n } if n == new => {}
            other => {
                panic!("{what}: want CheckpointGoesBack {{ stored: 5, new: {new} }}, got {other:?}")
            }
        }
    }
    append(
        store,
        &batch(test_entries(5, 1), vec![test_tile(0, 0, 6)], Some(6)),
    );
    expect!(store.latest_checkpoint(), cp(6));
}

/// Entries per batch in [`check_concurrent_readers_see_whole_batches`].
pub const CONCURRENT_BATCH: u64 = 25;

/// Readers on other threads never see part of a batch while a writer appends.
///
/// Each batch adds [`CONCURRENT_BATCH`] entries, a tile and a checkpoint for the new size.
/// Readers check that the size is always a multiple of the batch size, that every entry below
/// it reads back, that a range read past it returns whole batches, and that the checkpoint they
/// read first never covers more than the size they read after it.
pub fn check_concurrent_readers_see_whole_batches<S: Store>(store: &S) {
    const BATCHES: u64 = 40;
    const READERS: usize = 4;
    const B: u64 = CONCURRENT_BATCH;
    let done = AtomicBool::new(false);
    /// Sets `done` however the writer ends, so readers never spin forever.
    struct Done<'a>(&'a AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let writer = || {
        let _done = Done(&done);
        for n in 0..BATCHES {
            let size = (n + 1) * B;
            let tiles = vec![test_tile(0, 0, size.min(256) as usize)];
            append(store, &batch(test_entries(n * B, B), tiles, Some(size)));
        }
    };
    let reader = |reader: usize| loop {
        let finished = done.load(Ordering::SeqCst);
        let checkpoint =
            ok(store.latest_checkpoint(), "latest_checkpoint").map_or(0, |c| c.tree_size);
        let size = ok(store.tree_size(), "tree_size");
        assert!(
            size.is_multiple_of(B),
            "reader {reader} saw tree_size {size}, inside a batch of {B}"
        );
        assert!(
            checkpoint <= size,
            "reader {reader} saw checkpoint {checkpoint}, then tree_size {size}"
        );
        let entries = ok(store.entries(0, size), "entries");
        assert_eq!(
            entries.len() as u64,
            size,
            "reader {reader}: entries(0, {size}) are incomplete"
        );
        if let Some(last) = entries.last() {
            assert_eq!(
                *last,
                test_entry(size - 1),
                "reader {reader}: the last entry"
            );
        }
        let (from, to) = (size.saturating_sub(B), size + 3 * B);
        let got = ok(store.entries(from, to), "entries").len() as u64;
        assert!(
            got.is_multiple_of(B) && got >= B.min(size),
            "reader {reader}: entries({from}, {to}) returned {got}, not whole batches"
        );
        if finished {
            assert_eq!(size, BATCHES * B, "reader {reader}: the final tree_size");
            break;
        }
    };
    std::thread::scope(|s| {
        let mut threads = vec![s.spawn(writer)];
        threads.extend((0..READERS).map(|r| s.spawn(move || reader(r))));
        // Re-raise the first failure with its own message rather than the scope's generic one.
        if let Some(failure) = threads.into_iter().filter_map(|t| t.join().err()).next() {
            std::panic::resume_unwind(failure);
        }
    });
    expect!(store.tree_size(), BATCHES * B);
}
