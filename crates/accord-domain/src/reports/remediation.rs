//! Remediation items: a finding with a severity gets a due date from the party's effective
//! remediation window for that severity (region, or stricter if the party committed to it);
//! status updates are further entries on the same item.

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::ByParty;
use super::{param_with_commitments, Timeliness};
use crate::commitments::Commitments;
use crate::entry::EntryRef;
use crate::ids::{LongText, ShortText};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// Severity of a finding (CVSS v3 qualitative scale).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// CVSS 9.0–10.0.
    Critical,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 4.0–6.9.
    Medium,
    /// CVSS 0.1–3.9.
    Low,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    fn parameter(self) -> (&'static str, i64) {
        match self {
            Severity::Critical => ("remediation_days_critical", 15),
            Severity::High => ("remediation_days_high", 30),
            Severity::Medium => ("remediation_days_medium", 90),
            Severity::Low => ("remediation_days_low", 180),
        }
    }
}

/// Where a remediation item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemediationStatus {
    /// Found, not yet being fixed.
    Open,
    /// Being fixed.
    InProgress,
    /// Fixed (the fix is deployed or available).
    Fixed,
}

/// `report.remediation`: a finding and its status; the first entry for an item opens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationReport {
    /// The party's id for the item (stable across updates).
    pub item: ShortText,
    /// Severity (fixed when the item is opened).
    pub severity: Severity,
    /// When the finding was made (fixed when the item is opened).
    pub found_at: Timestamp,
    /// Status as of this entry.
    pub status: RemediationStatus,
    /// What it is and what is done (no exploit details, no personal data).
    pub summary: LongText,
    /// Confidential evidence the owner committed (`evidence.commit`) and attaches here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::ids::EvidenceId>,
}

/// A remediation item as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationRecord {
    /// The party.
    pub party: PartyId,
    /// Its id.
    pub item: ShortText,
    /// Severity.
    pub severity: Severity,
    /// When it was found.
    pub found_at: Timestamp,
    /// The deadline: found + the remediation window for the severity in effect when opened.
    pub due: Timestamp,
    /// Current status.
    pub status: RemediationStatus,
    /// The entry that reported it fixed.
    pub fixed: Option<EntryRef>,
    /// Every report on it.
    pub updates: Vec<EntryRef>,
}

impl RemediationRecord {
    /// On time, late, overdue or pending at log time `now` (fixed exactly at the deadline is
    /// on time).
    pub fn timeliness(&self, now: Timestamp) -> Timeliness {
        Timeliness::of(self.fixed.map(|e| e.at), self.due, now)
    }

    /// Whole days late (rounded up) when fixed late.
    pub fn days_late(&self) -> Option<u64> {
        let fixed = self.fixed?.at;
        (fixed > self.due).then(|| (fixed.unix_ms() - self.due.unix_ms()).div_ceil(86_400_000))
    }
}

/// All remediation items, by party then item.
pub type Remediations = ByParty<ShortText, RemediationRecord>;

impl Remediations {
    /// Checks `report.remediation`.
    pub fn check(
        &self,
        signer: &Party,
        r: &RemediationReport,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        if r.found_at > at {
            return Err(Rejection::malformed(
                "found-in-future",
                "/payload/found_at",
                format!(
                    "the finding at {} is after the report itself ({at})",
                    r.found_at
                ),
            ));
        }
        if let Some(existing) = self.0.get(&signer.id).and_then(|m| m.get(&r.item)) {
            if existing.severity != r.severity || existing.found_at != r.found_at {
                return Err(Rejection::conflict(
                    "item-changed",
                    "/payload/severity",
                    format!(
                        "item `{}` was opened as {} found at {}; updates keep severity and finding time",
                        r.item,
                        existing.severity.as_str(),
                        existing.found_at
                    ),
                ));
            }
            if existing.fixed.is_some() {
                return Err(Rejection::conflict(
                    "item-closed",
                    "/payload/status",
                    format!("item `{}` was already reported fixed", r.item),
                ));
            }
        }
        Ok(())
    }

    /// Folds in `report.remediation`.
    pub fn apply(
        &mut self,
        regime: &Regime,
        commitments: &Commitments,
        party: &Party,
        r: &RemediationReport,
        here: EntryRef,
    ) {
        let (name, fallback) = r.severity.parameter();
        let days = param_with_commitments(regime, commitments, party, name, fallback);
        let record = self
            .0
            .entry(party.id.clone())
            .or_default()
            .entry(r.item.clone())
            .or_insert_with(|| RemediationRecord {
                party: party.id.clone(),
                item: r.item.clone(),
                severity: r.severity,
                found_at: r.found_at,
                due: r.found_at.plus_ms(days * 86_400_000),
                status: r.status,
                fixed: None,
                updates: Vec::new(),
            });
        record.status = r.status;
        record.updates.push(here);
        if r.status == RemediationStatus::Fixed {
            record.fixed = Some(here);
        }
    }
}
