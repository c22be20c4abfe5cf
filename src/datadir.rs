//! The data directory: one instance's database, instance key and configuration.
//!
//! Layout:
//! - `accord.db` — the SQLite store (entries, tiles, checkpoints, state digests), unless the
//!   instance keeps its log in PostgreSQL (`"store": "postgres"` in `instance.json`; every
//!   command then needs `--database` / `ACCORD_DATABASE`, which is never written down);
//! - `published-checkpoint` — the highest checkpoint this instance ever served (a signed
//!   note); `serve` refuses a store that does not extend it;
//! - `evidence.db` — the evidence vault: confidential content and salts, mode 0600, never
//!   served, copied or mirrored with the log (on PostgreSQL the vault is a table holding only
//!   ciphertext, and `vault.key`, mode 0600, is the key that seals it — every node needs it,
//!   the database never sees it);
//! - `instance.json` — origin, display name, checkpoint verifier key;
//! - `instance.key` — the instance key (signs genesis and every checkpoint), mode 0600;
//! - `keys/<party>.key` — keys that `init` and `demo` generated for parties, mode 0600;
//! - `scenario.json` — which scenario file and seed seeded the world (`demo --scenario`);
//! - `LOCK` — held by the process that appends (a server, or a local write).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_envelope::{KeyFile, KeyPair};
use accord_sequencer::{Clock, Ledger, Snapshots};
use accord_store::{Store, Vault};
use accord_store_postgres::{PostgresStore, PostgresVault, VaultKey};
use accord_store_sqlite::{SqliteStore, SqliteVault};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The contents of `instance.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// Checkpoint origin line.
    pub origin: String,
    /// Human name.
    pub display_name: String,
    /// C2SP signed-note verifier key of the instance.
    pub verifier_key: String,
    /// Where the log and the vault live (the database URL itself is never written here: it
    /// may carry a password).
    #[serde(default, skip_serializing_if = "StoreKind::is_sqlite")]
    pub store: StoreKind,
}

/// Which backend holds an instance's log and evidence vault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// `accord.db` and `evidence.db` in the data directory (the default).
    #[default]
    Sqlite,
    /// A PostgreSQL database named by `--database`.
    Postgres,
}

impl StoreKind {
    fn is_sqlite(&self) -> bool {
        *self == StoreKind::Sqlite
    }
}

/// Where this command finds the log: the data directory's SQLite file, or a database URL.
enum Backend<'a> {
    Sqlite,
    Postgres(&'a str),
}

/// `url` without its password, for messages.
pub fn redacted(url: &str) -> String {
    accord_store_postgres::redacted(url)
}

/// An instance's data directory.
#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
    database: Option<String>,
}

/// The exclusive write lock on a data directory; released on drop.
pub struct WriteLock(#[allow(dead_code)] File);

impl DataDir {
    /// The directory at `root` (not necessarily existing yet).
    pub fn new(root: &Path) -> Self {
        DataDir {
            root: root.to_owned(),
            database: None,
        }
    }

    /// The directory and database named on the command line (`--data`, `--database`).
    pub fn at(arg: &crate::DataArg) -> Self {
        DataDir::new(&arg.data).with_database(arg.database.clone())
    }

    /// The same directory, its log in the PostgreSQL database at `url` (when given).
    pub fn with_database(mut self, url: Option<String>) -> Self {
        self.database = url.filter(|u| !u.trim().is_empty());
        self
    }

    /// The database URL given for this directory, if any.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The backend a new instance here would use.
    pub fn store_kind(&self) -> StoreKind {
        match self.database {
            Some(_) => StoreKind::Postgres,
            None => StoreKind::Sqlite,
        }
    }

    /// Where the log is, checked against what `instance.json` recorded.
    fn backend(&self) -> Result<Backend<'_>> {
        let recorded = if self.exists() {
            self.config()?.store
        } else {
            self.store_kind()
        };
        match (recorded, self.database.as_deref()) {
            (StoreKind::Sqlite, None) => Ok(Backend::Sqlite),
            (StoreKind::Postgres, Some(url)) => Ok(Backend::Postgres(url)),
            (StoreKind::Sqlite, Some(_)) => bail!(
                "the instance in `{}` keeps its log in SQLite ({}), not in a database server; drop --database (and ACCORD_DATABASE), or move the log with `accord migrate --from {} --to postgres://…`",
                self.root.display(),
                self.db_path().display(),
                self.root.display()
            ),
            (StoreKind::Postgres, None) => bail!(
                "the instance in `{}` keeps its log in PostgreSQL; say which database with --database postgres://… (or ACCORD_DATABASE)",
                self.root.display()
            ),
        }
    }

    /// Path of the key that seals evidence in a PostgreSQL vault.
    pub fn vault_key_path(&self) -> PathBuf {
        self.root.join("vault.key")
    }

    /// Loads `vault.key`.
    pub fn vault_key(&self) -> Result<VaultKey> {
        let path = self.vault_key_path();
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading the vault key {} (every node of a PostgreSQL instance needs a copy of it)",
                path.display()
            )
        })?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .with_context(|| format!("{} does not hold 64 hex digits", path.display()))?;
        Ok(VaultKey::from_bytes(bytes))
    }

    /// Writes a fresh `vault.key` (mode 0600; refuses to overwrite one).
    pub fn create_vault_key(&self) -> Result<()> {
        let path = self.vault_key_path();
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        let hex = hex::encode(VaultKey::generate().as_bytes()) + "\n";
        std::io::Write::write_all(&mut file, hex.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", path.display()))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Path of the database.
    pub fn db_path(&self) -> PathBuf {
        self.root.join("accord.db")
    }

    /// Where the highest checkpoint ever published is recorded, outside the database.
    pub fn published_checkpoint_path(&self) -> PathBuf {
        self.root.join("published-checkpoint")
    }

    /// Path of a party key generated into the directory.
    pub fn party_key_path(&self, party: &str) -> PathBuf {
        self.root.join("keys").join(format!("{party}.key"))
    }

    /// Where `accord demo --scenario` notes which scenario file and seed seeded the world.
    pub fn scenario_provenance_path(&self) -> PathBuf {
        self.root.join("scenario.json")
    }

    /// Whether an instance was initialised here.
    pub fn exists(&self) -> bool {
        self.root.join("instance.json").exists()
    }

    /// Fails with a helpful message if there is no instance here.
    pub fn require(&self) -> Result<()> {
        if !self.exists() {
            bail!(
                "no Accord instance in `{}` (no instance.json); create one with `accord init --data {}` or `accord demo`",
                self.root.display(),
                self.root.display()
            );
        }
        Ok(())
    }

    /// Reads `instance.json`.
    pub fn config(&self) -> Result<InstanceConfig> {
        self.require()?;
        let path = self.root.join("instance.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
    }

    /// Writes `instance.json`.
    pub fn write_config(&self, config: &InstanceConfig) -> Result<()> {
        let path = self.root.join("instance.json");
        let text = serde_json::to_string_pretty(config)? + "\n";
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Loads the instance key.
    pub fn instance_key(&self) -> Result<KeyPair> {
        let path = self.root.join("instance.key");
        Ok(KeyFile::load(&path)
            .with_context(|| format!("loading the instance key {}", path.display()))?
            .key)
    }

    /// Saves the instance key (refuses to overwrite).
    pub fn save_instance_key(&self, key: &KeyPair) -> Result<()> {
        let path = self.root.join("instance.key");
        KeyFile {
            party: Some("instance".parse()?),
            key: key.clone(),
        }
        .save(&path, false)
        .with_context(|| format!("saving the instance key to {}", path.display()))
    }

    /// Takes the exclusive write lock, failing at once if another process holds it.
    pub fn lock(&self) -> Result<WriteLock> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("creating {}", self.root.display()))?;
        let path = self.root.join("LOCK");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(WriteLock(file)),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another Accord process (a server?) is writing to `{}`; stop it, or send this through it with --server",
                self.root.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }

    /// Opens the store for writing. On PostgreSQL, an instance that exists must find its
    /// log there, and a new one an empty database.
    pub fn open_store(&self) -> Result<Arc<dyn Store>> {
        match self.backend()? {
            Backend::Sqlite => {
                let path = self.db_path();
                Ok(Arc::new(
                    SqliteStore::open(&path)
                        .with_context(|| format!("opening {}", path.display()))?,
                ))
            }
            Backend::Postgres(url) => {
                let store = PostgresStore::open(url)?;
                self.check_database_holds(&store)?;
                Ok(Arc::new(store))
            }
        }
    }

    /// Refuses a database whose log does not belong to this directory's state: an empty one
    /// for an existing instance, a non-empty one for a new instance.
    fn check_database_holds(&self, store: &dyn Store) -> Result<()> {
        let size = store.tree_size()?;
        let db = self.database.as_deref().map(redacted).unwrap_or_default();
        if self.exists() && size == 0 {
            bail!(
                "the database {db} holds no Accord log, but `{}` is an instance whose log should be there; check --database",
                self.root.display()
            );
        }
        if !self.exists() && size > 0 {
            bail!(
                "the database {db} already holds an Accord log of {size} entries (another instance's?); found a new instance on an empty database"
            );
        }
        Ok(())
    }

    /// Opens (creating if missing) the evidence vault.
    pub fn open_vault(&self) -> Result<Arc<dyn Vault>> {
        match self.backend()? {
            Backend::Sqlite => {
                let path = self.root.join("evidence.db");
                Ok(Arc::new(
                    SqliteVault::open(&path)
                        .with_context(|| format!("opening {}", path.display()))?,
                ))
            }
            Backend::Postgres(url) => Ok(Arc::new(PostgresVault::open(url, &self.vault_key()?)?)),
        }
    }

    /// Opens the store read-only (for verification and reading).
    pub fn open_store_read_only(&self) -> Result<Arc<dyn Store>> {
        self.require()?;
        match self.backend()? {
            Backend::Sqlite => {
                let path = self.db_path();
                Ok(Arc::new(
                    SqliteStore::open_read_only(&path)
                        .with_context(|| format!("opening {}", path.display()))?,
                ))
            }
            Backend::Postgres(url) => {
                let store = PostgresStore::open_existing(url)?;
                self.check_database_holds(&store)?;
                Ok(Arc::new(store))
            }
        }
    }

    /// This node's projection snapshots (`snapshots/`, beside the database or the
    /// configuration: each node keeps its own).
    pub fn snapshots(&self) -> Snapshots {
        Snapshots::new(self.root.join("snapshots"))
    }

    /// Opens the ledger over the store: from the newest snapshot that passes every check and
    /// the log after it, or by replaying the whole log; with a progress bar when the replay is
    /// large. A snapshot that cannot be used is named, with why, and skipped.
    pub fn open_ledger(&self, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let config = self.config()?;
        let key = self.instance_key()?;
        let size = store.tree_size()?;
        let bar = crate::progress::bar(size, "replaying the log", size >= 100_000);
        let (ledger, start) = Ledger::start(
            store,
            &config.origin,
            &key,
            clock,
            &self.snapshots(),
            &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done)
            },
        )
        .context("opening the ledger")?;
        bar.finish_and_clear();
        for (path, why) in &start.ignored {
            tracing::warn!(snapshot = %path.display(), %why, "snapshot not used");
            eprintln!(
                "accord: not starting from the snapshot {}: {why}",
                path.display()
            );
        }
        match start.from_snapshot {
            Some(at) => tracing::info!(
                snapshot = at,
                replayed = start.replayed,
                "started from a snapshot"
            ),
            None => tracing::info!(replayed = start.replayed, "replayed the whole log"),
        }
        Ok(ledger)
    }
}

/// Writes `value` as pretty JSON to `path` through a temporary file and a rename, so a crash
/// leaves the old file or the new one, never half of one.
pub fn write_json_atomically(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(value)? + "\n")
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}
