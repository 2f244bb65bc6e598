//! Running the gateway from a data folder: `gateway.toml`, `keys/lease.key` (the Biscuit
//! root key, 0600), `keys/registry.key` (the Ed25519 key its registry entries are signed
//! with, 0600), `gateway.db` (shared by the gateway processes on this host; or a
//! PostgreSQL database shared by a fleet, `database` in `gateway.toml`, `docs/fleet.md`),
//! `authority.json` (the authority's keys, pinned on first contact) and `admin-token`.

use crate::api::{app, AppState};
use crate::batch::Batcher;
use crate::config::Config;
use crate::core::Gateway;
use crate::lease::Minter;
use crate::proxy::{InProcess, Proxy, Routes, Upstream};
use crate::registry::spawn_submitter;
use crate::status::{spawn_watcher, StatusView};
use crate::store::{Database, Store};
use alc_circuits::babyjubjub::Point;
use alc_protocol::authority::{AuthorityInfo, AuthorityKeys};
use alc_protocol::fsio::{self, FsError, Mode};
use alc_protocol::time::{Clock, SystemClock};
use alc_registry::submission::GatewayKey;
use alc_verifier::VerifyingKey;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// A failure to start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServiceError(pub String);

fn err<W: std::fmt::Display, E: std::fmt::Display>(what: W) -> impl Fn(E) -> ServiceError {
    move |e| ServiceError(format!("{what}: {e}"))
}

/// Options of `alc gateway serve`.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The data folder.
    pub data: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The authority's URL (overrides the configuration).
    pub authority: Option<String>,
    /// This gateway's scope (overrides the configuration).
    pub scope: Option<String>,
    /// The digest of the authority's keys to require (overrides the configuration).
    pub authority_digest: Option<String>,
    /// The upstream (overrides the configuration).
    pub upstream: Option<String>,
    /// The shared state's database (overrides `ALC_GATEWAY_DATABASE` and the
    /// configuration).
    pub database: Option<String>,
    /// The in-process upstreams `upstream` may name.
    pub in_process: InProcess,
    /// The presentation circuit's verifying key.
    pub verifying_key: VerifyingKey,
}

/// Creates a secret file (0600, atomically) unless another process got there first.
fn create_secret(path: &Path, bytes: &[u8]) -> Result<(), ServiceError> {
    match fsio::write(path, bytes, Mode::Secret, false) {
        Ok(()) | Err(FsError::Exists(_)) => Ok(()),
        Err(e) => Err(ServiceError(e.to_string())),
    }
}

/// 32 random bytes as hex.
fn random_hex() -> Zeroizing<String> {
    let mut b = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, b.as_mut());
    Zeroizing::new(hex::encode(b.as_ref()))
}

/// The 32-byte secret in `path`, created first if missing; refused if others may read it.
fn secret32(path: &Path) -> Result<Zeroizing<[u8; 32]>, ServiceError> {
    if !path.exists() {
        create_secret(path, random_hex().as_bytes())?;
    }
    fsio::read_secret_hex32(path).map_err(|e| ServiceError(e.to_string()))
}

