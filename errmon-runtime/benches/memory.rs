//! Memory for 10,000 `#[monitored]` functions, at several shard counts.
//!
//! ```text
//! cargo bench -p errmon-runtime --bench memory
//! ```
//!
//! The bench runs itself once per shard count (`ERRMON_SHARDS` = 2, 16, 64: what a machine with
//! that many cores gets), so the figure for a 64-core machine can be measured on a small one. A
//! counting global allocator reports the bytes errmon holds, which is exact where the RSS is
//! not. Each run:
//!
//! 1. lists every site (`sites::all()`, as the first scrape does): the registry's cost;
//! 2. calls each function now and then from a few threads: 4 threads call every function 4
//!    times each, starting a quarter of the functions apart so that no two are in one function
//!    at once, and each function returns one error;
//! 3. makes 20 of the functions hot and contended: 4 threads call each of them at once, in
//!    rounds of 20 ms until it takes per-thread shards (at most 50 rounds: on a loaded
//!    machine the threads may not overlap), returning an error now and then.
//!
//! It then checks that the snapshots still add up to every call and error, and prints the
//! bytes per function of each step (for step 3, per site that took per-thread shards). Target: 10,000 functions called now and then take under 40 MB at
//! 64 shards.
//!
//! A last run keeps an hour of history for the 10,000 functions, all active in every 10 s
//! interval, on an injected clock (see `measure_history`). Targets: under 40 MB of history
//! after the hour, nothing but the last totals left an hour after the last call, and a
//! sampling pass under 5 ms.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::Command;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use errmon_runtime::{ErrorKind, sites};

/// Counts the bytes live on the heap.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's arguments.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            LIVE.fetch_add(new_size, Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    isize::try_from(LIVE.load(Relaxed)).unwrap_or(isize::MAX)
}

#[derive(Debug, ErrorKind)]
enum BenchError {
    Busy,
}

type Function = fn(u64) -> Result<u64, BenchError>;

/// 100 module or function names, handed to `$then`.
macro_rules! hundred {
    ($then:ident) => {
        $then!(f00 f01 f02 f03 f04 f05 f06 f07 f08 f09 f10 f11 f12 f13 f14 f15 f16 f17 f18 f19 f20 f21 f22 f23 f24 f25 f26 f27 f28 f29 f30 f31 f32 f33 f34 f35 f36 f37 f38 f39 f40 f41 f42 f43 f44 f45 f46 f47 f48 f49 f50 f51 f52 f53 f54 f55 f56 f57 f58 f59 f60 f61 f62 f63 f64 f65 f66 f67 f68 f69 f70 f71 f72 f73 f74 f75 f76 f77 f78 f79 f80 f81 f82 f83 f84 f85 f86 f87 f88 f89 f90 f91 f92 f93 f94 f95 f96 f97 f98 f99);
    };
}

/// 100 monitored functions in the current module, listed in `ALL`.
macro_rules! functions {
    ($($f:ident)*) => {
        $(
            #[errmon_runtime::monitored]
            pub(crate) fn $f(x: u64) -> Result<u64, crate::BenchError> {
                if x == 3 { return Err(crate::BenchError::Busy) }
                // Long enough, for large `x`, to land in another duration bucket.
                for _ in 0..x / 16 {
                    std::hint::black_box(());
                }
                Ok(std::hint::black_box(x))
            }
        )*
        pub(crate) const ALL: [crate::Function; 100] = [$($f),*];
    };
}

/// 100 modules of 100 functions each, listed in `ALL`.
macro_rules! modules {
    ($($m:ident)*) => {
        $(
            mod $m {
                hundred!(functions);
            }
        )*
        const ALL: [[Function; 100]; 100] = [$($m::ALL),*];
    };
}

mod generated {
    use super::Function;
    modules!(m00 m01 m02 m03 m04 m05 m06 m07 m08 m09 m10 m11 m12 m13 m14 m15 m16 m17 m18 m19 m20 m21 m22 m23 m24 m25 m26 m27 m28 m29 m30 m31 m32 m33 m34 m35 m36 m37 m38 m39 m40 m41 m42 m43 m44 m45 m46 m47 m48 m49 m50 m51 m52 m53 m54 m55 m56 m57 m58 m59 m60 m61 m62 m63 m64 m65 m66 m67 m68 m69 m70 m71 m72 m73 m74 m75 m76 m77 m78 m79 m80 m81 m82 m83 m84 m85 m86 m87 m88 m89 m90 m91 m92 m93 m94 m95 m96 m97 m98 m99);
    pub(crate) fn all() -> impl Iterator<Item = Function> {
        ALL.into_iter().flatten()
    }
}

