//! Where a verifier reads a log from: a local store, or a server's public endpoints.

use std::sync::Arc;
use std::time::Duration;

use accord_store::Store;
use accord_tlog::tiles::{decode_entry_bundle, TileKind, TilePath};
use accord_tlog::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// A source could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// One entry as read from a source.
#[derive(Clone, Debug)]
pub struct SourceEntry {
    /// The leaf bytes.
    pub data: Vec<u8>,
    /// The leaf hash the source stores beside the entry, if it stores one.
    pub stored_leaf_hash: Option<Hash>,
}

/// One recorded checkpoint with its state digest.
#[derive(Clone, Debug)]
pub struct SourceCheckpoint {
    /// Tree size.
    pub tree_size: u64,
    /// Signed note.
    pub note: String,
    /// Recorded state digest.
    pub state_digest: Hash,
}

/// A log to verify.
pub trait LogSource: Sync {
    /// Every recorded checkpoint, oldest first.
    fn checkpoints(&self) -> Result<Vec<SourceCheckpoint>, SourceError>;
    /// Entries `start..end`.
    fn entries(&self, start: u64, end: u64) -> Result<Vec<SourceEntry>, SourceError>;
    /// The hash tile at (level, index), truncated to `width` hashes.
    fn tile(&self, level: u8, index: u64, width: u16) -> Result<Vec<u8>, SourceError>;
}

/// A local store (a data directory).
pub struct LocalSource(pub Arc<dyn Store>);

impl LogSource for LocalSource {
    fn checkpoints(&self) -> Result<Vec<SourceCheckpoint>, SourceError> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .0
                .checkpoints_after(after, 10_000)
                .map_err(|e| SourceError(e.to_string()))?;
            let Some(last) = page.last() else { break };
            after = last.tree_size;
            out.extend(page.into_iter().map(|c| SourceCheckpoint {
                tree_size: c.tree_size,
                note: c.note,
                state_digest: c.state_digest,
            }));
        }
        Ok(out)
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<SourceEntry>, SourceError> {
        Ok(self
            .0
            .entries(start, end)
            .map_err(|e| SourceError(e.to_string()))?
            .into_iter()
            .map(|e| SourceEntry {
                data: e.data,
                stored_leaf_hash: Some(e.leaf_hash),
            })
            .collect())
    }

    fn tile(&self, level: u8, index: u64, width: u16) -> Result<Vec<u8>, SourceError> {
        let tile = self
            .0
            .tile(level, index)
            .map_err(|e| SourceError(e.to_string()))?
            .ok_or_else(|| SourceError("the store has no such tile".into()))?;
        let n = usize::from(width) * 32;
        if tile.data.len() < n {
            return Err(SourceError(format!(
                "the stored tile has {} hashes, fewer than the {width} the tree needs",
                tile.data.len() / 32
            )));
        }
        Ok(tile.data[..n].to_vec())
    }
}

/// A server, read through its public endpoints only.
pub struct HttpSource {
    base: String,
    agent: ureq::Agent,
}

impl HttpSource {
    /// A source at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        HttpSource {
            base: base.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    fn get(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let url = format!("{}{path}", self.base);
        let mut res = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| SourceError(format!("GET {url}: {e}")))?;
        let status = res.status();
        let body = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| SourceError(format!("GET {url}: reading the body: {e}")))?;
        if !status.is_success() {
            return Err(SourceError(format!(
                "GET {url}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            )));
        }
        Ok(body)
    }

    /// The server's own statement of its verifier key (trust on first use).
    pub fn verifier_key(&self) -> Result<String, SourceError> {
        let body = self.get("/verifier-key")?;
        Ok(String::from_utf8_lossy(&body).trim().to_owned())
    }
}

#[derive(serde::Deserialize)]
struct CheckpointJson {
    tree_size: u64,
    note: String,
    state_digest: String,
}

impl HttpSource {
    /// Up to `limit` recorded checkpoints after tree size `after`, oldest first (one page of
    /// `GET /checkpoints`).
    pub fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<SourceCheckpoint>, SourceError> {
        let body = self.get(&format!("/checkpoints?after={after}&limit={limit}"))?;
        let page: Vec<CheckpointJson> = serde_json::from_slice(&body)
            .map_err(|e| SourceError(format!("/checkpoints is not the expected JSON: {e}")))?;
        page.into_iter()
            .map(|c| {
                let digest = hex::decode(&c.state_digest)
                    .ok()
                    .and_then(|d| d.try_into().ok())
                    .ok_or_else(|| {
                        SourceError(format!(
                            "checkpoint {}: state digest is not 64 hex digits",
                            c.tree_size
                        ))
                    })?;
                Ok(SourceCheckpoint {
                    tree_size: c.tree_size,
                    note: c.note,
                    state_digest: digest,
                })
            })
            .collect()
    }
}

#[derive(serde::Deserialize)]
struct ConsistencyJson {
    proof: Vec<String>,
}

impl HttpSource {
    /// The server's RFC 9162 consistency proof from tree size `old` to `new`
    /// (`GET /proof/consistency`), unchecked: the caller verifies it against roots it trusts.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, SourceError> {
        let body = self.get(&format!("/proof/consistency?old={old}&new={new}"))?;
        let answer: ConsistencyJson = serde_json::from_slice(&body).map_err(|e| {
            SourceError(format!("/proof/consistency is not the expected JSON: {e}"))
        })?;
        answer
            .proof
            .iter()
            .map(|h| {
                B64.decode(h)
                    .ok()
                    .and_then(|b| Hash::try_from(b.as_slice()).ok())
                    .ok_or_else(|| {
                        SourceError(format!(
                            "/proof/consistency: `{h}` is not a base64 SHA-256 hash"
                        ))
                    })
            })
            .collect()
    }
}

impl LogSource for HttpSource {
    fn checkpoints(&self) -> Result<Vec<SourceCheckpoint>, SourceError> {
        let mut out: Vec<SourceCheckpoint> = Vec::new();
        loop {
            let after = out.last().map_or(0, |c| c.tree_size);
            let page = self.checkpoints_after(after, 1000)?;
            if page.is_empty() {
                break;
            }
            out.extend(page);
        }
        Ok(out)
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<SourceEntry>, SourceError> {
        let mut out = Vec::with_capacity((end - start) as usize);
        let mut tile = start / 256;
        while tile * 256 < end {
            let have = tile * 256;
            let width = (end - have).min(256);
            let path = TilePath {
                kind: TileKind::Entries,
                index: tile,
                width: (width < 256).then_some(width as u16),
            };
            let bundle = self.get(&format!("/{}", path.to_path()))?;
            let entries = decode_entry_bundle(&bundle)
                .map_err(|e| SourceError(format!("/{}: {e}", path.to_path())))?;
            for (i, data) in entries.into_iter().enumerate() {
                let index = have + i as u64;
                if index >= start && index < end {
                    out.push(SourceEntry {
                        data,
                        stored_leaf_hash: None,
                    });
                }
            }
            tile += 1;
        }
        Ok(out)
    }

    fn tile(&self, level: u8, index: u64, width: u16) -> Result<Vec<u8>, SourceError> {
        let path = TilePath {
            kind: TileKind::Hashes { level },
            index,
            width: (width < 256).then_some(width),
        };
        self.get(&format!("/{}", path.to_path()))
    }
}
