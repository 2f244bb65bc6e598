//! Groth16 keys for tests: made once per test binary from a fixed seed (public: never
//! use them for anything but tests).

use alc_prover::ProvingKey;
use alc_verifier::VerifyingKey;
use rand::SeedableRng;
use std::sync::OnceLock;

/// The seed of [`test_keys`].
pub const SEED: u64 = 7;

/// The circuit's proving and verifying keys from [`SEED`], made on first use.
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
