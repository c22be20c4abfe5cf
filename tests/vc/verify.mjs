// Verifies credentials Accord issued with Digital Bazaar's libraries, offline: tests/it/credentials.rs
// runs it. Input (a file named by argv[2]):
//   {"credentials": [{"name": "...", "credential": {...}}], "documents": {"url": {...}}, "now": "..."}
// where `documents` holds each status list credential by URL (nothing is fetched). Output on stdout:
//   {"name": {"verified": bool, "errors": ["..."], "status": {"suspension": bool, ...}}}
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const contexts = new Map(credentialsContexts);
contexts.set(MULTIKEY_V1, multikeyContext.CONTEXT);

// A did:key of an Ed25519 key resolves to its one Multikey verification method.
function didKey(url) {
  const [did] = url.split('#');
  const mk = did.slice('did:key:'.length);
  if(!mk.startsWith('z6Mk')) {
    throw new Error(`${url} is not an Ed25519 did:key`);
  }
  const vm = {id: `${did}#${mk}`, type: 'Multikey', controller: did, publicKeyMultibase: mk};
  if(url.includes('#')) {
    return {'@context': MULTIKEY_V1, ...vm};
  }
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [vm],
    assertionMethod: [vm.id],
    authentication: [vm.id],
  };
}

async function documentLoader(url) {
  let document;
  if(contexts.has(url)) {
    document = contexts.get(url);
  } else if(url.startsWith('did:key:')) {
    document = didKey(url);
  } else if(input.documents && url in input.documents) {
    document = input.documents[url];
  } else {
    throw new Error(`${url} is not available offline`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

// The status lists are signed by the instance (their issuer is the log's key, not the council's):
// Accord recomputes them from the log, so issuers are not required to match.
async function statusOf(credential) {
  const result = await checkStatus({
    credential, documentLoader, suite, verifyMatchingIssuers: false,
  });
  const status = {};
  for(const r of result.results || []) {
    status[r.credentialStatus.statusPurpose] = r.status;
  }
  return {result, status};
}

const out = {};
for(const {name, credential} of input.credentials) {
  const errors = [];
  let status = {};
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, now: input.now,
    checkStatus: async () => {
      const s = await statusOf(credential);
      status = s.status;
      if(!s.result.verified) {
        return s.result;
      }
      const set = Object.entries(status).filter(([, v]) => v).map(([k]) => k);
      if(set.length > 0) {
        return {verified: false, error: new Error(`status: ${set.join(', ')} set`)};
      }
      return {verified: true};
    },
  });
  const collect = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e.errors)) {
      e.errors.forEach(collect);
    } else {
      errors.push(String(e.message || e));
    }
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  if(result.statusResult && !result.statusResult.verified) {
    collect(result.statusResult.error);
  }
  out[name] = {verified: result.verified === true, errors, status};
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
