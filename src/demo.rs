//! `accord demo`: a living regime to look at. Seeds a world deterministically from `--seed`
//! — regions, parties of every kind with their keys, points of contact, months of
//! reachability checks with on-time, late and missing answers, key rotations and a revoked
//! key — every item a signed entry appended through the ordinary ledger path under a
//! simulated clock. Then serves it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use accord_domain::enforcement::cases::Refusal;
use accord_domain::evidence::{commitment, EvidenceRead};
use accord_domain::ids::{CheckId, DisplayName, EvidenceId, LanguageTag, RegionId, ShortText};
use accord_domain::norms::Charter;
use accord_domain::registry::{
    Channel, Contact, ContactRole, KeyRevocation, KeyRotation, PartyKind, PartyRegistration,
    PocDeclaration, ReachabilityAck, ReachabilityCheck, RevocationReason,
};
use accord_domain::{Payload, Timestamp};
use accord_envelope::{Envelope, KeyFile, KeyPair, PartyId, Signer};
use accord_sequencer::{Ledger, SimulatedClock, Submission, SystemClock};
use accord_store::{Sealed, Vault};
use anyhow::{bail, Context, Result};
use clap::Args;
use sha2::{Digest, Sha256};

use crate::datadir::DataDir;
use crate::init::{found, Founding};
use crate::seeded::derived_key;
use crate::{progress, serve, DataArg};

/// Arguments of `accord demo`.
#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    data: DataArg,
    /// Address to serve on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Delete the demo data directory and seed it again.
    #[arg(long)]
    fresh: bool,
    /// Seed of the world (same seed, same world, same log) [default: 2026, or the scenario's
    /// own `seed`].
    #[arg(long)]
    seed: Option<u64>,
    /// Seed only; do not serve.
    #[arg(long)]
    no_serve: bool,
    /// Seed the world of this scenario file (docs/scenarios.md) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
}

/// The built-in world's seed when none is given.
const DEFAULT_SEED: u64 = 2026;

/// The demo instance's origin.
pub const DEMO_ORIGIN: &str = "demo.accord.example/regime";

/// Runs `accord demo`.
pub fn run(args: DemoArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    if args.fresh && dir.path().exists() {
        let is_ours = dir.exists()
            || std::fs::read_dir(dir.path())
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !is_ours {
            bail!(
                "refusing to delete `{}`: it is not an Accord data directory",
                dir.path().display()
            );
        }
        let _lock = dir.lock()?;
        std::fs::remove_dir_all(dir.path())
            .with_context(|| format!("deleting {}", dir.path().display()))?;
    }
    let banner = match &args.scenario {
        Some(path) => {
            let scenario = crate::scenario::Scenario::load(path)?;
            let seed = args.seed.unwrap_or(scenario.seed);
            if dir.exists() {
                crate::scenario::reuse(&dir, &scenario, seed)?
            } else {
                crate::scenario::seed_into(&dir, &scenario, seed)?
            }
        }
        None if dir.exists() => {
            "Reusing the existing demo world (use --fresh to seed it again).".to_owned()
        }
        None => {
            let _lock = dir.lock()?;
            seed_world(&dir, args.seed.unwrap_or(DEFAULT_SEED))?
        }
    };
    let config = dir.config()?;
    println!("{banner}");
    println!("Checkpoint verifier key: {}", config.verifier_key);
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let _lock = dir.lock()?;
    let store = dir.open_store()?;
    let ledger = Arc::new(
        dir.open_ledger(store, Arc::new(SystemClock))
            .with_context(|| {
                format!(
                    "the demo world in `{}` does not replay under this version of Accord (it may be from an older one); seed it again with `accord demo --fresh`",
                    dir.path().display()
                )
            })?,
    );
    serve::serve_ledger(&dir, ledger, args.listen, &Default::default(), None)?;
    Ok(ExitCode::SUCCESS)
}

/// A tiny deterministic generator (SplitMix64): the world must not depend on the platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

struct DemoParty {
    id: &'static str,
    kind: PartyKind,
    region: &'static str,
    name: &'static str,
    /// Probability of answering a reachability check at all, and of answering on time.
    reliability: f64,
    punctuality: f64,
    languages: &'static [&'static str],
}

const fn party(
    id: &'static str,
    kind: PartyKind,
    region: &'static str,
    name: &'static str,
    reliability: f64,
    punctuality: f64,
    languages: &'static [&'static str],
) -> DemoParty {
    DemoParty {
        id,
        kind,
        region,
        name,
        reliability,
        punctuality,
        languages,
    }
}

/// The cast. Every name is fictional.
const PARTIES: &[DemoParty] = &[
    party(
        "council-europe",
        PartyKind::RegionalCouncil,
        "europe",
        "European Regional Cyber Council",
        0.99,
        0.95,
        &["en", "fr", "de"],
    ),
    party(
        "council-africa",
        PartyKind::RegionalCouncil,
        "africa",
        "African Regional Cyber Council",
        0.97,
        0.9,
        &["en", "fr", "ar", "pt"],
    ),
    party(
        "council-asia-pacific",
        PartyKind::RegionalCouncil,
        "asia-pacific",
        "Asia-Pacific Regional Cyber Council",
        0.98,
        0.92,
        &["en", "zh", "ms"],
    ),
    party(
        "council-americas",
        PartyKind::RegionalCouncil,
        "americas",
        "Council of the Americas on Cyberspace",
        0.96,
        0.9,
        &["es", "en", "pt"],
    ),
    party(
        "state-aldoria",
        PartyKind::State,
        "europe",
        "Republic of Aldoria",
        0.98,
        0.95,
        &["en", "fr"],
    ),
    party(
        "state-brevia",
        PartyKind::State,
        "europe",
        "Kingdom of Brevia",
        0.85,
        0.7,
        &["de", "en"],
    ),
    party(
        "state-calandra",
        PartyKind::State,
        "africa",
        "Federal Republic of Calandra",
        0.92,
        0.8,
        &["en", "fr"],
    ),
    party(
        "state-dunmore",
        PartyKind::State,
        "africa",
        "Republic of Dunmore",
        0.7,
        0.5,
        &["pt", "en"],
    ),
    party(
        "state-esteria",
        PartyKind::State,
        "asia-pacific",
        "Union of Esteria",
        0.95,
        0.9,
        &["ms", "en"],
    ),
    party(
        "state-farland",
        PartyKind::State,
        "americas",
        "Commonwealth of Farland",
        0.9,
        0.85,
        &["en", "es"],
    ),
    party(
        "state-galvia",
        PartyKind::State,
        "americas",
        "United Provinces of Galvia",
        0.6,
        0.55,
        &["es"],
    ),
    party(
        "cert-aldoria",
        PartyKind::Cert,
        "europe",
        "CERT-Aldoria",
        1.0,
        0.98,
        &["en"],
    ),
    party(
        "cert-calandra",
        PartyKind::Cert,
        "africa",
        "Calandra National CSIRT",
        0.95,
        0.85,
        &["en", "fr"],
    ),
    party(
        "cert-esteria",
        PartyKind::Cert,
        "asia-pacific",
        "EsCERT",
        0.97,
        0.93,
        &["en", "ms"],
    ),
    party(
        "northwind-cloud",
        PartyKind::Company,
        "europe",
        "Northwind Cloud Services",
        0.93,
        0.88,
        &["en"],
    ),
    party(
        "meridian-telecom",
        PartyKind::Company,
        "africa",
        "Meridian Telecom Group",
        0.88,
        0.75,
        &["en", "fr"],
    ),
    party(
        "kestrel-software",
        PartyKind::Company,
        "americas",
        "Kestrel Software",
        0.9,
        0.8,
        &["en", "es"],
    ),
    party(
        "open-net-watch",
        PartyKind::CivilSociety,
        "global",
        "Open Net Watch",
        0.8,
        0.7,
        &["en", "es", "fr"],
    ),
    party(
        "cyberpeace-lab",
        PartyKind::CivilSociety,
        "europe",
        "CyberPeace Research Lab",
        0.75,
        0.65,
        &["en", "de"],
    ),
    party(
        "audit-collective",
        PartyKind::Auditor,
        "global",
        "Independent Audit Collective",
        0.99,
        0.97,
        &["en", "fr", "es"],
    ),
];

mod sharing;

const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;
/// 2026-01-05T09:00:00.000Z: the world's first day.
const START: Timestamp = Timestamp::from_unix_ms(1_767_603_600_000);

