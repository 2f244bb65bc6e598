// ALC browser wallet: the prover in WebAssembly behind a small API.
//
//   import { openAuthority, fetchChallenge, loadProvingKey, prove, verify } from './alc.js';
//   const authority = await openAuthority('https://authority.example', pinnedDigest);
//   const keys = authority.keys.find((k) => k.circuit === 'alc-presentation-v2');
//   await loadProvingKey('keys/proving_key.fast', keys.proving_key_fast, { verifyingKey: keys.verifying_key });
//   const { challenge } = await fetchChallenge(authority, authority.gateways[0].url);
//   const { presentation, manifest } = await prove(credential, secret, statusList, challenge);
//   await verify(presentation);                       // true
//
// The key digests come from the authority's signed key descriptor and the gateways from
// its signed gateway list, both checked against the authority's pinned keys: neither the
// host serving the files nor a gateway chooses the key or the scope proved for.
// Proving takes about a second and blocks the thread it runs on: in a page, run it in
// a Web Worker (`new ProverWorker()` below does that with `worker.js`). The holder
// secret is only ever handed to the WebAssembly module; nothing here sends it anywhere.

import init, * as wasm from './alc_wasm.js';

export { wasm };

/** Name of the Cache API cache holding verified proving keys. */
export const KEY_CACHE = 'alc-proving-keys-v1';

let ready = null;
let currentKey = null;
const lists = new Map();

/**
 * Instantiates the WebAssembly module once (later calls share the same promise).
 * `source` is anything wasm-bindgen's init accepts (a URL, a Response, bytes, a
 * `WebAssembly.Module`); by default `alc_wasm_bg.wasm` next to this file.
 */
export function initWasm(source) {
  if (!ready) {
    ready = init(source === undefined ? undefined : { module_or_path: source }).catch((e) => {
      ready = null;
      throw e;
    });
  }
  return ready;
}

function alcError(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

function text(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of a string (UTF-8) or bytes, as lowercase hex. */
export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

function cacheKey(digest) {
  // Keyed by the digest alone: a new key (another digest) never hits an old entry.
  return new Request(`https://alc.invalid/proving-key/${digest}`);
}

async function openCache() {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(KEY_CACHE);
  } catch {
    return null; // an insecure context or storage disabled: no cache, still works
  }
}

// Feeds a response body to the WebAssembly loader chunk by chunk: each chunk is hashed
// as it arrives, so the digest check overlaps the reading.
async function feed(resp, loader, stage, onProgress) {
  const total = Number(resp.headers.get('content-length')) || 0;
  if (!resp.body) {
    loader.push(new Uint8Array(await resp.arrayBuffer()));
    return;
  }
  const reader = resp.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    loader.push(value);
    onProgress?.({ stage, loaded: loader.length, total });
  }
}

/**
 * Loads the proving key (the fast-load form, `proving_key.fast`) and makes it the key
 * `prove` uses. `digest` is its pinned SHA-256 (`proving_key_fast` in `digests.json`):
 * the WebAssembly side hashes the bytes as they arrive and compares before it parses a
 * byte of the key. After the first download the verified bytes are kept in the Cache
 * API (`KEY_CACHE`), keyed by the digest; later loads read them from there, checked the
 * same way (an entry that no longer matches is dropped and the key fetched again).
 *
 * With `verifyingKey` (the descriptor's `verifying_key` digest), the key's own verifying
 * key must have that digest.
 *
 * Resolves to `{ key, source: 'cache' | 'network', bytes, fetchMs, loadMs, totalMs }`.
 */
export async function loadProvingKey(url, digest, { onProgress, verifyingKey } = {}) {
  await initWasm();
  const d = String(digest).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(d)) throw alcError('AlcKeyError', 'the pinned proving key digest must be 32 bytes of hex');
  const t0 = performance.now();
  const cache = await openCache();
  let source = 'cache';
  let resp = cache ? await cache.match(cacheKey(d)) : undefined;
  let forCache = null;
  if (!resp) {
    source = 'network';
    resp = await fetch(url);
    if (!resp.ok) throw alcError('AlcKeyError', `cannot fetch the proving key from ${url}: HTTP ${resp.status}`);
    if (cache) forCache = resp.clone();
  }
  const loader = new wasm.ProvingKeyLoader(Number(resp.headers.get('content-length')) || 0);
  try {
    await feed(resp, loader, source === 'cache' ? 'read' : 'download', onProgress);
  } catch (e) {
    loader.free();
    throw e;
  }
  const bytes = loader.length;
  const t1 = performance.now();
  onProgress?.({ stage: 'check', loaded: bytes, total: bytes });
  let key;
  try {
    key = loader.finish(d);
  } catch (e) {
    if (source !== 'cache') throw e;
    // A damaged cache entry: forget it and fetch the key again.
    await cache.delete(cacheKey(d));
    return loadProvingKey(url, d, { onProgress, verifyingKey });
  }
  if (verifyingKey !== undefined) {
    // The verifying key inside must be the one the authority names: its proofs are the
    // ones gateways accept.
    const vk = key.verifyingKey();
    const found = vk.digest();
    vk.free();
    if (found !== String(verifyingKey).trim().toLowerCase()) {
      key.free();
      throw alcError('AlcKeyError', 'the proving key\'s verifying key is not the one the authority names');
    }
  }
  const t2 = performance.now();
  if (forCache) {
    try {
      await cache.put(cacheKey(d), forCache);
    } catch {
      // Out of quota: the key still works, it is just not kept.
    }
  }
  currentKey?.free?.();
  currentKey = key;
  return { key, source, bytes, fetchMs: t1 - t0, loadMs: t2 - t1, totalMs: t2 - t0 };
}