const FUNCTIONS: usize = 10_000;
const THREADS: usize = 4;
const ROUNDS: usize = 4;
const HOT: usize = 20;
const HOT_FOR: Duration = Duration::from_millis(20);
const HOT_ROUNDS: usize = 50;

/// Bytes live before and after each step, in one process with one `ERRMON_SHARDS`.
fn measure() {
    let functions: Vec<Function> = generated::all().collect();
    assert_eq!(functions.len(), FUNCTIONS);
    let start = live();

    let listed = sites::all().len();
    assert!(listed >= FUNCTIONS, "{listed} sites");
    let registered = live();

    std::thread::scope(|s| {
        for t in 0..THREADS {
            let functions = &functions;
            s.spawn(move || {
                for round in 0..ROUNDS {
                    for i in 0..FUNCTIONS {
                        let f = functions[(i + t * FUNCTIONS / THREADS) % FUNCTIONS];
                        // One error per function: thread 0's first round.
                        let x = if t == 0 && round == 0 { 3 } else { 1 };
                        let _ = black_box(f(black_box(x)));
                    }
                }
            });
        }
    });
    let quiet = live();

    let together = Barrier::new(THREADS);
    let (hot_calls, hot_errors) = (AtomicU64::new(0), AtomicU64::new(0));
    let (before, spread, done) = (
        AtomicIsize::new(0),
        AtomicUsize::new(0),
        AtomicBool::new(false),
    );
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let (functions, together) = (&functions, &together);
            let (hot_calls, hot_errors) = (&hot_calls, &hot_errors);
            let (before, spread, done) = (&before, &spread, &done);
            s.spawn(move || {
                for &f in &functions[..HOT] {
                    if together.wait().is_leader() {
                        before.store(live(), Relaxed);
                        done.store(false, Relaxed);
                    }
                    // In rounds until the site took per-thread shards (its bytes grew): on a
                    // loaded machine the threads may not overlap in every round.
                    for _ in 0..HOT_ROUNDS {
                        together.wait();
                        let until = Instant::now() + HOT_FOR;
                        let mut x = 0;
                        while Instant::now() < until {
                            for _ in 0..1000 {
                                x += 1;
                                if black_box(f(black_box(x % 64))).is_err() {
                                    hot_errors.fetch_add(1, Relaxed);
                                }
                            }
                        }
                        hot_calls.fetch_add(x, Relaxed);
                        if together.wait().is_leader() && live() > before.load(Relaxed) {
                            spread.fetch_add(1, Relaxed);
                            done.store(true, Relaxed);
                        }
                        together.wait();
                        if done.load(Relaxed) {
                            break;
                        }
                    }
                }
            });
        }
    });
    let hot = live();

    let calls: u64 = sites::all().iter().map(|s| s.snapshot().calls).sum();
    let expected = (FUNCTIONS * THREADS * ROUNDS) as u64 + hot_calls.load(Relaxed);
    assert_eq!(calls, expected, "snapshots add up to every call");
    let errors: u64 = sites::error_series().iter().map(|e| e.count).sum();
    assert_eq!(
        errors,
        FUNCTIONS as u64 + hot_errors.load(Relaxed),
        "errors add up"
    );

    let spread = spread.load(Relaxed);
    println!(
        "RESULT registry={} quiet={} hot={} spread={spread}",
        (registered - start) / FUNCTIONS as isize,
        (quiet - registered) / FUNCTIONS as isize,
        (hot - quiet) / spread.max(1) as isize,
    );
}

/// The injected clock of the history step, in ms since the Unix epoch.
static NOW_MS: AtomicU64 = AtomicU64::new(1_800_000_000_000);

fn clock() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_millis(NOW_MS.load(Relaxed))
}

