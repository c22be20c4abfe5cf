//! Instruments and their negotiation: proposal → comment period and amendments → positions →
//! decision under the rules of procedure → signature with reservations; and the projection of
//! what was adopted: the norms catalog and its versions, regional profiles, the rules in force,
//! and each norm's review and sunset dates.
//!
//! Every step is a signed entry; [`Regime::check`] refuses an illegal step before it gets an
//! index, and [`Regime::apply`] folds a legal one in. Time is log time only.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use crate::decision::{decide, tally, Chamber, Decision, Stance, Standing};
use crate::entry::EntryRef;
use crate::ids::{
    AmendmentId, DisplayName, InstrumentId, LanguageTag, LongText, NormId, ParamName, RegionId,
};
use crate::norms::charter::{Charter, KindRules, NormText, ParameterBound, RulesOfProcedure};
use crate::registry::Party;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// What an instrument proposes, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Draft {
    /// A new norm for the catalog.
    Norm {
        /// Its first text.
        norm: NormText,
    },
    /// A new version of an adopted norm.
    NormAmendment {
        /// The new text (same id).
        norm: NormText,
    },
    /// A region's tailoring of the baseline parameters.
    RegionalProfile {
        /// The region.
        region: RegionId,
        /// Parameter values that differ from the baseline (each within its bounds).
        tailoring: BTreeMap<ParamName, i64>,
        /// Working languages of the region.
        languages: Vec<LanguageTag>,
    },
    /// The outcome of a norm's periodic review.
    Review {
        /// The norm under review.
        norm: NormId,
        /// Renew as is, amend, or retire.
        outcome: ReviewOutcome,
        /// The new text when the outcome is `amend`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amended: Option<NormText>,
    },
    /// New rules of procedure.
    RulesOfProcedure {
        /// The rules.
        procedure: Box<RulesOfProcedure>,
    },
    /// A new enforcement policy (severity scale, ladder, deadlines, panels, review,
    /// restoration); cases alleged after its adoption are judged under it.
    EnforcementPolicy {
        /// The policy.
        policy: Box<crate::enforcement::policy::EnforcementPolicy>,
    },
    /// Accredits registered auditors (they may then be drawn for audits and panels) or
    /// withdraws an accreditation. Registering an auditor is the secretariat's act alone;
    /// making it drawable is the regime's, so the operator cannot plant an auditor of its own.
    Accreditation {
        /// Registered auditors to accredit.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        accredit: Vec<PartyId>,
        /// Accredited auditors whose accreditation ends.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        withdraw: Vec<PartyId>,
    },
    /// Mutual recognition: other Accord instances whose record (audits, findings,
    /// certifications, as each names) counts here, each named by its log — the checkpoint key
    /// its secretariat published — so that what this instance follows of it is checked with
    /// the key the regime agreed on, not one its operator chose; or the end of a recognition.
    Recognition {
        /// Instances to recognize (an instance recognized already: its recognition replaced,
        /// e.g. after a key rotation).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recognize: Vec<RecognizedInstance>,
        /// Log origins of recognized instances whose recognition ends.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        withdraw: Vec<String>,
    },
    /// A certification scheme: what a regional council certifies from audits, at which
    /// thresholds, for how long, and which measures of the ladder suspend or revoke its
    /// credentials (see `crate::credentials`).
    CertificationScheme {
        /// The scheme.
        scheme: Box<crate::norms::schemes::CertificationScheme>,
    },
}

/// Another Accord instance as a recognition names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecognizedInstance {
    /// Its public name, e.g. `Regional Cyber Council of the South`.
    pub name: DisplayName,
    /// Its checkpoint verifier key as its secretariat published it (C2SP signed-note
    /// `<origin>+<key id>+<key>`); the origin is the log's name.
    pub verifier_key: String,
    /// Where its public endpoints are (`https://…`).
    pub url: String,
    /// What of its record counts here.
    pub counts: Vec<RecognitionScope>,
}

impl RecognizedInstance {
    /// Its log's origin (the verifier key's name; the key was checked when the instrument was
    /// proposed).
    pub fn origin(&self) -> &str {
        self.verifier_key
            .split('+')
            .next()
            .unwrap_or(&self.verifier_key)
    }

    /// What counts here, in words: `audits, findings`.
    pub fn counts_in_words(&self) -> String {
        self.counts
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What of a recognized instance's record counts here.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionScope {
    /// Its audits and their attestations.
    Audits,
    /// Its due-process findings (decided cases).
    Findings,
    /// Its certifications.
    Certifications,
}

impl RecognitionScope {
    /// Its name in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            RecognitionScope::Audits => "audits",
            RecognitionScope::Findings => "findings",
            RecognitionScope::Certifications => "certifications",
        }
    }
}

/// A C2SP signed-note verifier key of type Ed25519 (`<name>+<8 hex key id>+<base64 of 0x01 and
/// the 32-byte key>`), its key id checked: its name, or what is wrong with it.
pub fn verifier_key_name(key: &str) -> Result<&str, String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    // The name holds no `+`; the base64 key may.
    let mut parts = key.splitn(3, '+');
    let (Some(name), Some(id), Some(encoded)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("a verifier key reads `<origin>+<key id>+<key>`".into());
    };
    if name.is_empty() || name.len() > 200 || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(format!(
            "`{name}` is not a key name (1–200 characters, no spaces or `+`)"
        ));
    }
    let id = (id.len() == 8)
        .then(|| hex::decode(id).ok())
        .flatten()
        .ok_or_else(|| format!("`{id}` is not a key id (8 hex digits)"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| "the key is not base64".to_owned())?;
    if bytes.len() != 33 || bytes[0] != 0x01 {
        return Err("the key is not an Ed25519 key (type 0x01 and 32 bytes)".into());
    }
    let mut h = sha2::Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    if h.finalize()[..4] != id[..] {
        return Err("the key id does not match the name and key".into());
    }
    Ok(name)
}

impl Draft {
    /// The instrument kind, as named in the rules of procedure.
    pub fn kind(&self) -> &'static str {
        match self {
            Draft::Norm { .. } => "norm",
            Draft::NormAmendment { .. } => "norm_amendment",
            Draft::RegionalProfile { .. } => "regional_profile",
            Draft::Review { .. } => "review",
            Draft::RulesOfProcedure { .. } => "rules_of_procedure",
            Draft::EnforcementPolicy { .. } => "enforcement_policy",
            Draft::Accreditation { .. } => "accreditation",
            Draft::Recognition { .. } => "recognition",
            Draft::CertificationScheme { .. } => "certification_scheme",
        }
    }
}

/// What a review decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// Keep the norm for another period.
    Renew,
    /// Replace its text and start a new period.
    Amend,
    /// Take it out of force.
    Retire,
}

