//! How enforcement scales: 10,000 parties, 100,000 cases taken from allegation to a majority
//! finding (allegation, admissibility, answer, a conflict-free panel drawn from thousands of
//! candidates, two votes), projected from scratch by the pure projection (`State::admit`,
//! signatures verified, a state digest sealed every 1,000 entries); then 1,000 audits assigned
//! conflict-free, compared with the exhaustive draw on the same pools.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use accord_domain::enforcement::assign;
use accord_domain::norms::Charter;
use accord_domain::{LogEntry, State, Timestamp};
use accord_envelope::{Envelope, KeyPair, PartyId, Signer};
use anyhow::{anyhow, Result};
use rayon::prelude::*;
use serde_json::{json, Value};

const KINDS: [&str; 5] = ["state", "company", "cert", "civil_society", "auditor"];
const REGIONS: [&str; 5] = ["europe", "africa", "asia", "americas", "oceania"];
const START: u64 = 1_767_600_000_000;

struct Builder {
    state: State,
    entries: Vec<LogEntry>,
    keys: Vec<KeyPair>,
    secretariat: KeyPair,
    now: u64,
}

fn sign(ty: &str, payload: Value, party: &str, key: &KeyPair) -> Result<Envelope> {
    let signer = Signer {
        party: party.parse()?,
        key: key.key_id(),
    };
    Ok(Envelope::sign(ty, 1, payload, signer, key)?)
}

fn party(i: usize) -> String {
    format!("p{i:05}")
}

impl Builder {
    fn push(&mut self, envelopes: Vec<Envelope>) -> Result<()> {
        for envelope in envelopes {
            self.now += 1;
            let entry = LogEntry {
                envelope,
                sequenced_at: Timestamp::from_unix_ms(self.now),
            };
            let index = self.entries.len() as u64;
            self.state
                .admit(index, &entry)
                .map_err(|r| anyhow!("bench entry {index} was refused: {r}"))?;
            self.entries.push(entry);
        }
        Ok(())
    }

