//! Transparency-log primitives for Accord, with no I/O.
//!
//! This crate owns the pure building blocks of the log:
//!
//! * RFC 6962 §2.1 hashing ([`leaf_hash`], [`node_hash`], [`empty_root`]);
//! * the in-memory Merkle [`Tree`], which keeps every complete node hash and
//!   produces roots of any prefix and RFC 9162 §2.1.3 / §2.1.4 inclusion and
//!   consistency proofs;
//! * proof verification ([`verify_inclusion`], [`verify_consistency`]);
//! * C2SP signed notes with Ed25519 keys ([`note`]);
//! * C2SP tlog-checkpoint bodies ([`checkpoint`]);
//! * C2SP tlog-tiles paths and entry bundles ([`tiles`]).
//!
//! Nothing here knows what a log entry means; entries are opaque bytes.

#![warn(missing_docs)]

mod hash;
mod proof;
mod tree;

pub mod checkpoint;
pub mod cosignature;
pub mod note;
pub mod tiles;

pub use checkpoint::CheckpointError;
pub use hash::{empty_root, leaf_hash, node_hash, Hash};
pub use note::NoteError;
pub use proof::{consistency_roots, verify_consistency, verify_inclusion, ProofError};
pub use tiles::TileError;
pub use tree::{Tree, TreeError};
