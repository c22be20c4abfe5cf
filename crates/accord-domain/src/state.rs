//! The projected state of an instance and the pure functions that fold entries into it.
//!
//! [`State::check`] decides whether an envelope may be appended (roles and domain rules);
//! [`State::apply`] folds an accepted entry in. Neither reads a clock or does I/O: time is the
//! entry's `sequenced_at`, so replaying the log reproduces the state bit for bit, and
//! [`State::seal_batch`] chains a digest over it that `accord verify` recomputes.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::{canonical, Envelope, PartyId, PublicKey};
use sha2::{Digest, Sha256};

use crate::admission::{Admit, Signer, Submitted};
use crate::cbm::Exchanges;
use crate::commitments::Commitments;
use crate::enforcement::{Audits, Cases};
use crate::entry::EntryRef;
use crate::evidence::Evidences;
use crate::ids::CheckId;
use crate::norms::negotiation::{Regime, Touched};
use crate::payload::{Payload, CASE_REFUSAL, EVIDENCE_READ, GENESIS};
use crate::registry::Genesis;
use crate::registry::{CheckRecord, Instance, Party, Registry, RegistryRecord, INSTANCE_SIGNER};
use crate::reports::assessment::Assessments;
use crate::reports::attribution::Attributions;
use crate::reports::disclosure::Disclosures;
use crate::reports::remediation::Remediations;
use crate::reports::testing::TestingDeclarations;
use crate::reports::Incidents;
use crate::rules::Rejection;
use crate::time::Timestamp;
use crate::tokens::Tokens;

/// Entry types the instance key signs after genesis: records of what the server itself did.
pub const INSTANCE_ENTRY_TYPES: &[&str] = &[
    EVIDENCE_READ,
    CASE_REFUSAL,
    crate::payload::INTEL_SHARE,
    crate::payload::INTEL_WITHDRAW,
];

/// A 32-byte state digest.
pub type StateDigest = [u8; 32];

/// Everything projected from the log. It serializes (with serde, in any self-describing
/// format) so that a node can start from a snapshot of it; the state digest never reads that
/// form, only each record's canonical JSON (see [`State::seal_batch`]).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct State {
    registry: Registry,
    regime: Option<Regime>,
    commitments: Commitments,
    incidents: Incidents,
    remediations: Remediations,
    testing: TestingDeclarations,
    attributions: Attributions,
    assessments: Assessments,
    disclosures: Disclosures,
    tokens: Tokens,
    evidence: Evidences,
    cases: Cases,
    audits: Audits,
    exchanges: Exchanges,
    sharing: crate::sharing::Sharing,
    #[serde(default)]
    credentials: crate::credentials::Credentials,
    size: u64,
    last_at: Timestamp,
    /// The highest schema version logged so far, per entry type: an entry never goes back
    /// below it (see [`State::check`]).
    schemas: BTreeMap<String, u32>,
    /// Empty between batches, which is the only time a state is snapshotted.
    #[serde(skip)]
    touched: BTreeSet<RecordKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RecordKey {
    Instance,
    Party(PartyId),
    Check(CheckId),
    Regime(Touched),
    Commitment(PartyId, crate::ids::NormId),
    Incident(PartyId, crate::ids::ShortText),
    Remediation(PartyId, crate::ids::ShortText),
    Testing(PartyId, crate::ids::ShortText),
    Claim(PartyId, crate::ids::ShortText),
    Assessment(PartyId, crate::ids::NormId),
    Disclosure(PartyId, crate::ids::ShortText),
    Token(String),
    Evidence(PartyId, crate::ids::EvidenceId),
    Case(crate::ids::CaseId),
    PanelLoad,
    Audit(crate::ids::AuditId),
    AuditLoad,
    Exchange(crate::ids::ExchangeId),
    Group(crate::ids::GroupId),
    Intel(crate::ids::GroupId, String),
    Credential(u64),
}

