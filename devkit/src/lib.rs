//! Development and test fixtures of ALC: **never part of a deployment**.
//!
//! * [`idp`]: a development OpenID Connect provider that signs ID tokens for any subject;
//! * [`upstream`]: the in-process echo upstream a gateway can put where an AI
//!   provider's API would be;
//! * [`clock`]: a manual clock;
//! * [`authority`], [`gateway`]: a licensing authority and a gateway for tests, in
//!   process, with the shortcuts tests take;
//! * [`keys`]: fixed-seed Groth16 keys; [`http`]: one `oneshot` request.
//!
//! `alc dev-idp` and `alc demo` use it; no production crate depends on it (the service
//! crates' own tests do, as dev-dependencies: `docs/architecture.md`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authority;
pub mod clock;
pub mod gateway;
pub mod http;
pub mod idp;
pub mod insurance;
pub mod keys;
pub mod postgres;
pub mod upstream;
