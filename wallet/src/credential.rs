//! The licence credential: obtaining it for the wallet's holder commitment (`sk` never
//! leaves the wallet), pinning the authority's keys, and checking the credential against
//! the authority's signed, published status list. The wallet computes its own bit from
//! the public bitstring: the authority learns nothing from a status check.

use crate::client::AuthorityClient;
use crate::enrol::session_for;
use crate::store::{PinnedAuthority, Wallet};
use crate::WalletError;
use alc_circuits::field::to_decimal;
use alc_circuits::files::{status_list_with_root, CredentialFile};
use alc_circuits::status::StatusList;
use alc_protocol::authority::{AuthorityKeys, CredentialRequest};
use alc_protocol::encoding::base64url_array;
use alc_protocol::status::{SignedStatus, StatusResponse};
use alc_protocol::time::now;

fn issuer_key(c: &CredentialFile) -> [String; 2] {
    let p = c.issuer.point();
    [to_decimal(&p.x), to_decimal(&p.y)]
}

/// The authority's keys as it publishes them now.
///
/// # Errors
/// As [`AuthorityClient::info`].
pub async fn authority_keys(authority: &AuthorityClient) -> Result<PinnedAuthority, WalletError> {
    let info = authority.info().await?;
    Ok(PinnedAuthority {
        url: authority.url().to_owned(),
        keys: AuthorityKeys::from(&info),
    })
}

/// The pinned authority, pinned now (on first contact) if the wallet has none.
///
/// # Errors
/// As [`authority_keys`], or the file system's.
pub async fn pinned_authority(
    w: &Wallet,
    authority: &AuthorityClient,
) -> Result<PinnedAuthority, WalletError> {
    match w.pinned()? {
        Some(p) => Ok(p),
        None => {
            let p = authority_keys(authority).await?;
            w.save_pinned(&p)?;
            Ok(p)
        }
    }
}

/// Which credential [`obtain`] asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An operator licence after a pass, bound to a permit if one is named.
    Licence {
        /// The permit.
        permit: Option<String>,
    },
    /// An apprentice credential (tier 0, sandbox routes) under the apprenticeship the
    /// supervisor accepted.
    Apprentice,
}

/// Obtains the operator credential for the holder commitment of `secret` (optionally
/// bound to `permit`), checks it is for that commitment and signed by the key the
/// authority publishes, and keeps it with the authority's keys. Refuses to replace a
/// credential without `force`.
///
/// # Errors
/// Not signed in, a credential already held, the authority's refusal, or an answer that
/// does not check out.
pub async fn obtain(
    w: &Wallet,
    authority: &AuthorityClient,
    secret: &alc_circuits::credential::HolderSecret,
    kind: Kind,
    force: bool,
) -> Result<(CredentialFile, PinnedAuthority), WalletError> {
    if let Some(c) = w.credential()? {
        if !force {
            return Err(WalletError::HasCredential(c.signed.credential.serial));
        }
    }
    let s = session_for(w, authority.url())?;
    let holder = to_decimal(&secret.commitment());
    let file = match kind {
        Kind::Licence { permit } => {
            let req = CredentialRequest { holder, permit };
            authority.obtain(&s.session, &req).await?
        }
        Kind::Apprentice => {
            let req = alc_protocol::authority::ApprenticeRequest { holder };
            authority.apprentice(&s.session, &req).await?
        }
    };
    let service = authority.service().to_owned();
    let cred = CredentialFile::from_wire(&file).map_err(|e| WalletError::Malformed {
        service: service.clone(),
        reason: format!("sent a bad credential: {e}"),
    })?;
    if cred.signed.credential.holder != secret.commitment() {
        return Err(WalletError::Untrusted {
            service,
            reason: "issued a credential for another holder key".into(),
        });
    }
    let info = authority_keys(authority).await?;
    if info.keys.issuer_key != issuer_key(&cred) {
        return Err(WalletError::Untrusted {
            service,
            reason: "signed the credential with a key other than the one it publishes".into(),
        });
    }
    w.save_credential(&cred)?;
    w.save_pinned(&info)?;
    Ok((cred, info))
}

pub(crate) fn status_key(
    pinned: &PinnedAuthority,
) -> Result<ed25519_dalek::VerifyingKey, WalletError> {
    let damaged = || WalletError::Damaged {
        path: "authority.json".into(),
        reason: "its status key".into(),
    };
    let bytes: [u8; 32] = base64url_array(&pinned.keys.status_key).map_err(|_| damaged())?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| damaged())
}