/// The authority's keys: those pinned in `authority.json`, or on first contact those it
/// presents, pinned. A digest given (`authority_digest`) must match whichever it is; a
/// first contact without one is printed loudly to `notice` (the service's stderr) with
/// the digest to compare out of band, and logged.
async fn authority_keys(
    data: &Path,
    authority: &str,
    digest: &str,
    http: &reqwest::Client,
    notice: &mut impl std::io::Write,
) -> Result<AuthorityKeys, ServiceError> {
    let pinned_path = data.join("authority.json");
    let pinned: Option<AuthorityKeys> = match std::fs::read_to_string(&pinned_path) {
        Ok(s) => Some(serde_json::from_str(&s).map_err(err(pinned_path.display()))?),
        Err(_) => None,
    };
    let fetched = async {
        let r = http
            .get(format!("{authority}/v1/authority"))
            .send()
            .await
            .ok()?;
        let info: AuthorityInfo = r.json().await.ok()?;
        Some(AuthorityKeys::from(&info))
    }
    .await;
    let keys = match (pinned, fetched) {
        (Some(p), Some(f)) if p != f => {
            return Err(ServiceError(format!(
                "the authority at {authority} presents keys other than those pinned in {}: refusing to start",
                pinned_path.display()
            )))
        }
        (Some(p), _) => p,
        (None, Some(f)) => {
            if !digest.is_empty() && f.digest() != digest {
                return Err(ServiceError(format!(
                    "the authority at {authority} presents keys with digest {}, not the authority_digest {digest} this gateway was given: refusing to start",
                    f.digest()
                )));
            }
            let text = serde_json::to_string_pretty(&f).unwrap_or_default();
            fsio::write(&pinned_path, text.as_bytes(), Mode::Public, true)
                .map_err(err(pinned_path.display()))?;
            if digest.is_empty() {
                let _ = writeln!(
                    notice,
                    "\n*** FIRST CONTACT: pinned the keys of authority {:?} at {authority}\n*** digest {}\n*** compare it with `alc authority info` run by the authority, out of band;\n*** set authority_digest in gateway.toml (or --authority-digest) to require it.\n",
                    f.name,
                    f.digest()
                );
                tracing::warn!(authority, digest = %f.digest(), "pinned the authority's keys on first contact, unverified: compare the digest out of band");
            } else {
                tracing::info!(authority, digest, "pinned the authority's keys: the digest matches");
            }
            f
        }
        (None, None) => {
            return Err(ServiceError(format!(
                "cannot reach the authority at {authority} to learn its keys"
            )))
        }
    };
    if !digest.is_empty() && keys.digest() != digest {
        return Err(ServiceError(format!(
            "the authority keys pinned in {} have digest {}, not the authority_digest {digest}: refusing to start",
            pinned_path.display(),
            keys.digest()
        )));
    }
    Ok(keys)
}

/// The gateway's binding secret (X25519), derived from its lease key so that the
/// processes of a fleet sharing the lease key share it too.
fn binding_secret(lease: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(b"alc/v1/gateway-binding-key\0");
    h.update(lease);
    Zeroizing::new(h.finalize().into())
}

/// The data folder and its `keys/`, both private (0700).
fn private_dirs(data: &Path) -> Result<(), ServiceError> {
    fsio::private_dir(data)
        .and_then(|()| fsio::private_dir(&data.join("keys")))
        .map_err(err("cannot create the data folder"))
}

/// The admin token in `data/admin-token`, created (0600) if missing.
fn admin_token(data: &Path) -> Result<String, ServiceError> {
    let admin_path = data.join("admin-token");
    if !admin_path.exists() {
        create_secret(
            &admin_path,
            format!("{}\n", random_hex().as_str()).as_bytes(),
        )?;
        tracing::info!(path = %admin_path.display(), "created the gateway's admin token");
    }
    fsio::read_secret_string(&admin_path)
        .map(|t| t.trim().to_owned())
        .map_err(|e| ServiceError(e.to_string()))
}

/// What `alc gateway init` made.
#[derive(Debug)]
pub struct Initialized {
    /// The configuration as written (or as found).
    pub config: Config,
    /// The gateway's registry submission key (Ed25519, hex): register it at the authority.
    pub registry_key: String,
}

/// Creates a gateway data folder without starting the gateway: `gateway.toml` (with the
/// given settings over the defaults; an existing file is kept), the lease and registry
/// keys, and the admin token. The authority is contacted only when the gateway starts.
/// `upstream` is a URL or one of `in_process`.
pub fn init(
    data: &Path,
    scope: Option<&str>,
    authority: Option<&str>,
    upstream: Option<&str>,
    in_process: &InProcess,
) -> Result<Initialized, ServiceError> {
    private_dirs(data)?;
    let config_path = data.join("gateway.toml");
    let config = if config_path.exists() {
        Config::from_toml(&std::fs::read_to_string(&config_path).map_err(err("gateway.toml"))?)
            .map_err(err("gateway.toml"))?
    } else {
        let mut c = Config::default();
        if let Some(s) = scope {
            c.scope = s.to_owned();
        }
        if let Some(a) = authority {
            c.authority = a.trim_end_matches('/').to_owned();
        }
        if let Some(u) = upstream {
            Upstream::parse(u, in_process).map_err(err("upstream"))?;
            c.upstream = u.to_owned();
        }
        c.check().map_err(err("gateway.toml"))?;
        let text = format!(
            "# ALC gateway configuration (see the README, \"Running a gateway\").\n{}",
            toml::to_string_pretty(&c).map_err(err("gateway.toml"))?
        );
        fsio::write(&config_path, text.as_bytes(), Mode::Public, false)
            .map_err(err("cannot write gateway.toml"))?;
        c
    };
    secret32(&data.join("keys").join("lease.key"))?;
    let registry = GatewayKey::from_seed(
        &config.scope,
        &*secret32(&data.join("keys").join("registry.key"))?,
    );
    admin_token(data)?;
    Ok(Initialized {
        config,
        registry_key: hex::encode(registry.verifying_key().as_bytes()),
    })
}

