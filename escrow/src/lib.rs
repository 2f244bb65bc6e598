//! ALC's threshold escrow: the trustees (a regulator, a court, the authority; `t` of `n`,
//! by default 2 of 3) generate the escrow key together so that none of them learns its
//! secret, and open a presentation's escrowed serial only together (`docs/escrow.md`).
//!
//! | module | what |
//! |---|---|
//! | [`dkg`] | the key generation: joint Feldman over exchanged files, every share checked against its dealer's commitments, a bad dealer named |
//! | [`open`] | partial decryptions with Chaum-Pedersen proofs, their check (a bad one's trustee named), Lagrange combination, the serial |
//! | [`proof`] | Schnorr and Chaum-Pedersen proofs (Fiat-Shamir, SHA-512) |
//! | [`text`] | the protocol's decimal text to checked scalars and points |
//!
//! The files are `alc_protocol::escrow`'s; the encryption itself (and its gadget) is
//! `alc_circuits::escrow`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dkg;
pub mod open;
pub mod proof;
pub mod text;

pub use dkg::{deal, finish, joint_key, Params, TrusteeShare};
pub use open::{open, partial};

/// Why an escrow step is refused. Every variant that blames a party names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscrowError {
    /// A threshold or trustee count that makes no sharing.
    #[error("a threshold of {threshold} of {trustees} trustees: need 1 <= t <= n <= 255")]
    Params {
        /// `t`.
        threshold: u32,
        /// `n`.
        trustees: u32,
    },
    /// A file of the wrong type or with a malformed, non-canonical or off-curve value.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A dealing that does not fit the others (parameters, dealer index, commitments) or
    /// whose proof of knowledge fails.
    #[error("trustee {dealer}'s dealing is invalid: {reason}")]
    BadDealing {
        /// The dealer.
        dealer: u32,
        /// Why.
        reason: &'static str,
    },
    /// A dealt share that does not match its dealer's commitments.
    #[error(
        "trustee {dealer} dealt trustee {recipient} a share that does not match its commitments"
    )]
    BadShare {
        /// The dealer, to blame.
        dealer: u32,
        /// The recipient.
        recipient: u32,
    },
    /// A dealing or share is missing or repeated.
    #[error("{0}")]
    Incomplete(String),
    /// A partial decryption whose proof fails (or that decrypts another ciphertext).
    #[error("trustee {0}'s partial decryption is invalid")]
    BadPartial(u32),
    /// Fewer valid partial decryptions than the threshold.
    #[error("{have} partial decryptions from distinct trustees, {need} needed")]
    TooFew {
        /// Valid, distinct partials given.
        have: usize,
        /// The threshold.
        need: u32,
    },
    /// The combination is not a serial's encryption (the ciphertext was not made under
    /// this key).
    #[error("the ciphertext does not open to a serial under this key")]
    NotASerial,
}