/// A signed status response checked under the pinned key and name.
///
/// # Errors
/// [`WalletError::Untrusted`] when it does not verify or names another authority.
pub fn verify_status(
    signed: &SignedStatus,
    pinned: &PinnedAuthority,
    service: &str,
) -> Result<StatusResponse, WalletError> {
    let r = signed
        .verify(&status_key(pinned)?)
        .map_err(|e| WalletError::Untrusted {
            service: service.to_owned(),
            reason: format!(
                "sent a status response that does not verify under its pinned key: {e}"
            ),
        })?;
    if r.issuer != pinned.keys.name {
        return Err(WalletError::Untrusted {
            service: service.to_owned(),
            reason: format!(
                "sent a status response of {:?}, not of {:?}",
                r.issuer, pinned.keys.name
            ),
        });
    }
    Ok(r)
}

/// Checks that `challenge`, fetched from `gateway`, is that gateway's own: its scope is
/// registered in the pinned authority's signed gateway list at `gateway`'s origin, and
/// it is signed by that gateway's registered key (see `alc_protocol::gateways`). Call it
/// before proving: a proof made for a relayed challenge is a lease at another gateway in
/// the holder's name.
///
/// # Errors
/// The list unreachable, or [`WalletError::NotTheGateway`].
pub async fn check_gateway(
    authority: &AuthorityClient,
    pinned: &PinnedAuthority,
    gateway: &str,
    challenge: &alc_protocol::gateway::Challenge,
) -> Result<(), WalletError> {
    let list = authority.gateways().await?;
    alc_protocol::gateways::check_challenge(
        challenge,
        &list,
        &status_key(pinned)?,
        &pinned.keys.name,
        gateway,
    )
    .map(drop)
    .map_err(|reason| WalletError::NotTheGateway {
        service: gateway.to_owned(),
        reason,
    })
}

/// The authority's latest signed status, verified under the pinned key.
///
/// # Errors
/// As [`AuthorityClient::status`] and [`verify_status`].
pub async fn signed_status(
    authority: &AuthorityClient,
    pinned: &PinnedAuthority,
) -> Result<StatusResponse, WalletError> {
    verify_status(&authority.status().await?, pinned, authority.service())
}

/// The published list with its signed response; the list must hash to the signed root.
///
/// # Errors
/// As [`AuthorityClient::status_list`] and [`verify_status`], or a list that does not
/// match its signed root.
pub async fn published_list(
    authority: &AuthorityClient,
    pinned: &PinnedAuthority,
) -> Result<(StatusList, StatusResponse), WalletError> {
    let published = authority.status_list().await?;
    let r = verify_status(&published.status, pinned, authority.service())?;
    let list = status_list_with_root(&published.encoded_list, &r.root).map_err(|e| {
        WalletError::Untrusted {
            service: authority.service().to_owned(),
            reason: format!("published a status list whose root is not the signed root ({e})"),
        }
    })?;
    Ok((list, r))
}

/// Where the wallet's credential stands under the authority's latest signed root.
#[derive(Clone, Debug)]
pub struct Standing {
    /// The credential.
    pub credential: CredentialFile,
    /// The signed status it was checked under.
    pub status: StatusResponse,
    /// Its bit in the list.
    pub revoked: bool,
    /// When it was checked (unix seconds).
    pub at: u64,
}

impl Standing {
    /// Why the credential cannot be used now, if it cannot: revoked, expired, not yet
    /// valid.
    pub fn problem(&self) -> Option<String> {
        let c = &self.credential.signed.credential;
        if self.revoked {
            return Some(format!(
                "your credential (serial {}) is revoked under epoch {} of {}",
                c.serial, self.status.epoch, self.status.issuer
            ));
        }
        if self.at >= c.expires {
            return Some(format!(
                "your credential expired at {}",
                crate::when::utc(c.expires)
            ));
        }
        if self.at < c.not_before {
            return Some(format!(
                "your credential is not valid before {}",
                crate::when::utc(c.not_before)
            ));
        }
        None
    }
}

/// Checks the wallet's credential against the published list (locally: the authority
/// sees a list download, not whose bit is read).
///
/// # Errors
/// No credential, one not issued by the pinned authority, or as [`published_list`].
pub async fn standing(w: &Wallet, authority: &AuthorityClient) -> Result<Standing, WalletError> {
    let cred = w.need_credential()?;
    let pinned = pinned_authority(w, authority).await?;
    if pinned.keys.issuer_key != issuer_key(&cred) {
        return Err(WalletError::Untrusted {
            service: authority.service().to_owned(),
            reason: format!(
                "is not the pinned authority {} that issued the wallet's credential",
                pinned.keys.name
            ),
        });
    }
    let (list, status) = published_list(authority, &pinned).await?;
    let serial = cred.signed.credential.serial;
    let revoked = list
        .is_revoked(serial)
        .map_err(|e| WalletError::Untrusted {
            service: authority.service().to_owned(),
            reason: format!("published a status list without serial {serial}: {e}"),
        })?;
    Ok(Standing {
        credential: cred,
        status,
        revoked,
        at: now(),
    })
}
