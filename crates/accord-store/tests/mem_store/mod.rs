//! A small in-memory [`Store`], correct or with one planted bug, for testing the conformance
//! suite itself.

#![allow(dead_code)] // each test binary uses a different part

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use accord_store::{
    BatchWrite, Hash, Store, StoreError, StoredCheckpoint, StoredEntry, StoredTile,
};

/// A bug to plant in the reference store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    None,
    /// Writes entries before validating tiles and checkpoint (not atomic).
    PartialWrites,
    /// Accepts a batch starting anywhere.
    NoContiguity,
    /// Only checks envelopes against earlier batches.
    NoDupWithinBatch,
    /// Lets a narrower tile replace a wider one.
    TilesShrink,
    /// Accepts a checkpoint for a smaller size.
    CheckpointBack,
    /// `entries(start, end)` includes `end`.
    InclusiveEnd,
    /// Refuses a checkpoint for the same size.
    NoResign,
    /// Appends entries one at a time, releasing the lock in between (torn batches).
    Torn,
    /// `tiles` ignores `limit`.
    TilesNoLimit,
    /// Looks leaves up in the envelope index.
    LeafByEnvelope,
}

#[derive(Default)]
struct State {
    entries: Vec<StoredEntry>,
    by_envelope: HashMap<Hash, u64>,
    tiles: BTreeMap<(u8, u64), Vec<u8>>,
    checkpoints: BTreeMap<u64, StoredCheckpoint>,
}

pub struct MemStore {
    bug: Bug,
    state: RwLock<State>,
}

impl MemStore {
    pub fn new(bug: Bug) -> Box<Self> {
        Box::new(MemStore {
            bug,
            state: RwLock::default(),
        })
    }

    fn validate(&self, st: &State, batch: &BatchWrite) -> Result<(), StoreError> {
        let size = st.entries.len() as u64;
        if self.bug != Bug::NoContiguity {
            for (i, e) in batch.entries.iter().enumerate() {
                if e.index != size + i as u64 {
                    return Err(StoreError::NotContiguous {
                        expected: size + i as u64,
                        got: e.index,
                    });
                }
            }
        }
        let mut seen = HashMap::new();
        for e in &batch.entries {
            let known = st.by_envelope.get(&e.envelope_hash).or(match self.bug {
                Bug::NoDupWithinBatch => None,
                _ => seen.get(&e.envelope_hash),
            });
            if let Some(&index) = known {
                return Err(StoreError::DuplicateEnvelope {
                    envelope_hash: e.envelope_hash,
                    index,
                });
            }
            seen.insert(e.envelope_hash, e.index);
        }
        Ok(())
    }

    fn validate_rest(&self, st: &State, batch: &BatchWrite) -> Result<(), StoreError> {
        for t in &batch.tiles {
            let stored = st
                .tiles
                .get(&(t.level, t.index))
                .map_or(0, |d| d.len() / 32);
            if t.data.len() / 32 < stored && self.bug != Bug::TilesShrink {
                let (level, index, new) = (t.level, t.index, t.data.len() / 32);
                return Err(StoreError::TileShrinks {
                    level,
                    index,
                    stored,
                    new,
                });
            }
        }
        if let (Some(cp), Some((&stored, _))) = (&batch.checkpoint, st.checkpoints.last_key_value())
        {
            let back = match self.bug {
                Bug::CheckpointBack => false,
                Bug::NoResign => cp.tree_size <= stored,
                _ => cp.tree_size < stored,
            };
            if back {
                return Err(StoreError::CheckpointGoesBack {
                    stored,
                    new: cp.tree_size,
                });
            }
        }
        Ok(())
    }

    fn push_entries(st: &mut State, batch: &BatchWrite) {
        for e in &batch.entries {
            st.by_envelope.insert(e.envelope_hash, e.index);
            st.entries.push(e.clone());
        }
    }
}

