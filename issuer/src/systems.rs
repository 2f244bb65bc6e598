//! Tier-3 agent systems' certificates (`alc_protocol::systems`): the system's named
//! principal operator, signed in, asks for a certificate binding an agent key to the
//! system; the authority signs it with its status key while the permit is active, of
//! tier 3, and meets every requirement. A certificate lasts
//! `[permits] system_certificate_secs` (a day); the kill switch stays the credential's
//! revocation (a suspended permit's credentials are revoked), the certificate only names
//! the system.

use crate::authority::{audit, Authority};
use crate::permits::{load, unmet, PermitError};
use alc_protocol::systems::{SignedSystemCertificate, SystemCertificate};

/// A fresh public system id: 128 random bits, lowercase hex.
pub fn new_system_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Whether `s` has the shape of a system id (32 lowercase hex digits).
pub fn is_system_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Authority {
    /// A certificate that agent key `key` operates system `name` of permit `permit`, for
    /// the signed-in operator of session `session`, who must be the system's principal.
    pub async fn certify_system(
        &self,
        session: &str,
        permit: &str,
        name: &str,
        key: &str,
    ) -> Result<SignedSystemCertificate, PermitError> {
        let key = alc_protocol::signature::agent_key(key)
            .map(|k| hex::encode(k.as_bytes()))
            .ok_or(PermitError::BadKey)?;
        let person = self.session_identity(session).await.map_err(|e| match e {
            crate::identity::IdentityError::Internal(i) => PermitError::Internal(i),
            _ => PermitError::UnknownSession,
        })?;
        let now = self.now();
        let mut w = self.write().await?;
        // One answer for a permit or a system that does not exist and for one that is
        // not the caller's: nobody probes others' permits through this.
        let system: Option<Option<String>> = sqlx::query_scalar(
            "SELECT system_id FROM agent_systems WHERE permit_id = $1 AND name = $2 AND principal = $3",
        )
        .bind(permit)
        .bind(name)
        .bind(&person)
        .fetch_optional(&mut *w.tx)
        .await?;
        let system = system.ok_or(PermitError::NotSystemPrincipal)?;
        let p = load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        if p.tier != 3 || p.status != "active" {
            return Err(PermitError::Unmet {
                permit: permit.to_owned(),
                why: format!(
                    "a system certificate needs an active tier-3 permit ({}, tier {})",
                    p.status, p.tier
                ),
            });
        }
        if let Some(why) = unmet(&p, &mut w.tx, &self.cfg, now).await? {
            return Err(PermitError::Unmet {
                permit: permit.to_owned(),
                why,
            });
        }
        let system = match system {
            Some(s) => s,
            None => {
                // A system registered before ids existed gets one now.
                let s = new_system_id();
                sqlx::query(
                    "UPDATE agent_systems SET system_id = $1 WHERE permit_id = $2 AND name = $3",
                )
                .bind(&s)
                .bind(permit)
                .bind(name)
                .execute(&mut *w.tx)
                .await?;
                s
            }
        };
        let cert = SystemCertificate {
            issuer: self.cfg.name.clone(),
            system: system.clone(),
            key: key.clone(),
            permit_tier: 3,
            not_after: now + self.cfg.permits.system_certificate_secs,
        };
        audit(
            &mut w.tx,
            &format!("identity:{}", hex::encode(&person[..8.min(person.len())])),
            now,
            "system-certificate",
            "certificate for an agent key",
            serde_json::json!({
                "permit": permit, "system": name, "system_id": system,
                "key": key, "not_after": cert.not_after,
            }),
        )
        .await?;
        w.commit().await?;
        Ok(SignedSystemCertificate::sign(&cert, &self.keys.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_system_id_has_the_shape_and_others_do_not() {
        let id = new_system_id();
        assert!(is_system_id(&id));
        assert_ne!(id, new_system_id());
        for bad in [
            id.to_uppercase(),
            id[1..].to_owned(),
            format!("{}g", &id[1..]),
        ] {
            assert!(!is_system_id(&bad), "{bad}");
        }
    }
}
