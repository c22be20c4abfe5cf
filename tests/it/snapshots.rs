//! Projection snapshots make a start faster, never different: a node started from a snapshot
//! and the log after it holds exactly the projection a replay from entry 0 gives, and a
//! snapshot that is corrupt, truncated, forged, of another log or beyond a rolled-back store is
//! named and skipped, never trusted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_envelope::{KeyFile, KeyPair};
use accord_sequencer::{Core, Snapshots};
use accord_store::{BatchWrite, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile};
use accord_store_sqlite::SqliteStore;
use accord_tlog::note::NoteVerifier;
use accord_tlog::Hash;

use crate::common::*;

/// A demo instance (built by the real binary): its directory, store, verifier and key.
struct Instance {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    store: Arc<dyn Store>,
    verifier: NoteVerifier,
    key: KeyPair,
}

fn demo() -> Instance {
    demo_seeded("2026")
}

fn demo_seeded(seed: &str) -> Instance {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&[
        "demo",
        "--no-serve",
        "--seed",
        seed,
        "--data",
        &data.to_string_lossy(),
    ]);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("instance.json")).unwrap()).unwrap();
    let verifier = NoteVerifier::parse(config["verifier_key"].as_str().unwrap()).unwrap();
    let key = KeyFile::load(data.join("instance.key")).unwrap().key;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_read_only(data.join("accord.db")).unwrap());
    Instance {
        _tmp: tmp,
        data,
        store,
        verifier,
        key,
    }
}

/// A real store as it stood when its log had `size` entries: what a node saw then.
struct AsOf {
    inner: Arc<dyn Store>,
    size: u64,
}

impl Store for AsOf {
    fn append_batch(&self, _: &BatchWrite) -> Result<(), StoreError> {
        Err(StoreError::Backend("read-only view".into()))
    }
    fn tree_size(&self) -> Result<u64, StoreError> {
        Ok(self.inner.tree_size()?.min(self.size))
    }
    fn entries(&self, start: u64, end: u64) -> Result<Vec<StoredEntry>, StoreError> {
        self.inner.entries(start, end.min(self.size))
    }
    fn index_of_envelope(&self, h: &Hash) -> Result<Option<u64>, StoreError> {
        Ok(self.inner.index_of_envelope(h)?.filter(|i| *i < self.size))
    }
    fn index_of_leaf(&self, h: &Hash) -> Result<Option<u64>, StoreError> {
        Ok(self.inner.index_of_leaf(h)?.filter(|i| *i < self.size))
    }
    fn tile(&self, _: u8, _: u64) -> Result<Option<StoredTile>, StoreError> {
        Err(StoreError::Backend("tiles are not read on a start".into()))
    }
    fn tiles(&self, _: u8, _: u64, _: usize) -> Result<Vec<StoredTile>, StoreError> {
        Err(StoreError::Backend("tiles are not read on a start".into()))
    }
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.inner.checkpoint_at(self.size)
    }
    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        if size > self.size {
            return Ok(None);
        }
        self.inner.checkpoint_at(size)
    }
    fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let mut found = self.inner.checkpoints_after(after, limit)?;
        found.retain(|c| c.tree_size <= self.size);
        Ok(found)
    }
}

/// Every checkpointed size of the log.
fn checkpoint_sizes(store: &dyn Store) -> Vec<u64> {
    store
        .checkpoints_after(0, 100_000)
        .unwrap()
        .into_iter()
        .map(|c| c.tree_size)
        .collect()
}

/// Everything a core holds, as text: the state (every field, through `Debug`, not through
/// the snapshot's own encoding), the tree's root and size, and the published checkpoint.
fn fingerprint(core: &Core) -> String {
    format!(
        "{:?}\n{:?}\n{}\n{:?}",
        core.state(),
        core.tree().root(),
        core.tree().size(),
        core.published().map(|p| (&p.note, p.state_digest)),
    )
}

fn replayed(i: &Instance) -> Core {
    Core::load(i.store.as_ref(), &i.verifier, &mut |_, _| {}).unwrap()
}

