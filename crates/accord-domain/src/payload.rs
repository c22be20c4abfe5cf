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

/// Declares every entry type once: its `Payload` variant and payload type, its wire name (and
/// the constant naming it) and its schema version. Parsing, the wire name, serialization,
/// the list of entry types and the published JSON Schemas all follow from this one table.
macro_rules! entry_types {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $name:ident: $wire:literal, schema $schema:literal, in $route:ident; )*) => {
        /// A parsed, typed payload.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Payload {
            $( $(#[$doc])* $variant($ty), )*
        }

        $(
            #[doc = concat!("The entry type `", $wire, "`.")]
            pub const $name: &str = $wire;
        )*

        /// Every entry type this version accepts, with its schema version.
        pub const ENTRY_TYPES: &[(&str, u32)] = &[ $( ($wire, $schema), )* ];

        impl Payload {
            /// The typed payload of an entry of type `entry_type`, if the type is known.
            fn parse_typed(
                entry_type: &str,
                payload: &serde_json::Value,
            ) -> Result<Option<Payload>, Rejection> {
                Ok(Some(match entry_type {
                    $( $wire => Payload::$variant(typed(payload)?), )*
                    _ => return Ok(None),
                }))
            }

            /// The entry type this payload is sent as.
            pub fn entry_type(&self) -> &'static str {
                match self {
                    $( Payload::$variant(_) => $wire, )*
                }
            }

            /// The payload as a JSON value, ready to sign.
            pub fn to_value(&self) -> serde_json::Value {
                let v = match self {
                    $( Payload::$variant(p) => serde_json::to_value(p), )*
                };
                // Serializing these plain structs cannot fail (no maps with non-string keys).
                v.unwrap_or(serde_json::Value::Null)
            }
        }

        /// The JSON Schema of the payload type of `entry_type`, if the type is known.
        fn schema_of(entry_type: &str) -> Option<serde_json::Value> {
            fn of<T: schemars::JsonSchema>() -> serde_json::Value {
                schemars::SchemaGenerator::default()
                    .into_root_schema_for::<T>()
                    .to_value()
            }
            Some(match entry_type {
                $( $wire => of::<$ty>(), )*
                _ => return None,
            })
        }
    };
}

