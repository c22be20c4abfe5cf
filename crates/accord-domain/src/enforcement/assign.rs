//! Conflict-free, reproducible assignment of panel members and auditors: a pure function of
//! the candidates, who is excluded, the current load and a seed taken from the log (the hash of
//! the entry that asks for the assignment), so anyone replaying the log draws the same names.
//!
//! The draw walks a sequence of candidates that the seed determines — position `j` is
//! SHA-256(seed ‖ j) modulo the number of candidates — and takes each candidate that is not
//! excluded, not already drawn, and whose load is at most one above the lowest load in the
//! pool (`floor`), until it has `k`. That balances work (no one is drawn while others sit
//! idle) and costs a few hashes per seat however many candidates there are. When the walk does
//! not fill the seats within `32·k + 64` steps (few eligible candidates), the draw falls back to
//! the exhaustive order — every eligible candidate by (load, SHA-256(seed ‖ party id)) — so it
//! fails only when fewer than `k` eligible candidates exist at all.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use sha2::{Digest, Sha256};

use crate::registry::PartyKind;

/// Candidates, as slices (one per party kind, say) read as one list.
pub struct Pool<'a>(pub Vec<&'a [PartyId]>);

impl Pool<'_> {
    /// How many candidates.
    pub fn len(&self) -> usize {
        self.0.iter().map(|s| s.len()).sum()
    }

    fn at(&self, mut i: usize) -> &PartyId {
        for s in &self.0 {
            if i < s.len() {
                return &s[i];
            }
            i -= s.len();
        }
        unreachable!("index within the pool")
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn iter(&self) -> impl Iterator<Item = &PartyId> {
        self.0.iter().flat_map(|s| s.iter())
    }
}

/// Draws `k` candidates of `pool` for which `eligible` holds; `None` when fewer exist.
/// `load` holds the open assignments of loaded parties (absent means none); `floor` is the
/// lowest load in the pool.
pub fn draw(
    pool: &Pool<'_>,
    eligible: &dyn Fn(&PartyId) -> bool,
    load: &BTreeMap<PartyId, u32>,
    floor: u32,
    seed: &[u8; 32],
    k: usize,
) -> Option<Vec<PartyId>> {
    let n = pool.len();
    if k == 0 {
        return Some(Vec::new());
    }
    if n == 0 {
        return None;
    }
    let load_of = |p: &PartyId| load.get(p).copied().unwrap_or(0);
    let mut chosen: Vec<PartyId> = Vec::with_capacity(k);
    for j in 0..(32 * k as u64 + 64) {
        let mut h = Sha256::new();
        h.update(seed);
        h.update(j.to_be_bytes());
        let digest = h.finalize();
        let i = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % n as u64;
        let c = pool.at(i as usize);
        if chosen.contains(c) || !eligible(c) || load_of(c) > floor + 1 {
            continue;
        }
        chosen.push(c.clone());
        if chosen.len() == k {
            return Some(chosen);
        }
    }
    draw_exhaustive(pool, eligible, load, seed, k)
}

/// The exhaustive draw: every eligible candidate ordered by (load, SHA-256(seed ‖ party id)),
/// the first `k` taken. The fallback of [`draw`], and its baseline in `accord bench`.
pub fn draw_exhaustive(
    pool: &Pool<'_>,
    eligible: &dyn Fn(&PartyId) -> bool,
    load: &BTreeMap<PartyId, u32>,
    seed: &[u8; 32],
    k: usize,
) -> Option<Vec<PartyId>> {
    let mut all: Vec<(u32, [u8; 32], &PartyId)> = pool
        .iter()
        .filter(|p| eligible(p))
        .map(|p| {
            let mut h = Sha256::new();
            h.update(seed);
            h.update(p.as_str().as_bytes());
            (load.get(p).copied().unwrap_or(0), h.finalize().into(), p)
        })
        .collect();
    all.sort();
    all.dedup_by(|a, b| a.2 == b.2);
    (all.len() >= k).then(|| all.into_iter().take(k).map(|(_, _, p)| p.clone()).collect())
}

/// Open assignments per party, with a histogram per kind of party so that the lowest load of
/// a pool (the parties of some kinds) is known without reading the pool.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Load {
    by_party: BTreeMap<PartyId, u32>,
    /// For each kind: load → how many parties of that kind carry it (loads above 0 only).
    by_kind: BTreeMap<PartyKind, BTreeMap<u32, u32>>,
    /// Counts every change (not part of the record: it tells callers whether to re-digest).
    changes: u64,
}

impl Load {
    /// Loads of parties with at least one open assignment.
    pub fn by_party(&self) -> &BTreeMap<PartyId, u32> {
        &self.by_party
    }