/// Something that happens in the world, at a time.
enum Action {
    Register(usize),
    Declare(usize, u8),
    Check {
        id: String,
        role: ContactRole,
        hours: u32,
    },
    Ack(usize, String),
    Rotate {
        party: usize,
        generation: u8,
        /// Retire the key it replaces (a routine rotation) rather than keep it for now.
        retire: bool,
    },
    Revoke {
        party: usize,
        generation: u8,
    },
    /// A party commits to confidential evidence and uploads it to the vault.
    Commit(Confidential),
    /// A party (the secretariat when `None`) reads an evidence item; the instance logs it.
    Read {
        owner: usize,
        id: &'static str,
        reader: Option<usize>,
    },
    /// A member of a case's current panel (by seat) votes.
    PanelVote {
        case: &'static str,
        seat: usize,
        payload: serde_json::Value,
    },
    /// An assigned auditor of an audit (by seat) says something about it.
    Auditor {
        audit: &'static str,
        seat: usize,
        entry_type: &'static str,
        payload: serde_json::Value,
    },
    /// A case transition that the rules refuse; the instance records the attempt as the
    /// server does.
    Attempt {
        by: Option<usize>,
        entry_type: &'static str,
        payload: serde_json::Value,
    },
    /// A party issues itself its API and TAXII token (saved beside its key).
    IssueToken(usize),
    /// A party shares a STIX object into a collection (as a TAXII post).
    Share {
        by: usize,
        collection: &'static str,
        object: serde_json::Value,
    },
    /// A party withdraws a shared object (as a TAXII delete).
    Withdraw {
        by: usize,
        collection: &'static str,
        id: String,
    },
    /// Any other statement: `by` a party, or the secretariat when `None`.
    Say {
        by: Option<usize>,
        entry_type: &'static str,
        payload: serde_json::Value,
    },
}

/// A confidential evidence item of the demo world (synthetic material, no real data).
struct Confidential {
    by: usize,
    id: &'static str,
    marking: &'static str,
    label: &'static str,
    recipients: &'static [&'static str],
    text: &'static str,
}

struct World<'a> {
    ledger: &'a Ledger,
    vault: Arc<dyn Vault>,
    clock: SimulatedClock,
    secretariat: KeyFile,
    /// Current key of each party (index into PARTIES).
    keys: BTreeMap<usize, KeyPair>,
    seed: u64,
    appended: u64,
    refused: Vec<String>,
}

impl World<'_> {
    fn submit(&mut self, at: Timestamp, payload: Payload, signer: Option<usize>) -> Result<()> {
        self.say(at, payload.entry_type(), payload.to_value(), signer)
    }

    fn say(
        &mut self,
        at: Timestamp,
        entry_type: &str,
        payload: serde_json::Value,
        signer: Option<usize>,
    ) -> Result<()> {
        self.clock.set(at);
        let (party, key) = match signer {
            None => (
                self.secretariat
                    .party
                    .clone()
                    .context("secretariat key has no party")?,
                self.secretariat.key.clone(),
            ),
            Some(i) => (
                PARTIES[i].id.parse::<PartyId>()?,
                self.keys.get(&i).cloned().context("party has no key yet")?,
            ),
        };
        let envelope = Envelope::sign(
            entry_type,
            1,
            payload,
            Signer {
                party,
                key: key.key_id(),
            },
            &key,
        )?;
        match self
            .ledger
            .append(vec![Submission::new(envelope.clone())])?
            .pop()
        {
            Some(Ok(_)) => {
                self.appended += 1;
                accord_server::evidence::erase_after(self.vault.as_ref(), &envelope);
            }
            Some(Err(r)) => self.refused.push(r.to_string()),
            None => {}
        }
        Ok(())
    }

    /// The demo token of party `i` (derived from the seed, like its keys).
    fn token_for(&self, i: usize) -> String {
        use base64::Engine as _;
        let d = Sha256::digest(format!(
            "accord-demo-token-v1/{}/{}",
            self.seed, PARTIES[i].id
        ));
        format!(
            "acc_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d)
        )
    }

    fn key_for(&self, i: usize, generation: u8) -> KeyPair {
        let who = if generation == 0 {
            PARTIES[i].id.to_owned()
        } else {
            format!("{}#{generation}", PARTIES[i].id)
        };
        derived_key(self.seed, &who)
    }

    /// Commits to an item (salt derived from the seed, so the same seed gives the same log)
    /// and stores content and salt in the vault.
    fn commit(&mut self, at: Timestamp, c: Confidential) -> Result<()> {
        let salt: [u8; 32] =
            Sha256::digest(format!("accord-demo-salt/{}/{}/{}", self.seed, c.by, c.id)).into();
        let content = format!(
            "{}\n\n(Synthetic material of the Accord demo world: {}.)\n",
            c.text, c.label
        )
        .into_bytes();
        let payload = serde_json::json!({
            "evidence": c.id, "marking": c.marking, "commitment": commitment(&salt, &content),
            "media_type": "text/plain; charset=utf-8", "size": content.len(), "label": c.label,
            "recipients": c.recipients});
        self.say(at, "evidence.commit", payload, Some(c.by))?;
        self.vault
            .put(PARTIES[c.by].id, c.id, &Sealed { salt, content })?;
        Ok(())
    }

    /// A read as the server makes it: the basis computed from the log, then an
    /// `evidence.read` entry signed by the instance key.
    fn read(&mut self, at: Timestamp, owner: usize, id: &str, reader: Option<usize>) -> Result<()> {
        self.clock.set(at);
        let owner: PartyId = PARTIES[owner].id.parse()?;
        let reader: PartyId = match reader {
            Some(i) => PARTIES[i].id.parse()?,
            None => self
                .secretariat
                .party
                .clone()
                .context("secretariat key has no party")?,
        };
        let evidence: EvidenceId = id.parse()?;
        let basis = {
            let core = self.ledger.read();
            let state = core.state();
            state
                .evidence_access(&owner, &evidence, &reader, at)
                .map_err(|d| {
                    anyhow::anyhow!("demo read of {owner}/{id} by {reader} is not allowed: {d:?}")
                })?
        };
        let request = hex::encode(&Sha256::digest(format!("{owner}/{id}/{reader}/{at}"))[..16]);
        let payload = Payload::EvidenceRead(EvidenceRead {
            owner,
            evidence,
            reader,
            basis,
            request,
        });
        let envelope = self.ledger.sign_as_instance(&payload)?;
        match self.ledger.append(vec![Submission::new(envelope)])?.pop() {
            Some(Ok(_)) => self.appended += 1,
            Some(Err(r)) => self.refused.push(r.to_string()),
            None => {}
        }
        Ok(())
    }

    /// The party in `seat` of a case's current panel, or of an audit's auditors.
    fn seat(&self, case: Option<&str>, audit: Option<&str>, seat: usize) -> Result<usize> {
        let core = self.ledger.read();
        let state = core.state();
        let member = match (case, audit) {
            (Some(c), _) => {
                let c = state
                    .cases()
                    .get(&c.parse()?)
                    .context("demo case missing")?;
                let panel = match &c.appeal {
                    Some(a) => a.panel.as_ref(),
                    None => c.panel.as_ref(),
                };
                panel.and_then(|p| p.members.get(seat)).cloned()
            }
            (None, Some(a)) => state
                .audits()
                .get(&a.parse()?)
                .and_then(|a| a.auditors.get(seat))
                .cloned(),
            _ => None,
        }
        .with_context(|| {
            format!(
                "demo seat {seat} of {case:?}{audit:?} is empty; refused so far: {:?}",
                self.refused
            )
        })?;
        Ok(index_of(member.as_str()))
    }

    fn run(&mut self, action: Action, at: Timestamp) -> Result<()> {
        match action {
            Action::PanelVote {
                case,
                seat,
                payload,
            } => {
                let by = self.seat(Some(case), None, seat)?;
                self.say(at, "case.vote", payload, Some(by))
            }
            Action::Auditor {
                audit,
                seat,
                entry_type,
                payload,
            } => {
                let by = self.seat(None, Some(audit), seat)?;
                self.say(at, entry_type, payload, Some(by))
            }
            Action::Attempt {
                by,
                entry_type,
                payload,
            } => {
                let refused_before = self.refused.len();
                self.say(at, entry_type, payload.clone(), by)?;
                let Some(rule) = self.refused.pop() else {
                    bail!("the demo's skipped step was accepted");
                };
                debug_assert_eq!(self.refused.len(), refused_before);
                let signer = match by {
                    Some(i) => PARTIES[i].id.parse()?,
                    None => self.secretariat.party.clone().context("no party")?,
                };
                let key = match by {
                    Some(i) => self.keys.get(&i).cloned().context("no key")?,
                    None => self.secretariat.key.clone(),
                };
                let attempted = Envelope::sign(
                    entry_type,
                    1,
                    payload.clone(),
                    Signer {
                        party: signer,
                        key: key.key_id(),
                    },
                    &key,
                )?;
                let rule = rule
                    .rsplit('(')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(')')
                    .to_owned();
                let refusal = Payload::CaseRefusal(Refusal {
                    case: payload["case"].as_str().unwrap_or("").parse()?,
                    by: attempted.signer.party.clone(),
                    attempted: ShortText::new(entry_type)?,
                    envelope_sha256: hex::encode(attempted.hash()),
                    rule: ShortText::new(rule)?,
                });
                let envelope = self.ledger.sign_as_instance(&refusal)?;
                match self.ledger.append(vec![Submission::new(envelope)])?.pop() {
                    Some(Ok(_)) => self.appended += 1,
                    Some(Err(r)) => self.refused.push(r.to_string()),
                    None => {}
                }
                Ok(())
            }
            Action::Commit(c) => self.commit(at, c),
            Action::Share {
                by,
                collection,
                object,
            } => self.share(at, by, collection, object),
            Action::Withdraw { by, collection, id } => self.withdraw(at, by, collection, id),
            Action::IssueToken(i) => {
                let payload = serde_json::json!({"party": PARTIES[i].id,
                    "token_sha256": accord_domain::tokens::token_hash(&self.token_for(i)),
                    "label": "demo: API and TAXII"});
                self.say(at, "party.token_issue", payload, Some(i))
            }
            Action::Read { owner, id, reader } => self.read(at, owner, id, reader),
            Action::Say {
                by,
                entry_type,
                payload,
            } => self.say(at, entry_type, payload, by),
            Action::Register(i) => {
                let p = &PARTIES[i];
                let key = self.key_for(i, 0);
                self.keys.insert(i, key.clone());
                let payload = Payload::PartyRegister(PartyRegistration {
                    party: p.id.parse()?,
                    kind: p.kind,
                    region: RegionId::new(p.region)?,
                    display_name: DisplayName::new(p.name)?,
                    public_key: key.public_key(),
                });
                self.submit(at, payload, None)
            }
            Action::Declare(i, version) => {
                let p = &PARTIES[i];
                let languages = p
                    .languages
                    .iter()
                    .map(|l| LanguageTag::new(*l))
                    .collect::<Result<Vec<_>, _>>()?;
                let domain = p.id.replace("state-", "gov.").replace("cert-", "cert.");
                let mut contacts = vec![Contact {
                    role: ContactRole::Technical,
                    channel: Channel::Email,
                    address: ShortText::new(format!("soc@{domain}.example"))?,
                    hours: ShortText::new("24x7")?,
                    languages: languages.clone(),
                }];
                if matches!(p.kind, PartyKind::State | PartyKind::RegionalCouncil) || version > 0 {
                    contacts.push(Contact {
                        role: ContactRole::Policy,
                        channel: if version > 0 {
                            Channel::SecureMessaging
                        } else {
                            Channel::Email
                        },
                        address: ShortText::new(format!("cyber-policy@{domain}.example"))?,
                        hours: ShortText::new("Mon-Fri 08:00-18:00 UTC")?,
                        languages,
                    });
                }
                self.submit(
                    at,
                    Payload::PocDeclare(PocDeclaration { contacts }),
                    Some(i),
                )
            }
            Action::Check { id, role, hours } => {
                let payload = Payload::PocCheck(ReachabilityCheck {
                    check: CheckId::new(id)?,
                    role,
                    respond_within_hours: hours,
                    parties: None,
                });
                self.submit(at, payload, None)
            }
            Action::Ack(i, id) => self.submit(
                at,
                Payload::PocAck(ReachabilityAck {
                    check: CheckId::new(id)?,
                }),
                Some(i),
            ),
            Action::Rotate {
                party,
                generation,
                retire,
            } => {
                let old = self.keys.get(&party).cloned().context("no key to rotate")?;
                let new = self.key_for(party, generation);
                let payload = Payload::KeyRotate(KeyRotation {
                    party: PARTIES[party].id.parse()?,
                    public_key: new.public_key(),
                    retires: retire.then(|| old.key_id()),
                });
                self.submit(at, payload, Some(party))?;
                self.keys.insert(party, new);
                Ok(())
            }
            Action::Revoke { party, generation } => {
                // The party adds a new key (signed with the leaked one, still valid), then
                // revokes the leaked key as compromised with the new one: it is never left
                // without a key, and nobody but the party ever adds one.
                self.run(
                    Action::Rotate {
                        party,
                        generation: generation + 1,
                        retire: false,
                    },
                    at,
                )?;
                let leaked = self.key_for(party, generation);
                let payload = Payload::KeyRevoke(KeyRevocation {
                    party: PARTIES[party].id.parse()?,
                    key: leaked.key_id(),
                    reason: RevocationReason::Compromised,
                });
                self.submit(at.plus_ms(60_000), payload, Some(party))
            }
        }
    }
}

