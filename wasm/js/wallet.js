// The wallet site's page (`alc wallet site` builds it for one authority; any host may
// serve it): import a credential and holder secret (they stay in this page and its
// worker), pick a gateway from the authority's signed list, fetch and check its
// challenge, prove in a Web Worker, get a lease, call an endpoint.
//
// What it trusts comes from index.html's <meta> tags, written by `alc wallet site`: the
// authority's URL and the digest of its keys, and the SRI digests of the worker's script
// and the WebAssembly module. Everything else is checked against those: the proving
// key's and verifying key's digests come from the authority's signed key descriptor, the
// gateways from its signed gateway list.

import { ProverWorker, sha256Hex } from './alc.js';

const $ = (id) => document.getElementById(id);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';
const site = {
  authority: meta('alc-authority'),
  pinned: meta('alc-authority-digest'),
  circuit: meta('alc-circuit'),
  integrity: JSON.parse(meta('alc-integrity') || '{}'),
};
const here = (file) => new URL(file, location.href);
const workerReady = ProverWorker.fromVerifiedScript(here('worker.js'), site.integrity['worker.js'], {
  url: here('alc_wasm_bg.wasm'),
  integrity: site.integrity['alc_wasm_bg.wasm'],
}).catch((e) => {
  // A fetch refused for its integrity is a TypeError without detail.
  const err = new Error(`the wallet's code could not be loaded or does not match the digests this page pins (${e.message})`);
  err.name = 'AlcIntegrityError';
  throw err;
});
let worker = null;
let gateway = null;

const wallet = {
  credential: null,
  holder: null,
  lease: null,
  keyInfo: null,
  timings: {},
  lastProveMs: null,
  lastPresentation: null,
};
// For scripts and tests driving the page; holds no secret.
window.alcWallet = {
  get timings() { return { ...wallet.timings }; },
  get keyInfo() { return wallet.keyInfo; },
  get lastProveMs() { return wallet.lastProveMs; },
  // Verifies a presentation (default: the last one made) in the worker.
  async verify(presentation) { return (await workerReady).verify(presentation ?? wallet.lastPresentation); },
  get lastPresentation() { return wallet.lastPresentation; },
};

function setState(state) {
  document.body.dataset.state = state;
}

function status(el, message, kind) {
  el.textContent = message;
  el.classList.toggle('ok', kind === 'ok');
  el.classList.toggle('bad', kind === 'bad');
}

function ms(x) {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`;
}

function timing(step, value, note = '') {
  wallet.timings[step] = Math.round(value * 10) / 10;
  const body = $('timings').tBodies[0];
  let row = body.querySelector(`tr[data-step="${step}"]`);
  if (!row) {
    row = body.insertRow();
    row.dataset.step = step;
    row.insertCell().textContent = step;
    row.insertCell();
    row.insertCell();
  }
  row.cells[1].textContent = ms(value);
  row.cells[2].textContent = note;
}

// ---- progress indicator ---------------------------------------------------------

let ticker = null;
let expected = Number(localStorage.getItem('alc-prove-ms')) || 1500;

function progress(label, value) {
  $('stage').textContent = label;
  $('progress').value = value;
}

function startClock() {
  const t0 = performance.now();
  let groth16At = null;
  const tick = () => {
    const now = performance.now();
    $('elapsed').textContent = ms(now - t0);
    if (groth16At !== null) {
      // The Groth16 stage reports no steps: advance towards 95% over the time the last
      // proof took, so the bar keeps moving while the worker computes.
      const f = Math.min(1, (now - groth16At) / expected);
      $('progress').value = 25 + 70 * f;
    }
    ticker = requestAnimationFrame(tick);
  };
  ticker = requestAnimationFrame(tick);
  return { groth16: () => { groth16At = performance.now(); } };
}

function stopClock() {
  if (ticker !== null) cancelAnimationFrame(ticker);
  ticker = null;
}

// ---- the proving key --------------------------------------------------------------

// The authority, its gateways and its keys: checked against the page's pin.
const authorityReady = (async () => {
  const s = $('authority-status');
  try {
    worker = await workerReady;
    const authority = await worker.openAuthority(site.authority, site.pinned);
    wallet.authority = authority;
    const select = $('gateway');
    select.replaceChildren(...authority.gateways.map((g) => new Option(`${g.id} (${g.url})`, g.id)));
    const wanted = new URLSearchParams(location.search).get('gateway');
    if (wanted && authority.gateways.some((g) => g.id === wanted)) select.value = wanted;
    if (!authority.gateways.length) throw new Error('the authority has registered no gateway yet');
    status(s, `Authority ${authority.name} (${authority.url}): keys match this wallet's pin; ${authority.gateways.length} registered gateway${authority.gateways.length === 1 ? '' : 's'}.`, 'ok');
    return authority;
  } catch (e) {
    status(s, `Authority: ${e.message}`, 'bad');
    throw e;
  }
})();

