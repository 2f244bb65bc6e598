//! The files of the native values (`alc_protocol::files`), read with the checks that
//! need the arithmetic: a credential's signature must verify under its `issuer`, a holder
//! file's `commitment` must be `Poseidon(secret)`, an issuer key file's public key must
//! be its secret's, a status list's `root` must match its bitstring. So a wrong file is
//! refused with one clear sentence, whoever reads it (the wallet, the authority, a
//! gateway, the browser).
//!
//! The native types' serde forms are exactly the protocol's shapes (field elements as
//! canonical decimals, points as `[x, y]`, signatures as circomlibjs writes them):
//! converting is re-reading those shapes, with the native parser's checks.

use crate::credential::{HolderSecret, SignedCredential};
use crate::eddsa::{PublicKey, SecretKey};
use crate::field::{self, Fr};
use crate::status::StatusList;
use alc_protocol::files::{
    self as wire, FileError, CREDENTIAL, HOLDER_SECRET, ISSUER_KEY, STATUS_LIST,
};
use serde::{de::DeserializeOwned, Serialize};
use zeroize::Zeroizing;

/// Re-reads one serde shape as another (they are the same JSON by construction).
fn reshape<A: Serialize, B: DeserializeOwned>(a: &A, kind: &'static str) -> Result<B, FileError> {
    serde_json::to_value(a)
        .and_then(serde_json::from_value)
        .map_err(|e| FileError::Json {
            kind,
            reason: e.to_string(),
        })
}

fn kind(found: &str, expected: &'static str) -> Result<(), FileError> {
    if found == expected {
        Ok(())
    } else {
        Err(FileError::Kind {
            expected,
            found: found.to_owned(),
        })
    }
}

/// A credential as issued: the issuer's key, the fields and the signature (its
/// signature checked under its issuer whenever it is read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialFile {
    /// The issuing authority's public key.
    pub issuer: PublicKey,
    /// The signed credential.
    pub signed: SignedCredential,
}

impl CredentialFile {
    /// A credential file.
    pub fn new(issuer: PublicKey, signed: SignedCredential) -> Self {
        Self { issuer, signed }
    }

    /// Its protocol form.
    pub fn to_wire(&self) -> wire::CredentialFile {
        let p = self.issuer.point();
        wire::CredentialFile {
            kind: CREDENTIAL.into(),
            issuer: [field::to_decimal(&p.x), field::to_decimal(&p.y)],
            credential: reshape(&self.signed.credential, CREDENTIAL)
                .unwrap_or_else(|_| unreachable!("a credential's serde form is the protocol's")),
            signature: reshape(&self.signed.signature, CREDENTIAL)
                .unwrap_or_else(|_| unreachable!("a signature's serde form is the protocol's")),
        }
    }

    /// Reads the protocol form; the signature must verify under its issuer.
    pub fn from_wire(f: &wire::CredentialFile) -> Result<Self, FileError> {
        kind(&f.kind, CREDENTIAL)?;
        let issuer: PublicKey = reshape(&f.issuer, CREDENTIAL)?;
        let signed = SignedCredential {
            credential: reshape(&f.credential, CREDENTIAL)?,
            signature: reshape(&f.signature, CREDENTIAL)?,
        };
        if !signed.verify(&issuer) {
            return Err(FileError::Inconsistent(
                "the credential's signature does not verify under its issuer key",
            ));
        }
        Ok(Self { issuer, signed })
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        wire::pretty(&self.to_wire())
    }

    /// Reads a credential file; the signature must verify under its issuer.
    pub fn from_json(s: &str) -> Result<Self, FileError> {
        Self::from_wire(&wire::parse(s, CREDENTIAL)?)
    }
}

/// The issuer key file's protocol form (secret: written with mode 0600).
pub fn issuer_key_to_wire(key: &SecretKey) -> wire::IssuerKeyFile {
    let p = *key.public_key().point();
    wire::IssuerKeyFile {
        kind: ISSUER_KEY.into(),
        secret_key: Zeroizing::new(hex::encode(key.to_bytes())),
        public_key: [field::to_decimal(&p.x), field::to_decimal(&p.y)],
    }
}

/// The issuer's key file (secret: written with mode 0600).
pub fn issuer_key_to_json(key: &SecretKey) -> Zeroizing<String> {
    Zeroizing::new(wire::pretty(&issuer_key_to_wire(key)))
}

/// Reads an issuer key file; its public key must be its secret's.
pub fn issuer_key_from_json(s: &str) -> Result<SecretKey, FileError> {
    let f: wire::IssuerKeyFile = wire::parse(s, ISSUER_KEY)?;
    let seed = Zeroizing::new(
        alc_protocol::encoding::hex_array::<32>(f.secret_key.as_str())
            .map_err(|_| FileError::Inconsistent("secret_key must be 32 bytes of hex"))?,
    );
    let key = SecretKey::from_bytes(*seed);
    let public: PublicKey = reshape(&f.public_key, ISSUER_KEY)?;
    if key.public_key() != public {
        return Err(FileError::Inconsistent(
            "public_key does not belong to secret_key",
        ));
    }
    Ok(key)
}

/// The holder secret file's protocol form (secret: written with mode 0600).
pub fn holder_to_wire(sk: &HolderSecret) -> wire::HolderFile {
    wire::HolderFile {
        kind: HOLDER_SECRET.into(),
        secret: Zeroizing::new(field::to_decimal(sk.expose())),
        commitment: field::to_decimal(&sk.commitment()),
    }
}

