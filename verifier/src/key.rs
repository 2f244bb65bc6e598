//! The verifying key: validated on load, prepared once, identified by its digest.

use alc_circuits::presentation::{v2, NUM_PUBLIC_INPUTS};

const V2_INPUTS: usize = v2::NUM_PUBLIC_INPUTS;
use ark_bn254::Bn254;
use ark_ec::AffineRepr;
use ark_groth16::{prepare_verifying_key, PreparedVerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use sha2::{Digest, Sha256};

/// A verifying key that cannot be used for circuit v1 or v2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a compressed Groth16 BN254 verifying key with valid points.
    #[error("malformed verifying key: {0}")]
    Malformed(String),
    /// A key for another number of public inputs.
    #[error(
        "verifying key has {0} public inputs; circuit v1 has {NUM_PUBLIC_INPUTS}, v2 {V2_INPUTS}"
    )]
    WrongShape(usize),
    /// A key no honest setup makes: `alpha`, `beta`, `gamma`, `delta` or an input's point
    /// the identity, or `gamma == delta` (a snarkjs key with no phase-2 contribution has
    /// `delta = gamma = G2`: anyone can prove anything under it).
    #[error("degenerate verifying key: {0}")]
    Degenerate(&'static str),
}

pub use alc_protocol::files::PUBLIC_TEST_KEYS;

/// A Groth16 verifying key for circuit v1 or v2 (told apart by their numbers of public
/// inputs), prepared for pairing.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    pub(crate) pvk: PreparedVerifyingKey<Bn254>,
    digest: [u8; 32],
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}

/// The checks of [`VerifyingKey::from_ark`] beyond the shape, for a key not (yet) wrapped:
/// no identity `alpha`, `beta`, `gamma`, `delta` or input point, and `gamma != delta`.
pub fn check_not_degenerate(vk: &ark_groth16::VerifyingKey<Bn254>) -> Result<(), KeyError> {
    if vk.alpha_g1.is_zero() || vk.beta_g2.is_zero() {
        return Err(KeyError::Degenerate("alpha or beta is the identity"));
    }
    if vk.gamma_g2.is_zero() || vk.delta_g2.is_zero() {
        return Err(KeyError::Degenerate("gamma or delta is the identity"));
    }
    if vk.gamma_g2 == vk.delta_g2 {
        return Err(KeyError::Degenerate(
            "gamma equals delta (no phase-2 contribution)",
        ));
    }
    // An input whose point is the identity is bound by no constraint.
    if vk.gamma_abc_g1.iter().any(|p| p.is_zero()) {
        return Err(KeyError::Degenerate("an input's point is the identity"));
    }
    Ok(())
}

impl VerifyingKey {
    /// Wraps an arkworks key, checking its shape and that it is not degenerate.
    pub fn from_ark(vk: ark_groth16::VerifyingKey<Bn254>) -> Result<Self, KeyError> {
        let inputs = vk.gamma_abc_g1.len().saturating_sub(1);
        if inputs != NUM_PUBLIC_INPUTS && inputs != v2::NUM_PUBLIC_INPUTS {
            return Err(KeyError::WrongShape(inputs));
        }
        check_not_degenerate(&vk)?;
        let mut bytes = Vec::new();
        vk.serialize_compressed(&mut bytes)
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        let digest = Sha256::digest(&bytes).into();
        Ok(Self {
            pvk: prepare_verifying_key(&vk),
            digest,
        })
    }

    /// Decodes the compressed form, checking every point is on its curve and in the
    /// prime-order subgroup.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let mut reader = bytes;
        let vk = ark_groth16::VerifyingKey::<Bn254>::deserialize_compressed(&mut reader)
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        if !reader.is_empty() {
            return Err(KeyError::Malformed(format!(
                "{} trailing bytes",
                reader.len()
            )));
        }
        let key = Self::from_ark(vk)?;
        // One key, one encoding (its digest names the bytes): arkworks ignores the bytes
        // beside an infinity flag.
        if key.to_bytes() != bytes {
            return Err(KeyError::Malformed("not the canonical encoding".into()));
        }
        Ok(key)
    }

    /// The compressed encoding (its SHA-256 is [`VerifyingKey::digest`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        // Serialising into a Vec cannot fail.
        let _ = self.pvk.vk.serialize_compressed(&mut bytes);
        bytes
    }

    /// Whether this is one of the [`PUBLIC_TEST_KEYS`], whose trapdoor is public.
    pub fn is_public_test_key(&self) -> bool {
        PUBLIC_TEST_KEYS.contains(&self.digest_hex().as_str())
    }

    /// SHA-256 of the compressed encoding: the key's identity.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The digest as lowercase hex.
    pub fn digest_hex(&self) -> String {
        hex::encode(self.digest)
    }

    /// The number of public inputs the key verifies (10 for circuit v1, 15 for v2).
    pub fn num_public_inputs(&self) -> usize {
        self.pvk.vk.gamma_abc_g1.len() - 1
    }

    /// Whether the key is circuit v2's.
    pub fn is_v2(&self) -> bool {
        self.num_public_inputs() == v2::NUM_PUBLIC_INPUTS
    }

    /// The arkworks key.
    pub fn ark(&self) -> &ark_groth16::VerifyingKey<Bn254> {
        &self.pvk.vk
    }
}
