//! Verification of Merkle proofs: RFC 9162 §2.1.3.2 inclusion proofs and
//! RFC 9162 §2.1.4.2 consistency proofs, for RFC 6962 SHA-256 trees.
//!
//! Both verifiers first check that the proof has exactly the number of
//! hashes the tree sizes call for (so a wrong length gets its own error),
//! then run the RFC's algorithm.

use crate::hash::{empty_root, node_hash, Hash};

/// Reasons a Merkle proof fails to verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The old tree of a consistency proof is larger than the new one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeExceedsNewSize {
        /// The claimed old tree size.
        old_size: u64,
        /// The claimed new tree size.
        new_size: u64,
    },
    /// The proof does not have the number of hashes the tree sizes call for.
    #[error("proof has {actual} hashes but these tree sizes need exactly {expected}")]
    WrongLength {
        /// The number of hashes the proof should have.
        expected: usize,
        /// The number of hashes the proof has.
        actual: usize,
    },
    /// The root computed from an inclusion proof differs from the given root.
    #[error("inclusion proof leads to a root that differs from the expected root")]
    RootMismatch,
    /// The old root computed from a consistency proof differs from the given
    /// old root (or, for an empty old tree, the old root is not the empty
    /// tree's root).
    #[error("consistency proof leads to an old root that differs from the expected old root")]
    OldRootMismatch,
    /// The new root computed from a consistency proof differs from the given
    /// new root (or, for equal sizes, the two roots differ).
    #[error("consistency proof leads to a new root that differs from the expected new root")]
    NewRootMismatch,
}

/// Number of hashes in an inclusion proof for `index < size`: the levels
/// where the leaf's path and the tree's right edge differ ("inner"), plus
/// the complete left siblings above them ("border").
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Verifies that `leaf` is the leaf hash at `index` in the tree of `size`
/// leaves whose root is `root`, using the inclusion `proof` (RFC 9162
/// §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength {
                expected,
                actual: proof.len(),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 || r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a
/// prefix of the tree of `new_size` leaves with root `new_root`, using the
/// consistency `proof` (RFC 9162 §2.1.4.2).
///
/// Two cases have nothing to prove and need an empty proof: equal sizes
/// (the roots must then be equal) and an empty old tree (its root must then
/// be [`empty_root`]).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeExceedsNewSize { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                expected: 0,
                actual: proof.len(),
            });
        }
        if old_size == 0 {
            return if *old_root == empty_root() {
                Ok(())
            } else {
                Err(ProofError::OldRootMismatch)
            };
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::NewRootMismatch)
        };
    }

    let (f_r, s_r) = consistency_roots(old_size, new_size, proof, Some(old_root))?;
    if f_r != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if s_r != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// The two roots a consistency proof from `old_size` to `new_size` (`0 < old_size <
/// new_size`) leads to: the old tree's and the new tree's (RFC 9162 §2.1.4.2). When the old
/// size is a power of two the old tree is a node of the new one and its root is not in the
/// proof: it must be given as `old_root` (and comes back unchanged); otherwise it is computed
/// from the proof and `old_root` is not read.
///
/// If the new root computed equals a signed new root, the old root computed is the true root
/// of that tree's first `old_size` leaves — so a proof that leads to a signed checkpoint's
/// root and to another old root than a second signed checkpoint's proves that the two cannot
/// both be true.
pub fn consistency_roots(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: Option<&Hash>,
) -> Result<(Hash, Hash), ProofError> {
    if old_size == 0 || old_size >= new_size {
        return Err(ProofError::OldSizeExceedsNewSize { old_size, new_size });
    }
    // The proof is the inclusion proof of leaf old_size - 1 in the new tree, cut below the
    // level of the largest complete subtree ending at old_size, whose hash comes first unless
    // the old tree is that subtree itself (old_size a power of two).
    let shift = old_size.trailing_zeros();
    let old_is_power_of_two = old_size.is_power_of_two();
    let expected = usize::from(!old_is_power_of_two) + inclusion_proof_len(old_size - 1, new_size)
        - shift as usize;
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    let (seed, rest) = if old_is_power_of_two {
        (old_root.ok_or(ProofError::OldRootMismatch)?, proof)
    } else {
        // Non-empty: `expected` is at least 1 here.
        match proof.split_first() {
            Some(split) => split,
            None => {
                return Err(ProofError::WrongLength {
                    expected,
                    actual: 0,
                })
            }
        }
    };
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*seed, *seed);
    for c in rest {
        if s_n == 0 {
            return Err(ProofError::WrongLength {
                expected,
                actual: proof.len(),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::NewRootMismatch);
    }
    Ok((f_r, s_r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusion_proof_len_matches_known_shapes() {
        assert_eq!(inclusion_proof_len(0, 1), 0);
        assert_eq!(inclusion_proof_len(0, 8), 3);
        assert_eq!(inclusion_proof_len(5, 8), 3);
        assert_eq!(inclusion_proof_len(2, 3), 1);
        assert_eq!(inclusion_proof_len(1, 5), 3);
        assert_eq!(inclusion_proof_len(4, 5), 1);
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
    }

    #[test]
    fn huge_sizes_do_not_panic() {
        let h = [7u8; 32];
        assert!(verify_inclusion(&h, u64::MAX - 1, u64::MAX, &[], &h).is_err());
        assert!(verify_inclusion(&h, 0, u64::MAX, &vec![h; 64], &h).is_err());
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &h, &h, &[]).is_err());
        assert!(verify_consistency(1, u64::MAX, &h, &h, &vec![h; 64]).is_err());
        assert!(verify_consistency(1 << 63, u64::MAX, &h, &h, &vec![h; 63]).is_err());
    }
}
