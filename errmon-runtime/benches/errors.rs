//! Cost of the error path, with the error value handed over as the `#[monitored]` expansion
//! will (`Call::finish_err`), and what it does to other threads' success path.
//!
//! ```text
//! cargo bench -p errmon-runtime --bench errors
//! ```
//!
//! - `error_path/stored`: an error returned with a short message, counted, formatted,
//!   grouped and stored in the ring (no rate limit, no sampling, no log subscriber);
//! - `error_path/dropped`: the same error past the per-function rate limit: counted, and
//!   dropped before any formatting (in the thread's CPU time, as the next);
//! - `error_path/dropped_two_threads`: the same while a second thread fails in the same
//!   function at full speed: what two failing threads share shows here;
//! - `bounded/distinct`: every error with a message no placeholder folds and a user of its
//!   own (a new group until the table is full, then `other` and its user sketch), everything
//!   formatted and stored; after it, the process's resident memory before and after is
//!   printed, a figure that stays flat however many millions of iterations criterion runs;
//! - `ok_path/alone` and `ok_path/beside_errors`: a successful `#[monitored]` call, alone and
//!   while another thread records errors as fast as it can. Both are timed in the measuring
//!   thread's own CPU time (on Unix), so that on a machine with fewer free cores than threads
//!   the figure shows what the errors do to the ok path (shared memory, locks, cache lines),
//!   not the time the thread waited for a core.
//!
//! `benches/compare` (a crate of its own) measures the same error with sentry's
//! `capture_error` and tracing's `#[instrument(err)]` beside `stored`.
//!
//! Targets: `stored` under 300 ns median, `dropped` at most 200 ns, `dropped_two_threads`
//! within 1.5x of `dropped`, `beside_errors` within 1.1x of `alone`.

use std::fmt;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use errmon_runtime::__private::{Failure, Kind, Meta, Outcome, Severity, Site};
use errmon_runtime::errors::{self, ErrorSettings};

#[derive(Debug)]
struct Refused;
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}
impl std::error::Error for Refused {}

/// A `#[monitored]` function that fails when `fail`.
#[errmon_runtime::monitored]
#[inline(never)]
fn failing(fail: bool) -> Result<u64, Refused> {
    if black_box(fail) { Err(Refused) } else { Ok(1) }
}

/// The same, on a site of its own that only succeeds in this bench.
#[errmon_runtime::monitored]
#[inline(never)]
fn succeeding(fail: bool) -> Result<u64, Refused> {
    if black_box(fail) { Err(Refused) } else { Ok(1) }
}

fn error_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("error_path");
    errors::configure(ErrorSettings::default().rate_limit(0).sample_above(0)).unwrap();
    g.bench_function("stored", |b| b.iter(|| failing(true)));
    // One report a second: all but the first are dropped.
    errors::configure(ErrorSettings::default().rate_limit(1)).unwrap();
    g.bench_function("dropped", |b| b.iter_custom(error_calls));
    // The same while a second thread fails in the same function as fast as it can: what the
    // two share (counters, windows, the rate gate) shows here.
    let stop = Arc::new(AtomicBool::new(false));
    let other = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Relaxed) {
                let _ = failing(true);
            }
        })
    };
    g.bench_function("dropped_two_threads", |b| b.iter_custom(error_calls));
    stop.store(true, Relaxed);
    other.join().unwrap();
    g.finish();
}

/// Failing calls, timed in the calling thread's CPU time (see `thread_cpu`).
fn error_calls(iters: u64) -> Duration {
    let start = thread_cpu();
    for _ in 0..iters {
        let _ = black_box(failing(true));
    }
    thread_cpu() - start
}

/// CPU time of the calling thread.
#[cfg(unix)]
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid out-pointer; the clock id is a constant the platform defines.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

#[cfg(not(unix))]
fn thread_cpu() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

fn ok_calls(iters: u64) -> Duration {
    let start = thread_cpu();
    for _ in 0..iters {
        let _ = black_box(succeeding(false));
    }
    thread_cpu() - start
}

/// A message no placeholder folds: `n` spelled in letters.
struct Distinct(u64);
impl fmt::Debug for Distinct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut n = self.0;
        f.write_str("failure ")?;
        loop {
            f.write_str(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"][(n % 10) as usize])?;
            n /= 10;
            if n == 0 {
                return Ok(());
            }
        }
    }
}

static INGEST: Site = Site::new(Meta::__new(
    "ingest",
    module_path!(),
    file!(),
    line!(),
    Kind::Monitored,
    &[],
));

#[inline(never)]
fn ingest(n: u64) -> Result<(), Distinct> {
    let call = INGEST.enter();
    let out = Err(Distinct(n));
    if let Outcome::Error { type_name, kind } =
        errmon_runtime::__private::predicate_outcome(&out, true, "distinct")
    {
        call.finish_err(
            type_name,
            kind,
            Failure {
                error: errmon_runtime::__private::ErrorRef::Debug(&out),
                severity: Severity::Error,
                fields: &[],
            },
        );
    }
    out
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn bounded(c: &mut Criterion) {
    let mut g = c.benchmark_group("bounded");
    errors::configure(ErrorSettings::default().rate_limit(0).sample_above(0)).unwrap();
    let before = rss_kib();
    let mut n = 0u64;
    g.bench_function("distinct", |b| {
        b.iter(|| {
            n += 1;
            errmon_runtime::context::Context::from_request_id(Some("bench"))
                .with_user_id(format!("user-{}", n % 100_000))
                .scope(|| ingest(n))
        })
    });
    g.finish();
    eprintln!(
        "bounded/distinct: {n} distinct messages; resident memory {before} KiB before, {} KiB after",
        rss_kib()
    );
}

fn ok_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("ok_path");
    g.bench_function("alone", |b| b.iter_custom(ok_calls));
    errors::configure(ErrorSettings::default().rate_limit(0).sample_above(0)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let noisy = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Relaxed) {
                let _ = failing(true);
            }
        })
    };
    g.bench_function("beside_errors", |b| b.iter_custom(ok_calls));
    stop.store(true, Relaxed);
    noisy.join().unwrap();
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30);
    targets = error_path, bounded, ok_path
}
criterion_main!(benches);
