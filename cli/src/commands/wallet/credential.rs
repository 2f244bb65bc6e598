//! `alc wallet obtain` and `alc wallet status`: the signed credential for the wallet's
//! holder commitment, and its check against the authority's signed, published status
//! list (the wallet computes its own path: the authority learns nothing).

use super::enrol::session_for;
use super::store::{PinnedAuthority, Wallet};
use super::{field_str, now, relative, store, utc};
use crate::client::{message, Http};
use alc_circuits::field::to_decimal;
use alc_circuits::files::CredentialFile;
use alc_circuits::status::StatusList;
use alc_protocol::status::{SignedStatus, StatusResponse};
use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

async fn authority_info(http: &Http, authority: &str) -> Result<PinnedAuthority> {
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.get(&what, &format!("{authority}/v1/authority"), None)
            .await?,
    )?;
    let key = |i: usize| {
        v["issuer_key"][i]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the {what} answered without its issuer key"))
    };
    Ok(PinnedAuthority {
        url: authority.to_owned(),
        name: field_str(&v, "name", &what)?.to_owned(),
        issuer_key: [key(0)?, key(1)?],
        status_key: field_str(&v, "status_key", &what)?.to_owned(),
    })
}

fn issuer_key(c: &CredentialFile) -> [String; 2] {
    let p = c.issuer.point();
    [to_decimal(&p.x), to_decimal(&p.y)]
}

pub(super) async fn obtain(
    w: &Wallet,
    authority: &str,
    permit: Option<String>,
    force: bool,
) -> Result<()> {
    if let Some(c) = w.credential()? {
        if !force {
            bail!(
                "the wallet already holds a credential (serial {}): use --force to replace it",
                c.signed.credential.serial
            );
        }
    }
    let s = session_for(w, authority)?;
    let pass = store::passphrase(false)?;
    let secret = w.unlock(&pass)?;
    drop(pass);
    let http = Http::new()?;
    let what = format!("authority at {authority}");
    let mut body = json!({ "holder": to_decimal(&secret.commitment()) });
    if let Some(p) = &permit {
        body["permit"] = json!(p);
    }
    let (code, v) = http
        .post(
            &what,
            &format!("{authority}/v1/credentials"),
            Some(&s.session),
            &body,
        )
        .await?;
    if !(200..300).contains(&code) {
        bail!("the {what} refused ({code}): {}", message(&v));
    }
    let cred = CredentialFile::from_json(&v.to_string())
        .map_err(|e| anyhow!("the {what} sent a bad credential: {e}"))?;
    if cred.signed.credential.holder != secret.commitment() {
        bail!("the {what} issued a credential for another holder key");
    }
    let info = authority_info(&http, authority).await?;
    if info.issuer_key != issuer_key(&cred) {
        bail!("the {what} signed the credential with a key other than the one it publishes");
    }
    w.save_credential(&cred)?;
    w.save_pinned(&info)?;
    let c = &cred.signed.credential;
    println!(
        "Credential obtained from {}: serial {}, tier {}, permit tier {}.",
        info.name, c.serial, c.tier, c.permit_tier
    );
    println!("  valid    {} to {}", utc(c.not_before), utc(c.expires));
    println!("  stored   {}", w.dir.join("credential.json").display());
    println!("Next: alc wallet status, then alc wallet lease --agent ID --manifest FILE");
    Ok(())
}

/// The authority's latest signed status, verified under the pinned key.
pub(super) async fn signed_status(
    http: &Http,
    authority: &str,
    pinned: &PinnedAuthority,
) -> Result<StatusResponse> {
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.get(&what, &format!("{authority}/v1/status"), None)
            .await?,
    )?;
    verify_status(&v, pinned, &what)
}

fn status_key(pinned: &PinnedAuthority) -> Result<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&pinned.status_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("authority.json in the wallet is damaged (status key)"))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| anyhow!("authority.json in the wallet is damaged (status key)"))
}

