//! Writing and reading the files ALC keeps: one writer for every party (the authority's
//! and a gateway's keys and tokens, a wallet's secret, session and leases, the command
//! line's outputs), so a crash never leaves half a file and a secret is never readable by
//! others.
//!
//! * **Atomic.** Bytes go to a fresh temporary file beside the target (created with its
//!   final mode), are flushed to disk (`fsync`), and the file takes the target's name in
//!   one step (`rename`, or a hard link when the target must not be replaced); then the
//!   directory is flushed, so the new name is durable too. A reader sees the old file or
//!   the whole new one.
//! * **Secret files** are created with mode 0600, and [`read_secret`] refuses one that
//!   its group or others may read (someone changed its mode: its contents may be known).
//! * **Private folders** ([`private_dir`]) are mode 0700.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use zeroize::Zeroizing;

/// Who may read a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Everyone (0644 before the umask).
    Public,
    /// Only its owner (0600).
    Secret,
}

/// A file that cannot be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// The operating system refused.
    #[error("cannot {doing} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create`).
        doing: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The target exists and was not to be replaced.
    #[error("{} exists", .0.display())]
    Exists(PathBuf),
    /// A secret file its group or others may read.
    #[error("{} is readable by others (mode {mode:o}): chmod 600 it", path.display())]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A secret file that should hold 32 bytes of hex and does not.
    #[error("{} must hold 32 bytes of hex", .0.display())]
    NotHex32(PathBuf),
}

fn io<'a>(doing: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> FsError + 'a {
    move |source| FsError::Io {
        doing,
        path: path.to_owned(),
        source,
    }
}

/// A name for a temporary file beside `path`, unique within this process and across
/// processes (the process id).
fn temporary(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `bytes` to `path` atomically (module docs), creating its folder if needed;
/// with `replace` false, fails with [`FsError::Exists`] if `path` exists.
pub fn write(path: &Path, bytes: &[u8], mode: Mode, replace: bool) -> Result<(), FsError> {
    let dir = parent(path);
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    let tmp = temporary(path);
    let written = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(
            &mut opts,
            if mode == Mode::Secret { 0o600 } else { 0o644 },
        );
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = opts.open(&tmp).map_err(io("write", &tmp))?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("write", &tmp))?;
        if replace {
            std::fs::rename(&tmp, path).map_err(io("write", path))
        } else {
            // A hard link fails if the name is taken: create-if-absent in one step.
            match std::fs::hard_link(&tmp, path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(FsError::Exists(path.to_owned()))
                }
                Err(e) => Err(io("write", path)(e)),
            }
        }
    })();
    // After a rename the temporary name is gone; after a link (or a failure) remove it.
    let _ = std::fs::remove_file(&tmp);
    written?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The text of a configuration file, first written from `template` if there is none
/// (a concurrent first start writes it once: the loser keeps the winner's file).
pub fn read_or_create(path: &Path, template: &str) -> Result<String, FsError> {
    match write(path, template.as_bytes(), Mode::Public, false) {
        Ok(()) | Err(FsError::Exists(_)) => {}
        Err(e) => return Err(e),
    }
    std::fs::read_to_string(path).map_err(io("read", path))
}

/// Reads a secret file, refusing one its group or others may read.
pub fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>, FsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(io("read", path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(FsError::Exposed {
                path: path.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(io("read", path))
}

/// Reads a secret text file ([`read_secret`]); invalid UTF-8 is an error.
pub fn read_secret_string(path: &Path) -> Result<Zeroizing<String>, FsError> {
    let bytes = read_secret(path)?;
    std::str::from_utf8(&bytes)
        .map(|s| Zeroizing::new(s.to_owned()))
        .map_err(|e| io("read", path)(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Reads a secret file holding 32 bytes of hex (surrounding white space allowed).
pub fn read_secret_hex32(path: &Path) -> Result<Zeroizing<[u8; 32]>, FsError> {
    let text = read_secret_string(path)?;
    let mut out = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), out.as_mut())
        .map_err(|_| FsError::NotHex32(path.to_owned()))?;
    Ok(out)
}

/// Creates `dir` (and its parents) if needed, and makes it private (0700).
pub fn private_dir(dir: &Path) -> Result<(), FsError> {
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io("restrict", dir))?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fresh folder for one test.
    fn dir(test: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("alc-fsio-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn a_configuration_is_created_once_and_then_read_as_it_is() {
        let p = dir("config").join("service.toml");
        assert_eq!(
            read_or_create(&p, "a = 1\n").ok().as_deref(),
            Some("a = 1\n")
        );
        assert!(write(&p, b"a = 2\n", Mode::Public, true).is_ok());
        // The operator's edit stands: the template does not overwrite it.
        assert_eq!(
            read_or_create(&p, "a = 1\n").ok().as_deref(),
            Some("a = 2\n")
        );
        assert_eq!(mode(&p), 0o644);
        let _ = std::fs::remove_dir_all(p.parent().unwrap_or(&p));
    }

    #[test]
    fn secrets_are_0600_atomic_and_refused_once_exposed() {
        let d = dir("secrets").join("secrets");
        let p = d.join("key");
        assert!(write(&p, b"one", Mode::Secret, false).is_ok());
        assert_eq!(mode(&p), 0o600);
        assert!(matches!(
            write(&p, b"two", Mode::Secret, false),
            Err(FsError::Exists(_))
        ));
        assert_eq!(
            read_secret(&p).map(|b| b.to_vec()).ok(),
            Some(b"one".to_vec())
        );
        assert!(write(&p, b"three", Mode::Secret, true).is_ok());
        assert_eq!(
            read_secret_string(&p).map(|s| s.to_string()).ok(),
            Some("three".into())
        );
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(&d)
            .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 1, "{names:?}");
        // Its twin: the same file made readable by the group is refused.
        let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640));
        assert!(matches!(
            read_secret(&p),
            Err(FsError::Exposed { mode: 0o640, .. })
        ));
        let _ = std::fs::remove_dir_all(d.parent().unwrap_or(&d));
    }

    #[test]
    fn hex32_and_public_files_and_private_dirs() {
        let d = dir("other").join("other");
        let p = d.join("seed");
        let _ = write(
            &p,
            format!("{}\n", "ab".repeat(32)).as_bytes(),
            Mode::Secret,
            false,
        );
        assert_eq!(read_secret_hex32(&p).map(|k| *k).ok(), Some([0xab; 32]));
        let _ = write(&p, b"abcd", Mode::Secret, true);
        assert!(matches!(read_secret_hex32(&p), Err(FsError::NotHex32(_))));
        let q = d.join("public.json");
        assert!(write(&q, b"{}", Mode::Public, false).is_ok());
        assert_eq!(mode(&q) & 0o600, 0o600);
        let inner = d.join("private");
        assert!(private_dir(&inner).is_ok());
        assert_eq!(mode(&inner), 0o700);
        let _ = std::fs::remove_dir_all(d.parent().unwrap_or(&d));
    }
}
