//! The key directories whose digests the authority publishes (`circuit_keys` in
//! `authority.toml`, `GET /v1/keys`): what wallets check the proving key they downloaded
//! against, wherever they downloaded it from (`alc_protocol::keys`).
//!
//! On start the authority reads each directory's `digests.json` (an `alc setup`'s pin)
//! and checks the files against it: it hashes `verifying_key.bin`, `proving_key.fast`
//! (the file wallets download) and `escrow-key.json` when pinned. A key whose trapdoor is
//! public (the committed fixed-seed keys, `alc_protocol::files::PUBLIC_TEST_KEYS`) is
//! refused unless `allow_test_keys` is set: publishing its digest would tell every wallet
//! to prove with a key anyone can forge under. The authority does not decode the keys
//! (it links no proof system: it never sees a proof); the structure checks are the
//! provers' (a degenerate proving key, before use) and the gateways' (a degenerate
//! verifying key, on load).

use alc_protocol::files::Digests;
use sha2::{Digest as _, Sha256};
use std::path::Path;

/// A key directory that cannot be published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CircuitKeyError {
    /// A file is missing or unreadable.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// `digests.json` is not a digests file.
    #[error("{0}: not a digests file (run `alc setup --out` into this directory)")]
    Digests(String),
    /// A file does not match its pinned digest.
    #[error("{0} does not match the digest pinned in digests.json")]
    Mismatch(String),
    /// A key whose trapdoor is public.
    #[error("{0}: a public test key (its setup's seed is in the repository, so anyone can forge proofs under it); make keys with `alc setup`, or set allow_test_keys = true in authority.toml for development")]
    TestKey(String),
    /// Two directories for one circuit.
    #[error("two key directories for circuit {0:?}: publish one key per circuit")]
    Duplicate(String),
}

fn read(path: &Path) -> Result<Vec<u8>, CircuitKeyError> {
    std::fs::read(path).map_err(|e| CircuitKeyError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn check_digest(path: &Path, pinned: &str) -> Result<(), CircuitKeyError> {
    if hex::encode(Sha256::digest(read(path)?)) != pinned.to_ascii_lowercase() {
        return Err(CircuitKeyError::Mismatch(path.display().to_string()));
    }
    Ok(())
}

/// The checked digests of one key directory.
pub fn load(dir: &Path, allow_test_keys: bool) -> Result<Digests, CircuitKeyError> {
    let digests_path = dir.join("digests.json");
    let d: Digests = serde_json::from_slice(&read(&digests_path)?)
        .map_err(|_| CircuitKeyError::Digests(digests_path.display().to_string()))?;
    let vk_path = dir.join("verifying_key.bin");
    check_digest(&vk_path, &d.verifying_key)?;
    if d.has_public_test_key() && !allow_test_keys {
        return Err(CircuitKeyError::TestKey(vk_path.display().to_string()));
    }
    check_digest(&dir.join("proving_key.fast"), &d.proving_key_fast)?;
    if let Some(pinned) = &d.escrow_key {
        check_digest(&dir.join("escrow-key.json"), pinned)?;
    }
    Ok(d)
}

/// The checked digests of every directory, at most one per circuit.
pub fn load_all<P: AsRef<Path>>(
    dirs: &[P],
    allow_test_keys: bool,
) -> Result<Vec<Digests>, CircuitKeyError> {
    let mut out: Vec<Digests> = Vec::new();
    for dir in dirs {
        let d = load(dir.as_ref(), allow_test_keys)?;
        if out.iter().any(|o| o.circuit == d.circuit) {
            return Err(CircuitKeyError::Duplicate(d.circuit));
        }
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key directory as `alc setup` writes it, from the development test keys.
    fn key_dir(dir: &Path) {
        alc_devkit::keys::write_key_dir(dir).unwrap();
    }

    #[test]
    fn a_matching_directory_is_published_and_a_test_key_only_for_development() {
        let t = tempfile::tempdir().unwrap();
        key_dir(t.path());
        let d = load(t.path(), true).unwrap();
        assert_eq!(d.circuit, alc_circuits::tags::CIRCUIT_ID);
        // The same directory without the development flag: its trapdoor is public.
        assert!(matches!(
            load(t.path(), false),
            Err(CircuitKeyError::TestKey(_))
        ));
        assert!(matches!(
            load_all(&[t.path(), t.path()], true),
            Err(CircuitKeyError::Duplicate(_))
        ));
    }

    #[test]
    fn a_swapped_proving_key_or_verifying_key_is_refused() {
        let t = tempfile::tempdir().unwrap();
        key_dir(t.path());
        let pk = t.path().join("proving_key.fast");
        let mut bytes = std::fs::read(&pk).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&pk, &bytes).unwrap();
        assert!(matches!(
            load(t.path(), true),
            Err(CircuitKeyError::Mismatch(p)) if p.ends_with("proving_key.fast")
        ));

        key_dir(t.path());
        let other = alc_devkit::keys::test_keys_v2().1.to_bytes();
        std::fs::write(t.path().join("verifying_key.bin"), other).unwrap();
        assert!(matches!(
            load(t.path(), true),
            Err(CircuitKeyError::Mismatch(p)) if p.ends_with("verifying_key.bin")
        ));

        std::fs::remove_file(t.path().join("digests.json")).unwrap();
        assert!(matches!(
            load(t.path(), true),
            Err(CircuitKeyError::Read { .. })
        ));
    }
}
