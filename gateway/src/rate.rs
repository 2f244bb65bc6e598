//! Per-pseudonym rate limits held across a fleet of gateway processes (`docs/fleet.md`,
//! "Rate limits"): exact, with the per-request check in memory.
//!
//! A process admits a pseudonym's calls against an *allowance* it has claimed from the
//! store: one atomic word per pseudonym (the minute, the calls admitted, the allowance
//! left), so a call is admitted by one compare-and-swap. When the allowance is spent the
//! process claims more ([`Store::rate_claim`]): `ceil(L / 8N)` calls of that minute for a
//! limit `L` and `N` processes counting, or what the fleet has left if less. Claims are
//! serialised per pseudonym and minute in the store and never add up to more than `L`,
//! so **the fleet never admits more than `L` calls of a pseudonym in a minute**, whatever
//! its size or membership.
//!
//! What it costs: one store round trip when an allowance runs out, the first call of each
//! minute at each process included (a process taking the whole limit alone makes `8N`
//! claims a minute); and calls claimed but not made by the minute's end are lost to it (at
//! most one claim per process, about `L / 8` over the fleet). Claims are small so that a
//! process whose view of the fleet is stale (a member started since its last heartbeat)
//! cannot take the others' share. With the store unreachable, a process admits only what
//! it had claimed: a pseudonym's calls are refused rather than counted wrong.

use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a process says it is counting (the fleet size claims are divided by).
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// The largest limit a word holds (calls per minute per pseudonym); higher limits are
/// held at this.
pub const MAX_LIMIT: u32 = (1 << 20) - 1;

const FIELD: u64 = (1 << 20) - 1;

/// One pseudonym's counter: `minute (24 bits) | admitted (20 bits) | allowance (20
/// bits)`, and the lock its claims take (one claim at a time per process).
#[derive(Debug, Default)]
pub struct NymRate {
    word: AtomicU64,
    claiming: tokio::sync::Mutex<()>,
}

fn pack(minute: u64, admitted: u64, allowance: u64) -> u64 {
    (minute & 0xff_ffff) << 40 | admitted.min(FIELD) << 20 | allowance.min(FIELD)
}

fn unpack(w: u64) -> (u64, u64, u64) {
    (w >> 40, (w >> 20) & FIELD, w & FIELD)
}

