//! Helpers for integration tests that run the real `accord` binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn accord() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_accord"));
    c.env("ACCORD_LOG", "warn")
        .env_remove("ACCORD_DATA")
        .env_remove("ACCORD_DATABASE")
        .env_remove("ACCORD_SERVER");
    c
}

/// Runs `accord ARGS`, returning its output.
pub fn run(args: &[&str]) -> Output {
    accord().args(args).output().expect("running accord")
}

/// Runs `accord ARGS` and requires success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    ok_on(None, args)
}

/// Runs `accord ARGS` with `ACCORD_DATABASE` set to `database` (when given).
pub fn run_on(database: Option<&str>, args: &[&str]) -> Output {
    let mut c = accord();
    if let Some(url) = database {
        c.env("ACCORD_DATABASE", url);
    }
    c.args(args).output().expect("running accord")
}

/// [`ok`] with `ACCORD_DATABASE` set to `database` (when given).
pub fn ok_on(database: Option<&str>, args: &[&str]) -> String {
    let out = run_on(database, args);
    assert!(
        out.status.success(),
        "accord {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `accord serve`, killed on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
    /// What it wrote to stderr so far, when started with [`Server::start_with`].
    pub stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `accord serve --data DIR` on a free loopback port and waits until it listens.
    pub fn start(data: &Path) -> Server {
        Server::start_on(data, None)
    }

    /// [`Server::start`] with its log in the PostgreSQL database `database` (when given).
    pub fn start_on(data: &Path, database: Option<&str>) -> Server {
        Server::spawn(data, database, &[], false)
    }

    /// [`Server::start`] with more `serve` options, keeping what it writes to stderr (echoed
    /// to the test's own) in [`Server::stderr`].
    pub fn start_with(data: &Path, options: &[&str]) -> Server {
        Server::spawn(data, None, options, true)
    }

    fn spawn(data: &Path, database: Option<&str>, options: &[&str], capture: bool) -> Server {
        let mut command = accord();
        if let Some(url) = database {
            command.env("ACCORD_DATABASE", url);
        }
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(options)
            .stdout(Stdio::piped())
            .stderr(if capture {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("starting accord serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(err) = child.stderr.take() {
            let kept = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    eprintln!("{line}");
                    let mut kept = kept.lock().unwrap();
                    kept.push_str(&line);
                    kept.push('\n');
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(rest) = line.split("on http://").nth(1) {
                        let _ = tx.send(format!("http://{}", rest.trim_end_matches('/')));
                        sent = true;
                    }
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server did not start listening within 60 s");
        Server { child, url, stderr }
    }

    /// Sends SIGKILL and reaps the process.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new instance in `dir/data` with a registered CERT `cert-a`: (data dir, secretariat key
/// file, CERT key file).
pub fn instance_with_cert(dir: &Path) -> (String, String, String) {
    instance_with_cert_on(dir, None)
}

/// [`instance_with_cert`] with its log in the PostgreSQL database `database` (when given).
pub fn instance_with_cert_on(dir: &Path, database: Option<&str>) -> (String, String, String) {
    let data = p(dir, "data");
    let init: serde_json::Value =
        serde_json::from_str(&ok_on(database, &["init", "--data", &data, "--json"])).unwrap();
    let secretariat = init["secretariat_key_file"].as_str().unwrap().to_owned();
    let key = p(dir, "cert.key");
    ok(&["keygen", "--out", &key, "--party", "cert-a"]);
    ok_on(
        database,
        &[
            "party",
            "add",
            "--id",
            "cert-a",
            "--kind",
            "cert",
            "--region",
            "europe",
            "--name",
            "CERT A",
            "--key",
            &key,
            "--as",
            &secretariat,
            "--data",
            &data,
        ],
    );
    (data, secretariat, key)
}

/// The secretariat's `poc.declare` with one contact at `address` and `hours`: a cheap, always
/// valid, distinct statement for load and crash tests.
pub fn secretariat_statement(
    secretariat: &accord_envelope::KeyFile,
    address: &str,
    hours: &str,
) -> accord_envelope::Envelope {
    let payload = serde_json::json!({"contacts": [{
        "role": "technical", "channel": "email", "address": address,
        "hours": hours, "languages": ["en"]}]});
    accord_envelope::Envelope::sign(
        "poc.declare",
        1,
        payload,
        accord_envelope::Signer {
            party: secretariat.party.clone().expect("a bound key"),
            key: secretariat.key.key_id(),
        },
        &secretariat.key,
    )
    .expect("signing")
}

/// A plain HTTP agent that does not treat 4xx/5xx as errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Signs in at `base/login` with a party's token as the dashboard's form does; returns the
/// `Cookie` header value of the session the server opened.
pub fn sign_in(base: &str, token: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let host = base.trim_start_matches("http://");
    let res = agent
        .post(&format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &format!("http://{host}"))
        .send(format!("token={}", token.trim()))
        .expect("POST /login");
    assert_eq!(res.status().as_u16(), 303, "sign-in refused");
    let set = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    assert!(
        !set.contains(token.trim()),
        "the cookie must not be the token"
    );
    set.split(';').next().unwrap().to_owned()
}

/// The CSRF token the forms of a session's page carry.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// GET returning (status, content-type, body).
pub fn get(url: &str) -> (u16, String, Vec<u8>) {
    let mut res = agent().get(url).call().expect("GET");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res
        .body_mut()
        .with_config()
        .limit(1 << 26)
        .read_to_vec()
        .expect("body");
    (status, ct, body)
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// `dir/name` as a string.
pub fn p(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

/// Path of a file inside a directory.
pub fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// The checkpoint of a signed note, its signature checked.
pub fn checkpoint_of(
    verifier: &accord_tlog::note::NoteVerifier,
    note: &[u8],
) -> accord_tlog::checkpoint::Checkpoint {
    let opened = accord_tlog::note::open(
        &String::from_utf8_lossy(note),
        std::slice::from_ref(verifier),
    )
    .expect("a signed checkpoint");
    accord_tlog::checkpoint::Checkpoint::parse(&opened.text).unwrap()
}

/// The hex leaf hashes of the first `size` entries served at `base`, read from its
/// tlog-tiles entry bundles.
pub fn log_leaves(base: &str, size: u64) -> Vec<String> {
    let mut leaves = Vec::new();
    for n in 0..size.div_ceil(256) {
        let width = (size - n * 256).min(256);
        let path = accord_tlog::tiles::TilePath {
            kind: accord_tlog::tiles::TileKind::Entries,
            index: n,
            width: (width < 256).then_some(width as u16),
        };
        let (status, _, bundle) = get(&format!("{base}/{}", path.to_path()));
        assert_eq!(status, 200, "{}", path.to_path());
        for e in accord_tlog::tiles::decode_entry_bundle(&bundle).unwrap() {
            leaves.push(hex::encode(accord_tlog::leaf_hash(&e)));
        }
    }
    leaves
}

/// The RFC 9162 consistency proof from size `old` to size `new`, as served at `base`.
pub fn consistency_proof(base: &str, old: u64, new: u64) -> Vec<[u8; 32]> {
    let (status, _, body) = get(&format!("{base}/proof/consistency?old={old}&new={new}"));
    assert_eq!(status, 200, "consistency proof {old} → {new}");
    serde_json::from_slice::<serde_json::Value>(&body).unwrap()["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

/// Runs `node ARGS` in the repository (the browser scripts under `tests/browser/`) and reads
/// the JSON report it prints.
pub fn node(args: &[&str]) -> serde_json::Value {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run through cargo"));
    let out = Command::new("node")
        .args(args)
        .current_dir(root)
        .output()
        .expect("node runs (scripts/install-test-tools installs what the browser tests need)");
    assert!(
        out.status.success(),
        "node {args:?} failed (run scripts/install-test-tools if a package is missing):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// `GET path` on `server`, which must answer 200 with JSON.
pub fn get_json(server: &Server, path: &str) -> serde_json::Value {
    let (status, _, body) = get(&format!("{}{path}", server.url));
    assert_eq!(status, 200, "GET {path}");
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// A webhook on loopback that answers 200 and keeps the JSON bodies it was sent.
pub fn webhook() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use std::io::{BufRead, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alerts", listener.local_addr().unwrap());
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = std::io::BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_ok() {
                if let Ok(v) = serde_json::from_slice(&body) {
                    kept.lock().unwrap().push(v);
                }
            }
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, received)
}

/// A proxy on loopback: every GET is asked of `upstream()` (a server's URL, which may change
/// while it runs), and its answer's body passes through `edit(path, body)` on the way back.
pub fn proxy(
    upstream: impl Fn() -> String + Send + 'static,
    edit: impl Fn(&str, &mut Vec<u8>) + Send + 'static,
) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request);
            let Some(path) = line.split_whitespace().nth(1) else {
                continue;
            };
            let (status, _, mut body) = get(&format!("{}{path}", upstream()));
            edit(path, &mut body);
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}
