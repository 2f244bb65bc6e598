//! Agent systems of tier-3 permits, certified by the authority: a [`SystemCertificate`]
//! says that the agent key `key` operates the registered agent system `system` of a
//! tier-3 permit, until `not_after`. It names the system by a random public id, never
//! the permit, so a gateway that checks it (against the authority's status key, under
//! [`SYSTEM_CERTIFICATE_TAG`]) can record which system a key-bound lease serves without
//! learning whose permit it is. The authority maps the id back to the permit for an
//! incident.
//!
//! The binding is to the *lease*: a circuit-v2 proof binds the lease to `key`, and the
//! certificate binds `key` to the system. The proof does not say that its credential is
//! one of the system's permit (the circuit hides the permit): an operator holding the
//! agent key of another permit's system could lease under it, and would answer for it.

use serde::{Deserialize, Serialize};

/// The domain tag of the authority's signature on a system certificate.
pub const SYSTEM_CERTIFICATE_TAG: &[u8] = b"alc/v1/system-certificate\0";

/// What the authority certifies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SystemCertificate {
    /// The authority's name.
    pub issuer: String,
    /// The agent system's public id (32 lowercase hex digits, random).
    pub system: String,
    /// The agent's Ed25519 public key (hex) the system's leases are bound to.
    pub key: String,
    /// The permit tier the system operates under (3).
    pub permit_tier: u8,
    /// Until when (unix seconds).
    pub not_after: u64,
}

/// A [`SystemCertificate`] signed with the authority's status key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedSystemCertificate {
    /// base64url (no padding) of the certificate's JSON.
    pub payload: String,
    /// base64url (no padding) of the Ed25519 signature over the tag and the JSON.
    pub signature: String,
}

/// Why a system certificate is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SystemCertificateError {
    /// Not base64url JSON of a certificate.
    #[error("the system certificate is malformed")]
    Malformed,
    /// The signature does not verify under the authority's status key.
    #[error("the system certificate is not signed by the authority")]
    Signature,
    /// Signed by another authority.
    #[error("the system certificate is the authority {0:?}'s, not this authority's")]
    OtherIssuer(String),
    /// For another agent key.
    #[error("the system certificate is for another agent key")]
    OtherKey,
    /// Past `not_after`.
    #[error("the system certificate has expired: ask the authority for a new one")]
    Expired,
}

#[cfg(feature = "signing")]
impl SignedSystemCertificate {
    /// Signs a certificate with the authority's status key.
    pub fn sign(c: &SystemCertificate, key: &ed25519_dalek::SigningKey) -> Self {
        let json = serde_json::to_vec(c).unwrap_or_default();
        let (payload, signature) = crate::sealed::seal(SYSTEM_CERTIFICATE_TAG, &json, key);
        Self { payload, signature }
    }

    /// The certificate, if signed by the status key of the authority `issuer`, for the
    /// agent key `agent` (hex, any case) and not expired at `now`.
    pub fn verify(
        &self,
        key: &ed25519_dalek::VerifyingKey,
        issuer: &str,
        agent: &str,
        now: u64,
    ) -> Result<SystemCertificate, SystemCertificateError> {
        use crate::sealed::{open, Unsealed};
        let json = open(SYSTEM_CERTIFICATE_TAG, &self.payload, &self.signature, key).map_err(
            |e| match e {
                Unsealed::Malformed => SystemCertificateError::Malformed,
                Unsealed::Signature => SystemCertificateError::Signature,
            },
        )?;
        let c: SystemCertificate =
            serde_json::from_slice(&json).map_err(|_| SystemCertificateError::Malformed)?;
        if c.issuer != issuer {
            return Err(SystemCertificateError::OtherIssuer(c.issuer));
        }
        if !c.key.eq_ignore_ascii_case(agent) {
            return Err(SystemCertificateError::OtherKey);
        }
        if now >= c.not_after {
            return Err(SystemCertificateError::Expired);
        }
        Ok(c)
    }
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use crate::encoding::base64url;
    use ed25519_dalek::SigningKey;

    fn cert() -> SystemCertificate {
        SystemCertificate {
            issuer: "auth".into(),
            system: "ab".repeat(16),
            key: "cd".repeat(32),
            permit_tier: 3,
            not_after: 2_000,
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[1; 32])
    }

    /// Verifies for its key before `not_after`; each one thing changed is refused.
    #[test]
    fn a_certificate_verifies_only_for_its_key_issuer_and_time() {
        let signed = SignedSystemCertificate::sign(&cert(), &key());
        let vk = key().verifying_key();
        let agent = "CD".repeat(32);
        assert_eq!(signed.verify(&vk, "auth", &agent, 1_999), Ok(cert()));
        assert_eq!(
            signed.verify(&vk, "auth", &agent, 2_000),
            Err(SystemCertificateError::Expired)
        );
        assert_eq!(
            signed.verify(&vk, "auth", &"ce".repeat(32), 1),
            Err(SystemCertificateError::OtherKey)
        );
        assert_eq!(
            signed.verify(&vk, "other", &agent, 1),
            Err(SystemCertificateError::OtherIssuer("auth".into()))
        );
        let other = SigningKey::from_bytes(&[2; 32]).verifying_key();
        assert_eq!(
            signed.verify(&other, "auth", &agent, 1),
            Err(SystemCertificateError::Signature)
        );
        let mut c = cert();
        c.not_after = u64::MAX;
        let forged = SignedSystemCertificate {
            payload: base64url(&serde_json::to_vec(&c).unwrap()),
            signature: signed.signature.clone(),
        };
        assert_eq!(
            forged.verify(&vk, "auth", &agent, 1),
            Err(SystemCertificateError::Signature)
        );
        // A key descriptor's signature does not make a certificate (domain tags).
        let json = serde_json::to_vec(&cert()).unwrap();
        let (payload, signature) =
            crate::sealed::seal(crate::keys::KEY_DESCRIPTOR_TAG, &json, &key());
        let cross = SignedSystemCertificate { payload, signature };
        assert_eq!(
            cross.verify(&vk, "auth", &agent, 1),
            Err(SystemCertificateError::Signature)
        );
    }
}
