//! Indicators: pure functions of the projected records, each with an **explain** view — the
//! value, the formula, and every entry it came from — so a reader can recompute it by hand.
//!
//! The records they read are maintained entry by entry (see `reports` and `commitments`); an
//! indicator query reads only the records of one party, never replays the log.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::Serialize;

use crate::reports::{IncidentStage, Incidents, StageOutcome};
use crate::time::Timestamp;

/// A half-open period of log time, `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Start (included).
    pub from: Timestamp,
    /// End (excluded).
    pub to: Timestamp,
}

impl Period {
    /// Whether `t` is in the period.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }
}

/// A share: `numerator / denominator`, with its percentage when the denominator is not zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Share {
    /// Items that meet the criterion.
    pub numerator: u32,
    /// Items counted.
    pub denominator: u32,
    /// `100 × numerator / denominator`, rounded down to a tenth; absent with no items.
    pub percent: Option<f64>,
}

impl Share {
    fn of(numerator: u32, denominator: u32) -> Share {
        let percent = (denominator > 0)
            .then(|| (u64::from(numerator) * 1000 / u64::from(denominator)) as f64 / 10.0);
        Share {
            numerator,
            denominator,
            percent,
        }
    }
}

/// One item an indicator counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExplainItem {
    /// What it is, e.g. `incident inc-7, notification`.
    pub item: String,
    /// Its deadline.
    pub due: Timestamp,
    /// When it was filed, if it was.
    pub filed_at: Option<Timestamp>,
    /// The log entry that filed it.
    pub entry: Option<u64>,
    /// On time, late or overdue.
    pub outcome: StageOutcome,
}

/// An indicator value with everything needed to check it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// Indicator id.
    pub indicator: &'static str,
    /// Formula version (bumped whenever the formula changes; see docs/indicators.md).
    pub formula_version: u32,
    /// The party.
    pub party: PartyId,
    /// The period.
    pub period: Period,
    /// The log time the value was computed at.
    pub evaluated_at: Timestamp,
    /// The formula, in words.
    pub formula: &'static str,
    /// The headline value.
    pub value: Share,
    /// The value broken down (e.g. per stage).
    pub breakdown: BTreeMap<&'static str, Share>,
    /// Every item counted, in deadline order.
    pub items: Vec<ExplainItem>,
}

/// Incident-notification timeliness: of the stages of a party's incident notifications that
/// fell due in the period (and are due by `now`), the share filed by their deadline.
pub fn incident_notification_timeliness(
    incidents: &Incidents,
    party: &PartyId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    let mut items = Vec::new();
    let mut per_stage: BTreeMap<IncidentStage, (u32, u32)> = BTreeMap::new();
    for record in incidents.of(party).into_iter().flat_map(|m| m.values()) {
        for (stage, s) in &record.stages {
            if !period.contains(s.due) {
                continue;
            }
            let outcome = s.outcome(now);
            if outcome == StageOutcome::Pending {
                continue;
            }
            let counts = per_stage.entry(*stage).or_default();
            counts.1 += 1;
            if outcome == StageOutcome::OnTime {
                counts.0 += 1;
            }
            items.push(ExplainItem {
                item: format!("incident {}, {}", record.incident, stage.as_str()),
                due: s.due,
                filed_at: s.filed.map(|e| e.at),
                entry: s.filed.map(|e| e.index),
                outcome,
            });
        }
    }
    items.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    let (on_time, total) = per_stage
        .values()
        .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    Explanation {
        indicator: "incident_notification_timeliness",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "stages filed by their deadline ÷ stages due in the period (filed on time, filed late, or overdue at the evaluation time); deadlines: early warning = awareness + early_warning_hours, notification = awareness + incident_notification_hours, final report = notification + final_report_days, from the party's effective parameters when the incident was first reported; a report exactly at its deadline is on time",
        value: Share::of(on_time, total),
        breakdown: per_stage
            .into_iter()
            .map(|(stage, (a, b))| (stage.as_str(), Share::of(a, b)))
            .collect(),
        items,
    }
}
