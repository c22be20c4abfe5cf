//! The evidence [`Vault`] in PostgreSQL, sealed under a key the database never sees.
//!
//! PostgreSQL cannot promise what the SQLite vault promises — that erased content is
//! overwritten in place: a deleted row lives on as a dead tuple until vacuumed, in the WAL
//! until recycled, and in every base backup and WAL archive taken meanwhile. So the database
//! only ever holds ciphertext. Each item (salt and content) is sealed with XChaCha20-Poly1305
//! under the instance's *vault key* (`vault.key` in each node's data directory, mode 0600,
//! never written to the database) with a random 192-bit nonce; the associated data binds the
//! ciphertext to its `(owner, id)`, so rows swapped or copied by someone with write access to
//! the database fail to open instead of serving one party's evidence as another's.
//!
//! What that buys and what it does not is in `docs/security.md`: whoever holds the database,
//! its backups or its WAL archive without the vault key reads nothing; erasure deletes the row
//! and vacuums the table, but a copy taken before it stays readable to whoever also holds the
//! vault key.
//!
//! A vault opened with the wrong key is refused at once (`accord_meta.vault_key_check` holds a
//! SHA-256 of the key under a fixed label, written by the first vault opened on the database).

use std::fmt;
use std::sync::{Mutex, PoisonError};

use accord_store::{Sealed, StoreError, Vault};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use postgres::{Client, GenericClient};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::{connect, migrate, off_runtime, pg_err, redacted};

/// Label of the key check value in `accord_meta`.
const KEY_CHECK_LABEL: &[u8] = b"accord vault key check v1";
/// Prefix of the associated data of every sealed item.
const AAD_LABEL: &[u8] = b"accord vault item v1";

/// The 256-bit key that seals evidence in a PostgreSQL vault.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultKey([u8; 32]);

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(withheld)")
    }
}

impl VaultKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        VaultKey(key)
    }

    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        VaultKey(bytes)
    }

    /// Its bytes (to save it).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn check_value(&self) -> String {
        let mut h = Sha256::new();
        h.update(KEY_CHECK_LABEL);
        h.update(self.0);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// An evidence vault in the same PostgreSQL database as the log (table `evidence`).
pub struct PostgresVault {
    url: String,
    cipher: XChaCha20Poly1305,
    /// Always `Some` until dropped (taken by `Drop` to close it off the runtime).
    conn: Mutex<Option<Client>>,
}

impl Drop for PostgresVault {
    fn drop(&mut self) {
        let conn = self
            .conn
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        off_runtime(move || drop(conn));
    }
}

impl fmt::Debug for PostgresVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresVault")
            .field("url", &redacted(&self.url))
            .finish_non_exhaustive()
    }
}

impl PostgresVault {
    /// Connects to the database at `url` (creating or migrating the schema like
    /// [`PostgresStore::open`](crate::PostgresStore::open)) and checks that `key` is the vault
    /// key the database was first sealed with (recording it if this is the first vault opened).
    pub fn open(url: &str, key: &VaultKey) -> Result<Self, StoreError> {
        off_runtime(|| Self::open_here(url, key))
    }

    fn open_here(url: &str, key: &VaultKey) -> Result<Self, StoreError> {
        let mut conn = connect(url)?;
        migrate(&mut conn, url)?;
        let check = key.check_value();
        let what = || format!("checking the vault key against {}", redacted(url));
        conn.execute(
            "INSERT INTO accord_meta VALUES ('vault_key_check', $1) ON CONFLICT DO NOTHING",
            &[&check],
        )
        .map_err(|e| pg_err(e, what()))?;
        let stored: String = conn
            .query_one(
                "SELECT value FROM accord_meta WHERE key = 'vault_key_check'",
                &[],
            )
            .map_err(|e| pg_err(e, what()))?
            .get(0);
        if stored != check {
            return Err(StoreError::Corrupt(format!(
                "the vault key does not open the evidence in {}: it was sealed under another \
                 vault.key (copy the instance's vault.key into this data directory)",
                redacted(url)
            )));
        }
        Ok(PostgresVault {
            url: url.to_owned(),
            cipher: XChaCha20Poly1305::new(key.as_bytes().into()),
            conn: Mutex::new(Some(conn)),
        })
    }

