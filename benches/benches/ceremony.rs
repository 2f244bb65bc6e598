//! The ceremony through the circom toolchain (`docs/ceremony.md`), on files snarkjs
//! made: a power-13 Powers of Tau, `groth16 setup` of circuit v1, one contribution and
//! a beacon. They are made with snarkjs (node, from `tools/js`) on the first run and
//! kept under cargo's target directory.
//!
//! Ids:
//! * `ceremony/zkey-import`: `alc_prover::circom::zkey::import` (sizes, every A/B
//!   coefficient against ALC's matrices, every point on its curve and subgroup, the
//!   structure checks).
//! * `ceremony/check-chain`: the contribution chain (transcript hashes, proofs of
//!   knowledge, beacon).
//! * `ceremony/check-queries`: reading the Powers of Tau's bases and checking every
//!   query point against them.
//! * `prove-zkey/{own-key,imported-zkey}-{n}-threads`: `alc_prover::prove` of the same
//!   statement with ALC's own fixed-seed key and with the imported zkey (snarkjs's `H`
//!   convention, the odd-coset quotient), side by side in one run.
//!
//! Then snarkjs's prover on the same zkey and witness (`final.zkey` and `w.wtns`
//! beside the ptau), in the same run: `node tools/js/snarkjs-prove-bench.mjs DIR`
//! (one node process, the files read once, 10 proofs after a warm-up), its line
//! printed after criterion's.

use alc_benches::{fixture, keys, rng};
use alc_prover::circom::{ceremony, ptau, wtns, zkey};
use alc_prover::keys::Circuit;
use alc_prover::prove;
use criterion::{black_box, criterion_group, criterion_main, Criterion, SamplingMode};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `node snarkjs ARGS` in `dir`, which must succeed.
fn snarkjs(dir: &Path, args: &[&str]) {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/js/node_modules/snarkjs/build/cli.cjs");
    assert!(cli.exists(), "run `npm ci --prefix tools/js` first");
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "snarkjs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The folder with `pot13.ptau`, `v1.r1cs`, `final.zkey` and `w.wtns`, made if missing.
fn files() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ceremony");
    std::fs::create_dir_all(&dir).expect("a folder");
    if !dir.join("pot13.ptau").exists() {
        snarkjs(&dir, &["powersoftau", "new", "bn128", "13", "pot0.ptau"]);
        snarkjs(
            &dir,
            &[
                "powersoftau",
                "contribute",
                "pot0.ptau",
                "pot1.ptau",
                "-e=bench",
            ],
        );
        snarkjs(
            &dir,
            &[
                "powersoftau",
                "prepare",
                "phase2",
                "pot1.ptau",
                "partial.ptau",
            ],
        );
        std::fs::rename(dir.join("partial.ptau"), dir.join("pot13.ptau")).expect("rename");
    }
    if !dir.join("final.zkey").exists() {
        let r1cs = alc_prover::circom::r1cs::r1cs(&Circuit::V1).expect("the r1cs");
        std::fs::write(dir.join("v1.r1cs"), r1cs).expect("write");
        snarkjs(
            &dir,
            &["groth16", "setup", "v1.r1cs", "pot13.ptau", "b0.zkey"],
        );
        snarkjs(
            &dir,
            &[
                "zkey",
                "contribute",
                "b0.zkey",
                "b1.zkey",
                "--name=bench",
                "-e=bench",
            ],
        );
        snarkjs(
            &dir,
            &[
                "zkey",
                "beacon",
                "b1.zkey",
                "final.zkey",
                "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "10",
            ],
        );
    }
    let f = fixture();
    let full = prove::assignment(&f.statement, &f.witness).expect("the assignment");
    std::fs::write(dir.join("w.wtns"), wtns::wtns(&full)).expect("write");
    dir
}

fn ceremony_checks(c: &mut Criterion) {
    let dir = files();
    let bytes = std::fs::read(dir.join("final.zkey")).expect("the zkey");
    let z = zkey::import(&bytes, &Circuit::V1).expect("the zkey imports");
    let read_ptau = || {
        let mut f =
            std::io::BufReader::new(std::fs::File::open(dir.join("pot13.ptau")).expect("the ptau"));
        ptau::read(&mut f, z.domain).expect("the ptau reads")
    };
    ceremony::check_chain(&z, 32).expect("the chain verifies");
    ceremony::check_queries(&z, &read_ptau()).expect("the queries verify");

    let mut g = c.benchmark_group("ceremony");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("zkey-import", |b| {
        b.iter(|| zkey::import(black_box(&bytes), &Circuit::V1).expect("import"))
    });
    g.bench_function("check-chain", |b| {
        b.iter(|| ceremony::check_chain(black_box(&z), 32).expect("chain"))
    });
    g.bench_function("check-queries", |b| {
        b.iter(|| ceremony::check_queries(black_box(&z), &read_ptau()).expect("queries"))
    });
    g.finish();

    let (own, _) = keys();
    let f = fixture();
    let threads = rayon::current_num_threads();
    let mut r = rng(17);
    let p = prove(&z.pk, &f.statement, &f.witness, &mut r).expect("prove");
    alc_verifier::verify(&z.vk, &p, &f.statement).expect("the imported key's proof verifies");
    let mut g = c.benchmark_group("prove-zkey");
    g.sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    for (name, pk) in [("own-key", own), ("imported-zkey", &z.pk)] {
        g.bench_function(format!("{name}-{threads}-threads"), |b| {
            b.iter(|| prove(pk, &f.statement, &f.witness, &mut r).expect("prove"))
        });
    }
    g.finish();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js/snarkjs-prove-bench.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(&dir)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{}", String::from_utf8_lossy(&out.stdout).trim());
}

criterion_group!(benches, ceremony_checks);
criterion_main!(benches);