fn index_of(id: &str) -> usize {
    PARTIES
        .iter()
        .position(|p| p.id == id)
        .expect("demo party ids are fixed")
}

/// Builds the timeline: who does what, when.
fn timeline(rng: &mut Rng) -> Vec<(Timestamp, u32, Action)> {
    let mut events: Vec<(Timestamp, u32, Action)> = Vec::new();
    let mut seq = 0u32;
    let mut push = |events: &mut Vec<_>, ms: u64, a: Action| {
        seq += 1;
        events.push((START.plus_ms(ms), seq, a));
    };
    // Weeks 1-3: admissions, each party declaring its contacts within a few days.
    for i in 0..PARTIES.len() {
        let registered = HOUR_MS + i as u64 * DAY_MS + rng.below(8) * HOUR_MS;
        push(&mut events, registered, Action::Register(i));
        push(
            &mut events,
            registered + DAY_MS + rng.below(72) * HOUR_MS,
            Action::Declare(i, 0),
        );
    }
    // Fortnightly reachability checks from week 4 to late October, alternating roles; the
    // last answers come in by mid-November, so the demo log never runs ahead of real time.
    for n in 0..20u64 {
        let issued = 28 * DAY_MS + n * 14 * DAY_MS + 9 * HOUR_MS;
        let (role, hours, label) = if n % 2 == 0 {
            (ContactRole::Technical, 48, "technical")
        } else {
            (ContactRole::Policy, 72, "policy")
        };
        let id = format!("rc-{:02}-{label}", n + 1);
        push(
            &mut events,
            issued,
            Action::Check {
                id: id.clone(),
                role,
                hours,
            },
        );
        for (i, p) in PARTIES.iter().enumerate() {
            if !rng.chance(p.reliability) {
                continue;
            }
            let within = u64::from(hours) * HOUR_MS;
            let delay = if rng.chance(p.punctuality) {
                1 + rng.below(within - 1)
            } else {
                within + HOUR_MS + rng.below(6 * DAY_MS)
            };
            push(&mut events, issued + delay, Action::Ack(i, id.clone()));
        }
    }
    // Key hygiene: a company rotates in spring; a CERT's key leaks in summer, it adds a new
    // key and revokes the leaked one; a state updates its contacts.
    push(
        &mut events,
        121 * DAY_MS + 10 * HOUR_MS,
        Action::Rotate {
            party: index_of("northwind-cloud"),
            generation: 1,
            retire: true,
        },
    );
    push(
        &mut events,
        203 * DAY_MS + 4 * HOUR_MS,
        Action::Revoke {
            party: index_of("cert-calandra"),
            generation: 0,
        },
    );
    push(
        &mut events,
        160 * DAY_MS,
        Action::Declare(index_of("state-aldoria"), 1),
    );
    for (ms, action) in negotiations(rng) {
        push(&mut events, ms, action);
    }
    for (ms, action) in accountability(rng) {
        push(&mut events, ms, action);
    }
    for (ms, action) in reports(rng) {
        push(&mut events, ms, action);
    }
    for (ms, action) in confidential() {
        push(&mut events, ms, action);
    }
    for (ms, action) in enforcement() {
        push(&mut events, ms, action);
    }
    for (ms, action) in sharing::timeline(rng) {
        push(&mut events, ms, action);
    }
    events.sort_by_key(|(at, seq, _)| (*at, *seq));
    events
}

