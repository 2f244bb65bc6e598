//! RFC 9162 Merkle trees (SHA-256), computed from stored complete subtrees.
//!
//! # Hashing (RFC 9162 §2.1.1)
//!
//! For a list of leaves `D[n] = {d(0), ..., d(n-1)}`:
//!
//! ```text
//! MTH({})    = SHA-256()                                  (empty tree)
//! MTH({d})   = SHA-256(0x00 || d)                         (leaf hash)
//! MTH(D[n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  for n > 1,
//!              k = the largest power of two < n
//! ```
//!
//! # Storage: complete subtrees only
//!
//! Node `(level, index)` is the hash of the *complete* (perfect) subtree of `2^level`
//! leaves `D[index·2^level : (index+1)·2^level]`; level 0 is the leaf hash. Such a node
//! never changes once the log holds its last leaf, so a store persists each one exactly
//! once and never rewrites it ([`NodeSource`]).
//!
//! Appending leaf number `s` (the log had `s` leaves) completes the leaf `(0, s)` and,
//! for each trailing one bit of `s`, the parent of the node just completed:
//! `(l+1, s >> (l+1)) = H(0x01 || (l, (s >> l) - 1) || (l, s >> l))`. [`append`] reads
//! the `trailing_ones(s)` left siblings ([`append_reads`]) and returns the
//! `1 + trailing_ones(s)` new nodes: O(log n) work per leaf.
//!
//! # Ranges at the right edge
//!
//! Every hash a proof or a root needs is `MTH(D[a:b])` for a range whose start `a` is a
//! multiple of `2^j`, where `2^j` is the largest power of two `<= b - a` (the ranges
//! RFC 9162's recursion produces all have this shape). Writing `b - a` in binary,
//! `2^j1 + 2^j2 + ...` with `j1 > j2 > ...`, the range splits into complete nodes
//! `(j1, a >> j1)`, `(j2, (a + 2^j1) >> j2)`, ..., and by the definition of `MTH`
//! (the left part is always the largest power of two)
//!
//! ```text
//! MTH(D[a:b]) = H(node1, H(node2, H(..., node_last)))
//! ```
//!
//! folded from the right. A root of size `n` is the range `[0, n)`: `popcount(n)` nodes.
//! An inclusion or consistency proof is a list of at most `⌈log2 n⌉` (respectively
//! `⌈log2 n⌉ + 1`) ranges of which at most one is not a single complete node, so it needs
//! O(log n) node lookups ([`inclusion_nodes`], [`consistency_nodes`]).
//!
//! # Proofs (RFC 9162 §2.1.3.1, §2.1.4.1)
//!
//! ```text
//! PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])        if m < k
//!               = PATH(m - k, D[k:n]) : MTH(D[0:k])    if m >= k       (PATH(0, {d}) = {})
//! PROOF(m, D[n]) = SUBPROOF(m, D[n], true)                            (0 < m < n)
//! SUBPROOF(m, D[m], true)  = {}
//! SUBPROOF(m, D[m], false) = {MTH(D[m])}
//! SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])        if m <= k
//!                      = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) if m > k
//! ```
//!
//! Both recursions are walked top-down here, collecting ranges, and reversed.
//! Verification ([`verify_inclusion`], [`verify_consistency`]) is the bit-walking
//! algorithm of RFC 9162 §2.1.3.2 and §2.1.4.2, preceded by an exact length check so a
//! proof of the wrong length is reported as such.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Length of a SHA-256 hash.
pub const HASH_LEN: usize = 32;

/// A SHA-256 hash: a leaf hash, a node hash or a root.
pub type Hash = [u8; HASH_LEN];

/// Errors from computing or verifying Merkle roots and proofs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// A leaf index at or beyond the tree size.
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than the new tree size {new}")]
    SizeOrder {
        /// The old (first) size.
        old: u64,
        /// The new (second) size.
        new: u64,
    },
    /// The log already holds `u64::MAX` leaves.
    #[error("the log is full")]
    TreeFull,
    /// A node the computation needs is not stored.
    #[error("node (level {level}, index {index}) is not stored")]
    MissingNode {
        /// Its level.
        level: u8,
        /// Its index within the level.
        index: u64,
    },
    /// A proof with the wrong number of hashes for its sizes.
    #[error("proof has {actual} hashes, expected {expected}")]
    ProofLength {
        /// The length the sizes imply.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The RFC 9162 walk ran out of tree before the proof ended (or the reverse).
    #[error("proof does not fit the tree shape")]
    MalformedProof,
    /// The root recomputed from an inclusion proof, or from all leaves, or a second root
    /// of a consistency proof between equal sizes, differs from the expected root.
    #[error("root hash mismatch")]
    RootMismatch,
    /// A consistency proof does not reproduce the old root.
    #[error("consistency proof does not match the old root")]
    OldRootMismatch,
    /// A consistency proof does not reproduce the new root.
    #[error("consistency proof does not match the new root")]
    NewRootMismatch,
}

