//! Equivocation proofs: two checkpoints of one log, both signed by the log's key, that cannot
//! both be true — self-contained, so that anyone can check them offline with nothing but the
//! log's verifier key (`accord verify-equivocation`).
//!
//! Two kinds are conclusive:
//!
//! - **same size**: two signed checkpoints of the same size with different roots;
//! - **inconsistent**: a signed checkpoint of size `m` and a larger one of size `n`, with a
//!   consistency proof from `m` to `n` that leads to the larger checkpoint's signed root and,
//!   from it, to a root for the first `m` leaves other than the smaller checkpoint's (the
//!   proof's hashes are bound to the signed root, so the root they give for `m` leaves is the
//!   true one, barring a SHA-256 collision). When `m` is a power of two that prefix root is not
//!   in the proof and the document carries it.
//!
//! A consistency proof that does not even lead to the larger checkpoint's root proves nothing
//! (anyone can send a wrong proof): a witness refuses such a checkpoint but makes no proof of it.
//!
//! The document is JSON: `{"type": "accord-equivocation-proof/v1", "origin", "first",
//! "second", "proof": [base64…], "prefix_root": base64|null}`, `first` and `second` being the
//! two signed notes as the log signed them.

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::{consistency_roots, Hash};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The `type` of the document.
pub const TYPE: &str = "accord-equivocation-proof/v1";

/// An equivocation proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivocation {
    /// Always [`TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The log's origin.
    pub origin: String,
    /// The first checkpoint (the smaller, or either one of the same size), as signed.
    pub first: String,
    /// The second checkpoint, as signed.
    pub second: String,
    /// For checkpoints of different sizes: the consistency proof from the first's size to
    /// the second's, base64.
    #[serde(default)]
    pub proof: Vec<String>,
    /// For a first size that is a power of two: the root of the second's first leaves.
    #[serde(default)]
    pub prefix_root: Option<String>,
}

/// What a checked proof shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proven {
    /// The log's origin.
    pub origin: String,
    /// The two sizes.
    pub sizes: (u64, u64),
    /// What cannot both be true, in words.
    pub finding: String,
}

fn opened(note: &str, log: &NoteVerifier, which: &str) -> Result<Checkpoint, String> {
    let opened = note::open(note, std::slice::from_ref(log))
        .map_err(|e| format!("the {which} checkpoint does not verify with the log's key: {e}"))?;
    Checkpoint::parse(&opened.text).map_err(|e| format!("the {which} checkpoint: {e}"))
}

impl Equivocation {
    /// Two checkpoints of the same size with different roots (checked by [`Self::verify`]).
    pub fn same_size(origin: &str, first: &str, second: &str) -> Equivocation {
        Equivocation {
            kind: TYPE.to_owned(),
            origin: origin.to_owned(),
            first: first.to_owned(),
            second: second.to_owned(),
            proof: Vec::new(),
            prefix_root: None,
        }
    }

    /// From a smaller checkpoint `first` and a larger `second` with a consistency proof
    /// between their sizes: a proof if the consistency proof leads to the second's root and
    /// to another root for the first's size (`None` when it shows nothing: it is consistent,
    /// or it does not lead to the second's root, or the first size is a power of two and
    /// `prefix_root` is not known).
    pub fn from_failed_proof(
        log: &NoteVerifier,
        first: &str,
        second: &str,
        proof: &[Hash],
        prefix_root: Option<Hash>,
    ) -> Option<Equivocation> {
        let candidate = Equivocation {
            kind: TYPE.to_owned(),
            origin: log.name().to_owned(),
            first: first.to_owned(),
            second: second.to_owned(),
            proof: proof.iter().map(|h| B64.encode(h)).collect(),
            prefix_root: prefix_root.map(|r| B64.encode(r)),
        };
        candidate.verify(log).ok().map(|_| candidate)
    }

    /// Checks the proof offline against the log's verifier key.
    pub fn verify(&self, log: &NoteVerifier) -> Result<Proven, String> {
        if self.kind != TYPE {
            return Err(format!("not an equivocation proof (type `{}`)", self.kind));
        }
        if self.origin != log.name() {
            return Err(format!(
                "the proof is about `{}`, the key is `{}`'s",
                self.origin,
                log.name()
            ));
        }
        let a = opened(&self.first, log, "first")?;
        let b = opened(&self.second, log, "second")?;
        if a.origin != self.origin || b.origin != self.origin {
            return Err("the checkpoints are of another log than the proof names".into());
        }
        if a.size == b.size {
            if a.root == b.root {
                return Err(format!(
                    "both checkpoints have size {} and the same root: no equivocation",
                    a.size
                ));
            }
            return Ok(Proven {
                origin: self.origin.clone(),
                sizes: (a.size, b.size),
                finding: format!(
                    "the log signed two different trees of size {}: roots {} and {}",
                    a.size,
                    B64.encode(a.root),
                    B64.encode(b.root)
                ),
            });
        }
        if a.size > b.size || a.size == 0 {
            return Err("the first checkpoint must be the smaller one, and not empty".into());
        }
        let hash = |h: &str, what: &str| {
            B64.decode(h)
                .ok()
                .and_then(|h| Hash::try_from(h.as_slice()).ok())
                .ok_or_else(|| format!("{what} `{h}` is not base64 of 32 bytes"))
        };
        let proof = self
            .proof
            .iter()
            .map(|h| hash(h, "proof hash"))
            .collect::<Result<Vec<_>, _>>()?;
        let given = self
            .prefix_root
            .as_deref()
            .map(|r| hash(r, "prefix_root"))
            .transpose()?;
        let (prefix, root) = consistency_roots(a.size, b.size, &proof, given.as_ref())
            .map_err(|e| format!("the consistency proof: {e}"))?;
        if root != b.root {
            return Err(format!(
                "the consistency proof does not lead to the second checkpoint's root, so it shows nothing about the log (root {} instead of {})",
                B64.encode(root),
                B64.encode(b.root)
            ));
        }
        if prefix == a.root {
            return Err(format!(
                "the checkpoints are consistent: the first {} leaves of the second tree have the first's root",
                a.size
            ));
        }
        Ok(Proven {
            origin: self.origin.clone(),
            sizes: (a.size, b.size),
            finding: format!(
                "the log signed a tree of size {} with root {}, and a tree of size {} whose first {} leaves have root {}: the smaller is not a prefix of the larger",
                a.size,
                B64.encode(a.root),
                b.size,
                a.size,
                B64.encode(prefix)
            ),
        })
    }
}
