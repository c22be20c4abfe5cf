//! The in-memory Merkle tree: storage of every complete node hash, roots of
//! any prefix of the log, RFC 9162 §2.1.3.1 inclusion proofs, RFC 9162
//! §2.1.4.1 consistency proofs, and the tlog-tiles view of the stored hashes.
//!
//! A node is *complete* when every leaf below it is present: the node of
//! height `h` at position `i` covers leaves `i * 2^h .. (i + 1) * 2^h` and is
//! complete once the tree has at least `(i + 1) * 2^h` leaves. Complete nodes
//! never change as the tree grows, so they are computed once and kept. Hashes
//! on the incomplete right edge of a tree (or of any earlier prefix of it) are
//! recomputed on demand from at most one stored node per level.

use crate::hash::{empty_root, node_hash, Hash};
use crate::tiles::{tile_width, TILE_HEIGHT, TILE_WIDTH};

/// Errors from [`Tree`] queries whose arguments do not fit the tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// A tree size larger than the number of leaves held was requested.
    #[error("tree size {size} is beyond the tree, which holds {tree_size} leaves")]
    SizeBeyondTree {
        /// The requested tree size.
        size: u64,
        /// The number of leaves in the tree.
        tree_size: u64,
    },
    /// A leaf index was not below the tree size it was asked about.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size the index must be below.
        size: u64,
    },
    /// A consistency proof was requested from a larger to a smaller tree.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeExceedsNewSize {
        /// The requested old tree size.
        old_size: u64,
        /// The requested new tree size.
        new_size: u64,
    },
}

/// In-memory Merkle tree that keeps every complete node hash, level by level
/// (`levels[0]` = leaf hashes, `levels[h][i]` = hash of the complete subtree
/// of height `h` at position `i`).
///
/// Invariant: `levels[h].len() == size >> h` for every stored level, and the
/// last stored level has fewer than two hashes.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

/// Largest power of two strictly less than `n`; `n` must be at least 2.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

impl Tree {
    /// Returns an empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// Builds a tree from its leaf hashes, computing every complete interior
    /// node once (about one node hash per leaf in total).
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Tree {
        if leaves.is_empty() {
            return Tree::new();
        }
        let mut levels = vec![leaves];
        loop {
            let below = &levels[levels.len() - 1];
            if below.len() < 2 {
                break;
            }
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Tree { levels }
    }

    /// Every stored level, leaves first (`levels()[h][i]` is the complete node of height `h`
    /// at position `i`): what [`Tree::from_levels`] takes back.
    pub fn levels(&self) -> &[Vec<Hash>] {
        &self.levels
    }

    /// Takes back the levels of a tree (from [`Tree::levels`]), checking their shape: level `h`
    /// holds `size >> h` hashes and the last level fewer than two. The hashes themselves are
    /// not recomputed (that is [`Tree::from_leaf_hashes`]), so whoever stored them must vouch
    /// for them; compare [`Tree::root`] with a signed checkpoint.
    pub fn from_levels(levels: Vec<Vec<Hash>>) -> Result<Tree, String> {
        let Some(size) = levels.first().map(|leaves| leaves.len()) else {
            return Ok(Tree::new());
        };
        if size == 0 {
            return Err("the leaf level is stored but empty".into());
        }
        for (height, level) in levels.iter().enumerate() {
            if level.len() != size >> height {
                return Err(format!(
                    "level {height} holds {} hashes, but a tree of {size} leaves has {}",
                    level.len(),
                    size >> height
                ));
            }
        }
        if levels.last().is_some_and(|top| top.len() >= 2) {
            return Err(format!(
                "{} levels are too few for a tree of {size} leaves",
                levels.len()
            ));
        }
        Ok(Tree { levels })
    }

    /// Appends one leaf hash, computing the interior nodes it completes
    /// (amortised one node hash per leaf).
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut height = 0;
        while self.levels[height].len().is_multiple_of(2) {
            let level = &self.levels[height];
            let parent = node_hash(&level[level.len() - 2], &level[level.len() - 1]);
            if self.levels.len() == height + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[height + 1].push(parent);
            height += 1;
        }
    }

    /// Returns the number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Returns the root hash of the whole tree, [`empty_root`] if it is empty.
    pub fn root(&self) -> Hash {
        self.range_hash(0, self.size())
    }

