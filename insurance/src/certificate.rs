//! Cover certificates: an insurer's Schnorr signature on a Pedersen commitment to the
//! cover amount of one policy held for one permit.

use std::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encoding::{hex_array, Reader};
use crate::tags::{CERTIFICATE_DOMAIN, INSURANCE_VERSION, MAX_ID_LEN};
use crate::{gens, Error, InsurerPublic, InsurerSecret};
use alc_protocol::insurance as wire;

/// A Schnorr signature `(R, s)` with `R = k·G`, `s = k + c·x`, and `c` the certificate
/// transcript's challenge after absorbing `R`.
///
/// Encoded as 64 bytes (`R` compressed, then `s` little-endian); serde as 128 hex
/// characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CertificateSignature {
    r: CompressedRistretto,
    s: Scalar,
}

impl CertificateSignature {
    /// The 64-byte encoding `R || s`.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.r.as_bytes());
        out[32..].copy_from_slice(self.s.as_bytes());
        out
    }

    /// Reads `R || s`.
    ///
    /// # Errors
    /// [`Error::Malformed`] when `s` is not a canonical scalar. (`R` is checked when the
    /// signature is verified.)
    pub fn from_bytes(bytes: &[u8; 64]) -> Result<Self, Error> {
        let mut r = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&bytes[32..]);
        let s: Option<Scalar> = Scalar::from_canonical_bytes(s).into();
        let s = s.ok_or_else(|| Error::malformed("signature: non-canonical scalar"))?;
        Ok(CertificateSignature {
            r: CompressedRistretto(r),
            s,
        })
    }

    pub(crate) fn r(&self) -> &CompressedRistretto {
        &self.r
    }

    pub(crate) fn s(&self) -> &Scalar {
        &self.s
    }
}

impl fmt::Debug for CertificateSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateSignature({})", hex::encode(self.to_bytes()))
    }
}

impl Serialize for CertificateSignature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.to_bytes()))
    }
}

impl<'de> Deserialize<'de> for CertificateSignature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        hex_array(&s, "signature")
            .and_then(|b| CertificateSignature::from_bytes(&b))
            .map_err(serde::de::Error::custom)
    }
}

/// An insurer's signed statement: "policy `policy_id`, held for permit `permit_id` and
/// valid until `expires`, covers the amount committed to in `commitment`".
///
/// `commitment = amount·B + blinding·B_blinding` (Pedersen, `PedersenGens::default()`):
/// it hides the amount from everyone but the holder of the [`CoverOpening`].
///
/// Fields are read-only: a value of this type always has a supported version, non-empty
/// identifiers of at most [`MAX_ID_LEN`] bytes and a commitment that is a valid point.
/// Its signature is *not* checked on parsing; [`crate::verify_cover`] checks it.
///
/// Byte encoding (integers big-endian): `version: u32 || insurer: 32 ||
/// len: u16 || permit_id || len: u16 || policy_id || expires: u64 || commitment: 32 ||
/// signature: 64`. JSON: the field names below, points and signature in hex.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "wire::CoverCertificate", into = "wire::CoverCertificate")]
pub struct CoverCertificate {
    version: u32,
    insurer: InsurerPublic,
    permit_id: String,
    policy_id: String,
    expires: u64,
    commitment: CompressedRistretto,
    signature: CertificateSignature,
}

impl From<CoverCertificate> for wire::CoverCertificate {
    fn from(c: CoverCertificate) -> Self {
        wire::CoverCertificate {
            version: c.version,
            insurer: c.insurer.to_string(),
            commitment: hex::encode(c.commitment.as_bytes()),
            signature: hex::encode(c.signature.to_bytes()),
            expires: c.expires,
            permit_id: c.permit_id,
            policy_id: c.policy_id,
        }
    }
}

impl TryFrom<wire::CoverCertificate> for CoverCertificate {
    type Error = Error;

    fn try_from(j: wire::CoverCertificate) -> Result<Self, Error> {
        let commitment = CompressedRistretto(hex_array(&j.commitment, "commitment")?);
        let signature = CertificateSignature::from_bytes(&hex_array(&j.signature, "signature")?)?;
        CoverCertificate::checked(
            j.version,
            j.insurer.parse()?,
            j.permit_id,
            j.policy_id,
            j.expires,
            commitment,
            signature,
        )
    }
}

pub(crate) fn check_id(id: &str, what: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(Error::malformed(format!(
            "{what} must be 1 to {MAX_ID_LEN} bytes, got {}",
            id.len()
        )));
    }
    Ok(())
}

/// The certificate transcript up to (not including) the signature's `R`.
fn signing_transcript(
    domain: &'static [u8],
    version: u32,
    insurer: &InsurerPublic,
    permit_id: &str,
    policy_id: &str,
    expires: u64,
    commitment: &CompressedRistretto,
) -> Transcript {
    let mut t = Transcript::new(domain);
    t.append_u64(b"version", u64::from(version));
    t.append_message(b"insurer", insurer.as_compressed().as_bytes());
    t.append_message(b"permit-id", permit_id.as_bytes());
    t.append_message(b"policy-id", policy_id.as_bytes());
    t.append_u64(b"expires", expires);
    t.append_message(b"commitment", commitment.as_bytes());
    t
}

