//! Key-bound requests: ALC's profile of RFC 9421 (HTTP Message Signatures) with an
//! RFC 9530 `Content-Digest`.
//!
//! A circuit-v2 lease is minted for the agent's Ed25519 key that the proof binds
//! (`cnf`, as RFC 7800 and DPoP do), and every call made with it carries:
//!
//! ```text
//! Content-Digest: sha-256=:<base64 SHA-256 of the body>:
//! Signature-Input: alc=("@method" "@authority" "@path" "@query" "content-digest");created=<unix>;nonce="<32 hex>";keyid="<lease id>";alg="hmac-sha256"
//! Signature: alc=:<base64 tag>:
//! ```
//!
//! The tag is HMAC-SHA256 over the RFC 9421 signature base (one `"name": value` line per
//! covered component, then `"@signature-params"`) under a **request key** only the agent
//! and the gateway can compute: SHA-256 of a tag, the static X25519 shared secret of the
//! agent's key (its Ed25519 key in Montgomery form) and the gateway's published binding
//! key, and both public keys. This is the static-static Diffie-Hellman authentication of
//! Noise's `KK` and HPKE's auth mode; it proves possession of the agent's secret to the
//! gateway at the cost of an HMAC per request (the X25519 is done once per lease), where
//! an Ed25519 signature would cost a verification per request. What it does not give is
//! evidence for a third party: the gateway could compute the tag too (it is the party
//! the tag protects; `docs/leases.md` argues the choice).
//!
//! This module is the wire format (feature-free) and, with the feature `signing`, the
//! key agreement and the tag. A verifier checks the skew of `created` and refuses a tag
//! it has seen (the replay set is the gateway's).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// The header carrying the signature parameters.
pub const SIGNATURE_INPUT: &str = "signature-input";
/// The header carrying the tag.
pub const SIGNATURE: &str = "signature";
/// The header carrying the body digest (RFC 9530).
pub const CONTENT_DIGEST: &str = "content-digest";
/// The signature's label in both headers.
pub const LABEL: &str = "alc";
/// The one algorithm of the profile.
pub const ALG: &str = "hmac-sha256";
/// The covered components, in order, as serialized in `Signature-Input`.
pub const COMPONENTS: &str = r#"("@method" "@authority" "@path" "@query" "content-digest")"#;
/// How far `created` may be from the verifier's clock, seconds: a verifier keeps the
/// tags it has seen for twice this long.
pub const MAX_SKEW_SECS: u64 = 30;

/// A request that cannot be checked or made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A header the profile needs is absent.
    #[error("the request is not signed: {0} is missing")]
    Missing(&'static str),
    /// A header is not in the profile's form.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A key of small order, or one that gives a zero shared secret.
    #[error("unusable key: of small order")]
    WeakKey,
}

/// The signature parameters (`created`, `nonce`, `keyid`; `alg` is fixed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// When the request was signed (unix seconds).
    pub created: u64,
    /// 16 random bytes, hex.
    pub nonce: String,
    /// The lease's id.
    pub keyid: String,
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Params {
    /// The parameters' serialization: the value of `@signature-params` and, after
    /// `alc=`, of `Signature-Input`.
    pub fn serialize(&self) -> String {
        format!(
            r#"{COMPONENTS};created={};nonce="{}";keyid="{}";alg="{ALG}""#,
            self.created, self.nonce, self.keyid
        )
    }

    /// The `Signature-Input` header value.
    pub fn header(&self) -> String {
        format!("{LABEL}={}", self.serialize())
    }

    /// Parses a `Signature-Input` value: only the profile's canonical form (its
    /// components in order, its parameters in order) is accepted.
    ///
    /// # Errors
    /// [`SignatureError::Malformed`].
    pub fn parse(header: &str) -> Result<Self, SignatureError> {
        const BAD: SignatureError = SignatureError::Malformed("Signature-Input");
        let rest = header
            .strip_prefix(LABEL)
            .and_then(|r| r.strip_prefix('='))
            .and_then(|r| r.strip_prefix(COMPONENTS))
            .and_then(|r| r.strip_prefix(";created="))
            .ok_or(BAD)?;
        let (created, rest) = rest.split_once(";nonce=\"").ok_or(BAD)?;
        let (nonce, rest) = rest.split_once("\";keyid=\"").ok_or(BAD)?;
        let (keyid, rest) = rest.split_once('"').ok_or(BAD)?;
        if rest != format!(";alg=\"{ALG}\"")
            || created.is_empty()
            || created.len() > 19
            || !created.bytes().all(|b| b.is_ascii_digit())
            || (created.len() > 1 && created.starts_with('0'))
            || nonce.len() != 32
            || !is_hex(nonce)
            || keyid.is_empty()
            || keyid.len() > 64
            || !is_hex(keyid)
        {
            return Err(BAD);
        }
        Ok(Self {
            created: created.parse().map_err(|_| BAD)?,
            nonce: nonce.to_owned(),
            keyid: keyid.to_owned(),
        })
    }
}

