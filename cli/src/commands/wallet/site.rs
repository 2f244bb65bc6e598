//! `alc wallet site`: the browser wallet as a static site any host can serve (the
//! authority at `/wallet/`, a CDN, any file server), built for one authority.
//!
//! The site is the wallet package's `site/` files (`wasm/build.sh`: the page and the
//! prover's worker, each bundled into one script), its WebAssembly module and a key
//! directory's `proving_key.fast` (and `escrow-key.json` for circuit v2). `index.html`
//! is its one root of trust, written here:
//!
//! * Subresource Integrity (SHA-384) on the page's script and style sheet; the worker's
//!   script and the `.wasm` are fetched by the page with their SRI digests (from
//!   `<meta name="alc-integrity">`), the worker made from the checked bytes. A host that
//!   changes a byte of any of them stops the page before it runs.
//! * A Content-Security-Policy: scripts from the site only, workers only from the page's
//!   own blobs, network access to the site, the authority and https gateways only.
//! * The authority's URL and the digest of its keys (`alc authority info`): the page
//!   checks the authority's keys against it, then takes the proving key's and the
//!   verifying key's digests from the authority's signed key descriptor and the gateways
//!   from its signed gateway list. The host serves the proving key's bytes, but cannot
//!   choose them: a key the descriptor does not name is refused before it is parsed.

use alc_protocol::fsio::{self, Mode};
use anyhow::{bail, Context, Result};
use base64::Engine as _;
use clap::Args;
use sha2::{Digest as _, Sha384};
use std::path::{Path, PathBuf};

/// The site's files that come from the package's `site/` folder.
const PAGE_FILES: [&str; 3] = ["wallet.js", "worker.js", "wallet.css"];
/// The WebAssembly module, at the package's top level.
const WASM: &str = "alc_wasm_bg.wasm";

#[derive(Args, Debug)]
pub struct SiteArgs {
    /// The built wallet package (`wasm/build.sh`'s output).
    #[arg(long, default_value = "wasm/pkg")]
    package: PathBuf,
    /// The authority the wallet proves for: `https`, or `http` on loopback.
    #[arg(long)]
    authority: String,
    /// The SHA-256 of the authority's keys, as `alc authority info` prints it.
    #[arg(long)]
    authority_digest: String,
    /// A key directory (`alc setup`): its proving key is served with the site.
    #[arg(long)]
    keys: PathBuf,
    /// Where to write the site.
    #[arg(long)]
    out: PathBuf,
}

impl SiteArgs {
    pub fn run(self) -> Result<()> {
        let site = Site {
            authority: self.authority.trim().trim_end_matches('/').to_owned(),
            authority_digest: self.authority_digest.trim().to_ascii_lowercase(),
        };
        let files = assemble(&self.package, &self.keys, &site)?;
        for (name, bytes) in &files {
            fsio::write(&self.out.join(name), bytes, Mode::Public, true)?;
        }
        println!(
            "wallet site for {} in {} ({} files): serve the folder as it is (or set wallet_dir in authority.toml)",
            site.authority,
            self.out.display(),
            files.len()
        );
        Ok(())
    }
}

/// What a site is built for.
pub struct Site {
    /// The authority's base URL.
    pub authority: String,
    /// The digest of its keys (hex).
    pub authority_digest: String,
}

