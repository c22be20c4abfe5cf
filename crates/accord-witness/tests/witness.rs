//! The witness against real logs (a Merkle tree, signed checkpoints, real consistency proofs)
//! and a real SQLite state file: every answer of C2SP tlog-witness, a restart that keeps the
//! state (never a rollback cosigned), two racing requests of which one wins, and a split view
//! kept as evidence.

use std::sync::Arc;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::cosignature::{CosignatureVerifier, Cosigner};
use accord_tlog::note::{open, NoteSigner};
use accord_tlog::{leaf_hash, Tree};
use accord_witness::{AddCheckpoint, Witness, SIZE_MEDIA_TYPE};
use ed25519_dalek::SigningKey;

const ORIGIN: &str = "accord.example/regime";

struct Log {
    tree: Tree,
    signer: NoteSigner,
}

impl Log {
    fn new(seed: u8) -> Log {
        Log {
            tree: Tree::new(),
            signer: NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[seed; 32])).unwrap(),
        }
    }

    fn grow(&mut self, n: u64, salt: &str) {
        for i in 0..n {
            let size = self.tree.size();
            self.tree
                .push(leaf_hash(format!("{salt} {size} {i}").as_bytes()));
        }
    }

    fn body(&self) -> String {
        Checkpoint {
            origin: ORIGIN.into(),
            size: self.tree.size(),
            root: self.tree.root(),
            extensions: vec![],
        }
        .to_body()
    }

    fn checkpoint(&self) -> String {
        self.signer.sign(&self.body()).unwrap()
    }

    /// The request to go from `old` to the current size.
    fn request(&self, old: u64) -> Vec<u8> {
        let proof = if old == 0 {
            vec![]
        } else {
            self.tree.consistency_proof(old, self.tree.size()).unwrap()
        };
        AddCheckpoint {
            old_size: old,
            proof,
            note: self.checkpoint(),
        }
        .to_body()
        .into_bytes()
    }
}

fn witness(dir: &std::path::Path, log: &Log) -> Witness {
    let cosigner = Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[3; 32])).unwrap();
    Witness::open(
        &dir.join("witness.db"),
        cosigner,
        vec![log.signer.verifier()],
    )
    .unwrap()
}

fn cosigner() -> CosignatureVerifier {
    Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[3; 32]))
        .unwrap()
        .verifier()
}

#[test]
fn a_consistent_checkpoint_is_cosigned_and_every_other_answer_is_the_spec_s() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(1);
    log.grow(10, "a");
    let w = witness(dir.path(), &log);

    // First contact: old size 0, empty proof.
    let a = w.add_checkpoint(&log.request(0), 1_700_000_000);
    assert_eq!(a.status, 200, "{}", a.body);
    let cosigned = format!("{}{}", log.checkpoint(), a.body);
    let note = open(&cosigned, &[log.signer.verifier()]).unwrap();
    assert_eq!(cosigner().timestamp_on(&note), Ok(Some(1_700_000_000)));
    assert_eq!(w.latest(ORIGIN).unwrap().unwrap().size, 10);

    // The same checkpoint again is cosigned again; a stale old size is told the right one.
    assert_eq!(w.add_checkpoint(&log.request(10), 1).status, 200);
    log.grow(7, "a");
    let stale = w.add_checkpoint(&log.request(0), 2);
    assert_eq!(
        (stale.status, stale.content_type, stale.body.as_str()),
        (409, SIZE_MEDIA_TYPE, "10\n")
    );
    // With the right old size and a real proof: cosigned.
    assert_eq!(w.add_checkpoint(&log.request(10), 3).status, 200);
    assert_eq!(w.latest(ORIGIN).unwrap().unwrap().size, 17);

    // A proof that does not verify: 422, and the signed checkpoint is kept as evidence.
    log.grow(3, "a");
    let mut bad = AddCheckpoint::parse(&log.request(17)).unwrap();
    bad.proof[0][0] ^= 1;
    let answer = w.add_checkpoint(bad.to_body().as_bytes(), 4);
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("does not verify"), "{}", answer.body);
    assert_eq!(w.refused(ORIGIN).unwrap().len(), 1);
    assert_eq!(w.latest(ORIGIN).unwrap().unwrap().size, 17);
    // A non-empty proof from size 0 is refused too.
    let fresh = tempfile::tempdir().unwrap();
    let other = witness(fresh.path(), &log);
    let mut from_zero = AddCheckpoint::parse(&log.request(0)).unwrap();
    from_zero.proof.push([0; 32]);
    assert_eq!(
        other
            .add_checkpoint(from_zero.to_body().as_bytes(), 5)
            .status,
        422
    );

    // old > size: 400. Garbage: 400.
    let mut ahead = AddCheckpoint::parse(&log.request(17)).unwrap();
    ahead.old_size = 21;
    ahead.proof.clear();
    assert_eq!(w.add_checkpoint(ahead.to_body().as_bytes(), 6).status, 400);
    assert_eq!(w.add_checkpoint(b"hello", 6).status, 400);

    // Another log's origin: 404. This origin signed by a key the witness does not trust: 403.
    let mut stranger = Log::new(1);
    stranger.signer =
        NoteSigner::new("other.example/log", SigningKey::from_bytes(&[1; 32])).unwrap();
    stranger.grow(1, "s");
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: stranger
            .signer
            .sign(
                &Checkpoint {
                    origin: "other.example/log".into(),
                    size: 1,
                    root: stranger.tree.root(),
                    extensions: vec![],
                }
                .to_body(),
            )
            .unwrap(),
    };
    assert_eq!(w.add_checkpoint(body.to_body().as_bytes(), 7).status, 404);
    let mut impostor = Log::new(99);
    impostor.grow(20, "a");
    let answer = w.add_checkpoint(&impostor.request(0), 8);
    assert_eq!(answer.status, 403, "{}", answer.body);
}

