//! Accord's integration tests, in one binary: each module is one area (the real binary on
//! loopback, a real SQLite store, a real browser, real interoperating tools), linked once
//! rather than once per file. `common` starts the real `accord` binary; `live` runs an
//! in-process instance on a simulated clock.

mod common;
/// Digital Bazaar's VC libraries as an independent verifier (shared with accord-vc's tests).
#[path = "../support/digital_bazaar.rs"]
mod digital_bazaar;
mod live;
/// Throwaway PostgreSQL clusters (shared with the store crate's tests).
#[path = "../support/postgres.rs"]
mod postgres;
/// The test tools' Python (the one rule, shared with the other crates' tests and the bench).
#[path = "../support/python.rs"]
mod python;

mod abuse;
mod browser;
mod case_pages;
mod cli;
mod confidentiality;
mod crash;
mod credentials;
mod dashboard_exports;
mod demo_and_tamper;
mod enforcement_api;
mod failover;
mod federation;
mod fuzz;
mod negotiation_api;
mod object_pages;
mod on_postgres;
mod openapi;
mod public_crawl;
mod reading;
mod replay;
mod rollback;
mod scenario;
mod schemas;
mod security;
mod sharing;
mod snapshots;
mod stix_validator;
mod taxii_interop;
mod tiles_export;
mod witness;