    /// Runs `f` on the vault's connection (reconnecting if the server closed it), on a thread
    /// where the synchronous client may block.
    fn with_conn<T: Send>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let conn = match &mut *guard {
                Some(c) if !c.is_closed() => c,
                slot => slot.insert(connect(&self.url)?),
            };
            f(conn)
        })
    }

    fn seal(
        &self,
        owner: &str,
        id: &str,
        sealed: &Sealed,
    ) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let mut plain = Vec::with_capacity(32 + sealed.content.len());
        plain.extend_from_slice(&sealed.salt);
        plain.extend_from_slice(&sealed.content);
        let aad = aad(owner, id);
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Backend(format!("sealing evidence {owner}/{id}")))?;
        Ok((nonce.to_vec(), ciphertext))
    }

    fn open_row(
        &self,
        owner: &str,
        id: &str,
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<Sealed, StoreError> {
        if nonce.len() != 24 {
            return Err(StoreError::Corrupt(format!(
                "table evidence: row {owner}/{id}: nonce holds {} bytes, not 24",
                nonce.len()
            )));
        }
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad(owner, id),
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!(
                    "table evidence: row {owner}/{id} does not open under the vault key \
                     (altered, or moved from another row)"
                ))
            })?;
        if plain.len() < 32 {
            return Err(StoreError::Corrupt(format!(
                "table evidence: row {owner}/{id} is too short to hold a salt"
            )));
        }
        let (salt, content) = plain.split_at(32);
        Ok(Sealed {
            salt: salt.try_into().expect("32 bytes"),
            content: content.to_vec(),
        })
    }

    fn get_in(
        &self,
        conn: &mut impl GenericClient,
        owner: &str,
        id: &str,
    ) -> Result<Option<Sealed>, StoreError> {
        let row = conn
            .query_opt(
                "SELECT nonce, sealed FROM evidence WHERE owner = $1 AND id = $2",
                &[&owner, &id],
            )
            .map_err(|e| pg_err(e, format!("reading evidence {owner}/{id}")))?;
        row.map(|r| {
            let nonce: Vec<u8> = r.get(0);
            let ciphertext: Vec<u8> = r.get(1);
            self.open_row(owner, id, &nonce, &ciphertext)
        })
        .transpose()
    }

    fn put_in(
        &self,
        conn: &mut impl GenericClient,
        owner: &str,
        id: &str,
        sealed: &Sealed,
    ) -> Result<(), StoreError> {
        // Insert-or-compare without a table lock (which distributed engines may lack): the
        // primary key decides a race, and the loser compares with what won.
        let (nonce, ciphertext) = self.seal(owner, id, sealed)?;
        let inserted = conn
            .execute(
                "INSERT INTO evidence(owner, id, nonce, sealed) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (owner, id) DO NOTHING",
                &[&owner, &id, &nonce, &ciphertext],
            )
            .map_err(|e| pg_err(e, format!("storing evidence {owner}/{id}")))?;
        if inserted == 1 {
            return Ok(());
        }
        match self.get_in(conn, owner, id)? {
            Some(existing) if existing == *sealed => Ok(()),
            _ => Err(StoreError::Backend(format!(
                "evidence {owner}/{id} is already stored with other content"
            ))),
        }
    }
}

/// The associated data binding a sealed item to its place: label, owner and id, each
/// length-prefixed so that no two (owner, id) pairs share it.
fn aad(owner: &str, id: &str) -> Vec<u8> {
    let mut out = AAD_LABEL.to_vec();
    for part in [owner, id] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

impl Vault for PostgresVault {
    fn put(&self, owner: &str, id: &str, sealed: &Sealed) -> Result<(), StoreError> {
        self.put_many(&[(owner.to_owned(), id.to_owned(), sealed.clone())])
    }

    fn put_many(&self, items: &[(String, String, Sealed)]) -> Result<(), StoreError> {
        self.with_conn(|conn| self.put_many_in(conn, items))
    }

    fn get(&self, owner: &str, id: &str) -> Result<Option<Sealed>, StoreError> {
        self.with_conn(|conn| self.get_in(conn, owner, id))
    }

    fn erase(&self, owner: &str, id: &str) -> Result<bool, StoreError> {
        self.with_conn(|conn| erase_in(conn, owner, id))
    }

    fn list(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.with_conn(list_in)
    }
}

impl PostgresVault {
    fn put_many_in(
        &self,
        conn: &mut Client,
        items: &[(String, String, Sealed)],
    ) -> Result<(), StoreError> {
        let what = || format!("storing {} vault items", items.len());
        let mut tx = conn.transaction().map_err(|e| pg_err(e, what()))?;
        for (owner, id, sealed) in items {
            self.put_in(&mut tx, owner, id, sealed)?;
        }
        tx.commit().map_err(|e| pg_err(e, what()))
    }
}

fn erase_in(conn: &mut Client, owner: &str, id: &str) -> Result<bool, StoreError> {
    let what = || format!("erasing evidence {owner}/{id}");
    let n = conn
        .execute(
            "DELETE FROM evidence WHERE owner = $1 AND id = $2",
            &[&owner, &id],
        )
        .map_err(|e| pg_err(e, what()))?;
    if n > 0 {
        // Reclaim the dead tuple now rather than whenever autovacuum comes by (this does
        // not reach WAL or backups; see the module documentation). Best effort: the row is
        // deleted either way and holds only ciphertext; an engine without VACUUM collects
        // old versions on its own schedule.
        let _ = conn.batch_execute("VACUUM evidence");
    }
    Ok(n > 0)
}

fn list_in(conn: &mut Client) -> Result<Vec<(String, String)>, StoreError> {
    let rows = conn
        .query(
            "SELECT owner, id FROM evidence ORDER BY owner COLLATE \"C\", id COLLATE \"C\"",
            &[],
        )
        .map_err(|e| pg_err(e, "listing evidence"))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
