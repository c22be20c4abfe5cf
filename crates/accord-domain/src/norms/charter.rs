//! The charter a regime is founded on (`regime.establish`): the baseline norms catalog, the
//! regime parameters with the bounds regional profiles may tailor within, and the rules of
//! procedure that decide how each kind of instrument is negotiated.
//!
//! The charter is an entry in the log like everything else, so the baseline a party is held
//! to is as verifiable as its reports. `Charter::baseline()` is the default that `accord init`
//! and `accord demo` submit: the eleven norms of the 2015 UN GGE report and six norms the
//! source article names, written in this project's own words.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decision::{Chamber, DecisionRule, Procedure, Standing};
use crate::ids::{DisplayName, LongText, NormId, ParamName, ShortText};
use crate::registry::PartyKind;
use crate::rules::Rejection;

/// Indicator ids a norm may be measured by.
pub const INDICATORS: &[&str] = &[
    "disclosure_timeliness",
    "remediation_within_deadline",
    "declared_testing_share",
    "attribution_parity",
    "incident_notification_timeliness",
    "reachability",
    "self_assessment_gap",
    "adherence",
];

/// Report types that may evidence a norm.
pub const REPORT_TYPES: &[&str] = &[
    "vulnerability_disclosure",
    "remediation",
    "incident_notification",
    "testing_declaration",
    "attribution_claim",
    "self_assessment",
];

/// Where a norm's wording comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The document, e.g. `UN GGE 2015 report, A/70/174`.
    pub document: ShortText,
    /// The place in it, e.g. `para. 13(a)`.
    pub reference: ShortText,
}

/// One version of a norm's text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NormText {
    /// Stable id.
    pub id: NormId,
    /// Short title.
    pub title: DisplayName,
    /// What a party commits to.
    pub text: LongText,
    /// Why.
    pub rationale: LongText,
    /// Where the wording comes from.
    pub source: Source,
    /// Indicators that measure it (ids from [`INDICATORS`]).
    pub indicators: Vec<String>,
    /// Report types that evidence it (ids from [`REPORT_TYPES`]).
    pub report_types: Vec<String>,
    /// Months from adoption (or renewal) until the norm enters review.
    pub review_after_months: u32,
    /// Months from adoption (or renewal) until the norm lapses unless renewed.
    pub sunset_after_months: u32,
}

impl NormText {
    /// Checks the lists and dates; `at` is the JSON pointer of this text in the envelope.
    pub fn validate(&self, at: &str) -> Result<(), Rejection> {
        for (i, ind) in self.indicators.iter().enumerate() {
            if !INDICATORS.contains(&ind.as_str()) {
                return Err(Rejection::malformed(
                    "unknown-indicator",
                    format!("{at}/indicators/{i}"),
                    format!(
                        "`{ind}` is not an indicator; known: {}",
                        INDICATORS.join(", ")
                    ),
                ));
            }
        }
        for (i, r) in self.report_types.iter().enumerate() {
            if !REPORT_TYPES.contains(&r.as_str()) {
                return Err(Rejection::malformed(
                    "unknown-report-type",
                    format!("{at}/report_types/{i}"),
                    format!(
                        "`{r}` is not a report type; known: {}",
                        REPORT_TYPES.join(", ")
                    ),
                ));
            }
        }
        if !(1..=120).contains(&self.review_after_months)
            || self.sunset_after_months <= self.review_after_months
            || self.sunset_after_months > 240
        {
            return Err(Rejection::malformed(
                "review-dates",
                format!("{at}/sunset_after_months"),
                format!(
                    "review after {} months and sunset after {} months: review must come first, \
                     within 1-120 months, and sunset within 240 months",
                    self.review_after_months, self.sunset_after_months
                ),
            ));
        }
        Ok(())
    }
}

/// A regime parameter: its baseline value and the bounds regional profiles must stay within.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterBound {
    /// The baseline value.
    pub default: i64,
    /// Smallest value a region may set.
    pub min: i64,
    /// Largest value a region may set.
    pub max: i64,
    /// Unit, e.g. `days`.
    pub unit: ShortText,
    /// What it governs.
    pub description: ShortText,
    /// Which way is stricter: a party may commit to a stricter value than its region's.
    pub stricter: Stricter,
}

