//! `alc circuit info`: constraints per component, of circuit v1 and of circuit v2.

use alc_circuits::babyjubjub::BASE8;
use alc_circuits::escrow::EscrowKey;
use alc_circuits::presentation::{constraint_breakdown, v2, Breakdown, PUBLIC_INPUT_NAMES};
use alc_circuits::tags::{
    CIRCUIT_ID, CIRCUIT_V2_ID, CIRCUIT_V2_VERSION, CIRCUIT_VERSION, STATUS_CAPACITY,
};
use anyhow::Result;

pub fn run() -> Result<()> {
    println!("{CIRCUIT_ID} (version {CIRCUIT_VERSION}), status list capacity {STATUS_CAPACITY}");
    show(&constraint_breakdown()?, &PUBLIC_INPUT_NAMES);
    // The count does not depend on the escrow key: any point of order l shows it.
    let any = EscrowKey::from_point(BASE8)?;
    println!();
    println!("{CIRCUIT_V2_ID} (version {CIRCUIT_V2_VERSION}): v1, the serial escrowed to the trustees' key, the holder key bound");
    show(&v2::constraint_breakdown(any)?, &v2::PUBLIC_INPUT_NAMES);
    Ok(())
}

fn show(b: &Breakdown, names: &[&str]) {
    for (name, n) in &b.components {
        println!("  {name:<36} {n:>6}");
    }
    println!("  {:<36} {:>6}", "total constraints", b.constraints);
    println!("  {:<36} {:>6}", "public inputs", b.public_inputs);
    println!("  {:<36} {:>6}", "witness variables", b.witnesses);
    println!(
        "  {:<36} {:>6}",
        "Groth16 evaluation domain",
        b.domain_size()
    );
    println!("public inputs, in order: {}", names.join(", "));
}

#[derive(clap::Subcommand)]
pub enum CircuitCommand {
    /// Constraints per component and in total, of circuit v1 and of circuit v2.
    ///
    /// Example: alc circuit info
    Info,
    /// Write the circuit as an iden3 .r1cs file (circuit v1, or circuit v2 under an
    /// escrow key), for `snarkjs groth16 setup` and a multi-party ceremony
    /// (docs/ceremony.md). `snarkjs r1cs info FILE` shows ALC's counts.
    ///
    /// Example: alc circuit export-r1cs alc-v2.r1cs --escrow-key escrow-key.json
    ExportR1cs {
        /// The .r1cs file to write.
        file: std::path::PathBuf,
        /// Circuit v2 under this escrow key (the public file of `alc escrow key`).
        #[arg(long)]
        escrow_key: Option<std::path::PathBuf>,
        /// Overwrite the file.
        #[arg(long)]
        force: bool,
    },
}

impl CircuitCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            CircuitCommand::Info => run(),
            CircuitCommand::ExportR1cs {
                file,
                escrow_key,
                force,
            } => export_r1cs(&file, escrow_key.as_deref(), force),
        }
    }
}

fn export_r1cs(
    file: &std::path::Path,
    escrow: Option<&std::path::Path>,
    force: bool,
) -> Result<()> {
    let circuit = super::setup::circuit_of(escrow)?;
    let bytes = alc_prover::circom::r1cs::r1cs(&circuit)?;
    crate::fsio::write(file, &bytes, crate::fsio::Mode::Public, force)?;
    let id = if escrow.is_some() {
        CIRCUIT_V2_ID
    } else {
        CIRCUIT_ID
    };
    println!(
        "wrote {} ({id}, {} bytes, sha256 {})",
        file.display(),
        bytes.len(),
        alc_prover::keys::digest_hex(&bytes)
    );
    println!("check with: snarkjs r1cs info {}", file.display());
    Ok(())
}
