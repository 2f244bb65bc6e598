//! Running the authority from a data folder: `authority.toml`, `keys/`, `authority.db`,
//! `admin-token`, all created on first start.

use crate::authority::Authority;
use crate::config::Config;
use crate::keys::Keys;
use crate::oidc::Verifier;
use crate::questions::Bank;
use alc_protocol::fsio;
use alc_protocol::time::{Clock, SystemClock};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A failure to start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServiceError(pub String);

fn fail(what: &str) -> impl Fn(&dyn std::fmt::Display) -> ServiceError + '_ {
    move |e| ServiceError(format!("{what}: {e}"))
}

/// Options of `alc authority serve`.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The data folder.
    pub data: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The database (`--database`), over `ALC_AUTHORITY_DATABASE` and authority.toml's.
    pub database: Option<String>,
}

/// Opens (creating on first start) the authority in `data`, on the database its
/// configuration names (`ALC_AUTHORITY_DATABASE` over authority.toml's `database`).
pub async fn open(data: &Path, clock: Arc<dyn Clock>) -> Result<Arc<Authority>, ServiceError> {
    open_on(data, clock, None).await
}

/// [`open`], with `database` (a setting, as `--database` gives it) over the
/// configuration's.
pub async fn open_on(
    data: &Path,
    clock: Arc<dyn Clock>,
    database: Option<&str>,
) -> Result<Arc<Authority>, ServiceError> {
    // The database holds identity hashes and the keys folder secrets: owner only.
    fsio::private_dir(data).map_err(|e| fail("cannot create the data folder")(&e))?;
    let config_path = data.join("authority.toml");
    let text = fsio::read_or_create(&config_path, &Config::template())
        .map_err(|e| fail("authority.toml")(&e))?;
    let mut cfg =
        Config::from_toml(&text).map_err(|e| fail(&config_path.display().to_string())(&e))?;
    // Paths authority.toml names: relative to the data folder.
    let under_data = |p: &Path| {
        if p.is_relative() {
            data.join(p)
        } else {
            p.to_owned()
        }
    };
    cfg.circuit_keys = cfg.circuit_keys.iter().map(|p| under_data(p)).collect();
    cfg.wallet_dir = cfg.wallet_dir.as_deref().map(under_data);
    let keys = Keys::load_or_create(&data.join("keys")).map_err(|e| fail("keys")(&e))?;
    // A file authority.toml names, and its text.
    let named = |p: &Path| -> Result<(PathBuf, String), ServiceError> {
        let p = under_data(p);
        let text = std::fs::read_to_string(&p).map_err(|e| fail(&p.display().to_string())(&e))?;
        Ok((p, text))
    };
    // The bank holds the answer key: read like a secret (refused if group- or
    // world-readable), and the repository's sample said to be one, loudly.
    let bank = match &cfg.question_bank {
        None => {
            tracing::warn!("running on the SAMPLE question bank, whose answers are public in the ALC repository: anyone can pass the assessment; set question_bank in authority.toml to a confidential bank (docs/question-bank.md)");
            Bank::default_bank()
        }
        Some(p) => {
            let p = under_data(p);
            let text = fsio::read_secret_string(&p)
                .map_err(|e| fail("question bank (its answers are secret: mode 0600)")(&e))?;
            Bank::from_toml(&text)
        }
    }
    .map_err(|e| fail("question bank")(&e))?;
    let verifier = if cfg.identity_providers.is_empty() {
        tracing::warn!("no identity provider in authority.toml: every sign-in will be refused until one is configured");
        None
    } else {
        let v = Verifier::new(cfg.identity_providers.clone(), cfg.token_leeway_secs)
            .await
            .map_err(|e| fail("identity providers")(&e))?;
        Some(v)
    };
    // The database: the flag, else the environment, else authority.toml.
    let setting = match (database, std::env::var("ALC_AUTHORITY_DATABASE")) {
        (Some(d), _) => d.to_owned(),
        (None, Ok(d)) => d,
        (None, Err(_)) => cfg.database.0.clone(),
    };
    let location =
        crate::db::Location::from_setting(&setting, data).map_err(|e| fail("database")(&e))?;
    let db = crate::db::open(&location)
        .await
        .map_err(|e| fail(&format!("database {}", location.display()))(&e))?;
    tracing::info!(database = %location.display(), "authority database open");
    // Questions retired since the bank was written still are (a bank replaced without
    // new questions can leave an area's pool too small to draw from).
    let mut tx = db.pool.begin().await.map_err(|e| fail("database")(&e))?;
    let retired = crate::bank_review::retired(&mut tx)
        .await
        .map_err(|e| fail("database")(&e))?;
    drop(tx);
    bank.check_pool(&retired)
        .map_err(|e| fail("question bank")(&e))?;
    let escrow = match &cfg.escrow_key {
        None => None,
        Some(p) => {
            let (p, text) = named(p)?;
            let file: alc_protocol::escrow::JointKey =
                alc_protocol::files::parse(&text, alc_protocol::escrow::JOINT_KEY)
                    .map_err(|e| fail(&p.display().to_string())(&e))?;
            let public = alc_escrow::dkg::EscrowPublic::from_text(&file)
                .map_err(|e| fail(&p.display().to_string())(&e))?;
            if public.key().is_weak() && !cfg.allow_test_keys {
                return Err(ServiceError(format!(
                    "{}: the escrow key's secret is at most {} (a test key): anyone could open every ciphertext under it; make one with `alc escrow deal`, or set allow_test_keys = true in authority.toml for development",
                    p.display(),
                    alc_circuits::escrow::WEAK_SECRETS
                )));
            }
            Some(public)
        }
    };
    let circuit_keys = crate::circuit_keys::load_all(&cfg.circuit_keys, cfg.allow_test_keys)
        .map_err(|e| fail("circuit_keys")(&e))?;
    let anchors = crate::authority::Anchors {
        escrow,
        circuit_keys,
    };
    let authority = Authority::new(db, cfg, keys, clock, verifier, bank, anchors)
        .await
        .map_err(|e| fail("status list")(&e))?;
    let token_path = data.join("admin-token");
    if authority
        .ensure_initial_token(&token_path)
        .await
        .map_err(|e| fail("admin token")(&e))?
    {
        tracing::info!(path = %token_path.display(), "created the initial admin token (all scopes)");
    }
    Ok(authority)
}

