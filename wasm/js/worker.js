// The prover's Web Worker: runs alc.js off the page's main thread. Messages are
// `{ id, op, ...args }`; replies are `{ id, progress, ms }` while working, then
// `{ id, result }` or `{ id, error: { name, message } }`. Used through `ProverWorker`.

import * as alc from './alc.js';

const ops = {
  // The first message (`ProverWorker` sends it): where the WebAssembly module is, and its
  // SRI digest, which the browser checks before a byte of it is compiled.
  async init({ wasmUrl, integrity }) {
    await alc.initWasm(wasmUrl ? fetch(wasmUrl, { integrity }) : undefined);
    return true;
  },
  async openAuthority({ url, pinned }) {
    return alc.openAuthority(url, pinned);
  },
  async fetchChallenge({ authority, gatewayUrl }) {
    return alc.fetchChallenge(authority, gatewayUrl);
  },
  async signRequest({ lease, method, url, body }) {
    return alc.signRequest(lease, method, url, body);
  },
  async loadProvingKey({ url, digest, verifyingKey }, progress) {
    const { key, ...info } = await alc.loadProvingKey(url, digest, { verifyingKey, onProgress: (p) => progress(p.stage, p) });
    return info;
  },
  async prove({ credential, secret, statusList, challenge, options }, progress) {
    return alc.prove(credential, secret, statusList, challenge, { ...options, onProgress: (stage, ms) => progress(stage, ms) });
  },
  async verify({ presentation }) {
    return alc.verify(presentation);
  },
  async generateHolder() {
    return alc.generateHolder();
  },
};

self.onmessage = async ({ data }) => {
  const { id, op } = data;
  const progress = (stage, ms) => self.postMessage({ id, progress: stage, ms });
  try {
    const run = ops[op];
    if (!run) throw new Error(`unknown operation ${op}`);
    self.postMessage({ id, result: await run(data, progress) });
  } catch (e) {
    self.postMessage({ id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
  }
};

