//! `alc circuit info`: constraints per component.

use alc_circuits::presentation::{constraint_breakdown, PUBLIC_INPUT_NAMES};
use alc_circuits::tags::{CIRCUIT_ID, CIRCUIT_VERSION, STATUS_CAPACITY};
use anyhow::Result;

pub fn run() -> Result<()> {
    let b = constraint_breakdown()?;
    println!("{CIRCUIT_ID} (version {CIRCUIT_VERSION}), status list capacity {STATUS_CAPACITY}");
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
    println!("public inputs, in order: {}", PUBLIC_INPUT_NAMES.join(", "));
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum CircuitCommand {
    /// Constraints per component and in total.
    ///
    /// Example: alc circuit info
    Info,
}

impl CircuitCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            CircuitCommand::Info => run(),
        }
    }
}