impl RecordKey {
    fn name(&self) -> String {
        match self {
            RecordKey::Instance => "instance".to_owned(),
            RecordKey::Party(p) => format!("party/{p}"),
            RecordKey::Check(c) => format!("check/{c}"),
            RecordKey::Regime(Touched::Charter) => "charter".to_owned(),
            RecordKey::Regime(Touched::Norm(n)) => format!("norm/{n}"),
            RecordKey::Regime(Touched::Catalog(v)) => format!("catalog/{v}"),
            RecordKey::Regime(Touched::Profile(r)) => format!("profile/{r}"),
            RecordKey::Regime(Touched::Instrument(i)) => format!("instrument/{i}"),
            RecordKey::Regime(Touched::Policy(v)) => format!("policy/{v}"),
            RecordKey::Regime(Touched::Accreditation(p)) => format!("accreditation/{p}"),
            RecordKey::Regime(Touched::Recognition(o)) => format!("recognition/{o}"),
            RecordKey::Regime(Touched::Scheme(s)) => format!("scheme/{s}"),
            RecordKey::Commitment(p, n) => format!("commitment/{p}/{n}"),
            RecordKey::Incident(p, i) => format!("incident/{p}/{i}"),
            RecordKey::Remediation(p, i) => format!("remediation/{p}/{i}"),
            RecordKey::Testing(p, t) => format!("testing/{p}/{t}"),
            RecordKey::Claim(p, c) => format!("claim/{p}/{c}"),
            RecordKey::Assessment(p, n) => format!("assessment/{p}/{n}"),
            RecordKey::Disclosure(p, t) => format!("disclosure/{p}/{t}"),
            RecordKey::Token(h) => format!("token/{h}"),
            RecordKey::Evidence(p, e) => format!("evidence/{p}/{e}"),
            RecordKey::Case(c) => format!("case/{c}"),
            RecordKey::PanelLoad => "panel-load".to_owned(),
            RecordKey::Audit(a) => format!("audit/{a}"),
            RecordKey::AuditLoad => "audit-load".to_owned(),
            RecordKey::Exchange(x) => format!("exchange/{x}"),
            RecordKey::Group(g) => format!("group/{g}"),
            RecordKey::Intel(c, id) => format!("intel/{c}/{id}"),
            RecordKey::Credential(n) => format!("credential/{n}"),
        }
    }
}

impl State {
    /// The empty state before genesis.
    pub fn new() -> Self {
        Self::default()
    }

    /// The instance, once founded.
    pub fn instance(&self) -> Option<&Instance> {
        self.registry.instance()
    }

    /// Number of entries folded in.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Timestamp of the last entry folded in (log time "now").
    pub fn last_at(&self) -> Timestamp {
        self.last_at
    }

    /// All parties by id.
    pub fn parties(&self) -> &BTreeMap<PartyId, Party> {
        self.registry.parties()
    }

    /// One party.
    pub fn party(&self, id: &PartyId) -> Option<&Party> {
        self.registry.party(id)
    }

    /// The negotiated regime (catalog, profiles, instruments), once established.
    pub fn regime(&self) -> Option<&Regime> {
        self.regime.as_ref()
    }

    /// Commitments of every party.
    pub fn commitments(&self) -> &Commitments {
        &self.commitments
    }

    /// Incident notifications of every party.
    pub fn incidents(&self) -> &Incidents {
        &self.incidents
    }

    /// Remediation items of every party.
    pub fn remediations(&self) -> &Remediations {
        &self.remediations
    }

    /// Testing declarations of every party.
    pub fn testing(&self) -> &TestingDeclarations {
        &self.testing
    }

    /// Attribution claims of every party.
    pub fn attributions(&self) -> &Attributions {
        &self.attributions
    }

    /// Self-assessments of every party.
    pub fn assessments(&self) -> &Assessments {
        &self.assessments
    }

    /// Vulnerability disclosures of every party.
    pub fn disclosures(&self) -> &Disclosures {
        &self.disclosures
    }

    /// API tokens (by hash) and whom they authenticate.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// Confidential evidence items: commitments, grants, reads, erasures.
    pub fn evidence(&self) -> &Evidences {
        &self.evidence
    }

    /// Certification credentials issued.
    pub fn credentials(&self) -> &crate::credentials::Credentials {
        &self.credentials
    }

    /// The status of credential `number` at log time `at`, if it exists.
    pub fn credential_status(
        &self,
        number: u64,
        at: Timestamp,
    ) -> Option<crate::credentials::Status> {
        let c = self.credentials.get(number)?;
        Some(crate::credentials::status(
            c,
            self.regime.as_ref()?,
            &self.cases,
            at,
        ))
    }

