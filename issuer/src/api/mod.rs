//! The HTTP API (`app(authority) -> Router`), documented at `/openapi.json`.
//!
//! Handlers answer the domain's errors; [`error`] maps them to HTTP, once. Request
//! bodies are JSON with unknown fields refused and a size limit (`alc_service::Json`:
//! `413` over it); server errors are logged by one middleware
//! (`alc_service::log_server_errors`), never in a handler.

mod error;
mod wallet;

pub use error::ApiError;

use crate::admin::Actor;
use crate::authority::Authority;
use alc_protocol::authority::{
    AgentSystem, Answer, AnswerSheet, ApprenticeRequest, Apprenticeship, ApprenticeshipAcceptance,
    ApprenticeshipRequested, AreaReview, Attempt, AuthorityInfo, BankReview, ChainLink,
    CoverRenewal, CreatedToken, CredentialRequest, Filed, GatewayRegistration, IdentityLink,
    IdentityRef, IdentityStatus, Incident, IncidentReport, Insurance, InsuranceRequirements,
    InsurerRegistration, Login, Marked, NewAgentSystem, NewOperator, NewPermit, NewToken, Nonce,
    OpeningProgress, OpeningRecorded, OpeningRequest, Permit, PermitChanged, PermitConditions,
    PermitLapse, PermitStatusChange, QuestionReview, Registered, RegisteredInsurer, Resolution,
    Retired, Retirement, RevokeRequest, Revoked, Session, ShownQuestion, SystemKeyRequest,
    Training,
};
use alc_protocol::escrow::Partial;
use alc_protocol::files::CredentialFile;
use alc_protocol::gateways::SignedGatewayList;
use alc_protocol::insurance::{CoverCertificate, CoverEvidence, CoverRevocation};
use alc_protocol::keys::SignedKeyDescriptor;
use alc_protocol::status::{PublishedList, SignedStatus, StatusResponse};
use alc_protocol::systems::SignedSystemCertificate;
use alc_registry::api::{Appended, StoredEntry};
use alc_service::{Json as Body, Problem};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::stream::{self, Stream, StreamExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::OpenApi;

type S = State<Arc<Authority>>;

/// The bearer token of a request.
pub struct Bearer(pub String);

impl Bearer {
    /// The bearer token of `headers`, if any (at most 256 characters).
    fn of(headers: &axum::http::HeaderMap) -> Option<Self> {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(alc_service::bearer_token)
            .filter(|t| t.len() <= 256)
            .map(|t| Self(t.to_owned()))
    }
}

impl<St: Send + Sync> FromRequestParts<St> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Self::Rejection> {
        Bearer::of(&parts.headers).ok_or_else(|| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing bearer token",
            )
            .into()
        })
    }
}

/// In an answer's extensions: the domain wrote this refusal to the audit log itself,
/// with details the edge does not have.
#[derive(Clone, Copy)]
struct Audited;

/// The answer to a refusal the domain has audited.
fn audited(e: impl Into<ApiError>) -> Response {
    let e = e.into();
    let internal = e.is_internal();
    let mut resp = e.into_response();
    if !internal {
        resp.extensions_mut().insert(Audited);
    }
    resp
}

/// Every refused request from an identified caller (a valid admin token or a live
/// session) is written to the audit log: who, which endpoint, the status and the error
/// code, never the body (no secret, no insurance amount). Refusals of callers nobody can
/// identify (no or an unknown bearer token, a bad ID token) are logged but not audited:
/// otherwise anyone could fill the append-only log.
async fn audit_refusals(
    State(a): S,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = req.method().to_string();
    let path = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    let bearer = Bearer::of(req.headers()).map(|b| b.0);
    let resp = next.run(req).await;
    let status = resp.status();
    if !status.is_client_error() || resp.extensions().get::<Audited>().is_some() {
        return resp;
    }
    let code = resp
        .extensions()
        .get::<alc_service::ProblemCode>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let caller = match &bearer {
        None => None,
        Some(b) => match a.actor(b).await {
            Ok(actor) => Some((actor.id, serde_json::Value::Null)),
            Err(_) => a.session_identity(b).await.ok().map(|id| {
                (
                    "operator".to_owned(),
                    serde_json::Value::from(hex::encode(id)),
                )
            }),
        },
    };
    let Some((actor, identity)) = caller else {
        tracing::info!(
            method,
            path,
            status = status.as_u16(),
            code,
            "refused an unidentified request"
        );
        return resp;
    };
    let mut details = serde_json::json!({
        "method": method, "endpoint": path, "status": status.as_u16(), "code": code,
    });
    if !identity.is_null() {
        details["identity"] = identity;
    }
    if let Err(e) = a.audit_refusal(&actor, details).await {
        tracing::error!(error = %e.detail(), "could not audit a refused request");
    }
    resp
}

