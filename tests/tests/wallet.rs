//! The operator's wallet from the command line, against a real development identity
//! provider, authority and gateways: init -> kyc -> assess -> obtain -> status -> lease ->
//! call -> spawn -> call as the child; the interactive quiz (and the passphrase prompt)
//! driven through a pseudo-terminal with util-linux `script`; a failed assessment's
//! cooling-off; the failing twins (wrong passphrase, missing wallet, unreachable authority
//! and gateway); and `lease --keep` renewing at two thirds of a short lease's life until an
//! emergency revocation makes the renewal fail, after which `status` fails too.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, alc_bin, fails, ok, shared_keys_v2, stdout, Service};
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::files::CredentialFile;
use alc_wallet::enrol::AnswerEntry;
use serde_json::Value;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AUD: &str = "alc-authority";
const PASS: &str = "correct horse battery staple";

/// Variables of the wallet that must not leak in from the environment running the tests.
const WALLET_ENV: [&str; 8] = [
    "ALC_KEYS",
    "ALC_WALLET",
    "ALC_WALLET_PASSPHRASE",
    "ALC_AUTHORITY_URL",
    "ALC_GATEWAY_URL",
    "ALC_IDP_URL",
    "ALC_ID_TOKEN",
    "ALC_IDP_AUDIENCE",
];

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(alc_bin());
    c.args(args).current_dir(dir).stdin(Stdio::null());
    for k in WALLET_ENV {
        c.env_remove(k);
    }
    c.env("ALC_WALLET_PASSPHRASE", PASS);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// `alc wallet ARGS` with the passphrase in the environment (and `env` on top).
fn wallet(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["wallet"];
    all.extend_from_slice(args);
    command(dir, &all, env).output().unwrap()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A port nothing listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

fn bank() -> Bank {
    Bank::from_toml(DEFAULT_BANK).unwrap()
}

/// The position of the correct option among `shown`, found by the option set.
fn correct_position(bank: &Bank, shown: &[String]) -> usize {
    let q = bank
        .questions
        .iter()
        .find(|q| q.options.len() == shown.len() && q.options.iter().all(|o| shown.contains(o)))
        .unwrap_or_else(|| panic!("no bank question has the options {shown:?}"));
    shown
        .iter()
        .position(|o| *o == q.options[q.answer])
        .unwrap()
}

/// An answers file for the questions `alc wallet assess --questions` printed: every answer
/// right, or every answer wrong (given by text).
fn answers(questions: &str, right: bool) -> String {
    let v: Value = serde_json::from_str(questions).unwrap();
    let bank = bank();
    let list: Vec<AnswerEntry> = v["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let shown: Vec<String> = q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap().to_owned())
                .collect();
            let good = correct_position(&bank, &shown);
            let question = q["id"].as_str().unwrap().to_owned();
            if right {
                AnswerEntry {
                    question,
                    option: Some(good),
                    answer: None,
                }
            } else {
                AnswerEntry {
                    question,
                    option: None,
                    answer: Some(shown[(good + 1) % shown.len()].clone()),
                }
            }
        })
        .collect();
    serde_json::to_string(&list).unwrap()
}

/// A program on a pseudo-terminal (util-linux `script`), driven expect-style.
struct Pty {
    child: Child,
    stdin: ChildStdin,
    out: Arc<Mutex<String>>,
    seen: usize,
}

