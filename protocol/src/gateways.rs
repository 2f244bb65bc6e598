//! Who a gateway is: the authority's signed list of registered gateways, and the
//! gateway's signature on each challenge it hands out.
//!
//! A wallet proves to a gateway for the gateway's scope and the gateway's challenge. If
//! it took both from whatever server it talks to, a malicious gateway E could fetch
//! gateway B's challenge, hand it over as its own and post the proof to B (a lease at B in
//! the holder's name: a relay), or ask for any scope and learn the holder's pseudonym
//! there (harvesting). So:
//!
//! * the authority registers each gateway's id (its scope), its Ed25519 key and the URL
//!   it serves at, and publishes them all in a [`SignedGatewayList`], signed with its
//!   status key under [`GATEWAY_LIST_TAG`];
//! * a gateway signs every [`Challenge`] with its registered key under
//!   [`CHALLENGE_TAG`] (scope, challenge, clock, expiry and binding key: the binding key
//!   too, or a relay could substitute its own and compute the agent's request key);
//! * the wallet, before it proves, looks the challenge's scope up in the list, checks
//!   that the URL it is talking to has that gateway's registered origin, and verifies the
//!   challenge's signature with that gateway's key ([`check_challenge`]). E can then
//!   neither pass B's challenge off as its own (E's URL is not B's) nor ask for a scope
//!   other than its own (its signature would not verify under that scope's key).
//!
//! Registered URLs are `https`, or `http` on a loopback host ([`check_service_url`]).

use crate::gateway::Challenge;
use serde::{Deserialize, Serialize};

/// The domain tag of the authority's signature on the gateway list.
pub const GATEWAY_LIST_TAG: &[u8] = b"alc/v1/gateway-list\0";

/// The domain tag of a gateway's signature on a challenge.
pub const CHALLENGE_TAG: &[u8] = b"alc/v1/gateway-challenge\0";

/// One registered gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredGateway {
    /// Its id: the scope its proofs are bound to.
    pub id: String,
    /// Its Ed25519 key (32 bytes, hex): registry submissions and challenges.
    pub key: String,
    /// The URL it serves wallets at (its origin is what a wallet compares).
    pub url: String,
}

/// Every registered gateway, as the authority signs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatewayList {
    /// The authority's name (the `issuer` of its status responses).
    pub issuer: String,
    /// When it was signed (unix seconds).
    pub produced_at: u64,
    /// The gateways, by id.
    pub gateways: Vec<RegisteredGateway>,
}

/// `GET /v1/gateways`: a [`GatewayList`] signed with the authority's status key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedGatewayList {
    /// base64url (no padding) of the list's JSON.
    pub payload: String,
    /// base64url (no padding) of the Ed25519 signature over the tag and the JSON.
    pub signature: String,
}

/// Why a wallet refuses to prove to a gateway.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayCheckError {
    /// The list is not base64url JSON of a gateway list, or an entry's key is not a key.
    #[error("the authority's gateway list is malformed")]
    Malformed,
    /// The list's signature does not verify under the authority's status key.
    #[error("the authority's gateway list is not signed by the authority")]
    ListSignature,
    /// The list is signed by the authority under another name.
    #[error("the gateway list is the authority {0:?}'s, not this authority's")]
    OtherIssuer(String),
    /// The challenge's scope is no registered gateway.
    #[error("the challenge is for {0:?}, which the authority has not registered as a gateway")]
    Unregistered(String),
    /// The server the wallet talks to is not where that gateway is registered: a relay.
    #[error("the challenge is gateway {id:?}'s, registered at {registered}, but it came from {talking_to}: refusing to prove (a relayed challenge)")]
    Relayed {
        /// The challenge's scope.
        id: String,
        /// Its registered URL.
        registered: String,
        /// The URL the wallet talks to.
        talking_to: String,
    },
    /// The challenge carries no signature, or one that does not verify under the key the
    /// authority registered for its scope.
    #[error("the challenge is not signed by gateway {0:?}'s registered key")]
    ChallengeSignature(String),
    /// A URL that is not `https` (nor `http` on a loopback host), or not a URL.
    #[error("{0}")]
    Url(String),
}

/// Checks that `url` is an absolute `https` URL, or `http` on a loopback host
/// (`localhost`, `127.0.0.0/8`, `[::1]`): what a gateway is registered at and what a
/// service follows another service at.
pub fn check_service_url(url: &str) -> Result<(), GatewayCheckError> {
    let (scheme, host, _) = origin(url)?;
    match scheme.as_str() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => Err(GatewayCheckError::Url(format!(
            "{url} is plain http to a host other than loopback: use https"
        ))),
        other => Err(GatewayCheckError::Url(format!(
            "{url}: scheme {other:?} is not http(s)"
        ))),
    }
}

