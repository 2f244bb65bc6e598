//! The browser wallet page at `/wallet/` (README, "The browser wallet").
//!
//! With `wallet_dir` set in `gateway.toml`, the gateway serves the built wallet package
//! (the page, its scripts and the `.wasm` as `application/wasm`) from that folder,
//! `/wallet/keys/{proving_key.fast,digests.json,escrow-key.json}` from `wallet_keys`, and relays the
//! authority's public status list at `/wallet/status/list` (so the page needs no
//! cross-origin request; the list is the same public bitstring for everyone, so the
//! relay learns nothing the challenge request did not already tell it). Every file is
//! sent with a strict Content-Security-Policy: the page may run only its own scripts
//! and WebAssembly, and talk only to this gateway.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

/// The page's Content-Security-Policy: its own scripts, workers and WebAssembly only,
/// network access to this gateway only.
const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
    form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The wallet's routes, merged into the gateway's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/wallet", get(|| async { Redirect::permanent("/wallet/") }))
        .route("/wallet/", get(index))
        .route("/wallet/status/list", get(status_list))
        .route("/wallet/{*file}", get(asset))
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(alc_protocol::error::ErrorBody::new("not_found", what)),
    )
        .into_response()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("ts") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Where a request path points, if it names a file the wallet may serve.
fn locate(s: &AppState, file: &str) -> Option<PathBuf> {
    let c = s.gateway.config();
    if c.wallet_dir.is_empty() {
        return None;
    }
    let safe = |seg: &str| {
        !seg.is_empty()
            && !seg.starts_with('.')
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    match file.split('/').collect::<Vec<_>>().as_slice() {
        ["keys", name] if !c.wallet_keys.is_empty() => matches!(
            *name,
            "proving_key.fast" | "digests.json" | "verifying_key.bin" | "escrow-key.json"
        )
        .then(|| PathBuf::from(&c.wallet_keys).join(name)),
        [name] if safe(name) => Some(PathBuf::from(&c.wallet_dir).join(name)),
        _ => None,
    }
}

async fn index(State(s): State<AppState>, headers: HeaderMap) -> Response {
    serve(&s, "index.html", &headers).await
}

async fn asset(
    State(s): State<AppState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    serve(&s, &file, &headers).await
}

async fn serve(s: &AppState, file: &str, headers: &HeaderMap) -> Response {
    let Some(path) = locate(s, file) else {
        return not_found("no such wallet file");
    };
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return not_found("no such wallet file");
    };
    if !meta.is_file() {
        return not_found("no such wallet file");
    }
    // A validator from the file's size and modification time: reloading the page
    // revalidates, and unchanged files (the .wasm, the proving key) come back as 304.
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let etag = format!("\"{:x}-{:x}\"", meta.len(), mtime);
    let mut resp = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match tokio::fs::read(&path).await {
            Ok(bytes) => Response::new(Body::from(bytes)),
            Err(_) => return not_found("no such wallet file"),
        }
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(file)),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// The authority's `GET /v1/status/list`, relayed unchanged.
async fn status_list(State(s): State<AppState>) -> Response {
    if s.gateway.config().wallet_dir.is_empty() {
        return not_found("this gateway serves no wallet");
    }
    let url = format!("{}/v1/status/list", s.gateway.config().authority);
    let fetched = async {
        let r = s.http.get(&url).send().await?;
        let status = r.status();
        Ok::<_, reqwest::Error>((status, r.bytes().await?))
    }
    .await;
    match fetched {
        Ok((status, body)) if status.is_success() => {
            let mut resp = Response::new(Body::from(body));
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Ok((status, _)) => crate::core::Deny::Unavailable(format!(
            "the authority answered {status} for its status list"
        ))
        .into_response(),
        Err(e) => crate::core::Deny::Unavailable(format!(
            "the authority's status list is unreachable: {e}"
        ))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn content_types() {
        assert_eq!(content_type("alc_wasm_bg.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("worker.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("proving_key.fast"), "application/octet-stream");
    }
}
