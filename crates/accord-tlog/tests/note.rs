//! Signed-note behaviour: sign/open round trips, rejection of wrong keys,
//! modified text, unknown-signer-only notes and malformed notes, and
//! verifier-key parsing.

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{open, NoteError, NoteSigner, NoteVerifier, MAX_SIGNATURES};
use accord_tlog::{leaf_hash, Tree};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use rand_core::OsRng;

fn signer(name: &str) -> NoteSigner {
    NoteSigner::new(name, SigningKey::generate(&mut OsRng)).unwrap()
}

const TEXT: &str = "accord.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

#[test]
fn sign_then_open_round_trips() {
    let log = signer("accord.example/log");
    let signed = log.sign(TEXT).unwrap();
    assert!(signed.starts_with(TEXT));
    assert!(signed.contains("\n\n— accord.example/log "));
    let opened = open(&signed, &[log.verifier()]).unwrap();
    assert_eq!(opened.text, TEXT);
    assert_eq!(opened.signatures.len(), 1);
    let sig = &opened.signatures[0];
    assert_eq!(sig.name, "accord.example/log");
    assert_eq!(sig.key_id, log.key_id());
    assert_eq!(sig.signature.len(), 64);
    assert!(sig.verified);
}

#[test]
fn checkpoint_in_a_note_round_trips() {
    let mut tree = Tree::new();
    for i in 0u32..1000 {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let checkpoint = Checkpoint {
        origin: "accord.example/log".into(),
        size: tree.size(),
        root: tree.root(),
        extensions: vec![],
    };
    let log = signer("accord.example/log");
    let signed = log.sign(&checkpoint.to_body()).unwrap();
    let opened = open(&signed, &[log.verifier()]).unwrap();
    assert_eq!(Checkpoint::parse(&opened.text), Ok(checkpoint));
}

#[test]
fn verifier_key_round_trips() {
    let log = signer("accord.example/log");
    let vkey = log.verifier_key();
    let parsed = NoteVerifier::parse(&vkey).unwrap();
    assert_eq!(parsed, log.verifier());
    assert_eq!(parsed.to_vkey(), vkey);
    assert_eq!(parsed.name(), log.name());
    assert_eq!(parsed.key_id(), log.key_id());
    let (_, rest) = vkey.split_once('+').unwrap();
    assert_eq!(&rest[..8], format!("{:08x}", log.key_id()));
}

#[test]
fn wrong_key_is_rejected() {
    // Same name, different key: the key id differs, so the signature is by
    // an unknown key and nothing known signed the note.
    let log = signer("accord.example/log");
    let impostor = signer("accord.example/log");
    let signed = impostor.sign(TEXT).unwrap();
    assert_eq!(
        open(&signed, &[log.verifier()]),
        Err(NoteError::NoKnownSignature)
    );
}

#[test]
fn signature_by_known_key_that_fails_is_rejected() {
    // Name and key id of the known key, signature made by another key.
    let log = signer("accord.example/log");
    let other = SigningKey::generate(&mut OsRng);
    let forged = {
        use ed25519_dalek::Signer as _;
        let sig = other.sign(TEXT.as_bytes());
        let mut blob = log.key_id().to_be_bytes().to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{TEXT}\n— accord.example/log {}\n", BASE64.encode(blob))
    };
    assert_eq!(
        open(&forged, &[log.verifier()]),
        Err(NoteError::InvalidSignature {
            name: "accord.example/log".into(),
            key_id: log.key_id()
        })
    );
    // Even alongside a valid signature by the same key.
    let good = log.sign(TEXT).unwrap();
    let sig_line = forged.rsplit_once("\n\n").unwrap().1;
    let both = format!("{good}{sig_line}");
    assert!(matches!(
        open(&both, &[log.verifier()]),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn modified_text_is_rejected() {
    let log = signer("accord.example/log");
    let signed = log.sign(TEXT).unwrap();
    let tampered = signed.replacen("\n3\n", "\n4\n", 1);
    assert_ne!(tampered, signed);
    assert!(matches!(
        open(&tampered, &[log.verifier()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    let appended = signed.replacen(TEXT, &format!("{TEXT}extra\n"), 1);
    assert!(matches!(
        open(&appended, &[log.verifier()]),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn unknown_signer_only_is_rejected() {
    let log = signer("accord.example/log");
    let witness = signer("witness.example/w1");
    let signed = witness.sign(TEXT).unwrap();
    assert_eq!(
        open(&signed, &[log.verifier()]),
        Err(NoteError::NoKnownSignature)
    );
    assert_eq!(open(&signed, &[]), Err(NoteError::NoKnownSignature));
}

#[test]
fn unknown_signatures_are_kept_unchecked() {
    let log = signer("accord.example/log");
    let witness = signer("witness.example/w1");
    let signed = log.sign(TEXT).unwrap();
    let witness_line = witness
        .sign(TEXT)
        .unwrap()
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    // A garbage signature by an unknown key is not checked.
    let garbage_line = format!("— other.example {}\n", BASE64.encode([1u8; 20]));
    let cosigned = format!("{signed}{witness_line}{garbage_line}{witness_line}");
    let opened = open(&cosigned, &[log.verifier()]).unwrap();
    assert_eq!(
        opened.signatures.len(),
        3,
        "repeated unknown line kept once"
    );
    assert!(opened.signatures[0].verified);
    assert_eq!(opened.signatures[1].name, "witness.example/w1");
    assert!(!opened.signatures[1].verified);
    assert_eq!(opened.signatures[2].signature, vec![1u8; 16]);
    // With both keys known, both verify.
    let both = open(
        &format!("{signed}{witness_line}"),
        &[witness.verifier(), log.verifier()],
    )
    .unwrap();
    assert!(both.signatures.iter().all(|s| s.verified));
}

#[test]
fn text_with_blank_lines_round_trips() {
    let log = signer("accord.example/log");
    for text in ["a\n\nb\n", "\n", "x\n\n", "— looks like a signature x\n"] {
        let signed = log.sign(text).unwrap();
        assert_eq!(open(&signed, &[log.verifier()]).unwrap().text, text);
    }
}

#[test]
fn invalid_text_is_not_signed() {
    let log = signer("accord.example/log");
    assert!(matches!(log.sign(""), Err(NoteError::InvalidText(_))));
    assert!(matches!(
        log.sign("no newline"),
        Err(NoteError::InvalidText(_))
    ));
    assert!(matches!(
        log.sign("tab\there\n"),
        Err(NoteError::InvalidText(_))
    ));
    assert!(matches!(log.sign("cr\r\n"), Err(NoteError::InvalidText(_))));
}

#[test]
fn invalid_names_are_refused() {
    for name in ["", "a b", "a+b", "a\nb", "a\u{2003}b", "tab\t"] {
        assert!(
            matches!(
                NoteSigner::new(name, SigningKey::from_bytes(&[1; 32])),
                Err(NoteError::InvalidKeyName(_))
            ),
            "accepted {name:?}"
        );
    }
    assert!(NoteSigner::new("example.com/ok-name_1", SigningKey::from_bytes(&[1; 32])).is_ok());
}

#[test]
fn malformed_notes_are_rejected() {
    let log = signer("accord.example/log");
    let verifiers = [log.verifier()];
    let signed = log.sign(TEXT).unwrap();
    let sig_b64 = signed.rsplit_once(' ').unwrap().1.trim_end().to_owned();
    let cases = [
        ("no blank line", signed.replacen("\n\n", "\n", 1)),
        ("no final newline", signed.trim_end_matches('\n').to_owned()),
        ("empty signature block", format!("{TEXT}\n")),
        (
            "control character",
            signed.replacen("log\n3", "log\r\n3", 1),
        ),
        ("hyphen instead of em dash", signed.replacen("— ", "- ", 1)),
        ("no space after dash", signed.replacen("— ", "—", 1)),
        (
            "missing signature",
            format!("{TEXT}\n— accord.example/log\n"),
        ),
        (
            "bad base64",
            format!("{TEXT}\n— accord.example/log {}!\n", &sig_b64[..10]),
        ),
        (
            "short signature",
            format!("{TEXT}\n— accord.example/log {}\n", BASE64.encode([0u8; 4])),
        ),
        ("empty name", format!("{TEXT}\n—  {sig_b64}\n")),
        (
            "blank line among signatures",
            format!("{signed}\n{}", signed.rsplit_once("\n\n").unwrap().1),
        ),
        (
            "trailing space",
            format!("{} \n", signed.trim_end_matches('\n')),
        ),
    ];
    for (desc, note) in cases {
        assert!(
            open(&note, &verifiers).is_err(),
            "{desc}: accepted {note:?}"
        );
    }
}

#[test]
fn too_many_signatures_are_rejected() {
    let log = signer("accord.example/log");
    let signed = log.sign(TEXT).unwrap();
    let mut note = signed.clone();
    for i in 0..MAX_SIGNATURES {
        note.push_str(&format!(
            "— other{i}.example {}\n",
            BASE64.encode([7u8; 68])
        ));
    }
    assert_eq!(
        open(&note, &[log.verifier()]),
        Err(NoteError::TooManySignatures)
    );
    // 16 signatures must be accepted.
    let mut note = signed;
    for i in 0..15 {
        note.push_str(&format!(
            "— other{i}.example {}\n",
            BASE64.encode([7u8; 68])
        ));
    }
    assert_eq!(open(&note, &[log.verifier()]).unwrap().signatures.len(), 16);
}

#[test]
fn malformed_verifier_keys_are_rejected() {
    let log = NoteSigner::new("PeterNeumann", SigningKey::from_bytes(&[9; 32])).unwrap();
    let vkey = log.verifier_key();
    let (name, rest) = vkey.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let other_key = BASE64.encode([&[1u8][..], &[0u8; 32]].concat());
    let cases = [
        ("missing parts", format!("{name}+{id}")),
        ("empty name", format!("+{id}+{key}")),
        ("name with space", format!("Peter Neumann+{id}+{key}")),
        ("short id", format!("{name}+{}+{key}", &id[..7])),
        (
            "uppercase id",
            format!("{name}+{}+{key}", id.to_uppercase()),
        ),
        ("non-hex id", format!("{name}+zzzzzzzz+{key}")),
        ("wrong id", format!("{name}+{:08x}+{key}", log.key_id() ^ 1)),
        ("bad base64", format!("{name}+{id}+{key}!")),
        ("empty key", format!("{name}+{id}+")),
        (
            "wrong algorithm",
            format!(
                "{name}+{id}+{}",
                BASE64.encode([&[2u8][..], &[0u8; 32]].concat())
            ),
        ),
        (
            "short key",
            format!("{name}+{id}+{}", BASE64.encode([1u8; 32])),
        ),
        ("other key", format!("{name}+{id}+{other_key}")),
    ];
    for (desc, text) in cases {
        assert!(
            NoteVerifier::parse(&text).is_err(),
            "{desc}: accepted {text:?}"
        );
    }
    assert!(matches!(
        NoteVerifier::parse(&format!("{name}+{:08x}+{key}", log.key_id() ^ 1)),
        Err(NoteError::KeyIdMismatch { .. })
    ));
    assert_eq!(
        NoteVerifier::parse(&format!(
            "{name}+{id}+{}",
            BASE64.encode([&[4u8][..], &[0u8; 32]].concat())
        )),
        Err(NoteError::UnsupportedAlgorithm {
            found: 4,
            expected: 1
        })
    );
    // The identity point is a weak key, refused even with a matching id.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let material = [&[1u8][..], &identity].concat();
    let id = {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest([b"w\n\x01".as_slice(), &identity].concat());
        format!("{:02x}{:02x}{:02x}{:02x}", d[0], d[1], d[2], d[3])
    };
    assert!(matches!(
        NoteVerifier::parse(&format!("w+{id}+{}", BASE64.encode(material))),
        Err(NoteError::MalformedVerifierKey(_))
    ));
}