/// Seeds the world into a new data directory; returns a summary line.
pub fn seed_world(dir: &DataDir, seed: u64) -> Result<String> {
    let clock = SimulatedClock::at(START);
    let secretariat_key = derived_key(seed, "secretariat");
    let ledger = found(
        dir,
        &Founding {
            origin: DEMO_ORIGIN.to_owned(),
            display_name: "Accord demo regime".to_owned(),
            secretariat: "secretariat".to_owned(),
            region: "global".to_owned(),
            instance_key: derived_key(seed, "instance"),
            secretariat_key: secretariat_key.clone(),
            charter: Charter::baseline(),
        },
        Arc::new(clock.clone()),
    )?;
    let mut world = World {
        ledger: &ledger,
        vault: dir.open_vault()?,
        clock,
        secretariat: KeyFile {
            party: Some("secretariat".parse()?),
            key: secretariat_key,
        },
        keys: BTreeMap::new(),
        seed,
        appended: 1,
        refused: Vec::new(),
    };
    let mut rng = Rng(seed);
    let events = timeline(&mut rng);
    let bar = progress::bar(events.len() as u64, "seeding the demo world", true);
    for (at, _, action) in events {
        world.run(action, at)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !world.refused.is_empty() {
        bail!(
            "the demo world produced {} refused entries; first: {}",
            world.refused.len(),
            world.refused[0]
        );
    }
    for (i, key) in &world.keys {
        KeyFile {
            party: Some(PARTIES[*i].id.parse()?),
            key: key.clone(),
        }
        .save(dir.party_key_path(PARTIES[*i].id), true)?;
        let path = dir.party_key_path(PARTIES[*i].id).with_extension("token");
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
        std::io::Write::write_all(&mut file, format!("{}\n", world.token_for(*i)).as_bytes())?;
    }
    let size = ledger.read().published().map_or(0, |p| p.checkpoint.size);
    Ok(format!(
        "Seeded the demo world: {} parties, {size} signed entries from {START} to {} (seed {seed}); party keys and API/TAXII tokens in {}",
        PARTIES.len() + 1,
        ledger.read().state().last_at(),
        dir.path().join("keys").display()
    ))
}

/// The regime's year of negotiation: two regional profiles with different tailoring, a new
/// norm concluded with amendments, positions from every chamber and signatures with
/// reservations, and an amendment of the disclosure norm still open for positions.
fn negotiations(rng: &mut Rng) -> Vec<(u64, Action)> {
    use serde_json::json;
    let day = |d: u64| d * DAY_MS + 10 * HOUR_MS;
    let iso = |ms: u64| START.plus_ms(ms).to_string();
    let mut out = Vec::new();
    let mut say =
        |ms: u64, by: Option<&str>, entry_type: &'static str, payload: serde_json::Value| {
            out.push(said(ms, by.map(index_of), entry_type, payload));
        };
    let position = |id: &str, version: u32, stance: &str, reason: Option<&str>| {
        let mut p = json!({"instrument": id, "version": version, "stance": stance});
        if let Some(r) = reason {
            p["reason"] = json!(r);
        }
        p
    };

    // Europe tightens disclosure and early warning and reports twice a year.
    say(
        day(25),
        Some("council-europe"),
        "instrument.propose",
        json!({
        "instrument": "profile-europe-2026", "title": "European regional profile 2026",
        "draft": {"kind": "regional_profile", "region": "europe", "languages": ["en", "fr", "de"],
                  "tailoring": {"disclosure_window_days": 60, "early_warning_hours": 12, "reporting_cadence_months": 6}},
        "comment_until": iso(day(39)), "positions_until": iso(day(46))}),
    );
    say(
        day(29),
        Some("cyberpeace-lab"),
        "instrument.comment",
        json!({"instrument": "profile-europe-2026", "version": 1,
        "text": "A 60-day window is achievable for most vendors; keep the extension process transparent."}),
    );
    say(
        day(40),
        Some("state-aldoria"),
        "instrument.position",
        position("profile-europe-2026", 1, "support", None),
    );
    say(
        day(41),
        Some("council-europe"),
        "instrument.position",
        position("profile-europe-2026", 1, "support", None),
    );
    say(
        day(43),
        Some("state-brevia"),
        "instrument.position",
        position(
            "profile-europe-2026",
            1,
            "support",
            Some("Six-monthly reports match our national cycle."),
        ),
    );
    say(
        day(47),
        None,
        "instrument.decide",
        json!({"instrument": "profile-europe-2026", "outcome": "adopted"}),
    );
    for (d, who) in [
        (49, "state-aldoria"),
        (50, "cert-aldoria"),
        (52, "northwind-cloud"),
        (55, "state-brevia"),
    ] {
        say(
            day(d),
            Some(who),
            "instrument.sign",
            json!({"instrument": "profile-europe-2026"}),
        );
    }

    // The states accredit the regime's auditor: registering it was the secretariat's act,
    // making it drawable for audits and panels is theirs.
    say(
        day(22),
        Some("state-brevia"),
        "instrument.propose",
        json!({
        "instrument": "accreditation-2026", "title": "Accreditation of the Independent Audit Collective",
        "draft": {"kind": "accreditation", "accredit": ["audit-collective"]},
        "comment_until": iso(day(26)), "positions_until": iso(day(33))}),
    );
    for (d, who) in [
        (27, "council-europe"),
        (27, "council-africa"),
        (28, "council-asia-pacific"),
        (28, "council-americas"),
        (29, "state-aldoria"),
        (29, "state-brevia"),
        (30, "state-calandra"),
        (30, "state-dunmore"),
        (31, "state-esteria"),
        (31, "state-farland"),
        (32, "state-galvia"),
    ] {
        say(
            day(d),
            Some(who),
            "instrument.position",
            position("accreditation-2026", 1, "support", None),
        );
    }
    say(
        day(34),
        None,
        "instrument.decide",
        json!({"instrument": "accreditation-2026", "outcome": "adopted"}),
    );

    // Africa gives more time for critical fixes and final reports, and adds languages.
    say(
        day(27),
        Some("council-africa"),
        "instrument.propose",
        json!({
        "instrument": "profile-africa-2026", "title": "African regional profile 2026",
        "draft": {"kind": "regional_profile", "region": "africa", "languages": ["en", "fr", "ar", "pt"],
                  "tailoring": {"remediation_days_critical": 21, "final_report_days": 45, "reachability_response_hours": 72}},
        "comment_until": iso(day(41)), "positions_until": iso(day(48))}),
    );
    say(
        day(42),
        Some("state-calandra"),
        "instrument.position",
        position("profile-africa-2026", 1, "support", None),
    );
    say(
        day(44),
        Some("state-dunmore"),
        "instrument.position",
        position(
            "profile-africa-2026",
            1,
            "object",
            Some("Our national CSIRT cannot yet staff 72-hour acknowledgements around the clock."),
        ),
    );
    say(
        day(45),
        Some("council-africa"),
        "instrument.position",
        position("profile-africa-2026", 1, "support", None),
    );
    say(
        day(49),
        None,
        "instrument.decide",
        json!({"instrument": "profile-africa-2026", "outcome": "adopted"}),
    );
    say(
        day(51),
        Some("state-calandra"),
        "instrument.sign",
        json!({"instrument": "profile-africa-2026",
        "reservations": ["The 21-day critical window applies to government systems from 2027."]}),
    );
    say(
        day(53),
        Some("meridian-telecom"),
        "instrument.sign",
        json!({"instrument": "profile-africa-2026"}),
    );

    // A new norm on joint exercises, negotiated in spring with two competing amendments.
    let exercises = |text: &str| {
        json!({
        "id": "joint-exercises", "title": "Take part in joint incident-response exercises",
        "text": text,
        "rationale": "Exercises build the working relationships and shared procedures that keep a real incident from escalating through misunderstanding.",
        "source": {"document": "Accord source article (shared/seed)", "reference": "joint simulations, red-teaming and joint incident-response exercises"},
        "indicators": ["reachability", "self_assessment_gap", "adherence"],
        "report_types": ["self_assessment"],
        "review_after_months": 24, "sunset_after_months": 60})
    };
    say(
        day(60),
        Some("state-aldoria"),
        "instrument.propose",
        json!({
        "instrument": "norm-joint-exercises", "title": "Norm on joint incident-response exercises",
        "draft": {"kind": "norm", "norm": exercises("Each party takes part in at least one joint incident-response exercise a year with parties of another region.")},
        "comment_until": iso(day(88)), "positions_until": iso(day(110))}),
    );
    say(
        day(65),
        Some("cyberpeace-lab"),
        "instrument.comment",
        json!({"instrument": "norm-joint-exercises", "version": 1,
        "text": "Exercises only build trust if their lessons are shared; ask for a public summary."}),
    );
    say(
        day(70),
        Some("open-net-watch"),
        "instrument.comment",
        json!({"instrument": "norm-joint-exercises", "version": 1,
        "text": "Civil-society observers should be able to attend at least the tabletop part."}),
    );
    say(
        day(72),
        Some("cyberpeace-lab"),
        "instrument.amend",
        json!({"instrument": "norm-joint-exercises", "amendment": "public-summary", "against": 1,
        "rationale": "Lessons learned should reach those who did not take part.",
        "draft": {"kind": "norm", "norm": exercises("Each party takes part in at least one joint incident-response exercise a year with parties of another region, and publishes a summary of the lessons learned within three months.")}}),
    );
    say(
        day(75),
        Some("meridian-telecom"),
        "instrument.amend",
        json!({"instrument": "norm-joint-exercises", "amendment": "no-production", "against": 1,
        "rationale": "Exercises must never touch live customer networks.",
        "draft": {"kind": "norm", "norm": exercises("Each party takes part in at least one joint incident-response exercise a year with parties of another region, without touching production systems.")}}),
    );
    say(
        day(80),
        Some("state-aldoria"),
        "instrument.accept_amendment",
        json!({"instrument": "norm-joint-exercises", "amendment": "public-summary"}),
    );
    let voters: Vec<(&str, &str, Option<&str>)> = vec![
        ("state-aldoria", "support", None), ("state-brevia", "support", None), ("state-calandra", "support", None),
        ("state-dunmore", "object", Some("An annual cross-regional exercise is beyond our current capacity; we ask for capacity building first.")),
        ("state-esteria", "support", None), ("state-farland", "support", None), ("state-galvia", "abstain", None),
        ("council-europe", "support", None), ("council-africa", "support", None), ("council-americas", "support", None),
        ("cert-aldoria", "support", None), ("cert-calandra", "support", None), ("cert-esteria", "support", None),
        ("audit-collective", "abstain", None), ("northwind-cloud", "support", None), ("meridian-telecom", "abstain", None),
        ("kestrel-software", "support", None), ("open-net-watch", "support", None), ("cyberpeace-lab", "support", None),
    ];
    for (who, stance, reason) in voters {
        let d = 89 + rng.below(20);
        say(
            day(d) + rng.below(8) * HOUR_MS,
            Some(who),
            "instrument.position",
            position("norm-joint-exercises", 2, stance, reason),
        );
    }
    say(
        day(112),
        None,
        "instrument.decide",
        json!({"instrument": "norm-joint-exercises", "outcome": "adopted"}),
    );
    for (d, who, reservation) in [
        (115, "state-aldoria", None),
        (117, "state-calandra", None),
        (
            118,
            "state-dunmore",
            Some("Subject to parliamentary approval of the exercise budget."),
        ),
        (120, "northwind-cloud", None),
        (123, "cert-esteria", None),
        (
            126,
            "state-galvia",
            Some("Galvia will take part as an observer until its national CSIRT is operational."),
        ),
        (130, "open-net-watch", None),
    ] {
        let reservations: Vec<&str> = reservation.into_iter().collect();
        say(
            day(d),
            Some(who),
            "instrument.sign",
            json!({"instrument": "norm-joint-exercises", "reservations": reservations}),
        );
    }

    // Open now: an amendment that asks disclosures to come as CSAF 2.0 advisories.
    let mut disclosure = Charter::baseline()
        .norms
        .into_iter()
        .find(|n| n.id.as_str() == "vulnerability-disclosure")
        .map(|n| serde_json::to_value(n).unwrap_or_default())
        .unwrap_or_default();
    if let Some(text) = disclosure["text"].as_str() {
        disclosure["text"] = json!(format!(
            "{text} Disclosures are published as CSAF 2.0 advisories."
        ));
    }
    say(
        day(288),
        Some("council-europe"),
        "instrument.propose",
        json!({
        "instrument": "amend-disclosure-csaf", "title": "Publish disclosures as CSAF 2.0 advisories",
        "draft": {"kind": "norm_amendment", "norm": disclosure},
        "comment_until": iso(day(298)), "positions_until": iso(day(340))}),
    );
    say(
        day(291),
        Some("kestrel-software"),
        "instrument.comment",
        json!({"instrument": "amend-disclosure-csaf", "version": 1,
        "text": "Small vendors will need tooling support; point to open-source CSAF generators."}),
    );
    for (d, who, stance, reason) in [
        (299, "state-aldoria", "support", None),
        (300, "state-farland", "support", None),
        (301, "northwind-cloud", "support", None),
        (302, "kestrel-software", "abstain", None),
        (303, "cert-aldoria", "support", None),
        (304, "open-net-watch", "support", None),
        (306, "state-galvia", "object", Some("Machine-readable advisories should be encouraged, not required, until tooling exists in Spanish.")),
        (307, "council-africa", "support", None),
    ] {
        say(day(d), Some(who), "instrument.position", position("amend-disclosure-csaf", 1, stance, reason));
    }
    out
}

