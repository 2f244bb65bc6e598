//! Leases: Biscuit tokens (Ed25519) minted by the gateway, attenuated for sub-agents.
//!
//! A root lease's authority block states what the proof showed and what it allows:
//!
//! ```text
//! lease("…"); pseudonym("…"); tier(1); permit_tier(0); epoch(7); agent("…"); manifest("…");
//! right("/v1/sandbox/"); right("/v1/autonomous/"); cnf("<agent's Ed25519 key, hex>");
//! check if time($t), $t < 2026-11-26T08:15:00Z;
//! check if route($r), right($p), $r.starts_with($p);
//! ```
//!
//! A child lease appends a block that can only narrow (`check if time($t), $t < …;`
//! and `check if route($r), $r.starts_with("…") or …;`), plus facts naming the child
//! (and `child_cnf("…")`, its own key). `cnf` is the key the lease is bound to (RFC
//! 7800's confirmation claim): the per-request signature is checked against the key in
//! the lease index, which the token must agree with; a circuit-v1 lease has none and is
//! a bearer token.
//! Every block's revocation identifier is recorded in the gateway's lease index, and
//! killing a lease puts its identifier in the kill set: every token that contains that
//! block, i.e. the lease and all its descendants, is refused. The gateway accepts only
//! tokens all of whose blocks it minted, so the index holds each lease's exact rights.

use biscuit_auth::macros::{authorizer, biscuit, block};
use biscuit_auth::{Biscuit, KeyPair, PrivateKey, PublicKey};
use std::time::{Duration, UNIX_EPOCH};

/// What a lease says, as recorded in the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The lease's identifier.
    pub id: String,
    /// Its parent (sub-agent leases).
    pub parent: Option<String>,
    /// The holder's pseudonym at this gateway (decimal).
    pub pseudonym: String,
    /// Proven minimum licence tier.
    pub tier: u8,
    /// Proven minimum permit tier.
    pub permit_tier: u8,
    /// Status epoch the proof was made against.
    pub epoch: u64,
    /// The agent it was issued to.
    pub agent: String,
    /// The agent manifest's SHA-256 (hex).
    pub manifest: String,
    /// Route prefixes it may call.
    pub rights: Vec<String>,
    /// Requests per minute.
    pub rate_per_min: u32,
    /// Unix seconds.
    pub expires: u64,
    /// 0 for a root lease.
    pub depth: u32,
    /// The agent's Ed25519 key the lease is bound to (hex); none: a bearer lease.
    pub key: Option<String>,
    /// A root lease's escrow ciphertext (its statement's, as JSON), for incident reports.
    pub escrow: Option<String>,
    /// The tier-3 agent system it serves (its public id), from the authority's
    /// certificate for its key; a child inherits its parent's.
    pub system: Option<String>,
}

/// A token that cannot be minted or accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// Not a token of this gateway, or tampered.
    #[error("not a valid lease")]
    Invalid,
    /// Minting failed.
    #[error("cannot mint a lease: {0}")]
    Mint(String),
}

fn time(secs: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The gateway's lease key.
pub struct Minter {
    root: KeyPair,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Minter(<redacted>)")
    }
}

/// A parsed, signature-checked token.
pub struct Parsed {
    /// The token.
    pub token: Biscuit,
    /// Revocation identifiers of its blocks (hex), authority block first.
    pub blocks: Vec<String>,
}

impl Minter {
    /// A minter from a 32-byte Ed25519 secret.
    pub fn from_secret(secret: &[u8; 32]) -> Result<Self, LeaseError> {
        let key = PrivateKey::from_bytes(secret, biscuit_auth::Algorithm::Ed25519)
            .map_err(|e| LeaseError::Mint(e.to_string()))?;
        Ok(Self {
            root: KeyPair::from(&key),
        })
    }

    /// The public key that verifies the gateway's leases.
    pub fn public(&self) -> PublicKey {
        self.root.public()
    }

    /// Mints a root lease; returns the token and its block's revocation identifier.
    pub fn mint(&self, l: &Lease) -> Result<(String, String), LeaseError> {
        let mint = |e: biscuit_auth::error::Token| LeaseError::Mint(e.to_string());
        let mut b = biscuit!(
            r#"
            lease({id}); pseudonym({nym}); tier({tier}); permit_tier({ptier}); epoch({epoch});
            agent({agent}); manifest({manifest});
            check if time($t), $t < {expires};
            check if route($r), right($p), $r.starts_with($p);
            "#,
            id = l.id.clone(),
            nym = l.pseudonym.clone(),
            tier = l.tier as i64,
            ptier = l.permit_tier as i64,
            epoch = l.epoch as i64,
            agent = l.agent.clone(),
            manifest = l.manifest.clone(),
            expires = time(l.expires),
        );
        if let Some(k) = &l.key {
            b = b
                .fact(biscuit_auth::builder::fact(
                    "cnf",
                    &[biscuit_auth::builder::string(k)],
                ))
                .map_err(mint)?;
        }
        for r in &l.rights {
            b = b
                .fact(biscuit_auth::builder::fact(
                    "right",
                    &[biscuit_auth::builder::string(r)],
                ))
                .map_err(mint)?;
        }
        let token = b.build(&self.root).map_err(mint)?;
        finish(&token)
    }

