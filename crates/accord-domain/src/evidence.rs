//! Confidential evidence (principle 3): a report field or attachment that must not be public.
//!
//! The owner commits to the content in the public log with a salted SHA-256
//! ([`EvidenceCommit`]); the content and its salt go to an access-controlled vault beside the
//! log. Who may read it is a pure function of the log ([`Evidences::access`]): the marking (TLP
//! 2.0 or business-confidential), the named recipients, time-boxed grants (an auditor during an
//! audit) and the reader's role. Every read is itself a log entry ([`EvidenceRead`], signed by
//! the instance key) whose stated basis must equal the one computed from the log at that
//! time, so replaying the log proves that no logged read lacked a basis. Erasure
//! ([`EvidenceErase`]) removes content and salt from the vault and leaves the commitment: the
//! log still verifies, and what was committed can no longer be recovered or confirmed.
//!
//! Reports point at evidence by id ([`EvidenceId`]); to mark a field confidential, its content
//! becomes an evidence item and the report carries the reference.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entry::EntryRef;
use crate::ids::{EvidenceId, ShortText};
use crate::registry::Party;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// The largest evidence item the vault accepts, in bytes.
pub const MAX_EVIDENCE_BYTES: u64 = 8 * 1024 * 1024;

/// How long an access grant may run at most, in days.
pub const MAX_GRANT_DAYS: u64 = 366;

/// How an item is marked. TLP values are the FIRST TLP 2.0 labels; business-confidential
/// protects commercially sensitive information.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Marking {
    /// TLP:RED — for the named recipients only: the owner, its listed recipients and parties
    /// it granted access to. Not even the secretariat.
    #[serde(rename = "TLP:RED")]
    Red,
    /// TLP:AMBER+STRICT — the recipients' organisations only: as RED, plus the secretariat.
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// TLP:AMBER — need to know: as AMBER+STRICT, plus the CERTs and regional council of the
    /// owner's region.
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// Business-confidential: the owner, the secretariat, listed recipients and grants.
    #[serde(rename = "BUSINESS-CONFIDENTIAL")]
    BusinessConfidential,
}

impl Marking {
    /// The wire label.
    pub fn label(self) -> &'static str {
        match self {
            Marking::Red => "TLP:RED",
            Marking::AmberStrict => "TLP:AMBER+STRICT",
            Marking::Amber => "TLP:AMBER",
            Marking::BusinessConfidential => "BUSINESS-CONFIDENTIAL",
        }
    }

    /// Who may read an item with this marking, in words (for refusals and docs).
    pub fn audience(self) -> &'static str {
        match self {
            Marking::Red => "its owner, the recipients it names and parties it granted access",
            Marking::AmberStrict => {
                "its owner, the recipients it names, parties it granted access and the secretariat"
            }
            Marking::Amber => {
                "its owner, the recipients it names, parties it granted access, the secretariat, and the CERTs and council of the owner's region"
            }
            Marking::BusinessConfidential => {
                "its owner, the secretariat, the recipients it names and parties it granted access"
            }
        }
    }
}

/// Why a reader may read an item.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccessBasis {
    /// The reader committed it.
    Owner,
    /// The owner named the reader as a recipient.
    Recipient,
    /// The owner granted the reader time-boxed access (e.g. an assigned auditor).
    Grant,
    /// The reader is the secretariat and the marking allows it.
    Secretariat,
    /// TLP:AMBER, and the reader is a CERT or council of the owner's region.
    RegionalNeedToKnow,
    /// The reader is an assigned auditor of an audit of the owner open at the time.
    Audit,
}

/// `evidence.commit`: the owner commits to a confidential item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCommit {
    /// The owner's id for the item.
    pub evidence: EvidenceId,
    /// Its marking.
    pub marking: Marking,
    /// SHA-256 over the 32-byte salt followed by the content, 64 lowercase hex digits.
    pub commitment: String,
    /// Media type of the content, e.g. `application/vnd.tcpdump.pcap` or `text/plain`.
    pub media_type: ShortText,
    /// Size of the content in bytes (1 to 8 MiB).
    pub size: u64,
    /// A public label that reveals nothing confidential, e.g. `packet capture, 2026-07-14`.
    pub label: ShortText,
    /// Parties the owner shares it with.
    #[serde(default)]
    pub recipients: Vec<PartyId>,
}

/// `evidence.grant`: the owner grants a party time-boxed access (e.g. an auditor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceGrant {
    /// The item.
    pub evidence: EvidenceId,
    /// Who may read it.
    pub party: PartyId,
    /// Until when (exclusive); at most a year after the grant.
    pub until: Timestamp,
    /// Why, e.g. `audit 2026-Q4 of commitment gge-c`.
    pub purpose: ShortText,
}

