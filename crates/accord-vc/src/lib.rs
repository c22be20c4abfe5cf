//! W3C Verifiable Credentials 2.0 for Accord, checked offline.
//!
//! - [`jsonld`]: JSON-LD to RDF and RDFC-1.0 canonicalization with bundled contexts only;
//! - [`did`]: `did:key` identifiers and documents for Ed25519 keys (Multikey);
//! - [`proof`]: Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite;
//! - [`model`]: the VC Data Model 2.0 shape every credential must have;
//! - [`status`]: W3C Bitstring Status Lists;
//! - [`verify`]: every check of a credential, offline, as a report.

pub mod did;
pub mod jsonld;
pub mod model;
pub mod proof;
pub mod status;
pub mod verify;

/// What can go wrong building or checking a credential.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The document is not valid JSON-LD (or names a context that is not bundled).
    #[error("JSON-LD: {0}")]
    JsonLd(String),
    /// RDF canonicalization failed.
    #[error("RDF canonicalization: {0}")]
    Canonicalization(String),
    /// A `did:key` or Multikey value is malformed.
    #[error("key: {0}")]
    Key(String),
    /// The proof is missing, malformed or does not verify.
    #[error("proof: {0}")]
    Proof(String),
    /// A status list is malformed.
    #[error("status list: {0}")]
    Status(String),
}
