// Checks EdDSA-Poseidon signatures with circomlibjs 0.1.7.
//
//   node verify-eddsa.mjs FILE
//
// FILE: JSON array of
//   { "public_key": ["x","y"], "message": "dec", "signature": { "R8": ["x","y"], "S": "dec" } }
// with all numbers as decimal strings. Prints ONE line to stdout: a JSON array of booleans,
// one per item, in order (eddsa.verifyPoseidon). Exit 0 when results were printed (even if
// some are false); exit 2 with a message on stderr for malformed input.
//
// Malformed means: unreadable file, not JSON, not an array, a missing field, a value that
// is not a decimal string of digits, or a coordinate/message >= r (circomlibjs's F.e would
// silently reduce it mod r, so it is refused rather than hashed as a different value).
// S is passed as a BigInt unreduced: S >= subgroup order gives `false`, not an error.

import { readFileSync } from "node:fs";
import { buildEddsa } from "circomlibjs";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

class Malformed extends Error {}

function decimal(v, what, bound) {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v)) {
        throw new Malformed(`${what}: expected a decimal string, got ${JSON.stringify(v)}`);
    }
    const n = BigInt(v);
    if (bound !== undefined && n >= bound) {
        throw new Malformed(`${what}: ${v} is not below the field modulus r`);
    }
    return n;
}

function pair(v, what) {
    if (!Array.isArray(v) || v.length !== 2) {
        throw new Malformed(`${what}: expected an array of two decimal strings`);
    }
    return [decimal(v[0], `${what}[0]`, R), decimal(v[1], `${what}[1]`, R)];
}

function parse(text) {
    let items;
    try {
        items = JSON.parse(text);
    } catch (e) {
        throw new Malformed(`not valid JSON: ${e.message}`);
    }
    if (!Array.isArray(items)) throw new Malformed("top level must be a JSON array");
    return items.map((it, i) => {
        const w = `item ${i}`;
        if (it === null || typeof it !== "object" || Array.isArray(it)) {
            throw new Malformed(`${w}: expected an object`);
        }
        const sig = it.signature;
        if (sig === null || typeof sig !== "object" || Array.isArray(sig)) {
            throw new Malformed(`${w}.signature: expected an object`);
        }
        return {
            A: pair(it.public_key, `${w}.public_key`),
            msg: decimal(it.message, `${w}.message`, R),
            R8: pair(sig.R8, `${w}.signature.R8`),
            S: decimal(sig.S, `${w}.signature.S`),
        };
    });
}

async function main() {
    const file = process.argv[2];
    if (!file || process.argv.length !== 3) {
        throw new Malformed("usage: node verify-eddsa.mjs FILE");
    }
    let text;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new Malformed(`cannot read ${file}: ${e.message}`);
    }
    const items = parse(text);

    const eddsa = await buildEddsa();
    const F = eddsa.F;
    const results = items.map(({ A, msg, R8, S }) =>
        eddsa.verifyPoseidon(
            F.e(msg),
            { R8: [F.e(R8[0]), F.e(R8[1])], S },
            [F.e(A[0]), F.e(A[1])],
        ) === true,
    );
    process.stdout.write(JSON.stringify(results) + "\n");
}

main().then(
    () => process.exit(0),
    (err) => {
        if (err instanceof Malformed) {
            process.stderr.write(`verify-eddsa: ${err.message}\n`);
        } else {
            process.stderr.write(`verify-eddsa: ${err && err.stack ? err.stack : String(err)}\n`);
        }
        process.exit(2);
    },
);
