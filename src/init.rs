//! `accord init`: found an instance. Writes the data directory, generates the instance and
//! secretariat keys, and appends the genesis entry through the ordinary ledger path.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use accord_domain::ids::{DisplayName, RegionId};
use accord_domain::norms::Charter;
use accord_domain::registry::INSTANCE_SIGNER;
use accord_domain::registry::{Genesis, PartyKind, PartyRegistration};
use accord_domain::Payload;
use accord_envelope::{Envelope, KeyFile, KeyPair, PartyId, Signer};
use accord_sequencer::{Clock, Ledger, Submission, SystemClock};
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::datadir::{DataDir, InstanceConfig, StoreKind};
use crate::DataArg;

/// Arguments of `accord init`.
#[derive(Args)]
pub struct InitArgs {
    #[command(flatten)]
    data: DataArg,
    /// Log origin: the first line of every checkpoint (no spaces), e.g. `accord.example/eu-council`.
    #[arg(long, default_value = "accord.local/instance")]
    origin: String,
    /// Human name of the instance.
    #[arg(long, default_value = "Accord instance")]
    name: String,
    /// Party id of the founding secretariat.
    #[arg(long, default_value = "secretariat")]
    secretariat: String,
    /// Region of the secretariat.
    #[arg(long, default_value = "global")]
    region: String,
    /// Found the regime on this charter (JSON: title, norms, parameters, procedure) instead of
    /// the built-in baseline.
    #[arg(long, value_name = "FILE")]
    charter: Option<PathBuf>,
    /// Use this key file for the secretariat instead of generating one.
    #[arg(long, value_name = "FILE")]
    secretariat_key: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// What a new instance needs to exist.
pub struct Founding {
    /// Log origin.
    pub origin: String,
    /// Human name.
    pub display_name: String,
    /// Secretariat party id.
    pub secretariat: String,
    /// Secretariat region.
    pub region: String,
    /// Instance key.
    pub instance_key: KeyPair,
    /// Secretariat key.
    pub secretariat_key: KeyPair,
    /// The charter the secretariat establishes right after genesis.
    pub charter: Charter,
}

/// Creates the instance in `dir` and returns its ledger (holding the write lock is the
/// caller's job).
pub fn found(dir: &DataDir, f: &Founding, clock: Arc<dyn Clock>) -> Result<Ledger> {
    if dir.exists() {
        bail!(
            "`{}` already holds an instance; choose another --data directory",
            dir.path().display()
        );
    }
    let secretariat: PartyId = f
        .secretariat
        .parse()
        .context("--secretariat is not a valid party id")?;
    let genesis = Payload::Genesis(Box::new(Genesis {
        origin: f.origin.clone(),
        display_name: DisplayName::new(&f.display_name).context("--name")?,
        instance_key: f.instance_key.public_key(),
        secretariat: PartyRegistration {
            party: secretariat.clone(),
            kind: PartyKind::Secretariat,
            region: RegionId::new(&f.region).context("--region")?,
            display_name: DisplayName::new(format!("Secretariat of {}", f.display_name))
                .context("--name")?,
            public_key: f.secretariat_key.public_key(),
        },
    }));
    std::fs::create_dir_all(dir.path().join("keys"))
        .with_context(|| format!("creating {}", dir.path().display()))?;
    dir.save_instance_key(&f.instance_key)?;
    if dir.store_kind() == StoreKind::Postgres {
        dir.create_vault_key()?;
    }
    KeyFile {
        party: Some(secretariat.clone()),
        key: f.secretariat_key.clone(),
    }
    .save(dir.party_key_path(secretariat.as_str()), true)
    .context("saving the secretariat key")?;
    let store = dir.open_store()?;
    let ledger = Ledger::open(store, &f.origin, &f.instance_key, clock, &mut |_, _| {})
        .context("opening the new ledger")?;
    let envelope = Envelope::sign(
        genesis.entry_type(),
        1,
        genesis.to_value(),
        Signer {
            party: INSTANCE_SIGNER.parse()?,
            key: f.instance_key.key_id(),
        },
        &f.instance_key,
    )?;
    let charter = Payload::RegimeEstablish(Box::new(f.charter.clone()));
    let charter = Envelope::sign(
        charter.entry_type(),
        1,
        charter.to_value(),
        Signer {
            party: secretariat.clone(),
            key: f.secretariat_key.key_id(),
        },
        &f.secretariat_key,
    )?;
    // Genesis and charter in one batch: an instance never exists without its charter.
    let results = ledger.append(vec![Submission::new(envelope), Submission::new(charter)])?;
    for (what, result) in ["genesis entry", "charter"].iter().zip(results) {
        if let Err(rejection) = result {
            bail!("the {what} was refused: {rejection}");
        }
    }
    dir.write_config(&InstanceConfig {
        origin: f.origin.clone(),
        display_name: f.display_name.clone(),
        verifier_key: ledger.verifier_key(),
        store: dir.store_kind(),
    })?;
    Ok(ledger)
}

/// Runs `accord init`.
pub fn run(args: InitArgs) -> Result<ExitCode> {
    let dir = DataDir::at(&args.data);
    let _lock = dir.lock()?;
    let secretariat_key = match &args.secretariat_key {
        Some(path) => {
            KeyFile::load(path)
                .with_context(|| format!("loading {}", path.display()))?
                .key
        }
        None => KeyPair::generate(),
    };
    let charter = match &args.charter {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_slice::<Charter>(&bytes)
                .with_context(|| format!("{} is not a valid charter", path.display()))?
        }
        None => Charter::baseline(),
    };
    let ledger = found(
        &dir,
        &Founding {
            charter,
            origin: args.origin.clone(),
            display_name: args.name.clone(),
            secretariat: args.secretariat.clone(),
            region: args.region.clone(),
            instance_key: KeyPair::generate(),
            secretariat_key,
        },
        Arc::new(SystemClock),
    )?;
    let key_path = dir.party_key_path(&args.secretariat);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "data": dir.path(),
                "origin": args.origin,
                "verifier_key": ledger.verifier_key(),
                "secretariat": args.secretariat,
                "secretariat_key_file": key_path,
            })
        );
    } else {
        println!(
            "Created instance `{}` in {}",
            args.origin,
            dir.path().display()
        );
        println!("Checkpoint verifier key (publish it; verifiers need it):");
        println!("  {}", ledger.verifier_key());
        println!(
            "Secretariat `{}` key: {}",
            args.secretariat,
            key_path.display()
        );
        println!("Next: accord serve --data {}", dir.path().display());
    }
    Ok(ExitCode::SUCCESS)
}