impl Pty {
    fn start(dir: &Path, args: &[&str], env: &[(&str, &str)], passphrase_env: bool) -> Pty {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut line = quote(alc_bin().to_str().unwrap());
        for a in args {
            line.push(' ');
            line.push_str(&quote(a));
        }
        let mut c = Command::new("script");
        c.args(["-q", "-e", "-c", &line, "/dev/null"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for k in WALLET_ENV {
            c.env_remove(k);
        }
        if passphrase_env {
            c.env("ALC_WALLET_PASSPHRASE", PASS);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("util-linux `script` runs");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Pty {
            child,
            stdin,
            out,
            seen: 0,
        }
    }

    fn transcript(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits for one of `needles` after what was already matched; returns its index and
    /// the text from the last match up to and including it.
    fn expect_any(&mut self, needles: &[&str]) -> (usize, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = self.transcript();
            let rest = &t[self.seen..];
            let hit = needles
                .iter()
                .enumerate()
                .filter_map(|(i, n)| rest.find(n).map(|at| (at, i, n.len())))
                .min();
            if let Some((at, i, len)) = hit {
                let text = rest[..at + len].to_owned();
                self.seen += at + len;
                return (i, text);
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needles:?}; transcript:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn expect(&mut self, needle: &str) -> String {
        self.expect_any(&[needle]).1
    }

    fn send(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.write_all(b"\r").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Types a secret after a prompt. The program prints its prompt before it turns the
    /// terminal's echo off, so give it a moment first (or the echo would be the test's).
    fn send_secret(&mut self, line: &str) {
        std::thread::sleep(Duration::from_millis(400));
        self.send(line);
    }

    /// Waits for the program to end; its success and the whole transcript.
    fn finish(mut self) -> (bool, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "the program did not end:\n{}",
                self.transcript()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        (status.success(), self.transcript())
    }
}

/// The options of the question shown just before a prompt.
fn shown_options(block: &str) -> Vec<String> {
    let from = block.rfind("Question ").unwrap();
    block[from..]
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (n, rest) = l.split_once(") ")?;
            n.parse::<usize>().ok().map(|_| rest.to_owned())
        })
        .collect()
}

fn start_services(t: &Path) -> (Service, Service, PathBuf) {
    let idp = Service::start(t, &["dev-idp", "--listen", "127.0.0.1:0"]);
    let adata = t.join("authority");
    std::fs::create_dir_all(&adata).unwrap();
    std::fs::write(
        adata.join("authority.toml"),
        format!(
            "[[identity_providers]]\nissuer = \"{0}\"\naudience = \"{AUD}\"\njwks = {{ url = \"{0}/jwks.json\" }}\n",
            idp.url
        ),
    )
    .unwrap();
    let auth = Service::start(
        t,
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            adata.to_str().unwrap(),
        ],
    );
    (idp, auth, adata)
}

/// A gateway `name` (scope `{name}.local` unless `toml` sets one), registered at the
/// authority whose data folder is `adata`.
fn start_gateway(
    t: &Path,
    name: &str,
    (authority, adata): (&str, &Path),
    toml: Option<&str>,
) -> Service {
    let gw = unregistered_gateway(t, name, authority, toml);
    let admin = std::fs::read_to_string(adata.join("admin-token")).unwrap();
    alc_e2e::licensing::register_gateway(
        &reqwest::blocking::Client::new(),
        authority,
        admin.trim(),
        &gw.url,
    );
    gw
}

/// A gateway `name` as [`start_gateway`] starts it, which the authority has not registered.
fn unregistered_gateway(t: &Path, name: &str, authority: &str, toml: Option<&str>) -> Service {
    let data = t.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let cfg = toml.map_or_else(|| format!("scope = \"{name}.local\"\n"), str::to_owned);
    std::fs::write(data.join("gateway.toml"), cfg).unwrap();
    Service::start(
        t,
        &[
            "gateway",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
            "--authority",
            authority,
            "--upstream",
            "echo",
            "--keys",
            shared_keys_v2().keys.to_str().unwrap(),
        ],
    )
}

#[test]
fn the_operator_wallet_from_the_command_line() {
    let started = Instant::now();
    let keys = shared_keys_v2().keys.to_str().unwrap().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (idp, auth, adata) = start_services(t);
    let gw = start_gateway(t, "gateway", (&auth.url, &adata), None);
    let setup_done = started.elapsed();

    // --- init: a 0700 directory, the secret encrypted at rest (0600), wallet.toml.
    let wdir = t.join("alice-wallet");
    let w = wdir.to_str().unwrap().to_owned();
    let out = ok(wallet(
        t,
        &[
            "init",
            "--dir",
            &w,
            "--authority",
            &auth.url,
            "--gateway",
            &gw.url,
            "--idp",
            &idp.url,
            "--keys",
            &keys,
        ],
        &[],
    ));
    assert!(out.contains("argon2id"), "{out}");
    assert_eq!(mode(&wdir), 0o700);
    assert_eq!(mode(&wdir.join("holder.secret")), 0o600);
    let sealed: Value =
        serde_json::from_str(&std::fs::read_to_string(wdir.join("holder.secret")).unwrap())
            .unwrap();
    assert_eq!(sealed["kdf"]["alg"], "argon2id");
    assert_eq!(sealed["aead"]["alg"], "xchacha20poly1305");
    assert!(std::fs::read_to_string(wdir.join("wallet.toml"))
        .unwrap()
        .contains(&gw.url));
    fails(
        wallet(t, &["init", "--dir", &w], &[]),
        "a wallet already exists",
    );

    // --- kyc with the development identity provider.
    let out = ok(wallet(t, &["kyc", "--dir", &w, "--subject", "alice"], &[]));
    assert!(
        out.contains("Signed in") && out.contains("Next: alc wallet assess"),
        "{out}"
    );
    assert_eq!(mode(&wdir.join("session.json")), 0o600);

    // --- assess from a file: the questions as JSON, then the right answers.
    let questions = ok(wallet(t, &["assess", "--dir", &w, "--questions"], &[]));
    assert!(
        !questions.contains("\"answer\""),
        "no answers leave the authority"
    );
    let file = t.join("alice-answers.json");
    std::fs::write(&file, answers(&questions, true)).unwrap();
    let out = ok(wallet(
        t,
        &["assess", "--dir", &w, "--answers", file.to_str().unwrap()],
        &[],
    ));
    assert!(
        out.contains("Result: 12 of 12 correct") && out.contains("Passed"),
        "{out}"
    );
    assert!(!wdir.join("attempt.json").exists());

    // --- obtain, status.
    let out = ok(wallet(t, &["obtain", "--dir", &w], &[]));
    assert!(out.contains("Credential obtained"), "{out}");
    assert_eq!(mode(&wdir.join("credential.json")), 0o600);
    let out = ok(wallet(t, &["status", "--dir", &w], &[]));
    assert!(
        out.contains("not revoked") && out.contains("epoch"),
        "{out}"
    );

    // --- lease, call, spawn, call as the child.
    let manifest = t.join("agent.toml");
    std::fs::write(&manifest, "name = \"research agent\"\nversion = 1\n").unwrap();
    let m = manifest.to_str().unwrap().to_owned();
    // Twins first: a gateway E relaying the registered gateway's challenges (its own
    // origin, the other's signed challenge), and a gateway the authority never
    // registered: the wallet proves to neither.
    let relayed = alc_e2e::relay(gw.url.trim_start_matches("http://"));
    fails(
        wallet(
            t,
            &[
                "lease",
                "--dir",
                &w,
                "--agent",
                "relayed",
                "--manifest",
                &m,
                "--gateway",
                &relayed,
            ],
            &[],
        ),
        "a relayed challenge",
    );
    let stranger = unregistered_gateway(t, "stranger", &auth.url, None);
    fails(
        wallet(
            t,
            &[
                "lease",
                "--dir",
                &w,
                "--agent",
                "stranger",
                "--manifest",
                &m,
                "--gateway",
                &stranger.url,
            ],
            &[],
        ),
        "has not registered as a gateway",
    );
    drop(stranger);
    let proving = Instant::now();
    let out = ok(wallet(
        t,
        &["lease", "--dir", &w, "--agent", "agent-1", "--manifest", &m],
        &[],
    ));
    let lease_took = proving.elapsed();
    assert!(out.contains("Lease for agent-1"), "{out}");
    let lease_file = std::fs::read_to_string(wdir.join("leases/agent-1.json")).unwrap();
    let token = serde_json::from_str::<Value>(&lease_file).unwrap()["lease"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!out.contains(&token), "the lease token is not printed");
    assert_eq!(mode(&wdir.join("leases/agent-1.json")), 0o600);

    let out = ok(wallet(
        t,
        &[
            "call",
            "--dir",
            &w,
            "/v1/autonomous/chat",
            "--data",
            r#"{"prompt": "hello"}"#,
        ],
        &[],
    ));
    let echoed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(echoed["path"], "/autonomous/chat", "{out}");
    assert_eq!(echoed["headers"]["x-alc-agent"], "agent-1", "{out}");
    // Circuit v2: the lease is bound to the agent's key, so its token alone is refused;
    // the key is derived from the holder secret, not stored in the lease file.
    let stored: Value = serde_json::from_str(&lease_file).unwrap();
    assert_eq!(stored["key"].as_str().unwrap().len(), 64, "{lease_file}");
    assert!(stored.get("key_salt").is_some(), "{lease_file}");
    let bare = reqwest::blocking::Client::new()
        .post(format!("{}/v1/autonomous/chat", gw.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "prompt": "hello" }))
        .send()
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401);
    // A lease file whose key salt was changed names a key this wallet cannot make.
    let mut tampered = stored.clone();
    tampered["key_salt"] = Value::String("00".repeat(16));
    std::fs::write(
        wdir.join("leases/tampered.json"),
        serde_json::to_string(&Value::Object(
            tampered
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .map(|(k, v)| {
                    if k == "agent" {
                        (k, Value::String("tampered".into()))
                    } else {
                        (k, v)
                    }
                })
                .collect(),
        ))
        .unwrap(),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let p = wdir.join("leases/tampered.json");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    fails(
        wallet(
            t,
            &[
                "call",
                "--dir",
                &w,
                "--agent",
                "tampered",
                "/v1/autonomous/chat",
            ],
            &[],
        ),
        "is not this wallet's",
    );
    std::fs::remove_file(wdir.join("leases/tampered.json")).unwrap();

    let child_manifest = t.join("researcher.toml");
    std::fs::write(&child_manifest, "name = \"researcher\"\n").unwrap();
    let out = ok(wallet(
        t,
        &[
            "spawn",
            "--dir",
            &w,
            "--agent",
            "researcher",
            "--manifest",
            child_manifest.to_str().unwrap(),
            "--rights",
            "/v1/autonomous/search/",
            "--ttl",
            "300",
        ],
        &[],
    ));
    assert!(
        out.contains("Child lease for researcher (from agent-1)"),
        "{out}"
    );
    let out = ok(wallet(
        t,
        &[
            "call",
            "--dir",
            &w,
            "--agent",
            "researcher",
            "/v1/autonomous/search/web",
            "--data",
            "{}",
        ],
        &[],
    ));
    let echoed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(echoed["headers"]["x-alc-agent"], "researcher", "{out}");
    fails(
        wallet(
            t,
            &[
                "call",
                "--dir",
                &w,
                "--agent",
                "researcher",
                "/v1/autonomous/chat",
                "--data",
                "{}",
            ],
            &[],
        ),
        "refused researcher's call (403)",
    );
    // Two root leases would make --agent necessary; one is chosen without it.
    ok(wallet(t, &["call", "--dir", &w, "/v1/sandbox/ping"], &[]));

    // --- configuration: the file, then the environment, then flags.
    let dead = dead_url();
    fails(
        wallet(t, &["status", "--dir", &w], &[("ALC_AUTHORITY_URL", &dead)]),
        "cannot reach the authority",
    );
    ok(wallet(
        t,
        &["status", "--dir", &w, "--authority", &auth.url],
        &[("ALC_AUTHORITY_URL", &dead)],
    ));

    // --- the failing twins: one clear line and a non-zero exit each.
    fails(
        wallet(
            t,
            &["lease", "--dir", &w, "--agent", "agent-2", "--manifest", &m],
            &[("ALC_WALLET_PASSPHRASE", "not the passphrase")],
        ),
        "wrong passphrase",
    );
    let nowhere = t.join("nowhere");
    fails(
        wallet(t, &["status", "--dir", nowhere.to_str().unwrap()], &[]),
        "no wallet in",
    );
    fails(
        wallet(
            t,
            &["kyc", "--subject", "x"],
            &[("ALC_WALLET", nowhere.to_str().unwrap())],
        ),
        "run `alc wallet init` first",
    );
    fails(
        wallet(t, &["status", "--dir", &w, "--authority", &dead], &[]),
        &format!("cannot reach the authority at {dead}: connection refused"),
    );
    fails(
        wallet(
            t,
            &[
                "lease",
                "--dir",
                &w,
                "--agent",
                "agent-2",
                "--manifest",
                &m,
                "--gateway",
                &dead,
            ],
            &[],
        ),
        &format!("cannot reach the gateway at {dead}: connection refused"),
    );
    fails(
        wallet(
            t,
            &[
                "call",
                "--dir",
                &w,
                "/v1/autonomous/chat",
                "--gateway",
                &dead,
            ],
            &[],
        ),
        &format!("cannot reach the gateway at {dead}"),
    );
    fails(
        wallet(
            t,
            &["call", "--dir", &w, "--agent", "nobody", "/v1/public/x"],
            &[],
        ),
        "no lease for agent \"nobody\"",
    );
    let out = ok(wallet(t, &["assess", "--dir", &w], &[]));
    assert!(out.contains("already passed the assessment"), "{out}");

    // --- the interactive quiz on a pseudo-terminal, and the passphrase prompt.
    let bdir = t.join("bob-wallet");
    let b = bdir.to_str().unwrap().to_owned();
    let bob_pass = "bob's own passphrase";
    let mut pty = Pty::start(
        t,
        &[
            "wallet",
            "init",
            "--dir",
            &b,
            "--authority",
            &auth.url,
            "--idp",
            &idp.url,
        ],
        &[],
        false,
    );
    pty.expect("New wallet passphrase: ");
    pty.send_secret(bob_pass);
    pty.expect("Repeat the passphrase: ");
    pty.send_secret(bob_pass);
    let (success, transcript) = pty.finish();
    assert!(success, "{transcript}");
    assert!(transcript.contains("Created the wallet"), "{transcript}");
    assert!(
        !transcript.contains(bob_pass),
        "the passphrase is not echoed:\n{transcript}"
    );
    ok(wallet(t, &["kyc", "--dir", &b, "--subject", "bob"], &[]));

    let bank = bank();
    let mut pty = Pty::start(t, &["wallet", "assess", "--dir", &b], &[], false);
    // Question 1: a bad number first, then the right answer; question 2 wrong; stop at 3.
    let block = pty.expect("Your answer [1-4]: ");
    assert!(block.contains("Question 1 of 12"), "{block}");
    let good = correct_position(&bank, &shown_options(&block));
    pty.send("9");
    pty.expect("Type a number from 1 to 4");
    pty.expect("Your answer [1-4]: ");
    pty.send(&(good + 1).to_string());
    let block = pty.expect("Your answer [1-4]: ");
    let good = correct_position(&bank, &shown_options(&block));
    pty.send(&((good + 1) % 4 + 1).to_string());
    pty.expect("Question 3 of 12");
    pty.expect("Your answer [1-4]: ");
    pty.send("q");
    let (success, transcript) = pty.finish();
    assert!(!success, "{transcript}");
    assert!(transcript.contains("the quiz is paused"), "{transcript}");
    // Resumed: the rest right, 11 of 12 passes.
    let mut pty = Pty::start(t, &["wallet", "assess", "--dir", &b], &[], false);
    pty.expect("Resuming: 2 of 12 already answered.");
    loop {
        let (which, block) = pty.expect_any(&["Your answer [1-4]: ", "Result: "]);
        if which == 1 {
            break;
        }
        let good = correct_position(&bank, &shown_options(&block));
        pty.send(&(good + 1).to_string());
    }
    let (success, transcript) = pty.finish();
    assert!(success, "{transcript}");
    assert!(
        transcript.contains("11 of 12 correct (91%); the pass mark is 80%")
            && transcript.contains("Passed."),
        "{transcript}"
    );
    // Bob's passphrase through the prompt unlocks his secret to obtain his credential.
    let mut pty = Pty::start(t, &["wallet", "obtain", "--dir", &b], &[], false);
    pty.expect("Wallet passphrase: ");
    pty.send_secret(bob_pass);
    let (success, transcript) = pty.finish();
    assert!(
        success && transcript.contains("Credential obtained"),
        "{transcript}"
    );

    // --- a failed assessment: the mark, then the cooling-off and its end.
    let cdir = t.join("carol-wallet");
    let c = cdir.to_str().unwrap().to_owned();
    ok(wallet(
        t,
        &[
            "init",
            "--dir",
            &c,
            "--authority",
            &auth.url,
            "--idp",
            &idp.url,
        ],
        &[],
    ));
    ok(wallet(t, &["kyc", "--dir", &c, "--subject", "carol"], &[]));
    let cfile = t.join("carol-answers.json");
    for round in 1..=2 {
        let q = ok(wallet(t, &["assess", "--dir", &c, "--questions"], &[]));
        std::fs::write(&cfile, answers(&q, false)).unwrap();
        let o = wallet(
            t,
            &["assess", "--dir", &c, "--answers", cfile.to_str().unwrap()],
            &[],
        );
        let shown = stdout(&o);
        fails(o, "the assessment was not passed (0 of 12 correct)");
        assert!(
            shown.contains(&format!("failed attempts so far: {round}")),
            "{shown}"
        );
        if round == 2 {
            assert!(
                shown.contains("Cooling-off: no new attempt before"),
                "{shown}"
            );
        }
    }
    fails(
        wallet(t, &["assess", "--dir", &c], &[]),
        "cooling-off after failed attempts: no new attempt before",
    );

    // --- lease --keep at a gateway with 6-second leases: renewed at two thirds of the
    // lifetime, then an emergency revocation makes the next renewal fail.
    let short = start_gateway(
        t,
        "gateway-short",
        (&auth.url, &adata),
        Some("scope = \"short.local\"\nlease_ttl_secs = 6\nchallenge_ttl_secs = 3\n"),
    );
    let mut keeper = command(
        t,
        &[
            "wallet",
            "lease",
            "--dir",
            &w,
            "--agent",
            "keeper",
            "--manifest",
            &m,
            "--gateway",
            &short.url,
            "--keep",
            "--poll",
            "1",
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let keeper_out = keeper.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(keeper_out)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut log = vec![];
    let wait_for = |needle: &str, log: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
                log.push(l.clone());
                if l.contains(needle) {
                    return;
                }
            }
        }
        panic!("no {needle:?} from lease --keep:\n{}", log.join("\n"));
    };
    wait_for("Lease for keeper", &mut log);
    let renewing = Instant::now();
    wait_for("Renewed:", &mut log);
    let renew_after = renewing.elapsed();
    assert!(
        log.iter().any(|l| l.contains("two thirds of its lifetime")),
        "{log:?}"
    );
    assert!(
        renew_after >= Duration::from_secs(2),
        "renewed too early: {renew_after:?}"
    );

    let credential: CredentialFile =
        serde_json::from_str(&std::fs::read_to_string(wdir.join("credential.json")).unwrap())
            .unwrap();
    let serial = credential.credential.serial;
    let revoked_at = Instant::now();
    // The administrator's command line; its answer is one plain sentence.
    let revoke = || {
        alc(
            t,
            &[
                "authority",
                "revoke",
                &serial.to_string(),
                "--reason",
                "wallet test",
                "--emergency",
                "--authority",
                &auth.url,
                "--data",
                adata.to_str().unwrap(),
            ],
        )
    };
    let out = ok(revoke());
    assert!(
        out.starts_with(&format!("revoked serial {serial}; status epoch now "))
            && out.contains("(emergency"),
        "{out}"
    );
    // Twin: a second revocation changes nothing and says so.
    let out = ok(revoke());
    assert!(
        out.contains(&format!("serial {serial} was already revoked")),
        "{out}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = keeper.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "lease --keep kept running after the revocation"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let kill_switch = revoked_at.elapsed();
    assert!(!status.success());
    let mut err = String::new();
    keeper
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("error: the renewal of keeper's lease was refused")
            && lines[0].contains("revoked"),
        "{err}"
    );
    fails(
        wallet(t, &["status", "--dir", &w], &[]),
        &format!("your credential (serial {serial}) is revoked"),
    );
    // The older lease at the first gateway is refused too once the emergency arrives there.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let o = wallet(
            t,
            &[
                "call",
                "--dir",
                &w,
                "--agent",
                "agent-1",
                "/v1/autonomous/chat",
            ],
            &[],
        );
        if !o.status.success() {
            fails(o, "(403)");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "agent-1 kept its lease after the emergency"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "wallet e2e: services and keys {setup_done:?}, one lease (with proof) {lease_took:?}, \
         renewal after {renew_after:?}, --keep exit {kill_switch:?} after the revocation, total {:?}",
        started.elapsed()
    );
}

