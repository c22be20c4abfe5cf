//! Audits and peer reviews: independent verification of a party's commitments.
//!
//! The secretariat (or the council of the audited party's region) opens an audit, scheduled or
//! triggered by a case; its auditors are drawn conflict-free and reproducibly from the log
//! ([`super::assign`], seeded by the opening entry's hash, balanced by open audits): never the
//! audited party, never a side of the triggering case, not of the audited party's region when
//! the policy excludes it. While the audit is open its auditors may read the audited party's
//! confidential evidence (basis `audit`, every read logged); they sign findings per norm
//! (verified value, method, sample), which feed the self-assessment gap indicator, and an
//! attestation that closes their part.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::assign;
use super::cases::{Cases, Roster};
use super::policy::EnforcementPolicy;
use crate::entry::EntryRef;
use crate::ids::{AuditId, CaseId, LongText, NormId};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

const DAY_MS: u64 = 86_400_000;

/// Why an audit is opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// The regular cadence of the party's profile.
    Scheduled,
    /// A case against the party.
    Case {
        /// The case.
        case: CaseId,
    },
}

/// `audit.open`: the secretariat or the audited party's regional council opens an audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditOpening {
    /// The audit id (unique in the instance).
    pub audit: AuditId,
    /// The audited party.
    pub party: PartyId,
    /// The commitments (norms) audited.
    pub norms: Vec<NormId>,
    /// Why.
    pub trigger: Trigger,
    /// How many auditors (1 to 5).
    pub auditors: u8,
    /// A peer review: reviewers are parties of the audited party's own kind rather than
    /// auditors.
    #[serde(default)]
    pub peer_review: bool,
    /// How long the audit (and its evidence access) runs, in days (1 to 180).
    pub window_days: u32,
}

/// `audit.finding`: an assigned auditor's verified value for one norm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFinding {
    /// The audit.
    pub audit: AuditId,
    /// The norm.
    pub norm: NormId,
    /// The verified score, 0 to 100, on the self-assessment's scale.
    pub verified_value: u8,
    /// How it was verified.
    pub method: LongText,
    /// What was sampled.
    pub sample: LongText,
}

/// `audit.attest`: an assigned auditor's closing attestation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// The audit.
    pub audit: AuditId,
    /// The statement.
    pub statement: LongText,
}

/// A finding as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEntry {
    /// By whom.
    pub auditor: PartyId,
    /// The norm.
    pub norm: NormId,
    /// The verified value.
    pub verified_value: u8,
    /// The entry.
    pub entry: EntryRef,
}

/// An audit as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Its id.
    pub audit: AuditId,
    /// The audited party.
    pub party: PartyId,
    /// The norms.
    pub norms: BTreeSet<NormId>,
    /// Why.
    pub trigger: Trigger,
    /// Peer review or audit.
    pub peer_review: bool,
    /// The drawn auditors.
    pub auditors: Vec<PartyId>,
    /// The opening entry.
    pub opened: EntryRef,
    /// When it closes (evidence access ends).
    pub until: Timestamp,
    /// Findings.
    pub findings: Vec<FindingEntry>,
    /// Attestations by auditor.
    pub attested: BTreeMap<PartyId, EntryRef>,
}

impl AuditRecord {
    /// Whether it is open at `at`: before its window ends and not attested by every auditor.
    pub fn open_at(&self, at: Timestamp) -> bool {
        at < self.until && self.attested.len() < self.auditors.len()
    }
}

/// A scheduled audit that falls due by the cadence of the party's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduledAudit {
    /// The party to audit.
    pub party: PartyId,
    /// The norms it is committed to now.
    pub norms: BTreeSet<NormId>,
    /// When the audit falls due: `audit_cadence_months` after its first commitment or its
    /// last audit, whichever is later.
    pub due: Timestamp,
    /// Whether that has passed with no audit opened.
    pub overdue: bool,
    /// The last audit of the party, if any.
    pub last_audit: Option<AuditId>,
}

