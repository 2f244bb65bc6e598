//! The authority's key material, created on first start in `DATA/keys/` with mode 0600:
//!
//! * `issuer.json`: the EdDSA-Poseidon (Baby Jubjub) key that signs credentials;
//! * `status.key`: the Ed25519 key that signs status responses (hex seed);
//! * `registry.key`: the Ed25519 key that signs registry checkpoints (hex seed);
//! * `identity.key`: the secret of the keyed hash that turns (issuer, subject) into an
//!   identity key (hex), so the database never holds a raw subject.
//!
//! Secrets are wiped on drop and never printed.

use alc_circuits::eddsa::{PublicKey, SecretKey};
use alc_circuits::files::{issuer_key_from_json, issuer_key_to_json};
use alc_protocol::fsio::{self, Mode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The authority's keys.
pub struct Keys {
    /// Signs credentials.
    pub issuer: SecretKey,
    /// Signs status responses.
    pub status: ed25519_dalek::SigningKey,
    /// Keys identity hashes.
    pub identity: IdentitySecret,
    /// Signs registry checkpoints.
    pub registry: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("issuer_public", &self.issuer.public_key())
            .finish_non_exhaustive()
    }
}

/// The secret of the identity keyed hash.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct IdentitySecret([u8; 32]);

impl std::fmt::Debug for IdentitySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentitySecret(<redacted>)")
    }
}

impl IdentitySecret {
    /// A secret from bytes.
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// `HMAC-SHA256(secret, len(issuer) || issuer || subject)`: the identity key.
    pub fn identity_key(&self, issuer: &str, subject: &str) -> [u8; 32] {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(b"alc/v1/identity-key\0");
        mac.update(&(issuer.len() as u64).to_be_bytes());
        mac.update(issuer.as_bytes());
        mac.update(subject.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// Key files that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyFileError(pub String);

fn random32() -> Zeroizing<[u8; 32]> {
    let mut b = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, b.as_mut());
    b
}

/// Writes a secret file (0600, atomically); refuses to replace one.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), KeyFileError> {
    fsio::write(path, bytes, Mode::Secret, false).map_err(|e| KeyFileError(e.to_string()))
}

impl Keys {
    /// Loads the keys from `dir`, creating any that do not exist yet.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyFileError> {
        fsio::private_dir(dir).map_err(|e| KeyFileError(e.to_string()))?;
        let issuer_path = dir.join("issuer.json");
        if !issuer_path.exists() {
            let key = SecretKey::generate(&mut rand::rngs::OsRng);
            write_secret(&issuer_path, issuer_key_to_json(&key).as_bytes())?;
        }
        let text =
            fsio::read_secret_string(&issuer_path).map_err(|e| KeyFileError(e.to_string()))?;
        let issuer = issuer_key_from_json(&text)
            .map_err(|e| KeyFileError(format!("{}: {e}", issuer_path.display())))?;
        let load32 = |name: &str| -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
            let path = dir.join(name);
            if !path.exists() {
                write_secret(&path, hex::encode(random32().as_ref()).as_bytes())?;
            }
            fsio::read_secret_hex32(&path).map_err(|e| KeyFileError(e.to_string()))
        };
        let status = ed25519_dalek::SigningKey::from_bytes(&*load32("status.key")?);
        let identity = IdentitySecret::from_bytes(*load32("identity.key")?);
        let registry = ed25519_dalek::SigningKey::from_bytes(&*load32("registry.key")?);
        Ok(Self {
            issuer,
            status,
            identity,
            registry,
        })
    }

    /// The credential-signing public key.
    pub fn issuer_public(&self) -> PublicKey {
        self.issuer.public_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let a = Keys::load_or_create(dir.path()).unwrap();
        let b = Keys::load_or_create(dir.path()).unwrap();
        assert_eq!(a.issuer_public(), b.issuer_public());
        assert_eq!(a.status.verifying_key(), b.status.verifying_key());
        assert_eq!(
            a.identity.identity_key("i", "s"),
            b.identity.identity_key("i", "s")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in ["issuer.json", "status.key", "identity.key", "registry.key"] {
                let mode = std::fs::metadata(dir.path().join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
            // A key file readable by others is refused.
            std::fs::set_permissions(
                dir.path().join("status.key"),
                std::fs::Permissions::from_mode(0o644),
            )
            .unwrap();
            assert!(Keys::load_or_create(dir.path()).is_err());
        }
        assert!(!format!("{:?} {:?}", a, a.identity).contains(&hex::encode(a.status.to_bytes())));
    }

    #[test]
    fn identity_keys_separate_issuer_and_subject() {
        let s = IdentitySecret::from_bytes([1; 32]);
        assert_ne!(s.identity_key("ab", "c"), s.identity_key("a", "bc"));
        assert_ne!(
            s.identity_key("a", "b"),
            IdentitySecret::from_bytes([2; 32]).identity_key("a", "b")
        );
    }
}
