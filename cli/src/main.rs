//! `alc`: the command line of ALC.
#![forbid(unsafe_code)]

mod client;
mod commands;
mod fsio;
mod keydir;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// ALC: zero-knowledge licence credentials for operators of autonomous AI agents.
#[derive(Parser)]
#[command(name = "alc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole compact on loopback: identity check, assessment with a cooling-off,
    /// credential, proof, lease, calls, sub-agents, registry trace, emergency revocation
    /// (every agent in the chain gets 403), registry audit. Exits non-zero if any step
    /// does not behave as shown.
    ///
    /// Example: alc demo --json
    Demo {
        /// Key directory (created by setup on first run, reused afterwards).
        #[arg(long, env = "ALC_KEYS", default_value_os_t = keydir::default_cache())]
        keys: PathBuf,
        /// Print the story as JSON events, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Write the proving and verifying keys of circuit v1 (single-party trusted setup).
    ///
    /// Example: alc setup --keys alc-keys
    Setup {
        /// Directory for the keys.
        #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
        keys: PathBuf,
        /// Overwrite existing keys.
        #[arg(long)]
        force: bool,
    },
    /// Write a fresh example: issuer key, holder secret, credential, status list, request.
    ///
    /// Example: alc example alc-example
    Example {
        /// Directory for the example files.
        dir: PathBuf,
        /// The request's time (unix seconds); default: now.
        #[arg(long)]
        now: Option<u64>,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Prove a request with a credential, its holder secret and the public status list.
    ///
    /// Example: alc prove --keys alc-keys --dir alc-example
    Prove(commands::prove::Args),
    /// Verify a presentation (proof and statement).
    ///
    /// Example: alc verify --keys alc-keys alc-example/presentation.json
    Verify(commands::verify::Args),
    /// Export the verifying key, a proof and its public inputs as snarkjs 0.7 JSON.
    ///
    /// Example: alc export-snarkjs out --keys alc-keys --presentation alc-example/presentation.json
    ExportSnarkjs {
        /// Output directory (verification_key.json, proof.json, public.json).
        dir: PathBuf,
        /// Key directory.
        #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
        keys: PathBuf,
        /// The presentation to export.
        #[arg(long)]
        presentation: PathBuf,
    },
    /// Facts about the circuit.
    ///
    /// Example: alc circuit info
    Circuit {
        #[command(subcommand)]
        what: CircuitCommand,
    },
    /// Insurers: keys, and certificates of a permit's liability cover.
    ///
    /// Example: alc insurer keygen --out insurer.key
    Insurer {
        #[command(subcommand)]
        what: commands::insurance::InsurerCommand,
    },
    /// Permit holders: prove insured cover above the tier's minimum.
    ///
    /// Example: alc permit prove-cover --certificate cover/certificate.json --opening cover/opening.json --tier 2 --minimum 100000000 --out cover/proof.json
    Permit {
        #[command(subcommand)]
        what: commands::insurance::PermitCommand,
    },
    /// The licensing authority: set up, serve, revoke, permits, training, incidents.
    ///
    /// Example: alc authority init --data ./alc-authority
    Authority {
        #[command(subcommand)]
        what: AuthorityCommand,
    },
    /// The AI provider's gateway: set up, serve, kill a lease, file an incident.
    ///
    /// Example: alc gateway init --data ./alc-gateway --scope gateway.example
    Gateway {
        #[command(subcommand)]
        what: GatewayCommand,
    },
    /// The chain-of-liability registry: audit the log, trace an agent's chain.
    ///
    /// Example: alc registry audit --authority http://127.0.0.1:8600
    Registry {
        #[command(subcommand)]
        what: RegistryCommand,
    },
    /// The operator's wallet: holder secret, identity check, assessment, credential,
    /// leases and sub-agents.
    ///
    /// Example: alc wallet init
    Wallet {
        #[command(subcommand)]
        what: commands::wallet::WalletCommand,
    },
    /// A DEVELOPMENT-ONLY OpenID Connect identity provider: it signs ID tokens for any
    /// subject. For local runs, tests and the demo; never configure it in production.
    ///
    /// Example: alc dev-idp --listen 127.0.0.1:8650
    DevIdp {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "ALC_DEV_IDP_LISTEN", default_value = "127.0.0.1:8650")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum GatewayCommand {
    /// Create the data folder (gateway.toml, keys, admin token) and print the registry
    /// key for the authority to register.
    ///
    /// Example: alc gateway init --data ./alc-gateway --scope gateway.example --authority http://127.0.0.1:8600
    Init {
        /// Data folder.
        #[arg(long, env = "ALC_GATEWAY_DATA", default_value = "alc-gateway")]
        data: PathBuf,
        /// This gateway's identifier (proofs are bound to it) [default: gateway.local].
        #[arg(long)]
        scope: Option<String>,
        /// The licensing authority's URL [default: http://127.0.0.1:8600].
        #[arg(long, env = "ALC_GATEWAY_AUTHORITY")]
        authority: Option<String>,
        /// The upstream API: `echo` or an http(s) URL [default: echo].
        #[arg(long, env = "ALC_GATEWAY_UPSTREAM")]
        upstream: Option<String>,
    },
    /// Kill a lease (and its descendants) or every lease of a pseudonym, at once.
    ///
    /// Example: alc gateway kill --lease 5fe55c2d50c6db4e --reason "runaway spend"
    Kill {
        /// A lease id.
        #[arg(long)]
        lease: Option<String>,
        /// A pseudonym (decimal).
        #[arg(long)]
        pseudonym: Option<String>,
        /// Why (recorded in the registry).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: GatewayAdmin,
    },
    /// File an incident about a pseudonym with the authority (needs authority-report-token).
    ///
    /// Example: alc gateway incident --pseudonym 2070...31 --description "scraping beyond its manifest"
    Incident {
        /// The pseudonym (decimal).
        #[arg(long)]
        pseudonym: String,
        /// What happened.
        #[arg(long)]
        description: String,
        #[command(flatten)]
        admin: GatewayAdmin,
    },
    /// Run the gateway in front of an upstream API (creates the data folder on first start).
    ///
    /// Example: alc gateway serve --listen 127.0.0.1:8700 --data ./alc-gateway --authority http://127.0.0.1:8600 --upstream echo
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "ALC_GATEWAY_LISTEN", default_value = "127.0.0.1:8700")]
        listen: std::net::SocketAddr,
        /// Data folder: lease index, kill set, keys, configuration.
        #[arg(long, env = "ALC_GATEWAY_DATA", default_value = "alc-gateway")]
        data: PathBuf,
        /// The licensing authority's URL [default: gateway.toml's, initially http://127.0.0.1:8600].
        #[arg(long, env = "ALC_GATEWAY_AUTHORITY")]
        authority: Option<String>,
        /// The upstream API: `echo` (built in) or an http(s) URL [default: gateway.toml's, initially echo].
        #[arg(long, env = "ALC_GATEWAY_UPSTREAM")]
        upstream: Option<String>,
        /// Key directory holding the circuit's verifying key (from `alc setup`).
        #[arg(long, env = "ALC_KEYS", default_value_os_t = keydir::default_cache())]
        keys: PathBuf,
    },
}