    /// The suspension and revocation status lists at log time `at`.
    pub fn status_lists(&self, at: Timestamp) -> [accord_vc::status::Bitstring; 2] {
        crate::credentials::status_lists(&self.credentials, self.regime.as_ref(), &self.cases, at)
    }

    /// The registry as panel and audit draws read it.
    pub fn roster(&self) -> crate::enforcement::cases::Roster<'_> {
        roster(&self.registry, self.regime.as_ref())
    }

    /// The standing of `party` at log time `now`: standing, tier and incentive eligibility
    /// with their causes ([`crate::enforcement::standing`]).
    pub fn standing(&self, party: &PartyId, now: Timestamp) -> crate::enforcement::Standing {
        crate::enforcement::standing::standing(
            crate::enforcement::standing::StandingInputs {
                regime: self.regime.as_ref(),
                cases: &self.cases,
                remediations: &self.remediations,
                incidents: &self.incidents,
            },
            party,
            now,
        )
    }

    /// Every report past its deadline with nothing filed at `now` (of `party`, if given).
    pub fn overdue(
        &self,
        party: Option<&PartyId>,
        now: Timestamp,
    ) -> Vec<crate::reports::overdue::OverdueItem> {
        crate::reports::overdue::overdue(&self.incidents, &self.remediations, party, now)
    }

    /// The case steps that fall to `party` at `now`, soonest first.
    pub fn steps_due(
        &self,
        party: &Party,
        now: Timestamp,
    ) -> Vec<crate::enforcement::cases::StepDue> {
        match &self.regime {
            Some(regime) => self.cases.due_for(regime, party, now),
            None => Vec::new(),
        }
    }

    /// When each party with commitments that count is next due for a scheduled audit.
    pub fn audit_schedule(
        &self,
        now: Timestamp,
    ) -> Vec<crate::enforcement::audits::ScheduledAudit> {
        match &self.regime {
            Some(regime) => crate::enforcement::audits::schedule(
                regime,
                self.registry.parties(),
                &self.commitments,
                &self.audits,
                now,
            ),
            None => Vec::new(),
        }
    }

    /// Enforcement cases.
    pub fn cases(&self) -> &Cases {
        &self.cases
    }

    /// Audits and peer reviews.
    pub fn audits(&self) -> &Audits {
        &self.audits
    }

    /// Bilateral exchanges on the escalation ladder.
    pub fn exchanges(&self) -> &Exchanges {
        &self.exchanges
    }

    /// Shared threat intelligence: groups, collections, sightings.
    pub fn sharing(&self) -> &crate::sharing::Sharing {
        &self.sharing
    }

    /// The sharing reader `party` is at log time `now` (its region and access tier).
    pub fn sharing_reader(
        &self,
        party: &PartyId,
        now: Timestamp,
    ) -> Option<crate::sharing::Reader> {
        let p = self.registry.party(party)?;
        Some(crate::sharing::Reader {
            party: p.id.clone(),
            region: p.region.clone(),
            tier: self.standing(party, now).tier,
        })
    }

    /// Whether `reader` may read `owner`'s evidence item `id` at log time `at`, and on what
    /// basis (the evidence rules, plus auditors of an audit of `owner` open at `at`).
    pub fn evidence_access(
        &self,
        owner: &PartyId,
        id: &crate::ids::EvidenceId,
        reader: &PartyId,
        at: Timestamp,
    ) -> Result<crate::evidence::AccessBasis, crate::evidence::Denied> {
        let (Some(o), Some(r)) = (self.registry.party(owner), self.registry.party(reader)) else {
            return Err(crate::evidence::Denied::Unknown);
        };
        self.evidence.access(
            o,
            id,
            r,
            at,
            reader_standing(
                &self.audits,
                &self.cases,
                self.regime.as_ref(),
                reader,
                owner,
                at,
            ),
        )
    }

    /// All reachability checks by id.
    pub fn checks(&self) -> &BTreeMap<CheckId, CheckRecord> {
        self.registry.checks()
    }

    /// The key that must have signed `env`, given the registry as it stands: the signer's key
    /// if it exists and is active, or for the genesis entry the instance key it declares.
    pub fn signing_key(&self, env: &Envelope) -> Result<PublicKey, Rejection> {
        if env.entry_type == GENESIS && self.registry.instance().is_none() {
            let genesis: Genesis = match Payload::from_envelope(env)? {
                Payload::Genesis(g) => *g,
                _ => unreachable!("GENESIS parses as Payload::Genesis"),
            };
            if env.signer.party.as_str() != INSTANCE_SIGNER {
                return Err(Rejection::unauthorized(
                    "genesis-signer",
                    "/signer/party",
                    format!("the genesis entry is signed as party `{INSTANCE_SIGNER}`"),
                ));
            }
            return Ok(genesis.instance_key);
        }
        if env.signer.party.as_str() == INSTANCE_SIGNER {
            let instance = self.registry.instance().ok_or_else(|| {
                Rejection::conflict("no-genesis", "/type", "the log has no genesis entry yet")
            })?;
            if env.signer.key != instance.instance_key.key_id() {
                return Err(Rejection::unauthorized(
                    "unknown-key",
                    "/signer/key",
                    format!("`{}` is not the instance key", env.signer.key),
                ));
            }
            if env.entry_type == GENESIS {
                return Err(Rejection::conflict(
                    "genesis-exists",
                    "/type",
                    "this instance already has its genesis entry",
                ));
            }
            if !INSTANCE_ENTRY_TYPES.contains(&env.entry_type.as_str()) {
                return Err(Rejection::forbidden(
                    "instance-signer",
                    "/signer/party",
                    format!(
                        "the instance key signs only {}; `{}` entries are signed by a party",
                        INSTANCE_ENTRY_TYPES.join(", "),
                        env.entry_type
                    ),
                ));
            }
            return Ok(instance.instance_key);
        }
        self.registry.active_key(&env.signer.party, &env.signer.key)
    }

    /// Checks an envelope (whose signature the caller verified with [`State::signing_key`])
    /// against roles and domain rules; returns its typed payload.
    pub fn check(&self, env: &Envelope, at: Timestamp) -> Result<Payload, Rejection> {
        let payload = Payload::from_envelope(env)?;
        if at < self.last_at {
            return Err(Rejection::conflict(
                "clock-went-back",
                "",
                format!(
                    "entry time {at} is before the previous entry's {}; log time never goes back",
                    self.last_at
                ),
            ));
        }
        if let Some(&highest) = self.schemas.get(&env.entry_type) {
            if env.schema < highest {
                return Err(Rejection::conflict(
                    "schema-went-back",
                    "/schema",
                    format!(
                        "`{}` entries are logged at schema {highest} already; one at schema {} would judge a new entry by retired rules. A log's schema versions never go back",
                        env.entry_type, env.schema
                    ),
                ));
            }
        }
        if self.registry.instance().is_none() && !matches!(payload, Payload::Genesis(_)) {
            return Err(Rejection::conflict(
                "no-genesis",
                "/type",
                "the log is empty: its first entry must be `instance.genesis`",
            ));
        }
        let signer = if env.signer.party.as_str() == INSTANCE_SIGNER {
            Signer::Instance
        } else {
            // signing_key already established the signer is a registered party with an
            // active key.
            let signer = self.registry.party(&env.signer.party).ok_or_else(|| {
                Rejection::unauthorized(
                    "unknown-signer",
                    "/signer/party",
                    "signer is not registered",
                )
            })?;
            self.registry
                .check_key_usable(signer, &env.signer.key, at)?;
            self.evidence
                .check_refs(&signer.id, &payload.evidence_refs())?;
            Signer::Party(signer)
        };
        let by = Submitted {
            entry_type: &env.entry_type,
            signer,
            at,
            index: self.size,
            schema: env.schema,
        };
        let drawn = Drawn {
            envelope: env,
            index: self.size,
            at,
        };
        self.check_admitted(&payload, &by, &drawn)?;
        if let Payload::CredentialIssue(issue) = &payload {
            let key = self.signing_key(env)?;
            crate::certification::check_issue(self, issue, &by, &key)?;
        }
        Ok(payload)
    }

    /// Folds a checked entry into the state. `payload` must come from [`State::check`] on
    /// this same state; entries are applied in log order with `index == self.size()`.
    pub fn apply(&mut self, index: u64, at: Timestamp, env: &Envelope, payload: Payload) {
        let here = EntryRef { index, at };
        self.size = index + 1;
        self.last_at = at;
        let highest = self.schemas.entry(env.entry_type.clone()).or_default();
        *highest = (*highest).max(env.schema);
        let drawn = Drawn {
            envelope: env,
            index,
            at,
        };
        self.apply_admitted(payload, &env.signer.party, here, &drawn);
    }

    /// Closes a batch: returns the state digest after it, chained from `previous` (the digest
    /// after the previous batch, all zeros before the first).
    ///
    /// The digest is SHA-256 over a domain tag, the previous digest, the log size, and the
    /// canonical JSON of every record the batch touched, in record-key order. Because each
    /// digest commits to the previous one, equal digests mean equal states at every batch.
    pub fn seal_batch(&mut self, previous: &StateDigest) -> StateDigest {
        let mut h = Sha256::new();
        h.update(b"accord-state-digest-v1\n");
        h.update(previous);
        h.update(self.size.to_be_bytes());
        for key in std::mem::take(&mut self.touched) {
            let record = match &key {
                RecordKey::Instance => self.registry.instance().map(canonical::to_canonical),
                RecordKey::Party(p) => self.registry.party(p).map(canonical::to_canonical),
                RecordKey::Check(c) => self.registry.checks().get(c).map(canonical::to_canonical),
                RecordKey::Regime(t) => self.regime.as_ref().and_then(|r| regime_record(r, t)),
                RecordKey::Commitment(p, n) => {
                    self.commitments.get(p, n).map(canonical::to_canonical)
                }
                RecordKey::Incident(p, i) => self
                    .incidents
                    .of(p)
                    .and_then(|m| m.get(i))
                    .map(canonical::to_canonical),
                RecordKey::Remediation(p, i) => self
                    .remediations
                    .of(p)
                    .and_then(|m| m.get(i))
                    .map(canonical::to_canonical),
                RecordKey::Testing(p, t) => self
                    .testing
                    .of(p)
                    .and_then(|m| m.get(t))
                    .map(canonical::to_canonical),
                RecordKey::Claim(p, c) => self
                    .attributions
                    .of(p)
                    .and_then(|m| m.get(c))
                    .map(canonical::to_canonical),
                RecordKey::Token(h) => self.tokens.get(h).map(canonical::to_canonical),
                RecordKey::Disclosure(p, t) => self
                    .disclosures
                    .of(p)
                    .and_then(|m| m.get(t))
                    .map(canonical::to_canonical),
                RecordKey::Evidence(p, e) => self.evidence.get(p, e).map(canonical::to_canonical),
                RecordKey::Case(c) => self.cases.get(c).map(canonical::to_canonical),
                RecordKey::PanelLoad => Some(canonical::to_canonical(self.cases.load())),
                RecordKey::Audit(a) => self.audits.get(a).map(canonical::to_canonical),
                RecordKey::AuditLoad => Some(canonical::to_canonical(self.audits.load())),
                RecordKey::Exchange(x) => self.exchanges.get(x).map(canonical::to_canonical),
                RecordKey::Group(g) => self.sharing.groups().get(g).map(canonical::to_canonical),
                RecordKey::Intel(c, id) => {
                    Some(canonical::to_canonical(&self.sharing.record_of(c, id)))
                }
                RecordKey::Assessment(p, n) => {
                    Some(canonical::to_canonical(self.assessments.of_norm(p, n)))
                }
                RecordKey::Credential(n) => self.credentials.get(*n).map(canonical::to_canonical),
            };
            // Records are plain structs of strings and safe integers; canonicalisation cannot
            // fail, and an absent record (never the case today) hashes as empty.
            let bytes = record.and_then(Result::ok).unwrap_or_default();
            let name = key.name();
            h.update((name.len() as u32).to_be_bytes());
            h.update(name.as_bytes());
            h.update((bytes.len() as u32).to_be_bytes());
            h.update(&bytes);
        }
        h.finalize().into()
    }
}

