//! The demo world's shared threat intelligence: CERTs of three regions share indicators,
//! malware and sightings with the whole community (TLP:CLEAR and GREEN) and within a
//! cross-regional sharing group (TLP:AMBER, AMBER+STRICT, RED); a sighting corroborates an
//! attribution claim; an indicator is revoked, another withdrawn as a false positive. Every
//! object goes through what the TAXII server does with a post ([`prepare_share`]): validated,
//! logged in full when TLP:CLEAR, otherwise committed with its content in the vault, and
//! recorded by the instance on behalf of the sharer.

use accord_domain::ids::GroupId;
use accord_domain::sharing::{identity_of, IntelWithdraw};
use accord_domain::{Payload, Timestamp};
use accord_envelope::PartyId;
use accord_sequencer::Submission;
use accord_server::taxii::prepare_share;
use anyhow::{Context, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{index_of, Action, Rng, World, DAY_MS, HOUR_MS, PARTIES, START};

/// The TLP 2.0 marking-definition ids.
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// The cross-regional sharing group.
pub(super) const CIRCLE: &str = "cert-circle";

/// A stable STIX id for a demo object: a name-based UUID (SHA-256, version 8).
pub(super) fn stix_id(ty: &str, name: &str) -> String {
    let uuid = accord_domain::ids::name_uuid(&format!("accord-demo-stix\n{ty}\n{name}"), 8);
    format!("{ty}--{uuid}")
}

fn when(d: u64, h: u64) -> String {
    START.plus_ms(d * DAY_MS + h * HOUR_MS).to_string()
}

fn common(ty: &str, name: &str, by: &str, marking: &str, d: u64) -> Value {
    json!({"type": ty, "spec_version": "2.1", "id": stix_id(ty, name),
        "created": when(d, 0), "modified": when(d, 0),
        "created_by_ref": identity_of(by), "object_marking_refs": [marking]})
}

fn indicator(
    name: &str,
    by: &str,
    marking: &str,
    d: u64,
    pattern: &str,
    description: &str,
) -> Value {
    let mut o = common("indicator", name, by, marking, d);
    o["name"] = json!(name);
    o["description"] = json!(description);
    o["pattern"] = json!(pattern);
    o["pattern_type"] = json!("stix");
    o["valid_from"] = json!(when(d, 0));
    o["indicator_types"] = json!(["malicious-activity"]);
    o
}

fn malware(name: &str, by: &str, marking: &str, d: u64, description: &str) -> Value {
    let mut o = common("malware", name, by, marking, d);
    o["name"] = json!(name);
    o["description"] = json!(description);
    o["is_family"] = json!(true);
    o["malware_types"] = json!(["remote-access-trojan"]);
    o
}

fn relationship(
    name: &str,
    by: &str,
    marking: &str,
    d: u64,
    source: &str,
    kind: &str,
    target: &str,
) -> Value {
    let mut o = common("relationship", name, by, marking, d);
    o["relationship_type"] = json!(kind);
    o["source_ref"] = json!(source);
    o["target_ref"] = json!(target);
    o
}

/// The indicator the claim `c1` rests on; cert-esteria's sighting of it corroborates the claim.
pub(super) fn northloader_c2() -> String {
    stix_id("indicator", "NorthLoader command server")
}

/// The sharing year, as (milliseconds after the start, action).
pub(super) fn timeline(rng: &mut Rng) -> Vec<(u64, Action)> {
    let day = |d: u64, h: u64| d * DAY_MS + h * HOUR_MS;
    let share = |d: u64, h: u64, by: &str, collection: &'static str, object: Value| {
        (
            day(d, h),
            Action::Share {
                by: index_of(by),
                collection,
                object,
            },
        )
    };
    let loader = stix_id("malware", "NorthLoader");
    // Every party gets an API and TAXII token before the feed starts.
    let mut out: Vec<(u64, Action)> = (0..PARTIES.len())
        .map(|i| (day(50, 9) + i as u64 * 60_000, Action::IssueToken(i)))
        .collect();
    out.extend([
        // The community feed: CLEAR from Europe, GREEN from Asia-Pacific and Africa.
        share(58, 10, "cert-aldoria", "community", malware("NorthLoader", "cert-aldoria", CLEAR, 58,
            "Loader family behind the spring intrusions into European ministries.")),
        share(58, 10, "cert-aldoria", "community", indicator("NorthLoader command server", "cert-aldoria", CLEAR, 58,
            "[ipv4-addr:value = '203.0.113.7']", "Command server of NorthLoader, active since February.")),
        share(58, 11, "cert-aldoria", "community", relationship("nl-c2-indicates", "cert-aldoria", CLEAR, 58,
            &northloader_c2(), "indicates", &loader)),
        share(61, 9, "cert-esteria", "community", indicator("Esterian ministry phishing domain", "cert-esteria", GREEN, 61,
            "[domain-name:value = 'esteria-gov-login.example']", "Credential-phishing domain imitating the ministry portal.")),
        share(61, 9, "cert-esteria", "community", malware("ScanBot", "cert-esteria", GREEN, 61,
            "Scanner botnet probing utility control interfaces in the region.")),
        share(66, 14, "cert-calandra", "community", indicator("Calandra mail relay abuse", "cert-calandra", GREEN, 66,
            "[ipv4-addr:value = '198.51.100.23']", "Open relay used for the ministry phishing wave.")),
        // The cross-regional circle, and what stays inside it.
        (day(75, 10), Action::Say { by: Some(index_of("cert-aldoria")), entry_type: "sharing.group", payload: json!({
            "group": CIRCLE, "title": "Cross-regional CERT circle",
            "description": "CERTs and operators of three regions sharing TLP:AMBER and closer.",
            "members": ["cert-calandra", "cert-esteria", "council-europe", "northwind-cloud", "kestrel-software"]}) }),
        share(80, 10, "cert-aldoria", CIRCLE, indicator("NorthLoader staging server", "cert-aldoria", AMBER, 80,
            "[ipv4-addr:value = '192.0.2.77']", "Staging host seen only in the ministry intrusions; do not block publicly yet.")),
        share(80, 11, "cert-aldoria", CIRCLE, malware("NorthLoader stage two", "cert-aldoria", AMBER, 80,
            "Second stage with a hard-coded reseller account name.")),
        share(86, 15, "cert-esteria", CIRCLE, indicator("Utility VPN brute force", "cert-esteria", AMBER_STRICT, 86,
            "[ipv4-addr:value = '192.0.2.140']", "Brute force against a utility's VPN; organisation-internal handling only.")),
        share(95, 8, "cert-calandra", CIRCLE, indicator("Ministry mail implant beacon", "cert-calandra", RED, 95,
            "[domain-name:value = 'update-check.example']", "Beacon of the implant in the ministry mail system: for the circle's eyes only.")),
        // cert-esteria sights the NorthLoader command server: the sighting corroborates claim c1.
        {
            let mut s = common("sighting", "esteria sighting of NorthLoader C2", "cert-esteria", GREEN, 185);
            s["sighting_of_ref"] = json!(northloader_c2());
            s["count"] = json!(14);
            s["where_sighted_refs"] = json!([identity_of("cert-esteria")]);
            share(185, 16, "cert-esteria", "community", s)
        },
        // A stale indicator revoked; a false positive withdrawn.
        {
            let mut v = indicator("NorthLoader command server", "cert-aldoria", CLEAR, 58,
                "[ipv4-addr:value = '203.0.113.7']", "Command server of NorthLoader; the address was reassigned in July.");
            v["modified"] = json!(when(212, 0));
            v["revoked"] = json!(true);
            share(212, 9, "cert-aldoria", "community", v)
        },
        (day(140, 10), Action::Withdraw { by: index_of("cert-esteria"), collection: "community",
            id: stix_id("indicator", "Esterian ministry phishing domain") }),
    ]);
    // A steady feed: a few indicators a month from the three CERTs.
    for n in 0..36u64 {
        let (by, marking, octet) = match n % 3 {
            0 => ("cert-aldoria", CLEAR, 10),
            1 => ("cert-esteria", GREEN, 20),
            _ => ("cert-calandra", GREEN, 30),
        };
        let d = 70 + n * 7 + rng.below(3);
        let name = format!("scanner {by} {n}");
        out.push(share(
            d,
            9 + rng.below(8),
            by,
            "community",
            indicator(
                &name,
                by,
                marking,
                d,
                &format!("[ipv4-addr:value = '198.51.100.{}']", octet + n % 10),
                &format!("Mass scanning of exposed management interfaces, seen by {by}."),
            ),
        ));
    }
    out
}

