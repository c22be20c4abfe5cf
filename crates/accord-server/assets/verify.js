// Accord reader-side verification: checks, in the reader's own browser, that a log entry is
// included in a tree whose root the instance signed — without trusting the server that sent
// the page. Uses only the browser's WebCrypto (SHA-256, Ed25519); no dependencies.
//
// Formats: C2SP signed-note (verifier keys, signatures), C2SP tlog-checkpoint, C2SP
// tlog-tiles (entry bundles), RFC 6962 / RFC 9162 (leaf and node hashes, inclusion proofs).
// The same functions run under Node.js against the known-answer vectors the Rust code uses
// (tests/browser/kat.mjs).

const enc = new TextEncoder();

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(s) {
  if (s.length % 2 !== 0 || /[^0-9a-f]/i.test(s)) throw new Error(`not hex: ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function fromBase64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** RFC 6962 leaf hash: SHA-256(0x00 || entry). */
export function leafHash(entry) {
  return sha256(concat(new Uint8Array([0]), entry));
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

/**
 * RFC 9162 §2.1.3.2: the root an inclusion proof gives for `leaf` at `index` in a tree of
 * `size` leaves, or an error saying why the proof cannot be right.
 */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) throw new Error(`index ${index} is not in a tree of ${size} leaves`);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error("the proof is longer than the tree is deep");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("the proof is shorter than the tree is deep");
  return r;
}

/**
 * RFC 9162 §2.1.4.2: checks that a tree of `newSize` leaves with root `newRoot` extends the
 * tree of `oldSize` leaves with root `oldRoot`, by the consistency `proof`. Throws why not.
 */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  const m = BigInt(oldSize);
  const n = BigInt(newSize);
  if (m > n) throw new Error(`the old tree (${oldSize}) is larger than the new one (${newSize})`);
  if (m === n) {
    if (proof.length !== 0) throw new Error("equal sizes need an empty proof");
    if (!equal(oldRoot, newRoot)) throw new Error("equal sizes, different roots");
    return;
  }
  if (m === 0n) return;
  let path = proof.slice();
  if ((m & (m - 1n)) === 0n) path = [oldRoot, ...path];
  if (path.length === 0) throw new Error("the consistency proof is empty");
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new Error("the consistency proof is longer than the tree is deep");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("the consistency proof is shorter than the tree is deep");
  if (!equal(fr, oldRoot)) throw new Error("the proof does not lead to the old signed root");
  if (!equal(sr, newRoot)) throw new Error("the proof does not lead to the new signed root");
}

/** Splits `name+keyid+base64` at its first two `+` (base64 may hold `+` itself). */
function splitKey(vkey, what) {
  const k = vkey.trim();
  const a = k.indexOf("+");
  const b = a < 0 ? -1 : k.indexOf("+", a + 1);
  if (a <= 0 || b < 0) throw new Error(what);
  return [k.slice(0, a), k.slice(a + 1, b), k.slice(b + 1)];
}

/** A C2SP signed-note verifier key `name+keyid+base64(0x01 || key)`, checked. */
export async function parseVerifierKey(vkey) {
  const [name, id, material] = splitKey(vkey, "a verifier key is name+keyid+key");
  const raw = fromBase64(material);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("the verifier key is not an Ed25519 key");
  const keyId = await noteKeyId(name, raw.slice(1));
  if (hex(keyId) !== id.toLowerCase()) throw new Error("the verifier key's id does not match its key");
  return { name, keyId, publicKey: raw.slice(1) };
}

/** The 4-byte key id: SHA-256(name || "\n" || 0x01 || key)[0..4]. */
export async function noteKeyId(name, publicKey) {
  const d = await sha256(concat(enc.encode(name + "\n"), new Uint8Array([1]), publicKey));
  return d.slice(0, 4);
}

/**
 * Opens a signed note with one verifier: returns its text if a signature line by that key
 * verifies, and throws otherwise (no such signature, or one that does not verify).
 */
export async function openNote(signed, verifier) {
  const split = signed.lastIndexOf("\n\n");
  if (split < 0) throw new Error("a signed note has its text, a blank line, then signatures");
  const text = signed.slice(0, split + 1);
  const lines = signed.slice(split + 2).split("\n").filter((l) => l.length > 0);
  const key = await crypto.subtle.importKey("raw", verifier.publicKey, { name: "Ed25519" }, false, ["verify"]);
  let found = false;
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`malformed signature line: ${line}`);
    if (m[1] !== verifier.name) continue;
    const sig = fromBase64(m[2]);
    if (sig.length !== 68 || !equal(sig.slice(0, 4), verifier.keyId)) continue;
    found = true;
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), enc.encode(text));
    if (!ok) throw new Error(`the signature by ${verifier.name} does not verify`);
  }
  if (!found) throw new Error(`the note carries no signature by ${verifier.name}`);
  return text;
}

/**
 * A witness's verifier key `name+keyid+base64(0x04 || key)` (C2SP tlog-cosignature,
 * Ed25519 `cosignature/v1`), checked: its id is SHA-256(name || "\n" || 0x04 || key)[0..4].
 */
export async function parseWitnessKey(vkey) {
  const [name, id, material] = splitKey(vkey, "a witness key is name+keyid+key");
  const raw = fromBase64(material);
  if (raw.length !== 33 || raw[0] !== 4) throw new Error(`${name}: not an Ed25519 cosignature/v1 witness key`);
  const d = await sha256(concat(enc.encode(name + "\n"), new Uint8Array([4]), raw.slice(1)));
  if (hex(d.slice(0, 4)) !== id.toLowerCase()) throw new Error(`${name}: the witness key's id does not match its key`);
  return { name, keyId: d.slice(0, 4), publicKey: raw.slice(1) };
}

/**
 * The time (POSIX seconds) of `witness`'s cosignature on the signed checkpoint `signed`, or
 * null if it carries none; throws if it carries one that does not verify. The signed message
 * is "cosignature/v1\ntime <t>\n" followed by the checkpoint body.
 */
export async function cosignedAt(signed, witness) {
  const split = signed.lastIndexOf("\n\n");
  if (split < 0) throw new Error("a signed note has its text, a blank line, then signatures");
  const text = signed.slice(0, split + 1);
  const key = await crypto.subtle.importKey("raw", witness.publicKey, { name: "Ed25519" }, false, ["verify"]);
  for (const line of signed.slice(split + 2).split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== witness.name) continue;
    const blob = fromBase64(m[2]);
    if (blob.length !== 76 || !equal(blob.slice(0, 4), witness.keyId)) continue;
    let time = 0n;
    for (const b of blob.slice(4, 12)) time = (time << 8n) | BigInt(b);
    if (time >= 1n << 63n) throw new Error(`${witness.name}: the cosignature's time is out of range`);
    const message = concat(enc.encode(`cosignature/v1\ntime ${time}\n`), enc.encode(text));
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, blob.slice(12), message);
    if (!ok) throw new Error(`the cosignature by ${witness.name} does not verify`);
    return Number(time);
  }
  return null;
}

