//! The gateway's verified view of the authority's status list: the current response,
//! the roots it superseded (accepted for a lease lifetime), and the emergency floor.

use alc_circuits::field::{self, Fr};
use alc_protocol::status::{SignedStatus, StatusError, StatusResponse};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// At most this many superseded roots are remembered (the oldest are forgotten first).
const MAX_SUPERSEDED: usize = 1024;

/// What [`StatusView::apply`] did with a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The response is of a higher epoch than the current one (or is the first one) and
    /// became current.
    NewEpoch {
        /// Its epoch.
        epoch: u64,
        /// Whether it is an emergency epoch (older roots are no longer accepted).
        emergency: bool,
    },
    /// The current epoch, re-signed later: its `produced_at` and `next_update` replace the
    /// current ones.
    Refreshed,
    /// Nothing new: the current response again, or an older signing of the current epoch.
    Unchanged,
}

/// A status response the view refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusViewError {
    /// Not a status response, or not signed by the pinned status key.
    #[error("status response refused: {0}")]
    Invalid(#[from] StatusError),
    /// Signed by the pinned key but naming another authority.
    #[error("status response from issuer {got:?}, expected {expected:?}")]
    WrongIssuer {
        /// The authority the view follows.
        expected: String,
        /// The issuer named in the response.
        got: String,
    },
    /// A response for another status list than the one the view follows.
    #[error("status response for list {got:?}, but the view follows list {expected:?}")]
    WrongList {
        /// The list of the current response.
        expected: String,
        /// The list named in the response.
        got: String,
    },
    /// An epoch lower than the current one: a replayed or stale response.
    #[error("stale status response: epoch {epoch} is older than the current epoch {current}")]
    Stale {
        /// The response's epoch.
        epoch: u64,
        /// The current epoch.
        current: u64,
    },
    /// A second, different response (root or emergency flag) for the current epoch.
    #[error("equivocation: a different status response for the current epoch {epoch}")]
    Equivocation {
        /// The epoch.
        epoch: u64,
    },
    /// The response was already past `next_update` + grace when it arrived.
    #[error(
        "expired status response: next_update {next_update} (plus grace) is before now ({now})"
    )]
    Expired {
        /// The response's `next_update`.
        next_update: u64,
        /// The time it was applied at.
        now: u64,
    },
}

/// A root that was current once.
#[derive(Debug)]
struct Superseded {
    epoch: u64,
    root: Fr,
    /// When the next epoch replaced it (unix seconds).
    at: u64,
}

#[derive(Debug)]
struct Current {
    response: StatusResponse,
    signed: SignedStatus,
    /// The response's root, parsed.
    root: Fr,
}

#[derive(Debug, Default)]
struct Inner {
    current: Option<Current>,
    /// Oldest first.
    superseded: Vec<Superseded>,
    /// The emergency floor: no root of a lower epoch is accepted.
    floor: u64,
}

/// The gateway's verified view of the authority's status list. Share it as
/// `Arc<StatusView>`; every method takes `&self`.
#[derive(Debug)]
pub struct StatusView {
    issuer: String,
    key: ed25519_dalek::VerifyingKey,
    window: u64,
    grace: u64,
    inner: RwLock<Inner>,
}

impl StatusView {
    /// A view with no status yet.
    ///
    /// `issuer`: the authority's name that must appear in responses; `key`: its pinned
    /// status key; `window`: seconds an older root stays acceptable after it was
    /// superseded (by a response that is not an emergency); `grace`: seconds after
    /// `next_update` during which the last good status is still used.
    pub fn new(issuer: String, key: ed25519_dalek::VerifyingKey, window: u64, grace: u64) -> Self {
        Self {
            issuer,
            key,
            window,
            grace,
            inner: RwLock::new(Inner::default()),
        }
    }