async fn actor(a: &Authority, bearer: &Bearer, scope: &str) -> Result<Actor, ApiError> {
    let actor = a.actor(&bearer.0).await?;
    actor.require(scope)?;
    Ok(actor)
}

#[utoipa::path(get, path = "/v1/authority", responses((status = 200, body = AuthorityInfo)))]
async fn info(State(a): S) -> Result<Json<AuthorityInfo>, ApiError> {
    let keys = a.public_keys();
    Ok(Json(AuthorityInfo {
        name: keys.name,
        issuer_key: keys.issuer_key,
        status_key: keys.status_key,
        list: crate::status::LIST_ID.into(),
        circuit: alc_circuits::tags::CIRCUIT_ID.into(),
        registry_origin: crate::registry::origin(&a.config().name),
        registry_key: a.registry_key()?.to_string(),
        escrow_key: a.escrow.as_ref().map(|e| e.to_text()),
    }))
}

#[utoipa::path(get, path = "/v1/registry/checkpoint", responses((status = 200, description = "the latest checkpoint, a C2SP signed note", content_type = "text/plain")))]
async fn checkpoint(State(a): S) -> Result<Response, ApiError> {
    let note = a.checkpoint().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        note,
    )
        .into_response())
}

#[utoipa::path(post, path = "/v1/registry/entries", request_body = Object, responses((status = 201, body = Appended), (status = 200, body = Appended, description = "already in the log"), (status = 403, description = "unknown gateway or bad signature")))]
async fn submit_entry(
    State(a): S,
    Body(s): Body<alc_registry::submission::Submission>,
) -> Result<(StatusCode, Json<Appended>), ApiError> {
    let appended = a.submit(&s).await?;
    let code = if appended.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(appended)))
}

fn number(q: &HashMap<String, String>, key: &str) -> Result<Option<u64>, ApiError> {
    q.get(key)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("{key}: expected a whole number")))
        })
        .transpose()
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

fn params(q: Params) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

#[utoipa::path(get, path = "/v1/registry/entries/{index}", params(("index" = u64, Path)), responses((status = 200, body = StoredEntry), (status = 404)))]
async fn registry_entry(
    State(a): S,
    Path(index): Path<String>,
) -> Result<Json<StoredEntry>, ApiError> {
    let index = index
        .parse()
        .map_err(|_| ApiError::bad_request("index: expected a whole number"))?;
    Ok(Json(a.entry(index).await?))
}

#[utoipa::path(get, path = "/v1/registry/proof/inclusion", params(("index" = Option<u64>, Query), ("hash" = Option<String>, Query, description = "leaf hash, base64"), ("size" = Option<u64>, Query, description = "tree size; default the current")), responses((status = 200, body = Object), (status = 400), (status = 404)))]
async fn inclusion(
    State(a): S,
    q: Params,
) -> Result<Json<alc_registry::merkle::InclusionProof>, ApiError> {
    let q = params(q)?;
    let index = match (number(&q, "index")?, q.get("hash")) {
        (Some(i), None) => i,
        (None, Some(h)) => {
            let h: [u8; 32] = alc_protocol::encoding::base64_array(h)
                .map_err(|_| ApiError::bad_request("hash: expected 32 bytes of base64"))?;
            a.index_of(&h).await?
        }
        _ => return Err(ApiError::bad_request("give exactly one of index or hash")),
    };
    Ok(Json(a.inclusion(index, number(&q, "size")?).await?))
}

