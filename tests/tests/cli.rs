//! The `alc` command end to end: example -> setup -> prove -> verify -> snarkjs, and
//! one clear error line (never a panic) for each way a user can get it wrong.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, ok, shared_keys, workspace};
use std::path::Path;
use std::process::Command;

const NOW: &str = "1790000000";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An example directory with a presentation proved for it.
fn proved() -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let ex = t.path().join("ex");
    ok(alc(t.path(), &["example", s(&ex), "--now", NOW]));
    let out = ok(alc(
        t.path(),
        &["prove", "--keys", s(shared_keys()), "--dir", s(&ex)],
    ));
    assert!(
        out.contains("prove") && out.contains("presentation.json"),
        "{out}"
    );
    (t, ex)
}

/// `alc export-snarkjs OUT --keys KEYS --presentation PRES`, run in `dir`.
fn export_snarkjs(dir: &Path, out: &Path, keys: &Path, pres: &Path) -> std::process::Output {
    alc(
        dir,
        &[
            "export-snarkjs",
            s(out),
            "--keys",
            s(keys),
            "--presentation",
            s(pres),
        ],
    )
}

/// `snarkjs groth16 verify` on the export in `sj` with the public inputs `public`: its
/// stdout and stderr.
fn snarkjs_verify(sj: &Path, public: &Path) -> String {
    let cli = workspace().join("tools/js/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.exists(),
        "snarkjs is not installed: run `npm ci --prefix tools/js` (the README's test command does)"
    );
    let out = Command::new("node")
        .arg(&cli)
        .args(["groth16", "verify"])
        .args([
            sj.join("verification_key.json"),
            public.to_path_buf(),
            sj.join("proof.json"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn round_trip_and_snarkjs_accepts_the_export() {
    let (t, ex) = proved();
    let keys = s(shared_keys());
    let pres = ex.join("presentation.json");
    let out = ok(alc(
        t.path(),
        &[
            "verify",
            "--keys",
            keys,
            s(&pres),
            "--issuer-from",
            s(&ex.join("credential.json")),
        ],
    ));
    assert!(out.contains("valid"), "{out}");

    let sj = t.path().join("snarkjs");
    ok(export_snarkjs(t.path(), &sj, shared_keys(), &pres));
    let text = snarkjs_verify(&sj, &sj.join("public.json"));
    assert!(
        text.contains("OK"),
        "snarkjs groth16 verify did not accept: {text}"
    );
    // A changed challenge is refused by snarkjs too.
    let mut public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(sj.join("public.json")).unwrap()).unwrap();
    public[7] = "1".into();
    let twin = sj.join("public-twin.json");
    std::fs::write(&twin, serde_json::to_string(&public).unwrap()).unwrap();
    let text = snarkjs_verify(&sj, &twin);
    assert!(
        text.contains("Invalid proof") && !text.contains("OK"),
        "{text}"
    );
}

/// A circuit-v2 presentation (the pinned one of `circuits/circuit_data/v2/`, in a key
/// directory holding its fixed-seed verifying key) exported for snarkjs and accepted by
/// it; a v1 presentation against v2 keys is refused with one clear line.
#[test]
fn export_snarkjs_takes_circuit_v2() {
    let t = tempfile::tempdir().unwrap();
    let pins = workspace().join("circuits/circuit_data/v2");
    let keys = t.path().join("keys-v2");
    std::fs::create_dir_all(&keys).unwrap();
    let vk = hex::decode(
        std::fs::read_to_string(pins.join("verifying_key.hex"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    std::fs::write(keys.join("verifying_key.bin"), &vk).unwrap();
    let digest = std::fs::read_to_string(pins.join("verifying_key.sha256")).unwrap();
    let digests = serde_json::json!({
        "circuit": "alc-presentation-v2",
        "proving_key": "00".repeat(32),
        "proving_key_fast": "00".repeat(32),
        "verifying_key": digest.trim(),
    });
    std::fs::write(keys.join("digests.json"), digests.to_string()).unwrap();
    let sj = t.path().join("snarkjs");
    ok(export_snarkjs(
        t.path(),
        &sj,
        &keys,
        &pins.join("presentation.json"),
    ));
    let public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(sj.join("public.json")).unwrap()).unwrap();
    assert_eq!(public.len(), 15);
    let text = snarkjs_verify(&sj, &sj.join("public.json"));
    assert!(
        text.contains("OK"),
        "snarkjs did not accept the v2 export: {text}"
    );
    // And refuses it with a changed holder key (input 14).
    let mut twin = public;
    twin[14] = "1".into();
    std::fs::write(
        sj.join("public-twin.json"),
        serde_json::to_string(&twin).unwrap(),
    )
    .unwrap();
    let text = snarkjs_verify(&sj, &sj.join("public-twin.json"));
    assert!(
        text.contains("Invalid proof") && !text.contains("OK"),
        "{text}"
    );
    // The twin: v1's pinned presentation against the v2 keys.
    let v1 = workspace().join("circuits/circuit_data/v1/presentation.json");
    fails(
        export_snarkjs(t.path(), &sj, &keys, &v1),
        "has 10 public inputs and the keys",
    );
}

#[test]
fn tampered_presentations_are_refused() {
    let (t, ex) = proved();
    let keys = s(shared_keys());
    let pres = ex.join("presentation.json");
    let json = std::fs::read_to_string(&pres).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Another challenge: the proof does not verify.
    let mut twin = v.clone();
    twin["statement"]["challenge"] = "12345".into();
    let p = t.path().join("twin.json");
    std::fs::write(&p, twin.to_string()).unwrap();
    fails(
        alc(t.path(), &["verify", "--keys", keys, s(&p)]),
        "the proof does not verify",
    );
    // A challenge that is not canonical (>= r).
    twin["statement"]["challenge"] =
        "21888242871839275222246405745257275088548364400416034343698204186575808495618".into();
    std::fs::write(&p, twin.to_string()).unwrap();
    fails(
        alc(t.path(), &["verify", "--keys", keys, s(&p)]),
        "not below the BN254 scalar field modulus",
    );
    // Flipped proof bytes.
    let mut twin = v.clone();
    let hex = twin["proof"].as_str().unwrap().to_owned();
    let flipped = format!(
        "{}{}",
        if hex.starts_with('0') { "1" } else { "0" },
        &hex[1..]
    );
    twin["proof"] = flipped.into();
    std::fs::write(&p, twin.to_string()).unwrap();
    let o = alc(t.path(), &["verify", "--keys", keys, s(&p)]);
    assert!(!o.status.success());
    // Another issuer required.
    let other = t.path().join("other");
    ok(alc(t.path(), &["example", s(&other), "--now", NOW]));
    fails(
        alc(
            t.path(),
            &[
                "verify",
                "--keys",
                keys,
                s(&pres),
                "--issuer-from",
                s(&other.join("credential.json")),
            ],
        ),
        "another issuer key",
    );
}

#[test]
fn clear_errors_for_user_mistakes() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let ex = dir.join("ex");
    ok(alc(dir, &["example", s(&ex), "--now", NOW]));
    // Files are not overwritten.
    fails(
        alc(dir, &["example", s(&ex), "--now", NOW]),
        "exists (use --force to overwrite)",
    );
    fails(
        alc(dir, &["setup", "--keys", s(shared_keys())]),
        "keys already exist",
    );
    // No keys.
    fails(
        alc(
            dir,
            &["prove", "--keys", s(&dir.join("nokeys")), "--dir", s(&ex)],
        ),
        "run `alc setup` first",
    );
    // Missing input file.
    fails(
        alc(
            dir,
            &[
                "prove",
                "--keys",
                s(shared_keys()),
                "--dir",
                s(&dir.join("nowhere")),
            ],
        ),
        "cannot read",
    );
    // A request the credential cannot meet.
    let req = ex.join("request.json");
    let body = std::fs::read_to_string(&req)
        .unwrap()
        .replace("\"min_tier\": 1", "\"min_tier\": 2");
    std::fs::write(&req, body).unwrap();
    fails(
        alc(dir, &["prove", "--keys", s(shared_keys()), "--dir", s(&ex)]),
        "licence tier is below the required minimum",
    );
    // A file of the wrong kind, and a corrupted one.
    let o = alc(
        dir,
        &[
            "prove",
            "--keys",
            s(shared_keys()),
            "--dir",
            s(&ex),
            "--holder",
            s(&ex.join("credential.json")),
        ],
    );
    fails(o, "expected a alc-holder-secret file");
    std::fs::write(
        ex.join("status-list.json"),
        "{\"type\": \"alc-status-list\"",
    )
    .unwrap();
    let o = alc(dir, &["prove", "--keys", s(shared_keys()), "--dir", s(&ex)]);
    fails(o, "not a valid alc-status-list file");
    // Secrets are written with mode 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["issuer.json", "holder.json"] {
            assert_eq!(
                std::fs::metadata(ex.join(f)).unwrap().permissions().mode() & 0o777,
                0o600,
                "{f}"
            );
        }
    }
}

#[test]
fn circuit_info_shows_the_pinned_count() {
    let out = ok(alc(&workspace(), &["circuit", "info"]));
    let pinned =
        std::fs::read_to_string(workspace().join("circuits/circuit_data/v1/constraints.txt"))
            .unwrap();
    let total = out
        .lines()
        .find(|l| l.contains("total constraints"))
        .unwrap();
    assert!(total.ends_with(pinned.trim()), "{total} vs {pinned}");
    assert!(out.contains("8192"), "{out}");
    // Circuit v2's block, after v1's: its own pinned count, in the same domain.
    let pinned_v2 =
        std::fs::read_to_string(workspace().join("circuits/circuit_data/v2/constraints.txt"))
            .unwrap();
    let (_, v2) = out.split_once("alc-presentation-v2").unwrap();
    let total = v2
        .lines()
        .find(|l| l.contains("total constraints"))
        .unwrap();
    assert!(total.ends_with(pinned_v2.trim()), "{total} vs {pinned_v2}");
    assert_ne!(pinned.trim(), pinned_v2.trim());
    assert!(
        v2.contains("escrowed serial") && v2.contains("holder_key"),
        "{v2}"
    );
}

#[test]
fn demo_tells_the_whole_story() {
    let t = tempfile::tempdir().unwrap();
    // The demo makes its trustees' escrow key and circuit v2's keys on the first run.
    let keys = t.path().join("keys");
    let start = std::time::Instant::now();
    let out = ok(alc(t.path(), &["demo", "--keys", s(&keys)]));
    println!(
        "alc demo took {:?} (first run: trustees and setup)",
        start.elapsed()
    );
    for line in [
        "attempt 1:",
        "attempt 2:",
        "no new attempt for 3 s",
        "attempt 3: 12/12 correct: passed",
        "Groth16 proof",
        "/v1/public/models: 200",
        "/v1/sandbox/chat: 200",
        "/v1/autonomous/chat: 200",
        "without a lease: 401",
        "the same lease token without its key: 401",
        "3 links up to the root lease",
        "gateway B reports incident",
        "trustee 1 releases its share on the record",
        "trustee 3 releases its share on the record",
        "opened: licence serial",
        "every agent of the licence is refused at both gateways",
        "2 openings of incident",
        "no new lease",
        "consistent with the earlier one",
        "The compact held at every step",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    // No colour codes when the output is not a terminal.
    assert!(!out.contains('\x1b'), "{out}");

    // The same story as JSON events, one per line, ending in success.
    let out = ok(alc(t.path(), &["demo", "--json", "--keys", s(&keys)]));
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let steps: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "step")
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    for step in [
        "identity",
        "assessment",
        "cooling",
        "credential",
        "prove",
        "lease",
        "call",
        "spawn",
        "trace",
        "incident",
        "opening",
        "revoke",
        "403",
        "renew",
        "audit",
    ] {
        assert!(steps.contains(&step), "{step} missing: {steps:?}");
    }
    let refused = events
        .iter()
        .filter(|e| e["outcome"] == "refused as expected")
        .count();
    assert!(refused >= 6, "{refused}");
    assert_eq!(events.last().unwrap()["event"], "done");
    assert_eq!(events.last().unwrap()["ok"], true);

    // The same story on PostgreSQL (issue 18), when the test command's server is there:
    // fresh databases for the authority and each gateway, dropped at the end.
    if let Some(server) = alc_devkit::postgres::server() {
        let demo_databases = || -> i64 {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
                    .await
                    .unwrap();
                sqlx::query_scalar(
                    "SELECT count(*) FROM pg_database WHERE datname LIKE 'alc_demo_%'",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap()
            })
        };
        let before = demo_databases();
        let out = ok(alc(
            t.path(),
            &["demo", "--keys", s(&keys), "--database", &server],
        ));
        assert!(out.contains("on PostgreSQL"), "{out}");
        assert!(out.contains("The compact held at every step"), "{out}");
        assert_eq!(demo_databases(), before, "the demo's databases are dropped");
        // The twin: a server that is not there fails the demo clearly.
        let err = fails(
            alc(
                t.path(),
                &[
                    "demo",
                    "--keys",
                    s(&keys),
                    "--database",
                    "postgres://alc@127.0.0.1:1/x",
                ],
            ),
            "cannot create a database",
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn demo_refuses_circuit_v1_keys() {
    let t = tempfile::tempdir().unwrap();
    let err = fails(
        alc(t.path(), &["demo", "--keys", s(shared_keys())]),
        "error:",
    );
    assert!(err.contains("circuit v1's"), "{err}");
}

#[test]
fn demo_fails_clearly_without_usable_keys() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("not-a-dir"), b"").unwrap();
    let keys = t.path().join("not-a-dir").join("keys");
    let err = fails(alc(t.path(), &["demo", "--keys", s(&keys)]), "error:");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// A reader that goes away (`alc authority info | head -1`) ends the command quietly
/// with SIGPIPE's shell status, not a panic (exit 101); the twin reads everything:
/// status 0.
#[test]
fn a_closed_pipe_ends_output_quietly() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("authority");
    let info = ["authority", "info", "--data", s(&data)];
    alc_e2e::ok(alc_e2e::alc(
        t.path(),
        &["authority", "init", "--data", s(&data)],
    ));
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // closed before alc writes a byte: its first write fails
    let out = std::process::Command::new(alc_e2e::alc_bin())
        .args(info)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = alc_e2e::alc(t.path(), &info);
    assert!(out.status.success());
    assert!(!out.stdout.is_empty());
}
