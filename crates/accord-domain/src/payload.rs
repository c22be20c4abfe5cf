//! The typed payloads of every entry type, and their parsing from an envelope.
//!
//! This module owns the published shape of each entry type: the serde types here *are* the
//! reporting format (unknown fields are refused, every field is typed). Data minimisation:
//! there is no field for personal data — contacts are functional addresses and roles, never
//! names of people.

use accord_envelope::Envelope;

use crate::cbm::{Answer, Closing as ExchangeClosing, Escalation, Opening};
use crate::commitments::{CommitmentMade, CommitmentWithdrawn};
use crate::enforcement::audits::{Attestation, AuditFinding, AuditOpening};
use crate::enforcement::cases::{
    Admissibility, Allegation, Appeal, Convening, Joining, Refusal, RemediationPlan,
    RemediationVerified, Response, Review, Vote,
};
use crate::evidence::{EvidenceCommit, EvidenceErase, EvidenceGrant, EvidenceRead};
use crate::norms::charter::Charter;
use crate::norms::negotiation::{
    Amendment, AmendmentAcceptance, Closing, Comment, Position, Proposal, Signature,
};
use crate::registry::{
    Genesis, KeyRevocation, KeyRotation, PartyRegistration, PocDeclaration, ReachabilityAck,
    ReachabilityCheck,
};
use crate::reports::assessment::SelfAssessment;
use crate::reports::attribution::{AttributionClaim, Corroboration, Retraction};
use crate::reports::disclosure::DisclosureReport;
use crate::reports::remediation::RemediationReport;
use crate::reports::testing::TestingDeclaration;
use crate::reports::IncidentReport;
use crate::rules::Rejection;
use crate::sharing::{GroupDeclaration, IntelShare, IntelWithdraw};
use crate::tokens::{TokenIssue, TokenRevoke};

/// A parsed, typed payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// `instance.genesis` v1 (boxed: it is large and occurs once).
    Genesis(Box<Genesis>),
    /// `party.register` v1.
    PartyRegister(PartyRegistration),
    /// `party.rotate_key` v1.
    KeyRotate(KeyRotation),
    /// `party.revoke_key` v1.
    KeyRevoke(KeyRevocation),
    /// `poc.declare` v1.
    PocDeclare(PocDeclaration),
    /// `poc.check` v1.
    PocCheck(ReachabilityCheck),
    /// `poc.ack` v1.
    PocAck(ReachabilityAck),
    /// `regime.establish` v1 (boxed: large, once per instance).
    RegimeEstablish(Box<Charter>),
    /// `instrument.propose` v1.
    InstrumentPropose(Box<Proposal>),
    /// `instrument.comment` v1.
    InstrumentComment(Comment),
    /// `instrument.amend` v1.
    InstrumentAmend(Box<Amendment>),
    /// `instrument.accept_amendment` v1.
    InstrumentAccept(AmendmentAcceptance),
    /// `instrument.position` v1.
    InstrumentPosition(Position),
    /// `instrument.decide` v1.
    InstrumentDecide(Closing),
    /// `instrument.sign` v1.
    InstrumentSign(Signature),
    /// `commitment.make` v1.
    CommitmentMake(CommitmentMade),
    /// `commitment.withdraw` v1.
    CommitmentWithdraw(CommitmentWithdrawn),
    /// `report.incident` v1.
    IncidentReport(IncidentReport),
    /// `report.remediation` v1.
    RemediationReport(RemediationReport),
    /// `report.testing_declaration` v1.
    TestingDeclaration(TestingDeclaration),
    /// `report.attribution` v1.
    AttributionClaim(AttributionClaim),
    /// `report.attribution_corroborate` v1.
    Corroboration(Corroboration),
    /// `report.attribution_retract` v1.
    Retraction(Retraction),
    /// `report.self_assessment` v1.
    SelfAssessment(SelfAssessment),
    /// `report.vulnerability_disclosure` v1 (boxed: it carries a whole advisory).
    Disclosure(Box<DisclosureReport>),
    /// `party.token_issue` v1.
    TokenIssue(TokenIssue),
    /// `party.token_revoke` v1.
    TokenRevoke(TokenRevoke),
    /// `evidence.commit` v1.
    EvidenceCommit(EvidenceCommit),
    /// `evidence.grant` v1.
    EvidenceGrant(EvidenceGrant),
    /// `evidence.read` v1 (signed by the instance key).
    EvidenceRead(EvidenceRead),
    /// `evidence.erase` v1.
    EvidenceErase(EvidenceErase),
    /// `case.allege` v1.
    CaseAllege(Allegation),
    /// `case.join` v1.
    CaseJoin(Joining),
    /// `case.admissibility` v1.
    CaseAdmissibility(Admissibility),
    /// `case.respond` v1.
    CaseRespond(Response),
    /// `case.convene` v1.
    CaseConvene(Convening),
    /// `case.vote` v1.
    CaseVote(Vote),
    /// `case.appeal` v1.
    CaseAppeal(Appeal),
    /// `case.remediation_plan` v1.
    CasePlan(RemediationPlan),
    /// `case.verify_remediation` v1.
    CaseVerify(RemediationVerified),
    /// `case.review` v1.
    CaseReview(Review),
    /// `case.refusal` v1.
    CaseRefusal(Refusal),
    /// `exchange.open` v1.
    ExchangeOpen(Opening),
    /// `exchange.answer` v1.
    ExchangeAnswer(Answer),
    /// `exchange.escalate` v1.
    ExchangeEscalate(Escalation),
    /// `exchange.close` v1.
    ExchangeClose(ExchangeClosing),
    /// `audit.open` v1.
    AuditOpen(AuditOpening),
    /// `audit.finding` v1.
    AuditFinding(AuditFinding),
    /// `audit.attest` v1.
    AuditAttest(Attestation),
    /// `sharing.group` v1.
    SharingGroup(GroupDeclaration),
    /// `intel.share` v1.
    IntelShare(Box<IntelShare>),
    /// `intel.withdraw` v1.
    IntelWithdraw(IntelWithdraw),
}