/// `SHA-256(0x00 || data)`: the hash of a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// `SHA-256()`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete subtree: `2^level` leaves starting at leaf `index · 2^level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height: 0 for a leaf hash.
    pub level: u8,
    /// Position among the nodes of this level, from the left.
    pub index: u64,
}

/// Read access to stored complete-subtree nodes.
///
/// `node(level, index)` returns the hash of the complete subtree of `2^level` leaves
/// starting at leaf `index · 2^level`, or an error if it is not stored. A store
/// implements this over whatever it persisted from [`append`]; an asynchronous store
/// fetches the nodes listed by [`root_nodes`], [`inclusion_nodes`],
/// [`consistency_nodes`] or [`append_reads`] first and passes them in a `HashMap` or
/// `BTreeMap` of [`NodeId`] to hash, both of which implement this trait.
pub trait NodeSource {
    /// The store's error; a [`MerkleError`] (bad sizes, a missing node) converts into it.
    type Error: From<MerkleError>;

    /// The hash of complete node `(level, index)`.
    fn node(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

impl NodeSource for HashMap<NodeId, Hash> {
    type Error = MerkleError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, MerkleError> {
        self.get(&NodeId { level, index })
            .copied()
            .ok_or(MerkleError::MissingNode { level, index })
    }
}

impl NodeSource for BTreeMap<NodeId, Hash> {
    type Error = MerkleError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, MerkleError> {
        self.get(&NodeId { level, index })
            .copied()
            .ok_or(MerkleError::MissingNode { level, index })
    }
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The complete nodes that make up the right-edge range `[start, end)`, largest first
/// (module docs, "Ranges at the right edge").
fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let (mut at, mut rest) = (start, end - start);
    while rest > 0 {
        let level = 63 - rest.leading_zeros();
        out.push(NodeId {
            level: level as u8,
            index: at >> level,
        });
        at += 1u64 << level;
        rest -= 1u64 << level;
    }
    out
}

/// `MTH(D[start:end])` from stored nodes, folded from the right.
fn range_hash<S: NodeSource + ?Sized>(src: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let nodes = range_nodes(start, end);
    let mut acc: Option<Hash> = None;
    for n in nodes.iter().rev() {
        let h = src.node(n.level, n.index)?;
        acc = Some(match acc {
            None => h,
            Some(right) => node_hash(&h, &right),
        });
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// The ranges of `PATH(index, D[size])`, leaf end first.
fn inclusion_ranges(index: u64, size: u64) -> Result<Vec<(u64, u64)>, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            out.push((lo + k, hi));
            hi = lo + k;
        } else {
            out.push((lo, lo + k));
            lo += k;
        }
    }
    out.reverse();
    Ok(out)
}

/// The ranges of `PROOF(old, D[new])`, deepest first; empty when `old` is 0 or `new`.
fn consistency_ranges(old: u64, new: u64) -> Result<Vec<(u64, u64)>, MerkleError> {
    if old > new {
        return Err(MerkleError::SizeOrder { old, new });
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    // Invariant: lo < old <= hi; `complete` is SUBPROOF's flag b.
    let (mut lo, mut hi, mut complete) = (0u64, new, true);
    loop {
        if old == hi {
            if !complete {
                out.push((lo, hi));
            }
            break;
        }
        let k = split_point(hi - lo);
        if old - lo <= k {
            out.push((lo + k, hi));
            hi = lo + k;
        } else {
            out.push((lo, lo + k));
            lo += k;
            complete = false;
        }
    }
    out.reverse();
    Ok(out)
}

fn nodes_of(ranges: &[(u64, u64)]) -> Vec<NodeId> {
    ranges
        .iter()
        .flat_map(|&(a, b)| range_nodes(a, b))
        .collect()
}

/// The stored nodes [`root`] reads for a tree of `size` leaves (`popcount(size)`).
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// The stored nodes [`inclusion_proof`] reads.
pub fn inclusion_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, MerkleError> {
    Ok(nodes_of(&inclusion_ranges(index, size)?))
}

/// The stored nodes [`consistency_proof`] reads.
pub fn consistency_nodes(old: u64, new: u64) -> Result<Vec<NodeId>, MerkleError> {
    Ok(nodes_of(&consistency_ranges(old, new)?))
}

/// The root `MTH(D[size])` of the first `size` leaves.
pub fn root<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Hash, S::Error> {
    range_hash(src, 0, size)
}

/// The inclusion proof `PATH(index, D[size])` (RFC 9162 §2.1.3.1), leaf end first.
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, S::Error> {
    inclusion_ranges(index, size)?
        .into_iter()
        .map(|(a, b)| range_hash(src, a, b))
        .collect()
}

/// The consistency proof `PROOF(old, D[new])` (RFC 9162 §2.1.4.1); empty when `old` is
/// 0 or equal to `new`.
pub fn consistency_proof<S: NodeSource + ?Sized>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, S::Error> {
    consistency_ranges(old, new)?
        .into_iter()
        .map(|(a, b)| range_hash(src, a, b))
        .collect()
}

/// The stored nodes [`append`] reads when the log holds `size` leaves: the left siblings
/// `(l, (size >> l) - 1)` for `l < trailing_ones(size)`.
pub fn append_reads(size: u64) -> Vec<NodeId> {
    (0..size.trailing_ones())
        .map(|l| NodeId {
            level: l as u8,
            index: (size >> l) - 1,
        })
        .collect()
}

/// Appends leaf number `size` (the log holds `size` leaves) with hash `leaf`: returns
/// the nodes that become complete and must be stored, starting with `(0, size)` (the
/// leaf hash itself), then each new parent upwards.
pub fn append<S: NodeSource + ?Sized>(
    src: &S,
    size: u64,
    leaf: Hash,
) -> Result<Vec<(NodeId, Hash)>, S::Error> {
    if size == u64::MAX {
        return Err(MerkleError::TreeFull.into());
    }
    let mut out = vec![(
        NodeId {
            level: 0,
            index: size,
        },
        leaf,
    )];
    let (mut level, mut index, mut hash) = (0u8, size, leaf);
    while index & 1 == 1 {
        let left = src.node(level, index - 1)?;
        hash = node_hash(&left, &hash);
        level += 1;
        index >>= 1;
        out.push((NodeId { level, index }, hash));
    }
    Ok(out)
}

/// The root of a whole list of leaf hashes, in O(log n) memory: the auditor's replay.
pub fn root_of(leaf_hashes: &[Hash]) -> Hash {
    // A stack of complete subtrees, strictly decreasing in height from the bottom.
    let mut stack: Vec<(u32, Hash)> = Vec::new();
    for leaf in leaf_hashes {
        let mut cur = (0u32, *leaf);
        while let Some(&(level, left)) = stack.last() {
            if level != cur.0 {
                break;
            }
            stack.pop();
            cur = (level + 1, node_hash(&left, &cur.1));
        }
        stack.push(cur);
    }
    let mut acc: Option<Hash> = None;
    for (_, h) in stack.iter().rev() {
        acc = Some(match acc {
            None => *h,
            Some(right) => node_hash(h, &right),
        });
    }
    acc.unwrap_or_else(empty_root)
}

/// Checks that `root` is the root of exactly these leaf hashes.
pub fn verify_root(leaf_hashes: &[Hash], root: &Hash) -> Result<(), MerkleError> {
    if root_of(leaf_hashes) == *root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// Verifies that `leaf` (a leaf hash) is leaf number `index` of the tree of `size` leaves
/// with root `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let expected = inclusion_ranges(index, size)?.len();
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            expected,
            actual: proof.len(),
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(MerkleError::MalformedProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(MerkleError::MalformedProof);
    }
    if r != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a prefix of the
/// tree of `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2).
///
/// Edge cases the RFC leaves to the caller: equal sizes need an empty proof and equal
/// roots; an old size of 0 needs an empty proof and `old_root` equal to [`empty_root`].
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    let expected = consistency_ranges(old_size, new_size)?.len();
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            expected,
            actual: proof.len(),
        });
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        };
    }
    if old_size == 0 {
        return if *old_root == empty_root() {
            Ok(())
        } else {
            Err(MerkleError::OldRootMismatch)
        };
    }
    // Step 2: a power-of-two old tree is itself a node of the new tree; its root starts
    // the walk. Otherwise the proof's first hash does.
    let (first, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((f, r)) => (*f, r),
            None => return Err(MerkleError::MalformedProof),
        }
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in rest {
        if snode == 0 {
            return Err(MerkleError::MalformedProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(MerkleError::MalformedProof);
    }
    if fr != *old_root {
        return Err(MerkleError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(MerkleError::NewRootMismatch);
    }
    Ok(())
}

/// An inclusion proof as served over HTTP: sizes as decimal strings, hashes as base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// The leaf's index.
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub leaf_index: u64,
    /// The tree size the proof is for.
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub tree_size: u64,
    /// `PATH(leaf_index, D[tree_size])`, leaf end first.
    #[serde(with = "crate::encoding::hashes")]
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// [`verify_inclusion`] of `leaf` (a leaf hash) against `root`.
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), MerkleError> {
        verify_inclusion(leaf, self.leaf_index, self.tree_size, &self.hashes, root)
    }
}