/// `evidence.read`: a read of an item, logged by the instance before the content is released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRead {
    /// The item's owner.
    pub owner: PartyId,
    /// The item.
    pub evidence: EvidenceId,
    /// Who read it (the party its bearer token authenticates).
    pub reader: PartyId,
    /// Why the reader may; must equal the basis computed from the log.
    pub basis: AccessBasis,
    /// A unique request id (32 lowercase hex digits), so two reads are two entries.
    pub request: String,
}

/// `evidence.erase`: content and salt leave the vault; the commitment stays in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceErase {
    /// The item's owner (the secretariat may erase others' items, e.g. on a data-protection
    /// request).
    pub owner: PartyId,
    /// The item.
    pub evidence: EvidenceId,
    /// Why.
    pub reason: ShortText,
}

/// A grant as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// Until when (exclusive).
    pub until: Timestamp,
    /// Why.
    pub purpose: ShortText,
    /// The granting entry.
    pub granted: EntryRef,
}

/// A logged read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadRecord {
    /// Who read.
    pub reader: PartyId,
    /// On what basis.
    pub basis: AccessBasis,
    /// The read entry.
    pub entry: EntryRef,
}

/// An erasure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// The erasing entry.
    pub entry: EntryRef,
    /// Who erased.
    pub by: PartyId,
    /// Why.
    pub reason: ShortText,
}

/// An evidence item as projected: everything public about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    /// Who committed it.
    pub owner: PartyId,
    /// Its id.
    pub evidence: EvidenceId,
    /// Its marking.
    pub marking: Marking,
    /// The salted commitment, hex.
    pub commitment: String,
    /// Media type.
    pub media_type: ShortText,
    /// Size in bytes.
    pub size: u64,
    /// Public label.
    pub label: ShortText,
    /// Named recipients.
    pub recipients: BTreeSet<PartyId>,
    /// The committing entry.
    pub committed: EntryRef,
    /// Grants, latest per party.
    pub grants: BTreeMap<PartyId, GrantRecord>,
    /// Every logged read, in log order.
    pub reads: Vec<ReadRecord>,
    /// The erasure, once erased.
    pub erased: Option<Erasure>,
}

/// What the rest of the log says of a reader, for access decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReaderStanding {
    /// The reader is an assigned auditor of an audit of the owner open at the time.
    pub auditing: bool,
    /// A `sharing_suspended` measure against the reader is in force: it loses the
    /// need-to-know basis (named recipients, grants and audits still apply).
    pub sharing_suspended: bool,
}

/// Why a reader may not read an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// No such item.
    Unknown,
    /// Erased: content and salt are gone for good.
    Erased(EntryRef),
    /// The marking and the reader's role do not allow it.
    NotAllowed {
        /// The item's marking.
        marking: Marking,
    },
}

/// The SHA-256 commitment to `content` under `salt`, as logged (hex).
pub fn commitment(salt: &[u8; 32], content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(content);
    hex::encode(h.finalize())
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn valid_media_type(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    let essence = s.split(';').next().unwrap_or("").trim();
    matches!(essence.split_once('/'), Some((t, st)) if token(t) && token(st))
}

/// Every evidence item, by owner and id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidences {
    items: BTreeMap<PartyId, BTreeMap<EvidenceId, EvidenceRecord>>,
}

impl Evidences {
    /// One item.
    pub fn get(&self, owner: &PartyId, id: &EvidenceId) -> Option<&EvidenceRecord> {
        self.items.get(owner)?.get(id)
    }

    /// A party's items.
    pub fn of(&self, owner: &PartyId) -> Option<&BTreeMap<EvidenceId, EvidenceRecord>> {
        self.items.get(owner)
    }

    /// Every item.
    pub fn all(&self) -> impl Iterator<Item = &EvidenceRecord> {
        self.items.values().flat_map(|m| m.values())
    }

