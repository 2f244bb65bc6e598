//! The operator's wallet directory (mode 0700) and what it keeps:
//!
//! | file | content | mode |
//! |---|---|---|
//! | `wallet.toml` | authority, gateway, identity provider, key directory | 0600 |
//! | `holder.secret` | the holder secret, encrypted (argon2id + XChaCha20-Poly1305) | 0600 |
//! | `session.json` | the authority session after `kyc` (a bearer token) | 0600 |
//! | `attempt.json` | the open assessment attempt and the answers given so far | 0600 |
//! | `credential.json` | the licence credential | 0600 |
//! | `authority.json` | the authority's keys, pinned when the credential was obtained | 0600 |
//! | `leases/<agent>.json` | a lease per agent (bearer tokens) | 0600 |
//! | `systems/<name>.json` | a tier-3 agent system's certificate and key salt | 0600 |
//!
//! The secret is encrypted with a key derived from the passphrase by argon2id
//! (RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes; 16-byte random
//! salt) and sealed with XChaCha20-Poly1305 (random 24-byte nonce). The header (format,
//! KDF parameters, salt, commitment) is the AEAD's associated data, so none of it can be
//! changed without the passphrase. In memory the passphrase, the derived key and the
//! decrypted secret live only in zeroizing types.

use crate::WalletError;
use alc_circuits::credential::HolderSecret;
use alc_circuits::field::{from_decimal, to_decimal};
use alc_circuits::files::CredentialFile;
use alc_protocol::authority::{AuthorityKeys, ShownQuestion};
use alc_protocol::fsio::{self, FsError, Mode};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

type Result<T> = std::result::Result<T, WalletError>;

/// `holder.secret`'s `type`.
const SECRET_TYPE: &str = "alc-wallet-secret";
/// Associated-data prefix: binds the header to the ciphertext.
const AAD_TAG: &str = "alc/v1/wallet-secret";
/// argon2id memory in KiB (64 MiB).
pub const KDF_M_KIB: u32 = 64 * 1024;
/// argon2id passes.
pub const KDF_T: u32 = 3;
/// argon2id lanes.
pub const KDF_P: u32 = 4;
/// The shortest passphrase accepted by `init`.
pub const MIN_PASSPHRASE: usize = 8;

/// Where a wallet lives by default: `$XDG_DATA_HOME/alc/wallet`, else
/// `$HOME/.local/share/alc/wallet`, else `./alc-wallet`.
pub fn default_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("share"))
        });
    match base {
        Some(b) => b.join("alc").join("wallet"),
        None => PathBuf::from("alc-wallet"),
    }
}

/// `wallet.toml`: where the services are. Flags and environment variables override it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The licensing authority's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// The gateway's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// The identity provider's base URL (the development one, for `kyc --subject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// The key directory holding the proving key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<PathBuf>,
}