/// Every entry type this version accepts, with its schema version.
pub const ENTRY_TYPES: &[(&str, u32)] = &[
    (GENESIS, 1),
    (PARTY_REGISTER, 1),
    (PARTY_ROTATE_KEY, 1),
    (PARTY_REVOKE_KEY, 1),
    (POC_DECLARE, 1),
    (POC_CHECK, 1),
    (POC_ACK, 1),
    (REGIME_ESTABLISH, 1),
    (INSTRUMENT_PROPOSE, 1),
    (INSTRUMENT_COMMENT, 1),
    (INSTRUMENT_AMEND, 1),
    (INSTRUMENT_ACCEPT, 1),
    (INSTRUMENT_POSITION, 1),
    (INSTRUMENT_DECIDE, 1),
    (INSTRUMENT_SIGN, 1),
    (COMMITMENT_MAKE, 1),
    (COMMITMENT_WITHDRAW, 1),
    (REPORT_INCIDENT, 1),
    (REPORT_REMEDIATION, 1),
    (REPORT_TESTING, 1),
    (REPORT_ATTRIBUTION, 1),
    (REPORT_CORROBORATE, 1),
    (REPORT_RETRACT, 1),
    (REPORT_SELF_ASSESSMENT, 1),
    (REPORT_DISCLOSURE, 1),
    (TOKEN_ISSUE, 1),
    (TOKEN_REVOKE, 1),
    (EVIDENCE_COMMIT, 1),
    (EVIDENCE_GRANT, 1),
    (EVIDENCE_READ, 1),
    (EVIDENCE_ERASE, 1),
    (CASE_ALLEGE, 1),
    (CASE_JOIN, 1),
    (CASE_ADMISSIBILITY, 1),
    (CASE_RESPOND, 1),
    (CASE_CONVENE, 1),
    (CASE_VOTE, 1),
    (CASE_APPEAL, 1),
    (CASE_PLAN, 1),
    (CASE_VERIFY, 1),
    (CASE_REVIEW, 1),
    (CASE_REFUSAL, 1),
    (EXCHANGE_OPEN, 1),
    (EXCHANGE_ANSWER, 1),
    (EXCHANGE_ESCALATE, 1),
    (EXCHANGE_CLOSE, 1),
    (AUDIT_OPEN, 1),
    (AUDIT_FINDING, 1),
    (AUDIT_ATTEST, 1),
    (SHARING_GROUP, 1),
    (INTEL_SHARE, 1),
    (INTEL_WITHDRAW, 1),
];