    /// Whether `reader` may read the item at log time `at`, and on what basis. `owner` is the
    /// owner's registry record (its region decides TLP:AMBER need-to-know); `standing` what the
    /// rest of the log says of the reader (see [`crate::State::evidence_access`]).
    pub fn access(
        &self,
        owner: &Party,
        id: &EvidenceId,
        reader: &Party,
        at: Timestamp,
        standing: ReaderStanding,
    ) -> Result<AccessBasis, Denied> {
        let item = self.get(&owner.id, id).ok_or(Denied::Unknown)?;
        if let Some(e) = &item.erased {
            return Err(Denied::Erased(e.entry));
        }
        if reader.id == item.owner {
            return Ok(AccessBasis::Owner);
        }
        if item.recipients.contains(&reader.id) {
            return Ok(AccessBasis::Recipient);
        }
        if item.grants.get(&reader.id).is_some_and(|g| at < g.until) {
            return Ok(AccessBasis::Grant);
        }
        // TLP:RED goes to the parties its owner names and to no one else, auditors included:
        // an audit reads RED only through the owner's grant.
        if standing.auditing && item.marking != Marking::Red {
            return Ok(AccessBasis::Audit);
        }
        let secretariat = reader.kind == PartyKind::Secretariat;
        match item.marking {
            Marking::Red => {}
            Marking::AmberStrict | Marking::BusinessConfidential if secretariat => {
                return Ok(AccessBasis::Secretariat)
            }
            Marking::Amber if secretariat => return Ok(AccessBasis::Secretariat),
            Marking::Amber
                if reader.region == owner.region
                    && !standing.sharing_suspended
                    && matches!(reader.kind, PartyKind::Cert | PartyKind::RegionalCouncil) =>
            {
                return Ok(AccessBasis::RegionalNeedToKnow)
            }
            _ => {}
        }
        Err(Denied::NotAllowed {
            marking: item.marking,
        })
    }