/// Absorbs `R` and squeezes the Schnorr challenge `c`.
fn challenge(mut t: Transcript, r: &CompressedRistretto) -> Scalar {
    t.append_message(b"R", r.as_bytes());
    let mut wide = [0u8; 64];
    t.challenge_bytes(b"c", &mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

impl CoverCertificate {
    fn checked(
        version: u32,
        insurer: InsurerPublic,
        permit_id: String,
        policy_id: String,
        expires: u64,
        commitment: CompressedRistretto,
        signature: CertificateSignature,
    ) -> Result<Self, Error> {
        if version != INSURANCE_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        check_id(&permit_id, "permit id")?;
        check_id(&policy_id, "policy id")?;
        if commitment.decompress().is_none() {
            return Err(Error::malformed("commitment is not a valid point"));
        }
        Ok(CoverCertificate {
            version,
            insurer,
            permit_id,
            policy_id,
            expires,
            commitment,
            signature,
        })
    }

    /// Format version ([`INSURANCE_VERSION`]).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The signing insurer.
    pub fn insurer(&self) -> &InsurerPublic {
        &self.insurer
    }

    /// The corporate operating permit the policy covers.
    pub fn permit_id(&self) -> &str {
        &self.permit_id
    }

    /// The insurer's policy identifier.
    pub fn policy_id(&self) -> &str {
        &self.policy_id
    }

    /// End of cover, unix seconds: the certificate is accepted while `now < expires`.
    pub fn expires(&self) -> u64 {
        self.expires
    }

    /// The Pedersen commitment to the cover amount.
    pub fn commitment(&self) -> &CompressedRistretto {
        &self.commitment
    }

    /// The insurer's signature.
    pub fn signature(&self) -> &CertificateSignature {
        &self.signature
    }

    fn transcript(&self, domain: &'static [u8]) -> Transcript {
        signing_transcript(
            domain,
            self.version,
            &self.insurer,
            &self.permit_id,
            &self.policy_id,
            self.expires,
            &self.commitment,
        )
    }

    /// The Schnorr challenge `c` of this certificate's signature.
    pub(crate) fn signature_challenge(&self) -> Scalar {
        challenge(self.transcript(CERTIFICATE_DOMAIN), &self.signature.r)
    }

    /// Checks the insurer's signature: `s·G - c·X == R` (compared as canonical
    /// encodings, so a non-canonical `R` fails).
    ///
    /// # Errors
    /// [`Error::BadCertificate`].
    pub fn verify_signature(&self) -> Result<(), Error> {
        self.verify_signature_in(CERTIFICATE_DOMAIN)
    }

    pub(crate) fn verify_signature_in(&self, domain: &'static [u8]) -> Result<(), Error> {
        if schnorr_verify(self.transcript(domain), &self.insurer, &self.signature) {
            Ok(())
        } else {
            Err(Error::BadCertificate)
        }
    }

    /// The byte encoding (see the type's documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(144 + self.permit_id.len() + self.policy_id.len());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(self.insurer.as_compressed().as_bytes());
        for id in [&self.permit_id, &self.policy_id] {
            // `checked` bounds ids by MAX_ID_LEN, far below u16::MAX.
            let len = u16::try_from(id.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        out.extend_from_slice(&self.expires.to_be_bytes());
        out.extend_from_slice(self.commitment.as_bytes());
        out.extend_from_slice(&self.signature.to_bytes());
        out
    }

    /// Parses the byte encoding. Does not verify the signature.
    ///
    /// # Errors
    /// [`Error::Malformed`], [`Error::UnsupportedVersion`] or
    /// [`Error::InvalidPublicKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let version = r.u32("version")?;
        if version != INSURANCE_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let insurer = InsurerPublic::from_bytes(&r.array("insurer")?)?;
        let mut ids = [String::new(), String::new()];
        for (id, what) in ids.iter_mut().zip(["permit id", "policy id"]) {
            let len = usize::from(r.u16(what)?);
            if len > MAX_ID_LEN {
                return Err(Error::malformed(format!("{what} longer than {MAX_ID_LEN}")));
            }
            *id = std::str::from_utf8(r.take(len, what)?)
                .map_err(|_| Error::malformed(format!("{what} is not UTF-8")))?
                .to_owned();
        }
        let expires = r.u64("expiry")?;
        let commitment = CompressedRistretto(r.array("commitment")?);
        let signature = CertificateSignature::from_bytes(&r.array("signature")?)?;
        r.finish()?;
        let [permit_id, policy_id] = ids;
        CoverCertificate::checked(
            version, insurer, permit_id, policy_id, expires, commitment, signature,
        )
    }
}

/// The secret behind a certificate's commitment: the cover amount and the blinding
/// scalar. The insurer hands it to the permit holder; it is wiped on drop and its
/// `Debug` shows neither value.
///
/// Byte encoding: `amount: u64 big-endian || blinding: 32 bytes little-endian`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CoverOpening {
    amount: u64,
    blinding: Scalar,
}

/// Length of [`CoverOpening::to_bytes`].
pub const COVER_OPENING_LEN: usize = 40;

impl CoverOpening {
    /// The certified cover amount.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    pub(crate) fn blinding(&self) -> &Scalar {
        &self.blinding
    }

    /// Whether this opening opens `certificate`'s commitment.
    pub fn opens(&self, certificate: &CoverCertificate) -> bool {
        gens::pedersen()
            .commit(Scalar::from(self.amount), self.blinding)
            .compress()
            == certificate.commitment
    }

    /// The 40-byte encoding, in a buffer wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; COVER_OPENING_LEN]> {
        let mut out = Zeroizing::new([0u8; COVER_OPENING_LEN]);
        out[..8].copy_from_slice(&self.amount.to_be_bytes());
        out[8..].copy_from_slice(self.blinding.as_bytes());
        out
    }

    /// Reads the 40-byte encoding.
    ///
    /// # Errors
    /// [`Error::Malformed`] on a wrong length or a non-canonical blinding scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let amount = r.u64("opening amount")?;
        let blinding = Zeroizing::new(r.array::<32>("opening blinding")?);
        r.finish()?;
        let blinding: Option<Scalar> = Scalar::from_canonical_bytes(*blinding).into();
        let blinding =
            blinding.ok_or_else(|| Error::malformed("opening: non-canonical blinding"))?;
        Ok(CoverOpening { amount, blinding })
    }
}

