//! Submitting this gateway's chain-of-liability entries (spawn links and kills) to the
//! authority's registry.
//!
//! Entries are written to the store's outbox in the same transaction as the lease or the
//! kill they record, so nothing is lost on a crash. This task drains the outbox in order:
//! each entry is signed with the gateway's registry key (`keys/registry.key`, Ed25519,
//! registered with the authority by an administrator) and posted to
//! `POST /v1/registry/entries`; the row is marked done only when the authority has
//! answered with the entry's index (it stores the entry durably first). While the
//! authority is unreachable, or does not know this gateway's key yet, rows stay in the
//! outbox and the task retries with backoff (0.5 s doubling to 30 s). An entry the
//! authority refuses as malformed is parked with the reason, never dropped. Several
//! gateway processes sharing a store may submit the same row: the authority answers a
//! repeated entry with its existing index.

use crate::store::Store;
use alc_protocol::time::Clock;
use alc_registry::submission::{sign, GatewayKey};
use std::sync::Arc;
use std::time::Duration;

/// Runs the submission loop until the process ends.
pub fn spawn_submitter(
    store: Store,
    key: GatewayKey,
    authority: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let wake = store.outbox_wake();
        let mut backoff = Duration::from_millis(500);
        loop {
            match round(&store, &key, &authority, &http, &*clock).await {
                Ok(true) => backoff = Duration::from_millis(500),
                Ok(false) => {
                    backoff = Duration::from_millis(500);
                    // Nothing pending: wait for a new entry (or look again in a while,
                    // for entries written by other processes on this host).
                    let _ = tokio::time::timeout(Duration::from_secs(2), wake.notified()).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "registry submission postponed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    })
}

/// Submits pending entries in order; true if any were pending.
async fn round(
    store: &Store,
    key: &GatewayKey,
    authority: &str,
    http: &reqwest::Client,
    clock: &dyn Clock,
) -> Result<bool, String> {
    let pending = store
        .outbox(100)
        .await
        .map_err(|e| format!("outbox: {e}"))?;
    if pending.is_empty() {
        return Ok(false);
    }
    let url = format!("{authority}/v1/registry/entries");
    for (id, entry) in pending {
        let submission = match sign(key, entry) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(row = id, error = %e, "registry entry parked: cannot be signed");
                store
                    .refuse(id, &e.to_string())
                    .await
                    .map_err(|e| format!("outbox: {e}"))?;
                continue;
            }
        };
        let resp = http
            .post(&url)
            .json(&submission)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("the authority is unreachable: {}", e.without_url()))?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        let message = body["message"].as_str().unwrap_or("").to_owned();
        match status.as_u16() {
            200 | 201 => {
                let index = body["index"]
                    .as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or("the registry answered without an index")?;
                store
                    .submitted(id, index, clock.now())
                    .await
                    .map_err(|e| format!("outbox: {e}"))?;
                tracing::debug!(row = id, index, "registry entry submitted");
            }
            400 => {
                tracing::error!(row = id, %message, "registry entry parked: the registry refused it");
                store
                    .refuse(id, &message)
                    .await
                    .map_err(|e| format!("outbox: {e}"))?;
            }
            403 => {
                return Err(format!(
                    "the registry does not accept this gateway's key ({message}): register gateway {:?} with key {}",
                    key.gateway(),
                    hex::encode(key.verifying_key().as_bytes())
                ))
            }
            _ => return Err(format!("the registry answered {status}: {message}")),
        }
    }
    Ok(true)
}