#[utoipa::path(get, path = "/v1/registry/proof/consistency", params(("from" = u64, Query), ("to" = u64, Query)), responses((status = 200, body = Object), (status = 400)))]
async fn consistency(
    State(a): S,
    q: Params,
) -> Result<Json<alc_registry::merkle::ConsistencyProof>, ApiError> {
    let q = params(q)?;
    let (Some(from), Some(to)) = (number(&q, "from")?, number(&q, "to")?) else {
        return Err(ApiError::bad_request("from and to are required"));
    };
    Ok(Json(a.consistency(from, to).await?))
}

#[utoipa::path(get, path = "/v1/registry/spawns/{id}", params(("id" = String, Path, description = "a lease id or an agent id")), responses((status = 200, body = Vec<StoredEntry>)))]
async fn spawns(State(a): S, Path(id): Path<String>) -> Result<Json<Vec<StoredEntry>>, ApiError> {
    Ok(Json(a.spawns_of(&id).await?))
}

#[utoipa::path(get, path = "/v1/gateways", responses((status = 200, body = SignedGatewayList, description = "every gateway registered with a URL, signed with the status key (wallets check a challenge against it before proving)")))]
async fn gateways(State(a): S) -> Result<Json<SignedGatewayList>, ApiError> {
    Ok(Json(a.gateway_list().await?))
}

#[utoipa::path(get, path = "/v1/keys", responses((status = 200, body = SignedKeyDescriptor, description = "the digests of the proving and verifying keys wallets prove with, signed with the status key (a wallet checks the key it downloaded against it, wherever it came from)")))]
async fn keys(State(a): S) -> Json<SignedKeyDescriptor> {
    Json(a.key_descriptor())
}

#[utoipa::path(post, path = "/v1/admin/gateways", request_body = GatewayRegistration, responses((status = 200), (status = 409)), security(("bearer" = [])))]
async fn register_gateway(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<GatewayRegistration>,
) -> Result<Json<Registered>, ApiError> {
    let who = actor(&a, &bearer, "gateways").await?;
    a.register_gateway(&r, &who.id).await?;
    Ok(Json(Registered {
        registered: r.id.clone(),
    }))
}

#[utoipa::path(post, path = "/v1/identity/nonce", responses((status = 200, body = Nonce)))]
async fn nonce(State(a): S) -> Result<Json<Nonce>, ApiError> {
    Ok(Json(a.nonce().await?))
}

#[utoipa::path(post, path = "/v1/identity", request_body = Login, responses((status = 200, body = Session), (status = 400)))]
async fn login(State(a): S, Body(l): Body<Login>) -> Result<Json<Session>, ApiError> {
    Ok(Json(a.login(&l.id_token).await?))
}

#[utoipa::path(post, path = "/v1/assessment/attempts", responses((status = 200, body = Attempt), (status = 429, description = "cooling off: come back at `retry_at` (also the `Retry-After` header, an HTTP-date)"), (status = 403), (status = 409)), security(("bearer" = [])))]
async fn start(State(a): S, bearer: Bearer) -> Result<Json<Attempt>, ApiError> {
    Ok(Json(a.start_attempt(&bearer.0).await?))
}

