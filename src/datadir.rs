//! The data directory: one instance's database, instance key and configuration.
//!
//! Layout:
//! - `accord.db` — the SQLite store (entries, tiles, checkpoints, state digests);
//! - `published-checkpoint` — the highest checkpoint this instance ever served (a signed
//!   note); `serve` refuses a store that does not extend it;
//! - `evidence.db` — the evidence vault: confidential content and salts, mode 0600, never
//!   served, copied or mirrored with the log;
//! - `instance.json` — origin, display name, checkpoint verifier key;
//! - `instance.key` — the instance key (signs genesis and every checkpoint), mode 0600;
//! - `keys/<party>.key` — keys that `init` and `demo` generated for parties, mode 0600;
//! - `scenario.json` — which scenario file and seed seeded the world (`demo --scenario`);
//! - `LOCK` — held by the process that appends (a server, or a local write).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_envelope::{KeyFile, KeyPair};
use accord_sequencer::{Clock, Ledger};
use accord_store::{Store, Vault};
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
}

/// An instance's data directory.
#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
}

/// The exclusive write lock on a data directory; released on drop.
pub struct WriteLock(#[allow(dead_code)] File);

impl DataDir {
    /// The directory at `root` (not necessarily existing yet).
    pub fn new(root: &Path) -> Self {
        DataDir {
            root: root.to_owned(),
        }
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

    /// Opens the store for writing.
    pub fn open_store(&self) -> Result<Arc<dyn Store>> {
        let path = self.db_path();
        Ok(Arc::new(
            SqliteStore::open(&path).with_context(|| format!("opening {}", path.display()))?,
        ))
    }

    /// Opens (creating if missing) the evidence vault.
    pub fn open_vault(&self) -> Result<Arc<dyn Vault>> {
        let path = self.root.join("evidence.db");
        Ok(Arc::new(
            SqliteVault::open(&path).with_context(|| format!("opening {}", path.display()))?,
        ))
    }

    /// Opens the store read-only (for verification and reading).
    pub fn open_store_read_only(&self) -> Result<Arc<dyn Store>> {
        self.require()?;
        let path = self.db_path();
        Ok(Arc::new(
            SqliteStore::open_read_only(&path)
                .with_context(|| format!("opening {}", path.display()))?,
        ))
    }

    /// Opens the ledger over the store, replaying it with a progress bar when it is large.
    pub fn open_ledger(&self, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let config = self.config()?;
        let key = self.instance_key()?;
        let size = store.tree_size()?;
        let bar = crate::progress::bar(size, "replaying the log", size >= 100_000);
        let ledger = Ledger::open(store, &config.origin, &key, clock, &mut |done, _| {
            bar.set_position(done)
        })
        .context("opening the ledger")?;
        bar.finish_and_clear();
        Ok(ledger)
    }
}
