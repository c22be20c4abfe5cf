//! `accord federation`: the instances this one follows (`federation.json` in the data
//! directory) and their verified read-only mirrors (`mirrors/<name>.db`), pulled through their
//! public endpoints; and the federated view of a party — its standing across every instance
//! that knows it, each figure with the instance, checkpoint and entries it comes from.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_domain::State;
use accord_federation::{recognitions_of, Followed, Mirror, Recognized};
use accord_sequencer::Core;
use accord_tlog::note::NoteVerifier;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use serde::{Deserialize, Serialize};

use crate::datadir::DataDir;
use crate::DataArg;

/// `accord federation …`.
#[derive(Subcommand)]
pub enum FederationCommand {
    /// Follow another instance: keep a verified mirror of its public log. Give its URL and
    /// key, or `--recognized ORIGIN` to take both from the recognition instrument in force.
    Follow {
        #[command(flatten)]
        data: DataArg,
        /// A short local name for it (letters, digits, `-`).
        name: String,
        /// Where its public endpoints are, e.g. `https://africa.accord.example`.
        #[arg(required_unless_present = "recognized")]
        url: Option<String>,
        /// Its checkpoint verifier key, as its secretariat published it (never taken from the
        /// instance itself).
        #[arg(long = "key", required_unless_present = "recognized")]
        verifier_key: Option<String>,
        /// Follow the instance the regime recognizes with this log origin, at the URL and with
        /// the key its recognition instrument names.
        #[arg(long, conflicts_with_all = ["url", "verifier_key"])]
        recognized: Option<String>,
    },
    /// Stop following an instance (its mirror file is removed).
    Unfollow {
        #[command(flatten)]
        data: DataArg,
        /// Its local name.
        name: String,
    },
    /// The followed instances and how far each mirror is.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Pull every followed log (or one) up to its latest checkpoint, verifying all of it.
    Pull {
        #[command(flatten)]
        data: DataArg,
        /// Only this one.
        name: Option<String>,
    },
    /// A party's standing across this instance and every mirror that knows it.
    Standing {
        #[command(flatten)]
        data: DataArg,
        /// The party id.
        party: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Default, Serialize, Deserialize)]
struct FederationConfig {
    followed: Vec<Followed>,
}

fn config_path(dir: &DataDir) -> PathBuf {
    dir.path().join("federation.json")
}

fn mirrors_dir(dir: &DataDir) -> PathBuf {
    dir.path().join("mirrors")
}

fn read(dir: &DataDir) -> Result<FederationConfig> {
    let path = config_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} does not parse", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FederationConfig::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write(dir: &DataDir, config: &FederationConfig) -> Result<()> {
    crate::datadir::write_json_atomically(&config_path(dir), config)
}

/// The instances this one follows, their mirrors opened and verified (`None`: it follows
/// none) — for `accord serve`, which pulls them in the background and tells `alerter` of an
/// instance caught equivocating.
pub fn load(
    dir: &DataDir,
    alerter: Option<Box<accord_federation::Alerter>>,
) -> Result<Option<std::sync::Arc<accord_federation::Federation>>> {
    let config = read(dir)?;
    if config.followed.is_empty() {
        return Ok(None);
    }
    let mut federation = accord_federation::Federation::open(&mirrors_dir(dir), config.followed)
        .context("opening the mirrors of the followed instances")?;
    if let Some(alerter) = alerter {
        federation = federation.with_alerter(alerter);
    }
    Ok(Some(std::sync::Arc::new(federation)))
}

/// This instance's own log, replayed and verified.
/// Every instance this one follows, with its mirror opened (each verified on opening).
pub(crate) fn mirrors(dir: &DataDir) -> Result<Vec<Mirror>> {
    read(dir)?
        .followed
        .into_iter()
        .map(|f| Ok(Mirror::open(&mirrors_dir(dir), f)?))
        .collect()
}

pub(crate) fn own_core(dir: &DataDir) -> Result<Core> {
    let config = dir.config()?;
    let verifier = NoteVerifier::parse(&config.verifier_key)?;
    let store = dir.open_store_read_only()?;
    Core::load(store.as_ref(), &verifier, &mut |_, _| {}).context("replaying this instance's log")
}

/// One instance's answer about a party, with where it comes from.
#[derive(Serialize)]
struct Seen {
    instance: String,
    origin: String,
    checkpoint_size: u64,
    checkpoint_root: String,
    standing: Option<accord_domain::enforcement::Standing>,
    reachability: Option<(u32, u32)>,
}

fn seen(instance: &str, core: &Core, party: &accord_envelope::PartyId) -> Option<Seen> {
    let state: &State = core.state();
    let p = state.party(party)?;
    let published = core.published()?;
    Some(Seen {
        instance: instance.to_owned(),
        origin: published.checkpoint.origin.clone(),
        checkpoint_size: published.checkpoint.size,
        checkpoint_root: hex::encode(published.checkpoint.root),
        standing: Some(state.standing(party, state.last_at())),
        reachability: Some((p.reachability.on_time, p.reachability.addressed)),
    })
}