/// A wallet through init, sign-in, a pass and its licence.
fn licensed_wallet(t: &Path, name: &str, urls: (&str, &str, &str), keys: &str) -> String {
    let (auth, gw, idp) = urls;
    let w = t.join(name).to_str().unwrap().to_owned();
    ok(wallet(
        t,
        &[
            "init",
            "--dir",
            &w,
            "--authority",
            auth,
            "--gateway",
            gw,
            "--idp",
            idp,
            "--keys",
            keys,
        ],
        &[],
    ));
    ok(wallet(t, &["kyc", "--dir", &w, "--subject", name], &[]));
    w
}

fn pass(t: &Path, w: &str) {
    let questions = ok(wallet(t, &["assess", "--dir", w, "--questions"], &[]));
    let file = t.join(format!("{}-answers.json", w.len()));
    std::fs::write(&file, answers(&questions, true)).unwrap();
    ok(wallet(
        t,
        &["assess", "--dir", w, "--answers", file.to_str().unwrap()],
        &[],
    ));
}

#[test]
fn an_apprentice_leases_sandbox_routes_under_a_supervisor_who_accepted() {
    let keys = shared_keys_v2().keys.to_str().unwrap().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (idp, auth, adata) = start_services(t);
    let gw = start_gateway(t, "gateway", (&auth.url, &adata), None);
    let urls = (auth.url.as_str(), gw.url.as_str(), idp.url.as_str());
    // frank: a licensed operator.
    let frank = licensed_wallet(t, "frank", urls, &keys);
    pass(t, &frank);
    ok(wallet(t, &["obtain", "--dir", &frank], &[]));
    // gina asks; before frank accepts, no apprentice credential (the twin).
    let gina = licensed_wallet(t, "gina", urls, &keys);
    let out = ok(wallet(t, &["apprentice", "request", "--dir", &gina], &[]));
    let code = out
        .lines()
        .nth(1)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap()
        .to_owned();
    fails(
        wallet(t, &["obtain", "--dir", &gina, "--apprentice"], &[]),
        "no accepted apprenticeship",
    );
    // Not with her own code.
    fails(
        wallet(t, &["apprentice", "accept", "--dir", &gina, &code], &[]),
        "cannot supervise themselves",
    );
    let out = ok(wallet(
        t,
        &["apprentice", "accept", "--dir", &frank, &code],
        &[],
    ));
    assert!(out.contains("accepted under your licence"), "{out}");
    let out = ok(wallet(t, &["obtain", "--dir", &gina, "--apprentice"], &[]));
    assert!(out.contains("tier 0"), "{out}");
    let manifest = t.join("agent.toml");
    std::fs::write(&manifest, "name = \"trainee agent\"\n").unwrap();
    let m = manifest.to_str().unwrap();
    ok(wallet(
        t,
        &[
            "lease",
            "--dir",
            &gina,
            "--agent",
            "trainee",
            "--manifest",
            m,
        ],
        &[],
    ));
    ok(wallet(
        t,
        &["call", "--dir", &gina, "/v1/sandbox/ping"],
        &[],
    ));
    fails(
        wallet(t, &["call", "--dir", &gina, "/v1/autonomous/chat"], &[]),
        "(403)",
    );
    // frank's licence revoked: gina's credential falls with it.
    let frank_serial = serde_json::from_str::<Value>(
        &std::fs::read_to_string(Path::new(&frank).join("credential.json")).unwrap(),
    )
    .unwrap()["credential"]["serial"]
        .as_u64()
        .unwrap()
        .to_string();
    ok(alc(
        t,
        &[
            "authority",
            "revoke",
            &frank_serial,
            "--reason",
            "misconduct",
            "--authority",
            &auth.url,
            "--data",
            adata.to_str().unwrap(),
        ],
    ));
    fails(wallet(t, &["status", "--dir", &gina], &[]), "revoked");
    let out = ok(wallet(t, &["apprentice", "list", "--dir", &gina], &[]));
    assert!(out.contains("ended as apprentice"), "{out}");
}

