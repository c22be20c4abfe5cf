//! Attribution claims: who a party says was behind an incident, with evidence and a confidence
//! level on the published 1–5 scale; other parties corroborate; the claimant may retract. The
//! parity indicator checks that the same evidence threshold is applied whoever is accused.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use super::ByParty;
use crate::entry::EntryRef;
use crate::ids::{LongText, ShortText};
use crate::registry::Party;
use crate::rules::Rejection;

/// The published confidence scale.
pub const CONFIDENCE_SCALE: [&str; 5] = [
    "1 — speculative: indicators consistent with the actor, many alternatives",
    "2 — low: some technical overlap, plausible alternatives remain",
    "3 — moderate: several independent indicators point to the actor",
    "4 — high: technical and contextual evidence converge; alternatives unlikely",
    "5 — near certain: corroborated by independent sources and direct evidence",
];

/// One item of evidence: described in the public log; the material itself, if attached, is
/// confidential evidence (`evidence.commit`) referenced by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Kind of evidence, e.g. `malware-analysis`, `infrastructure`, `intelligence`.
    pub kind: ShortText,
    /// What it shows.
    pub description: LongText,
    /// The item itself, as confidential evidence the claimant committed, if attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::ids::EvidenceId>,
}

/// `report.attribution`: a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributionClaim {
    /// The party's id for the claim.
    pub claim: ShortText,
    /// Who is accused (an actor name, or a party id).
    pub accused: ShortText,
    /// The incident it concerns.
    pub incident: ShortText,
    /// Confidence, 1 to 5 on the published scale.
    pub confidence: u8,
    /// The evidence.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Parties that sign on to the claim.
    #[serde(default)]
    pub co_signers: Vec<PartyId>,
    /// Shared STIX objects the claim rests on (indicators, malware, infrastructure), by id; a
    /// sighting of one shared by another party corroborates the claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intel: Vec<String>,
}

/// `report.attribution_corroborate`: another party corroborates a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Corroboration {
    /// The claiming party.
    pub claimant: PartyId,
    /// Its claim id.
    pub claim: ShortText,
    /// What the corroborating party found.
    pub note: LongText,
}

/// `report.attribution_retract`: the claimant retracts its claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retraction {
    /// The claim id.
    pub claim: ShortText,
    /// Why.
    pub reason: LongText,
}

/// A claim as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// The claimant.
    pub party: PartyId,
    /// The claim.
    pub claim: AttributionClaim,
    /// The entry.
    pub entry: EntryRef,
    /// Corroborations by other parties.
    pub corroborated_by: BTreeMap<PartyId, EntryRef>,
    /// The retraction, if any.
    pub retracted: Option<EntryRef>,
}

/// All claims, by claimant then claim id.
pub type Attributions = ByParty<ShortText, ClaimRecord>;

impl Attributions {
    fn claim(&self, party: &PartyId, claim: &ShortText) -> Option<&ClaimRecord> {
        self.0.get(party)?.get(claim)
    }

    /// Checks a claim.
    pub fn check_claim(
        &self,
        signer: &Party,
        c: &AttributionClaim,
        registered: impl Fn(&PartyId) -> bool,
    ) -> Result<(), Rejection> {
        if !(1..=5).contains(&c.confidence) {
            return Err(Rejection::malformed(
                "confidence-scale",
                "/payload/confidence",
                format!(
                    "confidence is 1 to 5 on the published scale, not {}",
                    c.confidence
                ),
            ));
        }
        if self.claim(&signer.id, &c.claim).is_some() {
            return Err(Rejection::conflict(
                "claim-exists",
                "/payload/claim",
                format!("claim `{}` already exists", c.claim),
            ));
        }
        if c.intel.len() > 64 {
            return Err(Rejection::malformed(
                "intel-refs",
                "/payload/intel",
                "a claim names at most 64 STIX objects",
            ));
        }
        for (i, id) in c.intel.iter().enumerate() {
            // A claim names shared objects, which may have been logged under the first STIX
            // rules (a version-8 UUID): the syntax of a reference is judged by those.
            if !accord_stix::valid_id_in(id, None, accord_stix::Edition::V1) {
                return Err(Rejection::malformed(
                    "stix-ref",
                    format!("/payload/intel/{i}"),
                    format!("`{id}` is not a STIX id (`<type>--<uuid>`)"),
                ));
            }
        }
        for (i, p) in c.co_signers.iter().enumerate() {
            if !registered(p) || *p == signer.id {
                return Err(Rejection::malformed(
                    "co-signer",
                    format!("/payload/co_signers/{i}"),
                    format!("co-signer `{p}` must be another registered party"),
                ));
            }
        }
        Ok(())
    }

    /// Checks a corroboration.
    pub fn check_corroboration(&self, signer: &Party, c: &Corroboration) -> Result<(), Rejection> {
        let record = self.claim(&c.claimant, &c.claim).ok_or_else(|| {
            Rejection::conflict(
                "unknown-claim",
                "/payload/claim",
                format!("`{}` made no claim `{}`", c.claimant, c.claim),
            )
        })?;
        if c.claimant == signer.id {
            return Err(Rejection::forbidden(
                "own-claim",
                "/payload/claimant",
                "a party cannot corroborate its own claim",
            ));
        }
        if record.retracted.is_some() || record.corroborated_by.contains_key(&signer.id) {
            return Err(Rejection::conflict(
                "corroboration-closed",
                "/payload/claim",
                "the claim was retracted, or this party already corroborated it",
            ));
        }
        Ok(())
    }

    /// Checks a retraction.
    pub fn check_retraction(&self, signer: &Party, r: &Retraction) -> Result<(), Rejection> {
        match self.claim(&signer.id, &r.claim) {
            None => Err(Rejection::conflict(
                "unknown-claim",
                "/payload/claim",
                format!("`{}` made no claim `{}`", signer.id, r.claim),
            )),
            Some(c) if c.retracted.is_some() => Err(Rejection::conflict(
                "already-retracted",
                "/payload/claim",
                format!("claim `{}` was already retracted", r.claim),
            )),
            Some(_) => Ok(()),
        }
    }

    /// Folds in a claim.
    pub fn apply_claim(&mut self, party: &PartyId, c: &AttributionClaim, here: EntryRef) {
        self.0.entry(party.clone()).or_default().insert(
            c.claim.clone(),
            ClaimRecord {
                party: party.clone(),
                claim: c.clone(),
                entry: here,
                corroborated_by: BTreeMap::new(),
                retracted: None,
            },
        );
    }

    /// Folds in a corroboration.
    pub fn apply_corroboration(&mut self, party: &PartyId, c: &Corroboration, here: EntryRef) {
        if let Some(r) = self
            .0
            .get_mut(&c.claimant)
            .and_then(|m| m.get_mut(&c.claim))
        {
            r.corroborated_by.insert(party.clone(), here);
        }
    }

    /// Folds in a retraction.
    pub fn apply_retraction(&mut self, party: &PartyId, r: &Retraction, here: EntryRef) {
        if let Some(c) = self.0.get_mut(party).and_then(|m| m.get_mut(&r.claim)) {
            c.retracted = Some(here);
        }
    }
}
