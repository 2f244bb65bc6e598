//! The auditor's decisions over a log that behaves and one that does not.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
use alc_registry::audit::{check_consistency, check_leaves, check_split_view, AuditError};
use alc_registry::checkpoint::{
    sign_checkpoint, verify_checkpoint, Checkpoint, NoteSigner, SignedCheckpoint,
};
use alc_registry::merkle::{consistency_proof, leaf_hash, root, Hash, MemoryLog, MerkleError};

const ORIGIN: &str = "registry.alc.example/log";

fn signed(signer: &NoteSigner, size: u64, root: Hash) -> SignedCheckpoint {
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root,
        extensions: vec![],
    };
    let note = sign_checkpoint(signer, &cp).unwrap();
    verify_checkpoint(note.as_bytes(), ORIGIN, &signer.verifier_key()).unwrap()
}

fn log(leaves: &[&[u8]]) -> (MemoryLog, Vec<Hash>) {
    let mut log = MemoryLog::new();
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
    for h in &hashes {
        log.push(*h).unwrap();
    }
    (log, hashes)
}

#[test]
fn honest_growth_passes() {
    let s = NoteSigner::from_seed(ORIGIN, &[5; 32]).unwrap();
    let data: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 3]).collect();
    let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    let (log, hashes) = log(&refs);
    let mut trusted = signed(&s, 0, root(&log, 0).unwrap());
    for n in [1u64, 2, 7, 8, 8, 21, 40] {
        let next = signed(&s, n, root(&log, n).unwrap());
        let proof = consistency_proof(&log, trusted.checkpoint().size, n).unwrap();
        check_consistency(&trusted, &next, &proof).unwrap();
        check_leaves(&next, &hashes[..n as usize]).unwrap();
        trusted = next;
    }
}

#[test]
fn misbehaviour_is_named() {
    let s = NoteSigner::from_seed(ORIGIN, &[5; 32]).unwrap();
    let (honest, hashes) = log(&[b"a", b"b", b"c", b"d", b"e"]);
    // The log rewrites leaf 1 and shows that history to someone else.
    let (forked, _) = log(&[b"a", b"X", b"c", b"d", b"e"]);

    let old = signed(&s, 3, root(&honest, 3).unwrap());
    let forked_new = signed(&s, 5, root(&forked, 5).unwrap());
    let proof = consistency_proof(&forked, 3, 5).unwrap();
    assert!(matches!(
        check_consistency(&old, &forked_new, &proof),
        Err(AuditError::Inconsistent(MerkleError::OldRootMismatch))
    ));

    // Split view: same size, two signed roots; the two notes are the evidence.
    let a = signed(&s, 5, root(&honest, 5).unwrap());
    match check_split_view(&a, &forked_new) {
        Err(AuditError::SplitView(ev)) => {
            assert_eq!((ev.origin.as_str(), ev.size), (ORIGIN, 5));
            assert_eq!(ev.first_note, a.note());
            assert_eq!(ev.second_note, forked_new.note());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        check_consistency(&a, &forked_new, &[]),
        Err(AuditError::SplitView(_))
    ));
    check_split_view(&a, &a).unwrap();
    check_split_view(&old, &a).unwrap();

    // Rollback.
    assert_eq!(
        check_consistency(&a, &old, &[]),
        Err(AuditError::Rollback { old: 5, new: 3 })
    );

    // Another log's checkpoint.
    let other_signer = NoteSigner::from_seed("other.example/log", &[6; 32]).unwrap();
    let cp = Checkpoint {
        origin: "other.example/log".into(),
        size: 5,
        root: root(&honest, 5).unwrap(),
        extensions: vec![],
    };
    let note = sign_checkpoint(&other_signer, &cp).unwrap();
    let other = verify_checkpoint(
        note.as_bytes(),
        "other.example/log",
        &other_signer.verifier_key(),
    )
    .unwrap();
    assert!(matches!(
        check_split_view(&a, &other),
        Err(AuditError::DifferentLogs { .. })
    ));

    // Full replay.
    check_leaves(&a, &hashes).unwrap();
    assert_eq!(
        check_leaves(&a, &hashes[..4]),
        Err(AuditError::SizeMismatch {
            checkpoint: 5,
            replayed: 4
        })
    );
    assert_eq!(
        check_leaves(&forked_new, &hashes),
        Err(AuditError::RootMismatch)
    );
}
