//! Proof of possession for key-bound leases: the per-request signature
//! (`alc_protocol::signature`) checked against the lease's request key, its clock skew,
//! its body digest, and a replay set.
//!
//! The replay set holds the first 16 bytes of every accepted tag. A tag is accepted only
//! while `|created - now| <= MAX_SKEW_SECS`, so it can be replayed for at most
//! `2 * MAX_SKEW_SECS`; the set rotates two generations of that length, so every tag is
//! remembered for at least as long as it could be accepted. It is in memory, per
//! process (16 shards, one lock each): a fleet sharing one lease key but not this set
//! would accept a request replayed to another process within the window (the fleet's
//! shared state is a later step, `docs/leases.md`). Memory: about 20 bytes per request
//! of the last two minutes (≈ 70 MB at 30,000 requests a second).

use crate::core::Deny;
use alc_protocol::signature::{
    base, content_digest, parse_signature, Covered, Params, RequestKey, MAX_SKEW_SECS,
};
use std::collections::HashSet;
use std::sync::Mutex;

/// A request as received, for its signature check.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// The method.
    pub method: &'a str,
    /// The `Host` it was sent to.
    pub authority: &'a str,
    /// The path.
    pub path: &'a str,
    /// The query, if any.
    pub query: Option<&'a str>,
    /// SHA-256 of the body as received.
    pub body_sha256: [u8; 32],
    /// `Content-Digest`, if present.
    pub content_digest: Option<&'a str>,
    /// `Signature-Input`, if present.
    pub signature_input: Option<&'a str>,
    /// `Signature`, if present.
    pub signature: Option<&'a str>,
}

const SHARDS: usize = 16;

#[derive(Default)]
struct Generations {
    window: u64,
    current: HashSet<u128>,
    previous: HashSet<u128>,
}

/// The replay set.
pub struct Replays {
    shards: [Mutex<Generations>; SHARDS],
}

impl Default for Replays {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(Generations::default())),
        }
    }
}

impl Replays {
    /// Records a tag at `now`; false if it was seen.
    fn first_sight(&self, tag: &[u8; 32], now: u64) -> bool {
        let mut id = [0u8; 16];
        id.copy_from_slice(&tag[..16]);
        let id = u128::from_le_bytes(id);
        let shard = &self.shards[usize::from(tag[16]) % SHARDS];
        let mut g = shard.lock().unwrap_or_else(|p| p.into_inner());
        let window = now / (2 * MAX_SKEW_SECS);
        if window != g.window {
            g.previous = if window == g.window + 1 {
                std::mem::take(&mut g.current)
            } else {
                HashSet::new()
            };
            g.current.clear();
            g.window = window;
        }
        if g.previous.contains(&id) {
            return false;
        }
        g.current.insert(id)
    }
}

/// Checks a request against a lease's key at `now`: signed for this lease, fresh, over
/// this body, by the key, and not seen before.
pub fn check(
    key: &RequestKey,
    lease_id: &str,
    r: &SignedRequest<'_>,
    replays: &Replays,
    now: u64,
) -> Result<(), Deny> {
    let (Some(input), Some(sig), Some(digest)) = (r.signature_input, r.signature, r.content_digest)
    else {
        return Err(Deny::Unauthenticated(
            "this lease is bound to a key: sign the request (Signature-Input, Signature and Content-Digest headers, RFC 9421)",
        ));
    };
    let params =
        Params::parse(input).map_err(|_| Deny::Unauthenticated("malformed Signature-Input"))?;
    let tag = parse_signature(sig).map_err(|_| Deny::Unauthenticated("malformed Signature"))?;
    if params.keyid != lease_id {
        return Err(Deny::Unauthenticated(
            "the request is signed for another lease",
        ));
    }
    if params.created.abs_diff(now) > MAX_SKEW_SECS {
        return Err(Deny::Unauthenticated(
            "the request's signature is too old or dated in the future",
        ));
    }
    let actual = content_digest(&r.body_sha256);
    if digest != actual {
        return Err(Deny::Unauthenticated(
            "Content-Digest does not match the request's body",
        ));
    }
    let covered = Covered {
        method: r.method,
        authority: r.authority,
        path: r.path,
        query: r.query,
        content_digest: &actual,
    };
    if !key.check(&base(&covered, &params), &tag) {
        return Err(Deny::Unauthenticated(
            "the request's signature does not verify under the lease's key",
        ));
    }
    if !replays.first_sight(&tag, now) {
        return Err(Deny::Unauthenticated("a replayed request"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_tag_is_remembered_for_as_long_as_it_could_be_accepted() {
        let r = Replays::default();
        let t = [5u8; 32];
        assert!(r.first_sight(&t, 1000));
        for later in [1000, 1001, 1000 + MAX_SKEW_SECS, 1000 + 2 * MAX_SKEW_SECS] {
            assert!(!r.first_sight(&t, later), "{later}");
        }
        let mut other = t;
        other[0] = 6;
        assert!(r.first_sight(&other, 1001));
        // After two windows it is forgotten (and could no longer pass the skew check).
        assert!(r.first_sight(&t, 1000 + 5 * MAX_SKEW_SECS));
    }
}
