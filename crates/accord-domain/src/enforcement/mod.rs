//! Independent verification and enforcement with due process (principle 4): the enforcement
//! policy ([`policy`]), conflict-free reproducible assignment ([`assign`]), cases as a state
//! machine of signed entries ([`cases`]), and the standing and access-tier projections they
//! drive ([`standing`]).

pub mod assign;
pub mod audits;
pub mod cases;
pub mod policy;
pub mod standing;

pub use audits::{AuditRecord, Audits};
pub use cases::{CaseRecord, CaseStep, Cases, Finding, Stage};
pub use policy::{EnforcementPolicy, Measure};
pub use standing::{Standing, StandingLevel, Tier};
