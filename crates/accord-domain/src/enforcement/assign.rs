//! Conflict-free, reproducible assignment of panel members (and auditors): a pure function of
//! the candidates, the exclusions, the current load and a seed taken from the log (the hash of
//! the entry that asked for the assignment), so anyone replaying the log draws the same names.
//!
//! Candidates are ordered by current load (fewest open assignments first, to balance work) and
//! then by SHA-256(seed ‖ party id) (an unbiased, unpredictable-in-advance but reproducible
//! tie-break); the first `k` are drawn.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::PartyId;
use sha2::{Digest, Sha256};

/// Draws `k` of `candidates` not in `excluded`; `None` when too few remain.
pub fn draw<'a>(
    candidates: impl IntoIterator<Item = &'a PartyId>,
    excluded: &BTreeSet<PartyId>,
    load: &BTreeMap<PartyId, u32>,
    seed: &[u8; 32],
    k: usize,
) -> Option<Vec<PartyId>> {
    let mut pool: Vec<(u32, [u8; 32], &PartyId)> = candidates
        .into_iter()
        .filter(|p| !excluded.contains(*p))
        .map(|p| {
            let mut h = Sha256::new();
            h.update(seed);
            h.update(p.as_str().as_bytes());
            (load.get(p).copied().unwrap_or(0), h.finalize().into(), p)
        })
        .collect();
    if pool.len() < k {
        return None;
    }
    pool.sort();
    Some(
        pool.into_iter()
            .take(k)
            .map(|(_, _, p)| p.clone())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<PartyId> {
        (0..n).map(|i| format!("p{i}").parse().unwrap()).collect()
    }

    #[test]
    fn draws_are_reproducible_excluding_and_balanced() {
        let all = ids(10);
        let excluded: BTreeSet<PartyId> = all[..3].iter().cloned().collect();
        let load = BTreeMap::new();
        let a = draw(&all, &excluded, &load, &[7; 32], 3).unwrap();
        assert_eq!(a, draw(&all, &excluded, &load, &[7; 32], 3).unwrap());
        assert!(a.iter().all(|p| !excluded.contains(p)));
        assert_ne!(a, draw(&all, &excluded, &load, &[8; 32], 3).unwrap());
        // The least loaded go first.
        let busy: BTreeMap<PartyId, u32> = all[3..9].iter().map(|p| (p.clone(), 2)).collect();
        let b = draw(&all, &excluded, &busy, &[7; 32], 1).unwrap();
        assert_eq!(b, vec![all[9].clone()]);
        assert!(draw(&all, &excluded, &load, &[7; 32], 8).is_none());
    }
}
