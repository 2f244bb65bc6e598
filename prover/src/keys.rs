//! Keys for circuits v1 and v2: the Groth16 setup and the proving-key encodings.
//!
//! Circuit v2's constraints hold the escrow key as constants, so its matrices (and its
//! setup) are per escrow key: [`setup_v2`]. A v2 key is loaded from its fast-load form,
//! which carries its own matrices (pinned by the digest with the key).
//!
//! The setup is single-party: whoever runs [`setup`] knows the toxic waste and could
//! forge proofs, so it must be run by a party the verifiers trust (the README states
//! the trust assumption). Randomness comes from the caller (the OS in `alc setup`; a
//! fixed seed only in tests).
//!
//! A proving key has two encodings: compressed (arkworks' form, about half the size,
//! every point decompressed and checked on load, and the circuit synthesised for its
//! matrices: hundreds of milliseconds) and the fast-load form (the key uncompressed
//! followed by the circuit's constraint matrices, deserialised without curve or
//! subgroup checks but for the points the structure check relies on, and the matrices'
//! shape checked: milliseconds). The fast form is only read after its SHA-256 equals a
//! digest the caller pinned, so a tampered or corrupted file is refused before any point
//! or coefficient is trusted; the structure check then refuses what a dishonest
//! publisher could pin.

use alc_circuits::escrow::EscrowKey;
use alc_circuits::presentation::{v2, PresentationCircuit, NUM_PUBLIC_INPUTS};
use alc_circuits::Fr;
use alc_verifier::VerifyingKey;
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A proving key that cannot be loaded or does not fit circuit v1 or v2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The fast-load file's SHA-256 is not the pinned digest.
    #[error("proving key digest mismatch: expected {expected}, found {found}")]
    DigestMismatch {
        /// The pinned digest (hex).
        expected: String,
        /// The file's digest (hex).
        found: String,
    },
    /// The bytes are not a proving key.
    #[error("malformed proving key: {0}")]
    Malformed(String),
    /// A key for another circuit.
    #[error("proving key does not match the circuit ({0})")]
    WrongCircuit(String),
    /// A key no honest setup makes, whose proofs would not hide the witness: with
    /// `delta_g1 = O`, for one, `A` and `C` lose their blinding and a low-entropy witness
    /// (a 20-bit serial) could be searched for.
    #[error("degenerate proving key: {0}")]
    Degenerate(&'static str),
    /// The setup or the circuit synthesis failed.
    #[error("circuit synthesis failed: {0}")]
    Synthesis(String),
}

/// The constraint matrices and the circuit's shape, shared by every key and proof.
#[derive(Debug, CanonicalSerialize, CanonicalDeserialize)]
pub(crate) struct Matrices {
    pub(crate) abc: Vec<Matrix<Fr>>,
    pub(crate) num_instance: usize,
    pub(crate) num_witness: usize,
    pub(crate) num_constraints: usize,
}

impl Matrices {
    /// Refuses matrices the prover would index out of bounds: other than three (A, B,
    /// C), of another number of rows than the constraints, or naming a variable past the
    /// last. Only the fast form's matrices need it (they are read from the file; the
    /// others are synthesised here).
    fn check_shape(&self) -> Result<(), KeyError> {
        let vars = self.num_instance.saturating_add(self.num_witness);
        if self.abc.len() != 3 || self.abc.iter().any(|m| m.len() != self.num_constraints) {
            return Err(KeyError::Malformed(
                "the matrices are not three of one row per constraint".into(),
            ));
        }
        let rows = self.abc.iter().flatten();
        if rows.flatten().any(|(_, i)| *i >= vars) {
            return Err(KeyError::Malformed(format!(
                "a matrix names a variable past the circuit's {vars}"
            )));
        }
        Ok(())
    }

    /// The size of the Groth16 evaluation domain: the constraints and one row per
    /// instance variable, rounded up to a power of two.
    pub(crate) fn domain_size(&self) -> Result<usize, KeyError> {
        use ark_poly::EvaluationDomain;
        ark_poly::Radix2EvaluationDomain::<Fr>::new(self.num_constraints + self.num_instance)
            .map(|d| d.size())
            .ok_or_else(|| KeyError::Synthesis("no evaluation domain for the circuit".into()))
    }
}

/// A proving key for circuit v1 or v2, with the circuit's matrices.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    pub(crate) pk: Arc<ark_groth16::ProvingKey<Bn254>>,
    pub(crate) matrices: Arc<Matrices>,
}

/// Synthesises the circuit's constraint matrices now. They depend on the circuit only,
/// not on a key, so they are built once per process and shared by every key and proof;
/// a wallet can call this while idle so the first key load does not pay for it.
pub fn warm_up() -> Result<(), KeyError> {
    matrices().map(|_| ())
}

