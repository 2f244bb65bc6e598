//! Published RFC 6962 Merkle test vectors: the eight leaves, roots, inclusion and
//! consistency proofs of Google's certificate-transparency tests as kept by
//! transparency-dev/merkle, `proof/verify_test.go` (commit
//! 02194e9afb6c1d95b5381350007963aa70fff472, Apache-2.0):
//! <https://github.com/transparency-dev/merkle/blob/02194e9afb6c1d95b5381350007963aa70fff472/proof/verify_test.go>.
//! In that file inclusion vectors number leaves from 1; here they are 0-based.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
use alc_registry::merkle::{
    consistency_proof, empty_root, inclusion_proof, leaf_hash, root, verify_consistency,
    verify_inclusion, Hash, MemoryLog, MerkleError,
};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, proof).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// `sha256SomeHash` of the same file: any hash that is no root here.
const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn hs(v: &[&str]) -> Vec<Hash> {
    v.iter().map(|s| h(s)).collect()
}

fn log() -> MemoryLog {
    let mut log = MemoryLog::new();
    for l in LEAVES {
        log.push_data(&hex::decode(l).unwrap()).unwrap();
    }
    log
}

#[test]
fn roots_of_sizes_1_to_8() {
    let log = log();
    for (n, want) in ROOTS.iter().enumerate() {
        assert_eq!(root(&log, n as u64 + 1).unwrap(), h(want), "size {}", n + 1);
    }
    assert_eq!(
        empty_root(),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
}

#[test]
fn published_inclusion_proofs_are_generated_and_verify() {
    let log = log();
    for (m, n, proof) in INCLUSION {
        let proof = hs(proof);
        assert_eq!(
            inclusion_proof(&log, m, n).unwrap(),
            proof,
            "PATH({m}, D[{n}])"
        );
        let leaf = leaf_hash(&hex::decode(LEAVES[m as usize]).unwrap());
        let r = h(ROOTS[n as usize - 1]);
        verify_inclusion(&leaf, m, n, &proof, &r).unwrap();

        // The corruption probes of verify_test.go (corruptInclusionProof).
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (m.wrapping_sub(1), n, r, leaf, proof.clone()),
            (m + 1, n, r, leaf, proof.clone()),
            (m ^ 2, n, r, leaf, proof.clone()),
            (m, n * 2, r, leaf, proof.clone()),
            (m, n / 2, r, leaf, proof.clone()),
            (m, n, r, leaf_hash(b"WrongLeaf"), proof.clone()),
            (m, n, empty_root(), leaf, proof.clone()),
            (m, n, h(SOME_HASH), leaf, proof.clone()),
            (m, n, r, leaf, [proof.clone(), vec![r]].concat()),
            (m, n, r, leaf, [vec![r], proof.clone()].concat()),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 8;
            probes.push((m, n, r, leaf, p));
        }
        if !proof.is_empty() {
            probes.push((m, n, r, leaf, proof[..proof.len() - 1].to_vec()));
        }
        if proof.len() > 1 {
            let p = [vec![proof[0], h(SOME_HASH)], proof[1..].to_vec()].concat();
            probes.push((m, n, r, leaf, p));
        }
        for (i, (pm, pn, pr, pl, pp)) in probes.into_iter().enumerate() {
            assert!(
                verify_inclusion(&pl, pm, pn, &pp, &pr).is_err(),
                "probe {i} of ({m}, {n})"
            );
        }
    }
}

#[test]
fn published_consistency_proofs_are_generated_and_verify() {
    let log = log();
    for (m, n, proof) in CONSISTENCY {
        let proof = hs(proof);
        assert_eq!(
            consistency_proof(&log, m, n).unwrap(),
            proof,
            "PROOF({m}, D[{n}])"
        );
        let (r1, r2) = (h(ROOTS[m as usize - 1]), h(ROOTS[n as usize - 1]));
        verify_consistency(m, n, &r1, &r2, &proof).unwrap();
        if proof.is_empty() {
            continue;
        }

        // The corruption probes of verify_test.go (corruptConsistencyProof).
        let wrong = leaf_hash(b"WrongRoot");
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (m - 1, n, r1, r2, proof.clone()),
            (m + 1, n, r1, r2, proof.clone()),
            (m ^ 2, n, r1, r2, proof.clone()),
            (m, n * 2, r1, r2, proof.clone()),
            (m, n / 2, r1, r2, proof.clone()),
            (m, n, wrong, r2, proof.clone()),
            (m, n, r1, wrong, proof.clone()),
            (m, n, r2, r1, proof.clone()),
            (m, n, r1, r2, vec![]),
            (m, n, r1, r2, [proof.clone(), vec![r1]].concat()),
            (m, n, r1, r2, [proof.clone(), vec![r2]].concat()),
            (m, n, r1, r2, [vec![r1], proof.clone()].concat()),
            (m, n, r1, r2, [vec![r2], proof.clone()].concat()),
            (m, n, r1, r2, [vec![proof[0]], proof.clone()].concat()),
            (m, n, r1, r2, proof[..proof.len() - 1].to_vec()),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 16;
            probes.push((m, n, r1, r2, p));
        }
        for (i, (pm, pn, pr1, pr2, pp)) in probes.into_iter().enumerate() {
            assert!(
                verify_consistency(pm, pn, &pr1, &pr2, &pp).is_err(),
                "probe {i} of ({m}, {n})"
            );
        }
    }
}

#[test]
fn consistency_edge_cases() {
    // From TestVerifyConsistency in the same file, with one deliberate difference: an
    // old tree of size 0 must have the empty-tree root here (the Go code accepts any).
    let (a, b) = (h(SOME_HASH), leaf_hash(b"don't care"));
    let e = empty_root();
    assert!(verify_consistency(0, 0, &a, &a, &[]).is_ok());
    assert!(verify_consistency(1, 1, &b, &b, &[]).is_ok());
    assert!(verify_consistency(0, 1, &e, &b, &[]).is_ok());
    assert_eq!(
        verify_consistency(0, 1, &a, &b, &[]),
        Err(MerkleError::OldRootMismatch)
    );
    assert_eq!(
        verify_consistency(0, 0, &a, &b, &[]),
        Err(MerkleError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(1, 1, &a, &b, &[]),
        Err(MerkleError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(1, 0, &a, &b, &[]),
        Err(MerkleError::SizeOrder { old: 1, new: 0 })
    );
    assert_eq!(
        verify_consistency(2, 1, &a, &b, &[]),
        Err(MerkleError::SizeOrder { old: 2, new: 1 })
    );
    assert!(matches!(
        verify_consistency(1, 2, &a, &b, &[]),
        Err(MerkleError::ProofLength { .. })
    ));
    for (m, n) in [(0, 0), (0, 1), (1, 1)] {
        assert!(matches!(
            verify_consistency(m, n, &e, &e, &[e]),
            Err(MerkleError::ProofLength {
                expected: 0,
                actual: 1
            })
        ));
    }
    // TestVerifyInclusion: no proof for an index outside the tree.
    for (m, n) in [(0u64, 0u64), (1, 0), (2, 1)] {
        assert!(verify_inclusion(&a, m, n, &[], &e).is_err());
    }
    // TestVerifyInclusionSingleEntry: root and leaf hash coincide in a 1-leaf tree.
    let leaf = leaf_hash(b"data");
    assert!(verify_inclusion(&leaf, 0, 1, &[], &leaf).is_ok());
    assert!(verify_inclusion(&leaf, 0, 1, &[], &e).is_err());
}
