//! Time in ALC is unix seconds: a challenge's `now`, a lease's expiry, a status
//! response's `next_update`. [`Clock`] is where every service and the wallet read it, so
//! tests can move it (`alc-devkit`'s manual clock).

/// A source of unix seconds.
pub trait Clock: Send + Sync + 'static {
    /// Now, in unix seconds.
    fn now(&self) -> u64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        now()
    }
}

/// Unix seconds by the system clock (0 on a clock set before 1970).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