/// Which direction of a parameter is the stricter commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stricter {
    /// A smaller value is stricter (deadlines, windows, cadences).
    Lower,
    /// A larger value is stricter (notice periods, confidence thresholds).
    Higher,
}

impl Stricter {
    /// Whether `value` is at least as strict as `reference`.
    pub fn at_least_as_strict(self, value: i64, reference: i64) -> bool {
        match self {
            Stricter::Lower => value <= reference,
            Stricter::Higher => value >= reference,
        }
    }
}

/// How one kind of instrument is negotiated and who may sign it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KindRules {
    /// Decision rule, quorum and chamber standing.
    pub procedure: Procedure,
    /// Kinds of party that may sign or accede once it is adopted.
    pub signatories: Vec<PartyKind>,
}

/// The rules of procedure: one [`KindRules`] per instrument kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesOfProcedure {
    /// New norms.
    pub norm: KindRules,
    /// New versions of adopted norms.
    pub norm_amendment: KindRules,
    /// Regional profiles (voted by the parties of the region).
    pub regional_profile: KindRules,
    /// Review outcomes: renew, amend or retire a norm.
    pub review: KindRules,
    /// Changes to these rules.
    pub rules_of_procedure: KindRules,
    /// New enforcement policies; when absent, the rules for changing these rules apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement_policy: Option<KindRules>,
    /// Accreditations of auditors; when absent, the rules for enforcement policies apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditation: Option<KindRules>,
    /// Recognitions of other instances; when absent, the rules for rules of procedure apply
    /// (recognizing another instance's record is a treaty-level act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognition: Option<KindRules>,
    /// Certification schemes; when absent, the rules for accreditations apply (both decide
    /// what an audit is worth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certification_scheme: Option<KindRules>,
}

/// Every kind of instrument, in the order of [`RulesOfProcedure::kinds`].
pub const INSTRUMENT_KINDS: [&str; 9] = [
    "norm",
    "norm_amendment",
    "regional_profile",
    "review",
    "rules_of_procedure",
    "enforcement_policy",
    "accreditation",
    "recognition",
    "certification_scheme",
];

/// An instrument kind, one of [`INSTRUMENT_KINDS`]. (An alias rather than `&'static str` in
/// the record, so that serde does not take the field for one borrowed from its input.)
pub type InstrumentKind = &'static str;

/// Reads an instrument kind back (from a snapshot) as the name the code knows.
pub(crate) fn instrument_kind<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<&'static str, D::Error> {
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    INSTRUMENT_KINDS
        .into_iter()
        .find(|k| *k == name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown instrument kind `{name}`")))
}

impl RulesOfProcedure {
    /// Every kind with its rules, in a stable order.
    pub fn kinds(&self) -> [(&'static str, &KindRules); 9] {
        let [norm, amendment, profile, review, procedure, policy, accreditation, recognition, scheme] =
            INSTRUMENT_KINDS;
        [
            (norm, &self.norm),
            (amendment, &self.norm_amendment),
            (profile, &self.regional_profile),
            (review, &self.review),
            (procedure, &self.rules_of_procedure),
            (policy, self.enforcement_policy_rules()),
            (accreditation, self.accreditation_rules()),
            (recognition, self.recognition_rules()),
            (scheme, self.certification_scheme_rules()),
        ]
    }

    /// The rules for adopting a certification scheme.
    pub fn certification_scheme_rules(&self) -> &KindRules {
        self.certification_scheme
            .as_ref()
            .unwrap_or_else(|| self.accreditation_rules())
    }

    /// The rules for recognizing another instance.
    pub fn recognition_rules(&self) -> &KindRules {
        self.recognition
            .as_ref()
            .unwrap_or(&self.rules_of_procedure)
    }

    /// The rules for accrediting auditors.
    pub fn accreditation_rules(&self) -> &KindRules {
        self.accreditation
            .as_ref()
            .unwrap_or_else(|| self.enforcement_policy_rules())
    }

    /// The rules for adopting an enforcement policy.
    pub fn enforcement_policy_rules(&self) -> &KindRules {
        self.enforcement_policy
            .as_ref()
            .unwrap_or(&self.rules_of_procedure)
    }

    /// Checks every procedure; `at` is the pointer of these rules in the envelope.
    pub fn validate(&self, at: &str) -> Result<(), Rejection> {
        for (kind, rules) in self.kinds() {
            rules.procedure.validate().map_err(|e| {
                Rejection::malformed(
                    "procedure",
                    format!("{at}/{kind}/procedure{}", e.pointer),
                    e.to_string(),
                )
            })?;
            if rules.signatories.is_empty() {
                return Err(Rejection::malformed(
                    "procedure",
                    format!("{at}/{kind}/signatories"),
                    "name at least one kind of party that may sign",
                ));
            }
        }
        Ok(())
    }
}

/// The payload of `regime.establish`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Charter {
    /// Title of the baseline catalog.
    pub title: DisplayName,
    /// The baseline norms.
    pub norms: Vec<NormText>,
    /// Regime parameters with their bounds.
    pub parameters: BTreeMap<ParamName, ParameterBound>,
    /// The rules of procedure in force from the start.
    pub procedure: RulesOfProcedure,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    #[allow(dead_code)]
    catalog: String,
    title: DisplayName,
    norms: Vec<NormText>,
}

