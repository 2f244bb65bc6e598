//! A multi-party trusted setup through the circom toolchain, with the real `alc` binary
//! and snarkjs from npm. Circuit v1: exported as `.r1cs` (snarkjs reads ALC's counts), a
//! Powers of Tau made locally (new, a contribution, phase 2), `groth16 setup`, two `zkey
//! contribute`s and a `beacon`; `alc ceremony verify` checks it and prints the
//! contribution hashes `snarkjs zkey verify` prints; ALC imports the final zkey, proves
//! with it (and writes the `.wtns`), and both ALC and snarkjs verify; snarkjs proves from
//! ALC's witness and ALC verifies. Circuit v2 under an escrow key: a ceremony on the same
//! Powers of Tau, imported, a v2 proof verified by ALC and by snarkjs. The twins: a zkey
//! with no phase-2 contribution, the zkey for another circuit, a changed coefficient, a
//! tampered `A` and `H` query point, a wrong proof of knowledge, a Powers of Tau other
//! than the one required, an import without a Powers of Tau, and a `.wtns` with one
//! value changed (`snarkjs wtns check` fails).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, fast_proving_key, ok, shared_keys_v2, workspace};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// A prepared Powers of Tau of power 13 (ALC's domain), made once with snarkjs and kept
/// under cargo's target directory: making it takes minutes, and both tests use it.
fn ptau() -> &'static (PathBuf, Duration) {
    static P: OnceLock<(PathBuf, Duration)> = OnceLock::new();
    P.get_or_init(|| {
        let started = Instant::now();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ceremony");
        let file = dir.join("pot13.ptau");
        if !file.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            snarkjs_ok(&dir, &["powersoftau", "new", "bn128", "13", "pot0.ptau"]);
            snarkjs_ok(
                &dir,
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
                &dir,
                &[
                    "powersoftau",
                    "prepare",
                    "phase2",
                    "pot1.ptau",
                    "partial.ptau",
                ],
            );
            // Renamed when whole: an interrupted run leaves no half-made file behind.
            std::fs::rename(dir.join("partial.ptau"), &file).unwrap();
        }
        (file, started.elapsed())
    })
}