    /// Returns the RFC 6962 Merkle Tree Hash of the first `size` leaves, that
    /// is the root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        Ok(self.range_hash(0, size))
    }

    /// Returns the hash of the leaf at `index`, if the tree holds it.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.node(0, index)
    }

    /// Returns the hash of the complete node of height `height` at position
    /// `index` (covering leaves `index * 2^height .. (index + 1) * 2^height`),
    /// or `None` if that node is not complete in this tree.
    pub fn node(&self, height: u8, index: u64) -> Option<Hash> {
        let level = self.levels.get(usize::from(height))?;
        level.get(usize::try_from(index).ok()?).copied()
    }

    /// Returns the RFC 9162 §2.1.3.1 inclusion proof `PATH(index, D[size])`
    /// for the leaf at `index` in the tree of the first `size` leaves,
    /// ordered from the leaf's sibling up to the child of the root.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        // Walk down from the root of D[0:size] towards the leaf, recording
        // the sibling subtree at every split; the proof lists them bottom-up.
        let mut proof = Vec::new();
        let (mut start, mut end) = (0, size);
        while end - start > 1 {
            let k = split_point(end - start);
            if index < start + k {
                proof.push(self.range_hash(start + k, end));
                end = start + k;
            } else {
                proof.push(self.range_hash(start, start + k));
                start += k;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    /// Returns the RFC 9162 §2.1.4.1 consistency proof `PROOF(old_size,
    /// D[new_size])` between the trees of the first `old_size` and
    /// `new_size` leaves.
    ///
    /// The proof is empty when `old_size` is 0 or equal to `new_size`: there
    /// is nothing to prove (see [`crate::verify_consistency`]).
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(TreeError::OldSizeExceedsNewSize { old_size, new_size });
        }
        let mut proof = Vec::new();
        if old_size == 0 || old_size == new_size {
            return Ok(proof);
        }
        // Iterative SUBPROOF(m, D[start:end], b), with m = old_size absolute
        // and start < m <= end throughout.
        let (mut start, mut end) = (0, new_size);
        let mut whole_old_tree = true;
        loop {
            if old_size == end {
                if !whole_old_tree {
                    proof.push(self.range_hash(start, end));
                }
                break;
            }
            let k = split_point(end - start);
            if old_size - start <= k {
                proof.push(self.range_hash(start + k, end));
                end = start + k;
            } else {
                proof.push(self.range_hash(start, start + k));
                start += k;
                whole_old_tree = false;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    /// Hashes of tlog-tiles tile (level, index) at width `width` (1..=256),
    /// concatenated, i.e. node(8*level, index*256 + i) for i in 0..width;
    /// None if any of those nodes is not complete yet.
    pub fn tile(&self, level: u8, index: u64, width: u16) -> Option<Vec<u8>> {
        if width == 0 || width > TILE_WIDTH {
            return None;
        }
        let height = level.checked_mul(TILE_HEIGHT)?;
        let first = index.checked_mul(u64::from(TILE_WIDTH))?;
        let last = first.checked_add(u64::from(width) - 1)?;
        let nodes = self.levels.get(usize::from(height))?;
        let first = usize::try_from(first).ok()?;
        let last = usize::try_from(last).ok()?;
        nodes.get(first..=last).map(|hashes| hashes.concat())
    }

    /// The tiles (level, index, width) whose width grew when the tree grew
    /// from old_size to new_size (what a sequencer must (re)write after a
    /// batch). Width of tile N at level L for size s is
    /// clamp((s >> (8L)) - 256N, 0, 256).
    ///
    /// The list is ordered by level, then index, and each width is the
    /// tile's width at `new_size`. It is empty if `new_size <= old_size`.
    pub fn tiles_grown(old_size: u64, new_size: u64) -> Vec<(u8, u64, u16)> {
        let mut grown = Vec::new();
        let tile_width_u64 = u64::from(TILE_WIDTH);
        for level in 0u8.. {
            let shift = u32::from(level) * u32::from(TILE_HEIGHT);
            let (Some(new_hashes), Some(old_hashes)) =
                (new_size.checked_shr(shift), old_size.checked_shr(shift))
            else {
                break;
            };
            // Once the number of hashes at a level stops growing, it stops
            // at every level above too.
            if new_hashes <= old_hashes {
                break;
            }
            let first = old_hashes / tile_width_u64;
            let last = (new_hashes - 1) / tile_width_u64;
            for index in first..=last {
                grown.push((level, index, tile_width(new_size, level, index)));
            }
        }
        grown
    }

    /// Fails unless `size` leaves are held by the tree.
    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        let tree_size = self.size();
        if size > tree_size {
            return Err(TreeError::SizeBeyondTree { size, tree_size });
        }
        Ok(())
    }

    /// RFC 6962 Merkle Tree Hash of the leaves `start..end`.
    ///
    /// The range must lie within the tree and `start` must be a multiple of
    /// the smallest power of two that is at least `end - start`, which holds
    /// for every subtree met by the RFC's recursive definitions of MTH, PATH
    /// and PROOF. The range then splits, left to right, into one complete
    /// stored node per set bit of `end - start`, and its hash is those nodes
    /// folded from the right.
    fn range_hash(&self, start: u64, end: u64) -> Hash {
        debug_assert!(start <= end && end <= self.size());
        let n = end - start;
        if n == 0 {
            return empty_root();
        }
        let mut parts = [[0u8; 32]; 64];
        let mut count = 0;
        let mut position = start;
        for height in (0..64u32).rev() {
            let width = 1u64 << height;
            if n & width != 0 {
                // In range and aligned, so complete and stored: see above.
                parts[count] = self.levels[height as usize][(position >> height) as usize];
                count += 1;
                position += width;
            }
        }
        let mut hash = parts[count - 1];
        for part in parts[..count - 1].iter().rev() {
            hash = node_hash(part, &hash);
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn tree_of(n: u64) -> Tree {
        let mut tree = Tree::new();
        for i in 0..n {
            tree.push(leaf_hash(&i.to_be_bytes()));
        }
        tree
    }

    #[test]
    fn push_and_from_leaf_hashes_store_the_same_levels() {
        for n in 0..70 {
            let pushed = tree_of(n);
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let built = Tree::from_leaf_hashes(leaves);
            assert_eq!(pushed.levels, built.levels, "size {n}");
            for (h, level) in pushed.levels.iter().enumerate() {
                assert_eq!(level.len() as u64, n >> h, "size {n} level {h}");
            }
        }
    }

    #[test]
    fn levels_come_back_only_in_the_shape_of_a_tree() {
        for n in 0..70 {
            let tree = tree_of(n);
            let back = Tree::from_levels(tree.levels().to_vec()).expect("a tree's own levels");
            assert_eq!(back.root(), tree.root(), "size {n}");
        }
        let mut levels = tree_of(9).levels().to_vec();
        levels[1].pop();
        assert!(Tree::from_levels(levels)
            .unwrap_err()
            .contains("level 1 holds 3"));
        let mut levels = tree_of(9).levels().to_vec();
        levels.pop();
        assert!(Tree::from_levels(levels).unwrap_err().contains("too few"));
        assert!(Tree::from_levels(vec![Vec::new()]).is_err());
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn node_reports_only_complete_nodes() {
        let tree = tree_of(5);
        assert!(tree.node(0, 4).is_some());
        assert!(tree.node(0, 5).is_none());
        assert!(tree.node(1, 1).is_some());
        assert!(tree.node(1, 2).is_none());
        assert!(tree.node(2, 0).is_some());
        assert!(tree.node(2, 1).is_none());
        assert!(tree.node(3, 0).is_none());
        assert!(tree.node(200, 0).is_none());
        assert_eq!(tree.node(2, 0), Some(tree.root_at(4).unwrap()));
    }

    #[test]
    fn tile_needs_every_node_complete() {
        let tree = tree_of(600);
        assert_eq!(tree.tile(0, 0, 256).map(|t| t.len()), Some(256 * 32));
        assert_eq!(tree.tile(0, 2, 88).map(|t| t.len()), Some(88 * 32));
        assert_eq!(tree.tile(0, 2, 89), None);
        assert_eq!(tree.tile(0, 0, 0), None);
        assert_eq!(tree.tile(0, 0, 257), None);
        assert_eq!(
            tree.tile(1, 0, 2),
            Some([tree.node(8, 0).unwrap(), tree.node(8, 1).unwrap()].concat())
        );
        assert_eq!(tree.tile(1, 0, 3), None);
        assert_eq!(tree.tile(40, 0, 1), None);
        assert_eq!(tree.tile(0, u64::MAX, 1), None);
    }

    #[test]
    fn tiles_grown_examples() {
        assert_eq!(Tree::tiles_grown(0, 1), vec![(0, 0, 1)]);
        assert_eq!(Tree::tiles_grown(5, 5), vec![]);
        assert_eq!(Tree::tiles_grown(6, 5), vec![]);
        assert_eq!(Tree::tiles_grown(255, 256), vec![(0, 0, 256), (1, 0, 1)]);
        assert_eq!(Tree::tiles_grown(256, 257), vec![(0, 1, 1)]);
        assert_eq!(
            Tree::tiles_grown(100, 70_000),
            (0..273)
                .map(|n| (0, n, 256))
                .chain([(0, 273, 112), (1, 0, 256), (1, 1, 17), (2, 0, 1)])
                .collect::<Vec<_>>()
        );
        let top = Tree::tiles_grown(u64::MAX - 1, u64::MAX);
        assert_eq!(top.first(), Some(&(0, (u64::MAX >> 8), 255)));
        assert_eq!(top.len(), 1);
        assert_eq!(
            Tree::tiles_grown(u64::MAX >> 8 << 8, u64::MAX).last(),
            Some(&(0, u64::MAX >> 8, 255))
        );
    }
}
