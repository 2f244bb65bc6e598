//! The browser wallet in real headless Chromium against real processes: a development
//! IdP, an authority serving the wallet site (`alc wallet site`) at `/wallet/` and
//! publishing its keys' digests, and a gateway on another origin, registered with the
//! authority. The page (driven by `wasm/js/test/browser.mjs` with playwright-core) checks
//! the authority against its pin, downloads and caches the proving key, imports a
//! credential and holder secret from files, proves in a Web Worker for the gateway it
//! picked from the authority's signed list, gets a lease and calls `/v1/autonomous/chat`;
//! the credential is then revoked with emergency at the authority and the page's next
//! call shows 403, and proving again is refused. A plain file server then serves copies
//! of the site: the honest copy works, and each copy with one byte changed (the page's
//! script, the worker's, the WebAssembly module, the proving key) stops before proving.
//! Screenshots go to `target/browser-test/`; the in-browser proving time is printed.
//!
//! Needs the built wallet package (`wasm/build.sh`), `npm ci --prefix wasm/js` and
//! Debian's `chromium`; `scripts/test.sh` prepares all three and sets
//! `ALC_REQUIRE_BROWSER=1`. Without them (and without that variable) the test says what
//! is missing and passes without running. `ALC_PROOFS=5` makes five proofs (the
//! benchmark in BENCHMARKS.md).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::licensing::{credential, post};
use alc_e2e::{workspace, Service};
use alc_protocol::authority::RevokeRequest;
use reqwest::blocking::Client;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the browser test needs, or what is missing.
fn prerequisites() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let root = workspace();
    let pkg = root.join("wasm/pkg");
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let mut missing = Vec::new();
    if !pkg.join("alc_wasm_bg.wasm").is_file() || !pkg.join("site/index.html").is_file() {
        missing.push("the wallet package (run wasm/build.sh)");
    }
    if !root
        .join("wasm/js/node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push("playwright-core (run npm ci --prefix wasm/js)");
    }
    if !chromium.is_file() {
        missing.push("chromium (apt-get install chromium)");
    }
    if missing.is_empty() {
        Ok((pkg, chromium, root.join("wasm/js/test/browser.mjs")))
    } else {
        Err(missing.join(", "))
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

#[test]
fn wallet_page_proves_leases_calls_and_is_cut_off_by_an_emergency_revocation() {
    let (pkg, chromium, script) = match prerequisites() {
        Ok(p) => p,
        Err(missing) if std::env::var_os("ALC_REQUIRE_BROWSER").is_none() => {
            println!("browser test not run: missing {missing} (scripts/test.sh installs them)");
            return;
        }
        Err(missing) => panic!("the browser test needs {missing}"),
    };
    let out: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser-test");
    std::fs::create_dir_all(&out).unwrap();
    let out = out.canonicalize().unwrap();

    let t = tempfile::tempdir().unwrap();
    // Circuit v2: the page proves with the escrow key beside the proving key, and signs
    // its calls with the agent key it made.
    let keys = &alc_e2e::shared_keys_v2().keys;
    // The authority publishes the keys' digests (GET /v1/keys) and serves the wallet
    // site at /wallet/; the site is built once the authority's port and keys are known.
    let site = t.path().join("site");
    let (idp, auth, adata) = alc_e2e::licensing::authority_with_dev_idp_and(
        t.path(),
        &format!("circuit_keys = [{keys:?}]\nwallet_dir = {site:?}\n"),
    );
    // Any other host: a plain file server, which sends no policy of its own (the page's
    // <meta> policy is all there is), serving copies of the site, honest and tampered.
    let statics = t.path().join("static");
    std::fs::create_dir_all(&statics).unwrap();
    let (mut file_server, static_url) = static_server(&statics);

    let gdata = t.path().join("gateway");
    std::fs::create_dir_all(&gdata).unwrap();
    std::fs::write(
        gdata.join("gateway.toml"),
        format!(
            "scope = \"browser.e2e\"\nwallet_origins = [{:?}, {static_url:?}]\n",
            auth.url
        ),
    )
    .unwrap();
    let gw = Service::start(
        t.path(),
        &[
            "gateway",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            gdata.to_str().unwrap(),
            "--authority",
            &auth.url,
            "--upstream",
            "echo",
            "--keys",
            keys.to_str().unwrap(),
        ],
    );
    let c = Client::new();
    let admin = std::fs::read_to_string(adata.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    alc_e2e::licensing::register_gateway(&c, &auth.url, &admin, &gw.url);
    let info: alc_protocol::authority::AuthorityInfo = c
        .get(format!("{}/v1/authority", auth.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let digest = alc_protocol::authority::AuthorityKeys::from(&info).digest();
    alc_e2e::ok(alc_e2e::alc(
        t.path(),
        &[
            "wallet",
            "site",
            "--package",
            pkg.to_str().unwrap(),
            "--authority",
            &auth.url,
            "--authority-digest",
            &digest,
            "--keys",
            keys.to_str().unwrap(),
            "--out",
            site.to_str().unwrap(),
        ],
    ));
    // The copies: honest, and each with one file changed.
    for copy in ["honest", "page", "worker", "wasm", "key"] {
        copy_dir(&site, &statics.join(copy));
    }
    let flip = |file: &Path| {
        let mut b = std::fs::read(file).unwrap();
        let i = b.len() / 2;
        b[i] ^= 0x01;
        std::fs::write(file, b).unwrap();
    };
    flip(&statics.join("page/wallet.js"));
    flip(&statics.join("worker/worker.js"));
    flip(&statics.join("wasm/alc_wasm_bg.wasm"));
    flip(&statics.join("key/keys/proving_key.fast"));

    let (cred, secret) = credential(&c, &idp.url, &auth.url, "browser-alice");
    let serial = cred.signed.credential.serial;
    let cred_path = t.path().join("credential.json");
    let holder_path = t.path().join("holder.json");
    std::fs::write(&cred_path, cred.to_json()).unwrap();
    std::fs::write(
        &holder_path,
        alc_circuits::files::holder_to_json(&secret).as_bytes(),
    )
    .unwrap();

    // The gateway serves no wallet code: the party a proof is for never ships the prover.
    let s = c
        .get(format!("{}/wallet/", gw.url))
        .send()
        .unwrap()
        .status();
    assert_eq!(s, 404, "the gateway serves no wallet page");
    // The authority serves the site with the right types and its policy.
    let wasm = c
        .get(format!("{}/wallet/alc_wasm_bg.wasm", auth.url))
        .send()
        .unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let page = c.get(format!("{}/wallet/", auth.url)).send().unwrap();
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    for escape in [
        "%2e%2e%2fauthority.toml",
        "keys%2f..%2f..%2fauthority.toml",
        ".gitignore",
    ] {
        let s = c
            .get(format!("{}/wallet/{escape}", auth.url))
            .send()
            .unwrap()
            .status();
        assert_eq!(
            s, 404,
            "nothing outside the wallet folder is served: {escape}"
        );
    }
    // Cross-origin: the gateway answers the wallet site's preflight, and no other's.
    let preflight = |origin: &str| {
        c.request(reqwest::Method::OPTIONS, format!("{}/v1/lease", gw.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .unwrap()
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(preflight(&auth.url).as_deref(), Some(auth.url.as_str()));
    assert_eq!(preflight("https://evil.example"), None);

    let proofs = std::env::var("ALC_PROOFS").unwrap_or_else(|_| "1".into());
    let child = Command::new("node")
        .arg(&script)
        .current_dir(workspace())
        .env(
            "ALC_WALLET_URL",
            format!("{}/wallet/?gateway=browser.e2e", auth.url),
        )
        .env("ALC_STATIC_URL", &static_url)
        .env("ALC_CREDENTIAL", &cred_path)
        .env("ALC_HOLDER", &holder_path)
        .env("ALC_OUT", &out)
        .env("ALC_PROOFS", &proofs)
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let child = Arc::new(Mutex::new(child));
    let stdout = child.lock().unwrap().stdout.take().unwrap();
    let mut stdin = child.lock().unwrap().stdin.take().unwrap();
    {
        // A hung browser must not hang the test run.
        let child = Arc::downgrade(&child);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(300));
            if let Some(c) = child.upgrade() {
                let _ = c.lock().unwrap().kill();
            }
        });
    }

    let mut result: Option<Value> = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line == "READY_FOR_REVOCATION" {
            let (s, v) = post(
                &c,
                &format!("{}/v1/admin/revoke", auth.url),
                Some(&admin),
                &RevokeRequest {
                    serial,
                    reason: "browser wallet test".into(),
                    emergency: true,
                },
            );
            assert_eq!(s, 200, "{v}");
            writeln!(stdin, "revoked").unwrap();
        } else if let Some(r) = line.strip_prefix("RESULT ") {
            result = Some(serde_json::from_str(r).unwrap());
        } else {
            println!("browser: {line}");
        }
    }
    let status = child.lock().unwrap().wait().unwrap();
    let _ = file_server.kill();
    assert!(status.success(), "the browser script failed ({status})");
    let r = result.expect("the browser script reported its result");

    assert_eq!(
        r["answer"]["path"], "/autonomous/chat",
        "the call reached the upstream: {r}"
    );
    assert!(
        r["refusal"].as_str().unwrap().starts_with("403"),
        "{}",
        r["refusal"]
    );
    assert!(
        r["reprove"].as_str().unwrap().contains("revoked"),
        "{}",
        r["reprove"]
    );
    assert_eq!(r["verified"], true, "verify() accepts the page's proof");
    assert_eq!(
        r["tamperedVerified"], false,
        "verify() refuses a changed statement"
    );
    let prove: Vec<f64> = r["proveMs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let cache: Vec<f64> = r["keyCacheMs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    println!(
        "in-browser proving time (headless Chromium, Web Worker, WASM single thread): median {:.0} ms of {} {:?}",
        median(&prove),
        prove.len(),
        prove.iter().map(|x| x.round()).collect::<Vec<_>>()
    );
    println!(
        "proving key: download + check {:.0} ms; from the Cache API {:.0} ms median of {} (last: read {:.0} ms, digest check + decode {:.0} ms)",
        r["keyNetworkMs"].as_f64().unwrap(),
        median(&cache),
        cache.len(),
        r["keyCache"]["fetchMs"].as_f64().unwrap(),
        r["keyCache"]["loadMs"].as_f64().unwrap(),
    );
    println!(
        "page timings {}; main thread while proving: worst round trip {:.0} ms over {} probes",
        r["timings"],
        r["mainThreadLatencyMs"].as_f64().unwrap_or(0.0),
        r["probes"]
    );
    println!("after the emergency revocation: {}", r["refusal"]);
    println!("proving again: {}", r["reprove"]);
    // Another host serves the same site and it works; each copy with one byte changed
    // stops before it proves (the script, the worker, the module: by their SRI digests;
    // the proving key: by the authority's descriptor).
    let hosts = &r["hosts"];
    assert_eq!(hosts["honest"]["state"], "ready", "{hosts}");
    assert_eq!(hosts["honest"]["authorityOk"], true, "{hosts}");
    assert_eq!(
        hosts["page"]["state"], "starting",
        "a changed page script never runs: {hosts}"
    );
    assert_eq!(hosts["worker"]["state"], "integrity-error", "{hosts}");
    assert_eq!(hosts["wasm"]["state"], "integrity-error", "{hosts}");
    assert_eq!(hosts["key"]["state"], "key-error", "{hosts}");
    assert!(
        hosts["key"]["keyStatus"]
            .as_str()
            .unwrap()
            .contains("digest"),
        "{hosts}"
    );
    println!("other hosts: {hosts}");
    println!("screenshots in {}", out.display());
}

/// `python3 -m http.server` on loopback, port 0, serving `dir`: the process and its URL.
fn static_server(dir: &Path) -> (std::process::Child, String) {
    let mut child = Command::new("python3")
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs (a plain file server)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "Serving HTTP on 127.0.0.1 port 38711 (http://127.0.0.1:38711/) ..."
    let port: u16 = line
        .split_whitespace()
        .skip_while(|w| *w != "port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the file server says where it listens: {line:?}"));
    (child, format!("http://127.0.0.1:{port}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
