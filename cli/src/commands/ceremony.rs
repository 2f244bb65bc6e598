//! `alc ceremony verify`: checks a snarkjs phase-2 ceremony's final `.zkey` as `snarkjs
//! zkey verify` does (`alc_prover::circom::ceremony`, `docs/ceremony.md`), against the
//! Powers of Tau it started from and ALC's own circuit, and prints every contribution's
//! hash so each contributor can find their own. `alc setup --from-zkey` runs the same
//! checks before it writes a key.

use super::{human, timed};
use alc_prover::circom::ceremony::{check_chain, check_queries, Chain};
use alc_prover::circom::ptau;
use alc_prover::circom::zkey::{import, ContributionKind, Zkey};
use alc_prover::keys::{digest_hex, Circuit};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// `alc ceremony`.
#[derive(clap::Subcommand)]
pub enum CeremonyCommand {
    /// Check a ceremony's final .zkey: for ALC's circuit, every contribution's proof of
    /// knowledge and the chain of hashes, every query point against the Powers of Tau;
    /// prints each contribution's hash (as `snarkjs zkey contribute` showed it to its
    /// contributor) and the transcript's hash to pin.
    ///
    /// Example: alc ceremony verify final.zkey --ptau powersOfTau28_hez_final_14.ptau
    Verify(VerifyArgs),
}

impl CeremonyCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            CeremonyCommand::Verify(a) => {
                let circuit = super::setup::circuit_of(a.escrow_key.as_deref())?;
                let v = a.ceremony.verify(&a.zkey, &circuit)?;
                v.report();
                Ok(())
            }
        }
    }
}

/// `alc ceremony verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The ceremony's final .zkey.
    zkey: PathBuf,
    /// Circuit v2 under this escrow key (the public file of `alc escrow key`).
    #[arg(long)]
    escrow_key: Option<PathBuf>,
    #[command(flatten)]
    ceremony: CeremonyArgs,
}

/// What a ceremony is checked against (shared with `alc setup --from-zkey`).
#[derive(clap::Args)]
pub struct CeremonyArgs {
    /// The Powers of Tau the ceremony's `snarkjs groth16 setup` used (prepared for
    /// phase 2). Its BLAKE2b-512 is printed: compare it with the published one.
    #[arg(long)]
    pub ptau: Option<PathBuf>,
    /// Require the Powers of Tau's BLAKE2b-512 (128 hex digits, as `b2sum` prints it
    /// and snarkjs's README lists the public ones).
    #[arg(long)]
    pub ptau_blake2b: Option<String>,
    /// The most rounds of SHA-256 (as a power of two) a beacon may ask for: a hostile
    /// zkey could ask for 2^255.
    #[arg(long, default_value_t = 32)]
    pub max_beacon_exp: u8,
}

/// A ceremony that verified.
pub struct Verified {
    /// The keys.
    pub zkey: Zkey,
    /// Its checked chain.
    pub chain: Chain,
    /// SHA-256 of the zkey file (hex).
    pub sha256: String,
    ptau: PathBuf,
    ptau_power: u32,
    ptau_blake2b: String,
    took: std::time::Duration,
}

impl CeremonyArgs {
    /// Imports `path` for `circuit` and checks its ceremony.
    pub fn verify(&self, path: &Path, circuit: &Circuit) -> Result<Verified> {
        let Some(ptau_path) = &self.ptau else {
            bail!("a ceremony is checked against its Powers of Tau: give --ptau FILE");
        };
        let (out, took) = timed(|| -> Result<_> {
            let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
            let zkey = import(&bytes, circuit).with_context(|| format!("{}", path.display()))?;
            let open = || {
                std::fs::File::open(ptau_path).with_context(|| format!("{}", ptau_path.display()))
            };
            let ptau_blake2b = hex::encode(ptau::blake2b(std::io::BufReader::new(open()?))?);
            if let Some(want) = &self.ptau_blake2b {
                if !want.eq_ignore_ascii_case(&ptau_blake2b) {
                    bail!(
                        "{}: its BLAKE2b-512 is {ptau_blake2b}, not the {want} required",
                        ptau_path.display()
                    );
                }
            }
            let chain = check_chain(&zkey, self.max_beacon_exp)
                .with_context(|| format!("{}: the contribution chain", path.display()))?;
            let tau = ptau::read(&mut std::io::BufReader::new(open()?), zkey.domain)
                .with_context(|| format!("{}", ptau_path.display()))?;
            check_queries(&zkey, &tau)
                .with_context(|| format!("{} against {}", path.display(), ptau_path.display()))?;
            Ok(Verified {
                zkey,
                chain,
                sha256: digest_hex(&bytes),
                ptau: ptau_path.clone(),
                ptau_power: tau.power,
                ptau_blake2b,
                took: std::time::Duration::ZERO,
            })
        });
        let mut v = out?;
        v.took = took;
        Ok(v)
    }
}

impl Verified {
    /// Prints what was checked, every contribution's hash and the transcript's.
    pub fn report(&self) {
        println!(
            "the ceremony verifies ({}): {} contribution(s), every query point follows from the Powers of Tau and the circuit",
            human(self.took),
            self.chain.contributions.len()
        );
        println!("  zkey sha256      {}", self.sha256);
        println!(
            "  Powers of Tau    {} (power {}), blake2b-512 {}",
            self.ptau.display(),
            self.ptau_power,
            self.ptau_blake2b
        );
        println!("  (compare the Powers of Tau's hash with the one its ceremony published)");
        print_hash("circuit hash (as recorded)", &self.zkey.circuit_hash);
        for (i, c) in self.chain.contributions.iter().enumerate() {
            let name = c.name.as_deref().unwrap_or("(no name)");
            let title = match (&c.kind, &c.beacon) {
                (ContributionKind::Beacon, Some((hash, exp))) => format!(
                    "contribution #{} {name}: beacon {}, 2^{exp} rounds",
                    i + 1,
                    hex::encode(hash)
                ),
                _ => format!("contribution #{} {name}", i + 1),
            };
            print_hash(&title, &c.hash);
        }
        print_hash("transcript hash (pin this)", &self.chain.transcript);
        println!("  names are not covered by any hash: find your contribution by its hash");
    }
}

/// A 64-byte hash as snarkjs prints one: four lines of four 32-bit words in hex.
fn print_hash(title: &str, hash: &[u8]) {
    println!("{title}");
    for line in hash.chunks(16) {
        let words: Vec<String> = line.chunks(4).map(hex::encode).collect();
        println!("        {}", words.join(" "));
    }
}
