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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// The wall clock as of a raw reading, for [`unix_ms`]: a sequence number (odd while it is
/// written), the time in ns since the Unix epoch, and the raw reading taken with it.
static ANCHOR_SEQ: AtomicU64 = AtomicU64::new(0);
static ANCHOR_UNIX_NS: AtomicU64 = AtomicU64::new(0);
static ANCHOR_RAW: AtomicU64 = AtomicU64::new(0);

/// Reads the wall clock again for [`unix_ms`]. Called when the clock is first read and by
/// the history's sampler every 10 s, so the wall clock's own adjustments (NTP slews it by at
/// most 0.5 ms a second) move a timestamp by a few milliseconds at most.
pub(crate) fn anchor() {
    let unix_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let raw = raw();
    static WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = WRITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let seq = ANCHOR_SEQ.fetch_add(1, Ordering::AcqRel);
    ANCHOR_UNIX_NS.store(unix_ns, Ordering::Release);
    ANCHOR_RAW.store(raw, Ordering::Release);
    ANCHOR_SEQ.store(seq.wrapping_add(2), Ordering::Release);
}

/// Milliseconds since the Unix epoch, from the monotonic clock and the wall clock's last
/// [`anchor`]: one raw reading instead of a `SystemTime::now()`, on the error path of every
/// report.
pub(crate) fn unix_ms() -> u64 {
    unix_ms_after(raw(), 0)
}

/// [`unix_ms`] at `ns` after the raw reading `start`: when a call that started at `start`
/// ended, without reading the clock again.
pub(crate) fn unix_ms_after(start: u64, ns: u64) -> u64 {
    if ANCHOR_SEQ.load(Ordering::Acquire) == 0 {
        anchor();
    }
    loop {
        let before = ANCHOR_SEQ.load(Ordering::Acquire);
        let (unix_ns, at) = (
            ANCHOR_UNIX_NS.load(Ordering::Acquire),
            ANCHOR_RAW.load(Ordering::Acquire),
        );
        if before % 2 == 0 && ANCHOR_SEQ.load(Ordering::Acquire) == before {
            let clock = clock();
            // A call may have started before the anchor was last taken.
            let start_ns = if start >= at {
                unix_ns.saturating_add(clock.delta_as_nanos(at, start))
            } else {
                unix_ns.saturating_sub(clock.delta_as_nanos(start, at))
            };
            return start_ns.saturating_add(ns) / 1_000_000;
        }
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_s_end_is_its_start_plus_its_duration_across_an_anchor() {
        let start = raw();
        std::thread::sleep(Duration::from_millis(5));
        anchor();
        let ns = elapsed_ns(start);
        let now = unix_ms();
        let end = unix_ms_after(start, ns);
        assert!(end.abs_diff(now) <= 1, "{end} vs {now}");
    }

    #[test]
    fn the_derived_wall_clock_follows_the_system_clock() {
        let system = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let before = system(SystemTime::now());
        let derived = unix_ms();
        let after = system(SystemTime::now());
        assert!(
            (before..=after + 1).contains(&derived),
            "{before} {derived} {after}"
        );
        anchor();
        assert!(unix_ms() >= before);
    }

    #[test]
    fn both_readings_measure_a_sleep() {
        let (raw_start, start) = (raw(), now());
        std::thread::sleep(Duration::from_millis(2));
        assert!(elapsed_ns(raw_start) >= 2_000_000);
        assert!(elapsed(start) >= Duration::from_millis(2));
    }
}
