//! Helpers for the end-to-end tests: the real `alc` binary, run as a user would.

pub mod licensing;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `alc` binary: `$ALC_BIN`, or built now with the same cargo (a no-op when fresh).
pub fn alc_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("ALC_BIN") {
            return PathBuf::from(p);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "build",
                "-q",
                "-p",
                "alc-cli",
                "--bin",
                "alc",
                "--message-format=json",
            ])
            .current_dir(workspace())
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "building alc failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| {
                v.get("executable")
                    .and_then(|e| e.as_str())
                    .map(PathBuf::from)
            })
            .find(|p| p.file_stem().is_some_and(|s| s == "alc"))
            .expect("cargo reported the alc executable")
    })
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `alc` with arguments in `dir`.
pub fn alc(dir: &Path, args: &[&str]) -> Output {
    Command::new(alc_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("ALC_KEYS")
        .output()
        .expect("alc runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "alc failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Asserts failure with exactly one `error:` line containing `needle`; returns it.
pub fn fails(o: Output, needle: &str) -> String {
    assert!(
        !o.status.success(),
        "alc succeeded but should have failed:\n{}",
        stdout(&o)
    );
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got:\n{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "expected {needle:?} in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A key directory set up once per test binary.
pub fn shared_keys() -> &'static Path {
    static KEYS: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &KEYS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let keys = dir.path().join("keys");
            ok(alc(
                dir.path(),
                &["setup", "--keys", keys.to_str().expect("utf-8 path")],
            ));
            (dir, keys)
        })
        .1
}

/// Circuit v2's keys for the test binary, made once: three trustees' 2-of-3 escrow key
/// (`alc escrow deal`, `finish`, `key`) and `alc setup --escrow-key` under it.
pub struct EscrowSetup {
    /// The folder of everything (kept for the binary's life).
    _dir: tempfile::TempDir,
    /// The key directory.
    pub keys: PathBuf,
    /// The published joint key (`escrow-key.json` of `alc escrow key`).
    pub joint_key: PathBuf,
    /// Trustee `i`'s folder (`key-share.json`), i = 1, 2, 3.
    pub trustees: [PathBuf; 3],
}

/// [`EscrowSetup`], made on first use.
pub fn shared_keys_v2() -> &'static EscrowSetup {
    static KEYS: OnceLock<EscrowSetup> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let path = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
        let ex = path(&d.join("exchange"));
        let who = |i: u32| {
            [
                "--trustee".to_owned(),
                i.to_string(),
                "--threshold".into(),
                "2".into(),
                "--trustees".into(),
                "3".into(),
            ]
        };
        let run = |args: Vec<String>| {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            ok(alc(d, &a));
        };
        for i in 1..=3 {
            run([
                vec!["escrow".into(), "deal".into(), "--out".into(), ex.clone()],
                who(i).to_vec(),
            ]
            .concat());
        }
        let trustees = [1, 2, 3].map(|i| d.join(format!("trustee-{i}")));
        for (i, t) in (1..=3).zip(&trustees) {
            run([
                vec![
                    "escrow".into(),
                    "finish".into(),
                    "--dealings".into(),
                    ex.clone(),
                    "--out".into(),
                    path(t),
                ],
                who(i).to_vec(),
            ]
            .concat());
        }
        let joint_key = d.join("escrow-key.json");
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
                &ex,
                "--out",
                &path(&joint_key),
            ],
        ));
        let keys = d.join("keys-v2");
        ok(alc(
            d,
            &[
                "setup",
                "--keys",
                &path(&keys),
                "--escrow-key",
                &path(&joint_key),
            ],
        ));
        EscrowSetup {
            _dir: dir,
            keys,
            joint_key,
            trustees,
        }
    })
}

/// Lets the gateway in `data` accept circuit v1 (its tests prove with [`shared_keys`]):
/// appends `allow_v1 = true` to its `gateway.toml`, creating both if need be.
pub fn allow_v1(data: &Path) {
    std::fs::create_dir_all(data).expect("the gateway's folder");
    let path = data.join("gateway.toml");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str("allow_v1 = true\n");
    std::fs::write(path, text).expect("gateway.toml");
}

/// A running `alc` service process, killed when dropped.
pub struct Service {
    /// The process.
    pub child: std::process::Child,
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
}

impl Service {
    /// Starts `alc ARGS` in `dir` and waits for the line announcing its URL.
    pub fn start(dir: &Path, args: &[&str]) -> Service {
        use std::io::BufRead;
        let mut child = Command::new(alc_bin())
            .args(args)
            .current_dir(dir)
            .env_remove("ALC_KEYS")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("alc starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(i) = line.find("http://") {
                        let url: String = line[i..]
                            .chars()
                            .take_while(|c| !c.is_whitespace())
                            .collect();
                        break url;
                    }
                }
                _ => panic!("alc {args:?} exited before announcing its address"),
            }
        };
        // Keep draining stdout so the service never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Service { child, url }
    }

    /// Kills the process with SIGKILL (no chance to clean up) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A TCP relay on a fresh loopback port to `upstream` (`host:port`), for the life of the
/// process: another origin in front of a real service (a gateway relaying another's
/// challenges). Its base URL.
pub fn relay(upstream: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let upstream = upstream.to_owned();
    std::thread::spawn(move || {
        for inbound in listener.incoming().flatten() {
            let Ok(out) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            let (Ok(mut in2), Ok(mut out2)) = (inbound.try_clone(), out.try_clone()) else {
                continue;
            };
            let (mut inbound, mut out) = (inbound, out);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut inbound, &mut out2);
                let _ = out2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut out, &mut in2);
                let _ = in2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    url
}

/// The proving key of a key directory (`alc setup`): `proving_key.fast`, loaded under
/// the digest its `digests.json` pins.
pub fn fast_proving_key(keys: &Path) -> alc_prover::ProvingKey {
    let text = std::fs::read_to_string(keys.join("digests.json")).expect("digests.json");
    let digests: alc_protocol::files::Digests = serde_json::from_str(&text).expect("digests");
    let digest: [u8; 32] = hex::decode(&digests.proving_key_fast)
        .ok()
        .and_then(|d| d.try_into().ok())
        .expect("a SHA-256 in hex");
    let bytes = std::fs::read(keys.join("proving_key.fast")).expect("proving_key.fast");
    alc_prover::ProvingKey::from_fast_bytes(&bytes, &digest).expect("the pinned key loads")
}
