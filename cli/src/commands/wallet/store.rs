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
//!
//! The secret is encrypted with a key derived from the passphrase by argon2id
//! (RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes; 16-byte random
//! salt) and sealed with XChaCha20-Poly1305 (random 24-byte nonce). The header (format,
//! KDF parameters, salt, commitment) is the AEAD's associated data, so none of it can be
//! changed without the passphrase. In memory the passphrase, the derived key and the
//! decrypted secret live only in zeroizing types.

use crate::fsio::{self, Mode};
use alc_circuits::credential::HolderSecret;
use alc_circuits::field::{from_decimal, to_decimal};
use alc_circuits::files::CredentialFile;
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

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
/// The environment variable a script passes the passphrase in.
pub const PASSPHRASE_ENV: &str = "ALC_WALLET_PASSPHRASE";

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

/// The passphrase: from `ALC_WALLET_PASSPHRASE` (if set and not empty), else asked on the terminal without echo
/// (twice when `confirm`).
pub fn passphrase(confirm: bool) -> Result<Zeroizing<String>> {
    if let Some(p) = std::env::var_os(PASSPHRASE_ENV).filter(|p| !p.is_empty()) {
        let p = Zeroizing::new(
            p.into_string()
                .map_err(|_| anyhow!("{PASSPHRASE_ENV} is not UTF-8"))?,
        );
        if confirm && p.chars().count() < MIN_PASSPHRASE {
            bail!("the passphrase in {PASSPHRASE_ENV} is shorter than {MIN_PASSPHRASE} characters");
        }
        return Ok(p);
    }
    let ask = |prompt: &str| -> Result<Zeroizing<String>> {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|_| anyhow!("no passphrase: run in a terminal or set {PASSPHRASE_ENV}"))
    };
    if !confirm {
        return ask("Wallet passphrase: ");
    }
    let p = ask("New wallet passphrase: ")?;
    if p.chars().count() < MIN_PASSPHRASE {
        bail!("the passphrase is shorter than {MIN_PASSPHRASE} characters");
    }
    let again = ask("Repeat the passphrase: ")?;
    if *p != *again {
        bail!("the two passphrases differ");
    }
    Ok(p)
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

fn derive_key(
    passphrase: &str,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = argon2::Params::new(m, t, p, Some(32))
        .map_err(|e| anyhow!("holder.secret has unusable argon2id parameters: {e}"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| anyhow!("cannot derive the wallet key: {e}"))?;
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
        .map_err(|_| anyhow!("cannot encrypt the holder secret"))?;
    f.ciphertext = B64.encode(sealed);
    Ok(serde_json::to_string_pretty(&f)? + "\n")
}

/// Decrypts `holder.secret`'s JSON.
fn open(json: &str, passphrase: &str) -> Result<HolderSecret> {
    let f: SecretFile = serde_json::from_str(json)
        .map_err(|_| anyhow!("holder.secret is not a wallet secret file"))?;
    if f.kind != SECRET_TYPE || f.version != 1 {
        bail!(
            "holder.secret is of an unknown format ({} v{})",
            f.kind,
            f.version
        );
    }
    if f.kdf.alg != "argon2id" || f.kdf.version != 0x13 || f.aead.alg != "xchacha20poly1305" {
        bail!("holder.secret uses an unsupported KDF or cipher");
    }
    // A tampered file must not make us allocate without bound: at most 4 GiB, 100 passes.
    if f.kdf.m_kib > 4 * 1024 * 1024 || f.kdf.t > 100 || f.kdf.p > 64 {
        bail!("holder.secret asks for unreasonable argon2id parameters");
    }
    let salt = B64
        .decode(&f.kdf.salt)
        .map_err(|_| anyhow!("holder.secret: salt is not base64"))?;
    let nonce: [u8; 24] = B64
        .decode(&f.aead.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| anyhow!("holder.secret: nonce is not 24 bytes of base64"))?;
    let sealed = B64
        .decode(&f.ciphertext)
        .map_err(|_| anyhow!("holder.secret: ciphertext is not base64"))?;
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
            .map_err(|_| {
                anyhow!("cannot unlock the wallet: wrong passphrase (or holder.secret was altered)")
            })?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| anyhow!("holder.secret is damaged"))?;
    let secret = HolderSecret::from_field(
        from_decimal(text).map_err(|_| anyhow!("holder.secret is damaged"))?,
    );
    if to_decimal(&secret.commitment()) != f.commitment {
        bail!("holder.secret is damaged: its commitment is not Poseidon(secret)");
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
    /// The questions as shown (`id`, `area`, `text`, `options`).
    pub questions: Vec<Value>,
    /// The options chosen so far (0-based), one per question.
    #[serde(default)]
    pub answers: Vec<Option<usize>>,
}

/// The authority's keys, pinned when the credential was obtained.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PinnedAuthority {
    /// Its URL then.
    pub url: String,
    /// Its name.
    pub name: String,
    /// The credential issuer key `[x, y]`, decimal.
    pub issuer_key: [String; 2],
    /// The Ed25519 key of its signed status responses, base64url.
    pub status_key: String,
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

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    serde_json::from_str(&fsio::read_string(path)?)
        .with_context(|| format!("{} is damaged", path.display()))
}

