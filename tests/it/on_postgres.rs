//! The whole instance on PostgreSQL, against a real throwaway cluster
//! (`tests/support/postgres.rs`): the demo world seeded there is the very log SQLite holds
//! (same root and state digest), served and verified; `accord migrate` moves a SQLite
//! instance into a database and switches it over only once the copy verifies; commands refuse
//! clearly when told the wrong backend; bad input to the server stores nothing.
//! (The crash test and the evidence round trip run on PostgreSQL too: `crash.rs`, `cli.rs`.)

use std::path::Path;

use crate::common::*;
use crate::postgres::Cluster;
use crate::replay::{DEMO_DIGEST, DEMO_ROOT};

fn verify_on(database: Option<&str>, data: &str) -> serde_json::Value {
    serde_json::from_str(&ok_on(database, &["verify", "--data", data, "--json"])).unwrap()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn checkpoint_size(url: &str) -> u64 {
    let (status, _, note) = get(&format!("{url}/checkpoint"));
    assert_eq!(status, 200);
    String::from_utf8_lossy(&note)
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a checkpoint")
}

#[test]
fn the_demo_world_on_postgres_is_the_same_log_and_serves() {
    let cluster = Cluster::start();
    let db = cluster.fresh_database();
    let tmp = tempdir();
    let data = p(tmp.path(), "demo");
    let seed = ["demo", "--no-serve", "--seed", "2026", "--data", &data];
    ok_on(Some(&db), &seed);
    let v = verify_on(Some(&db), &data);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(
        (v["root"].as_str(), v["state_digest"].as_str()),
        (Some(DEMO_ROOT), Some(DEMO_DIGEST)),
        "the backend changed the log"
    );
    let dir = Path::new(&data);
    assert!(!dir.join("accord.db").exists() && !dir.join("evidence.db").exists());
    let config = std::fs::read_to_string(dir.join("instance.json")).unwrap();
    assert!(config.contains("\"store\": \"postgres\""), "{config}");
    assert!(
        !config.contains("postgres://"),
        "the database URL (and its password) was written down: {config}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("vault.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "vault.key is readable by others: {mode:o}");
    }

    // Without the database, or with another one, every command says what is wrong.
    let out = run(&["verify", "--data", &data]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("--database"),
        "{}",
        stderr_of(&out)
    );
    let empty = cluster.fresh_database();
    let out = run_on(Some(&empty), &["verify", "--data", &data]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("holds no Accord"),
        "{}",
        stderr_of(&out)
    );

    // Served from the database: the checkpoint covers the whole log; the dashboard answers.
    let server = Server::start_on(dir, Some(&db));
    assert_eq!(checkpoint_size(&server.url), v["entries"].as_u64().unwrap());
    assert_eq!(get(&format!("{}/", server.url)).0, 200);
    drop(server);

    // A snapshot of a log in PostgreSQL lives in the node's directory, and the next start
    // uses it (checked against the database's checkpoint).
    let taken = ok_on(Some(&db), &["snapshot", "take", "--data", &data]);
    assert!(taken.contains("Snapshot at size"), "{taken}");
    let listed = ok_on(Some(&db), &["snapshot", "list", "--data", &data]);
    assert!(
        listed.contains("usable: the next start begins here"),
        "{listed}"
    );
    let server = Server::start_on(dir, Some(&db));
    assert_eq!(checkpoint_size(&server.url), v["entries"].as_u64().unwrap());
    drop(server);

    // Seeding again wipes only the world it seeded, and gives the same log.
    ok_on(
        Some(&db),
        &[
            "demo",
            "--no-serve",
            "--fresh",
            "--seed",
            "2026",
            "--data",
            &data,
        ],
    );
    assert_eq!(verify_on(Some(&db), &data)["root"], DEMO_ROOT);
}

#[test]
fn migrate_moves_a_sqlite_instance_into_postgres_and_verifies_it() {
    let cluster = Cluster::start();
    let tmp = tempdir();
    let data = p(tmp.path(), "demo");
    ok(&["demo", "--no-serve", "--seed", "2026", "--data", &data]);
    let before = verify_on(None, &data);
    let dir = Path::new(&data);

    // Into a database that already holds a log: refused, the directory untouched.
    let taken = cluster.fresh_database();
    ok_on(Some(&taken), &["init", "--data", &p(tmp.path(), "other")]);
    let out = run(&["migrate", "--from", &data, "--to", &taken]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("already holds an Accord log"),
        "{}",
        stderr_of(&out)
    );
    assert!(dir.join("accord.db").exists() && !dir.join("vault.key").exists());
    assert_eq!(verify_on(None, &data)["root"], before["root"]);

    let db = cluster.fresh_database();
    let out = ok(&["migrate", "--from", &data, "--to", &db]);
    assert!(
        out.contains("the copy replays and matches the source"),
        "{out}"
    );
    assert!(!dir.join("accord.db").exists() && dir.join("accord.db.migrated").exists());
    let after = verify_on(Some(&db), &data);
    assert_eq!(after["valid"], true, "{after}");
    for field in ["entries", "root", "state_digest"] {
        assert_eq!(after[field], before[field], "{field} changed in the move");
    }
    // Every evidence item came along, sealed under the new vault key.
    let mut client = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let items: i64 = client
        .query_one("SELECT count(*) FROM evidence", &[])
        .unwrap()
        .get(0);
    assert!(items > 0, "the demo's evidence did not move");

    let out = run(&["migrate", "--from", &data, "--to", &db]);
    assert!(
        stderr_of(&out).contains("already keeps its log in PostgreSQL"),
        "{}",
        stderr_of(&out)
    );
    // A SQLite instance told about a database refuses too.
    let plain = p(tmp.path(), "plain");
    ok(&["init", "--data", &plain]);
    let out = run_on(Some(&db), &["verify", "--data", &plain]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("keeps its log in SQLite"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn bad_input_to_a_server_on_postgres_stores_nothing() {
    let cluster = Cluster::start();
    let db = cluster.fresh_database();
    let tmp = tempdir();
    let (data, secretariat, _key) = instance_with_cert_on(tmp.path(), Some(&db));
    let server = Server::start_on(Path::new(&data), Some(&db));
    let size = checkpoint_size(&server.url);
    let key = accord_envelope::KeyFile::load(Path::new(&secretariat)).unwrap();
    let good = secretariat_statement(&key, "soc@secretariat.example", "24x7").to_canonical_bytes();
    let mut forged = good.clone();
    let at = forged.len() / 2;
    forged[at] = if forged[at] == b'a' { b'b' } else { b'a' };
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"\x00\x01 not json".to_vec()),
        ("JSON, not an envelope", br#"{"hello":"world"}"#.to_vec()),
        ("an altered envelope", forged),
        ("an empty body", Vec::new()),
    ];
    let url = format!("{}/entries", server.url);
    let agent = agent();
    for (what, body) in &bad {
        let res = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(&body[..])
            .unwrap();
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{what}: answered {status}");
        assert_eq!(checkpoint_size(&server.url), size, "{what} was stored");
    }
    let post = |body: &[u8]| {
        agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body)
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(post(&good), 201);
    assert_ne!(post(&good), 201, "the same envelope was sequenced twice");
    assert_eq!(checkpoint_size(&server.url), size + 1);
    drop(server);
    assert_eq!(verify_on(Some(&db), &data)["valid"], true);
}
