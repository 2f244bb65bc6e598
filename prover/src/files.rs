//! The JSON files of the command line, each with a `type` saying what it is. Field
//! elements are decimal strings; 64-bit integers are decimal strings too. Parsing
//! checks internal consistency (a public key matches its secret, a commitment its
//! secret, a root its bitstring, a signature its issuer), so a wrong file is refused
//! with one clear sentence.

use alc_circuits::credential::{HolderSecret, SignedCredential};
use alc_circuits::eddsa::{PublicKey, SecretKey};
use alc_circuits::field::{self, Fr};
use alc_circuits::status::StatusList;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use zeroize::Zeroizing;

/// A file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Not JSON of the expected shape.
    #[error("not a valid {kind} file: {reason}")]
    Json {
        /// What was expected.
        kind: &'static str,
        /// The parser's words.
        reason: String,
    },
    /// Another kind of file.
    #[error("expected a {expected} file, found type {found:?}")]
    Kind {
        /// The expected `type`.
        expected: &'static str,
        /// The `type` found.
        found: String,
    },
    /// The file contradicts itself.
    #[error("{0}")]
    Inconsistent(&'static str),
}

fn parse<T: DeserializeOwned>(s: &str, kind: &'static str) -> Result<T, FileError> {
    #[derive(Deserialize)]
    struct Tag {
        #[serde(rename = "type")]
        kind: String,
    }
    let tag: Tag = serde_json::from_str(s).map_err(|e| FileError::Json {
        kind,
        reason: e.to_string(),
    })?;
    if tag.kind != kind {
        return Err(FileError::Kind {
            expected: kind,
            found: tag.kind,
        });
    }
    serde_json::from_str(s).map_err(|e| FileError::Json {
        kind,
        reason: e.to_string(),
    })
}

fn pretty<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// `type` of the issuer key file.
pub const ISSUER_KEY: &str = "alc-issuer-key";
/// `type` of the credential file.
pub const CREDENTIAL: &str = "alc-credential";
/// `type` of the holder secret file.
pub const HOLDER_SECRET: &str = "alc-holder-secret";
/// `type` of the status list file.
pub const STATUS_LIST: &str = "alc-status-list";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerKeyFile {
    #[serde(rename = "type")]
    kind: String,
    secret_key: Zeroizing<String>,
    public_key: PublicKey,
}

/// The issuer's key file (secret: written with mode 0600).
pub fn issuer_key_to_json(key: &SecretKey) -> Zeroizing<String> {
    Zeroizing::new(pretty(&IssuerKeyFile {
        kind: ISSUER_KEY.into(),
        secret_key: Zeroizing::new(hex::encode(key.to_bytes())),
        public_key: key.public_key(),
    }))
}

/// Reads an issuer key file.
pub fn issuer_key_from_json(s: &str) -> Result<SecretKey, FileError> {
    let f: IssuerKeyFile = parse(s, ISSUER_KEY)?;
    let bytes = Zeroizing::new(
        hex::decode(f.secret_key.as_str())
            .map_err(|_| FileError::Inconsistent("secret_key is not hex"))?,
    );
    let seed: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| FileError::Inconsistent("secret_key must be 32 bytes"))?;
    let key = SecretKey::from_bytes(seed);
    if key.public_key() != f.public_key {
        return Err(FileError::Inconsistent(
            "public_key does not belong to secret_key",
        ));
    }
    Ok(key)
}

/// A credential as issued: the issuer's key, the fields and the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialFile {
    #[serde(rename = "type")]
    kind: String,
    /// The issuing authority's public key.
    pub issuer: PublicKey,
    /// The signed credential.
    #[serde(flatten)]
    pub signed: SignedCredential,
}

