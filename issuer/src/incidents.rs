//! Incident intake: gateways report a misbehaving pseudonym with its registry chain;
//! administrators list and resolve reports.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_protocol::authority::{Incident, IncidentReport, Resolution};
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
        let now = self.now();
        let mut w = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (pseudonym, gateway, chain, description, reported_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&r.pseudonym)
        .bind(&r.gateway)
        .bind(serde_json::to_string(&r.chain).map_err(Internal::new)?)
        .bind(&r.description)
        .bind(reporter)
        .bind(now as i64)
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
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, pseudonym, gateway, chain, description, reported_by, created_at, resolved_at, resolution
             FROM incidents ORDER BY resolved_at IS NOT NULL, id",
        )
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
                )| {
                    Ok(Incident {
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
        let done = sqlx::query("UPDATE incidents SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL")
            .bind(now as i64)
            .bind(&r.resolution)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(IncidentError::NotOpen(id));
        }
        audit(
            &mut w.tx,
            actor,
            now,
            "incident-resolve",
            &r.resolution,
            serde_json::json!({ "incident": id }),
        )
        .await?;
        Ok(w.commit().await?)
    }
}
