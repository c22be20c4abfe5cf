//! Who takes part, as data: party kinds, parties with their keys and contacts, the instance
//! founded by genesis, reachability checks, and the payloads of the registry's entry types.
//! The registry ([`crate::registry`]) owns the rules and folds over them.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::{KeyId, PartyId, PublicKey};
use serde::{Deserialize, Serialize};

use crate::entry::EntryRef;
use crate::ids::{CheckId, DisplayName, LanguageTag, RegionId, ShortText};
use crate::time::Timestamp;

/// The party id the instance key signs the genesis entry as. No party may register with it.
pub const INSTANCE_SIGNER: &str = "instance";

/// The kinds of participant the registry knows.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A government party.
    State,
    /// A regional cyber council.
    RegionalCouncil,
    /// A CERT or CSIRT.
    Cert,
    /// A company, operator or vendor.
    Company,
    /// A civil-society organisation or research group.
    CivilSociety,
    /// An auditor or peer reviewer.
    Auditor,
    /// The secretariat that runs the instance.
    Secretariat,
}

impl PartyKind {
    /// Every kind, in a stable order.
    pub const ALL: [PartyKind; 7] = [
        PartyKind::State,
        PartyKind::RegionalCouncil,
        PartyKind::Cert,
        PartyKind::Company,
        PartyKind::CivilSociety,
        PartyKind::Auditor,
        PartyKind::Secretariat,
    ];

    /// The wire name (`regional_council`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::State => "state",
            PartyKind::RegionalCouncil => "regional_council",
            PartyKind::Cert => "cert",
            PartyKind::Company => "company",
            PartyKind::CivilSociety => "civil_society",
            PartyKind::Auditor => "auditor",
            PartyKind::Secretariat => "secretariat",
        }
    }
}

/// `instance.genesis`: the first entry, signed by the instance key, founding the instance and
/// its secretariat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The log origin (first line of every checkpoint), e.g. `accord.example/eu-council`.
    pub origin: String,
    /// Human name of the instance.
    pub display_name: DisplayName,
    /// The instance key: signs this entry and every checkpoint.
    pub instance_key: PublicKey,
    /// The founding secretariat.
    pub secretariat: PartyRegistration,
}

/// `party.register`: the secretariat admits a party with its first key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyRegistration {
    /// The new party's id (unique, never reused).
    pub party: PartyId,
    /// What kind of participant it is; decides what it may submit.
    pub kind: PartyKind,
    /// The region it belongs to.
    pub region: RegionId,
    /// Its public name.
    pub display_name: DisplayName,
    /// Its first signing key.
    pub public_key: PublicKey,
}

/// `party.rotate_key`: adds a new key for a party, optionally retiring an old one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// Whose key.
    pub party: PartyId,
    /// The new key.
    pub public_key: PublicKey,
    /// A key that stops being valid from this entry on (entries it signed before stay valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retires: Option<KeyId>,
}

/// Why a key was revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The secret key is or may be known to someone else.
    Compromised,
    /// Replaced by another key.
    Superseded,
    /// The party stopped using it.
    CessationOfOperation,
}

/// `party.revoke_key`: a key stops being valid from this entry on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRevocation {
    /// Whose key.
    pub party: PartyId,
    /// Which key.
    pub key: KeyId,
    /// Why.
    pub reason: RevocationReason,
}

/// Which level a point of contact serves.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// Policy or diplomatic level.
    Policy,
    /// Technical or operational level (CERT to CERT).
    Technical,
}

/// How a point of contact is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A functional mailbox.
    Email,
    /// A duty phone line.
    Phone,
    /// A web form or portal.
    Web,
    /// An end-to-end encrypted messaging channel.
    SecureMessaging,
}

/// One point of contact: a functional address, never a person's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Policy or technical.
    pub role: ContactRole,
    /// How to reach it.
    pub channel: Channel,
    /// The functional address (mailbox, number, URL).
    pub address: ShortText,
    /// When it answers, e.g. `24x7` or `Mon-Fri 08:00-18:00 UTC`.
    pub hours: ShortText,
    /// Languages it answers in (BCP 47 tags).
    pub languages: Vec<LanguageTag>,
}