/// Commitments and incident notifications: every participant commits to a handful of norms
/// (some with stricter parameters of their own, one later withdrawn), and CERTs, companies and
/// states notify incidents in stages — mostly on time, some late, some final reports never
/// filed, so the timeliness indicator and the overdue list have a story.
fn accountability(rng: &mut Rng) -> Vec<(u64, Action)> {
    use serde_json::json;
    let mut out = Vec::new();
    let mut say = |ms: u64, by: usize, entry_type: &'static str, payload: serde_json::Value| {
        out.push(said(ms, Some(by), entry_type, payload));
    };
    const NORMS: [&str; 8] = [
        "gge-c",
        "gge-g",
        "gge-h",
        "gge-j",
        "vulnerability-disclosure",
        "declared-testing",
        "attribution-parity",
        "secure-development",
    ];
    for (i, p) in PARTIES.iter().enumerate() {
        if matches!(p.kind, PartyKind::Auditor | PartyKind::Secretariat) {
            continue;
        }
        let first = 30 + rng.below(40);
        let count = 3 + rng.below(4) as usize;
        let offset = rng.below(NORMS.len() as u64) as usize;
        for k in 0..count {
            let norm = NORMS[(offset + k) % NORMS.len()];
            let mut payload = json!({"norm": norm});
            // The most diligent hold themselves to tighter deadlines than their region's.
            if p.punctuality >= 0.95 && norm == "vulnerability-disclosure" {
                payload["parameters"] = json!({"disclosure_window_days": 45});
            }
            say(
                (first + 2 * k as u64) * DAY_MS + 11 * HOUR_MS,
                i,
                "commitment.make",
                payload,
            );
            // Each committed party assesses itself against each norm after nine months.
            let score =
                (55.0 + 40.0 * p.punctuality * (0.8 + 0.2 * (k as f64 / 6.0))).min(100.0) as u8;
            say(
                (280 + rng.below(20)) * DAY_MS + (k as u64) * HOUR_MS,
                i,
                "report.self_assessment",
                json!({
                "norm": norm, "period_start": "2026-01-01T00:00:00.000Z", "period_end": "2026-10-01T00:00:00.000Z",
                "score": score,
                "statement": "Assessed by our compliance office against the norm's indicators and our own records."}),
            );
        }
    }
    say(
        200 * DAY_MS + 9 * HOUR_MS,
        index_of("kestrel-software"),
        "commitment.make",
        json!({"norm": "data-handling"}),
    );
    say(
        230 * DAY_MS + 9 * HOUR_MS,
        index_of("kestrel-software"),
        "commitment.withdraw",
        json!({"norm": "data-handling",
        "reason": "After moving to a new hosting provider we can no longer show where customer data is kept."}),
    );

    // Incidents: the punctual file on time, the others sometimes late or not at all.
    let summary = [
        "Ransomware encrypted file servers of a regional hospital group; care continues on paper.",
        "A DDoS campaign degraded government portals for six hours.",
        "Credential-stuffing against a national e-ID service; no confirmed account takeover.",
        "A supply-chain compromise in a widely used network-management tool.",
        "Wiper malware on the billing systems of an energy distributor.",
    ];
    for (i, p) in PARTIES.iter().enumerate() {
        if !matches!(
            p.kind,
            PartyKind::Cert | PartyKind::Company | PartyKind::State
        ) {
            continue;
        }
        for n in 0..(1 + rng.below(3)) {
            let aware = (40 + rng.below(240)) * DAY_MS + rng.below(24) * HOUR_MS;
            let aware_at = START.plus_ms(aware).to_string();
            let id = format!("{}-{}", &p.id[p.id.find('-').map_or(0, |d| d + 1)..], n + 1);
            let severity = ["significant", "major", "critical"][rng.below(3) as usize];
            let payload = |stage: &str| {
                json!({"incident": id, "stage": stage, "aware_at": aware_at,
                "severity": severity, "cross_border": severity != "significant",
                "summary": summary[rng_index(aware, summary.len())]})
            };
            let on_time = |rng: &mut Rng| rng.chance(p.punctuality);
            let early = if on_time(rng) {
                2 + rng.below(20)
            } else {
                25 + rng.below(30)
            } * HOUR_MS;
            say(
                aware + early,
                i,
                "report.incident",
                payload("early_warning"),
            );
            let notify = if on_time(rng) {
                30 + rng.below(40)
            } else {
                73 + rng.below(72)
            } * HOUR_MS;
            let notify = notify.max(early + HOUR_MS);
            say(
                aware + notify,
                i,
                "report.incident",
                payload("notification"),
            );
            if rng.chance(p.reliability * 0.9) {
                let days = if on_time(rng) {
                    10 + rng.below(19)
                } else {
                    31 + rng.below(20)
                };
                let at = aware + notify + days * DAY_MS;
                if at < 305 * DAY_MS {
                    say(at, i, "report.incident", payload("final_report"));
                }
            }
        }
    }
    out
}

