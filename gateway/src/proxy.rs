//! Forwarding to the upstream API.
//!
//! After the gateway has checked a request's lease, [`Proxy::forward`] sends the
//! request on to the configured [`Upstream`] and streams the answer back:
//!
//! * bodies are streamed both ways, never buffered whole;
//! * hop-by-hop headers (`connection`, `keep-alive`, `proxy-*`, `te`, `trailer`,
//!   `transfer-encoding`, `upgrade` and any header named in `Connection`) are removed
//!   both ways;
//! * `Authorization` and `Cookie` are removed from the request, so the lease never
//!   reaches the upstream; so are client-supplied `x-alc-*` headers (only the
//!   gateway's own, passed as `extra`, reach the upstream) and client-supplied
//!   `Forwarded` / `X-Forwarded-*` / `X-Real-IP` (the gateway passes on no client
//!   addresses and adds none);
//! * `Host` is set for the upstream;
//! * an unreachable upstream, a timeout or a protocol error becomes a `502` JSON
//!   response `{"error":"upstream","message":"<short reason>"}`; a request body the
//!   client breaks off or garbles (a malformed chunk) is the client's: `400`.
//!
//! [`Upstream::InProcess`] is a router called in process, which the embedding program
//! offers by name ([`InProcess`]): `alc` offers `alc-devkit`'s echo for the demo and
//! tests, so the gateway crate itself ships no test upstream.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use alc_service::error_response;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri, Version};
use axum::response::Response;
use axum::Router;

/// How long connecting to the upstream may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a single read from the upstream may stall (waiting for the response
/// head, or between two pieces of a streamed body) before the call is abandoned.
/// Generous, because a model may think for a long while before it answers.
pub const READ_TIMEOUT: Duration = Duration::from_secs(300);

/// Where allowed calls go.
#[derive(Clone)]
pub enum Upstream {
    /// A router called in process, offered by the embedding program under a name
    /// ([`InProcess`]).
    InProcess {
        /// The name `gateway.toml` gives it.
        name: String,
        /// The router.
        router: Router,
    },
    /// An HTTP(S) API; request paths are appended to this URL's path.
    Url(reqwest::Url),
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upstream::InProcess { name, .. } => f.debug_tuple("InProcess").field(name).finish(),
            Upstream::Url(url) => f.debug_tuple("Url").field(&url.as_str()).finish(),
        }
    }
}

/// The in-process upstreams an embedding program offers its gateway, by name: the
/// `upstream` of `gateway.toml` may name one of them instead of giving a URL (`alc`
/// offers `echo`, from `alc-devkit`, for the demo and tests).
#[derive(Clone, Default)]
pub struct InProcess(BTreeMap<String, Router>);

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl InProcess {
    /// This set and `router` under `name` (names are matched case-insensitively).
    pub fn with(mut self, name: &str, router: Router) -> Self {
        self.0.insert(name.to_ascii_lowercase(), router);
        self
    }

    /// What an error message offers: `"echo"` (or `"a" or "b"`), then the URL form.
    fn expected(&self) -> String {
        let names: Vec<String> = self.0.keys().map(|n| format!("{n:?}")).collect();
        if names.is_empty() {
            "an http(s) URL".into()
        } else {
            format!("{} or an http(s) URL", names.join(" or "))
        }
    }
}

/// An upstream given as a string that names no offered in-process upstream and is no
/// usable http(s) URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpstreamError {
    /// The empty string.
    #[error("upstream is empty: expected {expected}")]
    Empty {
        /// The forms accepted.
        expected: String,
    },
    /// Not a URL at all.
    #[error("upstream {input:?} is not a URL ({reason}): expected {expected}")]
    NotUrl {
        /// What was given.
        input: String,
        /// Why it does not parse.
        reason: String,
        /// The forms accepted.
        expected: String,
    },
    /// A URL with a scheme other than http or https.
    #[error("upstream URL scheme {0:?} is not supported: expected http or https")]
    Scheme(String),
    /// A URL without a host.
    #[error("upstream URL has no host")]
    NoHost,
    /// A URL with a user name or password (put credentials in headers instead, so
    /// they never show up where the upstream is logged).
    #[error("upstream URL must not contain a user name or password")]
    Credentials,
    /// A URL with a query or fragment (the query comes from each request).
    #[error("upstream URL must not contain a query or fragment")]
    QueryOrFragment,
}