/// An open wallet directory.
pub struct Wallet {
    /// The directory.
    pub dir: PathBuf,
    /// `wallet.toml`.
    pub config: Config,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kdf {
    alg: String,
    version: u32,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cipher {
    alg: String,
    nonce: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    #[serde(rename = "type")]
    kind: String,
    version: u32,
    kdf: Kdf,
    aead: Cipher,
    /// `Poseidon(sk)`, decimal: public, bound as associated data.
    commitment: String,
    ciphertext: String,
}

impl SecretFile {
    fn aad(&self) -> Vec<u8> {
        format!(
            "{AAD_TAG}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.kind,
            self.version,
            self.kdf.alg,
            self.kdf.version,
            self.kdf.m_kib,
            self.kdf.t,
            self.kdf.p,
            self.kdf.salt,
            self.aead.alg,
            self.commitment
        )
        .into_bytes()
    }
}

/// `holder.secret` is damaged, for `reason`.
fn damaged(reason: impl Into<String>) -> WalletError {
    WalletError::Damaged {
        path: PathBuf::from("holder.secret"),
        reason: reason.into(),
    }
}

fn derive_key(
    passphrase: &str,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = argon2::Params::new(m, t, p, Some(32))
        .map_err(|e| damaged(format!("unusable argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| damaged(format!("cannot derive the wallet key: {e}")))?;
    Ok(key)
}

/// Encrypts a holder secret under a passphrase: `holder.secret`'s JSON.
fn seal(secret: &HolderSecret, passphrase: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut f = SecretFile {
        kind: SECRET_TYPE.into(),
        version: 1,
        kdf: Kdf {
            alg: "argon2id".into(),
            version: 0x13,
            m_kib: KDF_M_KIB,
            t: KDF_T,
            p: KDF_P,
            salt: B64.encode(salt),
        },
        aead: Cipher {
            alg: "xchacha20poly1305".into(),
            nonce: B64.encode(nonce),
        },
        commitment: to_decimal(&secret.commitment()),
        ciphertext: String::new(),
    };
    let key = derive_key(passphrase, &salt, KDF_M_KIB, KDF_T, KDF_P)?;
    let plain = Zeroizing::new(to_decimal(secret.expose()));
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: &f.aad(),
            },
        )
        .map_err(|_| damaged("cannot encrypt the holder secret"))?;
    f.ciphertext = B64.encode(sealed);
    Ok(serde_json::to_string_pretty(&f).unwrap_or_default() + "\n")
}

/// Decrypts `holder.secret`'s JSON.
fn open(json: &str, passphrase: &str) -> Result<HolderSecret> {
    let f: SecretFile =
        serde_json::from_str(json).map_err(|_| damaged("not a wallet secret file"))?;
    if f.kind != SECRET_TYPE || f.version != 1 {
        return Err(damaged(format!(
            "an unknown format ({} v{})",
            f.kind, f.version
        )));
    }
    if f.kdf.alg != "argon2id" || f.kdf.version != 0x13 || f.aead.alg != "xchacha20poly1305" {
        return Err(damaged("an unsupported KDF or cipher"));
    }
    // A tampered file must not make us allocate without bound: at most 4 GiB, 100 passes.
    if f.kdf.m_kib > 4 * 1024 * 1024 || f.kdf.t > 100 || f.kdf.p > 64 {
        return Err(damaged("unreasonable argon2id parameters"));
    }
    let salt = B64
        .decode(&f.kdf.salt)
        .map_err(|_| damaged("the salt is not base64"))?;
    let nonce: [u8; 24] = B64
        .decode(&f.aead.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| damaged("the nonce is not 24 bytes of base64"))?;
    let sealed = B64
        .decode(&f.ciphertext)
        .map_err(|_| damaged("the ciphertext is not base64"))?;
    let key = derive_key(passphrase, &salt, f.kdf.m_kib, f.kdf.t, f.kdf.p)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &sealed,
                    aad: &f.aad(),
                },
            )
            .map_err(|_| WalletError::WrongPassphrase)?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| damaged(""))?;
    let secret = HolderSecret::from_field(from_decimal(text).map_err(|_| damaged(""))?);
    if to_decimal(&secret.commitment()) != f.commitment {
        return Err(damaged("its commitment is not Poseidon(secret)"));
    }
    Ok(secret)
}

/// The authority session kept after `kyc`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The authority it belongs to.
    pub authority: String,
    /// The bearer token.
    pub session: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// An open assessment attempt, so an interrupted quiz can be resumed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenAttempt {
    /// The authority it belongs to.
    pub authority: String,
    /// The single-use attempt token.
    pub attempt: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// The questions as shown.
    pub questions: Vec<ShownQuestion>,
    /// The options chosen so far (0-based), one per question.
    #[serde(default)]
    pub answers: Vec<Option<usize>>,
}

/// The authority's keys, pinned when the credential was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedAuthority {
    /// Its URL then.
    pub url: String,
    /// Its name and keys.
    #[serde(flatten)]
    pub keys: AuthorityKeys,
}

