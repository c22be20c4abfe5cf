//! Alerts when a log is caught equivocating: one JSON document (`accord-alert/v1`) per event,
//! POSTed to the webhook the operator configured (`--alert-webhook URL`: a mail or paging
//! gateway, an Alertmanager-style receiver) with the finding and the proof.
//!
//! - `accord serve`, when a mirror catches an instance it follows: the alert names every point
//!   of contact it is for — the secretariat's contacts, and the policy contacts of the states
//!   and regional councils, as this instance's log declares them; retried every pull round
//!   until the webhook answers 2xx, and again after a restart until it has.
//! - `accord witness serve`, when the witness keeps a proof: the witness knows checkpoints,
//!   not parties, so its alert names none (its operator's gateway knows whom to tell); each
//!   proof is alerted once (`alerted.json` in the witness's directory).

use std::sync::Arc;
use std::time::Duration;

use accord_domain::party::ContactRole;
use accord_domain::registry::PartyKind;
use accord_federation::{Alerter, Equivocation, Followed};
use accord_sequencer::Ledger;
use serde::Serialize;

/// The `type` of an alert document.
pub const ALERT_TYPE: &str = "accord-alert/v1";

/// One point of contact an alert is for.
#[derive(Serialize)]
struct Recipient {
    party: String,
    role: ContactRole,
    channel: accord_domain::party::Channel,
    address: String,
    hours: String,
}

#[derive(Serialize)]
struct Alert<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event: &'static str,
    /// The instance (its log's origin) or witness (its name) that caught it.
    raised_by: String,
    /// The followed instance's local name, when a mirror caught it.
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<&'a str>,
    /// Its public endpoints, when a mirror caught it.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    /// The log that equivocated.
    origin: &'a str,
    finding: &'a str,
    /// Where this instance publishes the proof.
    published_at: String,
    proof: &'a Equivocation,
    recipients: Vec<Recipient>,
}

/// The points of contact an alert is for, as the log declares them now.
fn recipients(state: &accord_domain::State) -> Vec<Recipient> {
    let mut out = Vec::new();
    for party in state.parties().values() {
        let Some(poc) = &party.poc else { continue };
        for c in &poc.contacts {
            let wanted = match party.kind {
                PartyKind::Secretariat => true,
                PartyKind::State | PartyKind::RegionalCouncil => c.role == ContactRole::Policy,
                _ => false,
            };
            if wanted {
                out.push(Recipient {
                    party: party.id.to_string(),
                    role: c.role,
                    channel: c.channel,
                    address: c.address.to_string(),
                    hours: c.hours.to_string(),
                });
            }
        }
    }
    out
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// POSTs `alert`; `Ok` once the webhook answered 2xx.
fn post(agent: &ureq::Agent, webhook: &str, alert: &Alert) -> Result<(), String> {
    let body = serde_json::to_vec(alert).map_err(|e| e.to_string())?;
    let res = agent
        .post(webhook)
        .header("content-type", "application/json")
        .send(&body[..])
        .map_err(|e| format!("POST {webhook}: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("POST {webhook}: HTTP {}", res.status()));
    }
    Ok(())
}

/// The alerter `serve` gives its federation: POSTs each alert to `webhook`.
pub fn webhook(webhook: String, ledger: Arc<Ledger>, public_url: String) -> Box<Alerter> {
    let agent = agent();
    Box::new(
        move |followed: &Followed, proof: &Equivocation, finding: &str| {
            let (raised_by, recipients) = {
                let core = ledger.read();
                (ledger.origin().to_owned(), recipients(core.state()))
            };
            let alert = Alert {
                kind: ALERT_TYPE,
                event: "equivocation",
                raised_by,
                instance: Some(&followed.name),
                url: Some(&followed.url),
                origin: followed.origin(),
                finding,
                published_at: format!(
                    "{}/federation/equivocations",
                    public_url.trim_end_matches('/')
                ),
                proof,
                recipients,
            };
            post(&agent, &webhook, &alert)?;
            tracing::info!(instance = %followed.name, webhook = %webhook, "alerted the points of contact that a followed instance equivocated");
            Ok(())
        },
    )
}

/// A witness's alerts: every `every`, each proof the witness keeps that `alerted` (the file of
/// proofs already alerted, by SHA-256 of their JSON) does not list is POSTed to `webhook`,
/// then listed. Runs until the process ends.
pub fn witness_alerts(
    witness: Arc<accord_witness::Witness>,
    logs: Vec<accord_tlog::note::NoteVerifier>,
    webhook: String,
    published_at: String,
    alerted: std::path::PathBuf,
    every: Duration,
) {
    use sha2::Digest as _;
    let agent = agent();
    loop {
        let mut done: std::collections::BTreeSet<String> = std::fs::read(&alerted)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let proofs = witness.equivocations().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "reading the witness's equivocation proofs");
            Vec::new()
        });
        for proof in proofs {
            let id = hex::encode(sha2::Sha256::digest(
                serde_json::to_vec(&proof).unwrap_or_default(),
            ));
            if done.contains(&id) {
                continue;
            }
            let finding = logs
                .iter()
                .find(|v| v.name() == proof.origin)
                .map(|v| proof.verify(v).map_or_else(|e| e, |p| p.finding))
                .unwrap_or_else(|| format!("a proof about `{}`", proof.origin));
            let alert = Alert {
                kind: ALERT_TYPE,
                event: "equivocation",
                raised_by: witness.name().to_owned(),
                instance: None,
                url: None,
                origin: &proof.origin,
                finding: &finding,
                published_at: published_at.clone(),
                proof: &proof,
                recipients: Vec::new(),
            };
            match post(&agent, &webhook, &alert) {
                Ok(()) => {
                    done.insert(id);
                    if let Err(e) = crate::datadir::write_json_atomically(&alerted, &done) {
                        tracing::warn!(error = %e, "could not record the alert as sent; it will be sent again");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the equivocation alert was not delivered; trying again")
                }
            }
        }
        std::thread::sleep(every);
    }
}
