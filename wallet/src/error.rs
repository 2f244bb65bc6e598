//! Everything that can go wrong in the wallet, typed: a service that cannot be reached
//! or refuses, a file that is missing or damaged, a wallet not ready for the step asked,
//! a credential that cannot satisfy a request. The messages say what to do next, in the
//! `alc wallet` commands' terms.

use crate::when::{utc, when};
use alc_protocol::error::ErrorBody;
use alc_protocol::fsio::FsError;
use std::path::PathBuf;

/// A wallet operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// No answer from a service.
    #[error("cannot reach the {service}: {reason}")]
    Unreachable {
        /// Which service (`authority at http://...`).
        service: String,
        /// Why (connection refused, timed out, ...).
        reason: String,
    },
    /// A service refused, with its error body.
    #[error("the {service} refused ({status}): {}", .error.message)]
    Refused {
        /// Which service.
        service: String,
        /// The HTTP status.
        status: u16,
        /// Its answer.
        error: ErrorBody,
    },
    /// A service answered something the protocol does not allow.
    #[error("the {service} {reason}")]
    Malformed {
        /// Which service.
        service: String,
        /// What was wrong (`sent a bad credential: ...`).
        reason: String,
    },
    /// A service answered with keys or values other than those it publishes or pinned.
    #[error("the {service} {reason}")]
    Untrusted {
        /// Which service.
        service: String,
        /// What did not match.
        reason: String,
    },
    /// A file could not be read or written.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A file of the wallet is damaged.
    #[error("{} is damaged{}", path.display(), if reason.is_empty() { String::new() } else { format!(": {reason}") })]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `init` over an existing wallet without `--force`.
    #[error("a wallet already exists in {} (use --force to replace its holder secret: its credential becomes useless)", .0.display())]
    Exists(PathBuf),
    /// No wallet in the folder.
    #[error("no wallet in {}: run `alc wallet init` first (or point --dir or ALC_WALLET at your wallet)", .0.display())]
    NoWallet(PathBuf),
    /// A wallet folder others may read.
    #[error("the wallet {} is open to other users (mode {mode:o}): run `chmod 700 {}`", dir.display(), dir.display())]
    Exposed {
        /// The folder.
        dir: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The passphrase does not open the holder secret.
    #[error("cannot unlock the wallet: wrong passphrase (or holder.secret was altered)")]
    WrongPassphrase,
    /// A passphrase too short to protect a holder secret.
    #[error("the passphrase is shorter than {0} characters")]
    WeakPassphrase(usize),
    /// No session with the authority.
    #[error("not signed in at the authority: run `alc wallet kyc` first")]
    NotSignedIn,
    /// The session is with another authority.
    #[error("the wallet's session is with {with}, not {asked}: run `alc wallet kyc` again")]
    SessionElsewhere {
        /// The authority of the session.
        with: String,
        /// The authority asked for.
        asked: String,
    },
    /// The session has expired.
    #[error("the authority session expired at {}: run `alc wallet kyc` again", utc(*.0))]
    SessionExpired(u64),
    /// The authority refused the session.
    #[error("the {service} refused the session ({message}): run `alc wallet kyc` again")]
    SessionRefused {
        /// Which service.
        service: String,
        /// Its words.
        message: String,
    },
    /// The identity must wait for its cooling-off to end.
    #[error("cooling-off after failed attempts: no new attempt before {}", when(*.0))]
    CoolingOff(u64),
    /// An answers file that does not answer the attempt.
    #[error("{}", .0)]
    Answers(String),
    /// No credential yet.
    #[error("no credential in the wallet yet: pass the assessment (`alc wallet assess`) and run `alc wallet obtain`")]
    NoCredential,
    /// `obtain` while holding a credential, without `--force`.
    #[error("the wallet already holds a credential (serial {0}): use --force to replace it")]
    HasCredential(u32),
    /// The credential cannot satisfy a gateway's request (revoked, expired, tier too low).
    #[error("your credential cannot satisfy the {service}: {reason}")]
    Unsatisfied {
        /// Which gateway.
        service: String,
        /// Why.
        reason: String,
    },
    /// Proving failed.
    #[error("proving failed: {0}")]
    Prove(String),
    /// The gateway has not taken up the authority's latest status root yet.
    #[error("the {service} does not accept the authority's latest root (epoch {epoch}) yet")]
    RootNotAccepted {
        /// Which gateway.
        service: String,
        /// The epoch of the root.
        epoch: u64,
    },
    /// No lease for that agent.
    #[error("no lease for agent {0:?} in the wallet: run `alc wallet lease --agent {0} --manifest FILE` (or spawn it)")]
    NoLeaseFor(String),
    /// No lease at all.
    #[error("no lease in the wallet: run `alc wallet lease --agent ID --manifest FILE` first")]
    NoLease,
    /// Several root leases and no agent named.
    #[error("the wallet holds leases for several agents ({}): choose one with --agent", .0.join(", "))]
    WhichLease(Vec<String>),
    /// A lease past its expiry.
    #[error("{agent}'s lease expired at {}: renew it with `alc wallet lease` first", utc(*at))]
    LeaseExpired {
        /// Its agent.
        agent: String,
        /// When it expired.
        at: u64,
    },
    /// A child lease named like its parent.
    #[error("a sub-agent needs its own id, not its parent's ({0})")]
    SameAgent(String),
    /// A key-bound lease used without the holder secret its key derives from.
    #[error(
        "{0}'s lease is bound to a key derived from the holder secret: unlock the wallet to use it"
    )]
    Locked(String),
    /// The gateway is not who its challenge says (a relayed or unsigned challenge, an
    /// unregistered scope, a gateway list the authority did not sign): nothing was proved.
    #[error("refusing to prove to the {service}: {reason}")]
    NotTheGateway {
        /// Which gateway (its URL).
        service: String,
        /// Why.
        reason: alc_protocol::gateways::GatewayCheckError,
    },
    /// No certified agent system of that name in the wallet.
    #[error("no certificate for the agent system {0:?} in the wallet: run `alc wallet system certify {0} --permit PERMIT` (as the system's principal operator)")]
    NoSystem(String),
    /// A system certificate past its end.
    #[error("the agent system {name}'s certificate ended at {}: run `alc wallet system certify {name} --permit {permit}` again", utc(*at))]
    SystemExpired {
        /// The system's name.
        name: String,
        /// Its permit.
        permit: String,
        /// When the certificate ended.
        at: u64,
    },
    /// A route that is not a path.
    #[error("the route must start with / (e.g. /v1/autonomous/chat), not {0:?}")]
    Route(String),
}

impl WalletError {
    /// Whether trying again later may succeed (a service unreachable or overloaded, a
    /// gateway not yet up to date), rather than a final refusal (revoked, killed).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::RootNotAccepted { .. } | Self::Malformed { .. } => {
                true
            }
            Self::Refused { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