/// `groth16 setup` of `r1cs` on the Powers of Tau, then a contribution by each of
/// `names` and a beacon; the zkeys are `<prefix>0.zkey` (none), `<prefix>1.zkey`, ...
/// and `<prefix>final.zkey`.
fn ceremony(d: &Path, r1cs: &str, prefix: &str, names: &[&str]) {
    let zkey = |i: usize| format!("{prefix}{i}.zkey");
    snarkjs_ok(d, &["groth16", "setup", r1cs, s(&ptau().0), &zkey(0)]);
    for (i, name) in names.iter().enumerate() {
        snarkjs_ok(
            d,
            &[
                "zkey",
                "contribute",
                &zkey(i),
                &zkey(i + 1),
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
            &zkey(names.len()),
            &format!("{prefix}final.zkey"),
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "10",
            "-n=the beacon",
        ],
    );
}

/// The hex words of the 64-byte hash printed under the line with `title`, in snarkjs's
/// layout (four lines of four 32-bit words), whoever printed it.
fn printed_hash(text: &str, title: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(title))
        .unwrap_or_else(|| panic!("no {title:?} in {text}"));
    let words: Vec<&str> = lines[at + 1..at + 5]
        .iter()
        .flat_map(|l| l.split_whitespace())
        .filter(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert_eq!(words.len(), 16, "{title}: {text}");
    words.concat()
}

/// `bytes` with the `i`-th and `j`-th points of section `kind` (`size` bytes each)
/// swapped: both still on the curve, neither where it belongs.
fn swap_points(bytes: &[u8], kind: u32, size: usize, i: usize, j: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let o = section_offset(bytes, kind);
    let (a, b) = (o + i * size, o + j * size);
    assert_ne!(bytes[a..a + size], bytes[b..b + size], "two equal points");
    out[a..a + size].copy_from_slice(&bytes[b..b + size]);
    out[b..b + size].copy_from_slice(&bytes[a..a + size]);
    out
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
    let (pot, ptau_took) = ptau();
    let pot = s(pot);
    ceremony(d, "v1.r1cs", "c", &["alice", "bob"]);
    let ceremony_took = started.elapsed();
    // ALC checks the ceremony and prints the contribution hashes snarkjs prints.
    let mine = ok(alc(
        d,
        &["ceremony", "verify", "cfinal.zkey", "--ptau", pot],
    ));
    assert!(mine.contains("the ceremony verifies"), "{mine}");
    let theirs = snarkjs_ok(d, &["zkey", "verify", "v1.r1cs", pot, "cfinal.zkey"]);
    assert!(theirs.contains("ZKey Ok!"), "{theirs}");
    for title in [
        "contribution #1 alice",
        "contribution #2 bob",
        "contribution #3 the beacon",
    ] {
        assert_eq!(
            printed_hash(&mine, title),
            printed_hash(&theirs, title),
            "{title}"
        );
    }
    let ptau_hash = mine
        .lines()
        .find_map(|l| l.split("blake2b-512 ").nth(1))
        .unwrap()
        .to_owned();
    let requiring = |hash: &str| {
        alc(
            d,
            &[
                "ceremony",
                "verify",
                "cfinal.zkey",
                "--ptau",
                pot,
                "--ptau-blake2b",
                hash,
            ],
        )
    };
    ok(requiring(&ptau_hash));
    // The twins of the ceremony: another Powers of Tau than the one required; an A and
    // an H query point moved (each still on the curve); alice's proof of knowledge
    // replaced by bob's; no Powers of Tau at all.
    fails(requiring(&"0".repeat(128)), "not the 0000");
    let zkey = std::fs::read(d.join("cfinal.zkey")).unwrap();
    for (kind, name, twin) in [(5, "A query", "a.zkey"), (9, "H query", "h.zkey")] {
        std::fs::write(d.join(twin), swap_points(&zkey, kind, 64, 100, 101)).unwrap();
        fails(
            alc(d, &["ceremony", "verify", twin, "--ptau", pot]),
            &format!("the {name} does not follow from the Powers of Tau"),
        );
    }
    // Section 10: the circuit hash, a count, then each contribution: delta_after, g1_s,
    // g1_sx (64 bytes each), g2_spx (128), the transcript (64), a type, its parameters.
    let first = section_offset(&zkey, 10) + 64 + 4;
    let params = u32::from_le_bytes(zkey[first + 388..first + 392].try_into().unwrap()) as usize;
    let second = first + 392 + params;
    let mut pok = zkey.clone();
    pok[first + 192..first + 320].copy_from_slice(&zkey[second + 192..second + 320]);
    std::fs::write(d.join("pok.zkey"), &pok).unwrap();
    fails(
        alc(d, &["ceremony", "verify", "pok.zkey", "--ptau", pot]),
        "contribution #1 (alice): its proof of knowledge does not verify",
    );
    let o = alc(d, &["setup", "--keys", "kp", "--from-zkey", "cfinal.zkey"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--ptau"));
    // ALC imports it and lists the contributions.
    let out = ok(alc(
        d,
        &[
            "setup",
            "--keys",
            "k",
            "--from-zkey",
            "cfinal.zkey",
            "--ptau",
            pot,
        ],
    ));
    assert_eq!(
        printed_hash(&out, "contribution #2 bob"),
        printed_hash(&theirs, "contribution #2 bob")
    );
    let digests: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("k/digests.json")).unwrap()).unwrap();
    assert_eq!(
        digests["ceremony"].as_str().unwrap(),
        printed_hash(&mine, "transcript hash")
    );
    assert_eq!(digests["zkey"].as_str().unwrap().len(), 64);
    // The twins: no phase-2 contribution; another circuit; a changed coefficient.
    fails(
        alc(
            d,
            &[
                "setup",
                "--keys",
                "k0",
                "--from-zkey",
                "c0.zkey",
                "--ptau",
                pot,
            ],
        ),
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
                "cfinal.zkey",
                "--ptau",
                pot,
                "--escrow-key",
                s(&v2.keys.join("escrow-key.json")),
            ],
        ),
        "another circuit",
    );
    let mut zkey = zkey;
    // Section 4: a count, then (matrix, row, wire, value) terms; the first value's low
    // byte changed.
    let first_value = section_offset(&zkey, 4) + 4 + 12;
    zkey[first_value] ^= 1;
    std::fs::write(d.join("tampered.zkey"), &zkey).unwrap();
    fails(
        alc(
            d,
            &[
                "setup",
                "--keys",
                "kt",
                "--from-zkey",
                "tampered.zkey",
                "--ptau",
                pot,
            ],
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
        &[
            "zkey",
            "export",
            "verificationkey",
            "cfinal.zkey",
            "vk.json",
        ],
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
            "cfinal.zkey",
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
        "ceremony e2e (v1): powers of tau {ptau_took:?}, to the final zkey {ceremony_took:?}, snarkjs prove (node, with start-up) {snarkjs_prove:?}, total {:?}",
        started.elapsed()
    );
}