/// The one table of entry types, handed to a macro: each row is a `Payload` variant with its
/// payload type, the constant naming its wire name, its schema version, and the part of the
/// state its `Admit` impl folds into (`in cases`: the `State` field the cases sub-domain
/// owns). `entry_types!` below and the dispatch in `state.rs` both read it, so a new entry
/// type is one line here beside its payload and `impl Admit`.
macro_rules! entry_table {
    ($callback:ident) => {
        $callback! {
            /// `instance.genesis` v1 (boxed: it is large and occurs once).
            Genesis(Box<Genesis>) = GENESIS: "instance.genesis", schema 1, in registry;
            /// `party.register` v1.
            PartyRegister(PartyRegistration) = PARTY_REGISTER: "party.register", schema 1, in registry;
            /// `party.rotate_key` v1.
            KeyRotate(KeyRotation) = PARTY_ROTATE_KEY: "party.rotate_key", schema 1, in registry;
            /// `party.revoke_key` v1.
            KeyRevoke(KeyRevocation) = PARTY_REVOKE_KEY: "party.revoke_key", schema 1, in registry;
            /// `poc.declare` v1.
            PocDeclare(PocDeclaration) = POC_DECLARE: "poc.declare", schema 1, in registry;
            /// `poc.check` v1.
            PocCheck(ReachabilityCheck) = POC_CHECK: "poc.check", schema 1, in registry;
            /// `poc.ack` v1.
            PocAck(ReachabilityAck) = POC_ACK: "poc.ack", schema 1, in registry;
            /// `regime.establish` v1 (boxed: large, once per instance).
            RegimeEstablish(Box<Charter>) = REGIME_ESTABLISH: "regime.establish", schema 1, in regime;
            /// `instrument.propose` v1.
            InstrumentPropose(Box<Proposal>) = INSTRUMENT_PROPOSE: "instrument.propose", schema 1, in regime;
            /// `instrument.comment` v1.
            InstrumentComment(Comment) = INSTRUMENT_COMMENT: "instrument.comment", schema 1, in regime;
            /// `instrument.amend` v1.
            InstrumentAmend(Box<Amendment>) = INSTRUMENT_AMEND: "instrument.amend", schema 1, in regime;
            /// `instrument.accept_amendment` v1.
            InstrumentAccept(AmendmentAcceptance) = INSTRUMENT_ACCEPT: "instrument.accept_amendment", schema 1, in regime;
            /// `instrument.position` v1.
            InstrumentPosition(Position) = INSTRUMENT_POSITION: "instrument.position", schema 1, in regime;
            /// `instrument.decide` v1.
            InstrumentDecide(Closing) = INSTRUMENT_DECIDE: "instrument.decide", schema 1, in regime;
            /// `instrument.sign` v1.
            InstrumentSign(Signature) = INSTRUMENT_SIGN: "instrument.sign", schema 1, in regime;
            /// `commitment.make` v1.
            CommitmentMake(CommitmentMade) = COMMITMENT_MAKE: "commitment.make", schema 1, in commitments;
            /// `commitment.withdraw` v1.
            CommitmentWithdraw(CommitmentWithdrawn) = COMMITMENT_WITHDRAW: "commitment.withdraw", schema 1, in commitments;
            /// `report.incident` v1.
            IncidentReport(IncidentReport) = REPORT_INCIDENT: "report.incident", schema 1, in incidents;
            /// `report.remediation` v1.
            RemediationReport(RemediationReport) = REPORT_REMEDIATION: "report.remediation", schema 1, in remediations;
            /// `report.testing_declaration` v1.
            TestingDeclaration(TestingDeclaration) = REPORT_TESTING: "report.testing_declaration", schema 1, in testing;
            /// `report.attribution` v1.
            AttributionClaim(AttributionClaim) = REPORT_ATTRIBUTION: "report.attribution", schema 1, in attributions;
            /// `report.attribution_corroborate` v1.
            Corroboration(Corroboration) = REPORT_CORROBORATE: "report.attribution_corroborate", schema 1, in attributions;
            /// `report.attribution_retract` v1.
            Retraction(Retraction) = REPORT_RETRACT: "report.attribution_retract", schema 1, in attributions;
            /// `report.self_assessment` v1.
            SelfAssessment(SelfAssessment) = REPORT_SELF_ASSESSMENT: "report.self_assessment", schema 1, in assessments;
            /// `report.vulnerability_disclosure` v2 (boxed: it carries a whole advisory; v1: the
            /// CSAF tests but 6.1.11 and 6.1.12, `accord_csaf::Edition::V1`).
            Disclosure(Box<DisclosureReport>) = REPORT_DISCLOSURE: "report.vulnerability_disclosure", schema 2, in disclosures;
            /// `party.token_issue` v1.
            TokenIssue(TokenIssue) = TOKEN_ISSUE: "party.token_issue", schema 1, in tokens;
            /// `party.token_revoke` v1.
            TokenRevoke(TokenRevoke) = TOKEN_REVOKE: "party.token_revoke", schema 1, in tokens;
            /// `evidence.commit` v1.
            EvidenceCommit(EvidenceCommit) = EVIDENCE_COMMIT: "evidence.commit", schema 1, in evidence;
            /// `evidence.grant` v1.
            EvidenceGrant(EvidenceGrant) = EVIDENCE_GRANT: "evidence.grant", schema 1, in evidence;
            /// `evidence.read` v1 (signed by the instance key).
            EvidenceRead(EvidenceRead) = EVIDENCE_READ: "evidence.read", schema 1, in evidence;
            /// `evidence.erase` v1.
            EvidenceErase(EvidenceErase) = EVIDENCE_ERASE: "evidence.erase", schema 1, in evidence;
            /// `case.allege` v1.
            CaseAllege(Allegation) = CASE_ALLEGE: "case.allege", schema 1, in cases;
            /// `case.join` v1.
            CaseJoin(Joining) = CASE_JOIN: "case.join", schema 1, in cases;
            /// `case.admissibility` v1.
            CaseAdmissibility(Admissibility) = CASE_ADMISSIBILITY: "case.admissibility", schema 1, in cases;
            /// `case.respond` v1.
            CaseRespond(Response) = CASE_RESPOND: "case.respond", schema 1, in cases;
            /// `case.convene` v1.
            CaseConvene(Convening) = CASE_CONVENE: "case.convene", schema 1, in cases;
            /// `case.vote` v1.
            CaseVote(Vote) = CASE_VOTE: "case.vote", schema 1, in cases;
            /// `case.appeal` v1.
            CaseAppeal(Appeal) = CASE_APPEAL: "case.appeal", schema 1, in cases;
            /// `case.remediation_plan` v1.
            CasePlan(RemediationPlan) = CASE_PLAN: "case.remediation_plan", schema 1, in cases;
            /// `case.verify_remediation` v1.
            CaseVerify(RemediationVerified) = CASE_VERIFY: "case.verify_remediation", schema 1, in cases;
            /// `case.review` v1.
            CaseReview(Review) = CASE_REVIEW: "case.review", schema 1, in cases;
            /// `case.refusal` v1.
            CaseRefusal(Refusal) = CASE_REFUSAL: "case.refusal", schema 1, in cases;
            /// `exchange.open` v1.
            ExchangeOpen(Opening) = EXCHANGE_OPEN: "exchange.open", schema 1, in exchanges;
            /// `exchange.answer` v1.
            ExchangeAnswer(Answer) = EXCHANGE_ANSWER: "exchange.answer", schema 1, in exchanges;
            /// `exchange.escalate` v1.
            ExchangeEscalate(Escalation) = EXCHANGE_ESCALATE: "exchange.escalate", schema 1, in exchanges;
            /// `exchange.close` v1.
            ExchangeClose(ExchangeClosing) = EXCHANGE_CLOSE: "exchange.close", schema 1, in exchanges;
            /// `audit.open` v1.
            AuditOpen(AuditOpening) = AUDIT_OPEN: "audit.open", schema 1, in audits;
            /// `audit.finding` v1.
            AuditFinding(AuditFinding) = AUDIT_FINDING: "audit.finding", schema 1, in audits;
            /// `audit.attest` v1.
            AuditAttest(Attestation) = AUDIT_ATTEST: "audit.attest", schema 1, in audits;
            /// `sharing.group` v1.
            SharingGroup(GroupDeclaration) = SHARING_GROUP: "sharing.group", schema 1, in sharing;
            /// `intel.share` v2 (v1: the first STIX rules, `accord_stix::Edition::V1`).
            IntelShare(Box<IntelShare>) = INTEL_SHARE: "intel.share", schema 2, in sharing;
            /// `intel.withdraw` v1.
            IntelWithdraw(IntelWithdraw) = INTEL_WITHDRAW: "intel.withdraw", schema 1, in sharing;
            /// `credential.issue` v1.
            CredentialIssue(Box<crate::credentials::CredentialIssue>) = CREDENTIAL_ISSUE: "credential.issue", schema 1, in credentials;
        }
    };
}
pub(crate) use entry_table;

