//! Administrators' commands: the authority's (`alc authority init|revoke|permit|training|
//! incidents|register-gateway`) and the gateway's (`alc gateway init|kill|incident`).
//! They call the services' admin APIs with a bearer token taken from `--token`, the
//! environment, or the service's data folder (`admin-token`), in that order.

use crate::client::{self, Http};
use anyhow::{anyhow, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// How to reach a service's admin API.
pub struct Admin {
    /// Base URL.
    pub url: String,
    /// Explicit token (flag or environment).
    pub token: Option<String>,
    /// Data folder holding `admin-token`.
    pub data: PathBuf,
}

impl Admin {
    fn token(&self) -> Result<String> {
        match &self.token {
            Some(t) => Ok(t.trim().to_owned()),
            None => {
                let path = self.data.join("admin-token");
                Ok(std::fs::read_to_string(&path)
                    .with_context(|| {
                        format!(
                            "no admin token: pass --token, or --data pointing at the service's data folder ({} is unreadable)",
                            path.display()
                        )
                    })?
                    .trim()
                    .to_owned())
            }
        }
    }

    fn call(&self, what: &str, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let token = self.token()?;
        let http = Http::new()?;
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        let service = format!("{what} at {}", self.url);
        tokio::runtime::Runtime::new()?.block_on(async {
            let answer = match method {
                "GET" => http.get(&service, &url, Some(&token)).await?,
                _ => {
                    http.post(&service, &url, Some(&token), &body.unwrap_or(json!({})))
                        .await?
                }
            };
            client::ok(&service, answer)
        })
    }
}

fn print(v: &Value) -> Result<()> {
    if !v.is_null() {
        println!("{}", serde_json::to_string_pretty(v)?);
    }
    Ok(())
}

/// `alc authority init`: creates the data folder and prints what is in it.
pub fn authority_init(data: &Path) -> Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    let a = rt
        .block_on(alc_issuer::service::open(
            data,
            std::sync::Arc::new(alc_protocol::time::SystemClock),
        ))
        .map_err(|e| anyhow!("{e}"))?;
    println!("authority data folder ready: {}", data.display());
    println!(
        "  configuration    {}",
        data.join("authority.toml").display()
    );
    println!(
        "  admin token      {} (every scope; keep it secret)",
        data.join("admin-token").display()
    );
    println!(
        "  registry key     {}",
        a.registry_key().map_err(|e| anyhow!("{e}"))?
    );
    println!(
        "next: add your identity provider to authority.toml, then `alc authority serve --data {}`",
        data.display()
    );
    Ok(())
}

/// `alc authority revoke`.
pub fn revoke(admin: &Admin, serial: u32, reason: &str, emergency: bool) -> Result<()> {
    let v = admin.call(
        "authority",
        "POST",
        "/v1/admin/revoke",
        Some(json!({ "serial": serial, "reason": reason, "emergency": emergency })),
    )?;
    println!(
        "revoked {:?}; status epoch now {}{}",
        v["serials"],
        v["epoch"],
        if emergency {
            " (emergency: gateways drop older leases)"
        } else {
            ""
        }
    );
    Ok(())
}

/// `alc authority permit create`.
pub fn permit_create(
    admin: &Admin,
    id: &str,
    name: &str,
    tier: u8,
    reason: &str,
    insurance: Option<&Path>,
) -> Result<()> {
    let mut body = json!({ "id": id, "name": name, "tier": tier, "reason": reason });
    if let Some(path) = insurance {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        body["insurance"] = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
    }
    print(&admin.call("authority", "POST", "/v1/admin/permits", Some(body))?)
}

/// `alc authority permit status`.
pub fn permit_status(
    admin: &Admin,
    id: &str,
    status: &str,
    reason: &str,
    emergency: bool,
) -> Result<()> {
    print(&admin.call(
        "authority",
        "POST",
        &format!("/v1/admin/permits/{id}/status"),
        Some(json!({ "status": status, "reason": reason, "emergency": emergency })),
    )?)
}

/// `alc authority training`.
pub fn training(admin: &Admin, issuer: &str, subject: &str, reason: &str) -> Result<()> {
    admin.call(
        "authority",
        "POST",
        "/v1/admin/training",
        Some(json!({ "identity": { "issuer": issuer, "subject": subject }, "reason": reason })),
    )?;
    println!("training recorded: the identity may take the assessment again");
    Ok(())
}

/// `alc authority incidents`.
pub fn incidents(admin: &Admin, resolve: Option<i64>, resolution: Option<&str>) -> Result<()> {
    match resolve {
        Some(id) => {
            let resolution =
                resolution.ok_or_else(|| anyhow!("--resolve needs --resolution TEXT"))?;
            admin.call(
                "authority",
                "POST",
                &format!("/v1/admin/incidents/{id}/resolve"),
                Some(json!({ "resolution": resolution })),
            )?;
            println!("incident {id} resolved");
            Ok(())
        }
        None => print(&admin.call("authority", "GET", "/v1/admin/incidents", None)?),
    }
}

/// `alc authority register-gateway`.
pub fn register_gateway(admin: &Admin, id: &str, key: &str, reason: &str) -> Result<()> {
    admin.call(
        "authority",
        "POST",
        "/v1/admin/gateways",
        Some(json!({ "id": id, "key": key, "reason": reason })),
    )?;
    println!("gateway {id} may now submit registry entries");
    Ok(())
}

/// `alc gateway init`.
pub fn gateway_init(
    data: &Path,
    scope: Option<&str>,
    authority: Option<&str>,
    upstream: Option<&str>,
) -> Result<()> {
    let i = alc_gateway::service::init(
        data,
        scope,
        authority,
        upstream,
        &alc_devkit::upstream::offered(),
    )
    .map_err(|e| anyhow!("{e}"))?;
    println!("gateway data folder ready: {}", data.display());
    println!("  scope            {}", i.config.scope);
    println!("  authority        {}", i.config.authority);
    println!("  upstream         {}", i.config.upstream);
    println!("  admin token      {}", data.join("admin-token").display());
    println!("  registry key     {}", i.registry_key);
    println!(
        "next: the authority registers this gateway:\n  alc authority register-gateway --id {} --key {} --reason onboarding\nthen: alc gateway serve --data {}",
        i.config.scope,
        i.registry_key,
        data.display()
    );
    Ok(())
}

/// `alc gateway kill`.
pub fn kill(
    admin: &Admin,
    lease: Option<&str>,
    pseudonym: Option<&str>,
    reason: &str,
) -> Result<()> {
    if lease.is_some() == pseudonym.is_some() {
        return Err(anyhow!("name exactly one of --lease or --pseudonym"));
    }
    admin.call(
        "gateway",
        "POST",
        "/v1/admin/kill",
        Some(json!({ "lease": lease, "pseudonym": pseudonym, "reason": reason })),
    )?;
    println!(
        "killed at once at this gateway{}",
        if lease.is_some() {
            ": the lease and every lease under it"
        } else {
            ": every lease of the pseudonym"
        }
    );
    Ok(())
}

/// `alc gateway incident`.
pub fn incident(admin: &Admin, pseudonym: &str, description: &str) -> Result<()> {
    print(&admin.call(
        "gateway",
        "POST",
        "/v1/admin/incident",
        Some(json!({ "pseudonym": pseudonym, "description": description })),
    )?)
}