impl Upstream {
    /// The upstream `s` names: one of `offered`, or an http(s) URL.
    pub fn parse(s: &str, offered: &InProcess) -> Result<Self, UpstreamError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(UpstreamError::Empty {
                expected: offered.expected(),
            });
        }
        let name = s.to_ascii_lowercase();
        if let Some(router) = offered.0.get(&name) {
            return Ok(Upstream::InProcess {
                name,
                router: router.clone(),
            });
        }
        let url = reqwest::Url::parse(s).map_err(|e| UpstreamError::NotUrl {
            input: s.to_owned(),
            reason: e.to_string(),
            expected: offered.expected(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UpstreamError::Scheme(url.scheme().to_owned()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(UpstreamError::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UpstreamError::Credentials);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(UpstreamError::QueryOrFragment);
        }
        Ok(Upstream::Url(url))
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upstream::InProcess { name, .. } => f.write_str(name),
            Upstream::Url(url) => f.write_str(url.as_str()),
        }
    }
}

/// A [`Proxy`] that cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The HTTP client could not be initialised (e.g. the TLS backend).
    #[error("cannot build the upstream HTTP client: {0}")]
    Client(String),
}

/// Forwards allowed requests to the [`Upstream`].
///
/// Cheap to clone: the HTTP client's connection pool is shared between clones.
#[derive(Clone)]
pub struct Proxy {
    upstream: Upstream,
    prefix: String,
    client: reqwest::Client,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("upstream", &self.upstream)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A proxy to `upstream`, with a pooled HTTP client (connect timeout
    /// [`CONNECT_TIMEOUT`], read timeout [`READ_TIMEOUT`], redirects not followed).
    ///
    /// # Panics
    ///
    /// If the HTTP client cannot be initialised, which does not happen with the
    /// rustls backend; [`Proxy::try_new`] reports it instead.
    pub fn new(upstream: Upstream) -> Self {
        match Self::try_new(upstream) {
            Ok(proxy) => proxy,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`Proxy::new`], reporting a client that cannot be initialised.
    pub fn try_new(upstream: Upstream) -> Result<Self, ProxyError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProxyError::Client(e.to_string()))?;
        Ok(Proxy {
            upstream,
            prefix: String::new(),
            client,
        })
    }

