//! The one error body of every ALC service: `{"error": code, "message": sentence}`,
//! with `retry_at` when waiting helps (a cooling-off). The code is for programs (stable,
//! snake case), the message for people.

use serde::{Deserialize, Serialize};

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `cooling_off`, `too_large`, `rate_limited`, `request_timeout` (a body
    /// too slow), `unavailable`, `internal`, or a domain's own (`insurance_expired`, ...).
    pub error: String,
    /// What happened, in a sentence.
    pub message: String,
    /// Unix seconds from which trying again may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<u64>,
}

impl ErrorBody {
    /// An error body without `retry_at`.
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            message: message.into(),
            retry_at: None,
        }
    }
}
