//! The verifying key: validated on load, prepared once, identified by its digest.

use alc_circuits::presentation::{v2, NUM_PUBLIC_INPUTS};

const V2_INPUTS: usize = v2::NUM_PUBLIC_INPUTS;
use ark_bn254::Bn254;
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
}

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

impl VerifyingKey {
    /// Wraps an arkworks key, checking its shape.
    pub fn from_ark(vk: ark_groth16::VerifyingKey<Bn254>) -> Result<Self, KeyError> {
        let inputs = vk.gamma_abc_g1.len().saturating_sub(1);
        if inputs != NUM_PUBLIC_INPUTS && inputs != v2::NUM_PUBLIC_INPUTS {
            return Err(KeyError::WrongShape(inputs));
        }
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
        Self::from_ark(vk)
    }

    /// The compressed encoding (its SHA-256 is [`VerifyingKey::digest`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        // Serialising into a Vec cannot fail.
        let _ = self.pvk.vk.serialize_compressed(&mut bytes);
        bytes
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