/// `instrument.propose`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// Id of the new instrument.
    pub instrument: InstrumentId,
    /// Its public title.
    pub title: DisplayName,
    /// What it proposes.
    pub draft: Draft,
    /// Comments and amendments are taken until this time.
    pub comment_until: Timestamp,
    /// Positions are taken until this time; the decision comes after it.
    pub positions_until: Timestamp,
}

/// `instrument.comment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The text version commented on.
    pub version: u32,
    /// The comment.
    pub text: LongText,
}

/// `instrument.amend`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// The instrument.
    pub instrument: InstrumentId,
    /// Id of this amendment within the instrument.
    pub amendment: AmendmentId,
    /// The version it amends (must be the current one).
    pub against: u32,
    /// The amended draft (same kind as the instrument).
    pub draft: Draft,
    /// Why.
    pub rationale: LongText,
}

/// `instrument.accept_amendment`: the proposer or the secretariat folds an amendment into the
/// text, which becomes the next version; other amendments against the old version lapse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentAcceptance {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The amendment accepted.
    pub amendment: AmendmentId,
}

/// `instrument.position`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The version the position is on (must be the current one).
    pub version: u32,
    /// Support, object or abstain.
    pub stance: Stance,
    /// Reasons; required for an objection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<LongText>,
}

/// The outcome a decision entry states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The instrument is adopted.
    Adopted,
    /// The instrument is rejected.
    Rejected,
}

/// `instrument.decide`: closes the negotiation. The stated outcome must be the one the decision
/// rule gives on the positions: the entry records it, the rule decides it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The outcome, as the rule of procedure computes it.
    pub outcome: Outcome,
}

/// `instrument.sign`: signature or accession, with reservations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The adopted instrument.
    pub instrument: InstrumentId,
    /// Reservations the signer records (at most 10).
    #[serde(default)]
    pub reservations: Vec<LongText>,
}

/// One adopted version of a norm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormVersion {
    /// 1, 2, …
    pub version: u32,
    /// The text.
    pub text: NormText,
    /// The entry that adopted it.
    pub adopted: EntryRef,
    /// The instrument that adopted it (none for the charter).
    pub instrument: Option<InstrumentId>,
}

/// A norm as the log has made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormRecord {
    /// Its id.
    pub id: NormId,
    /// Every adopted version, oldest first.
    pub versions: Vec<NormVersion>,
    /// From this log time the norm is under review.
    pub review_at: Timestamp,
    /// From this log time the norm is out of force unless renewed before.
    pub sunset_at: Timestamp,
    /// Set when a review retired it.
    pub retired: Option<EntryRef>,
}

/// Where a norm stands at a given log time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NormStatus {
    /// Adopted and in force.
    InForce,
    /// In force, past its review date: a review outcome is due.
    UnderReview,
    /// Past its sunset date without renewal: no longer in force.
    Sunset,
    /// Retired by a review.
    Retired,
}

impl NormRecord {
    /// The current text.
    pub fn current(&self) -> &NormVersion {
        self.versions
            .last()
            .expect("a norm has at least one version")
    }

    /// Its status at log time `now`.
    pub fn status(&self, now: Timestamp) -> NormStatus {
        if self.retired.is_some() {
            NormStatus::Retired
        } else if now >= self.sunset_at {
            NormStatus::Sunset
        } else if now >= self.review_at {
            NormStatus::UnderReview
        } else {
            NormStatus::InForce
        }
    }

    /// Whether commitments to it count at log time `now`.
    pub fn in_force(&self, now: Timestamp) -> bool {
        matches!(
            self.status(now),
            NormStatus::InForce | NormStatus::UnderReview
        )
    }

    fn start_period(&mut self, from: Timestamp) {
        let t = &self.current().text;
        let (review, sunset) = (t.review_after_months, t.sunset_after_months);
        self.review_at = from.plus_months(review);
        self.sunset_at = from.plus_months(sunset);
    }
}

/// An immutable catalog version: which version of which norm it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogVersion {
    /// 1 for the charter, then one more per adopted change.
    pub number: u32,
    /// The entry that made it.
    pub made: EntryRef,
    /// What made it (`charter` or an instrument id).
    pub cause: String,
    /// Norm id → norm version.
    pub norms: BTreeMap<NormId, u32>,
}

/// A region's adopted profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    /// The region.
    pub region: RegionId,
    /// Values that differ from the baseline.
    pub tailoring: BTreeMap<ParamName, i64>,
    /// Working languages.
    pub languages: Vec<LanguageTag>,
    /// The adopting instrument.
    pub instrument: InstrumentId,
    /// The decision entry.
    pub adopted: EntryRef,
}

/// An amendment's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentStatus {
    /// Open.
    Pending,
    /// Folded into the text.
    Accepted,
    /// The text moved on without it.
    Superseded,
}

/// An amendment as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentRecord {
    /// Who proposed it.
    pub by: PartyId,
    /// The version it amends.
    pub against: u32,
    /// The amended draft.
    pub draft: Draft,
    /// Why.
    pub rationale: LongText,
    /// When.
    pub entry: EntryRef,
    /// Its fate.
    pub status: AmendmentStatus,
}

/// A recorded position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionRecord {
    /// The party's chamber.
    pub chamber: Chamber,
    /// The stance.
    pub stance: Stance,
    /// Its reasons.
    pub reason: Option<LongText>,
    /// The version it was taken on.
    pub version: u32,
    /// The entry.
    pub entry: EntryRef,
}

/// A recorded signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureRecord {
    /// The entry.
    pub entry: EntryRef,
    /// Reservations.
    pub reservations: Vec<LongText>,
}

/// A recorded decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// The decision entry.
    pub entry: EntryRef,
    /// The outcome with its tally and explanation.
    pub decision: Decision,
}

/// An instrument and everything that happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentRecord {
    /// Its id.
    pub id: InstrumentId,
    /// Its title.
    pub title: DisplayName,
    /// Its kind (`norm`, `regional_profile`, …).
    #[serde(deserialize_with = "crate::norms::charter::instrument_kind")]
    pub kind: crate::norms::charter::InstrumentKind,
    /// Who proposed it.
    pub proposer: PartyId,
    /// The proposal entry.
    pub proposed: EntryRef,
    /// End of comments and amendments.
    pub comment_until: Timestamp,
    /// End of positions.
    pub positions_until: Timestamp,
    /// The rules it is negotiated under (those in force when proposed).
    pub rules: KindRules,
    /// Who may take a position that counts, and their chamber (fixed at proposal).
    pub eligible: BTreeMap<PartyId, Chamber>,
    /// Text versions, oldest first (version n is `versions[n - 1]`).
    pub versions: Vec<Draft>,
    /// Amendments by id.
    pub amendments: BTreeMap<AmendmentId, AmendmentRecord>,
    /// Number of comments per version.
    pub comments: BTreeMap<u32, u32>,
    /// The latest position of each party.
    pub positions: BTreeMap<PartyId, PositionRecord>,
    /// The decision, once taken.
    pub decision: Option<DecisionRecord>,
    /// Signatures and accessions.
    pub signatures: BTreeMap<PartyId, SignatureRecord>,
}