impl Store for MemStore {
    fn append_batch(&self, batch: &BatchWrite) -> Result<(), StoreError> {
        if self.bug == Bug::Torn {
            self.validate(&self.state.read().unwrap(), batch)?;
            for e in &batch.entries {
                let one = BatchWrite {
                    entries: vec![e.clone()],
                    ..Default::default()
                };
                Self::push_entries(&mut self.state.write().unwrap(), &one);
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            let mut st = self.state.write().unwrap();
            let rest = BatchWrite {
                entries: vec![],
                ..batch.clone()
            };
            self.validate_rest(&st, &rest)?;
            st.tiles.extend(
                batch
                    .tiles
                    .iter()
                    .map(|t| ((t.level, t.index), t.data.clone())),
            );
            if let Some(cp) = &batch.checkpoint {
                st.checkpoints.insert(cp.tree_size, cp.clone());
            }
            return Ok(());
        }
        let mut st = self.state.write().unwrap();
        self.validate(&st, batch)?;
        if self.bug == Bug::PartialWrites {
            Self::push_entries(&mut st, batch);
        }
        self.validate_rest(&st, batch)?;
        if self.bug != Bug::PartialWrites {
            Self::push_entries(&mut st, batch);
        }
        st.tiles.extend(
            batch
                .tiles
                .iter()
                .map(|t| ((t.level, t.index), t.data.clone())),
        );
        if let Some(cp) = &batch.checkpoint {
            st.checkpoints.insert(cp.tree_size, cp.clone());
        }
        Ok(())
    }

    fn tree_size(&self) -> Result<u64, StoreError> {
        Ok(self.state.read().unwrap().entries.len() as u64)
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let st = self.state.read().unwrap();
        let len = st.entries.len() as u64;
        let end = if self.bug == Bug::InclusiveEnd {
            end.saturating_add(1)
        } else {
            end
        };
        let (start, end) = (start.min(len), end.min(len));
        Ok(st
            .entries
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .to_vec())
    }

    fn index_of_envelope(&self, envelope_hash: &Hash) -> Result<Option<u64>, StoreError> {
        Ok(self
            .state
            .read()
            .unwrap()
            .by_envelope
            .get(envelope_hash)
            .copied())
    }

    fn index_of_leaf(&self, leaf_hash: &Hash) -> Result<Option<u64>, StoreError> {
        if self.bug == Bug::LeafByEnvelope {
            return self.index_of_envelope(leaf_hash);
        }
        let st = self.state.read().unwrap();
        Ok(st
            .entries
            .iter()
            .find(|e| e.leaf_hash == *leaf_hash)
            .map(|e| e.index))
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>, StoreError> {
        let st = self.state.read().unwrap();
        Ok(st.tiles.get(&(level, index)).map(|data| StoredTile {
            level,
            index,
            data: data.clone(),
        }))
    }

    fn tiles(&self, level: u8, start: u64, limit: usize) -> Result<Vec<StoredTile>, StoreError> {
        let st = self.state.read().unwrap();
        let limit = if self.bug == Bug::TilesNoLimit {
            usize::MAX
        } else {
            limit
        };
        Ok(st
            .tiles
            .range((level, start)..=(level, u64::MAX))
            .take(limit)
            .map(|(&(level, index), data)| StoredTile {
                level,
                index,
                data: data.clone(),
            })
            .collect())
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self
            .state
            .read()
            .unwrap()
            .checkpoints
            .values()
            .next_back()
            .cloned())
    }

    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self
            .state
            .read()
            .unwrap()
            .checkpoints
            .get(&tree_size)
            .cloned())
    }

    fn checkpoints_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let st = self.state.read().unwrap();
        let Some(from) = after.checked_add(1) else {
            return Ok(vec![]);
        };
        Ok(st
            .checkpoints
            .range(from..)
            .take(limit)
            .map(|(_, c)| c.clone())
            .collect())
    }
}
