//! Incident intake: gateways report a misbehaving pseudonym with its registry chain;
//! administrators list and resolve reports.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_protocol::authority::{Incident, IncidentReport, Opened, Resolution};
use sha2::Digest;

/// Why an incident report or resolution is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IncidentError {
    /// A pseudonym that is not a field element.
    #[error("pseudonym: {0}")]
    Pseudonym(String),
    /// A report without its gateway or description.
    #[error("gateway and description are required")]
    Incomplete,
    /// A chain link naming an agent system by something that is not a system id.
    #[error("chain: an agent system is named by its public id, 32 lowercase hex digits")]
    BadSystem,
    /// An escrow ciphertext that is not two points of the subgroup.
    #[error("escrow: {0}")]
    Escrow(String),
    /// No open incident has this id.
    #[error("no open incident {0}")]
    NotOpen(i64),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(IncidentError);

impl Authority {
    /// Files a report.
    pub async fn report_incident(
        &self,
        r: &IncidentReport,
        reporter: &str,
    ) -> Result<i64, IncidentError> {
        alc_circuits::field::from_decimal(&r.pseudonym)
            .map_err(|e| IncidentError::Pseudonym(e.to_string()))?;
        if r.gateway.trim().is_empty() || r.description.trim().is_empty() {
            return Err(IncidentError::Incomplete);
        }
        if r.chain.iter().any(|l| {
            l.system
                .as_deref()
                .is_some_and(|s| !crate::systems::is_system_id(s))
        }) {
            return Err(IncidentError::BadSystem);
        }
        // A ciphertext must be two points of the curve's subgroup: what the trustees
        // will be asked to decrypt.
        let escrow = match &r.escrow {
            Some(c) => {
                alc_escrow::text::statement_ciphertext(c)
                    .map_err(|e| IncidentError::Escrow(e.to_string()))?;
                Some(serde_json::to_string(c).map_err(Internal::new)?)
            }
            None => None,
        };
        let now = self.now();
        let mut w = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (pseudonym, gateway, chain, description, reported_by, created_at, escrow) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&r.pseudonym)
        .bind(&r.gateway)
        .bind(serde_json::to_string(&r.chain).map_err(Internal::new)?)
        .bind(&r.description)
        .bind(reporter)
        .bind(now as i64)
        .bind(escrow)
        .fetch_one(&mut *w.tx)
        .await?;
        // The registry records that a report exists, by hash: its text stays here.
        let entry = alc_registry::entry::Entry::Incident(alc_registry::entry::Incident {
            id: id.to_string(),
            gateway: Some(r.gateway.clone()),
            lease_id: None,
            category: "gateway-report".into(),
            summary_hash: hex::encode(sha2::Sha256::digest(r.description.as_bytes())),
            at: now,
        });
        crate::registry::append_in(&mut w.tx, &entry)
            .await
            .map_err(Internal::new)?;
        audit(
            &mut w.tx,
            reporter,
            now,
            "incident-report",
            &r.description,
            serde_json::json!({ "incident": id, "gateway": r.gateway }),
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Lists incidents, open ones first.
    pub async fn incidents(&self) -> Result<Vec<Incident>, IncidentError> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.id, i.pseudonym, i.gateway, i.chain, i.description, i.reported_by, i.created_at, i.resolved_at, i.resolution,
                    i.escrow, i.opened_serial, i.opened_epoch, c.permit_id
             FROM incidents i LEFT JOIN credentials c ON c.serial = i.opened_serial
             ORDER BY i.resolved_at IS NOT NULL, i.id",
        )
        .fetch_all(&self.db)
        .await?;
        let openings: Vec<(i64, i64)> =
            sqlx::query_as("SELECT incident, trustee FROM openings ORDER BY opened_at, trustee")
                .fetch_all(&self.db)
                .await?;
        rows.into_iter()
            .map(
                |(
                    id,
                    pseudonym,
                    gateway,
                    chain,
                    description,
                    reported_by,
                    created_at,
                    resolved_at,
                    resolution,
                    escrow,
                    opened_serial,
                    opened_epoch,
                    permit,
                )| {
                    let escrow = escrow
                        .map(|e| serde_json::from_str(&e))
                        .transpose()
                        .map_err(Internal::new)?;
                    let opened = match (opened_serial, opened_epoch) {
                        (Some(serial), Some(epoch)) => Some(Opened {
                            serial: serial as u32,
                            permit,
                            epoch: epoch as u64,
                        }),
                        _ => None,
                    };
                    Ok(Incident {
                        escrow,
                        openings: openings
                            .iter()
                            .filter(|(i, _)| *i == id)
                            .map(|(_, t)| *t as u32)
                            .collect(),
                        opened,
                        id,
                        pseudonym,
                        gateway,
                        chain: serde_json::from_str(&chain).map_err(Internal::new)?,
                        description,
                        reported_by,
                        created_at: created_at as u64,
                        resolved_at: resolved_at.map(|t| t as u64),
                        resolution,
                    })
                },
            )
            .collect()
    }

    /// Resolves an incident.
    pub async fn resolve_incident(
        &self,
        id: i64,
        r: &Resolution,
        actor: &str,
    ) -> Result<(), IncidentError> {
        let now = self.now();
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE incidents SET resolved_at = $1, resolution = $2 WHERE id = $3 AND resolved_at IS NULL")
            .bind(now as i64)
            .bind(&r.resolution)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(IncidentError::NotOpen(id));
        }
        // The record of the resolution names what an opening established: the licence's
        // permit (the fleet liable) and the chain of custody the gateway reported.
        let (chain, serial, permit): (String, Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT i.chain, i.opened_serial, c.permit_id FROM incidents i
             LEFT JOIN credentials c ON c.serial = i.opened_serial WHERE i.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
        let chain: Vec<alc_protocol::authority::ChainLink> =
            serde_json::from_str(&chain).map_err(Internal::new)?;
        let custody: Vec<serde_json::Value> = chain
            .iter()
            .map(|l| serde_json::json!({ "lease": l.lease, "parent": l.parent, "agent": l.agent }))
            .collect();
        audit(
            &mut w.tx,
            actor,
            now,
            "incident-resolve",
            &r.resolution,
            serde_json::json!({ "incident": id, "serial": serial, "permit": permit, "chain": custody }),
        )
        .await?;
        Ok(w.commit().await?)
    }
}
