//! Projection snapshots: a node starts from the newest one it can vouch for and replays only
//! the tail of the log.
//!
//! A snapshot is the projection ([`Core`]: state, Merkle tree, state digest) at a size where
//! the store holds a signed checkpoint. It is a file of its own in the node's data directory
//! (`snapshots/snapshot-<size>`), never in the shared database:
//!
//! ```text
//! accord snapshot v1
//! origin <log origin>
//! size <tree size>
//! root <base64 root hash>
//! state-digest <hex state digest>
//! body-sha256 <hex SHA-256 of everything after the blank line>
//! signature <base64 Ed25519 signature, by the instance key>
//!
//! <body: the tree's levels (u32 count; per level a u64 length and its 32-byte hashes, all
//!  little-endian), then the state as MessagePack with named fields>
//! ```
//!
//! The signature covers `accord-snapshot-v1\n` followed by the header lines above it, so it
//! can never be mistaken for a checkpoint or an envelope signature. A snapshot is used only if
//! every check passes — the signature verifies with the instance key, the origin is this log's,
//! the store holds a checkpoint at that size whose signature verifies and whose root and state
//! digest are the snapshot's, the body has the length and hash the header states, the tree's
//! levels have the shape of a tree of that size and its root is the checkpoint's, and the state
//! decodes and says it holds that many entries. Anything else is reported and the snapshot is
//! skipped for an older one, or a replay from entry 0: a snapshot can make a start faster,
//! never different. `accord verify` never reads one.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use accord_domain::{State, StateDigest};
use accord_envelope::{KeyPair, PublicKey, Signature};
use accord_store::Store;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::{Hash, Tree};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::ledger::{Core, LedgerError, Published};

const MAGIC: &str = "accord snapshot v1";
const SIGNING_CONTEXT: &[u8] = b"accord-snapshot-v1\n";
const PREFIX: &str = "snapshot-";
/// How many snapshots a directory keeps (the newest); the older one is the fallback when the
/// newest cannot be used.
pub const KEEP: usize = 2;

/// A node's directory of snapshots.
#[derive(Clone, Debug)]
pub struct Snapshots {
    dir: PathBuf,
}

/// A snapshot that was written.
#[derive(Clone, Debug)]
pub struct Taken {
    /// Its file.
    pub path: PathBuf,
    /// The tree size it was taken at.
    pub size: u64,
    /// Its length in bytes.
    pub bytes: u64,
}

/// How a core was started.
#[derive(Debug, Default)]
pub struct Start {
    /// The snapshot it started from (its size), if any.
    pub from_snapshot: Option<u64>,
    /// Snapshots that were found but not used, and why.
    pub ignored: Vec<(PathBuf, String)>,
    /// Entries replayed after the snapshot (or from entry 0).
    pub replayed: u64,
}

struct Header {
    origin: String,
    size: u64,
    root: Hash,
    state_digest: StateDigest,
    body_sha256: [u8; 32],
}

impl Header {
    /// The header lines the signature covers (everything above the signature line).
    fn signed_lines(&self) -> String {
        format!(
            "{MAGIC}\norigin {}\nsize {}\nroot {}\nstate-digest {}\nbody-sha256 {}\n",
            self.origin,
            self.size,
            B64.encode(self.root),
            hex::encode(self.state_digest),
            hex::encode(self.body_sha256),
        )
    }

    fn signing_input(&self) -> Vec<u8> {
        [SIGNING_CONTEXT, self.signed_lines().as_bytes()].concat()
    }
}

