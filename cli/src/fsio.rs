//! Files for the command line: read with the path in the error; written atomically by
//! the one writer (`alc_protocol::fsio`: temporary file, fsync, rename), secrets with
//! mode 0600, never over an existing file unless `--force` asks.

use anyhow::{Context, Result};
use std::path::Path;

pub use alc_protocol::fsio::Mode;

/// Reads a UTF-8 file.
pub fn read_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes `bytes` to `path` atomically; refuses to replace an existing file unless `force`.
pub fn write(path: &Path, bytes: &[u8], mode: Mode, force: bool) -> Result<()> {
    match alc_protocol::fsio::write(path, bytes, mode, force) {
        Err(alc_protocol::fsio::FsError::Exists(p)) => {
            anyhow::bail!("{} exists (use --force to overwrite)", p.display())
        }
        other => Ok(other?),
    }
}
