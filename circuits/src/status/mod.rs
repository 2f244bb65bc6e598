//! The revocation accumulator: a committed bitstring status list.
//!
//! One bit per serial (1 = revoked), `2^20` serials. Bits are packed 64 to a leaf: leaf
//! `k` is the integer `sum_j bit(64k + j) * 2^j`, so the bit position is the low six
//! bits of the serial and the leaf index the other fourteen. The `2^14` leaves are
//! committed by a 4-ary Poseidon Merkle tree of depth 7 (`node = Poseidon(c0..c3)`,
//! width 5); at each level the serial's next two bits say where the path goes.
//!
//! Why 64 bits and arity 4 (`docs/circuit.md` has the measurements): in the circuit a
//! 4-ary level costs 297 + 3 constraints against 240 + 1 for a binary one, but covers
//! two bits of depth, and reading one bit out of a `b`-bit leaf costs about `2b`
//! constraints; 64-bit leaves under a 4-ary tree minimise the sum for `2^20` bits.
//!
//! The bitstring itself is public. [`StatusList::encode`] gives the W3C Bitstring
//! Status List form (`"u"` + base64url of the GZIP of the bitstring, bit 0 the most
//! significant bit of byte 0), so a holder can rebuild the tree and its own path
//! offline ([`StatusList::decode`], [`StatusList::path`]): the authority never learns
//! who is checking, and the verifier learns no index at all.
//!
//! Revoking updates one leaf and the 7 nodes above it ([`StatusList::revoke`]); building
//! from a bitstring hashes only subtrees that are not all zero, in parallel with the
//! `parallel` feature.

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::field::Fr;
use crate::poseidon::hash_n;
use crate::tags::{STATUS_ARITY, STATUS_CAPACITY, STATUS_DEPTH, STATUS_LEAF_BITS, STATUS_LEAVES};
use ark_ff::AdditiveGroup;
use base64::Engine;
use std::io::{Read, Write};
use std::sync::OnceLock;

/// Bytes in the packed bitstring.
pub const BITSTRING_BYTES: usize = STATUS_CAPACITY / 8;

/// A bad serial or a malformed encoded list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The serial is outside the list.
    #[error("serial {0} is outside the status list (capacity {STATUS_CAPACITY})")]
    SerialOutOfRange(u32),
    /// The encoded list is not `u` + base64url(gzip(bitstring of 2^20 bits)).
    #[error("malformed encoded status list: {0}")]
    Malformed(&'static str),
}

/// The status list and its Merkle tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusList {
    /// Leaf words: bit `j` of word `k` is serial `64k + j`.
    words: Vec<u64>,
    /// `levels[0]` are the leaves as field elements, `levels[STATUS_DEPTH] == [root]`.
    levels: Vec<Vec<Fr>>,
}

/// The 4-ary node hash.
pub fn node_hash(children: &[Fr; STATUS_ARITY]) -> Fr {
    hash_n(children)
}

/// Roots of all-zero subtrees: `zero[d]` for a subtree of height `d`.
fn zero_hashes() -> &'static [Fr; STATUS_DEPTH + 1] {
    static Z: OnceLock<[Fr; STATUS_DEPTH + 1]> = OnceLock::new();
    Z.get_or_init(|| {
        let mut z = [Fr::ZERO; STATUS_DEPTH + 1];
        for d in 1..=STATUS_DEPTH {
            z[d] = node_hash(&[z[d - 1]; STATUS_ARITY]);
        }
        z
    })
}

fn check(serial: u32) -> Result<usize, StatusError> {
    let s = serial as usize;
    if s < STATUS_CAPACITY {
        Ok(s)
    } else {
        Err(StatusError::SerialOutOfRange(serial))
    }
}

fn parent_level(children: &[Fr], zero_child: Fr, zero_parent: Fr) -> Vec<Fr> {
    let hash = |c: &[Fr]| -> Fr {
        if c.iter().all(|x| *x == zero_child) {
            zero_parent
        } else {
            node_hash(&[c[0], c[1], c[2], c[3]])
        }
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        children.par_chunks(STATUS_ARITY).map(hash).collect()
    }
    #[cfg(not(feature = "parallel"))]
    children.chunks(STATUS_ARITY).map(hash).collect()
}

impl Default for StatusList {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusList {
    /// An empty list: nothing revoked.
    pub fn new() -> Self {
        Self::from_words(vec![0; STATUS_LEAVES])
    }

    fn from_words(words: Vec<u64>) -> Self {
        debug_assert_eq!(words.len(), STATUS_LEAVES);
        let z = zero_hashes();
        let mut levels = Vec::with_capacity(STATUS_DEPTH + 1);
        levels.push(words.iter().map(|w| Fr::from(*w)).collect::<Vec<_>>());
        for d in 1..=STATUS_DEPTH {
            let next = parent_level(&levels[d - 1], z[d - 1], z[d]);
            levels.push(next);
        }
        Self { words, levels }
    }