/// The entry a draw is made for: the envelope asking for it, with the index and time the
/// sequencer gives it.
struct Drawn<'a> {
    envelope: &'a Envelope,
    index: u64,
    at: Timestamp,
}

impl Drawn<'_> {
    /// The seed of a panel or auditor draw: SHA-256 over a domain tag, the hash of the
    /// envelope that asks for the draw, and the index and time the sequencer gives it. The
    /// submitter cannot know the index and millisecond in advance, so it cannot compute the
    /// draw before submitting, and once its entry is accepted the draw is fixed.
    fn seed(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"accord-draw-v1\n");
        h.update(self.envelope.hash());
        h.update(self.index.to_be_bytes());
        h.update(self.at.unix_ms().to_be_bytes());
        h.finalize().into()
    }
}

/// How the enforcement sub-domain sees a reader of `owner`'s evidence at `at`: auditing it,
/// or under a measure that suspends its access.
fn reader_standing(
    audits: &Audits,
    cases: &Cases,
    regime: Option<&Regime>,
    reader: &PartyId,
    owner: &PartyId,
    at: Timestamp,
) -> crate::evidence::ReaderStanding {
    crate::evidence::ReaderStanding {
        auditing: audits.auditing(reader, owner, at),
        sharing_suspended: regime.is_some_and(|regime| {
            cases
                .measures_in_force(regime, reader, at)
                .contains(&crate::enforcement::Measure::SharingSuspended)
        }),
    }
}

