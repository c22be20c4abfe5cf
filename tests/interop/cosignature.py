"""A second, independent implementation of C2SP tlog-cosignature (Ed25519, cosignature/v1),
written from the spec (https://c2sp.org/tlog-cosignature) with the `cryptography` package,
for the known-answer tests of crates/accord-tlog/tests/cosignature_interop.rs.

    cosignature.py sign SEED_HEX NAME TIMESTAMP < BODY   -> prints the vkey, then the line
    cosignature.py verify VKEY < NOTE                    -> prints the timestamp, or fails

Ed25519 signatures are deterministic, so both implementations must print the same bytes.
"""

import base64
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG = b"\x04"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG + public).digest()[:4]


def message(body: str, timestamp: int) -> bytes:
    return b"cosignature/v1\n" + b"time %d\n" % timestamp + body.encode()


def sign(seed_hex: str, name: str, timestamp: int, body: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = key_id(name, public)
    print(f"{name}+{kid.hex()}+{base64.b64encode(ALG + public).decode()}")
    blob = kid + struct.pack(">Q", timestamp) + key.sign(message(body, timestamp))
    print(f"\u2014 {name} {base64.b64encode(blob).decode()}")


def verify(vkey: str, note: str) -> None:
    name, kid_hex, material = vkey.split("+", 2)
    raw = base64.b64decode(material)
    assert raw[:1] == ALG and len(raw) == 33, "not an Ed25519 cosignature/v1 key"
    public = raw[1:]
    assert key_id(name, public).hex() == kid_hex, "key id does not match"
    body, _, signatures = note.rpartition("\n\n")
    body += "\n"
    for line in signatures.splitlines():
        prefix = "\u2014 " + name + " "
        if not line.startswith(prefix):
            continue
        blob = base64.b64decode(line[len(prefix):])
        if blob[:4].hex() != kid_hex:
            continue
        assert len(blob) == 4 + 8 + 64, "wrong length"
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        assert timestamp < 2**63, "timestamp too large"
        Ed25519PublicKey.from_public_bytes(public).verify(blob[12:], message(body, timestamp))
        print(timestamp)
        return
    sys.exit("no cosignature by " + name)


if __name__ == "__main__":
    data = sys.stdin.buffer.read().decode()
    if sys.argv[1] == "sign":
        sign(sys.argv[2], sys.argv[3], int(sys.argv[4]), data)
    else:
        verify(sys.argv[2], data)
