//! The administrators' commands, with the real binary against a real authority:
//! `alc authority init|revoke|incidents|register-gateway`, `alc gateway init|kill`, and
//! their failures (unreachable service, refusals, bad arguments), each one line on
//! stderr with a non-zero exit.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, ok, Service};

#[test]
fn authority_and_gateway_administration_from_the_command_line() {
    let t = tempfile::tempdir().unwrap();
    let adata = t.path().join("authority");
    let out = ok(alc(
        t.path(),
        &["authority", "init", "--data", adata.to_str().unwrap()],
    ));
    assert!(out.contains("registry key"), "{out}");
    assert!(adata.join("admin-token").exists() && adata.join("keys/registry.key").exists());
    // `alc authority info` prints the digest `init` printed (and gateways compare); in a
    // folder with no authority it refuses rather than creating one.
    let digest = |text: &str, label: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|d| d.split_whitespace().next().unwrap().to_owned())
            .unwrap()
    };
    let init_digest = digest(&out, "keys digest");
    let info = ok(alc(
        t.path(),
        &["authority", "info", "--data", adata.to_str().unwrap()],
    ));
    assert_eq!(digest(&info, "digest"), init_digest, "{info}");
    assert_eq!(init_digest.len(), 64);
    let empty = t.path().join("no-authority");
    fails(
        alc(
            t.path(),
            &["authority", "info", "--data", empty.to_str().unwrap()],
        ),
        "no authority in",
    );
    assert!(!empty.exists());
    let auth = Service::start(
        t.path(),
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            adata.to_str().unwrap(),
        ],
    );
    let admin = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend_from_slice(&["--authority", &auth.url, "--data", adata.to_str().unwrap()]);
        alc(t.path(), &a)
    };

    // A gateway's folder, and its registration at the authority.
    let gdata = t.path().join("gateway");
    let out = ok(alc(
        t.path(),
        &[
            "gateway",
            "init",
            "--data",
            gdata.to_str().unwrap(),
            "--scope",
            "gw.test",
            "--authority",
            &auth.url,
        ],
    ));
    let key = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("registry key"))
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(key.len(), 64, "{out}");
    assert!(std::fs::read_to_string(gdata.join("gateway.toml"))
        .unwrap()
        .contains("scope = \"gw.test\""));
    // A gateway's URL must be https (or http on loopback): wallets compare its origin.
    fails(
        admin(&[
            "authority",
            "register-gateway",
            "--id",
            "gw.test",
            "--key",
            &key,
            "--url",
            "http://gw.example",
            "--reason",
            "onboarding",
        ]),
        "plain http",
    );
    ok(admin(&[
        "authority",
        "register-gateway",
        "--id",
        "gw.test",
        "--key",
        &key,
        "--url",
        "https://gw.example",
        "--reason",
        "onboarding",
    ]));
    // The signed list names it, with its URL.
    let listed = reqwest::blocking::get(format!("{}/v1/gateways", auth.url))
        .unwrap()
        .text()
        .unwrap();
    assert!(listed.contains("\"payload\""), "{listed}");
    // The same id with another key is refused.
    let other = "11".repeat(32);
    let err = fails(
        admin(&[
            "authority",
            "register-gateway",
            "--id",
            "gw.test",
            "--key",
            &other,
            "--url",
            "https://gw.example",
            "--reason",
            "x",
        ]),
        "another key",
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let out = ok(admin(&["authority", "incidents"]));
    assert!(out.contains("[]"), "{out}");
    // Refusals and bad input: one clear line each.
    fails(
        admin(&["authority", "revoke", "999", "--reason", "x"]),
        "no credential with serial 999",
    );
    fails(
        alc(
            t.path(),
            &[
                "authority",
                "revoke",
                "1",
                "--reason",
                "x",
                "--authority",
                &auth.url,
                "--token",
                "wrong",
            ],
        ),
        "refused (401)",
    );
    fails(
        alc(
            t.path(),
            &[
                "authority",
                "revoke",
                "1",
                "--reason",
                "x",
                "--authority",
                "http://127.0.0.1:9",
                "--token",
                "t",
            ],
        ),
        "cannot reach the authority",
    );
    fails(
        alc(
            t.path(),
            &[
                "authority",
                "incidents",
                "--authority",
                &auth.url,
                "--data",
                t.path().join("nowhere").to_str().unwrap(),
            ],
        ),
        "no admin token",
    );
    fails(
        alc(
            t.path(),
            &[
                "gateway",
                "kill",
                "--reason",
                "x",
                "--data",
                gdata.to_str().unwrap(),
            ],
        ),
        "exactly one of --lease or --pseudonym",
    );
    fails(
        alc(
            t.path(),
            &[
                "gateway",
                "kill",
                "--lease",
                "l",
                "--reason",
                "x",
                "--gateway",
                "http://127.0.0.1:9",
                "--data",
                gdata.to_str().unwrap(),
            ],
        ),
        "cannot reach the gateway",
    );
    fails(
        alc(
            t.path(),
            &[
                "gateway",
                "init",
                "--data",
                t.path().join("g2").to_str().unwrap(),
                "--scope",
                "has space",
            ],
        ),
        "scope",
    );
}
