//! Per-callsite storage: what an instrumented call touches, with no lock, no hashing and no
//! allocation after the first call.
//!
//! Every instrumented function owns one `static` [`Site`]. Its counters live in shards, each on
//! its own pair of cache lines. Threads are numbered densely (a number is reused once its thread
//! exits), and the thread numbered `n` owns shard `n` alone, so it updates it with plain loads
//! and stores instead of locked instructions, and two threads never fight over a cache line.
//! Threads numbered past the owned shards share one last shard, updated atomically. Readers sum
//! the shards.

use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, OnceLock};

use crate::buckets;
use crate::errors::table::ErrorTable;
use crate::registry;

/// What an attribute records at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `#[count_calls]`: calls, counted on entry.
    Count,
    /// `#[timed]`: a duration histogram.
    Timed,
    /// `#[monitored]`: calls, outcomes, errors, durations and calls in flight.
    Monitored,
    /// `#[retry]`: attempts (in `calls`), retries and exhausted retries.
    Retry,
}

/// How a call ended; the index into a shard's outcome counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutcomeLabel {
    /// Returned a value classified as success.
    Ok = 0,
    /// Returned a value classified as failure.
    Error = 1,
    /// Unwound with a panic.
    Panic = 2,
    /// An `async fn` whose future was dropped before it completed.
    Cancelled = 3,
}

impl OutcomeLabel {
    /// All outcomes, in label order.
    pub const ALL: [OutcomeLabel; 4] = [Self::Ok, Self::Error, Self::Panic, Self::Cancelled];

    /// The value of the `outcome` label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Panic => "panic",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The classification of a returned value, produced by the code a macro generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success.
    Ok,
    /// Failure, with the labels it is counted under.
    Error {
        /// `std::any::type_name` of the error type; shortened when exported.
        type_name: &'static str,
        /// A bounded kind: a variant name from `#[derive(ErrorKind)]`, or `"unknown"`.
        kind: &'static str,
    },
}

/// Static facts about a site, fixed at compile time.
#[derive(Debug)]
pub struct Meta {
    /// The `function` label.
    pub function: &'static str,
    /// The `module` label (`module_path!()`).
    pub module: &'static str,
    /// Source file of the function.
    pub file: &'static str,
    /// Source line of the function.
    pub line: u32,
    /// What the site records.
    pub kind: Kind,
    /// Extra labels from `labels(key = "value", ...)`, validated at compile time.
    pub labels: &'static [(&'static str, &'static str)],
}

/// A per-callsite static, declared by the code `#[count_calls]`, `#[timed]` and `#[monitored]`
/// generate.
pub struct Site {
    meta: Meta,
    cells: AtomicPtr<Cells>,
}

/// Owned counter shards per site, at least and at most; threads past them share one more.
const MIN_COUNTER_SHARDS: usize = 4;
const MAX_COUNTER_SHARDS: usize = 64;
/// The same for histogram shards, which are seven times larger.
const MIN_HIST_SHARDS: usize = 2;
const MAX_HIST_SHARDS: usize = 16;

#[repr(align(128))]
struct CounterShard {
    calls: AtomicU64,
    outcomes: [AtomicU64; 4],
    retries: AtomicU64,
    exhausted: AtomicU64,
}

#[repr(align(128))]
struct HistShard {
    sum_ns: AtomicU64,
    slots: [AtomicU64; buckets::SLOTS],
}

pub(crate) struct Cells {
    /// Owned shards, then the shared one.
    counters: Box<[CounterShard]>,
    /// Owned shards, then the shared one; empty for sites without durations.
    hist: Box<[HistShard]>,
    /// Created on the first error.
    errors: OnceLock<ErrorTable>,
}

/// Totals of one site, summed over its shards.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Snapshot {
    /// Calls counted on entry (`#[count_calls]`, `#[monitored]`).
    pub calls: u64,
    /// Completed calls by outcome, indexed by [`OutcomeLabel`] (`#[monitored]`).
    pub outcomes: [u64; 4],
    /// Duration histogram over the fixed grid (`#[timed]`, `#[monitored]`).
    pub slots: Option<Box<[u64; buckets::SLOTS]>>,
    /// Exact sum of recorded durations, in nanoseconds.
    pub sum_ns: u64,
    /// Attempts that failed and were run again (`#[retry]`).
    pub retries: u64,
    /// Calls that ran out of attempts or time and returned their last error (`#[retry]`).
    pub exhausted: u64,
}