/// What a signature covers of a request.
#[derive(Clone, Copy, Debug)]
pub struct Covered<'a> {
    /// The method, upper case (`GET`).
    pub method: &'a str,
    /// The `Host` the client addressed (`127.0.0.1:8700`).
    pub authority: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The query without its `?` (none: no query).
    pub query: Option<&'a str>,
    /// The `Content-Digest` value.
    pub content_digest: &'a str,
}

/// The RFC 9421 signature base of a request under `params`.
pub fn base(c: &Covered<'_>, params: &Params) -> String {
    let path = if c.path.is_empty() { "/" } else { c.path };
    format!(
        "\"@method\": {}\n\"@authority\": {}\n\"@path\": {path}\n\"@query\": ?{}\n\"content-digest\": {}\n\"@signature-params\": {}",
        c.method,
        c.authority.to_ascii_lowercase(),
        c.query.unwrap_or(""),
        c.content_digest,
        params.serialize()
    )
}

/// The `Content-Digest` value of a body's SHA-256.
pub fn content_digest(sha256: &[u8; 32]) -> String {
    format!("sha-256=:{}:", B64.encode(sha256))
}

/// The `Signature` header value of a tag.
pub fn signature_header(tag: &[u8; 32]) -> String {
    format!("{LABEL}=:{}:", B64.encode(tag))
}

/// The tag in a `Signature` header value.
///
/// # Errors
/// [`SignatureError::Malformed`].
pub fn parse_signature(header: &str) -> Result<[u8; 32], SignatureError> {
    const BAD: SignatureError = SignatureError::Malformed("Signature");
    let b64 = header
        .strip_prefix(LABEL)
        .and_then(|r| r.strip_prefix("=:"))
        .and_then(|r| r.strip_suffix(':'))
        .ok_or(BAD)?;
    let bytes = B64.decode(b64).map_err(|_| BAD)?;
    bytes.try_into().map_err(|_| BAD)
}

#[cfg(feature = "signing")]
mod key {
    use super::SignatureError;
    use curve25519_dalek::montgomery::MontgomeryPoint;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    use zeroize::Zeroizing;

    const KEY_TAG: &[u8] = b"alc/v1/request-key\0";

    /// The key a lease's requests are tagged with (see the module documentation).
    pub struct RequestKey(Zeroizing<[u8; 32]>);

    impl std::fmt::Debug for RequestKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("RequestKey(<redacted>)")
        }
    }

    /// The X25519 public key of a gateway's binding secret.
    pub fn binding_public(secret: &[u8; 32]) -> [u8; 32] {
        MontgomeryPoint::mul_base_clamped(*secret).to_bytes()
    }

    fn derive(
        shared: MontgomeryPoint,
        agent: &ed25519_dalek::VerifyingKey,
        gateway: &[u8; 32],
    ) -> Result<RequestKey, SignatureError> {
        let shared = Zeroizing::new(shared.to_bytes());
        if agent.is_weak() || *shared == [0u8; 32] {
            return Err(SignatureError::WeakKey);
        }
        let mut h = Sha256::new();
        h.update(KEY_TAG);
        h.update(shared.as_ref());
        h.update(agent.as_bytes());
        h.update(gateway);
        Ok(RequestKey(Zeroizing::new(h.finalize().into())))
    }

    impl RequestKey {
        /// The agent's side: its Ed25519 key and the gateway's binding key.
        ///
        /// # Errors
        /// [`SignatureError::WeakKey`] for a binding key of small order.
        pub fn for_agent(
            agent: &ed25519_dalek::SigningKey,
            gateway: &[u8; 32],
        ) -> Result<Self, SignatureError> {
            let scalar = Zeroizing::new(agent.to_scalar_bytes());
            let shared = MontgomeryPoint(*gateway).mul_clamped(*scalar);
            derive(shared, &agent.verifying_key(), gateway)
        }

        /// The gateway's side: its binding secret and the agent's Ed25519 key.
        ///
        /// # Errors
        /// [`SignatureError::WeakKey`] for an agent key of small order.
        pub fn for_gateway(
            secret: &[u8; 32],
            agent: &ed25519_dalek::VerifyingKey,
        ) -> Result<Self, SignatureError> {
            let shared = agent.to_montgomery().mul_clamped(*secret);
            derive(shared, agent, &binding_public(secret))
        }

        fn mac(&self, base: &str) -> Hmac<Sha256> {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
                .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
            m.update(base.as_bytes());
            m
        }

        /// The tag of a signature base.
        pub fn tag(&self, base: &str) -> [u8; 32] {
            self.mac(base).finalize().into_bytes().into()
        }

        /// Whether `tag` is the tag of `base` (in constant time).
        pub fn check(&self, base: &str, tag: &[u8; 32]) -> bool {
            self.mac(base).verify_slice(tag).is_ok()
        }
    }
}

#[cfg(feature = "signing")]
pub use key::{binding_public, RequestKey};

/// An agent's Ed25519 public key from 32 bytes of hex (either case): a point, not of
/// small order. What a lease is bound to and a system certificate names.
#[cfg(feature = "signing")]
pub fn agent_key(hex: &str) -> Option<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = crate::encoding::hex_array(hex).ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .ok()
        .filter(|k| !k.is_weak())
}