    /// Appends a child's block to a parent token.
    pub fn attenuate(
        &self,
        parent: &Biscuit,
        child: &Lease,
    ) -> Result<(String, String), LeaseError> {
        let mint = |e: biscuit_auth::error::Token| LeaseError::Mint(e.to_string());
        let mut b = block!(
            r#"
            child_lease({id}); child_agent({agent}); child_manifest({manifest});
            check if time($t), $t < {expires};
            "#,
            id = child.id.clone(),
            agent = child.agent.clone(),
            manifest = child.manifest.clone(),
            expires = time(child.expires),
        );
        if let Some(k) = &child.key {
            b = b
                .fact(biscuit_auth::builder::fact(
                    "child_cnf",
                    &[biscuit_auth::builder::string(k)],
                ))
                .map_err(mint)?;
        }
        // check if route($r), $r.starts_with(p1) or route($r), $r.starts_with(p2) ...
        let source = child
            .rights
            .iter()
            .map(|p| {
                format!(
                    "route($r), $r.starts_with({})",
                    serde_json::Value::String(p.clone())
                )
            })
            .collect::<Vec<_>>()
            .join(" or ");
        b = b
            .check(format!("check if {source}").as_str())
            .map_err(mint)?;
        let token = parent.append(b).map_err(mint)?;
        finish(&token)
    }

    /// Parses a token and checks every block's signature.
    pub fn parse(&self, token: &str) -> Result<Parsed, LeaseError> {
        if token.len() > 8192 {
            return Err(LeaseError::Invalid);
        }
        let token =
            Biscuit::from_base64(token, self.root.public()).map_err(|_| LeaseError::Invalid)?;
        let blocks = token
            .revocation_identifiers()
            .iter()
            .map(hex::encode)
            .collect();
        Ok(Parsed { token, blocks })
    }

    /// Runs the token's own checks for a route at a time (defence in depth beside the
    /// index: the token must agree with it).
    pub fn authorize(parsed: &Parsed, route: &str, now: u64) -> Result<(), LeaseError> {
        let mut a = authorizer!(
            r#"time({now}); route({route}); allow if true;"#,
            now = time(now),
            route = route.to_owned(),
        )
        .set_limits(AUTHORIZER_LIMITS)
        .build(&parsed.token)
        .map_err(|_| LeaseError::Invalid)?;
        a.authorize().map(|_| ()).map_err(|_| LeaseError::Invalid)
    }
}

/// The authorizer's bounds. biscuit-auth's default time limit (1 ms) is a wall-clock
/// bound: a busy machine (a gateway under load, a debug build) exceeded it and refused
/// valid leases as not covering their route. A token's work is bounded by its size (8 KB)
/// and these fact and iteration limits; the time limit is only the last guard.
const AUTHORIZER_LIMITS: biscuit_auth::AuthorizerLimits = biscuit_auth::AuthorizerLimits {
    max_facts: 1000,
    max_iterations: 100,
    max_time: std::time::Duration::from_millis(100),
};

fn finish(token: &Biscuit) -> Result<(String, String), LeaseError> {
    let s = token
        .to_base64()
        .map_err(|e| LeaseError::Mint(e.to_string()))?;
    let last = token
        .revocation_identifiers()
        .last()
        .map(hex::encode)
        .ok_or_else(|| LeaseError::Mint("token without blocks".into()))?;
    Ok((s, last))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lease(id: &str, rights: &[&str], expires: u64) -> Lease {
        Lease {
            id: id.into(),
            parent: None,
            pseudonym: "42".into(),
            tier: 1,
            permit_tier: 0,
            epoch: 3,
            agent: "a".into(),
            manifest: "00".into(),
            rights: rights.iter().map(|s| s.to_string()).collect(),
            rate_per_min: 60,
            expires,
            depth: 0,
            key: None,
            escrow: None,
            system: None,
        }
    }

    #[test]
    fn tokens_carry_their_checks_and_children_only_narrow() {
        let m = Minter::from_secret(&[9; 32]).unwrap();
        let (t, block) = m
            .mint(&lease("l1", &["/v1/sandbox/", "/v1/autonomous/"], 1000))
            .unwrap();
        let p = m.parse(&t).unwrap();
        assert_eq!(p.blocks, vec![block.clone()]);
        assert!(Minter::authorize(&p, "/v1/autonomous/x", 999).is_ok());
        assert!(
            Minter::authorize(&p, "/v1/autonomous/x", 1000).is_err(),
            "expired"
        );
        assert!(
            Minter::authorize(&p, "/v1/admin/x", 10).is_err(),
            "no right"
        );
        let (c, child_block) = m
            .attenuate(&p.token, &lease("l2", &["/v1/sandbox/"], 500))
            .unwrap();
        let pc = m.parse(&c).unwrap();
        assert_eq!(pc.blocks, vec![block, child_block]);
        assert!(Minter::authorize(&pc, "/v1/sandbox/y", 499).is_ok());
        assert!(
            Minter::authorize(&pc, "/v1/autonomous/x", 10).is_err(),
            "child narrowed to sandbox"
        );
        assert!(
            Minter::authorize(&pc, "/v1/sandbox/y", 600).is_err(),
            "child expires first"
        );
        // Another gateway's key, a flipped character, garbage.
        let other = Minter::from_secret(&[8; 32]).unwrap();
        assert!(other.parse(&t).is_err());
        let mut flipped = t.clone().into_bytes();
        let i = flipped.len() / 2;
        flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
        assert!(m.parse(&String::from_utf8(flipped).unwrap()).is_err());
        assert!(m.parse("garbage").is_err());
        assert!(format!("{m:?}").contains("redacted"));
    }
}
