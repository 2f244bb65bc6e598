//! Domain tags and version constants: every string that separates one use of a hash
//! from another, and every number that fixes a format, lives here and nowhere else.
//!
//! Changing any value in this module changes what proofs mean: it is a new circuit
//! version ([`CIRCUIT_VERSION`]) and a new trusted setup.
//!
//! Poseidon itself is separated by arity: circomlib's constants differ per width, and
//! ALC uses each width for one purpose only (see [`crate::poseidon`]).

/// Version of the presentation circuit (statement, public-input order, encodings).
pub const CIRCUIT_VERSION: u32 = 1;

/// Identifier of the presentation circuit, written into key, proof and statement files.
pub const CIRCUIT_ID: &str = "alc-presentation-v1";

/// Version of the presentation circuit with an escrowed serial and a holder key
/// (`presentation::v2`).
pub const CIRCUIT_V2_VERSION: u32 = 2;

/// Identifier of circuit v2, written into its key, proof and statement files.
pub const CIRCUIT_V2_ID: &str = "alc-presentation-v2";

/// Tag for an agent's Ed25519 lease key encoded as a field element (circuit v2).
pub const HOLDER_KEY_TAG: &str = "alc/v2/holder-key";

/// Tag for a gateway's scope (its identifier string) encoded as a field element.
pub const SCOPE_TAG: &str = "alc/v1/scope";
/// Tag for a gateway challenge (random bytes) encoded as a field element.
pub const CHALLENGE_TAG: &str = "alc/v1/challenge";
/// Tag for an agent manifest's SHA-256 digest encoded as a field element.
pub const MANIFEST_TAG: &str = "alc/v1/manifest";
/// Tag for a corporate operating permit identifier encoded as a field element.
pub const PERMIT_TAG: &str = "alc/v1/permit";
/// Tag for the nothing-up-my-sleeve Baby Jubjub point that offsets in-circuit scalar
/// multiplications (see `docs/circuit.md`, "Incomplete additions").
pub const OFFSET_POINT_TAG: &str = "alc/v1/babyjubjub/offset-point";

/// Width in bits of a credential serial inside the circuit: the status list capacity.
pub const SERIAL_BITS: usize = 20;
/// Width in bits of a tier (`tier`, `permit_tier`, and their minimums).
pub const TIER_BITS: usize = 8;
/// Width in bits of a time (`not_before`, `expires`, `now`: unix seconds).
pub const TIME_BITS: usize = 64;

/// Status bits packed into one Merkle leaf (a power of two, so the bit position is a
/// slice of the serial's bits).
pub const STATUS_LEAF_BITS: usize = 64;
/// log2 of [`STATUS_LEAF_BITS`].
pub const STATUS_LEAF_BITS_LOG2: usize = 6;
/// Arity of the status-list Merkle tree.
pub const STATUS_ARITY: usize = 4;
/// Depth of the status-list Merkle tree (levels of 4-ary hashing above the leaves).
pub const STATUS_DEPTH: usize = 7;
/// Number of leaves in the status-list tree.
pub const STATUS_LEAVES: usize = 1 << (2 * STATUS_DEPTH);
/// Capacity of one status list in credentials: `2^20`.
pub const STATUS_CAPACITY: usize = STATUS_LEAVES * STATUS_LEAF_BITS;

const _: () = assert!(STATUS_CAPACITY == 1 << SERIAL_BITS);
const _: () = assert!(1 << STATUS_LEAF_BITS_LOG2 == STATUS_LEAF_BITS);

/// Prefix of the bytes an authority signs (Ed25519) in a status response.
pub const STATUS_RESPONSE_TAG: &[u8] = b"alc/v1/status-response\0";
