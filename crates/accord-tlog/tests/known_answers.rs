//! Known-answer tests from published vectors: the RFC 6962 / Certificate
//! Transparency 8-leaf reference tree (roots, inclusion and consistency
//! proofs, as used by the CT and transparency-dev test suites), the
//! golang.org/x/mod sumdb/note signed-note example keys and signatures, the
//! tlog-checkpoint spec example, and the tlog-tiles spec's path examples.

use accord_tlog::note::{self, NoteSigner, NoteVerifier};
use accord_tlog::tiles::{encode_index, TileKind, TilePath};
use accord_tlog::{
    empty_root, leaf_hash, node_hash, verify_consistency, verify_inclusion, Hash, ProofError, Tree,
};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;

/// The eight leaf entries of the reference tree.
const LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

/// Roots of the reference tree of sizes 1 to 8.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const EMPTY_ROOT: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Inclusion proofs: (0-based leaf index, tree size, proof).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// Consistency proofs: (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

fn h(hex_str: &str) -> Hash {
    let bytes = hex::decode(hex_str).expect("test vector is hex");
    bytes.try_into().expect("test vector is 32 bytes")
}

fn hashes(hex_strs: &[&str]) -> Vec<Hash> {
    hex_strs.iter().map(|s| h(s)).collect()
}

fn reference_tree() -> Tree {
    let mut tree = Tree::new();
    for entry in LEAVES {
        tree.push(leaf_hash(entry));
    }
    tree
}

fn root(size: u64) -> Hash {
    if size == 0 {
        h(EMPTY_ROOT)
    } else {
        h(ROOTS[size as usize - 1])
    }
}

#[test]
fn hashing_matches_rfc6962() {
    assert_eq!(empty_root(), h(EMPTY_ROOT));
    // A one-leaf tree's root is the leaf hash of the empty entry.
    assert_eq!(leaf_hash(b""), h(ROOTS[0]));
    assert_eq!(node_hash(&leaf_hash(b""), &leaf_hash(b"\x00")), h(ROOTS[1]));
}

#[test]
fn roots_match_reference_for_every_size() {
    let tree = reference_tree();
    assert_eq!(tree.size(), 8);
    assert_eq!(tree.root(), h(ROOTS[7]));
    for size in 0..=8 {
        assert_eq!(tree.root_at(size).unwrap(), root(size), "size {size}");
        let prefix = Tree::from_leaf_hashes(
            LEAVES[..size as usize]
                .iter()
                .map(|e| leaf_hash(e))
                .collect(),
        );
        assert_eq!(prefix.root(), root(size), "built tree of size {size}");
    }
    assert!(tree.root_at(9).is_err());
}

#[test]
fn inclusion_proofs_match_reference() {
    let tree = reference_tree();
    for (index, size, proof) in INCLUSION {
        let expected = hashes(proof);
        assert_eq!(
            tree.inclusion_proof(index, size).unwrap(),
            expected,
            "index {index} size {size}"
        );
        let leaf = leaf_hash(LEAVES[index as usize]);
        assert_eq!(
            verify_inclusion(&leaf, index, size, &expected, &root(size)),
            Ok(()),
            "index {index} size {size}"
        );
    }
}

#[test]
fn consistency_proofs_match_reference() {
    let tree = reference_tree();
    for (old, new, proof) in CONSISTENCY {
        let expected = hashes(proof);
        assert_eq!(
            tree.consistency_proof(old, new).unwrap(),
            expected,
            "{old} -> {new}"
        );
        assert_eq!(
            verify_consistency(old, new, &root(old), &root(new), &expected),
            Ok(()),
            "{old} -> {new}"
        );
    }
}

