//! Differential tests against the independent `ct-merkle` implementation of
//! RFC 6962: roots, inclusion proofs and consistency proofs must be
//! byte-identical, and each side's proofs must verify with the other side's
//! verifier.

use accord_tlog::{leaf_hash, verify_consistency, verify_inclusion, Hash, Tree};
use ct_merkle::digest::consts::U32;
use ct_merkle::digest::{FixedOutput, HashMarker, Output, OutputSizeUser, Update};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof};
use proptest::prelude::*;

/// SHA-256 from the `sha2` version this crate uses, exposed through the
/// `digest` traits `ct-merkle` is built on.
#[derive(Clone, Default)]
struct Sha256(sha2::Sha256);

impl HashMarker for Sha256 {}

impl OutputSizeUser for Sha256 {
    type OutputSize = U32;
}

impl Update for Sha256 {
    fn update(&mut self, data: &[u8]) {
        sha2::Digest::update(&mut self.0, data);
    }
}

impl FixedOutput for Sha256 {
    fn finalize_into(self, out: &mut Output<Self>) {
        out.copy_from_slice(&sha2::Digest::finalize(self.0));
    }
}

type CtTree = MemoryBackedTree<Sha256, Vec<u8>>;

fn entry(i: u64, salt: u64) -> Vec<u8> {
    // Entries of varying length so that leaf hashing is exercised too.
    let mut bytes = (i ^ salt).to_le_bytes().to_vec();
    bytes.truncate((i % 9) as usize);
    bytes.extend(std::iter::repeat_n(b'x', (i % 5) as usize));
    bytes.extend_from_slice(&i.to_be_bytes());
    bytes
}

fn both_trees(size: u64, salt: u64) -> (Tree, CtTree, Vec<Vec<u8>>) {
    let entries: Vec<Vec<u8>> = (0..size).map(|i| entry(i, salt)).collect();
    let mut ours = Tree::new();
    let mut theirs = CtTree::new();
    for e in &entries {
        ours.push(leaf_hash(e));
        theirs.push(e.clone());
    }
    (ours, theirs, entries)
}

fn concat(proof: &[Hash]) -> Vec<u8> {
    proof.concat()
}

fn split(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| c.try_into().expect("32-byte chunk"))
        .collect()
}

#[test]
fn empty_and_small_trees_agree() {
    for size in 0..=40u64 {
        let (ours, theirs, entries) = both_trees(size, 7);
        let root = theirs.root();
        assert_eq!(
            ours.root().as_slice(),
            root.as_bytes().as_slice(),
            "size {size}"
        );
        for index in 0..size {
            let proof = theirs.prove_inclusion(index as usize);
            assert_eq!(
                concat(&ours.inclusion_proof(index, size).unwrap()),
                proof.as_bytes(),
                "inclusion {index} in {size}"
            );
            let leaf = leaf_hash(&entries[index as usize]);
            assert_eq!(
                verify_inclusion(&leaf, index, size, &split(proof.as_bytes()), &ours.root()),
                Ok(())
            );
        }
        for additions in 0..size {
            let old = size - additions;
            let proof = theirs.prove_consistency(additions as usize);
            assert_eq!(
                concat(&ours.consistency_proof(old, size).unwrap()),
                proof.as_bytes(),
                "consistency {old} -> {size}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn roots_and_proofs_match_ct_merkle(
        size in 1u64..1500,
        index_seed in any::<u64>(),
        old_seed in any::<u64>(),
        salt in any::<u64>(),
    ) {
        let (ours, theirs, entries) = both_trees(size, salt);
        let their_root = theirs.root();
        let our_root = ours.root();
        prop_assert_eq!(our_root.as_slice(), their_root.as_bytes().as_slice());

        // Inclusion: identical bytes, and cross-verification both ways.
        let index = index_seed % size;
        let our_proof = ours.inclusion_proof(index, size).unwrap();
        let their_proof = theirs.prove_inclusion(index as usize);
        prop_assert_eq!(concat(&our_proof), their_proof.as_bytes());
        let leaf = leaf_hash(&entries[index as usize]);
        prop_assert_eq!(
            verify_inclusion(&leaf, index, size, &split(their_proof.as_bytes()), &ours.root()),
            Ok(())
        );
        let ours_as_theirs = InclusionProof::<Sha256>::from_bytes(concat(&our_proof));
        prop_assert!(their_root
            .verify_inclusion(&entries[index as usize], index, &ours_as_theirs)
            .is_ok());

        // Consistency from a random older size to the current one.
        let old = 1 + old_seed % size;
        let our_proof = ours.consistency_proof(old, size).unwrap();
        let their_proof = theirs.prove_consistency((size - old) as usize);
        prop_assert_eq!(concat(&our_proof), their_proof.as_bytes());
        let old_root = ours.root_at(old).unwrap();
        prop_assert_eq!(
            verify_consistency(old, size, &old_root, &ours.root(), &split(their_proof.as_bytes())),
            Ok(())
        );
        let mut old_tree = CtTree::new();
        for e in &entries[..old as usize] {
            old_tree.push(e.clone());
        }
        let old_tree_root = old_tree.root();
        prop_assert_eq!(old_tree_root.as_bytes().as_slice(), old_root.as_slice());
        let ours_as_theirs = ConsistencyProof::<Sha256>::try_from_bytes(concat(&our_proof)).unwrap();
        prop_assert!(their_root.verify_consistency(&old_tree.root(), &ours_as_theirs).is_ok());
    }
}
