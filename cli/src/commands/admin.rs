//! How administrators' commands (`alc authority ...`, `alc gateway ...`) reach a
//! service's admin API: with a bearer token taken from `--token`, the environment, or
//! the service's data folder (`admin-token`), in that order, and typed bodies.

use alc_wallet::client::{read, Http};
use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::PathBuf;

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

    /// `method path` at the service `what` (`authority`, `gateway`) with the admin token
    /// and `body`: its answer as a `T`.
    fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        what: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let token = self.token()?;
        let http = Http::new()?;
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        let service = format!("{what} at {}", self.url);
        tokio::runtime::Runtime::new()?.block_on(async {
            let mut req = http.request(method, &url, Some(&token));
            if let Some(b) = body {
                req = req.json(b);
            }
            let raw = http.send(&service, req).await?;
            Ok(read(&service, &raw)?)
        })
    }

    /// `POST path` with `body`.
    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call(what, reqwest::Method::POST, path, Some(body))
    }

    /// `GET path`.
    pub fn get<T: DeserializeOwned>(&self, what: &str, path: &str) -> Result<T> {
        self.call::<(), T>(what, reqwest::Method::GET, path, None)
    }
}

/// Prints an answer as pretty JSON.
pub fn print<T: Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