/// Mutations of a valid inclusion proof that must all fail, after the
/// transparency-dev/merkle verifier tests.
fn corrupted_inclusion(
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
    leaf: &Hash,
) -> Vec<(String, Result<(), ProofError>)> {
    let other = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    let mut probes = Vec::new();
    let mut probe = |desc: &str, result| probes.push((desc.to_owned(), result));
    if let Some(i) = index.checked_sub(1) {
        probe("index - 1", verify_inclusion(leaf, i, size, proof, root));
    }
    probe(
        "index + 1",
        verify_inclusion(leaf, index + 1, size, proof, root),
    );
    probe(
        "index ^ 2",
        verify_inclusion(leaf, index ^ 2, size, proof, root),
    );
    probe(
        "size * 2",
        verify_inclusion(leaf, index, size * 2, proof, root),
    );
    probe(
        "size / 2",
        verify_inclusion(leaf, index, size / 2, proof, root),
    );
    probe(
        "wrong leaf",
        verify_inclusion(&other, index, size, proof, root),
    );
    probe(
        "empty root",
        verify_inclusion(leaf, index, size, proof, &empty_root()),
    );
    probe(
        "random root",
        verify_inclusion(leaf, index, size, proof, &other),
    );
    let with = |front: bool, extra: Hash| {
        let mut p = proof.to_vec();
        if front {
            p.insert(0, extra);
        } else {
            p.push(extra);
        }
        p
    };
    probe(
        "trailing root",
        verify_inclusion(leaf, index, size, &with(false, *root), root),
    );
    probe(
        "preceding root",
        verify_inclusion(leaf, index, size, &with(true, *root), root),
    );
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i][0] ^= 8;
        probes.push((
            format!("flipped bit in proof[{i}]"),
            verify_inclusion(leaf, index, size, &p, root),
        ));
    }
    if !proof.is_empty() {
        probes.push((
            "removed component".to_owned(),
            verify_inclusion(leaf, index, size, &proof[..proof.len() - 1], root),
        ));
    }
    if proof.len() > 1 {
        let mut p = proof.to_vec();
        p.insert(1, other);
        probes.push((
            "inserted component".to_owned(),
            verify_inclusion(leaf, index, size, &p, root),
        ));
    }
    probes
}

#[test]
fn corrupted_inclusion_proofs_fail() {
    for (index, size, proof) in INCLUSION {
        let proof = hashes(proof);
        let leaf = leaf_hash(LEAVES[index as usize]);
        for (desc, result) in corrupted_inclusion(index, size, &proof, &root(size), &leaf) {
            assert!(
                result.is_err(),
                "index {index} size {size}: {desc} verified"
            );
        }
    }
}

#[test]
fn corrupted_consistency_proofs_fail() {
    let other = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (old, new, proof) in CONSISTENCY {
        let proof = hashes(proof);
        if proof.is_empty() {
            continue;
        }
        let (r1, r2) = (root(old), root(new));
        let mut probes: Vec<(String, Result<(), ProofError>)> = vec![
            (
                "old - 1".into(),
                verify_consistency(old - 1, new, &r1, &r2, &proof),
            ),
            (
                "old + 1".into(),
                verify_consistency(old + 1, new, &r1, &r2, &proof),
            ),
            (
                "old ^ 2".into(),
                verify_consistency(old ^ 2, new, &r1, &r2, &proof),
            ),
            (
                "new * 2".into(),
                verify_consistency(old, new * 2, &r1, &r2, &proof),
            ),
            (
                "new / 2".into(),
                verify_consistency(old, new / 2, &r1, &r2, &proof),
            ),
            (
                "wrong old root".into(),
                verify_consistency(old, new, &other, &r2, &proof),
            ),
            (
                "wrong new root".into(),
                verify_consistency(old, new, &r1, &other, &proof),
            ),
            (
                "swapped roots".into(),
                verify_consistency(old, new, &r2, &r1, &proof),
            ),
            (
                "empty proof".into(),
                verify_consistency(old, new, &r1, &r2, &[]),
            ),
        ];
        for (desc, extra, front) in [
            ("trailing old root", r1, false),
            ("trailing new root", r2, false),
            ("preceding old root", r1, true),
            ("preceding new root", r2, true),
            ("preceding proof[0]", proof[0], true),
        ] {
            let mut p = proof.clone();
            if front {
                p.insert(0, extra);
            } else {
                p.push(extra);
            }
            probes.push((desc.into(), verify_consistency(old, new, &r1, &r2, &p)));
        }
        probes.push((
            "truncated".into(),
            verify_consistency(old, new, &r1, &r2, &proof[..proof.len() - 1]),
        ));
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 16;
            probes.push((
                format!("flipped bit in proof[{i}]"),
                verify_consistency(old, new, &r1, &r2, &p),
            ));
        }
        for (desc, result) in probes {
            assert!(result.is_err(), "{old} -> {new}: {desc} verified");
        }
    }
}

