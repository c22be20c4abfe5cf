//! `accord witness`: run a C2SP tlog-witness (a regional council witnessing other instances'
//! logs, say). Its directory holds `witness.json` (its name and the logs it witnesses),
//! `witness.key` (its cosigning key, mode 0600) and `witness.db` (the latest checkpoint it
//! cosigned per log, and the signed checkpoints it refused). See docs/witnessing.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use accord_envelope::{KeyFile, KeyPair};
use accord_tlog::cosignature::Cosigner;
use accord_tlog::note::NoteVerifier;
use accord_witness::Witness;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

/// `accord witness …`.
#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Create a witness: its cosigning key and configuration (prints its verifier key).
    Init {
        #[command(flatten)]
        dir: WitnessDir,
        /// Its name, a schema-less URL that identifies it, e.g. `witness.council.example/w1`.
        #[arg(long)]
        name: String,
    },
    /// Witness a log: add the verifier key of its checkpoints (`GET /verifier-key` of an
    /// Accord instance, or its `instance.json`).
    AddLog {
        #[command(flatten)]
        dir: WitnessDir,
        /// The log's verifier key, `<origin>+<key id>+<key>`.
        vkey: String,
    },
    /// Serve `POST /add-checkpoint` (C2SP tlog-witness) until SIGINT or SIGTERM.
    Serve {
        #[command(flatten)]
        dir: WitnessDir,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
        /// Where to POST an alert (`accord-alert/v1` JSON) for each equivocation proof the
        /// witness keeps: its operator's mail or paging gateway. Retried until it answers 2xx.
        #[arg(long, value_name = "URL")]
        alert_webhook: Option<String>,
    },
    /// Show the witness's key, its logs, the latest size it cosigned for each, and the signed
    /// checkpoints it refused.
    Status {
        #[command(flatten)]
        dir: WitnessDir,
    },
}

/// The witness's directory.
#[derive(Args)]
pub struct WitnessDir {
    /// The witness's directory.
    #[arg(
        long = "dir",
        value_name = "DIR",
        env = "ACCORD_WITNESS_DIR",
        default_value = "./accord-witness"
    )]
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Config {
    name: String,
    verifier_key: String,
    logs: Vec<String>,
}

impl WitnessDir {
    fn config_path(&self) -> PathBuf {
        self.path.join("witness.json")
    }

