//! `alc`: the command line of ALC.
#![forbid(unsafe_code)]

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
    /// Run the zero-knowledge round trip: example -> setup -> prove -> verify, with timings.
    ///
    /// Example: alc demo
    Demo {
        /// Key directory (created by setup on first run, reused afterwards).
        #[arg(long, env = "ALC_KEYS", default_value_os_t = keydir::default_cache())]
        keys: PathBuf,
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
    Circuit {
        #[command(subcommand)]
        what: CircuitCommand,
    },
    /// The licensing authority.
    Authority {
        #[command(subcommand)]
        what: AuthorityCommand,
    },
    /// The AI provider's gateway.
    Gateway {
        #[command(subcommand)]
        what: GatewayCommand,
    },
    /// The chain-of-liability registry: audit the log, trace an agent's chain.
    Registry {
        #[command(subcommand)]
        what: RegistryCommand,
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

#[derive(Subcommand)]
enum AuthorityCommand {
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
        Command::Demo { keys } => commands::demo::run(&keys),
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
        Command::Authority {
            what: AuthorityCommand::Serve { listen, data },
        } => commands::services::authority(listen, data),
        Command::DevIdp { listen } => commands::services::dev_idp(listen),
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

/// One line: the error and its causes, outermost first.
fn format_error(e: &anyhow::Error) -> String {
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}
