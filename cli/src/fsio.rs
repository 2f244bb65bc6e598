//! Files: read with the path in the error, write atomically (temporary file, fsync,
//! rename), secrets with mode 0600, never overwrite unless asked.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::Path;

/// Reads a UTF-8 file.
pub fn read_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Whether a file is public or secret (mode 0600).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Public,
    Secret,
}

/// Writes `bytes` to `path` atomically; refuses to replace an existing file unless `force`.
pub fn write(path: &Path, bytes: &[u8], mode: Mode, force: bool) -> Result<()> {
    if !force && path.exists() {
        bail!("{} exists (use --force to overwrite)", path.display());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    #[cfg(unix)]
    if mode == Mode::Secret {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
