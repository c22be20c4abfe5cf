//! Declarations of security tests on others' systems, made before the test: scope, window and
//! target class. A declaration counts as timely when it is logged at least
//! `testing_notice_days` before its window opens.

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::param_with_commitments;
use super::ByParty;
use crate::commitments::Commitments;
use crate::entry::EntryRef;
use crate::ids::{LongText, ShortText};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// What kind of systems a test targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetClass {
    /// Government networks.
    Government,
    /// Critical infrastructure operators.
    CriticalInfrastructure,
    /// Companies other than critical infrastructure.
    Commercial,
    /// Research or test environments provided for the purpose.
    TestEnvironment,
}

/// `report.testing_declaration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestingDeclaration {
    /// The party's id for the test.
    pub test: ShortText,
    /// What is tested and how (no exploit details).
    pub scope: LongText,
    /// The class of targets.
    pub target_class: TargetClass,
    /// When testing starts.
    pub window_start: Timestamp,
    /// When testing ends.
    pub window_end: Timestamp,
    /// Confidential evidence the owner committed (`evidence.commit`) and attaches here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::ids::EvidenceId>,
}

/// A declaration as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestingRecord {
    /// The declaring party.
    pub party: PartyId,
    /// The declaration.
    pub declaration: TestingDeclaration,
    /// The entry.
    pub entry: EntryRef,
    /// Notice required when declared (days).
    pub notice_days: u64,
    /// Whether it was logged at least `notice_days` before the window opened.
    pub timely: bool,
}

/// All declarations, by party then test id.
pub type TestingDeclarations = ByParty<ShortText, TestingRecord>;

impl TestingDeclarations {
    /// Checks `report.testing_declaration`.
    pub fn check(
        &self,
        signer: &Party,
        d: &TestingDeclaration,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        if d.window_end <= d.window_start {
            return Err(Rejection::malformed(
                "window",
                "/payload/window_end",
                format!(
                    "the test window must end after it starts ({} .. {})",
                    d.window_start, d.window_end
                ),
            ));
        }
        if d.window_start < at {
            return Err(Rejection::malformed(
                "declared-after-start",
                "/payload/window_start",
                format!("a test is declared before it starts; this window opened at {} and it is now {at}", d.window_start),
            ));
        }
        if self
            .0
            .get(&signer.id)
            .is_some_and(|m| m.contains_key(&d.test))
        {
            return Err(Rejection::conflict(
                "test-exists",
                "/payload/test",
                format!("test `{}` was already declared", d.test),
            ));
        }
        Ok(())
    }

    /// Folds in `report.testing_declaration`.
    pub fn apply(
        &mut self,
        regime: &Regime,
        commitments: &Commitments,
        party: &Party,
        d: &TestingDeclaration,
        here: EntryRef,
    ) {
        let notice_days =
            param_with_commitments(regime, commitments, party, "testing_notice_days", 7);
        let timely = here.at.plus_ms(notice_days * 86_400_000) <= d.window_start;
        self.0.entry(party.id.clone()).or_default().insert(
            d.test.clone(),
            TestingRecord {
                party: party.id.clone(),
                declaration: d.clone(),
                entry: here,
                notice_days,
                timely,
            },
        );
    }
}
