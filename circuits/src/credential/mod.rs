//! The licence credential (`docs/architecture.md`, "The credential"), its commitment, its signature,
//! and the holder's secret.
//!
//! `commitment = Poseidon(serial, tier, permit, permit_tier, not_before, expires, pk)`
//! (seven inputs, width 8) is the message the authority signs with EdDSA-Poseidon.
//! `pk = Poseidon(sk)` binds the credential to a holder secret the authority never
//! sees, and `Poseidon(sk, scope)` is the holder's pseudonym at one gateway.

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::eddsa::{PublicKey, SecretKey, Signature};
use crate::field::{self, encode, Fr};
use crate::poseidon::hash_n;
use crate::tags::{PERMIT_TAG, STATUS_CAPACITY};
use ark_std::UniformRand;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The fields of a licence credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Index of the credential's bit in the status list (`< 2^20`).
    pub serial: u32,
    /// Licence tier: 0 apprentice, 1 operator (room for more).
    pub tier: u8,
    /// Hash of the corporate operating permit id ([`permit_hash`]), 0 for personal use.
    #[serde(with = "field::decimal")]
    pub permit: Fr,
    /// Permit tier 1..=3, 0 for none.
    pub permit_tier: u8,
    /// Valid from (unix seconds, inclusive).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub not_before: u64,
    /// Valid until (unix seconds, exclusive).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub expires: u64,
    /// The holder's public commitment `Poseidon(sk)`.
    #[serde(with = "field::decimal")]
    pub holder: Fr,
}

/// A credential that cannot be issued or used as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The serial does not fit the status list.
    #[error("serial {0} is outside the status list (capacity {STATUS_CAPACITY})")]
    SerialOutOfRange(u32),
    /// The validity period is empty.
    #[error("validity period is empty: not_before {not_before} >= expires {expires}")]
    EmptyValidity {
        /// Start.
        not_before: u64,
        /// End.
        expires: u64,
    },
}

impl Credential {
    /// The signed commitment.
    pub fn commitment(&self) -> Fr {
        hash_n(&[
            Fr::from(self.serial),
            Fr::from(self.tier),
            self.permit,
            Fr::from(self.permit_tier),
            Fr::from(self.not_before),
            Fr::from(self.expires),
            self.holder,
        ])
    }

    /// Checks the fields fit the circuit: serial within the list, non-empty validity.
    pub fn validate(&self) -> Result<(), CredentialError> {
        if self.serial as usize >= STATUS_CAPACITY {
            return Err(CredentialError::SerialOutOfRange(self.serial));
        }
        if self.not_before >= self.expires {
            return Err(CredentialError::EmptyValidity {
                not_before: self.not_before,
                expires: self.expires,
            });
        }
        Ok(())
    }
}

/// The field element of a corporate operating permit id.
pub fn permit_hash(permit_id: &str) -> Fr {
    encode(PERMIT_TAG, permit_id.as_bytes())
}

/// A credential with the authority's signature over its commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCredential {
    /// The fields.
    pub credential: Credential,
    /// EdDSA-Poseidon signature over [`Credential::commitment`].
    pub signature: Signature,
}

impl SignedCredential {
    /// Signs a valid credential with the authority's key.
    pub fn sign(credential: Credential, key: &SecretKey) -> Result<Self, CredentialError> {
        credential.validate()?;
        Ok(Self {
            credential,
            signature: key.sign(&credential.commitment()),
        })
    }

    /// Whether the signature verifies under `issuer`.
    pub fn verify(&self, issuer: &PublicKey) -> bool {
        issuer.verify(&self.credential.commitment(), &self.signature)
    }
}

/// The holder's secret `sk`: a random field element, wiped on drop, never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct HolderSecret(Fr);

impl std::fmt::Debug for HolderSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HolderSecret(<redacted>)")
    }
}

impl HolderSecret {
    /// A fresh secret from a cryptographic RNG.
    pub fn generate<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Self {
        Self(Fr::rand(rng))
    }

    /// A secret from its field element.
    pub fn from_field(sk: Fr) -> Self {
        Self(sk)
    }

    /// The secret field element (handle with care).
    pub fn expose(&self) -> &Fr {
        &self.0
    }

    /// The public commitment `pk = Poseidon(sk)` the authority signs.
    pub fn commitment(&self) -> Fr {
        hash_n(&[self.0])
    }

    /// The pseudonym at a gateway: `Poseidon(sk, scope)`.
    pub fn pseudonym(&self, scope: &Fr) -> Fr {
        hash_n(&[self.0, *scope])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sample(holder: Fr) -> Credential {
        Credential {
            serial: 5,
            tier: 1,
            permit: permit_hash("permit-1"),
            permit_tier: 2,
            not_before: 1_700_000_000,
            expires: 1_800_000_000,
            holder,
        }
    }

    #[test]
    fn signed_credential_verifies_and_every_field_is_bound() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let key = SecretKey::generate(&mut rng);
        let sk = HolderSecret::generate(&mut rng);
        let signed = SignedCredential::sign(sample(sk.commitment()), &key).unwrap();
        assert!(signed.verify(&key.public_key()));
        let tampered = [
            Credential {
                serial: 6,
                ..signed.credential
            },
            Credential {
                tier: 2,
                ..signed.credential
            },
            Credential {
                permit: Fr::from(0u64),
                ..signed.credential
            },
            Credential {
                permit_tier: 3,
                ..signed.credential
            },
            Credential {
                not_before: 1,
                ..signed.credential
            },
            Credential {
                expires: u64::MAX,
                ..signed.credential
            },
            Credential {
                holder: Fr::from(1u64),
                ..signed.credential
            },
        ];
        for c in tampered {
            assert!(
                !SignedCredential {
                    credential: c,
                    ..signed
                }
                .verify(&key.public_key()),
                "{c:?}"
            );
        }
        assert!(!signed.verify(&SecretKey::generate(&mut rng).public_key()));
    }

    #[test]
    fn invalid_credentials_are_refused() {
        let key = SecretKey::from_bytes([1; 32]);
        let c = sample(Fr::from(1u64));
        let big = Credential {
            serial: STATUS_CAPACITY as u32,
            ..c
        };
        assert_eq!(
            SignedCredential::sign(big, &key),
            Err(CredentialError::SerialOutOfRange(1 << 20))
        );
        let empty = Credential {
            expires: c.not_before,
            ..c
        };
        assert!(matches!(
            SignedCredential::sign(empty, &key),
            Err(CredentialError::EmptyValidity { .. })
        ));
    }

    #[test]
    fn holder_secret_is_redacted_and_pseudonyms_are_per_scope() {
        let sk = HolderSecret::from_field(Fr::from(99u64));
        assert_eq!(format!("{sk:?}"), "HolderSecret(<redacted>)");
        assert_ne!(sk.pseudonym(&Fr::from(1u64)), sk.pseudonym(&Fr::from(2u64)));
        assert_ne!(
            sk.pseudonym(&Fr::from(1u64)),
            HolderSecret::from_field(Fr::from(98u64)).pseudonym(&Fr::from(1u64))
        );
    }

    #[test]
    fn json_round_trip_uses_strings_for_big_numbers() {
        let c = sample(Fr::from(123u64));
        let s = serde_json::to_string(&c).unwrap();
        assert!(s.contains("\"expires\":\"1800000000\""), "{s}");
        assert_eq!(serde_json::from_str::<Credential>(&s).unwrap(), c);
        let bad = s.replace("\"serial\":5", "\"serial\":-5");
        assert!(serde_json::from_str::<Credential>(&bad).is_err());
    }
}
