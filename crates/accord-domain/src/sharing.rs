//! Threat-intelligence sharing: sharing groups, STIX 2.1 objects shared into collections,
//! withdrawals, sightings, and who may read what.
//!
//! A collection is either `community` (every registered party) or a sharing group declared by
//! a convenor with its members. A shared object version is one `intel.share` entry: the
//! object itself when it is marked TLP:CLEAR, otherwise only its public envelope (id, type,
//! version, marking, sharer) and a salted SHA-256 commitment to its content — the content and
//! salt live in the vault beside the log, as for confidential evidence (principle 3).
//!
//! Who may read a version is a pure function of the log, the reader's access tier and the
//! time ([`Sharing::visible`]); the TAXII server, the API and the pages all ask it.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use accord_stix::Edition;
use serde::{Deserialize, Serialize};

use crate::enforcement::standing::Tier;
use crate::entry::EntryRef;
use crate::ids::{DisplayName, GroupId, LongText, RegionId};
use crate::registry::Party;
use crate::rules::Rejection;
use crate::Timestamp;

/// The collection every registered party belongs to.
pub const COMMUNITY: &str = "community";
/// The largest restricted object accepted, in bytes of canonical JSON.
pub const MAX_SEALED_BYTES: u64 = 1024 * 1024;
/// How long after it is shared a standard-tier reader sees an object that is not TLP:CLEAR
/// (the early-warning window is an incentive of good standing).
pub const STANDARD_TIER_DELAY_HOURS: u32 = 24;
/// The most members a sharing group may list.
pub const MAX_GROUP_MEMBERS: usize = 512;

/// A TLP 2.0 level as written in entries.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Tlp {
    /// No limit on disclosure.
    #[serde(rename = "TLP:CLEAR")]
    Clear,
    /// The community (and what is unmarked).
    #[default]
    #[serde(rename = "TLP:GREEN")]
    Green,
    /// The recipients' organisations, need to know.
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// The recipients' organisations only.
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// The recipients present when it was shared.
    #[serde(rename = "TLP:RED")]
    Red,
}

impl From<accord_stix::Tlp> for Tlp {
    fn from(t: accord_stix::Tlp) -> Self {
        match t {
            accord_stix::Tlp::Clear => Tlp::Clear,
            accord_stix::Tlp::Green => Tlp::Green,
            accord_stix::Tlp::Amber => Tlp::Amber,
            accord_stix::Tlp::AmberStrict => Tlp::AmberStrict,
            accord_stix::Tlp::Red => Tlp::Red,
        }
    }
}

impl Tlp {
    /// Every level, least restricted first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The label, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The level an object's marking gives it: unmarked objects are TLP:GREEN (the community).
    pub fn effective(marking: Option<accord_stix::Tlp>) -> Tlp {
        marking.map_or(Tlp::Green, Tlp::from)
    }
}

/// The STIX identity id of a party, as objects it shares now name it in `created_by_ref`:
/// `identity--` and the version-5 UUID of `stix-identity:<party>` in Accord's namespace
/// ([`crate::ids::ACCORD_NAMESPACE`]). Any other creator is refused as forged.
pub fn identity_of(party: &str) -> String {
    identity_in(party, Edition::LATEST)
}

/// The identity of a party under the rules of `edition`: until `intel.share` schema 2 it was
/// a version-8 UUID (SHA-256 of `accord-stix-identity-v1\n<party>`), which objects logged then
/// carry and replays still accept.
pub fn identity_in(party: &str, edition: Edition) -> String {
    let uuid = match edition {
        Edition::V1 => crate::ids::sha256_uuid(&format!("accord-stix-identity-v1\n{party}"), 8),
        Edition::V2 => crate::ids::uuid_v5(
            &crate::ids::ACCORD_NAMESPACE,
            &format!("stix-identity:{party}"),
        ),
    };
    format!("identity--{uuid}")
}

/// The STIX rules an `intel.share` of schema version `schema` is judged by.
pub fn edition_of(schema: u32) -> Edition {
    if schema >= 2 {
        Edition::V2
    } else {
        Edition::V1
    }
}