async function getText(url, name, what) {
  const resp = await fetch(url, { cache: 'no-store' });
  const text = await resp.text();
  if (!resp.ok) {
    let reason = '';
    try { reason = JSON.parse(text)?.message ?? ''; } catch { /* not JSON */ }
    throw alcError(name, `${what}: HTTP ${resp.status}${reason ? `: ${reason}` : ''}`);
  }
  return text;
}

/**
 * Opens the authority at `url`, whose keys must have the digest `pinned` (as
 * `alc authority info` prints it): fetches its description, its signed gateway list and
 * its signed key descriptor, and checks all three in WebAssembly. Resolves to
 * `{ url, name, gateways: [{ id, key, url }], keys: [digests], info, list, pinned }`
 * (`info` and `list` as text, for `fetchChallenge`).
 */
export async function openAuthority(url, pinned) {
  await initWasm();
  const base = String(url).replace(/\/+$/, '');
  const [info, list, keys] = await Promise.all([
    getText(`${base}/v1/authority`, 'AlcAuthorityError', 'the authority'),
    getText(`${base}/v1/gateways`, 'AlcAuthorityError', 'the authority\'s gateway list'),
    getText(`${base}/v1/keys`, 'AlcAuthorityError', 'the authority\'s key descriptor'),
  ]);
  const opened = JSON.parse(wasm.openAuthority(info, pinned, list, keys));
  return { url: base, pinned, info, list, ...opened };
}

/**
 * Fetches the challenge of the gateway at `gatewayUrl` (a URL from `authority.gateways`)
 * and checks it before anything is proved: its scope is registered at that URL's origin
 * and it is signed with that gateway's registered key (a relayed or harvesting challenge
 * is refused). Resolves to `{ challenge, gateway }`.
 */
export async function fetchChallenge(authority, gatewayUrl) {
  await initWasm();
  const base = String(gatewayUrl).replace(/\/+$/, '');
  const text = await getText(`${base}/v1/lease/challenge`, 'AlcGatewayError', 'the gateway\'s challenge');
  const gateway = JSON.parse(wasm.checkChallenge(text, authority.info, authority.pinned, authority.list, base));
  return { challenge: JSON.parse(text), gateway };
}

/** Forgets every cached proving key. */
export async function clearKeyCache() {
  if (typeof caches !== 'undefined') await caches.delete(KEY_CACHE);
}

/**
 * A decoded status list: `statusList` may be the authority's published list
 * (`GET /v1/status/list`: `{ epoch, root, encoded_list, status }`), an `alc-status-list`
 * file, or its JSON text. The root is recomputed from the bitstring and must equal the
 * one announced. Decoded lists are kept by root, so a second proof against the same
 * list does not rebuild its tree.
 */
export async function decodeStatusList(statusList) {
  await initWasm();
  const v = typeof statusList === 'string' ? JSON.parse(statusList) : statusList;
  if (v instanceof wasm.StatusList) return v;
  if (!v || typeof v.encoded_list !== 'string') {
    throw alcError('AlcStatusError', 'a status list needs an encoded_list (the authority\'s GET /v1/status/list)');
  }
  if (v.root && lists.has(v.root)) return lists.get(v.root);
  const list = v.type === 'alc-status-list' ? wasm.StatusList.fromFile(text(v)) : wasm.StatusList.decode(v.encoded_list);
  const root = list.root();
  if (v.root !== undefined && String(v.root) !== root) {
    list.free();
    throw alcError('AlcStatusError', 'the status list\'s root does not match its bitstring');
  }
  if (lists.size >= 4) {
    const [oldest] = lists.keys();
    lists.get(oldest).free();
    lists.delete(oldest);
  }
  lists.set(root, list);
  return list;
}