    /// How many times the load changed so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The lowest load among the `pool_size` candidates of `kinds`: 0 while some carries none.
    pub fn floor(&self, kinds: &[PartyKind], pool_size: usize) -> u32 {
        let loaded: u64 = kinds
            .iter()
            .filter_map(|k| self.by_kind.get(k))
            .flat_map(|h| h.values())
            .map(|n| u64::from(*n))
            .sum();
        if loaded < pool_size as u64 {
            0
        } else {
            kinds
                .iter()
                .filter_map(|k| self.by_kind.get(k)?.keys().next().copied())
                .min()
                .unwrap_or(0)
        }
    }

    /// Draws `k` eligible candidates of `pool` (the parties of `kinds`), balanced by this load
    /// (see [`draw`]).
    pub fn draw(
        &self,
        pool: &Pool<'_>,
        kinds: &[PartyKind],
        eligible: &dyn Fn(&PartyId) -> bool,
        seed: &[u8; 32],
        k: usize,
    ) -> Option<Vec<PartyId>> {
        draw(
            pool,
            eligible,
            &self.by_party,
            self.floor(kinds, pool.len()),
            seed,
            k,
        )
    }

    fn shift(&mut self, party: &PartyId, kind: PartyKind, up: bool) {
        let old = self.by_party.get(party).copied().unwrap_or(0);
        let new = if up { old + 1 } else { old.saturating_sub(1) };
        if old == new {
            return;
        }
        self.changes += 1;
        let histogram = self.by_kind.entry(kind).or_default();
        if old > 0 {
            if let Some(n) = histogram.get_mut(&old) {
                *n -= 1;
                if *n == 0 {
                    histogram.remove(&old);
                }
            }
        }
        if new > 0 {
            *histogram.entry(new).or_default() += 1;
            self.by_party.insert(party.clone(), new);
        } else {
            self.by_party.remove(party);
        }
    }

    /// One more open assignment for `party` (of `kind`).
    pub fn add(&mut self, party: &PartyId, kind: PartyKind) {
        self.shift(party, kind, true);
    }

    /// One fewer.
    pub fn release(&mut self, party: &PartyId, kind: PartyKind) {
        self.shift(party, kind, false);
    }
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
        let pool = Pool(vec![&all[..]]);
        let excluded = |p: &PartyId| all[..3].contains(p);
        let eligible = |p: &PartyId| !excluded(p);
        let none = BTreeMap::new();
        let a = draw(&pool, &eligible, &none, 0, &[7; 32], 3).unwrap();
        assert_eq!(a, draw(&pool, &eligible, &none, 0, &[7; 32], 3).unwrap());
        assert!(a.iter().all(|p| !excluded(p)));
        assert_ne!(a, draw(&pool, &eligible, &none, 0, &[8; 32], 3).unwrap());
        // Busy parties wait while others are idle.
        let busy: BTreeMap<PartyId, u32> = all[3..9].iter().map(|p| (p.clone(), 2)).collect();
        let b = draw(&pool, &eligible, &busy, 0, &[7; 32], 1).unwrap();
        assert_eq!(b, vec![all[9].clone()]);
        // Too few eligible.
        assert!(draw(&pool, &eligible, &none, 0, &[7; 32], 8).is_none());
        assert_eq!(
            draw(&pool, &eligible, &none, 0, &[7; 32], 7).unwrap().len(),
            7
        );
    }

    #[test]
    fn many_draws_spread_the_load() {
        let all = ids(50);
        let pool = Pool(vec![&all[..25], &all[25..]]);
        let kinds = [PartyKind::Auditor];
        let mut load = Load::default();
        // A party of another kind carries load; it must not raise the pool's floor.
        let outsider: PartyId = "outsider".parse().unwrap();
        load.add(&outsider, PartyKind::Cert);
        load.add(&outsider, PartyKind::Cert);
        for s in 0..200u8 {
            let got = load.draw(&pool, &kinds, &|_| true, &[s; 32], 3).unwrap();
            for p in &got {
                load.add(p, PartyKind::Auditor);
            }
        }
        let loads: Vec<u32> = all
            .iter()
            .map(|p| load.by_party().get(p).copied().unwrap_or(0))
            .collect();
        let (min, max) = (*loads.iter().min().unwrap(), *loads.iter().max().unwrap());
        assert!(max - min <= 2, "loads from {min} to {max}");
        assert_eq!(load.floor(&kinds, 50), min);
        for p in &all {
            load.release(p, PartyKind::Auditor);
        }
        let mut idle = Load::default();
        idle.add(&outsider, PartyKind::Cert);
        assert_eq!(idle.floor(&kinds, 50), 0);
        assert_eq!(idle.floor(&[PartyKind::Cert], 1), 1);
    }
}
