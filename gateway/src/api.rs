//! The gateway's HTTP surface (`app(state) -> Router`).
//!
//! `/v1/public/*` is forwarded as is; `/v1/sandbox/*` and `/v1/autonomous/*` need a lease
//! (`Authorization: Bearer <lease>`) covering the route: 401 without one, 403 with a JSON
//! reason when it is expired, killed, superseded by an emergency, or insufficient. A
//! key-bound lease (circuit v2) also needs every request signed with its key
//! (`alc_protocol::signature`; 401 without or with a bad one); such a request's body is
//! read whole (at most [`SIGNED_BODY_LIMIT`]) to check its digest before it is forwarded.

use crate::core::{Deny, AUTONOMOUS, PUBLIC, SANDBOX};
use crate::possession::SignedRequest;
pub use crate::state::AppState;
use alc_protocol::authority::{Filed, IncidentReport};
use alc_protocol::error::ErrorBody;
use alc_protocol::gateway::{
    AcceptedRoot, Challenge, DelegateRequest, GatewayInfo, IncidentRequest, Issued, KillRequest,
    LeaseRequest, Policy, TierPolicy,
};
use alc_service::{Json as Body, Problem};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use sha2::{Digest, Sha256};

type S = State<AppState>;

/// The largest body of a signed request (it is read whole to check its digest).
pub const SIGNED_BODY_LIMIT: usize = 1 << 20;

/// A request as received, its body read whole: what a signature is checked against.
struct Received {
    parts: Parts,
    body: Bytes,
    sha256: [u8; 32],
}

impl Received {
    async fn read(req: Request) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let body = if axum::body::HttpBody::is_end_stream(&body) {
            Ok(Bytes::new())
        } else {
            axum::body::to_bytes(body, SIGNED_BODY_LIMIT).await
        };
        let body = body.map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "a signed request's body is at most 1 MiB",
            )
            .into_response()
        })?;
        let sha256 = Sha256::digest(&body).into();
        Ok(Self {
            parts,
            body,
            sha256,
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn signed(&self) -> SignedRequest<'_> {
        use alc_protocol::signature::{CONTENT_DIGEST, SIGNATURE, SIGNATURE_INPUT};
        SignedRequest {
            method: self.parts.method.as_str(),
            authority: self
                .header(header::HOST.as_str())
                .or_else(|| self.parts.uri.authority().map(|a| a.as_str()))
                .unwrap_or(""),
            path: self.parts.uri.path(),
            query: self.parts.uri.query(),
            body_sha256: self.sha256,
            content_digest: self.header(CONTENT_DIGEST),
            signature_input: self.header(SIGNATURE_INPUT),
            signature: self.header(SIGNATURE),
        }
    }

    /// The request again, to forward.
    fn into_request(self) -> Request {
        Request::from_parts(self.parts, axum::body::Body::from(self.body))
    }

    /// The body as JSON of `T`, refused as the services refuse any JSON body.
    async fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Response> {
        let req = Request::from_parts(
            self.parts.clone(),
            axum::body::Body::from(self.body.clone()),
        );
        Body::<T>::from_request(req, &())
            .await
            .map(|Body(v)| v)
            .map_err(IntoResponse::into_response)
    }
}

/// The bearer value of a request, if well formed.
fn bearer(headers: &HeaderMap) -> Result<&str, Deny> {
    let v = headers
        .get(header::AUTHORIZATION)
        .ok_or(Deny::Unauthenticated(
            "this route needs a lease: Authorization: Bearer <lease>",
        ))?;
    v.to_str()
        .ok()
        .and_then(alc_service::bearer_token)
        .filter(|t| t.len() <= 8192)
        .ok_or(Deny::Unauthenticated(
            "malformed Authorization header: expected Bearer <lease>",
        ))
}

fn admin(state: &AppState, headers: &HeaderMap) -> Result<(), Deny> {
    let t = bearer(headers).map_err(|_| Deny::Unauthenticated("admin token required"))?;
    let h: [u8; 32] = Sha256::digest(t.as_bytes()).into();
    // Comparing digests keeps the comparison's timing independent of the token.
    if h == state.admin_token_hash {
        Ok(())
    } else {
        Err(Deny::Unauthenticated("unknown admin token"))
    }
}