/** The holder's own status path for `serial` (computed locally, nothing is sent). */
export async function statusPath(statusList, serial) {
  return JSON.parse((await decodeStatusList(statusList)).path(serial));
}

/** A new holder secret file (object). Keep it secret; give the authority its `commitment`. */
export async function generateHolder() {
  await initWasm();
  return JSON.parse(wasm.generateHolder());
}

/** Checks a credential file (its signature under its issuer key) and returns it as an object. */
export async function parseCredential(credential) {
  await initWasm();
  return JSON.parse(wasm.parseCredential(text(credential)));
}

/**
 * The request a gateway's challenge asks for. `challenge` is the body of
 * `GET /v1/lease/challenge` (`{ challenge, now, scope, policy, roots, ... }`) or already a
 * request (`{ min_tier, min_permit_tier, now, scope, challenge, manifest }`). The
 * challenge is read by the protocol's own types in the WebAssembly module (the same
 * conversion as the native wallet's), so a malformed one is refused, never guessed at.
 */
export async function requestFor(challenge, manifest, route = 'autonomous') {
  if (challenge && challenge.min_tier !== undefined) return { ...challenge, manifest: challenge.manifest ?? manifest };
  await initWasm();
  return JSON.parse(wasm.requestFromChallenge(text(challenge), manifest, route));
}

/**
 * Proves, in zero knowledge, that `credential` (the authority's credential file) held
 * with `secret` (the holder secret file) is valid, unrevoked in `statusList` and meets
 * the tiers `challenge` asks for. Options:
 *   - `manifest`: SHA-256 (hex) of the agent manifest, or `manifestText` to hash;
 *   - `route`: which policy of the challenge to meet, `'autonomous'` (default) or `'sandbox'`;
 *   - `key`: a proving key (default: the last one `loadProvingKey` loaded);
 *   - `onProgress(stage, ms)`: called as `'prepare'`, `'witness'`, `'groth16'` start;
 *   - `agent`: the agent the lease is for: the answer then has the `leaseRequest` to
 *     post to `POST /v1/lease` (built by the protocol's own type);
 *   - `escrowKey`: the trustees' escrow key file (`escrow-key.json` beside a circuit-v2
 *     proving key, text or object): proves circuit v2, bound to a fresh agent key, which
 *     the answer carries as `agentKey: { seed, public }` (keep it: calls are signed with it).
 * Resolves to `{ presentation, request, manifest, ms, leaseRequest, agentKey }`; rejects with an Error whose
 * name says what was wrong (`AlcUnsatisfiedError` for a revoked, expired or too-low
 * credential, `AlcStatusError` for a list the gateway does not accept, ...).
 */
export async function prove(credential, secret, statusList, challenge, options = {}) {
  await initWasm();
  const key = options.key ?? currentKey;
  if (!key) throw alcError('AlcKeyError', 'no proving key: call loadProvingKey(url, digest) first');
  const manifest = options.manifest ?? (await sha256Hex(options.manifestText ?? ''));
  const request = await requestFor(challenge, manifest, options.route);
  const list = await decodeStatusList(statusList);
  if (Array.isArray(challenge?.roots) && !challenge.roots.some((r) => String(r.root) === list.root())) {
    throw alcError('AlcStatusError', 'this gateway does not accept the status list\'s root (the list changed): fetch the list and the challenge again');
  }
  const t0 = performance.now();
  const onStage = (stage) => options.onProgress?.(stage, performance.now() - t0);
  const agentKey = options.escrowKey === undefined ? undefined : JSON.parse(wasm.agentKey());
  const out = agentKey
    ? wasm.proveV2(key, text(options.escrowKey), text(credential), text(secret), list, JSON.stringify(request), agentKey.public, onStage)
    : wasm.prove(key, text(credential), text(secret), list, JSON.stringify(request), onStage);
  const ms = performance.now() - t0;
  const leaseRequest = options.agent === undefined
    ? undefined
    : JSON.parse(wasm.leaseRequest(out, String(options.agent), manifest, agentKey?.public));
  return { presentation: JSON.parse(out), request, manifest, ms, leaseRequest, agentKey };
}

/**
 * The RFC 9421 headers of a call with a key-bound lease (`docs/leases.md`): `lease` is
 * the gateway's answer (`lease_id`), `agentKey` the key `prove` made for it, `binding`
 * the gateway's binding key (its challenge's `binding_key`), `url` the call's URL.
 * Resolves to the headers to add (`content-digest`, `signature-input`, `signature`).
 */
