// Checks a Groth16 proof over BN254 with the snarkjs 0.7.6 JavaScript API.
//
//   node snarkjs-verify.mjs verification_key.json public.json proof.json
//
// Prints `true` or `false` on stdout. Exit 0 if the proof verifies, 1 if it does not,
// 2 (with a message on stderr) on malformed input.
//
// Before calling snarkjs.groth16.verify the files are checked for shape, because snarkjs
// itself is lenient: it converts any decimal string with F.e (reducing values >= the field
// modulus), ignores vk.nPublic, and silently ignores IC entries beyond the number of public
// signals. Malformed (exit 2) therefore includes: unreadable/non-JSON files; protocol other
// than "groth16" or curve other than "bn128"; a point that is not an array of decimal strings
// of the right shape; a coordinate >= q (base field) or a public signal that is not a
// decimal string; public.json length != IC.length - 1 or != vk.nPublic (when present).
// Public signals >= r are left to snarkjs, which reports them as not valid (`false`).
// vk_alphabeta_12 is neither required nor used by snarkjs 0.7.6 groth16.verify.

import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";

// BN254 base field modulus (coordinates).
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

class Malformed extends Error {}

function load(path, what) {
    let text;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        throw new Malformed(`cannot read ${what} ${path}: ${e.message}`);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new Malformed(`${what} ${path} is not valid JSON: ${e.message}`);
    }
}

function dec(v, what) {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v)) {
        throw new Malformed(`${what}: expected a decimal string, got ${JSON.stringify(v)}`);
    }
    return BigInt(v);
}

function coord(v, what) {
    if (dec(v, what) >= Q) throw new Malformed(`${what}: coordinate is not below the base field modulus`);
}

function g1(p, what) {
    if (!Array.isArray(p) || p.length !== 3) throw new Malformed(`${what}: expected a G1 point [x, y, z]`);
    p.forEach((c, i) => coord(c, `${what}[${i}]`));
}

function g2(p, what) {
    if (!Array.isArray(p) || p.length !== 3) throw new Malformed(`${what}: expected a G2 point [x, y, z]`);
    p.forEach((c, i) => {
        if (!Array.isArray(c) || c.length !== 2) throw new Malformed(`${what}[${i}]: expected [c0, c1]`);
        c.forEach((e, j) => coord(e, `${what}[${i}][${j}]`));
    });
}

function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkShapes(vk, pub, proof) {
    if (!isObject(vk)) throw new Malformed("verification key: expected an object");
    if (vk.protocol !== undefined && vk.protocol !== "groth16") {
        throw new Malformed(`verification key: protocol ${JSON.stringify(vk.protocol)} is not groth16`);
    }
    if (vk.curve !== "bn128") throw new Malformed(`verification key: curve ${JSON.stringify(vk.curve)} is not bn128`);
    g1(vk.vk_alpha_1, "vk_alpha_1");
    g2(vk.vk_beta_2, "vk_beta_2");
    g2(vk.vk_gamma_2, "vk_gamma_2");
    g2(vk.vk_delta_2, "vk_delta_2");
    if (!Array.isArray(vk.IC) || vk.IC.length < 1) throw new Malformed("IC: expected a non-empty array");
    vk.IC.forEach((p, i) => g1(p, `IC[${i}]`));

    if (!Array.isArray(pub)) throw new Malformed("public signals: expected an array");
    pub.forEach((s, i) => dec(s, `public[${i}]`));
    if (pub.length !== vk.IC.length - 1) {
        throw new Malformed(`public signals: ${pub.length} given but IC has ${vk.IC.length - 1} inputs`);
    }
    if (vk.nPublic !== undefined && vk.nPublic !== pub.length) {
        throw new Malformed(`public signals: ${pub.length} given but nPublic is ${JSON.stringify(vk.nPublic)}`);
    }

    if (!isObject(proof)) throw new Malformed("proof: expected an object");
    if (proof.protocol !== undefined && proof.protocol !== "groth16") {
        throw new Malformed(`proof: protocol ${JSON.stringify(proof.protocol)} is not groth16`);
    }
    if (proof.curve !== undefined && proof.curve !== "bn128") {
        throw new Malformed(`proof: curve ${JSON.stringify(proof.curve)} is not bn128`);
    }
    g1(proof.pi_a, "pi_a");
    g2(proof.pi_b, "pi_b");
    g1(proof.pi_c, "pi_c");
}

async function finish(code) {
    // snarkjs builds a multi-threaded bn128 curve (worker threads) and caches it here.
    try {
        await globalThis.curve_bn128?.terminate();
    } catch {
        // ignore: we exit anyway
    }
    process.exit(code);
}

async function main() {
    if (process.argv.length !== 5) {
        throw new Malformed("usage: node snarkjs-verify.mjs verification_key.json public.json proof.json");
    }
    const [vkPath, pubPath, proofPath] = process.argv.slice(2);
    const vk = load(vkPath, "verification key");
    const pub = load(pubPath, "public signals");
    const proof = load(proofPath, "proof");
    checkShapes(vk, pub, proof);

    let ok;
    try {
        ok = await snarkjs.groth16.verify(vk, pub, proof); // no logger: silent
    } catch (e) {
        throw new Malformed(`snarkjs could not process the input: ${e && e.message ? e.message : e}`);
    }
    process.stdout.write(ok === true ? "true\n" : "false\n");
    return ok === true ? 0 : 1;
}

main().then(
    (code) => finish(code),
    (err) => {
        const msg = err instanceof Malformed ? err.message : err && err.stack ? err.stack : String(err);
        process.stderr.write(`snarkjs-verify: ${msg}\n`);
        return finish(2);
    },
);