/// Writes through to `inner` while hashing and counting.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Snapshots {
    /// The snapshots in `dir` (created on the first [`Snapshots::take`]).
    pub fn new(dir: impl Into<PathBuf>) -> Snapshots {
        Snapshots { dir: dir.into() }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every snapshot file, newest (largest size) first.
    pub fn list(&self) -> std::io::Result<Vec<(u64, PathBuf)>> {
        let mut found = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(size) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            found.push((size, entry.path()));
        }
        found.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
        Ok(found)
    }

    /// The size of the newest snapshot file (whether or not it would pass the checks).
    pub fn newest_size(&self) -> std::io::Result<Option<u64>> {
        Ok(self.list()?.first().map(|(size, _)| *size))
    }

    /// Writes a snapshot of `core` (which must hold a published checkpoint), signed with the
    /// instance key, durably: a temporary file, `fsync`, rename, `fsync` of the directory.
    /// Then removes all but the newest [`KEEP`].
    pub fn take(&self, core: &Core, origin: &str, key: &KeyPair) -> std::io::Result<Taken> {
        let published = core.published().ok_or_else(|| {
            std::io::Error::other("the log has no checkpoint yet: nothing to snapshot")
        })?;
        let size = published.checkpoint.size;
        if core.tree().size() != size || core.state().size() != size {
            return Err(std::io::Error::other(format!(
                "the projection holds {} entries but its checkpoint {size}: not a checkpoint boundary",
                core.tree().size()
            )));
        }
        fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(format!("{PREFIX}{size:012}"));
        // Named for this process and moment, so that two writers (a server and `accord
        // snapshot`) never write one file; the rename is atomic either way.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = self.dir.join(format!(
            ".{PREFIX}{size:012}.{}.{nanos}.tmp",
            std::process::id()
        ));
        let mut header = Header {
            origin: origin.to_owned(),
            size,
            root: published.checkpoint.root,
            state_digest: published.state_digest,
            body_sha256: [0; 32],
        };
        // Every header line has a fixed width once origin and size are known: write it with
        // a zero hash and signature, stream the body, then write the real ones over them.
        let placeholder = Signature([0; 64]);
        let head_len = {
            let head = format!(
                "{}signature {}\n\n",
                header.signed_lines(),
                B64.encode(placeholder.0)
            );
            head.len() as u64
        };
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let written = (|| {
            let mut out = BufWriter::with_capacity(1 << 20, file);
            out.write_all(&vec![b'\n'; head_len as usize])?;
            let mut body = Hashing {
                inner: out,
                hasher: Sha256::new(),
                len: 0,
            };
            write_tree(&mut body, core.tree())?;
            rmp_serde::encode::write_named(&mut body, core.state())
                .map_err(|e| std::io::Error::other(format!("encoding the state: {e}")))?;
            header.body_sha256 = body.hasher.finalize().into();
            let signature = key.sign(&header.signing_input());
            let head = format!(
                "{}signature {}\n\n",
                header.signed_lines(),
                B64.encode(signature.0)
            );
            debug_assert_eq!(head.len() as u64, head_len);
            let mut file = body.inner.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(head.as_bytes())?;
            file.sync_all()?;
            Ok::<u64, std::io::Error>(head_len + body.len)
        })();
        let bytes = match written {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        fs::rename(&tmp, &path)?;
        File::open(&self.dir)?.sync_all()?;
        for (_, old) in self.list()?.into_iter().skip(KEEP) {
            remove_if_there(&old)?;
        }
        self.remove_abandoned();
        Ok(Taken { path, size, bytes })
    }

    /// Writes a snapshot at the store's latest checkpoint, unless the newest one is already
    /// there. The projection it writes is replayed afresh — from the newest usable snapshot
    /// and the log after it, checking every entry and state digest on the way — never taken
    /// from a running ledger (whose lock it so never holds): a snapshot only ever holds what
    /// a checked replay produced.
    pub fn refresh(
        &self,
        store: &dyn Store,
        verifier: &NoteVerifier,
        key: &KeyPair,
    ) -> Result<Option<Taken>, LedgerError> {
        let (core, start) = self.start(store, verifier, &key.public_key(), &mut |_, _| {})?;
        let size = core.tree().size();
        if size == 0 || (start.from_snapshot == Some(size) && start.ignored.is_empty()) {
            return Ok(None);
        }
        self.take(&core, verifier.name(), key)
            .map(Some)
            .map_err(|e| LedgerError::Snapshot {
                path: self.dir.display().to_string(),
                error: e.to_string(),
            })
    }

    /// Starts a core from the newest snapshot that passes every check (see the module docs),
    /// then replays the tail of the log; without one, replays from entry 0. `progress` sees
    /// the tail's replay.
    pub fn start(
        &self,
        store: &dyn Store,
        verifier: &NoteVerifier,
        instance_key: &PublicKey,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(Core, Start), LedgerError> {
        let mut start = Start::default();
        let listed = self.list().unwrap_or_else(|e| {
            start
                .ignored
                .push((self.dir.clone(), format!("cannot list: {e}")));
            Vec::new()
        });
        for (_, path) in listed {
            match open(&path, store, verifier, instance_key) {
                Ok(mut core) => {
                    let size = core.tree().size();
                    match core.catch_up(store, verifier, progress) {
                        Ok(replayed) => {
                            start.from_snapshot = Some(size);
                            start.replayed = replayed;
                            Core::check_covered(store, core.tree().size())?;
                            return Ok((core, start));
                        }
                        Err(e) => start
                            .ignored
                            .push((path, format!("the log after it does not replay: {e}"))),
                    }
                }
                Err(why) => start.ignored.push((path, why)),
            }
        }
        let core = Core::load(store, verifier, progress)?;
        start.replayed = core.tree().size();
        Ok((core, start))
    }
}