/// The route classes' proxies `cfg` names: each class's own upstream, or a path of its
/// own under `upstream`.
fn routes(cfg: &Config, offered: &InProcess) -> Result<Routes, ServiceError> {
    let class = |own: &str, what: &'static str, prefix: &str| -> Result<Proxy, ServiceError> {
        let (upstream, prefix) = if own.trim().is_empty() {
            (cfg.upstream.as_str(), prefix)
        } else {
            (own, "")
        };
        let upstream = Upstream::parse(upstream, offered).map_err(err(what))?;
        Ok(Proxy::try_new(upstream).map_err(err(what))?.under(prefix))
    };
    Routes::new(
        class(&cfg.public_upstream, "public_upstream", "/public")?,
        class(&cfg.sandbox_upstream, "sandbox_upstream", "/sandbox")?,
        class(
            &cfg.autonomous_upstream,
            "autonomous_upstream",
            "/autonomous",
        )?,
    )
    .map_err(err("upstreams"))
}

/// Refuses a verifying key other than the one the authority's signed key descriptor
/// (`GET /v1/keys`) names for its circuit: wallets prove with the proving key the
/// descriptor names, so a gateway with another key would refuse every proof, or accept
/// proofs of another setup. An authority that names no key for the circuit (or serves
/// no descriptor) leaves the choice to the gateway's key directory.
async fn published_key(
    http: &reqwest::Client,
    authority: &str,
    status_key: &ed25519_dalek::VerifyingKey,
    issuer: &str,
    vk: &VerifyingKey,
) -> Result<(), ServiceError> {
    let what = "the authority's key descriptor";
    let resp = http
        .get(format!("{authority}/v1/keys"))
        .send()
        .await
        .map_err(err(what))?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(());
    }
    let signed: alc_protocol::keys::SignedKeyDescriptor = resp
        .error_for_status()
        .map_err(err(what))?
        .json()
        .await
        .map_err(err(what))?;
    let descriptor = signed.verify(status_key, issuer).map_err(err(what))?;
    let circuit = if vk.is_v2() {
        alc_circuits::tags::CIRCUIT_V2_ID
    } else {
        alc_circuits::tags::CIRCUIT_ID
    };
    match descriptor.for_circuit(circuit) {
        Some(named) if !named.verifying_key.eq_ignore_ascii_case(&vk.digest_hex()) => {
            Err(ServiceError(format!(
                "the verifying key {} is not the one the authority publishes for {circuit} ({}): wallets prove with the authority's keys, so use its key directory",
                vk.digest_hex(),
                named.verifying_key
            )))
        }
        _ => Ok(()),
    }
}

