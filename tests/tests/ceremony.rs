//! A multi-party trusted setup through the circom toolchain, with the real `alc` binary
//! and snarkjs from npm: ALC's circuit v1 exported as `.r1cs` (snarkjs reads ALC's
//! counts), a Powers of Tau made locally (new, a contribution, phase 2), `groth16
//! setup`, two `zkey contribute`s and a `beacon`; ALC imports the final zkey, proves with
//! it (and writes the `.wtns`), and both ALC and snarkjs verify; snarkjs proves from
//! ALC's witness and ALC verifies. The twins: a zkey with no phase-2 contribution, the
//! zkey imported for another circuit, a coefficient changed in the zkey, and a `.wtns`
//! with one value changed (`snarkjs wtns check` fails).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, ok, shared_keys_v2, workspace};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `snarkjs ARGS` in `dir`: whether it succeeded, and its output.
fn snarkjs(dir: &Path, args: &[&str]) -> (bool, String) {
    let cli = workspace().join("tools/js/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.exists(),
        "snarkjs is not installed: run `npm ci --prefix tools/js` (the README's test command does)"
    );
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn snarkjs_ok(dir: &Path, args: &[&str]) -> String {
    let (done, text) = snarkjs(dir, args);
    assert!(done, "snarkjs {args:?}: {text}");
    text
}

/// The byte offset of section `kind`'s body in an iden3 binary file.
fn section_offset(bytes: &[u8], kind: u32) -> usize {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let mut o = 12;
    for _ in 0..u32_at(8) {
        let len = u64::from_le_bytes(bytes[o + 4..o + 12].try_into().unwrap()) as usize;
        if u32_at(o) == kind {
            return o + 12;
        }
        o += 12 + len;
    }
    panic!("no section {kind}");
}

#[test]
fn a_snarkjs_ceremony_gives_alc_its_keys() {
    let started = Instant::now();
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    ok(alc(d, &["example", "ex", "--now", "1790000000"]));
    ok(alc(d, &["circuit", "export-r1cs", "v1.r1cs"]));
    let info = snarkjs_ok(d, &["r1cs", "info", "v1.r1cs"]);
    for line in [
        "# of Constraints: 6578",
        "# of Public Inputs: 10",
        "# of Wires: 6598",
    ] {
        assert!(info.contains(line), "{line}: {info}");
    }
    // The Powers of Tau (2^13: ALC's domain) and phase 2.
    snarkjs_ok(d, &["powersoftau", "new", "bn128", "13", "pot0.ptau"]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "pot0.ptau",
            "pot1.ptau",
            "--name=first",
            "-e=tau entropy",
        ],
    );
    snarkjs_ok(
        d,
        &["powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau"],
    );
    let ptau_done = started.elapsed();
    snarkjs_ok(d, &["groth16", "setup", "v1.r1cs", "pot.ptau", "c0.zkey"]);
    for (from, to, name) in [("c0", "c1", "alice"), ("c1", "c2", "bob")] {
        snarkjs_ok(
            d,
            &[
                "zkey",
                "contribute",
                &format!("{from}.zkey"),
                &format!("{to}.zkey"),
                &format!("--name={name}"),
                &format!("-e={name}'s entropy"),
            ],
        );
    }
    snarkjs_ok(
        d,
        &[
            "zkey",
            "beacon",
            "c2.zkey",
            "final.zkey",
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "10",
            "-n=the beacon",
        ],
    );
    // ALC imports it and lists the contributions.
    let out = ok(alc(
        d,
        &["setup", "--keys", "k", "--from-zkey", "final.zkey"],
    ));
    for name in [
        "contribution alice",
        "contribution bob",
        "beacon       the beacon",
    ] {
        assert!(out.contains(name), "{name}: {out}");
    }
    // The twins: no phase-2 contribution; another circuit; a changed coefficient.
    fails(
        alc(d, &["setup", "--keys", "k0", "--from-zkey", "c0.zkey"]),
        "no phase-2 contribution",
    );
    let v2 = shared_keys_v2();
    fails(
        alc(
            d,
            &[
                "setup",
                "--keys",
                "k2",
                "--from-zkey",
                "final.zkey",
                "--escrow-key",
                s(&v2.keys.join("escrow-key.json")),
            ],
        ),
        "another circuit",
    );
    let mut zkey = std::fs::read(d.join("final.zkey")).unwrap();
    // Section 4: a count, then (matrix, row, wire, value) terms; the first value's low
    // byte changed.
    let first_value = section_offset(&zkey, 4) + 4 + 12;
    zkey[first_value] ^= 1;
    std::fs::write(d.join("tampered.zkey"), &zkey).unwrap();
    fails(
        alc(
            d,
            &["setup", "--keys", "kt", "--from-zkey", "tampered.zkey"],
        ),
        "coefficients differ",
    );
    // ALC proves with it; ALC and snarkjs verify.
    let out = ok(alc(
        d,
        &["prove", "--keys", "k", "--dir", "ex", "--wtns", "w.wtns"],
    ));
    assert!(out.contains("w.wtns"), "{out}");
    ok(alc(d, &["verify", "--keys", "k", "ex/presentation.json"]));
    ok(alc(
        d,
        &[
            "export-snarkjs",
            "sj",
            "--keys",
            "k",
            "--presentation",
            "ex/presentation.json",
        ],
    ));
    let v = snarkjs_ok(
        d,
        &[
            "groth16",
            "verify",
            "sj/verification_key.json",
            "sj/public.json",
            "sj/proof.json",
        ],
    );
    assert!(v.contains("OK"), "{v}");
    // The zkey's own verification key accepts ALC's proof too.
    snarkjs_ok(
        d,
        &["zkey", "export", "verificationkey", "final.zkey", "vk.json"],
    );
    let v = snarkjs_ok(
        d,
        &[
            "groth16",
            "verify",
            "vk.json",
            "sj/public.json",
            "sj/proof.json",
        ],
    );
    assert!(v.contains("OK"), "{v}");
    // The witness is the circuit's; a changed value is not.
    let w = snarkjs_ok(d, &["wtns", "check", "v1.r1cs", "w.wtns"]);
    assert!(w.contains("WITNESS IS CORRECT"), "{w}");
    let mut wtns = std::fs::read(d.join("w.wtns")).unwrap();
    let values = section_offset(&wtns, 2);
    wtns[values + 32 * 20] ^= 1;
    std::fs::write(d.join("other.wtns"), &wtns).unwrap();
    let (done, w) = snarkjs(d, &["wtns", "check", "v1.r1cs", "other.wtns"]);
    assert!(!done || !w.contains("WITNESS IS CORRECT"), "{w}");
    // snarkjs proves from ALC's witness; ALC verifies, and refuses a changed input.
    let prove_started = Instant::now();
    snarkjs_ok(
        d,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "w.wtns",
            "p.json",
            "pub.json",
        ],
    );
    let snarkjs_prove = prove_started.elapsed();
    ok(alc(
        d,
        &["verify-snarkjs", "p.json", "pub.json", "--keys", "k"],
    ));
    let mut public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("pub.json")).unwrap()).unwrap();
    public[7] = "1".into();
    std::fs::write(
        d.join("pub-twin.json"),
        serde_json::to_string(&public).unwrap(),
    )
    .unwrap();
    fails(
        alc(
            d,
            &["verify-snarkjs", "p.json", "pub-twin.json", "--keys", "k"],
        ),
        "does not verify",
    );
    eprintln!(
        "ceremony e2e: powers of tau {ptau_done:?}, snarkjs prove (node, with start-up) {snarkjs_prove:?}, total {:?}",
        started.elapsed()
    );
}
