//! The ALC licensing authority (`docs/architecture.md`): identity with OpenID Connect, the competency
//! assessment with FCA-style rules, issuance of EdDSA-Poseidon credentials, corporate
//! operating permits with verified insurance cover (Bulletproofs), revocation with signed
//! status responses, incident intake, the chain-of-liability registry (a transparency
//! log), admin tokens and an append-only audit log, over SQLite.
//!
//! [`api::app`] is the router; [`service::serve`] runs it from a data folder.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod api;
pub mod apprentices;
pub mod assessment;
pub mod authority;
pub mod bank_review;
pub mod circuit_keys;
pub mod config;
pub mod db;
pub mod enforcement;
pub mod error;
pub mod identity;
pub mod incidents;
pub mod insurance;
pub mod issuance;
pub mod keys;
pub mod oidc;
pub mod openings;
pub mod people;
pub mod permits;
pub mod questions;
pub mod registry;
pub mod revocation;
pub mod service;
pub mod status;
pub mod systems;