#[test]
fn a_circuit_v2_ceremony_on_the_same_powers_of_tau() {
    use alc_circuits::presentation::v2::{encode_holder_key, Statement, Witness};
    use alc_prover::example::Example;
    use rand::SeedableRng;

    let started = Instant::now();
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let escrow_file = &shared_keys_v2().joint_key;
    let escrow = s(escrow_file);
    ok(alc(
        d,
        &["circuit", "export-r1cs", "v2.r1cs", "--escrow-key", escrow],
    ));
    let info = snarkjs_ok(d, &["r1cs", "info", "v2.r1cs"]);
    assert!(info.contains("# of Constraints: 7881"), "{info}");
    let pot = s(&ptau().0);
    ceremony(d, "v2.r1cs", "e", &["carol"]);
    let out = ok(alc(
        d,
        &[
            "setup",
            "--keys",
            "k",
            "--from-zkey",
            "efinal.zkey",
            "--ptau",
            pot,
            "--escrow-key",
            escrow,
        ],
    ));
    assert!(out.contains("contribution #1 carol"), "{out}");
    // Twin: the v2 zkey is not circuit v1's.
    fails(
        alc(d, &["ceremony", "verify", "efinal.zkey", "--ptau", pot]),
        "another circuit",
    );
    // A v2 proof with the imported key verifies in ALC and under the zkey's own key in
    // snarkjs.
    let keys = d.join("k");
    let pk = fast_proving_key(&keys);
    let vk = alc_verifier::VerifyingKey::from_bytes(
        &std::fs::read(keys.join("verifying_key.bin")).unwrap(),
    )
    .unwrap();
    let joint: alc_protocol::escrow::JointKey =
        serde_json::from_str(&std::fs::read_to_string(escrow_file).unwrap()).unwrap();
    let key = *alc_escrow::dkg::EscrowPublic::from_text(&joint)
        .unwrap()
        .key();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let ex = Example::generate(&mut rng, 1_790_000_000);
    let (v1, w1) = ex.prepare().unwrap();
    let r = alc_circuits::escrow::Randomness::random(&mut rng);
    let statement = Statement {
        v1,
        escrow: alc_circuits::escrow::Ciphertext::encrypt(&key, w1.credential.serial, &r),
        holder_key: encode_holder_key(&[5; 32]),
    };
    let witness = Witness {
        v1: w1,
        randomness: r,
    };
    let proof = alc_prover::prove_v2(&pk, &key, &statement, &witness, &mut rng).unwrap();
    alc_verifier::verify_v2(&vk, &proof, &statement).unwrap();
    snarkjs_ok(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "efinal.zkey",
            "vk.json",
        ],
    );
    let inputs = statement.public_inputs();
    std::fs::write(
        d.join("proof.json"),
        alc_verifier::snarkjs::export_proof(&proof),
    )
    .unwrap();
    std::fs::write(
        d.join("public.json"),
        alc_verifier::snarkjs::export_public(&inputs),
    )
    .unwrap();
    let v = snarkjs_ok(
        d,
        &["groth16", "verify", "vk.json", "public.json", "proof.json"],
    );
    assert!(v.contains("OK"), "{v}");
    // Twin: another holder key is not what was proved.
    let mut other = statement;
    other.holder_key = encode_holder_key(&[6; 32]);
    std::fs::write(
        d.join("public-twin.json"),
        alc_verifier::snarkjs::export_public(&other.public_inputs()),
    )
    .unwrap();
    let (done, v) = snarkjs(
        d,
        &[
            "groth16",
            "verify",
            "vk.json",
            "public-twin.json",
            "proof.json",
        ],
    );
    assert!(!done || !v.contains("OK"), "{v}");
    eprintln!("ceremony e2e (v2): {:?}", started.elapsed());
}