/// Remediation items, testing declarations, attribution claims and self-assessments.
fn reports(rng: &mut Rng) -> Vec<(u64, Action)> {
    use serde_json::json;
    let mut out = Vec::new();
    let mut say = |ms: u64, by: usize, entry_type: &'static str, payload: serde_json::Value| {
        out.push(said(ms, Some(by), entry_type, payload));
    };
    let findings = [
        "Outdated TLS library on a public portal.",
        "Default credentials on a building-management controller.",
        "Unpatched VPN concentrator exposed to the internet.",
        "Privilege escalation in an internal ticketing system.",
        "Missing signature verification in a software updater.",
    ];
    const SEVERITIES: [(&str, u64); 4] =
        [("critical", 15), ("high", 30), ("medium", 90), ("low", 180)];
    for (i, p) in PARTIES.iter().enumerate() {
        if !matches!(
            p.kind,
            PartyKind::Cert | PartyKind::Company | PartyKind::State
        ) {
            continue;
        }
        // Remediation items: most fixed on time, some late, a few left open.
        for n in 0..(2 + rng.below(4)) {
            let found = (40 + rng.below(230)) * DAY_MS + rng.below(24) * HOUR_MS;
            let (severity, window) = SEVERITIES[rng.below(4) as usize];
            let item = format!(
                "{}-r{}",
                &p.id[p.id.find('-').map_or(0, |d| d + 1)..],
                n + 1
            );
            let found_at = START.plus_ms(found).to_string();
            let body = |status: &str| {
                json!({"item": item, "severity": severity, "found_at": found_at,
                "status": status, "summary": findings[rng_index(found, findings.len())]})
            };
            say(
                found + 2 * HOUR_MS + rng.below(20) * HOUR_MS,
                i,
                "report.remediation",
                body("open"),
            );
            say(
                found + DAY_MS + rng.below(3) * DAY_MS,
                i,
                "report.remediation",
                body("in_progress"),
            );
            if rng.chance(p.reliability) {
                let days = if rng.chance(p.punctuality) {
                    2 + rng.below(window - 2)
                } else {
                    window + 1 + rng.below(20)
                };
                let at = found + days * DAY_MS;
                if at < 305 * DAY_MS {
                    say(at, i, "report.remediation", body("fixed"));
                }
            }
        }
    }
    // Declared tests: CERTs declare their exercises, usually with the week's notice required.
    for id in [
        "cert-aldoria",
        "cert-calandra",
        "cert-esteria",
        "state-farland",
        "northwind-cloud",
    ] {
        let i = index_of(id);
        let p = &PARTIES[i];
        for n in 0..(1 + rng.below(3)) {
            let start = (60 + rng.below(220)) * DAY_MS;
            let notice = if rng.chance(p.punctuality) {
                8 + rng.below(14)
            } else {
                1 + rng.below(5)
            };
            let class = [
                "government",
                "critical_infrastructure",
                "commercial",
                "test_environment",
            ][rng.below(4) as usize];
            say(
                start - notice * DAY_MS,
                i,
                "report.testing_declaration",
                json!({
                "test": format!("exercise-{}", n + 1),
                "scope": "Scans and phishing simulation against partner organisations that agreed to take part.",
                "target_class": class,
                "window_start": START.plus_ms(start).to_string(),
                "window_end": START.plus_ms(start + 3 * DAY_MS).to_string()}),
            );
        }
    }
    // Attribution claims: evidence and confidence, corroboration by other CERTs, a retraction.
    let evidence = json!([
        {"kind": "malware-analysis", "description": "The loader shares code and a build path with an earlier campaign."},
        {"kind": "infrastructure", "description": "Command servers were registered through the same reseller account."}]);
    let claims: [(&str, &str, &str, u8, bool, u64); 5] = [
        ("state-aldoria", "a1", "apt-north-wind", 4, true, 95),
        ("cert-aldoria", "a1", "apt-north-wind", 4, true, 97),
        ("state-brevia", "b1", "red-harbour-group", 2, false, 140),
        ("state-calandra", "c1", "apt-north-wind", 3, true, 180),
        ("state-farland", "f1", "grey-falcon", 4, true, 210),
    ];
    for (who, claim, accused, confidence, with_evidence, day) in claims {
        let mut payload = json!({
            "claim": claim, "accused": accused, "incident": format!("{}-incident", accused),
            "confidence": confidence, "evidence": if with_evidence { evidence.clone() } else { json!([]) },
            "co_signers": []});
        if claim == "c1" {
            // The claim rests on a shared indicator; another CERT's sighting corroborates it.
            payload["intel"] = json!([sharing::northloader_c2()]);
        }
        say(
            day * DAY_MS + 10 * HOUR_MS,
            index_of(who),
            "report.attribution",
            payload,
        );
    }
    for (by, claimant, claim, day) in [
        ("cert-esteria", "state-aldoria", "a1", 100),
        ("cert-calandra", "state-aldoria", "a1", 103),
        ("cert-esteria", "state-farland", "f1", 220),
    ] {
        say(
            day * DAY_MS + 9 * HOUR_MS,
            index_of(by),
            "report.attribution_corroborate",
            json!({
            "claimant": claimant, "claim": claim,
            "note": "Our own telemetry shows the same infrastructure in the same weeks."}),
        );
    }
    // Vulnerability disclosures as CSAF 2.0 advisories: vendors mostly within their window.
    let mut cve = 21_000;
    for (id, count) in [
        ("northwind-cloud", 3),
        ("kestrel-software", 3),
        ("meridian-telecom", 2),
        ("cert-aldoria", 2),
    ] {
        let i = index_of(id);
        for n in 0..count {
            cve += 1 + rng.below(50);
            let released = (70 + rng.below(220)) * DAY_MS + 14 * HOUR_MS;
            let window_days = if rng.chance(PARTIES[i].punctuality) {
                20 + rng.below(40)
            } else {
                95 + rng.below(60)
            };
            let at = released + rng.below(3) * DAY_MS + HOUR_MS;
            say(
                at,
                i,
                "report.vulnerability_disclosure",
                json!({
                "reported_at": START.plus_ms(released.saturating_sub(window_days * DAY_MS)).to_string(),
                "advisory": advisory(PARTIES[i].name, id, n + 1, cve, START.plus_ms(released))}),
            );
        }
    }
    say(
        160 * DAY_MS,
        index_of("state-brevia"),
        "report.attribution_retract",
        json!({"claim": "b1",
        "reason": "A later forensic review found the indicators were shared with an unrelated criminal group."}),
    );
    out
}

