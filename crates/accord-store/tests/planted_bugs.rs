//! Each check of the conformance suite fails on a store with the bug it is aimed at: the
//! checks really can fail.

mod mem_store;

use accord_store::conformance::*;
use mem_store::{Bug, MemStore};

/// Asserts that `check` fails on a store with `bug`, with a message containing `needle`.
fn fails(bug: Bug, check: Check<MemStore>, needle: &str) {
    let store = MemStore::new(bug);
    // The expected panics would bury the output in messages; silence them meanwhile.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&store)));
    std::panic::set_hook(hook);
    let panic = outcome.expect_err(&format!("the check passed on a store with bug {bug:?}"));
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        message.contains(needle),
        "bug {bug:?}: expected `{needle}` in: {message}"
    );
}

#[test]
fn checks_catch_planted_bugs() {
    let cases: [(Bug, Check<MemStore>, &str); 11] = [
        (
            Bug::PartialWrites,
            check_tile_shrink_rejected,
            "changed the store",
        ),
        (
            Bug::PartialWrites,
            check_checkpoint_goes_back_rejected,
            "changed the store",
        ),
        (Bug::NoContiguity, check_not_contiguous, "must be refused"),
        (
            Bug::NoDupWithinBatch,
            check_duplicate_envelope_within_batch,
            "must be refused",
        ),
        (
            Bug::TilesShrink,
            check_tile_shrink_rejected,
            "must be refused",
        ),
        (
            Bug::CheckpointBack,
            check_checkpoint_goes_back_rejected,
            "must be refused",
        ),
        (
            Bug::InclusiveEnd,
            check_append_and_read_back,
            "store.entry(want.index)",
        ),
        (
            Bug::NoResign,
            check_checkpoint_same_size_replaces,
            "size Some(3)` failed",
        ),
        (
            Bug::Torn,
            check_concurrent_readers_see_whole_batches,
            "reader",
        ),
        (
            Bug::TilesNoLimit,
            check_tiles_listing,
            "store.tiles(0, 2, 3)",
        ),
        (Bug::LeafByEnvelope, check_lookups, "index_of_leaf"),
    ];
    for (bug, check, needle) in cases {
        fails(bug, check, needle);
    }
}
