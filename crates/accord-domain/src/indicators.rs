//! Indicators: pure functions of the projected records, each with an **explain** view — the
//! value, the formula, and every entry it came from — so a reader can recompute it by hand.
//!
//! The records they read are maintained entry by entry (see `reports` and `commitments`); an
//! indicator query reads only the records of one party, never replays the log.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::Serialize;

use crate::reports::{IncidentStage, Incidents, Timeliness};
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
    /// Its deadline, when it has one.
    pub due: Option<Timestamp>,
    /// When it was filed, if it was.
    pub filed_at: Option<Timestamp>,
    /// The log entry that filed it.
    pub entry: Option<u64>,
    /// How it counted: `on_time`, `late`, `overdue`, `meets_threshold`, `below_threshold`, …
    pub outcome: String,
}

fn outcome_name(t: Timeliness) -> String {
    match t {
        Timeliness::OnTime => "on_time",
        Timeliness::Late => "late",
        Timeliness::Overdue => "overdue",
        Timeliness::Pending => "pending",
    }
    .to_owned()
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
    pub breakdown: BTreeMap<String, Share>,
    /// Further figures the indicator defines (e.g. `overdue`, `median_days_late`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub figures: BTreeMap<&'static str, f64>,
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
            if outcome == Timeliness::Pending {
                continue;
            }
            let counts = per_stage.entry(*stage).or_default();
            counts.1 += 1;
            if outcome == Timeliness::OnTime {
                counts.0 += 1;
            }
            items.push(ExplainItem {
                item: format!("incident {}, {}", record.incident, stage.as_str()),
                due: Some(s.due),
                filed_at: s.filed.map(|e| e.at),
                entry: s.filed.map(|e| e.index),
                outcome: outcome_name(outcome),
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
            .map(|(stage, (a, b))| (stage.as_str().to_owned(), Share::of(a, b)))
            .collect(),
        figures: BTreeMap::new(),
        items,
    }
}

fn median(mut v: Vec<u64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

/// Remediation within deadline: of a party's remediation items due in the period (and due by
/// `now`), the share fixed by their deadline; by severity; with the overdue count and the
/// median days late of late fixes.
pub fn remediation_within_deadline(
    remediations: &crate::reports::remediation::Remediations,
    party: &PartyId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    use crate::reports::remediation::Severity;
    let mut items = Vec::new();
    let mut per: BTreeMap<Severity, (u32, u32)> = BTreeMap::new();
    let (mut overdue, mut late_days) = (0u32, Vec::new());
    for r in remediations.of(party).into_iter().flat_map(|m| m.values()) {
        let t = r.timeliness(now);
        if !period.contains(r.due) || t == Timeliness::Pending {
            continue;
        }
        let c = per.entry(r.severity).or_default();
        c.1 += 1;
        match t {
            Timeliness::OnTime => c.0 += 1,
            Timeliness::Overdue => overdue += 1,
            _ => late_days.extend(r.days_late()),
        }
        items.push(ExplainItem {
            item: format!("remediation {} ({})", r.item, r.severity.as_str()),
            due: Some(r.due),
            filed_at: r.fixed.map(|e| e.at),
            entry: r.fixed.or(r.updates.first().copied()).map(|e| e.index),
            outcome: outcome_name(t),
        });
    }
    items.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    let (on, total) = per.values().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    let mut figures = BTreeMap::from([("overdue", f64::from(overdue))]);
    if let Some(m) = median(late_days) {
        figures.insert("median_days_late", m);
    }
    Explanation {
        indicator: "remediation_within_deadline",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "items fixed by their deadline ÷ items due in the period (fixed on time, fixed late, or still open past the deadline at the evaluation time); deadline = found_at + remediation_days_<severity> in effect for the party when the item was opened (its region's, or stricter if it committed to stricter); days late are whole days rounded up",
        value: Share::of(on, total),
        breakdown: per.into_iter().map(|(s, (a, b))| (s.as_str().to_owned(), Share::of(a, b))).collect(),
        figures,
        items,
    }
}

/// Declared-testing share: of a party's test declarations whose window opens in the period,
/// the share logged at least the required notice before the window.
pub fn declared_testing_share(
    testing: &crate::reports::testing::TestingDeclarations,
    party: &PartyId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    let mut items = Vec::new();
    let (mut on, mut total) = (0, 0);
    for t in testing.of(party).into_iter().flat_map(|m| m.values()) {
        let start = t.declaration.window_start;
        if !period.contains(start) {
            continue;
        }
        total += 1;
        on += u32::from(t.timely);
        let due =
            Timestamp::from_unix_ms(start.unix_ms().saturating_sub(t.notice_days * 86_400_000));
        items.push(ExplainItem {
            item: format!("test {}", t.declaration.test),
            due: Some(due),
            filed_at: Some(t.entry.at),
            entry: Some(t.entry.index),
            outcome: if t.timely { "on_time" } else { "late" }.to_owned(),
        });
    }
    items.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    Explanation {
        indicator: "declared_testing_share",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "declarations logged at least testing_notice_days before their window opens ÷ declarations whose window opens in the period (notice in effect for the party when declared)",
        value: Share::of(on, total),
        breakdown: BTreeMap::new(),
        figures: BTreeMap::new(),
        items,
    }
}

/// Attribution parity: of the claims a party made in the period, the share that carry evidence
/// and a confidence at or above the regime's minimum; corroboration and retraction rates; and
/// the spread of that share across the accused (`parity_gap`, 0 when every accused is held to
/// the same standard).
pub fn attribution_parity(
    attributions: &crate::reports::attribution::Attributions,
    sharing: &crate::sharing::Sharing,
    party: &PartyId,
    period: Period,
    now: Timestamp,
    min_confidence: u8,
) -> Explanation {
    let mut items = Vec::new();
    let mut by_accused: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let (mut meets, mut total, mut corroborated, mut retracted) = (0, 0, 0u32, 0u32);
    for c in attributions.of(party).into_iter().flat_map(|m| m.values()) {
        if !period.contains(c.entry.at) {
            continue;
        }
        let ok = !c.claim.evidence.is_empty() && c.claim.confidence >= min_confidence;
        total += 1;
        meets += u32::from(ok);
        // Another party's sighting of an object the claim rests on corroborates it too.
        let sightings = c
            .claim
            .intel
            .iter()
            .flat_map(|id| sharing.sighted_by(id))
            .filter(|(p, e)| **p != c.party && !c.claim.co_signers.contains(p) && e.at <= now)
            .map(|(p, _)| p)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        corroborated += u32::from(!c.corroborated_by.is_empty() || sightings > 0);
        retracted += u32::from(c.retracted.is_some());
        let g = by_accused.entry(c.claim.accused.as_str()).or_default();
        g.0 += u32::from(ok);
        g.1 += 1;
        items.push(ExplainItem {
            item: format!(
                "claim {} against {} (confidence {}, {} evidence items, {} corroborations, {} sightings by other parties{})",
                c.claim.claim,
                c.claim.accused,
                c.claim.confidence,
                c.claim.evidence.len(),
                c.corroborated_by.len(),
                sightings,
                if c.retracted.is_some() {
                    ", retracted"
                } else {
                    ""
                }
            ),
            due: None,
            filed_at: Some(c.entry.at),
            entry: Some(c.entry.index),
            outcome: if ok {
                "meets_threshold"
            } else {
                "below_threshold"
            }
            .to_owned(),
        });
    }
    let shares: Vec<f64> = by_accused
        .values()
        .map(|(a, b)| f64::from(*a) / f64::from(*b))
        .collect();
    let mut figures = BTreeMap::new();
    if total > 0 {
        figures.insert(
            "corroboration_rate",
            f64::from(corroborated) / f64::from(total),
        );
        figures.insert("retraction_rate", f64::from(retracted) / f64::from(total));
        let max = shares.iter().cloned().fold(f64::MIN, f64::max);
        let min = shares.iter().cloned().fold(f64::MAX, f64::min);
        figures.insert("parity_gap", max - min);
        figures.insert("min_confidence", f64::from(min_confidence));
    }
    Explanation {
        indicator: "attribution_parity",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "claims with at least one evidence item and confidence ≥ attribution_min_confidence ÷ claims made in the period; corroboration_rate = claims corroborated by another party (a corroboration, or a STIX sighting it shared of an object the claim names) ÷ claims; retraction_rate = claims retracted ÷ claims; parity_gap = highest minus lowest share meeting the threshold across the accused (0 = the same standard whoever is accused)",
        value: Share::of(meets, total),
        breakdown: by_accused.into_iter().map(|(k, (a, b))| (k.to_owned(), Share::of(a, b))).collect(),
        figures,
        items,
    }
}

/// Disclosure timeliness: of a party's vulnerability disclosures whose deadline falls in the
/// period, the share disclosed (advisory initially released) within the disclosure window of
/// the report; with the median days from report to disclosure.
pub fn disclosure_timeliness(
    disclosures: &crate::reports::disclosure::Disclosures,
    party: &PartyId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    let mut items = Vec::new();
    let (mut on, mut total, mut days) = (0, 0, Vec::new());
    for d in disclosures.of(party).into_iter().flat_map(|m| m.values()) {
        if !period.contains(d.due) {
            continue;
        }
        let t = d.timeliness();
        total += 1;
        on += u32::from(t == Timeliness::OnTime);
        days.push(d.days_to_disclosure());
        items.push(ExplainItem {
            item: format!("advisory {} ({})", d.tracking_id, d.cve_ids.join(", ")),
            due: Some(d.due),
            filed_at: Some(d.disclosed_at),
            entry: Some(d.entry.index),
            outcome: outcome_name(t),
        });
    }
    items.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    let mut figures = BTreeMap::new();
    if let Some(m) = median(days) {
        figures.insert("median_days_to_disclosure", m);
    }
    Explanation {
        indicator: "disclosure_timeliness",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "advisories first released within disclosure_window_days of the report ÷ advisories whose deadline (reported_at + disclosure_window_days in effect for the party) falls in the period; median_days_to_disclosure in whole days, rounded up",
        value: Share::of(on, total),
        breakdown: BTreeMap::new(),
        figures,
        items,
    }
}

/// Reachability (a confidence-building measure): of the reachability checks addressed to a
/// party whose deadline falls in the period (and has passed, or was answered), the share
/// acknowledged by the deadline.
pub fn reachability(
    state: &crate::State,
    party: &PartyId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    let mut items = Vec::new();
    let (mut on, mut total) = (0, 0);
    for c in state.checks().values() {
        if !c.addressed.contains(party) || !period.contains(c.deadline) {
            continue;
        }
        let ack = c.acks.get(party);
        let outcome = match ack {
            Some(a) if a.on_time => "on_time",
            Some(_) => "late",
            None if now > c.deadline => "overdue",
            None => continue,
        };
        total += 1;
        on += u32::from(outcome == "on_time");
        items.push(ExplainItem {
            item: format!("reachability check {}", c.id),
            due: Some(c.deadline),
            filed_at: ack.map(|a| a.entry.at),
            entry: ack.map(|a| a.entry.index),
            outcome: outcome.to_owned(),
        });
    }
    items.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    Explanation {
        indicator: "reachability",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "checks acknowledged by their deadline ÷ checks addressed to the party with a deadline in the period (answered, or unanswered past the deadline)",
        value: Share::of(on, total),
        breakdown: BTreeMap::new(),
        figures: BTreeMap::new(),
        items,
    }
}

/// Self-assessment vs. verified gap: the party's latest self-assessed score for a norm over a
/// period that overlaps this one, against the verified value an audit found. Audits are a
/// later capability: until one verifies, the gap has no value and says so.
pub fn self_assessment_gap(
    state: &crate::State,
    party: &PartyId,
    norm: &crate::ids::NormId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    let latest = state
        .assessments()
        .of_norm(party, norm)
        .iter()
        .rev()
        .find(|a| a.assessment.period_start < period.to && period.from < a.assessment.period_end);
    let mut figures = BTreeMap::new();
    let mut items = Vec::new();
    if let Some(a) = latest {
        figures.insert("self_score", f64::from(a.assessment.score));
        items.push(ExplainItem {
            item: format!(
                "self-assessment of {} ({} .. {})",
                norm, a.assessment.period_start, a.assessment.period_end
            ),
            due: None,
            filed_at: Some(a.entry.at),
            entry: Some(a.entry.index),
            outcome: "self_assessed".to_owned(),
        });
    }
    // The latest value an assigned auditor verified for the norm, up to the end of the period.
    let verified = state
        .audits()
        .verified(party, norm, Timestamp::from_unix_ms(0), period.to);
    if let Some(v) = verified {
        figures.insert("verified_score", f64::from(v.verified_value));
        items.push(ExplainItem {
            item: format!("audit finding on {norm} by {}", v.auditor),
            due: None,
            filed_at: Some(v.entry.at),
            entry: Some(v.entry.index),
            outcome: "verified".to_owned(),
        });
    }
    if let (Some(a), Some(v)) = (latest, verified) {
        figures.insert(
            "gap",
            f64::from(a.assessment.score) - f64::from(v.verified_value),
        );
    }
    // The share reads as "verified ÷ self-assessed": 100 % when the audit confirms the
    // self-assessment, less when the party over-assessed itself.
    let value = match (latest, verified) {
        (Some(a), Some(v)) if a.assessment.score > 0 => Share::of(
            u32::from(v.verified_value.min(a.assessment.score)),
            u32::from(a.assessment.score),
        ),
        _ => Share::of(0, 0),
    };
    Explanation {
        indicator: "self_assessment_gap",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "gap = self_score − verified_score, where self_score is the latest self-assessment overlapping the period and verified_score the latest value an assigned auditor signed for the same norm (audit.finding) up to the period's end; value = min(verified, self) ÷ self as a share (100 % when the audit confirms the self-assessment); no value until an audit has verified one",
        value,
        breakdown: BTreeMap::new(),
        figures,
        items,
    }
}

/// The indicators whose share feeds the adherence score, in the order they are listed.
const ADHERENCE_COMPONENTS: [&str; 6] = [
    "disclosure_timeliness",
    "remediation_within_deadline",
    "declared_testing_share",
    "attribution_parity",
    "incident_notification_timeliness",
    "reachability",
];

/// Adherence score of a party to a norm over a period (formula version 1, published in
/// docs/indicators.md): the mean of the percentages of the norm's measurable indicators that
/// have data for the party in the period. Only a commitment that counts (active, norm in force
/// at the evaluation time) has a score. `value.percent` is the score; `value.numerator` and
/// `value.denominator` count the indicators that had data and the norm's measurable ones.
pub fn adherence(
    state: &crate::State,
    party: &PartyId,
    norm: &crate::ids::NormId,
    period: Period,
    now: Timestamp,
) -> Explanation {
    let mut figures = BTreeMap::new();
    let mut breakdown = BTreeMap::new();
    let mut items = Vec::new();
    let mut score = None;
    let (mut with_data, mut measurable) = (0u32, 0u32);
    let regime = state.regime();
    let committed = regime
        .zip(state.commitments().get(party, norm))
        .is_some_and(|(r, c)| c.counts(r, now));
    if let (Some(r), true) = (regime, committed) {
        let text = r.norms.get(norm).map(|n| n.current().text.clone());
        let mut sum = 0.0;
        for ind in text.iter().flat_map(|t| t.indicators.iter()) {
            if !ADHERENCE_COMPONENTS.contains(&ind.as_str()) {
                continue;
            }
            measurable += 1;
            let e = explain(state, party, ind, Some(norm), period, now).ok();
            if let Some(p) = e.as_ref().and_then(|e| e.value.percent) {
                with_data += 1;
                sum += p;
                breakdown.insert(ind.clone(), e.map(|e| e.value).unwrap_or(Share::of(0, 0)));
            }
        }
        if with_data > 0 {
            score = Some((sum / f64::from(with_data) * 10.0).floor() / 10.0);
        }
        if let Some(c) = state.commitments().get(party, norm) {
            if let Some(crate::commitments::CommitmentEvent::Made { entry, .. }) = c
                .history
                .iter()
                .rev()
                .find(|e| matches!(e, crate::commitments::CommitmentEvent::Made { .. }))
            {
                items.push(ExplainItem {
                    item: format!("commitment to {norm}"),
                    due: None,
                    filed_at: Some(entry.at),
                    entry: Some(entry.index),
                    outcome: "committed".to_owned(),
                });
            }
        }
    }
    figures.insert("committed", if committed { 1.0 } else { 0.0 });
    Explanation {
        indicator: "adherence",
        formula_version: 1,
        party: party.clone(),
        period,
        evaluated_at: now,
        formula: "mean of the percentages of the norm's measurable indicators (disclosure_timeliness, remediation_within_deadline, declared_testing_share, attribution_parity, incident_notification_timeliness, reachability — those the norm lists) that have data for the party in the period, rounded down to a tenth; only for a commitment that counts at the evaluation time; see docs/indicators.md (formula version 1)",
        value: Share { numerator: with_data, denominator: measurable, percent: score },
        breakdown,
        figures,
        items,
    }
}

/// Every indicator id `explain` knows.
pub const INDICATORS: [&str; 8] = [
    "disclosure_timeliness",
    "incident_notification_timeliness",
    "remediation_within_deadline",
    "declared_testing_share",
    "attribution_parity",
    "reachability",
    "self_assessment_gap",
    "adherence",
];

/// Any indicator by id, with its explain view. `norm` is needed by the per-norm indicators
/// (`self_assessment_gap`, `adherence`).
pub fn explain(
    state: &crate::State,
    party: &PartyId,
    indicator: &str,
    norm: Option<&crate::ids::NormId>,
    period: Period,
    now: Timestamp,
) -> Result<Explanation, String> {
    let need_norm =
        || norm.ok_or_else(|| format!("`{indicator}` is per norm: say which with `norm`"));
    Ok(match indicator {
        "disclosure_timeliness" => disclosure_timeliness(state.disclosures(), party, period, now),
        "incident_notification_timeliness" => {
            incident_notification_timeliness(state.incidents(), party, period, now)
        }
        "remediation_within_deadline" => {
            remediation_within_deadline(state.remediations(), party, period, now)
        }
        "declared_testing_share" => declared_testing_share(state.testing(), party, period, now),
        "attribution_parity" => {
            // The minimum in effect for the claimant (baseline, or its region's profile).
            let min = state
                .regime()
                .zip(state.party(party))
                .and_then(|(r, p)| {
                    let name = "attribution_min_confidence".parse().ok()?;
                    r.effective_parameters(&p.region)
                        .get(&name)
                        .map(|e| e.value)
                })
                .unwrap_or(3);
            attribution_parity(
                state.attributions(),
                state.sharing(),
                party,
                period,
                now,
                u8::try_from(min).unwrap_or(3),
            )
        }
        "reachability" => reachability(state, party, period, now),
        "self_assessment_gap" => self_assessment_gap(state, party, need_norm()?, period, now),
        "adherence" => adherence(state, party, need_norm()?, period, now),
        other => {
            return Err(format!(
                "indicator `{other}` is not computed; available: {}",
                INDICATORS.join(", ")
            ))
        }
    })
}
