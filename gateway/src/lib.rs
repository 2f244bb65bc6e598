//! The provider gateway (`alc gateway serve`): challenges, proofs, leases, the kill
//! switch and sub-agent leases in front of an upstream API (the README, "Running a
//! gateway").
#![forbid(unsafe_code)]
#![deny(missing_docs)]
pub mod api;
pub mod batch;
pub mod config;
pub mod core;
pub mod lease;
pub mod proxy;
pub mod registry;
pub mod service;
pub mod status;
pub mod store;
pub mod wallet;