#[utoipa::path(post, path = "/v1/assessment/submit", request_body = AnswerSheet, responses((status = 200, body = Marked), (status = 401), (status = 403, description = "the attempt was started by another session (refused and audited)"), (status = 409)), security(("bearer" = [])))]
async fn submit(
    State(a): S,
    bearer: Bearer,
    Body(s): Body<AnswerSheet>,
) -> Result<Response, ApiError> {
    match a.submit_attempt(&bearer.0, &s.attempt, &s.answers).await {
        Ok(m) => Ok(Json(m).into_response()),
        Err(e @ crate::assessment::AssessmentError::NotYours) => Ok(audited(e)),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/v1/credentials", request_body = CredentialRequest, responses((status = 200, body = CredentialFile), (status = 403), (status = 409)), security(("bearer" = [])))]
async fn issue(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<CredentialRequest>,
) -> Result<Response, ApiError> {
    let id = a.session_identity(&bearer.0).await?;
    Ok(Json(a.issue(&id, &r).await?.to_wire()).into_response())
}

#[utoipa::path(post, path = "/v1/credentials/apprentice", request_body = ApprenticeRequest, responses((status = 200, body = CredentialFile)), security(("bearer" = [])))]
async fn apprentice(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<ApprenticeRequest>,
) -> Result<Response, ApiError> {
    let id = a.session_identity(&bearer.0).await?;
    Ok(Json(a.issue_apprentice(&id, &r).await?.to_wire()).into_response())
}

#[utoipa::path(post, path = "/v1/apprenticeships", responses((status = 200, body = ApprenticeshipRequested, description = "the one-time code to hand to the supervising operator"), (status = 409)), security(("bearer" = [])))]
async fn request_apprenticeship(
    State(a): S,
    bearer: Bearer,
) -> Result<Json<ApprenticeshipRequested>, ApiError> {
    let id = a.session_identity(&bearer.0).await?;
    Ok(Json(a.request_apprenticeship(&id).await?))
}

#[utoipa::path(post, path = "/v1/apprenticeships/accept", request_body = ApprenticeshipAcceptance, responses((status = 200, body = Apprenticeship), (status = 403, description = "the caller holds no live operator licence"), (status = 404), (status = 409, description = "supervisor_full, or the caller's own request")), security(("bearer" = [])))]
async fn accept_apprenticeship(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<ApprenticeshipAcceptance>,
) -> Result<Json<Apprenticeship>, ApiError> {
    let id = a.session_identity(&bearer.0).await?;
    Ok(Json(a.accept_apprenticeship(&id, &r.code).await?))
}

#[utoipa::path(get, path = "/v1/apprenticeships", responses((status = 200, body = Vec<Apprenticeship>, description = "the caller's apprenticeships, as apprentice or as supervisor")), security(("bearer" = [])))]
async fn apprenticeships(
    State(a): S,
    bearer: Bearer,
) -> Result<Json<Vec<Apprenticeship>>, ApiError> {
    let id = a.session_identity(&bearer.0).await?;
    Ok(Json(a.apprenticeships(&id).await?))
}

#[utoipa::path(post, path = "/v1/insurance/revocations", request_body = CoverRevocation, responses((status = 200, body = Permit, description = "the permit, its cover marked revoked: it now runs on its grace period"), (status = 403, description = "insurer_unregistered or bad_signature"), (status = 404), (status = 409, description = "not_in_force: not the permit's cover in force")))]
async fn revoke_cover(
    State(a): S,
    Body(r): Body<CoverRevocation>,
) -> Result<Json<Permit>, ApiError> {
    Ok(Json(a.revoke_cover(&r).await?))
}

#[utoipa::path(get, path = "/v1/admin/permits/{id}", responses((status = 200, body = Permit, description = "the permit, with its insurance and any lapse of its requirements (when it is suspended)"), (status = 404)), security(("bearer" = [])))]
async fn get_permit(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
) -> Result<Json<Permit>, ApiError> {
    actor(&a, &bearer, "permits").await?;
    Ok(Json(a.permit(&id).await?))
}

fn cache_until(resp: Response, next_update: u64, now: u64) -> Response {
    let mut resp = resp;
    let max_age = next_update.saturating_sub(now);
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    resp
}

#[utoipa::path(get, path = "/v1/status", responses((status = 200, body = SignedStatus, description = "the latest signed status response")))]
async fn status(State(a): S) -> Response {
    let now = a.now();
    let (r, signed) = a.status.current(now);
    cache_until(Json(signed).into_response(), r.next_update, now)
}

#[utoipa::path(get, path = "/v1/status/list", responses((status = 200, body = PublishedList)))]
async fn status_list(State(a): S) -> Response {
    let now = a.now();
    let (r, signed) = a.status.current(now);
    let (epoch, encoded) = a.status.encoded();
    if epoch != r.epoch {
        // An epoch was installed between the two reads: the caller retries.
        return Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            "the list changed while reading it; retry",
        )
        .into_response();
    }
    let body = PublishedList {
        epoch,
        root: r.root.clone(),
        encoded_list: encoded.to_string(),
        status: signed,
    };
    cache_until(Json(body).into_response(), r.next_update, now)
}

#[utoipa::path(get, path = "/v1/status/stream", responses((status = 200, description = "server-sent events `status`, one per signed status response")))]
async fn stream(State(a): S) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = a.status.subscribe();
    let (_, first) = a.status.current(a.now());
    let event = |s: &SignedStatus| -> Result<Event, Infallible> {
        Ok(Event::default()
            .event("status")
            .json_data(s)
            .unwrap_or_default())
    };
    let first = stream::once({
        let e = event(&first);
        async move { e }
    });
    let rest = BroadcastStream::new(rx).filter_map(move |m| {
        let out = m.ok().map(|s| event(&s));
        async move { out }
    });
    Sse::new(first.chain(rest)).keep_alive(KeepAlive::default())
}