/// A consistency proof as served over HTTP: sizes as decimal strings, hashes as base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// The old tree size.
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub old_size: u64,
    /// The new tree size.
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub new_size: u64,
    /// `PROOF(old_size, D[new_size])`.
    #[serde(with = "crate::encoding::hashes")]
    pub hashes: Vec<Hash>,
}

impl ConsistencyProof {
    /// [`verify_consistency`] between the two roots.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), MerkleError> {
        verify_consistency(
            self.old_size,
            self.new_size,
            old_root,
            new_root,
            &self.hashes,
        )
    }
}

/// An in-memory log of leaf hashes storing every complete node, level by level: for
/// tests, for the auditor's local mirror, and as the reference for a persistent store's
/// behaviour (it stores exactly what [`append`] returns and nothing else).
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    /// `levels[l][i]` is node `(l, i)`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> Result<u64, MerkleError> {
        let index = self.size();
        for (id, hash) in append(self, index, leaf)? {
            let level = usize::from(id.level);
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            debug_assert_eq!(self.levels[level].len() as u64, id.index);
            self.levels[level].push(hash);
        }
        Ok(index)
    }

    /// Appends leaf data (hashed with [`leaf_hash`]); returns its index.
    pub fn push_data(&mut self, data: &[u8]) -> Result<u64, MerkleError> {
        self.push(leaf_hash(data))
    }

    /// The root of the whole log.
    pub fn root(&self) -> Hash {
        // Every node of `root_nodes(size)` is stored, so this cannot fail.
        root(self, self.size()).unwrap_or_else(|_| empty_root())
    }
}

