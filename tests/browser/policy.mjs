// The browser verifier's witness policy against a live instance, under Node.js's fetch and
// WebCrypto: verifies entry INDEX of the instance at BASE with the log key VKEY, holding the
// served checkpoint to QUORUM of the witness keys that follow. Prints a JSON report:
// {"ok": true, "cosigned": [...]} or {"ok": false, "error": "..."}.
//
//   node tests/browser/policy.mjs BASE VKEY INDEX QUORUM WITNESS_KEY...
import * as v from "../../crates/accord-server/assets/verify.js";

const [base, vkey, index, quorum, ...witnesses] = process.argv.slice(2);
try {
  const r = await v.verifyEntry(base, vkey, index, fetch, { witnesses, quorum: Number(quorum) });
  console.log(JSON.stringify({ ok: true, cosigned: r.cosigned, treeSize: r.treeSize }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: e.message }));
}