/// Opens the gateway in `data` and starts its background tasks.
pub async fn open(opts: &ServeOptions, clock: Arc<dyn Clock>) -> Result<AppState, ServiceError> {
    let data = &opts.data;
    private_dirs(data)?;
    let config_path = data.join("gateway.toml");
    let text =
        fsio::read_or_create(&config_path, &Config::template()).map_err(err("gateway.toml"))?;
    let mut cfg = Config::parse(&text).map_err(err("gateway.toml"))?;
    let v2 = opts.verifying_key.is_v2();
    if !v2 && !cfg.allow_v1 {
        return Err(ServiceError("the verifying key is circuit v1's: this gateway requires circuit v2 (a key directory from `alc setup --escrow-key FILE`); set allow_v1 = true in gateway.toml to accept v1 proofs (bearer leases) during a transition".into()));
    }
    if let Some(a) = &opts.authority {
        cfg.authority = a.trim_end_matches('/').to_owned();
    }
    if let Some(u) = &opts.upstream {
        cfg.upstream = u.clone();
    }
    if let Some(scope) = &opts.scope {
        cfg.scope = scope.clone();
    }
    if let Some(d) = &opts.authority_digest {
        cfg.authority_digest = d.trim().to_ascii_lowercase();
    }
    cfg.check().map_err(err("gateway.toml"))?;
    if opts.verifying_key.is_public_test_key() && !cfg.allow_test_keys {
        return Err(ServiceError(format!(
            "the verifying key {} is a public test key (its setup randomness is published: anyone can forge proofs under it); run `alc setup` for real keys, or set allow_test_keys = true in gateway.toml for development",
            opts.verifying_key.digest_hex()
        )));
    }
    let routes = routes(&cfg, &opts.in_process)?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(err("HTTP client"))?;
    let keys = authority_keys(
        data,
        &cfg.authority,
        &cfg.authority_digest,
        &http,
        &mut std::io::stderr(),
    )
    .await?;
    let x = alc_circuits::field::from_decimal(&keys.issuer_key[0])
        .map_err(err("authority issuer key"))?;
    let y = alc_circuits::field::from_decimal(&keys.issuer_key[1])
        .map_err(err("authority issuer key"))?;
    let issuer: Point = alc_circuits::eddsa::PublicKey::from_coordinates(x, y)
        .map_err(err("authority issuer key"))?
        .point()
        .to_owned();
    let status_key_bytes: [u8; 32] = alc_protocol::encoding::base64url_array(&keys.status_key)
        .map_err(|_| ServiceError("authority status key is not 32 bytes of base64url".into()))?;
    let status_key = ed25519_dalek::VerifyingKey::from_bytes(&status_key_bytes)
        .map_err(err("authority status key"))?;

    published_key(
        &http,
        &cfg.authority,
        &status_key,
        &keys.name,
        &opts.verifying_key,
    )
    .await?;

    // The shared state: the flag, else the environment, else gateway.toml's `database`.
    if let Some(d) = opts.database.clone() {
        cfg.database = crate::config::DatabaseSetting(d);
    } else if let Ok(d) = std::env::var("ALC_GATEWAY_DATABASE") {
        cfg.database = crate::config::DatabaseSetting(d);
    }
    let database = Database::from_setting(&cfg.database.0, data).map_err(err("database"))?;
    let store = Store::connect(&database)
        .await
        .map_err(err(database.display()))?;
    tracing::info!(database = %database.display(), "gateway store open");
    let lease_secret = secret32(&data.join("keys").join("lease.key"))?;
    let minter = Minter::from_secret(&lease_secret).map_err(err("lease key"))?;
    let binding = binding_secret(&lease_secret);
    let admin = admin_token(data)?;
    let admin_token_hash: [u8; 32] = Sha256::digest(admin.trim().as_bytes()).into();
    let reporter = std::fs::read_to_string(data.join("authority-report-token"))
        .ok()
        .map(|t| (cfg.authority.clone(), t.trim().to_owned()));

    let status = Arc::new(StatusView::new(
        keys.name.clone(),
        status_key,
        cfg.superseded_root_secs,
        cfg.status_grace_secs,
    ));
    let notify: Arc<dyn Fn(&alc_protocol::status::StatusResponse) + Send + Sync> = Arc::new(|r| {
        if r.emergency {
            tracing::warn!(epoch = r.epoch, "emergency status: leases under older roots are refused until their agents prove again");
        }
    });
    // The watcher runs for the life of the process (it holds the view weakly).
    let _watcher = spawn_watcher(status.clone(), cfg.authority.clone(), clock.clone(), notify)
        .map_err(err("status watcher"))?;
    let batcher = Batcher::spawn(
        opts.verifying_key.clone(),
        cfg.batch_max,
        Duration::from_millis(cfg.batch_wait_ms),
    );
    let gateway = Gateway::new(
        cfg,
        store,
        minter,
        status,
        batcher,
        issuer,
        clock.clone(),
        binding,
        v2,
    );
    gateway.refresh_kills().await.map_err(err("kill set"))?;
    {
        // Kills made by other gateway processes (on this host with SQLite, anywhere in
        // the fleet with PostgreSQL) arrive at their notification, or within
        // `store::KILL_POLL` (200 ms) at the latest.
        let g = Arc::downgrade(&gateway);
        let store = gateway.store().clone();
        tokio::spawn(async move {
            let mut last_sweep = std::time::Instant::now();
            loop {
                store.kills_changed().await;
                let Some(g) = g.upgrade() else { break };
                if let Err(e) = g.refresh_kills().await {
                    tracing::warn!(error = %e, "cannot refresh the kill set");
                }
                if last_sweep.elapsed() >= Duration::from_secs(60) {
                    last_sweep = std::time::Instant::now();
                    g.sweep();
                }
            }
        });
    }
    // Per-pseudonym rate limits, fleet-wide (`crate::rate`): the fleet's size heard
    // before serving, so that this process's first claims are its share.
    if let Err(e) = gateway.rate_heartbeat().await {
        tracing::warn!(error = %e, "cannot reach the store for rate limits");
    }
    {
        let g = Arc::downgrade(&gateway);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(crate::rate::HEARTBEAT);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                tick.tick().await;
                let Some(g) = g.upgrade() else { break };
                // Said once when it starts failing and once when it recovers.
                match g.rate_heartbeat().await {
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "cannot reach the store for rate limits");
                    }
                    Ok(()) if failing => {
                        failing = false;
                        tracing::info!("the store for rate limits is reachable again");
                    }
                    _ => {}
                }
            }
        });
    }
    let registry_seed = secret32(&data.join("keys").join("registry.key"))?;
    let registry_key = GatewayKey::from_seed(&gateway.config().scope, &registry_seed);
    let signer = Arc::new(GatewayKey::from_seed(
        &gateway.config().scope,
        &registry_seed,
    ));
    drop(registry_seed);
    let registry_key_hex = hex::encode(registry_key.verifying_key().as_bytes());
    let _submitter = spawn_submitter(
        gateway.store().clone(),
        registry_key,
        gateway.config().authority.clone(),
        http.clone(),
        clock,
    );
    Ok(AppState {
        registry_key: registry_key_hex,
        signer,
        gateway,
        routes: Arc::new(routes),
        admin_token_hash,
        reporter,
        http,
    })
}

