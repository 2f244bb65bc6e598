//! What ALC's two HTTP services share (`docs/architecture.md`): the authority and the
//! gateway never import each other, so the pieces both need live here.
//!
//! * [`Json`]: a JSON body extractor whose rejections answer in the protocol's one error
//!   body: `413 too_large` over the body limit, `400 bad_request` otherwise.
//! * [`Problem`] and [`error_response`]: an error answer `{"error", "message",
//!   "retry_at"?}` with its status (a `429` or `503` with `retry_at` also carries it as
//!   `Retry-After`, RFC 9110); a server-side failure carries its detail to
//!   [`log_server_errors`], never to the client.
//! * [`log_server_errors`]: the one place server errors are logged (a middleware, as in
//!   axum's `examples/error-handling`), with the request's method and path.
//! * [`bearer_token`]: the `Bearer` scheme, case-insensitively.
//! * [`shutdown`]: the signal both services stop on (Ctrl-C or SIGTERM), gracefully.
//! * [`serve`]: serving a router within [`Limits`]: a header-read timeout (against
//!   slowloris), a body rule (no long pause, a minimum average rate: `408` otherwise)
//!   and a cap on connections per address.
//! * [`redact_url`] and [`DatabaseSetting`]: a database URL fit for a log line (its
//!   password hidden).
//! * [`openapi::Conventions`]: what every operation's OpenAPI description shares (the
//!   `bearer` scheme, the error answers).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod openapi;
mod serve;
pub use serve::{serve, Limits};

use alc_protocol::error::ErrorBody;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A failure's detail for the log, attached to a `500` answer's extensions and removed
/// by [`log_server_errors`] before the answer leaves.
#[derive(Clone, Debug)]
pub struct ServerError(pub String);

/// The error code of an answer made from a [`Problem`], in its extensions: what a
/// service's audit of refused requests records.
#[derive(Clone, Debug)]
pub struct ProblemCode(pub String);

/// An error answer: what a domain error becomes at the HTTP edge.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
    /// For a server-side failure: what to log (never sent).
    pub detail: Option<String>,
}

impl Problem {
    /// A client-side problem: `status`, a stable `code` and a sentence.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody::new(code, message),
            detail: None,
        }
    }

    /// A server-side failure: `500 internal` with a generic message; `detail` is logged.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: ErrorBody::new("internal", "internal error"),
            detail: Some(detail.to_string()),
        }
    }

    /// With a `retry_at` (unix seconds): in the body, and, for a `429` or `503`, as the
    /// `Retry-After` header (an HTTP-date, so no clock is read to make it).
    pub fn retry_at(mut self, at: u64) -> Self {
        self.body.retry_at = Some(at);
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let code = ProblemCode(self.body.error.clone());
        let retry_after = self
            .body
            .retry_at
            .filter(|_| {
                matches!(
                    self.status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                )
            })
            .and_then(http_date);
        let mut resp = (self.status, axum::Json(self.body)).into_response();
        if let Some(v) = retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(code);
        if let Some(d) = self.detail {
            resp.extensions_mut().insert(ServerError(d));
        }
        resp
    }
}

/// `at` (unix seconds) as an HTTP-date (RFC 9110, section 5.6.7); none past the year
/// 9999.
fn http_date(at: u64) -> Option<HeaderValue> {
    if at >= 253_402_300_800 {
        return None;
    }
    let t = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(at))?;
    HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok()
}

/// The answer for `status`, `code` and `message`.
pub fn error_response(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    Problem::new(status, code, message).into_response()
}

/// A JSON body, refused in the protocol's error body: `413 too_large` over the body
/// limit, `415 unsupported_media_type` without `Content-Type: application/json`,
/// `400 bad_request` for malformed JSON or a body of another shape.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "request body too large",
                ))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
            )),
            Err(e) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                e.body_text(),
            )),
        }
    }
}

