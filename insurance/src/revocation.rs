//! An insurer's revocation of a certificate during its term: a Schnorr signature, under
//! its own Merlin domain ([`REVOCATION_DOMAIN`]), on `(version, insurer, permit id,
//! policy id, revoked_at)`. The authority accepts it from anyone who holds it (the
//! signature is the authority) when the insurer is registered and the permit's cover in
//! force is that policy's; the permit then misses its insurance requirement.

use crate::certificate::{check_id, schnorr_sign, schnorr_verify, CertificateSignature};
use crate::encoding::hex_array;
use crate::tags::{INSURANCE_VERSION, REVOCATION_DOMAIN};
use crate::{Error, InsurerPublic, InsurerSecret};
use alc_protocol::insurance as wire;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// A signed revocation of one policy's cover of one permit.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "wire::CoverRevocation", into = "wire::CoverRevocation")]
pub struct CoverRevocation {
    insurer: InsurerPublic,
    permit_id: String,
    policy_id: String,
    revoked_at: u64,
    signature: CertificateSignature,
}

fn transcript(insurer: &InsurerPublic, permit_id: &str, policy_id: &str, at: u64) -> Transcript {
    let mut t = Transcript::new(REVOCATION_DOMAIN);
    t.append_u64(b"version", u64::from(INSURANCE_VERSION));
    t.append_message(b"insurer", insurer.as_compressed().as_bytes());
    t.append_message(b"permit-id", permit_id.as_bytes());
    t.append_message(b"policy-id", policy_id.as_bytes());
    t.append_u64(b"revoked-at", at);
    t
}

/// The insurer's side: revokes `policy_id`'s cover of `permit_id` from `revoked_at`.
///
/// # Errors
/// [`Error::Malformed`] when an identifier is empty or too long.
pub fn revoke<R: RngCore + CryptoRng>(
    secret: &InsurerSecret,
    permit_id: &str,
    policy_id: &str,
    revoked_at: u64,
    rng: &mut R,
) -> Result<CoverRevocation, Error> {
    check_id(permit_id, "permit id")?;
    check_id(policy_id, "policy id")?;
    let insurer = secret.public();
    let t = transcript(&insurer, permit_id, policy_id, revoked_at);
    Ok(CoverRevocation {
        insurer,
        permit_id: permit_id.to_owned(),
        policy_id: policy_id.to_owned(),
        revoked_at,
        signature: schnorr_sign(t, secret, rng),
    })
}

impl CoverRevocation {
    /// The revoking insurer.
    pub fn insurer(&self) -> &InsurerPublic {
        &self.insurer
    }

    /// The permit whose cover ends.
    pub fn permit_id(&self) -> &str {
        &self.permit_id
    }

    /// The policy revoked.
    pub fn policy_id(&self) -> &str {
        &self.policy_id
    }

    /// When cover ended, unix seconds.
    pub fn revoked_at(&self) -> u64 {
        self.revoked_at
    }

    /// Checks the insurer's signature.
    ///
    /// # Errors
    /// [`Error::BadCertificate`] when it does not verify.
    pub fn verify(&self) -> Result<(), Error> {
        let t = transcript(
            &self.insurer,
            &self.permit_id,
            &self.policy_id,
            self.revoked_at,
        );
        if schnorr_verify(t, &self.insurer, &self.signature) {
            Ok(())
        } else {
            Err(Error::BadCertificate)
        }
    }
}

impl From<CoverRevocation> for wire::CoverRevocation {
    fn from(r: CoverRevocation) -> Self {
        wire::CoverRevocation {
            version: INSURANCE_VERSION,
            insurer: r.insurer.to_string(),
            permit_id: r.permit_id,
            policy_id: r.policy_id,
            revoked_at: r.revoked_at,
            signature: hex::encode(r.signature.to_bytes()),
        }
    }
}

impl TryFrom<wire::CoverRevocation> for CoverRevocation {
    type Error = Error;

    fn try_from(j: wire::CoverRevocation) -> Result<Self, Error> {
        if j.version != INSURANCE_VERSION {
            return Err(Error::UnsupportedVersion(j.version));
        }
        check_id(&j.permit_id, "permit id")?;
        check_id(&j.policy_id, "policy id")?;
        Ok(CoverRevocation {
            insurer: j.insurer.parse()?,
            permit_id: j.permit_id,
            policy_id: j.policy_id,
            revoked_at: j.revoked_at,
            signature: CertificateSignature::from_bytes(&hex_array(&j.signature, "signature")?)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn a_revocation_verifies_and_any_changed_field_does_not() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let secret = InsurerSecret::generate(&mut rng);
        let r = revoke(&secret, "acme", "P-1", 1_000, &mut rng).expect("revoke");
        assert!(r.verify().is_ok());
        let wire: wire::CoverRevocation = r.clone().into();
        let back = CoverRevocation::try_from(wire.clone()).expect("decodes");
        assert!(back.verify().is_ok());
        let changed = |f: &dyn Fn(&mut wire::CoverRevocation)| {
            let mut w = wire.clone();
            f(&mut w);
            CoverRevocation::try_from(w).map(|r| r.verify().is_ok())
        };
        assert!(!changed(&|w| w.permit_id = "acme2".into()).unwrap_or(false));
        assert!(!changed(&|w| w.policy_id = "P-2".into()).unwrap_or(false));
        assert!(!changed(&|w| w.revoked_at = 999).unwrap_or(false));
        let other = InsurerSecret::generate(&mut rng).public().to_string();
        assert!(!changed(&|w| w.insurer = other.clone()).unwrap_or(false));
        // A certificate's signature is not a revocation's (separate domains).
        let (cert, _) =
            crate::certify(&secret, "acme", "P-1", 1_000, 5, &mut rng).expect("certify");
        assert!(
            !changed(&|w| w.signature = hex::encode(cert.signature().to_bytes())).unwrap_or(false)
        );
        assert!(matches!(
            changed(&|w| w.version = 2),
            Err(Error::UnsupportedVersion(2))
        ));
    }
}
