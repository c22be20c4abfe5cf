//! What is overdue: incident-notification stages and remediation items past their deadline
//! with nothing filed. One function, asked by the standing projection (a party's own overdue
//! items cost it incentive eligibility), the overdue list and the dashboard alike.

use accord_envelope::PartyId;
use serde::Serialize;

use super::remediation::Remediations;
use super::{Incidents, Timeliness};
use crate::time::Timestamp;

/// What kind of report is overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueKind {
    /// A stage of an incident notification.
    IncidentNotification,
    /// A remediation item.
    Remediation,
}

/// One report past its deadline, with nothing filed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverdueItem {
    /// Whose.
    pub party: PartyId,
    /// What kind.
    pub kind: OverdueKind,
    /// What, in words (`incident ir-7, final_report`, `remediation r-3 (critical)`).
    pub item: String,
    /// When it was due.
    pub due: Timestamp,
}

/// Every overdue item at log time `now` (of `party` only, when given), soonest due first.
pub fn overdue(
    incidents: &Incidents,
    remediations: &Remediations,
    party: Option<&PartyId>,
    now: Timestamp,
) -> Vec<OverdueItem> {
    let of = |p: &PartyId| party.is_none_or(|want| want == p);
    let mut items: Vec<OverdueItem> = incidents
        .all()
        .filter(|i| of(&i.party))
        .flat_map(|i| {
            i.stages
                .iter()
                .filter(move |(_, s)| s.outcome(now) == Timeliness::Overdue)
                .map(move |(stage, s)| OverdueItem {
                    party: i.party.clone(),
                    kind: OverdueKind::IncidentNotification,
                    item: format!("incident {}, {}", i.incident, stage.as_str()),
                    due: s.due,
                })
        })
        .chain(
            remediations
                .all()
                .filter(|r| of(&r.party) && r.timeliness(now) == Timeliness::Overdue)
                .map(|r| OverdueItem {
                    party: r.party.clone(),
                    kind: OverdueKind::Remediation,
                    item: format!("remediation {} ({})", r.item, r.severity.as_str()),
                    due: r.due,
                }),
        )
        .collect();
    items.sort_by_key(|i| i.due);
    items
}