impl NymRate {
    /// Takes one call from the allowance of `minute`; false when it is spent (a word of
    /// an earlier minute is spent).
    fn take(&self, minute: u64) -> bool {
        let m = minute & 0xff_ffff;
        let mut cur = self.word.load(Ordering::Relaxed);
        loop {
            let (wm, admitted, allowance) = unpack(cur);
            if wm != m || allowance == 0 {
                return false;
            }
            let next = pack(m, admitted + 1, allowance - 1);
            match self
                .word
                .compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Adds `granted` calls to the allowance of `minute` (an earlier minute's is dropped).
    fn grant(&self, minute: u64, granted: u64) {
        let m = minute & 0xff_ffff;
        let mut cur = self.word.load(Ordering::Relaxed);
        loop {
            let (wm, admitted, allowance) = unpack(cur);
            let next = if wm == m {
                pack(m, admitted, allowance + granted)
            } else {
                pack(m, 0, granted)
            };
            match self
                .word
                .compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }
}

/// The per-pseudonym counters of one process, and the fleet size it last heard.
pub struct FleetRates {
    instance: String,
    limit: u64,
    fleet: AtomicU64,
    nyms: Mutex<HashMap<String, Arc<NymRate>>>,
}

impl FleetRates {
    /// Counters for a limit of `limit` calls per minute per pseudonym, for the process
    /// `instance` (random per start).
    pub fn new(limit: u32, instance: String) -> Self {
        Self {
            instance,
            limit: u64::from(limit.min(MAX_LIMIT)),
            fleet: AtomicU64::new(1),
            nyms: Mutex::new(HashMap::new()),
        }
    }

    /// The processes counting, as last heard (1 before then).
    pub fn fleet_size(&self) -> u64 {
        self.fleet.load(Ordering::Relaxed)
    }

    /// The counter of `pseudonym` (created on first use).
    pub fn of(&self, pseudonym: &str) -> Arc<NymRate> {
        self.nyms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(pseudonym.to_owned())
            .or_default()
            .clone()
    }

    /// Admits one call of `pseudonym` (counted by `rate`) in `minute`: from the
    /// allowance, or else after claiming more from the store. False: the fleet has
    /// admitted or claimed the whole minute.
    pub async fn admit(
        &self,
        store: &Store,
        pseudonym: &str,
        rate: &NymRate,
        minute: u64,
    ) -> Result<bool, StoreError> {
        if rate.take(minute) {
            return Ok(true);
        }
        let _one = rate.claiming.lock().await;
        // Another call of this process may have claimed meanwhile.
        if rate.take(minute) {
            return Ok(true);
        }
        let granted = store
            .rate_claim(pseudonym, minute, self.limit, self.fleet_size())
            .await?;
        if granted == 0 {
            return Ok(false);
        }
        rate.grant(minute, granted);
        Ok(rate.take(minute))
    }

    /// Says this process is counting and learns the fleet's size.
    pub async fn heartbeat(&self, store: &Store, now: u64) -> Result<(), StoreError> {
        let n = store.rate_heartbeat(&self.instance, now).await?;
        self.fleet.store(n.max(1), Ordering::Relaxed);
        Ok(())
    }

    /// Drops the counters no cached lease holds and idle since the last minute.
    pub fn sweep(&self, minute: u64) {
        let m = minute & 0xff_ffff;
        self.nyms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, c| {
                Arc::strong_count(c) > 1 || unpack(c.word.load(Ordering::Relaxed)).0 + 1 >= m
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_holds_minute_admitted_and_allowance() {
        let w = pack(0xab_cdef, 12_345, 999);
        assert_eq!(unpack(w), (0xab_cdef, 12_345, 999));
        // Counts saturate rather than spill into the minute.
        assert_eq!(unpack(pack(1, u64::MAX, u64::MAX)), (1, FIELD, FIELD));
        // An allowance is of its minute: the next minute's call finds it spent.
        let r = NymRate::default();
        r.grant(7, 2);
        assert!(r.take(7));
        assert!(!r.take(8));
    }

    #[test]
    fn claims_are_an_eighth_of_a_share_or_what_is_left() {
        use crate::store::claim_size;
        assert_eq!(claim_size(6000, 0, 3), 250);
        assert_eq!(claim_size(6000, 5900, 3), 100);
        assert_eq!(claim_size(10, 9, 3), 1);
        assert_eq!(claim_size(10, 10, 3), 0);
        // The twin: a fleet size of 0 (never heard) is one process.
        assert_eq!(claim_size(6000, 0, 0), 750);
    }

    /// Three processes on one store, limit 100: calls at all of them, interleaved, are
    /// admitted up to the limit and not one more.
    #[tokio::test]
    async fn a_fleet_admits_the_limit_and_no_more() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("gateway.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let fleet: Vec<FleetRates> = (0..3)
            .map(|i| FleetRates::new(100, format!("p{i}")))
            .collect();
        let now = 1_740_000_000;
        for _ in 0..2 {
            for p in &fleet {
                p.heartbeat(&store, now)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        assert_eq!(fleet[0].fleet_size(), 3);
        let minute = now / 60;
        let rates: Vec<Arc<NymRate>> = fleet.iter().map(|p| p.of("nym")).collect();
        let mut admitted = [0u32; 3];
        for i in 0..400 {
            let p = (i * 7 + i / 3) % 3;
            if fleet[p]
                .admit(&store, "nym", &rates[p], minute)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
            {
                admitted[p] += 1;
            }
        }
        assert_eq!(admitted.iter().sum::<u32>(), 100, "{admitted:?}");
        assert!(admitted.iter().all(|a| *a > 0), "{admitted:?}");
        // Another pseudonym has its own minute; the next minute starts afresh.
        let other = fleet[0].of("other");
        assert!(fleet[0]
            .admit(&store, "other", &other, minute)
            .await
            .unwrap_or(false));
        assert!(fleet[1]
            .admit(&store, "nym", &rates[1], minute + 1)
            .await
            .unwrap_or(false));
        // The twin: processes counting alone (each its own store) admit the limit each.
        let mut alone = 0;
        for i in 0..3 {
            let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let own = Store::open(&d.path().join("gateway.db"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let p = FleetRates::new(100, format!("alone{i}"));
            let r = p.of("nym");
            for _ in 0..150 {
                if p.admit(&own, "nym", &r, minute).await.unwrap_or(false) {
                    alone += 1;
                }
            }
        }
        assert_eq!(alone, 300);
    }
}