/// Where an instrument stands at a given log time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentStatus {
    /// Taking comments and amendments (and early positions).
    CommentPeriod,
    /// Text frozen; taking positions.
    Positions,
    /// Positions closed; waiting for the decision entry.
    AwaitingDecision,
    /// Adopted.
    Adopted,
    /// Rejected.
    Rejected,
}

impl InstrumentRecord {
    /// The current version number.
    pub fn version(&self) -> u32 {
        self.versions.len() as u32
    }

    /// The current text.
    pub fn draft(&self) -> &Draft {
        self.versions
            .last()
            .expect("an instrument has a first version")
    }

    /// The norm this instrument is about, if it is about one.
    pub fn subject_norm(&self) -> Option<&NormId> {
        match self.draft() {
            Draft::Norm { norm } | Draft::NormAmendment { norm } => Some(&norm.id),
            Draft::Review { norm, .. } => Some(norm),
            _ => None,
        }
    }

    /// Its status at log time `now`.
    pub fn status(&self, now: Timestamp) -> InstrumentStatus {
        match &self.decision {
            Some(d) if d.decision.adopted => InstrumentStatus::Adopted,
            Some(_) => InstrumentStatus::Rejected,
            None if now < self.comment_until => InstrumentStatus::CommentPeriod,
            None if now <= self.positions_until => InstrumentStatus::Positions,
            None => InstrumentStatus::AwaitingDecision,
        }
    }

    /// The decision the rule gives on the positions taken on the current version.
    pub fn compute_decision(&self) -> Decision {
        let current = self.version();
        let positions = self
            .positions
            .iter()
            .filter(|(_, p)| p.version == current)
            .map(|(id, p)| (id.clone(), p.stance))
            .collect();
        let t = tally(&self.rules.procedure, &self.eligible, &positions);
        decide(&self.rules.procedure, &t)
    }
}

/// The negotiated part of the state: everything that follows from the charter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regime {
    /// The catalog title.
    pub title: DisplayName,
    /// The charter entry.
    pub established: EntryRef,
    /// Parameters with bounds.
    pub parameters: BTreeMap<ParamName, ParameterBound>,
    /// The rules of procedure in force.
    pub procedure: RulesOfProcedure,
    /// Norms by id.
    pub norms: BTreeMap<NormId, NormRecord>,
    /// Catalog versions, oldest first.
    pub catalog: Vec<CatalogVersion>,
    /// Adopted regional profiles.
    pub profiles: BTreeMap<RegionId, ProfileRecord>,
    /// Instruments by id.
    pub instruments: BTreeMap<InstrumentId, InstrumentRecord>,
    /// Enforcement policies, oldest first; the last is in force.
    pub policies: Vec<PolicyVersion>,
    /// Accredited auditors, in the order of their accreditation: the only auditors drawn.
    pub accredited: Vec<PartyId>,
    /// Every accreditation ever adopted, by auditor (withdrawn ones included).
    pub accreditations: BTreeMap<PartyId, AccreditationRecord>,
    /// Every recognition of another instance ever adopted, by its log's origin (withdrawn
    /// ones included).
    pub recognitions: BTreeMap<String, RecognitionRecord>,
    /// Certification schemes in force, by id (the latest adoption of each).
    #[serde(default)]
    pub schemes: BTreeMap<crate::ids::SchemeId, crate::norms::schemes::SchemeRecord>,
}

/// Another instance's recognition as adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecognitionRecord {
    /// The instance, as the instrument named it.
    pub instance: RecognizedInstance,
    /// The instrument that recognized it.
    pub instrument: InstrumentId,
    /// The adopting entry.
    pub adopted: EntryRef,
    /// The instrument that ended the recognition, and its entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<(InstrumentId, EntryRef)>,
}

impl Regime {
    /// The recognition in force of the instance whose log is `origin`, if there is one.
    pub fn recognition(&self, origin: &str) -> Option<&RecognitionRecord> {
        self.recognitions
            .get(origin)
            .filter(|r| r.withdrawn.is_none())
    }
}

/// An auditor's accreditation as adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccreditationRecord {
    /// The auditor.
    pub auditor: PartyId,
    /// The instrument that accredited it, and when.
    pub instrument: InstrumentId,
    /// The adopting entry.
    pub adopted: EntryRef,
    /// The instrument that withdrew it, and its entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<(InstrumentId, EntryRef)>,
}

/// An enforcement policy as adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// 1 for the default the regime starts with, then one more per adopted instrument.
    pub version: u32,
    /// The policy.
    pub policy: crate::enforcement::policy::EnforcementPolicy,
    /// The entry that put it in force.
    pub adopted: EntryRef,
    /// The instrument that adopted it (none for the default).
    pub instrument: Option<InstrumentId>,
}

/// A parameter's effective value and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffectiveParameter {
    /// The value.
    pub value: i64,
    /// `baseline`, or `region:<id>` when the region's profile set it.
    pub origin: String,
    /// The unit.
    pub unit: String,
}

/// Records of the regime a step touched (for the state digest).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Touched {
    /// The charter-level record (title, parameters, rules of procedure).
    Charter,
    /// A norm.
    Norm(NormId),
    /// A catalog version.
    Catalog(u32),
    /// A regional profile.
    Profile(RegionId),
    /// An enforcement policy version.
    Policy(u32),
    /// An instrument.
    Instrument(InstrumentId),
    /// An auditor's accreditation.
    Accreditation(PartyId),
    /// Another instance's recognition, by its log's origin.
    Recognition(String),
    /// A certification scheme.
    Scheme(crate::ids::SchemeId),
}