/// `sha384-` and the base64 of the SHA-384 of `bytes`: an SRI digest.
pub fn integrity(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// Escapes text for an HTML attribute value in double quotes.
fn attribute(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The page's Content-Security-Policy: what it may load and whom it may talk to.
fn policy(authority: &str) -> Result<String> {
    let (scheme, host, port) = alc_protocol::gateways::origin(authority)?;
    let authority_origin = format!("{scheme}://{host}:{port}");
    // Gateways are whatever the authority's signed list names, registered at https URLs
    // (or loopback http, which a loopback authority's development site allows).
    let gateways = if alc_protocol::gateways::is_loopback(&host) {
        "https: http://127.0.0.1:* http://localhost:*"
    } else {
        "https:"
    };
    Ok(format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src blob:; \
         style-src 'self'; img-src 'self' data:; connect-src 'self' {authority_origin} {gateways}; \
         base-uri 'none'; form-action 'none'"
    ))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The site's files (name relative to the site, bytes) from the package, the key
/// directory and what it is built for.
pub fn assemble(package: &Path, keys: &Path, site: &Site) -> Result<Vec<(String, Vec<u8>)>> {
    alc_protocol::gateways::check_service_url(&site.authority)?;
    if alc_protocol::encoding::hex_array::<32>(&site.authority_digest).is_err() {
        bail!("--authority-digest: expected 64 hex digits, as `alc authority info` prints");
    }
    let digests = crate::keydir::read_any_digests(keys)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for name in PAGE_FILES {
        let path = package.join("site").join(name);
        files.push((
            name.into(),
            read(&path).with_context(|| {
                format!(
                    "{} is not a built wallet package: run wasm/build.sh",
                    package.display()
                )
            })?,
        ));
    }
    files.push((WASM.into(), read(&package.join(WASM))?));
    files.push((
        "keys/proving_key.fast".into(),
        read(&keys.join(crate::keydir::PROVING_KEY_FAST))?,
    ));
    if digests.escrow_key.is_some() {
        files.push((
            "keys/escrow-key.json".into(),
            read(&keys.join(crate::keydir::ESCROW_KEY))?,
        ));
    }
    let sri = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| integrity(b))
            .unwrap_or_default()
    };
    let fetched =
        serde_json::json!({ "worker.js": sri("worker.js"), "alc_wasm_bg.wasm": sri(WASM) });
    let template = String::from_utf8(read(&package.join("site/index.html"))?)
        .context("the package's site/index.html is not UTF-8")?;
    let mut page = template;
    for (slot, value) in [
        ("csp", policy(&site.authority)?),
        ("authority", site.authority.clone()),
        ("authority_digest", site.authority_digest.clone()),
        ("circuit", digests.circuit.clone()),
        ("integrity", fetched.to_string()),
        ("wallet.js", sri("wallet.js")),
        ("wallet.css", sri("wallet.css")),
    ] {
        let marker = format!("{{{{{slot}}}}}");
        if !page.contains(&marker) {
            bail!("the package's site/index.html has no {marker}: rebuild it with wasm/build.sh");
        }
        page = page.replace(&marker, &attribute(&value));
    }
    if page.contains("{{") {
        bail!("the package's site/index.html has a slot this command does not fill");
    }
    files.push(("index.html".into(), page.into_bytes()));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="alc-authority" content="{{authority}}"><meta name="alc-authority-digest" content="{{authority_digest}}">
<meta name="alc-circuit" content="{{circuit}}"><meta name="alc-integrity" content="{{integrity}}">
<link rel="stylesheet" href="wallet.css" integrity="{{wallet.css}}">
<script type="module" src="wallet.js" integrity="{{wallet.js}}"></script>"#;

    fn package(dir: &Path, template: &str) {
        std::fs::create_dir_all(dir.join("site")).unwrap();
        for name in PAGE_FILES {
            std::fs::write(dir.join("site").join(name), format!("/* {name} */")).unwrap();
        }
        std::fs::write(dir.join("site/index.html"), template).unwrap();
        std::fs::write(dir.join(WASM), b"\0asm").unwrap();
    }

    fn keys(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("proving_key.fast"), b"key").unwrap();
        let d = alc_protocol::files::Digests {
            circuit: alc_circuits::tags::CIRCUIT_ID.into(),
            proving_key: String::new(),
            proving_key_fast: String::new(),
            verifying_key: String::new(),
            escrow_key: None,
            zkey: None,
            ceremony: None,
        };
        std::fs::write(dir.join("digests.json"), serde_json::to_vec(&d).unwrap()).unwrap();
    }

    fn site(authority: &str) -> Site {
        Site {
            authority: authority.into(),
            authority_digest: "ab".repeat(32),
        }
    }

    /// The written `index.html`.
    fn index_of(files: &[(String, Vec<u8>)]) -> String {
        let (_, page) = files.iter().find(|(n, _)| n == "index.html").unwrap();
        String::from_utf8(page.clone()).unwrap()
    }

    #[test]
    fn the_page_pins_every_file_it_runs_and_the_authority() {
        let t = tempfile::tempdir().unwrap();
        package(&t.path().join("pkg"), TEMPLATE);
        keys(&t.path().join("keys"));
        let files = assemble(
            &t.path().join("pkg"),
            &t.path().join("keys"),
            &site("http://127.0.0.1:8600"),
        )
        .unwrap();
        let page = index_of(&files);
        for name in ["wallet.js", "wallet.css"] {
            let want = integrity(format!("/* {name} */").as_bytes());
            assert!(page.contains(&format!("integrity=\"{want}\"")), "{name}");
        }
        let worker = integrity(b"/* worker.js */");
        let wasm = integrity(b"\0asm");
        assert!(page.contains(&format!(
            "{{&quot;alc_wasm_bg.wasm&quot;:&quot;{wasm}&quot;,&quot;worker.js&quot;:&quot;{worker}&quot;}}"
        )));
        assert!(page.contains(&"ab".repeat(32)));
        assert!(page.contains("connect-src 'self' http://127.0.0.1:8600 https: http://127.0.0.1:*"));
        assert!(!page.contains("{{"));
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"keys/proving_key.fast"));
        // A public authority's page talks to https hosts only.
        let files = assemble(
            &t.path().join("pkg"),
            &t.path().join("keys"),
            &site("https://authority.example"),
        )
        .unwrap();
        let page = index_of(&files);
        assert!(page.contains("connect-src 'self' https://authority.example:443 https:;"));
    }

    #[test]
    fn plain_http_a_bad_pin_a_missing_file_or_an_unfilled_slot_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let (pkg, k) = (t.path().join("pkg"), t.path().join("keys"));
        package(&pkg, TEMPLATE);
        keys(&k);
        assert!(assemble(&pkg, &k, &site("http://authority.example")).is_err());
        let mut bad = site("http://127.0.0.1:8600");
        bad.authority_digest = "not hex".into();
        assert!(assemble(&pkg, &k, &bad).is_err());
        std::fs::remove_file(pkg.join("site/worker.js")).unwrap();
        assert!(assemble(&pkg, &k, &site("http://127.0.0.1:8600")).is_err());
        package(&pkg, &format!("{TEMPLATE}{{{{gateway}}}}"));
        assert!(assemble(&pkg, &k, &site("http://127.0.0.1:8600")).is_err());
        package(&pkg, &TEMPLATE.replace("{{circuit}}", ""));
        assert!(assemble(&pkg, &k, &site("http://127.0.0.1:8600")).is_err());
    }
}
