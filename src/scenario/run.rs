//! The interpreter: founds an instance from a checked [`Scenario`] and runs its parties and
//! steps through the ordinary signed submission path — an envelope signed with the party's
//! seed-derived key, appended by [`Ledger::append`] under a [`SimulatedClock`] — exactly as
//! the built-in demo world does, then checks the expectations against the projected state.
//! It stops at the first step whose outcome differs from what the step expects.

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_domain::enforcement::cases::Refusal;
use accord_domain::evidence::{commitment, Denied, EvidenceRead};
use accord_domain::ids::{EvidenceId, GroupId, ShortText};
use accord_domain::registry::{PartyRegistration, INSTANCE_SIGNER};
use accord_domain::sharing::IntelWithdraw;
use accord_domain::{Payload, Rejection, RejectionKind, Timestamp};
use accord_envelope::{Envelope, KeyFile, KeyPair, PartyId, Signer};
use accord_sequencer::{Ledger, SimulatedClock, Submission};
use accord_store::{Sealed, Vault};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::expect::{Failure, RunFacts};
use super::file::{Action, Expected, PartySpec, Scenario, Step};
use super::payload::{token_for, Converted, Derived};
use super::signer::SignerRef;
use crate::datadir::DataDir;
use crate::init::{found, Founding};
use crate::progress;
use crate::seeded::derived_key;

/// What a seeded scenario came to.
pub struct Seeded {
    /// Log entries (genesis and charter included).
    pub entries: u64,
    /// The root of the last checkpoint (hex).
    pub root: String,
    /// Steps run.
    pub steps: usize,
    /// Steps refused, each as it expected.
    pub refused_steps: u64,
    /// Expectations met (all of them).
    pub expectations: usize,
    /// Log time of the last entry.
    pub last_at: Timestamp,
    /// Tokens saved beside the keys.
    pub tokens: usize,
}

/// Why the log did not take a step: a ledger rule, or the read decision the server makes.
struct Refused {
    rule: String,
    detail: String,
}

impl From<Rejection> for Refused {
    fn from(r: Rejection) -> Self {
        let detail = if r.pointer.is_empty() {
            r.detail
        } else {
            format!("{} (at {})", r.detail, r.pointer)
        };
        Refused {
            rule: r.rule.to_owned(),
            detail,
        }
    }
}

/// One run of a scenario over a new instance.
struct Interpreter<'a> {
    ledger: &'a Ledger,
    vault: Arc<dyn Vault>,
    clock: SimulatedClock,
    seed: u64,
    secretariat: (PartyId, KeyPair),
    /// The key every registered party signs with now.
    keys: BTreeMap<PartyId, KeyPair>,
    /// The tokens parties issued themselves, saved beside their keys.
    tokens: BTreeMap<PartyId, String>,
    refused_steps: u64,
}

/// The name under which a resubmitted identical statement counts as refused.
const DUPLICATE: &str = "duplicate";
/// The rule under which an object the TAXII server would not take is refused.
const INTEL_INVALID: &str = "intel-invalid";

/// What the ledger did with one envelope.
enum Appended {
    Logged,
    /// Identical to this earlier entry: the first receipt, nothing new logged.
    Duplicate(u64),
    Refused(Rejection),
}