export async function signRequest({ lease, agentKey, binding }, method, url, body = '') {
  await initWasm();
  const u = new URL(url);
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const h = JSON.parse(wasm.signRequest(agentKey.seed, binding, lease.lease_id, method.toUpperCase(), u.host,
    u.pathname, u.search.replace(/^\?/, ''), bytes, Math.floor(Date.now() / 1000)));
  return { 'content-digest': h.content_digest, 'signature-input': h.signature_input, signature: h.signature };
}

/**
 * Verifies a presentation (object or JSON). `verifyingKey` is a `wasm.VerifyingKey`,
 * the bytes of `verifying_key.bin`, or omitted for the loaded proving key's own.
 * Resolves to true or false.
 */
export async function verify(presentation, verifyingKey) {
  await initWasm();
  let vk = verifyingKey;
  let owned = false;
  if (vk === undefined) {
    if (!currentKey) throw alcError('AlcKeyError', 'no verifying key given and no proving key loaded');
    vk = currentKey.verifyingKey();
    owned = true;
  } else if (vk instanceof Uint8Array || vk instanceof ArrayBuffer) {
    vk = wasm.VerifyingKey.fromBytes(new Uint8Array(vk));
    owned = true;
  }
  try {
    return wasm.verify(vk, text(presentation));
  } finally {
    if (owned) vk.free();
  }
}

/**
 * The same API run in a Web Worker (`worker.js`), so the page stays responsive while
 * proving. Every method returns a promise; `onProgress` callbacks are forwarded.
 */
export class ProverWorker {
  /**
   * `url`: the worker's script (default `worker.js` beside this file); `wasm`: where
   * the worker loads the WebAssembly module from, `{ url, integrity }` (default: beside
   * its script, no integrity check).
   */
  constructor(url = new URL('./worker.js', import.meta.url), { wasm: module } = {}) {
    this.worker = new Worker(url, { type: 'module' });
    this.next = 1;
    this.pending = new Map();
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress !== undefined) {
        p.onProgress?.(data.progress, data.ms);
      } else {
        this.pending.delete(data.id);
        if (data.error) p.reject(alcError(data.error.name, data.error.message));
        else p.resolve(data.result);
      }
    };
    this.worker.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(alcError('AlcWorkerError', e.message || 'the prover worker failed'));
      this.pending.clear();
    };
    this.ready = this.call('init', { wasmUrl: module?.url && String(module.url), integrity: module?.integrity });
  }

  /**
   * A worker whose script is fetched from `url` with the Subresource Integrity digest
   * `integrity`, and run from those checked bytes (a blob): a host that changes a byte
   * of it gets a network error, not a worker. `wasm` is passed on, `{ url, integrity }`.
   * Resolves once the worker has loaded the WebAssembly module.
   */
  static async fromVerifiedScript(url, integrity, wasm) {
    const resp = await fetch(url, { integrity, cache: 'no-store' });
    if (!resp.ok) throw alcError('AlcWorkerError', `cannot fetch the prover's worker: HTTP ${resp.status}`);
    const blob = new Blob([await resp.arrayBuffer()], { type: 'text/javascript' });
    const w = new ProverWorker(URL.createObjectURL(blob), { wasm });
    await w.ready;
    return w;
  }

  call(op, args, onProgress) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, ...args });
    });
  }

  /** Like `loadProvingKey`; resolves to `{ source, bytes, fetchMs, loadMs, totalMs }`. */
  loadProvingKey(url, digest, { onProgress, verifyingKey } = {}) {
    return this.call('loadProvingKey', { url: String(url), digest, verifyingKey }, onProgress);
  }

  /** Like `prove`, with the key the worker loaded. */
  prove(credential, secret, statusList, challenge, { onProgress, ...options } = {}) {
    return this.call('prove', { credential, secret, statusList, challenge, options }, onProgress);
  }

  /** Like `verify`, against the worker's proving key's verifying key. */
  verify(presentation) {
    return this.call('verify', { presentation });
  }

  /** Like `openAuthority`. */
  openAuthority(url, pinned) {
    return this.call('openAuthority', { url: String(url), pinned });
  }

  /** Like `fetchChallenge`. */
  fetchChallenge(authority, gatewayUrl) {
    return this.call('fetchChallenge', { authority, gatewayUrl: String(gatewayUrl) });
  }

  /** Like `signRequest`. */
  signRequest(lease, method, url, body) {
    return this.call('signRequest', { lease, method, url: String(url), body });
  }

  /** Like `generateHolder`. */
  generateHolder() {
    return this.call('generateHolder', {});
  }

  terminate() {
    this.worker.terminate();
  }
}
