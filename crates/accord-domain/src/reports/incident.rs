//! Incident notifications in stages (early warning, notification, final report), with
//! deadlines computed from the party's effective parameters and the entry timestamps, so late
//! and overdue items appear without anyone asking.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::param;
use super::ByParty;
use crate::entry::EntryRef;
use crate::ids::{LongText, ShortText};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// A stage of an incident notification.
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
pub enum IncidentStage {
    /// The first alert: due `early_warning_hours` after awareness.
    EarlyWarning,
    /// The notification with an initial assessment: due `incident_notification_hours` after
    /// awareness.
    Notification,
    /// The final report: due `final_report_days` after the notification.
    FinalReport,
}

impl IncidentStage {
    /// Every stage, in order.
    pub const ALL: [IncidentStage; 3] = [
        IncidentStage::EarlyWarning,
        IncidentStage::Notification,
        IncidentStage::FinalReport,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStage::EarlyWarning => "early_warning",
            IncidentStage::Notification => "notification",
            IncidentStage::FinalReport => "final_report",
        }
    }
}

/// How bad an incident is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentSeverity {
    /// Significant: reportable.
    Significant,
    /// Major: affecting several parties or essential services.
    Major,
    /// Critical: large-scale, cross-border disruption.
    Critical,
}

/// `report.incident`: one stage of an incident notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentReport {
    /// The party's own id for the incident (stable across stages).
    pub incident: ShortText,
    /// Which stage this entry is.
    pub stage: IncidentStage,
    /// When the party became aware of the incident (the same in every stage).
    pub aware_at: Timestamp,
    /// Severity as assessed at this stage.
    pub severity: IncidentSeverity,
    /// Whether other parties are or may be affected.
    pub cross_border: bool,
    /// What happened, what is affected, what is done (no personal data).
    pub summary: LongText,
    /// Confidential evidence the owner committed (`evidence.commit`) and attaches here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::ids::EvidenceId>,
    /// Parties affected or at risk, named so that the notification reaches them: each sees
    /// the incident's stages at `GET /parties/{id}/notifications`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<PartyId>,
}

/// One filed (or missing) stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// When it was due.
    pub due: Timestamp,
    /// The entry that filed it, if any.
    pub filed: Option<EntryRef>,
}

/// An incident and its stages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// The reporting party.
    pub party: PartyId,
    /// The party's incident id.
    pub incident: ShortText,
    /// Awareness time.
    pub aware_at: Timestamp,
    /// Latest severity.
    pub severity: IncidentSeverity,
    /// Whether other parties may be affected.
    pub cross_border: bool,
    /// Stages with their deadlines; the final report's deadline is known once the
    /// notification is filed.
    pub stages: BTreeMap<IncidentStage, StageRecord>,
    /// Parties named as affected in any stage.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub affected: std::collections::BTreeSet<PartyId>,
}

/// The outcome of one stage at a given log time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Filed by its deadline (a report exactly at the deadline is on time).
    OnTime,
    /// Filed after its deadline.
    Late,
    /// Not filed, and the deadline has passed.
    Overdue,
    /// Not filed, not yet due.
    Pending,
}

impl Timeliness {
    /// Where an item due at `due`, filed at `filed` (if it was), stands at log time `now`. An
    /// item filed exactly at its deadline is on time.
    pub fn of(filed: Option<Timestamp>, due: Timestamp, now: Timestamp) -> Timeliness {
        match filed {
            Some(at) if at <= due => Timeliness::OnTime,
            Some(_) => Timeliness::Late,
            None if now > due => Timeliness::Overdue,
            None => Timeliness::Pending,
        }
    }
}

impl StageRecord {
    /// Where the stage stands at log time `now`.
    pub fn outcome(&self, now: Timestamp) -> Timeliness {
        Timeliness::of(self.filed.map(|e| e.at), self.due, now)
    }
}

/// All incident reports, by party then incident id.
pub type Incidents = ByParty<ShortText, IncidentRecord>;