impl Snapshot {
    /// Calls started and not yet finished; never negative, even while shards are read.
    pub fn in_flight(&self) -> u64 {
        self.calls.saturating_sub(self.outcomes.iter().sum())
    }

    /// Number of recorded durations.
    pub fn count(&self) -> u64 {
        self.slots.as_ref().map_or(0, |s| s.iter().sum())
    }
}

/// Thread numbers pick shards. A number returns to the pool when its thread exits, so the
/// threads alive at one time keep distinct small numbers and do not share a shard while there
/// are enough shards; never reusing them would let short-lived threads push two long-lived
/// ones onto the same shard.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);
static FREE_THREADS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

thread_local! {
    // const-initialised and without a destructor: reading it is one TLS load and never fails,
    // even while the thread is being torn down.
    static THREAD_INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
    // Gives the number back when the thread exits; touched once per thread.
    static RELEASE: ReleaseOnExit = const { ReleaseOnExit(Cell::new(usize::MAX)) };
}

struct ReleaseOnExit(Cell<usize>);

/// The number of a thread that owns no shard: past every owned shard, so it writes to the
/// shared one.
const UNOWNED: usize = usize::MAX - 1;

impl Drop for ReleaseOnExit {
    fn drop(&mut self) {
        let i = self.0.get();
        if i != usize::MAX {
            // The number may go to another thread now; calls made later on this one (from other
            // TLS destructors) must not write to its shards any more.
            let _ = THREAD_INDEX.try_with(|c| c.set(UNOWNED));
            if let Ok(mut free) = FREE_THREADS.lock() {
                free.push(i);
            }
        }
    }
}

#[inline]
fn thread_index() -> usize {
    THREAD_INDEX
        .try_with(|c| {
            let i = c.get();
            if i != usize::MAX {
                i
            } else {
                assign_thread_index(c)
            }
        })
        .unwrap_or(UNOWNED)
}

#[cold]
#[inline(never)]
fn assign_thread_index(cell: &Cell<usize>) -> usize {
    // Lowest free number first, so numbers stay dense.
    let reused = FREE_THREADS.lock().ok().and_then(|mut free| {
        let (pos, _) = free.iter().enumerate().min_by_key(|&(_, &n)| n)?;
        Some(free.swap_remove(pos))
    });
    let i = reused.unwrap_or_else(|| NEXT_THREAD.fetch_add(1, Relaxed));
    cell.set(i);
    if RELEASE.try_with(|r| r.0.set(i)).is_err() {
        // The thread is exiting: the number cannot be given back, which only costs a number.
    }
    i
}

/// Owned shards for this machine: the parallelism rounded up to a power of two, within bounds.
fn owned_shards(min: usize, max: usize) -> usize {
    static PARALLELISM: OnceLock<usize> = OnceLock::new();
    let n =
        *PARALLELISM.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    n.next_power_of_two().clamp(min, max)
}

/// Adds `v`. A shard's owner is its only writer, so it needs no locked instruction; readers
/// still see whole values, as every access is atomic.
#[inline]
fn add(c: &AtomicU64, v: u64, owned: bool) {
    if owned {
        c.store(c.load(Relaxed).wrapping_add(v), Relaxed);
    } else {
        c.fetch_add(v, Relaxed);
    }
}

/// The shard of thread `thread` among `shards` (owned ones, then the shared one), and whether
/// the thread owns it.
#[inline]
fn shard_of<S>(shards: &[S], thread: usize) -> Option<(&S, bool)> {
    let owned = shards.len().checked_sub(1)?;
    Some(if thread < owned {
        // SAFETY: `thread < owned < shards.len()`.
        (unsafe { shards.get_unchecked(thread) }, true)
    } else {
        // SAFETY: `owned == shards.len() - 1`.
        (unsafe { shards.get_unchecked(owned) }, false)
    })
}