impl fmt::Debug for CoverOpening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CoverOpening(<redacted>)")
    }
}

/// The insurer's side: commits to `amount` with a fresh blinding and signs the
/// commitment together with the permit, the policy and the expiry.
///
/// Returns the public certificate and the secret opening for the permit holder.
///
/// # Errors
/// [`Error::Malformed`] when an identifier is empty or longer than [`MAX_ID_LEN`].
pub fn certify<R: RngCore + CryptoRng>(
    secret: &InsurerSecret,
    permit_id: &str,
    policy_id: &str,
    expires: u64,
    amount: u64,
    rng: &mut R,
) -> Result<(CoverCertificate, CoverOpening), Error> {
    let opening = CoverOpening {
        amount,
        blinding: Scalar::random(rng),
    };
    let certificate = sign_commitment(
        CERTIFICATE_DOMAIN,
        secret,
        permit_id,
        policy_id,
        expires,
        &opening,
        rng,
    )?;
    Ok((certificate, opening))
}

/// Commits with `opening` and signs, under the transcript domain `domain`.
pub(crate) fn sign_commitment<R: RngCore + CryptoRng>(
    domain: &'static [u8],
    secret: &InsurerSecret,
    permit_id: &str,
    policy_id: &str,
    expires: u64,
    opening: &CoverOpening,
    rng: &mut R,
) -> Result<CoverCertificate, Error> {
    check_id(permit_id, "permit id")?;
    check_id(policy_id, "policy id")?;
    let commitment = gens::pedersen()
        .commit(Scalar::from(opening.amount), opening.blinding)
        .compress();
    let insurer = secret.public();
    let t = signing_transcript(
        domain,
        INSURANCE_VERSION,
        &insurer,
        permit_id,
        policy_id,
        expires,
        &commitment,
    );
    Ok(CoverCertificate {
        version: INSURANCE_VERSION,
        insurer,
        permit_id: permit_id.to_owned(),
        policy_id: policy_id.to_owned(),
        expires,
        commitment,
        signature: schnorr_sign(t, secret, rng),
    })
}

/// Signs the statement a transcript has absorbed (everything but `R`).
pub(crate) fn schnorr_sign<R: RngCore + CryptoRng>(
    t: Transcript,
    secret: &InsurerSecret,
    rng: &mut R,
) -> CertificateSignature {
    // Nonce: transcript-bound, keyed with the secret, and salted from `rng`, so a
    // weak `rng` alone cannot repeat a nonce across different statements.
    let mut nonce_rng = t
        .build_rng()
        .rekey_with_witness_bytes(b"insurer-secret", secret.scalar().as_bytes())
        .finalize(rng);
    let k = Zeroizing::new(Scalar::random(&mut nonce_rng));
    let r = RistrettoPoint::mul_base(&k).compress();
    let c = challenge(t, &r);
    let s = *k + c * secret.scalar();
    CertificateSignature { r, s }
}

/// Checks `s·G - c·X == R` for the statement a transcript has absorbed (compared as
/// canonical encodings, so a non-canonical `R` fails).
pub(crate) fn schnorr_verify(
    t: Transcript,
    insurer: &InsurerPublic,
    signature: &CertificateSignature,
) -> bool {
    let c = challenge(t, &signature.r);
    let r = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-c, insurer.point(), &signature.s);
    r.compress() == signature.r
}