    /// This proxy, sending every request under `prefix` (`/public`: `rest` `/x` goes to
    /// the upstream's `/public/x`). `prefix` is empty or `/` and path segments.
    pub fn under(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Where this proxy sends a request for `/`: the upstream and the prefix, ending in
    /// `/` (two route classes must not share one, nor one lie under another's).
    fn base(&self) -> String {
        let upstream = match &self.upstream {
            Upstream::InProcess { name, .. } => format!("in-process:{name}"),
            Upstream::Url(url) => url.as_str().trim_end_matches('/').to_owned(),
        };
        format!("{upstream}{}/", self.prefix)
    }

    /// Where this proxy sends requests.
    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    /// Forwards `req` to the upstream at path `rest` (the upstream URL's path
    /// followed by `rest`), keeping the query string of `req`'s URI, and streams the
    /// answer back. See the [module documentation](self) for the header rules.
    ///
    /// `rest` must start with `/` and be already percent-encoded (only RFC 3986 path
    /// characters), without `.` or `..` segments; otherwise the answer is a `400`
    /// JSON response `{"error":"bad_request",...}` and nothing is sent upstream.
    /// `extra` headers are added to the upstream request, replacing any of the same
    /// name. Failures to reach the upstream give a `502` JSON response
    /// `{"error":"upstream","message":...}`. A failure after the upstream's response
    /// head has been passed on can only cut the response body short.
    pub async fn forward(&self, req: Request, rest: &str, extra: HeaderMap) -> Response {
        if !valid_rest(rest) {
            return error_response(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "invalid upstream path",
            );
        }
        let prefixed = format!("{}{rest}", self.prefix);
        let rest = prefixed.as_str();
        let (parts, body) = req.into_parts();
        let query = parts.uri.query();
        match &self.upstream {
            Upstream::InProcess { name, router } => {
                let target = match query {
                    Some(q) => format!("{rest}?{q}"),
                    None => rest.to_owned(),
                };
                let Ok(uri) = Uri::try_from(target) else {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "invalid upstream path",
                    );
                };
                let Ok(host) = HeaderValue::from_str(name) else {
                    return error_response(
                        StatusCode::BAD_GATEWAY,
                        "upstream",
                        "upstream name is not usable as a host",
                    );
                };
                let headers = upstream_headers(parts.headers, extra, host);
                let mut inner = Request::new(body);
                *inner.method_mut() = parts.method;
                *inner.uri_mut() = uri;
                *inner.version_mut() = Version::HTTP_11;
                *inner.headers_mut() = headers;
                let response = match call_once(router.clone(), inner).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                downstream_response(response)
            }
            Upstream::Url(base) => {
                let mut url = base.clone();
                let path = format!("{}{rest}", base.path().trim_end_matches('/'));
                url.set_path(&path);
                url.set_query(query);
                let Some(host) = host_value(&url) else {
                    return error_response(
                        StatusCode::BAD_GATEWAY,
                        "upstream",
                        "upstream host is not usable",
                    );
                };
                // Methods whose empty body is announced with `content-length: 0`.
                let announce_empty =
                    matches!(parts.method, Method::POST | Method::PUT | Method::PATCH)
                        || parts.headers.contains_key(header::CONTENT_LENGTH);
                let mut headers = upstream_headers(parts.headers, extra, host);
                let builder = self.client.request(parts.method, url);
                let client_broke = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let builder = if body.is_end_stream() || body.size_hint().exact() == Some(0) {
                    headers.remove(header::CONTENT_LENGTH);
                    if announce_empty {
                        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                    }
                    builder.headers(headers)
                } else {
                    if let Some(n) = body.size_hint().exact() {
                        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
                    }
                    // A body the client breaks off or garbles (a malformed chunk) fails
                    // the upstream request too: remember whose fault it was.
                    let broken = client_broke.clone();
                    let stream = futures::StreamExt::inspect(body.into_data_stream(), move |r| {
                        if r.is_err() {
                            broken.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    });
                    builder
                        .headers(headers)
                        .body(reqwest::Body::wrap_stream(stream))
                };
                match builder.send().await {
                    Ok(response) => {
                        let response: axum::http::Response<reqwest::Body> = response.into();
                        let (parts, body) = response.into_parts();
                        downstream_response(Response::from_parts(parts, Body::new(body)))
                    }
                    Err(_) if client_broke.load(std::sync::atomic::Ordering::Relaxed) => {
                        tracing::debug!("the client's request body could not be read");
                        error_response(
                            StatusCode::BAD_REQUEST,
                            "bad_request",
                            "the request body could not be read (cut short, or malformed chunked encoding)",
                        )
                    }
                    Err(e) => {
                        let message = if e.is_timeout() {
                            "upstream timed out"
                        } else if e.is_connect() {
                            "upstream unreachable"
                        } else {
                            "upstream protocol error"
                        };
                        tracing::warn!(error = %e.without_url(), "{message}");
                        error_response(StatusCode::BAD_GATEWAY, "upstream", message)
                    }
                }
            }
        }
    }
}

/// `Service::ready` then `Service::call`, like `tower::ServiceExt::oneshot`.
/// (`tower` is only a dev-dependency; `axum::ServiceExt` brings `Service` along as
/// its supertrait.)
async fn call_once<S>(mut service: S, req: Request) -> Result<S::Response, S::Error>
where
    S: axum::ServiceExt<Request>,
{
    std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(req).await
}

/// Whether `rest` is an absolute, percent-encoded path without dot segments.
pub fn valid_rest(rest: &str) -> bool {
    const PATH_PUNCT: &[u8] = b"-._~!$&'()*+,;=:@/%";
    let b = rest.as_bytes();
    b.first() == Some(&b'/')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || PATH_PUNCT.contains(c))
        // An encoded separator or NUL: the upstream may decode it into a path of its own
        // (`..%2f` walks out of a narrowed lease's rights and the route's prefix).
        && !b.windows(3).any(|w| {
            w[0] == b'%' && matches!((w[1], w[2].to_ascii_lowercase()), (b'2', b'f') | (b'5', b'c') | (b'0', b'0'))
        })
        && !rest.split('/').any(|segment| {
            [".", "..", "%2e", ".%2e", "%2e.", "%2e%2e"]
                .iter()
                .any(|dot| segment.eq_ignore_ascii_case(dot))
        })
}

/// Where each route class goes: its own proxy, so `/v1/public/x` can never reach the
/// upstream path behind `/v1/autonomous/x`.
#[derive(Clone, Debug)]
pub struct Routes {
    /// `/v1/public/*`.
    pub public: Proxy,
    /// `/v1/sandbox/*`.
    pub sandbox: Proxy,
    /// `/v1/autonomous/*`.
    pub autonomous: Proxy,
}

/// Two route classes that would reach one upstream path.
#[derive(Debug, thiserror::Error)]
#[error("the upstreams of {0} and {1} overlap ({2} lies under {3}): each route class needs an upstream (or path) of its own, so a public request can never reach an autonomous API")]
pub struct RoutesOverlap(&'static str, &'static str, String, String);

