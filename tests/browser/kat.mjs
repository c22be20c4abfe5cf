// Known-answer test of the browser verifier (crates/accord-server/assets/verify.js) under
// Node.js's WebCrypto, against the vectors the Rust code is tested with
// (crates/accord-tlog/tests/vectors.json). Prints a JSON summary; throws on any mismatch.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as v from "../../crates/accord-server/assets/verify.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const vectors = JSON.parse(readFileSync(`${here}../../crates/accord-tlog/tests/vectors.json`, "utf8"));
const fail = (what) => {
  throw new Error(what);
};

// Leaf hashes and roots: rebuild the reference tree with the verifier's own hashing.
const leaves = await Promise.all(vectors.leaves_hex.map((h) => v.leafHash(v.fromHex(h))));
async function root(hashes) {
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return v.nodeHash(await root(hashes.slice(0, k)), await root(hashes.slice(k)));
}
for (let n = 1; n <= 8; n++) {
  const r = v.hex(await root(leaves.slice(0, n)));
  if (r !== vectors.roots_hex[n - 1]) fail(`root of size ${n}: ${r}`);
}
if (v.hex(await v.sha256(new Uint8Array())) !== vectors.empty_root_hex) fail("empty root");

// Inclusion proofs verify, and every one-byte corruption of a proof hash fails.
let corrupted = 0;
for (const { index, size, proof } of vectors.inclusion) {
  const hashes = proof.map(v.fromHex);
  const want = vectors.roots_hex[size - 1];
  const got = v.hex(await v.rootFromInclusionProof(index, size, leaves[index], hashes));
  if (got !== want) fail(`inclusion of ${index} in ${size}: ${got}`);
  for (let i = 0; i < hashes.length; i++) {
    const bad = hashes.map((h) => h.slice());
    bad[i][0] ^= 1;
    const r = v.hex(await v.rootFromInclusionProof(index, size, leaves[index], bad));
    if (r === want) fail(`a corrupted proof of ${index} in ${size} verified`);
    corrupted++;
  }
  // A proof for the wrong index, or with a hash left out or added, fails.
  if (size > 1) {
    const other = (index + 1) % size;
    const r = await v.rootFromInclusionProof(other, size, leaves[other], hashes).then(v.hex, () => null);
    if (r === want && proof.length > 0) fail(`the proof of ${index} verified for ${other}`);
  }
  if (hashes.length > 0) {
    const short = await v.rootFromInclusionProof(index, size, leaves[index], hashes.slice(1)).then(v.hex, () => null);
    if (short === want) fail("a short proof verified");
  }
}

// Consistency proofs verify, and corrupted or mismatched ones fail.
let consistencyChecked = 0;
for (const { old, new: size, proof } of vectors.consistency) {
  const hashes = proof.map(v.fromHex);
  const oldRoot = v.fromHex(vectors.roots_hex[old - 1]);
  const newRoot = v.fromHex(vectors.roots_hex[size - 1]);
  await v.verifyConsistency(old, size, oldRoot, newRoot, hashes);
  consistencyChecked++;
  for (let i = 0; i < hashes.length; i++) {
    const bad = hashes.map((h) => h.slice());
    bad[i][0] ^= 1;
    const refused = await v.verifyConsistency(old, size, oldRoot, newRoot, bad).then(() => false, () => true);
    if (!refused) fail(`a corrupted consistency proof ${old}→${size} verified`);
  }
  if (old !== size) {
    const wrongOld = v.fromHex(vectors.roots_hex[(old % 8)]);
    const refused = await v.verifyConsistency(old, size, wrongOld, newRoot, hashes).then(() => false, () => true);
    if (!refused && old % 8 !== old - 1) fail(`a consistency proof ${old}→${size} verified against another old root`);
  }
}

