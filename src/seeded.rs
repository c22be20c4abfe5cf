//! Key material derived from a world's seed, shared by the built-in demo world and scenario
//! files: the same seed and party id give the same key on every machine, so a seeded world
//! (and so its whole log) is reproducible bit for bit. Never use these keys for a real
//! instance: anyone who knows the seed knows them.

use accord_envelope::KeyPair;
use sha2::{Digest, Sha256};

/// The Ed25519 key of `who` (a party id, `instance`, or `party#generation` for a later key)
/// in the world of `seed`.
pub fn derived_key(seed: u64, who: &str) -> KeyPair {
    let mut h = Sha256::new();
    h.update(b"accord-demo-key-v1\n");
    h.update(seed.to_be_bytes());
    h.update(who.as_bytes());
    KeyPair::from_seed(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_seed_and_name_only() {
        assert_eq!(
            derived_key(7, "cert-a").key_id(),
            derived_key(7, "cert-a").key_id()
        );
        assert_ne!(
            derived_key(7, "cert-a").key_id(),
            derived_key(8, "cert-a").key_id()
        );
        assert_ne!(
            derived_key(7, "cert-a").key_id(),
            derived_key(7, "cert-b").key_id()
        );
    }
}