/// The baseline norms shipped with Accord (`src/norms/baseline.json`).
const BASELINE_JSON: &str = include_str!("baseline.json");

impl Charter {
    /// The default charter: the baseline catalog, parameters and rules of procedure.
    pub fn baseline() -> Charter {
        let file: BaselineFile =
            serde_json::from_str(BASELINE_JSON).expect("baseline.json is valid (tested)");
        Charter {
            title: file.title,
            norms: file.norms,
            parameters: default_parameters(),
            procedure: default_procedure(),
        }
    }

    /// Checks the charter: unique norm ids, valid texts, sane bounds, valid procedures.
    pub fn validate(&self) -> Result<(), Rejection> {
        let mut seen = std::collections::BTreeSet::new();
        for (i, n) in self.norms.iter().enumerate() {
            if !seen.insert(&n.id) {
                return Err(Rejection::malformed(
                    "duplicate-norm",
                    format!("/payload/norms/{i}/id"),
                    format!("norm `{}` appears twice", n.id),
                ));
            }
            n.validate(&format!("/payload/norms/{i}"))?;
        }
        for (name, b) in &self.parameters {
            if !(b.min <= b.default && b.default <= b.max) {
                return Err(Rejection::malformed(
                    "parameter-bounds",
                    format!("/payload/parameters/{name}"),
                    format!(
                        "`{name}`: the default {} must lie within its bounds {}-{}",
                        b.default, b.min, b.max
                    ),
                ));
            }
        }
        self.procedure.validate("/payload/procedure")
    }
}

fn param(default: i64, min: i64, max: i64, unit: &str, description: &str) -> ParameterBound {
    // Notice periods and confidence thresholds are stricter upwards; every deadline, window
    // and cadence is stricter downwards.
    let stricter = if unit == "level" || description.contains("notice") {
        Stricter::Higher
    } else {
        Stricter::Lower
    };
    ParameterBound {
        default,
        min,
        max,
        unit: ShortText::new(unit).expect("static text"),
        description: ShortText::new(description).expect("static text"),
        stricter,
    }
}