#[test]
fn verification_errors_say_what_failed() {
    let leaf = leaf_hash(LEAVES[0]);
    let proof = hashes(INCLUSION[1].2);
    assert_eq!(
        verify_inclusion(&leaf, 8, 8, &proof, &root(8)),
        Err(ProofError::IndexOutOfRange { index: 8, size: 8 })
    );
    assert_eq!(
        verify_inclusion(&leaf, 0, 8, &proof[..2], &root(8)),
        Err(ProofError::WrongLength {
            expected: 3,
            actual: 2
        })
    );
    assert_eq!(
        verify_inclusion(&leaf, 0, 8, &proof, &root(7)),
        Err(ProofError::RootMismatch)
    );
    let consistency = hashes(CONSISTENCY[2].2);
    assert_eq!(
        verify_consistency(8, 6, &root(8), &root(6), &consistency),
        Err(ProofError::OldSizeExceedsNewSize {
            old_size: 8,
            new_size: 6
        })
    );
    assert_eq!(
        verify_consistency(6, 8, &root(5), &root(8), &consistency),
        Err(ProofError::OldRootMismatch)
    );
    assert_eq!(
        verify_consistency(6, 8, &root(6), &root(7), &consistency),
        Err(ProofError::NewRootMismatch)
    );
    assert_eq!(
        verify_consistency(6, 8, &root(6), &root(8), &consistency[1..]),
        Err(ProofError::WrongLength {
            expected: 3,
            actual: 2
        })
    );
    // Trivial cases: nothing to prove, so the proof must be empty.
    assert_eq!(
        verify_consistency(0, 8, &empty_root(), &root(8), &[]),
        Ok(())
    );
    assert_eq!(
        verify_consistency(0, 8, &root(1), &root(8), &[]),
        Err(ProofError::OldRootMismatch)
    );
    assert_eq!(verify_consistency(8, 8, &root(8), &root(8), &[]), Ok(()));
    assert_eq!(
        verify_consistency(8, 8, &root(8), &root(7), &[]),
        Err(ProofError::NewRootMismatch)
    );
    assert_eq!(
        verify_consistency(8, 8, &root(8), &root(8), &consistency),
        Err(ProofError::WrongLength {
            expected: 0,
            actual: 3
        })
    );
    assert_eq!(
        verify_consistency(0, 8, &empty_root(), &root(8), &consistency),
        Err(ProofError::WrongLength {
            expected: 0,
            actual: 3
        })
    );
}

#[test]
fn tree_errors_say_what_is_wrong() {
    use accord_tlog::TreeError;
    let tree = reference_tree();
    assert_eq!(
        tree.inclusion_proof(0, 9),
        Err(TreeError::SizeBeyondTree {
            size: 9,
            tree_size: 8
        })
    );
    assert_eq!(
        tree.inclusion_proof(3, 3),
        Err(TreeError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert_eq!(
        tree.consistency_proof(5, 4),
        Err(TreeError::OldSizeExceedsNewSize {
            old_size: 5,
            new_size: 4
        })
    );
    assert_eq!(
        tree.consistency_proof(1, 9),
        Err(TreeError::SizeBeyondTree {
            size: 9,
            tree_size: 8
        })
    );
    assert_eq!(tree.consistency_proof(0, 8), Ok(vec![]));
    assert_eq!(tree.consistency_proof(8, 8), Ok(vec![]));
    assert_eq!(Tree::new().root(), empty_root());
    assert!(Tree::new().inclusion_proof(0, 0).is_err());
}

// golang.org/x/mod/sumdb/note example keys: PeterNeumann's signer key is
// published, and EnochRoot's key is the one derived from an all-zero seed.
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str =
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str =
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_signer() -> NoteSigner {
    // The Go private key format is PRIVATE+KEY+<name>+<id>+base64(0x01 || seed).
    let material = BASE64
        .decode(PETER_SKEY.splitn(5, '+').last().unwrap())
        .unwrap();
    assert_eq!(material[0], 0x01);
    let seed: [u8; 32] = material[1..].try_into().unwrap();
    NoteSigner::new("PeterNeumann", SigningKey::from_bytes(&seed)).unwrap()
}

#[test]
fn note_keys_match_published_examples() {
    let peter = peter_signer();
    assert_eq!(peter.key_id(), 0xc74f20a3);
    assert_eq!(peter.verifier_key(), PETER_VKEY);
    let enoch = NoteSigner::new("EnochRoot", SigningKey::from_bytes(&[0; 32])).unwrap();
    assert_eq!(enoch.key_id(), 0xaf0cfe78);
    assert_eq!(enoch.verifier_key(), ENOCH_VKEY);

    let parsed = NoteVerifier::parse(PETER_VKEY).unwrap();
    assert_eq!(parsed.name(), "PeterNeumann");
    assert_eq!(parsed.key_id(), 0xc74f20a3);
    assert_eq!(parsed.to_vkey(), PETER_VKEY);
    assert_eq!(parsed, peter.verifier());
}

#[test]
fn note_signatures_match_published_examples() {
    // Ed25519 is deterministic, so signing reproduces the published notes.
    assert_eq!(
        peter_signer().sign(TEXT).unwrap(),
        format!("{TEXT}\n{PETER_SIG}")
    );
    let enoch = NoteSigner::new("EnochRoot", SigningKey::from_bytes(&[0; 32])).unwrap();
    assert_eq!(enoch.sign(TEXT).unwrap(), format!("{TEXT}\n{ENOCH_SIG}"));
}

#[test]
fn opens_published_doubly_signed_note() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
    let signed = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");

    let opened = note::open(&signed, std::slice::from_ref(&peter)).unwrap();
    assert_eq!(opened.text, TEXT);
    assert_eq!(opened.signatures.len(), 2);
    assert_eq!(opened.signatures[0].name, "PeterNeumann");
    assert_eq!(opened.signatures[0].key_id, 0xc74f20a3);
    assert!(opened.signatures[0].verified);
    assert_eq!(opened.signatures[1].name, "EnochRoot");
    assert_eq!(opened.signatures[1].key_id, 0xaf0cfe78);
    assert!(!opened.signatures[1].verified);

    let both = note::open(&signed, &[enoch.clone(), peter]).unwrap();
    assert!(both.signatures.iter().all(|s| s.verified));
    let only_enoch = note::open(&signed, &[enoch]).unwrap();
    assert!(!only_enoch.signatures[0].verified);
    assert!(only_enoch.signatures[1].verified);
}

#[test]
fn tlog_checkpoint_spec_example_parses() {
    use accord_tlog::checkpoint::Checkpoint;
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let checkpoint = Checkpoint::parse(body).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20852163);
    assert_eq!(checkpoint.to_body(), body);
}