/// Runs `accord federation …`.
pub fn run(command: FederationCommand) -> Result<ExitCode> {
    match command {
        FederationCommand::Follow {
            data,
            name,
            url,
            verifier_key,
            recognized,
        } => {
            let dir = DataDir::at(&data);
            dir.require()?;
            let own = own_core(&dir)?;
            let recognitions = recognitions_of(own.state());
            let followed = match recognized {
                Some(origin) => {
                    let Some(r) = recognitions.get(&origin).filter(|r| r.withdrawn.is_none())
                    else {
                        bail!("the regime recognizes no instance with the log `{origin}` (see /federation, or propose a `recognition` instrument)");
                    };
                    Followed {
                        name,
                        url: r.instance.url.trim_end_matches('/').to_owned(),
                        verifier_key: r.instance.verifier_key.clone(),
                    }
                }
                None => Followed {
                    name,
                    url: url.unwrap_or_default().trim_end_matches('/').to_owned(),
                    verifier_key: verifier_key.unwrap_or_default().trim().to_owned(),
                },
            };
            followed.check()?;
            if let Recognized::OtherKey(r) = followed.recognized(&recognitions) {
                bail!(
                    "the regime recognizes `{}` with another key, {} (instrument {}): follow it with `--recognized {}`, or with that key",
                    followed.origin(),
                    r.instance.verifier_key,
                    r.instrument,
                    followed.origin()
                );
            }
            if own.published().map(|p| p.checkpoint.origin.as_str()) == Some(followed.origin()) {
                bail!("`{}` is this instance's own log", followed.origin());
            }
            let mut config = read(&dir)?;
            if config.followed.iter().any(|f| f.name == followed.name) {
                bail!(
                    "`{}` is already followed; unfollow it first to change it",
                    followed.name
                );
            }
            config.followed.push(followed.clone());
            write(&dir, &config)?;
            println!(
                "Following {} at {} (log {}, {}); `accord federation pull` mirrors it.",
                followed.name,
                followed.url,
                NoteVerifier::parse(&followed.verifier_key)?.name(),
                followed.recognized(&recognitions).describe()
            );
            Ok(ExitCode::SUCCESS)
        }
        FederationCommand::Unfollow { data, name } => {
            let dir = DataDir::at(&data);
            dir.require()?;
            let mut config = read(&dir)?;
            let before = config.followed.len();
            config.followed.retain(|f| f.name != name);
            if config.followed.len() == before {
                bail!("`{name}` is not followed");
            }
            write(&dir, &config)?;
            let file = mirrors_dir(&dir).join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            println!("No longer following {name}; its mirror was removed.");
            let proof = mirrors_dir(&dir).join(format!("{name}.equivocation.json"));
            if proof.exists() {
                println!(
                    "The proof that it equivocated stays in {} (following it again with the same key takes nothing from it).",
                    proof.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FederationCommand::List { data } => {
            let dir = DataDir::at(&data);
            dir.require()?;
            let config = read(&dir)?;
            if config.followed.is_empty() {
                println!("This instance follows no other instance.");
            }
            let recognitions = recognitions_of(own_core(&dir)?.state());
            for f in config.followed {
                let mirror = Mirror::open(&mirrors_dir(&dir), f.clone())?;
                println!(
                    "{}\t{}\t{} entries mirrored\t{}{}",
                    f.name,
                    f.url,
                    mirror.core().tree().size(),
                    f.recognized(&recognitions).describe(),
                    if mirror.equivocation().is_some() {
                        format!(
                            "\tEQUIVOCATED: proof in {}, nothing more is taken from it",
                            mirror.path().with_extension("equivocation.json").display()
                        )
                    } else {
                        String::new()
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FederationCommand::Pull { data, name } => {
            let dir = DataDir::at(&data);
            dir.require()?;
            let config = read(&dir)?;
            let chosen: Vec<&Followed> = config
                .followed
                .iter()
                .filter(|f| name.as_deref().is_none_or(|n| f.name == n))
                .collect();
            if chosen.is_empty() {
                bail!(
                    "{} is not followed (see `accord federation list`)",
                    name.as_deref().unwrap_or("no instance")
                );
            }
            let mut failed = false;
            for f in chosen {
                let mut mirror = Mirror::open(&mirrors_dir(&dir), f.clone())?;
                let bar = crate::progress::bar(0, &format!("pulling {}", f.name), true);
                let result = mirror.pull(&mut |done, to_do| {
                    bar.set_length(to_do);
                    bar.set_position(done);
                });
                bar.finish_and_clear();
                match result {
                    Ok(p) => println!(
                        "{}: {} new entries verified; mirror at {} of {}",
                        f.name, p.entries, p.size, p.remote
                    ),
                    Err(e) => {
                        eprintln!("{}: {e}", f.name);
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        FederationCommand::Standing { data, party, json } => {
            let dir = DataDir::at(&data);
            dir.require()?;
            let party: accord_envelope::PartyId = party
                .parse()
                .map_err(|e| anyhow::anyhow!("`{party}` is not a party id: {e}"))?;
            let own = own_core(&dir)?;
            let mut all: Vec<Seen> = seen("(this instance)", &own, &party).into_iter().collect();
            for f in read(&dir)?.followed {
                let mirror = Mirror::open(&mirrors_dir(&dir), f.clone())?;
                all.extend(seen(&f.name, mirror.core(), &party));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            if all.is_empty() {
                bail!("no instance this one knows of has a party `{party}`");
            }
            println!("{party} on {} instance(s):", all.len());
            for s in &all {
                let st = s.standing.as_ref().expect("set");
                println!(
                    "- {} (log {}, checkpoint {} root {}…): standing {:?}, tier {:?}, reachability {}/{} on time",
                    s.instance,
                    s.origin,
                    s.checkpoint_size,
                    &s.checkpoint_root[..16],
                    st.standing,
                    st.tier,
                    s.reachability.map_or(0, |r| r.0),
                    s.reachability.map_or(0, |r| r.1),
                );
                for c in &st.causes {
                    println!(
                        "    because {}{}",
                        c.what,
                        c.entry.map(|e| format!(" (entry {e})")).unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