/// A lease kept in the wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLease {
    /// `alc-wallet-lease`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The gateway that issued it.
    pub gateway: String,
    /// The agent it is for.
    pub agent: String,
    /// SHA-256 of the agent's manifest, hex.
    pub manifest: String,
    /// The bearer token.
    pub lease: String,
    /// Its id.
    pub lease_id: String,
    /// Unix seconds (the gateway's clock).
    pub expires_at: u64,
    /// Unix seconds (this machine's clock).
    pub obtained_at: u64,
    /// The status epoch it was proved under (root leases).
    #[serde(default)]
    pub epoch: Option<u64>,
    /// The routes it allows.
    #[serde(default)]
    pub rights: Vec<String>,
    /// The parent agent, for a sub-agent's lease.
    #[serde(default)]
    pub parent: Option<String>,
    /// The agent key the lease is bound to (Ed25519, hex; none: a bearer lease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The salt that key is derived with from the holder secret (hex): the key itself
    /// is never stored (`crate::keys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_salt: Option<String>,
    /// The gateway's binding key the request key is agreed with (X25519, hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_key: Option<String>,
    /// The salt of the lease's registry entry (hex): what opens its commitments to this
    /// agent and manifest (`alc_registry::entry::Spawn::opens`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub registry_salt: String,
    /// The tier-3 agent system the lease serves (its public id), certified by the
    /// authority (a sub-agent's lease serves its parent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

/// A tier-3 agent system the wallet's holder is the principal operator of: the
/// authority's certificate for the system's agent key (`crate::systems`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredSystem {
    /// `alc-wallet-system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The system's name in its permit.
    pub name: String,
    /// The permit it is registered under.
    pub permit: String,
    /// Its public id (what gateways and the registry see).
    pub system: String,
    /// The agent key certified for it (Ed25519, hex).
    pub key: String,
    /// The salt that key is derived with from the holder secret (hex).
    pub key_salt: String,
    /// When the certificate ends (unix seconds, the authority's clock).
    pub not_after: u64,
    /// The certificate as the authority signed it.
    pub certificate: alc_protocol::systems::SignedSystemCertificate,
}

