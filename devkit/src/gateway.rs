//! A provider gateway for tests, in process: a temporary data folder with a
//! `gateway.toml`, the echo upstream, a manual clock, and the authority it follows
//! already answering (the gateway's first status has arrived when [`TestGateway::start`]
//! returns).

use crate::clock::ManualClock;
use alc_gateway::api::{app, AppState};
use alc_gateway::service::{open, ServeOptions};
use alc_verifier::VerifyingKey;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// The scope of test gateways unless their configuration says otherwise.
pub const SCOPE: &str = "gateway.test";

/// A gateway for a test.
pub struct TestGateway {
    /// Its router (for `oneshot`).
    pub app: Router,
    /// Its state: the gateway, the proxy, its keys.
    pub state: AppState,
    /// Its data folder (removed when dropped).
    pub dir: TempDir,
}

impl TestGateway {
    /// A gateway following the authority at `authority` (a base URL), with
    /// `scope = "gateway.test"` and `gateway_toml` (more of `gateway.toml`), the echo
    /// upstream, `clock` and the circuit's verifying key `vk` (circuit v1's: with
    /// `allow_v1 = true`).
    ///
    /// # Panics
    ///
    /// If the gateway cannot be opened or never sees the authority's status.
    pub async fn start(
        authority: &str,
        clock: &ManualClock,
        vk: &VerifyingKey,
        gateway_toml: &str,
    ) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(
            dir.path().join("gateway.toml"),
            format!(
                "scope = \"{SCOPE}\"\nallow_test_keys = true\n{}{gateway_toml}",
                if vk.is_v2() { "" } else { "allow_v1 = true\n" }
            ),
        )
        .expect("gateway.toml");
        let opts = ServeOptions {
            data: dir.path().to_owned(),
            scope: None,
            authority_digest: None,
            listen: "127.0.0.1:0".parse().expect("a loopback address"),
            authority: Some(authority.to_owned()),
            upstream: Some(crate::upstream::ECHO.into()),
            database: None,
            in_process: crate::upstream::offered(),
            verifying_key: vk.clone(),
        };
        let state = open(&opts, Arc::new(clock.clone()))
            .await
            .expect("the test gateway opens");
        for _ in 0..100 {
            if state.gateway.status().current().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            state.gateway.status().current().is_some(),
            "the gateway never saw the authority's status"
        );
        Self {
            app: app(state.clone()),
            state,
            dir,
        }
    }

    /// Serves its API on a fresh loopback port: the base URL and the server's task.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound.
    pub async fn serve(&self) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
        crate::http::serve(self.app.clone())
            .await
            .expect("a loopback port")
    }

    /// Waits (up to a second) until the gateway has taken up status epoch `epoch`.
    ///
    /// # Panics
    ///
    /// If it has not by then.
    pub async fn sees_epoch(&self, epoch: u64) {
        for _ in 0..200 {
            if self.state.gateway.status().current().map(|(r, _)| r.epoch) == Some(epoch) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the gateway never saw epoch {epoch}");
    }
}