/// `sharing.group` v1: a party convenes a sharing group (a TAXII collection), or its convenor
/// changes its title or members. The convenor is always a member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDeclaration {
    /// The group's id (not `community`).
    pub group: GroupId,
    /// Its title, shown as the collection title.
    pub title: DisplayName,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LongText>,
    /// Its members besides the convenor (the whole list: a party left out leaves).
    pub members: Vec<PartyId>,
}

/// The public envelope and commitment of an object that is not TLP:CLEAR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedObject {
    /// The STIX id.
    pub id: String,
    /// The STIX type.
    #[serde(rename = "type")]
    pub object_type: String,
    /// Its `modified` (else `created`) timestamp; none for a cyber observable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its marking (unmarked objects are shared as TLP:GREEN).
    pub tlp: Tlp,
    /// Its `created_by_ref`, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_ref: Option<String>,
    /// Whether this version revokes the object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
    /// For a sighting, what it is a sighting of (it counts toward corroboration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sighting_of_ref: Option<String>,
    /// SHA-256 over a 32-byte salt followed by the object's RFC 8785 JSON, 64 hex digits.
    pub commitment: String,
    /// Size of that JSON in bytes.
    pub size: u64,
}

/// `intel.share` v1: one version of a STIX object shared into a collection. Signed by the
/// sharer, or by the instance when it records a TAXII post the sharer's credentials made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntelShare {
    /// The sharing party.
    pub by: PartyId,
    /// The collection: `community` or a sharing group.
    pub collection: GroupId,
    /// The object itself, when it is marked TLP:CLEAR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<serde_json::Value>,
    /// Otherwise its public envelope and commitment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedObject>,
}

/// `intel.withdraw` v1: the sharer withdraws an object (one version, or all) from a
/// collection; it leaves every listing and its restricted content leaves the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntelWithdraw {
    /// The sharing party.
    pub by: PartyId,
    /// The collection.
    pub collection: GroupId,
    /// The STIX id.
    pub id: String,
    /// One version; all of the sharer's versions when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A sharing group as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// Its id.
    pub group: GroupId,
    /// Who convened it.
    pub convenor: PartyId,
    /// Its title.
    pub title: DisplayName,
    /// What it is for.
    pub description: Option<LongText>,
    /// Members (the convenor included), each with the entry since which it is one.
    pub members: BTreeMap<PartyId, EntryRef>,
    /// The declaration.
    pub declared: EntryRef,
    /// The last change.
    pub updated: EntryRef,
}

/// One shared version of an object, as projected (never its restricted content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// The collection.
    pub collection: GroupId,
    /// The STIX id.
    pub id: String,
    /// The STIX type.
    pub object_type: String,
    /// The TAXII version: `modified`, else `created`, else the date it was added.
    pub version: String,
    /// Who shared it.
    pub by: PartyId,
    /// The sharer's region.
    pub by_region: RegionId,
    /// Its marking.
    pub tlp: Tlp,
    /// Its `created_by_ref`.
    pub created_by_ref: Option<String>,
    /// Whether it revokes the object.
    pub revoked: bool,
    /// What a sighting sights.
    pub sighting_of_ref: Option<String>,
    /// The `intel.share` entry; its time is the TAXII `date_added`.
    pub entry: EntryRef,
    /// The commitment, for a restricted object (its content is in the vault).
    pub commitment: Option<String>,
    /// Size of the restricted content.
    pub size: u64,
    /// The withdrawal, if any.
    pub withdrawn: Option<EntryRef>,
}

impl VersionRecord {
    /// Whether its content lives in the vault (not TLP:CLEAR).
    pub fn sealed(&self) -> bool {
        self.commitment.is_some()
    }

    /// The vault key (owner, item) of its restricted content.
    pub fn vault_key(&self) -> (String, String) {
        vault_key(
            &self.by,
            &self.collection,
            &self.id,
            self.commitment.as_deref().unwrap_or_default(),
        )
    }
}

/// The vault key of a restricted object version: owned by the sharer, named
/// `stix/<collection>/<id>/<commitment>` (never an evidence id, which is a slug; the salted
/// commitment keeps two posts of one version apart until the log has taken one of them).
pub fn vault_key(
    by: &PartyId,
    collection: &GroupId,
    id: &str,
    commitment: &str,
) -> (String, String) {
    (
        by.to_string(),
        format!("{VAULT_PREFIX}{collection}/{id}/{commitment}"),
    )
}