#[utoipa::path(post, path = "/v1/incidents", request_body = IncidentReport, responses((status = 200, body = Filed)), security(("bearer" = [])))]
async fn report(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<IncidentReport>,
) -> Result<Json<Filed>, ApiError> {
    let who = actor(&a, &bearer, "report").await?;
    Ok(Json(Filed {
        id: a.report_incident(&r, &who.id).await?,
    }))
}

#[utoipa::path(post, path = "/v1/admin/revoke", request_body = RevokeRequest, responses((status = 200, body = Revoked), (status = 404)), security(("bearer" = [])))]
async fn revoke(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<RevokeRequest>,
) -> Result<Json<Revoked>, ApiError> {
    let started = std::time::Instant::now();
    let who = actor(&a, &bearer, "revoke").await?;
    let checked = started.elapsed();
    let done = a.revoke(&r, &who.id).await?;
    if started.elapsed() >= crate::revocation::SLOW {
        tracing::warn!(
            token_check_ms = checked.as_secs_f64() * 1e3,
            handler_ms = started.elapsed().as_secs_f64() * 1e3,
            "slow revocation answer"
        );
    }
    Ok(Json(done))
}

#[utoipa::path(post, path = "/v1/admin/permits", request_body = NewPermit, responses((status = 200, body = Permit), (status = 409, description = "the permit exists"), (status = 422, description = "insurance missing or refused: the error code names the failed check (insurance_required, insurance_other_permit, insurance_other_minimum, insurer_unregistered, insurance_bad_certificate, insurance_expired, insurance_invalid_proof, ...); nothing is written")), security(("bearer" = [])))]
async fn create_permit(
    State(a): S,
    bearer: Bearer,
    Body(p): Body<NewPermit>,
) -> Result<Json<Permit>, ApiError> {
    let who = actor(&a, &bearer, "permits").await?;
    Ok(Json(a.create_permit(&p, &who.id).await?))
}

#[utoipa::path(post, path = "/v1/admin/permits/{id}/insurance", request_body = CoverRenewal, responses((status = 200, body = Permit), (status = 404), (status = 409, description = "the permit is revoked"), (status = 422, description = "insurance refused, as for registration; nothing is written")), security(("bearer" = [])))]
async fn renew_insurance(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
    Body(r): Body<CoverRenewal>,
) -> Result<Json<Permit>, ApiError> {
    let who = actor(&a, &bearer, "permits").await?;
    Ok(Json(a.renew_insurance(&id, &r, &who.id).await?))
}

#[utoipa::path(post, path = "/v1/permits/{id}/systems/{name}/certificate", request_body = SystemKeyRequest, responses((status = 200, body = SignedSystemCertificate), (status = 403, description = "not the system's principal, or the permit is not an active tier-3 permit meeting its requirements")), security(("bearer" = [])))]
async fn certify_system(
    State(a): S,
    bearer: Bearer,
    Path((id, name)): Path<(String, String)>,
    Body(r): Body<SystemKeyRequest>,
) -> Result<Json<SignedSystemCertificate>, ApiError> {
    Ok(Json(a.certify_system(&bearer.0, &id, &name, &r.key).await?))
}

#[utoipa::path(post, path = "/v1/admin/permits/{id}/conditions", request_body = PermitConditions, responses((status = 200, body = Permit)), security(("bearer" = [])))]
async fn permit_conditions(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
    Body(c): Body<PermitConditions>,
) -> Result<Json<Permit>, ApiError> {
    let who = actor(&a, &bearer, "permits").await?;
    Ok(Json(a.set_conditions(&id, &c, &who.id).await?))
}

