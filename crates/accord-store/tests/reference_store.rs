//! The conformance suite passes on a correct in-memory reference store.

mod mem_store;

use accord_store::conformance;
use mem_store::{Bug, MemStore};

fn correct() -> Box<MemStore> {
    MemStore::new(Bug::None)
}

mod reference {
    accord_store::conformance_tests!(super::correct);
}

#[test]
fn run_all_passes_on_the_reference_store() {
    conformance::run_all(|| *MemStore::new(Bug::None));
}