fn start(i: &Instance, snapshots: &Snapshots) -> (Core, accord_sequencer::snapshot::Start) {
    snapshots
        .start(
            i.store.as_ref(),
            &i.verifier,
            &i.key.public_key(),
            &mut |_, _| {},
        )
        .unwrap()
}

/// Takes a snapshot of the log as it stood at `size` into `dir`.
fn snapshot_at(i: &Instance, dir: &Path, size: u64) -> PathBuf {
    let view = AsOf {
        inner: i.store.clone(),
        size,
    };
    Snapshots::new(dir)
        .refresh(&view, &i.verifier, &i.key)
        .unwrap()
        .expect("a new snapshot")
        .path
}

#[test]
fn a_start_from_any_snapshot_holds_what_a_replay_from_zero_holds() {
    let i = demo();
    let full = replayed(&i);
    let want = fingerprint(&full);
    let sizes = checkpoint_sizes(i.store.as_ref());
    let n = *sizes.last().unwrap();
    assert!(
        n > 1000 && sizes.len() > 20,
        "{n} entries, {} checkpoints",
        sizes.len()
    );
    // The first checkpoint, a few in between and the last: every sub-domain of the demo world
    // is in some of these snapshots, and mid-way through its story in others.
    let picks = [
        sizes[0],
        sizes[sizes.len() / 4],
        sizes[sizes.len() / 2],
        sizes[sizes.len() * 3 / 4],
        n,
    ];
    for at in picks {
        let dir = tempdir();
        let path = snapshot_at(&i, dir.path(), at);
        assert!(
            path.ends_with(format!("snapshot-{at:012}")),
            "{}",
            path.display()
        );
        let (core, how) = start(&i, &Snapshots::new(dir.path()));
        assert_eq!(how.from_snapshot, Some(at), "{:?}", how.ignored);
        assert_eq!(how.replayed, n - at);
        assert!(how.ignored.is_empty(), "{:?}", how.ignored);
        assert!(
            fingerprint(&core) == want,
            "the core started from the snapshot at {at} differs from the replay from 0"
        );
    }
}