impl Snapshots {
    /// Removes temporary files more than an hour old: a writer that crashed left them.
    fn remove_abandoned(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let abandoned = name.to_str().is_some_and(|n| n.ends_with(".tmp"))
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > std::time::Duration::from_secs(3600));
            if abandoned {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Opens one snapshot, checking it against the store; the reason it cannot be used otherwise.
pub fn open(
    path: &Path,
    store: &dyn Store,
    verifier: &NoteVerifier,
    instance_key: &PublicKey,
) -> Result<Core, String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let total = file.metadata().map_err(|e| e.to_string())?.len();
    let mut input = BufReader::with_capacity(1 << 20, file);
    let mut line = |name: &str| -> Result<String, String> {
        let mut l = String::new();
        input
            .by_ref()
            .take(4096)
            .read_line(&mut l)
            .map_err(|e| format!("reading its header: {e}"))?;
        let l = l.strip_suffix('\n').ok_or_else(|| match name {
            MAGIC => "not an Accord snapshot (empty, or no first line)".to_owned(),
            _ => format!("its header ends before the {name} line"),
        })?;
        if name == MAGIC {
            return (l == MAGIC)
                .then(String::new)
                .ok_or_else(|| format!("not an Accord snapshot (first line `{l}`)"));
        }
        if name.is_empty() {
            return l
                .is_empty()
                .then(String::new)
                .ok_or_else(|| "no blank line after its header".to_owned());
        }
        l.strip_prefix(name)
            .and_then(|v| v.strip_prefix(' '))
            .map(str::to_owned)
            .ok_or_else(|| format!("its header has no {name} line where expected"))
    };
    line(MAGIC)?;
    let origin = line("origin")?;
    let size: u64 = line("size")?
        .parse()
        .map_err(|_| "its size is not a number".to_owned())?;
    let root = decode_32(&B64.decode(line("root")?).unwrap_or_default(), "root")?;
    let state_digest = decode_32(
        &hex::decode(line("state-digest")?).unwrap_or_default(),
        "state digest",
    )?;
    let body_sha256 = decode_32(
        &hex::decode(line("body-sha256")?).unwrap_or_default(),
        "body hash",
    )?;
    let signature = B64
        .decode(line("signature")?)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(Signature)
        .ok_or_else(|| "its signature is not 64 bytes of base64".to_owned())?;
    line("")?;
    let header = Header {
        origin,
        size,
        root,
        state_digest,
        body_sha256,
    };
    if !instance_key.verify_strict(&header.signing_input(), &signature) {
        return Err("its signature does not verify with the instance key".into());
    }
    if header.origin != verifier.name() {
        return Err(format!(
            "it is of the log `{}`, not `{}`",
            header.origin,
            verifier.name()
        ));
    }
    let stored = store
        .checkpoint_at(size)
        .map_err(|e| format!("reading the checkpoint at its size: {e}"))?
        .ok_or_else(|| {
            format!(
                "the store holds no checkpoint at its size {size} (rolled back, or another log)"
            )
        })?;
    let opened = note::open(&stored.note, std::slice::from_ref(verifier))
        .map_err(|e| format!("the stored checkpoint at its size does not verify: {e}"))?;
    let checkpoint = Checkpoint::parse(&opened.text)
        .map_err(|e| format!("the stored checkpoint at its size does not parse: {e}"))?;
    if checkpoint.size != size || checkpoint.root != header.root {
        return Err(format!(
            "its root is not the one the log's checkpoint at size {size} commits to"
        ));
    }
    if stored.state_digest != header.state_digest {
        return Err(format!(
            "its state digest is not the one recorded with the checkpoint at size {size}"
        ));
    }
    // Two passes over the body: its hash first (nothing of it is decoded before it is known
    // to be what was signed, so a flipped length can never ask for a huge allocation), then
    // the decoding, streamed, so that a start never holds the file and the state at once.
    let body_start = input
        .stream_position()
        .map_err(|e| format!("reading its body: {e}"))?;
    let body_len = total.saturating_sub(body_start);
    let mut hasher = Sha256::new();
    let mut chunk = vec![0; 1 << 20];
    loop {
        match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => hasher.update(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("reading its body: {e}")),
        }
    }
    if <[u8; 32]>::from(hasher.finalize()) != header.body_sha256 {
        return Err(format!(
            "its body ({body_len} of {total} bytes) does not have the hash its header states: truncated or corrupt"
        ));
    }
    input
        .seek(SeekFrom::Start(body_start))
        .map_err(|e| format!("reading its body: {e}"))?;
    let tree = read_tree(&mut input, body_len).map_err(|e| format!("its tree: {e}"))?;
    if tree.size() != size || tree.root() != header.root {
        return Err("its tree is not the one the checkpoint commits to".into());
    }
    let state: State =
        rmp_serde::from_read(&mut input).map_err(|e| format!("its state does not decode: {e}"))?;
    if input.read(&mut chunk).map_err(|e| e.to_string())? != 0 {
        return Err("its body goes on after the state".into());
    }
    if state.size() != size {
        return Err(format!(
            "its state holds {} entries, not {size}",
            state.size()
        ));
    }
    Ok(Core::from_parts(
        state,
        tree,
        Published {
            note: stored.note,
            checkpoint,
            state_digest: stored.state_digest,
        },
    ))
}

