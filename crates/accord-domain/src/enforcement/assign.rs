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

/// Open assignments per party (parties with none are absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Load {
    by_party: BTreeMap<PartyId, u32>,
}

impl Load {
    /// Loads of parties with at least one open assignment.
    pub fn by_party(&self) -> &BTreeMap<PartyId, u32> {
        &self.by_party
    }

    /// The lowest load among the candidates of `pool` (`in_pool` says who is one): 0 while
    /// some candidate carries none. Reads only the loaded parties, never the whole pool.
    pub fn floor(&self, pool: &Pool<'_>, in_pool: &dyn Fn(&PartyId) -> bool) -> u32 {
        let loaded: Vec<u32> = self
            .by_party
            .iter()
            .filter(|(p, _)| in_pool(p))
            .map(|(_, l)| *l)
            .collect();
        if loaded.len() < pool.len() {
            0
        } else {
            loaded.into_iter().min().unwrap_or(0)
        }
    }

    /// Draws `k` eligible candidates of `pool`, balanced by this load (see [`draw`]).
    pub fn draw(
        &self,
        pool: &Pool<'_>,
        in_pool: &dyn Fn(&PartyId) -> bool,
        eligible: &dyn Fn(&PartyId) -> bool,
        seed: &[u8; 32],
        k: usize,
    ) -> Option<Vec<PartyId>> {
        draw(
            pool,
            eligible,
            &self.by_party,
            self.floor(pool, in_pool),
            seed,
            k,
        )
    }

    /// One more open assignment.
    pub fn add(&mut self, party: &PartyId) {
        *self.by_party.entry(party.clone()).or_default() += 1;
    }

    /// One fewer.
    pub fn release(&mut self, party: &PartyId) {
        if let Some(l) = self.by_party.get_mut(party) {
            *l -= 1;
            if *l == 0 {
                self.by_party.remove(party);
            }
        }
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
        let in_pool = |p: &PartyId| all.contains(p);
        let mut load = Load::default();
        // A party outside the pool carries load; it must not raise the pool's floor.
        let outsider: PartyId = "outsider".parse().unwrap();
        load.add(&outsider);
        load.add(&outsider);
        for s in 0..200u8 {
            let got = load.draw(&pool, &in_pool, &|_| true, &[s; 32], 3).unwrap();
            for p in &got {
                load.add(p);
            }
        }
        let max = all
            .iter()
            .map(|p| load.by_party().get(p).copied().unwrap_or(0))
            .max()
            .unwrap();
        let min = all
            .iter()
            .map(|p| load.by_party().get(p).copied().unwrap_or(0))
            .min()
            .unwrap();
        assert!(max - min <= 2, "loads from {min} to {max}");
        assert_eq!(load.floor(&pool, &in_pool), min);
        let mut idle = Load::default();
        idle.add(&outsider);
        assert_eq!(idle.floor(&pool, &in_pool), 0);
    }
}