fn policy(c: &crate::config::Config) -> Policy {
    Policy {
        sandbox: TierPolicy {
            min_tier: 0,
            min_permit_tier: 0,
        },
        autonomous: TierPolicy {
            min_tier: c.min_tier,
            min_permit_tier: c.min_permit_tier,
        },
    }
}

#[utoipa::path(get, path = "/v1/gateway", responses((status = 200, body = GatewayInfo, description = "the gateway's scope, policy, keys and circuits")))]
async fn info(State(s): S) -> Json<GatewayInfo> {
    let g = &s.gateway;
    let c = g.config();
    Json(GatewayInfo {
        scope: c.scope.clone(),
        authority: c.authority.clone(),
        policy: policy(c),
        lease_ttl_secs: c.lease_ttl_secs,
        lease_key: g.minter.public().to_bytes_hex(),
        registry_key: s.registry_key.clone(),
        binding_key: hex::encode(g.binding_public),
        circuits: vec![if g.v2 {
            alc_circuits::tags::CIRCUIT_V2_ID.to_owned()
        } else {
            alc_circuits::tags::CIRCUIT_ID.to_owned()
        }],
    })
}

#[utoipa::path(get, path = "/v1/lease/challenge", responses((status = 200, body = Challenge, description = "a fresh challenge, signed with the gateway's registered key (not cached)"), (status = 503, description = "no verified status of the authority yet")))]
async fn challenge(State(s): S) -> Result<Response, Deny> {
    let g = &s.gateway;
    let (challenge, now, expires_at) = g.challenge().await?;
    let c = g.config();
    let mut body = Challenge {
        challenge,
        now,
        expires_at,
        lease_ends: now + c.lease_ttl_secs,
        scope: c.scope.clone(),
        policy: policy(c),
        roots: g
            .status
            .accepted_roots(now)
            .into_iter()
            .map(|(epoch, root)| AcceptedRoot {
                epoch,
                root: alc_circuits::field::to_decimal(&root),
            })
            .collect(),
        status: g.status.current().map(|(_, signed)| signed),
        issuer_key: [
            alc_circuits::field::to_decimal(&g.issuer.x),
            alc_circuits::field::to_decimal(&g.issuer.y),
        ],
        binding_key: hex::encode(g.binding_public),
        signature: String::new(),
    };
    s.signer.sign_challenge(&mut body);
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[utoipa::path(post, path = "/v1/lease", request_body = LeaseRequest, responses((status = 200, body = Issued, description = "a lease for the proof's agent"), (status = 403, description = "the proof, its challenge, root or tier is refused (one opaque answer)")))]
async fn lease(State(s): S, Body(req): Body<LeaseRequest>) -> Result<Json<Issued>, Deny> {
    Ok(Json(s.gateway.issue(&req).await?))
}

#[utoipa::path(post, path = "/v1/lease/renew", request_body = LeaseRequest, responses((status = 200, body = Issued, description = "the lease again, with a new expiry"), (status = 403, description = "refused")), security(("bearer" = [])))]
async fn renew(State(s): S, req: Request) -> Result<Json<Issued>, Response> {
    let r = Received::read(req).await?;
    let b = bearer(&r.parts.headers).map_err(IntoResponse::into_response)?;
    let body: LeaseRequest = r.json().await?;
    s.gateway
        .renew(b, &r.signed(), &body)
        .await
        .map(Json)
        .map_err(IntoResponse::into_response)
}

#[utoipa::path(post, path = "/v1/lease/delegate", request_body = DelegateRequest, responses((status = 200, body = Issued, description = "a sub-agent lease, its rights within the parent's"), (status = 403, description = "refused")), security(("bearer" = [])))]
async fn delegate(State(s): S, req: Request) -> Result<Json<Issued>, Response> {
    let r = Received::read(req).await?;
    let b = bearer(&r.parts.headers).map_err(IntoResponse::into_response)?;
    let body: DelegateRequest = r.json().await?;
    s.gateway
        .delegate(b, &r.signed(), &body)
        .await
        .map(Json)
        .map_err(IntoResponse::into_response)
}

#[utoipa::path(post, path = "/v1/admin/kill", request_body = KillRequest, responses((status = 204, description = "killed: refused from now on at every gateway process of this data folder")), security(("bearer" = [])))]
async fn kill(
    State(s): S,
    headers: HeaderMap,
    Body(k): Body<KillRequest>,
) -> Result<StatusCode, Deny> {
    admin(&s, &headers)?;
    s.gateway
        .kill(k.lease.as_deref(), k.pseudonym.as_deref(), &k.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/admin/incident", request_body = IncidentRequest, responses((status = 200, body = Filed, description = "filed with the authority, with the pseudonym's chain of liability"), (status = 503, description = "the authority is unreachable, refused the report, or no report token is configured")), security(("bearer" = [])))]
async fn incident(
    State(s): S,
    headers: HeaderMap,
    Body(i): Body<IncidentRequest>,
) -> Result<Json<Filed>, Deny> {
    admin(&s, &headers)?;
    let (authority, token) = s.reporter.as_ref().ok_or_else(|| {
        Deny::Unavailable("no incident-report token for the authority is configured".into())
    })?;
    let chain = s.gateway.store.chain_of(&i.pseudonym).await?;
    let escrow = match s.gateway.store.escrow_of(&i.pseudonym).await? {
        Some(text) => Some(serde_json::from_str(&text).map_err(|e| Deny::Internal(e.to_string()))?),
        None => None,
    };
    let body = IncidentReport {
        pseudonym: i.pseudonym,
        gateway: s.gateway.config().scope.clone(),
        chain,
        description: i.description,
        escrow,
    };
    let resp = s
        .http
        .post(format!("{authority}/v1/incidents"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| Deny::Unavailable(format!("the authority is unreachable: {e}")))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        let why = serde_json::from_str::<ErrorBody>(&text)
            .map(|e| e.message)
            .unwrap_or(text);
        return Err(Deny::Unavailable(format!(
            "the authority refused the report ({status}): {why}"
        )));
    }
    serde_json::from_str(&text).map(Json).map_err(|_| {
        Deny::Unavailable("the authority's answer to the report is not a filed incident".into())
    })
}

/// One route class's proxied calls (`{rest}` is any path below it).
macro_rules! class {
    ($name:ident, $class:expr, $path:literal, $what:literal) => {
        #[utoipa::path(
            method(get, post, put, patch, delete),
            path = $path,
            description = $what,
            params(("rest" = String, Path, description = "the path below the class, sent to its upstream")),
            responses(
                (status = 200, description = "the upstream's answer, as it gave it"),
                (status = 403, description = "the lease is expired, killed, superseded or does not cover the route"),
                (status = 502, description = "the upstream is unreachable or broke off its answer")
            ),
            security((), ("bearer" = []))
        )]
        async fn $name(state: S, req: Request) -> Response {
            forward(state, $class, req).await
        }
    };
}
class!(
    public,
    PUBLIC,
    "/v1/public/{rest}",
    "Forwarded to the public upstream with no lease."
);
class!(
    sandbox,
    SANDBOX,
    "/v1/sandbox/{rest}",
    "Forwarded to the sandbox upstream under a lease (Authorization: Bearer <lease>; a key-bound lease signs every request)."
);
class!(
    autonomous,
    AUTONOMOUS,
    "/v1/autonomous/{rest}",
    "Forwarded to the autonomous upstream under a lease of the gateway's minimum tiers (a key-bound lease signs every request)."
);

async fn forward(State(s): S, class: &'static str, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(class) else {
        return not_found().await.into_response();
    };
    let rest = format!("/{rest}");
    // Checked before the lease, whose rights are path prefixes: an encoded separator or
    // dot segment would pass a prefix and then walk out of it upstream.
    if !crate::proxy::valid_rest(&rest) {
        return Deny::BadRequest("invalid path: no encoded separators or dot segments".into())
            .into_response();
    }
    let mut extra = HeaderMap::new();
    let set = |h: &mut HeaderMap, k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(HeaderName::from_static(k), v);
        }
    };
    set(
        &mut extra,
        "x-alc-route",
        class.trim_matches('/').trim_start_matches("v1/"),
    );
    let mut req = req;
    if class != PUBLIC {
        let c = match bearer(req.headers()) {
            Ok(b) => s.gateway.lease(b, Some(&path)).await,
            Err(e) => Err(e),
        };
        let c = match c {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        let admitted = if c.is_bound() {
            let r = match Received::read(req).await {
                Ok(r) => r,
                Err(e) => return e,
            };
            let ok = s.gateway.admit(&c, Some(&path), Some(&r.signed()));
            req = r.into_request();
            ok
        } else {
            s.gateway.admit(&c, Some(&path), None)
        };
        if let Err(e) = admitted {
            return e.into_response();
        }
        if let Err(e) = s.gateway.charge(&c, Some(&path)).await {
            return e.into_response();
        }
        set(&mut extra, "x-alc-pseudonym", &c.lease.pseudonym);
        set(&mut extra, "x-alc-lease", &c.lease.id);
        set(&mut extra, "x-alc-agent", &c.lease.agent);
    }
    let proxy = match class {
        PUBLIC => &s.routes.public,
        SANDBOX => &s.routes.sandbox,
        _ => &s.routes.autonomous,
    };
    proxy.forward(req, &rest, extra).await
}

