//! The in-process echo upstream: what `alc demo`, `alc gateway serve --upstream echo`
//! and the tests put behind a gateway instead of a real AI provider's API.
//!
//! [`offered`] is the set of in-process upstreams `alc` offers a gateway by name
//! (`upstream = "echo"` in `gateway.toml`); [`echo`] is the router itself.

use std::convert::Infallible;
use std::time::Duration;

use alc_gateway::proxy::InProcess;
use alc_service::error_response;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{self, HeaderName};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use futures::StreamExt;
use serde_json::json;

/// The name `gateway.toml` gives the echo upstream.
pub const ECHO: &str = "echo";

/// The in-process upstreams `alc` offers its gateways: [`ECHO`].
pub fn offered() -> InProcess {
    InProcess::default().with(ECHO, echo())
}

/// The largest request body [`echo`] accepts, in bytes (1 MiB).
pub const ECHO_MAX_BODY: usize = 1 << 20;

/// The largest chunk count [`echo`] streams for `?stream=N`.
pub const ECHO_MAX_STREAM: u32 = 100;

/// The pause between two streamed chunks of [`echo`].
const ECHO_STREAM_PAUSE: Duration = Duration::from_millis(10);

/// The echo upstream.
///
/// Answers any method and path with `200` and a JSON body
///
/// ```json
/// { "method": "POST", "path": "/v1/chat", "query": "a=1" /* or null */,
///   "headers": { "x-alc-...": "..." },   // x-alc-* headers only, values joined by ", "
///   "header_names": ["content-type", ...], // names of all headers received, sorted
///   "body": "...", "encoding": "utf8",     // or the body in base64, "encoding": "base64"
///   "bytes": 123 }
/// ```
///
/// `header_names` lets a caller see that e.g. `authorization` did not arrive
/// without echoing any secret. Bodies up to [`ECHO_MAX_BODY`]; larger ones get a
/// `413` JSON answer. With `?stream=N` (`N <=` [`ECHO_MAX_STREAM`]) it instead streams
/// `N` chunks `"chunk 1\n"` … `"chunk N\n"`, 10 ms apart, as `text/plain`; a bad `N`
/// gets a `400` JSON answer.
pub fn echo() -> Router {
    Router::new().fallback(answer)
}

async fn answer(req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let query = parts.uri.query();
    if let Some(n) = query.and_then(stream_param) {
        return match n.parse::<u32>() {
            Ok(n) if n <= ECHO_MAX_STREAM => echo_stream(n),
            _ => error_response(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "stream must be a whole number from 0 to 100",
            ),
        };
    }
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "echo accepts bodies up to 1 MiB",
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > ECHO_MAX_BODY as u64) {
        return too_large();
    }
    let mut data = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return error_response(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "request body could not be read",
            );
        };
        if data.len() + chunk.len() > ECHO_MAX_BODY {
            return too_large();
        }
        data.extend_from_slice(&chunk);
    }

    let mut alc = serde_json::Map::new();
    let mut names: Vec<&str> = parts.headers.keys().map(HeaderName::as_str).collect();
    names.sort_unstable();
    for name in parts.headers.keys() {
        if name.as_str().starts_with("x-alc-") {
            let values: Vec<String> = parts
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            alc.insert(name.as_str().to_owned(), values.join(", ").into());
        }
    }
    let bytes = data.len();
    let (body, encoding) = match String::from_utf8(data) {
        Ok(text) => (text, "utf8"),
        Err(e) => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD.encode(e.as_bytes());
            (b64, "base64")
        }
    };
    Json(json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": query,
        "headers": alc,
        "header_names": names,
        "body": body,
        "encoding": encoding,
        "bytes": bytes,
    }))
    .into_response()
}

/// The raw value of the first `stream` parameter of `query`, if any.
fn stream_param(query: &str) -> Option<&str> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == "stream").then_some(value)
    })
}

/// `n` chunks `"chunk i\n"` (1-based), [`ECHO_STREAM_PAUSE`] apart.
fn echo_stream(n: u32) -> Response {
    let chunks = futures::stream::unfold(1u32, move |i| async move {
        if i > n {
            return None;
        }
        if i > 1 {
            tokio::time::sleep(ECHO_STREAM_PAUSE).await;
        }
        Some((
            Ok::<_, Infallible>(Bytes::from(format!("chunk {i}\n"))),
            i + 1,
        ))
    });
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}