const keyReady = (async () => {
  const s = $('key-status');
  try {
    const authority = await authorityReady;
    const digests = authority.keys.find((k) => k.circuit === site.circuit);
    if (!digests) throw new Error(`the authority publishes no key for ${site.circuit}, the circuit this site serves a key for`);
    if (digests.escrow_key) {
      // Circuit v2: the trustees' escrow key the proving key was made under, pinned by
      // its digest in the authority's key descriptor.
      const e = await fetch('keys/escrow-key.json', { cache: 'no-store' });
      if (!e.ok) throw new Error(`this site serves no escrow key (HTTP ${e.status})`);
      const text = await e.text();
      if ((await sha256Hex(new TextEncoder().encode(text))) !== digests.escrow_key) {
        throw new Error('the escrow key is not the one the authority names');
      }
      wallet.escrowKey = text;
    }
    const info = await worker.loadProvingKey(here('keys/proving_key.fast'), digests.proving_key_fast, {
      verifyingKey: digests.verifying_key,
      onProgress: (stage, p) => {
        if (stage === 'download' && p?.total) {
          status(s, `Proving key: downloading ${Math.round((100 * p.loaded) / p.total)}% of ${(p.total / 1e6).toFixed(1)} MB…`);
        } else if (stage === 'check') {
          status(s, 'Proving key: checking its digest…');
        }
      },
    });
    wallet.keyInfo = info;
    timing('proving key', info.totalMs, `${info.source}, ${(info.bytes / 1e6).toFixed(1)} MB, digest checked`);
    status(s, `Proving key ready (${info.source === 'cache' ? 'from this browser\'s cache' : 'downloaded and cached'}, ${ms(info.totalMs)}).`, 'ok');
    return true;
  } catch (e) {
    status(s, `Proving key: ${e.message}`, 'bad');
    throw e;
  }
})();
keyReady.catch(() => {
  if (document.body.dataset.state !== 'integrity-error') setState('key-error');
});
authorityReady.catch((e) => {
  if (e.name === 'AlcIntegrityError') setState('integrity-error');
});

// ---- importing the credential -----------------------------------------------------

function classify(docs) {
  let credential = null;
  let holder = null;
  for (const d of docs) {
    if (d?.type === 'alc-credential') credential = d;
    else if (d?.type === 'alc-holder-secret') holder = d;
    else if (d?.credential?.type === 'alc-credential' || d?.holder?.type === 'alc-holder-secret') {
      credential = d.credential ?? credential;
      holder = d.holder ?? holder;
    } else throw new Error('a file is neither an ALC credential nor a holder secret file');
  }
  return { credential, holder };
}

$('files').addEventListener('change', async (ev) => {
  const s = $('credential-status');
  try {
    const docs = [];
    for (const f of ev.target.files) {
      try {
        docs.push(JSON.parse(await f.text()));
      } catch {
        throw new Error(`${f.name} is not JSON`);
      }
    }
    const found = classify(docs);
    const credential = found.credential ?? wallet.credential;
    const holder = found.holder ?? wallet.holder;
    if (credential && holder && String(credential.credential?.holder) !== String(holder.commitment)) {
      throw new Error('the holder secret does not belong to this credential');
    }
    wallet.credential = credential;
    wallet.holder = holder;
    if (!credential || !holder) {
      status(s, `Loaded ${credential ? 'the credential' : 'the holder secret'}; now add the ${credential ? 'holder secret' : 'credential'} file.`);
    } else {
      const c = credential.credential;
      const until = new Date(Number(c.expires) * 1000).toISOString().slice(0, 10);
      status(s, `Credential #${c.serial}: tier ${c.tier}${c.permit_tier ? `, permit tier ${c.permit_tier}` : ''}, valid until ${until}. Holder secret loaded (kept in this page only).`, 'ok');
      $('prove').disabled = false;
      setState('loaded');
    }
  } catch (e) {
    status(s, e.message, 'bad');
  }
});

$('new-holder').addEventListener('click', async () => {
  const s = $('holder-status');
  try {
    const holder = await (await workerReady).generateHolder();
    wallet.holder = holder;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(holder, null, 2)], { type: 'application/json' }));
    link.download = 'holder.json';
    link.textContent = 'Save holder.json';
    s.textContent = `Commitment (give this to the authority): ${holder.commitment}. `;
    s.append(link);
    s.classList.add('ok');
    if (wallet.credential && String(wallet.credential.credential?.holder) !== holder.commitment) {
      wallet.credential = null;
      $('prove').disabled = true;
    }
  } catch (e) {
    status(s, e.message, 'bad');
  }
});

// ---- prove, lease, call ---------------------------------------------------------------

async function getJson(url, what) {
  const resp = await fetch(url, { cache: 'no-store' });
  const v = await resp.json().catch(() => null);
  if (!resp.ok) throw new Error(`${what}: HTTP ${resp.status}${v?.message ? `: ${v.message}` : ''}`);
  return v;
}

