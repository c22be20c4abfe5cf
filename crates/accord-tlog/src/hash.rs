//! RFC 6962 §2.1 Merkle tree hashing with SHA-256: domain-separated leaf and
//! interior-node hashes, and the hash of the empty tree.

use sha2::{Digest, Sha256};

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Prefix byte for leaf hashes (RFC 6962 §2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Prefix byte for interior node hashes (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// Returns the RFC 6962 leaf hash of `entry`: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// Returns the RFC 6962 interior node hash of two children:
/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = NODE_PREFIX;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Returns the root hash of the empty tree, the SHA-256 of the empty string
/// (RFC 6962 §2.1: `MTH({}) = SHA-256()`).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}