/// The holder secret file (secret: written with mode 0600).
pub fn holder_to_json(sk: &HolderSecret) -> Zeroizing<String> {
    Zeroizing::new(wire::pretty(&holder_to_wire(sk)))
}

/// Reads a holder file's protocol form; `commitment` must be `Poseidon(secret)`.
pub fn holder_from_wire(f: &wire::HolderFile) -> Result<HolderSecret, FileError> {
    kind(&f.kind, HOLDER_SECRET)?;
    let sk = HolderSecret::from_field(
        field::from_decimal(&f.secret)
            .map_err(|_| FileError::Inconsistent("secret is not a canonical field element"))?,
    );
    if field::to_decimal(&sk.commitment()) != f.commitment {
        return Err(FileError::Inconsistent(
            "commitment is not Poseidon(secret)",
        ));
    }
    Ok(sk)
}

/// Reads a holder secret file; `commitment` must be `Poseidon(secret)`.
pub fn holder_from_json(s: &str) -> Result<HolderSecret, FileError> {
    holder_from_wire(&wire::parse(s, HOLDER_SECRET)?)
}

/// The status list file's protocol form.
pub fn status_list_to_wire(list: &StatusList) -> wire::StatusListFile {
    wire::StatusListFile {
        kind: STATUS_LIST.into(),
        root: field::to_decimal(&list.root()),
        revoked: list.revoked_count(),
        encoded_list: list.encode(),
    }
}

/// The public status list file.
pub fn status_list_to_json(list: &StatusList) -> String {
    wire::pretty(&status_list_to_wire(list))
}

/// Decodes an encoded list and checks it against the root it was announced with.
pub fn status_list_with_root(encoded_list: &str, root: &str) -> Result<StatusList, FileError> {
    let list = StatusList::decode(encoded_list).map_err(|e| FileError::Json {
        kind: STATUS_LIST,
        reason: e.to_string(),
    })?;
    let root: Fr = field::from_decimal(root)
        .map_err(|_| FileError::Inconsistent("root is not a canonical field element"))?;
    if list.root() != root {
        return Err(FileError::Inconsistent(
            "root does not match the encoded list",
        ));
    }
    Ok(list)
}

/// Reads a status list file; the root is recomputed from the bitstring and must match.
pub fn status_list_from_json(s: &str) -> Result<StatusList, FileError> {
    let f: wire::StatusListFile = wire::parse(s, STATUS_LIST)?;
    status_list_with_root(&f.encoded_list, &f.root)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::credential::Credential;

    fn example() -> (SecretKey, SignedCredential, HolderSecret, StatusList) {
        let issuer = SecretKey::from_bytes([3; 32]);
        let holder = HolderSecret::from_field(Fr::from(77u64));
        let credential = Credential {
            serial: 5,
            tier: 1,
            permit: Fr::from(0u64),
            permit_tier: 0,
            not_before: 1_800_000_000,
            expires: 1_900_000_000,
            holder: holder.commitment(),
        };
        let signed = SignedCredential::sign(credential, &issuer).unwrap();
        let mut status = StatusList::new();
        status.revoke(9).unwrap();
        (issuer, signed, holder, status)
    }

    #[test]
    fn round_trips_and_refusals() {
        let (issuer, signed, holder, status) = example();
        let k = issuer_key_to_json(&issuer);
        assert_eq!(
            issuer_key_from_json(&k).unwrap().public_key(),
            issuer.public_key()
        );
        let c = CredentialFile::new(issuer.public_key(), signed).to_json();
        assert_eq!(CredentialFile::from_json(&c).unwrap().signed, signed);
        let h = holder_to_json(&holder);
        assert_eq!(holder_from_json(&h).unwrap(), holder);
        let l = status_list_to_json(&status);
        assert_eq!(status_list_from_json(&l).unwrap(), status);

        // Another kind of file.
        assert!(matches!(holder_from_json(&c), Err(FileError::Kind { .. })));
        // Inconsistent contents.
        let other = SecretKey::from_bytes([1; 32]).public_key();
        let forged = CredentialFile::new(other, signed).to_json();
        assert!(matches!(
            CredentialFile::from_json(&forged),
            Err(FileError::Inconsistent(_))
        ));
        let bad_root = l.replace(&field::to_decimal(&status.root()), "1");
        assert!(matches!(
            status_list_from_json(&bad_root),
            Err(FileError::Inconsistent(_))
        ));
        let bad_holder = h.replace(&field::to_decimal(&holder.commitment()), "1");
        assert!(matches!(
            holder_from_json(&bad_holder),
            Err(FileError::Inconsistent(_))
        ));
        assert!(matches!(
            issuer_key_from_json("{"),
            Err(FileError::Json { .. })
        ));
    }

    /// The files keep the shape they had before the protocol crate held it.
    #[test]
    fn the_credential_file_keeps_its_shape() {
        let (issuer, signed, _, _) = example();
        let v: serde_json::Value =
            serde_json::from_str(&CredentialFile::new(issuer.public_key(), signed).to_json())
                .unwrap();
        assert_eq!(v["type"], "alc-credential");
        assert_eq!(v["credential"]["serial"], 5);
        assert_eq!(v["credential"]["not_before"], "1800000000");
        assert!(v["signature"]["R8"][1].is_string() && v["signature"]["S"].is_string());
        assert!(v["issuer"][0].is_string());
    }
}
