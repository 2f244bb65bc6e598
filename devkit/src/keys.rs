//! Groth16 keys for tests: made once per test binary from a fixed seed (public: never
//! use them for anything but tests).

use alc_circuits::babyjubjub::{Scalar, BASE8};
use alc_circuits::escrow::EscrowKey;
use alc_prover::ProvingKey;
use alc_verifier::VerifyingKey;
use ark_ec::CurveGroup;
use rand::SeedableRng;
use std::sync::OnceLock;

/// The seed of [`test_keys`] and [`test_keys_v2`].
pub const SEED: u64 = 7;

/// The escrow secret of [`test_keys_v2`] (public: the key is `ESCROW_SECRET * Base8`).
pub const ESCROW_SECRET: u64 = 77;

/// Circuit v1's proving and verifying keys from [`SEED`], made on first use.
///
/// # Panics
///
/// If the setup fails, which it does not for the fixed circuit.
pub fn test_keys() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| {
        alc_prover::keys::setup(&mut rand_chacha::ChaCha20Rng::seed_from_u64(SEED))
            .expect("the circuit's setup")
    })
}

/// The escrow key of [`test_keys_v2`].
///
/// # Panics
///
/// Never: `77 * Base8` is a point of order `l`.
pub fn test_escrow_key() -> EscrowKey {
    EscrowKey::from_point((BASE8 * Scalar::from(ESCROW_SECRET)).into_affine())
        .expect("a multiple of Base8")
}

/// Circuit v2's keys under [`test_escrow_key`] from [`SEED`], made on first use.
///
/// # Panics
///
/// If the setup fails, which it does not for the fixed circuit.
pub fn test_keys_v2() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| {
        alc_prover::keys::setup_v2(
            &test_escrow_key(),
            &mut rand_chacha::ChaCha20Rng::seed_from_u64(SEED),
        )
        .expect("the circuit's setup")
    })
}

/// Writes [`test_keys`] as the key folder `alc setup` writes (`verifying_key.bin`,
/// `proving_key.fast`, `digests.json`) into `dir`, which must exist.
///
/// # Errors
///
/// If a file cannot be written.
pub fn write_key_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use sha2::{Digest as _, Sha256};
    let (pk, vk) = test_keys();
    let (vk, fast) = (vk.to_bytes(), pk.to_fast_bytes());
    std::fs::write(dir.join("verifying_key.bin"), &vk)?;
    std::fs::write(dir.join("proving_key.fast"), &fast)?;
    let hex = |b: &[u8]| {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let d = alc_protocol::files::Digests {
        circuit: alc_circuits::tags::CIRCUIT_ID.into(),
        proving_key: String::new(),
        proving_key_fast: hex(&fast),
        verifying_key: hex(&vk),
        escrow_key: None,
        zkey: None,
        ceremony: None,
    };
    std::fs::write(
        dir.join("digests.json"),
        serde_json::to_vec(&d).map_err(std::io::Error::other)?,
    )
}

#[cfg(test)]
mod tests {
    /// The gateway refuses these keys by digest unless told they are for development: the
    /// digests it knows must be these keys' (twin: a key from another seed is not listed).
    #[test]
    fn the_fixed_seed_keys_are_known_public_test_keys() {
        assert!(super::test_keys().1.is_public_test_key());
        assert!(super::test_keys_v2().1.is_public_test_key());
        let other = alc_prover::keys::setup(
            &mut <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(8),
        )
        .expect("setup");
        assert!(!other.1.is_public_test_key());
    }
}