fn matrices() -> Result<Arc<Matrices>, KeyError> {
    static M: OnceLock<Result<Arc<Matrices>, KeyError>> = OnceLock::new();
    M.get_or_init(|| synthesize_matrices().map(Arc::new))
        .clone()
}

/// Circuit v2's matrices under `escrow`, built once per key and process.
fn matrices_v2(escrow: &EscrowKey) -> Result<Arc<Matrices>, KeyError> {
    static M: OnceLock<Mutex<HashMap<EscrowKey, Arc<Matrices>>>> = OnceLock::new();
    let cache = M.get_or_init(Default::default);
    if let Some(m) = cache.lock().ok().and_then(|c| c.get(escrow).cloned()) {
        return Ok(m);
    }
    let m = Arc::new(synthesize(v2::PresentationCircuit::setup(*escrow))?);
    if let Ok(mut c) = cache.lock() {
        c.insert(*escrow, m.clone());
    }
    Ok(m)
}

fn synthesize_matrices() -> Result<Matrices, KeyError> {
    synthesize(PresentationCircuit::default())
}

fn synthesize(circuit: impl ConstraintSynthesizer<Fr>) -> Result<Matrices, KeyError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| KeyError::Synthesis(e.to_string()))?;
    cs.finalize();
    let mut all = cs
        .to_matrices()
        .map_err(|e| KeyError::Synthesis(e.to_string()))?;
    let abc = all
        .remove(R1CS_PREDICATE_LABEL)
        .ok_or_else(|| KeyError::Synthesis("no R1CS matrices".into()))?;
    Ok(Matrices {
        abc,
        num_instance: cs.num_instance_variables(),
        num_witness: cs.num_witness_variables(),
        num_constraints: cs.num_constraints(),
    })
}

/// Which of ALC's circuits: v1, or v2 under the trustees' escrow key (its constraints
/// hold the key as constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Circuit {
    /// Circuit v1.
    V1,
    /// Circuit v2 under this escrow key.
    V2(EscrowKey),
}

impl Circuit {
    /// The circuit's constraint matrices (built once per process and circuit).
    pub(crate) fn matrices(&self) -> Result<Arc<Matrices>, KeyError> {
        match self {
            Self::V1 => matrices(),
            Self::V2(escrow) => matrices_v2(escrow),
        }
    }
}

/// Runs the Groth16 setup for circuit v1.
pub fn setup(rng: &mut dyn CryptoRngCore) -> Result<(ProvingKey, VerifyingKey), KeyError> {
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
        PresentationCircuit::default(),
        &mut rng.as_rngcore(),
    )
    .map_err(|e| KeyError::Synthesis(e.to_string()))?;
    let pk = ProvingKey::from_ark(pk)?;
    let vk = pk.verifying_key()?;
    Ok((pk, vk))
}

/// Runs the Groth16 setup for circuit v2 under the trustees' escrow key.
pub fn setup_v2(
    escrow: &EscrowKey,
    rng: &mut dyn CryptoRngCore,
) -> Result<(ProvingKey, VerifyingKey), KeyError> {
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
        v2::PresentationCircuit::setup(*escrow),
        &mut rng.as_rngcore(),
    )
    .map_err(|e| KeyError::Synthesis(e.to_string()))?;
    let pk = ProvingKey::with_matrices(pk, matrices_v2(escrow)?)?;
    let vk = pk.verifying_key()?;
    Ok((pk, vk))
}

impl ProvingKey {
    /// Wraps an arkworks key after checking its shape against circuit v1.
    pub fn from_ark(pk: ark_groth16::ProvingKey<Bn254>) -> Result<Self, KeyError> {
        Self::with_matrices(pk, matrices()?)
    }

    /// The number of public inputs of the key's circuit (10 for v1, 15 for v2).
    pub fn num_public_inputs(&self) -> usize {
        self.matrices.num_instance - 1
    }