/// What every operation of the description shares.
const CONVENTIONS: alc_service::openapi::Conventions = alc_service::openapi::Conventions {
    service: "the gateway",
    body_limit: "2 MiB (1 MiB for a signed request, which is read whole)",
    rate_limited: true,
};

/// The OpenAPI description of the gateway (`GET /openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&CONVENTIONS),
    info(
        title = "ALC provider gateway",
        description = "Challenges and zero-knowledge presentations for leases; the route classes forwarded to their upstreams under those leases; the kill switch and incident reports."
    ),
    paths(info, challenge, lease, renew, delegate, kill, incident, public, sandbox, autonomous),
    components(schemas(
        GatewayInfo,
        Challenge,
        LeaseRequest,
        DelegateRequest,
        Issued,
        KillRequest,
        IncidentRequest,
        Filed,
        Policy,
        TierPolicy,
        AcceptedRoot
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(<ApiDoc as utoipa::OpenApi>::openapi())
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

impl IntoResponse for Deny {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Deny::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Deny::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Deny::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Deny::RateLimited { retry_at, wait } => {
                let mut resp = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    self.to_string(),
                )
                .retry_at(*retry_at)
                .into_response();
                if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return resp;
            }
            Deny::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Deny::Internal(_) => return Problem::internal(&self).into_response(),
        };
        Problem::new(status, code, self.to_string()).into_response()
    }
}