impl Cells {
    fn new(kind: Kind) -> Self {
        let counters = (0..=owned_shards(MIN_COUNTER_SHARDS, MAX_COUNTER_SHARDS))
            .map(|_| CounterShard {
                calls: AtomicU64::new(0),
                outcomes: Default::default(),
                retries: AtomicU64::new(0),
                exhausted: AtomicU64::new(0),
            })
            .collect();
        let hist = if matches!(kind, Kind::Count | Kind::Retry) {
            Box::default()
        } else {
            (0..=owned_shards(MIN_HIST_SHARDS, MAX_HIST_SHARDS))
                .map(|_| HistShard {
                    sum_ns: AtomicU64::new(0),
                    slots: [const { AtomicU64::new(0) }; buckets::SLOTS],
                })
                .collect()
        };
        Cells {
            counters,
            hist,
            errors: OnceLock::new(),
        }
    }

    /// Adds one to the counter `field` picks in the shard of thread `thread`.
    #[inline]
    fn bump(&self, thread: usize, field: impl FnOnce(&CounterShard) -> &AtomicU64) {
        if let Some((shard, owned)) = shard_of(&self.counters, thread) {
            add(field(shard), 1, owned);
        }
    }

    #[inline]
    fn record_duration(&self, thread: usize, ns: u64) {
        if let Some((h, owned)) = shard_of(&self.hist, thread) {
            // SAFETY: `slot` returns at most `BOUNDS`, and `slots` has `BOUNDS + 1` entries.
            add(
                unsafe { h.slots.get_unchecked(buckets::slot(ns)) },
                1,
                owned,
            );
            add(&h.sum_ns, ns, owned);
        }
    }

    fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot {
            calls: 0,
            outcomes: [0; 4],
            slots: None,
            sum_ns: 0,
            retries: 0,
            exhausted: 0,
        };
        for c in self.counters.iter() {
            snap.calls += c.calls.load(Relaxed);
            snap.retries += c.retries.load(Relaxed);
            snap.exhausted += c.exhausted.load(Relaxed);
            for (sum, o) in snap.outcomes.iter_mut().zip(&c.outcomes) {
                *sum += o.load(Relaxed);
            }
        }
        if !self.hist.is_empty() {
            let mut slots = Box::new([0u64; buckets::SLOTS]);
            for h in self.hist.iter() {
                snap.sum_ns += h.sum_ns.load(Relaxed);
                for (sum, s) in slots.iter_mut().zip(&h.slots) {
                    *sum += s.load(Relaxed);
                }
            }
            snap.slots = Some(slots);
        }
        snap
    }
}