    /// A list with the given serials revoked, built in one pass.
    pub fn from_revoked(serials: impl IntoIterator<Item = u32>) -> Result<Self, StatusError> {
        let mut words = vec![0u64; STATUS_LEAVES];
        for serial in serials {
            let s = check(serial)?;
            words[s / STATUS_LEAF_BITS] |= 1 << (s % STATUS_LEAF_BITS);
        }
        Ok(Self::from_words(words))
    }

    /// The Merkle root.
    pub fn root(&self) -> Fr {
        self.levels[STATUS_DEPTH][0]
    }

    /// Whether a serial is revoked.
    pub fn is_revoked(&self, serial: u32) -> Result<bool, StatusError> {
        let s = check(serial)?;
        Ok(self.words[s / STATUS_LEAF_BITS] >> (s % STATUS_LEAF_BITS) & 1 == 1)
    }

    /// Number of revoked serials.
    pub fn revoked_count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Revokes a serial, updating one leaf and the path above it (7 hashes). Returns
    /// `false` if it was already revoked (nothing changes).
    pub fn revoke(&mut self, serial: u32) -> Result<bool, StatusError> {
        let s = check(serial)?;
        let k = s / STATUS_LEAF_BITS;
        let bit = 1u64 << (s % STATUS_LEAF_BITS);
        if self.words[k] & bit != 0 {
            return Ok(false);
        }
        self.words[k] |= bit;
        self.levels[0][k] = Fr::from(self.words[k]);
        let mut index = k;
        for d in 1..=STATUS_DEPTH {
            let first = index / STATUS_ARITY * STATUS_ARITY;
            let c = &self.levels[d - 1][first..first + STATUS_ARITY];
            let h = node_hash(&[c[0], c[1], c[2], c[3]]);
            index /= STATUS_ARITY;
            self.levels[d][index] = h;
        }
        Ok(true)
    }

    /// The holder's path for a serial: its leaf word and the three siblings per level.
    pub fn path(&self, serial: u32) -> Result<StatusPath, StatusError> {
        let s = check(serial)?;
        let mut index = s / STATUS_LEAF_BITS;
        let mut siblings = [[Fr::ZERO; STATUS_ARITY - 1]; STATUS_DEPTH];
        for (d, sib) in siblings.iter_mut().enumerate() {
            let first = index / STATUS_ARITY * STATUS_ARITY;
            let mut others = (first..first + STATUS_ARITY).filter(|i| *i != index);
            for x in sib.iter_mut() {
                *x = others.next().map(|i| self.levels[d][i]).unwrap_or_default();
            }
            index /= STATUS_ARITY;
        }
        Ok(StatusPath {
            leaf: self.words[s / STATUS_LEAF_BITS],
            siblings,
        })
    }

    /// The bitstring, W3C order: serial `i` is bit `7 - i % 8` of byte `i / 8`.
    pub fn to_bitstring(&self) -> Vec<u8> {
        let mut out = vec![0u8; BITSTRING_BYTES];
        for (k, w) in self.words.iter().enumerate() {
            for (b, byte) in out[k * 8..k * 8 + 8].iter_mut().enumerate() {
                *byte = ((w >> (8 * b)) as u8).reverse_bits();
            }
        }
        out
    }

    /// A list from its bitstring (exactly `2^20 / 8` bytes, W3C order).
    pub fn from_bitstring(bytes: &[u8]) -> Result<Self, StatusError> {
        if bytes.len() != BITSTRING_BYTES {
            return Err(StatusError::Malformed(
                "the bitstring must be 131072 bytes (2^20 bits)",
            ));
        }
        let words = bytes
            .chunks(8)
            .map(|c| {
                c.iter().enumerate().fold(0u64, |w, (b, byte)| {
                    w | u64::from(byte.reverse_bits()) << (8 * b)
                })
            })
            .collect();
        Ok(Self::from_words(words))
    }

    /// The compact public form: `"u"` + base64url (no padding) of GZIP(bitstring).
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&self.to_bitstring());
        let compressed = gz.finish().unwrap_or_default();
        format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed)
        )
    }

    /// Parses the compact form; refuses anything but exactly `2^20` bits.
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        let b64 = encoded
            .strip_prefix('u')
            .ok_or(StatusError::Malformed("missing multibase prefix 'u'"))?;
        let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| StatusError::Malformed("not base64url"))?;
        let mut bytes = Vec::with_capacity(BITSTRING_BYTES);
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(BITSTRING_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusError::Malformed("not gzip"))?;
        Self::from_bitstring(&bytes)
    }
}

/// A holder's proof that its serial's bit is in the committed list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusPath {
    /// The 64-bit leaf that holds the serial's bit.
    pub leaf: u64,
    /// At each level from the bottom, the three siblings in order.
    pub siblings: [[Fr; STATUS_ARITY - 1]; STATUS_DEPTH],
}

