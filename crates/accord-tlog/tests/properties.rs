//! Property tests: the tree against a direct transcription of the RFC 6962 /
//! RFC 9162 recursive definitions (MTH, PATH, PROOF), proofs that verify and
//! stop verifying when tampered with, prefix roots, and tile bookkeeping.

use accord_tlog::tiles::{tile_width, TILE_WIDTH};
use accord_tlog::{
    empty_root, leaf_hash, node_hash, verify_consistency, verify_inclusion, Hash, Tree,
};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn leaves(n: u64, salt: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[i.to_be_bytes(), salt.to_be_bytes()].concat()))
        .collect()
}

fn build(leaves: &[Hash]) -> Tree {
    let mut tree = Tree::new();
    for leaf in leaves {
        tree.push(*leaf);
    }
    tree
}

/// Largest power of two strictly below `n` (n >= 2).
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]) exactly as RFC 6962 §2.1 defines it.
fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => empty_root(),
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// PATH(m, D[n]) exactly as RFC 9162 §2.1.3.1 defines it.
fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// SUBPROOF(m, D[n], b) exactly as RFC 9162 §2.1.4.1 defines it.
fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

/// One flipped bit somewhere in a hash.
fn flip(hash: &mut Hash, bit: usize) {
    hash[(bit / 8) % 32] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tree_matches_rfc_definitions(n in 1u64..300, a in any::<u64>(), b in any::<u64>(), salt in any::<u64>()) {
        let d = leaves(n, salt);
        let tree = build(&d);
        let size = 1 + a % n;
        let prefix = &d[..size as usize];
        prop_assert_eq!(tree.root_at(size).unwrap(), mth(prefix));
        let index = b % size;
        prop_assert_eq!(tree.inclusion_proof(index, size).unwrap(), path(index as usize, prefix));
        let old = 1 + b % size;
        prop_assert_eq!(tree.consistency_proof(old, size).unwrap(), if old == size { vec![] } else { subproof(old as usize, prefix, true) });
    }

    #[test]
    fn push_and_from_leaf_hashes_agree(n in 0u64..600, salt in any::<u64>()) {
        let d = leaves(n, salt);
        let pushed = build(&d);
        let built = Tree::from_leaf_hashes(d.clone());
        prop_assert_eq!(pushed.size(), n);
        prop_assert_eq!(built.size(), n);
        prop_assert_eq!(pushed.root(), built.root());
        prop_assert_eq!(pushed.root(), mth(&d));
        for h in 0..12u8 {
            for i in 0..=(n >> h) {
                prop_assert_eq!(pushed.node(h, i), built.node(h, i));
                let complete = (i + 1) << h <= n;
                prop_assert_eq!(pushed.node(h, i).is_some(), complete);
                if complete {
                    let start = (i << h) as usize;
                    prop_assert_eq!(pushed.node(h, i), Some(mth(&d[start..start + (1 << h)])));
                }
            }
        }
        for i in 0..n + 2 {
            prop_assert_eq!(pushed.leaf(i), d.get(i as usize).copied());
        }
    }

    #[test]
    fn root_at_equals_root_of_shorter_tree(n in 0u64..2000, a in any::<u64>(), salt in any::<u64>()) {
        let d = leaves(n, salt);
        let tree = Tree::from_leaf_hashes(d.clone());
        let k = if n == 0 { 0 } else { a % (n + 1) };
        let shorter = build(&d[..k as usize]);
        prop_assert_eq!(tree.root_at(k).unwrap(), shorter.root());
        prop_assert!(tree.root_at(n + 1).is_err());
    }

    #[test]
    fn every_inclusion_proof_verifies_and_tampering_fails(
        n in 1u64..3000, a in any::<u64>(), b in any::<u64>(), bit in 0usize..256, salt in any::<u64>(),
    ) {
        let d = leaves(n, salt);
        let tree = Tree::from_leaf_hashes(d.clone());
        let size = 1 + a % n;
        let index = b % size;
        let root = tree.root_at(size).unwrap();
        let leaf = d[index as usize];
        let proof = tree.inclusion_proof(index, size).unwrap();
        prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));

        // Tampering with any proof hash fails.
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            flip(&mut bad[i], bit);
            prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
        }
        // Tampering with the leaf or the root fails.
        let mut bad_leaf = leaf;
        flip(&mut bad_leaf, bit);
        prop_assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
        let mut bad_root = root;
        flip(&mut bad_root, bit);
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
        // Another leaf of the tree is not at this index.
        if size > 1 {
            let other = d[((index + 1) % size) as usize];
            prop_assert!(verify_inclusion(&other, index, size, &proof, &root).is_err());
        }
        // Dropping or adding a hash fails.
        if !proof.is_empty() {
            prop_assert!(verify_inclusion(&leaf, index, size, &proof[1..], &root).is_err());
        }
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
    }

    #[test]
    fn every_consistency_proof_verifies_and_tampering_fails(
        n in 1u64..3000, a in any::<u64>(), b in any::<u64>(), bit in 0usize..256, salt in any::<u64>(),
    ) {
        let d = leaves(n, salt);
        let tree = Tree::from_leaf_hashes(d);
        let new = 1 + a % n;
        let old = b % (new + 1);
        let old_root = tree.root_at(old).unwrap();
        let new_root = tree.root_at(new).unwrap();
        let proof = tree.consistency_proof(old, new).unwrap();
        prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));

        for i in 0..proof.len() {
            let mut bad = proof.clone();
            flip(&mut bad[i], bit);
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
        }
        let mut bad_old = old_root;
        flip(&mut bad_old, bit);
        prop_assert!(verify_consistency(old, new, &bad_old, &new_root, &proof).is_err());
        // An empty old tree is consistent with every tree, so only a
        // non-empty old tree binds the new root.
        if old > 0 {
            let mut bad_new = new_root;
            flip(&mut bad_new, bit);
            prop_assert!(verify_consistency(old, new, &old_root, &bad_new, &proof).is_err());
        }
        if !proof.is_empty() {
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err());
        }
        let mut longer = proof.clone();
        longer.push(new_root);
        prop_assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
        // The proof does not prove consistency with a different old tree.
        if old > 0 && old < new {
            let wrong_root = tree.root_at(old - 1).unwrap();
            prop_assert!(verify_consistency(old, new, &wrong_root, &new_root, &proof).is_err());
        }
    }

    #[test]
    fn tiles_grown_is_exactly_the_tiles_whose_width_changed(
        old in 0u64..200_000, delta in 0u64..200_000, shrink in any::<bool>(),
    ) {
        let new = old + delta;
        let (from, to) = if shrink { (new, old) } else { (old, new) };
        let grown = Tree::tiles_grown(from, to);
        // Independent transcription of the width rule.
        let width = |s: u64, level: u8, index: u64| -> u64 {
            let hashes = if level >= 8 { 0 } else { s >> (8 * u32::from(level)) };
            hashes.saturating_sub(256 * index).min(256)
        };
        let mut expected = BTreeSet::new();
        let top = to.max(from);
        for level in 0..8u8 {
            let hashes = top >> (8 * u32::from(level));
            for index in 0..=hashes / 256 + 1 {
                let (w_old, w_new) = (width(from, level, index), width(to, level, index));
                if w_old != w_new {
                    expected.insert((level, index, w_new as u16));
                }
            }
        }
        if shrink && delta > 0 {
            // Shrinking grows nothing.
            prop_assert!(grown.is_empty());
        } else {
            let got: BTreeSet<_> = grown.iter().copied().collect();
            prop_assert_eq!(got.len(), grown.len(), "no duplicates");
            prop_assert_eq!(got, expected);
            for &(level, index, w) in &grown {
                prop_assert_eq!(tile_width(to, level, index), w);
                prop_assert!((1..=TILE_WIDTH).contains(&w));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn grown_tiles_are_servable_from_the_tree(old in 0u64..70_000, delta in 1u64..5_000) {
        let tree = big_tree();
        let new = (old + delta).min(tree.size());
        let old = old.min(new);
        let at_new = Tree::from_leaf_hashes((0..new).map(|i| tree.leaf(i).unwrap()).collect());
        for (level, index, width) in Tree::tiles_grown(old, new) {
            let tile = at_new.tile(level, index, width);
            prop_assert!(tile.is_some(), "tile {}/{} width {} missing", level, index, width);
            prop_assert_eq!(tile.unwrap().len(), 32 * usize::from(width));
            if width < TILE_WIDTH {
                prop_assert!(at_new.tile(level, index, width + 1).is_none());
            }
        }
    }
}

/// A shared 75,000-leaf tree.
fn big_tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| Tree::from_leaf_hashes(leaves(75_000, 1)))
}

#[test]
fn tiles_hold_the_nodes_of_their_level() {
    let tree = big_tree();
    // Level-1 tile 0 holds the roots of the 256 full level-0 tiles.
    let tile = tree.tile(1, 0, 256).unwrap();
    for i in 0..256u64 {
        let leaves: Vec<Hash> = (i * 256..(i + 1) * 256)
            .map(|j| tree.leaf(j).unwrap())
            .collect();
        assert_eq!(&tile[i as usize * 32..(i as usize + 1) * 32], &mth(&leaves));
    }
    assert_eq!(
        tree.tile(0, 5, 256).unwrap()[..32],
        tree.leaf(5 * 256).unwrap()
    );
    // 75,000 >> 8 = 292 level-1 hashes: tile 1 at level 1 has width 36.
    assert!(tree.tile(1, 1, 36).is_some());
    assert!(tree.tile(1, 1, 37).is_none());
    assert!(tree.tile(2, 0, 1).is_some());
    assert!(tree.tile(2, 0, 2).is_none());
}
