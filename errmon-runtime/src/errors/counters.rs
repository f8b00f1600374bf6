//! The counting half of the tracker, without a lock: every error, panic and retry exhaustion
//! is counted here (totals, per function, per severity; windows are read from `history`,
//! which samples the sites' own counters, so nothing here is written per interval) and the
//! per-function and process-wide report budgets are checked here, with atomics only. An error
//! whose report is then dropped never takes a lock; threads failing in the same function at
//! once contend on a few atomic counters, not on a mutex.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering::*};

use super::report::Severity;
use super::snapshot::DropReason;
use crate::common::thread::thread_index;
use crate::registry::Site;

const LOW: u64 = 0xffff_ffff;

const fn pack(high: u64, low: u64) -> u64 {
    (high & LOW) << 32 | (low & LOW)
}

const fn unpack(v: u64) -> (u64, u64) {
    (v >> 32, v & LOW)
}

/// At most `per_second` admissions in each second of the clock (`0`: no limit). Once the
/// second's budget is spent, refusing is one load.
#[derive(Debug)]
pub(crate) struct RateGate(AtomicU64);

impl RateGate {
    pub(crate) const fn new() -> Self {
        RateGate(AtomicU64::new(0))
    }

    pub(crate) fn admit(&self, per_second: u32, now_ms: u64) -> bool {
        if per_second == 0 {
            return true;
        }
        let second = (now_ms / 1000) & LOW;
        let mut cur = self.0.load(Relaxed);
        loop {
            let (at, n) = unpack(cur);
            let new = if at < second {
                pack(second, 1)
            } else if n < u64::from(per_second) {
                pack(at, n + 1)
            } else {
                return false;
            };
            match self.0.compare_exchange_weak(cur, new, Relaxed, Relaxed) {
                Ok(_) => return true,
                Err(seen) => cur = seen,
            }
        }
    }
}

/// What one function (or, with `site: None`, everything outside instrumented functions)
/// counted.
#[derive(Debug)]
pub(crate) struct FnCounters {
    pub(crate) site: Option<&'static Site>,
    pub(crate) errors: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) exhausted: AtomicU64,
    /// `u64::MAX` until the first event.
    pub(crate) first_ms: AtomicU64,
    pub(crate) last_ms: AtomicU64,
    pub(crate) gate: RateGate,
}

impl FnCounters {
    const fn new(site: Option<&'static Site>) -> Self {
        FnCounters {
            site,
            errors: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            exhausted: AtomicU64::new(0),
            first_ms: AtomicU64::new(u64::MAX),
            last_ms: AtomicU64::new(0),
            gate: RateGate::new(),
        }
    }

    pub(crate) fn seen(&self, now_ms: u64) {
        // Loads first: both change rarely (the first once, the last once per millisecond at
        // most), and a read-mostly cache line is cheap to share between failing threads.
        if now_ms < self.first_ms.load(Relaxed) {
            self.first_ms.fetch_min(now_ms, Relaxed);
        }
        if now_ms > self.last_ms.load(Relaxed) {
            self.last_ms.fetch_max(now_ms, Relaxed);
        }
    }

    /// First and last event, if any.
    pub(crate) fn span(&self) -> Option<(u64, u64)> {
        let first = self.first_ms.load(Relaxed);
        (first != u64::MAX).then(|| (first, self.last_ms.load(Relaxed)))
    }
}

/// Functions with their own counters; past this many erring functions, further ones are
/// counted together with the errors outside instrumented functions.
const TABLE: usize = 4096;

static FUNCTIONS: [AtomicPtr<FnCounters>; TABLE] =
    [const { AtomicPtr::new(ptr::null_mut()) }; TABLE];
/// Panics outside instrumented functions, and functions past the table's capacity.
static UNATTRIBUTED: FnCounters = FnCounters::new(None);

/// The counters of `site`, made on its first error (and never freed: one per erring
/// function of the program).
pub(crate) fn function(site: Option<&'static Site>) -> &'static FnCounters {
    let Some(site) = site else {
        return &UNATTRIBUTED;
    };
    let addr = ptr::from_ref(site) as usize as u64;
    let start = (addr.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize % TABLE;
    let mut fresh: Option<Box<FnCounters>> = None;
    for i in 0..TABLE {
        let slot = &FUNCTIONS[(start + i) % TABLE];
        let mut p = slot.load(Acquire);
        if p.is_null() {
            let new = Box::into_raw(
                fresh
                    .take()
                    .unwrap_or_else(|| Box::new(FnCounters::new(Some(site)))),
            );
            match slot.compare_exchange(ptr::null_mut(), new, AcqRel, Acquire) {
                Ok(_) => p = new,
                Err(winner) => {
                    // SAFETY: `new` was never shared.
                    fresh = Some(unsafe { Box::from_raw(new) });
                    p = winner;
                }
            }
        }
        // SAFETY: published pointers are never freed or changed.
        let counters = unsafe { &*p };
        if counters.site.is_some_and(|s| ptr::eq(s, site)) {
            return counters;
        }
    }
    &UNATTRIBUTED
}

/// Every function's counters so far, the unattributed ones last if used.
pub(crate) fn functions() -> impl Iterator<Item = &'static FnCounters> {
    FUNCTIONS
        .iter()
        .filter_map(|slot| {
            let p = slot.load(Acquire);
            // SAFETY: as in `function`.
            (!p.is_null()).then(|| unsafe { &*p })
        })
        .chain(UNATTRIBUTED.span().map(|_| &UNATTRIBUTED))
}

/// Stripes of the dropped-report counters: threads failing at once past the rate limit each
/// add to their own stripe, on cache lines of its own, and a read sums them.
const STRIPES: usize = 16;

#[repr(align(128))]
#[derive(Debug)]
struct Stripe([AtomicU64; DropReason::ALL.len()]);

/// Reports dropped, by reason, striped by thread.
#[derive(Debug)]
pub(crate) struct Dropped([Stripe; STRIPES]);

impl Dropped {
    const fn new() -> Self {
        Dropped([const { Stripe([const { AtomicU64::new(0) }; DropReason::ALL.len()]) }; STRIPES])
    }

    pub(crate) fn add(&self, reason: DropReason) {
        let stripe = &self.0[thread_index() % STRIPES];
        stripe.0[reason as usize].fetch_add(1, Relaxed);
    }

    pub(crate) fn total(&self, reason: DropReason) -> u64 {
        self.0
            .iter()
            .map(|s| s.0[reason as usize].load(Relaxed))
            .sum()
    }
}

/// Process-wide counts.
#[derive(Debug)]
pub(crate) struct Totals {
    pub(crate) all: FnCounters,
    pub(crate) severities: [AtomicU64; Severity::ALL.len()],
    pub(crate) dropped: Dropped,
    pub(crate) sampler: RateGate,
}

pub(crate) static TOTALS: Totals = Totals {
    all: FnCounters::new(None),
    severities: [const { AtomicU64::new(0) }; Severity::ALL.len()],
    dropped: Dropped::new(),
    sampler: RateGate::new(),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_admit_their_share_per_second() {
        let g = RateGate::new();
        assert_eq!((0..10).filter(|_| g.admit(5, 1_000)).count(), 5);
        assert!(!g.admit(5, 1_999));
        assert!(g.admit(5, 2_000));
        assert!(RateGate::new().admit(0, 0));
    }
}
