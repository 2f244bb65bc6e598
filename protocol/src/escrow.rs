//! The trustees' files: the dealings of the key generation, the shares they deal each
//! other, each trustee's key share, the joint escrow key, and partial decryptions
//! (`docs/escrow.md`). Points are decimal `[x, y]` on Baby Jubjub, scalars decimal;
//! `alc-escrow` reads them with their checks.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The `type` of a [`Dealing`].
pub const DEALING: &str = "alc-escrow-dealing";
/// The `type` of a [`DealtShare`].
pub const DEALT_SHARE: &str = "alc-escrow-dealt-share";
/// The `type` of a [`KeyShare`].
pub const KEY_SHARE: &str = "alc-escrow-key-share";
/// The `type` of a [`JointKey`].
pub const JOINT_KEY: &str = "alc-escrow-key";
/// The `type` of a [`CiphertextFile`].
pub const CIPHERTEXT: &str = "alc-escrow-ciphertext";
/// The `type` of a [`Partial`].
pub const PARTIAL: &str = "alc-escrow-partial";

/// A point, decimal `[x, y]`.
pub type PointText = [String; 2];

/// A Schnorr or Chaum-Pedersen proof in challenge-response form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProofText {
    /// The Fiat-Shamir challenge, decimal.
    pub challenge: String,
    /// The response, decimal.
    pub response: String,
}

/// One trustee's public dealing: Feldman commitments to its polynomial's coefficients
/// and a proof that it knows the constant term (public: goes to every trustee).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dealing {
    /// [`DEALING`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The dealer's index, `1..=trustees`.
    pub dealer: u32,
    /// Shares needed to open, `t`.
    pub threshold: u32,
    /// Trustees, `n`.
    pub trustees: u32,
    /// `a_k * Base8` for the coefficients `a_0 .. a_{t-1}`.
    pub commitments: Vec<PointText>,
    /// Knowledge of `a_0`.
    pub proof: ProofText,
}

/// A share one dealer deals one recipient: `f_dealer(recipient)` (secret: only for the
/// recipient, written 0600, carried over a confidential channel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealtShare {
    /// [`DEALT_SHARE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The dealer's index.
    pub dealer: u32,
    /// The recipient's index.
    pub recipient: u32,
    /// The share, decimal.
    pub share: Zeroizing<String>,
}

/// The joint escrow key and every trustee's verification key (public: the authority
/// publishes it; wallets and gateways read the key, openings check partials against
/// the verification keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct JointKey {
    /// [`JOINT_KEY`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Shares needed to open, `t`.
    pub threshold: u32,
    /// Trustees, `n`.
    pub trustees: u32,
    /// `Y = x * Base8`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub key: PointText,
    /// `x_i * Base8` for trustees `1..=n`, in order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
    pub verification_keys: Vec<PointText>,
}

/// A trustee's share of the escrow secret (secret: written 0600).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyShare {
    /// [`KEY_SHARE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The trustee's index.
    pub trustee: u32,
    /// `x_i`, decimal.
    pub share: Zeroizing<String>,
    /// The joint key it is a share of.
    pub key: JointKey,
}

/// A ciphertext `(c1, c2)` of a serial, as a file (a presentation carries the same two
/// points among its public inputs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiphertextFile {
    /// [`CIPHERTEXT`].
    #[serde(rename = "type")]
    pub kind: String,
    /// `r * Base8`.
    pub c1: PointText,
    /// `s * Base8 + r * Y`.
    pub c2: PointText,
}

/// One trustee's partial decryption `x_i * c1` with a Chaum-Pedersen proof that it used
/// the share behind its verification key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Partial {
    /// [`PARTIAL`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The trustee's index.
    pub trustee: u32,
    /// The ciphertext's `c1` it decrypts.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub c1: PointText,
    /// `x_i * c1`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub point: PointText,
    /// `log_Base8(x_i * Base8) = log_c1(x_i * c1)`.
    pub proof: ProofText,
}
