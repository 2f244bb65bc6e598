// Drives the wallet page in Debian's headless Chromium with playwright-core, for
// tests/tests/browser.rs (which starts the real authority and gateway processes).
//
//   node wasm/js/test/browser.mjs   with the environment:
//     ALC_WALLET_URL   the page, e.g. http://127.0.0.1:PORT/wallet/?gateway=ID
//     ALC_STATIC_URL   another host serving copies of the site under honest/, page/,
//                      worker/, wasm/ and key/ (all but honest/ with one byte changed)
//     ALC_CREDENTIAL   credential.json      ALC_HOLDER   holder.json
//     ALC_OUT          where screenshots go
//     ALC_PROOFS       proofs to make before the revocation (default 1; 5 for the benchmark)
//     CHROMIUM         the browser (default /usr/bin/chromium)
//
// Protocol on stdout/stdin: after the first successful call the script prints
// `READY_FOR_REVOCATION` and waits for a line on stdin (the caller revokes the
// credential with emergency at the authority); it then calls again until the page shows
// 403, loads each copy of ALC_STATIC_URL and records how far it gets, and prints
// `RESULT {json}` with the measurements. Any failure exits non-zero.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const env = (k, d) => process.env[k] ?? d ?? (() => { throw new Error(`${k} is not set`); })();
const url = env('ALC_WALLET_URL');
const staticUrl = env('ALC_STATIC_URL');
const out = env('ALC_OUT');
const proofs = Number(env('ALC_PROOFS', '1'));
const executablePath = env('CHROMIUM', '/usr/bin/chromium');
fs.mkdirSync(out, { recursive: true });

const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve, reject) => {
  lines.once('line', resolve);
  lines.once('close', () => reject(new Error('stdin closed before the revocation signal')));
});

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alc-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1000, height: 1400 },
});