/// An hour of history for 10,000 functions all active: every 10 s on an injected clock, each
/// function is called four times (durations in three or four buckets, an error in one
/// interval of four) and the history sampled, as the scheduler would. Prints the bytes the
/// history holds after the hour, the bytes left an hour after the last call, and the median
/// and worst sampling pass.
fn measure_history() {
    use errmon_runtime::errors::{self, ErrorSettings};
    let functions: Vec<Function> = generated::all().collect();
    errors::configure(ErrorSettings::default().clock(clock).rate_limit(1)).unwrap();
    // Every function called and failed once first: their shards and error tables are what
    // calling them costs without a history (the rest of this bench measures that).
    for f in &functions {
        let _ = black_box(f(black_box(3)));
    }
    errmon_runtime::history::sample();
    let start = live();
    let mut passes = Vec::with_capacity(360);
    for interval in 0..360u64 {
        NOW_MS.fetch_add(10_000, Relaxed);
        for (i, f) in functions.iter().enumerate() {
            let fail = (i as u64 + interval) % 4 == 0;
            for x in [1, 500, 2_000, if fail { 3 } else { 8_000 }] {
                let _ = black_box(f(black_box(x)));
            }
        }
        let t = Instant::now();
        errmon_runtime::history::sample();
        passes.push(t.elapsed());
    }
    let hour = live();
    let records = errmon_runtime::history::record_bytes();
    // An hour later, nothing called since.
    let mut quiet = Vec::with_capacity(361);
    for _ in 0..361 {
        NOW_MS.fetch_add(10_000, Relaxed);
        let t = Instant::now();
        errmon_runtime::history::sample();
        quiet.push(t.elapsed());
    }
    let idle = live();
    passes.sort();
    quiet.sort();
    println!(
        "RESULT hour={} records={records} idle={} median_us={} max_us={} quiet_us={}",
        hour - start,
        idle - start,
        passes[passes.len() / 2].as_micros(),
        passes[passes.len() - 1].as_micros(),
        quiet[quiet.len() / 2].as_micros(),
    );
}

fn main() {
    if std::env::var_os("ERRMON_MEMORY_BENCH_CHILD").is_some() {
        measure();
        return;
    }
    if std::env::var_os("ERRMON_MEMORY_BENCH_HISTORY").is_some() {
        measure_history();
        return;
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    println!("Memory per function, 10,000 #[monitored] functions (bytes errmon allocates)\n");
    println!(
        "| ERRMON_SHARDS | registry | called now and then | total, 10,000 functions | hot and contended (extra) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for shards in [2, 16, 64] {
        let out = Command::new(&exe)
            .env("ERRMON_SHARDS", shards.to_string())
            .env("ERRMON_MEMORY_BENCH_CHILD", "1")
            .output()
            .expect("the bench runs itself");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "run at {shards} shards failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .expect("a RESULT line");
        let field = |name: &str| -> isize {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .expect("a field")
        };
        let (registry, quiet, hot) = (field("registry"), field("quiet"), field("hot"));
        let spread = field("spread");
        println!(
            "| {shards} | {registry} B | {quiet} B | {:.1} MB | {hot} B ({spread} of {HOT} sites) |",
            ((registry + quiet) * FUNCTIONS as isize) as f64 / 1e6
        );
    }

    let out = Command::new(&exe)
        .env("ERRMON_MEMORY_BENCH_HISTORY", "1")
        .output()
        .expect("the bench runs itself");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the history run failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .expect("a RESULT line");
    let field = |name: &str| -> i64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .expect("a field")
    };
    println!("\nHistory of 10,000 functions, all active for an hour (10 s and 1 min records)\n");
    println!(
        "| after the hour | of it, records | an hour after the last call | sampling pass, median | worst | pass with none called |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {:.1} MB | {:.1} MB | {:.2} MB ({} B per function) | {:.2} ms | {:.2} ms | {:.2} ms |",
        field("hour") as f64 / 1e6,
        field("records") as f64 / 1e6,
        field("idle") as f64 / 1e6,
        field("idle") / FUNCTIONS as i64,
        field("median_us") as f64 / 1e3,
        field("max_us") as f64 / 1e3,
        field("quiet_us") as f64 / 1e3,
    );
}