/// The prefix of vault items that hold shared objects.
pub const VAULT_PREFIX: &str = "stix/";

/// One collection's objects.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CollectionRecord {
    /// Every version ever shared, in log order (withdrawn ones included).
    pub added: Vec<VersionRecord>,
    /// Object id → version → position in `added`.
    pub objects: BTreeMap<String, BTreeMap<String, usize>>,
}

impl CollectionRecord {
    /// The versions of one object, oldest first.
    pub fn versions(&self, id: &str) -> impl Iterator<Item = &VersionRecord> {
        self.objects
            .get(id)
            .into_iter()
            .flat_map(|m| m.values())
            .map(|&i| &self.added[i])
    }
}

/// Who is reading, as the log says now.
#[derive(Clone, Debug)]
pub struct Reader {
    /// The party.
    pub party: PartyId,
    /// Its region.
    pub region: RegionId,
    /// Its access tier now.
    pub tier: Tier,
}

/// Why a reader may not use a collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such collection.
    Unknown,
    /// Not a member.
    NotMember,
    /// Sharing access suspended.
    Suspended,
}

/// Every sharing group and collection.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sharing {
    groups: BTreeMap<GroupId, GroupRecord>,
    collections: BTreeMap<GroupId, CollectionRecord>,
    sightings: BTreeMap<String, BTreeMap<PartyId, EntryRef>>,
}

impl Sharing {
    /// The sharing groups.
    pub fn groups(&self) -> &BTreeMap<GroupId, GroupRecord> {
        &self.groups
    }

    /// A collection's objects (`community` or a group).
    pub fn collection(&self, id: &str) -> Option<&CollectionRecord> {
        self.collections.get(id)
    }

    /// Every collection with objects.
    pub fn collections(&self) -> &BTreeMap<GroupId, CollectionRecord> {
        &self.collections
    }

    /// Every shared version not withdrawn, collection by collection, in log order.
    pub fn live(&self) -> impl Iterator<Item = &VersionRecord> {
        self.collections
            .values()
            .flat_map(|c| c.added.iter())
            .filter(|v| v.withdrawn.is_none())
    }

    /// The parties that sighted an object, with their first live sighting.
    pub fn sighted_by(&self, stix_id: &str) -> impl Iterator<Item = (&PartyId, &EntryRef)> {
        self.sightings.get(stix_id).into_iter().flatten()
    }

    /// Whether `id` names a collection (`community` or a declared group).
    pub fn exists(&self, id: &str) -> bool {
        id == COMMUNITY || self.groups.contains_key(id)
    }

    /// Since when `party` belongs to collection `id`: `Ok(None)` for the community (every
    /// party, from its registration), `Ok(Some(since))` for a group member.
    pub fn membership(&self, id: &str, party: &PartyId) -> Result<Option<EntryRef>, Refusal> {
        if id == COMMUNITY {
            return Ok(None);
        }
        let g = self.groups.get(id).ok_or(Refusal::Unknown)?;
        g.members
            .get(party)
            .map(|e| Some(*e))
            .ok_or(Refusal::NotMember)
    }

    /// Whether `reader` may use collection `id` at all (read and write), given its tier.
    pub fn admit(&self, id: &str, reader: &Reader) -> Result<Option<EntryRef>, Refusal> {
        let since = self.membership(id, &reader.party)?;
        if reader.tier == Tier::Suspended {
            return Err(Refusal::Suspended);
        }
        Ok(since)
    }

    /// Whether `reader`, admitted to the version's collection since `since`, may read `v` at
    /// log time `now`:
    /// - a withdrawn version is read by nobody; a sharer always reads its own versions;
    /// - TLP:RED only by members who joined the group before it was shared;
    /// - a reduced-tier reader gets only TLP:CLEAR and what parties of its own region share;
    /// - a standard-tier reader gets what is not TLP:CLEAR
    ///   [`STANDARD_TIER_DELAY_HOURS`] after it was shared.
    pub fn visible(
        v: &VersionRecord,
        reader: &Reader,
        since: Option<EntryRef>,
        now: Timestamp,
    ) -> bool {
        if v.withdrawn.is_some() {
            return false;
        }
        if v.by == reader.party {
            return true;
        }
        if v.tlp == Tlp::Red && since.is_none_or(|s| s.index >= v.entry.index) {
            return false;
        }
        match reader.tier {
            Tier::Full => true,
            Tier::Standard => {
                v.tlp == Tlp::Clear || now >= v.entry.at.plus_hours(STANDARD_TIER_DELAY_HOURS)
            }
            Tier::Reduced => v.tlp == Tlp::Clear || v.by_region == reader.region,
            Tier::Suspended => false,
        }
    }

