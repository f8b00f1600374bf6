//! The one clock every errmon path reads.
//!
//! `quanta::Instant::now()` first looks for a clock override in a thread-local of quanta's. In
//! a thread-local destructor that thread-local may already be gone, and reading it panics,
//! which aborts the process (issue 6, fault 12): an instrumented function called from a
//! per-thread connection's `Drop` would take the application down. One process-wide
//! `quanta::Clock` in a `static` touches no thread-local, and skipping the override lookup
//! makes a clock read cheaper too.
//!
//! Calibrating a TSC clock takes a while, once per process: quanta keeps the calibration in a
//! global that every `Clock::new` reuses, so `install()` reading quanta's clock once calibrates
//! this one too.
//!
//! Calls keep the clock's raw reading (a TSC count where there is one) and scale only the
//! difference, once, when they end.

use std::sync::OnceLock;
use std::time::Duration;

static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

#[inline]
fn clock() -> &'static quanta::Clock {
    CLOCK.get_or_init(quanta::Clock::new)
}

/// Calibrates the clock now, so the first instrumented call does not pay for it.
#[cfg_attr(
    not(feature = "server"),
    allow(dead_code, reason = "only install() warms up")
)]
pub(crate) fn warm_up() {
    let _ = clock();
}

/// A raw reading, for [`elapsed_ns`]; not in any unit.
#[inline]
pub(crate) fn raw() -> u64 {
    clock().raw()
}

/// Nanoseconds since the raw reading `start`; zero if the clock seems to have gone back.
#[inline]
pub(crate) fn elapsed_ns(start: u64) -> u64 {
    let clock = clock();
    clock.delta_as_nanos(start, clock.raw())
}

/// The current time, for code that keeps an `Instant` (retry budgets).
#[inline]
pub(crate) fn now() -> quanta::Instant {
    clock().now()
}

/// Time since `start`, a value of [`now`].
#[inline]
pub(crate) fn elapsed(start: quanta::Instant) -> Duration {
    now().saturating_duration_since(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_readings_measure_a_sleep() {
        let (raw_start, start) = (raw(), now());
        std::thread::sleep(Duration::from_millis(2));
        assert!(elapsed_ns(raw_start) >= 2_000_000);
        assert!(elapsed(start) >= Duration::from_millis(2));
    }
}