    fn config(&self) -> Result<Config> {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "no witness in {} (reading {}); create one with `accord witness init --dir {} --name NAME`",
                self.path.display(),
                path.display(),
                self.path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} does not parse", path.display()))
    }

    fn save(&self, config: &Config) -> Result<()> {
        crate::datadir::write_json_atomically(&self.config_path(), config)
    }

    fn open(&self) -> Result<Witness> {
        let config = self.config()?;
        let key = KeyFile::load(self.path.join("witness.key"))
            .with_context(|| format!("loading {}", self.path.join("witness.key").display()))?
            .key;
        let cosigner = Cosigner::new(&config.name, key.as_dalek().clone())?;
        if cosigner.verifier_key() != config.verifier_key {
            bail!(
                "witness.key is not the key of {} (its verifier key would be {}, witness.json says {})",
                config.name,
                cosigner.verifier_key(),
                config.verifier_key
            );
        }
        let logs = config
            .logs
            .iter()
            .map(|v| {
                NoteVerifier::parse(v).with_context(|| format!("log key `{v}` in witness.json"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Witness::open(
            &self.path.join("witness.db"),
            cosigner,
            logs,
        )?)
    }
}

/// Runs `accord witness …`.
pub fn run(command: WitnessCommand) -> Result<ExitCode> {
    match command {
        WitnessCommand::Init { dir, name } => init(&dir, &name),
        WitnessCommand::AddLog { dir, vkey } => {
            let mut config = dir.config()?;
            let key = NoteVerifier::parse(vkey.trim())
                .with_context(|| format!("`{vkey}` is not a log's verifier key"))?;
            if config.logs.contains(&key.to_vkey()) {
                println!("{} already witnesses {}", config.name, key.name());
            } else {
                config.logs.push(key.to_vkey());
                dir.save(&config)?;
                println!(
                    "{} now witnesses {} (restart `accord witness serve` to apply)",
                    config.name,
                    key.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WitnessCommand::Serve {
            dir,
            listen,
            alert_webhook,
        } => serve(&dir, listen, alert_webhook),
        WitnessCommand::Status { dir } => {
            let witness = dir.open()?;
            println!(
                "witness {}\nverifier key {}",
                witness.name(),
                witness.verifier_key()
            );
            for origin in witness.origins() {
                match witness.latest(origin)? {
                    Some(l) => println!(
                        "log {origin}: cosigned size {} at {}",
                        l.size, l.cosigned_at
                    ),
                    None => println!("log {origin}: nothing cosigned yet"),
                }
                for r in witness.refused(origin)? {
                    println!(
                        "  refused at {} (old size {}): {}{}",
                        r.at,
                        r.old_size,
                        r.reason,
                        if r.evidence.is_some() {
                            " [equivocation proof kept: GET /equivocations]"
                        } else {
                            ""
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init(dir: &WitnessDir, name: &str) -> Result<ExitCode> {
    if dir.config_path().exists() {
        bail!(
            "{} already holds a witness; a witness keeps its key and state for ever",
            dir.path.display()
        );
    }
    std::fs::create_dir_all(&dir.path)
        .with_context(|| format!("creating {}", dir.path.display()))?;
    let key = KeyPair::generate();
    let cosigner = Cosigner::new(name, key.as_dalek().clone())
        .with_context(|| format!("`{name}` cannot name a witness"))?;
    KeyFile { party: None, key }
        .save(dir.path.join("witness.key"), false)
        .context("saving witness.key")?;
    dir.save(&Config {
        name: name.to_owned(),
        verifier_key: cosigner.verifier_key(),
        logs: Vec::new(),
    })?;
    println!("Witness {name} in {}", dir.path.display());
    println!("Verifier key (give it to the logs and readers that rely on this witness):");
    println!("{}", cosigner.verifier_key());
    Ok(ExitCode::SUCCESS)
}

fn serve(dir: &WitnessDir, listen: SocketAddr, alert_webhook: Option<String>) -> Result<ExitCode> {
    let witness = Arc::new(dir.open()?);
    if witness.origins().next().is_none() {
        bail!(
            "{} witnesses no log yet; add one with `accord witness add-log --dir {} VKEY`",
            witness.name(),
            dir.path.display()
        );
    }
    if let Some(webhook) = alert_webhook {
        if !(webhook.starts_with("http://") || webhook.starts_with("https://")) {
            bail!("--alert-webhook `{webhook}` is not an http:// or https:// URL");
        }
        let logs = dir
            .config()?
            .logs
            .iter()
            .map(|v| {
                NoteVerifier::parse(v).with_context(|| format!("log key `{v}` in witness.json"))
            })
            .collect::<Result<Vec<_>>>()?;
        let (witness, alerted) = (witness.clone(), dir.path.join("alerted.json"));
        let published_at = format!("http://{listen}/equivocations");
        std::thread::Builder::new()
            .name("accord-witness-alerts".into())
            .spawn(move || {
                crate::alerts::witness_alerts(
                    witness,
                    logs,
                    webhook,
                    published_at,
                    alerted,
                    std::time::Duration::from_secs(5),
                )
            })
            .context("starting the alerts thread")?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}; choose another with --listen"))?;
        println!(
            "Witness {} serving on http://{}/ (POST /add-checkpoint)",
            witness.name(),
            listener.local_addr()?
        );
        axum::serve(listener, accord_witness::http::router(witness))
            .with_graceful_shutdown(crate::serve::shutdown_signal())
            .await
            .context("serving HTTP")
    })?;
    Ok(ExitCode::SUCCESS)
}