impl Wallet {
    /// Creates a wallet: the directory (0700), `wallet.toml` and the encrypted secret.
    pub fn create(dir: &Path, config: Config, passphrase: &str, force: bool) -> Result<Self> {
        let secret_path = dir.join("holder.secret");
        if secret_path.exists() && !force {
            bail!(
                "a wallet already exists in {} (use --force to replace its holder secret: its credential becomes useless)",
                dir.display()
            );
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        set_mode(dir, 0o700)?;
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
        let _ = std::fs::remove_dir_all(dir.join("leases"));
        Ok(w)
    }

    /// Opens an existing wallet; refuses one that others can read.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.join("holder.secret").is_file() {
            bail!(
                "no wallet in {}: run `alc wallet init` first (or point --dir or ALC_WALLET at your wallet)",
                dir.display()
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)
                .with_context(|| format!("cannot read {}", dir.display()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                bail!(
                    "the wallet {} is open to other users (mode {:o}): run `chmod 700 {}`",
                    dir.display(),
                    mode & 0o777,
                    dir.display()
                );
            }
        }
        let path = dir.join("wallet.toml");
        let config = if path.exists() {
            toml::from_str(&fsio::read_string(&path)?)
                .with_context(|| format!("{} is not a wallet configuration", path.display()))?
        } else {
            Config::default()
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
        let text = Zeroizing::new(serde_json::to_string_pretty(v)? + "\n");
        fsio::write(&self.path(name), text.as_bytes(), Mode::Secret, true)
    }

    /// Writes `wallet.toml`.
    pub fn save_config(&self) -> Result<()> {
        let text = format!(
            "# The operator's wallet (alc wallet). ALC_* environment variables and flags override it.\n{}",
            toml::to_string(&self.config)?
        );
        fsio::write(
            &self.path("wallet.toml"),
            text.as_bytes(),
            Mode::Secret,
            true,
        )
    }

    /// Decrypts the holder secret.
    pub fn unlock(&self, passphrase: &str) -> Result<HolderSecret> {
        let text = Zeroizing::new(fsio::read_string(&self.path("holder.secret"))?);
        open(&text, passphrase)
    }

    /// The session, if any.
    pub fn session(&self) -> Result<Option<Session>> {
        let p = self.path("session.json");
        if !p.exists() {
            return Ok(None);
        }
        read_json(&p).map(Some)
    }

    /// Keeps the session.
    pub fn save_session(&self, s: &Session) -> Result<()> {
        self.write_json("session.json", s)
    }

    /// The open attempt, if any.
    pub fn attempt(&self) -> Result<Option<OpenAttempt>> {
        let p = self.path("attempt.json");
        if !p.exists() {
            return Ok(None);
        }
        read_json(&p).map(Some)
    }

    /// Keeps the open attempt.
    pub fn save_attempt(&self, a: &OpenAttempt) -> Result<()> {
        self.write_json("attempt.json", a)
    }

    /// Forgets the open attempt.
    pub fn clear_attempt(&self) -> Result<()> {
        let p = self.path("attempt.json");
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
        Ok(())
    }

    /// The credential, if any (its signature is checked).
    pub fn credential(&self) -> Result<Option<CredentialFile>> {
        let p = self.path("credential.json");
        if !p.exists() {
            return Ok(None);
        }
        CredentialFile::from_json(&fsio::read_string(&p)?)
            .map(Some)
            .with_context(|| format!("{} is damaged", p.display()))
    }

    /// The credential, or an error that says how to get one.
    pub fn need_credential(&self) -> Result<CredentialFile> {
        self.credential()?.ok_or_else(|| {
            anyhow!("no credential in the wallet yet: pass the assessment (`alc wallet assess`) and run `alc wallet obtain`")
        })
    }

    /// Keeps the credential.
    pub fn save_credential(&self, c: &CredentialFile) -> Result<()> {
        fsio::write(
            &self.path("credential.json"),
            c.to_json().as_bytes(),
            Mode::Secret,
            true,
        )
    }

    /// The pinned authority, if any.
    pub fn pinned(&self) -> Result<Option<PinnedAuthority>> {
        let p = self.path("authority.json");
        if !p.exists() {
            return Ok(None);
        }
        read_json(&p).map(Some)
    }

    /// Pins the authority.
    pub fn save_pinned(&self, a: &PinnedAuthority) -> Result<()> {
        self.write_json("authority.json", a)
    }

    /// The lease of an agent, if any.
    pub fn lease(&self, agent: &str) -> Result<Option<StoredLease>> {
        let p = self.path("leases").join(lease_file(agent));
        if !p.exists() {
            return Ok(None);
        }
        read_json(&p).map(Some)
    }

    /// Every lease in the wallet, by agent.
    pub fn leases(&self) -> Result<Vec<StoredLease>> {
        let dir = self.path("leases");
        if !dir.exists() {
            return Ok(vec![]);
        }
        let mut out = vec![];
        for e in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json") {
                out.push(read_json::<StoredLease>(&p)?);
            }
        }
        out.sort_by(|a, b| a.agent.cmp(&b.agent));
        Ok(out)
    }

    /// Keeps a lease under its agent's name.
    pub fn save_lease(&self, l: &StoredLease) -> Result<()> {
        let dir = self.path("leases");
        if !dir.exists() {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            set_mode(&dir, 0o700)?;
        }
        self.write_json(&format!("leases/{}", lease_file(&l.agent)), l)
    }

    /// Where an agent's lease is kept.
    pub fn lease_path(&self, agent: &str) -> PathBuf {
        self.path("leases").join(lease_file(agent))
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