/// Serves until interrupted.
pub async fn serve(opts: ServeOptions) -> Result<(), ServiceError> {
    let state = open(&opts, Arc::new(SystemClock)).await?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(err(format!("cannot listen on {}", opts.listen)))?;
    let addr = listener.local_addr().map_err(err("listener"))?;
    println!(
        "gateway listening on http://{addr} (scope {}, data in {})",
        state.gateway.config().scope,
        opts.data.display()
    );
    let c = state.gateway.config();
    let limits = alc_service::Limits {
        header_read_timeout: Duration::from_secs(c.header_read_timeout_secs),
        body_read_timeout: Duration::from_secs(c.body_read_timeout_secs),
        body_min_rate: c.body_min_bytes_per_sec,
        max_connections_per_ip: c.max_connections_per_ip,
    };
    alc_service::serve(listener, app(state), limits, alc_service::shutdown()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
    use super::*;

    /// An authority that answers `/v1/authority` only: its URL and the digest of its keys.
    async fn authority() -> (String, String) {
        let info = AuthorityInfo {
            name: "test authority".into(),
            issuer_key: ["1".into(), "2".into()],
            status_key: "c3RhdHVz".into(),
            list: "list".into(),
            circuit: "alc-presentation-v2".into(),
            registry_origin: "registry".into(),
            registry_key: "registry+00000000+AA".into(),
            escrow_key: None,
        };
        let digest = AuthorityKeys::from(&info).digest();
        let app = axum::Router::new().route(
            "/v1/authority",
            axum::routing::get(move || async move { axum::Json(info) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, digest)
    }

    /// What a start prints, and the keys it pins.
    async fn start(data: &Path, url: &str, digest: &str) -> (String, AuthorityKeys) {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut notice = Vec::new();
        let keys = authority_keys(data, url, digest, &http, &mut notice)
            .await
            .unwrap();
        (String::from_utf8(notice).unwrap(), keys)
    }

    #[tokio::test]
    async fn a_first_contact_pin_is_printed_loudly_with_the_digest() {
        let (url, digest) = authority().await;
        let dir = tempfile::tempdir().unwrap();
        let (printed, keys) = start(dir.path(), &url, "").await;
        assert_eq!(keys.digest(), digest);
        assert!(printed.contains("*** FIRST CONTACT"), "{printed}");
        assert!(
            printed.contains(&format!("*** digest {digest}")),
            "{printed}"
        );
        assert!(dir.path().join("authority.json").exists());
        // The twins: a start that finds matching keys pinned prints nothing, nor does a
        // first contact given the digest to require (it matched).
        let (printed, again) = start(dir.path(), &url, "").await;
        assert_eq!((printed.as_str(), again), ("", keys));
        let fresh = tempfile::tempdir().unwrap();
        let (printed, _) = start(fresh.path(), &url, &digest).await;
        assert_eq!(printed, "");
        assert!(fresh.path().join("authority.json").exists());
    }
}