/// One step of a negotiation, typed.
#[derive(Clone, Debug, PartialEq)]
pub enum Step<'a> {
    /// `instrument.propose`.
    Propose(&'a Proposal),
    /// `instrument.comment`.
    Comment(&'a Comment),
    /// `instrument.amend`.
    Amend(&'a Amendment),
    /// `instrument.accept_amendment`.
    Accept(&'a AmendmentAcceptance),
    /// `instrument.position`.
    Position(&'a Position),
    /// `instrument.decide`.
    Decide(&'a Closing),
    /// `instrument.sign`.
    Sign(&'a Signature),
}

fn conflict(rule: &'static str, pointer: &str, detail: impl Into<String>) -> Rejection {
    Rejection::conflict(rule, pointer, detail)
}

fn forbidden(rule: &'static str, pointer: &str, detail: impl Into<String>) -> Rejection {
    Rejection::forbidden(rule, pointer, detail)
}

/// The regime, or the refusal every rule that needs a charter gives before there is one.
pub fn require_regime(regime: Option<&Regime>) -> Result<&Regime, Rejection> {
    regime.ok_or_else(|| {
        Rejection::conflict(
            "no-regime",
            "/type",
            "no charter yet: the secretariat submits `regime.establish` first",
        )
    })
}

impl Regime {
    /// The regime a charter founds, at `here`.
    pub fn establish(charter: Charter, here: EntryRef) -> Regime {
        let mut norms = BTreeMap::new();
        for text in charter.norms {
            let mut record = NormRecord {
                id: text.id.clone(),
                versions: vec![NormVersion {
                    version: 1,
                    text,
                    adopted: here,
                    instrument: None,
                }],
                review_at: here.at,
                sunset_at: here.at,
                retired: None,
            };
            record.start_period(here.at);
            norms.insert(record.id.clone(), record);
        }
        let mut regime = Regime {
            title: charter.title,
            established: here,
            parameters: charter.parameters,
            procedure: charter.procedure,
            norms,
            catalog: Vec::new(),
            profiles: BTreeMap::new(),
            instruments: BTreeMap::new(),
            policies: vec![PolicyVersion {
                version: 1,
                policy: crate::enforcement::policy::EnforcementPolicy::default_policy(),
                adopted: here,
                instrument: None,
            }],
            accredited: Vec::new(),
            accreditations: BTreeMap::new(),
            recognitions: BTreeMap::new(),
            schemes: BTreeMap::new(),
        };
        regime.new_catalog_version(here, "charter".into());
        regime
    }

    fn new_catalog_version(&mut self, here: EntryRef, cause: String) -> u32 {
        let number = self.catalog.len() as u32 + 1;
        let norms = self
            .norms
            .values()
            .filter(|n| n.retired.is_none())
            .map(|n| (n.id.clone(), n.current().version))
            .collect();
        self.catalog.push(CatalogVersion {
            number,
            made: here,
            cause,
            norms,
        });
        number
    }

    /// The parameters in effect for a party of `region`, each with its origin.
    pub fn effective_parameters(
        &self,
        region: &RegionId,
    ) -> BTreeMap<ParamName, EffectiveParameter> {
        let profile = self.profiles.get(region);
        self.parameters
            .iter()
            .map(|(name, bound)| {
                let tailored = profile.and_then(|p| p.tailoring.get(name));
                let (value, origin) = match tailored {
                    Some(v) => (*v, format!("region:{region}")),
                    None => (bound.default, "baseline".to_owned()),
                };
                let unit = bound.unit.as_str().to_owned();
                (
                    name.clone(),
                    EffectiveParameter {
                        value,
                        origin,
                        unit,
                    },
                )
            })
            .collect()
    }

    fn instrument(&self, id: &InstrumentId) -> Result<&InstrumentRecord, Rejection> {
        self.instruments.get(id).ok_or_else(|| {
            conflict(
                "unknown-instrument",
                "/payload/instrument",
                format!("no instrument `{id}` was proposed"),
            )
        })
    }

    fn check_draft(
        &self,
        draft: &Draft,
        proposer: &Party,
        parties: &BTreeMap<PartyId, Party>,
        at: &str,
    ) -> Result<(), Rejection> {
        match draft {
            Draft::Norm { norm } => {
                if self.norms.contains_key(&norm.id) {
                    return Err(conflict(
                        "norm-exists",
                        &format!("{at}/norm/id"),
                        format!("norm `{}` is already in the catalog; propose a `norm_amendment` instead", norm.id),
                    ));
                }
                norm.validate(&format!("{at}/norm"))
            }
            Draft::NormAmendment { norm } => {
                self.live_norm(&norm.id, &format!("{at}/norm/id"))?;
                norm.validate(&format!("{at}/norm"))
            }
            Draft::RegionalProfile {
                region,
                tailoring,
                languages,
            } => {
                if proposer.kind != PartyKind::RegionalCouncil || proposer.region != *region {
                    return Err(forbidden(
                        "profile-proposer",
                        &format!("{at}/region"),
                        format!(
                            "a profile for `{region}` is proposed by that region's council; `{}` is a {} of `{}`",
                            proposer.id,
                            proposer.kind.as_str(),
                            proposer.region
                        ),
                    ));
                }
                if languages.is_empty() {
                    return Err(Rejection::malformed(
                        "no-languages",
                        format!("{at}/languages"),
                        "name at least one working language",
                    ));
                }
                for (name, value) in tailoring {
                    let pointer = format!("{at}/tailoring/{name}");
                    let bound = self.parameters.get(name).ok_or_else(|| {
                        Rejection::malformed(
                            "unknown-parameter",
                            pointer.clone(),
                            format!(
                                "`{name}` is not a regime parameter; known: {}",
                                self.parameters
                                    .keys()
                                    .map(|k| k.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?;
                    if *value < bound.min || *value > bound.max {
                        return Err(Rejection::malformed(
                            "out-of-bounds",
                            pointer,
                            format!(
                                "{name} = {value} {unit} is outside the baseline bounds {}-{} {unit}",
                                bound.min,
                                bound.max,
                                unit = bound.unit
                            ),
                        ));
                    }
                }
                Ok(())
            }
            Draft::Review {
                norm,
                outcome,
                amended,
            } => {
                self.live_norm(norm, &format!("{at}/norm"))?;
                match (outcome, amended) {
                    (ReviewOutcome::Amend, Some(text)) if text.id == *norm => {
                        text.validate(&format!("{at}/amended"))
                    }
                    (ReviewOutcome::Amend, _) => Err(Rejection::malformed(
                        "review-text",
                        format!("{at}/amended"),
                        format!("an `amend` outcome carries the new text of `{norm}` (same id)"),
                    )),
                    (_, Some(_)) => Err(Rejection::malformed(
                        "review-text",
                        format!("{at}/amended"),
                        "only an `amend` outcome carries a new text",
                    )),
                    _ => Ok(()),
                }
            }
            Draft::RulesOfProcedure { procedure } => procedure.validate(&format!("{at}/procedure")),
            Draft::EnforcementPolicy { policy } => policy.validate(&format!("{at}/policy")),
            Draft::Accreditation { accredit, withdraw } => {
                self.check_accreditation(accredit, withdraw, parties, at)
            }
            Draft::Recognition {
                recognize,
                withdraw,
            } => self.check_recognition(recognize, withdraw, at),
            Draft::CertificationScheme { scheme } => scheme.validate(
                |n| self.norms.contains_key(n),
                parties,
                &format!("{at}/scheme"),
            ),
        }
    }

    fn check_recognition(
        &self,
        recognize: &[RecognizedInstance],
        withdraw: &[String],
        at: &str,
    ) -> Result<(), Rejection> {
        if recognize.is_empty() && withdraw.is_empty() {
            return Err(Rejection::malformed(
                "recognition-empty",
                at.to_owned(),
                "name instances to `recognize` or origins to `withdraw`",
            ));
        }
        if recognize.len() + withdraw.len() > 100 {
            return Err(Rejection::malformed(
                "recognition-size",
                at.to_owned(),
                "one recognition names at most 100 instances",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, instance) in recognize.iter().enumerate() {
            let pointer = format!("{at}/recognize/{i}");
            let origin = verifier_key_name(&instance.verifier_key).map_err(|why| {
                Rejection::malformed(
                    "verifier-key",
                    format!("{pointer}/verifier_key"),
                    format!("`{}`: {why}", instance.verifier_key),
                )
            })?;
            if !seen.insert(origin.to_owned()) {
                return Err(Rejection::malformed(
                    "duplicate-instance",
                    format!("{pointer}/verifier_key"),
                    format!("`{origin}` is named twice"),
                ));
            }
            let url = &instance.url;
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() > 300
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(Rejection::malformed(
                    "url",
                    format!("{pointer}/url"),
                    format!("`{url}` is not an http(s) URL of at most 300 characters"),
                ));
            }
            let mut counts = instance.counts.clone();
            counts.sort();
            counts.dedup();
            if counts.is_empty() || counts.len() != instance.counts.len() {
                return Err(Rejection::malformed(
                    "recognition-counts",
                    format!("{pointer}/counts"),
                    "name what counts here — audits, findings, certifications — each once",
                ));
            }
        }
        for (i, origin) in withdraw.iter().enumerate() {
            let pointer = format!("{at}/withdraw/{i}");
            if !seen.insert(origin.clone()) {
                return Err(Rejection::malformed(
                    "duplicate-instance",
                    pointer,
                    format!("`{origin}` is named twice"),
                ));
            }
            if self.recognition(origin).is_none() {
                return Err(Rejection::conflict(
                    "not-recognized",
                    pointer,
                    format!("`{origin}` is not a recognized instance"),
                ));
            }
        }
        Ok(())
    }

    fn check_accreditation(
        &self,
        accredit: &[PartyId],
        withdraw: &[PartyId],
        parties: &BTreeMap<PartyId, Party>,
        at: &str,
    ) -> Result<(), Rejection> {
        if accredit.is_empty() && withdraw.is_empty() {
            return Err(Rejection::malformed(
                "accreditation-empty",
                at.to_owned(),
                "name auditors to `accredit` or to `withdraw`",
            ));
        }
        if accredit.len() + withdraw.len() > 1000 {
            return Err(Rejection::malformed(
                "accreditation-size",
                at.to_owned(),
                "one accreditation names at most 1,000 auditors",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (list, field, accrediting) in
            [(accredit, "accredit", true), (withdraw, "withdraw", false)]
        {
            for (i, p) in list.iter().enumerate() {
                let pointer = format!("{at}/{field}/{i}");
                if !seen.insert(p) {
                    return Err(Rejection::malformed(
                        "duplicate-party",
                        pointer,
                        format!("`{p}` is named twice"),
                    ));
                }
                match parties.get(p) {
                    Some(x) if x.kind == PartyKind::Auditor => {}
                    Some(x) => {
                        return Err(Rejection::malformed(
                            "not-an-auditor",
                            pointer,
                            format!("`{p}` is a {}, not an auditor", x.kind.as_str()),
                        ))
                    }
                    None => {
                        return Err(conflict(
                            "unknown-party",
                            &pointer,
                            format!("party `{p}` is not registered"),
                        ))
                    }
                }
                let accredited = self.accredited.contains(p);
                if accrediting && accredited {
                    return Err(conflict(
                        "already-accredited",
                        &pointer,
                        format!("auditor `{p}` is already accredited"),
                    ));
                }
                if !accrediting && !accredited {
                    return Err(conflict(
                        "not-accredited",
                        &pointer,
                        format!("auditor `{p}` is not accredited"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn live_norm(&self, id: &NormId, pointer: &str) -> Result<&NormRecord, Rejection> {
        match self.norms.get(id) {
            None => Err(conflict(
                "unknown-norm",
                pointer,
                format!("norm `{id}` is not in the catalog"),
            )),
            Some(n) if n.retired.is_some() => Err(conflict(
                "norm-retired",
                pointer,
                format!("norm `{id}` was retired"),
            )),
            Some(n) => Ok(n),
        }
    }

    /// Checks a negotiation step by `signer` at log time `at` against the regime.
    pub fn check(
        &self,
        step: &Step,
        signer: &Party,
        parties: &BTreeMap<PartyId, Party>,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        match step {
            Step::Propose(p) => {
                if signer.kind == PartyKind::Auditor {
                    return Err(forbidden(
                        "role",
                        "/type",
                        "auditors take no part in negotiations; they verify",
                    ));
                }
                if self.instruments.contains_key(&p.instrument) {
                    return Err(conflict(
                        "instrument-exists",
                        "/payload/instrument",
                        format!(
                            "instrument `{}` already exists; ids are never reused",
                            p.instrument
                        ),
                    ));
                }
                if p.comment_until <= at || p.positions_until < p.comment_until {
                    return Err(Rejection::malformed(
                        "deadlines",
                        "/payload/comment_until",
                        format!(
                            "the comment period must end after the proposal ({at}) and positions close no earlier than comments; got {} and {}",
                            p.comment_until, p.positions_until
                        ),
                    ));
                }
                self.check_draft(&p.draft, signer, parties, "/payload/draft")?;
                let eligible =
                    self.eligible(&p.draft, parties, &self.rules_for(&p.draft).procedure);
                if eligible.is_empty() {
                    return Err(conflict(
                        "no-voters",
                        "/payload/draft",
                        "no registered party could take a position that counts on this instrument",
                    ));
                }
                Ok(())
            }
            Step::Comment(c) => {
                let i = self.instrument(&c.instrument)?;
                open_for_text(i, at, "comment")?;
                same_version(i, c.version, "/payload/version")
            }
            Step::Amend(a) => {
                let i = self.instrument(&a.instrument)?;
                open_for_text(i, at, "amendment")?;
                if i.amendments.contains_key(&a.amendment) {
                    return Err(conflict(
                        "amendment-exists",
                        "/payload/amendment",
                        format!("amendment `{}` already exists in `{}`", a.amendment, i.id),
                    ));
                }
                same_version(i, a.against, "/payload/against")?;
                if a.draft.kind() != i.kind {
                    return Err(Rejection::malformed(
                        "draft-kind",
                        "/payload/draft/kind",
                        format!(
                            "an amendment to a `{}` instrument must be a `{}` draft",
                            i.kind, i.kind
                        ),
                    ));
                }
                same_subject(i.draft(), &a.draft)?;
                self.check_draft(
                    &a.draft,
                    parties.get(&i.proposer).unwrap_or(signer),
                    parties,
                    "/payload/draft",
                )
            }
            Step::Accept(a) => {
                let i = self.instrument(&a.instrument)?;
                open_for_text(i, at, "amendment")?;
                if signer.id != i.proposer && signer.kind != PartyKind::Secretariat {
                    return Err(forbidden(
                        "not-chair",
                        "/signer/party",
                        format!("only the proposer `{}` or the secretariat folds amendments into the text", i.proposer),
                    ));
                }
                let amendment = i.amendments.get(&a.amendment).ok_or_else(|| {
                    conflict(
                        "unknown-amendment",
                        "/payload/amendment",
                        format!("`{}` has no amendment `{}`", i.id, a.amendment),
                    )
                })?;
                if amendment.status != AmendmentStatus::Pending || amendment.against != i.version()
                {
                    return Err(conflict(
                        "amendment-superseded",
                        "/payload/amendment",
                        format!(
                            "amendment `{}` was made against version {}; the text is at version {} — amend the current version",
                            a.amendment, amendment.against, i.version()
                        ),
                    ));
                }
                Ok(())
            }
            Step::Position(p) => {
                let i = self.instrument(&p.instrument)?;
                if i.decision.is_some() || at > i.positions_until {
                    return Err(conflict(
                        "position-deadline",
                        "/payload/instrument",
                        format!("positions on `{}` closed at {}", i.id, i.positions_until),
                    ));
                }
                same_version(i, p.version, "/payload/version")?;
                let chamber = chamber_of(signer.kind).ok_or_else(|| {
                    forbidden(
                        "no-chamber",
                        "/signer/party",
                        format!(
                            "a {} belongs to no chamber and takes no positions",
                            signer.kind.as_str()
                        ),
                    )
                })?;
                if i.rules.procedure.standing.get(&chamber) != Some(&Standing::Voting) {
                    return Err(forbidden(
                        "advisory-chamber",
                        "/payload/stance",
                        format!(
                            "the {} chamber is advisory on `{}` instruments: comment instead of taking a position",
                            chamber.as_str(),
                            i.kind
                        ),
                    ));
                }
                if !i.eligible.contains_key(&signer.id) {
                    return Err(forbidden(
                        "not-eligible",
                        "/signer/party",
                        format!("`{}` was not among the parties entitled to a position when `{}` was proposed", signer.id, i.id),
                    ));
                }
                if p.stance == Stance::Object && p.reason.is_none() {
                    return Err(Rejection::malformed(
                        "objection-reason",
                        "/payload/reason",
                        "an objection must give its reasons",
                    ));
                }
                Ok(())
            }
            Step::Decide(d) => {
                let i = self.instrument(&d.instrument)?;
                if signer.kind != PartyKind::Secretariat {
                    return Err(forbidden(
                        "role",
                        "/type",
                        "decisions are recorded by the secretariat",
                    ));
                }
                if i.decision.is_some() {
                    return Err(conflict(
                        "already-decided",
                        "/payload/instrument",
                        format!("`{}` was already decided", i.id),
                    ));
                }
                if at <= i.positions_until {
                    return Err(conflict(
                        "positions-open",
                        "/payload/instrument",
                        format!(
                            "positions on `{}` are open until {}; decide after that",
                            i.id, i.positions_until
                        ),
                    ));
                }
                let decision = i.compute_decision();
                let computed = if decision.adopted {
                    Outcome::Adopted
                } else {
                    Outcome::Rejected
                };
                if computed != d.outcome {
                    return Err(conflict(
                        "wrong-outcome",
                        "/payload/outcome",
                        format!(
                            "the rule of procedure gives {computed:?}, not {:?}: {}",
                            d.outcome, decision.explanation
                        ),
                    ));
                }
                if decision.adopted {
                    self.check_effect(i)?;
                }
                Ok(())
            }
            Step::Sign(s) => {
                let i = self.instrument(&s.instrument)?;
                if !i.decision.as_ref().is_some_and(|d| d.decision.adopted) {
                    return Err(conflict(
                        "not-adopted",
                        "/payload/instrument",
                        format!(
                            "`{}` is not adopted; only adopted instruments are signed",
                            i.id
                        ),
                    ));
                }
                if !i.rules.signatories.contains(&signer.kind) {
                    return Err(forbidden(
                        "signatory-kind",
                        "/signer/party",
                        format!(
                            "`{}` instruments are signed by {}; `{}` is a {}",
                            i.kind,
                            i.rules
                                .signatories
                                .iter()
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            signer.id,
                            signer.kind.as_str()
                        ),
                    ));
                }
                if let Draft::RegionalProfile { region, .. } = i.draft() {
                    if signer.region != *region {
                        return Err(forbidden(
                            "signatory-region",
                            "/signer/party",
                            format!("the profile of `{region}` is signed by its parties; `{}` is in `{}`", signer.id, signer.region),
                        ));
                    }
                }
                if i.signatures.contains_key(&signer.id) {
                    return Err(conflict(
                        "already-signed",
                        "/payload/instrument",
                        format!("`{}` already signed `{}`", signer.id, i.id),
                    ));
                }
                if s.reservations.len() > 10 {
                    return Err(Rejection::malformed(
                        "reservations",
                        "/payload/reservations",
                        "at most 10 reservations",
                    ));
                }
                Ok(())
            }
        }
    }

    /// What adoption would do must still be possible (e.g. the norm still exists).
    fn check_effect(&self, i: &InstrumentRecord) -> Result<(), Rejection> {
        match i.draft() {
            Draft::Norm { norm } if self.norms.contains_key(&norm.id) => Err(conflict(
                "norm-exists",
                "/payload/instrument",
                format!("norm `{}` was adopted by another instrument meanwhile; record this one as rejected", norm.id),
            )),
            Draft::NormAmendment { norm } => self.live_norm(&norm.id, "/payload/instrument").map(|_| ()),
            Draft::Review { norm, .. } => self.live_norm(norm, "/payload/instrument").map(|_| ()),
            _ => Ok(()),
        }
    }

    fn rules_for(&self, draft: &Draft) -> KindRules {
        let p = &self.procedure;
        match draft {
            Draft::Norm { .. } => p.norm.clone(),
            Draft::NormAmendment { .. } => p.norm_amendment.clone(),
            Draft::RegionalProfile { .. } => p.regional_profile.clone(),
            Draft::Review { .. } => p.review.clone(),
            Draft::RulesOfProcedure { .. } => p.rules_of_procedure.clone(),
            Draft::EnforcementPolicy { .. } => p.enforcement_policy_rules().clone(),
            Draft::Accreditation { .. } => p.accreditation_rules().clone(),
            Draft::Recognition { .. } => p.recognition_rules().clone(),
            Draft::CertificationScheme { .. } => p.certification_scheme_rules().clone(),
        }
    }

    /// Parties whose position counts: members of voting chambers (of the region, for a profile).
    fn eligible(
        &self,
        draft: &Draft,
        parties: &BTreeMap<PartyId, Party>,
        procedure: &crate::decision::Procedure,
    ) -> BTreeMap<PartyId, Chamber> {
        let region = match draft {
            Draft::RegionalProfile { region, .. } => Some(region),
            _ => None,
        };
        parties
            .values()
            .filter(|p| region.is_none_or(|r| p.region == *r))
            .filter_map(|p| chamber_of(p.kind).map(|c| (p, c)))
            .filter(|(_, c)| procedure.standing.get(c) == Some(&Standing::Voting))
            .map(|(p, c)| (p.id.clone(), c))
            .collect()
    }

    /// Folds a checked step in; returns the records it touched.
    pub fn apply(
        &mut self,
        step: &Step,
        signer: &Party,
        parties: &BTreeMap<PartyId, Party>,
        here: EntryRef,
    ) -> Vec<Touched> {
        let mut touched = Vec::new();
        match step {
            Step::Propose(p) => {
                let rules = self.rules_for(&p.draft);
                let eligible = self.eligible(&p.draft, parties, &rules.procedure);
                self.instruments.insert(
                    p.instrument.clone(),
                    InstrumentRecord {
                        id: p.instrument.clone(),
                        title: p.title.clone(),
                        kind: p.draft.kind(),
                        proposer: signer.id.clone(),
                        proposed: here,
                        comment_until: p.comment_until,
                        positions_until: p.positions_until,
                        rules,
                        eligible,
                        versions: vec![p.draft.clone()],
                        amendments: BTreeMap::new(),
                        comments: BTreeMap::new(),
                        positions: BTreeMap::new(),
                        decision: None,
                        signatures: BTreeMap::new(),
                    },
                );
                touched.push(Touched::Instrument(p.instrument.clone()));
            }
            Step::Comment(c) => {
                if let Some(i) = self.instruments.get_mut(&c.instrument) {
                    *i.comments.entry(c.version).or_default() += 1;
                }
                touched.push(Touched::Instrument(c.instrument.clone()));
            }
            Step::Amend(a) => {
                if let Some(i) = self.instruments.get_mut(&a.instrument) {
                    i.amendments.insert(
                        a.amendment.clone(),
                        AmendmentRecord {
                            by: signer.id.clone(),
                            against: a.against,
                            draft: a.draft.clone(),
                            rationale: a.rationale.clone(),
                            entry: here,
                            status: AmendmentStatus::Pending,
                        },
                    );
                }
                touched.push(Touched::Instrument(a.instrument.clone()));
            }
            Step::Accept(a) => {
                if let Some(i) = self.instruments.get_mut(&a.instrument) {
                    let old = i.version();
                    if let Some(draft) = i.amendments.get(&a.amendment).map(|r| r.draft.clone()) {
                        i.versions.push(draft);
                    }
                    for (id, rec) in i.amendments.iter_mut() {
                        if *id == a.amendment {
                            rec.status = AmendmentStatus::Accepted;
                        } else if rec.status == AmendmentStatus::Pending && rec.against == old {
                            rec.status = AmendmentStatus::Superseded;
                        }
                    }
                }
                touched.push(Touched::Instrument(a.instrument.clone()));
            }
            Step::Position(p) => {
                if let (Some(i), Some(chamber)) = (
                    self.instruments.get_mut(&p.instrument),
                    chamber_of(signer.kind),
                ) {
                    i.positions.insert(
                        signer.id.clone(),
                        PositionRecord {
                            chamber,
                            stance: p.stance,
                            reason: p.reason.clone(),
                            version: p.version,
                            entry: here,
                        },
                    );
                }
                touched.push(Touched::Instrument(p.instrument.clone()));
            }
            Step::Decide(d) => {
                let Some(i) = self.instruments.get(&d.instrument) else {
                    return touched;
                };
                let decision = i.compute_decision();
                let adopted = decision.adopted;
                let draft = i.draft().clone();
                let id = i.id.clone();
                if let Some(i) = self.instruments.get_mut(&d.instrument) {
                    i.decision = Some(DecisionRecord {
                        entry: here,
                        decision,
                    });
                }
                touched.push(Touched::Instrument(id.clone()));
                if adopted {
                    self.adopt(&id, draft, here, &mut touched);
                }
            }
            Step::Sign(s) => {
                if let Some(i) = self.instruments.get_mut(&s.instrument) {
                    i.signatures.insert(
                        signer.id.clone(),
                        SignatureRecord {
                            entry: here,
                            reservations: s.reservations.clone(),
                        },
                    );
                }
                touched.push(Touched::Instrument(s.instrument.clone()));
            }
        }
        touched
    }

    fn adopt(
        &mut self,
        id: &InstrumentId,
        draft: Draft,
        here: EntryRef,
        touched: &mut Vec<Touched>,
    ) {
        let mut catalog_changed = false;
        match draft {
            Draft::Norm { norm } => {
                let mut record = NormRecord {
                    id: norm.id.clone(),
                    versions: vec![NormVersion {
                        version: 1,
                        text: norm,
                        adopted: here,
                        instrument: Some(id.clone()),
                    }],
                    review_at: here.at,
                    sunset_at: here.at,
                    retired: None,
                };
                record.start_period(here.at);
                touched.push(Touched::Norm(record.id.clone()));
                self.norms.insert(record.id.clone(), record);
                catalog_changed = true;
            }
            Draft::NormAmendment { norm }
            | Draft::Review {
                outcome: ReviewOutcome::Amend,
                amended: Some(norm),
                ..
            } => {
                if let Some(record) = self.norms.get_mut(&norm.id) {
                    let version = record.current().version + 1;
                    record.versions.push(NormVersion {
                        version,
                        text: norm,
                        adopted: here,
                        instrument: Some(id.clone()),
                    });
                    record.start_period(here.at);
                    touched.push(Touched::Norm(record.id.clone()));
                    catalog_changed = true;
                }
            }
            Draft::Review {
                norm,
                outcome: ReviewOutcome::Renew,
                ..
            } => {
                if let Some(record) = self.norms.get_mut(&norm) {
                    record.start_period(here.at);
                    touched.push(Touched::Norm(norm));
                }
            }
            Draft::Review {
                norm,
                outcome: ReviewOutcome::Retire,
                ..
            } => {
                if let Some(record) = self.norms.get_mut(&norm) {
                    record.retired = Some(here);
                    touched.push(Touched::Norm(norm));
                    catalog_changed = true;
                }
            }
            Draft::Review { .. } => {}
            Draft::RegionalProfile {
                region,
                tailoring,
                languages,
            } => {
                touched.push(Touched::Profile(region.clone()));
                self.profiles.insert(
                    region.clone(),
                    ProfileRecord {
                        region,
                        tailoring,
                        languages,
                        instrument: id.clone(),
                        adopted: here,
                    },
                );
            }
            Draft::RulesOfProcedure { procedure } => {
                self.procedure = *procedure;
                touched.push(Touched::Charter);
            }
            Draft::EnforcementPolicy { policy } => {
                self.policies.push(PolicyVersion {
                    version: self.policies.len() as u32 + 1,
                    policy: *policy,
                    adopted: here,
                    instrument: Some(id.clone()),
                });
                touched.push(Touched::Policy(self.policies.len() as u32));
            }
            Draft::Accreditation { accredit, withdraw } => {
                for auditor in withdraw {
                    self.accredited.retain(|p| *p != auditor);
                    if let Some(r) = self.accreditations.get_mut(&auditor) {
                        r.withdrawn = Some((id.clone(), here));
                    }
                    touched.push(Touched::Accreditation(auditor));
                }
                for auditor in accredit {
                    self.accredited.push(auditor.clone());
                    self.accreditations.insert(
                        auditor.clone(),
                        AccreditationRecord {
                            auditor: auditor.clone(),
                            instrument: id.clone(),
                            adopted: here,
                            withdrawn: None,
                        },
                    );
                    touched.push(Touched::Accreditation(auditor));
                }
            }
            Draft::Recognition {
                recognize,
                withdraw,
            } => {
                for origin in withdraw {
                    if let Some(r) = self.recognitions.get_mut(&origin) {
                        r.withdrawn = Some((id.clone(), here));
                    }
                    touched.push(Touched::Recognition(origin));
                }
                for instance in recognize {
                    let origin = instance.origin().to_owned();
                    self.recognitions.insert(
                        origin.clone(),
                        RecognitionRecord {
                            instance,
                            instrument: id.clone(),
                            adopted: here,
                            withdrawn: None,
                        },
                    );
                    touched.push(Touched::Recognition(origin));
                }
            }
            Draft::CertificationScheme { scheme } => {
                let sid = scheme.scheme.clone();
                self.schemes.insert(
                    sid.clone(),
                    crate::norms::schemes::SchemeRecord {
                        scheme: *scheme,
                        instrument: id.clone(),
                        adopted: here,
                    },
                );
                touched.push(Touched::Scheme(sid));
            }
        }
        if catalog_changed {
            let n = self.new_catalog_version(here, id.to_string());
            touched.push(Touched::Catalog(n));
        }
    }
}

/// The chamber a kind of party sits in (the secretariat sits in none).
pub fn chamber_of(kind: PartyKind) -> Option<Chamber> {
    match kind {
        PartyKind::State | PartyKind::RegionalCouncil => Some(Chamber::States),
        PartyKind::Company => Some(Chamber::PrivateSector),
        PartyKind::CivilSociety => Some(Chamber::CivilSociety),
        PartyKind::Cert | PartyKind::Auditor => Some(Chamber::TechnicalCommunity),
        PartyKind::Secretariat => None,
    }
}

fn open_for_text(i: &InstrumentRecord, at: Timestamp, what: &str) -> Result<(), Rejection> {
    if i.decision.is_some() || at >= i.comment_until {
        return Err(conflict(
            "comment-period-closed",
            "/payload/instrument",
            format!(
                "the comment period of `{}` ended at {}; no {what} is taken after it",
                i.id, i.comment_until
            ),
        ));
    }
    Ok(())
}

fn same_version(i: &InstrumentRecord, version: u32, pointer: &str) -> Result<(), Rejection> {
    if version != i.version() {
        return Err(conflict(
            "superseded-version",
            pointer,
            format!(
                "`{}` is at version {}, not {version}: read the current text and refer to it",
                i.id,
                i.version()
            ),
        ));
    }
    Ok(())
}

/// An amendment changes the text, not the subject (the same norm, the same region).
fn same_subject(current: &Draft, amended: &Draft) -> Result<(), Rejection> {
    let same = match (current, amended) {
        (Draft::Norm { norm: a }, Draft::Norm { norm: b })
        | (Draft::NormAmendment { norm: a }, Draft::NormAmendment { norm: b }) => a.id == b.id,
        (Draft::RegionalProfile { region: a, .. }, Draft::RegionalProfile { region: b, .. }) => {
            a == b
        }
        (Draft::Review { norm: a, .. }, Draft::Review { norm: b, .. }) => a == b,
        (Draft::RulesOfProcedure { .. }, Draft::RulesOfProcedure { .. })
        | (Draft::EnforcementPolicy { .. }, Draft::EnforcementPolicy { .. })
        | (Draft::Accreditation { .. }, Draft::Accreditation { .. })
        | (Draft::Recognition { .. }, Draft::Recognition { .. }) => true,
        (Draft::CertificationScheme { scheme: a }, Draft::CertificationScheme { scheme: b }) => {
            a.scheme == b.scheme
        }
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(Rejection::malformed(
            "amendment-subject",
            "/payload/draft",
            "an amendment changes the text of the same norm or region, not its subject",
        ))
    }
}

/// What the rules of the regime read besides the regime: the registered parties (who may
/// vote, sign and be named).
pub struct RegimeInputs<'a> {
    /// Every registered party.
    pub parties: &'a BTreeMap<PartyId, Party>,
}

/// The charter and the negotiation steps: the regime's own entry types.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};

    impl Admit for Charter {
        type Part = Option<Regime>;
        type Inputs<'a> = RegimeInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Option<Regime>,
            _: &RegimeInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            by.require_kind(PartyKind::Secretariat)?;
            if part.is_some() {
                return Err(conflict(
                    "regime-exists",
                    "/type",
                    "this instance already has its charter; change it through instruments",
                ));
            }
            self.validate()
        }

        fn apply(
            self,
            part: &mut Option<Regime>,
            _: &RegimeInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            let regime = Regime::establish(self, here);
            let mut touched = vec![Touched::Charter, Touched::Catalog(1), Touched::Policy(1)];
            touched.extend(regime.norms.keys().cloned().map(Touched::Norm));
            *part = Some(regime);
            touched
        }
    }

    /// A negotiation step: checked and folded by the regime as the `Step` it is.
    macro_rules! negotiation_step {
        ($($ty:ty => $step:ident,)*) => {$(
            impl Admit for $ty {
                type Part = Option<Regime>;
                type Inputs<'a> = RegimeInputs<'a>;
                type Touched = Touched;

                fn check(
                    &self,
                    part: &Option<Regime>,
                    i: &RegimeInputs<'_>,
                    by: &Submitted<'_>,
                ) -> Result<(), Rejection> {
                    let signer = by.party()?;
                    require_regime(part.as_ref())?.check(&Step::$step(self), signer, i.parties, by.at)
                }

                fn apply(
                    self,
                    part: &mut Option<Regime>,
                    i: &RegimeInputs<'_>,
                    by: &PartyId,
                    here: EntryRef,
                ) -> Vec<Touched> {
                    match (part.as_mut(), i.parties.get(by)) {
                        (Some(regime), Some(signer)) => {
                            regime.apply(&Step::$step(&self), signer, i.parties, here)
                        }
                        _ => Vec::new(),
                    }
                }
            }
        )*};
    }

    negotiation_step! {
        Proposal => Propose,
        Comment => Comment,
        Amendment => Amend,
        AmendmentAcceptance => Accept,
        Position => Position,
        Closing => Decide,
        Signature => Sign,
    }
}