/// CORS for the pages of `origins` (`*`: any): the methods and request headers a wallet
/// uses (bearer lease, JSON body, RFC 9421 signature), `Retry-After` readable. No
/// credentials: a lease is a bearer token the page holds, never a cookie.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::Method;
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("content-digest"),
                HeaderName::from_static("signature"),
                HeaderName::from_static("signature-input"),
            ])
            .expose_headers([header::RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// The gateway's router.
pub fn app(state: AppState) -> Router {
    // What a wallet page calls from the browser: CORS for the configured wallet sites.
    let wallet_facing = Router::new()
        .route("/v1/gateway", get(info))
        .route("/v1/lease/challenge", get(challenge))
        .route("/v1/lease", post(lease))
        .route("/v1/lease/renew", post(renew))
        .route("/v1/lease/delegate", post(delegate))
        .route("/v1/public/{*rest}", any(public))
        .route("/v1/sandbox/{*rest}", any(sandbox))
        .route("/v1/autonomous/{*rest}", any(autonomous));
    let wallet_facing = match cors(&state.gateway.config().wallet_origins) {
        Some(layer) => wallet_facing.layer(layer),
        None => wallet_facing,
    };
    Router::new()
        .merge(wallet_facing)
        .route("/v1/admin/kill", post(kill))
        .route("/v1/admin/incident", post(incident))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(alc_service::log_server_errors))
        .with_state(state)
}