impl NodeSource for MemoryLog {
    type Error = MerkleError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, MerkleError> {
        self.levels
            .get(usize::from(level))
            .and_then(|l| usize::try_from(index).ok().and_then(|i| l.get(i)))
            .copied()
            .ok_or(MerkleError::MissingNode { level, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_single() {
        let log = MemoryLog::new();
        assert_eq!(log.root(), empty_root());
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut log = MemoryLog::new();
        log.push_data(b"x").unwrap();
        assert_eq!(log.root(), leaf_hash(b"x"));
        assert_eq!(inclusion_proof(&log, 0, 1).unwrap(), Vec::<Hash>::new());
    }

    #[test]
    fn append_touches_logarithmic_nodes() {
        // Size 7 = 0b111: three left siblings read, four nodes written.
        assert_eq!(append_reads(7).len(), 3);
        let mut log = MemoryLog::new();
        for i in 0..7u8 {
            log.push_data(&[i]).unwrap();
        }
        assert_eq!(append(&log, 7, leaf_hash(b"h")).unwrap().len(), 4);
        assert_eq!(root_nodes(7).len(), 3);
        // Only one right-edge range is partial: O(log n) lookups.
        for n in [1000u64, 1 << 20, u64::MAX] {
            assert!(inclusion_nodes(n / 3, n).unwrap().len() <= 2 * 64);
            assert!(consistency_nodes(n / 3, n).unwrap().len() <= 2 * 64 + 1);
        }
    }

    #[test]
    fn sizes_beyond_the_store_are_missing_nodes() {
        let mut log = MemoryLog::new();
        for i in 0..5u8 {
            log.push_data(&[i]).unwrap();
        }
        assert!(matches!(
            root(&log, 6),
            Err(MerkleError::MissingNode { .. })
        ));
        assert!(matches!(
            inclusion_proof(&log, 5, 5),
            Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
        ));
        assert!(matches!(
            consistency_proof(&log, 6, 5),
            Err(MerkleError::SizeOrder { old: 6, new: 5 })
        ));
        let map: HashMap<NodeId, Hash> = HashMap::new();
        assert!(matches!(
            append(&map, u64::MAX, [0; 32]),
            Err(MerkleError::TreeFull)
        ));
    }

    #[test]
    fn prefetched_map_gives_the_same_proofs() {
        let mut log = MemoryLog::new();
        for i in 0..37u32 {
            log.push_data(&i.to_be_bytes()).unwrap();
        }
        let fetch = |ids: Vec<NodeId>| -> BTreeMap<NodeId, Hash> {
            ids.into_iter()
                .map(|id| (id, log.node(id.level, id.index).unwrap()))
                .collect()
        };
        let m = fetch(inclusion_nodes(11, 30).unwrap());
        assert_eq!(
            inclusion_proof(&m, 11, 30).unwrap(),
            inclusion_proof(&log, 11, 30).unwrap()
        );
        let m = fetch(consistency_nodes(13, 37).unwrap());
        assert_eq!(
            consistency_proof(&m, 13, 37).unwrap(),
            consistency_proof(&log, 13, 37).unwrap()
        );
        let m = fetch(root_nodes(29));
        assert_eq!(root(&m, 29).unwrap(), root(&log, 29).unwrap());
    }
}