impl Site {
    /// A site with nothing recorded yet; `const` so it can initialise a `static`.
    pub const fn new(meta: Meta) -> Self {
        Site {
            meta,
            cells: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Static facts about this site.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    #[inline]
    fn cells(&'static self) -> &'static Cells {
        let p = self.cells.load(Acquire);
        if p.is_null() {
            self.init()
        } else {
            // SAFETY: once published, the pointer is never freed or changed.
            unsafe { &*p }
        }
    }

    #[cold]
    #[inline(never)]
    fn init(&'static self) -> &'static Cells {
        let fresh = Box::into_raw(Box::new(Cells::new(self.meta.kind)));
        let cells = match self
            .cells
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            Ok(_) => {
                registry::register(self);
                fresh
            }
            Err(winner) => {
                // SAFETY: `fresh` was never shared.
                drop(unsafe { Box::from_raw(fresh) });
                winner
            }
        };
        // SAFETY: published pointers stay valid for the life of the program.
        unsafe { &*cells }
    }

    /// Totals so far; zeros when the function has not been called yet.
    pub fn snapshot(&self) -> Snapshot {
        let p = self.cells.load(Acquire);
        if p.is_null() {
            Cells::new(self.meta.kind).snapshot()
        } else {
            // SAFETY: as in `cells`.
            unsafe { &*p }.snapshot()
        }
    }

    /// Errors returned so far: (type name, kind, count) per series.
    pub(crate) fn error_series(&self) -> Vec<(&'static str, &'static str, u64)> {
        let p = self.cells.load(Acquire);
        if p.is_null() {
            return Vec::new();
        }
        // SAFETY: as in `cells`.
        unsafe { &*p }
            .errors
            .get()
            .map(ErrorTable::series)
            .unwrap_or_default()
    }

    /// Counts one call (`#[count_calls]`), or one attempt (`#[retry]`).
    #[inline]
    pub fn count(&'static self) {
        self.cells().bump(thread_index(), |c| &c.calls);
    }

    /// Counts a retry (`#[retry]`; attempts are counted with [`Site::count`]).
    #[inline]
    pub fn retried(&'static self) {
        self.cells().bump(thread_index(), |c| &c.retries);
    }

    /// Counts a call that ran out of attempts or time (`#[retry]`).
    #[inline]
    pub fn exhausted(&'static self) {
        self.cells().bump(thread_index(), |c| &c.exhausted);
    }

    /// Starts timing a call; the duration is recorded when the guard drops (`#[timed]`).
    #[inline]
    pub fn time(&'static self) -> Timer {
        Timer {
            cells: self.cells(),
            start: quanta::Instant::now(),
        }
    }

    /// Counts a call and starts timing it; [`Call::finish`] records how it ended
    /// (`#[monitored]`).
    #[inline]
    pub fn enter(&'static self) -> Call {
        let cells = self.cells();
        cells.bump(thread_index(), |c| &c.calls);
        Call {
            cells,
            start: quanta::Instant::now(),
        }
    }
}

/// Records the duration of a `#[timed]` call when dropped, whichever way the call ends.
#[must_use = "the duration is recorded when the timer drops"]
pub struct Timer {
    cells: &'static Cells,
    start: quanta::Instant,
}

impl Drop for Timer {
    #[inline]
    fn drop(&mut self) {
        let ns = elapsed_ns(self.start);
        self.cells.record_duration(thread_index(), ns);
    }
}

/// A `#[monitored]` call in progress. [`Call::finish`] records its outcome; dropped without it,
/// the call is recorded as a panic (when unwinding) or as cancelled (an `async fn` future
/// dropped before completion).
#[must_use = "a call dropped without `finish` is recorded as a panic or a cancellation"]
pub struct Call {
    cells: &'static Cells,
    start: quanta::Instant,
}

impl Call {
    /// Records how the call ended and its duration.
    #[inline]
    pub fn finish(self, outcome: Outcome) {
        let this = ManuallyDrop::new(self);
        let thread = thread_index();
        match outcome {
            Outcome::Ok => this.record(thread, OutcomeLabel::Ok),
            Outcome::Error { type_name, kind } => {
                this.record(thread, OutcomeLabel::Error);
                this.cells
                    .errors
                    .get_or_init(|| ErrorTable::new(owned_shards(MIN_HIST_SHARDS, MAX_HIST_SHARDS)))
                    .record(thread, type_name, kind);
            }
        }
    }

    #[inline]
    fn record(&self, thread: usize, outcome: OutcomeLabel) {
        let ns = elapsed_ns(self.start);
        self.cells.record_duration(thread, ns);
        self.cells.bump(thread, |c| &c.outcomes[outcome as usize]);
    }
}

impl Drop for Call {
    #[cold]
    fn drop(&mut self) {
        let outcome = if std::thread::panicking() {
            OutcomeLabel::Panic
        } else {
            OutcomeLabel::Cancelled
        };
        self.record(thread_index(), outcome);
    }
}

#[inline]
fn elapsed_ns(start: quanta::Instant) -> u64 {
    u64::try_from(quanta::Instant::now().duration_since(start).as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::thread_index;

    #[test]
    fn a_thread_number_is_reused_after_its_thread_exits() {
        // No other unit test takes thread numbers, so nothing else can claim the freed one.
        let first = std::thread::spawn(thread_index).join().unwrap();
        let second = std::thread::spawn(thread_index).join().unwrap();
        assert_eq!(first, second);
        // Threads alive at the same time get distinct numbers.
        let here = thread_index();
        let both = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let number = || {
                let n = thread_index();
                both.wait();
                n
            };
            let a = s.spawn(number);
            let b = s.spawn(number);
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a != b && a != here && b != here, "{a} {b} {here}");
    }
}