impl StatusPath {
    /// The four children at each level, with the path's own node inserted at the
    /// serial's position.
    pub fn children(&self, serial: u32) -> [[Fr; STATUS_ARITY]; STATUS_DEPTH] {
        let mut out = [[Fr::ZERO; STATUS_ARITY]; STATUS_DEPTH];
        let mut node = Fr::from(self.leaf);
        let mut index = serial as usize / STATUS_LEAF_BITS;
        for (d, children) in out.iter_mut().enumerate() {
            let pos = index % STATUS_ARITY;
            let mut sib = self.siblings[d].iter();
            for (i, c) in children.iter_mut().enumerate() {
                *c = if i == pos {
                    node
                } else {
                    sib.next().copied().unwrap_or_default()
                };
            }
            node = node_hash(children);
            index /= STATUS_ARITY;
        }
        out
    }

    /// The root this path leads to for a serial.
    pub fn root(&self, serial: u32) -> Fr {
        node_hash(&self.children(serial)[STATUS_DEPTH - 1])
    }

    /// Whether the serial's bit is set in the leaf.
    pub fn is_revoked(&self, serial: u32) -> bool {
        self.leaf >> (serial as usize % STATUS_LEAF_BITS) & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Reference: rebuild every node of the tree from all leaves, no shortcuts.
    fn reference_root(list: &StatusList) -> Fr {
        let mut level: Vec<Fr> = list.words.iter().map(|w| Fr::from(*w)).collect();
        while level.len() > 1 {
            level = level
                .chunks(4)
                .map(|c| node_hash(&[c[0], c[1], c[2], c[3]]))
                .collect();
        }
        level[0]
    }

    #[test]
    fn incremental_revocation_equals_rebuild() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let mut list = StatusList::new();
        assert_eq!(list.root(), zero_hashes()[STATUS_DEPTH]);
        let serials: Vec<u32> = (0..20)
            .map(|_| rng.gen_range(0..STATUS_CAPACITY as u32))
            .chain([0, (1 << 20) - 1])
            .collect();
        for s in &serials {
            let before = list.root();
            assert!(list.revoke(*s).unwrap());
            assert_ne!(list.root(), before);
            assert!(!list.revoke(*s).unwrap(), "revoking twice changes nothing");
            assert!(list.is_revoked(*s).unwrap());
        }
        assert_eq!(list.root(), reference_root(&list));
        let rebuilt = StatusList::from_bitstring(&list.to_bitstring()).unwrap();
        assert_eq!(rebuilt, list);
        assert_eq!(
            StatusList::from_revoked(serials.iter().copied()).unwrap(),
            list
        );
        assert!(StatusList::from_revoked([1 << 20]).is_err());
        assert_eq!(list.revoked_count(), {
            let mut u = serials.clone();
            u.sort();
            u.dedup();
            u.len()
        });
    }

    #[test]
    fn paths_lead_to_the_root_and_show_status() {
        let mut list = StatusList::new();
        for s in [3u32, 64, 65, 1000, 777_777] {
            list.revoke(s).unwrap();
        }
        for s in [0u32, 3, 4, 64, 1000, 1001, 777_777, (1 << 20) - 1] {
            let p = list.path(s).unwrap();
            assert_eq!(p.root(s), list.root(), "serial {s}");
            assert_eq!(p.is_revoked(s), list.is_revoked(s).unwrap());
        }
        // A path does not lead to the root for another serial's position.
        let p = list.path(1000).unwrap();
        assert_ne!(p.root(1000 + 64 * 5), list.root());
        assert_eq!(
            list.path(1 << 20),
            Err(StatusError::SerialOutOfRange(1 << 20))
        );
        assert_eq!(
            list.is_revoked(u32::MAX),
            Err(StatusError::SerialOutOfRange(u32::MAX))
        );
    }

    #[test]
    fn w3c_encoding_round_trips_and_refuses_bad_input() {
        let mut list = StatusList::new();
        list.revoke(0).unwrap();
        list.revoke(9).unwrap();
        let bits = list.to_bitstring();
        assert_eq!(
            bits[0], 0b1000_0000,
            "serial 0 is the first (most significant) bit"
        );
        assert_eq!(bits[1], 0b0100_0000);
        let enc = list.encode();
        assert!(enc.starts_with('u') && enc.len() < 1000, "{}", enc.len());
        assert_eq!(StatusList::decode(&enc).unwrap(), list);
        for bad in ["", "x", "u!!!", "uAAAA"] {
            assert!(
                matches!(StatusList::decode(bad), Err(StatusError::Malformed(_))),
                "{bad}"
            );
        }
        // Too short and too long bitstrings.
        let gz = |b: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(b).unwrap();
            format!(
                "u{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(e.finish().unwrap())
            )
        };
        assert!(StatusList::decode(&gz(&[0; 100])).is_err());
        assert!(StatusList::decode(&gz(&vec![0; BITSTRING_BYTES + 1])).is_err());
        assert!(StatusList::decode(&gz(&vec![0; BITSTRING_BYTES])).is_ok());
    }
}
