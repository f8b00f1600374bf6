//! Per-call cost of the instrumentation, next to the baselines it is judged against.
//!
//! ```text
//! cargo bench -p errmon-runtime --bench hot_path
//! ```
//!
//! Every case runs at 1 thread and at 2 threads. The instrumented functions have trivial bodies
//! and are `#[inline(never)]` like the bare baseline, so the difference between a case and
//! `bare_fn` is what the attribute adds to a real call. At 2 threads both threads call the same
//! function (so the same `static` site) at once, and the reported figure is the mean of the two
//! threads' own elapsed times: the per-call cost per thread under sharing. The plain atomic add
//! at 2 threads shows what a single shared counter would cost; the sites shard to avoid it.
//! The two async cases poll a ready `async fn` once: `#[monitored]` as it expands, and the
//! expansion through `enter_async` and `Call::body`, which tells a cancellation from a panic.
//! A sample during which a thread waited for a core more than 5% of the time (another process
//! took it, on a small shared machine) is taken again, up to 20 times; the bench says how many
//! stayed disturbed.
//!
//! Targets: `count_calls` within 1.5x of the atomic add; `timed` within 1.3x and `monitored`
//! (ok) within 1.5x of two `Instant::now()`; each attribute at 2 threads within 1.5x of itself
//! at 1 thread.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use errmon_runtime::__private::{Classify, Kind, Meta, Site};
use errmon_runtime::{ErrorKind, count_calls, monitored, timed};

#[derive(Debug, ErrorKind)]
enum BenchError {
    Refused,
    Busy,
}

// Every body is the same `black_box(x)`: an identity body lets LLVM see through the call (it
// dropped the call to a bare `x` entirely), and the same body everywhere keeps the differences
// down to the attribute.
#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x)
}

#[count_calls]
#[inline(never)]
fn counted(x: u64) -> u64 {
    black_box(x)
}

#[timed]
#[inline(never)]
fn timed_fn(x: u64) -> u64 {
    black_box(x)
}

#[monitored]
#[inline(never)]
fn monitored_ok(x: u64) -> Result<u64, BenchError> {
    Ok(black_box(x))
}

#[monitored]
#[inline(never)]
fn monitored_err(x: u64) -> Result<u64, BenchError> {
    Err(if black_box(x) == 0 {
        BenchError::Busy
    } else {
        BenchError::Refused
    })
}

#[monitored]
#[inline(never)]
async fn monitored_async(x: u64) -> Result<u64, BenchError> {
    Ok(black_box(x))
}

static ASYNC_SITE: Site = Site::new(Meta::__new(
    "enter_async_body",
    module_path!(),
    file!(),
    line!(),
    Kind::Monitored,
    &[],
));

/// `#[monitored] async fn` written out with `enter_async` and `Call::body`.
#[inline(never)]
async fn enter_async_body(x: u64) -> Result<u64, BenchError> {
    #[allow(unused_imports)]
    use errmon_runtime::__private::{ViaAny as _, ViaErrorKind as _, ViaResult as _};
    let call = ASYNC_SITE.enter_async();
    let out: Result<u64, BenchError> = call.body(async move { Ok(black_box(x)) }).await;
    call.finish((&&&Classify(&out)).__errmon_outcome());
    out
}

/// Polls a future that is ready at once.
#[inline(always)]
fn ready<F: Future>(fut: F) -> F::Output {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("the body never waits"),
    }
}

static SHARED: AtomicU64 = AtomicU64::new(0);

/// Runs `iters` calls of one case. The same loop serves both thread counts, so they differ only
/// in who else is calling.
type Loop = fn(u64);

const CASES: [(&str, Loop); 9] = [
    ("bare_fn", |n| {
        for _ in 0..n {
            black_box(bare(black_box(1)));
        }
    }),
    ("atomic_add", |n| {
        for _ in 0..n {
            black_box(&SHARED).fetch_add(black_box(1), Relaxed);
        }
    }),
    ("two_instant_now", |n| {
        for _ in 0..n {
            black_box(Instant::now());
            black_box(Instant::now());
        }
    }),
    ("count_calls", |n| {
        for _ in 0..n {
            black_box(counted(black_box(1)));
        }
    }),
    ("timed", |n| {
        for _ in 0..n {
            black_box(timed_fn(black_box(1)));
        }
    }),
    ("monitored_ok", |n| {
        for _ in 0..n {
            let _ = black_box(monitored_ok(black_box(1)));
        }
    }),
    ("monitored_err", |n| {
        for _ in 0..n {
            let _ = black_box(monitored_err(black_box(1)));
        }
    }),
    ("monitored_async_ok", |n| {
        for _ in 0..n {
            let _ = black_box(ready(monitored_async(black_box(1))));
        }
    }),
    ("enter_async_body_ok", |n| {
        for _ in 0..n {
            let _ = black_box(ready(enter_async_body(black_box(1))));
        }
    }),
];