#[utoipa::path(post, path = "/v1/admin/insurers", request_body = InsurerRegistration, responses((status = 200, body = RegisteredInsurer), (status = 409, description = "the id or the key is registered otherwise")), security(("bearer" = [])))]
async fn register_insurer(
    State(a): S,
    bearer: Bearer,
    Body(r): Body<InsurerRegistration>,
) -> Result<Json<RegisteredInsurer>, ApiError> {
    let who = actor(&a, &bearer, "insurers").await?;
    Ok(Json(a.register_insurer(&r, &who.id).await?))
}

#[utoipa::path(get, path = "/v1/insurance", responses((status = 200, body = InsuranceRequirements)))]
async fn insurance(State(a): S) -> Result<Json<InsuranceRequirements>, ApiError> {
    Ok(Json(a.insurance_requirements().await?))
}

#[utoipa::path(post, path = "/v1/admin/permits/{id}/operators", request_body = NewOperator, responses((status = 204)), security(("bearer" = [])))]
async fn add_operator(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
    Body(o): Body<NewOperator>,
) -> Result<StatusCode, ApiError> {
    let who = actor(&a, &bearer, "permits").await?;
    a.add_operator(&id, &o, &who.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/admin/permits/{id}/agent-systems", request_body = NewAgentSystem, responses((status = 204)), security(("bearer" = [])))]
async fn add_agent_system(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
    Body(s): Body<NewAgentSystem>,
) -> Result<StatusCode, ApiError> {
    let who = actor(&a, &bearer, "permits").await?;
    a.add_agent_system(&id, &s, &who.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/admin/permits/{id}/status", request_body = PermitStatusChange, responses((status = 200, body = PermitChanged)), security(("bearer" = [])))]
async fn permit_status(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
    Body(c): Body<PermitStatusChange>,
) -> Result<Json<PermitChanged>, ApiError> {
    let who = actor(&a, &bearer, "permits").await?;
    Ok(Json(PermitChanged {
        revoked: a.set_permit_status(&id, &c, &who.id).await?,
    }))
}

#[utoipa::path(post, path = "/v1/admin/training", request_body = Training, responses((status = 200, body = IdentityStatus)), security(("bearer" = [])))]
async fn training(
    State(a): S,
    bearer: Bearer,
    Body(t): Body<Training>,
) -> Result<Response, ApiError> {
    let who = actor(&a, &bearer, "training").await?;
    let id = a
        .keys()
        .identity
        .identity_key(&t.identity.issuer, &t.identity.subject)
        .to_vec();
    let evidence = crate::assessment::TrainingEvidence {
        course_provider: &t.course_provider,
        certificate: &t.certificate,
        reason: &t.reason,
    };
    // Every refusal past the token check is audited by the domain, with its evidence.
    Ok(match a.record_training(&id, &who.id, &evidence).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => audited(e),
    })
}

#[utoipa::path(post, path = "/v1/admin/identities/link", request_body = IdentityLink, responses((status = 200, body = IdentityStatus, description = "the person's standing after the link"), (status = 409, description = "one person already, or both hold a live credential")), security(("bearer" = [])))]
async fn link_identities(
    State(a): S,
    bearer: Bearer,
    Body(l): Body<IdentityLink>,
) -> Result<Json<IdentityStatus>, ApiError> {
    let who = actor(&a, &bearer, "identities").await?;
    Ok(Json(a.link_identities(&l, &who.id).await?))
}

#[utoipa::path(get, path = "/v1/admin/questions", responses((status = 200, body = BankReview, description = "the bank's figures over every marked attempt")), security(("bearer" = [])))]
async fn bank_review(State(a): S, bearer: Bearer) -> Result<Json<BankReview>, ApiError> {
    actor(&a, &bearer, "questions").await?;
    Ok(Json(a.bank_review().await?))
}

#[utoipa::path(post, path = "/v1/admin/questions/{id}/retire", request_body = Retirement, responses((status = 200, body = Retired), (status = 409, description = "retired already, or the area's pool would be no larger than its draw")), security(("bearer" = [])))]
async fn retire_question(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<String>,
    Body(r): Body<Retirement>,
) -> Result<Json<Retired>, ApiError> {
    let who = actor(&a, &bearer, "questions").await?;
    Ok(Json(a.retire_question(&id, &who.id, &r.reason).await?))
}

#[utoipa::path(get, path = "/v1/admin/incidents", responses((status = 200, body = Vec<Incident>)), security(("bearer" = [])))]
async fn list_incidents(State(a): S, bearer: Bearer) -> Result<Json<Vec<Incident>>, ApiError> {
    actor(&a, &bearer, "incidents").await?;
    Ok(Json(a.incidents().await?))
}

#[utoipa::path(post, path = "/v1/admin/incidents/{id}/resolve", request_body = Resolution, responses((status = 204)), security(("bearer" = [])))]
async fn resolve(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<i64>,
    Body(r): Body<Resolution>,
) -> Result<StatusCode, ApiError> {
    let who = actor(&a, &bearer, "incidents").await?;
    a.resolve_incident(id, &r, &who.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/admin/incidents/{id}/openings", request_body = OpeningRequest, responses((status = 200, body = OpeningRecorded)), security(("bearer" = [])))]
async fn open_incident(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<i64>,
    Body(r): Body<OpeningRequest>,
) -> Result<Json<OpeningRecorded>, ApiError> {
    let who = actor(&a, &bearer, "open").await?;
    Ok(Json(a.record_opening(id, r.trustee, &who.id).await?))
}

#[utoipa::path(post, path = "/v1/admin/incidents/{id}/partials", request_body = Partial, responses((status = 200, body = OpeningProgress)), security(("bearer" = [])))]
async fn submit_partial(
    State(a): S,
    bearer: Bearer,
    Path(id): Path<i64>,
    Body(p): Body<Partial>,
) -> Result<Json<OpeningProgress>, ApiError> {
    let who = actor(&a, &bearer, "open").await?;
    Ok(Json(a.submit_partial(id, &p, &who.id).await?))
}

#[utoipa::path(post, path = "/v1/admin/tokens", request_body = NewToken, responses((status = 200, body = CreatedToken)), security(("bearer" = [])))]
async fn create_token(
    State(a): S,
    bearer: Bearer,
    Body(t): Body<NewToken>,
) -> Result<Json<CreatedToken>, ApiError> {
    let who = actor(&a, &bearer, "tokens").await?;
    Ok(Json(a.create_token(&t, &who.id).await?))
}

/// What every operation of the description shares.
const CONVENTIONS: alc_service::openapi::Conventions = alc_service::openapi::Conventions {
    service: "the authority",
    body_limit: "body_limit_bytes",
    rate_limited: false,
};

/// The OpenAPI description of this service.
#[derive(OpenApi)]
#[openapi(
    modifiers(&CONVENTIONS),
    info(
        title = "ALC licensing authority",
        description = "Identity, competency assessment, issuance, permits with insurance cover proofs, revocation, signed status and the chain-of-liability registry."
    ),
    paths(
        info,
        nonce,
        login,
        start,
        submit,
        issue,
        apprentice,
        request_apprenticeship,
        accept_apprenticeship,
        apprenticeships,
        revoke_cover,
        get_permit,
        status,
        status_list,
        stream,
        report,
        revoke,
        create_permit,
        renew_insurance,
        register_insurer,
        insurance,
        add_operator,
        add_agent_system,
        permit_status,
        training,
        bank_review,
        retire_question,
        permit_conditions,
        certify_system,
        link_identities,
        list_incidents,
        resolve,
        open_incident,
        submit_partial,
        create_token,
        register_gateway,
        gateways,
        keys,
        checkpoint,
        submit_entry,
        registry_entry,
        inclusion,
        consistency,
        spawns
    ),
    components(schemas(
        AuthorityInfo,
        OpeningRequest,
        OpeningRecorded,
        OpeningProgress,
        Partial,
        Nonce,
        Login,
        Session,
        IdentityStatus,
        Attempt,
        ShownQuestion,
        AnswerSheet,
        Answer,
        Marked,
        CredentialRequest,
        ApprenticeRequest,
        ApprenticeshipRequested,
        ApprenticeshipAcceptance,
        Apprenticeship,
        CoverRevocation,
        PermitLapse,
        CredentialFile,
        PublishedList,
        SignedStatus,
        StatusResponse,
        IncidentReport,
        ChainLink,
        Filed,
        Incident,
        Resolution,
        RevokeRequest,
        Revoked,
        NewPermit,
        Permit,
        Insurance,
        CoverEvidence,
        CoverCertificate,
        CoverRenewal,
        InsurerRegistration,
        RegisteredInsurer,
        InsuranceRequirements,
        NewOperator,
        NewAgentSystem,
        IdentityRef,
        PermitStatusChange,
        PermitChanged,
        Training,
        Retirement,
        Retired,
        IdentityLink,
        PermitConditions,
        AgentSystem,
        SystemKeyRequest,
        SignedSystemCertificate,
        BankReview,
        AreaReview,
        QuestionReview,
        NewToken,
        CreatedToken,
        GatewayRegistration,
        SignedGatewayList,
        SignedKeyDescriptor,
        Registered,
        Appended,
        StoredEntry
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// The service's router.
pub fn app(authority: Arc<Authority>) -> Router {
    let limit = authority.config().body_limit_bytes;
    // What any web page may read (a wallet served from another host than this one): the
    // public documents, GET only, no credentials, no request headers.
    let public = Router::new()
        .route("/v1/authority", get(info))
        .route("/v1/keys", get(keys))
        .route("/v1/gateways", get(gateways))
        .route("/v1/status", get(status))
        .route("/v1/status/list", get(status_list))
        .route("/v1/registry/checkpoint", get(checkpoint))
        .route("/v1/registry/entries/{index}", get(registry_entry))
        .route("/v1/registry/proof/inclusion", get(inclusion))
        .route("/v1/registry/proof/consistency", get(consistency))
        .route("/v1/registry/spawns/{id}", get(spawns))
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET]),
        );
    Router::new()
        .route("/v1/identity/nonce", post(nonce))
        .route("/v1/identity", post(login))
        .route("/v1/assessment/attempts", post(start))
        .route("/v1/assessment/submit", post(submit))
        .route("/v1/credentials", post(issue))
        .route("/v1/credentials/apprentice", post(apprentice))
        .route(
            "/v1/apprenticeships",
            post(request_apprenticeship).get(apprenticeships),
        )
        .route("/v1/apprenticeships/accept", post(accept_apprenticeship))
        .route("/v1/insurance/revocations", post(revoke_cover))
        .route("/v1/admin/permits/{id}", get(get_permit))
        .route("/v1/status/stream", get(stream))
        .route("/v1/incidents", post(report))
        .route("/v1/admin/revoke", post(revoke))
        .route("/v1/admin/permits", post(create_permit))
        .route("/v1/admin/permits/{id}/insurance", post(renew_insurance))
        .route("/v1/admin/permits/{id}/operators", post(add_operator))
        .route(
            "/v1/admin/permits/{id}/agent-systems",
            post(add_agent_system),
        )
        .route("/v1/admin/permits/{id}/status", post(permit_status))
        .route("/v1/admin/permits/{id}/conditions", post(permit_conditions))
        .route(
            "/v1/permits/{id}/systems/{name}/certificate",
            post(certify_system),
        )
        .route("/v1/admin/training", post(training))
        .route("/v1/admin/identities/link", post(link_identities))
        .route("/v1/admin/questions", get(bank_review))
        .route("/v1/admin/questions/{id}/retire", post(retire_question))
        .route("/v1/admin/incidents", get(list_incidents))
        .route("/v1/admin/incidents/{id}/resolve", post(resolve))
        .route("/v1/admin/incidents/{id}/openings", post(open_incident))
        .route("/v1/admin/incidents/{id}/partials", post(submit_partial))
        .route("/v1/admin/tokens", post(create_token))
        .route("/v1/admin/gateways", post(register_gateway))
        .route("/v1/admin/insurers", post(register_insurer))
        .route("/v1/insurance", get(insurance))
        .route("/v1/registry/entries", post(submit_entry))
        .route_layer(axum::middleware::from_fn_with_state(
            authority.clone(),
            audit_refusals,
        ))
        .merge(public)
        .merge(wallet::routes(authority.config().wallet_dir.clone()))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(alc_service::log_server_errors))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(authority)
}