/// The three headers of a signed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Content-Digest`.
    pub content_digest: String,
    /// `Signature-Input`.
    pub signature_input: String,
    /// `Signature`.
    pub signature: String,
}

/// Signs a request: `covered.content_digest` must be [`content_digest`] of the body the
/// request will carry.
#[cfg(feature = "signing")]
pub fn sign(key: &RequestKey, covered: &Covered<'_>, params: &Params) -> SignedHeaders {
    let tag = key.tag(&base(covered, params));
    SignedHeaders {
        content_digest: covered.content_digest.to_owned(),
        signature_input: params.header(),
        signature: signature_header(&tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params {
            created: 1_700_000_000,
            nonce: "00112233445566778899aabbccddeeff".into(),
            keyid: "abcdef".into(),
        }
    }

    #[test]
    fn params_round_trip_and_only_the_canonical_form_parses() {
        let p = params();
        assert_eq!(Params::parse(&p.header()), Ok(p.clone()));
        let h = p.header();
        for bad in [
            h.replacen("alc=", "sig1=", 1),
            h.replacen(r#" "@query""#, "", 1),
            h.replacen(";created=1700000000", ";created=01700000000", 1),
            h.replacen(";created=1700000000", ";created=", 1),
            h.replacen("00112233", "0011223", 1),
            h.replacen("00112233", "0011223X", 1),
            h.replacen("keyid=\"abcdef\"", "keyid=\"\"", 1),
            h.replacen("hmac-sha256", "ed25519", 1),
            format!("{h};expires=1"),
            format!(" {h}"),
        ] {
            assert!(Params::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_base_is_rfc_9421s_form() {
        let c = Covered {
            method: "POST",
            authority: "Example.COM:8700",
            path: "/v1/autonomous/x",
            query: Some("a=1"),
            content_digest: &content_digest(&[0; 32]),
        };
        let b = base(&c, &params());
        assert_eq!(
            b,
            "\"@method\": POST\n\"@authority\": example.com:8700\n\"@path\": /v1/autonomous/x\n\"@query\": ?a=1\n\"content-digest\": sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:\n\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\");created=1700000000;nonce=\"00112233445566778899aabbccddeeff\";keyid=\"abcdef\";alg=\"hmac-sha256\""
        );
        let empty = base(&Covered { query: None, ..c }, &params());
        assert!(empty.contains("\"@query\": ?\n"));
    }

    #[test]
    fn signature_headers_round_trip_and_refuse_other_shapes() {
        let t = [9u8; 32];
        assert_eq!(parse_signature(&signature_header(&t)), Ok(t));
        for bad in [
            "alc=:AAAA:",
            "sig1=:CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=:",
            "alc=CQ==",
        ] {
            assert!(parse_signature(bad).is_err(), "{bad}");
        }
    }

    #[cfg(feature = "signing")]
    #[test]
    fn both_sides_agree_and_another_key_does_not() {
        let agent = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let gateway = [2u8; 32];
        let g = RequestKey::for_gateway(&gateway, &agent.verifying_key())
            .unwrap_or_else(|_| unreachable!());
        let a = RequestKey::for_agent(&agent, &binding_public(&gateway))
            .unwrap_or_else(|_| unreachable!());
        let base = "b";
        assert!(g.check(base, &a.tag(base)));
        assert!(!g.check("c", &a.tag(base)));
        let other = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let o = RequestKey::for_agent(&other, &binding_public(&gateway))
            .unwrap_or_else(|_| unreachable!());
        assert!(!g.check(base, &o.tag(base)));
        let elsewhere = RequestKey::for_agent(&agent, &binding_public(&[4; 32]))
            .unwrap_or_else(|_| unreachable!());
        assert!(!g.check(base, &elsewhere.tag(base)));
    }

    #[cfg(feature = "signing")]
    #[test]
    fn an_agent_key_is_a_full_order_point_in_hex() {
        let k = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let hex = ::hex::encode(k.as_bytes());
        assert_eq!(agent_key(&hex), Some(k));
        assert_eq!(agent_key(&hex.to_uppercase()), Some(k));
        // Twins: the identity (small order), a byte short, not hex.
        let mut id = [0u8; 32];
        id[0] = 1;
        assert_eq!(agent_key(&::hex::encode(id)), None);
        assert_eq!(agent_key(&hex[2..]), None);
        assert_eq!(agent_key(&"zz".repeat(32)), None);
    }

    #[cfg(feature = "signing")]
    #[test]
    fn small_order_keys_are_refused() {
        // The identity point (y = 1) is of small order: every shared secret with it is 0.
        let mut id = [0u8; 32];
        id[0] = 1;
        let weak = ed25519_dalek::VerifyingKey::from_bytes(&id).unwrap_or_else(|_| unreachable!());
        assert_eq!(
            RequestKey::for_gateway(&[2; 32], &weak).err(),
            Some(SignatureError::WeakKey)
        );
        let agent = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        assert_eq!(
            RequestKey::for_agent(&agent, &[0; 32]).err(),
            Some(SignatureError::WeakKey)
        );
    }
}