entry_table!(entry_types);

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
            Some((_, v)) if envelope.schema == 0 || envelope.schema > *v => {
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
        Payload::parse_typed(ty, &envelope.payload)?.ok_or_else(|| {
            Rejection::malformed(
                "unknown-entry-type",
                "/type",
                format!("entry type `{ty}` is not known"),
            )
        })
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

/// The schema version new entries of `entry_type` are submitted at, if the type is known.
///
/// An entry's `schema` is also the version of the rules that judge it. When a rule of an
/// entry type tightens (a validator learns to refuse more), the type's row in `entry_table!`
/// moves to the next version and the rule branches on [`crate::admission::Submitted::schema`]:
/// entries logged at the older version keep being judged by the older rule on every replay,
/// so an old, valid log never fails `accord verify`; new submissions must use the current
/// version ([`current_schema`] is what the sequencer holds them to).
pub fn current_schema(entry_type: &str) -> Option<u32> {
    ENTRY_TYPES
        .iter()
        .find(|(t, _)| *t == entry_type)
        .map(|(_, v)| *v)
}

/// Refuses a new submission at a retired schema version of its entry type (entries already
/// logged at it still replay; see [`current_schema`]).
pub fn require_current_schema(entry_type: &str, schema: u32) -> Result<(), Rejection> {
    match current_schema(entry_type) {
        Some(current) if (1..current).contains(&schema) => Err(Rejection::malformed(
            "retired-schema",
            "/schema",
            format!(
                "`{entry_type}` schema version {schema} is retired: new entries are submitted at version {current} (entries logged at version {schema} keep their meaning)"
            ),
        )),
        _ => Ok(()),
    }
}

/// The JSON Schema (2020-12) of the payload of `entry_type` at schema version `schema`, as
/// this version accepts it (unknown members refused, every field typed).
pub fn payload_schema(entry_type: &str, schema: u32) -> Option<serde_json::Value> {
    if current_schema(entry_type).is_none_or(|current| schema == 0 || schema > current) {
        return None;
    }
    schema_of(entry_type)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope_at(schema: u32) -> Envelope {
        let key = accord_envelope::KeyPair::generate();
        Envelope::sign(
            COMMITMENT_WITHDRAW,
            schema,
            serde_json::json!({"norm": "gge-j", "reason": "withdrawn"}),
            accord_envelope::Signer {
                party: "cert-a".parse().unwrap(),
                key: key.key_id(),
            },
            &key,
        )
        .unwrap()
    }

    #[test]
    fn versions_beyond_the_current_one_are_unsupported() {
        assert_eq!(current_schema(COMMITMENT_WITHDRAW), Some(1));
        assert_eq!(current_schema("commitment.forget"), None);
        assert!(Payload::from_envelope(&envelope_at(1)).is_ok());
        // (An envelope of schema 0 cannot be made: the envelope itself refuses it.)
        let err = Payload::from_envelope(&envelope_at(2)).unwrap_err();
        assert_eq!(err.rule, "unsupported-schema", "{err}");
        assert_eq!(err.pointer, "/schema");
        assert!(payload_schema(COMMITMENT_WITHDRAW, 1).is_some());
        assert!(payload_schema(COMMITMENT_WITHDRAW, 2).is_none());
        assert!(payload_schema(COMMITMENT_WITHDRAW, 0).is_none());
    }

    #[test]
    fn new_submissions_use_the_current_version() {
        for (entry_type, current) in ENTRY_TYPES {
            assert!(require_current_schema(entry_type, *current).is_ok());
            for retired in 1..*current {
                let err = require_current_schema(entry_type, retired).unwrap_err();
                assert_eq!(err.rule, "retired-schema");
                assert!(err.detail.contains("keep their meaning"), "{err}");
            }
            // Versions that never existed are refused by parsing, with their own rule.
            assert!(require_current_schema(entry_type, 0).is_ok());
            assert!(require_current_schema(entry_type, current + 1).is_ok());
        }
    }
}