/// Whether `host` (as [`origin`] gives it) is a loopback host.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// The origin of an absolute http(s) URL: scheme and host lower-cased, and the port (the
/// scheme's default when absent). User info, path, query and fragment are ignored.
pub fn origin(url: &str) -> Result<(String, String, u16), GatewayCheckError> {
    let bad = |why: &str| GatewayCheckError::Url(format!("{url:?} is not a usable URL: {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad("the scheme is not http(s)")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("it has user information"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("an unclosed [ host"))?;
        (
            format!("[{}]", addr.to_ascii_lowercase()),
            after.strip_prefix(':'),
        )
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(bad("no host"));
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b))
    {
        return Err(bad("the host has characters a host name does not"));
    }
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
    };
    Ok((scheme, host, port))
}

/// Whether two URLs share an origin (see [`origin`]); `false` if either is unusable.
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Ok(x), Ok(y)) if x == y)
}

impl Challenge {
    /// What the gateway signs: [`CHALLENGE_TAG`], then scope, challenge, `now`,
    /// `expires_at`, `lease_ends` and binding key, each as its length (8 bytes, big-endian)
    /// and bytes.
    pub fn signed_message(&self) -> Vec<u8> {
        let now = self.now.to_string();
        let expires = self.expires_at.to_string();
        let lease_ends = self.lease_ends.to_string();
        let mut m = CHALLENGE_TAG.to_vec();
        for field in [
            self.scope.as_bytes(),
            self.challenge.as_bytes(),
            now.as_bytes(),
            expires.as_bytes(),
            lease_ends.as_bytes(),
            self.binding_key.as_bytes(),
        ] {
            m.extend_from_slice(&(field.len() as u64).to_be_bytes());
            m.extend_from_slice(field);
        }
        m
    }
}

#[cfg(feature = "signing")]
mod signing {
    use super::*;
    use crate::encoding::{base64url, base64url_array, hex_array};
    use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

    impl SignedGatewayList {
        /// Signs a list with the authority's status key.
        pub fn sign(list: &GatewayList, key: &SigningKey) -> Self {
            let json = serde_json::to_vec(list).unwrap_or_default();
            let (payload, signature) = crate::sealed::seal(GATEWAY_LIST_TAG, &json, key);
            Self { payload, signature }
        }

        /// Verifies the signature under the authority's status key and returns the list.
        pub fn verify(&self, key: &VerifyingKey) -> Result<GatewayList, GatewayCheckError> {
            use crate::sealed::{open, Unsealed};
            let json = open(GATEWAY_LIST_TAG, &self.payload, &self.signature, key).map_err(
                |e| match e {
                    Unsealed::Malformed => GatewayCheckError::Malformed,
                    Unsealed::Signature => GatewayCheckError::ListSignature,
                },
            )?;
            serde_json::from_slice(&json).map_err(|_| GatewayCheckError::Malformed)
        }
    }

    impl Challenge {
        /// Signs the challenge with the gateway's registered key (sets `signature`).
        pub fn sign(&mut self, key: &SigningKey) {
            self.signature = base64url(&key.sign(&self.signed_message()).to_bytes());
        }

        /// Whether `signature` verifies under `key` (strict Ed25519).
        pub fn signed_by(&self, key: &VerifyingKey) -> bool {
            base64url_array::<64>(&self.signature).is_ok_and(|sig| {
                key.verify_strict(&self.signed_message(), &Signature::from_bytes(&sig))
                    .is_ok()
            })
        }
    }

    /// What a wallet checks before it proves for `challenge`, which it fetched from the
    /// gateway at `talking_to`: the authority `issuer`'s list (verified with its status
    /// key `status_key`) registers the challenge's scope at `talking_to`'s origin, and
    /// the challenge is signed by that gateway's key. Returns the registered entry.
    pub fn check_challenge(
        challenge: &Challenge,
        list: &SignedGatewayList,
        status_key: &VerifyingKey,
        issuer: &str,
        talking_to: &str,
    ) -> Result<RegisteredGateway, GatewayCheckError> {
        let list = list.verify(status_key)?;
        if list.issuer != issuer {
            return Err(GatewayCheckError::OtherIssuer(list.issuer));
        }
        let entry = list
            .gateways
            .into_iter()
            .find(|g| g.id == challenge.scope)
            .ok_or_else(|| GatewayCheckError::Unregistered(challenge.scope.clone()))?;
        if !same_origin(&entry.url, talking_to) {
            return Err(GatewayCheckError::Relayed {
                id: entry.id,
                registered: entry.url,
                talking_to: talking_to.to_owned(),
            });
        }
        let key: [u8; 32] = hex_array(&entry.key).map_err(|_| GatewayCheckError::Malformed)?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| GatewayCheckError::Malformed)?;
        if !challenge.signed_by(&key) {
            return Err(GatewayCheckError::ChallengeSignature(entry.id));
        }
        Ok(entry)
    }
}

