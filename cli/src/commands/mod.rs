//! One module per subcommand.

pub mod admin;
pub mod authority;
pub mod ceremony;
pub mod demo;
pub mod escrow;
pub mod example;
pub mod gateway;
pub mod info;
pub mod insurance;
pub mod prove;
pub mod registry;
pub mod services;
pub mod setup;
pub mod snarkjs;
pub mod verify;
pub mod wallet;

use std::time::{Duration, Instant};

/// Runs `f` and returns its result with the time it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

pub use alc_protocol::time::now;

/// A duration for people: `850 µs`, `12.3 ms`, `1.85 s`.
pub fn human(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// One step of a report: a name, what happened, how long it took.
pub fn step(name: &str, what: &str, took: Option<Duration>) {
    match took {
        Some(d) => println!("  {name:<9} {what:<70} {:>9}", human(d)),
        None => println!("  {name:<9} {what}"),
    }
}