    /// Checks `evidence.commit` by `signer`.
    pub fn check_commit(
        &self,
        signer: &Party,
        c: &EvidenceCommit,
        party_exists: impl Fn(&PartyId) -> bool,
    ) -> Result<(), Rejection> {
        if self.get(&signer.id, &c.evidence).is_some() {
            return Err(Rejection::conflict(
                "evidence-exists",
                "/payload/evidence",
                format!(
                    "`{}` already committed evidence `{}`; evidence ids are never reused",
                    signer.id, c.evidence
                ),
            ));
        }
        if !is_hex(&c.commitment, 64) {
            return Err(Rejection::malformed(
                "commitment",
                "/payload/commitment",
                "give SHA-256(salt ‖ content) as 64 lowercase hex digits, with a fresh random 32-byte salt",
            ));
        }
        if !valid_media_type(c.media_type.as_str()) {
            return Err(Rejection::malformed(
                "media-type",
                "/payload/media_type",
                format!(
                    "`{}` is not a media type such as `text/plain` or `application/pdf`",
                    c.media_type
                ),
            ));
        }
        if c.size == 0 || c.size > MAX_EVIDENCE_BYTES {
            return Err(Rejection::malformed(
                "evidence-size",
                "/payload/size",
                format!(
                    "evidence is 1 to {MAX_EVIDENCE_BYTES} bytes, not {}; split larger material",
                    c.size
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, r) in c.recipients.iter().enumerate() {
            let pointer = format!("/payload/recipients/{i}");
            if *r == signer.id {
                return Err(Rejection::malformed(
                    "own-recipient",
                    pointer,
                    "the owner always has access; do not list it as a recipient",
                ));
            }
            if !party_exists(r) {
                return Err(Rejection::conflict(
                    "unknown-party",
                    pointer,
                    format!("party `{r}` is not registered"),
                ));
            }
            if !seen.insert(r) {
                return Err(Rejection::malformed(
                    "duplicate-party",
                    pointer,
                    format!("party `{r}` is listed twice"),
                ));
            }
        }
        Ok(())
    }

    fn live(&self, owner: &PartyId, id: &EvidenceId) -> Result<&EvidenceRecord, Rejection> {
        let item = self.get(owner, id).ok_or_else(|| {
            Rejection::conflict(
                "unknown-evidence",
                "/payload/evidence",
                format!("`{owner}` committed no evidence `{id}`"),
            )
        })?;
        if let Some(e) = &item.erased {
            return Err(Rejection::conflict(
                "evidence-erased",
                "/payload/evidence",
                format!(
                    "evidence `{owner}/{id}` was erased by entry {}",
                    e.entry.index
                ),
            ));
        }
        Ok(item)
    }

    /// Checks `evidence.grant` by `signer` (the owner).
    pub fn check_grant(
        &self,
        signer: &Party,
        g: &EvidenceGrant,
        party_exists: bool,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        self.live(&signer.id, &g.evidence)?;
        if g.party == signer.id {
            return Err(Rejection::malformed(
                "own-grant",
                "/payload/party",
                "the owner always has access; grant it to another party",
            ));
        }
        if !party_exists {
            return Err(Rejection::conflict(
                "unknown-party",
                "/payload/party",
                format!("party `{}` is not registered", g.party),
            ));
        }
        if g.until <= at || g.until > at.plus_ms(MAX_GRANT_DAYS * 86_400_000) {
            return Err(Rejection::malformed(
                "grant-window",
                "/payload/until",
                format!(
                    "a grant ends after it is made and within {MAX_GRANT_DAYS} days; `until` is {}",
                    g.until
                ),
            ));
        }
        Ok(())
    }

    /// Checks `evidence.read` (signed by the instance): the item is live and the stated
    /// basis is the one the log gives at `at`.
    pub fn check_read(
        &self,
        r: &EvidenceRead,
        parties: &BTreeMap<PartyId, Party>,
        at: Timestamp,
        standing: ReaderStanding,
    ) -> Result<(), Rejection> {
        if !is_hex(&r.request, 32) {
            return Err(Rejection::malformed(
                "request-id",
                "/payload/request",
                "the request id is 32 lowercase hex digits",
            ));
        }
        let owner = parties.get(&r.owner).ok_or_else(|| {
            Rejection::conflict(
                "unknown-party",
                "/payload/owner",
                format!("party `{}` is not registered", r.owner),
            )
        })?;
        let reader = parties.get(&r.reader).ok_or_else(|| {
            Rejection::conflict(
                "unknown-party",
                "/payload/reader",
                format!("party `{}` is not registered", r.reader),
            )
        })?;
        self.live(&r.owner, &r.evidence)?;
        match self.access(owner, &r.evidence, reader, at, standing) {
            Ok(basis) if basis == r.basis => Ok(()),
            Ok(basis) => Err(Rejection::conflict(
                "read-basis",
                "/payload/basis",
                format!(
                    "the log gives `{}` access on the basis `{}`, not `{}`",
                    r.reader,
                    serde_json::to_value(basis)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    serde_json::to_value(r.basis)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),
            )),
            Err(_) => Err(Rejection::forbidden(
                "read-not-allowed",
                "/payload/reader",
                format!("`{}` may not read `{}/{}`", r.reader, r.owner, r.evidence),
            )),
        }
    }

    /// Checks `evidence.erase` by `signer` (the owner or a secretariat).
    pub fn check_erase(&self, signer: &Party, e: &EvidenceErase) -> Result<(), Rejection> {
        if signer.id != e.owner && signer.kind != PartyKind::Secretariat {
            return Err(Rejection::forbidden(
                "not-own-evidence",
                "/payload/owner",
                format!(
                    "`{}` may erase only its own evidence, not that of `{}`",
                    signer.id, e.owner
                ),
            ));
        }
        self.live(&e.owner, &e.evidence).map(|_| ())
    }

    /// Checks that every evidence reference in a report by `signer` names a live item of
    /// its own. `refs` are (JSON pointer, id) pairs.
    pub fn check_refs(
        &self,
        signer: &PartyId,
        refs: &[(String, &EvidenceId)],
    ) -> Result<(), Rejection> {
        for (pointer, id) in refs {
            match self.get(signer, id) {
                None => {
                    return Err(Rejection::conflict(
                        "unknown-evidence",
                        pointer.clone(),
                        format!(
                        "`{signer}` committed no evidence `{id}`; submit `evidence.commit` first"
                    ),
                    ))
                }
                Some(item) if item.erased.is_some() => {
                    return Err(Rejection::conflict(
                        "evidence-erased",
                        pointer.clone(),
                        format!("evidence `{signer}/{id}` was erased"),
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Folds in `evidence.commit`.
    pub fn commit(&mut self, owner: &PartyId, c: &EvidenceCommit, here: EntryRef) {
        self.items.entry(owner.clone()).or_default().insert(
            c.evidence.clone(),
            EvidenceRecord {
                owner: owner.clone(),
                evidence: c.evidence.clone(),
                marking: c.marking,
                commitment: c.commitment.clone(),
                media_type: c.media_type.clone(),
                size: c.size,
                label: c.label.clone(),
                recipients: c.recipients.iter().cloned().collect(),
                committed: here,
                grants: BTreeMap::new(),
                reads: Vec::new(),
                erased: None,
            },
        );
    }

    fn item_mut(&mut self, owner: &PartyId, id: &EvidenceId) -> Option<&mut EvidenceRecord> {
        self.items.get_mut(owner)?.get_mut(id)
    }

    /// Folds in `evidence.grant`.
    pub fn grant(&mut self, owner: &PartyId, g: &EvidenceGrant, here: EntryRef) {
        if let Some(item) = self.item_mut(owner, &g.evidence) {
            item.grants.insert(
                g.party.clone(),
                GrantRecord {
                    until: g.until,
                    purpose: g.purpose.clone(),
                    granted: here,
                },
            );
        }
    }

    /// Folds in `evidence.read`.
    pub fn read(&mut self, r: &EvidenceRead, here: EntryRef) {
        if let Some(item) = self.item_mut(&r.owner, &r.evidence) {
            item.reads.push(ReadRecord {
                reader: r.reader.clone(),
                basis: r.basis,
                entry: here,
            });
        }
    }

    /// Folds in `evidence.erase`.
    pub fn erase(&mut self, by: &PartyId, e: &EvidenceErase, here: EntryRef) {
        if let Some(item) = self.item_mut(&e.owner, &e.evidence) {
            item.erased = Some(Erasure {
                entry: here,
                by: by.clone(),
                reason: e.reason.clone(),
            });
        }
    }
}

/// What the rules of evidence read besides evidence: the registered parties (recipients and
/// grantees must be registered), and what the enforcement sub-domain says of a reader (asked
/// through a function, so that evidence does not depend on enforcement).
pub struct EvidenceInputs<'a> {
    /// Every registered party.
    pub parties: &'a BTreeMap<PartyId, Party>,
    /// The standing of `reader` towards `owner`'s evidence at a log time:
    /// `(reader, owner, at)`.
    pub standing: &'a dyn Fn(&PartyId, &PartyId, Timestamp) -> ReaderStanding,
}

/// The evidence entry types: a party commits, grants and erases; the instance records reads.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};

    impl Admit for EvidenceCommit {
        type Part = Evidences;
        type Inputs<'a> = EvidenceInputs<'a>;
        /// (owner, item).
        type Touched = (PartyId, EvidenceId);

        fn check(
            &self,
            part: &Evidences,
            inputs: &EvidenceInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_commit(by.party()?, self, |p| inputs.parties.contains_key(p))
        }

        fn apply(
            self,
            part: &mut Evidences,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, EvidenceId)> {
            part.commit(by, &self, here);
            vec![(by.clone(), self.evidence)]
        }
    }

    impl Admit for EvidenceGrant {
        type Part = Evidences;
        type Inputs<'a> = EvidenceInputs<'a>;
        type Touched = (PartyId, EvidenceId);

        fn check(
            &self,
            part: &Evidences,
            inputs: &EvidenceInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_grant(
                by.party()?,
                self,
                inputs.parties.contains_key(&self.party),
                by.at,
            )
        }

        fn apply(
            self,
            part: &mut Evidences,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, EvidenceId)> {
            part.grant(by, &self, here);
            vec![(by.clone(), self.evidence)]
        }
    }

    impl Admit for EvidenceErase {
        type Part = Evidences;
        type Inputs<'a> = EvidenceInputs<'a>;
        type Touched = (PartyId, EvidenceId);

        fn check(
            &self,
            part: &Evidences,
            _: &EvidenceInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_erase(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Evidences,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, EvidenceId)> {
            part.erase(by, &self, here);
            vec![(self.owner, self.evidence)]
        }
    }

    impl Admit for EvidenceRead {
        type Part = Evidences;
        type Inputs<'a> = EvidenceInputs<'a>;
        type Touched = (PartyId, EvidenceId);

        fn check(
            &self,
            part: &Evidences,
            i: &EvidenceInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            by.instance(
                "is recorded by the instance when it releases evidence; read through GET /evidence/{owner}/{id}",
            )?;
            let standing = (i.standing)(&self.reader, &self.owner, by.at);
            part.check_read(self, i.parties, by.at, standing)
        }

        fn apply(
            self,
            part: &mut Evidences,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<(PartyId, EvidenceId)> {
            part.read(&self, here);
            vec![(self.owner, self.evidence)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_is_salted_sha256() {
        let salt = [7u8; 32];
        let c = commitment(&salt, b"secret");
        assert_eq!(c.len(), 64);
        assert_ne!(c, commitment(&[8u8; 32], b"secret"));
        let mut h = Sha256::new();
        h.update([7u8; 32]);
        h.update(b"secret");
        assert_eq!(c, hex::encode(h.finalize()));
    }

    #[test]
    fn media_types() {
        assert!(valid_media_type("text/plain"));
        assert!(valid_media_type("application/vnd.tcpdump.pcap"));
        assert!(valid_media_type("text/plain; charset=utf-8"));
        assert!(!valid_media_type("text"));
        assert!(!valid_media_type("/plain"));
        assert!(!valid_media_type("text/pl ain"));
    }

    #[test]
    fn markings_use_tlp_2_labels() {
        for m in [
            Marking::Red,
            Marking::AmberStrict,
            Marking::Amber,
            Marking::BusinessConfidential,
        ] {
            assert_eq!(serde_json::to_value(m).unwrap(), m.label());
        }
    }
}