    /// The certificate of the agent system of `agent` (hex), if signed by this
    /// authority's status key and valid at `now`.
    pub fn verify_system(
        &self,
        cert: &alc_protocol::systems::SignedSystemCertificate,
        agent: &str,
        now: u64,
    ) -> Result<
        alc_protocol::systems::SystemCertificate,
        alc_protocol::systems::SystemCertificateError,
    > {
        cert.verify(&self.key, &self.issuer, agent, now)
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Verifies a signed response and folds it into the view at `now` (unix seconds).
    ///
    /// Refused: a bad signature or issuer, another list than the current one, an epoch
    /// lower than the current one, a different root (or emergency flag) for the current
    /// epoch, and a response already past `next_update + grace`. The current epoch re-signed
    /// later is [`Applied::Refreshed`]; an older or identical signing is
    /// [`Applied::Unchanged`]. A higher epoch becomes current and the previous current root
    /// is remembered as superseded at `now`; if the new response is an emergency, the floor
    /// rises to its epoch and every older root stops being accepted.
    pub fn apply(&self, signed: &SignedStatus, now: u64) -> Result<Applied, StatusViewError> {
        self.apply_signed(signed, now).map(|(applied, _)| applied)
    }

    /// [`Self::apply`], also returning the verified response.
    pub(super) fn apply_signed(
        &self,
        signed: &SignedStatus,
        now: u64,
    ) -> Result<(Applied, StatusResponse), StatusViewError> {
        let response = signed.verify(&self.key)?;
        let root = field::from_decimal(&response.root).map_err(|_| StatusError::Malformed)?;
        if response.issuer != self.issuer {
            return Err(StatusViewError::WrongIssuer {
                expected: self.issuer.clone(),
                got: response.issuer,
            });
        }
        let mut g = self.write();
        if let Some(cur) = &g.current {
            let c = &cur.response;
            if response.list != c.list {
                return Err(StatusViewError::WrongList {
                    expected: c.list.clone(),
                    got: response.list,
                });
            }
            if response.epoch < c.epoch {
                return Err(StatusViewError::Stale {
                    epoch: response.epoch,
                    current: c.epoch,
                });
            }
            if response.epoch == c.epoch
                && (response.root != c.root || response.emergency != c.emergency)
            {
                return Err(StatusViewError::Equivocation {
                    epoch: response.epoch,
                });
            }
        }
        if now > response.next_update.saturating_add(self.grace) {
            return Err(StatusViewError::Expired {
                next_update: response.next_update,
                now,
            });
        }
        let same_epoch = g.current.as_ref().map(|c| c.response.epoch) == Some(response.epoch);
        if same_epoch {
            let newer = g
                .current
                .as_ref()
                .is_some_and(|c| response.produced_at > c.response.produced_at);
            if !newer {
                return Ok((Applied::Unchanged, response));
            }
            g.current = Some(Current {
                response: response.clone(),
                signed: signed.clone(),
                root,
            });
            return Ok((Applied::Refreshed, response));
        }
        if let Some(old) = g.current.take() {
            g.superseded.push(Superseded {
                epoch: old.response.epoch,
                root: old.root,
                at: now,
            });
        }
        if response.emergency {
            g.floor = g.floor.max(response.epoch);
        }
        let applied = Applied::NewEpoch {
            epoch: response.epoch,
            emergency: response.emergency,
        };
        g.current = Some(Current {
            response: response.clone(),
            signed: signed.clone(),
            root,
        });
        let (floor, window) = (g.floor, self.window);
        g.superseded
            .retain(|s| s.epoch >= floor && now.saturating_sub(s.at) < window);
        let excess = g.superseded.len().saturating_sub(MAX_SUPERSEDED);
        g.superseded.drain(..excess);
        Ok((applied, response))
    }

    /// The epoch of `root` if it is acceptable for a new lease at `now`: the current root,
    /// or an older root superseded less than `window` seconds ago and at or above the
    /// emergency floor. `None` otherwise (unknown, too old, below the floor, or no status
    /// yet). Freshness is a separate question: see [`Self::is_fresh`].
    pub fn accepts_root(&self, root: &Fr, now: u64) -> Option<u64> {
        let g = self.read();
        let cur = g.current.as_ref()?;
        if cur.root == *root {
            return Some(cur.response.epoch);
        }
        g.superseded
            .iter()
            .rev()
            .find(|s| s.root == *root && self.superseded_ok(s, g.floor, now))
            .map(|s| s.epoch)
    }

    fn superseded_ok(&self, s: &Superseded, floor: u64, now: u64) -> bool {
        s.epoch >= floor && now.saturating_sub(s.at) < self.window
    }

    /// The lowest epoch a lease may carry: the emergency floor (0 before any emergency).
    pub fn min_epoch(&self) -> u64 {
        self.read().floor
    }

    /// Whether the last good status may still be used: `now <= next_update + grace`
    /// (false before the first status).
    pub fn is_fresh(&self, now: u64) -> bool {
        self.read()
            .current
            .as_ref()
            .is_some_and(|c| now <= c.response.next_update.saturating_add(self.grace))
    }

    /// The current verified response and its signed form (for the challenge endpoint).
    pub fn current(&self) -> Option<(StatusResponse, SignedStatus)> {
        self.read()
            .current
            .as_ref()
            .map(|c| (c.response.clone(), c.signed.clone()))
    }

    /// The roots acceptable at `now`, newest first: `(epoch, root)`.
    pub fn accepted_roots(&self, now: u64) -> Vec<(u64, Fr)> {
        let g = self.read();
        let Some(cur) = g.current.as_ref() else {
            return Vec::new();
        };
        std::iter::once((cur.response.epoch, cur.root))
            .chain(
                g.superseded
                    .iter()
                    .rev()
                    .filter(|s| self.superseded_ok(s, g.floor, now))
                    .map(|s| (s.epoch, s.root)),
            )
            .collect()
    }

    /// The current `next_update`, if there is a status.
    pub(super) fn next_update(&self) -> Option<u64> {
        self.read().current.as_ref().map(|c| c.response.next_update)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    const ISSUER: &str = "test-authority";
    const T: u64 = 1_790_000_000;
    const WINDOW: u64 = 900;
    const GRACE: u64 = 60;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn response(epoch: u64, root: u64, produced_at: u64, emergency: bool) -> StatusResponse {
        StatusResponse {
            issuer: ISSUER.into(),
            list: "default".into(),
            epoch,
            root: field::to_decimal(&Fr::from(root)),
            produced_at,
            next_update: produced_at + 300,
            emergency,
        }
    }

    fn signed(r: &StatusResponse) -> SignedStatus {
        SignedStatus::sign(r, &key())
    }

    fn view() -> StatusView {
        StatusView::new(ISSUER.into(), key().verifying_key(), WINDOW, GRACE)
    }

    fn new_epoch(epoch: u64, emergency: bool) -> Result<Applied, StatusViewError> {
        Ok(Applied::NewEpoch { epoch, emergency })
    }

    #[test]
    fn first_status_becomes_current() {
        let v = view();
        let r0 = response(0, 100, T, false);
        assert_eq!(v.apply(&signed(&r0), T), new_epoch(0, false));
        assert_eq!(v.current(), Some((r0.clone(), signed(&r0))));
        assert_eq!(v.accepts_root(&Fr::from(100u64), T), Some(0));
        assert_eq!(v.accepted_roots(T), vec![(0, Fr::from(100u64))]);
        assert_eq!(v.min_epoch(), 0);
        assert!(v.is_fresh(T));
    }

    #[test]
    fn before_any_status_nothing_is_accepted_and_nothing_is_fresh() {
        let v = view();
        assert_eq!(v.accepts_root(&Fr::from(100u64), T), None);
        assert_eq!(v.accepts_root(&Fr::from(0u64), 0), None);
        assert!(v.accepted_roots(T).is_empty());
        assert!(!v.is_fresh(0));
        assert!(!v.is_fresh(T));
        assert_eq!(v.current(), None);
        assert_eq!(v.min_epoch(), 0);
    }

    #[test]
    fn higher_epoch_replaces_and_the_older_root_is_accepted_within_the_window() {
        let v = view();
        v.apply(&signed(&response(0, 100, T, false)), T).unwrap();
        let r1 = response(1, 101, T + 10, false);
        assert_eq!(v.apply(&signed(&r1), T + 10), new_epoch(1, false));
        assert_eq!(v.current().unwrap().0, r1);
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 10), Some(1));
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 10), Some(0));
        assert_eq!(
            v.accepts_root(&Fr::from(100u64), T + 10 + WINDOW - 1),
            Some(0)
        );
        assert_eq!(
            v.accepted_roots(T + 10),
            vec![(1, Fr::from(101u64)), (0, Fr::from(100u64))]
        );
        assert_eq!(v.min_epoch(), 0);
    }

    #[test]
    fn the_older_root_is_refused_once_the_window_has_passed() {
        let v = view();
        v.apply(&signed(&response(0, 100, T, false)), T).unwrap();
        v.apply(&signed(&response(1, 101, T + 10, false)), T + 10)
            .unwrap();
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 10 + WINDOW), None);
        assert_eq!(
            v.accepted_roots(T + 10 + WINDOW),
            vec![(1, Fr::from(101u64))]
        );
        // The current root stays acceptable however old; an unknown root never is.
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 10 + WINDOW), Some(1));
        assert_eq!(v.accepts_root(&Fr::from(999u64), T + 10), None);
        // Forgotten on the next epoch too.
        v.apply(
            &signed(&response(2, 102, T + WINDOW + 10, false)),
            T + WINDOW + 10,
        )
        .unwrap();
        assert_eq!(
            v.accepted_roots(T + WINDOW + 10),
            vec![(2, Fr::from(102u64)), (1, Fr::from(101u64))]
        );
    }

    #[test]
    fn an_emergency_refuses_every_older_root_at_once() {
        let v = view();
        v.apply(&signed(&response(0, 100, T, false)), T).unwrap();
        v.apply(&signed(&response(1, 101, T + 10, false)), T + 10)
            .unwrap();
        assert_eq!(
            v.apply(&signed(&response(2, 102, T + 20, true)), T + 20),
            new_epoch(2, true)
        );
        assert_eq!(v.min_epoch(), 2);
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 20), None);
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 20), None);
        assert_eq!(v.accepts_root(&Fr::from(102u64), T + 20), Some(2));
        assert_eq!(v.accepted_roots(T + 20), vec![(2, Fr::from(102u64))]);
        // A later ordinary epoch keeps the floor; the emergency root itself stays
        // acceptable for the window.
        assert_eq!(
            v.apply(&signed(&response(3, 103, T + 30, false)), T + 30),
            new_epoch(3, false)
        );
        assert_eq!(v.min_epoch(), 2);
        assert_eq!(v.accepts_root(&Fr::from(102u64), T + 30), Some(2));
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 30), None);
    }

    #[test]
    fn a_lower_epoch_is_refused_as_stale() {
        let v = view();
        let r1 = response(1, 101, T + 10, false);
        v.apply(&signed(&r1), T + 10).unwrap();
        assert_eq!(
            v.apply(&signed(&response(0, 100, T + 20, false)), T + 20),
            Err(StatusViewError::Stale {
                epoch: 0,
                current: 1
            })
        );
        // The same response again is no change.
        assert_eq!(v.apply(&signed(&r1), T + 20), Ok(Applied::Unchanged));
        assert_eq!(v.current().unwrap().0, r1);
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 20), None);
    }

    #[test]
    fn another_root_for_the_same_epoch_is_equivocation() {
        let v = view();
        let r1 = response(1, 101, T, false);
        v.apply(&signed(&r1), T).unwrap();
        assert_eq!(
            v.apply(&signed(&response(1, 666, T + 5, false)), T + 5),
            Err(StatusViewError::Equivocation { epoch: 1 })
        );
        assert_eq!(
            v.apply(&signed(&response(1, 101, T + 5, true)), T + 5),
            Err(StatusViewError::Equivocation { epoch: 1 })
        );
        assert_eq!(v.current().unwrap().0, r1);
        assert_eq!(v.accepts_root(&Fr::from(666u64), T + 5), None);
        assert_eq!(v.min_epoch(), 0);
    }

    #[test]
    fn the_same_epoch_re_signed_later_refreshes_next_update() {
        let v = view();
        let first = response(1, 101, T, false);
        v.apply(&signed(&first), T).unwrap();
        let later = response(1, 101, T + 300, false);
        assert_eq!(v.apply(&signed(&later), T + 300), Ok(Applied::Refreshed));
        assert_eq!(v.current(), Some((later.clone(), signed(&later))));
        assert!(v.is_fresh(T + 600 + GRACE));
        // The older signing again changes nothing.
        assert_eq!(v.apply(&signed(&first), T + 300), Ok(Applied::Unchanged));
        assert_eq!(v.current().unwrap().0.next_update, T + 600);
    }

    #[test]
    fn a_wrong_signature_issuer_or_list_is_refused() {
        let v = view();
        let r0 = response(0, 100, T, false);
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            v.apply(&SignedStatus::sign(&r0, &other), T),
            Err(StatusViewError::Invalid(StatusError::Signature))
        );
        let mut elsewhere = r0.clone();
        elsewhere.issuer = "another-authority".into();
        assert!(matches!(
            v.apply(&signed(&elsewhere), T),
            Err(StatusViewError::WrongIssuer { .. })
        ));
        let garbage = SignedStatus {
            payload: "!!".into(),
            signature: signed(&r0).signature,
        };
        assert_eq!(
            v.apply(&garbage, T),
            Err(StatusViewError::Invalid(StatusError::Malformed))
        );
        assert_eq!(v.current(), None);
        assert!(!v.is_fresh(T));
        // Once following list "default", another list is refused.
        v.apply(&signed(&r0), T).unwrap();
        let mut other_list = response(5, 105, T, false);
        other_list.list = "other".into();
        assert!(matches!(
            v.apply(&signed(&other_list), T),
            Err(StatusViewError::WrongList { .. })
        ));
        assert_eq!(v.current().unwrap().0, r0);
    }

    #[test]
    fn freshness_ends_exactly_after_next_update_plus_grace() {
        let v = view();
        let r0 = response(0, 100, T, false);
        v.apply(&signed(&r0), T).unwrap();
        assert!(v.is_fresh(r0.next_update));
        assert!(v.is_fresh(r0.next_update + GRACE));
        assert!(!v.is_fresh(r0.next_update + GRACE + 1));
    }

    #[test]
    fn a_response_already_expired_on_arrival_is_refused() {
        let r0 = response(0, 100, T, false);
        let late = r0.next_update + GRACE + 1;
        let v = view();
        assert_eq!(
            v.apply(&signed(&r0), late),
            Err(StatusViewError::Expired {
                next_update: r0.next_update,
                now: late
            })
        );
        assert_eq!(v.current(), None);
        // Its twin: at the last fresh second it is taken.
        assert_eq!(
            v.apply(&signed(&r0), r0.next_update + GRACE),
            new_epoch(0, false)
        );
    }

    #[test]
    fn superseded_roots_are_bounded() {
        let v = StatusView::new(ISSUER.into(), key().verifying_key(), u64::MAX, GRACE);
        let n = MAX_SUPERSEDED as u64 + 10;
        for e in 0..=n {
            v.apply(&signed(&response(e, 1000 + e, T, false)), T)
                .unwrap();
        }
        let roots = v.accepted_roots(T);
        assert_eq!(roots.len(), MAX_SUPERSEDED + 1);
        assert_eq!(roots[0], (n, Fr::from(1000 + n)));
        assert_eq!(v.accepts_root(&Fr::from(1000 + n - 1), T), Some(n - 1));
        assert_eq!(v.accepts_root(&Fr::from(1000u64), T), None);
    }
}
