//! The registry: who takes part in the instance and how to reach them — the rules and folds
//! of registration, keys, contacts and reachability checks over the parties of
//! [`crate::party`] (re-exported here). The layer every sub-domain stands on; it knows nothing
//! of norms, reports or cases.

use std::collections::{BTreeMap, BTreeSet};

use accord_envelope::{KeyId, PartyId, PublicKey};

use crate::entry::EntryRef;
use crate::ids::CheckId;
use crate::rules::Rejection;
use crate::time::Timestamp;

pub use crate::party::*;

/// A record of the registry a fold touched (for the state digest).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegistryRecord {
    /// The instance (genesis).
    Instance,
    /// A party.
    Party(PartyId),
    /// A reachability check.
    Check(CheckId),
}

/// Who takes part: the instance, its parties with their keys and contacts, and the
/// reachability checks. Its rules and folds are those of the registry's entry types.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Registry {
    instance: Option<Instance>,
    parties: BTreeMap<PartyId, Party>,
    by_kind: BTreeMap<PartyKind, Vec<PartyId>>,
    key_owner: BTreeMap<KeyId, PartyId>,
    checks: BTreeMap<CheckId, CheckRecord>,
}

impl Registry {
    /// The instance, once founded.
    pub fn instance(&self) -> Option<&Instance> {
        self.instance.as_ref()
    }

    /// All registered parties.
    pub fn parties(&self) -> &BTreeMap<PartyId, Party> {
        &self.parties
    }

    /// One party.
    pub fn party(&self, id: &PartyId) -> Option<&Party> {
        self.parties.get(id)
    }

    /// Party ids by kind, in registration order.
    pub fn by_kind(&self) -> &BTreeMap<PartyKind, Vec<PartyId>> {
        &self.by_kind
    }

    /// All reachability checks by id.
    pub fn checks(&self) -> &BTreeMap<CheckId, CheckRecord> {
        &self.checks
    }

    /// The active key `key` of registered party `party` may sign now: the key, or why not.
    pub fn active_key(&self, party: &PartyId, key: &KeyId) -> Result<PublicKey, Rejection> {
        let p = self.parties.get(party).ok_or_else(|| {
            Rejection::unauthorized(
                "unknown-signer",
                "/signer/party",
                format!(
                    "party `{party}` is not registered in this instance; ask the secretariat to register it"
                ),
            )
        })?;
        let record = p.keys.get(key).ok_or_else(|| {
            Rejection::unauthorized(
                "unknown-key",
                "/signer/key",
                format!(
                    "party `{}` has no key `{key}`; list its keys with `accord log show` or ask the secretariat",
                    p.id
                ),
            )
        })?;
        match record.status {
            KeyStatus::Active => Ok(record.public_key),
            KeyStatus::Retired { since } => Err(Rejection::unauthorized(
                "retired-key",
                "/signer/key",
                format!(
                    "key `{key}` of `{}` was retired by entry {} at {}; sign with the party's current key",
                    p.id, since.index, since.at
                ),
            )),
            KeyStatus::Revoked { since, .. } => Err(Rejection::unauthorized(
                "revoked-key",
                "/signer/key",
                format!(
                    "key `{key}` of `{}` was revoked by entry {} at {}; sign with a valid key",
                    p.id, since.index, since.at
                ),
            )),
        }
    }

    /// Refuses a key a secretariat installed to recover `signer` while its notice runs.
    pub fn check_key_usable(
        &self,
        signer: &Party,
        key: &KeyId,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        if let Some(from) = signer
            .keys
            .get(key)
            .and_then(|k| k.usable_from)
            .filter(|from| at < *from)
        {
            return Err(Rejection::unauthorized(
                "key-under-notice",
                "/signer/key",
                format!(
                    "key `{key}` of `{}` was installed by a secretariat to recover the party and signs only from {from}, after a {KEY_RECOVERY_NOTICE_DAYS}-day public notice",
                    signer.id
                ),
            ));
        }
        Ok(())
    }

    /// Checks `poc.declare`.
    pub fn check_poc(&self, d: &PocDeclaration) -> Result<(), Rejection> {
        if d.contacts.is_empty() || d.contacts.len() > 8 {
            return Err(Rejection::malformed(
                "contact-count",
                "/payload/contacts",
                format!(
                    "declare between 1 and 8 points of contact, not {}",
                    d.contacts.len()
                ),
            ));
        }
        Ok(())
    }