/// Something that happens at a time: a registration or a step.
enum Event<'s> {
    Register(&'s PartySpec),
    Step(&'s Step),
}

/// Founds the instance of `scenario` in `dir` (which must hold none) and runs it with `seed`.
pub fn seed(dir: &DataDir, scenario: &Scenario, seed: u64) -> Result<Seeded> {
    let clock = SimulatedClock::at(scenario.start);
    let secretariat_key = derived_key(seed, scenario.secretariat.as_str());
    let ledger = found(
        dir,
        &Founding {
            origin: scenario.origin.clone(),
            display_name: scenario.display_name.clone(),
            secretariat: scenario.secretariat.to_string(),
            region: scenario.region.clone(),
            instance_key: derived_key(seed, INSTANCE_SIGNER),
            secretariat_key: secretariat_key.clone(),
            charter: scenario.charter.clone(),
        },
        Arc::new(clock.clone()),
    )?;
    let mut run = Interpreter {
        ledger: &ledger,
        vault: dir.open_vault()?,
        clock,
        seed,
        secretariat: (scenario.secretariat.clone(), secretariat_key),
        keys: BTreeMap::new(),
        tokens: BTreeMap::new(),
        refused_steps: 0,
    };
    let generated = super::round::expand(
        &scenario.rounds,
        &scenario.parties,
        scenario.start,
        seed,
        scenario.steps.len() + 1,
    );
    // Registrations first, then steps, each in file order (the generated ones after the
    // file's); a stable sort by time keeps that order among events at the same instant.
    let mut events: Vec<(Timestamp, Event<'_>)> = scenario
        .parties
        .iter()
        .map(|p| (p.registered, Event::Register(p)))
        .chain(scenario.steps.iter().map(|s| (s.at, Event::Step(s))))
        .chain(generated.iter().map(|s| (s.at, Event::Step(s))))
        .collect();
    events.sort_by_key(|(at, _)| *at);
    let bar = progress::bar(
        events.len() as u64,
        "running the scenario",
        events.len() >= 1000,
    );
    for (_, event) in events {
        match event {
            Event::Register(p) => run.register(p)?,
            Event::Step(s) => run.step(s)?,
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    check_expectations(&ledger, scenario, run.refused_steps)?;
    save_keys(dir, &run.keys, &run.tokens)?;
    let core = ledger.read();
    let published = core
        .published()
        .context("the scenario's ledger published no checkpoint")?;
    Ok(Seeded {
        entries: published.checkpoint.size,
        root: hex::encode(published.checkpoint.root),
        steps: scenario.steps.len() + generated.len(),
        refused_steps: run.refused_steps,
        expectations: scenario.expectations.len(),
        last_at: core.state().last_at(),
        tokens: run.tokens.len(),
    })
}

/// Evaluates every expectation against the state the run left; lists every one that failed.
fn check_expectations(ledger: &Ledger, scenario: &Scenario, refused_steps: u64) -> Result<()> {
    let facts = RunFacts { refused_steps };
    let failures: Vec<Failure> = {
        let core = ledger.read();
        scenario
            .expectations
            .iter()
            .flat_map(|x| x.evaluate(core.state(), &facts))
            .collect()
    };
    if failures.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = failures.iter().map(ToString::to_string).collect();
    bail!(
        "{} of the scenario's expectations did not hold:\n  - {}",
        list.len(),
        list.join("\n  - ")
    )
}

/// Saves every party's current key, and the token of each that issued itself one, into the
/// data directory, so that one can act as it afterwards.
fn save_keys(
    dir: &DataDir,
    keys: &BTreeMap<PartyId, KeyPair>,
    tokens: &BTreeMap<PartyId, String>,
) -> Result<()> {
    for (party, key) in keys {
        let path = dir.party_key_path(party.as_str());
        KeyFile {
            party: Some(party.clone()),
            key: key.clone(),
        }
        .save(&path, true)
        .with_context(|| format!("saving {}", path.display()))?;
    }
    for (party, token) in tokens {
        let path = dir.party_key_path(party.as_str()).with_extension("token");
        let mut file = {
            use std::os::unix::fs::OpenOptionsExt as _;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("writing {}", path.display()))?
        };
        std::io::Write::write_all(&mut file, format!("{token}\n").as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

impl Interpreter<'_> {
    /// The secretariat registers `p`; then `p` declares its contacts, if it has any.
    fn register(&mut self, p: &PartySpec) -> Result<()> {
        self.clock.set(p.registered);
        let key = derived_key(self.seed, p.id.as_str());
        let registration = Payload::PartyRegister(PartyRegistration {
            party: p.id.clone(),
            kind: p.kind,
            region: p.region.clone(),
            display_name: p.name.clone(),
            public_key: key.public_key(),
        });
        let (secretariat, secretariat_key) = self.secretariat.clone();
        let refused = |what: &str, r: Refused| {
            anyhow!(
                "party `{}` (line {}): {what} was refused under rule `{}`: {}",
                p.id,
                p.line,
                r.rule,
                r.detail
            )
        };
        self.submit(
            registration.entry_type(),
            1,
            registration.to_value(),
            &secretariat,
            &secretariat_key,
        )?
        .map_err(|r| refused("its registration", r))?;
        self.keys.insert(p.id.clone(), key.clone());
        if let Some(contacts) = &p.contacts {
            self.submit("poc.declare", 1, contacts.clone(), &p.id, &key)?
                .map_err(|r| refused("its `poc.declare` of [[party.contacts]]", r))?;
        }
        Ok(())
    }

    /// Runs `step` and compares what the log made of it with what the step expects.
    fn step(&mut self, step: &Step) -> Result<()> {
        self.clock.set(step.at);
        let (party, key) = self.signer(&step.by).with_context(|| step.label())?;
        let outcome = match &step.action {
            Action::Say {
                entry_type,
                schema,
                payload,
            } => {
                let outcome = self.submit(
                    entry_type,
                    *schema,
                    payload.resolve(self.seed),
                    &party,
                    &key,
                )?;
                if outcome.is_ok() {
                    self.adopt(entry_type, payload);
                }
                outcome
            }
            Action::Share { collection, object } => {
                self.share(collection, object.resolve(self.seed), &party)?
            }
            Action::Withdraw {
                collection,
                id,
                version,
            } => self.withdraw(collection, id, version.as_deref(), &party)?,
            Action::CommitEvidence { payload, content } => {
                self.commit(payload.clone(), content, &party, &key)?
            }
            Action::ReadEvidence { owner, evidence } => {
                self.read(owner, evidence, &party, step.number)?
            }
            Action::IssueCredential { scheme, audit } => {
                self.issue_credential(scheme, audit, &party, &key)?
            }
        };
        match (outcome, &step.expect) {
            (Ok(()), Expected::Accepted) => Ok(()),
            (Err(r), Expected::Refused(rule)) if &r.rule == rule => {
                self.refused_steps += 1;
                Ok(())
            }
            (Err(r), Expected::Accepted) => bail!(
                "{}, signed as `{party}`, was refused under rule `{}`: {}\n  (if the scenario means this, add expect = {{ refused = \"{}\" }} to the step)",
                step.label(),
                r.rule,
                r.detail,
                r.rule
            ),
            (Err(r), Expected::Refused(rule)) => bail!(
                "{}, signed as `{party}`, was refused as expected, but under rule `{}` rather than `{rule}`: {}",
                step.label(),
                r.rule,
                r.detail
            ),
            (Ok(()), Expected::Refused(rule)) => bail!(
                "{}, signed as `{party}`, was accepted, but the scenario expected it refused under rule `{rule}`",
                step.label()
            ),
        }
    }

    /// What an accepted statement changes for the interpreter itself: after a rotation to a
    /// derived key (`public_key = "@key PARTY#N"`) the party signs with that key; after a
    /// `party.token_issue` of a derived token (`"@token PARTY"`) the token is saved.
    fn adopt(&mut self, entry_type: &str, payload: &Converted) {
        match entry_type {
            "party.rotate_key" => {
                // Only a party's own derived key: `@key other#1` on `party` gives `party` a
                // key the interpreter could sign with only as `other`.
                if let Some(Derived::PublicKey(g)) = payload.derived_at("/public_key") {
                    if payload.value["party"] == g.party.as_str() {
                        self.keys.insert(g.party.clone(), g.key(self.seed));
                    }
                }
            }
            "party.token_issue" => {
                if let Some(Derived::TokenHash(p)) = payload.derived_at("/token_sha256") {
                    self.tokens.insert(p.clone(), token_for(self.seed, p));
                }
            }
            _ => {}
        }
    }

    /// Shares `object` into `collection` as the TAXII server does for a post by `by`
    /// (`accord_server::taxii::prepare_share`): validated, restricted content into the vault
    /// before the entry, an `intel.share` record signed by the instance naming `by`, and the
    /// content taken back out if the log refuses it.
    fn share(
        &mut self,
        collection: &GroupId,
        object: Value,
        by: &PartyId,
    ) -> Result<Result<(), Refused>> {
        let salt: [u8; 32] = Sha256::digest(format!(
            "accord-scenario-intel-salt/{}/{by}/{}/{}",
            self.seed, object["id"], object["modified"]
        ))
        .into();
        let prepared = match accord_server::taxii::prepare_share(by, collection, object, salt) {
            Ok(p) => p,
            Err(detail) => {
                return Ok(Err(Refused {
                    rule: INTEL_INVALID.to_owned(),
                    detail,
                }))
            }
        };
        if let Some(((owner, key), sealed)) = &prepared.vault_item {
            self.vault
                .put(owner, key, sealed)
                .with_context(|| format!("putting {owner}/{key} in the vault"))?;
        }
        let envelope = self
            .ledger
            .sign_as_instance(&Payload::IntelShare(Box::new(prepared.share)))?;
        match self.append(envelope)? {
            Appended::Logged => Ok(Ok(())),
            refused => {
                if let Some(((owner, key), _)) = &prepared.vault_item {
                    self.vault.erase(owner, key)?;
                }
                Ok(Err(not_logged(refused)))
            }
        }
    }

    /// Withdraws an object (every version, or one) as a TAXII DELETE by `by` does: the
    /// instance records the withdrawal, then the content of the withdrawn versions is erased.
    fn withdraw(
        &mut self,
        collection: &GroupId,
        id: &str,
        version: Option<&str>,
        by: &PartyId,
    ) -> Result<Result<(), Refused>> {
        let payload = Payload::IntelWithdraw(IntelWithdraw {
            by: by.clone(),
            collection: collection.clone(),
            id: id.to_owned(),
            version: version.map(str::to_owned),
        });
        let doomed = {
            let core = self.ledger.read();
            accord_server::taxii::withdrawn_keys(core.state().sharing(), &payload)
        };
        let envelope = self.ledger.sign_as_instance(&payload)?;
        match self.append(envelope)? {
            Appended::Logged => {
                for (owner, key) in doomed {
                    self.vault.erase(&owner, &key)?;
                }
                Ok(Ok(()))
            }
            refused => Ok(Err(not_logged(refused))),
        }
    }

    /// The party and key that sign as `by`, looking seats up in the state as it is now.
    fn signer(&self, by: &SignerRef) -> Result<(PartyId, KeyPair)> {
        let party = match by {
            SignerRef::Secretariat => return Ok(self.secretariat.clone()),
            SignerRef::Party(p) => p.clone(),
            SignerRef::PanelSeat { case, seat } => {
                let core = self.ledger.read();
                let record = core
                    .state()
                    .cases()
                    .get(case)
                    .with_context(|| format!("`{by}`: there is no case `{case}` yet"))?;
                let (which, panel) = match &record.appeal {
                    Some(a) => ("appeal panel", a.panel.as_ref()),
                    None => ("panel", record.panel.as_ref()),
                };
                let panel = panel.with_context(|| {
                    format!("`{by}`: case {case} has no {which} yet (no `case.convene` accepted for it)")
                })?;
                seat_of(by, &panel.members, *seat, which)?
            }
            SignerRef::AuditSeat { audit, seat } => {
                let core = self.ledger.read();
                let record = core
                    .state()
                    .audits()
                    .get(audit)
                    .with_context(|| format!("`{by}`: there is no audit `{audit}` yet"))?;
                seat_of(by, &record.auditors, *seat, "audit")?
            }
        };
        let key = self
            .keys
            .get(&party)
            .cloned()
            .with_context(|| format!("`{by}`: `{party}` is not registered yet"))?;
        Ok((party, key))
    }

    /// Signs and appends one statement. A refused case transition is recorded by the
    /// instance as the server records it.
    fn submit(
        &mut self,
        entry_type: &str,
        schema: u32,
        payload: Value,
        party: &PartyId,
        key: &KeyPair,
    ) -> Result<Result<(), Refused>> {
        let envelope = Envelope::sign(
            entry_type,
            schema,
            payload,
            Signer {
                party: party.clone(),
                key: key.key_id(),
            },
            key,
        )?;
        match self.append(envelope.clone())? {
            Appended::Logged => {
                accord_server::evidence::erase_after(self.vault.as_ref(), &envelope);
                Ok(Ok(()))
            }
            Appended::Duplicate(index) => Ok(Err(Refused {
                rule: DUPLICATE.to_owned(),
                detail: format!(
                    "an identical statement is already entry {index}; nothing new was logged"
                ),
            })),
            Appended::Refused(rejection) => {
                self.record_case_refusal(&envelope, &rejection)?;
                Ok(Err(Refused::from(rejection)))
            }
        }
    }

    /// Appends one envelope as a batch of its own.
    fn append(&self, envelope: Envelope) -> Result<Appended> {
        match self.ledger.append(vec![Submission::new(envelope)])?.pop() {
            Some(Ok(o)) if o.duplicate => Ok(Appended::Duplicate(o.receipt.index)),
            Some(Ok(_)) => Ok(Appended::Logged),
            Some(Err(r)) => Ok(Appended::Refused(r)),
            None => bail!("the ledger answered nothing for a submission"),
        }
    }

    /// Appends a record the instance signs for its own act; it must be logged.
    fn append_instance_record(&self, envelope: Envelope, what: &str) -> Result<()> {
        match self.append(envelope)? {
            Appended::Logged => Ok(()),
            Appended::Duplicate(index) => {
                bail!("the instance's record of {what} is identical to entry {index}")
            }
            Appended::Refused(r) => bail!("the instance's record of {what} was refused: {r}"),
        }
    }

    /// A council's `credential.issue`: the draft the log supports now, signed with its key.
    fn issue_credential(
        &mut self,
        scheme: &accord_domain::ids::SchemeId,
        audit: &accord_domain::ids::AuditId,
        party: &PartyId,
        key: &KeyPair,
    ) -> Result<Result<(), Refused>> {
        let draft = {
            let core = self.ledger.read();
            let state = core.state();
            let now = self.ledger.clock_now().max(state.last_at());
            accord_domain::certification::draft(state, scheme, audit, now)
        };
        let payload = match draft {
            Ok((credential, at)) => {
                accord_domain::certification::sign(&credential, key.as_dalek(), at)?
            }
            Err(rejection) => return Ok(Err(Refused::from(rejection))),
        };
        self.submit(
            accord_domain::payload::CREDENTIAL_ISSUE,
            1,
            payload,
            party,
            key,
        )
    }

    /// `evidence.commit` of `content` under a salt derived from the seed; content and salt go
    /// to the vault once the commitment is in the log.
    fn commit(
        &mut self,
        mut payload: Value,
        content: &str,
        party: &PartyId,
        key: &KeyPair,
    ) -> Result<Result<(), Refused>> {
        let id = payload["evidence"].as_str().unwrap_or_default().to_owned();
        let salt: [u8; 32] =
            Sha256::digest(format!("accord-scenario-salt/{}/{party}/{id}", self.seed)).into();
        let content = content.as_bytes().to_vec();
        payload["commitment"] = Value::from(commitment(&salt, &content));
        payload["size"] = Value::from(content.len());
        let outcome = self.submit("evidence.commit", 1, payload, party, key)?;
        if outcome.is_ok() {
            self.vault
                .put(party.as_str(), &id, &Sealed { salt, content })
                .with_context(|| format!("putting {party}/{id} in the vault"))?;
        }
        Ok(outcome)
    }

    /// A read of `owner`'s item by `reader`, decided from the log as the server decides it
    /// and recorded as `evidence.read` signed by the instance.
    fn read(
        &mut self,
        owner: &PartyId,
        evidence: &EvidenceId,
        reader: &PartyId,
        step: usize,
    ) -> Result<Result<(), Refused>> {
        let refused = |rule: &str, detail: String| {
            Ok(Err(Refused {
                rule: rule.to_owned(),
                detail,
            }))
        };
        let (basis, now) = {
            let core = self.ledger.read();
            let state = core.state();
            let now = self.ledger.clock_now().max(state.last_at());
            let not_found = format!("`{owner}` committed no evidence `{evidence}`");
            match state.evidence_access(owner, evidence, reader, now) {
                Ok(basis) => (basis, now),
                Err(Denied::Unknown) => return refused("evidence-not-found", not_found),
                Err(Denied::Erased(e)) => {
                    return refused(
                        "evidence-erased",
                        format!("`{owner}/{evidence}` was erased by entry {}", e.index),
                    )
                }
                Err(Denied::NotAllowed { marking }) => {
                    return refused(
                        "evidence-not-allowed",
                        format!(
                            "`{reader}` may not read `{owner}/{evidence}`: it is marked {} and is for {}",
                            marking.label(),
                            marking.audience()
                        ),
                    )
                }
            }
        };
        let request = Sha256::digest(format!(
            "accord-scenario-read/{}/{step}/{owner}/{evidence}/{reader}/{now}",
            self.seed
        ));
        let payload = Payload::EvidenceRead(EvidenceRead {
            owner: owner.clone(),
            evidence: evidence.clone(),
            reader: reader.clone(),
            basis,
            request: hex::encode(&request[..16]),
        });
        let envelope = self.ledger.sign_as_instance(&payload)?;
        self.append_instance_record(
            envelope,
            &format!("a read of {owner}/{evidence} by {reader}"),
        )?;
        Ok(Ok(()))
    }

    /// When a case transition with a valid signature is refused for a procedural reason,
    /// the server records the attempt as a `case.refusal` signed by the instance
    /// (`accord_server::enforcement::record_refusal`); so does a scenario, so that its log is
    /// the log the same statements would leave on a served instance.
    fn record_case_refusal(&mut self, envelope: &Envelope, rejection: &Rejection) -> Result<()> {
        let procedural = matches!(
            rejection.kind,
            RejectionKind::Conflict | RejectionKind::Forbidden
        );
        if !procedural
            || !envelope.entry_type.starts_with("case.")
            || envelope.entry_type == "case.allege"
            || envelope.entry_type == "case.refusal"
            || envelope.signer.party.as_str() == INSTANCE_SIGNER
        {
            return Ok(());
        }
        let Some(case) = envelope.payload["case"]
            .as_str()
            .and_then(|c| c.parse().ok())
        else {
            return Ok(());
        };
        {
            let core = self.ledger.read();
            let state = core.state();
            let signed_validly = state
                .signing_key(envelope)
                .is_ok_and(|key| envelope.verify(&key).is_ok());
            if state.cases().get(&case).is_none() || !signed_validly {
                return Ok(());
            }
        }
        let payload = Payload::CaseRefusal(Refusal {
            case,
            by: envelope.signer.party.clone(),
            attempted: ShortText::new(envelope.entry_type.clone())?,
            envelope_sha256: hex::encode(envelope.hash()),
            rule: ShortText::new(rejection.rule)?,
        });
        let signed = self.ledger.sign_as_instance(&payload)?;
        self.append_instance_record(signed, &format!("a refused `{}`", envelope.entry_type))
    }
}

/// Why an envelope the instance signed for a party was not logged.
fn not_logged(appended: Appended) -> Refused {
    match appended {
        Appended::Logged => Refused {
            rule: String::new(),
            detail: String::new(),
        },
        Appended::Duplicate(index) => Refused {
            rule: DUPLICATE.to_owned(),
            detail: format!("an identical record is already entry {index}; nothing new was logged"),
        },
        Appended::Refused(r) => Refused::from(r),
    }
}

/// The member in `seat` of `members` (drawn for `which`), or why there is none.
fn seat_of(by: &SignerRef, members: &[PartyId], seat: usize, which: &str) -> Result<PartyId> {
    members.get(seat).cloned().with_context(|| {
        format!(
            "`{by}`: no seat {seat}: {} drawn for the {which} (seats count from 0)",
            match members.len() {
                1 => "1 member was".to_owned(),
                n => format!("{n} members were"),
            }
        )
    })
}
