//! The parts of a compact JWS read with care: its shape and size, the protected header
//! (what it names, never what it embeds), the claims, the audience and the times, and
//! short escaped excerpts for error messages (a token itself is never quoted).

use super::{OidcError, EXCERPT_CHARS, MAX_ID_TOKEN_BYTES};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
pub(super) struct JoseHeader {
    pub(super) alg: String,
    #[serde(default)]
    pub(super) kid: Option<String>,
    #[serde(default)]
    pub(super) crit: Option<Value>,
}

/// Checks the compact-JWS shape; returns the header and payload parts.
/// The signature part may be empty here (an `alg: none` token is then
/// refused for its algorithm, which says more than "malformed").
pub(super) fn split_token(token: &str) -> Result<(&str, &str), OidcError> {
    if token.len() > MAX_ID_TOKEN_BYTES {
        return Err(OidcError::TooLarge {
            len: token.len(),
            max: MAX_ID_TOKEN_BYTES,
        });
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OidcError::Malformed {
            reason: "not three dot-separated parts",
        });
    };
    if header.is_empty() || payload.is_empty() {
        return Err(OidcError::Malformed {
            reason: "empty header or payload",
        });
    }
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !(base64url(header) && base64url(payload) && base64url(signature)) {
        return Err(OidcError::Malformed {
            reason: "a part is not unpadded base64url",
        });
    }
    Ok((header, payload))
}

pub(super) fn parse_header(part: &str) -> Result<JoseHeader, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| OidcError::Malformed {
            reason: "the header is not base64url",
        })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| OidcError::Malformed {
        reason: "the header is not JSON",
    })?;
    if !value.is_object() {
        return Err(OidcError::Malformed {
            reason: "the header is not a JSON object",
        });
    }
    serde_json::from_value(value).map_err(|_| OidcError::Malformed {
        reason: "the header has no string alg, or a kid that is not a string",
    })
}

pub(super) fn parse_claims(part: &str) -> Result<Map<String, Value>, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| OidcError::Malformed {
            reason: "the payload is not base64url",
        })?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(claims)) => Ok(claims),
        _ => Err(OidcError::Malformed {
            reason: "the payload is not a JSON object",
        }),
    }
}

pub(super) fn check_audience(claims: &Map<String, Value>, audience: &str) -> Result<(), OidcError> {
    let invalid = || OidcError::InvalidClaim {
        claim: "aud".to_owned(),
        reason: "not a string or an array of strings",
    };
    let contains = match claims.get("aud") {
        None => return Err(OidcError::MissingClaim { claim: "aud" }),
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(auds)) => {
            let mut found = false;
            for aud in auds {
                found |= aud.as_str().ok_or_else(invalid)? == audience;
            }
            found
        }
        Some(_) => return Err(invalid()),
    };
    if !contains {
        return Err(OidcError::WrongAudience);
    }
    match claims.get("azp") {
        None => Ok(()),
        Some(Value::String(azp)) if azp == audience => Ok(()),
        Some(_) => Err(OidcError::WrongAuthorizedParty),
    }
}

/// A NumericDate claim as whole seconds (fractions are truncated).
pub(super) fn time_claim(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<u64>, OidcError> {
    let invalid = |reason| OidcError::InvalidClaim {
        claim: claim.to_owned(),
        reason,
    };
    match claims.get(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(secs) = n.as_u64() {
                return Ok(Some(secs));
            }
            match n.as_f64() {
                Some(f) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => {
                    // Truncation to whole seconds is the intent.
                    Ok(Some(f as u64))
                }
                _ => Err(invalid("not a non-negative number of seconds")),
            }
        }
        Some(_) => Err(invalid("not a number")),
    }
}

/// A short, printable excerpt of an untrusted string for error messages.
pub(super) fn excerpt(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}
