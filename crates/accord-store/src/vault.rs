//! The evidence vault: where confidential content lives beside the public log.
//!
//! The log holds only a salted SHA-256 commitment to each item; the vault holds the content
//! and its salt, keyed by owner and item id. Access decisions are not the vault's business
//! (they are projections of the log, made before the vault is asked); the vault guarantees
//! that [`Vault::erase`] leaves nothing of the content or salt behind in its files.

use crate::StoreError;

/// Content and salt of one evidence item.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The 32-byte salt of the commitment.
    pub salt: [u8; 32],
    /// The content.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    // Never print confidential content or its salt, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes, salt withheld)", self.content.len())
    }
}

/// A store of confidential evidence content.
pub trait Vault: Send + Sync + 'static {
    /// Stores an item durably; storing the same item again with the same content is a no-op,
    /// with different content an error (content is fixed by the logged commitment).
    fn put(&self, owner: &str, id: &str, sealed: &Sealed) -> Result<(), StoreError>;
    /// Stores several items in one durable write (all or none); the same rules as [`Vault::put`].
    fn put_many(&self, items: &[(String, String, Sealed)]) -> Result<(), StoreError> {
        for (owner, id, sealed) in items {
            self.put(owner, id, sealed)?;
        }
        Ok(())
    }
    /// The item, if stored and not erased.
    fn get(&self, owner: &str, id: &str) -> Result<Option<Sealed>, StoreError>;
    /// Removes content and salt for good (overwritten, not just unlinked); returns whether
    /// there was anything to remove.
    fn erase(&self, owner: &str, id: &str) -> Result<bool, StoreError>;
    /// Every stored item as (owner, id), for reconciling with erasures in the log.
    fn list(&self) -> Result<Vec<(String, String)>, StoreError>;
}
