//! One person across identity providers (`docs/identity.md`).
//!
//! An identity is `(issuer, subject)` at one provider. A *person* is one or more
//! identities linked together; everything the rules count hangs off the person's key
//! (the key of the identity the others were linked to): attempts, failures, cooling-off,
//! the lock, the pass, licences, sessions and permit roles. Identities are linked
//!
//! * by a **shared verified claim**: a provider configured with `link_claim` must put
//!   that claim (a national identity number, say) in every ID token; the first identity
//!   to present a value becomes its person, and every later identity presenting the same
//!   value, at any provider so configured, is linked to that person when it signs in;
//! * by an **administrator**, with evidence (`POST /v1/admin/identities/link`).
//!
//! Linking merges the two persons' standing: failures add up (and lock at the maximum),
//! the later cooling-off and the earlier pass stand, and each side's records move to
//! the person. It is refused while both sides hold a live credential (two licences, or
//! two wallet keys, that one person cannot have): one must be revoked first.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use crate::identity::{identity_status, IdKey, IdentityError};
use alc_protocol::authority::{IdentityLink, IdentityStatus};
use sqlx::{Any, Transaction};

/// Why two identities cannot be linked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Both sides hold a live credential.
    #[error("both identities hold a live credential (one person holds one licence, under one wallet key): revoke one side's credentials first")]
    BothLicensed,
    /// One side never signed in.
    #[error("identity {0} has never signed in")]
    NeverSignedIn(&'static str),
    /// The identities are one person already.
    #[error("the identities are one person already")]
    AlreadyLinked,
    /// No evidence or reason.
    #[error("a link needs its evidence (what shows the two are one person) and a reason")]
    NoEvidence,
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(LinkError);

/// The person an identity belongs to (itself when unlinked or never seen).
pub async fn person(tx: &mut Transaction<'static, Any>, id_key: &[u8]) -> Result<IdKey, Internal> {
    let p: Option<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT person FROM identities WHERE id_key = $1")
            .bind(id_key)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(p.flatten().unwrap_or_else(|| id_key.to_vec()))
}

/// How a link was made (audit).
pub enum How<'a> {
    /// The providers' shared claim.
    Claim,
    /// An administrator, with evidence.
    Administrator {
        /// Who.
        actor: &'a str,
        /// What shows it.
        evidence: &'a str,
        /// Why.
        reason: &'a str,
    },
}

/// Links the person of `from` into the person `into` (both persons' own keys), in `tx`.
pub async fn merge(
    tx: &mut Transaction<'static, Any>,
    from: &[u8],
    into: &[u8],
    max_failures: u32,
    now: u64,
    how: How<'_>,
) -> Result<(), LinkError> {
    if from == into {
        return Err(LinkError::AlreadyLinked);
    }
    let live = |key: &[u8]| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM credentials WHERE id_key = $1 AND revoked_at IS NULL",
        )
        .bind(key.to_vec())
    };
    if live(from).fetch_one(&mut **tx).await? > 0 && live(into).fetch_one(&mut **tx).await? > 0 {
        return Err(LinkError::BothLicensed);
    }
    // The standing: failures add up, the later cooling-off and the earlier pass stand.
    sqlx::query(
        "UPDATE identities SET
           failures = identities.failures + f.failures,
           cooling_until = CASE WHEN f.cooling_until > identities.cooling_until
             THEN f.cooling_until ELSE identities.cooling_until END,
           locked = CASE WHEN identities.locked <> 0 OR f.locked <> 0
             OR identities.failures + f.failures >= $3 THEN 1 ELSE 0 END,
           passed_at = CASE
             WHEN identities.passed_at IS NULL THEN f.passed_at
             WHEN f.passed_at IS NULL THEN identities.passed_at
             WHEN f.passed_at < identities.passed_at THEN f.passed_at
             ELSE identities.passed_at END,
           training_at = CASE WHEN coalesce(f.training_at, 0) > coalesce(identities.training_at, 0)
             THEN coalesce(f.training_at, 0) ELSE coalesce(identities.training_at, 0) END
         FROM (SELECT * FROM identities WHERE id_key = $1) AS f
         WHERE identities.id_key = $2",
    )
    .bind(from)
    .bind(into)
    .bind(max_failures as i64)
    .execute(&mut **tx)
    .await?;
    // Two open attempts would be two attempts in one sitting: the linked side's lapses
    // (and counts, as any lapsed attempt does).
    let open = |key: &[u8]| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM attempts WHERE id_key = $1 AND submitted_at IS NULL AND expires_at > $2",
        )
        .bind(key.to_vec())
        .bind(now as i64)
    };
    if open(from).fetch_one(&mut **tx).await? > 0 && open(into).fetch_one(&mut **tx).await? > 0 {
        sqlx::query(
            "UPDATE attempts SET expires_at = $1 WHERE id_key = $2 AND submitted_at IS NULL",
        )
        .bind(now as i64)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    }
    // Records move to the person; a permit role held by both is held once, as the
    // stronger of the two.
    sqlx::query(
        "UPDATE permit_operators SET principal = 1 WHERE id_key = $2 AND permit_id IN
           (SELECT permit_id FROM permit_operators WHERE id_key = $1 AND principal = 1)",
    )
    .bind(from)
    .bind(into)
    .execute(&mut **tx)
    .await?;
    // (A role the person already holds on that permit stays as it is.)
    sqlx::query(
        "INSERT INTO permit_operators (permit_id, id_key, principal)
         SELECT permit_id, $2, principal FROM permit_operators WHERE id_key = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(from)
    .bind(into)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM permit_operators WHERE id_key = $1")
        .bind(from)
        .execute(&mut **tx)
        .await?;
    for sql in [
        "UPDATE credentials SET id_key = $2 WHERE id_key = $1",
        "UPDATE attempts SET id_key = $2 WHERE id_key = $1",
        "UPDATE sessions SET id_key = $2 WHERE id_key = $1",
        "UPDATE agent_systems SET principal = $2 WHERE principal = $1",
        "UPDATE apprenticeships SET apprentice = $2 WHERE apprentice = $1",
        "UPDATE apprenticeships SET supervisor = $2 WHERE supervisor = $1",
        "UPDATE person_claims SET person = $2 WHERE person = $1",
        "UPDATE identities SET person = $2 WHERE id_key = $1 OR person = $1",
    ] {
        sqlx::query(sql)
            .bind(from)
            .bind(into)
            .execute(&mut **tx)
            .await?;
    }
    // The linked side's own row fails closed: a request that read its key before the
    // link (a session looked up, then the writer awaited) finds it locked and unpassed,
    // so it can neither sit nor obtain a licence outside the person.
    sqlx::query("UPDATE identities SET passed_at = NULL, locked = 1 WHERE id_key = $1")
        .bind(from)
        .execute(&mut **tx)
        .await?;
    // One person cannot supervise themselves.
    sqlx::query(
        "UPDATE apprenticeships SET ended_at = $1, ended_reason = 'the apprentice and the supervisor are one person'
         WHERE apprentice = supervisor AND ended_at IS NULL",
    )
    .bind(now as i64)
    .execute(&mut **tx)
    .await?;
    let short = |k: &[u8]| hex::encode(&k[..8.min(k.len())]);
    let (actor, reason, details) = match how {
        How::Claim => (
            "authority".to_owned(),
            "the providers' shared verified claim".to_owned(),
            serde_json::json!({ "identity": short(from), "person": short(into), "by": "claim" }),
        ),
        How::Administrator {
            actor,
            evidence,
            reason,
        } => (
            actor.to_owned(),
            reason.to_owned(),
            serde_json::json!({
                "identity": short(from), "person": short(into),
                "by": "administrator", "evidence": evidence,
            }),
        ),
    };
    audit(tx, &actor, now, "identity-link", &reason, details).await?;
    Ok(())
}

