//! Load and abuse on loopback (security review, findings 4 and 5), against the real binary.
//!
//! 1. 10,000 connections opened and left idle, sending nothing: `/healthz`, asked meanwhile
//!    on fresh connections, answers with p99 ≤ 100 ms, and the server's resident memory stays
//!    ≤ 300 MiB (idle connections give way to new ones; none can hold a file descriptor past
//!    the header-read timeout).
//! 2. Eight concurrent 10 MB TAXII posts of invalid objects: each is answered (a status with
//!    a failure per object), `/healthz` keeps p99 ≤ 100 ms throughout, and the server's peak
//!    resident memory (`VmHWM`) stays ≤ 300 MiB (bodies are read within one shared budget and
//!    parsed object by object).
//!
//! Bounded: about 10,000 sockets and 80 MB of posts, loopback only, a few seconds each.

use std::io::Read as _;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

const IDLE: usize = 10_000;
const POSTS: usize = 8;
const MIB: u64 = 1024 * 1024;
const MAX_RSS: u64 = 300 * MIB;
const MAX_P99: Duration = Duration::from_millis(100);

/// A memory figure of a process from /proc (`VmRSS`, `VmHWM`), in bytes.
fn memory(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// Times one `GET /healthz` on a fresh connection.
fn healthz(url: &str) -> Duration {
    let started = Instant::now();
    let mut res = agent()
        .get(&format!("{url}/healthz"))
        .call()
        .expect("healthz answered");
    assert_eq!(res.status().as_u16(), 200);
    let _ = res.body_mut().read_to_vec();
    started.elapsed()
}

/// Opens `n` connections to `addr` from source addresses 127.0.0.2 to 127.0.0.201 (so that
/// the client's port search is not slowed by the TIME_WAIT sockets earlier tests left on
/// 127.0.0.1), and leaves them idle.
fn open_idle(addr: &str, n: usize) -> Vec<TcpStream> {
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            let source = std::net::Ipv4Addr::new(127, 0, 0, 2 + (i % 200) as u8);
            socket.bind((source, 0).into()).unwrap();
            let stream = socket.connect(addr).await.expect("connect");
            out.push(stream.into_std().unwrap());
        }
        out
    })
}

fn p99(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 99).div_ceil(100) - 1]
}

/// A TAXII envelope of about 10 MB: 1,000 indicators, each with a long description and no
/// pattern, so every one of them is invalid.
fn invalid_envelope(n: usize) -> Vec<u8> {
    let filler = "x".repeat(10_000);
    let objects: Vec<serde_json::Value> = (0..1000)
        .map(|i| {
            serde_json::json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{n:04x}{i:04x}-0000-4000-8000-000000000000"),
                "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                "name": "oversized", "description": filler, "valid_from": "2026-01-01T00:00:00Z"
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "objects": objects })).unwrap()
}

#[test]
fn idle_connections_and_large_posts_leave_the_server_responsive_and_bounded() {
    let files = accord_server::connections::raise_open_file_limit();
    assert!(
        files >= IDLE as u64 + 512,
        "this test opens {IDLE} sockets but the open-file limit is {files}; raise it (ulimit -Hn)"
    );
    let tmp = tempdir();
    let (data, _, key) = instance_with_cert(tmp.path());
    let issued: serde_json::Value = serde_json::from_str(&ok(&[
        "token", "issue", "--as", &key, "--data", &data, "--json",
    ]))
    .unwrap();
    let token = issued["token"].as_str().unwrap().to_owned();
    let server = Server::start(std::path::Path::new(&data));
    let pid = server.child.id();
    let addr = server.url.trim_start_matches("http://").to_owned();

    // 1. Ten thousand idle connections.
    let opened = Instant::now();
    let mut idle = open_idle(&addr, IDLE);
    std::thread::sleep(Duration::from_millis(500));
    let samples: Vec<Duration> = (0..200).map(|_| healthz(&server.url)).collect();
    let idle_p99 = p99(samples);
    let idle_rss = memory(pid, "VmRSS:");
    eprintln!(
        "{IDLE} idle connections (opened in {:?}): healthz p99 {idle_p99:?}, RSS {} MiB",
        opened.elapsed(),
        idle_rss / MIB
    );
    assert!(
        idle_p99 <= MAX_P99,
        "healthz p99 {idle_p99:?} with {IDLE} idle connections"
    );
    assert!(
        idle_rss <= MAX_RSS,
        "RSS {} MiB with {IDLE} idle connections",
        idle_rss / MIB
    );
    // Connections that never send a request are closed by the server after its header-read
    // timeout (or earlier, to make room): a read ends in EOF or a reset, never blocks.
    let mut probe = idle.pop().unwrap();
    probe
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 16];
    let closed = matches!(probe.read(&mut buf), Ok(0) | Err(_));
    assert!(
        closed,
        "an idle connection was kept open past the header-read timeout"
    );
    drop(idle);

    // 2. Eight concurrent 10 MB posts of invalid objects, with health checks throughout.
    let size = || -> u64 {
        let (_, _, note) = get(&format!("{}/checkpoint", server.url));
        String::from_utf8_lossy(&note)
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap()
    };
    let before = size();
    let bodies: Vec<Vec<u8>> = (0..POSTS).map(invalid_envelope).collect();
    let done = Arc::new(AtomicBool::new(false));
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let checker = {
        let (url, done, latencies) = (server.url.clone(), done.clone(), latencies.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let d = healthz(&url);
                latencies.lock().unwrap().push(d);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let posts: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (url, token) = (server.url.clone(), token.clone());
            std::thread::spawn(move || {
                assert!(body.len() > 9_500_000, "{}", body.len());
                let mut res = agent()
                    .post(&format!(
                        "{url}/taxii2/accord/collections/community/objects/"
                    ))
                    .header("authorization", &format!("Bearer {token}"))
                    .header("content-type", "application/taxii+json;version=2.1")
                    .header("accept", "application/taxii+json;version=2.1")
                    .send(&body[..])
                    .expect("the post was answered");
                let status = res.status().as_u16();
                let answer: serde_json::Value =
                    serde_json::from_slice(&res.body_mut().read_to_vec().unwrap())
                        .unwrap_or_default();
                (status, answer["failure_count"].as_u64())
            })
        })
        .collect();
    for p in posts {
        let (status, failures) = p.join().unwrap();
        assert_eq!((status, failures), (202, Some(1000)));
    }
    let posting = started.elapsed();
    done.store(true, Ordering::Relaxed);
    checker.join().unwrap();
    let samples = latencies.lock().unwrap().clone();
    assert!(samples.len() >= 10, "only {} health checks", samples.len());
    let post_p99 = p99(samples.clone());
    let peak = memory(pid, "VmHWM:");
    let after = memory(pid, "VmRSS:");
    eprintln!(
        "{POSTS} concurrent 10 MB posts in {posting:?}: healthz p99 {post_p99:?} over {} checks, peak RSS {} MiB, RSS after {} MiB",
        samples.len(),
        peak / MIB,
        after / MIB
    );
    assert!(
        post_p99 <= MAX_P99,
        "healthz p99 {post_p99:?} during the posts"
    );
    assert!(
        peak <= MAX_RSS,
        "peak RSS {} MiB during the posts",
        peak / MIB
    );
    assert_eq!(size(), before, "invalid objects entered the log");
    server.stop();
}