/// Confidential evidence (principle 3): a malware analysis shared TLP:AMBER with a partner
/// CERT and read by its region's council; a vendor's business-confidential test report read
/// by the secretariat and by an auditor under a time-boxed grant; a TLP:RED packet capture
/// attached to an incident notification and read by its one recipient; and an extract that
/// turned out to hold personal data, erased by its owner (the commitment stays).
fn confidential() -> Vec<(u64, Action)> {
    use serde_json::json;
    let day = |d: u64, h: u64| d * DAY_MS + h * HOUR_MS;
    let aldoria = index_of("cert-aldoria");
    let calandra = index_of("cert-calandra");
    let northwind = index_of("northwind-cloud");
    let brevia = index_of("state-brevia");
    let read = |owner, id, reader| Action::Read { owner, id, reader };
    vec![
        (day(90, 11), Action::Commit(Confidential {
            by: aldoria, id: "a1-loader-analysis", marking: "TLP:AMBER",
            label: "malware analysis behind claim a1", recipients: &["cert-esteria"],
            text: "Loader sample: shared code with an earlier campaign; build path and compile times match; two command servers registered through one reseller account.",
        })),
        (day(99, 9), read(aldoria, "a1-loader-analysis", Some(index_of("cert-esteria")))),
        (day(104, 15), read(aldoria, "a1-loader-analysis", Some(index_of("council-europe")))),
        (day(110, 10), read(aldoria, "a1-loader-analysis", None)),
        (day(150, 16), Action::Commit(Confidential {
            by: northwind, id: "pentest-report-spring", marking: "BUSINESS-CONFIDENTIAL",
            label: "penetration test report, spring 2026", recipients: &[],
            text: "External penetration test of the customer portal: two medium findings (session fixation, verbose errors), both fixed; no critical findings.",
        })),
        (day(152, 10), read(northwind, "pentest-report-spring", None)),
        (day(200, 9), said(0, Some(northwind), "evidence.grant", json!({
            "evidence": "pentest-report-spring", "party": "audit-collective",
            "until": START.plus_ms(day(230, 9)).to_string(),
            "purpose": "audit of the vulnerability-disclosure commitment, 2026"})).1),
        (day(205, 14), read(northwind, "pentest-report-spring", Some(index_of("audit-collective")))),
        (day(230, 8), Action::Commit(Confidential {
            by: calandra, id: "ir-pcap-0819", marking: "TLP:RED",
            label: "packet capture of the ministry mail intrusion", recipients: &["cert-aldoria"],
            text: "Capture summary: beaconing every 300 s to a host in a hosting range also seen in claim a1; TLS fingerprint identical.",
        })),
        (day(230, 12), said(0, Some(calandra), "report.incident", json!({
            "incident": "mail-intrusion-0819", "stage": "early_warning",
            "aware_at": START.plus_ms(day(230, 2)).to_string(), "severity": "major",
            "cross_border": true,
            "summary": "Intrusion into a ministry mail system; a packet capture is attached for the named recipient.",
            "attachments": ["ir-pcap-0819"], "affected": ["cert-aldoria", "state-aldoria"]})).1),
        (day(231, 10), read(calandra, "ir-pcap-0819", Some(aldoria))),
        (day(260, 11), Action::Commit(Confidential {
            by: brevia, id: "mailbox-extract", marking: "TLP:AMBER+STRICT",
            label: "extract of a compromised mailbox", recipients: &[],
            text: "Message headers of the phishing wave (synthetic; no real addresses).",
        })),
        (day(262, 9), read(brevia, "mailbox-extract", None)),
        (day(290, 10), said(0, Some(brevia), "evidence.erase", json!({
            "owner": "state-brevia", "evidence": "mailbox-extract",
            "reason": "It held personal data that the report does not need."})).1),
    ]
}

