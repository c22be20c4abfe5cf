//! `accord demo --federation`: a small federation on loopback, every part of it the real
//! command a deployment runs, started as child processes of this one.
//!
//! - **global**: the built-in demo world (`scenarios/demo.toml`);
//! - **south** and **north**: regional instances (`scenarios/federation/regional.toml`), each
//!   of whose states adopted a `recognition` of the global instance, following it with the key
//!   that instrument names and following each other;
//! - two **witnesses**, one run by each regional council: each witnesses the global log and the
//!   other region's; the global instance asks both, each region asks the other's;
//! - **rogue**: a misbehaving test instance (`scenarios/federation/rogue.toml`) that south
//!   follows; after south mirrored it, it signs another history with the same key, and south's
//!   mirror keeps the equivocation proof;
//! - while it serves, the north witness goes offline for a while and comes back, so that the
//!   dashboards show its lag and the log sequencing on without it.
//!
//! Every world is seeded through the ordinary signed path (a scenario each); the setup steps
//! are the commands an operator types (`witness init`, `witnesses add`, `federation follow
//! --recognized`, …), run as child processes of the same binary.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::datadir::DataDir;
use crate::scenario::Scenario;

/// The regional template: `{origin}`, `{name}`, `{region}`, `{seed}`, `{global_key}`,
/// `{global_url}` are filled in.
const REGIONAL: &str = include_str!("../scenarios/federation/regional.toml");
/// The rogue instance: `{tail}` is the last steps, one history or the other.
const ROGUE: &str = include_str!("../scenarios/federation/rogue.toml");

/// The marker that a directory holds a federated demo (so `--fresh` may delete it).
const MARKER: &str = "federation-demo.json";

/// How long the north witness stays up, then down, while the demo serves.
const WITNESS_UP: Duration = Duration::from_secs(60);
const WITNESS_DOWN: Duration = Duration::from_secs(90);

struct Ports {
    global: u16,
    south: u16,
    north: u16,
    rogue: u16,
    witness_south: u16,
    witness_north: u16,
}

impl Ports {
    /// From `listen`'s port up (the global instance on it), or free ports when it is 0.
    fn from(listen: SocketAddr) -> Result<Ports> {
        let mut next = {
            let base = listen.port();
            let mut offset = 0u16;
            move || -> Result<u16> {
                if base == 0 {
                    let probe = TcpListener::bind((listen.ip(), 0))?;
                    return Ok(probe.local_addr()?.port());
                }
                let port = base
                    .checked_add(offset)
                    .context("the ports after --listen run past 65535")?;
                offset += 1;
                Ok(port)
            }
        };
        Ok(Ports {
            global: next()?,
            south: next()?,
            north: next()?,
            rogue: next()?,
            witness_south: next()?,
            witness_north: next()?,
        })
    }
}

/// A child process, stopped (SIGTERM, then SIGKILL) when dropped.
struct Running {
    name: &'static str,
    child: Child,
}

