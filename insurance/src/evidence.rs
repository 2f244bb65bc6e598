//! A permit's cover evidence (`cover.json`, `alc_protocol::insurance::CoverEvidence`)
//! decoded: what `alc permit prove-cover` writes and the authority reads.

use crate::{CoverCertificate, CoverProof, Error};
use alc_protocol::insurance as wire;

/// The certificate and the range proof, decoded, with the tier and minimum the holder
/// says the proof was made for (optional; the authority checks them against its own).
#[derive(Clone, Debug)]
pub struct Evidence {
    /// The insurer's certificate.
    pub certificate: CoverCertificate,
    /// The cover proof.
    pub proof: CoverProof,
    /// The tier stated with the proof.
    pub tier: Option<u8>,
    /// The minimum stated with the proof.
    pub minimum: Option<u64>,
}

impl Evidence {
    /// Its protocol form.
    pub fn to_wire(&self) -> wire::CoverEvidence {
        wire::CoverEvidence {
            certificate: self.certificate.clone().into(),
            proof: self.proof.to_base64(),
            tier: self.tier,
            minimum: self.minimum,
        }
    }

    /// Decodes the protocol form (not yet verified: [`crate::verify_cover`] does that).
    ///
    /// # Errors
    /// [`Error::Malformed`] for a certificate or proof that does not decode.
    pub fn from_wire(e: &wire::CoverEvidence) -> Result<Self, Error> {
        Ok(Self {
            certificate: CoverCertificate::try_from(e.certificate.clone())?,
            proof: CoverProof::from_base64(&e.proof)?,
            tier: e.tier,
            minimum: e.minimum,
        })
    }
}