/// Enforcement with due process: a violation sanctioned, remediated, verified and restored; a
/// finding reversed on appeal after the secretariat let admissibility and the response window
/// lapse; an honest mistake with a remediation plan under way; a violation whose remediation
/// plan is overdue (the party stays flagged); an inadmissible case; a fresh allegation the
/// secretariat tried to rush to a panel (refused, and the attempt recorded); an audit whose
/// finding feeds the self-assessment gap, and a peer review by states of other regions.
fn enforcement() -> Vec<(u64, Action)> {
    use serde_json::json;
    let day = |d: u64, h: u64| d * DAY_MS + h * HOUR_MS;
    let iso = |d: u64| START.plus_ms(d * DAY_MS + 9 * HOUR_MS).to_string();
    let by = |id: &str| Some(index_of(id));
    let say = |d: u64, h: u64, who: Option<usize>, ty: &'static str, p: serde_json::Value| {
        (
            day(d, h),
            Action::Say {
                by: who,
                entry_type: ty,
                payload: p,
            },
        )
    };
    let vote = |d: u64,
                case: &'static str,
                seat: usize,
                finding: &str,
                severity: Option<u8>,
                reasons: &str| {
        let mut payload = json!({"case": case, "finding": finding, "reasons": reasons});
        if let Some(s) = severity {
            payload["severity"] = json!(s);
        }
        (
            day(d, 15),
            Action::PanelVote {
                case,
                seat,
                payload,
            },
        )
    };
    let admit = |d: u64, case: &str, admissible: bool, reasons: &str| {
        say(
            d,
            10,
            None,
            "case.admissibility",
            json!({"case": case, "admissible": admissible, "reasons": reasons}),
        )
    };
    let convene = |d: u64, case: &str, panel: &str| {
        say(
            d,
            11,
            None,
            "case.convene",
            json!({"case": case, "panel": panel}),
        )
    };
    vec![
        // 1. Sanctioned, remediated, verified, restored.
        say(
            120,
            10,
            by("cert-aldoria"),
            "case.allege",
            json!({"case": "2026-001", "respondent": "state-dunmore",
            "norm": "gge-c", "summary": "A botnet hosted in its territory struck Aldorian hospitals for five weeks; three requests for help went unanswered."}),
        ),
        admit(
            123,
            "2026-001",
            true,
            "The allegation names the norm, the facts and the requests made.",
        ),
        say(
            140,
            9,
            by("state-dunmore"),
            "case.respond",
            json!({"case": "2026-001",
            "response": "Our CERT lacked the staff to act before the fourth request; the botnet is now down."}),
        ),
        convene(145, "2026-001", "first"),
        vote(
            158,
            "2026-001",
            0,
            "violation",
            Some(2),
            "Three requests over five weeks went unanswered while harm continued.",
        ),
        vote(
            160,
            "2026-001",
            1,
            "violation",
            Some(2),
            "The norm asks for action on request; staffing explains, it does not excuse.",
        ),
        say(
            188,
            10,
            by("state-dunmore"),
            "case.remediation_plan",
            json!({"case": "2026-001", "milestones": [
            {"milestone": "m1", "due": iso(215), "description": "A 24x7 duty roster at the national CERT."},
            {"milestone": "m2", "due": iso(235), "description": "An agreed procedure for requests under gge-c with response times."}]}),
        ),
        say(
            240,
            14,
            by("audit-collective"),
            "case.verify_remediation",
            json!({"case": "2026-001",
            "notes": "Duty roster seen in operation for four weeks; procedure adopted and tested with a drill."}),
        ),
        // 2. Lapses, then an appeal reverses the finding.
        say(
            150,
            10,
            by("state-aldoria"),
            "case.allege",
            json!({"case": "2026-002", "respondent": "state-galvia",
            "norm": "gge-b", "summary": "It publicly attributed an operation to Aldoria without evidence or consultation."}),
        ),
        convene(196, "2026-002", "first"),
        vote(
            210,
            "2026-002",
            0,
            "violation",
            Some(3),
            "The attribution named no evidence and preceded any consultation.",
        ),
        vote(
            212,
            "2026-002",
            1,
            "violation",
            Some(3),
            "No evidence was shared before the public statement.",
        ),
        say(
            220,
            9,
            by("state-galvia"),
            "case.appeal",
            json!({"case": "2026-002",
            "grounds": "We shared evidence through the CERT channel a week before the statement; the panel did not see it."}),
        ),
        convene(224, "2026-002", "appeal"),
        vote(
            238,
            "2026-002",
            0,
            "no_violation",
            None,
            "The CERT-channel exchange shows evidence was shared before the statement.",
        ),
        vote(
            240,
            "2026-002",
            1,
            "no_violation",
            None,
            "Consultation took place; the norm was met.",
        ),
        // 3. An honest mistake: remediation, no measure.
        say(
            180,
            10,
            by("cert-calandra"),
            "case.allege",
            json!({"case": "2026-003", "respondent": "meridian-telecom",
            "norm": "vulnerability-disclosure", "summary": "A vulnerability in its routers was disclosed 40 days late."}),
        ),
        admit(
            182,
            "2026-003",
            true,
            "A disclosure deadline is measurable.",
        ),
        say(
            190,
            9,
            by("meridian-telecom"),
            "case.respond",
            json!({"case": "2026-003",
            "response": "A ticket was misrouted between our PSIRT and the vendor team; we have fixed the routing."}),
        ),
        convene(193, "2026-003", "first"),
        vote(
            205,
            "2026-003",
            0,
            "honest_mistake",
            None,
            "A process error, promptly acknowledged.",
        ),
        vote(
            206,
            "2026-003",
            1,
            "honest_mistake",
            None,
            "No intent; the routing is fixed.",
        ),
        say(
            232,
            10,
            by("meridian-telecom"),
            "case.remediation_plan",
            json!({"case": "2026-003", "milestones": [
            {"milestone": "m1", "due": iso(320), "description": "An external review of the PSIRT intake."}]}),
        ),
        // 4. A violation whose remediation plan never comes: the party stays flagged.
        say(
            200,
            10,
            by("open-net-watch"),
            "case.allege",
            json!({"case": "2026-004", "respondent": "kestrel-software",
            "norm": "secure-development", "summary": "It shipped an update channel without signature checks after promising them."}),
        ),
        admit(
            203,
            "2026-004",
            true,
            "A commitment and a measurable breach are named.",
        ),
        say(
            215,
            9,
            by("kestrel-software"),
            "case.respond",
            json!({"case": "2026-004",
            "response": "Signature checks are planned for next year."}),
        ),
        convene(218, "2026-004", "first"),
        vote(
            236,
            "2026-004",
            0,
            "violation",
            Some(1),
            "The commitment was made and not kept.",
        ),
        vote(
            237,
            "2026-004",
            1,
            "violation",
            Some(1),
            "A minor but plain breach.",
        ),
        // 7. A second violation within the recidivism window: the ladder climbs to a reduced
        //    threat-intelligence tier (TLP:CLEAR and its own region's sharing only).
        say(
            250,
            10,
            by("cert-esteria"),
            "case.allege",
            json!({"case": "2026-007", "respondent": "kestrel-software",
            "norm": "secure-development", "summary": "A second unsigned update channel, exploited to push a miner to Esterian utilities."}),
        ),
        admit(
            252,
            "2026-007",
            true,
            "A commitment, a breach and its harm are named.",
        ),
        say(
            262,
            9,
            by("kestrel-software"),
            "case.respond",
            json!({"case": "2026-007",
            "response": "The channel belonged to a product line we were retiring."}),
        ),
        convene(264, "2026-007", "first"),
        vote(
            280,
            "2026-007",
            0,
            "violation",
            Some(3),
            "The same breach again, now with harm to a neighbour's utilities.",
        ),
        vote(
            281,
            "2026-007",
            1,
            "violation",
            Some(3),
            "A repeated breach of a measurable commitment.",
        ),
        // Bilateral exchanges on the escalation ladder: one climbed and settled, one open.
        say(
            270,
            9,
            by("cert-esteria"),
            "exchange.open",
            json!({"exchange": "x-scan-0927",
            "counterpart": "state-galvia", "rung": "information_request",
            "subject": "Sustained scanning of Esterian power utilities from Galvian address space since 24 September."}),
        ),
        say(
            274,
            10,
            by("cert-esteria"),
            "exchange.escalate",
            json!({"exchange": "x-scan-0927",
            "reason": "No answer within the 72 hours of the profile."}),
        ),
        say(
            275,
            16,
            by("state-galvia"),
            "exchange.answer",
            json!({"exchange": "x-scan-0927",
            "answer": "A university research scanner; it has stopped and excludes Esterian ranges from now on."}),
        ),
        say(
            278,
            9,
            by("cert-esteria"),
            "exchange.close",
            json!({"exchange": "x-scan-0927",
            "outcome": "Clarified: research scanning, stopped; no further action."}),
        ),
        say(
            303,
            11,
            by("state-calandra"),
            "exchange.open",
            json!({"exchange": "x-claim-b1",
            "counterpart": "state-brevia", "rung": "clarification",
            "subject": "Which indicators behind your retracted claim b1 were shared with the criminal group?"}),
        ),
        // 5. Inadmissible.
        say(
            276,
            10,
            by("cyberpeace-lab"),
            "case.allege",
            json!({"case": "2026-005", "respondent": "state-brevia",
            "norm": "gge-e", "summary": "Its new surveillance law is incompatible with human rights online."}),
        ),
        admit(
            280,
            "2026-005",
            false,
            "A law in draft is not yet conduct under the norm; resubmit once it applies.",
        ),
        // 6. A fresh case the secretariat tried to rush; the attempt is on the record.
        say(
            290,
            10,
            by("state-esteria"),
            "case.allege",
            json!({"case": "2026-006", "respondent": "state-farland",
            "norm": "gge-f", "summary": "An operation against our water utility was run from infrastructure it controls."}),
        ),
        (
            day(291, 9),
            Action::Attempt {
                by: None,
                entry_type: "case.convene",
                payload: json!({"case": "2026-006", "panel": "first"}),
            },
        ),
        // An audit whose finding feeds the self-assessment gap, and a peer review.
        say(
            295,
            16,
            by("northwind-cloud"),
            "report.self_assessment",
            json!({"norm": "vulnerability-disclosure", "period_start": "2026-01-01T00:00:00.000Z",
                   "period_end": "2026-10-01T00:00:00.000Z", "score": 88,
                   "statement": "Every advisory of the year was released within our window."}),
        ),
        say(
            296,
            9,
            None,
            "audit.open",
            json!({"audit": "2026-northwind", "party": "northwind-cloud",
            "norms": ["vulnerability-disclosure", "secure-development"], "trigger": {"kind": "scheduled"},
            "auditors": 1, "window_days": 30}),
        ),
        (
            day(303, 14),
            Action::Auditor {
                audit: "2026-northwind",
                seat: 0,
                entry_type: "audit.finding",
                payload: json!({
            "audit": "2026-northwind", "norm": "vulnerability-disclosure", "verified_value": 72,
            "method": "Sampled advisories against PSIRT tickets and release dates.",
            "sample": "All 3 advisories of 2026 and 20 of 64 tickets."}),
            },
        ),
        (
            day(304, 10),
            Action::Auditor {
                audit: "2026-northwind",
                seat: 0,
                entry_type: "audit.attest",
                payload: json!({
            "audit": "2026-northwind", "statement": "The disclosure process works; two advisories were late by a week."}),
            },
        ),
        say(
            250,
            10,
            by("council-africa"),
            "audit.open",
            json!({"audit": "2026-peer-dunmore", "party": "state-dunmore",
            "norms": ["gge-c"], "trigger": {"kind": "case", "case": "2026-001"}, "auditors": 2,
            "peer_review": true, "window_days": 40}),
        ),
        (
            day(265, 11),
            Action::Auditor {
                audit: "2026-peer-dunmore",
                seat: 0,
                entry_type: "audit.finding",
                payload: json!({
            "audit": "2026-peer-dunmore", "norm": "gge-c", "verified_value": 65,
            "method": "Peer visit and a request drill.", "sample": "Two drills, the duty log of August."}),
            },
        ),
        (
            day(268, 11),
            Action::Auditor {
                audit: "2026-peer-dunmore",
                seat: 0,
                entry_type: "audit.attest",
                payload: json!({
            "audit": "2026-peer-dunmore", "statement": "Requests are now answered within a day."}),
            },
        ),
        (
            day(270, 11),
            Action::Auditor {
                audit: "2026-peer-dunmore",
                seat: 1,
                entry_type: "audit.attest",
                payload: json!({
            "audit": "2026-peer-dunmore", "statement": "We concur."}),
            },
        ),
    ]
}

/// A statement `by` a party (the secretariat when `None`) at `ms` after the start.
fn said(
    ms: u64,
    by: Option<usize>,
    entry_type: &'static str,
    payload: serde_json::Value,
) -> (u64, Action) {
    (
        ms,
        Action::Say {
            by,
            entry_type,
            payload,
        },
    )
}

/// A minimal CSAF 2.0 advisory (profile `csaf_base`) for a demo vulnerability.
fn advisory(
    publisher: &str,
    party: &str,
    n: usize,
    cve: u64,
    released: Timestamp,
) -> serde_json::Value {
    let date = released.to_string();
    serde_json::json!({
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": publisher, "namespace": format!("https://{party}.example")},
            "title": format!("{publisher} security advisory {n}: remote code execution in a management interface"),
            "tracking": {
                "current_release_date": date,
                "id": format!("{party}-sa-2026-{n:03}"),
                "initial_release_date": date,
                "revision_history": [{"date": date, "number": "1", "summary": "Initial release."}],
                "status": "final",
                "version": "1"
            }
        },
        "vulnerabilities": [{"cve": format!("CVE-2026-{cve}"), "title": "Improper input validation in the management interface"}]
    })
}

fn rng_index(seed: u64, len: usize) -> usize {
    (seed / HOUR_MS) as usize % len
}