impl Incidents {
    /// Checks `report.incident`.
    pub fn check(
        &self,
        signer: &Party,
        r: &IncidentReport,
        at: Timestamp,
        registered: impl Fn(&PartyId) -> bool,
    ) -> Result<(), Rejection> {
        for (i, p) in r.affected.iter().enumerate() {
            if !registered(p) || *p == signer.id {
                return Err(Rejection::malformed(
                    "affected-party",
                    format!("/payload/affected/{i}"),
                    format!("affected party `{p}` must be another registered party"),
                ));
            }
        }
        if r.aware_at > at {
            return Err(Rejection::malformed(
                "aware-in-future",
                "/payload/aware_at",
                format!(
                    "awareness at {} is after the report itself ({at})",
                    r.aware_at
                ),
            ));
        }
        let existing = self.0.get(&signer.id).and_then(|m| m.get(&r.incident));
        match existing {
            None if r.stage == IncidentStage::FinalReport => Err(Rejection::conflict(
                "stage-order",
                "/payload/stage",
                format!(
                    "incident `{}` has no notification yet; a final report follows one",
                    r.incident
                ),
            )),
            None => Ok(()),
            Some(i) => {
                if i.aware_at != r.aware_at {
                    return Err(Rejection::conflict(
                        "aware-at-changed",
                        "/payload/aware_at",
                        format!(
                            "incident `{}` was reported with awareness at {}; stages keep it",
                            r.incident, i.aware_at
                        ),
                    ));
                }
                if i.stages.get(&r.stage).is_some_and(|s| s.filed.is_some()) {
                    return Err(Rejection::conflict(
                        "stage-filed",
                        "/payload/stage",
                        format!(
                            "the {} of incident `{}` was already filed",
                            r.stage.as_str(),
                            r.incident
                        ),
                    ));
                }
                let notified = i
                    .stages
                    .get(&IncidentStage::Notification)
                    .is_some_and(|s| s.filed.is_some());
                if r.stage == IncidentStage::FinalReport && !notified {
                    return Err(Rejection::conflict(
                        "stage-order",
                        "/payload/stage",
                        format!(
                            "incident `{}` has no notification yet; a final report follows one",
                            r.incident
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    /// The incidents that name `party` as affected.
    pub fn affecting<'a>(&'a self, party: &'a PartyId) -> impl Iterator<Item = &'a IncidentRecord> {
        self.0
            .values()
            .flat_map(|m| m.values())
            .filter(move |r| r.affected.contains(party))
    }

    /// Folds in `report.incident`, computing deadlines from the party's effective parameters.
    pub fn apply(&mut self, regime: &Regime, party: &Party, r: &IncidentReport, here: EntryRef) {
        let early = param(regime, party, "early_warning_hours", 24);
        let notify = param(regime, party, "incident_notification_hours", 72);
        let final_days = param(regime, party, "final_report_days", 30);
        let record = self
            .0
            .entry(party.id.clone())
            .or_default()
            .entry(r.incident.clone())
            .or_insert_with(|| {
                let mut stages = BTreeMap::new();
                stages.insert(
                    IncidentStage::EarlyWarning,
                    StageRecord {
                        due: r.aware_at.plus_ms(early * 3_600_000),
                        filed: None,
                    },
                );
                stages.insert(
                    IncidentStage::Notification,
                    StageRecord {
                        due: r.aware_at.plus_ms(notify * 3_600_000),
                        filed: None,
                    },
                );
                IncidentRecord {
                    party: party.id.clone(),
                    incident: r.incident.clone(),
                    aware_at: r.aware_at,
                    severity: r.severity,
                    cross_border: r.cross_border,
                    stages,
                    affected: Default::default(),
                }
            });
        record.affected.extend(r.affected.iter().cloned());
        record.severity = r.severity;
        record.cross_border |= r.cross_border;
        if let Some(stage) = record.stages.get_mut(&r.stage) {
            stage.filed = Some(here);
        }
        if r.stage == IncidentStage::Notification {
            // A notification carries everything an early warning would: it files one too.
            if let Some(early) = record.stages.get_mut(&IncidentStage::EarlyWarning) {
                early.filed.get_or_insert(here);
            }
            record.stages.insert(
                IncidentStage::FinalReport,
                StageRecord {
                    due: here.at.plus_ms(final_days * 86_400_000),
                    filed: None,
                },
            );
        }
        if r.stage == IncidentStage::FinalReport {
            if let Some(s) = record.stages.get_mut(&IncidentStage::FinalReport) {
                s.filed = Some(here);
            }
        }
    }
}