impl Routes {
    /// The three route proxies; refuses any two whose upstream paths are one or nest.
    pub fn new(public: Proxy, sandbox: Proxy, autonomous: Proxy) -> Result<Self, RoutesOverlap> {
        let named = [
            ("/v1/public/", &public),
            ("/v1/sandbox/", &sandbox),
            ("/v1/autonomous/", &autonomous),
        ];
        for (i, (a, pa)) in named.iter().enumerate() {
            for (b, pb) in named.iter().skip(i + 1) {
                let (ba, bb) = (pa.base(), pb.base());
                if ba.starts_with(&bb) {
                    return Err(RoutesOverlap(a, b, ba, bb));
                }
                if bb.starts_with(&ba) {
                    return Err(RoutesOverlap(b, a, bb, ba));
                }
            }
        }
        Ok(Routes {
            public,
            sandbox,
            autonomous,
        })
    }
}

/// The `Host` header value for `url`: host, and port when not the scheme's default.
fn host_value(url: &reqwest::Url) -> Option<HeaderValue> {
    let host = url.host_str()?;
    let value = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    HeaderValue::try_from(value).ok()
}

/// Whether `name` is a hop-by-hop header by itself.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "te"
            | "trailer"
            | "trailers"
            | "transfer-encoding"
            | "upgrade"
    ) || name.as_str().starts_with("proxy-")
}

/// Removes hop-by-hop headers, including those named in `Connection`.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    let hop: Vec<HeaderName> = headers
        .keys()
        .filter(|n| is_hop_by_hop(n))
        .cloned()
        .collect();
    for name in hop {
        headers.remove(name);
    }
}

/// Headers a client must not pass to the upstream, besides hop-by-hop ones.
fn is_private_request_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "authorization"
            | "signature"
            | "signature-input"
            | "cookie"
            | "host"
            | "forwarded"
            | "x-real-ip"
    ) || name.starts_with("x-forwarded-")
        || name.starts_with("x-alc-")
}

/// The headers of the upstream request: the client's, filtered, plus `extra` and `Host`.
fn upstream_headers(mut headers: HeaderMap, extra: HeaderMap, host: HeaderValue) -> HeaderMap {
    strip_hop_by_hop(&mut headers);
    let private: Vec<HeaderName> = headers
        .keys()
        .filter(|n| is_private_request_header(n))
        .cloned()
        .collect();
    for name in private {
        headers.remove(name);
    }
    for name in extra.keys() {
        headers.remove(name);
    }
    let mut last: Option<HeaderName> = None;
    for (name, value) in extra {
        if let Some(name) = name {
            last = Some(name);
        }
        if let Some(name) = &last {
            headers.append(name.clone(), value);
        }
    }
    headers.insert(header::HOST, host);
    headers
}

