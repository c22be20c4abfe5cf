//! Vulnerability disclosures: a CSAF 2.0 advisory (validated against the official schema and
//! the CSAF mandatory tests) with the time the vulnerability was reported to the party. The
//! deadline is that time plus the party's disclosure window; the advisory's initial release
//! date is when it was disclosed.

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{param_with_commitments, ByParty, Timeliness};
use crate::commitments::Commitments;
use crate::entry::EntryRef;
use crate::ids::ShortText;
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// `report.vulnerability_disclosure`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosureReport {
    /// When the vulnerability was reported to (or found by) the party.
    pub reported_at: Timestamp,
    /// The advisory, a CSAF 2.0 document (`/document/tracking/initial_release_date` is the
    /// disclosure time).
    #[schemars(with = "serde_json::Map<String, Value>")]
    pub advisory: Value,
}

/// A disclosure as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosureRecord {
    /// The disclosing party.
    pub party: PartyId,
    /// The advisory's tracking id.
    pub tracking_id: String,
    /// The advisory's title.
    pub title: String,
    /// CVE ids.
    pub cve_ids: Vec<String>,
    /// Highest CVSS v3 base score, in tenths.
    pub highest_cvss_tenths: Option<u8>,
    /// When the vulnerability was reported.
    pub reported_at: Timestamp,
    /// When the advisory was first released.
    pub disclosed_at: Timestamp,
    /// `reported_at` + the disclosure window in effect for the party.
    pub due: Timestamp,
    /// The entry.
    pub entry: EntryRef,
}

impl DisclosureRecord {
    /// On time or late (a disclosure is only logged once made).
    pub fn timeliness(&self) -> Timeliness {
        Timeliness::of(Some(self.disclosed_at), self.due, self.disclosed_at)
    }

    /// Whole days from report to disclosure, rounded up.
    pub fn days_to_disclosure(&self) -> u64 {
        (self
            .disclosed_at
            .unix_ms()
            .saturating_sub(self.reported_at.unix_ms()))
        .div_ceil(86_400_000)
    }
}

/// All disclosures, by party then advisory tracking id.
pub type Disclosures = ByParty<ShortText, DisclosureRecord>;

fn csaf_rejection(findings: &[accord_csaf::Finding]) -> Rejection {
    let first = &findings[0];
    let more = match findings.len() {
        1 => String::new(),
        n => format!(" ({} more findings)", n - 1),
    };
    let rule = if first.rule == "schema" {
        "CSAF schema".to_owned()
    } else {
        format!("CSAF mandatory test {}", first.rule)
    };
    Rejection::malformed(
        "csaf",
        format!("/payload/advisory{}", first.path),
        format!("the advisory fails {rule}: {}{more}", first.message),
    )
}

impl Disclosures {
    /// Checks `report.vulnerability_disclosure`; returns the advisory's key facts.
    pub fn check(
        &self,
        signer: &Party,
        d: &DisclosureReport,
        at: Timestamp,
        edition: accord_csaf::Edition,
    ) -> Result<accord_csaf::Summary, Rejection> {
        let summary =
            accord_csaf::validate_in(&d.advisory, edition).map_err(|f| csaf_rejection(&f))?;
        let disclosed =
            Timestamp::from_rfc3339(&summary.initial_release_date).ok_or_else(|| {
                Rejection::malformed(
                    "csaf",
                    "/payload/advisory/document/tracking/initial_release_date",
                    "not an RFC 3339 date-time",
                )
            })?;
        if d.reported_at > at || disclosed < d.reported_at {
            return Err(Rejection::malformed(
                "disclosure-dates",
                "/payload/reported_at",
                format!(
                    "reported at {} must be no later than the advisory's release ({disclosed}) and than now ({at})",
                    d.reported_at
                ),
            ));
        }
        let key = ShortText::new(summary.tracking_id.clone()).map_err(|e| {
            Rejection::malformed(
                "csaf",
                "/payload/advisory/document/tracking/id",
                e.to_string(),
            )
        })?;
        if self.of(&signer.id).is_some_and(|m| m.contains_key(&key)) {
            return Err(Rejection::conflict(
                "advisory-exists",
                "/payload/advisory/document/tracking/id",
                format!("advisory `{}` was already reported", summary.tracking_id),
            ));
        }
        Ok(summary)
    }

    /// Folds in `report.vulnerability_disclosure` (already checked, so the advisory is only
    /// summarized, not validated again).
    pub fn apply(
        &mut self,
        regime: &Regime,
        commitments: &Commitments,
        party: &Party,
        d: &DisclosureReport,
        here: EntryRef,
    ) {
        let Some(summary) = accord_csaf::summarize(&d.advisory) else {
            return;
        };
        let (Some(disclosed), Ok(key)) = (
            Timestamp::from_rfc3339(&summary.initial_release_date),
            ShortText::new(summary.tracking_id.clone()),
        ) else {
            return;
        };
        let window =
            param_with_commitments(regime, commitments, party, "disclosure_window_days", 90);
        self.0.entry(party.id.clone()).or_default().insert(
            key,
            DisclosureRecord {
                party: party.id.clone(),
                tracking_id: summary.tracking_id,
                title: summary.title,
                cve_ids: summary.cve_ids,
                highest_cvss_tenths: summary.highest_cvss_v3.map(|r| r.base_score.tenths()),
                reported_at: d.reported_at,
                disclosed_at: disclosed,
                due: d.reported_at.plus_ms(window * 86_400_000),
                entry: here,
            },
        );
    }
}