async function call() {
  const s = $('call-status');
  const endpoint = $('endpoint').value.trim();
  if (!endpoint.startsWith('/v1/')) throw new Error('the endpoint must be a path of this gateway, e.g. /v1/autonomous/chat');
  const body = $('body').value.trim();
  if (body) JSON.parse(body); // refuse malformed JSON here rather than at the upstream
  const t0 = performance.now();
  const method = body ? 'POST' : 'GET';
  // A key-bound lease (circuit v2): every call is signed with the agent's key.
  const signature = wallet.lease.key
    ? await worker.signRequest({ lease: wallet.lease, agentKey: wallet.agentKey, binding: wallet.binding }, method, gateway + endpoint, body)
    : {};
  const resp = await fetch(gateway + endpoint, {
    method,
    headers: { authorization: `Bearer ${wallet.lease.lease}`, ...signature, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body || undefined,
  });
  const textBody = await resp.text();
  timing('call', performance.now() - t0, `${endpoint} → ${resp.status}`);
  let shown = textBody;
  let reason = '';
  try {
    const v = JSON.parse(textBody);
    shown = JSON.stringify(v, null, 2);
    reason = v?.message ?? '';
  } catch {
    // not JSON: show as is
  }
  $('answer').textContent = shown;
  s.dataset.status = String(resp.status);
  if (resp.ok) {
    status(s, `${resp.status} ${resp.statusText || 'OK'}: the endpoint answered.`, 'ok');
    setState('called');
  } else {
    status(s, `${resp.status} ${resp.statusText || ''}: ${reason || 'refused'}`.trim(), 'bad');
    setState('refused');
  }
  return resp.status;
}

async function proveAndLease() {
  const buttons = [$('prove'), $('call')];
  buttons.forEach((b) => { b.disabled = true; });
  setState('proving');
  const clock = startClock();
  try {
    const authority = await authorityReady;
    const chosen = authority.gateways.find((g) => g.id === $('gateway').value);
    if (!chosen) throw new Error('choose a gateway');
    gateway = chosen.url.replace(/\/+$/, '');
    progress('Fetching and checking the gateway\'s challenge…', 3);
    let t = performance.now();
    const { challenge } = await worker.fetchChallenge(authority, gateway);
    timing('challenge', performance.now() - t, `scope ${challenge.scope}, signed by its registered key`);

    progress('Fetching the authority\'s status list…', 8);
    t = performance.now();
    const list = await getJson(`${authority.url}/v1/status/list`, 'the status list');
    timing('status list', performance.now() - t, `epoch ${list.epoch}`);

    progress('Waiting for the proving key…', 12);
    await keyReady;

    const route = $('endpoint').value.trim().startsWith('/v1/sandbox/') ? 'sandbox' : 'autonomous';
    t = performance.now();
    const proved = await worker.prove(wallet.credential, wallet.holder, list, challenge, {
      escrowKey: wallet.escrowKey,
      manifestText: $('manifest').value,
      route,
      agent: $('agent').value.trim(),
      onProgress: (stage) => {
        if (stage === 'prepare') progress('Checking the credential and computing the status path…', 15);
        else if (stage === 'witness') progress('Computing the witness…', 20);
        else if (stage === 'groth16') {
          progress('Proving (Groth16, in a Web Worker: this page stays responsive)…', 25);
          clock.groth16();
        }
      },
    });
    wallet.lastProveMs = proved.ms;
    wallet.lastPresentation = proved.presentation;
    expected = proved.ms;
    localStorage.setItem('alc-prove-ms', String(Math.round(proved.ms)));
    timing('prove', proved.ms, 'Groth16 in WebAssembly, Web Worker');

    progress('Asking for a lease…', 96);
    t = performance.now();
    const resp = await fetch(`${gateway}/v1/lease`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(proved.leaseRequest),
    });
    const lease = await resp.json().catch(() => null);
    if (!resp.ok) throw new Error(`the gateway refused the lease: HTTP ${resp.status}${lease?.message ? `: ${lease.message}` : ''}`);
    wallet.lease = lease;
    wallet.agentKey = proved.agentKey;
    wallet.binding = challenge.binding_key;
    timing('lease', performance.now() - t, `epoch ${lease.epoch}, until ${new Date(lease.expires_at * 1000).toLocaleTimeString()}`);

    progress('Calling the endpoint…', 98);
    await call();
    progress('Done.', 100);
  } catch (e) {
    const message = e.name === 'AlcUnsatisfiedError' ? `This credential cannot prove: ${e.message}.` : e.message;
    progress(`Stopped: ${message}`, 0);
    $('stage').classList.add('bad');
    status($('call-status'), message, 'bad');
    $('call-status').dataset.status = 'error';
    setState('error');
  } finally {
    stopClock();
    $('prove').disabled = !(wallet.credential && wallet.holder);
    $('call').disabled = !wallet.lease;
  }
}

$('prove').addEventListener('click', () => {
  $('stage').classList.remove('bad');
  proveAndLease();
});

$('call').addEventListener('click', async () => {
  $('call').disabled = true;
  try {
    await call();
  } catch (e) {
    status($('call-status'), e.message, 'bad');
  } finally {
    $('call').disabled = !wallet.lease;
  }
});

setState('ready');
