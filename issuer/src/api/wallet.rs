//! A wallet site at `/wallet/` (`wallet_dir` in `authority.toml`): the static files
//! `alc wallet site` writes, served as any static host would, with a Content-Security-
//! Policy and the headers that keep the page out of frames and other origins' reach.
//!
//! The authority is one host among any (a CDN, a file server): the page pins its code by
//! Subresource Integrity and takes the keys it proves with from the authority's signed
//! key descriptor, so whoever serves the files cannot change what runs. The policy here
//! is the outer bound; the page's own `<meta>` policy narrows `connect-src` to the
//! authority it was built for and the gateways it lists.

use axum::body::Body;
use axum::extract::Path as UrlPath;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// The outer policy: its own scripts (the prover's worker is made from a blob of a
/// script the page checked) and WebAssembly; network access to https hosts and loopback.
const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src blob:; style-src 'self'; connect-src 'self' https: http://127.0.0.1:* \
    http://localhost:*; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; \
    base-uri 'none'";

/// The routes (none without a `wallet_dir`).
pub fn routes<S: Clone + Send + Sync + 'static>(dir: Option<PathBuf>) -> Router<S> {
    let Some(dir) = dir else {
        return Router::new();
    };
    let dir = Arc::new(dir);
    let index = {
        let dir = dir.clone();
        move |headers: HeaderMap| async move { serve(&dir, "index.html", &headers).await }
    };
    Router::new()
        .route("/wallet", get(|| async { Redirect::permanent("/wallet/") }))
        .route("/wallet/", get(index))
        .route(
            "/wallet/{*file}",
            get(
                move |UrlPath(file): UrlPath<String>, headers: HeaderMap| async move {
                    serve(&dir, &file, &headers).await
                },
            ),
        )
}

fn not_found() -> Response {
    alc_service::Problem::new(StatusCode::NOT_FOUND, "not_found", "no such wallet file")
        .into_response()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Where a request path points: at most two segments (`keys/proving_key.fast`), each of
/// letters, digits, `.`, `_` and `-`, none starting with a dot.
fn locate(dir: &Path, file: &str) -> Option<PathBuf> {
    let safe = |seg: &str| {
        !seg.is_empty()
            && !seg.starts_with('.')
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    let segs: Vec<&str> = file.split('/').collect();
    (segs.len() <= 2 && segs.iter().all(|s| safe(s)))
        .then(|| segs.iter().fold(dir.to_owned(), |p, s| p.join(s)))
}

async fn serve(dir: &Path, file: &str, headers: &HeaderMap) -> Response {
    let Some(path) = locate(dir, file) else {
        return not_found();
    };
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return not_found();
    };
    if !meta.is_file() {
        return not_found();
    }
    // A validator from the file's size and modification time: unchanged files (the
    // .wasm, the proving key) come back as 304.
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
            Err(_) => return not_found(),
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
    for (name, value) in [
        (header::CACHE_CONTROL, "no-cache"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_inside_the_site_are_located() {
        let d = Path::new("/site");
        assert_eq!(locate(d, "index.html"), Some(d.join("index.html")));
        assert_eq!(
            locate(d, "keys/proving_key.fast"),
            Some(d.join("keys/proving_key.fast"))
        );
        for bad in [
            "../authority.toml",
            "keys/../../x",
            ".hidden",
            "a/b/c",
            "",
            "a//b",
            "keys/..",
        ] {
            assert_eq!(locate(d, bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("alc_wasm_bg.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("proving_key.fast"), "application/octet-stream");
    }
}