    /// The latest version of object `id` that `reader` may read, if any.
    pub fn last_visible<'a>(
        coll: &'a CollectionRecord,
        id: &str,
        reader: &Reader,
        since: Option<EntryRef>,
        now: Timestamp,
    ) -> Option<&'a VersionRecord> {
        coll.versions(id)
            .filter(|v| Self::visible(v, reader, since, now))
            .max_by(|a, b| {
                a.version
                    .cmp(&b.version)
                    .then(a.entry.index.cmp(&b.entry.index))
            })
    }

    /// Checks a group declaration.
    pub fn check_group(
        &self,
        signer: &Party,
        g: &GroupDeclaration,
        registered: impl Fn(&PartyId) -> bool,
    ) -> Result<(), Rejection> {
        if g.group.as_str() == COMMUNITY {
            return Err(Rejection::conflict(
                "reserved-group",
                "/payload/group",
                "`community` is the collection of every party; choose another group id",
            ));
        }
        if let Some(existing) = self.groups.get(&g.group) {
            if existing.convenor != signer.id {
                return Err(Rejection::forbidden(
                    "group-convenor",
                    "/payload/group",
                    format!(
                        "group `{}` was convened by `{}`; only its convenor changes it",
                        g.group, existing.convenor
                    ),
                ));
            }
        }
        if g.members.len() > MAX_GROUP_MEMBERS {
            return Err(Rejection::malformed(
                "group-size",
                "/payload/members",
                format!("a group lists at most {MAX_GROUP_MEMBERS} members"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, m) in g.members.iter().enumerate() {
            if !registered(m) || *m == signer.id || !seen.insert(m) {
                return Err(Rejection::malformed(
                    "group-member",
                    format!("/payload/members/{i}"),
                    format!("member `{m}` must be another registered party, listed once (the convenor is a member already)"),
                ));
            }
        }
        Ok(())
    }

    /// Checks a share; `by` is the sharing party, `tier` its tier at the entry's time.
    pub fn check_share(
        &self,
        by: &Party,
        tier: Tier,
        s: &IntelShare,
        here: EntryRef,
        edition: Edition,
    ) -> Result<(), Rejection> {
        let admitted = self.membership(s.collection.as_str(), &by.id);
        match admitted {
            Err(Refusal::Unknown) => {
                return Err(Rejection::conflict(
                    "unknown-collection",
                    "/payload/collection",
                    format!("there is no collection `{}`", s.collection),
                ))
            }
            Err(_) => {
                return Err(Rejection::forbidden(
                    "not-a-member",
                    "/payload/collection",
                    format!(
                        "`{}` is not a member of sharing group `{}`",
                        by.id, s.collection
                    ),
                ))
            }
            Ok(_) => {}
        }
        if tier == Tier::Suspended {
            return Err(Rejection::forbidden(
                "sharing-suspended",
                "/payload/by",
                format!("the sharing access of `{}` is suspended by a measure in force; see GET /parties/{}/standing", by.id, by.id),
            ));
        }
        match (&s.object, &s.sealed) {
            (Some(object), None) => {
                let summary = accord_stix::validate_in(object, edition).map_err(|findings| {
                    let f = &findings[0];
                    Rejection::malformed(
                        "stix",
                        format!("/payload/object{}", f.pointer),
                        format!(
                            "{} ({}{})",
                            f.message,
                            f.rule,
                            if findings.len() > 1 {
                                format!(", and {} more findings", findings.len() - 1)
                            } else {
                                String::new()
                            }
                        ),
                    )
                })?;
                if summary.tlp != Some(accord_stix::Tlp::Clear) {
                    return Err(Rejection::malformed(
                        "tlp-clear-only",
                        "/payload/object",
                        "only an object marked TLP:CLEAR is logged in full; share any other as `sealed` (a commitment)",
                    ));
                }
            }
            (None, Some(o)) => check_sealed(o, edition)?,
            _ => {
                return Err(Rejection::malformed(
                    "share-form",
                    "/payload",
                    "give exactly one of `object` (TLP:CLEAR) and `sealed`",
                ))
            }
        }
        let v = Self::record(by, s, here);
        if s.collection.as_str() == COMMUNITY && v.tlp > Tlp::Green {
            return Err(Rejection::malformed(
                "tlp-needs-group",
                "/payload/collection",
                format!(
                    "{} is not for the whole community: share it in a sharing group's collection",
                    v.tlp.label()
                ),
            ));
        }
        let own = identity_in(by.id.as_str(), edition);
        if let Some(c) = &v.created_by_ref {
            if *c != own {
                return Err(Rejection::forbidden(
                    "created-by-ref",
                    "/payload/object/created_by_ref",
                    format!(
                        "`created_by_ref` is `{c}`, but `{}` shares as `{own}`: a party shares only objects it created (or with no creator)",
                        by.id
                    ),
                ));
            }
        }
        if let Some(coll) = self.collections.get(&s.collection) {
            if let Some(first) = coll.versions(&v.id).next() {
                if first.by != by.id {
                    return Err(Rejection::forbidden(
                        "object-owner",
                        "/payload",
                        format!(
                            "object `{}` was shared in `{}` by `{}`; only its sharer adds versions",
                            v.id, s.collection, first.by
                        ),
                    ));
                }
            }
            if coll
                .objects
                .get(&v.id)
                .is_some_and(|m| m.contains_key(&v.version))
            {
                return Err(Rejection::conflict(
                    "version-exists",
                    "/payload",
                    format!(
                        "version {} of `{}` is already in collection `{}` (a new version needs a later `modified`)",
                        v.version, v.id, s.collection
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The version record a share adds (the share already checked).
    pub fn record(by: &Party, s: &IntelShare, here: EntryRef) -> VersionRecord {
        let text =
            |o: &serde_json::Value, k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let (
            id,
            object_type,
            version,
            tlp,
            created_by_ref,
            revoked,
            sighting_of_ref,
            commitment,
            size,
        ) = match (&s.object, &s.sealed) {
            (_, Some(o)) => (
                o.id.clone(),
                o.object_type.clone(),
                o.version.clone(),
                o.tlp,
                o.created_by_ref.clone(),
                o.revoked,
                o.sighting_of_ref.clone(),
                Some(o.commitment.clone()),
                o.size,
            ),
            (Some(o), None) => (
                text(o, "id").unwrap_or_default(),
                text(o, "type").unwrap_or_default(),
                text(o, "modified").or_else(|| text(o, "created")),
                Tlp::Clear,
                text(o, "created_by_ref"),
                o.get("revoked").and_then(|v| v.as_bool()).unwrap_or(false),
                text(o, "sighting_of_ref"),
                None,
                0,
            ),
            (None, None) => Default::default(),
        };
        VersionRecord {
            collection: s.collection.clone(),
            id,
            object_type,
            version: version.unwrap_or_else(|| here.at.to_string()),
            by: by.id.clone(),
            by_region: by.region.clone(),
            tlp,
            created_by_ref,
            revoked,
            sighting_of_ref,
            entry: here,
            commitment,
            size,
            withdrawn: None,
        }
    }

    /// Checks a withdrawal by `by`.
    pub fn check_withdraw(&self, by: &PartyId, w: &IntelWithdraw) -> Result<(), Rejection> {
        let unknown = || {
            Rejection::conflict(
                "unknown-object",
                "/payload/id",
                format!(
                    "collection `{}` has no object `{}`{}",
                    w.collection,
                    w.id,
                    w.version
                        .as_ref()
                        .map(|v| format!(" version {v}"))
                        .unwrap_or_default()
                ),
            )
        };
        let coll = self.collections.get(&w.collection).ok_or_else(unknown)?;
        let mut live = coll
            .versions(&w.id)
            .filter(|v| w.version.as_ref().is_none_or(|x| *x == v.version))
            .filter(|v| v.withdrawn.is_none())
            .peekable();
        let first = live.peek().ok_or_else(unknown)?;
        if first.by != *by {
            return Err(Rejection::forbidden(
                "object-owner",
                "/payload/by",
                format!(
                    "`{}` was shared by `{}`; only its sharer withdraws it",
                    w.id, first.by
                ),
            ));
        }
        Ok(())
    }

    /// Folds in a group declaration by `convenor`.
    pub fn apply_group(&mut self, convenor: &PartyId, g: &GroupDeclaration, here: EntryRef) {
        let record = self
            .groups
            .entry(g.group.clone())
            .or_insert_with(|| GroupRecord {
                group: g.group.clone(),
                convenor: convenor.clone(),
                title: g.title.clone(),
                description: None,
                members: BTreeMap::new(),
                declared: here,
                updated: here,
            });
        record.title = g.title.clone();
        record.description = g.description.clone();
        record.updated = here;
        let old = std::mem::take(&mut record.members);
        for m in std::iter::once(convenor).chain(&g.members) {
            record
                .members
                .insert(m.clone(), old.get(m).copied().unwrap_or(here));
        }
    }

    /// Folds in a checked share.
    pub fn apply_share(&mut self, v: VersionRecord) {
        if let (Some(of), false) = (&v.sighting_of_ref, v.revoked) {
            self.sightings
                .entry(of.clone())
                .or_default()
                .entry(v.by.clone())
                .or_insert(v.entry);
        }
        let coll = self.collections.entry(v.collection.clone()).or_default();
        coll.objects
            .entry(v.id.clone())
            .or_default()
            .insert(v.version.clone(), coll.added.len());
        coll.added.push(v);
    }

    /// Folds in a checked withdrawal; returns the vault keys of restricted content to erase.
    pub fn apply_withdraw(&mut self, w: &IntelWithdraw, here: EntryRef) -> Vec<(String, String)> {
        let mut erase = Vec::new();
        let Some(coll) = self.collections.get_mut(&w.collection) else {
            return erase;
        };
        let positions: Vec<usize> = coll
            .objects
            .get(&w.id)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(|(v, _)| w.version.as_ref().is_none_or(|x| x == *v))
            .map(|(_, &i)| i)
            .collect();
        for i in positions {
            let v = &mut coll.added[i];
            if v.withdrawn.is_some() {
                continue;
            }
            v.withdrawn = Some(here);
            if v.sealed() {
                erase.push(v.vault_key());
            }
            if let Some(of) = &v.sighting_of_ref {
                if let Some(m) = self.sightings.get_mut(of) {
                    m.remove(&v.by);
                }
            }
        }
        erase
    }

    /// The versions of one object in one collection, for the state digest.
    pub fn record_of(&self, collection: &GroupId, id: &str) -> Vec<&VersionRecord> {
        self.collections
            .get(collection)
            .map(|c| c.versions(id).collect())
            .unwrap_or_default()
    }
}

fn check_sealed(o: &SealedObject, edition: Edition) -> Result<(), Rejection> {
    let bad = |field: &str, why: String| {
        Err(Rejection::malformed(
            "sealed-object",
            format!("/payload/sealed/{field}"),
            why,
        ))
    };
    if !accord_stix::valid_id_in(&o.id, Some(&o.object_type), edition) {
        return bad(
            "id",
            format!("`{}` is not a STIX id of type `{}`", o.id, o.object_type),
        );
    }
    if let Some(v) = &o.version {
        if !accord_stix::valid_timestamp(v) {
            return bad(
                "version",
                format!("`{v}` is not a STIX timestamp (RFC 3339, UTC, `Z`)"),
            );
        }
    }
    if o.tlp == Tlp::Clear {
        return bad(
            "tlp",
            "a TLP:CLEAR object is logged in full, as `object`".into(),
        );
    }
    if let Some(c) = &o.created_by_ref {
        if !accord_stix::valid_id_in(c, Some("identity"), edition) {
            return bad("created_by_ref", format!("`{c}` is not an identity id"));
        }
    }
    if let Some(s) = &o.sighting_of_ref {
        if o.object_type != "sighting" || !accord_stix::valid_id_in(s, None, edition) {
            return bad(
                "sighting_of_ref",
                "only a sighting has `sighting_of_ref`, and it is a STIX id".into(),
            );
        }
    }
    if o.commitment.len() != 64
        || !o
            .commitment
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return bad(
            "commitment",
            "the commitment is 64 lowercase hex digits (SHA-256)".into(),
        );
    }
    if o.size == 0 || o.size > MAX_SEALED_BYTES {
        return bad(
            "size",
            format!("size is 1 to {MAX_SEALED_BYTES} bytes, not {}", o.size),
        );
    }
    Ok(())
}

/// What the rules of sharing read besides the collections: the registered parties (members
/// and sharers), and a party's access tier at a log time (from its standing, asked through a
/// function so that sharing does not depend on enforcement).
pub struct SharingInputs<'a> {
    /// Every registered party.
    pub parties: &'a BTreeMap<PartyId, Party>,
    /// The access tier of a party at a log time.
    pub tier: &'a dyn Fn(&PartyId, Timestamp) -> Tier,
}

/// A sharing record an entry touched, for the state digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Touched {
    /// A sharing group.
    Group(GroupId),
    /// Every version of one object in one collection.
    Intel(GroupId, String),
}

/// The sharing entry types: groups, and shares and withdrawals — signed by a party for a
/// TLP:CLEAR object, or by the instance as its record of a TAXII post.
mod admission {
    use super::*;
    use crate::admission::{Admit, Signer, Submitted};

    impl Admit for GroupDeclaration {
        type Part = Sharing;
        type Inputs<'a> = SharingInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Sharing,
            i: &SharingInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_group(by.party()?, self, |p| i.parties.contains_key(p))
        }

        fn apply(
            self,
            part: &mut Sharing,
            _: &SharingInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            part.apply_group(by, &self, here);
            vec![Touched::Group(self.group)]
        }
    }

    /// The sharer named in a share or withdrawal: the signer itself when a party signs, and a
    /// registered party either way.
    fn sharer<'a>(
        by_id: &PartyId,
        i: &SharingInputs<'a>,
        by: &Submitted<'_>,
    ) -> Result<&'a Party, Rejection> {
        if let Signer::Party(signer) = by.signer {
            if signer.id != *by_id {
                return Err(Rejection::forbidden(
                    "intel-by",
                    "/payload/by",
                    format!("a party shares and withdraws only as itself, not as `{by_id}`"),
                ));
            }
        }
        i.parties.get(by_id).ok_or_else(|| {
            Rejection::conflict(
                "unknown-party",
                "/payload/by",
                format!("party `{by_id}` is not registered"),
            )
        })
    }

    impl Admit for IntelShare {
        type Part = Sharing;
        type Inputs<'a> = SharingInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Sharing,
            i: &SharingInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            if matches!(by.signer, Signer::Party(_)) && self.sealed.is_some() {
                return Err(Rejection::forbidden(
                    "sealed-via-taxii",
                    "/payload/sealed",
                    "a restricted object is shared over TAXII (POST /taxii2/accord/collections/{id}/objects/), which stores its content beside the log; a party signs `intel.share` itself only for a TLP:CLEAR object",
                ));
            }
            let sharer = sharer(&self.by, i, by)?;
            part.check_share(
                sharer,
                (i.tier)(&self.by, by.at),
                self,
                by.here(),
                edition_of(by.schema),
            )
        }

        fn apply(
            self,
            part: &mut Sharing,
            i: &SharingInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            let Some(sharer) = i.parties.get(&self.by) else {
                return Vec::new();
            };
            let v = Sharing::record(sharer, &self, here);
            let touched = vec![Touched::Intel(self.collection.clone(), v.id.clone())];
            part.apply_share(v);
            touched
        }
    }

    impl Admit for IntelWithdraw {
        type Part = Sharing;
        type Inputs<'a> = SharingInputs<'a>;
        type Touched = Touched;

        fn check(
            &self,
            part: &Sharing,
            i: &SharingInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            sharer(&self.by, i, by)?;
            part.check_withdraw(&self.by, self)
        }

        fn apply(
            self,
            part: &mut Sharing,
            _: &SharingInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<Touched> {
            part.apply_withdraw(&self, here);
            vec![Touched::Intel(self.collection, self.id)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_stix_ids_and_differ() {
        let a = identity_of("cert-a");
        assert!(accord_stix::valid_id(&a, Some("identity")), "{a}");
        assert_ne!(a, identity_of("cert-b"));
        assert_eq!(a, identity_of("cert-a"));
    }
}