/// Entry type of [`Genesis`].
pub const GENESIS: &str = "instance.genesis";
/// Entry type of [`PartyRegistration`].
pub const PARTY_REGISTER: &str = "party.register";
/// Entry type of [`KeyRotation`].
pub const PARTY_ROTATE_KEY: &str = "party.rotate_key";
/// Entry type of [`KeyRevocation`].
pub const PARTY_REVOKE_KEY: &str = "party.revoke_key";
/// Entry type of [`PocDeclaration`].
pub const POC_DECLARE: &str = "poc.declare";
/// Entry type of [`ReachabilityCheck`].
pub const POC_CHECK: &str = "poc.check";
/// Entry type of [`ReachabilityAck`].
pub const POC_ACK: &str = "poc.ack";
/// Entry type of [`Charter`].
pub const REGIME_ESTABLISH: &str = "regime.establish";
/// Entry type of [`Proposal`].
pub const INSTRUMENT_PROPOSE: &str = "instrument.propose";
/// Entry type of [`Comment`].
pub const INSTRUMENT_COMMENT: &str = "instrument.comment";
/// Entry type of [`Amendment`].
pub const INSTRUMENT_AMEND: &str = "instrument.amend";
/// Entry type of [`AmendmentAcceptance`].
pub const INSTRUMENT_ACCEPT: &str = "instrument.accept_amendment";
/// Entry type of [`Position`].
pub const INSTRUMENT_POSITION: &str = "instrument.position";
/// Entry type of [`Closing`].
pub const INSTRUMENT_DECIDE: &str = "instrument.decide";
/// Entry type of [`Signature`].
pub const INSTRUMENT_SIGN: &str = "instrument.sign";
/// Entry type of [`CommitmentMade`].
pub const COMMITMENT_MAKE: &str = "commitment.make";
/// Entry type of [`CommitmentWithdrawn`].
pub const COMMITMENT_WITHDRAW: &str = "commitment.withdraw";
/// Entry type of [`IncidentReport`].
pub const REPORT_INCIDENT: &str = "report.incident";
/// Entry type of [`RemediationReport`].
pub const REPORT_REMEDIATION: &str = "report.remediation";
/// Entry type of [`TestingDeclaration`].
pub const REPORT_TESTING: &str = "report.testing_declaration";
/// Entry type of [`AttributionClaim`].
pub const REPORT_ATTRIBUTION: &str = "report.attribution";
/// Entry type of [`Corroboration`].
pub const REPORT_CORROBORATE: &str = "report.attribution_corroborate";
/// Entry type of [`Retraction`].
pub const REPORT_RETRACT: &str = "report.attribution_retract";
/// Entry type of [`SelfAssessment`].
pub const REPORT_SELF_ASSESSMENT: &str = "report.self_assessment";
/// Entry type of [`DisclosureReport`].
pub const REPORT_DISCLOSURE: &str = "report.vulnerability_disclosure";
/// Entry type of [`TokenIssue`].
pub const TOKEN_ISSUE: &str = "party.token_issue";
/// Entry type of [`TokenRevoke`].
pub const TOKEN_REVOKE: &str = "party.token_revoke";
/// Entry type of [`EvidenceCommit`].
pub const EVIDENCE_COMMIT: &str = "evidence.commit";
/// Entry type of [`EvidenceGrant`].
pub const EVIDENCE_GRANT: &str = "evidence.grant";
/// Entry type of [`EvidenceRead`].
pub const EVIDENCE_READ: &str = "evidence.read";
/// Entry type of [`EvidenceErase`].
pub const EVIDENCE_ERASE: &str = "evidence.erase";
/// Entry type of [`Allegation`].
pub const CASE_ALLEGE: &str = "case.allege";
/// Entry type of [`Joining`].
pub const CASE_JOIN: &str = "case.join";
/// Entry type of [`Admissibility`].
pub const CASE_ADMISSIBILITY: &str = "case.admissibility";
/// Entry type of [`Response`].
pub const CASE_RESPOND: &str = "case.respond";
/// Entry type of [`Convening`].
pub const CASE_CONVENE: &str = "case.convene";
/// Entry type of [`Vote`].
pub const CASE_VOTE: &str = "case.vote";
/// Entry type of [`Appeal`].
pub const CASE_APPEAL: &str = "case.appeal";
/// Entry type of [`RemediationPlan`].
pub const CASE_PLAN: &str = "case.remediation_plan";
/// Entry type of [`RemediationVerified`].
pub const CASE_VERIFY: &str = "case.verify_remediation";
/// Entry type of [`Review`].
pub const CASE_REVIEW: &str = "case.review";
/// Entry type of [`Refusal`].
pub const CASE_REFUSAL: &str = "case.refusal";
/// Entry type of [`Opening`].
pub const EXCHANGE_OPEN: &str = "exchange.open";
/// Entry type of [`Answer`].
pub const EXCHANGE_ANSWER: &str = "exchange.answer";
/// Entry type of [`Escalation`].
pub const EXCHANGE_ESCALATE: &str = "exchange.escalate";
/// Entry type of [`ExchangeClosing`].
pub const EXCHANGE_CLOSE: &str = "exchange.close";
/// Entry type of [`AuditOpening`].
pub const AUDIT_OPEN: &str = "audit.open";
/// Entry type of [`AuditFinding`].
pub const AUDIT_FINDING: &str = "audit.finding";
/// Entry type of [`Attestation`].
pub const AUDIT_ATTEST: &str = "audit.attest";
/// Entry type of [`GroupDeclaration`].
pub const SHARING_GROUP: &str = "sharing.group";
/// Entry type of [`IntelShare`].
pub const INTEL_SHARE: &str = "intel.share";
/// Entry type of [`IntelWithdraw`].
pub const INTEL_WITHDRAW: &str = "intel.withdraw";