impl World<'_> {
    /// Shares an object as the TAXII server does for a post by `by`.
    pub(super) fn share(
        &mut self,
        at: Timestamp,
        by: usize,
        collection: &str,
        object: Value,
    ) -> Result<()> {
        self.clock.set(at);
        let party: PartyId = PARTIES[by].id.parse()?;
        let group: GroupId = collection.parse()?;
        let salt: [u8; 32] = Sha256::digest(format!(
            "accord-demo-intel-salt/{}/{}/{}/{}",
            self.seed, by, object["id"], object["modified"]
        ))
        .into();
        let prepared = prepare_share(&party, &group, object, salt)
            .map_err(|e| anyhow::anyhow!("demo object refused: {e}"))?;
        if let Some(((owner, key), sealed)) = &prepared.vault_item {
            self.vault.put(owner, key, sealed)?;
        }
        let envelope = self
            .ledger
            .sign_as_instance(&Payload::IntelShare(Box::new(prepared.share)))?;
        match self.ledger.append(vec![Submission::new(envelope)])?.pop() {
            Some(Ok(_)) => self.appended += 1,
            Some(Err(r)) => self.refused.push(r.to_string()),
            None => {}
        }
        Ok(())
    }

    /// Withdraws every version of an object, as a TAXII DELETE does.
    pub(super) fn withdraw(
        &mut self,
        at: Timestamp,
        by: usize,
        collection: &str,
        id: String,
    ) -> Result<()> {
        self.clock.set(at);
        let w = IntelWithdraw {
            by: PARTIES[by].id.parse()?,
            collection: collection.parse()?,
            id,
            version: None,
        };
        let doomed: Vec<(String, String)> = {
            let core = self.ledger.read();
            core.state()
                .sharing()
                .collection(collection)
                .context("demo withdrawal from an empty collection")?
                .versions(&w.id)
                .filter(|v| v.sealed() && v.withdrawn.is_none())
                .map(|v| v.vault_key())
                .collect()
        };
        let envelope = self.ledger.sign_as_instance(&Payload::IntelWithdraw(w))?;
        match self.ledger.append(vec![Submission::new(envelope)])?.pop() {
            Some(Ok(_)) => {
                self.appended += 1;
                for (owner, key) in doomed {
                    self.vault.erase(&owner, &key)?;
                }
            }
            Some(Err(r)) => self.refused.push(r.to_string()),
            None => {}
        }
        Ok(())
    }
}
