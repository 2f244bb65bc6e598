//! Following the authority's status: the gateway's verified view of the status list
//! ([`view`]), the task that keeps it current ([`watcher`]), and the server-sent events
//! parser the push stream is read with ([`sse`]).
//!
//!
//! A lease is minted for a proof made against one root of the authority's status list
//! (`docs/architecture.md`, "Leases and the kill switch"). The gateway therefore needs to know
//! which roots it may still accept, and it learns that only from signed status responses
//! ([`SignedStatus`]). [`StatusView`] holds what the gateway has verified:
//!
//! * the current response (the highest epoch seen), re-signed copies refreshing its
//!   `next_update`;
//! * the roots it superseded, each accepted for `lease_ttl` seconds after it was superseded
//!   so that provers holding a slightly older root are not turned away;
//! * the emergency floor: when a response carries `emergency: true`, every root of an older
//!   epoch stops being accepted at once (the kill switch).
//!
//! The view refuses what would let an attacker (or a confused authority replica) move it
//! backwards: a bad signature or issuer, an epoch lower than the current one (a replay), a
//! second, different response for the current epoch (equivocation), and a response that was
//! already out of date when it arrived.
//!
//! [`spawn_watcher`] keeps a view current: it pulls `GET /v1/status` at start and whenever
//! `next_update` passes, and listens to the push stream `GET /v1/status/stream` (server-sent
//! events, parsed with a size cap per event) so that an emergency reaches the gateway
//! within a second. Every failure is logged and retried with a capped exponential backoff;
//! nothing stops the task but the view being dropped or the task being aborted.

pub mod sse;
mod view;
mod watcher;

pub use view::{Applied, StatusView, StatusViewError};
pub use watcher::{spawn_watcher, EpochNotify};

/// Largest accepted status response (pull body or one server-sent event).
const MAX_EVENT_BYTES: usize = 64 * 1024;
