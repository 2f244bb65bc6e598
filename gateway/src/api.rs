//! The gateway's HTTP surface (`app(state) -> Router`).
//!
//! `/v1/public/*` is forwarded as is; `/v1/sandbox/*` and `/v1/autonomous/*` need a lease
//! (`Authorization: Bearer <lease>`) covering the route: 401 without one, 403 with a JSON
//! reason when it is expired, killed, superseded by an emergency, or insufficient.

use crate::core::{Deny, AUTONOMOUS, PUBLIC, SANDBOX};
pub use crate::state::AppState;
use alc_protocol::authority::{Filed, IncidentReport};
use alc_protocol::error::ErrorBody;
use alc_protocol::gateway::{
    AcceptedRoot, Challenge, DelegateRequest, GatewayInfo, IncidentRequest, Issued, KillRequest,
    LeaseRequest, Policy, TierPolicy,
};
use alc_service::{Json as Body, Problem};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use sha2::{Digest, Sha256};

type S = State<AppState>;

/// The bearer value of a request, if well formed.
fn bearer(headers: &HeaderMap) -> Result<&str, Deny> {
    let v = headers
        .get(header::AUTHORIZATION)
        .ok_or(Deny::Unauthenticated(
            "this route needs a lease: Authorization: Bearer <lease>",
        ))?;
    v.to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 8192)
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
    })
}

async fn challenge(State(s): S) -> Result<Response, Deny> {
    let g = &s.gateway;
    let (challenge, now, expires_at) = g.challenge().await?;
    let c = g.config();
    let body = Challenge {
        challenge,
        now,
        expires_at,
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
    };
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn lease(State(s): S, Body(req): Body<LeaseRequest>) -> Result<Json<Issued>, Deny> {
    Ok(Json(s.gateway.issue(&req).await?))
}

async fn renew(
    State(s): S,
    headers: HeaderMap,
    Body(req): Body<LeaseRequest>,
) -> Result<Json<Issued>, Deny> {
    let b = bearer(&headers)?;
    Ok(Json(s.gateway.renew(b, &req).await?))
}

async fn delegate(
    State(s): S,
    headers: HeaderMap,
    Body(req): Body<DelegateRequest>,
) -> Result<Json<Issued>, Deny> {
    let b = bearer(&headers)?;
    Ok(Json(s.gateway.delegate(b, &req).await?))
}

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
    let body = IncidentReport {
        pseudonym: i.pseudonym,
        gateway: s.gateway.config().scope.clone(),
        chain,
        description: i.description,
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

async fn forward(State(s): S, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let (class, rest) = if let Some(r) = path.strip_prefix(PUBLIC) {
        (PUBLIC, r)
    } else if let Some(r) = path.strip_prefix(SANDBOX) {
        (SANDBOX, r)
    } else if let Some(r) = path.strip_prefix(AUTONOMOUS) {
        (AUTONOMOUS, r)
    } else {
        return Deny::BadRequest("unknown route".into()).into_response();
    };
    let rest = format!("/{rest}");
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
    if class != PUBLIC {
        let checked = match bearer(req.headers()) {
            Ok(b) => s.gateway.checked(b, Some(&path)).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(c) => {
                set(&mut extra, "x-alc-pseudonym", &c.lease.pseudonym);
                set(&mut extra, "x-alc-lease", &c.lease.id);
                set(&mut extra, "x-alc-agent", &c.lease.agent);
            }
            Err(e) => return e.into_response(),
        }
    }
    s.proxy.forward(req, &rest, extra).await
}

async fn not_found() -> Deny {
    Deny::BadRequest("unknown route".into())
}

impl IntoResponse for Deny {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Deny::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Deny::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Deny::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Deny::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Deny::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Deny::Internal(_) => return Problem::internal(&self).into_response(),
        };
        Problem::new(status, code, self.to_string()).into_response()
    }
}

/// The gateway's router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/gateway", get(info))
        .route("/v1/lease/challenge", get(challenge))
        .route("/v1/lease", post(lease))
        .route("/v1/lease/renew", post(renew))
        .route("/v1/lease/delegate", post(delegate))
        .route("/v1/admin/kill", post(kill))
        .route("/v1/admin/incident", post(incident))
        .route("/v1/public/{*rest}", any(forward))
        .route("/v1/sandbox/{*rest}", any(forward))
        .route("/v1/autonomous/{*rest}", any(forward))
        .merge(crate::wallet::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(alc_service::log_server_errors))
        .with_state(state)
}
