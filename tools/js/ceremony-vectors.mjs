// Produces the vectors for ALC's check of a snarkjs phase-2 ceremony, with snarkjs 0.7.6
// and its ffjavascript:
//
//   npm ci && node ceremony-vectors.mjs
//
// Writes prover/vectors/ceremony.json (path from the repository root):
//   chacha   the first 40 words of ffjavascript's ChaCha for a seed
//   hash_to_g2  snarkjs's hashToG2 (keypair.js) of 64-byte transcripts, as the
//               uncompressed big-endian form snarkjs hashes (x.c1 x.c0 y.c1 y.c0)
//   beacon   the key a beacon contribution must use (misc.rngFromBeaconParams, then
//            Fr.fromRng and G1.fromRng), g1_s and g1_sx uncompressed big-endian
//
// Deterministic: every input is SHA-256 of a fixed label.

import { createHash } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChaCha, buildBn128 } from "ffjavascript";
import { hashToG2 } from "./node_modules/snarkjs/src/keypair.js";
import { rngFromBeaconParams } from "./node_modules/snarkjs/src/misc.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "..", "..", "prover", "vectors", "ceremony.json");
const sha = (label) => createHash("sha256").update(label).digest();
const hex = (b) => Buffer.from(b).toString("hex");

const curve = await buildBn128(true);

const seedBytes = sha("alc/ceremony-vectors/chacha");
const seed = [...Array(8).keys()].map((i) => seedBytes.readUInt32BE(4 * i));
const rng = new ChaCha(seed);
const chacha = {
  seed: hex(seedBytes),
  words: [...Array(40).keys()].map(() => rng.nextU32()),
};

const hash_to_g2 = [];
for (let i = 0; i < 6; i++) {
  const t = Buffer.concat([sha(`alc/ceremony-vectors/transcript/${i}/a`), sha(`alc/ceremony-vectors/transcript/${i}/b`)]);
  const p = hashToG2(curve, new Uint8Array(t));
  hash_to_g2.push({ transcript: hex(t), point: hex(curve.G2.toUncompressed(curve.G2.toAffine(p))) });
}

const beacon = [];
for (const exp of [0, 1, 10]) {
  const h = sha(`alc/ceremony-vectors/beacon/${exp}`);
  const r = await rngFromBeaconParams(new Uint8Array(h), exp);
  const prv = curve.Fr.fromRng(r);
  const g1s = curve.G1.toAffine(curve.G1.fromRng(r));
  const g1sx = curve.G1.toAffine(curve.G1.timesFr(g1s, prv));
  beacon.push({ hash: hex(h), exp, g1_s: hex(curve.G1.toUncompressed(g1s)), g1_sx: hex(curve.G1.toUncompressed(g1sx)) });
}

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({ snarkjs: "0.7.6", chacha, hash_to_g2, beacon }, null, 1) + "\n");
console.log(`wrote ${OUT}: ${chacha.words.length} words, ${hash_to_g2.length} points, ${beacon.length} beacons`);
await curve.terminate();
