//! The SQLite evidence vault: a database file of its own (`evidence.db`), apart from the log,
//! so that the log can be copied, mirrored and served without ever carrying confidential
//! content.
//!
//! Erasure must leave nothing behind: the vault runs with `secure_delete = ON` (deleted content
//! is overwritten with zeros in place) and a rollback journal (`journal_mode = DELETE`: no
//! write-ahead log that would keep old pages around). The file is created with mode 0600 on
//! Unix; encrypting the disk it lives on is the operator's part.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use accord_store::{Sealed, StoreError, Vault};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::sql_err;

/// `PRAGMA application_id` of Accord vaults: "ACCV".
const VAULT_APPLICATION_ID: i32 = 0x4143_4356;

/// An evidence vault in one SQLite file.
pub struct SqliteVault {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteVault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteVault {
    /// Opens (creating if missing) the vault at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let existed = path.exists();
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql_err(e, format!("opening {}", path.display())))?;
        #[cfg(unix)]
        if !existed {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError::Backend(format!("restricting {}: {e}", path.display())))?;
        }
        let what = || format!("configuring the evidence vault {}", path.display());
        let app: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| sql_err(e, what()))?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|e| sql_err(e, what()))?;
        if app != VAULT_APPLICATION_ID && !(app == 0 && tables == 0) {
            return Err(StoreError::Corrupt(format!(
                "{} is not an Accord evidence vault (application_id {app:#x})",
                path.display()
            )));
        }
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = DELETE;
             PRAGMA secure_delete = ON;
             PRAGMA synchronous = FULL;
             PRAGMA application_id = {VAULT_APPLICATION_ID};
             CREATE TABLE IF NOT EXISTS evidence(
                 owner TEXT NOT NULL,
                 id TEXT NOT NULL,
                 salt BLOB NOT NULL,
                 content BLOB NOT NULL,
                 PRIMARY KEY(owner, id)
             ) WITHOUT ROWID;"
        ))
        .map_err(|e| sql_err(e, what()))?;
        Ok(SqliteVault {
            path,
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Vault for SqliteVault {
    fn put(&self, owner: &str, id: &str, sealed: &Sealed) -> Result<(), StoreError> {
        let conn = self.conn();
        let what = || format!("storing evidence {owner}/{id}");
        if let Some(existing) = get(&conn, owner, id).map_err(|e| sql_err(e, what()))? {
            if existing == *sealed {
                return Ok(());
            }
            return Err(StoreError::Backend(format!(
                "evidence {owner}/{id} is already stored with other content"
            )));
        }
        conn.execute(
            "INSERT INTO evidence(owner, id, salt, content) VALUES (?1, ?2, ?3, ?4)",
            params![owner, id, &sealed.salt[..], &sealed.content],
        )
        .map_err(|e| sql_err(e, what()))?;
        Ok(())
    }

    fn put_many(&self, items: &[(String, String, Sealed)]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let what = || format!("storing {} vault items", items.len());
        let tx = conn.transaction().map_err(|e| sql_err(e, what()))?;
        for (owner, id, sealed) in items {
            if let Some(existing) = get(&tx, owner, id).map_err(|e| sql_err(e, what()))? {
                if existing == *sealed {
                    continue;
                }
                return Err(StoreError::Backend(format!(
                    "vault item {owner}/{id} is already stored with other content"
                )));
            }
            tx.execute(
                "INSERT INTO evidence(owner, id, salt, content) VALUES (?1, ?2, ?3, ?4)",
                params![owner, id, &sealed.salt[..], &sealed.content],
            )
            .map_err(|e| sql_err(e, what()))?;
        }
        tx.commit().map_err(|e| sql_err(e, what()))
    }

    fn get(&self, owner: &str, id: &str) -> Result<Option<Sealed>, StoreError> {
        get(&self.conn(), owner, id)
            .map_err(|e| sql_err(e, format!("reading evidence {owner}/{id}")))
    }

    fn erase(&self, owner: &str, id: &str) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "DELETE FROM evidence WHERE owner = ?1 AND id = ?2",
                params![owner, id],
            )
            .map_err(|e| sql_err(e, format!("erasing evidence {owner}/{id}")))?;
        Ok(n > 0)
    }

    fn list(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT owner, id FROM evidence ORDER BY owner, id")
            .map_err(|e| sql_err(e, "listing evidence"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| sql_err(e, "listing evidence"))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| sql_err(e, "listing evidence"))
    }
}

fn get(conn: &Connection, owner: &str, id: &str) -> Result<Option<Sealed>, rusqlite::Error> {
    let row: Option<(Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT salt, content FROM evidence WHERE owner = ?1 AND id = ?2",
            params![owner, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(salt, content)| {
        Some(Sealed {
            salt: salt.try_into().ok()?,
            content,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_erase_leaves_no_trace_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.db");
        let vault = SqliteVault::open(&path).unwrap();
        let canary = b"CANARY-7f3a9c-confidential-content".repeat(50);
        let sealed = Sealed {
            salt: [0x5a; 32],
            content: canary.clone(),
        };
        vault.put("cert-a", "pcap-1", &sealed).unwrap();
        vault.put("cert-a", "pcap-1", &sealed).unwrap(); // idempotent
        let other = Sealed {
            salt: [0x5a; 32],
            content: b"other".to_vec(),
        };
        assert!(vault.put("cert-a", "pcap-1", &other).is_err());
        assert_eq!(vault.get("cert-a", "pcap-1").unwrap(), Some(sealed));
        assert_eq!(
            vault.list().unwrap(),
            vec![("cert-a".into(), "pcap-1".into())]
        );
        let on_disk = std::fs::read(&path).unwrap();
        assert!(contains(&on_disk, b"CANARY-7f3a9c"));
        assert!(vault.erase("cert-a", "pcap-1").unwrap());
        assert!(!vault.erase("cert-a", "pcap-1").unwrap());
        assert_eq!(vault.get("cert-a", "pcap-1").unwrap(), None);
        drop(vault);
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(
                !contains(&bytes, b"CANARY-7f3a9c"),
                "erased content left in a file"
            );
        }
    }

    #[test]
    fn refuses_a_log_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accord.db");
        drop(crate::SqliteStore::open(&path).unwrap());
        assert!(SqliteVault::open(&path).is_err());
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }
}
