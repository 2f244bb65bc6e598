//! Every error the service returns, mapped to HTTP in one place.
//!
//! Bodies are `{"error": "<code>", "message": "<sentence>"}`. Server-side failures are
//! logged with their detail and answered with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::insurance::CoverRefusal;

/// A request that cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Malformed or invalid input (400).
    #[error("{0}")]
    BadRequest(String),
    /// Missing or invalid credentials of the caller (401).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Authenticated but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The identity must wait (429): cooling-off.
    #[error("{message}")]
    TooEarly {
        /// What happened.
        message: String,
        /// Unix seconds when it may try again.
        retry_at: u64,
    },
    /// A dependency (an identity provider's keys) is unreachable (503).
    #[error("{0}")]
    Unavailable(String),
    /// The body is too large (413).
    #[error("request body too large")]
    TooLarge,
    /// A permit's insurance evidence is missing or fails a check (422; the code names
    /// the check, see [`CoverRefusal::code`]).
    #[error(transparent)]
    Insurance(#[from] CoverRefusal),
    /// Something failed inside the authority (500).
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// Internal error from anything displayable (the detail is logged, not returned).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_at: Option<u64>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::TooEarly { .. } => (StatusCode::TOO_MANY_REQUESTS, "cooling_off"),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Insurance(r) => (StatusCode::UNPROCESSABLE_ENTITY, r.code()),
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let retry_at = match &self {
            Self::TooEarly { retry_at, .. } => Some(*retry_at),
            _ => None,
        };
        (
            status,
            Json(Body {
                error: code,
                message: self.to_string(),
                retry_at,
            }),
        )
            .into_response()
    }
}