#[test]
fn tile_paths_match_spec_examples() {
    // "index 1234067 will be encoded as x001/x234/067"
    assert_eq!(encode_index(1_234_067), "x001/x234/067");
    assert_eq!(encode_index(5), "005");
    let full = TilePath {
        kind: TileKind::Hashes { level: 0 },
        index: 1_234_067,
        width: None,
    };
    assert_eq!(full.to_path(), "tile/0/x001/x234/067");
    assert_eq!(TilePath::parse("tile/0/x001/x234/067"), Ok(full));
    let partial = TilePath::parse("tile/entries/x001/x234/067.p/8").unwrap();
    assert_eq!(partial.kind, TileKind::Entries);
    assert_eq!(partial.index, 1_234_067);
    assert_eq!(partial.width, Some(8));
    assert_eq!(partial.to_path(), "tile/entries/x001/x234/067.p/8");

    // "a tree of size 70,000 will be represented by 273 full level 0 tiles,
    // one partial level 0 tile of width 112, one full level 1 tile, one
    // partial level 1 tile of width 17, and one partial level 2 tile of
    // width 1."
    let grown = Tree::tiles_grown(0, 70_000);
    assert_eq!(grown.len(), 273 + 1 + 1 + 1 + 1);
    assert!(grown[..273]
        .iter()
        .enumerate()
        .all(|(n, &t)| t == (0, n as u64, 256)));
    assert_eq!(
        &grown[273..],
        &[(0, 273, 112), (1, 0, 256), (1, 1, 17), (2, 0, 1)]
    );
    // "a tree of size 256 will be represented by a full level 0 tile and a
    // partial level 1 tile of width 1."
    assert_eq!(Tree::tiles_grown(0, 256), vec![(0, 0, 256), (1, 0, 1)]);
}

/// `vectors.json` holds these same vectors for the browser verifier's known-answer test
/// (`tests/browser/kat.mjs`); this keeps the two in step.
#[test]
fn the_shared_vector_file_holds_these_vectors() {
    let v: serde_json::Value = serde_json::from_str(include_str!("vectors.json")).unwrap();
    let strings = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let leaves: Vec<String> = LEAVES.iter().map(hex::encode).collect();
    assert_eq!(strings("leaves_hex"), leaves);
    assert_eq!(strings("roots_hex"), ROOTS);
    assert_eq!(v["empty_root_hex"], EMPTY_ROOT);
    let inclusion = v["inclusion"].as_array().unwrap();
    assert_eq!(inclusion.len(), INCLUSION.len());
    for (got, (index, size, proof)) in inclusion.iter().zip(INCLUSION) {
        assert_eq!(got["index"], index);
        assert_eq!(got["size"], size);
        let p: Vec<&str> = got["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(p, proof);
    }
    let consistency = v["consistency"].as_array().unwrap();
    assert_eq!(consistency.len(), CONSISTENCY.len());
    for (got, (old, new, proof)) in consistency.iter().zip(CONSISTENCY) {
        assert_eq!(
            (got["old"].as_u64(), got["new"].as_u64()),
            (Some(old), Some(new))
        );
        let p: Vec<&str> = got["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(p, proof);
    }
    let note = &v["note"];
    assert_eq!(note["text"], TEXT);
    assert_eq!(note["peter_vkey"], PETER_VKEY);
    assert_eq!(note["enoch_vkey"], ENOCH_VKEY);
    assert_eq!(note["peter_sig"], PETER_SIG);
    assert_eq!(note["enoch_sig"], ENOCH_SIG);
}