/// A lease file name for an agent id: the id itself when it is a plain name, else `~` and
/// its hex.
fn lease_file(agent: &str) -> String {
    let plain = !agent.is_empty()
        && agent.len() <= 100
        && !agent.starts_with('.')
        && agent
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if plain {
        format!("{agent}.json")
    } else {
        format!("~{}.json", hex::encode(agent.as_bytes()))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fsio::read_secret_string(path)?;
    serde_json::from_str(&text).map_err(|e| WalletError::Damaged {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// `Some` of what `read` gives for an existing file, `None` for a missing one.
fn if_exists<T>(path: &Path, read: impl FnOnce(&Path) -> Result<T>) -> Result<Option<T>> {
    if path.exists() {
        read(path).map(Some)
    } else {
        Ok(None)
    }
}

fn io_error<'a>(
    doing: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> WalletError + 'a {
    move |source| {
        WalletError::Fs(FsError::Io {
            doing,
            path: path.to_owned(),
            source,
        })
    }
}

impl Wallet {
    /// Creates a wallet: the directory (0700), `wallet.toml` and the holder secret,
    /// encrypted under `passphrase`. Over an existing wallet only with `force` (its
    /// session, attempt, credential, leases and systems are removed: they belong to the old
    /// secret).
    ///
    /// # Errors
    /// [`WalletError::Exists`], [`WalletError::WeakPassphrase`], or the file system's.
    pub fn create(dir: &Path, config: Config, passphrase: &str, force: bool) -> Result<Self> {
        let secret_path = dir.join("holder.secret");
        if secret_path.exists() && !force {
            return Err(WalletError::Exists(dir.to_owned()));
        }
        if passphrase.chars().count() < MIN_PASSPHRASE {
            return Err(WalletError::WeakPassphrase(MIN_PASSPHRASE));
        }
        fsio::private_dir(dir)?;
        let w = Self {
            dir: dir.to_owned(),
            config,
        };
        w.save_config()?;
        let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
        fsio::write(
            &secret_path,
            seal(&secret, passphrase)?.as_bytes(),
            Mode::Secret,
            true,
        )?;
        for stale in [
            "session.json",
            "attempt.json",
            "credential.json",
            "authority.json",
        ] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        for stale in ["leases", "systems"] {
            let _ = std::fs::remove_dir_all(dir.join(stale));
        }
        Ok(w)
    }

    /// Opens an existing wallet; refuses one that others can read.
    ///
    /// # Errors
    /// [`WalletError::NoWallet`], [`WalletError::Exposed`], a damaged `wallet.toml`.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.join("holder.secret").is_file() {
            return Err(WalletError::NoWallet(dir.to_owned()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)
                .map_err(io_error("read", dir))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(WalletError::Exposed {
                    dir: dir.to_owned(),
                    mode: mode & 0o777,
                });
            }
        }
        let path = dir.join("wallet.toml");
        let config = match if_exists(&path, |p| Ok(fsio::read_secret_string(p)?))? {
            Some(text) => toml::from_str(&text).map_err(|e| WalletError::Damaged {
                path: path.clone(),
                reason: format!("not a wallet configuration: {e}"),
            })?,
            None => Config::default(),
        };
        Ok(Self {
            dir: dir.to_owned(),
            config,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write_json<T: Serialize>(&self, name: &str, v: &T) -> Result<()> {
        let text = Zeroizing::new(serde_json::to_string_pretty(v).unwrap_or_default() + "\n");
        Ok(fsio::write(
            &self.path(name),
            text.as_bytes(),
            Mode::Secret,
            true,
        )?)
    }

    /// Writes `wallet.toml`.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_config(&self) -> Result<()> {
        let text = format!(
            "# The operator's wallet (alc wallet). ALC_* environment variables and flags override it.\n{}",
            toml::to_string(&self.config).unwrap_or_default()
        );
        Ok(fsio::write(
            &self.path("wallet.toml"),
            text.as_bytes(),
            Mode::Secret,
            true,
        )?)
    }

    /// Decrypts the holder secret.
    ///
    /// # Errors
    /// [`WalletError::WrongPassphrase`], a damaged or exposed `holder.secret`.
    pub fn unlock(&self, passphrase: &str) -> Result<HolderSecret> {
        let text = fsio::read_secret_string(&self.path("holder.secret"))?;
        open(&text, passphrase)
    }

    /// The session, if any.
    ///
    /// # Errors
    /// A damaged or exposed `session.json`.
    pub fn session(&self) -> Result<Option<Session>> {
        if_exists(&self.path("session.json"), read_json)
    }

    /// Keeps the session.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_session(&self, s: &Session) -> Result<()> {
        self.write_json("session.json", s)
    }

    /// The open attempt, if any.
    ///
    /// # Errors
    /// A damaged or exposed `attempt.json`.
    pub fn attempt(&self) -> Result<Option<OpenAttempt>> {
        if_exists(&self.path("attempt.json"), read_json)
    }

    /// Keeps the open attempt.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_attempt(&self, a: &OpenAttempt) -> Result<()> {
        self.write_json("attempt.json", a)
    }

    /// Forgets the open attempt.
    ///
    /// # Errors
    /// The file system's.
    pub fn clear_attempt(&self) -> Result<()> {
        let p = self.path("attempt.json");
        if p.exists() {
            std::fs::remove_file(&p).map_err(io_error("remove", &p))?;
        }
        Ok(())
    }

    /// The credential, if any (its signature is checked).
    ///
    /// # Errors
    /// A damaged or exposed `credential.json`.
    pub fn credential(&self) -> Result<Option<CredentialFile>> {
        if_exists(&self.path("credential.json"), |p| {
            let text = fsio::read_secret_string(p)?;
            CredentialFile::from_json(&text).map_err(|e| WalletError::Damaged {
                path: p.to_owned(),
                reason: e.to_string(),
            })
        })
    }

    /// The credential, or an error that says how to get one.
    ///
    /// # Errors
    /// [`WalletError::NoCredential`], or as [`Wallet::credential`].
    pub fn need_credential(&self) -> Result<CredentialFile> {
        self.credential()?.ok_or(WalletError::NoCredential)
    }

    /// Keeps the credential.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_credential(&self, c: &CredentialFile) -> Result<()> {
        Ok(fsio::write(
            &self.path("credential.json"),
            c.to_json().as_bytes(),
            Mode::Secret,
            true,
        )?)
    }

    /// The pinned authority, if any.
    ///
    /// # Errors
    /// A damaged or exposed `authority.json`.
    pub fn pinned(&self) -> Result<Option<PinnedAuthority>> {
        if_exists(&self.path("authority.json"), read_json)
    }

    /// Pins the authority.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_pinned(&self, a: &PinnedAuthority) -> Result<()> {
        self.write_json("authority.json", a)
    }

    /// The lease of an agent, if any.
    ///
    /// # Errors
    /// A damaged or exposed lease file.
    pub fn lease(&self, agent: &str) -> Result<Option<StoredLease>> {
        if_exists(&self.lease_path(agent), read_json)
    }

    /// Every lease in the wallet, by agent.
    ///
    /// # Errors
    /// A damaged or exposed lease file, or the file system's.
    pub fn leases(&self) -> Result<Vec<StoredLease>> {
        let dir = self.path("leases");
        if !dir.exists() {
            return Ok(vec![]);
        }
        let mut out = vec![];
        for e in std::fs::read_dir(&dir).map_err(io_error("read", &dir))? {
            let p = e.map_err(io_error("read", &dir))?.path();
            if p.extension().is_some_and(|x| x == "json") {
                out.push(read_json::<StoredLease>(&p)?);
            }
        }
        out.sort_by(|a, b| a.agent.cmp(&b.agent));
        Ok(out)
    }

    /// Keeps a lease under its agent's name.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_lease(&self, l: &StoredLease) -> Result<()> {
        fsio::private_dir(&self.path("leases"))?;
        self.write_json(&format!("leases/{}", lease_file(&l.agent)), l)
    }

    /// Where an agent's lease is kept.
    pub fn lease_path(&self, agent: &str) -> PathBuf {
        self.path("leases").join(lease_file(agent))
    }

    /// The certified agent system `name`, if any.
    ///
    /// # Errors
    /// A damaged or exposed system file.
    pub fn system(&self, name: &str) -> Result<Option<StoredSystem>> {
        if_exists(&self.system_path(name), read_json)
    }

    /// Keeps an agent system's certificate under its name (replacing an earlier one).
    ///
    /// # Errors
    /// The file system's.
    pub fn save_system(&self, s: &StoredSystem) -> Result<()> {
        fsio::private_dir(&self.path("systems"))?;
        self.write_json(&format!("systems/{}", lease_file(&s.name)), s)
    }

    /// Where an agent system's certificate is kept.
    pub fn system_path(&self, name: &str) -> PathBuf {
        self.path("systems").join(lease_file(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_refuses_a_wrong_passphrase_or_tampering() {
        let sk = HolderSecret::generate(&mut rand::rngs::OsRng);
        let sealed = seal(&sk, "correct horse").unwrap_or_default();
        assert!(!sealed.contains(&to_decimal(sk.expose())));
        assert!(open(&sealed, "correct horse").is_ok_and(|o| o == sk));
        let wrong = open(&sealed, "wrong horse").err().map(|e| e.to_string());
        assert!(wrong.is_some_and(|e| e.contains("wrong passphrase")));
        let other = to_decimal(&HolderSecret::generate(&mut rand::rngs::OsRng).commitment());
        let tampered = sealed.replace(&to_decimal(&sk.commitment()), &other);
        assert!(open(&tampered, "correct horse").is_err());
    }

    #[test]
    fn lease_file_names_are_safe() {
        assert_eq!(lease_file("agent-1"), "agent-1.json");
        assert_eq!(lease_file("../x"), "~2e2e2f78.json");
        assert_eq!(lease_file(".hidden"), "~2e68696464656e.json");
    }
}
