//! The one place the authority's errors become HTTP answers: each module's error keeps
//! its own words (its `Display`); here each gets its status and stable code, and a
//! failure inside the authority becomes a generic `500` whose detail only the log sees
//! (`alc_service::log_server_errors`).

use crate::admin::AdminError;
use crate::apprentices::ApprenticeError;
use crate::assessment::AssessmentError;
use crate::bank_review::QuestionError;
use crate::error::Internal;
use crate::identity::IdentityError;
use crate::incidents::IncidentError;
use crate::insurance::{CoverRevocationError, InsurerError};
use crate::issuance::IssuanceError;
use crate::openings::OpeningError;
use crate::people::LinkError;
use crate::permits::PermitError;
use crate::registry::RegistryError;
use crate::revocation::RevocationError;
use alc_service::Problem;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What a handler answers when it does not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Tokens and scopes.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// Sign-in and sessions.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The assessment.
    #[error(transparent)]
    Assessment(#[from] AssessmentError),
    /// Issuance.
    #[error(transparent)]
    Issuance(#[from] IssuanceError),
    /// Revocation.
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    /// Apprenticeships.
    #[error(transparent)]
    Apprentice(#[from] ApprenticeError),
    /// Incidents.
    #[error(transparent)]
    Incident(#[from] IncidentError),
    /// Openings of incidents by the trustees.
    #[error(transparent)]
    Opening(#[from] OpeningError),
    /// Permits and their insurance.
    #[error(transparent)]
    Permit(#[from] PermitError),
    /// Links of identities as one person.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The question bank's maintenance.
    #[error(transparent)]
    Question(#[from] QuestionError),
    /// Insurers.
    #[error(transparent)]
    Insurer(#[from] InsurerError),
    /// Insurers' revocations of cover.
    #[error(transparent)]
    CoverRevocation(#[from] CoverRevocationError),
    /// The registry.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
    /// A request the HTTP layer refuses before any domain sees it (a missing bearer
    /// token, a malformed query).
    #[error("{}", .0.body.message)]
    Http(Problem),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        Self::Http(p)
    }
}

impl ApiError {
    /// `400 bad_request` with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Http(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            message,
        ))
    }
}

/// How an error answers: a refusal with its status and code (the message is its
/// `Display`), or a failure inside the authority (a generic `500`, its `Display`
/// logged). Every match below is exhaustive, so a new variant must be classified here.
enum Class {
    Refusal(StatusCode, &'static str),
    Internal,
}

use Class::{Internal as Failure, Refusal};

const BAD: Class = Refusal(StatusCode::BAD_REQUEST, "bad_request");
const UNAUTHORIZED: Class = Refusal(StatusCode::UNAUTHORIZED, "unauthorized");
const FORBIDDEN: Class = Refusal(StatusCode::FORBIDDEN, "forbidden");
const NOT_FOUND: Class = Refusal(StatusCode::NOT_FOUND, "not_found");
const CONFLICT: Class = Refusal(StatusCode::CONFLICT, "conflict");

fn identity(e: &IdentityError) -> Class {
    use IdentityError as E;
    match e {
        E::NoProvider | E::TokenRefused(_) | E::NoNonce | E::NonceSpent => BAD,
        E::ProviderUnavailable(_) => Refusal(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        E::UnknownSession => UNAUTHORIZED,
        E::UnknownIdentity => NOT_FOUND,
        E::LinkRefused(_) => Refusal(StatusCode::CONFLICT, "link_refused"),
        E::Internal(_) => Failure,
    }
}

fn permit(e: &PermitError) -> Class {
    use PermitError as E;
    match e {
        E::BadId
        | E::BadTier
        | E::BadStatus
        | E::NotPrincipal
        | E::Evidence(_)
        | E::BadContact
        | E::BadIncidentContact
        | E::BadKey
        | E::UnknownProvider(_) => BAD,
        E::NotLicensed => Refusal(StatusCode::CONFLICT, "not_licensed"),
        E::Exists(_) | E::Revoked(_) | E::Changed(_) => CONFLICT,
        E::NotFound(_) => NOT_FOUND,
        E::UnknownSession => UNAUTHORIZED,
        E::NotOperator(_) | E::Unmet { .. } | E::NotSystemPrincipal => FORBIDDEN,
        E::Cover(r) => Refusal(StatusCode::UNPROCESSABLE_ENTITY, r.code()),
        E::Internal(_) => Failure,
    }
}

fn class(e: &ApiError) -> Class {
    match e {
        ApiError::Admin(a) => {
            use AdminError as E;
            match a {
                E::UnknownToken => UNAUTHORIZED,
                E::MissingScope { .. } => FORBIDDEN,
                E::BadName | E::BadScopes => BAD,
                E::Exists(_) => CONFLICT,
                E::Internal(_) => Failure,
            }
        }
        ApiError::Identity(i) => identity(i),
        ApiError::Assessment(a) => {
            use AssessmentError as E;
            match a {
                E::AlreadyPassed | E::AttemptOpen(_) | E::AlreadySubmitted | E::Expired => CONFLICT,
                E::Locked => FORBIDDEN,
                E::NotYours => Refusal(StatusCode::FORBIDDEN, "not_your_attempt"),
                E::CoolingOff { .. } => Refusal(StatusCode::TOO_MANY_REQUESTS, "cooling_off"),
                E::UnknownAttempt => UNAUTHORIZED,
                E::NeverSignedIn => NOT_FOUND,
                E::NotLocked => Refusal(StatusCode::CONFLICT, "not_locked"),
                E::NoEvidence => BAD,
                E::Answers(_) => BAD,
                E::Identity(i) => identity(i),
                E::Internal(_) => Failure,
            }
        }
        ApiError::Issuance(i) => {
            use IssuanceError as E;
            match i {
                E::Holder(_) | E::Fields(_) => BAD,
                E::NotPassed | E::NoApprenticeship | E::BadSupervisor => FORBIDDEN,
                E::ListFull | E::AlreadyHeld | E::OtherHolder => CONFLICT,
                E::Permit(p) => permit(p),
                E::Internal(_) => Failure,
            }
        }
        ApiError::Revocation(r) => match r {
            RevocationError::NoReason => BAD,
            RevocationError::NotFound(_) => NOT_FOUND,
            RevocationError::Internal(_) => Failure,
        },
        ApiError::Incident(i) => match i {
            IncidentError::Pseudonym(_)
            | IncidentError::Incomplete
            | IncidentError::BadSystem
            | IncidentError::Escrow(_) => BAD,
            IncidentError::NotOpen(_) => NOT_FOUND,
            IncidentError::Internal(_) => Failure,
        },
        ApiError::Opening(o) => {
            use OpeningError as E;
            match o {
                E::NoEscrow => Refusal(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
                E::NoIncident(_) => NOT_FOUND,
                E::NoCiphertext(_) | E::NoTrustee(_) | E::NotASerial => BAD,
                E::BadPartial(_) => Refusal(StatusCode::UNPROCESSABLE_ENTITY, "bad_partial"),
                E::NotOnRecord { .. } => FORBIDDEN,
                E::Duplicate(_) => CONFLICT,
                E::Internal(_) => Failure,
            }
        }
        ApiError::Permit(p) => permit(p),
        ApiError::Link(l) => match l {
            LinkError::BothLicensed => Refusal(StatusCode::CONFLICT, "both_licensed"),
            LinkError::AlreadyLinked => CONFLICT,
            LinkError::NeverSignedIn(_) => NOT_FOUND,
            LinkError::NoEvidence => BAD,
            LinkError::Internal(_) => Failure,
        },
        ApiError::Question(q) => match q {
            QuestionError::Unknown(_) => NOT_FOUND,
            QuestionError::AlreadyRetired(_) => CONFLICT,
            QuestionError::PoolTooSmall(_) => Refusal(StatusCode::CONFLICT, "pool_too_small"),
            QuestionError::NoReason => BAD,
            QuestionError::Internal(_) => Failure,
        },
        ApiError::Insurer(i) => {
            use InsurerError as E;
            match i {
                E::BadId | E::BadKey | E::NoReason => BAD,
                E::OtherKey(_) | E::KeyTaken(_) => CONFLICT,
                E::Internal(_) => Failure,
            }
        }
        ApiError::Registry(r) => {
            use RegistryError as E;
            match r {
                E::Entry(_)
                | E::Submission(_)
                | E::GatewayId(_)
                | E::KeyHex
                | E::KeyPoint
                | E::Url(_)
                | E::NoReason
                | E::Size { .. }
                | E::Proof(_) => BAD,
                E::Unauthorised(_) => FORBIDDEN,
                E::OtherKey(_) => CONFLICT,
                E::NoEntry(_) | E::NoLeaf => NOT_FOUND,
                E::Internal(_) => Failure,
            }
        }
        ApiError::CoverRevocation(r) => {
            use CoverRevocationError as E;
            match r {
                E::Malformed(_) => BAD,
                E::UnregisteredInsurer => Refusal(StatusCode::FORBIDDEN, "insurer_unregistered"),
                E::BadSignature => Refusal(StatusCode::FORBIDDEN, "bad_signature"),
                E::NoPermit(_) => NOT_FOUND,
                E::NotInForce(_) => Refusal(StatusCode::CONFLICT, "not_in_force"),
                E::Internal(_) => Failure,
            }
        }
        ApiError::Apprentice(a) => {
            use ApprenticeError as E;
            match a {
                E::Open | E::Licensed | E::SelfSupervision => CONFLICT,
                E::UnknownCode => NOT_FOUND,
                E::NotLicensed => FORBIDDEN,
                E::Full(_) => Refusal(StatusCode::CONFLICT, "supervisor_full"),
                E::Internal(_) => Failure,
            }
        }
        ApiError::Internal(_) => Failure,
        // Answered as it is (see `problem`).
        ApiError::Http(p) => Refusal(p.status, "bad_request"),
    }
}

impl ApiError {
    /// A failure inside the authority (answered as a generic `500`), wherever nested.
    pub fn is_internal(&self) -> bool {
        !matches!(self, ApiError::Http(_)) && matches!(class(self), Failure)
    }

    /// The answer.
    pub fn problem(&self) -> Problem {
        if let ApiError::Http(p) = self {
            return p.clone();
        }
        match class(self) {
            Failure => Problem::internal(self),
            Refusal(status, code) => {
                let p = Problem::new(status, code, self.to_string());
                match self {
                    ApiError::Assessment(AssessmentError::CoolingOff { until }) => {
                        p.retry_at(*until)
                    }
                    _ => p,
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.problem().into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure inside the authority answers a generic 500, wherever it is nested; a
    /// refusal answers its own words.
    #[test]
    fn internal_failures_are_generic_and_refusals_speak() {
        let nested = ApiError::Issuance(IssuanceError::Permit(PermitError::Internal(
            Internal::new("disk full"),
        )));
        assert!(nested.is_internal());
        let p = nested.problem();
        assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(p.body.message, "internal error");
        assert_eq!(p.detail.as_deref(), Some("internal error: disk full"));
        let refusal = ApiError::Permit(PermitError::NotFound("acme".into()));
        assert!(!refusal.is_internal());
        let p = refusal.problem();
        assert_eq!(
            (p.status, p.body.error.as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        assert_eq!(p.body.message, "no permit \"acme\"");
        assert!(p.detail.is_none());
        let cooling = ApiError::Assessment(AssessmentError::CoolingOff { until: 7 }).problem();
        assert_eq!(
            (cooling.status.as_u16(), cooling.body.retry_at),
            (429, Some(7))
        );
    }
}