/**
 * Holds a signed checkpoint to a reader's witness policy: at least `quorum` of `witnessKeys`
 * must have cosigned it. Returns who did; throws naming who did not.
 */
export async function checkWitnessPolicy(signed, witnessKeys, quorum) {
  const cosigned = [];
  const missing = [];
  for (const vkey of witnessKeys) {
    const witness = await parseWitnessKey(vkey);
    ((await cosignedAt(signed, witness)) === null ? missing : cosigned).push(witness.name);
  }
  if (cosigned.length < quorum) {
    throw new Error(
      `the checkpoint is cosigned by ${cosigned.length} of the ${quorum} witnesses required (${cosigned.join(", ") || "none"}); missing: ${missing.join(", ")}`,
    );
  }
  return cosigned;
}

/** A C2SP tlog-checkpoint body: origin, size, root hash (and any extension lines). */
export function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || !/^\d+$/.test(lines[1])) throw new Error("not a checkpoint");
  const root = fromBase64(lines[2]);
  if (root.length !== 32) throw new Error("the checkpoint's root is not a SHA-256 hash");
  return { origin: lines[0], size: BigInt(lines[1]), root };
}

/** The C2SP tlog-tiles path of tile index `n` (groups of three digits, `x` before all but the last). */
export function tileIndexPath(n) {
  let rest = BigInt(n);
  const groups = [String(rest % 1000n).padStart(3, "0")];
  rest /= 1000n;
  while (rest > 0n) {
    groups.push("x" + String(rest % 1000n).padStart(3, "0"));
    rest /= 1000n;
  }
  return groups.reverse().join("/");
}

/** The entry bundle path holding entry `index` in a tree of `size` leaves. */
export function bundlePath(index, size) {
  const i = BigInt(index);
  const n = i / 256n;
  const width = BigInt(size) - n * 256n;
  const path = `tile/entries/${tileIndexPath(n)}`;
  return width >= 256n ? path : `${path}.p/${width}`;
}

