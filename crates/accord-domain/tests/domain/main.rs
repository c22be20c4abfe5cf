//! The domain's integration tests, one binary (a module per area) so that a change to the
//! domain relinks one test executable rather than twelve.

mod common;

mod accountability;
mod cbm;
mod decision_rules;
mod disclosure;
mod enforcement;
mod enforcement_props;
mod incremental;
mod negotiation;
mod oscal;
mod registry;
mod sharing;
mod tidy;