/// Two threads kept alive across samples, so thread start-up is never measured and each thread
/// keeps its shard for the whole run. The 1-thread case ran first on the bench's own thread,
/// which made each site's first call and so owns its compact shard; the two workers share the
/// other one until the site sees them contend (within the warm-up) and takes per-thread
/// shards. Nothing else touches a site between the workers' first calls, so they take
/// consecutive thread indices and land on different shards: the figure is the cost when the
/// sharding works as intended, not when two threads happen to share a shard.
struct Pair {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

struct Shared {
    job: Mutex<Option<(Loop, u64)>>,
    start: Barrier,
    done: Barrier,
    ready: AtomicUsize,
    elapsed_ns: [AtomicU64; 2],
    waited_ns: [AtomicU64; 2],
    stop: AtomicBool,
}

impl Pair {
    fn new() -> Self {
        let shared = Arc::new(Shared {
            job: Mutex::new(None),
            start: Barrier::new(3),
            done: Barrier::new(3),
            ready: AtomicUsize::new(0),
            elapsed_ns: Default::default(),
            waited_ns: Default::default(),
            stop: AtomicBool::new(false),
        });
        let workers = (0..2)
            .map(|i| {
                let s = shared.clone();
                std::thread::spawn(move || s.work(i))
            })
            .collect();
        Pair { shared, workers }
    }

    /// Both threads run `iters` calls at once; returns the mean of their elapsed times, and
    /// whether another process took a worker's core for a noticeable part of the run.
    fn run(&self, run: Loop, iters: u64) -> (Duration, bool) {
        let s = &*self.shared;
        *s.job.lock().unwrap() = Some((run, iters));
        s.ready.store(0, Release);
        s.start.wait();
        s.done.wait();
        let elapsed = s.elapsed_ns.each_ref().map(|e| e.load(Acquire));
        let waited = s.waited_ns.each_ref().map(|w| w.load(Acquire));
        let disturbed = elapsed
            .iter()
            .zip(waited)
            .any(|(&e, w)| is_disturbed(Duration::from_nanos(e), w));
        (
            Duration::from_nanos(elapsed.iter().sum::<u64>() / 2),
            disturbed,
        )
    }
}

impl Shared {
    fn work(&self, i: usize) {
        loop {
            self.start.wait();
            if self.stop.load(Acquire) {
                return;
            }
            let (run, iters) = self.job.lock().unwrap().expect("a job before each start");
            // The barrier wakes threads one by one; spinning here lines up their starts so the
            // two loops really overlap.
            self.ready.fetch_add(1, AcqRel);
            while self.ready.load(Acquire) < 2 {
                std::hint::spin_loop();
            }
            let waited = runqueue_wait_ns();
            let t = Instant::now();
            run(iters);
            let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let waited = runqueue_wait_ns()
                .zip(waited)
                .map_or(0, |(b, a)| b.saturating_sub(a));
            self.elapsed_ns[i].store(ns, Release);
            self.waited_ns[i].store(waited, Release);
            self.done.wait();
        }
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.shared.stop.store(true, Release);
        self.shared.start.wait();
        for w in self.workers.drain(..) {
            w.join().unwrap();
        }
    }
}

/// Time this thread has spent runnable but waiting for a core (Linux only). On a small shared
/// machine another process can take a worker's core, and two threads on one core read as twice
/// the per-call cost; this tells such samples apart from real contention.
fn runqueue_wait_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().nth(1)?.parse().ok()
}

fn hot_path(c: &mut Criterion) {
    let pair = Pair::new();
    for (name, run) in CASES {
        let mut group = c.benchmark_group(name);
        let mut one = Disturbance::default();
        group.bench_function("1_thread", |b| {
            b.iter_custom(|iters| {
                one.measure(|| {
                    let waited = runqueue_wait_ns();
                    let t = Instant::now();
                    run(iters);
                    let elapsed = t.elapsed();
                    let waited = runqueue_wait_ns()
                        .zip(waited)
                        .map_or(0, |(b, a)| b.saturating_sub(a));
                    (elapsed, is_disturbed(elapsed, waited))
                })
            });
        });
        one.report(name, "1_thread");
        let mut two = Disturbance::default();
        group.bench_function("2_threads", |b| {
            b.iter_custom(|iters| two.measure(|| pair.run(run, iters)));
        });
        group.finish();
        two.report(name, "2_threads");
    }
}

/// Whether a thread that ran for `elapsed` waited for a core for a noticeable part of it.
fn is_disturbed(elapsed: Duration, waited_ns: u64) -> bool {
    u128::from(waited_ns) * 20 > elapsed.as_nanos()
}

/// Samples whose threads waited for a core (another process took it), retried: on a small
/// shared machine two threads on one core read as twice the per-call cost, which would drown
/// the contention the 2-thread cases look for.
#[derive(Default)]
struct Disturbance {
    samples: usize,
    retried: usize,
    kept: usize,
}

impl Disturbance {
    /// Tries a sample up to `TRIES` times, until one is undisturbed.
    fn measure(&mut self, mut sample: impl FnMut() -> (Duration, bool)) -> Duration {
        const TRIES: usize = 20;
        self.samples += 1;
        for _ in 1..TRIES {
            let (elapsed, disturbed) = sample();
            if !disturbed {
                return elapsed;
            }
            self.retried += 1;
        }
        let (elapsed, disturbed) = sample();
        self.kept += usize::from(disturbed);
        elapsed
    }

    fn report(&self, name: &str, case: &str) {
        if self.kept > 0 {
            eprintln!(
                "{name}/{case}: {} of {} samples (warm-up included) stayed disturbed after \
                 retries: a thread waited for a core more than 5% of the time, and other load \
                 inflates this figure",
                self.kept, self.samples
            );
        } else if self.retried > 0 {
            eprintln!(
                "{name}/{case}: {} disturbed samples retried, none kept",
                self.retried
            );
        }
    }
}

criterion_group! {
    name = benches;
    // Short enough to run in a couple of minutes on a shared 2-core machine.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30);
    targets = hot_path
}
criterion_main!(benches);
