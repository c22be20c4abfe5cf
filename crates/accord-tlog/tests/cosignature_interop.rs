//! Known answers for C2SP tlog-cosignature (Ed25519, `cosignature/v1`), checked against a
//! second, independent implementation written from the spec in Python
//! (`tests/interop/cosignature.py`, with the `cryptography` package from the test tools'
//! virtualenv): both must produce the same vkey and the same bytes (Ed25519 is
//! deterministic), and each must verify the other's. The test fails — it never skips — when
//! the virtualenv is missing.

#[path = "../../../tests/support/python.rs"]
mod python;

use std::io::Write as _;
use std::process::{Command, Stdio};

use accord_tlog::cosignature::{CosignatureVerifier, Cosigner};
use accord_tlog::note::{open, NoteSigner};
use ed25519_dalek::SigningKey;

/// The checkpoint body of the spec's examples, its time, and a fixed witness key.
const BODY: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const TIME: u64 = 1_679_315_147;
const SEED: [u8; 32] = [7; 32];
const NAME: &str = "witness.example.com/w1";
/// What both implementations give for these inputs (the timestamp bytes, `AAAAAGQYUMs` after
/// the key id, are those of the spec's own example line).
const VKEY: &str = "witness.example.com/w1+8122a5ab+BOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs";
const LINE: &str = "— witness.example.com/w1 gSKlqwAAAABkGFDLWr4Jea05CAgwNVtwky0Jgz6WfX0QJgM//FkB/W9BoT9TX0DkTxG+2cT4p/ViKNhUM/SnUwFcYQzugGFQ15LwDw==\n";

fn script(args: &[&str], input: &str) -> String {
    let interpreter = python::interpreter();
    let mut child = Command::new(&interpreter)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/interop/cosignature.py"
        ))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): {}",
                interpreter.display(),
                python::INSTALL
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "cosignature.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn both_implementations_give_the_known_answer() {
    let witness = Cosigner::new(NAME, SigningKey::from_bytes(&SEED)).unwrap();
    assert_eq!(witness.verifier_key(), VKEY);
    assert_eq!(witness.cosign(BODY, TIME).unwrap(), LINE);
    let theirs = script(&["sign", &hex::encode(SEED), NAME, &TIME.to_string()], BODY);
    assert_eq!(theirs, format!("{VKEY}\n{LINE}"));
}

#[test]
fn each_verifies_the_other_s_cosignatures_and_refuses_a_changed_one() {
    let log = NoteSigner::new(
        "example.com/behind-the-sofa",
        SigningKey::from_bytes(&[9; 32]),
    )
    .unwrap();
    for (seed, time) in [([7u8; 32], TIME), ([42; 32], 0), ([200; 32], (1 << 63) - 1)] {
        let witness = Cosigner::new(NAME, SigningKey::from_bytes(&seed)).unwrap();
        // Theirs, checked by ours.
        let out = script(&["sign", &hex::encode(seed), NAME, &time.to_string()], BODY);
        let (vkey, line) = out.split_once('\n').unwrap();
        let verifier = CosignatureVerifier::parse(vkey).unwrap();
        let note = format!("{}{line}", log.sign(BODY).unwrap());
        let opened = open(&note, &[log.verifier()]).unwrap();
        assert_eq!(verifier.timestamp_on(&opened), Ok(Some(time)));
        // Ours, checked by theirs.
        let ours = format!(
            "{}{}",
            log.sign(BODY).unwrap(),
            witness.cosign(BODY, time).unwrap()
        );
        assert_eq!(script(&["verify", vkey], &ours).trim(), time.to_string());
        // One bit changed in the body: neither accepts it.
        let changed = BODY.replace("20852163", "20852164");
        let forged = format!("{}{}", log.sign(&changed).unwrap(), line);
        let opened = open(&forged, &[log.verifier()]).unwrap();
        assert!(verifier.timestamp_on(&opened).is_err());
        let interpreter = python::interpreter();
        let mut child = Command::new(&interpreter)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/interop/cosignature.py"
            ))
            .args(["verify", vkey])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(forged.as_bytes())
            .unwrap();
        assert!(
            !child.wait().unwrap().success(),
            "the Python check took a forged cosignature"
        );
    }
}