/// The token of an `Authorization` header value in the `Bearer` scheme, whose name is
/// case-insensitive (RFC 9110, section 11.1): `Bearer t`, `bearer t`, `BEARER  t`.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Logs every answer carrying a [`ServerError`] (its detail, the method and the path)
/// and strips the detail; `axum::middleware::from_fn(log_server_errors)`.
pub async fn log_server_errors(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let mut resp = next.run(req).await;
    if let Some(ServerError(detail)) = resp.extensions_mut().remove::<ServerError>() {
        tracing::error!(%method, %path, status = resp.status().as_u16(), %detail, "server error");
    }
    resp
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM: the graceful-shutdown signal of both services.
pub async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A `database` setting (a file of a service's configuration): a connection URL, whose
/// password its `Debug` form hides.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DatabaseSetting(pub String);

impl std::fmt::Debug for DatabaseSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

/// A connection URL without its password (`postgres://user:***@host/db`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    // The query may carry a password too (`?password=...`).
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => format!("{scheme}://{user}@{host}{tail}"),
        },
        None => format!("{scheme}://{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::routing::post;
    use axum::Router;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[derive(serde::Deserialize)]
    struct Body1 {
        #[allow(dead_code)]
        a: u32,
    }

    async fn take(Json(_): Json<Body1>) -> &'static str {
        "ok"
    }

    async fn fail() -> Problem {
        Problem::internal("the disk is full")
    }

    fn app() -> Router {
        bare().layer(axum::middleware::from_fn(log_server_errors))
    }

    fn bare() -> Router {
        Router::new()
            .route("/take", post(take))
            .route("/fail", post(fail))
            .layer(DefaultBodyLimit::max(64))
    }

    async fn send(
        path: &str,
        ct: Option<&str>,
        body: &str,
    ) -> (StatusCode, serde_json::Value, bool) {
        send_to(app(), path, ct, body).await
    }

    async fn send_to(
        app: Router,
        path: &str,
        ct: Option<&str>,
        body: &str,
    ) -> (StatusCode, serde_json::Value, bool) {
        let mut req = axum::http::Request::post(path);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let resp = app
            .oneshot(req.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let leaked = resp.extensions().get::<ServerError>().is_some();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or_default(),
            leaked,
        )
    }

    #[tokio::test]
    async fn json_rejections_answer_in_the_one_error_body() {
        let ok = send("/take", Some("application/json"), r#"{"a": 1}"#).await;
        assert_eq!(ok.0, StatusCode::OK);
        let big = format!(r#"{{"a": 1, "pad": "{}"}}"#, "x".repeat(100));
        for (ct, body, status, code) in [
            (Some("application/json"), big.as_str(), 413, "too_large"),
            (None, r#"{"a": 1}"#, 415, "unsupported_media_type"),
            (
                Some("text/plain"),
                r#"{"a": 1}"#,
                415,
                "unsupported_media_type",
            ),
            (Some("application/json"), "{", 400, "bad_request"),
            (
                Some("application/json"),
                r#"{"a": "x"}"#,
                400,
                "bad_request",
            ),
        ] {
            let (s, v, _) = send("/take", ct, body).await;
            assert_eq!(s.as_u16(), status, "{body}");
            assert_eq!(v["error"], code, "{v}");
            assert!(v["message"].is_string(), "{v}");
        }
    }

    #[test]
    fn retry_at_is_retry_after_on_a_429_or_503_only() {
        let header = |status| {
            Problem::new(status, "x", "y")
                .retry_at(1_790_086_400)
                .into_response()
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let date = Some("Tue, 22 Sep 2026 14:13:20 GMT".to_owned());
        assert_eq!(header(StatusCode::TOO_MANY_REQUESTS), date);
        assert_eq!(header(StatusCode::SERVICE_UNAVAILABLE), date);
        assert_eq!(header(StatusCode::FORBIDDEN), None);
        // Past the year 9999 an HTTP-date cannot say it: the body alone does.
        let far = Problem::new(StatusCode::TOO_MANY_REQUESTS, "x", "y").retry_at(u64::MAX);
        assert!(far
            .into_response()
            .headers()
            .get(header::RETRY_AFTER)
            .is_none());
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for v in ["Bearer t", "bearer t", "BEARER  t ", " Bearer t"] {
            assert_eq!(bearer_token(v), Some("t"), "{v}");
        }
        for v in ["Basic t", "Bearer", "Bearer ", "Bearert", "t"] {
            assert_eq!(bearer_token(v), None, "{v}");
        }
    }

    #[tokio::test]
    async fn a_server_error_is_generic_outside_and_its_detail_stays_in() {
        let (s, v, leaked) = send("/fail", None, "").await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(v["error"], "internal");
        assert!(!v.to_string().contains("disk"), "{v}");
        assert!(!leaked, "the detail is removed by the middleware");
        // Its twin: without the middleware the detail would still ride on the answer.
        assert!(send_to(bare(), "/fail", None, "").await.2);
    }
}