#[cfg(feature = "signing")]
pub use signing::check_challenge;

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use crate::gateway::{Policy, TierPolicy};
    use ed25519_dalek::SigningKey;

    const AUTHORITY: &str = "alc-dev-authority";

    fn status_key() -> SigningKey {
        SigningKey::from_bytes(&[1; 32])
    }

    fn gateway_key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[10 + n; 32])
    }

    fn list() -> SignedGatewayList {
        let entry = |n: u8, id: &str, url: &str| RegisteredGateway {
            id: id.into(),
            key: hex::encode(gateway_key(n).verifying_key().as_bytes()),
            url: url.into(),
        };
        SignedGatewayList::sign(
            &GatewayList {
                issuer: AUTHORITY.into(),
                produced_at: 1,
                gateways: vec![
                    entry(1, "b.example", "https://b.example"),
                    entry(2, "e.example", "https://e.example/"),
                ],
            },
            &status_key(),
        )
    }

    fn challenge(scope: &str, n: u8) -> Challenge {
        let mut c = Challenge {
            challenge: "00ff".into(),
            now: 1_700_000_000,
            expires_at: 1_700_000_060,
            lease_ends: 1_700_000_900,
            scope: scope.into(),
            policy: Policy {
                sandbox: TierPolicy {
                    min_tier: 0,
                    min_permit_tier: 0,
                },
                autonomous: TierPolicy {
                    min_tier: 1,
                    min_permit_tier: 0,
                },
            },
            roots: Vec::new(),
            status: None,
            issuer_key: ["1".into(), "2".into()],
            binding_key: "aa".repeat(32),
            signature: String::new(),
        };
        c.sign(&gateway_key(n));
        c
    }

    fn check(c: &Challenge, at: &str) -> Result<RegisteredGateway, GatewayCheckError> {
        check_challenge(c, &list(), &status_key().verifying_key(), AUTHORITY, at)
    }

    #[test]
    fn a_gateways_own_challenge_at_its_registered_origin_passes() {
        let got = check(&challenge("b.example", 1), "https://B.example:443/v1/lease").unwrap();
        assert_eq!(got.id, "b.example");
        check(&challenge("e.example", 2), "https://e.example").unwrap();
    }

    #[test]
    fn a_relayed_challenge_is_refused() {
        // E hands the holder B's challenge (signed by B) as its own.
        let e = check(&challenge("b.example", 1), "https://e.example").unwrap_err();
        assert!(matches!(e, GatewayCheckError::Relayed { .. }), "{e}");
        // Another port or scheme of B's host is another origin.
        for at in ["https://b.example:8443", "http://b.example"] {
            assert!(matches!(
                check(&challenge("b.example", 1), at),
                Err(GatewayCheckError::Relayed { .. })
            ));
        }
    }

    #[test]
    fn a_harvesting_scope_or_a_forged_signature_is_refused() {
        // E asks for B's scope but signs with its own key.
        let e = check(&challenge("b.example", 2), "https://b.example").unwrap_err();
        assert_eq!(e, GatewayCheckError::ChallengeSignature("b.example".into()));
        // An unregistered scope.
        let e = check(&challenge("c.example", 2), "https://e.example").unwrap_err();
        assert_eq!(e, GatewayCheckError::Unregistered("c.example".into()));
        // An unsigned challenge, and one whose binding key was swapped after signing.
        let mut c = challenge("b.example", 1);
        c.signature.clear();
        assert!(check(&c, "https://b.example").is_err());
        let mut c = challenge("b.example", 1);
        c.binding_key = "bb".repeat(32);
        assert!(check(&c, "https://b.example").is_err());
        // A lease end moved after signing (a longer lease than the gateway offered).
        let mut c = challenge("b.example", 1);
        c.lease_ends += 1;
        assert!(check(&c, "https://b.example").is_err());
        assert!(check(&challenge("b.example", 1), "https://b.example").is_ok());
    }

    #[test]
    fn a_list_not_signed_by_the_authority_is_refused() {
        let other = SigningKey::from_bytes(&[2; 32]).verifying_key();
        let c = challenge("b.example", 1);
        let e = check_challenge(&c, &list(), &other, AUTHORITY, "https://b.example").unwrap_err();
        assert_eq!(e, GatewayCheckError::ListSignature);
        let e = check_challenge(
            &c,
            &list(),
            &status_key().verifying_key(),
            "another",
            "https://b.example",
        )
        .unwrap_err();
        assert_eq!(e, GatewayCheckError::OtherIssuer(AUTHORITY.into()));
    }

    #[test]
    fn service_urls_are_https_or_loopback_http() {
        for ok in [
            "https://a.example",
            "http://127.0.0.1:8600",
            "http://localhost:1",
            "http://[::1]:80/x",
            "http://127.5.0.1",
        ] {
            check_service_url(ok).unwrap();
        }
        for bad in [
            "http://a.example",
            "http://10.0.0.1",
            "ftp://a.example",
            "a.example",
            "https://user@a.example",
            "https://",
            "http://127.0.0.1.evil.example",
            "https://a.example:x",
        ] {
            assert!(check_service_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin("https://A.example/x", "https://a.example:443"));
        assert!(same_origin("http://127.0.0.1:80/", "http://127.0.0.1"));
        assert!(!same_origin("https://a.example", "https://a.example.evil"));
        assert!(!same_origin("https://a.example", "http://a.example:443"));
        assert!(!same_origin("not a url", "not a url"));
    }
}
