// Times snarkjs's Groth16 prover (snarkjs 0.7.6, ffjavascript's WebAssembly, all of the
// machine's threads) on a zkey and a witness, in one node process: the zkey and witness
// are read once, then `groth16.prove` runs N times after one warm-up run. Prints each
// time and the median, in milliseconds, so it compares with ALC's criterion figure for
// the same files (`cargo bench -p alc-benches --bench ceremony`, which writes them).
//
//   node snarkjs-prove-bench.mjs DIR [N]     # DIR holds final.zkey and w.wtns; N = 10

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";

const [dir, n = "10"] = process.argv.slice(2);
if (!dir) {
    console.error("usage: node snarkjs-prove-bench.mjs DIR [N]");
    process.exit(2);
}
const zkey = new Uint8Array(readFileSync(join(dir, "final.zkey")));
const wtns = new Uint8Array(readFileSync(join(dir, "w.wtns")));
await snarkjs.groth16.prove(zkey, wtns);
const times = [];
for (let i = 0; i < Number(n); i++) {
    const t = performance.now();
    await snarkjs.groth16.prove(zkey, wtns);
    times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`snarkjs groth16.prove: ${times.map((t) => t.toFixed(1)).join(" ")} ms; median ${median.toFixed(1)} ms over ${times.length}`);
process.exit(0);