/// Canonical JSON of one regime record, for the state digest.
fn regime_record(r: &Regime, t: &Touched) -> Option<Result<Vec<u8>, canonical::CanonicalError>> {
    match t {
        Touched::Charter => Some(canonical::to_canonical(&serde_json::json!({
            "title": r.title,
            "established": r.established,
            "parameters": r.parameters,
            "procedure": r.procedure,
        }))),
        Touched::Norm(n) => r.norms.get(n).map(canonical::to_canonical),
        Touched::Catalog(v) => r
            .catalog
            .get((*v as usize).checked_sub(1)?)
            .map(canonical::to_canonical),
        Touched::Profile(p) => r.profiles.get(p).map(canonical::to_canonical),
        Touched::Instrument(i) => r.instruments.get(i).map(canonical::to_canonical),
        Touched::Policy(v) => r
            .policies
            .get((*v as usize).checked_sub(1)?)
            .map(canonical::to_canonical),
        Touched::Accreditation(p) => r.accreditations.get(p).map(canonical::to_canonical),
        Touched::Recognition(o) => r.recognitions.get(o).map(canonical::to_canonical),
        Touched::Scheme(s) => r.schemes.get(s).map(canonical::to_canonical),
    }
}

/// What each sub-domain's rules read besides its own part (the route is the `State` field of
/// its part, as named in `payload::entry_table!`), for the entry `$drawn`.
macro_rules! inputs {
    (registry, $state:ident, $drawn:ident) => {
        ()
    };
    (tokens, $state:ident, $drawn:ident) => {
        ()
    };
    (credentials, $state:ident, $drawn:ident) => {
        crate::credentials::CredentialInputs {
            regime: $state.regime.as_ref(),
            audits: &$state.audits,
        }
    };
    (regime, $state:ident, $drawn:ident) => {
        crate::norms::negotiation::RegimeInputs {
            parties: $state.registry.parties(),
        }
    };
    (commitments, $state:ident, $drawn:ident) => {
        crate::commitments::CommitmentInputs {
            regime: $state.regime.as_ref(),
        }
    };
    (evidence, $state:ident, $drawn:ident) => {
        crate::evidence::EvidenceInputs {
            parties: $state.registry.parties(),
            standing: &|reader, owner, at| {
                reader_standing(
                    &$state.audits,
                    &$state.cases,
                    $state.regime.as_ref(),
                    reader,
                    owner,
                    at,
                )
            },
        }
    };
    (exchanges, $state:ident, $drawn:ident) => {
        crate::cbm::ExchangeInputs {
            regime: $state.regime.as_ref(),
            parties: $state.registry.parties(),
            cases: &$state.cases,
        }
    };
    (sharing, $state:ident, $drawn:ident) => {
        crate::sharing::SharingInputs {
            parties: $state.registry.parties(),
            tier: &|party, at| {
                crate::enforcement::standing::standing(
                    crate::enforcement::standing::StandingInputs {
                        regime: $state.regime.as_ref(),
                        cases: &$state.cases,
                        remediations: &$state.remediations,
                        incidents: &$state.incidents,
                    },
                    party,
                    at,
                )
                .tier
            },
        }
    };
    (cases, $state:ident, $drawn:ident) => {
        crate::enforcement::cases::CaseInputs {
            regime: $state.regime.as_ref(),
            roster: roster(&$state.registry, $state.regime.as_ref()),
            seed: $drawn.seed(),
        }
    };
    (audits, $state:ident, $drawn:ident) => {
        crate::enforcement::audits::AuditInputs {
            regime: $state.regime.as_ref(),
            cases: &$state.cases,
            roster: roster(&$state.registry, $state.regime.as_ref()),
            seed: $drawn.seed(),
        }
    };
    ($reports:ident, $state:ident, $drawn:ident) => {
        crate::reports::ReportInputs {
            regime: $state.regime.as_ref(),
            commitments: &$state.commitments,
            parties: $state.registry.parties(),
        }
    };
}

