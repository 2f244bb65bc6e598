//! The auditor's decisions about verified checkpoints.
//!
//! An auditor keeps the last checkpoint it verified, `(n1, r1)`. Given a newer verified
//! checkpoint `(n2, r2)` and a consistency proof, the log behaved iff `n1 <= n2` and the
//! proof shows `D[n1]` with root `r1` is a prefix of `D[n2]` with root `r2`
//! ([`check_consistency`]). Two validly signed checkpoints of the same log with the same
//! size and different roots are a *split view*: the log signed two histories, and the
//! two notes are the proof ([`check_split_view`], [`SplitView`]). An auditor that
//! mirrors every leaf recomputes the root itself ([`check_leaves`]).
use crate::checkpoint::SignedCheckpoint;
use crate::merkle::{self, Hash, MerkleError};

/// Two signed notes of one log with the same size and different roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitView {
    /// The log's origin.
    pub origin: String,
    /// The common tree size.
    pub size: u64,
    /// The first signed note.
    pub first_note: String,
    /// The second signed note.
    pub second_note: String,
}

/// An auditor's finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Checkpoints of two different logs.
    #[error("checkpoints of different logs: {first:?} and {second:?}")]
    DifferentLogs {
        /// The first origin.
        first: String,
        /// The second origin.
        second: String,
    },
    /// The log shrank.
    #[error("log went back from size {old} to {new}")]
    Rollback {
        /// The trusted size.
        old: u64,
        /// The new, smaller size.
        new: u64,
    },
    /// Two signed roots for one size.
    #[error("split view at size {}: two signed roots", .0.size)]
    SplitView(Box<SplitView>),
    /// The consistency proof does not link the two checkpoints.
    #[error("checkpoints are inconsistent: {0}")]
    Inconsistent(#[source] MerkleError),
    /// A full replay holds another number of leaves than the checkpoint.
    #[error("checkpoint has {checkpoint} leaves, the replay {replayed}")]
    SizeMismatch {
        /// The checkpoint's size.
        checkpoint: u64,
        /// The number of leaves replayed.
        replayed: u64,
    },
    /// A full replay gives another root than the checkpoint.
    #[error("replayed leaves do not give the checkpoint's root")]
    RootMismatch,
}

fn same_log(a: &SignedCheckpoint, b: &SignedCheckpoint) -> Result<(), AuditError> {
    let (a, b) = (&a.checkpoint().origin, &b.checkpoint().origin);
    if a != b {
        return Err(AuditError::DifferentLogs {
            first: a.clone(),
            second: b.clone(),
        });
    }
    Ok(())
}

/// Detects a split view: same log, same size, different roots. Checkpoints of different
/// sizes need a consistency proof instead ([`check_consistency`]).
pub fn check_split_view(a: &SignedCheckpoint, b: &SignedCheckpoint) -> Result<(), AuditError> {
    same_log(a, b)?;
    let (ca, cb) = (a.checkpoint(), b.checkpoint());
    if ca.size == cb.size && ca.root != cb.root {
        return Err(AuditError::SplitView(Box::new(SplitView {
            origin: ca.origin.clone(),
            size: ca.size,
            first_note: a.note().to_owned(),
            second_note: b.note().to_owned(),
        })));
    }
    Ok(())
}

/// Decides whether `new` extends the trusted `old` checkpoint, given the consistency
/// proof `PROOF(old.size, D[new.size])` from the log.
pub fn check_consistency(
    old: &SignedCheckpoint,
    new: &SignedCheckpoint,
    proof: &[Hash],
) -> Result<(), AuditError> {
    check_split_view(old, new)?;
    let (co, cn) = (old.checkpoint(), new.checkpoint());
    if cn.size < co.size {
        return Err(AuditError::Rollback {
            old: co.size,
            new: cn.size,
        });
    }
    merkle::verify_consistency(co.size, cn.size, &co.root, &cn.root, proof)
        .map_err(AuditError::Inconsistent)
}

/// Checks a checkpoint against every leaf hash of the log, replayed from the start.
pub fn check_leaves(checkpoint: &SignedCheckpoint, leaf_hashes: &[Hash]) -> Result<(), AuditError> {
    let c = checkpoint.checkpoint();
    let replayed = leaf_hashes.len() as u64;
    if replayed != c.size {
        return Err(AuditError::SizeMismatch {
            checkpoint: c.size,
            replayed,
        });
    }
    merkle::verify_root(leaf_hashes, &c.root).map_err(|_| AuditError::RootMismatch)
}
