//! ALC's shared wire and file formats (see `docs/architecture.md`): everything two
//! parties send each other or hand over as a file, as plain serde types, and the
//! conventions they rest on (the encodings, unix time).
//!
//! This crate holds shapes, not checks that need cryptography: a field element is a
//! decimal string here, and the crate that owns the arithmetic (`alc-circuits`,
//! `alc-verifier`) turns it into a value and refuses what is not canonical.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod encoding;
pub mod time;
