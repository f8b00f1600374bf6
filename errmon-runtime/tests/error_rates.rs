//! Rates over 1, 5 and 15 minutes, per function, per group and in total, with the clock
//! injected: errors per second and errors per finished call, from the history.

#[macro_use]
mod support;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errmon_runtime::errors::{self, ErrorSettings};
use support::{counts, groups};

/// A whole number of 10-second intervals, so the test can say which interval each call is in.
const T0: u64 = 1_800_000_000_000;
static NOW: AtomicU64 = AtomicU64::new(T0);

fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(NOW.load(Relaxed))
}

/// Moves the injected clock, and samples the history there, as errmon's scheduler does
/// every 10 s.
fn at(secs: u64) {
    NOW.store(T0 + secs * 1000, Relaxed);
    errmon_runtime::history::sample();
}

#[derive(Debug)]
struct Failed;
impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("upstream failed")
    }
}
impl std::error::Error for Failed {}

monitored_by_hand! {
    fn rated(fail: bool) -> Result<(), Failed> {
        if fail { Err(Failed) } else { Ok(()) }
    }
}

fn calls(errors: usize, oks: usize) {
    for _ in 0..errors {
        let _ = rated(true);
    }
    for _ in 0..oks {
        let _ = rated(false);
    }
}

#[test]
fn windows_follow_the_injected_clock() {
    errors::configure(ErrorSettings::default().clock(clock).rate_limit(0)).unwrap();
    at(0);
    calls(4, 4);
    at(200);
    calls(2, 6);
    at(580);
    calls(1, 1);

    at(600);
    let f = counts("rated").unwrap();
    let count: Vec<u64> = f.rates.iter().map(|r| r.count).collect();
    // 1 and 5 minutes back reach only the call at 580 s; 15 minutes reach all seven errors.
    assert_eq!(count, [1, 1, 7]);
    assert_eq!(f.rates[0].per_second, 1.0 / 60.0);
    assert_eq!(f.rates[2].per_second, 7.0 / 900.0);
    // Errors per finished call: 1 of the 2 calls since 580 s, 7 of all 18.
    let ratios: Vec<Option<f64>> = f.rates.iter().map(|r| r.error_ratio).collect();
    assert_eq!(ratios, [Some(0.5), Some(0.5), Some(7.0 / 18.0)]);

    // The total is this one function's, as it is the only one that ever failed here.
    let snap = errmon_runtime::errors::snapshot();
    assert_eq!(snap.rates.map(|r| r.count), [1, 1, 7]);
    assert_eq!(
        snap.rates.map(|r| r.error_ratio),
        [Some(0.5), Some(0.5), Some(7.0 / 18.0)]
    );
    let g = &groups("rated")[0];
    assert_eq!(g.rates.map(|r| r.count), [1, 1, 7]);
    assert_eq!((g.first_seen_ms, g.last_seen_ms), (T0, T0 + 580_000));

    // Sixteen quiet minutes later the windows are empty; the totals are not.
    at(600 + 16 * 60);
    let f = counts("rated").unwrap();
    assert_eq!(f.rates.map(|r| r.count), [0, 0, 0]);
    assert_eq!(f.errors, 7);
    assert_eq!(
        errmon_runtime::errors::snapshot()
            .first_seen_ms
            .zip(errmon_runtime::errors::snapshot().last_seen_ms),
        Some((T0, T0 + 580_000))
    );
}