const result = { proveMs: [], keyNetworkMs: null, keyCacheMs: [] };
let page;
try {
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`page console: ${m.text()}`); });

  const keyInfo = async () => {
    await page.waitForFunction(() => window.alcWallet?.keyInfo || document.body.dataset.state === 'key-error', null, { timeout: 60_000 });
    const info = await page.evaluate(() => window.alcWallet.keyInfo);
    if (!info) throw new Error(`the proving key did not load: ${await page.textContent('#key-status')}`);
    return info;
  };

  // First visit: the key comes from the network and is cached; later visits read it
  // from the Cache API.
  await page.goto(url);
  const first = await keyInfo();
  if (first.source !== 'network') throw new Error(`first load came from ${first.source}`);
  result.keyNetworkMs = first.totalMs;
  for (let i = 0; i < 3; i++) {
    await page.reload();
    const again = await keyInfo();
    if (again.source !== 'cache') throw new Error(`reload ${i} read the key from ${again.source}, not the cache`);
    result.keyCacheMs.push(again.totalMs);
  }
  const cached = await keyInfo();
  result.keyCache = { fetchMs: cached.fetchMs, loadMs: cached.loadMs };

  // A new holder secret made in the page (crypto.getRandomValues in WebAssembly).
  await page.click('summary');
  await page.click('#new-holder');
  await page.waitForFunction(() => /Commitment .*: \d{20,}/.test(document.getElementById('holder-status').textContent), null, { timeout: 10_000 });

  await page.setInputFiles('#files', [env('ALC_CREDENTIAL'), env('ALC_HOLDER')]);
  await page.waitForFunction(() => !document.getElementById('prove').disabled, null, { timeout: 10_000 });

  const proveOnce = async () => {
    await page.click('#prove');
    // The page stays responsive while the worker proves: its main thread keeps
    // answering (each probe is a round trip through the DevTools protocol).
    let probes = 0;
    while ((await page.evaluate(() => document.body.dataset.state)) === 'proving') {
      const t0 = performance.now();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      result.mainThreadLatencyMs = Math.max(result.mainThreadLatencyMs ?? 0, performance.now() - t0);
      probes += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
    result.probes = (result.probes ?? 0) + probes;
    await page.waitForFunction(() => ['called', 'refused', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
    const state = await page.evaluate(() => document.body.dataset.state);
    const status = await page.getAttribute('#call-status', 'data-status');
    if (state !== 'called' || status !== '200') {
      throw new Error(`expected a 200 from the endpoint, the page says: ${await page.textContent('#call-status')}`);
    }
    result.proveMs.push(await page.evaluate(() => window.alcWallet.lastProveMs));
  };
  for (let i = 0; i < proofs; i++) await proveOnce();
  result.timings = await page.evaluate(() => window.alcWallet.timings);
  // verify() of the package, in the page's worker: the proof holds, a changed statement does not.
  result.verified = await page.evaluate(() => window.alcWallet.verify());
  result.tamperedVerified = await page.evaluate(() => {
    const p = structuredClone(window.alcWallet.lastPresentation);
    const st = p.statement.v1 ?? p.statement; // circuit v2 nests v1's statement
    st.now = String(BigInt(st.now) + 1n);
    return window.alcWallet.verify(p);
  });
  if (result.verified !== true || result.tamperedVerified !== false) {
    throw new Error(`verify: ${result.verified} for the proof, ${result.tamperedVerified} for a changed statement`);
  }
  result.answer = JSON.parse(await page.textContent('#answer'));
  await page.screenshot({ path: path.join(out, 'wallet-leased.png'), fullPage: true });

  console.log('READY_FOR_REVOCATION');
  await nextLine();

  // The next call with the same lease must be refused.
  const deadline = Date.now() + 10_000;
  for (;;) {
    await page.click('#call');
    await page.waitForFunction(() => !document.getElementById('call').disabled, null, { timeout: 10_000 });
    const status = await page.getAttribute('#call-status', 'data-status');
    if (status === '403') break;
    if (status !== '200' || Date.now() > deadline) {
      throw new Error(`expected 403 after the revocation, the page says: ${await page.textContent('#call-status')}`);
    }
    await page.waitForTimeout(20);
  }
  result.refusal = await page.textContent('#call-status');
  await page.screenshot({ path: path.join(out, 'wallet-403.png'), fullPage: true });

  // And it cannot come back: proving again is refused by the wallet itself.
  await page.click('#prove');
  await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 60_000 });
  result.reprove = await page.textContent('#call-status');
  await page.screenshot({ path: path.join(out, 'wallet-revoked.png'), fullPage: true });

  // The same site from another host, and copies with one byte changed. The key copy
  // goes before the honest one: the honest copy's key, once verified, is cached by its
  // digest for this origin.
  result.hosts = {};
  for (const copy of ['page', 'worker', 'wasm', 'key', 'honest']) {
    await page.goto(`${staticUrl}/${copy}/?gateway=browser.e2e`);
    const t0 = Date.now();
    let seen;
    for (;;) {
      seen = await page.evaluate(() => ({
        state: document.body.dataset.state,
        loaded: Boolean(window.alcWallet?.keyInfo),
        started: Boolean(window.alcWallet),
        keyStatus: document.getElementById('key-status').textContent,
        authorityOk: document.getElementById('authority-status').classList.contains('ok'),
      }));
      const settled = seen.loaded || ['key-error', 'integrity-error'].includes(seen.state);
      // A page whose script never runs stays as the HTML left it.
      if (settled || (!seen.started && Date.now() - t0 > 5_000) || Date.now() - t0 > 60_000) break;
      await page.waitForTimeout(100);
    }
    result.hosts[copy] = { state: seen.state, keyStatus: seen.keyStatus, authorityOk: seen.authorityOk, keyLoaded: seen.loaded };
    await page.screenshot({ path: path.join(out, `host-${copy}.png`), fullPage: true });
  }

  console.log(`RESULT ${JSON.stringify(result)}`);
} catch (e) {
  if (page) await page.screenshot({ path: path.join(out, 'wallet-failure.png'), fullPage: true }).catch(() => {});
  console.error(`browser test failed: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  lines.close();
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
