//! A clock that moves only when a test says so: cooling-offs, expiries, `next_update`
//! and grace periods without waiting.

use alc_protocol::time::Clock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A manual clock; clones share the time.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock at `t` (unix seconds).
    pub fn at(t: u64) -> Self {
        Self(Arc::new(AtomicU64::new(t)))
    }

    /// Moves forward by `secs`.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