#[test]
fn a_bad_snapshot_is_named_and_skipped_for_an_older_one_or_a_full_replay() {
    let i = demo();
    let want = fingerprint(&replayed(&i));
    let sizes = checkpoint_sizes(i.store.as_ref());
    let (older, newest) = (sizes[sizes.len() / 2], *sizes.last().unwrap());
    let good = tempdir();
    let older_path = snapshot_at(&i, good.path(), older);
    let newest_path = snapshot_at(&i, good.path(), newest);
    let pristine = std::fs::read(&newest_path).unwrap();
    let body_at = pristine.windows(2).position(|w| w == b"\n\n").unwrap() + 2;

    // Each damage to the newest snapshot, and the reason a start must give for skipping it.
    let other = KeyPair::generate();
    let forged = {
        // The same snapshot signed with a key that is not the instance's.
        let dir = tempdir();
        let view = AsOf {
            inner: i.store.clone(),
            size: newest,
        };
        Snapshots::new(dir.path())
            .refresh(&view, &i.verifier, &other)
            .unwrap();
        std::fs::read(dir.path().join(format!("snapshot-{newest:012}"))).unwrap()
    };
    let with_size = |text: &str| {
        let s = String::from_utf8_lossy(&pristine[..body_at])
            .replace(&format!("size {newest}\n"), &format!("size {text}\n"));
        [s.as_bytes(), &pristine[body_at..]].concat()
    };
    let mut flipped = pristine.clone();
    flipped[body_at + (pristine.len() - body_at) / 2] ^= 0x40;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a flipped bit in the state",
            flipped,
            "does not have the hash",
        ),
        (
            "a truncated file",
            pristine[..pristine.len() - 1000].to_vec(),
            "truncated or corrupt",
        ),
        ("an empty file", Vec::new(), "not an Accord snapshot"),
        (
            "a header cut short",
            pristine[..40].to_vec(),
            "header ends before",
        ),
        (
            "a signature by another key",
            forged,
            "does not verify with the instance key",
        ),
        (
            "a size edited in the header",
            with_size(&older.to_string()),
            "does not verify with the instance key",
        ),
        (
            "garbage",
            b"accord snapshot v1\norigin \xff\n".to_vec(),
            "header",
        ),
    ];
    for (what, bytes, reason) in cases {
        std::fs::write(&newest_path, &bytes).unwrap();
        let (core, how) = start(&i, &Snapshots::new(good.path()));
        assert_eq!(how.from_snapshot, Some(older), "{what}: {:?}", how.ignored);
        assert_eq!(how.ignored.len(), 1, "{what}: {:?}", how.ignored);
        assert_eq!(how.ignored[0].0, newest_path, "{what}");
        assert!(
            how.ignored[0].1.contains(reason),
            "{what}: the reason given was `{}`",
            how.ignored[0].1
        );
        assert!(fingerprint(&core) == want, "{what}: the start differs");
    }

    // A snapshot of another log (the demo world of another seed: other keys) is refused by
    // its signature.
    let stranger = demo_seeded("7");
    let theirs = tempdir();
    let their_size = *checkpoint_sizes(stranger.store.as_ref()).last().unwrap();
    let path = snapshot_at(&stranger, theirs.path(), their_size);
    std::fs::remove_file(&newest_path).unwrap();
    std::fs::copy(&path, good.path().join(path.file_name().unwrap())).unwrap();
    std::fs::remove_file(&older_path).unwrap();
    let (core, how) = start(&i, &Snapshots::new(good.path()));
    assert_eq!(how.from_snapshot, None, "{:?}", how.ignored);
    assert!(
        how.ignored[0].1.contains("instance key"),
        "{:?}",
        how.ignored
    );
    assert_eq!(how.replayed, newest);
    assert!(fingerprint(&core) == want);

    // A snapshot beyond what the store holds (the store was rolled back, or it is the
    // snapshot of a longer log) is refused: the store has no checkpoint at its size.
    std::fs::remove_file(good.path().join(path.file_name().unwrap())).unwrap();
    std::fs::write(&newest_path, &pristine).unwrap();
    let rolled_back = AsOf {
        inner: i.store.clone(),
        size: older,
    };
    let (core, how) = Snapshots::new(good.path())
        .start(
            &rolled_back,
            &i.verifier,
            &i.key.public_key(),
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!(how.from_snapshot, None);
    assert!(
        how.ignored[0]
            .1
            .contains(&format!("no checkpoint at its size {newest}")),
        "{:?}",
        how.ignored
    );
    assert_eq!(core.tree().size(), older);
}

#[test]
fn serve_takes_snapshots_and_the_next_start_uses_them() {
    let i = demo();
    let data = i.data.to_string_lossy().into_owned();
    // The demo's log is longer than 100 entries: a snapshot is due at once.
    let server = Server::start_with(&i.data, &["--snapshot-every", "100"]);
    let (_, _, before) = get(&format!("{}/checkpoint", server.url));
    let dir = i.data.join("snapshots");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(&dir).map_or(0, |d| d.count()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no snapshot after 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(server.stop().success());
    let listed = ok(&["snapshot", "list", "--data", &data]);
    assert!(
        listed.contains("usable: the next start begins here"),
        "{listed}"
    );

    // A corrupt snapshot: `serve` says so, starts from the log, and serves the same checkpoint.
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let listed = ok(&["snapshot", "list", "--data", &data]);
    assert!(listed.contains("not usable: its body"), "{listed}");
    let server = Server::start_with(&i.data, &["--snapshot-every", "0"]);
    let (status, _, after) = get(&format!("{}/checkpoint", server.url));
    assert_eq!((status, after), (200, before));
    let said = server.stderr.lock().unwrap().clone();
    assert!(
        said.contains("not starting from the snapshot") && said.contains("its body"),
        "{said}"
    );
    assert!(server.stop().success());

    // `accord snapshot take` writes a good one in its place.
    let taken = ok(&["snapshot", "take", "--data", &data]);
    assert!(taken.contains("Snapshot at size"), "{taken}");
    let listed = ok(&["snapshot", "list", "--data", &data]);
    assert!(
        listed.contains("usable: the next start begins here"),
        "{listed}"
    );
}
