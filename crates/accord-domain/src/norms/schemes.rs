//! Certification schemes: what a regional council certifies from audits, at which thresholds,
//! for how long, and which measures of the ladder suspend or revoke its credentials. A scheme
//! is an instrument (`"kind": "certification_scheme"`); its credentials are `crate::credentials`.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use crate::enforcement::policy::Measure;
use crate::entry::EntryRef;
use crate::ids::{DisplayName, InstrumentId, NormId, SchemeId};
use crate::registry::{Party, PartyKind};
use crate::rules::Rejection;

/// A certification scheme, as a `certification_scheme` instrument adopts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationScheme {
    /// Its id; adopting a scheme of an id in force replaces it for credentials issued after.
    pub scheme: SchemeId,
    /// Its public title, e.g. `Baseline cyber-hygiene certification`.
    pub title: DisplayName,
    /// The regional council that issues its credentials.
    pub issuer: PartyId,
    /// The adopted norms it certifies (1 to 50).
    pub norms: Vec<NormId>,
    /// Adherence a holder must have to each norm over the 12 months before issuance, percent.
    pub min_adherence: u8,
    /// The least verified value (0-100) every audit finding on a covered norm must show.
    pub min_verified_value: u8,
    /// How recent the audit must be: closed (attested by every auditor) within this many
    /// months before issuance (1 to 60).
    pub audit_within_months: u32,
    /// How long a credential is valid, in months (1 to 60).
    pub validity_months: u32,
    /// Measures that suspend a credential while in force against its holder.
    #[serde(default)]
    pub suspend_on: Vec<Measure>,
    /// Measures that revoke a credential once in force against its holder.
    #[serde(default)]
    pub revoke_on: Vec<Measure>,
}

impl CertificationScheme {
    /// Checks the scheme against the adopted norms and the registry; `at` is its JSON pointer.
    pub fn validate(
        &self,
        adopted: impl Fn(&NormId) -> bool,
        parties: &BTreeMap<PartyId, Party>,
        at: &str,
    ) -> Result<(), Rejection> {
        match parties.get(&self.issuer) {
            Some(p) if p.kind == PartyKind::RegionalCouncil => {}
            Some(p) => {
                return Err(Rejection::malformed(
                    "scheme-issuer",
                    format!("{at}/issuer"),
                    format!(
                        "`{}` is a {}; a scheme's credentials are issued by a regional council",
                        p.id,
                        p.kind.as_str()
                    ),
                ))
            }
            None => {
                return Err(Rejection::malformed(
                    "scheme-issuer",
                    format!("{at}/issuer"),
                    format!("`{}` is not a registered party", self.issuer),
                ))
            }
        }
        if self.norms.is_empty() || self.norms.len() > 50 {
            return Err(Rejection::malformed(
                "scheme-norms",
                format!("{at}/norms"),
                "a scheme covers 1 to 50 norms",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, norm) in self.norms.iter().enumerate() {
            if !seen.insert(norm) {
                return Err(Rejection::malformed(
                    "scheme-norms",
                    format!("{at}/norms/{i}"),
                    format!("`{norm}` is listed twice"),
                ));
            }
            if !adopted(norm) {
                return Err(Rejection::malformed(
                    "scheme-norms",
                    format!("{at}/norms/{i}"),
                    format!("`{norm}` is not an adopted norm"),
                ));
            }
        }
        for (name, value, max) in [
            ("min_adherence", u32::from(self.min_adherence), 100),
            (
                "min_verified_value",
                u32::from(self.min_verified_value),
                100,
            ),
        ] {
            if value > max {
                return Err(Rejection::malformed(
                    "scheme-threshold",
                    format!("{at}/{name}"),
                    format!("{name} = {value} is above {max}"),
                ));
            }
        }
        for (name, months) in [
            ("audit_within_months", self.audit_within_months),
            ("validity_months", self.validity_months),
        ] {
            if !(1..=60).contains(&months) {
                return Err(Rejection::malformed(
                    "scheme-months",
                    format!("{at}/{name}"),
                    format!("{name} = {months} is outside 1-60 months"),
                ));
            }
        }
        if let Some(m) = self.suspend_on.iter().find(|m| self.revoke_on.contains(m)) {
            return Err(Rejection::malformed(
                "scheme-measures",
                format!("{at}/revoke_on"),
                format!(
                    "`{}` is listed both to suspend and to revoke",
                    measure_name(*m)
                ),
            ));
        }
        Ok(())
    }
}

/// A scheme as adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeRecord {
    /// The scheme.
    pub scheme: CertificationScheme,
    /// The instrument that adopted it.
    pub instrument: InstrumentId,
    /// The adopting entry.
    pub adopted: EntryRef,
}

/// The wire name of a measure.
pub fn measure_name(m: Measure) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
