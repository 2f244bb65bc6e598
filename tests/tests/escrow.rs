//! `alc escrow` end to end with the real binary: three trustees generate a 2-of-3 escrow
//! key over an exchange folder, the authority derives the same public key from the
//! dealings alone, a drill ciphertext is opened by two trustees; and each way it must
//! fail fails with one clear line naming whom to blame.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, ok};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn who(i: u32) -> Vec<String> {
    [
        "--trustee",
        &i.to_string(),
        "--threshold",
        "2",
        "--trustees",
        "3",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect()
}

fn run(dir: &Path, args: &[String]) -> std::process::Output {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    alc(dir, &a)
}

fn args(parts: &[&str], extra: Vec<String>) -> Vec<String> {
    parts.iter().map(|x| x.to_string()).chain(extra).collect()
}

/// `alc escrow open` of the drill with `partials`, in `dir`.
fn open_drill(dir: &Path, partials: &[&str]) -> std::process::Output {
    let mut a = vec![
        "escrow",
        "open",
        "--key",
        "published.json",
        "--ciphertext",
        "drill.json",
    ];
    a.extend(partials);
    alc(dir, &a)
}

#[test]
fn three_trustees_generate_a_key_and_two_open_a_drill() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let ex = d.join("exchange");
    for i in 1..=3 {
        ok(run(d, &args(&["escrow", "deal", "--out", s(&ex)], who(i))));
    }
    // Dealt shares are for their recipients only.
    let mode = std::fs::metadata(ex.join("share-2-for-3.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    for i in 1..=3 {
        let out = d.join(format!("trustee-{i}"));
        ok(run(
            d,
            &args(
                &["escrow", "finish", "--dealings", s(&ex), "--out", s(&out)],
                who(i),
            ),
        ));
    }
    ok(alc(
        d,
        &[
            "escrow",
            "key",
            "--threshold",
            "2",
            "--trustees",
            "3",
            "--dealings",
            s(&ex),
            "--out",
            "published.json",
        ],
    ));
    // Every trustee holds the key the authority publishes.
    let published = std::fs::read_to_string(d.join("published.json")).unwrap();
    for i in 1..=3 {
        let mine = std::fs::read_to_string(d.join(format!("trustee-{i}/escrow-key.json"))).unwrap();
        assert_eq!(mine, published);
    }
    ok(alc(
        d,
        &[
            "escrow",
            "encrypt",
            "--key",
            "published.json",
            "--serial",
            "314159",
            "--out",
            "drill.json",
        ],
    ));
    for i in [1, 3] {
        ok(alc(
            d,
            &[
                "escrow",
                "partial",
                "--share",
                &format!("trustee-{i}/key-share.json"),
                "--ciphertext",
                "drill.json",
                "--out",
                &format!("partial-{i}.json"),
            ],
        ));
    }
    let out = ok(open_drill(d, &["partial-1.json", "partial-3.json"]));
    assert_eq!(out.trim(), "serial 314159");

    // Circuit v2's setup under the published key: the key directory names circuit v2
    // and keeps the escrow key it was made under; v1's commands refuse it.
    let keys = d.join("keys-v2");
    let out = ok(alc(
        d,
        &[
            "setup",
            "--keys",
            s(&keys),
            "--escrow-key",
            "published.json",
        ],
    ));
    assert!(out.contains("setup of alc-presentation-v2"), "{out}");
    assert!(out.contains("2-of-3 trustees' key"), "{out}");
    assert_eq!(
        std::fs::read_to_string(keys.join("escrow-key.json")).unwrap(),
        published
    );
    let digests: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(keys.join("digests.json")).unwrap()).unwrap();
    assert_eq!(digests["circuit"], "alc-presentation-v2");
    assert_eq!(digests["escrow_key"].as_str().unwrap().len(), 64);
    fails(
        alc(d, &["verify", "--keys", s(&keys), "drill.json"]),
        "are for circuit \"alc-presentation-v2\"",
    );
    // A dealing is not an escrow key.
    fails(
        alc(
            d,
            &[
                "setup",
                "--keys",
                "k",
                "--escrow-key",
                s(&ex.join("dealing-1.json")),
            ],
        ),
        "expected a alc-escrow-key file",
    );

    // The twins. One trustee alone opens nothing.
    fails(
        open_drill(d, &["partial-1.json"]),
        "1 partial decryptions from distinct trustees, 2 needed",
    );
    // A partial whose point was changed names its trustee.
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("partial-3.json")).unwrap()).unwrap();
    p["point"] = p["c1"].clone();
    std::fs::write(d.join("bad-3.json"), p.to_string()).unwrap();
    fails(
        open_drill(d, &["partial-1.json", "bad-3.json"]),
        "trustee 3's partial decryption is invalid",
    );
    // A key share readable by others is refused before use.
    let share = d.join("trustee-2/key-share.json");
    std::fs::set_permissions(&share, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = alc(
        d,
        &[
            "escrow",
            "partial",
            "--share",
            s(&share),
            "--ciphertext",
            "drill.json",
            "--out",
            "p2.json",
        ],
    );
    assert!(!o.status.success());
    assert!(!d.join("p2.json").exists());
}

#[test]
fn a_bad_share_names_its_dealer_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let ex = d.join("exchange");
    for i in 1..=3 {
        ok(run(d, &args(&["escrow", "deal", "--out", s(&ex)], who(i))));
    }
    // Trustee 2 hands trustee 1 the share it dealt trustee 3.
    let to3 = std::fs::read_to_string(ex.join("share-2-for-3.json")).unwrap();
    let forged = to3.replace("\"recipient\": 3", "\"recipient\": 1");
    std::fs::write(ex.join("share-2-for-1.json"), forged).unwrap();
    let out = d.join("trustee-1");
    fails(
        run(
            d,
            &args(
                &["escrow", "finish", "--dealings", s(&ex), "--out", s(&out)],
                who(1),
            ),
        ),
        "trustee 2 dealt trustee 1 a share that does not match its commitments",
    );
    assert!(!out.join("key-share.json").exists());
    // A missing dealing is named too.
    std::fs::remove_file(ex.join("dealing-3.json")).unwrap();
    fails(
        alc(
            d,
            &[
                "escrow",
                "key",
                "--threshold",
                "2",
                "--trustees",
                "3",
                "--dealings",
                s(&ex),
                "--out",
                "k.json",
            ],
        ),
        "dealing-3.json",
    );
    // And a threshold that makes no sharing.
    fails(
        alc(
            d,
            &[
                "escrow",
                "deal",
                "--trustee",
                "1",
                "--threshold",
                "4",
                "--trustees",
                "3",
                "--out",
                "x",
            ],
        ),
        "a threshold of 4 of 3 trustees",
    );
}