impl Running {
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return; // already stopped and reaped: its pid may be another process's now
        }
        #[cfg(unix)]
        {
            // SIGTERM first, so that a server finishes its batch and a witness its answer.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The federation being set up and served.
struct Federation {
    root: PathBuf,
    host: String,
    ports: Ports,
    running: Vec<Running>,
}

impl Federation {
    fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn url(&self, port: u16) -> String {
        format!("http://{}:{port}", self.host)
    }

    /// Runs `accord ARGS` to completion; its output is the caller's to show.
    fn accord(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(this_program()?)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running accord {}", args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "`accord {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Starts `accord ARGS` in the background and waits until `ready` answers 200.
    fn start(&mut self, name: &'static str, args: &[&str], ready: &str) -> Result<()> {
        let child = Command::new(this_program()?)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        self.running.push(Running { name, child });
        let agent = agent(Duration::from_secs(2));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if agent
                .get(ready)
                .call()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if let Some(r) = self.running.iter_mut().find(|r| r.name == name) {
                if let Ok(Some(status)) = r.child.try_wait() {
                    bail!(
                        "{name} stopped at start ({status}); run `accord {}` to see why",
                        args.join(" ")
                    );
                }
            }
            if Instant::now() > deadline {
                bail!("{name} did not answer {ready} within two minutes");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(&mut self, name: &str) {
        if let Some(i) = self.running.iter().position(|r| r.name == name) {
            self.running.remove(i).stop();
        }
    }

    fn serve_instance(&mut self, name: &'static str, dir: &str, port: u16) -> Result<()> {
        let data = self.dir(dir).to_string_lossy().into_owned();
        let listen = format!("{}:{port}", self.host);
        let ready = format!("{}/healthz", self.url(port));
        self.start(
            name,
            &["serve", "--data", &data, "--listen", &listen],
            &ready,
        )
    }

    fn serve_witness(&mut self, name: &'static str, dir: &str, port: u16) -> Result<()> {
        let wdir = self.dir(dir).to_string_lossy().into_owned();
        let listen = format!("{}:{port}", self.host);
        let ready = format!("{}/", self.url(port));
        self.start(
            name,
            &["witness", "serve", "--dir", &wdir, "--listen", &listen],
            &ready,
        )
    }

    fn data(&self, name: &str) -> String {
        self.dir(name).to_string_lossy().into_owned()
    }

    fn verifier_key(&self, name: &str) -> Result<String> {
        Ok(DataDir::new(&self.dir(name)).config()?.verifier_key)
    }
}

/// This program, to run its commands as children: on Linux `/proc/self/exe`, which still
/// runs this very binary when the file was replaced (say, rebuilt) while the demo runs.
fn this_program() -> Result<PathBuf> {
    let own = Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && own.exists() {
        return Ok(own.to_owned());
    }
    Ok(std::env::current_exe()?)
}

fn seed(dir: &Path, name: &str, text: &str) -> Result<()> {
    let scenario = Scenario::builtin(Path::new(name), text, &[])?;
    crate::scenario::seed_into(&DataDir::new(dir), &scenario, scenario.seed)
        .with_context(|| format!("seeding {}", dir.display()))?;
    Ok(())
}

fn regional(
    origin: &str,
    name: &str,
    region: &str,
    seed: u64,
    global_key: &str,
    global_url: &str,
) -> String {
    REGIONAL
        .replace("{origin}", origin)
        .replace("{name}", name)
        .replace("{region}", region)
        .replace("{seed}", &seed.to_string())
        .replace("{global_key}", global_key)
        .replace("{global_url}", global_url)
}

/// The rogue's two histories: the same first steps (same seed, so the same keys and the same
/// entries), then one declaration or two others.
fn rogue(history: &str) -> String {
    let tail = match history {
        "honest" => ROGUE_STEP.replace("{address}", "soc@rogue.example"),
        _ => [
            ROGUE_STEP.replace("{address}", "desk@rogue.example"),
            ROGUE_STEP
                .replace("{address}", "night@rogue.example")
                .replace("day 3", "day 4"),
        ]
        .concat(),
    };
    ROGUE.replace("{tail}", &tail)
}

const ROGUE_STEP: &str = r#"
[[step]]
at = "day 3 10:00"
by = "state-rogue"
type = "poc.declare"
payload = { contacts = [{ role = "technical", channel = "email", address = "{address}", hours = "24x7", languages = ["en"] }] }
"#;

/// Sets the federation up in `root` (which must not hold anything else) and, unless
/// `no_serve`, serves it until SIGINT or SIGTERM.
pub fn run(root: &Path, listen: SocketAddr, fresh: bool, no_serve: bool) -> Result<ExitCode> {
    if root.exists() {
        let ours = root.join(MARKER).exists();
        let empty = std::fs::read_dir(root)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        let replaceable = ours && fresh;
        if !(empty || replaceable) {
            bail!(
                "`{}` is not empty; the federated demo seeds a new federation each time: choose another --data, or add --fresh to replace a federated demo there",
                root.display()
            );
        }
        if ours {
            std::fs::remove_dir_all(root)
                .with_context(|| format!("deleting {}", root.display()))?;
        }
    }
    std::fs::create_dir_all(root)?;
    let ports = Ports::from(listen)?;
    let mut f = Federation {
        root: root.to_owned(),
        host: listen.ip().to_string(),
        ports,
        running: Vec::new(),
    };
    crate::datadir::write_json_atomically(
        &root.join(MARKER),
        &serde_json::json!({"global": f.ports.global, "south": f.ports.south, "north": f.ports.north,
            "rogue": f.ports.rogue, "witness_south": f.ports.witness_south,
            "witness_north": f.ports.witness_north}),
    )?;

    let step = |what: &str| println!("· {what}");
    step("seeding the global instance (the built-in demo world)…");
    let global = crate::demo::builtin()?;
    crate::scenario::seed_into(&DataDir::new(&f.dir("global")), &global, global.seed)?;
    let global_key = f.verifier_key("global")?;
    let global_url = f.url(f.ports.global);
    step("seeding two regional instances, each recognizing the global one by instrument…");
    for (dir, origin, name, region, s) in [
        (
            "south",
            "south.accord.example/regime",
            "Regional Cyber Council of the South",
            "africa",
            11,
        ),
        (
            "north",
            "north.accord.example/regime",
            "Regional Cyber Council of the North",
            "europe",
            12,
        ),
    ] {
        seed(
            &f.dir(dir),
            &format!("federation/{dir}.toml"),
            &regional(origin, name, region, s, &global_key, &global_url),
        )?;
    }
    let south_key = f.verifier_key("south")?;
    let north_key = f.verifier_key("north")?;

    step("creating a witness for each region, witnessing the global log and the other region's…");
    let mut witness_keys = Vec::new();
    for (dir, name, logs) in [
        (
            "witness-south",
            "witness.south.accord.example",
            [&global_key, &north_key],
        ),
        (
            "witness-north",
            "witness.north.accord.example",
            [&global_key, &south_key],
        ),
    ] {
        let wdir = f.data(dir);
        f.accord(&["witness", "init", "--dir", &wdir, "--name", name])?;
        for log in logs {
            f.accord(&["witness", "add-log", "--dir", &wdir, log])?;
        }
        let config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(f.dir(dir).join("witness.json"))?)?;
        witness_keys.push(
            config["verifier_key"]
                .as_str()
                .context("witness.json names no verifier key")?
                .to_owned(),
        );
    }
    let (ws_url, wn_url) = (f.url(f.ports.witness_south), f.url(f.ports.witness_north));
    for (instance, key, url) in [
        ("global", &witness_keys[0], &ws_url),
        ("global", &witness_keys[1], &wn_url),
        ("south", &witness_keys[1], &wn_url),
        ("north", &witness_keys[0], &ws_url),
    ] {
        f.accord(&[
            "witnesses",
            "add",
            "--data",
            &f.data(instance),
            key,
            "--url",
            url,
            "--quorum",
            "1",
        ])?;
    }

    step("following: each region the global instance (as recognized) and the other region…");
    let (south_url, north_url) = (f.url(f.ports.south), f.url(f.ports.north));
    for (instance, other, other_url, other_key) in [
        ("south", "north", &north_url, &north_key),
        ("north", "south", &south_url, &south_key),
    ] {
        let data = f.data(instance);
        f.accord(&[
            "federation",
            "follow",
            "--data",
            &data,
            "global",
            "--recognized",
            "demo.accord.example/regime",
        ])?;
        f.accord(&[
            "federation",
            "follow",
            "--data",
            &data,
            other,
            other_url,
            "--key",
            other_key,
        ])?;
    }

    step("a misbehaving instance: south mirrors it, then it signs another history with the same key…");
    seed(&f.dir("rogue"), "federation/rogue.toml", &rogue("honest"))?;
    seed(
        &f.dir("rogue-fork"),
        "federation/rogue.toml",
        &rogue("fork"),
    )?;
    let rogue_key = f.verifier_key("rogue")?;
    let rogue_url = f.url(f.ports.rogue);
    let south = f.data("south");
    f.accord(&[
        "federation",
        "follow",
        "--data",
        &south,
        "rogue",
        &rogue_url,
        "--key",
        &rogue_key,
    ])?;
    f.serve_instance("rogue", "rogue", f.ports.rogue)?;
    f.accord(&["federation", "pull", "--data", &south, "rogue"])?;
    f.stop("rogue");
    f.serve_instance("rogue", "rogue-fork", f.ports.rogue)?;
    let caught = Command::new(this_program()?)
        .args(["federation", "pull", "--data", &south, "rogue"])
        .output()?;
    let said = String::from_utf8_lossy(&caught.stderr);
    if caught.status.success() || !said.contains("equivocated") {
        bail!("south's mirror did not catch the rogue instance's fork: {said}");
    }
    println!("  {}", said.trim());

    step("serving the witnesses and the three instances…");
    f.serve_witness("witness-south", "witness-south", f.ports.witness_south)?;
    f.serve_witness("witness-north", "witness-north", f.ports.witness_north)?;
    f.serve_instance("global", "global", f.ports.global)?;
    f.serve_instance("south", "south", f.ports.south)?;
    f.serve_instance("north", "north", f.ports.north)?;
    wait_witnessed(&[(&global_url, 2), (&south_url, 1), (&north_url, 1)])?;
    wait_mirrored(&[&south_url, &north_url])?;

    println!();
    println!("A federation on loopback:");
    for (what, url) in [
        ("global instance (the demo world)", global_url.clone()),
        ("south regional instance", south_url.clone()),
        ("north regional instance", north_url.clone()),
        ("rogue instance (forked its log)", rogue_url.clone()),
        ("south's witness", ws_url.clone()),
        ("north's witness", wn_url.clone()),
    ] {
        println!("  {what:<34} {url}");
    }
    println!("See {south_url}/federation (the rogue's equivocation, recognitions) and {global_url}/log/checkpoints (cosignatures).");
    if no_serve {
        return Ok(ExitCode::SUCCESS);
    }

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::spawn(move || {
            runtime.block_on(crate::serve::shutdown_signal());
            stop.store(true, Ordering::SeqCst);
        });
    }
    println!(
        "The north witness goes offline after {} s for {} s (the instances keep sequencing; /witnesses shows its lag). Ctrl-C stops everything.",
        WITNESS_UP.as_secs(),
        WITNESS_DOWN.as_secs()
    );
    let started = Instant::now();
    let mut offline = false;
    let mut declared = 0u32;
    let secretariat = accord_envelope::KeyFile::load(f.dir("global").join("keys/secretariat.key"))
        .context("the global instance's secretariat key")?;
    while !stop.load(Ordering::SeqCst) {
        let t = started.elapsed();
        // The global log keeps growing (the secretariat rotates its duty desk every 20 s),
        // so that a witness that is down falls behind and catches up when it is back.
        if t >= Duration::from_secs(20 * (u64::from(declared) + 1)) {
            declared += 1;
            if let Err(e) = declare(&secretariat, &global_url, declared) {
                eprintln!("  the global secretariat's declaration was not taken: {e:#}");
            }
        }
        if !offline && t >= WITNESS_UP && t < WITNESS_UP + WITNESS_DOWN {
            println!("· the north witness goes offline");
            f.stop("witness-north");
            offline = true;
        } else if offline && t >= WITNESS_UP + WITNESS_DOWN {
            println!("· the north witness is back, from its state on disk");
            f.serve_witness("witness-north", "witness-north", f.ports.witness_north)?;
            offline = false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("stopping the federation…");
    Ok(ExitCode::SUCCESS)
}

/// The secretariat of the instance at `url` declares its duty desk number `n`: a signed
/// statement through the public submission path, like any other.
fn declare(secretariat: &accord_envelope::KeyFile, url: &str, n: u32) -> Result<()> {
    let party = secretariat
        .party
        .clone()
        .context("the secretariat's key file names no party")?;
    let envelope = accord_envelope::Envelope::sign(
        "poc.declare",
        1,
        serde_json::json!({"contacts": [{"role": "technical", "channel": "email",
            "address": format!("duty-{n}@secretariat.demo.example"),
            "hours": "24x7", "languages": ["en"]}]}),
        accord_envelope::Signer {
            party,
            key: secretariat.key.key_id(),
        },
        &secretariat.key,
    )?;
    let res = ureq::post(&format!("{url}/entries"))
        .header("content-type", "application/json")
        .send(&envelope.to_canonical_bytes()[..])?;
    if res.status().as_u16() != 201 {
        bail!("HTTP {}", res.status());
    }
    Ok(())
}

/// An HTTP client for loopback that reads every status as an answer.
fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Asks `url` for JSON until `done` says yes (or a minute passed: `what` did not happen).
fn wait_for(url: &str, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> Result<()> {
    let agent = agent(Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let view: Option<serde_json::Value> = agent
            .get(url)
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_vec().ok())
            .and_then(|b| serde_json::from_slice(&b).ok());
        if view.as_ref().is_some_and(&done) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{what} within a minute ({url}: {})",
                view.map(|v| v.to_string()).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Waits until each instance's mirrors reached their followed instances' latest checkpoints
/// (or were caught equivocating).
fn wait_mirrored(instances: &[&str]) -> Result<()> {
    for url in instances {
        wait_for(
            &format!("{url}/federation/mirrors"),
            "the mirrors did not catch up",
            |v| {
                v.as_array().is_some_and(|ms| {
                    ms.iter().all(|m| {
                        m["equivocated"] == true
                            || (m["size"] == m["remote"]
                                && m["error"].is_null()
                                && m["remote"].as_u64() > Some(0))
                    })
                })
            },
        )?;
    }
    Ok(())
}

/// Waits until each instance's latest checkpoint was cosigned by `witnesses` of its witnesses
/// (the first round runs within seconds of start).
fn wait_witnessed(instances: &[(&str, usize)]) -> Result<()> {
    for (url, witnesses) in instances {
        wait_for(
            &format!("{url}/witnesses"),
            "the witnesses did not cosign the latest checkpoint",
            |v| {
                let published = v["published_size"].as_u64().unwrap_or(0);
                v["witnesses"].as_array().is_some_and(|ws| {
                    ws.iter()
                        .filter(|w| w["cosigned_size"].as_u64() == Some(published))
                        .count()
                        >= *witnesses
                })
            },
        )?;
    }
    Ok(())
}
