//! How projecting a negotiation scales: 200 parties take positions on instruments, and the
//! pure projection (`State::admit`, with a state digest sealed every 1,000 entries) folds them
//! in. Measured at two sizes so the table shows whether the cost per entry stays flat.

use std::time::{Duration, Instant};

use accord_domain::norms::Charter;
use accord_domain::{LogEntry, State, Timestamp};
use accord_envelope::{Envelope, KeyPair, Signer};
use anyhow::{anyhow, Result};
use rayon::prelude::*;
use serde_json::{json, Value};

/// Parties in the negotiation.
pub const PARTIES: usize = 200;
/// Positions per instrument (one per party).
const PER_INSTRUMENT: usize = PARTIES;

const KINDS: [&str; 5] = [
    "state",
    "company",
    "civil_society",
    "cert",
    "regional_council",
];
const START: u64 = 1_767_600_000_000;
const DAY: u64 = 86_400_000;

fn sign(ty: &str, payload: Value, party: &str, key: &KeyPair) -> Result<Envelope> {
    let signer = Signer {
        party: party.parse()?,
        key: key.key_id(),
    };
    Ok(Envelope::sign(ty, 1, payload, signer, key)?)
}

/// The log of a negotiation round with `positions` positions: genesis, charter, parties, then
/// instruments of 200 positions each (proposal, positions, decision). Timestamps are spaced so
/// every deadline is met.
fn build(positions: usize) -> Result<Vec<LogEntry>> {
    let instance = KeyPair::from_seed([1; 32]);
    let secretariat = KeyPair::from_seed([2; 32]);
    let parties: Vec<(String, KeyPair)> = (0..PARTIES)
        .map(|i| (format!("party-{i:03}"), KeyPair::from_seed(seed(i))))
        .collect();
    let mut envelopes: Vec<(u64, Envelope)> = Vec::new();
    let mut t = START;
    let mut at = |step: u64, not_before: u64| {
        t = (t + step).max(not_before);
        t
    };
    envelopes.push((
        at(0, 0),
        sign(
            "instance.genesis",
            json!({
        "origin": "bench.accord.example/negotiation", "display_name": "Negotiation bench",
        "instance_key": instance.public_key(),
        "secretariat": {"party": "secretariat", "kind": "secretariat", "region": "global",
                        "display_name": "Secretariat", "public_key": secretariat.public_key()}}),
            "instance",
            &instance,
        )?,
    ));
    envelopes.push((
        at(1, 0),
        sign(
            "regime.establish",
            serde_json::to_value(Charter::baseline())?,
            "secretariat",
            &secretariat,
        )?,
    ));
    for (i, (id, key)) in parties.iter().enumerate() {
        let payload = json!({"party": id, "kind": KINDS[i % KINDS.len()], "region": "global",
                             "display_name": format!("Bench party {i}"), "public_key": key.public_key()});
        envelopes.push((
            at(1, 0),
            sign("party.register", payload, "secretariat", &secretariat)?,
        ));
    }
    let instruments = positions.div_ceil(PER_INSTRUMENT);
    for n in 0..instruments {
        let id = format!("bench-{n:04}");
        let norm = json!({"id": format!("bench-norm-{n:04}"), "title": format!("Bench norm {n}"),
            "text": "Parties do what the bench asks.", "rationale": "To measure.",
            "source": {"document": "bench", "reference": "1"}, "indicators": ["adherence"],
            "report_types": ["self_assessment"], "review_after_months": 24, "sunset_after_months": 60});
        let opened = at(1, 0);
        envelopes.push((
            opened,
            sign(
                "instrument.propose",
                json!({
            "instrument": id, "title": format!("Bench instrument {n}"),
            "draft": {"kind": "norm", "norm": norm},
            "comment_until": Timestamp::from_unix_ms(opened + 1).to_string(),
            "positions_until": Timestamp::from_unix_ms(opened + DAY).to_string()}),
                "secretariat",
                &secretariat,
            )?,
        ));
        let count = PER_INSTRUMENT.min(positions - n * PER_INSTRUMENT);
        let signed: Vec<Result<Envelope>> = parties[..count]
            .par_iter()
            .enumerate()
            .map(|(i, (party, key))| {
                let stance = if i % 10 == 9 { "abstain" } else { "support" };
                sign(
                    "instrument.position",
                    json!({"instrument": id, "version": 1, "stance": stance}),
                    party,
                    key,
                )
            })
            .collect();
        for e in signed {
            envelopes.push((at(1, 0), e?));
        }
        let closed = at(1, opened + DAY + 1);
        envelopes.push((
            closed,
            sign(
                "instrument.decide",
                json!({"instrument": id, "outcome": "adopted"}),
                "secretariat",
                &secretariat,
            )?,
        ));
    }
    Ok(envelopes
        .into_iter()
        .map(|(ms, envelope)| LogEntry {
            envelope,
            sequenced_at: Timestamp::from_unix_ms(ms),
        })
        .collect())
}

fn seed(i: usize) -> [u8; 32] {
    let mut s = [7u8; 32];
    s[..8].copy_from_slice(&(i as u64).to_be_bytes());
    s
}

/// Folds `entries` through the projection from scratch (a state digest sealed every 1,000
/// entries); returns the time it took and the state.
pub(crate) fn project(entries: &[LogEntry]) -> Result<(Duration, State)> {
    let started = Instant::now();
    let mut state = State::new();
    let mut digest = [0u8; 32];
    for (i, entry) in entries.iter().enumerate() {
        state
            .admit(i as u64, entry)
            .map_err(|r| anyhow!("bench entry {i} was refused: {r}"))?;
        if (i + 1) % 1000 == 0 {
            digest = state.seal_batch(&digest);
        }
    }
    std::hint::black_box(state.seal_batch(&digest));
    Ok((started.elapsed(), state))
}

/// Projection time and entries for `positions` positions.
pub fn measure(positions: usize) -> Result<(Duration, usize)> {
    let entries = build(positions)?;
    let (elapsed, _) = project(&entries)?;
    Ok((elapsed, entries.len()))
}
