//! Agents' lease keys and signed requests.
//!
//! A circuit-v2 lease is bound to an Ed25519 key of its agent. The wallet does not store
//! that key: it derives it from the holder secret (which is encrypted at rest under the
//! passphrase, `crate::store`) and a random 16-byte salt kept in the lease file,
//! `sk = SHA-256("alc/v1/agent-key\0" || holder secret || salt)`. So an agent's key is
//! exactly as protected as the holder secret, a fresh salt per lease makes the keys of
//! one holder unlinkable across gateways, and a lease file alone (its token, salt and
//! public key) cannot make a single accepted call.

use crate::store::StoredSystem;
use crate::WalletError;
use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_protocol::signature::{self, content_digest, Covered, Params, RequestKey, SignedHeaders};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// An agent's lease key (its `Debug` never shows the secret; zeroized on drop).
pub struct AgentKey(SigningKey);

impl std::fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AgentKey({})", self.public_hex())
    }
}

impl AgentKey {
    /// The key of `salt` under the holder secret.
    pub fn derive(secret: &HolderSecret, salt: &[u8; 16]) -> Self {
        let text = Zeroizing::new(to_decimal(secret.expose()));
        let mut h = Sha256::new();
        h.update(b"alc/v1/agent-key\0");
        h.update(text.as_bytes());
        h.update(salt);
        let seed = Zeroizing::new(<[u8; 32]>::from(h.finalize()));
        Self(SigningKey::from_bytes(&seed))
    }

    /// A fresh key: the key and its salt (hex).
    pub fn fresh(secret: &HolderSecret) -> (Self, String) {
        let mut salt = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
        (Self::derive(secret, &salt), hex::encode(salt))
    }

    /// The key a lease file names: its salt under the holder secret, checked against the
    /// public key the lease was bound to.
    ///
    /// # Errors
    /// [`WalletError::Damaged`] when the salt is malformed or gives another key (a lease
    /// of another wallet).
    pub fn of_lease(
        secret: &HolderSecret,
        salt: &str,
        public: &str,
        agent: &str,
    ) -> Result<Self, WalletError> {
        Self::restore(secret, salt, public, format!("leases/{agent}.json"))
    }

    /// The key of a stored agent system (`crate::systems`), checked likewise.
    ///
    /// # Errors
    /// As [`AgentKey::of_lease`].
    pub fn of_system(secret: &HolderSecret, s: &StoredSystem) -> Result<Self, WalletError> {
        Self::restore(
            secret,
            &s.key_salt,
            &s.key,
            format!("systems/{}.json", s.name),
        )
    }

    fn restore(
        secret: &HolderSecret,
        salt: &str,
        public: &str,
        file: String,
    ) -> Result<Self, WalletError> {
        let damaged = |reason: &str| WalletError::Damaged {
            path: file.clone().into(),
            reason: reason.into(),
        };
        let salt: [u8; 16] = alc_protocol::encoding::hex_array(salt)
            .map_err(|_| damaged("its key salt is not 16 bytes of hex"))?;
        let key = Self::derive(secret, &salt);
        if key.public_hex() != public {
            return Err(damaged(
                "its key is not this wallet's (another holder secret made it)",
            ));
        }
        Ok(key)
    }

    /// The public key, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }

    /// The public key's bytes.
    pub fn public_bytes(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }
}

/// Signs requests for one key-bound lease at its gateway.
#[derive(Debug)]
pub struct Signer {
    key: RequestKey,
    lease_id: String,
}

impl Signer {
    /// A signer for lease `lease_id` of `agent`'s key at the gateway `service` whose
    /// binding key is `binding` (hex).
    ///
    /// # Errors
    /// [`WalletError::Malformed`] when the binding key is not 32 bytes of hex or is of
    /// small order.
    pub fn new(
        agent: &AgentKey,
        binding: &str,
        lease_id: &str,
        service: &str,
    ) -> Result<Self, WalletError> {
        let bad = |reason: &str| WalletError::Malformed {
            service: service.to_owned(),
            reason: format!("sent a binding key that {reason}"),
        };
        let binding: [u8; 32] = alc_protocol::encoding::hex_array(binding)
            .map_err(|_| bad("is not 32 bytes of hex"))?;
        let key =
            RequestKey::for_agent(&agent.0, &binding).map_err(|_| bad("is of small order"))?;
        Ok(Self {
            key,
            lease_id: lease_id.to_owned(),
        })
    }

    /// The signature headers of a request to `url` with `method` and `body`, now.
    pub fn sign(&self, method: &str, url: &reqwest::Url, body: &[u8]) -> SignedHeaders {
        self.sign_at(method, url, body, alc_protocol::time::now())
    }

    /// [`Signer::sign`] dated `created` (unix seconds).
    pub fn sign_at(
        &self,
        method: &str,
        url: &reqwest::Url,
        body: &[u8],
        created: u64,
    ) -> SignedHeaders {
        let host = url.host_str().unwrap_or("");
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        // A nonce only has to be unique: the thread's CSPRNG (seeded from the OS) spares
        // a system call per request.
        let mut nonce = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
        let digest = content_digest(&Sha256::digest(body).into());
        let params = Params {
            created,
            nonce: hex::encode(nonce),
            keyid: self.lease_id.clone(),
        };
        signature::sign(
            &self.key,
            &Covered {
                method,
                authority: &authority,
                path: url.path(),
                query: url.query(),
                content_digest: &digest,
            },
            &params,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alc_circuits::field::Fr;

    #[test]
    fn a_lease_key_is_rederived_and_another_wallets_is_refused() {
        let s = HolderSecret::from_field(Fr::from(5u64));
        let (k, salt) = AgentKey::fresh(&s);
        let again = AgentKey::of_lease(&s, &salt, &k.public_hex(), "a").unwrap();
        assert_eq!(again.public_hex(), k.public_hex());
        let other = HolderSecret::from_field(Fr::from(6u64));
        assert!(AgentKey::of_lease(&other, &salt, &k.public_hex(), "a").is_err());
        assert!(AgentKey::of_lease(&s, "zz", &k.public_hex(), "a").is_err());
        assert!(!format!("{k:?}").contains(&salt));
    }
}