    pub(crate) fn with_matrices(
        pk: ark_groth16::ProvingKey<Bn254>,
        m: Arc<Matrices>,
    ) -> Result<Self, KeyError> {
        let inputs = pk.vk.gamma_abc_g1.len().saturating_sub(1);
        if ![NUM_PUBLIC_INPUTS, v2::NUM_PUBLIC_INPUTS].contains(&inputs)
            || m.num_instance != inputs + 1
        {
            return Err(KeyError::WrongCircuit(format!("{inputs} public inputs")));
        }
        if pk.a_query.len() != m.num_instance + m.num_witness || pk.l_query.len() != m.num_witness {
            return Err(KeyError::WrongCircuit(format!(
                "{} variables in the key, {} in the circuit",
                pk.a_query.len(),
                m.num_instance + m.num_witness
            )));
        }
        // arkworks' keys have n - 1 points in the H query, snarkjs's n
        // (`crate::circom::zkey`): the prover tells them apart by it.
        let n = m.domain_size()?;
        if pk.h_query.len() + 1 != n && pk.h_query.len() != n {
            return Err(KeyError::WrongCircuit(format!(
                "{} points in the H query, for a domain of {n}",
                pk.h_query.len()
            )));
        }
        check_structure(&pk)?;
        Ok(Self {
            pk: Arc::new(pk),
            matrices: m,
        })
    }

    /// The verifying key inside.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        VerifyingKey::from_ark(self.pk.vk.clone())
            .map_err(|e| KeyError::WrongCircuit(e.to_string()))
    }

    /// The compressed encoding.
    pub fn to_compressed_bytes(&self) -> Vec<u8> {
        self.encode(Compress::Yes)
    }

    /// The fast-load encoding: the key uncompressed, then the circuit's matrices, so a
    /// fresh process needs neither point checks nor a circuit synthesis.
    pub fn to_fast_bytes(&self) -> Vec<u8> {
        let mut out = self.encode(Compress::No);
        // Serialising into a Vec cannot fail.
        let _ = self.matrices.serialize_uncompressed(&mut out);
        out
    }

    fn encode(&self, c: Compress) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pk.serialized_size(c));
        // Serialising into a Vec cannot fail.
        let _ = self.pk.serialize_with_mode(&mut out, c);
        out
    }

    /// Loads the compressed encoding of a circuit-v1 key, checking every point (slow,
    /// needs no digest).
    pub fn from_compressed_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Self::from_ark(Self::decompress(bytes)?)
    }

    fn decompress(bytes: &[u8]) -> Result<ark_groth16::ProvingKey<Bn254>, KeyError> {
        let mut reader = bytes;
        let pk = ark_groth16::ProvingKey::<Bn254>::deserialize_compressed(&mut reader)
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        if !reader.is_empty() {
            return Err(KeyError::Malformed(format!(
                "{} trailing bytes",
                reader.len()
            )));
        }
        Ok(pk)
    }

    /// Loads the fast-load encoding once its SHA-256 equals `digest`.
    pub fn from_fast_bytes(bytes: &[u8], digest: &[u8; 32]) -> Result<Self, KeyError> {
        check_digest(Sha256::digest(bytes).into(), digest)?;
        Self::parse_fast(bytes)
    }

    /// The fast-load encoding, once its digest has been checked.
    fn parse_fast(bytes: &[u8]) -> Result<Self, KeyError> {
        let mut reader = bytes;
        let pk = ark_groth16::ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(&mut reader)
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        let m = Matrices::deserialize_uncompressed_unchecked(&mut reader)
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        if !reader.is_empty() {
            return Err(KeyError::Malformed(format!(
                "{} trailing bytes",
                reader.len()
            )));
        }
        m.check_shape()?;
        Self::with_matrices(pk, Arc::new(m))
    }
}