    /// Checks `party.register` (the caller checked the signer is a secretariat); `at` is the
    /// registration's pointer in the envelope.
    pub fn check_registration(&self, r: &PartyRegistration, at: &str) -> Result<(), Rejection> {
        if r.party.as_str() == INSTANCE_SIGNER {
            return Err(Rejection::conflict(
                "reserved-party-id",
                format!("{at}/party"),
                format!("party id `{INSTANCE_SIGNER}` is reserved for the instance key"),
            ));
        }
        if self.parties.contains_key(&r.party) {
            return Err(Rejection::conflict(
                "party-exists",
                format!("{at}/party"),
                format!(
                    "party `{}` is already registered; party ids are never reused",
                    r.party
                ),
            ));
        }
        self.check_new_key(&r.public_key, &format!("{at}/public_key"))
    }

    fn check_new_key(&self, key: &PublicKey, pointer: &str) -> Result<(), Rejection> {
        if let Some(owner) = self.key_owner.get(&key.key_id()) {
            return Err(Rejection::conflict(
                "key-in-use",
                pointer,
                format!(
                    "key `{}` is already registered to `{owner}`; generate a new key with `accord keygen`",
                    key.key_id()
                ),
            ));
        }
        Ok(())
    }

    fn target_party(&self, signer: &Party, target: &PartyId) -> Result<&Party, Rejection> {
        if signer.kind != PartyKind::Secretariat && signer.id != *target {
            return Err(Rejection::forbidden(
                "not-own-key",
                "/payload/party",
                format!(
                    "`{}` may manage only its own keys, not those of `{target}`",
                    signer.id
                ),
            ));
        }
        self.parties.get(target).ok_or_else(|| {
            Rejection::conflict(
                "unknown-party",
                "/payload/party",
                format!("party `{target}` is not registered"),
            )
        })
    }

