//! `alc authority`: setting up and serving the licensing authority, and its
//! administrators' commands (revocations, permits, training, the question bank, incidents,
//! gateways) over its admin API, with a token from `--token`, the environment or the data folder.

use super::admin::{print, Admin};
use alc_protocol::authority::{
    BankReview, GatewayRegistration, IdentityLink, IdentityRef, IdentityStatus, Incident,
    NewOperator, NewPermit, Permit, PermitChanged, PermitConditions, PermitStatusChange,
    Registered, Resolution, Retired, Retirement, RevokeRequest, Revoked, Training,
};
use alc_protocol::insurance::CoverEvidence;
use alc_wallet::client::Done;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum AuthorityCommand {
    /// Create the data folder (configuration, keys, database, admin token) without serving.
    ///
    /// Example: alc authority init --data ./alc-authority
    Init {
        /// Data folder.
        #[arg(long, env = "ALC_AUTHORITY_DATA", default_value = "alc-authority")]
        data: PathBuf,
    },
    /// Print the authority's name, public keys and their digest, from its data folder:
    /// what a gateway operator compares with the digest its gateway printed on first
    /// contact (or sets as authority_digest).
    ///
    /// Example: alc authority info --data ./alc-authority
    Info {
        /// Data folder.
        #[arg(long, env = "ALC_AUTHORITY_DATA", default_value = "alc-authority")]
        data: PathBuf,
    },
    /// Revoke a credential (with --emergency, gateways drop leases under older roots).
    ///
    /// Example: alc authority revoke 17 --reason misconduct --emergency
    Revoke {
        /// The credential's serial.
        serial: u32,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        /// Emergency: every gateway refuses leases minted under older roots at once.
        #[arg(long)]
        emergency: bool,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Corporate operating permits: register one, change its status.
    ///
    /// Example: alc authority permit status acme --status suspended --reason "insurance lapsed"
    Permit {
        #[command(subcommand)]
        what: PermitCommand,
    },
    /// Record completed formal training, lifting an assessment lock: only for a locked
    /// identity, with the course's evidence (refusals are audited too).
    ///
    /// Example: alc authority training --issuer https://idp.example --subject 1234 --provider "Agent Safety Institute" --certificate ASI-2026-0042 --reason "certificate checked with the provider"
    Training {
        /// The identity provider's issuer.
        #[arg(long)]
        issuer: String,
        /// The subject at that provider.
        #[arg(long)]
        subject: String,
        /// Who ran the course (evidence).
        #[arg(long)]
        provider: String,
        /// The provider's certificate id for this completion (evidence).
        #[arg(long)]
        certificate: String,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Link an identity to another identity's person (the same human at two identity
    /// providers), with the evidence: attempts, the lock and licences then count for
    /// the person. Refused while both hold a live credential.
    ///
    /// Example: alc authority link --issuer https://idp-b.example --subject 77 --to-issuer https://idp.example --to-subject 1234 --evidence "passport checked, ref 2026-118" --reason "same person"
    Link {
        /// The linked identity's provider.
        #[arg(long)]
        issuer: String,
        /// Its subject there.
        #[arg(long)]
        subject: String,
        /// The provider of an identity of the person it is linked to.
        #[arg(long)]
        to_issuer: String,
        /// Its subject there.
        #[arg(long)]
        to_subject: String,
        /// What shows that the two are one person.
        #[arg(long)]
        evidence: String,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// The question bank's maintenance: how each question fares, retiring one.
    ///
    /// Example: alc authority questions review
    Questions {
        #[command(subcommand)]
        what: QuestionsCommand,
    },
    /// List incidents reported by gateways, or resolve one.
    ///
    /// Example: alc authority incidents --resolve 3 --resolution "operator warned"
    Incidents {
        /// Resolve this incident.
        #[arg(long)]
        resolve: Option<i64>,
        /// What was done.
        #[arg(long)]
        resolution: Option<String>,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Register a gateway: its id, its key (from `alc gateway init`) and the URL it serves
    /// wallets at. It may then submit registry entries, and wallets prove to it (only at
    /// that URL's origin, for its challenges signed with that key).
    ///
    /// Example: alc authority register-gateway --id gateway.example --key 3b6a...e1 --url https://gateway.example --reason onboarding
    RegisterGateway {
        /// The gateway's id (its scope).
        #[arg(long)]
        id: String,
        /// Its registry key (hex).
        #[arg(long)]
        key: String,
        /// Where it serves wallets: https (or http on loopback).
        #[arg(long)]
        url: String,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Run the authority's HTTP service (creates the data folder on first start).
    ///
    /// Example: alc authority serve --listen 127.0.0.1:8600 --data ./alc-authority
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "ALC_AUTHORITY_LISTEN", default_value = "127.0.0.1:8600")]
        listen: std::net::SocketAddr,
        /// Data folder: database, keys, configuration.
        #[arg(long, env = "ALC_AUTHORITY_DATA", default_value = "alc-authority")]
        data: PathBuf,
        /// Where the records live: `postgres://...` (several authority processes may
        /// share it), `sqlite://PATH` [default: ALC_AUTHORITY_DATABASE, else
        /// authority.toml's, else authority.db in the data folder].
        #[arg(long)]
        database: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum QuestionsCommand {
    /// How each question fares over every marked attempt: times answered, facility (share
    /// right), discrimination (passing share right minus failing share right) and what a
    /// reviewer should look at. No candidate is named.
    ///
    /// Example: alc authority questions review
    Review {
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Retire a question from drawing, for good (refused if its area's pool would be no
    /// larger than the draw).
    ///
    /// Example: alc authority questions retire harm-03 --reason "published on a forum"
    Retire {
        /// The bank's question id.
        id: String,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
}

impl QuestionsCommand {
    fn run(self) -> Result<()> {
        match self {
            QuestionsCommand::Review { admin } => {
                let r = admin
                    .admin()
                    .get::<BankReview>("authority", "/v1/admin/questions")?;
                print_review(&r);
                Ok(())
            }
            QuestionsCommand::Retire { id, reason, admin } => {
                let r: Retired = admin.admin().post(
                    "authority",
                    &format!("/v1/admin/questions/{id}/retire"),
                    &Retirement { reason },
                )?;
                println!("question {} retired: no attempt draws it", r.question);
                Ok(())
            }
        }
    }
}

fn print_review(r: &BankReview) {
    let share = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
    println!(
        "{} marked attempts, {} passed; questions are judged from {} answers",
        r.attempts, r.passed, r.min_sample
    );
    for a in &r.areas {
        let facility = (a.shown > 0).then(|| a.correct as f64 / a.shown as f64);
        println!(
            "area {}: draws {} of {} live questions, facility {}",
            a.id,
            a.draw,
            a.live,
            share(facility)
        );
    }
    println!(
        "{:<24} {:>6} {:>8} {:>8}  flags",
        "question", "shown", "facility", "discrim"
    );
    for q in &r.questions {
        let mut flags = q.flags.clone();
        if q.retired {
            flags.insert(0, "retired".into());
        }
        println!(
            "{:<24} {:>6} {:>8} {:>8}  {}",
            q.id,
            q.shown,
            share(q.facility),
            share(q.discrimination),
            flags.join(",")
        );
    }
}

#[derive(Subcommand)]
pub enum PermitCommand {
    /// Register a corporate operating permit (tiers 2-3 need insurance evidence, an
    /// incident contact and a reporting channel).
    ///
    /// Example: alc authority permit create --id acme --name "Acme Ltd" --tier 2 --reason onboarding --insurance cover.json --incident-contact mailto:incidents@acme.example --reporting https://acme.example/alc/incidents
    Create {
        /// Permit id.
        #[arg(long)]
        id: String,
        /// The corporation's name.
        #[arg(long)]
        name: String,
        /// Permit tier (1-3).
        #[arg(long)]
        tier: u8,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        /// A JSON file with the insurance evidence (see the README, "Insurance cover").
        #[arg(long)]
        insurance: Option<PathBuf>,
        /// Where notices about the permit are POSTed (an http(s) URL; repeatable): a lapse
        /// of its requirements, its suspension, their restoration.
        #[arg(long = "contact")]
        contacts: Vec<String>,
        /// Whom the authority reaches about an incident (mailto:, tel: or an http(s) URL;
        /// tiers 2-3).
        #[arg(long)]
        incident_contact: Option<String>,
        /// Where incidents opened to the permit's licences are POSTed (an http(s) URL;
        /// repeatable; tiers 2-3 need one).
        #[arg(long)]
        reporting: Vec<String>,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Replace a permit's incident conditions: its incident contact and reporting
    /// channels.
    ///
    /// Example: alc authority permit conditions acme --incident-contact tel:+441234567890 --reporting https://acme.example/alc/incidents --reason "new duty desk"
    Conditions {
        /// Permit id.
        id: String,
        /// Whom the authority reaches about an incident.
        #[arg(long)]
        incident_contact: Option<String>,
        /// An incident reporting channel (repeatable).
        #[arg(long)]
        reporting: Vec<String>,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Show a permit: tier, status, insurance, contacts, and while a requirement is
    /// unmet, what is missing and when it is suspended.
    ///
    /// Example: alc authority permit show acme
    Show {
        /// Permit id.
        id: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Add an operator to a permit, or change whether they are a principal operator
    /// (a principal must hold a live operator licence).
    ///
    /// Example: alc authority permit operator acme --issuer https://idp.example --subject 1234 --principal --reason "director"
    Operator {
        /// Permit id.
        id: String,
        /// The identity provider's issuer.
        #[arg(long)]
        issuer: String,
        /// The subject at that provider.
        #[arg(long)]
        subject: String,
        /// A principal operator (counts toward the tier's minimum).
        #[arg(long)]
        principal: bool,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
    /// Change a permit's status (suspending or revoking it revokes its credentials).
    ///
    /// Example: alc authority permit status acme --status suspended --reason "insurance lapsed" --emergency
    Status {
        /// Permit id.
        id: String,
        /// active, suspended or revoked.
        #[arg(long)]
        status: String,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        /// Publish the status change as an emergency.
        #[arg(long)]
        emergency: bool,
        #[command(flatten)]
        admin: AuthorityAdmin,
    },
}

/// How an authority administrator reaches the admin API.
#[derive(clap::Args)]
pub struct AuthorityAdmin {
    /// The authority's URL.
    #[arg(
        long,
        env = "ALC_AUTHORITY_URL",
        default_value = "http://127.0.0.1:8600"
    )]
    authority: String,
    /// An admin token [default: DATA/admin-token].
    #[arg(long, env = "ALC_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The authority's data folder (for its admin token).
    #[arg(long, env = "ALC_AUTHORITY_DATA", default_value = "alc-authority")]
    data: PathBuf,
}

impl AuthorityAdmin {
    fn admin(self) -> Admin {
        Admin {
            url: self.authority,
            token: self.token,
            data: self.data,
        }
    }
}

impl AuthorityCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            AuthorityCommand::Serve {
                listen,
                data,
                database,
            } => super::services::authority(listen, data, database),
            AuthorityCommand::Init { data } => authority_init(&data),
            AuthorityCommand::Info { data } => authority_info(&data),
            AuthorityCommand::Revoke {
                serial,
                reason,
                emergency,
                admin,
            } => revoke(&admin.admin(), serial, &reason, emergency),
            AuthorityCommand::Permit { what } => what.run(),
            AuthorityCommand::Training {
                issuer,
                subject,
                provider,
                certificate,
                reason,
                admin,
            } => training(
                &admin.admin(),
                &IdentityRef { issuer, subject },
                &provider,
                &certificate,
                &reason,
            ),
            AuthorityCommand::Questions { what } => what.run(),
            AuthorityCommand::Link {
                issuer,
                subject,
                to_issuer,
                to_subject,
                evidence,
                reason,
                admin,
            } => {
                let req = IdentityLink {
                    identity: IdentityRef { issuer, subject },
                    to: IdentityRef {
                        issuer: to_issuer,
                        subject: to_subject,
                    },
                    evidence,
                    reason,
                };
                let s: IdentityStatus =
                    admin
                        .admin()
                        .post("authority", "/v1/admin/identities/link", &req)?;
                println!(
                    "linked: one person now ({} failures{}{})",
                    s.failures,
                    if s.locked { ", locked" } else { "" },
                    if s.passed { ", passed" } else { "" }
                );
                Ok(())
            }
            AuthorityCommand::Incidents {
                resolve,
                resolution,
                admin,
            } => incidents(&admin.admin(), resolve, resolution.as_deref()),
            AuthorityCommand::RegisterGateway {
                id,
                key,
                url,
                reason,
                admin,
            } => register_gateway(&admin.admin(), &id, &key, &url, &reason),
        }
    }
}

impl PermitCommand {
    fn run(self) -> Result<()> {
        match self {
            PermitCommand::Create {
                id,
                name,
                tier,
                reason,
                insurance,
                contacts,
                incident_contact,
                reporting,
                admin,
            } => permit_create(
                &admin.admin(),
                &NewPermit {
                    id,
                    name,
                    tier,
                    insurance: None,
                    contacts,
                    incident_contact,
                    reporting,
                    reason,
                },
                insurance.as_deref(),
            ),
            PermitCommand::Conditions {
                id,
                incident_contact,
                reporting,
                reason,
                admin,
            } => print(&admin.admin().post::<_, Permit>(
                "authority",
                &format!("/v1/admin/permits/{id}/conditions"),
                &PermitConditions {
                    incident_contact,
                    reporting,
                    reason,
                },
            )?),
            PermitCommand::Show { id, admin } => print(
                &admin
                    .admin()
                    .get::<Permit>("authority", &format!("/v1/admin/permits/{id}"))?,
            ),
            PermitCommand::Operator {
                id,
                issuer,
                subject,
                principal,
                reason,
                admin,
            } => {
                let op = NewOperator {
                    identity: IdentityRef { issuer, subject },
                    principal,
                    reason,
                };
                admin.admin().post::<_, Done>(
                    "authority",
                    &format!("/v1/admin/permits/{id}/operators"),
                    &op,
                )?;
                println!(
                    "operator recorded on permit {id}{}",
                    if principal { " as a principal" } else { "" }
                );
                Ok(())
            }
            PermitCommand::Status {
                id,
                status,
                reason,
                emergency,
                admin,
            } => permit_status(&admin.admin(), &id, &status, &reason, emergency),
        }
    }
}

/// The authority in `data`, opened (created on first use) as the service opens it,
/// after the runtime its database lives on (bind both as `(_rt, a)`: the authority is
/// dropped first).
fn open(
    data: &Path,
) -> Result<(
    tokio::runtime::Runtime,
    std::sync::Arc<alc_issuer::authority::Authority>,
)> {
    let rt = tokio::runtime::Runtime::new()?;
    let a = rt
        .block_on(alc_issuer::service::open(
            data,
            std::sync::Arc::new(alc_protocol::time::SystemClock),
        ))
        .map_err(|e| anyhow!("{e}"))?;
    Ok((rt, a))
}

/// `alc authority init`: creates the data folder and prints what is in it.
pub fn authority_init(data: &Path) -> Result<()> {
    let (_rt, a) = open(data)?;
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
        "  keys digest      {} (gateways compare it: authority_digest)",
        a.public_keys().digest()
    );
    println!(
        "next: add your identity provider to authority.toml, then `alc authority serve --data {}`",
        data.display()
    );
    Ok(())
}

/// `alc authority info`: the authority's name, public keys and their digest, read from
/// its own data folder (out of band: no network), for gateway operators to compare.
pub fn authority_info(data: &Path) -> Result<()> {
    if !data.join("authority.toml").exists() {
        return Err(anyhow!(
            "no authority in {}: run `alc authority init --data {}` first",
            data.display(),
            data.display()
        ));
    }
    let (_rt, a) = open(data)?;
    let k = a.public_keys();
    println!("authority   {}", k.name);
    println!("issuer key  [{}, {}]", k.issuer_key[0], k.issuer_key[1]);
    println!("status key  {}", k.status_key);
    println!("digest      {}", k.digest());
    Ok(())
}

/// `alc authority revoke`.
pub fn revoke(admin: &Admin, serial: u32, reason: &str, emergency: bool) -> Result<()> {
    let req = RevokeRequest {
        serial,
        reason: reason.to_owned(),
        emergency,
    };
    let v: Revoked = admin.post("authority", "/v1/admin/revoke", &req)?;
    if v.serials.is_empty() {
        println!(
            "serial {serial} was already revoked; status epoch {}",
            v.epoch
        );
    } else {
        println!(
            "revoked serial {serial}; status epoch now {}{}",
            v.epoch,
            if emergency {
                " (emergency: gateways drop older leases)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// `alc authority permit create`: `req` with the insurance evidence read from
/// `insurance`.
pub fn permit_create(admin: &Admin, req: &NewPermit, insurance: Option<&Path>) -> Result<()> {
    let mut req = req.clone();
    if let Some(path) = insurance {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let evidence: CoverEvidence = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not cover evidence (the cover.json of `alc permit prove-cover`)",
                path.display()
            )
        })?;
        req.insurance = Some(evidence);
    }
    print(&admin.post::<_, Permit>("authority", "/v1/admin/permits", &req)?)
}

/// `alc authority permit status`.
pub fn permit_status(
    admin: &Admin,
    id: &str,
    status: &str,
    reason: &str,
    emergency: bool,
) -> Result<()> {
    let req = PermitStatusChange {
        status: status.to_owned(),
        reason: reason.to_owned(),
        emergency,
    };
    print(&admin.post::<_, PermitChanged>(
        "authority",
        &format!("/v1/admin/permits/{id}/status"),
        &req,
    )?)
}

/// `alc authority training`.
pub fn training(
    admin: &Admin,
    identity: &IdentityRef,
    provider: &str,
    certificate: &str,
    reason: &str,
) -> Result<()> {
    let req = Training {
        identity: identity.clone(),
        course_provider: provider.to_owned(),
        certificate: certificate.to_owned(),
        reason: reason.to_owned(),
    };
    admin.post::<_, IdentityStatus>("authority", "/v1/admin/training", &req)?;
    println!("training recorded: the identity may take the assessment again");
    Ok(())
}

/// `alc authority incidents`.
pub fn incidents(admin: &Admin, resolve: Option<i64>, resolution: Option<&str>) -> Result<()> {
    match resolve {
        Some(id) => {
            let resolution =
                resolution.ok_or_else(|| anyhow!("--resolve needs --resolution TEXT"))?;
            let req = Resolution {
                resolution: resolution.to_owned(),
            };
            admin.post::<_, Done>(
                "authority",
                &format!("/v1/admin/incidents/{id}/resolve"),
                &req,
            )?;
            println!("incident {id} resolved");
            Ok(())
        }
        None => print(&admin.get::<Vec<Incident>>("authority", "/v1/admin/incidents")?),
    }
}

/// `alc authority register-gateway`.
pub fn register_gateway(admin: &Admin, id: &str, key: &str, url: &str, reason: &str) -> Result<()> {
    let req = GatewayRegistration {
        id: id.to_owned(),
        key: key.to_owned(),
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    admin.post::<_, Registered>("authority", "/v1/admin/gateways", &req)?;
    println!(
        "gateway {id} (at {url}) may now submit registry entries, and wallets prove to it there"
    );
    Ok(())
}
