//! `accord witnesses`: which witnesses this instance asks for cosignatures, and how many make
//! a checkpoint witnessed (`witnesses.json` in the data directory; what they cosigned is kept
//! in `witnessed.json`). `accord serve` asks them after each checkpoint. To *run* a witness,
//! see `accord witness`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use accord_server::witnessing::{WitnessConfig, WitnessesConfig, Witnessing};
use accord_tlog::cosignature::CosignatureVerifier;
use anyhow::{bail, Context, Result};
use clap::Subcommand;

use crate::datadir::DataDir;
use crate::DataArg;

/// `accord witnesses …`.
#[derive(Subcommand)]
pub enum WitnessesCommand {
    /// Ask a witness for cosignatures (restart `accord serve` to apply).
    Add {
        #[command(flatten)]
        data: DataArg,
        /// The witness's verifier key (`<name>+<key id>+<key>`, signature type 0x04), as
        /// `accord witness init` printed it.
        vkey: String,
        /// Where it listens: `add-checkpoint` is posted to `<URL>/add-checkpoint`.
        #[arg(long)]
        url: String,
        /// Cosignatures a checkpoint then needs to be served as witnessed (default: unchanged,
        /// or 1 for the first witness).
        #[arg(long)]
        quorum: Option<usize>,
    },
    /// Stop asking a witness (by name).
    Remove {
        #[command(flatten)]
        data: DataArg,
        /// The witness's name.
        name: String,
    },
    /// The witnesses, the quorum, and what each cosigned.
    List {
        #[command(flatten)]
        data: DataArg,
    },
}

fn config_path(dir: &DataDir) -> PathBuf {
    dir.path().join("witnesses.json")
}

fn read(dir: &DataDir) -> Result<Option<WitnessesConfig>> {
    let path = config_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                format!("{} does not parse", path.display())
            })?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write(dir: &DataDir, config: &WitnessesConfig) -> Result<()> {
    crate::datadir::write_json_atomically(&config_path(dir), config)
}

/// The instance's witnessing, if it has witnesses configured.
pub fn load(dir: &DataDir) -> Result<Option<Arc<Witnessing>>> {
    let Some(config) = read(dir)? else {
        return Ok(None);
    };
    if config.witnesses.is_empty() {
        return Ok(None);
    }
    let witnessing = Witnessing::new(&config, dir.path().join("witnessed.json"))
        .map_err(anyhow::Error::msg)
        .with_context(|| {
            format!(
                "{} is not a usable witness configuration",
                config_path(dir).display()
            )
        })?;
    Ok(Some(Arc::new(witnessing)))
}

/// Runs `accord witnesses …`.
pub fn run(command: WitnessesCommand) -> Result<ExitCode> {
    match command {
        WitnessesCommand::Add {
            data,
            vkey,
            url,
            quorum,
        } => {
            let dir = DataDir::at(&data);
            dir.require()?;
            let key = CosignatureVerifier::parse(vkey.trim())
                .with_context(|| format!("`{vkey}` is not a witness's verifier key"))?;
            let mut config = read(&dir)?.unwrap_or_default();
            if config
                .witnesses
                .iter()
                .any(|w| CosignatureVerifier::parse(&w.vkey).is_ok_and(|k| k.name() == key.name()))
            {
                bail!(
                    "{} is already a witness of this instance; remove it first to change it",
                    key.name()
                );
            }
            config.witnesses.push(WitnessConfig {
                vkey: key.to_vkey(),
                url: url.trim_end_matches('/').to_owned(),
            });
            config.quorum = quorum.unwrap_or(config.quorum.max(1));
            // The same checks `serve` makes.
            Witnessing::new(&config, dir.path().join("witnessed.json"))
                .map_err(anyhow::Error::msg)?;
            write(&dir, &config)?;
            println!(
                "{} witnesses this instance; a checkpoint needs {} of {} cosignatures (restart `accord serve` to apply)",
                key.name(),
                config.quorum,
                config.witnesses.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        WitnessesCommand::Remove { data, name } => {
            let dir = DataDir::at(&data);
            let mut config = read(&dir)?.with_context(|| "this instance has no witnesses")?;
            let before = config.witnesses.len();
            config
                .witnesses
                .retain(|w| CosignatureVerifier::parse(&w.vkey).map_or(true, |k| k.name() != name));
            if config.witnesses.len() == before {
                bail!("{name} is not a witness of this instance");
            }
            config.quorum = config.quorum.min(config.witnesses.len());
            write(&dir, &config)?;
            println!(
                "{name} removed; a checkpoint needs {} of {} cosignatures",
                config.quorum,
                config.witnesses.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        WitnessesCommand::List { data } => {
            let dir = DataDir::at(&data);
            let Some(witnessing) = load(&dir)? else {
                println!("This instance asks no witnesses (add one with `accord witnesses add`).");
                return Ok(ExitCode::SUCCESS);
            };
            let view = witnessing.view(0);
            println!(
                "quorum {} of {}; witnessed checkpoint: size {}",
                view.quorum,
                view.witnesses.len(),
                view.witnessed_size
            );
            for w in view.witnesses {
                let s = w.status;
                println!(
                    "{}  {}  cosigned size {}{}",
                    s.name,
                    s.url,
                    s.cosigned_size,
                    s.last_error
                        .map(|e| format!("  last error: {e}"))
                        .unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
