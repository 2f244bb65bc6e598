//! Roots, inclusion and consistency proofs for every tree size 1..=300 against a
//! deliberately simple recursive reference written straight from RFC 9162 §2.1.1-2.1.4
//! (recomputed from all leaf data every time), and their failing twins.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
use alc_registry::merkle::{
    self, consistency_proof, inclusion_proof, root, verify_consistency, verify_inclusion, Hash,
    MemoryLog, MerkleError,
};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::HashMap;

const MAX: usize = 300;

// ---- the reference: RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF ----

fn sha(parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The largest power of two smaller than n (n > 1).
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

thread_local! {
    /// MTH by (address of the first leaf, number of leaves): the reference is
    /// recursive and called on every prefix of one leaf list, so memoise it.
    static MTH_CACHE: RefCell<HashMap<(usize, usize), Hash>> = RefCell::new(HashMap::new());
}

fn mth(d: &[Vec<u8>]) -> Hash {
    let key = (d.as_ptr() as usize, d.len());
    if let Some(h) = MTH_CACHE.with(|c| c.borrow().get(&key).copied()) {
        return h;
    }
    let h = match d.len() {
        0 => sha(&[]),
        1 => sha(&[&[0], &d[0]]),
        n => {
            let k = k_of(n);
            sha(&[&[1], &mth(&d[..k]), &mth(&d[k..])])
        }
    };
    MTH_CACHE.with(|c| c.borrow_mut().insert(key, h));
    h
}

fn path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn proof(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    if m == 0 || m == d.len() {
        vec![]
    } else {
        subproof(m, d, true)
    }
}

/// The length of PATH(m, D[n]), by the same recursion without hashing.
fn path_len(m: u64, n: u64) -> Option<usize> {
    match n {
        0 => None,
        _ if m >= n => None,
        1 => Some(0),
        _ => {
            let k = k_of(n as usize) as u64;
            if m < k {
                path_len(m, k)
            } else {
                path_len(m - k, n - k)
            }
            .map(|l| l + 1)
        }
    }
}

/// The length of PROOF(m, D[n]).
fn proof_len(m: u64, n: u64) -> Option<usize> {
    fn sub(m: u64, n: u64, b: bool) -> usize {
        if m == n {
            return usize::from(!b);
        }
        let k = k_of(n as usize) as u64;
        1 + if m <= k {
            sub(m, k, b)
        } else {
            sub(m - k, n - k, false)
        }
    }
    match () {
        _ if m > n => None,
        _ if m == 0 || m == n => Some(0),
        _ => Some(sub(m, n, true)),
    }
}

// ---- fixtures ----

fn leaves() -> Vec<Vec<u8>> {
    (0..MAX).map(|i| format!("leaf {i}").into_bytes()).collect()
}

fn log_of(data: &[Vec<u8>]) -> MemoryLog {
    let mut log = MemoryLog::new();
    for d in data {
        log.push_data(d).unwrap();
    }
    log
}

fn flipped(p: &[Hash], i: usize) -> Vec<Hash> {
    let mut q = p.to_vec();
    q[i][i % 32] ^= 0x10;
    q
}

// ---- tests ----

#[test]
fn roots_for_every_size_and_while_growing() {
    let data = leaves();
    let log = log_of(&data);
    let mut growing = MemoryLog::new();
    for n in 0..=MAX {
        let want = mth(&data[..n]);
        assert_eq!(root(&log, n as u64).unwrap(), want, "size {n}");
        assert_eq!(growing.root(), want, "incremental size {n}");
        let hashes: Vec<Hash> = data[..n].iter().map(|d| merkle::leaf_hash(d)).collect();
        assert_eq!(merkle::root_of(&hashes), want, "replay size {n}");
        merkle::verify_root(&hashes, &want).unwrap();
        if n > 0 {
            assert_eq!(
                merkle::verify_root(&hashes[1..], &want),
                Err(MerkleError::RootMismatch)
            );
        }
        if n < MAX {
            growing.push_data(&data[n]).unwrap();
        }
    }
}

#[test]
fn inclusion_every_leaf_of_every_size() {
    let data = leaves();
    let log = log_of(&data);
    let wrong_root = sha(&[b"not the root"]);
    let mut checked = 0u32;
    for n in 1..=MAX {
        let r = mth(&data[..n]);
        let (n64, nu) = (n as u64, n);
        for m in 0..nu {
            let m64 = m as u64;
            let leaf = merkle::leaf_hash(&data[m]);
            let p = inclusion_proof(&log, m64, n64).unwrap();
            assert_eq!(p, path(m, &data[..n]), "PATH({m}, D[{n}])");
            verify_inclusion(&leaf, m64, n64, &p, &r).unwrap();
            checked += 1;

            // Failing twins: for every proof up to size 128, then a third of them.
            if n > 128 && m % 3 != 0 && m + 2 < n {
                continue;
            }
            for i in 0..p.len() {
                assert!(verify_inclusion(&leaf, m64, n64, &flipped(&p, i), &r).is_err());
            }
            for wrong_m in [m64.wrapping_sub(1), m64 + 1, m64 ^ 2] {
                if wrong_m != m64 {
                    assert!(
                        verify_inclusion(&leaf, wrong_m, n64, &p, &r).is_err(),
                        "m {wrong_m}"
                    );
                }
            }
            // A proof fixes the tree size only up to its shape: RFC 9162 accepts
            // PATH(0, D[3]) as PATH(0, D[4]) since both hash (leaf, p0), then (., p1).
            // So a wrong size must fail whenever its proof has another length.
            for wrong_n in [n64 - 1, n64 + 1, n64 * 2, n64 / 2, 0] {
                if wrong_n != n64 && path_len(m64, wrong_n) != Some(p.len()) {
                    assert!(
                        verify_inclusion(&leaf, m64, wrong_n, &p, &r).is_err(),
                        "n {wrong_n}"
                    );
                }
            }
            assert_eq!(
                verify_inclusion(&leaf, m64, n64, &p, &wrong_root),
                Err(MerkleError::RootMismatch)
            );
            let other_leaf = merkle::leaf_hash(b"another leaf");
            assert_eq!(
                verify_inclusion(&other_leaf, m64, n64, &p, &r),
                Err(MerkleError::RootMismatch)
            );
            let mut longer = p.clone();
            longer.push(r);
            assert!(matches!(
                verify_inclusion(&leaf, m64, n64, &longer, &r),
                Err(MerkleError::ProofLength { .. })
            ));
            let mut prepended = vec![r];
            prepended.extend_from_slice(&p);
            assert!(verify_inclusion(&leaf, m64, n64, &prepended, &r).is_err());
            if !p.is_empty() {
                assert!(matches!(
                    verify_inclusion(&leaf, m64, n64, &p[..p.len() - 1], &r),
                    Err(MerkleError::ProofLength { .. })
                ));
            }
        }
        assert_eq!(
            verify_inclusion(&merkle::leaf_hash(b"x"), n as u64, n as u64, &[], &r),
            Err(MerkleError::IndexOutOfRange {
                index: n as u64,
                size: n as u64
            })
        );
    }
    assert_eq!(checked, (MAX * (MAX + 1) / 2) as u32);
}

/// Every `m <= n` up to 64, then a sample of `m` for each `n` up to [`MAX`].
fn consistency_pairs() -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for n in 1..=MAX {
        if n <= 64 {
            pairs.extend((0..=n).map(|m| (m, n)));
            continue;
        }
        let mut ms = vec![0, 1, 2, 3, n / 2, n / 3 + 1, n - 2, n - 1, n];
        let mut p = 4;
        while p < n {
            ms.extend([p - 1, p, p + 1]);
            p *= 2;
        }
        ms.push((n * 7919) % n);
        ms.sort_unstable();
        ms.dedup();
        pairs.extend(ms.into_iter().filter(|&m| m <= n).map(|m| (m, n)));
    }
    pairs
}