/// Baseline parameters. Incident stages follow NIS2 (24 h, 72 h, one month); remediation
/// windows by severity follow common coordinated-disclosure practice.
pub fn default_parameters() -> BTreeMap<ParamName, ParameterBound> {
    [
        (
            "disclosure_window_days",
            param(
                90,
                30,
                120,
                "days",
                "from a vulnerability report to public disclosure",
            ),
        ),
        (
            "remediation_days_critical",
            param(15, 7, 30, "days", "to remediate a critical finding"),
        ),
        (
            "remediation_days_high",
            param(30, 14, 60, "days", "to remediate a high-severity finding"),
        ),
        (
            "remediation_days_medium",
            param(
                90,
                30,
                180,
                "days",
                "to remediate a medium-severity finding",
            ),
        ),
        (
            "remediation_days_low",
            param(180, 90, 365, "days", "to remediate a low-severity finding"),
        ),
        (
            "early_warning_hours",
            param(
                24,
                6,
                24,
                "hours",
                "from awareness of a significant incident to the early warning",
            ),
        ),
        (
            "incident_notification_hours",
            param(
                72,
                24,
                72,
                "hours",
                "from awareness to the incident notification",
            ),
        ),
        (
            "final_report_days",
            param(
                30,
                14,
                60,
                "days",
                "from the notification to the final incident report",
            ),
        ),
        (
            "reporting_cadence_months",
            param(12, 3, 12, "months", "between self-assessment reports"),
        ),
        (
            "clarification_response_hours",
            param(
                72,
                24,
                336,
                "hours",
                "to answer an information request or clarification (twice that for a consultation)",
            ),
        ),
        (
            "audit_cadence_months",
            param(
                24,
                6,
                36,
                "months",
                "between scheduled audits of a party's commitments",
            ),
        ),
        (
            "testing_notice_days",
            param(
                7,
                1,
                30,
                "days",
                "of notice before a declared test on others' systems",
            ),
        ),
        (
            "reachability_response_hours",
            param(48, 4, 72, "hours", "to acknowledge a reachability check"),
        ),
        (
            "attribution_min_confidence",
            param(
                3,
                2,
                5,
                "level",
                "minimum confidence level (1-5 scale) for a public attribution claim",
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (ParamName::new(k).expect("static name"), v))
    .collect()
}

fn procedure(rule: DecisionRule, quorum: u8, voting: &[Chamber]) -> Procedure {
    Procedure {
        rule,
        quorum_percent: quorum,
        standing: Chamber::ALL
            .iter()
            .map(|c| {
                let s = if voting.contains(c) {
                    Standing::Voting
                } else {
                    Standing::Advisory
                };
                (*c, s)
            })
            .collect(),
    }
}

/// Default rules of procedure: norms need every chamber to agree (weighted chambers), profiles
/// a two-thirds majority of the region's states and councils, reviews consensus, and changing
/// the rules themselves unanimity of the states.
pub fn default_procedure() -> RulesOfProcedure {
    use Chamber::*;
    let participants = vec![
        PartyKind::State,
        PartyKind::RegionalCouncil,
        PartyKind::Cert,
        PartyKind::Company,
        PartyKind::CivilSociety,
    ];
    let weighted = DecisionRule::WeightedChambers {
        percent: [
            (States, 66),
            (PrivateSector, 50),
            (CivilSociety, 50),
            (TechnicalCommunity, 50),
        ]
        .into_iter()
        .collect(),
    };
    RulesOfProcedure {
        norm: KindRules {
            procedure: procedure(weighted.clone(), 50, &Chamber::ALL),
            signatories: participants.clone(),
        },
        norm_amendment: KindRules {
            procedure: procedure(weighted, 50, &Chamber::ALL),
            signatories: participants.clone(),
        },
        regional_profile: KindRules {
            procedure: procedure(
                DecisionRule::QualifiedMajority { percent: 66 },
                50,
                &[States],
            ),
            signatories: participants.clone(),
        },
        review: KindRules {
            procedure: procedure(DecisionRule::Consensus, 50, &[States, TechnicalCommunity]),
            signatories: participants,
        },
        rules_of_procedure: KindRules {
            procedure: procedure(DecisionRule::Unanimity, 100, &[States]),
            signatories: vec![PartyKind::State],
        },
        enforcement_policy: Some(KindRules {
            procedure: procedure(
                DecisionRule::QualifiedMajority { percent: 75 },
                50,
                &[States],
            ),
            signatories: vec![PartyKind::State],
        }),
        accreditation: Some(KindRules {
            procedure: procedure(
                DecisionRule::QualifiedMajority { percent: 66 },
                50,
                &[States],
            ),
            signatories: vec![PartyKind::State],
        }),
        recognition: None,
        certification_scheme: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_charter_is_valid_and_fits_one_entry() {
        let c = Charter::baseline();
        c.validate().unwrap();
        assert_eq!(c.norms.len(), 17);
        let ids: Vec<&str> = c.norms.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            &ids[..11],
            [
                "gge-a", "gge-b", "gge-c", "gge-d", "gge-e", "gge-f", "gge-g", "gge-h", "gge-i",
                "gge-j", "gge-k"
            ]
        );
        for n in &c.norms {
            assert!(
                !n.indicators.is_empty() || !n.report_types.is_empty(),
                "{}",
                n.id
            );
        }
        let bytes = accord_envelope::canonical::to_canonical(&c).unwrap().len();
        assert!(
            bytes < 60_000,
            "the charter is {bytes} bytes; an entry holds 65535"
        );
    }
}