fn decode_32(bytes: &[u8], what: &str) -> Result<[u8; 32], String> {
    <[u8; 32]>::try_from(bytes).map_err(|_| format!("its {what} is not 32 bytes"))
}

fn write_tree(out: &mut impl Write, tree: &Tree) -> std::io::Result<()> {
    let levels = tree.levels();
    out.write_all(&(levels.len() as u32).to_le_bytes())?;
    for level in levels {
        out.write_all(&(level.len() as u64).to_le_bytes())?;
        for hash in level {
            out.write_all(hash)?;
        }
    }
    Ok(())
}

fn read_tree(input: &mut impl Read, body_len: u64) -> Result<Tree, String> {
    let mut word = [0u8; 8];
    input
        .read_exact(&mut word[..4])
        .map_err(|_| "ends early".to_owned())?;
    let count = u32::from_le_bytes(word[..4].try_into().expect("4 bytes"));
    if count > 64 {
        return Err(format!("{count} levels is more than any tree has"));
    }
    let mut levels = Vec::with_capacity(count as usize);
    for _ in 0..count {
        input
            .read_exact(&mut word)
            .map_err(|_| "ends early".to_owned())?;
        let len = u64::from_le_bytes(word);
        if len.saturating_mul(32) > body_len {
            return Err("a level is longer than the file".into());
        }
        let mut level = vec![[0u8; 32]; len as usize];
        for hash in &mut level {
            input
                .read_exact(hash)
                .map_err(|_| "ends early".to_owned())?;
        }
        levels.push(level);
    }
    Tree::from_levels(levels)
}