    /// Signs statements in parallel, each by (party index or secretariat, type, payload).
    fn sign_all(&self, items: Vec<(Option<usize>, &'static str, Value)>) -> Result<Vec<Envelope>> {
        items
            .into_par_iter()
            .map(|(by, ty, p)| match by {
                Some(i) => sign(ty, p, &party(i), &self.keys[i]),
                None => sign(ty, p, "secretariat", &self.secretariat),
            })
            .collect()
    }
}

/// Builds the log: parties, then `cases` cases in rounds of 1,000.
fn build(parties: usize, cases: usize) -> Result<Vec<LogEntry>> {
    let instance = KeyPair::from_seed([1; 32]);
    let secretariat = KeyPair::from_seed([2; 32]);
    let keys: Vec<KeyPair> = (0..parties)
        .into_par_iter()
        .map(|i| {
            let mut s = [9u8; 32];
            s[..8].copy_from_slice(&(i as u64).to_be_bytes());
            KeyPair::from_seed(s)
        })
        .collect();
    let mut b = Builder {
        state: State::new(),
        entries: Vec::new(),
        keys,
        secretariat: secretariat.clone(),
        now: START,
    };
    let genesis = sign(
        "instance.genesis",
        json!({"origin": "bench.accord.example/enforcement", "display_name": "Enforcement bench",
               "instance_key": instance.public_key(),
               "secretariat": {"party": "secretariat", "kind": "secretariat", "region": "global",
                               "display_name": "Secretariat", "public_key": secretariat.public_key()}}),
        "instance",
        &instance,
    )?;
    b.push(vec![genesis])?;
    let charter = b.sign_all(vec![(
        None,
        "regime.establish",
        serde_json::to_value(Charter::baseline())?,
    )])?;
    b.push(charter)?;
    let registrations = (0..parties)
        .map(|i| {
            (
                None,
                "party.register",
                json!({"party": party(i), "kind": KINDS[i % KINDS.len()],
                       "region": REGIONS[(i / KINDS.len()) % REGIONS.len()],
                       "display_name": format!("Bench party {i}"), "public_key": b.keys[i].public_key()}),
            )
        })
        .collect();
    let signed = b.sign_all(registrations)?;
    b.push(signed)?;
    // The states accredit the auditors (only accredited auditors are drawn), a thousand an
    // instrument, every state in support.
    let states: Vec<usize> = (0..parties)
        .filter(|i| KINDS[i % KINDS.len()] == "state")
        .collect();
    let auditors: Vec<String> = (0..parties)
        .filter(|i| KINDS[i % KINDS.len()] == "auditor")
        .map(party)
        .collect();
    for (k, chunk) in auditors.chunks(1000).enumerate() {
        let id = format!("accreditation-{k}");
        let at = |ms: u64| Timestamp::from_unix_ms(b.now + ms).to_string();
        let proposal = json!({"instrument": id, "title": "Accreditation of bench auditors",
            "draft": {"kind": "accreditation", "accredit": chunk},
            "comment_until": at(1_000), "positions_until": at(3_600_000)});
        let signed = b.sign_all(vec![(Some(states[0]), "instrument.propose", proposal)])?;
        b.push(signed)?;
        let positions = states
            .iter()
            .map(|&s| {
                (
                    Some(s),
                    "instrument.position",
                    json!({"instrument": id, "version": 1, "stance": "support"}),
                )
            })
            .collect();
        let signed = b.sign_all(positions)?;
        b.push(signed)?;
        b.now += 3_600_000;
        let signed = b.sign_all(vec![(
            None,
            "instrument.decide",
            json!({"instrument": id, "outcome": "adopted"}),
        )])?;
        b.push(signed)?;
    }
    // States and companies are respondents; CERTs complain.
    let respondents: Vec<usize> = (0..parties).filter(|i| i % 5 < 2).collect();
    let complainants: Vec<usize> = (0..parties).filter(|i| i % 5 == 2).collect();
    for round in (0..cases).step_by(1000) {
        let ids: Vec<usize> = (round..(round + 1000).min(cases)).collect();
        let case = |n: usize| format!("k{n:06}");
        let mut steps = Vec::new();
        for &n in &ids {
            let respondent = respondents[n % respondents.len()];
            let complainant = complainants[(n * 7) % complainants.len()];
            steps.push((
                Some(complainant),
                "case.allege",
                json!({"case": case(n), "respondent": party(respondent), "norm": "gge-c",
                       "summary": "Bench allegation."}),
            ));
        }
        for &n in &ids {
            steps.push((
                None,
                "case.admissibility",
                json!({"case": case(n), "admissible": true, "reasons": "Bench."}),
            ));
        }
        for &n in &ids {
            let respondent = respondents[n % respondents.len()];
            steps.push((
                Some(respondent),
                "case.respond",
                json!({"case": case(n), "response": "Bench answer."}),
            ));
        }
        for &n in &ids {
            steps.push((
                None,
                "case.convene",
                json!({"case": case(n), "panel": "first"}),
            ));
        }
        let signed = b.sign_all(steps)?;
        b.push(signed)?;
        let mut votes = Vec::new();
        for &n in &ids {
            let record = b
                .state
                .cases()
                .get(&case(n).parse()?)
                .ok_or_else(|| anyhow!("bench case {n} missing"))?;
            let panel = record
                .panel
                .as_ref()
                .ok_or_else(|| anyhow!("bench case {n} has no panel"))?;
            for m in &panel.members[..2] {
                let i: usize = m.as_str()[1..].parse()?;
                votes.push((
                    Some(i),
                    "case.vote",
                    json!({"case": case(n), "finding": "violation", "severity": 1 + (n % 5) as u8,
                           "reasons": "Bench vote."}),
                ));
            }
        }
        let signed = b.sign_all(votes)?;
        b.push(signed)?;
    }
    Ok(b.entries)
}

/// What the enforcement bench measured.
pub struct Measured {
    /// Entries projected for `cases` cases.
    pub entries: usize,
    /// Projection time.
    pub projection: Duration,
    /// Standing of every party, once.
    pub standings: Duration,
    /// 1,000 audits through the projection (check and apply).
    pub audits: Duration,
    /// The exhaustive draw for the same 1,000 audits.
    pub exhaustive: Duration,
    /// Highest minus lowest open audits per auditor after the 1,000 audits.
    pub spread: u32,
}

/// Builds and projects `cases` cases among `parties` parties, then assigns 1,000 audits.
pub fn measure(parties: usize, cases: usize) -> Result<Measured> {
    let mut entries = build(parties, cases)?;
    let (projection, mut state) = super::negotiation::project(&entries)?;
    let now = state.last_at();
    let started = Instant::now();
    for i in 0..parties {
        std::hint::black_box(state.standing(&party(i).parse()?, now));
    }
    let standings = started.elapsed();

    // 1,000 audits of respondents, triggered by their cases, 3 auditors each.
    let secretariat = KeyPair::from_seed([2; 32]);
    let audits: Vec<Envelope> = (0..1000usize)
        .into_par_iter()
        .map(|n| {
            let respondent = party((n * 5) % parties);
            sign(
                "audit.open",
                json!({"audit": format!("a{n:04}"), "party": respondent, "norms": ["gge-c"],
                       "trigger": {"kind": "scheduled"}, "auditors": 3, "window_days": 90}),
                "secretariat",
                &secretariat,
            )
        })
        .collect::<Result<_>>()?;
    let mut at = now.unix_ms();
    let audit_entries: Vec<LogEntry> = audits
        .into_iter()
        .map(|envelope| {
            at += 1;
            LogEntry {
                envelope,
                sequenced_at: Timestamp::from_unix_ms(at),
            }
        })
        .collect();
    let started = Instant::now();
    for e in &audit_entries {
        let index = entries.len() as u64;
        state
            .admit(index, e)
            .map_err(|r| anyhow!("bench audit refused: {r}"))?;
        entries.push(e.clone());
    }
    let audit_time = started.elapsed();
    // Conflict-free: nobody audits itself or its own region; the load stays level.
    let roster = state.roster();
    let mut seen = 0u32;
    for a in state.audits().all() {
        let region = &state.party(&a.party).expect("registered").region;
        for auditor in &a.auditors {
            let p = state.party(auditor).expect("registered");
            if auditor == &a.party || &p.region == region || p.kind.as_str() != "auditor" {
                return Err(anyhow!(
                    "audit {} drew a conflicted auditor {auditor}",
                    a.audit
                ));
            }
            seen += 1;
        }
    }
    let auditors: Vec<&PartyId> = roster.accredited.iter().collect();
    let loads: Vec<u32> = auditors
        .iter()
        .map(|a| state.audits().load().get(*a).copied().unwrap_or(0))
        .collect();
    let spread = loads.iter().max().unwrap_or(&0) - loads.iter().min().unwrap_or(&0);
    if seen != 3000 {
        return Err(anyhow!("expected 3,000 auditor seats, drew {seen}"));
    }
    // Baseline: the exhaustive order over the same pools and exclusions.
    let pool = roster.pool([&accord_domain::PartyKind::Auditor]);
    let started = Instant::now();
    for a in state.audits().all() {
        let region = &state.party(&a.party).expect("registered").region;
        let excluded: BTreeSet<&PartyId> = [&a.party].into_iter().collect();
        let eligible = |p: &PartyId| {
            !excluded.contains(p) && roster.parties.get(p).map(|x| &x.region) != Some(region)
        };
        let seed = a.opened.index.to_be_bytes().repeat(4);
        std::hint::black_box(assign::draw_exhaustive(
            &pool,
            &eligible,
            state.audits().load(),
            seed[..32].try_into()?,
            3,
        ));
    }
    let exhaustive = started.elapsed();
    Ok(Measured {
        entries: entries.len() - audit_entries.len(),
        projection,
        standings,
        audits: audit_time,
        exhaustive,
        spread,
    })
}
