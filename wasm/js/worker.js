// The prover's Web Worker: runs alc.js off the page's main thread. Messages are
// `{ id, op, ...args }`; replies are `{ id, progress, ms }` while working, then
// `{ id, result }` or `{ id, error: { name, message } }`. Used through `ProverWorker`.

import * as alc from './alc.js';

const ops = {
  async loadProvingKey({ url, digest }, progress) {
    const { key, ...info } = await alc.loadProvingKey(url, digest, { onProgress: (p) => progress(p.stage, p) });
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

// Start compiling the WebAssembly module at once, before the first request.
alc.initWasm().catch(() => {});
