//! Signed envelopes: the first step of Accord's data flow (**submit** → check → sequence →
//! project → serve).
//!
//! A statement is a JSON payload wrapped in an [`Envelope`] that names its type and schema
//! version and its signer (party and key id), signed with Ed25519 over RFC 8785 canonical
//! JSON. This crate knows nothing of the log or of who may say what; it only answers "is this
//! a well-formed envelope, and did this key sign it?".

#![warn(missing_docs)]

pub mod canonical;
mod envelope;
mod keys;

pub use envelope::{Envelope, EnvelopeError, Signer, SIGNING_CONTEXT};
pub use keys::{KeyFile, KeyFileError, KeyId, KeyPair, ParseError, PartyId, PublicKey, Signature};
