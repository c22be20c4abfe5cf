//! A throwaway PostgreSQL cluster for tests — a real server, no mocks: `initdb` and `pg_ctl`
//! of the Debian `postgresql` package (installed by `scripts/install-test-tools` when
//! missing) on a temporary directory and a free loopback port, stopped and removed when the
//! [`Cluster`] is dropped. Included with `#[path = …] mod postgres;` by every test that needs
//! one, like `python.rs`.
//!
//! The binaries are found in `$ACCORD_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
//! PostgreSQL refuses to run as root, so under root (as in CI) the cluster is created and run
//! as the `postgres` user the package creates (`runuser`).
#![allow(dead_code)] // each includer uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// What to do when PostgreSQL is missing.
pub const INSTALL: &str =
    "run `scripts/install-test-tools` (it installs Debian's postgresql package when missing)";

/// A running throwaway cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    databases: std::sync::atomic::AtomicUsize,
}

fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ACCORD_PG_BIN").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .unwrap_or_else(|| panic!("PostgreSQL's initdb was not found: {INSTALL}"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Cluster {
    /// Creates and starts a cluster; panics, naming the step and its output, if it cannot.
    pub fn start() -> Cluster {
        let bin = bin_dir();
        let as_postgres = is_root();
        let dir =
            std::env::temp_dir().join(format!("accord-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).expect("the cluster's directory");
        if as_postgres {
            let chown = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(
                chown.success(),
                "chown of {} to postgres failed",
                dir.display()
            );
        }
        let cluster = Cluster {
            dir,
            bin,
            port: free_port(),
            as_postgres,
            databases: Default::default(),
        };
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "accord".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            cluster.port,
            cluster.dir.display()
        );
        let log = cluster.dir.join("server.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "start".as_ref(),
            ],
        );
        cluster
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn run(&self, tool: &str, args: &[&std::ffi::OsStr]) {
        let out = self
            .command(tool)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("running {tool} ({e}): {INSTALL}"));
        assert!(
            out.status.success(),
            "{tool} failed:\n{}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://accord@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database and returns its URL.
    pub fn fresh_database(&self) -> String {
        let n = self
            .databases
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("accord_{n}");
        let port = self.port.to_string();
        self.run(
            "createdb",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "accord".as_ref(),
                name.as_ref(),
            ],
        );
        self.url(&name)
    }

    /// Its directory (data in `data/`, the server's log in `server.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command("pg_ctl")
            .args(["-D".as_ref(), data.as_os_str()])
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
