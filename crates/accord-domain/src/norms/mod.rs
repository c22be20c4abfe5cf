//! The norms regime: the charter (baseline catalog, parameters and their bounds, rules of
//! procedure) and the negotiation of instruments that change it.

pub mod charter;
pub mod negotiation;
pub mod schemes;

pub use charter::{Charter, NormText, RulesOfProcedure};
pub use negotiation::{Draft, InstrumentRecord, NormRecord, NormStatus, Regime, Step};
pub mod oscal;