#[test]
fn consistency_all_pairs_to_64_then_sampled_to_300() {
    let data = leaves();
    let log = log_of(&data);
    let roots: Vec<Hash> = (0..=MAX).map(|n| mth(&data[..n])).collect();
    let pairs = consistency_pairs();
    assert!(pairs.len() > 2000);
    for (m, n) in pairs {
        let (m64, n64) = (m as u64, n as u64);
        let (r1, r2) = (roots[m], roots[n]);
        let p = consistency_proof(&log, m64, n64).unwrap();
        assert_eq!(p, proof(m, &data[..n]), "PROOF({m}, D[{n}])");
        verify_consistency(m64, n64, &r1, &r2, &p).unwrap();
        if m == n {
            if n > 0 {
                assert_eq!(
                    verify_consistency(m64, n64, &r1, &roots[n - 1], &p),
                    Err(MerkleError::RootMismatch)
                );
            }
            continue;
        }
        if m == 0 {
            assert_eq!(
                verify_consistency(0, n64, &r2, &r2, &p),
                Err(MerkleError::OldRootMismatch)
            );
            assert!(verify_consistency(0, n64, &r1, &r2, &[r1]).is_err());
            continue;
        }

        // Failing twins.
        for i in 0..p.len() {
            assert!(
                verify_consistency(m64, n64, &r1, &r2, &flipped(&p, i)).is_err(),
                "{m},{n} flip {i}"
            );
        }
        for wrong_m in [m64 - 1, m64 + 1, m64 ^ 2] {
            if wrong_m != m64 {
                assert!(
                    verify_consistency(wrong_m, n64, &r1, &r2, &p).is_err(),
                    "{m},{n}: m {wrong_m}"
                );
            }
        }
        // As for inclusion, only a size whose proof has another length must fail.
        for wrong_n in [n64 - 1, n64 + 1, n64 * 2, n64 / 2] {
            if wrong_n != n64 && proof_len(m64, wrong_n) != Some(p.len()) {
                assert!(
                    verify_consistency(m64, wrong_n, &r1, &r2, &p).is_err(),
                    "{m},{n}: n {wrong_n}"
                );
            }
        }
        assert!(verify_consistency(m64, n64, &r2, &r1, &p).is_err());
        assert!(verify_consistency(m64, n64, &roots[m - 1], &r2, &p).is_err());
        assert!(verify_consistency(m64, n64, &r1, &roots[n - 1], &p).is_err());
        assert!(matches!(
            verify_consistency(m64, n64, &r1, &r2, &[]),
            Err(MerkleError::ProofLength { .. })
        ));
        assert!(verify_consistency(m64, n64, &r1, &r2, &p[..p.len() - 1]).is_err());
        for extra in [r1, r2, p[0]] {
            let mut longer = p.clone();
            longer.push(extra);
            assert!(verify_consistency(m64, n64, &r1, &r2, &longer).is_err());
            let mut prepended = vec![extra];
            prepended.extend_from_slice(&p);
            assert!(verify_consistency(m64, n64, &r1, &r2, &prepended).is_err());
        }
        assert_eq!(
            verify_consistency(n64, m64, &r2, &r1, &p),
            Err(MerkleError::SizeOrder { old: n64, new: m64 })
        );
    }
}

#[test]
fn append_returns_only_new_complete_nodes() {
    // Replaying the storage contract by hand: a map holding exactly what `append`
    // returned, read only through `append_reads`, gives the same nodes as MemoryLog.
    let data = leaves();
    let log = log_of(&data);
    let mut store = std::collections::BTreeMap::new();
    for (i, d) in data.iter().enumerate() {
        let size = i as u64;
        let reads: std::collections::BTreeMap<_, _> = merkle::append_reads(size)
            .into_iter()
            .map(|id| (id, store[&id]))
            .collect();
        let new = merkle::append(&reads, size, merkle::leaf_hash(d)).unwrap();
        assert_eq!(new.len() as u32, 1 + size.trailing_ones());
        for (id, h) in new {
            use alc_registry::merkle::NodeSource as _;
            assert_eq!(h, log.node(id.level, id.index).unwrap());
            assert!(store.insert(id, h).is_none(), "node {id:?} written twice");
        }
    }
    // Exactly 2n - popcount(n) complete nodes exist for n leaves.
    assert_eq!(store.len(), 2 * MAX - (MAX as u64).count_ones() as usize);
}