// Signed notes: published keys and signatures.
const peter = await v.parseVerifierKey(vectors.note.peter_vkey);
const enoch = await v.parseVerifierKey(vectors.note.enoch_vkey);
if (v.hex(peter.keyId) !== "c74f20a3" || v.hex(enoch.keyId) !== "af0cfe78") fail("key ids");
const signed = `${vectors.note.text}\n${vectors.note.peter_sig}${vectors.note.enoch_sig}`;
if ((await v.openNote(signed, peter)) !== vectors.note.text) fail("open with Peter");
if ((await v.openNote(signed, enoch)) !== vectors.note.text) fail("open with Enoch");
const tampered = signed.replace("cryptography", "cryptographY");
const refused = await v.openNote(tampered, peter).then(() => false, () => true);
if (!refused) fail("a tampered note verified");
const wrongKey = await v
  .parseVerifierKey(vectors.note.peter_vkey.replace("c74f20a3", "c74f20a4"))
  .then(() => false, () => true);
if (!wrongKey) fail("a verifier key with the wrong id was accepted");

// Cosignatures (C2SP tlog-cosignature, cosignature/v1): the known answer of
// crates/accord-tlog/tests/cosignature_interop.rs, which Accord and an independent Python
// implementation both produce, on the spec's example checkpoint and time.
const body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const wvkey = "witness.example.com/w1+8122a5ab+BOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs";
const wline =
  "\u2014 witness.example.com/w1 gSKlqwAAAABkGFDLWr4Jea05CAgwNVtwky0Jgz6WfX0QJgM//FkB/W9BoT9TX0DkTxG+2cT4p/ViKNhUM/SnUwFcYQzugGFQ15LwDw==\n";
const logLine = "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
const cosignedNote = `${body}\n${logLine}${wline}`;
const witness = await v.parseWitnessKey(wvkey);
if ((await v.cosignedAt(cosignedNote, witness)) !== 1679315147) fail("cosignature time");
const changed = cosignedNote.replace("20852163", "20852164");
if (!(await v.cosignedAt(changed, witness).then(() => false, () => true))) fail("a cosignature on another body verified");
if ((await v.cosignedAt(`${body}\n${logLine}`, witness)) !== null) fail("a missing cosignature was found");
const policyOk = await v.checkWitnessPolicy(cosignedNote, [wvkey], 1);
if (policyOk.join() !== "witness.example.com/w1") fail("policy of one");
const logKeyAsWitness = await v.parseWitnessKey(vectors.note.peter_vkey).then(() => false, () => true);
if (!logKeyAsWitness) fail("a log key was taken for a witness key");

// A key whose base64 holds '+' (as many do) parses, and its cosignature verifies (made by
// tests/interop/cosignature.py with the seed 0x08 × 32).
const plusKey = await v.parseWitnessKey("witness.example/plus+e8ad0eb9+BBOY9ixtGkV8UbpqS189vS9p/KkyFiGNyJl+QWvRfZPK");
const plusLine =
  "\u2014 witness.example/plus 6K0OuQAAAABkGFDL3zfNz0s4H1tr7Roq5F6IqfkQ0k3PY4CJLE5G4rmDqn7FHt52UoeOd5YRq5ihPFwQPId93UDmDJlfrte+Eg4yCw==\n";
if ((await v.cosignedAt(`${body}\n${logLine}${plusLine}`, plusKey)) !== 1679315147) fail("a key with '+' in its base64");

// Tile paths and bundles.
if (v.tileIndexPath(1234067n) !== "x001/x234/067") fail("tile path");
if (v.bundlePath(300, 700) !== "tile/entries/001") fail("full bundle path");
if (v.bundlePath(600, 700) !== "tile/entries/002.p/188") fail("partial bundle path");
const bundle = new Uint8Array([0, 2, 7, 8, 0, 0, 0, 1, 9]);
const parts = v.splitBundle(bundle);
if (parts.length !== 3 || parts[0][1] !== 8 || parts[1].length !== 0 || parts[2][0] !== 9) fail("bundle split");

console.log(JSON.stringify({ roots: 8, inclusion: vectors.inclusion.length, corrupted, consistency: consistencyChecked, notes: 2, cosignatures: 5 }));