/// Every party with commitments that count, with when its next scheduled audit is due under
/// its region's `audit_cadence_months` (soonest first).
pub fn schedule(
    regime: &Regime,
    parties: &BTreeMap<PartyId, Party>,
    commitments: &crate::commitments::Commitments,
    audits: &Audits,
    now: Timestamp,
) -> Vec<ScheduledAudit> {
    let mut out: Vec<ScheduledAudit> = parties
        .values()
        .filter_map(|party| {
            let commitments = commitments.of(&party.id)?;
            let counting: Vec<_> = commitments
                .values()
                .filter(|c| c.counts(regime, now))
                .collect();
            let first = counting
                .iter()
                .filter_map(|c| match c.history.first() {
                    Some(crate::commitments::CommitmentEvent::Made { entry, .. }) => Some(entry.at),
                    _ => None,
                })
                .min()?;
            let last = audits.of(&party.id).max_by_key(|a| a.opened.index);
            let since = last.map_or(first, |a| a.opened.at.max(first));
            let cadence = crate::reports::param(regime, party, "audit_cadence_months", 24);
            let due = since.plus_months(u32::try_from(cadence).unwrap_or(24));
            Some(ScheduledAudit {
                party: party.id.clone(),
                norms: counting.iter().map(|c| c.norm.clone()).collect(),
                due,
                overdue: now > due,
                last_audit: last.map(|a| a.audit.clone()),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.due, &a.party).cmp(&(b.due, &b.party)));
    out
}

/// Every audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audits {
    by_id: BTreeMap<AuditId, AuditRecord>,
    by_party: BTreeMap<PartyId, BTreeSet<AuditId>>,
    load: assign::Load,
}

impl Audits {
    /// One audit.
    pub fn get(&self, id: &AuditId) -> Option<&AuditRecord> {
        self.by_id.get(id)
    }

    /// Every audit.
    pub fn all(&self) -> impl Iterator<Item = &AuditRecord> {
        self.by_id.values()
    }

    /// Audits of a party.
    pub fn of(&self, party: &PartyId) -> impl Iterator<Item = &AuditRecord> {
        self.by_party
            .get(party)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// Open audits per auditor (auditors with none are absent).
    pub fn load(&self) -> &BTreeMap<PartyId, u32> {
        self.load.by_party()
    }

    /// Whether `reader` is an auditor of an audit of `owner` open at `at`.
    pub fn auditing(&self, reader: &PartyId, owner: &PartyId, at: Timestamp) -> bool {
        self.of(owner)
            .any(|a| a.open_at(at) && a.auditors.contains(reader))
    }

    /// The latest verified value for a party's norm within `[from, to)`, with its entry.
    pub fn verified(
        &self,
        party: &PartyId,
        norm: &NormId,
        from: Timestamp,
        to: Timestamp,
    ) -> Option<&FindingEntry> {
        self.of(party)
            .flat_map(|a| a.findings.iter())
            .filter(|f| f.norm == *norm && from <= f.entry.at && f.entry.at < to)
            .max_by_key(|f| f.entry.index)
    }

    /// Draws the auditors of an audit with `seed`.
    fn draw(
        &self,
        o: &AuditOpening,
        cases: &Cases,
        policy: &EnforcementPolicy,
        roster: Roster<'_>,
        seed: &[u8; 32],
    ) -> Option<Vec<PartyId>> {
        let audited = roster.parties.get(&o.party)?;
        let kind = if o.peer_review {
            audited.kind
        } else {
            PartyKind::Auditor
        };
        let sides: BTreeSet<&PartyId> = match &o.trigger {
            Trigger::Case { case } => cases
                .get(case)
                .map(|c| {
                    std::iter::once(&c.complainant)
                        .chain(c.co_signers.iter())
                        .collect()
                })
                .unwrap_or_default(),
            Trigger::Scheduled => BTreeSet::new(),
        };
        let eligible = |p: &PartyId| {
            p != &o.party
                && !sides.contains(p)
                && !(policy.panels.exclude_same_region
                    && roster.parties.get(p).map(|x| &x.region) == Some(&audited.region))
        };
        self.load.draw(
            &roster.pool([&kind]),
            &[kind],
            &eligible,
            seed,
            usize::from(o.auditors),
        )
    }

    /// Checks `audit.open` by `signer`.
    pub fn check_open(
        &self,
        regime: &Regime,
        cases: &Cases,
        signer: &Party,
        o: &AuditOpening,
        roster: Roster<'_>,
        seed: &[u8; 32],
    ) -> Result<(), Rejection> {
        let audited = roster.parties.get(&o.party).ok_or_else(|| {
            Rejection::conflict(
                "unknown-party",
                "/payload/party",
                format!("party `{}` is not registered", o.party),
            )
        })?;
        let allowed = signer.kind == PartyKind::Secretariat
            || (signer.kind == PartyKind::RegionalCouncil && signer.region == audited.region);
        if !allowed {
            return Err(Rejection::forbidden(
                "role",
                "/type",
                "a secretariat, or the council of the audited party's region, opens audits",
            ));
        }
        if self.by_id.contains_key(&o.audit) {
            return Err(Rejection::conflict(
                "audit-exists",
                "/payload/audit",
                format!("audit `{}` already exists", o.audit),
            ));
        }
        if o.norms.is_empty() {
            return Err(Rejection::malformed(
                "norms",
                "/payload/norms",
                "name the norms audited",
            ));
        }
        for (i, n) in o.norms.iter().enumerate() {
            if !regime.norms.contains_key(n) {
                return Err(Rejection::conflict(
                    "unknown-norm",
                    format!("/payload/norms/{i}"),
                    format!("no norm `{n}` in the catalog"),
                ));
            }
        }
        if let Trigger::Case { case } = &o.trigger {
            match cases.get(case) {
                Some(c) if c.respondent == o.party => {}
                _ => {
                    return Err(Rejection::conflict(
                        "unknown-case",
                        "/payload/trigger/case",
                        format!("no case `{case}` against `{}`", o.party),
                    ))
                }
            }
        }
        if !(1..=5).contains(&o.auditors) || !(1..=180).contains(&o.window_days) {
            return Err(Rejection::malformed(
                "audit-size",
                "/payload/auditors",
                "an audit has 1 to 5 auditors and runs 1 to 180 days",
            ));
        }
        let policy = &regime.policies.last().expect("a policy").policy;
        if self.draw(o, cases, policy, roster, seed).is_none() {
            return Err(Rejection::conflict(
                "auditors-unavailable",
                "/payload/auditors",
                format!(
                    "fewer than {} conflict-free {} are registered",
                    o.auditors,
                    if o.peer_review { "peers" } else { "auditors" }
                ),
            ));
        }
        Ok(())
    }

    fn live(
        &self,
        id: &AuditId,
        signer: &PartyId,
        at: Timestamp,
    ) -> Result<&AuditRecord, Rejection> {
        let a = self.by_id.get(id).ok_or_else(|| {
            Rejection::conflict(
                "unknown-audit",
                "/payload/audit",
                format!("no audit `{id}`"),
            )
        })?;
        if !a.auditors.contains(signer) {
            return Err(Rejection::forbidden(
                "not-auditor",
                "/type",
                format!("`{signer}` is not an assigned auditor of `{id}`"),
            ));
        }
        if !a.open_at(at) || a.attested.contains_key(signer) {
            return Err(Rejection::conflict(
                "audit-closed",
                "/payload/audit",
                format!("audit `{id}` is closed for `{signer}`"),
            ));
        }
        Ok(a)
    }

    /// Checks `audit.finding`.
    pub fn check_finding(
        &self,
        signer: &PartyId,
        f: &AuditFinding,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        let a = self.live(&f.audit, signer, at)?;
        if !a.norms.contains(&f.norm) {
            return Err(Rejection::conflict(
                "norm-not-audited",
                "/payload/norm",
                format!("audit `{}` does not cover `{}`", f.audit, f.norm),
            ));
        }
        if f.verified_value > 100 {
            return Err(Rejection::malformed(
                "score",
                "/payload/verified_value",
                "a verified value is 0 to 100",
            ));
        }
        Ok(())
    }

    /// Checks `audit.attest`.
    pub fn check_attest(
        &self,
        signer: &PartyId,
        a: &Attestation,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        self.live(&a.audit, signer, at).map(|_| ())
    }

    /// Folds in `audit.open`, drawing the auditors with `seed` (the opening envelope's hash).
    pub fn open(
        &mut self,
        regime: &Regime,
        cases: &Cases,
        o: &AuditOpening,
        roster: Roster<'_>,
        seed: &[u8; 32],
        here: EntryRef,
    ) {
        let policy = &regime.policies.last().expect("a policy").policy;
        let Some(auditors) = self.draw(o, cases, policy, roster, seed) else {
            return;
        };
        for a in &auditors {
            if let Some(p) = roster.parties.get(a) {
                self.load.add(a, p.kind);
            }
        }
        self.by_party
            .entry(o.party.clone())
            .or_default()
            .insert(o.audit.clone());
        self.by_id.insert(
            o.audit.clone(),
            AuditRecord {
                audit: o.audit.clone(),
                party: o.party.clone(),
                norms: o.norms.iter().cloned().collect(),
                trigger: o.trigger.clone(),
                peer_review: o.peer_review,
                auditors,
                opened: here,
                until: here.at.plus_ms(u64::from(o.window_days) * DAY_MS),
                findings: Vec::new(),
                attested: BTreeMap::new(),
            },
        );
    }

    /// Folds in `audit.finding`.
    pub fn finding(&mut self, signer: &PartyId, f: &AuditFinding, here: EntryRef) {
        if let Some(a) = self.by_id.get_mut(&f.audit) {
            a.findings.push(FindingEntry {
                auditor: signer.clone(),
                norm: f.norm.clone(),
                verified_value: f.verified_value,
                entry: here,
            });
        }
    }

    /// Folds in `audit.attest`; the auditor's seat is freed.
    pub fn attest(&mut self, signer: &Party, a: &Attestation, here: EntryRef) {
        if let Some(rec) = self.by_id.get_mut(&a.audit) {
            rec.attested.insert(signer.id.clone(), here);
            self.load.release(&signer.id, signer.kind);
        }
    }
}

/// What the rules of audits read besides the audits: the regime (its policy), the cases (an
/// audit for cause names one), the registry as the draws see it, and the draw seed.
pub struct AuditInputs<'a> {
    /// The regime, once chartered.
    pub regime: Option<&'a Regime>,
    /// Every case.
    pub cases: &'a Cases,
    /// The parties, by kind, and the accredited auditors.
    pub roster: Roster<'a>,
    /// The seed of the auditor draw this entry makes.
    pub seed: [u8; 32],
}

/// An audit record an entry touched, for the state digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Touched {
    /// The audit itself.
    Audit(AuditId),
    /// The audit load of every auditor.
    Load,
}

