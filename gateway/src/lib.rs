//! The provider gateway (`alc gateway serve`): challenges, proofs, leases, the kill
//! switch and sub-agent leases in front of an upstream API (the README, "Running a
//! gateway"; `docs/architecture.md`).
//!
//! | module | what |
//! |---|---|
//! | [`core`] | the decisions: issuing, renewing, delegating and checking leases (no HTTP, no SQL) |
//! | [`lease`] | Biscuit lease tokens: minting, attenuating, parsing |
//! | [`status`] | the verified view of the authority's status, its watcher, the SSE parser |
//! | [`batch`] | batch verification of lease proofs |
//! | [`store`] | the shared state, in SQLite or PostgreSQL: challenges, lease index, kills, registry outbox |
//! | [`registry`] | the outbox's submitter to the authority's registry |
//! | [`api`] | the HTTP edge: routes, refusals as answers, CORS for wallet sites |
//! | [`proxy`] | forwarding to the upstream (a URL, or a router offered in process) |
//! | [`state`], [`config`], [`service`] | the routers' state, `gateway.toml`, the data folder and start-up |
#![forbid(unsafe_code)]
#![deny(missing_docs)]
pub mod api;
pub mod batch;
pub mod config;
pub mod core;
pub mod lease;
pub mod possession;
pub mod proxy;
pub mod rate;
pub mod registry;
pub mod service;
pub mod state;
pub mod status;
pub mod store;