impl Payload {
    /// The case transition this payload is, if it is one (other than the allegation).
    pub fn case_step(&self) -> Option<crate::enforcement::CaseStep<'_>> {
        use crate::enforcement::CaseStep;
        Some(match self {
            Payload::CaseJoin(x) => CaseStep::Join(x),
            Payload::CaseAdmissibility(x) => CaseStep::Admissibility(x),
            Payload::CaseRespond(x) => CaseStep::Respond(x),
            Payload::CaseConvene(x) => CaseStep::Convene(x),
            Payload::CaseVote(x) => CaseStep::Vote(x),
            Payload::CaseAppeal(x) => CaseStep::Appeal(x),
            Payload::CasePlan(x) => CaseStep::Plan(x),
            Payload::CaseVerify(x) => CaseStep::Verify(x),
            Payload::CaseReview(x) => CaseStep::Review(x),
            _ => return None,
        })
    }

    /// Parses the payload of `envelope` into its typed form, naming the field and rule on error.
    pub fn from_envelope(envelope: &Envelope) -> Result<Payload, Rejection> {
        let ty = envelope.entry_type.as_str();
        let known = ENTRY_TYPES.iter().find(|(t, _)| *t == ty);
        match known {
            None => {
                return Err(Rejection::malformed(
                    "unknown-entry-type",
                    "/type",
                    format!(
                        "entry type `{ty}` is not known; known types: {}",
                        ENTRY_TYPES
                            .iter()
                            .map(|(t, _)| *t)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
            Some((_, v)) if *v != envelope.schema => {
                return Err(Rejection::malformed(
                    "unsupported-schema",
                    "/schema",
                    format!(
                    "`{ty}` schema version {} is not supported; this instance accepts version {v}",
                    envelope.schema
                ),
                ))
            }
            Some(_) => {}
        }
        let p = &envelope.payload;
        let payload = match ty {
            GENESIS => Payload::Genesis(typed(p)?),
            PARTY_REGISTER => Payload::PartyRegister(typed(p)?),
            PARTY_ROTATE_KEY => Payload::KeyRotate(typed(p)?),
            PARTY_REVOKE_KEY => Payload::KeyRevoke(typed(p)?),
            POC_DECLARE => Payload::PocDeclare(typed(p)?),
            POC_CHECK => Payload::PocCheck(typed(p)?),
            POC_ACK => Payload::PocAck(typed(p)?),
            REGIME_ESTABLISH => Payload::RegimeEstablish(typed(p)?),
            INSTRUMENT_PROPOSE => Payload::InstrumentPropose(typed(p)?),
            INSTRUMENT_COMMENT => Payload::InstrumentComment(typed(p)?),
            INSTRUMENT_AMEND => Payload::InstrumentAmend(typed(p)?),
            INSTRUMENT_ACCEPT => Payload::InstrumentAccept(typed(p)?),
            INSTRUMENT_POSITION => Payload::InstrumentPosition(typed(p)?),
            INSTRUMENT_DECIDE => Payload::InstrumentDecide(typed(p)?),
            INSTRUMENT_SIGN => Payload::InstrumentSign(typed(p)?),
            COMMITMENT_MAKE => Payload::CommitmentMake(typed(p)?),
            COMMITMENT_WITHDRAW => Payload::CommitmentWithdraw(typed(p)?),
            REPORT_INCIDENT => Payload::IncidentReport(typed(p)?),
            REPORT_REMEDIATION => Payload::RemediationReport(typed(p)?),
            REPORT_TESTING => Payload::TestingDeclaration(typed(p)?),
            REPORT_ATTRIBUTION => Payload::AttributionClaim(typed(p)?),
            REPORT_CORROBORATE => Payload::Corroboration(typed(p)?),
            REPORT_RETRACT => Payload::Retraction(typed(p)?),
            REPORT_SELF_ASSESSMENT => Payload::SelfAssessment(typed(p)?),
            REPORT_DISCLOSURE => Payload::Disclosure(typed(p)?),
            TOKEN_ISSUE => Payload::TokenIssue(typed(p)?),
            TOKEN_REVOKE => Payload::TokenRevoke(typed(p)?),
            EVIDENCE_COMMIT => Payload::EvidenceCommit(typed(p)?),
            EVIDENCE_GRANT => Payload::EvidenceGrant(typed(p)?),
            EVIDENCE_READ => Payload::EvidenceRead(typed(p)?),
            EVIDENCE_ERASE => Payload::EvidenceErase(typed(p)?),
            CASE_ALLEGE => Payload::CaseAllege(typed(p)?),
            CASE_JOIN => Payload::CaseJoin(typed(p)?),
            CASE_ADMISSIBILITY => Payload::CaseAdmissibility(typed(p)?),
            CASE_RESPOND => Payload::CaseRespond(typed(p)?),
            CASE_CONVENE => Payload::CaseConvene(typed(p)?),
            CASE_VOTE => Payload::CaseVote(typed(p)?),
            CASE_APPEAL => Payload::CaseAppeal(typed(p)?),
            CASE_PLAN => Payload::CasePlan(typed(p)?),
            CASE_VERIFY => Payload::CaseVerify(typed(p)?),
            CASE_REVIEW => Payload::CaseReview(typed(p)?),
            CASE_REFUSAL => Payload::CaseRefusal(typed(p)?),
            EXCHANGE_OPEN => Payload::ExchangeOpen(typed(p)?),
            EXCHANGE_ANSWER => Payload::ExchangeAnswer(typed(p)?),
            EXCHANGE_ESCALATE => Payload::ExchangeEscalate(typed(p)?),
            EXCHANGE_CLOSE => Payload::ExchangeClose(typed(p)?),
            AUDIT_OPEN => Payload::AuditOpen(typed(p)?),
            AUDIT_FINDING => Payload::AuditFinding(typed(p)?),
            AUDIT_ATTEST => Payload::AuditAttest(typed(p)?),
            SHARING_GROUP => Payload::SharingGroup(typed(p)?),
            INTEL_SHARE => Payload::IntelShare(typed(p)?),
            INTEL_WITHDRAW => Payload::IntelWithdraw(typed(p)?),

            _ => unreachable!("ENTRY_TYPES and this match list the same types"),
        };
        Ok(payload)
    }

    /// The entry type this payload is sent as.
    pub fn entry_type(&self) -> &'static str {
        match self {
            Payload::Genesis(_) => GENESIS,
            Payload::PartyRegister(_) => PARTY_REGISTER,
            Payload::KeyRotate(_) => PARTY_ROTATE_KEY,
            Payload::KeyRevoke(_) => PARTY_REVOKE_KEY,
            Payload::PocDeclare(_) => POC_DECLARE,
            Payload::PocCheck(_) => POC_CHECK,
            Payload::PocAck(_) => POC_ACK,
            Payload::RegimeEstablish(_) => REGIME_ESTABLISH,
            Payload::InstrumentPropose(_) => INSTRUMENT_PROPOSE,
            Payload::InstrumentComment(_) => INSTRUMENT_COMMENT,
            Payload::InstrumentAmend(_) => INSTRUMENT_AMEND,
            Payload::InstrumentAccept(_) => INSTRUMENT_ACCEPT,
            Payload::InstrumentPosition(_) => INSTRUMENT_POSITION,
            Payload::InstrumentDecide(_) => INSTRUMENT_DECIDE,
            Payload::InstrumentSign(_) => INSTRUMENT_SIGN,
            Payload::CommitmentMake(_) => COMMITMENT_MAKE,
            Payload::CommitmentWithdraw(_) => COMMITMENT_WITHDRAW,
            Payload::IncidentReport(_) => REPORT_INCIDENT,
            Payload::RemediationReport(_) => REPORT_REMEDIATION,
            Payload::TestingDeclaration(_) => REPORT_TESTING,
            Payload::AttributionClaim(_) => REPORT_ATTRIBUTION,
            Payload::Corroboration(_) => REPORT_CORROBORATE,
            Payload::Retraction(_) => REPORT_RETRACT,
            Payload::SelfAssessment(_) => REPORT_SELF_ASSESSMENT,
            Payload::Disclosure(_) => REPORT_DISCLOSURE,
            Payload::TokenIssue(_) => TOKEN_ISSUE,
            Payload::TokenRevoke(_) => TOKEN_REVOKE,
            Payload::EvidenceCommit(_) => EVIDENCE_COMMIT,
            Payload::EvidenceGrant(_) => EVIDENCE_GRANT,
            Payload::EvidenceRead(_) => EVIDENCE_READ,
            Payload::EvidenceErase(_) => EVIDENCE_ERASE,
            Payload::CaseAllege(_) => CASE_ALLEGE,
            Payload::CaseJoin(_) => CASE_JOIN,
            Payload::CaseAdmissibility(_) => CASE_ADMISSIBILITY,
            Payload::CaseRespond(_) => CASE_RESPOND,
            Payload::CaseConvene(_) => CASE_CONVENE,
            Payload::CaseVote(_) => CASE_VOTE,
            Payload::CaseAppeal(_) => CASE_APPEAL,
            Payload::CasePlan(_) => CASE_PLAN,
            Payload::CaseVerify(_) => CASE_VERIFY,
            Payload::CaseReview(_) => CASE_REVIEW,
            Payload::CaseRefusal(_) => CASE_REFUSAL,
            Payload::ExchangeOpen(_) => EXCHANGE_OPEN,
            Payload::ExchangeAnswer(_) => EXCHANGE_ANSWER,
            Payload::ExchangeEscalate(_) => EXCHANGE_ESCALATE,
            Payload::ExchangeClose(_) => EXCHANGE_CLOSE,
            Payload::AuditOpen(_) => AUDIT_OPEN,
            Payload::AuditFinding(_) => AUDIT_FINDING,
            Payload::AuditAttest(_) => AUDIT_ATTEST,
            Payload::SharingGroup(_) => SHARING_GROUP,
            Payload::IntelShare(_) => INTEL_SHARE,
            Payload::IntelWithdraw(_) => INTEL_WITHDRAW,
        }
    }

    /// The payload as a JSON value, ready to sign.
    pub fn to_value(&self) -> serde_json::Value {
        let v = match self {
            Payload::Genesis(p) => serde_json::to_value(p),
            Payload::PartyRegister(p) => serde_json::to_value(p),
            Payload::KeyRotate(p) => serde_json::to_value(p),
            Payload::KeyRevoke(p) => serde_json::to_value(p),
            Payload::PocDeclare(p) => serde_json::to_value(p),
            Payload::PocCheck(p) => serde_json::to_value(p),
            Payload::PocAck(p) => serde_json::to_value(p),
            Payload::RegimeEstablish(p) => serde_json::to_value(p),
            Payload::InstrumentPropose(p) => serde_json::to_value(p),
            Payload::InstrumentComment(p) => serde_json::to_value(p),
            Payload::InstrumentAmend(p) => serde_json::to_value(p),
            Payload::InstrumentAccept(p) => serde_json::to_value(p),
            Payload::InstrumentPosition(p) => serde_json::to_value(p),
            Payload::InstrumentDecide(p) => serde_json::to_value(p),
            Payload::InstrumentSign(p) => serde_json::to_value(p),
            Payload::CommitmentMake(p) => serde_json::to_value(p),
            Payload::CommitmentWithdraw(p) => serde_json::to_value(p),
            Payload::IncidentReport(p) => serde_json::to_value(p),
            Payload::RemediationReport(p) => serde_json::to_value(p),
            Payload::TestingDeclaration(p) => serde_json::to_value(p),
            Payload::AttributionClaim(p) => serde_json::to_value(p),
            Payload::Corroboration(p) => serde_json::to_value(p),
            Payload::Retraction(p) => serde_json::to_value(p),
            Payload::SelfAssessment(p) => serde_json::to_value(p),
            Payload::Disclosure(p) => serde_json::to_value(p),
            Payload::TokenIssue(p) => serde_json::to_value(p),
            Payload::TokenRevoke(p) => serde_json::to_value(p),
            Payload::EvidenceCommit(p) => serde_json::to_value(p),
            Payload::EvidenceGrant(p) => serde_json::to_value(p),
            Payload::EvidenceRead(p) => serde_json::to_value(p),
            Payload::EvidenceErase(p) => serde_json::to_value(p),
            Payload::CaseAllege(p) => serde_json::to_value(p),
            Payload::CaseJoin(p) => serde_json::to_value(p),
            Payload::CaseAdmissibility(p) => serde_json::to_value(p),
            Payload::CaseRespond(p) => serde_json::to_value(p),
            Payload::CaseConvene(p) => serde_json::to_value(p),
            Payload::CaseVote(p) => serde_json::to_value(p),
            Payload::CaseAppeal(p) => serde_json::to_value(p),
            Payload::CasePlan(p) => serde_json::to_value(p),
            Payload::CaseVerify(p) => serde_json::to_value(p),
            Payload::CaseReview(p) => serde_json::to_value(p),
            Payload::CaseRefusal(p) => serde_json::to_value(p),
            Payload::ExchangeOpen(p) => serde_json::to_value(p),
            Payload::ExchangeAnswer(p) => serde_json::to_value(p),
            Payload::ExchangeEscalate(p) => serde_json::to_value(p),
            Payload::ExchangeClose(p) => serde_json::to_value(p),
            Payload::AuditOpen(p) => serde_json::to_value(p),
            Payload::AuditFinding(p) => serde_json::to_value(p),
            Payload::AuditAttest(p) => serde_json::to_value(p),
            Payload::SharingGroup(p) => serde_json::to_value(p),
            Payload::IntelShare(p) => serde_json::to_value(p),
            Payload::IntelWithdraw(p) => serde_json::to_value(p),
        };
        // Serializing these plain structs cannot fail (no maps with non-string keys).
        v.unwrap_or(serde_json::Value::Null)
    }

    /// The confidential evidence a report attaches, as (JSON pointer, id) pairs.
    pub fn evidence_refs(&self) -> Vec<(String, &crate::ids::EvidenceId)> {
        fn list<'a>(
            member: &str,
            v: &'a [crate::ids::EvidenceId],
        ) -> Vec<(String, &'a crate::ids::EvidenceId)> {
            v.iter()
                .enumerate()
                .map(|(i, id)| (format!("/payload/{member}/{i}"), id))
                .collect()
        }
        match self {
            Payload::IncidentReport(r) => list("attachments", &r.attachments),
            Payload::RemediationReport(r) => list("attachments", &r.attachments),
            Payload::TestingDeclaration(r) => list("attachments", &r.attachments),
            Payload::SelfAssessment(r) => list("attachments", &r.attachments),
            Payload::ExchangeOpen(o) => list("attachments", &o.attachments),
            Payload::ExchangeAnswer(a) => list("attachments", &a.attachments),
            Payload::CaseAllege(a) => list("evidence", &a.evidence),
            Payload::CaseRespond(r) => list("evidence", &r.evidence),
            Payload::AttributionClaim(c) => c
                .evidence
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    e.attachment
                        .as_ref()
                        .map(|id| (format!("/payload/evidence/{i}/attachment"), id))
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The JSON Schema (2020-12) of the payload of `entry_type` at schema version `schema`, as
/// this version accepts it (unknown members refused, every field typed).
pub fn payload_schema(entry_type: &str, schema: u32) -> Option<serde_json::Value> {
    fn of<T: schemars::JsonSchema>() -> serde_json::Value {
        schemars::SchemaGenerator::default()
            .into_root_schema_for::<T>()
            .to_value()
    }
    if !ENTRY_TYPES.contains(&(entry_type, schema)) {
        return None;
    }
    Some(match entry_type {
        GENESIS => of::<Genesis>(),
        PARTY_REGISTER => of::<PartyRegistration>(),
        PARTY_ROTATE_KEY => of::<KeyRotation>(),
        PARTY_REVOKE_KEY => of::<KeyRevocation>(),
        POC_DECLARE => of::<PocDeclaration>(),
        POC_CHECK => of::<ReachabilityCheck>(),
        POC_ACK => of::<ReachabilityAck>(),
        REGIME_ESTABLISH => of::<Charter>(),
        INSTRUMENT_PROPOSE => of::<Proposal>(),
        INSTRUMENT_COMMENT => of::<Comment>(),
        INSTRUMENT_AMEND => of::<Amendment>(),
        INSTRUMENT_ACCEPT => of::<AmendmentAcceptance>(),
        INSTRUMENT_POSITION => of::<Position>(),
        INSTRUMENT_DECIDE => of::<Closing>(),
        INSTRUMENT_SIGN => of::<Signature>(),
        COMMITMENT_MAKE => of::<CommitmentMade>(),
        COMMITMENT_WITHDRAW => of::<CommitmentWithdrawn>(),
        REPORT_INCIDENT => of::<IncidentReport>(),
        REPORT_REMEDIATION => of::<RemediationReport>(),
        REPORT_TESTING => of::<TestingDeclaration>(),
        REPORT_ATTRIBUTION => of::<AttributionClaim>(),
        REPORT_CORROBORATE => of::<Corroboration>(),
        REPORT_RETRACT => of::<Retraction>(),
        REPORT_SELF_ASSESSMENT => of::<SelfAssessment>(),
        REPORT_DISCLOSURE => of::<DisclosureReport>(),
        TOKEN_ISSUE => of::<TokenIssue>(),
        TOKEN_REVOKE => of::<TokenRevoke>(),
        EVIDENCE_COMMIT => of::<EvidenceCommit>(),
        EVIDENCE_GRANT => of::<EvidenceGrant>(),
        EVIDENCE_READ => of::<EvidenceRead>(),
        EVIDENCE_ERASE => of::<EvidenceErase>(),
        CASE_ALLEGE => of::<Allegation>(),
        CASE_JOIN => of::<Joining>(),
        CASE_ADMISSIBILITY => of::<Admissibility>(),
        CASE_RESPOND => of::<Response>(),
        CASE_CONVENE => of::<Convening>(),
        CASE_VOTE => of::<Vote>(),
        CASE_APPEAL => of::<Appeal>(),
        CASE_PLAN => of::<RemediationPlan>(),
        CASE_VERIFY => of::<RemediationVerified>(),
        CASE_REVIEW => of::<Review>(),
        CASE_REFUSAL => of::<Refusal>(),
        EXCHANGE_OPEN => of::<Opening>(),
        EXCHANGE_ANSWER => of::<Answer>(),
        EXCHANGE_ESCALATE => of::<Escalation>(),
        EXCHANGE_CLOSE => of::<ExchangeClosing>(),
        AUDIT_OPEN => of::<AuditOpening>(),
        AUDIT_FINDING => of::<AuditFinding>(),
        AUDIT_ATTEST => of::<Attestation>(),
        SHARING_GROUP => of::<GroupDeclaration>(),
        INTEL_SHARE => of::<IntelShare>(),
        INTEL_WITHDRAW => of::<IntelWithdraw>(),
        _ => return None,
    })
}

fn typed<T: serde::de::DeserializeOwned>(payload: &serde_json::Value) -> Result<T, Rejection> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let mut pointer = "/payload".to_owned();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        let inner = e.into_inner().to_string();
        // serde names a missing member in its message and points at the object that lacks
        // it; point at the member itself.
        if inner.starts_with("missing field") {
            if let Some(name) = inner.split('`').nth(1) {
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
        }
        let rule = if inner.starts_with("unknown field") {
            "unknown-member"
        } else if inner.starts_with("missing field") {
            "missing-member"
        } else if inner.starts_with("invalid type") {
            "wrong-type"
        } else {
            "invalid-value"
        };
        Rejection::malformed(rule, pointer, inner)
    })
}
