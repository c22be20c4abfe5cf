//! API tokens: a party issues itself bearer tokens for authenticated reads. Only the token's
//! SHA-256 is logged (issuance and revocation are signed entries, so who may read what is as
//! auditable as everything else); the token itself is shown once, to its holder.
//!
//! A token stands for its party, so only that party's own signature creates one: the
//! secretariat may revoke any token (a lost laptop, a leak), but never mint one for another
//! party — that would let the operator read, as that party, what was released only to it.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entry::EntryRef;
use crate::ids::ShortText;
use crate::registry::Party;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

/// `party.token_issue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIssue {
    /// The party the token authenticates.
    pub party: PartyId,
    /// SHA-256 of the token, 64 lowercase hex digits.
    pub token_sha256: String,
    /// What it is for, e.g. `dashboard` or `taxii-client`.
    pub label: ShortText,
    /// When it stops working, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `party.token_revoke`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoke {
    /// SHA-256 of the token, 64 lowercase hex digits.
    pub token_sha256: String,
}

/// A token as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Whose.
    pub party: PartyId,
    /// Its label.
    pub label: ShortText,
    /// The issuing entry.
    pub issued: EntryRef,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// The revoking entry.
    pub revoked: Option<EntryRef>,
}

/// Every token ever issued, by hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    by_hash: BTreeMap<String, TokenRecord>,
}

/// SHA-256 of a presented token, as logged.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Tokens {
    /// The record of a token hash.
    pub fn get(&self, sha256: &str) -> Option<&TokenRecord> {
        self.by_hash.get(sha256)
    }

    /// The party a presented token authenticates at time `now`, if it is valid then. Servers
    /// pass the clock's time (never only the last entry's), so a token stops working when it
    /// expires, not when the next entry happens to be logged.
    pub fn authenticate(&self, token: &str, now: Timestamp) -> Option<&TokenRecord> {
        self.valid(&token_hash(token), now)
    }

    /// The record of a token hash if that token is valid at `now` (issued, not revoked, not
    /// expired).
    pub fn valid(&self, sha256: &str, now: Timestamp) -> Option<&TokenRecord> {
        self.by_hash
            .get(sha256)
            .filter(|t| t.revoked.is_none() && t.expires_at.is_none_or(|e| now < e))
    }

    /// Checks `party.token_issue` by `signer`: a party issues tokens to itself only.
    pub fn check_issue(
        &self,
        signer: &Party,
        t: &TokenIssue,
        at: Timestamp,
    ) -> Result<(), Rejection> {
        if !valid_hash(&t.token_sha256) {
            return Err(Rejection::malformed(
                "token-hash",
                "/payload/token_sha256",
                "give the token's SHA-256 as 64 lowercase hex digits, never the token itself",
            ));
        }
        if t.party != signer.id {
            return Err(Rejection::forbidden(
                "own-token-only",
                "/payload/party",
                format!(
                    "a token stands for its party, so only `{}` signs the issue of its tokens; `{}` may not (a secretariat may revoke a token, never mint one)",
                    t.party, signer.id
                ),
            ));
        }
        if self.by_hash.contains_key(&t.token_sha256) {
            return Err(Rejection::conflict(
                "token-exists",
                "/payload/token_sha256",
                "this token was already issued; generate a new one",
            ));
        }
        if t.expires_at.is_some_and(|e| e <= at) {
            return Err(Rejection::malformed(
                "token-expiry",
                "/payload/expires_at",
                "a token must expire after it is issued",
            ));
        }
        Ok(())
    }

    /// Checks `party.token_revoke` by `signer`: the token's party or a secretariat.
    pub fn check_revoke(&self, signer: &Party, r: &TokenRevoke) -> Result<(), Rejection> {
        if let Some(t) = self.by_hash.get(&r.token_sha256) {
            if t.party != signer.id && signer.kind != PartyKind::Secretariat {
                return Err(Rejection::forbidden(
                    "not-own-token",
                    "/payload/token_sha256",
                    format!(
                        "`{}` may revoke only its own tokens; this one is `{}`'s",
                        signer.id, t.party
                    ),
                ));
            }
        }
        match self.by_hash.get(&r.token_sha256) {
            None => Err(Rejection::conflict(
                "unknown-token",
                "/payload/token_sha256",
                "no token with this hash was issued",
            )),
            Some(t) if t.revoked.is_some() => Err(Rejection::conflict(
                "token-revoked",
                "/payload/token_sha256",
                "this token is already revoked",
            )),
            Some(_) => Ok(()),
        }
    }

    /// Folds in `party.token_issue`.
    pub fn issue(&mut self, t: &TokenIssue, here: EntryRef) {
        self.by_hash.insert(
            t.token_sha256.clone(),
            TokenRecord {
                party: t.party.clone(),
                label: t.label.clone(),
                issued: here,
                expires_at: t.expires_at,
                revoked: None,
            },
        );
    }

    /// Folds in `party.token_revoke`.
    pub fn revoke(&mut self, r: &TokenRevoke, here: EntryRef) {
        if let Some(t) = self.by_hash.get_mut(&r.token_sha256) {
            t.revoked = Some(here);
        }
    }
}

/// The tokens' entry types.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};

    impl Admit for TokenIssue {
        type Part = Tokens;
        type Inputs<'a> = ();
        /// The token's hash.
        type Touched = String;

        fn check(&self, part: &Tokens, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            part.check_issue(by.party()?, self, by.at)
        }

        fn apply(
            self,
            part: &mut Tokens,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<String> {
            part.issue(&self, here);
            vec![self.token_sha256]
        }
    }

    impl Admit for TokenRevoke {
        type Part = Tokens;
        type Inputs<'a> = ();
        type Touched = String;

        fn check(&self, part: &Tokens, _: &(), by: &Submitted<'_>) -> Result<(), Rejection> {
            part.check_revoke(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Tokens,
            _: &Self::Inputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<String> {
            part.revoke(&self, here);
            vec![self.token_sha256]
        }
    }
}