/// Serves until interrupted (SIGINT or SIGTERM).
pub async fn serve(opts: ServeOptions) -> Result<(), ServiceError> {
    let authority = open_on(&opts.data, Arc::new(SystemClock), opts.database.as_deref()).await?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| fail(&format!("cannot listen on {}", opts.listen))(&e))?;
    let addr = listener.local_addr().map_err(|e| fail("listener")(&e))?;
    println!(
        "authority listening on http://{addr} (data in {})",
        opts.data.display()
    );
    // Keep status responses fresh for pull and push subscribers.
    let refresher = {
        let a = authority.clone();
        let every = Duration::from_secs((a.config().status_interval_secs / 2).max(1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                a.status.current(a.now());
            }
        })
    };
    // Epochs other processes on the database record (`docs/scaling.md`).
    let follower = {
        let a = authority.clone();
        tokio::spawn(async move { a.follow_status().await })
    };
    // Permit requirements, for as long as permits live.
    let enforcer = {
        let a = authority.clone();
        tokio::spawn(async move { a.enforcement_loop().await })
    };
    let c = authority.config();
    let limits = alc_service::Limits {
        header_read_timeout: Duration::from_secs(c.header_read_timeout_secs),
        body_read_timeout: Duration::from_secs(c.body_read_timeout_secs),
        body_min_rate: c.body_min_bytes_per_sec,
        max_connections_per_ip: c.max_connections_per_ip,
    };
    let app = crate::api::app(authority);
    alc_service::serve(listener, app, limits, alc_service::shutdown()).await;
    refresher.abort();
    follower.abort();
    enforcer.abort();
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A bank file others can read is refused at start; its twin, mode 0600, is used.
    #[tokio::test]
    async fn a_question_bank_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("authority");
        std::fs::create_dir_all(&data).expect("the data folder");
        std::fs::write(
            data.join("authority.toml"),
            "question_bank = \"bank.toml\"\n",
        )
        .expect("authority.toml");
        let bank = data.join("bank.toml");
        std::fs::write(&bank, crate::questions::DEFAULT_BANK).expect("the bank");
        std::fs::set_permissions(&bank, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = open(&data, Arc::new(SystemClock)).await.err();
        assert!(
            refused
                .as_ref()
                .is_some_and(|e| e.0.contains("question bank")),
            "{refused:?}"
        );
        std::fs::set_permissions(&bank, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(open(&data, Arc::new(SystemClock)).await.is_ok());
    }
}