    /// Checks `party.rotate_key` by `signer`.
    pub fn check_rotation(&self, signer: &Party, r: &KeyRotation) -> Result<(), Rejection> {
        let party = self.target_party(signer, &r.party)?;
        // A secretariat adding a key to another party could then sign as that party: it may
        // only recover a party left without any active key, and the key signs after a notice.
        if signer.id != party.id && party.keys.values().any(|k| k.status == KeyStatus::Active) {
            return Err(Rejection::forbidden(
                "not-own-key",
                "/payload/party",
                format!(
                    "`{}` has an active key, so only `{}` adds keys to itself; a secretariat may revoke a key, and recover a party only once none of its keys is active (the recovered key signs after {KEY_RECOVERY_NOTICE_DAYS} days)",
                    party.id, party.id
                ),
            ));
        }
        self.check_new_key(&r.public_key, "/payload/public_key")?;
        if let Some(old) = &r.retires {
            match party.keys.get(old).map(|k| k.status) {
                Some(KeyStatus::Active) => {}
                Some(_) => {
                    return Err(Rejection::conflict(
                        "key-not-active",
                        "/payload/retires",
                        format!(
                            "key `{old}` of `{}` is already retired or revoked",
                            party.id
                        ),
                    ))
                }
                None => {
                    return Err(Rejection::conflict(
                        "unknown-key",
                        "/payload/retires",
                        format!("party `{}` has no key `{old}`", party.id),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Checks `party.revoke_key` by `signer`.
    pub fn check_revocation(&self, signer: &Party, r: &KeyRevocation) -> Result<(), Rejection> {
        let party = self.target_party(signer, &r.party)?;
        match party.keys.get(&r.key).map(|k| k.status) {
            None => Err(Rejection::conflict(
                "unknown-key",
                "/payload/key",
                format!("party `{}` has no key `{}`", party.id, r.key),
            )),
            Some(KeyStatus::Revoked { since, .. }) => Err(Rejection::conflict(
                "already-revoked",
                "/payload/key",
                format!(
                    "key `{}` was already revoked by entry {}",
                    r.key, since.index
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    /// Checks `poc.check` (the caller checked the signer is a secretariat).
    pub fn check_reachability_check(&self, c: &ReachabilityCheck) -> Result<(), Rejection> {
        if self.checks.contains_key(&c.check) {
            return Err(Rejection::conflict(
                "check-exists",
                "/payload/check",
                format!("a reachability check `{}` was already issued", c.check),
            ));
        }
        if !(1..=720).contains(&c.respond_within_hours) {
            return Err(Rejection::malformed(
                "deadline-range",
                "/payload/respond_within_hours",
                "the response window must be between 1 and 720 hours",
            ));
        }
        if let Some(list) = &c.parties {
            if list.is_empty() {
                return Err(Rejection::malformed(
                    "no-addressees",
                    "/payload/parties",
                    "name at least one party, or leave `parties` out to address all",
                ));
            }
            let mut seen = BTreeSet::new();
            for (i, p) in list.iter().enumerate() {
                if !self.parties.contains_key(p) {
                    return Err(Rejection::conflict(
                        "unknown-party",
                        format!("/payload/parties/{i}"),
                        format!("party `{p}` is not registered"),
                    ));
                }
                if !seen.insert(p) {
                    return Err(Rejection::malformed(
                        "duplicate-party",
                        format!("/payload/parties/{i}"),
                        format!("party `{p}` is listed twice"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks `poc.ack` by `signer`.
    pub fn check_ack(&self, signer: &Party, a: &ReachabilityAck) -> Result<(), Rejection> {
        let check = self.checks.get(&a.check).ok_or_else(|| {
            Rejection::conflict(
                "unknown-check",
                "/payload/check",
                format!("no reachability check `{}` was issued", a.check),
            )
        })?;
        if !check.addressed.contains(&signer.id) {
            return Err(Rejection::forbidden(
                "not-addressed",
                "/payload/check",
                format!("check `{}` was not addressed to `{}`", a.check, signer.id),
            ));
        }
        if let Some(prev) = check.acks.get(&signer.id) {
            return Err(Rejection::conflict(
                "already-acknowledged",
                "/payload/check",
                format!(
                    "`{}` already acknowledged check `{}` in entry {}",
                    signer.id, a.check, prev.entry.index
                ),
            ));
        }
        Ok(())
    }

    /// Folds in `instance.genesis`: the instance and its founding secretariat.
    pub fn found(&mut self, g: Genesis, here: EntryRef) -> Vec<RegistryRecord> {
        self.instance = Some(Instance {
            origin: g.origin,
            display_name: g.display_name,
            instance_key: g.instance_key,
            founded: here,
        });
        let mut touched = vec![RegistryRecord::Instance];
        touched.extend(self.register(g.secretariat, here));
        touched
    }

    /// Folds in a registration (`party.register`, or the secretariat founded by genesis).
    pub fn register(&mut self, r: PartyRegistration, here: EntryRef) -> Vec<RegistryRecord> {
        let key_id = r.public_key.key_id();
        self.key_owner.insert(key_id, r.party.clone());
        let mut keys = BTreeMap::new();
        keys.insert(
            key_id,
            KeyRecord {
                public_key: r.public_key,
                added: here,
                status: KeyStatus::Active,
                usable_from: None,
            },
        );
        let touched = vec![RegistryRecord::Party(r.party.clone())];
        self.by_kind
            .entry(r.kind)
            .or_default()
            .push(r.party.clone());
        self.parties.insert(
            r.party.clone(),
            Party {
                id: r.party,
                kind: r.kind,
                region: r.region,
                display_name: r.display_name,
                registered: here,
                keys,
                poc: None,
                reachability: ReachabilityStats::default(),
            },
        );
        touched
    }

    /// Folds in `party.rotate_key` signed by `by`: a key another party installed (a recovery)
    /// signs only after the notice period.
    pub fn rotate(&mut self, r: KeyRotation, by: &PartyId, here: EntryRef) -> Vec<RegistryRecord> {
        self.key_owner
            .insert(r.public_key.key_id(), r.party.clone());
        if let Some(party) = self.parties.get_mut(&r.party) {
            if let Some(old) = r.retires.and_then(|k| party.keys.get_mut(&k)) {
                old.status = KeyStatus::Retired { since: here };
            }
            party.keys.insert(
                r.public_key.key_id(),
                KeyRecord {
                    public_key: r.public_key,
                    added: here,
                    status: KeyStatus::Active,
                    // Installed by someone else: a recovery, under notice.
                    usable_from: (*by != r.party)
                        .then(|| here.at.plus_ms(KEY_RECOVERY_NOTICE_DAYS * 86_400_000)),
                },
            );
        }
        vec![RegistryRecord::Party(r.party)]
    }

    /// Folds in `party.revoke_key`.
    pub fn revoke(&mut self, r: KeyRevocation, here: EntryRef) -> Vec<RegistryRecord> {
        if let Some(key) = self
            .parties
            .get_mut(&r.party)
            .and_then(|p| p.keys.get_mut(&r.key))
        {
            key.status = KeyStatus::Revoked {
                since: here,
                reason: r.reason,
            };
        }
        vec![RegistryRecord::Party(r.party)]
    }

    /// Folds in `poc.declare` by `by`.
    pub fn declare(
        &mut self,
        d: PocDeclaration,
        by: &PartyId,
        here: EntryRef,
    ) -> Vec<RegistryRecord> {
        if let Some(party) = self.parties.get_mut(by) {
            party.poc = Some(PocDirectoryEntry {
                contacts: d.contacts,
                declared: here,
            });
        }
        vec![RegistryRecord::Party(by.clone())]
    }

    /// Folds in `poc.check`: addressed to the parties it names, or to every party but the
    /// secretariats.
    pub fn issue_check(&mut self, c: ReachabilityCheck, here: EntryRef) -> Vec<RegistryRecord> {
        let addressed: BTreeSet<PartyId> = match c.parties {
            Some(list) => list.into_iter().collect(),
            None => self
                .parties
                .values()
                .filter(|p| p.kind != PartyKind::Secretariat)
                .map(|p| p.id.clone())
                .collect(),
        };
        let mut touched = Vec::new();
        for id in &addressed {
            if let Some(p) = self.parties.get_mut(id) {
                p.reachability.addressed += 1;
            }
            touched.push(RegistryRecord::Party(id.clone()));
        }
        touched.push(RegistryRecord::Check(c.check.clone()));
        self.checks.insert(
            c.check.clone(),
            CheckRecord {
                id: c.check,
                role: c.role,
                issued: here,
                deadline: here.at.plus_hours(c.respond_within_hours),
                addressed,
                acks: BTreeMap::new(),
            },
        );
        touched
    }

    /// Folds in `poc.ack` by `by`.
    pub fn ack(&mut self, a: ReachabilityAck, by: &PartyId, here: EntryRef) -> Vec<RegistryRecord> {
        let at = here.at;
        if let Some(check) = self.checks.get_mut(&a.check) {
            let on_time = at <= check.deadline;
            let waited = at.unix_ms().saturating_sub(check.issued.at.unix_ms());
            check.acks.insert(
                by.clone(),
                Acknowledgement {
                    entry: here,
                    on_time,
                },
            );
            if let Some(p) = self.parties.get_mut(by) {
                if on_time {
                    p.reachability.on_time += 1;
                } else {
                    p.reachability.late += 1;
                }
                p.reachability.total_response_ms += waited;
            }
        }
        vec![
            RegistryRecord::Check(a.check),
            RegistryRecord::Party(by.clone()),
        ]
    }
}

impl Genesis {
    /// Checks the founding entry: its origin, and a founding secretariat with its own key.
    pub fn check(&self) -> Result<(), Rejection> {
        let g = self;
        let origin_ok = !g.origin.is_empty()
            && g.origin.len() <= 200
            && !g
                .origin
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '+');
        if !origin_ok {
            return Err(Rejection::malformed(
            "origin",
            "/payload/origin",
            "the origin must be 1-200 characters without spaces or '+', e.g. `accord.example/eu-council`",
        ));
        }
        if g.secretariat.kind != PartyKind::Secretariat {
            return Err(Rejection::malformed(
                "founding-secretariat",
                "/payload/secretariat/kind",
                "the founding party of an instance must be of kind `secretariat`",
            ));
        }
        if g.secretariat.party.as_str() == INSTANCE_SIGNER {
            return Err(Rejection::conflict(
                "reserved-party-id",
                "/payload/secretariat/party",
                format!("party id `{INSTANCE_SIGNER}` is reserved for the instance key"),
            ));
        }
        if g.secretariat.public_key == g.instance_key {
            return Err(Rejection::malformed(
                "separate-keys",
                "/payload/secretariat/public_key",
                "the secretariat needs its own key, distinct from the instance key",
            ));
        }
        Ok(())
    }
}

/// The registry's entry types: registration, keys, contacts and reachability checks.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};

    impl Admit for Genesis {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            if part.instance().is_some() {
                return Err(Rejection::conflict(
                    "genesis-exists",
                    "/type",
                    "this instance already has its genesis entry",
                ));
            }
            by.instance("is signed by the instance key it declares")?;
            self.check()
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.found(self, here)
        }
    }

    impl Admit for PartyRegistration {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            by.require_kind(PartyKind::Secretariat)?;
            part.check_registration(self, "/payload")
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.register(self, here)
        }
    }

    impl Admit for KeyRotation {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            part.check_rotation(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.rotate(self, by, here)
        }
    }

    impl Admit for KeyRevocation {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            part.check_revocation(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.revoke(self, here)
        }
    }

    impl Admit for PocDeclaration {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), _: &Submitted<'_>) -> Result<(), Rejection> {
            part.check_poc(self)
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.declare(self, by, here)
        }
    }

    impl Admit for ReachabilityCheck {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            by.require_kind(PartyKind::Secretariat)?;
            part.check_reachability_check(self)
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.issue_check(self, here)
        }
    }

    impl Admit for ReachabilityAck {
        type Part = Registry;
        type Inputs<'a> = ();
        type Touched = RegistryRecord;

        fn check(&self, part: &Registry, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            part.check_ack(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Registry,
            _: &Self::Inputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<RegistryRecord> {
            part.ack(self, by, here)
        }
    }
}
