//! Tier-3 agent systems: the authority's certificate that an agent key operates a
//! registered system (`alc_protocol::systems`), asked for by the system's named
//! principal operator and kept in the wallet (`systems/<name>.json`).
//!
//! A plain lease gets a fresh agent key (`crate::keys`), so one holder's leases are
//! unlinkable across gateways. A system's leases share one key while its certificate
//! lasts (a day by default): the certificate names the system to every gateway anyway,
//! so the shared key links nothing more. The key is derived like a lease's, from the
//! holder secret and a random salt kept beside the certificate; certifying again gets a
//! new key. A gateway whose autonomous routes need permit tier 3 refuses a lease without
//! the certificate, and caps the lease at the certificate's end.

use crate::client::AuthorityClient;
use crate::credential::{pinned_authority, status_key};
use crate::keys::AgentKey;
use crate::store::{StoredSystem, Wallet};
use crate::WalletError;
use alc_circuits::credential::HolderSecret;
use alc_protocol::time::now;

/// The `type` of a system file in the wallet.
pub const SYSTEM_FILE: &str = "alc-wallet-system";

/// Asks the authority (signed in as `session`) to certify a fresh agent key for the
/// system `name` of permit `permit`, checks the certificate under the authority's pinned
/// status key, and keeps it in `w` (replacing an earlier one).
///
/// # Errors
/// The authority's refusal (not the system's principal, the permit not an active tier-3
/// permit meeting its requirements), [`WalletError::Untrusted`] for a certificate that
/// does not verify or is for another key, or the file system's.
pub async fn certify(
    w: &Wallet,
    authority: &AuthorityClient,
    secret: &HolderSecret,
    session: &str,
    permit: &str,
    name: &str,
) -> Result<StoredSystem, WalletError> {
    let pinned = pinned_authority(w, authority).await?;
    let (key, key_salt) = AgentKey::fresh(secret);
    let public = key.public_hex();
    let certificate = authority
        .certify_system(session, permit, name, &public)
        .await?;
    let c = certificate
        .verify(&status_key(&pinned)?, &pinned.keys.name, &public, now())
        .map_err(|e| WalletError::Untrusted {
            service: authority.service().to_owned(),
            reason: format!("sent a system certificate that does not hold: {e}"),
        })?;
    let s = StoredSystem {
        kind: SYSTEM_FILE.into(),
        name: name.to_owned(),
        permit: permit.to_owned(),
        system: c.system,
        key: public,
        key_salt,
        not_after: c.not_after,
        certificate,
    };
    w.save_system(&s)?;
    Ok(s)
}

/// The certified system `name` of the wallet and its agent key (re-derived from
/// `secret`), while its certificate lasts.
///
/// # Errors
/// [`WalletError::NoSystem`], or as [`key`].
pub fn system(
    w: &Wallet,
    secret: &HolderSecret,
    name: &str,
) -> Result<(StoredSystem, AgentKey), WalletError> {
    let s = w
        .system(name)?
        .ok_or_else(|| WalletError::NoSystem(name.to_owned()))?;
    let k = key(&s, secret)?;
    Ok((s, k))
}

/// The agent key of the stored system `s` (re-derived from `secret`), while its
/// certificate lasts.
///
/// # Errors
/// [`WalletError::SystemExpired`], or a damaged system file.
pub fn key(s: &StoredSystem, secret: &HolderSecret) -> Result<AgentKey, WalletError> {
    if now() >= s.not_after {
        return Err(WalletError::SystemExpired {
            name: s.name.clone(),
            permit: s.permit.clone(),
            at: s.not_after,
        });
    }
    AgentKey::of_system(secret, s)
}