/// `poc.declare`: a party publishes its points of contact (replacing earlier ones).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PocDeclaration {
    /// One to eight contacts; at least one must be technical or policy as the party needs.
    pub contacts: Vec<Contact>,
}

/// `poc.check`: the secretariat pings the points of contact of some or all parties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReachabilityCheck {
    /// Id of this check, unique in the instance.
    pub check: CheckId,
    /// Which contact role is being checked.
    pub role: ContactRole,
    /// Hours the contacts have to acknowledge (1..=720).
    pub respond_within_hours: u32,
    /// The parties addressed; all registered parties but the secretariat when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parties: Option<Vec<PartyId>>,
}

/// `poc.ack`: a party acknowledges a reachability check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReachabilityAck {
    /// The check acknowledged.
    pub check: CheckId,
}

/// The instance as founded by the genesis entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Checkpoint origin line.
    pub origin: String,
    /// Human name.
    pub display_name: DisplayName,
    /// Key that signs checkpoints.
    pub instance_key: PublicKey,
    /// The genesis entry.
    pub founded: EntryRef,
}

/// Lifecycle of a party's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KeyStatus {
    /// Valid for new entries.
    Active,
    /// Replaced in a rotation; earlier signatures stay valid.
    Retired {
        /// The rotation entry.
        since: EntryRef,
    },
    /// Revoked; earlier signatures stay valid, later ones are refused.
    Revoked {
        /// The revocation entry.
        since: EntryRef,
        /// Why.
        reason: RevocationReason,
    },
}

/// One key of a party.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The public key.
    pub public_key: PublicKey,
    /// The entry that added it.
    pub added: EntryRef,
    /// Its current status.
    #[serde(flatten)]
    pub status: KeyStatus,
    /// A key the secretariat installed to recover a party left without one signs only from
    /// this time on, after a public notice period ([`KEY_RECOVERY_NOTICE_DAYS`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usable_from: Option<Timestamp>,
}

/// Days between a secretariat's recovery of a party's key and the first entry that key may
/// sign: time for the party, its peers and the public to see the recovery in the log.
pub const KEY_RECOVERY_NOTICE_DAYS: u64 = 14;

/// A party's answers to reachability checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachabilityStats {
    /// Checks addressed to the party.
    pub addressed: u32,
    /// Acknowledged by the deadline.
    pub on_time: u32,
    /// Acknowledged after the deadline.
    pub late: u32,
    /// Sum of response times in milliseconds over all acknowledgements.
    pub total_response_ms: u64,
}

/// A party's published points of contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PocDirectoryEntry {
    /// The contacts.
    pub contacts: Vec<Contact>,
    /// The declaration entry.
    pub declared: EntryRef,
}

/// A registered participant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// Its id.
    pub id: PartyId,
    /// Its kind (decides what it may submit).
    pub kind: PartyKind,
    /// Its region.
    pub region: RegionId,
    /// Its public name.
    pub display_name: DisplayName,
    /// The registration entry.
    pub registered: EntryRef,
    /// Every key it ever had.
    pub keys: BTreeMap<KeyId, KeyRecord>,
    /// Its points of contact, once declared.
    pub poc: Option<PocDirectoryEntry>,
    /// Its record in reachability checks.
    pub reachability: ReachabilityStats,
}

/// An acknowledgement of a reachability check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The ack entry.
    pub entry: EntryRef,
    /// Whether it came by the deadline.
    pub on_time: bool,
}

/// A reachability check and its answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// Its id.
    pub id: CheckId,
    /// The contact role checked.
    pub role: ContactRole,
    /// The entry that issued it.
    pub issued: EntryRef,
    /// Acknowledgements after this time are late.
    pub deadline: Timestamp,
    /// Who must answer.
    pub addressed: BTreeSet<PartyId>,
    /// Who answered.
    pub acks: BTreeMap<PartyId, Acknowledgement>,
}