#[test]
fn a_fork_is_refused_and_becomes_an_equivocation_proof_anyone_can_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut honest = Log::new(1);
    honest.grow(10, "a");
    let w = witness(dir.path(), &honest);
    assert_eq!(w.add_checkpoint(&honest.request(0), 1).status, 200);
    // The same log key signs another tree of the same size.
    let mut fork = Log::new(1);
    fork.grow(10, "b");
    let answer = w.add_checkpoint(&fork.request(10), 2);
    assert_eq!((answer.status, answer.body.as_str()), (409, "10\n"));
    let refused = w.refused(ORIGIN).unwrap();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].reason.contains("another root"),
        "{:?}",
        refused[0]
    );
    assert_eq!(refused[0].note, fork.checkpoint());
    let proof = refused[0].evidence.clone().expect("an equivocation proof");
    let proven = proof.verify(&honest.signer.verifier()).unwrap();
    assert_eq!(proven.sizes, (10, 10));
    // Checked with another key, it proves nothing.
    assert!(proof.verify(&Log::new(2).signer.verifier()).is_err());

    // A longer fork with its own, valid, proof from size 10: the proof leads to the fork's
    // signed root and to another root at 10 than the one cosigned — conclusive.
    fork.grow(6, "b");
    let answer = w.add_checkpoint(&fork.request(10), 3);
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("split view"), "{}", answer.body);
    let refused = w.refused(ORIGIN).unwrap();
    let proven = refused[1]
        .evidence
        .as_ref()
        .expect("an equivocation proof")
        .verify(&honest.signer.verifier())
        .unwrap();
    assert_eq!(proven.sizes, (10, 16));
    assert!(
        proven.finding.contains("not a prefix"),
        "{}",
        proven.finding
    );
    // A garbage proof shows nothing: refused, but no proof of anything.
    let mut garbage = AddCheckpoint::parse(&fork.request(10)).unwrap();
    garbage.proof[0][0] ^= 1;
    assert_eq!(
        w.add_checkpoint(garbage.to_body().as_bytes(), 4).status,
        422
    );
    assert!(w.refused(ORIGIN).unwrap()[2].evidence.is_none());
    assert_eq!(w.equivocations().unwrap().len(), 2);
    assert_eq!(w.latest(ORIGIN).unwrap().unwrap().root, honest.tree.root());

    // A tampered proof document does not verify.
    let mut tampered = proof.clone();
    tampered.second = tampered.first.clone();
    assert!(tampered.verify(&honest.signer.verifier()).is_err());
}