/// The audit entry types.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};
    use crate::norms::negotiation::require_regime;

    impl Admit for AuditOpening {
        type Part = Audits;
        type Inputs<'a> = AuditInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Audits,
            i: &AuditInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            let signer = by.party()?;
            let regime = require_regime(i.regime)?;
            part.check_open(regime, i.cases, signer, self, i.roster, &i.seed)
        }

        fn apply(
            self,
            part: &mut Audits,
            i: &AuditInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            let Some(regime) = i.regime else {
                return Vec::new();
            };
            part.open(regime, i.cases, &self, i.roster, &i.seed, here);
            vec![Touched::Audit(self.audit), Touched::Load]
        }
    }

    impl Admit for AuditFinding {
        type Part = Audits;
        type Inputs<'a> = AuditInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Audits,
            _: &AuditInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_finding(&by.party()?.id, self, by.at)
        }

        fn apply(
            self,
            part: &mut Audits,
            _: &AuditInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            part.finding(by, &self, here);
            vec![Touched::Audit(self.audit)]
        }
    }

    impl Admit for Attestation {
        type Part = Audits;
        type Inputs<'a> = AuditInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Audits,
            _: &AuditInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_attest(&by.party()?.id, self, by.at)
        }

        fn apply(
            self,
            part: &mut Audits,
            i: &AuditInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            if let Some(signer) = i.roster.parties.get(by) {
                part.attest(signer, &self, here);
            }
            vec![Touched::Audit(self.audit), Touched::Load]
        }
    }
}