impl Authority {
    /// At sign-in: the person of `id_key`, after linking it by the provider's claim
    /// `(name, value)` (if the provider has a `link_claim`). Values are keyed with the
    /// claim's name: only providers linking by the same claim link each other.
    pub(crate) async fn person_at_login(
        &self,
        tx: &mut Transaction<'static, Any>,
        id_key: &[u8],
        claim: Option<&(String, String)>,
        now: u64,
    ) -> Result<IdKey, IdentityError> {
        let mine = person(tx, id_key).await?;
        let Some((name, value)) = claim else {
            return Ok(mine);
        };
        // The issuer position holds a name no issuer URL can be, with the claim's name.
        let claim_key = self
            .keys
            .identity
            .identity_key(&format!("urn:alc:link-claim {name}"), value)
            .to_vec();
        let theirs: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT person FROM person_claims WHERE claim_key = $1")
                .bind(&claim_key)
                .fetch_optional(&mut **tx)
                .await?;
        match theirs {
            None => {
                sqlx::query(
                    "INSERT INTO person_claims (claim_key, person, created_at) VALUES ($1, $2, $3)",
                )
                .bind(&claim_key)
                .bind(&mine)
                .bind(now as i64)
                .execute(&mut **tx)
                .await?;
                Ok(mine)
            }
            Some(p) if p == mine => Ok(mine),
            Some(p) => {
                let max = self.cfg.assessment.max_failures;
                merge(tx, &mine, &p, max, now, How::Claim)
                    .await
                    .map_err(|e| match e {
                        LinkError::Internal(i) => IdentityError::Internal(i),
                        other => IdentityError::LinkRefused(other.to_string()),
                    })?;
                Ok(p)
            }
        }
    }

    /// An administrator's link of `req.identity` to the person of `req.to`.
    pub async fn link_identities(
        &self,
        req: &IdentityLink,
        actor: &str,
    ) -> Result<IdentityStatus, LinkError> {
        if req.evidence.trim().is_empty() || req.reason.trim().is_empty() {
            return Err(LinkError::NoEvidence);
        }
        let key = |r: &alc_protocol::authority::IdentityRef| {
            self.keys
                .identity
                .identity_key(&r.issuer, &r.subject)
                .to_vec()
        };
        let (from, to) = (key(&req.identity), key(&req.to));
        let now = self.now();
        let mut w = self.write().await?;
        for (k, which) in [(&from, "identity"), (&to, "to")] {
            let seen: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM identities WHERE id_key = $1")
                    .bind(k)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if seen.is_none() {
                return Err(LinkError::NeverSignedIn(which));
            }
        }
        let (from, into) = (
            person(&mut w.tx, &from).await?,
            person(&mut w.tx, &to).await?,
        );
        merge(
            &mut w.tx,
            &from,
            &into,
            self.cfg.assessment.max_failures,
            now,
            How::Administrator {
                actor,
                evidence: &req.evidence,
                reason: &req.reason,
            },
        )
        .await?;
        let status = identity_status(&mut w.tx, &into)
            .await
            .map_err(Internal::new)?;
        w.commit().await?;
        // Two principals of one permit may now be one person.
        self.enforce_soon();
        Ok(status)
    }
}