/// How an authority administrator reaches the admin API.
#[derive(clap::Args)]
struct AuthorityAdmin {
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
    fn admin(self) -> commands::admin::Admin {
        commands::admin::Admin {
            url: self.authority,
            token: self.token,
            data: self.data,
        }
    }
}

/// How a gateway administrator reaches the admin API.
#[derive(clap::Args)]
struct GatewayAdmin {
    /// The gateway's URL.
    #[arg(long, env = "ALC_GATEWAY_URL", default_value = "http://127.0.0.1:8700")]
    gateway: String,
    /// The gateway's admin token [default: DATA/admin-token].
    #[arg(long, env = "ALC_GATEWAY_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The gateway's data folder (for its admin token).
    #[arg(long, env = "ALC_GATEWAY_DATA", default_value = "alc-gateway")]
    data: PathBuf,
}

impl GatewayAdmin {
    fn admin(self) -> commands::admin::Admin {
        commands::admin::Admin {
            url: self.gateway,
            token: self.token,
            data: self.data,
        }
    }
}

#[derive(Subcommand)]
enum PermitCommand {
    /// Register a corporate operating permit (tiers 2-3 need insurance evidence).
    ///
    /// Example: alc authority permit create --id acme --name "Acme Ltd" --tier 2 --reason onboarding --insurance cover.json
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

#[derive(Subcommand)]
enum AuthorityCommand {
    /// Create the data folder (configuration, keys, database, admin token) without serving.
    ///
    /// Example: alc authority init --data ./alc-authority
    Init {
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
    /// Record completed formal training, lifting an assessment lock.
    ///
    /// Example: alc authority training --issuer https://idp.example --subject 1234 --reason "course completed"
    Training {
        /// The identity provider's issuer.
        #[arg(long)]
        issuer: String,
        /// The subject at that provider.
        #[arg(long)]
        subject: String,
        /// Why (audit).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: AuthorityAdmin,
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
    /// Let a gateway submit registry entries with its key (from `alc gateway init`).
    ///
    /// Example: alc authority register-gateway --id gateway.example --key 3b6a...e1 --reason onboarding
    RegisterGateway {
        /// The gateway's id (its scope).
        #[arg(long)]
        id: String,
        /// Its registry key (hex).
        #[arg(long)]
        key: String,
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
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Verify the latest checkpoint, its consistency with the last one verified (kept in
    /// the state file), and the inclusion of chosen entries; exits non-zero on any failure.
    ///
    /// Example: alc registry audit --authority http://127.0.0.1:8600 --state audit.json --entry 3
    Audit {
        /// The authority hosting the registry.
        #[arg(
            long,
            env = "ALC_AUTHORITY_URL",
            default_value = "http://127.0.0.1:8600"
        )]
        authority: String,
        /// The auditor's state: pinned key and last verified checkpoint.
        #[arg(long, env = "ALC_AUDIT_STATE", default_value = "alc-audit.json")]
        state: PathBuf,
        /// The registry's checkpoint key (`name+id+base64`); default: the state file's,
        /// or learned from the authority on the first audit.
        #[arg(long)]
        key: Option<String>,
        /// An entry whose inclusion to verify (repeatable).
        #[arg(long = "entry")]
        entries: Vec<u64>,
        /// A checkpoint seen elsewhere (a file holding its signed note) to check against
        /// the log: a split view or a rollback is reported (repeatable).
        #[arg(long = "checkpoint")]
        checkpoints: Vec<PathBuf>,
        /// Also fetch every entry and recompute the root.
        #[arg(long)]
        full: bool,
    },
    /// Print the chain of custody from an agent (or lease) up to its root lease, each
    /// link's inclusion in the log verified.
    ///
    /// Example: alc registry trace agent-7 --authority http://127.0.0.1:8600
    Trace {
        /// An agent id or a lease id.
        id: String,
        /// The authority hosting the registry.
        #[arg(
            long,
            env = "ALC_AUTHORITY_URL",
            default_value = "http://127.0.0.1:8600"
        )]
        authority: String,
        /// The registry's checkpoint key (`name+id+base64`); default: learned from the authority.
        #[arg(long)]
        key: Option<String>,
        /// Print the chain as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CircuitCommand {
    /// Constraints per component and in total.
    ///
    /// Example: alc circuit info
    Info,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { keys, json } => commands::demo::run(&keys, json),
        Command::Setup { keys, force } => commands::setup::run(&keys, force).map(|_| ()),
        Command::Example { dir, now, force } => commands::example::run(&dir, now, force),
        Command::Prove(args) => commands::prove::run(&args),
        Command::Verify(args) => commands::verify::run(&args),
        Command::ExportSnarkjs {
            dir,
            keys,
            presentation,
        } => commands::snarkjs::run(&dir, &keys, &presentation),
        Command::Circuit {
            what: CircuitCommand::Info,
        } => commands::info::run(),
        Command::Insurer { what } => commands::insurance::insurer(what),
        Command::Permit { what } => commands::insurance::permit(what),
        Command::Authority {
            what: AuthorityCommand::Serve { listen, data },
        } => commands::services::authority(listen, data),
        Command::Authority { what } => authority(what),
        Command::DevIdp { listen } => commands::services::dev_idp(listen),
        Command::Gateway {
            what:
                GatewayCommand::Init {
                    data,
                    scope,
                    authority,
                    upstream,
                },
        } => commands::admin::gateway_init(
            &data,
            scope.as_deref(),
            authority.as_deref(),
            upstream.as_deref(),
        ),
        Command::Gateway {
            what:
                GatewayCommand::Kill {
                    lease,
                    pseudonym,
                    reason,
                    admin,
                },
        } => commands::admin::kill(
            &admin.admin(),
            lease.as_deref(),
            pseudonym.as_deref(),
            &reason,
        ),
        Command::Gateway {
            what:
                GatewayCommand::Incident {
                    pseudonym,
                    description,
                    admin,
                },
        } => commands::admin::incident(&admin.admin(), &pseudonym, &description),
        Command::Gateway {
            what:
                GatewayCommand::Serve {
                    listen,
                    data,
                    authority,
                    upstream,
                    keys,
                },
        } => commands::services::gateway(listen, data, authority, upstream, &keys),
        Command::Wallet { what } => commands::wallet::run(what),
        Command::Registry {
            what:
                RegistryCommand::Audit {
                    authority,
                    state,
                    key,
                    entries,
                    checkpoints,
                    full,
                },
        } => commands::registry::audit(&commands::registry::AuditArgs {
            authority,
            state,
            key,
            entries,
            checkpoints,
            full,
        }),
        Command::Registry {
            what:
                RegistryCommand::Trace {
                    id,
                    authority,
                    key,
                    json,
                },
        } => commands::registry::trace(&authority, &id, key.as_deref(), json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", format_error(&e));
            ExitCode::FAILURE
        }
    }
}

/// The authority's administration commands (all but `serve`).
fn authority(what: AuthorityCommand) -> anyhow::Result<()> {
    use commands::admin;
    match what {
        AuthorityCommand::Serve { listen, data } => commands::services::authority(listen, data),
        AuthorityCommand::Init { data } => admin::authority_init(&data),
        AuthorityCommand::Revoke {
            serial,
            reason,
            emergency,
            admin,
        } => admin::revoke(&admin.admin(), serial, &reason, emergency),
        AuthorityCommand::Permit {
            what:
                PermitCommand::Create {
                    id,
                    name,
                    tier,
                    reason,
                    insurance,
                    admin,
                },
        } => admin::permit_create(
            &admin.admin(),
            &id,
            &name,
            tier,
            &reason,
            insurance.as_deref(),
        ),
        AuthorityCommand::Permit {
            what:
                PermitCommand::Status {
                    id,
                    status,
                    reason,
                    emergency,
                    admin,
                },
        } => admin::permit_status(&admin.admin(), &id, &status, &reason, emergency),
        AuthorityCommand::Training {
            issuer,
            subject,
            reason,
            admin,
        } => admin::training(&admin.admin(), &issuer, &subject, &reason),
        AuthorityCommand::Incidents {
            resolve,
            resolution,
            admin,
        } => admin::incidents(&admin.admin(), resolve, resolution.as_deref()),
        AuthorityCommand::RegisterGateway {
            id,
            key,
            reason,
            admin,
        } => admin::register_gateway(&admin.admin(), &id, &key, &reason),
    }
}

/// One line: the error and its causes, outermost first.
fn format_error(e: &anyhow::Error) -> String {
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// The commands under `cmd` whose long help has no `Example: alc ...` line.
    fn without_example(cmd: &clap::Command, path: &str) -> Vec<String> {
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{path} {}", sub.get_name());
            let about = sub
                .get_long_about()
                .map(|s| s.to_string())
                .unwrap_or_default();
            if !about.contains("Example: alc ") {
                missing.push(path.clone());
            }
            missing.extend(without_example(sub, &path));
        }
        missing
    }

    /// Every command's `--help` shows an example (and clap accepts the definitions).
    #[test]
    fn every_command_has_an_example() {
        let cli = Cli::command();
        cli.clone().debug_assert();
        let missing = without_example(&cli, "alc");
        assert!(
            missing.is_empty(),
            "commands without an example: {missing:?}"
        );
    }

    /// The twin: a nested command without an example is found.
    #[test]
    fn a_command_without_an_example_is_found() {
        let sub = clap::Command::new("wallet")
            .long_about("The wallet.\n\nExample: alc wallet init")
            .subcommand(clap::Command::new("init").long_about("Creates a wallet."));
        let cli = clap::Command::new("alc").subcommand(sub);
        assert_eq!(without_example(&cli, "alc"), ["alc wallet init"]);
    }
}
