//! `alc`: the command line of ALC.
#![forbid(unsafe_code)]

mod commands;
mod fsio;
mod keydir;

use clap::{Parser, Subcommand};
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
    Demo(commands::demo::DemoArgs),
    /// Write the proving and verifying keys of circuit v1, or of circuit v2 under the
    /// trustees' escrow key with --escrow-key (single-party trusted setup).
    ///
    /// Example: alc setup --keys alc-keys
    /// Example: alc setup --keys alc-keys-v2 --escrow-key escrow-key.json
    /// Example: alc setup --keys alc-keys --from-zkey final.zkey --ptau pot14.ptau
    Setup(commands::setup::SetupArgs),
    /// Write a fresh example: issuer key, holder secret, credential, status list, request.
    ///
    /// Example: alc example alc-example
    Example(commands::example::ExampleArgs),
    /// Prove a request with a credential, its holder secret and the public status list
    /// (with --wtns, also write the witness for snarkjs).
    ///
    /// Example: alc prove --keys alc-keys --dir alc-example
    Prove(commands::prove::Args),
    /// Verify a presentation (proof and statement).
    ///
    /// Example: alc verify --keys alc-keys alc-example/presentation.json
    Verify(commands::verify::Args),
    /// Export the verifying key, a proof and its public inputs as snarkjs 0.7 JSON (a
    /// circuit-v1 or circuit-v2 presentation, with its keys).
    ///
    /// Example: alc export-snarkjs out --keys alc-keys --presentation alc-example/presentation.json
    ExportSnarkjs(commands::snarkjs::ExportArgs),
    /// Verify a proof made by snarkjs (or rapidsnark) from ALC's zkey and witness:
    /// snarkjs's proof.json and public.json against a key directory.
    ///
    /// Example: alc verify-snarkjs proof.json public.json --keys alc-keys
    VerifySnarkjs(commands::snarkjs::VerifyArgs),
    /// Facts about the circuit, and its .r1cs file for a ceremony.
    ///
    /// Example: alc circuit info
    Circuit {
        #[command(subcommand)]
        what: commands::info::CircuitCommand,
    },
    /// A multi-party trusted setup run with snarkjs: check its final .zkey against the
    /// Powers of Tau and ALC's circuit (docs/ceremony.md).
    ///
    /// Example: alc ceremony verify final.zkey --ptau pot14.ptau
    Ceremony {
        #[command(subcommand)]
        what: commands::ceremony::CeremonyCommand,
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
        what: commands::authority::AuthorityCommand,
    },
    /// The AI provider's gateway: set up, serve, kill a lease, file an incident.
    ///
    /// Example: alc gateway init --data ./alc-gateway --scope gateway.example
    Gateway {
        #[command(subcommand)]
        what: commands::gateway::GatewayCommand,
    },
    /// Trustees of the threshold escrow: generate the escrow key together, decrypt a
    /// share of an escrowed serial, open it with a threshold of shares.
    ///
    /// Example: alc escrow deal --trustee 1 --threshold 2 --trustees 3 --out exchange
    Escrow {
        #[command(subcommand)]
        what: commands::escrow::EscrowCommand,
    },
    /// The chain-of-liability registry: audit the log, trace an agent's chain.
    ///
    /// Example: alc registry audit --authority http://127.0.0.1:8600
    Registry {
        #[command(subcommand)]
        what: commands::registry::RegistryCommand,
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
    DevIdp(commands::services::DevIdpArgs),
}

/// Whether a panic is `println!` failing because the reader of standard output went away
/// (`alc wallet status | head -1`): the end of the output, not a fault.
fn is_broken_pipe(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let message = info
        .payload()
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| info.payload().downcast_ref::<&str>().copied())
        .unwrap_or_default();
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so a closed pipe turns every later println! into a panic:
    // end quietly instead, with the status a shell gives a process killed by SIGPIPE.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_broken_pipe(info) {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    let result = match Cli::parse().command {
        Command::Demo(a) => a.run(),
        Command::Setup(a) => a.run(),
        Command::Example(a) => a.run(),
        Command::Prove(a) => commands::prove::run(&a),
        Command::Verify(a) => commands::verify::run(&a),
        Command::ExportSnarkjs(a) => a.run(),
        Command::VerifySnarkjs(a) => a.run(),
        Command::Circuit { what } => what.run(),
        Command::Ceremony { what } => what.run(),
        Command::Insurer { what } => commands::insurance::insurer(what),
        Command::Permit { what } => commands::insurance::permit(what),
        Command::Authority { what } => what.run(),
        Command::Gateway { what } => what.run(),
        Command::Escrow { what } => what.run(),
        Command::Registry { what } => what.run(),
        Command::Wallet { what } => commands::wallet::run(what),
        Command::DevIdp(a) => a.run(),
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
/// The error and its causes on one line, each cause once: an error whose message already
/// includes its source's (`#[error("{0}")]` over a `#[from]` field) is not followed by
/// that source again.
fn format_error(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain().map(ToString::to_string) {
        if line.ends_with(&cause) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&cause);
    }
    line
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

    /// Each cause once: a message that repeats its source's is not followed by it (twin:
    /// a context whose message does not is followed by its cause).
    #[test]
    fn errors_name_each_cause_once() {
        #[derive(Debug)]
        struct Outer(Inner);
        #[derive(Debug)]
        struct Inner;
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "cannot prove: {}", self.0)
            }
        }
        impl std::fmt::Display for Inner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the credential is revoked")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        impl std::error::Error for Inner {}
        let e = anyhow::Error::new(Outer(Inner)).context("cannot prove this request");
        assert_eq!(
            super::format_error(&e),
            "cannot prove this request: cannot prove: the credential is revoked"
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
