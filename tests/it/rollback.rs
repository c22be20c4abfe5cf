//! A rolled-back log never serves (security review, finding 6). The real binary, a real
//! SQLite store: a store restored from an old backup, one whose last entries and checkpoints
//! were deleted, and one whose entries alone were deleted are each refused by `accord serve`
//! with a message that says what happened — it never starts, so it never signs a checkpoint
//! of a size it already published with another root. The intact store serves again.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;
use accord_envelope::KeyFile;

/// Submits `n` distinct signed statements of the secretariat; returns the log size after.
fn submit(server: &Server, secretariat: &KeyFile, tag: &str, n: usize) -> u64 {
    let mut size = 0;
    for i in 0..n {
        let env = secretariat_statement(
            secretariat,
            &format!("soc-{tag}-{i}@secretariat.example"),
            "24x7",
        );
        let mut res = agent()
            .post(&format!("{}/entries", server.url))
            .header("content-type", "application/json")
            .send(&env.to_canonical_bytes()[..])
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let receipt: serde_json::Value =
            serde_json::from_slice(&res.body_mut().read_to_vec().unwrap()).unwrap();
        size = receipt["index"].as_u64().unwrap() + 1;
    }
    size
}

/// Runs `accord serve` on a store that must be refused: it exits non-zero within 30 s
/// without ever listening; returns what it printed on stderr.
fn refused(data: &Path) -> String {
    let mut child = accord()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(!status.success(), "served a rolled-back store: {stdout}");
            assert!(!stdout.contains("Serving"), "{stdout}");
            return String::from_utf8_lossy(&out.stderr).into_owned();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`accord serve` kept running on a rolled-back store");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["accord.db", "accord.db-wal", "accord.db-shm"] {
        let _ = std::fs::remove_file(to.join(name));
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name)).unwrap();
        }
    }
}

#[test]
fn a_store_that_does_not_extend_the_published_checkpoint_is_refused() {
    let tmp = tempdir();
    let data = tmp.path().join("data");
    let init: serde_json::Value =
        serde_json::from_str(&ok(&["init", "--data", &data.to_string_lossy(), "--json"])).unwrap();
    let secretariat =
        KeyFile::load(Path::new(init["secretariat_key_file"].as_str().unwrap())).unwrap();

    // A backup is taken at 11 entries; the log then grows to 21 and is published.
    let server = Server::start(&data);
    let at_backup = submit(&server, &secretariat, "a", 10);
    assert!(server.stop().success());
    let backup = tmp.path().join("backup");
    copy_store(&data, &backup);
    let server = Server::start(&data);
    let published = submit(&server, &secretariat, "b", 10);
    assert!(server.stop().success());
    assert!(data.join("published-checkpoint").exists());
    let latest = tmp.path().join("latest");
    copy_store(&data, &latest);

    // 1. The old backup restored over the store.
    copy_store(&backup, &data);
    let why = refused(&data);
    assert!(
        why.contains(&format!("holds {at_backup} entries"))
            && why.contains(&format!("checkpoint of {published} entries"))
            && why.contains("rolled back"),
        "{why}"
    );

    // 2. The last entries and their checkpoints deleted.
    copy_store(&latest, &data);
    {
        let db = rusqlite::Connection::open(data.join("accord.db")).unwrap();
        db.execute("DELETE FROM entries WHERE idx >= ?1", [at_backup as i64])
            .unwrap();
        db.execute(
            "DELETE FROM checkpoints WHERE tree_size > ?1",
            [at_backup as i64],
        )
        .unwrap();
    }
    let why = refused(&data);
    assert!(why.contains("rolled back"), "{why}");

    // 3. Only the last entries deleted: the store's own checkpoints give it away.
    copy_store(&latest, &data);
    {
        let db = rusqlite::Connection::open(data.join("accord.db")).unwrap();
        db.execute("DELETE FROM entries WHERE idx >= ?1", [at_backup as i64])
            .unwrap();
    }
    let why = refused(&data);
    assert!(why.contains("entries were deleted"), "{why}");

    // 4. The record itself replaced by something the instance did not sign.
    copy_store(&latest, &data);
    let record = std::fs::read_to_string(data.join("published-checkpoint")).unwrap();
    std::fs::write(
        data.join("published-checkpoint"),
        record.replace(&format!("\n{published}\n"), "\n1\n"),
    )
    .unwrap();
    let why = refused(&data);
    assert!(
        why.contains("does not hold a checkpoint of this instance"),
        "{why}"
    );

    // The intact store serves again, at the size it published, and grows from there.
    copy_store(&latest, &data);
    std::fs::write(data.join("published-checkpoint"), record).unwrap();
    let server = Server::start(&data);
    assert_eq!(
        submit(&server, &secretariat, "c", 1),
        published + 1,
        "the log continues where it was published"
    );
    assert!(server.stop().success());
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "verify",
        "--data",
        &data.to_string_lossy(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(v["valid"], true, "{v}");
}