#[test]
fn a_restarted_witness_remembers_and_never_cosigns_a_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(1);
    log.grow(5, "a");
    let older = log.request(0);
    log.grow(5, "a");
    {
        let w = witness(dir.path(), &log);
        assert_eq!(w.add_checkpoint(&log.request(0), 1).status, 200);
    }
    let w = witness(dir.path(), &log);
    assert_eq!(w.latest(ORIGIN).unwrap().unwrap().size, 10);
    // The older checkpoint, as if the witness had forgotten: told the size it cosigned.
    let answer = w.add_checkpoint(&older, 2);
    assert_eq!((answer.status, answer.body.as_str()), (409, "10\n"));
    // And with old size 10 pointing back to 5: 400 (old size beyond the checkpoint).
    let mut back = AddCheckpoint::parse(&older).unwrap();
    back.old_size = 10;
    assert_eq!(w.add_checkpoint(back.to_body().as_bytes(), 3).status, 400);
}

#[test]
fn of_two_requests_racing_from_one_old_size_exactly_one_is_cosigned() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(1);
    log.grow(4, "a");
    let w = Arc::new(witness(dir.path(), &log));
    assert_eq!(w.add_checkpoint(&log.request(0), 1).status, 200);
    // Two extensions of size 4: to 6 and to 9 (the second a longer view of the same log).
    log.grow(2, "a");
    let to_six = log.request(4);
    log.grow(3, "a");
    let to_nine = log.request(4);
    for _ in 0..20 {
        let fresh = tempfile::tempdir().unwrap();
        let w = Arc::new(witness(fresh.path(), &log));
        let mut start = Log::new(1);
        start.grow(4, "a");
        assert_eq!(w.add_checkpoint(&start.request(0), 1).status, 200);
        let answers: Vec<u16> = [to_six.clone(), to_nine.clone()]
            .into_iter()
            .map(|body| {
                let w = w.clone();
                std::thread::spawn(move || w.add_checkpoint(&body, 2).status)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let mut sorted = answers.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![200, 409], "{answers:?}");
    }
    drop(w);
}

mod histories {
    //! Random histories of an honest log, with or without a fork shown to the witness: an
    //! honest history never yields an equivocation proof, and a fork that diverges before the
    //! cosigned size is always refused and, whenever the request itself carries the evidence
    //! (same size, or a first size that is not a power of two), yields a proof that verifies.
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

        #[test]
        fn honest_logs_never_equivocate_and_forks_are_caught(
            steps in proptest::collection::vec(1u64..40, 1..8),
            fork in proptest::option::of((0u64..1000, 0u64..30)),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut log = Log::new(1);
            let w = witness(dir.path(), &log);
            let mut cosigned = 0;
            for (i, grow) in steps.iter().enumerate() {
                log.grow(*grow, "honest");
                let answer = w.add_checkpoint(&log.request(cosigned), i as u64);
                prop_assert_eq!(answer.status, 200, "{}", answer.body);
                cosigned = log.tree.size();
            }
            prop_assert!(w.equivocations().unwrap().is_empty());
            if let Some((at, extra)) = fork {
                // A fork that keeps the first `diverge` leaves and then differs.
                let diverge = at % cosigned;
                let mut forked = Log::new(1);
                for i in 0..diverge {
                    forked.tree.push(log.tree.leaf(i).unwrap());
                }
                forked.grow(cosigned - diverge + extra, "fork");
                let answer = w.add_checkpoint(&forked.request(cosigned), 99);
                prop_assert!(answer.status == 409 || answer.status == 422, "{}", answer.status);
                let conclusive = extra == 0 || !cosigned.is_power_of_two();
                let found = w.equivocations().unwrap();
                prop_assert_eq!(found.len(), usize::from(conclusive));
                for proof in found {
                    prop_assert!(proof.verify(&log.signer.verifier()).is_ok());
                }
                prop_assert_eq!(w.latest(ORIGIN).unwrap().unwrap().root, log.tree.root());
            }
        }
    }
}