/** The entries of a tlog-tiles entry bundle (each a 16-bit big-endian length, then bytes). */
export function splitBundle(bundle) {
  const out = [];
  let at = 0;
  while (at < bundle.length) {
    if (at + 2 > bundle.length) throw new Error("truncated entry bundle");
    const n = (bundle[at] << 8) | bundle[at + 1];
    if (at + 2 + n > bundle.length) throw new Error("truncated entry bundle");
    out.push(bundle.slice(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return out;
}

/**
 * Verifies that entry `index` is in the log, against `vkey` (the instance's published
 * verifier key): fetches the signed checkpoint, the entry's bytes from its entry bundle and
 * an inclusion proof from `base` (the instance's URL), and checks each step. Returns what was
 * verified; throws with the step that failed.
 */
export async function verifyEntry(base, vkey, index, fetchImpl = fetch, policy = null) {
  const get = async (path, as) => {
    const r = await fetchImpl(`${base}/${path}`);
    if (!r.ok) throw new Error(`GET /${path}: HTTP ${r.status}`);
    return as === "text" ? r.text() : new Uint8Array(await r.arrayBuffer());
  };
  const verifier = await parseVerifierKey(vkey);
  const note = await get("checkpoint", "text");
  const checkpoint = parseCheckpoint(await openNote(note, verifier));
  const cosigned =
    policy && policy.witnesses.length > 0 ? await checkWitnessPolicy(note, policy.witnesses, policy.quorum) : [];
  if (BigInt(index) >= checkpoint.size) throw new Error(`entry ${index} is beyond the signed tree of ${checkpoint.size}`);
  const bundle = splitBundle(await get(bundlePath(index, checkpoint.size)));
  const entry = bundle[Number(BigInt(index) % 256n)];
  if (!entry) throw new Error(`the entry bundle does not hold entry ${index}`);
  const leaf = await leafHash(entry);
  const proofJson = JSON.parse(
    new TextDecoder().decode(await get(`proof/inclusion?index=${index}&tree_size=${checkpoint.size}`)),
  );
  const proof = proofJson.proof.map(fromBase64);
  const root = await rootFromInclusionProof(index, checkpoint.size, leaf, proof);
  if (!equal(root, checkpoint.root)) throw new Error("the inclusion proof does not lead to the signed root");
  return {
    index: Number(index),
    treeSize: Number(checkpoint.size),
    origin: checkpoint.origin,
    signer: `${verifier.name}+${hex(verifier.keyId)}`,
    leafHash: hex(leaf),
    root: hex(root),
    entry: JSON.parse(new TextDecoder().decode(entry)),
    cosigned,
  };
}

/**
 * Verifies that the checkpoint of `newSize` extends the one of `oldSize`: both signed by the
 * key, and the consistency proof between their roots.
 */
export async function verifyCheckpoints(base, vkey, oldSize, newSize, fetchImpl = fetch) {
  const verifier = await parseVerifierKey(vkey);
  const note = async (size) => {
    const r = await fetchImpl(`${base}/checkpoints?after=${BigInt(size) - 1n}&limit=1`);
    if (!r.ok) throw new Error(`GET /checkpoints: HTTP ${r.status}`);
    const [c] = await r.json();
    if (!c || String(c.tree_size) !== String(size)) throw new Error(`no checkpoint of size ${size}`);
    return parseCheckpoint(await openNote(c.note, verifier));
  };
  const older = await note(oldSize);
  const newer = await note(newSize);
  const r = await fetchImpl(`${base}/proof/consistency?old=${oldSize}&new=${newSize}`);
  if (!r.ok) throw new Error(`GET /proof/consistency: HTTP ${r.status}`);
  const proof = (await r.json()).proof.map(fromBase64);
  await verifyConsistency(older.size, newer.size, older.root, newer.root, proof);
  return { oldSize: Number(older.size), newSize: Number(newer.size), oldRoot: hex(older.root), newRoot: hex(newer.root), signer: `${verifier.name}+${hex(verifier.keyId)}` };
}

/** Wires a page: `<form data-verify>` with a verifier key field and an `<output>`. */
export function wire(doc = document) {
  for (const form of doc.querySelectorAll("form[data-consistency]")) {
    const out = form.querySelector("output");
    const run = async (event) => {
      if (event) event.preventDefault();
      out.className = "pending";
      out.textContent = "Verifying in your browser…";
      try {
        const r = await verifyCheckpoints(location.origin, form.elements.vkey.value, form.elements.old.value, form.dataset.latest);
        out.className = "verified";
        out.textContent = `Verified: the signed tree of ${r.newSize} entries (root ${r.newRoot.slice(0, 16)}…) extends the signed tree of ${r.oldSize} (root ${r.oldRoot.slice(0, 16)}…); both signed by ${r.signer}. Nothing logged before was changed or removed.`;
      } catch (e) {
        out.className = "failed";
        out.textContent = `Verification FAILED: ${e.message}`;
      }
    };
    form.addEventListener("submit", run);
    run();
  }
  for (const form of doc.querySelectorAll("form[data-verify]")) {
    const out = form.querySelector("output");
    const run = async (event) => {
      if (event) event.preventDefault();
      out.className = "pending";
      out.textContent = "Verifying in your browser…";
      try {
        const witnesses = form.elements.witnesses
          ? form.elements.witnesses.value.split("\n").map((l) => l.trim()).filter((l) => l.length > 0)
          : [];
        const quorum = form.elements.quorum ? Number(form.elements.quorum.value || witnesses.length) : 0;
        const r = await verifyEntry(location.origin, form.elements.vkey.value, form.dataset.index, fetch, {
          witnesses,
          quorum,
        });
        out.className = "verified";
        const by = r.cosigned.length > 0 ? ` It is cosigned by the witnesses ${r.cosigned.join(", ")} (${quorum} required).` : "";
        out.textContent = `Verified: entry ${r.index} (leaf ${r.leafHash.slice(0, 16)}…) is in the tree of ${r.treeSize} entries whose root ${r.root.slice(0, 16)}… is signed by ${r.signer}.${by}`;
      } catch (e) {
        out.className = "failed";
        out.textContent = `Verification FAILED: ${e.message}`;
      }
    };
    form.addEventListener("submit", run);
    run();
  }
}

if (typeof document !== "undefined") wire();