/// The checks on a proving key's structure before it proves anything (every loading
/// path runs them, the digest-pinned fast path too: a digest says the key is the one
/// published, not that the publisher made it honestly):
///
/// * the verifying key inside is not degenerate (`alc_verifier::check_not_degenerate`:
///   no identity `alpha`, `beta`, `gamma`, `delta` or input point, `gamma != delta`);
/// * `alpha`, `beta`, `gamma`, `delta` (in G1 and G2), the input points and the reference
///   pair below are on their curves and in the prime-order subgroups: the fast form is
///   read without checking any point, and the checks below mean nothing for points off
///   the curve (a few points, microseconds; the queries stay unchecked);
/// * `beta_g1` and `delta_g1` are not the identity, and are the G1 twins of `beta_g2` and
///   `delta_g2`. arkworks' setup draws its G1 and G2 generators at random, so the twin
///   relation is checked against a reference pair of the key itself, `(p, q) =
///   (b_g1_query[j], b_g2_query[j])` (both `v_j(tau)` times a generator) for the first `j`
///   where both are not the identity: `x_g1 : x_g2 = p : q` for `x` in beta, delta. Both
///   relations are checked in one product of two pairings, `e(beta_g1 + r delta_g1, q) =
///   e(p, beta_g2 + r delta_g2)`, with `r` the SHA-256 of the six points: a key that
///   breaks either relation passes only if `r` hits the one value that cancels them,
///   which the key's maker cannot aim at without changing `r`.
///
/// The prover blinds `A` with `r * delta_g1`; a `delta_g1` of `O` would leave `A` a
/// deterministic function of the witness, which for a 20-bit serial can be searched.
/// Cost in BENCHMARKS.md (`pk-load/fast`).
fn check_structure(pk: &ark_groth16::ProvingKey<Bn254>) -> Result<(), KeyError> {
    use ark_ec::pairing::Pairing;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{PrimeField, Zero};
    alc_verifier::check_not_degenerate(&pk.vk).map_err(|e| match e {
        alc_verifier::KeyError::Degenerate(why) => KeyError::Degenerate(why),
        other => KeyError::WrongCircuit(other.to_string()),
    })?;
    if pk.beta_g1.is_zero() || pk.delta_g1.is_zero() {
        return Err(KeyError::Degenerate("beta_g1 or delta_g1 is the identity"));
    }
    let (p, q) = pk
        .b_g1_query
        .iter()
        .zip(&pk.b_g2_query)
        .find(|(p, q)| !p.is_zero() && !q.is_zero())
        .ok_or(KeyError::Degenerate("every B query point is the identity"))?;
    // The fast form is read unchecked: the points these checks rely on are checked here.
    let g1 = [pk.vk.alpha_g1, pk.beta_g1, pk.delta_g1, *p];
    let g2 = [pk.vk.beta_g2, pk.vk.gamma_g2, pk.vk.delta_g2, *q];
    if !g1.iter().chain(&pk.vk.gamma_abc_g1).all(in_subgroup) || !g2.iter().all(in_subgroup) {
        return Err(KeyError::Malformed(
            "a point of alpha, beta, gamma, delta, the inputs or the B query's reference pair is not on its curve or not in its subgroup".into(),
        ));
    }
    let mut h = Sha256::new();
    h.update(b"alc/v1/proving-key-twins\0");
    let mut bytes = Vec::new();
    for g1 in [pk.beta_g1, pk.delta_g1, *p] {
        let _ = g1.serialize_compressed(&mut bytes);
    }
    for g2 in [pk.vk.beta_g2, pk.vk.delta_g2, *q] {
        let _ = g2.serialize_compressed(&mut bytes);
    }
    h.update(&bytes);
    let r = Fr::from_le_bytes_mod_order(&h.finalize());
    let x1 = (pk.beta_g1.into_group() + pk.delta_g1 * r).into_affine();
    let x2 = (pk.vk.beta_g2.into_group() + pk.vk.delta_g2 * r).into_affine();
    let minus_p: ark_bn254::G1Affine = (-p.into_group()).into_affine();
    // e(x1, q) * e(-p, x2) is the identity exactly when x1 : x2 is p : q.
    if !Bn254::multi_pairing([x1, minus_p], [*q, x2]).is_zero() {
        return Err(KeyError::Degenerate(
            "beta_g1 and delta_g1 are not the G1 twins of beta_g2 and delta_g2",
        ));
    }
    Ok(())
}

/// Whether `p` is on its curve and in the prime-order subgroup.
fn in_subgroup<P: ark_ec::AffineRepr>(p: &P) -> bool {
    p.check().is_ok()
}

fn check_digest(found: [u8; 32], expected: &[u8; 32]) -> Result<(), KeyError> {
    if &found != expected {
        return Err(KeyError::DigestMismatch {
            expected: hex::encode(expected),
            found: hex::encode(found),
        });
    }
    Ok(())
}

/// The fast-load encoding read in pieces as they arrive (from a network or a browser
/// cache), hashed on the way in, so the digest check costs nothing after the last
/// piece. [`FastKeyReader::finish`] checks the digest before a byte is parsed; the
/// bytes parsed are exactly the bytes hashed.
#[derive(Default)]
pub struct FastKeyReader {
    bytes: Vec<u8>,
    hasher: Sha256,
}

impl FastKeyReader {
    /// An empty reader; `size_hint` (the expected length, 0 if unknown) reserves memory.
    pub fn new(size_hint: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(size_hint),
            hasher: Sha256::new(),
        }
    }

    /// Appends the next piece.
    pub fn update(&mut self, piece: &[u8]) {
        self.hasher.update(piece);
        self.bytes.extend_from_slice(piece);
    }

    /// Bytes read so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The proving key, once the SHA-256 of everything read equals `digest`.
    pub fn finish(self, digest: &[u8; 32]) -> Result<ProvingKey, KeyError> {
        check_digest(self.hasher.finalize().into(), digest)?;
        ProvingKey::parse_fast(&self.bytes)
    }
}

/// SHA-256 as lowercase hex.
pub fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