fn verify_status(v: &Value, pinned: &PinnedAuthority, what: &str) -> Result<StatusResponse> {
    let signed: SignedStatus = serde_json::from_value(v.clone())
        .map_err(|_| anyhow!("the {what} sent a malformed status response"))?;
    let r = signed.verify(&status_key(pinned)?).map_err(|e| {
        anyhow!("the {what} sent a status response that does not verify under its pinned key: {e}")
    })?;
    if r.issuer != pinned.name {
        bail!(
            "the {what} sent a status response of {:?}, not of {:?}",
            r.issuer,
            pinned.name
        );
    }
    Ok(r)
}

/// The published list with its signed response; the list must hash to the signed root.
pub(super) async fn published_list(
    http: &Http,
    authority: &str,
    pinned: &PinnedAuthority,
) -> Result<(StatusList, StatusResponse)> {
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.get(&what, &format!("{authority}/v1/status/list"), None)
            .await?,
    )?;
    let r = verify_status(&v["status"], pinned, &what)?;
    let list = StatusList::decode(v["encoded_list"].as_str().unwrap_or(""))
        .map_err(|e| anyhow!("the {what} sent a bad status list: {e}"))?;
    if to_decimal(&list.root()) != r.root {
        bail!("the {what} published a status list whose root is not the signed root");
    }
    Ok((list, r))
}

pub(super) async fn pinned_authority(
    w: &Wallet,
    http: &Http,
    authority: &str,
) -> Result<PinnedAuthority> {
    match w.pinned()? {
        Some(p) => Ok(p),
        None => {
            let p = authority_info(http, authority).await?;
            w.save_pinned(&p)?;
            Ok(p)
        }
    }
}

fn short(root: &str) -> String {
    if root.len() > 16 {
        format!("{}…{}", &root[..8], &root[root.len() - 6..])
    } else {
        root.to_owned()
    }
}

pub(super) async fn status(w: &Wallet, authority: &str) -> Result<()> {
    let cred = w.need_credential()?;
    let http = Http::new()?;
    let pinned = pinned_authority(w, &http, authority).await?;
    if pinned.issuer_key != issuer_key(&cred) {
        bail!(
            "the wallet's credential was not issued by the pinned authority {}",
            pinned.name
        );
    }
    let (list, r) = published_list(&http, authority, &pinned).await?;
    let c = &cred.signed.credential;
    let revoked = list
        .is_revoked(c.serial)
        .map_err(|e| anyhow!("the status list has no serial {}: {e}", c.serial))?;
    let t = now();
    println!(
        "credential  serial {}, tier {}, permit tier {}, from {}",
        c.serial, c.tier, c.permit_tier, r.issuer
    );
    println!(
        "            valid {} to {}",
        utc(c.not_before),
        utc(c.expires)
    );
    println!(
        "status      epoch {}, root {}{}, signed {}; next update {}",
        r.epoch,
        short(&r.root),
        if r.emergency { " (emergency)" } else { "" },
        utc(r.produced_at),
        relative(r.next_update)
    );
    println!(
        "            {}",
        if revoked { "REVOKED" } else { "not revoked" }
    );
    for l in w.leases()? {
        let state = if l.expires_at > t {
            format!("expires {}", relative(l.expires_at))
        } else {
            "expired".into()
        };
        let parent = l
            .parent
            .as_deref()
            .map(|p| format!(", child of {p}"))
            .unwrap_or_default();
        println!("lease       {} at {}: {state}{parent}", l.agent, l.gateway);
    }
    if revoked {
        bail!(
            "your credential (serial {}) is revoked under epoch {} of {}",
            c.serial,
            r.epoch,
            r.issuer
        );
    }
    if t >= c.expires {
        bail!("your credential expired at {}", utc(c.expires));
    }
    if t < c.not_before {
        bail!("your credential is not valid before {}", utc(c.not_before));
    }
    Ok(())
}