/// A tier-3 agent system from the command line: the authority registers a tier-3 permit
/// (insured, two licensed principals, incident conditions) with the system `dispatch`
/// named to olive; olive certifies an agent key for it and leases the autonomous routes
/// of a gateway that needs permit tier 3. The twins: pete, a principal of the permit but
/// not the system's, is refused a certificate; olive's lease without the system, or for a
/// system she has no certificate of, or under a certificate that has ended, is refused.
#[test]
fn a_tier_three_agent_system_leases_under_its_certificate() {
    use alc_e2e::licensing::post;
    use alc_protocol::authority::{
        IdentityRef, InsurerRegistration, NewAgentSystem, NewOperator, NewPermit,
    };
    let keys = shared_keys_v2().keys.to_str().unwrap().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (idp, auth, adata) = start_services(t);
    let gw = start_gateway(
        t,
        "fleet-gw",
        (&auth.url, &adata),
        Some("scope = \"fleet-gw.local\"\nmin_permit_tier = 3\n"),
    );
    let urls = (auth.url.as_str(), gw.url.as_str(), idp.url.as_str());
    // olive and pete: licensed operators, so they can be principals.
    let olive = licensed_wallet(t, "olive", urls, &keys);
    let pete = licensed_wallet(t, "pete", urls, &keys);
    for w in [&olive, &pete] {
        pass(t, w);
        ok(wallet(t, &["obtain", "--dir", w], &[]));
    }
    // The insurer's cover for the permit, proved at tier 3's minimum.
    let c = reqwest::blocking::Client::new();
    let admin = std::fs::read_to_string(adata.join("admin-token")).unwrap();
    let admin = admin.trim();
    let minimum = c
        .get(format!("{}/v1/insurance", auth.url))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["min_cover"]["3"]
        .as_u64()
        .unwrap()
        .to_string();
    let key = t.join("insurer.key");
    let public = ok(alc(
        t,
        &["insurer", "keygen", "--out", key.to_str().unwrap()],
    ));
    let reg = InsurerRegistration {
        id: "mutual-1".into(),
        key: public.trim().into(),
        reason: "licensed insurer".into(),
    };
    let (st, v) = post(
        &c,
        &format!("{}/v1/admin/insurers", auth.url),
        Some(admin),
        &reg,
    );
    assert_eq!(st, 200, "{v}");
    let cover = t.join("cover");
    ok(alc(
        t,
        &[
            "insurer",
            "certify",
            "--key",
            key.to_str().unwrap(),
            "--permit",
            "fleet",
            "--policy",
            "POL-3",
            "--days",
            "30",
            "--amount",
            &minimum,
            "--out",
            cover.to_str().unwrap(),
        ],
    ));
    let proof = cover.join("proof.json");
    ok(alc(
        t,
        &[
            "permit",
            "prove-cover",
            "--certificate",
            cover.join("certificate.json").to_str().unwrap(),
            "--opening",
            cover.join("opening.json").to_str().unwrap(),
            "--tier",
            "3",
            "--minimum",
            &minimum,
            "--out",
            proof.to_str().unwrap(),
        ],
    ));
    let evidence: Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let permit = NewPermit {
        id: "fleet".into(),
        name: "Fleet plc".into(),
        tier: 3,
        insurance: Some(serde_json::from_value(evidence).unwrap()),
        contacts: Vec::new(),
        incident_contact: Some("mailto:duty@example.test".into()),
        reporting: vec!["https://example.test/incidents".into()],
        reason: "application 12".into(),
    };
    let admin_post = |path: &str, body: Value| {
        let (st, v) = post(&c, &format!("{}{path}", auth.url), Some(admin), &body);
        assert!(st == 200 || st == 204, "{path}: {st} {v}");
    };
    admin_post("/v1/admin/permits", serde_json::to_value(&permit).unwrap());
    let who = |s: &str| IdentityRef {
        issuer: idp.url.clone(),
        subject: s.into(),
    };
    for s in ["olive", "pete"] {
        let op = NewOperator {
            identity: who(s),
            principal: true,
            reason: "board minute 4".into(),
        };
        admin_post(
            "/v1/admin/permits/fleet/operators",
            serde_json::to_value(&op).unwrap(),
        );
    }
    let system = NewAgentSystem {
        name: "dispatch".into(),
        principal: who("olive"),
        reason: "system register entry 1".into(),
    };
    admin_post(
        "/v1/admin/permits/fleet/agent-systems",
        serde_json::to_value(&system).unwrap(),
    );
    // olive's credential under the permit.
    let out = ok(wallet(
        t,
        &["obtain", "--dir", &olive, "--permit", "fleet", "--force"],
        &[],
    ));
    assert!(out.contains("permit tier 3"), "{out}");
    let manifest = t.join("dispatch.toml");
    std::fs::write(&manifest, "name = \"dispatcher\"\n").unwrap();
    let m = manifest.to_str().unwrap();
    let lease = |system: Option<&str>| {
        let mut args = vec![
            "lease",
            "--dir",
            &olive,
            "--agent",
            "dispatcher",
            "--manifest",
            m,
        ];
        if let Some(s) = system {
            args.extend(["--system", s]);
        }
        wallet(t, &args, &[])
    };
    // Twins: no certificate yet; pete is not the system's principal.
    fails(
        lease(Some("dispatch")),
        "no certificate for the agent system",
    );
    fails(
        wallet(
            t,
            &[
                "system", "certify", "dispatch", "--permit", "fleet", "--dir", &pete,
            ],
            &[],
        ),
        "only an agent system's named principal operator",
    );
    let out = ok(wallet(
        t,
        &[
            "system", "certify", "dispatch", "--permit", "fleet", "--dir", &olive,
        ],
        &[],
    ));
    assert!(out.contains("certified: system id"), "{out}");
    let file = Path::new(&olive).join("systems").join("dispatch.json");
    assert_eq!(mode(&file), 0o600);
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let id = stored["system"].as_str().unwrap().to_owned();
    // Without the system the gateway refuses the autonomous lease's proof...
    fails(lease(None), "system");
    // ...with it, the lease names the system and the autonomous routes answer.
    let out = ok(lease(Some("dispatch")));
    assert!(out.contains(&format!("system   {id}")), "{out}");
    ok(wallet(
        t,
        &[
            "call",
            "--dir",
            &olive,
            "/v1/autonomous/chat",
            "--data",
            "{\"prompt\":\"hi\"}",
        ],
        &[],
    ));
    let out = ok(wallet(t, &["status", "--dir", &olive], &[]));
    assert!(out.contains(&format!("for agent system {id}")), "{out}");
    // A certificate that has ended is not used (the wallet refuses before proving).
    let mut ended = stored.clone();
    ended["not_after"] = 1.into();
    std::fs::write(&file, ended.to_string()).unwrap();
    fails(lease(Some("dispatch")), "certificate ended");
}