impl CredentialFile {
    /// A credential file.
    pub fn new(issuer: PublicKey, signed: SignedCredential) -> Self {
        Self {
            kind: CREDENTIAL.into(),
            issuer,
            signed,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        pretty(self)
    }

    /// Reads a credential file; the signature must verify under its issuer.
    pub fn from_json(s: &str) -> Result<Self, FileError> {
        let f: Self = parse(s, CREDENTIAL)?;
        if !f.signed.verify(&f.issuer) {
            return Err(FileError::Inconsistent(
                "the credential's signature does not verify under its issuer key",
            ));
        }
        Ok(f)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolderFile {
    #[serde(rename = "type")]
    kind: String,
    secret: Zeroizing<String>,
    #[serde(with = "field::decimal")]
    commitment: Fr,
}

/// The holder secret file (secret: written with mode 0600).
pub fn holder_to_json(sk: &HolderSecret) -> Zeroizing<String> {
    Zeroizing::new(pretty(&HolderFile {
        kind: HOLDER_SECRET.into(),
        secret: Zeroizing::new(field::to_decimal(sk.expose())),
        commitment: sk.commitment(),
    }))
}

/// Reads a holder secret file; `commitment` must be `Poseidon(secret)`.
pub fn holder_from_json(s: &str) -> Result<HolderSecret, FileError> {
    let f: HolderFile = parse(s, HOLDER_SECRET)?;
    let sk = HolderSecret::from_field(
        field::from_decimal(&f.secret)
            .map_err(|_| FileError::Inconsistent("secret is not a canonical field element"))?,
    );
    if sk.commitment() != f.commitment {
        return Err(FileError::Inconsistent(
            "commitment is not Poseidon(secret)",
        ));
    }
    Ok(sk)
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusListFile {
    #[serde(rename = "type")]
    kind: String,
    #[serde(with = "field::decimal")]
    root: Fr,
    revoked: usize,
    encoded_list: String,
}

/// The public status list file.
pub fn status_list_to_json(list: &StatusList) -> String {
    pretty(&StatusListFile {
        kind: STATUS_LIST.into(),
        root: list.root(),
        revoked: list.revoked_count(),
        encoded_list: list.encode(),
    })
}

/// Reads a status list file; the root is recomputed from the bitstring and must match.
pub fn status_list_from_json(s: &str) -> Result<StatusList, FileError> {
    let f: StatusListFile = parse(s, STATUS_LIST)?;
    let list = StatusList::decode(&f.encoded_list).map_err(|e| FileError::Json {
        kind: STATUS_LIST,
        reason: e.to_string(),
    })?;
    if list.root() != f.root {
        return Err(FileError::Inconsistent(
            "root does not match the encoded list",
        ));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::Example;
    use rand::SeedableRng;

    #[test]
    fn round_trips_and_refusals() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let ex = Example::generate(&mut rng, 1_800_000_000);
        let k = issuer_key_to_json(&ex.issuer);
        assert_eq!(
            issuer_key_from_json(&k).unwrap().public_key(),
            ex.issuer.public_key()
        );
        let c = CredentialFile::new(ex.issuer.public_key(), ex.credential).to_json();
        assert_eq!(CredentialFile::from_json(&c).unwrap().signed, ex.credential);
        let h = holder_to_json(&ex.holder);
        assert_eq!(holder_from_json(&h).unwrap(), ex.holder);
        let l = status_list_to_json(&ex.status);
        assert_eq!(status_list_from_json(&l).unwrap(), ex.status);

        // Another kind of file.
        assert!(matches!(holder_from_json(&c), Err(FileError::Kind { .. })));
        // Inconsistent contents.
        let other = SecretKey::from_bytes([1; 32]).public_key();
        let forged = CredentialFile::new(other, ex.credential).to_json();
        assert!(matches!(
            CredentialFile::from_json(&forged),
            Err(FileError::Inconsistent(_))
        ));
        let bad_root = l.replace(&field::to_decimal(&ex.status.root()), "1");
        assert!(matches!(
            status_list_from_json(&bad_root),
            Err(FileError::Inconsistent(_))
        ));
        let bad_holder = h.replace(&field::to_decimal(&ex.holder.commitment()), "1");
        assert!(matches!(
            holder_from_json(&bad_holder),
            Err(FileError::Inconsistent(_))
        ));
        assert!(matches!(
            issuer_key_from_json("{"),
            Err(FileError::Json { .. })
        ));
    }
}