/// The registry as panel and audit draws read it.
fn roster<'a>(
    registry: &'a Registry,
    regime: Option<&'a Regime>,
) -> crate::enforcement::cases::Roster<'a> {
    crate::enforcement::cases::Roster {
        parties: registry.parties(),
        by_kind: registry.by_kind(),
        accredited: regime.map_or(&[], |r| &r.accredited[..]),
    }
}

/// The state-digest record of what a sub-domain's fold touched.
macro_rules! touched {
    (registry, $t:ident) => {
        match $t {
            RegistryRecord::Instance => RecordKey::Instance,
            RegistryRecord::Party(p) => RecordKey::Party(p),
            RegistryRecord::Check(c) => RecordKey::Check(c),
        }
    };
    (tokens, $t:ident) => {
        RecordKey::Token($t)
    };
    (credentials, $t:ident) => {
        RecordKey::Credential($t)
    };
    (regime, $t:ident) => {
        RecordKey::Regime($t)
    };
    (commitments, $t:ident) => {
        RecordKey::Commitment($t.0, $t.1)
    };
    (evidence, $t:ident) => {
        RecordKey::Evidence($t.0, $t.1)
    };
    (incidents, $t:ident) => {
        RecordKey::Incident($t.0, $t.1)
    };
    (remediations, $t:ident) => {
        RecordKey::Remediation($t.0, $t.1)
    };
    (testing, $t:ident) => {
        RecordKey::Testing($t.0, $t.1)
    };
    (attributions, $t:ident) => {
        RecordKey::Claim($t.0, $t.1)
    };
    (assessments, $t:ident) => {
        RecordKey::Assessment($t.0, $t.1)
    };
    (disclosures, $t:ident) => {
        RecordKey::Disclosure($t.0, $t.1)
    };
    (exchanges, $t:ident) => {
        RecordKey::Exchange($t)
    };
    (sharing, $t:ident) => {
        match $t {
            crate::sharing::Touched::Group(g) => RecordKey::Group(g),
            crate::sharing::Touched::Intel(c, id) => RecordKey::Intel(c, id),
        }
    };
    (cases, $t:ident) => {
        match $t {
            crate::enforcement::cases::Touched::Case(c) => RecordKey::Case(c),
            crate::enforcement::cases::Touched::PanelLoad => RecordKey::PanelLoad,
        }
    };
    (audits, $t:ident) => {
        match $t {
            crate::enforcement::audits::Touched::Audit(a) => RecordKey::Audit(a),
            crate::enforcement::audits::Touched::Load => RecordKey::AuditLoad,
        }
    };
}

/// The dispatch of every entry type to the sub-domain that owns its rule and fold.
macro_rules! admission {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $name:ident: $wire:literal, schema $schema:literal, in $route:ident; )*) => {
        impl State {
            /// The rule of `payload`, asked of the sub-domain that owns it.
            fn check_admitted(
                &self,
                payload: &Payload,
                by: &Submitted<'_>,
                drawn: &Drawn<'_>,
            ) -> Result<(), Rejection> {
                match payload {
                    $( Payload::$variant(p) => {
                        Admit::check(p, &self.$route, &inputs!($route, self, drawn), by)
                    } )*
                }
            }

            /// Folds `payload` into the part of the sub-domain that owns it, marking the
            /// records it touched.
            fn apply_admitted(
                &mut self,
                payload: Payload,
                by: &PartyId,
                here: EntryRef,
                drawn: &Drawn<'_>,
            ) {
                match payload {
                    $( Payload::$variant(p) => {
                        let inputs = inputs!($route, self, drawn);
                        for t in Admit::apply(p, &mut self.$route, &inputs, by, here) {
                            self.touched.insert(touched!($route, t));
                        }
                    } )*
                }
            }
        }
    };
}

crate::payload::entry_table!(admission);
