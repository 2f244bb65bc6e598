//! Insurance evidence for tests: an insurer's certificate and the holder's cover proof.

use alc_insurance::InsurerSecret;
use alc_protocol::insurance::CoverEvidence;
use rand::rngs::OsRng;

/// `insurer`'s certificate of policy `policy` for `permit` (cover: twice `minimum`, until
/// `expires`) and the holder's proof against `minimum` for `tier`: the `insurance` of a
/// permit registration or renewal.
///
/// # Panics
///
/// If an identifier is empty or too long.
pub fn cover(
    insurer: &InsurerSecret,
    permit: &str,
    policy: &str,
    tier: u8,
    minimum: u64,
    expires: u64,
) -> CoverEvidence {
    let (certificate, opening) =
        alc_insurance::certify(insurer, permit, policy, expires, 2 * minimum, &mut OsRng)
            .expect("a certificate");
    let proof = alc_insurance::prove_cover(&certificate, &opening, tier, minimum, &mut OsRng)
        .expect("a cover proof");
    CoverEvidence {
        certificate: certificate.into(),
        proof: proof.to_base64(),
        tier: None,
        minimum: None,
    }
}