/// The upstream's response with hop-by-hop headers removed.
fn downstream_response(mut response: Response) -> Response {
    strip_hop_by_hop(response.headers_mut());
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alc_devkit::upstream::{echo, ECHO_MAX_BODY};
    use axum::body::Bytes;
    use axum::http::Request as HttpRequest;
    use axum::Json;
    use http_body_util::BodyExt;
    use serde_json::{json, Value};
    use std::convert::Infallible;
    use std::net::SocketAddr;
    use std::time::Instant;

    /// The echo upstream offered by name (this crate's `InProcess`, not the one
    /// alc-devkit links).
    fn offered() -> InProcess {
        InProcess::default().with("echo", echo())
    }

    /// The gateway's own headers, as it would pass them.
    fn extra() -> HeaderMap {
        let mut extra = HeaderMap::new();
        extra.insert("x-alc-pseudonym", HeaderValue::from_static("pseudo-42"));
        extra.insert("x-alc-lease", HeaderValue::from_static("lease-7"));
        extra.insert("x-alc-agent", HeaderValue::from_static("agent-1"));
        extra.insert("x-alc-route", HeaderValue::from_static("chat"));
        extra
    }

    fn request(method: &str, uri: &str, body: impl Into<Body>) -> Request {
        HttpRequest::builder()
            .method(method)
            .uri(uri)
            .body(body.into())
            .unwrap()
    }

    /// A request carrying a lease, a cookie, hop-by-hop headers, forged gateway
    /// headers, a client address, and one ordinary header that must get through.
    fn dirty_request() -> Request {
        HttpRequest::builder()
            .method("POST")
            .uri("http://gateway.example/p/chat?model=m1&x=2")
            .header("authorization", "Bearer the-lease")
            .header("cookie", "session=abc")
            .header("connection", "keep-alive, X-Drop-Me")
            .header("keep-alive", "timeout=5")
            .header("x-drop-me", "1")
            .header("te", "trailers")
            .header("trailer", "x-checksum")
            .header("upgrade", "websocket")
            .header("proxy-authorization", "Basic eDp5")
            .header("proxy-connection", "keep-alive")
            .header("x-alc-pseudonym", "forged")
            .header("x-alc-injected", "forged")
            .header("x-forwarded-for", "10.1.2.3")
            .header("forwarded", "for=10.1.2.3")
            .header("host", "gateway.example")
            .header("x-keep-me", "yes")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"prompt":"hi"}"#))
            .unwrap()
    }

    async fn json_body(response: Response) -> Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Serves `router` on 127.0.0.1 and returns its address.
    async fn serve(router: Router) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        addr
    }

    async fn echo_over_http() -> (Proxy, SocketAddr) {
        let addr = serve(echo()).await;
        let upstream = Upstream::parse(&format!("http://{addr}/base"), &offered()).unwrap();
        (Proxy::new(upstream), addr)
    }

    /// Method, path, query and the gateway's headers arrive; the filtered ones do not.
    fn check_dirty_echo(v: &Value, path: &str) {
        assert_eq!(v["method"], "POST");
        assert_eq!(v["path"], path);
        assert_eq!(v["query"], "model=m1&x=2");
        assert_eq!(v["body"], r#"{"prompt":"hi"}"#);
        assert_eq!(v["bytes"], 15);
        let alc = v["headers"].as_object().unwrap();
        assert_eq!(alc.len(), 4, "{alc:?}");
        assert_eq!(alc["x-alc-pseudonym"], "pseudo-42");
        assert_eq!(alc["x-alc-lease"], "lease-7");
        assert_eq!(alc["x-alc-agent"], "agent-1");
        assert_eq!(alc["x-alc-route"], "chat");
        let names: Vec<&str> = v["header_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        for gone in [
            "authorization",
            "cookie",
            "keep-alive",
            "x-drop-me",
            "te",
            "trailer",
            "upgrade",
            "proxy-authorization",
            "proxy-connection",
            "x-alc-injected",
            "x-forwarded-for",
            "forwarded",
        ] {
            assert!(
                !names.contains(&gone),
                "{gone} reached the upstream: {names:?}"
            );
        }
        // Twin: headers outside the filter list do arrive.
        assert!(names.contains(&"x-keep-me"), "{names:?}");
        assert!(names.contains(&"content-type"), "{names:?}");
        assert!(names.contains(&"host"), "{names:?}");
    }

    /// The data frames of `response`, and when the first arrived (since `start`).
    async fn data_frames(response: Response, start: Instant) -> (Vec<Bytes>, Option<Duration>) {
        let mut body = response.into_body();
        let mut frames = Vec::new();
        let mut first = None;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                first.get_or_insert_with(|| start.elapsed());
                frames.push(data);
            }
        }
        (frames, first)
    }

    fn concat(frames: &[Bytes]) -> String {
        frames
            .iter()
            .map(|f| std::str::from_utf8(f).unwrap())
            .collect()
    }

    const FIVE_CHUNKS: &str = "chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n";

    // ---- Upstream::from_str ----

    #[test]
    fn upstream_from_str_refuses_non_http() {
        assert!(matches!(
            Upstream::parse("ftp://x", &offered()),
            Err(UpstreamError::Scheme(s)) if s == "ftp"
        ));
        assert!(matches!(
            Upstream::parse("", &offered()),
            Err(UpstreamError::Empty { .. })
        ));
        assert!(matches!(
            Upstream::parse("  ", &offered()),
            Err(UpstreamError::Empty { .. })
        ));
        let e = Upstream::parse("not a url", &offered()).unwrap_err();
        assert!(matches!(e, UpstreamError::NotUrl { .. }), "{e:?}");
        assert!(e
            .to_string()
            .contains("expected \"echo\" or an http(s) URL"));
        assert_eq!(
            Upstream::parse("http://u:p@h/", &offered()).unwrap_err(),
            UpstreamError::Credentials
        );
        assert_eq!(
            Upstream::parse("http://h/?a=1", &offered()).unwrap_err(),
            UpstreamError::QueryOrFragment
        );
    }

    #[test]
    fn upstream_from_str_accepts_echo_and_http_urls() {
        assert!(matches!(
            Upstream::parse("echo", &offered()),
            Ok(Upstream::InProcess { .. })
        ));
        assert!(matches!(
            Upstream::parse(" ECHO ", &offered()),
            Ok(Upstream::InProcess { .. })
        ));
        let Ok(Upstream::Url(url)) = Upstream::parse("https://api.example.com/v1", &offered())
        else {
            panic!("https URL refused");
        };
        assert_eq!(url.as_str(), "https://api.example.com/v1");
        assert!(matches!(
            Upstream::parse("http://127.0.0.1:8080", &offered()),
            Ok(Upstream::Url(_))
        ));
        assert_eq!(
            Upstream::parse("https://api.example.com/v1", &offered())
                .unwrap()
                .to_string(),
            "https://api.example.com/v1"
        );
    }

    // ---- helpers ----

    #[test]
    fn rest_paths_are_checked() {
        for ok in [
            "/",
            "/v1/chat/completions",
            "/a%20b",
            "/a//b",
            "/models/x:y@z",
        ] {
            assert!(valid_rest(ok), "{ok}");
        }
        for bad in [
            "",
            "v1",
            "/a/../b",
            "/..",
            "/./a",
            "/%2e%2E/x",
            "/a?b",
            "/a#b",
            "/a b",
            "/a\\b",
            "/é",
            "/..%2fb",
            "/a%2Fb",
            "/a%5cb",
            "/a%00",
            "/%2E%2e",
        ] {
            assert!(!valid_rest(bad), "{bad}");
        }
    }

    #[test]
    fn response_hop_by_hop_headers_are_removed() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("x-secret, close"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.insert("proxy-authenticate", HeaderValue::from_static("Basic"));
        h.insert("x-request-id", HeaderValue::from_static("r1"));
        h.insert("content-type", HeaderValue::from_static("text/plain"));
        strip_hop_by_hop(&mut h);
        let mut names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["content-type", "x-request-id"]);
    }

    #[test]
    fn extra_headers_replace_client_ones() {
        let mut client = HeaderMap::new();
        client.insert("x-alc-route", HeaderValue::from_static("forged"));
        client.insert("accept", HeaderValue::from_static("*/*"));
        let h = upstream_headers(client, extra(), HeaderValue::from_static("up:1"));
        assert_eq!(h.get_all("x-alc-route").iter().count(), 1);
        assert_eq!(h["x-alc-route"], "chat");
        assert_eq!(h["host"], "up:1");
        assert_eq!(h["accept"], "*/*");
    }

    // ---- Upstream::InProcess (the echo) ----

    fn in_process_echo() -> Upstream {
        Upstream::parse("echo", &offered()).unwrap()
    }

    fn url(u: &str) -> Proxy {
        Proxy::new(Upstream::parse(u, &offered()).unwrap())
    }

    #[test]
    fn route_classes_need_upstream_paths_of_their_own() {
        let echo = || Proxy::new(in_process_echo());
        // The default: one upstream, a path per class.
        Routes::new(
            echo().under("/public"),
            echo().under("/sandbox"),
            echo().under("/autonomous"),
        )
        .unwrap();
        Routes::new(url("http://a/"), url("http://b/"), url("http://c/v1")).unwrap();
        // `/publicity` is not under `/public`.
        Routes::new(
            url("http://a/public"),
            url("http://a/publicity"),
            url("http://a/autonomous"),
        )
        .unwrap();
        // Twins: one path for two classes, or one class's upstream under another's.
        for (public, sandbox, autonomous) in [
            (echo(), echo().under("/sandbox"), echo()),
            (url("http://a"), url("http://b"), url("http://a/autonomous")),
            (url("http://a/x/"), url("http://a/x"), url("http://c")),
            (
                echo().under("/public"),
                echo().under("/public/sandbox"),
                echo().under("/a"),
            ),
        ] {
            let e = Routes::new(public, sandbox, autonomous).unwrap_err();
            assert!(e.to_string().contains("overlap"), "{e}");
        }
    }

    /// A request body the client breaks off is the client's fault: 400, not 502 (twin:
    /// an unreachable upstream is still 502).
    #[tokio::test]
    async fn a_broken_client_body_is_400_not_502() {
        let (proxy, _) = echo_over_http().await;
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{\"a\":")),
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "bad chunk",
            )),
        ];
        let req = HttpRequest::post("/x")
            .body(Body::from_stream(futures::stream::iter(chunks)))
            .unwrap();
        let response = proxy.forward(req, "/chat", extra()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let dead = Proxy::new(Upstream::parse("http://127.0.0.1:9", &offered()).unwrap());
        let req = HttpRequest::post("/x").body(Body::from("{}")).unwrap();
        let response = dead.forward(req, "/chat", extra()).await;
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    }

    #[tokio::test]
    async fn under_a_prefix_the_upstream_sees_it() {
        let proxy = Proxy::new(in_process_echo()).under("/autonomous/");
        let response = proxy.forward(dirty_request(), "/chat", extra()).await;
        let v = json_body(response).await;
        assert!(
            v["path"].as_str().unwrap().starts_with("/autonomous/chat"),
            "{v}"
        );
    }

    #[tokio::test]
    async fn echo_forwards_method_path_query_and_extra_headers() {
        let proxy = Proxy::new(in_process_echo());
        let response = proxy.forward(dirty_request(), "/v1/chat", extra()).await;
        assert_eq!(response.status(), StatusCode::OK);
        check_dirty_echo(&json_body(response).await, "/v1/chat");
    }

    #[tokio::test]
    async fn echo_without_query_or_body() {
        let proxy = Proxy::new(in_process_echo());
        let response = proxy
            .forward(
                request("DELETE", "/x", Body::empty()),
                "/",
                HeaderMap::new(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let v = json_body(response).await;
        assert_eq!(v["method"], "DELETE");
        assert_eq!(v["path"], "/");
        assert_eq!(v["query"], Value::Null);
        assert_eq!(v["bytes"], 0);
        assert_eq!(v["headers"], json!({}));
    }

    #[tokio::test]
    async fn echo_large_body_round_trips() {
        let proxy = Proxy::new(in_process_echo());
        let body = "a".repeat(512 * 1024);
        let response = proxy
            .forward(request("POST", "/", body.clone()), "/upload", extra())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let v = json_body(response).await;
        assert_eq!(v["bytes"], 512 * 1024);
        assert_eq!(v["encoding"], "utf8");
        assert_eq!(v["body"].as_str().unwrap(), body);
    }

    #[tokio::test]
    async fn echo_binary_body_comes_back_in_base64() {
        let proxy = Proxy::new(in_process_echo());
        let response = proxy
            .forward(request("PUT", "/", vec![0xff, 0x00, 0xfe]), "/bin", extra())
            .await;
        let v = json_body(response).await;
        assert_eq!(v["encoding"], "base64");
        assert_eq!(v["body"], "/wD+");
        assert_eq!(v["bytes"], 3);
    }

    #[tokio::test]
    async fn echo_refuses_bodies_over_1_mib() {
        let proxy = Proxy::new(in_process_echo());
        let response = proxy
            .forward(
                request("POST", "/", vec![b'a'; ECHO_MAX_BODY + 1]),
                "/",
                extra(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(json_body(response).await["error"], "payload_too_large");
        // Twin: exactly 1 MiB is fine.
        let response = proxy
            .forward(
                request("POST", "/", vec![b'a'; ECHO_MAX_BODY]),
                "/",
                extra(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(json_body(response).await["bytes"], ECHO_MAX_BODY);
    }

    #[tokio::test]
    async fn echo_streams_separate_frames() {
        let proxy = Proxy::new(in_process_echo());
        let response = proxy
            .forward(request("GET", "/?stream=5", Body::empty()), "/s", extra())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        let (frames, _) = data_frames(response, Instant::now()).await;
        assert_eq!(frames.len(), 5);
        assert_eq!(frames[0], "chunk 1\n");
        assert_eq!(concat(&frames), FIVE_CHUNKS);
    }

    #[tokio::test]
    async fn echo_refuses_too_many_chunks() {
        let proxy = Proxy::new(in_process_echo());
        for bad in ["101", "-1", "x", ""] {
            let uri = format!("/?stream={bad}");
            let response = proxy
                .forward(request("GET", &uri, Body::empty()), "/s", extra())
                .await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        }
        // Twin: the maximum is fine.
        let response = proxy
            .forward(request("GET", "/?stream=100", Body::empty()), "/s", extra())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn bad_rest_path_is_refused_before_forwarding() {
        let proxy = Proxy::new(in_process_echo());
        let response = proxy
            .forward(request("GET", "/", Body::empty()), "/a/../admin", extra())
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_body(response).await["error"], "bad_request");
    }

    // ---- Upstream::Url (over HTTP) ----

    #[tokio::test]
    async fn url_forwards_method_path_query_and_extra_headers() {
        let (proxy, _) = echo_over_http().await;
        let response = proxy.forward(dirty_request(), "/v1/chat", extra()).await;
        assert_eq!(response.status(), StatusCode::OK);
        check_dirty_echo(&json_body(response).await, "/base/v1/chat");
    }

    #[tokio::test]
    async fn url_sets_host_and_sends_no_lease() {
        // An upstream that shows every header it receives.
        let capture = Router::new().fallback(|headers: HeaderMap| async move {
            let all: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").into()))
                .collect();
            Json(all)
        });
        let addr = serve(capture).await;
        let proxy = Proxy::new(Upstream::parse(&format!("http://{addr}"), &offered()).unwrap());
        let v = json_body(proxy.forward(dirty_request(), "/x", extra()).await).await;
        assert_eq!(v["host"], addr.to_string());
        assert_eq!(v["content-length"], "15");
        assert!(v.get("transfer-encoding").is_none(), "{v}");
        assert_eq!(v["x-alc-pseudonym"], "pseudo-42");
        assert_eq!(v["x-keep-me"], "yes");
        for gone in ["authorization", "cookie", "x-forwarded-for", "x-drop-me"] {
            assert!(v.get(gone).is_none(), "{gone} reached the upstream: {v}");
        }
        // A bodiless GET goes up without any body framing.
        let get = request("GET", "/?q=1", Body::empty());
        let v = json_body(proxy.forward(get, "/x", extra()).await).await;
        assert!(v.get("content-length").is_none(), "{v}");
        assert!(v.get("transfer-encoding").is_none(), "{v}");
        // Twin: a bodiless POST announces its empty body.
        let post = request("POST", "/", Body::empty());
        let v = json_body(proxy.forward(post, "/x", extra()).await).await;
        assert_eq!(v["content-length"], "0", "{v}");
        assert!(v.get("transfer-encoding").is_none(), "{v}");
    }

    #[tokio::test]
    async fn url_response_hop_by_hop_headers_are_removed() {
        let upstream = Router::new().fallback(|| async {
            (
                [
                    ("connection", "x-secret"),
                    ("x-secret", "1"),
                    ("x-request-id", "r1"),
                ],
                "ok",
            )
        });
        let addr = serve(upstream).await;
        let proxy = Proxy::new(Upstream::parse(&format!("http://{addr}"), &offered()).unwrap());
        let response = proxy
            .forward(request("GET", "/", Body::empty()), "/", extra())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("x-secret").is_none());
        assert!(response.headers().get("connection").is_none());
        // Twin: ordinary response headers get through.
        assert_eq!(response.headers()["x-request-id"], "r1");
    }

    #[tokio::test]
    async fn url_large_body_round_trips() {
        let (proxy, _) = echo_over_http().await;
        let body = "b".repeat(512 * 1024);
        let response = proxy
            .forward(request("POST", "/", body.clone()), "/upload", extra())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let v = json_body(response).await;
        assert_eq!(v["bytes"], 512 * 1024);
        assert_eq!(v["body"].as_str().unwrap(), body);
    }

    #[tokio::test]
    async fn url_streamed_request_body_round_trips() {
        let (proxy, _) = echo_over_http().await;
        let parts = futures::stream::iter(
            ["one ", "two ", "three"].map(|s| Ok::<_, Infallible>(Bytes::from(s))),
        );
        let response = proxy
            .forward(
                request("POST", "/", Body::from_stream(parts)),
                "/up",
                extra(),
            )
            .await;
        let v = json_body(response).await;
        assert_eq!(v["body"], "one two three");
    }

    #[tokio::test]
    async fn url_upstream_status_passes_through() {
        let (proxy, _) = echo_over_http().await;
        let response = proxy
            .forward(
                request("POST", "/", vec![b'a'; ECHO_MAX_BODY + 1]),
                "/",
                extra(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn url_streams_first_chunk_before_last_is_sent() {
        let (proxy, _) = echo_over_http().await;
        // Warm the connection pool so connecting is not timed.
        let warm = proxy
            .forward(request("GET", "/", Body::empty()), "/", extra())
            .await;
        assert_eq!(warm.status(), StatusCode::OK);
        let _ = json_body(warm).await;

        let start = Instant::now();
        let response = proxy
            .forward(request("GET", "/?stream=5", Body::empty()), "/s", extra())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let (frames, first) = data_frames(response, start).await;
        let total = start.elapsed();
        let first = first.unwrap();
        assert!(frames.len() > 1, "{} frame(s)", frames.len());
        assert_eq!(concat(&frames), FIVE_CHUNKS);
        assert!(total >= Duration::from_millis(40), "whole took {total:?}");
        assert!(
            first < Duration::from_millis(60),
            "first frame took {first:?}"
        );
    }

    #[tokio::test]
    async fn url_unreachable_upstream_gives_502_json() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let proxy = Proxy::new(Upstream::parse(&format!("http://{addr}/v1"), &offered()).unwrap());
        let response = proxy.forward(dirty_request(), "/chat", extra()).await;
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(response.headers()["content-type"], "application/json");
        let v = json_body(response).await;
        assert_eq!(v["error"], "upstream");
        assert_eq!(v["message"], "upstream unreachable");
        assert_eq!(v.as_object().unwrap().len(), 2);
    }
}
