//! The shards a site's counters live in, and when a site takes per-thread ones.
//!
//! Most functions are called now and then, from a few threads; a few are hot on many. Shards
//! for every thread at every site would make memory grow with the core count for nothing
//! (about 31 KB per function on 64 cores), so a site starts compact, with two shards, each on
//! its own cache lines:
//!
//! - the *owner's*: the thread that made the first call writes it alone, with plain loads and
//!   stores instead of locked instructions (a function hot on one thread costs what it would
//!   with a shard per thread);
//! - the *shared* one, which every other thread updates with a compare-exchange.
//!
//! A failed compare-exchange is the cheap sign of contention: another thread wrote the same
//! counter between this thread's load and its exchange. After [`CONTENDED_AFTER`] of them
//! within [`CONTENTION_WINDOW_MS`] (two threads on a busy function fail that often in
//! microseconds; functions called now and then almost never collide twice within it), or
//! once one shared counter is written very often ([`BUSY_EVERY`]), the site allocates
//! per-thread shards, once ([`shard_count`](super::shard_count) says how
//! many): thread `n` then owns shard `n`, and threads past them keep to the shared shard.
//! Readers sum every shard, compact and per-thread, so totals stay exact across the switch.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering::*};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Severity;
use super::error_table::ErrorTable;
use super::grid;
use super::shard_count;
use super::snapshot::Snapshot;
use super::view::Kind;
use crate::common::once::{OnceBox, OnceSlice};
use crate::common::thread::{NOT_NUMBERED, UNOWNED, thread_index};

/// Failed compare-exchanges on the shared shard, within [`CONTENTION_WINDOW_MS`], after which
/// a site takes per-thread shards.
pub(crate) const CONTENDED_AFTER: u32 = 8;

/// See [`CONTENDED_AFTER`].
pub(crate) const CONTENTION_WINDOW_MS: u64 = 10;

/// A shared counter reaching a multiple of this twice within [`BUSY_WINDOW_MS`] (655,360
/// writes a second) also makes a site take per-thread shards: threads that take turns on one
/// core never collide, yet each would pay a locked instruction per write.
pub(crate) const BUSY_EVERY: u64 = 1 << 16;

/// See [`BUSY_EVERY`].
pub(crate) const BUSY_WINDOW_MS: u64 = 100;

#[repr(align(128))]
pub(crate) struct CounterShard {
    pub(crate) calls: AtomicU64,
    pub(crate) outcomes: [AtomicU64; 4],
    pub(crate) retries: AtomicU64,
    pub(crate) exhausted: AtomicU64,
}

impl CounterShard {
    const fn zero() -> Self {
        CounterShard {
            calls: AtomicU64::new(0),
            outcomes: [const { AtomicU64::new(0) }; 4],
            retries: AtomicU64::new(0),
            exhausted: AtomicU64::new(0),
        }
    }
}

#[repr(align(128))]
struct HistShard {
    sum_ns: AtomicU64,
    slots: [AtomicU64; grid::SLOTS],
}

impl HistShard {
    const fn zero() -> Self {
        HistShard {
            sum_ns: AtomicU64::new(0),
            slots: [const { AtomicU64::new(0) }; grid::SLOTS],
        }
    }

    /// The count of the slot a duration of `ns` falls in, without a bounds check (so without
    /// a panic path).
    #[inline]
    fn slot_of(&self, ns: u64) -> &AtomicU64 {
        // SAFETY: `grid::slot` returns at most `BOUNDS`, and `slots` has `BOUNDS + 1` entries.
        unsafe { self.slots.get_unchecked(grid::slot(ns)) }
    }
}

/// The owner's compact shard, then the shared one.
const OWNER: usize = 0;
const SHARED: usize = 1;

/// What a site records into, allocated on its first call.
pub(crate) struct Cells {
    /// The number of the thread that made the first call, or [`NOT_NUMBERED`] when it had
    /// none: the only writer of the owner's shards.
    owner: usize,
    counters: [CounterShard; 2],
    /// Empty for sites without durations.
    hist: Box<[HistShard]>,
    /// Per-thread shards, once the site is contended.
    spread_counters: OnceSlice<CounterShard>,
    spread_hist: OnceSlice<HistShard>,
    contention: Contention,
    errors: OnceBox<ErrorTable>,
}

impl std::fmt::Debug for Cells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cells")
            .field("owner", &self.owner)
            .field("per_thread", &self.is_spread())
            .finish_non_exhaustive()
    }
}

/// Adds `v` to a counter this thread alone writes: no locked instruction is needed, and
/// readers still see whole values, as every access is atomic.
#[inline]
fn add_owned(c: &AtomicU64, v: u64) {
    c.store(c.load(Relaxed).wrapping_add(v), Relaxed);
}

/// What a write to a compact site's shared shard saw.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Nothing,
    /// Another thread got in between (the compare-exchange failed at least once).
    Contention,
    /// The counter reached a multiple of [`BUSY_EVERY`].
    Mark,
}

/// Adds `v` to a counter other threads write too.
#[inline]
fn add_shared(c: &AtomicU64, v: u64) -> Seen {
    let mut seen = c.load(Relaxed);
    let mut contended = false;
    // Strong, not weak: a spurious failure would read as contention.
    while let Err(now) = c.compare_exchange(seen, seen.wrapping_add(v), Relaxed, Relaxed) {
        seen = now;
        contended = true;
    }
    if contended {
        Seen::Contention
    } else if seen.wrapping_add(v) % BUSY_EVERY == 0 {
        Seen::Mark
    } else {
        Seen::Nothing
    }
}

/// Where a thread's write goes.
enum Place<'a, S> {
    /// A shard this thread alone writes.
    Owned(&'a S),
    /// The shared shard while the site is compact: watch for contention.
    Compact(&'a S),
    /// The shared shard of a site with per-thread shards.
    Overflow(&'a S),
}

impl Cells {
    /// Cells for a site of `kind` whose first call runs on thread `owner`.
    pub(crate) fn new(kind: Kind, owner: usize) -> Self {
        let hist_len = if kind.has_durations() { 2 } else { 0 };
        Cells {
            // An exiting thread shares its number with every other exiting thread.
            owner: if owner == UNOWNED {
                NOT_NUMBERED
            } else {
                owner
            },
            counters: [CounterShard::zero(), CounterShard::zero()],
            hist: (0..hist_len).map(|_| HistShard::zero()).collect(),
            spread_counters: OnceSlice::new(shard_count::counter_shards()),
            spread_hist: OnceSlice::new(if kind.has_durations() {
                shard_count::hist_shards()
            } else {
                0
            }),
            contention: Contention::new(),
            errors: OnceBox::new(),
        }
    }

    /// Whether the site took per-thread shards.
    pub(crate) fn is_spread(&self) -> bool {
        self.spread_counters.is_published() || self.spread_hist.is_published()
    }

    #[inline]
    fn place<'a, S>(
        &self,
        thread: usize,
        compact: &'a [S],
        spread: &'a OnceSlice<S>,
    ) -> Option<Place<'a, S>> {
        if thread == self.owner {
            return compact.get(OWNER).map(Place::Owned);
        }
        match spread.lookup(thread) {
            Ok(shard) => Some(Place::Owned(shard)),
            Err(published) => {
                let shared = compact.get(SHARED)?;
                Some(if published {
                    Place::Overflow(shared)
                } else {
                    Place::Compact(shared)
                })
            }
        }
    }

    /// Adds one to the counter `field` picks in the shard of thread `thread`.
    #[inline]
    pub(crate) fn bump(&self, thread: usize, field: impl Fn(&CounterShard) -> &AtomicU64) {
        match self.place(thread, &self.counters, &self.spread_counters) {
            Some(Place::Owned(s)) => add_owned(field(s), 1),
            Some(Place::Compact(s)) => {
                let seen = add_shared(field(s), 1);
                if seen != Seen::Nothing {
                    self.saw(seen);
                }
            }
            Some(Place::Overflow(s)) => {
                field(s).fetch_add(1, Relaxed);
            }
            None => {}
        }
    }

    #[inline]
    pub(crate) fn record_duration(&self, thread: usize, ns: u64) {
        match self.place(thread, &self.hist, &self.spread_hist) {
            Some(Place::Owned(h)) => {
                add_owned(h.slot_of(ns), 1);
                add_owned(&h.sum_ns, ns);
            }
            Some(Place::Compact(h)) => {
                // The sum is no count of writes: only its contention tells.
                let seen = match (add_shared(h.slot_of(ns), 1), add_shared(&h.sum_ns, ns)) {
                    (_, Seen::Contention) => Seen::Contention,
                    (seen, _) => seen,
                };
                if seen != Seen::Nothing {
                    self.saw(seen);
                }
            }
            Some(Place::Overflow(h)) => {
                h.slot_of(ns).fetch_add(1, Relaxed);
                h.sum_ns.fetch_add(ns, Relaxed);
            }
            None => {}
        }
    }

    /// A write to the shared shard saw contention or a busy mark: take per-thread shards once
    /// they come often.
    #[cold]
    #[inline(never)]
    fn saw(&self, seen: Seen) {
        let hot = match seen {
            Seen::Contention => self.contention.failed(),
            _ => self.contention.marked(),
        };
        if hot {
            self.spread();
        }
    }

    /// Allocates the per-thread shards; racing threads publish one set.
    #[cold]
    pub(crate) fn spread(&self) {
        self.spread_hist.init(|_| HistShard::zero());
        self.spread_counters.init(|_| CounterShard::zero());
    }

    /// Counts one error of the given type and kind; the table is created on the first one.
    #[inline]
    pub(crate) fn record_error(
        &self,
        thread: usize,
        type_name: &'static str,
        kind: &'static str,
        severity: Severity,
    ) {
        let (table, _) = self
            .errors
            .get_or_init(|| ErrorTable::new(shard_count::hist_shards()));
        table.record_with(thread, self.is_spread(), type_name, kind, severity);
    }

    /// Errors so far by severity, indexed as `Severity::ALL`.
    pub(crate) fn error_severities(&self) -> [u64; Severity::ALL.len()] {
        self.errors
            .get()
            .map_or([0; Severity::ALL.len()], ErrorTable::severities)
    }

    /// Error series so far: (type name, kind, count).
    pub(crate) fn series_counts(&self) -> Vec<(&'static str, &'static str, u64)> {
        self.errors
            .get()
            .map(ErrorTable::series)
            .unwrap_or_default()
    }

    /// A sum of every counter and of the durations' sums: it changes whenever anything is
    /// recorded (a duration of 0 ns aside, which a counter records too, but for `#[timed]`).
    pub(crate) fn activity(&self) -> u64 {
        self.totals(&mut [0; grid::SLOTS]).1
    }

    /// Every counter summed over the shards, in one read and without allocating: calls, the
    /// four outcomes, retries, exhausted; the duration slots added into `slots` (left as they
    /// are for a site without durations); and the [`activity`](Self::activity) of the same
    /// read, so a reader that compares it learns whether anything moved without reading the
    /// shards twice.
    pub(crate) fn totals(&self, slots: &mut [u64; grid::SLOTS]) -> ([u64; 7], u64) {
        let mut out = [0u64; 7];
        for c in self.counters.iter().chain(self.spread_counters.all()) {
            out[0] += c.calls.load(Relaxed);
            for (o, v) in out[1..5].iter_mut().zip(&c.outcomes) {
                *o += v.load(Relaxed);
            }
            out[5] += c.retries.load(Relaxed);
            out[6] += c.exhausted.load(Relaxed);
        }
        let mut activity = out.iter().fold(0u64, |n, &c| n.wrapping_add(c));
        for h in self.hist.iter().chain(self.spread_hist.all()) {
            activity = activity.wrapping_add(h.sum_ns.load(Relaxed));
            for (sum, v) in slots.iter_mut().zip(&h.slots) {
                *sum += v.load(Relaxed);
            }
        }
        // An error's outcome is counted before its series: a reader between the two must
        // still see the series move later.
        for e in self.error_severities() {
            activity = activity.wrapping_add(e);
        }
        (out, activity)
    }

    pub(crate) fn snapshot(&self, kind: Kind) -> Snapshot {
        let mut snap = Snapshot::zero(kind);
        for c in self.counters.iter().chain(self.spread_counters.all()) {
            snap.calls += c.calls.load(Relaxed);
            snap.retries += c.retries.load(Relaxed);
            snap.exhausted += c.exhausted.load(Relaxed);
            for (sum, o) in snap.outcomes.iter_mut().zip(&c.outcomes) {
                *sum += o.load(Relaxed);
            }
        }
        if let Some(slots) = &mut snap.slots {
            for h in self.hist.iter().chain(self.spread_hist.all()) {
                snap.sum_ns += h.sum_ns.load(Relaxed);
                for (sum, s) in slots.iter_mut().zip(&h.slots) {
                    *sum += s.load(Relaxed);
                }
            }
        }
        snap
    }
}

/// How often a compact site's shared shard is contended or busy. Updated only on those
/// events, and racily: it decides when to allocate, never what is counted.
struct Contention {
    /// Start of the current window of failures, in milliseconds since the Unix epoch.
    since_ms: AtomicU64,
    failures: AtomicU32,
    /// When a shared counter last reached a multiple of [`BUSY_EVERY`].
    mark_ms: AtomicU64,
}

/// Milliseconds since the Unix epoch. The wall clock touches no thread-local; a clock step
/// only ends a window early or late.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Contention {
    const fn new() -> Self {
        Contention {
            since_ms: AtomicU64::new(0),
            failures: AtomicU32::new(0),
            mark_ms: AtomicU64::new(0),
        }
    }

    /// Notes a failed compare-exchange; true when the site is contended.
    fn failed(&self) -> bool {
        let now = now_ms();
        let since = self.since_ms.load(Relaxed);
        // Wrapping: a clock stepped back starts a new window too.
        if now.wrapping_sub(since) > CONTENTION_WINDOW_MS {
            self.since_ms.store(now, Relaxed);
            self.failures.store(1, Relaxed);
            return false;
        }
        self.failures.fetch_add(1, Relaxed).saturating_add(1) >= CONTENDED_AFTER
    }

    /// Notes a busy mark; true when the last one was less than [`BUSY_WINDOW_MS`] ago.
    fn marked(&self) -> bool {
        let now = now_ms();
        let last = self.mark_ms.swap(now, Relaxed);
        last != 0 && now.wrapping_sub(last) < BUSY_WINDOW_MS
    }
}

/// A site's [`Cells`], allocated on the first call and never freed or replaced (unlike a
/// `OnceBox`, which frees its value when dropped), so they can be lent for `'static`.
pub(crate) struct LazyCells(AtomicPtr<Cells>);

impl LazyCells {
    pub(crate) const fn new() -> Self {
        LazyCells(AtomicPtr::new(ptr::null_mut()))
    }

    /// The cells, if the site was ever called.
    #[inline]
    pub(crate) fn get(&self) -> Option<&'static Cells> {
        let p = self.0.load(Acquire);
        // SAFETY: once published, the pointer is never freed or changed.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// Allocates and publishes the cells on a site's first call, or returns those another
    /// thread published first; `first` runs once, for the call that published them.
    pub(crate) fn init(&'static self, kind: Kind, first: impl FnOnce()) -> &'static Cells {
        let fresh = Box::into_raw(Box::new(Cells::new(kind, thread_index())));
        let cells = match self
            .0
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            Ok(_) => {
                first();
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
}

#[cfg(test)]
mod tests {
    use super::*;

    // Explicit thread numbers: unit tests must not take real ones (see `thread`'s test).
    const OWNER_THREAD: usize = 0;

    fn calls(c: &Cells) -> u64 {
        c.snapshot(Kind::Monitored).calls
    }

    #[test]
    fn a_site_starts_compact_and_the_owner_writes_its_own_shard() {
        let c = Cells::new(Kind::Monitored, OWNER_THREAD);
        for _ in 0..1000 {
            c.bump(OWNER_THREAD, |s| &s.calls);
            c.record_duration(OWNER_THREAD, 1_500);
        }
        c.bump(5, |s| &s.calls);
        c.record_duration(5, 2_000_000);
        assert!(!c.is_spread());
        assert_eq!(c.counters[OWNER].calls.load(Relaxed), 1000);
        assert_eq!(c.counters[SHARED].calls.load(Relaxed), 1);
        let snap = c.snapshot(Kind::Monitored);
        assert_eq!((snap.calls, snap.count()), (1001, 1001));
        assert_eq!(snap.sum_ns, 1000 * 1_500 + 2_000_000);
    }

    #[test]
    fn totals_stay_exact_across_the_switch_to_per_thread_shards() {
        let c = Cells::new(Kind::Monitored, OWNER_THREAD);
        for t in [OWNER_THREAD, 1, 2, 200] {
            c.bump(t, |s| &s.calls);
            c.record_duration(t, 10_000);
        }
        c.spread();
        assert!(c.is_spread());
        for t in [OWNER_THREAD, 1, 2, 200] {
            c.bump(t, |s| &s.calls);
            c.record_duration(t, 10_000);
        }
        // Thread 1 now writes its own shard, thread 200 (past them) the shared one.
        assert_eq!(c.spread_counters.get(1).unwrap().calls.load(Relaxed), 1);
        assert_eq!(c.counters[SHARED].calls.load(Relaxed), 3 + 1);
        let snap = c.snapshot(Kind::Monitored);
        assert_eq!((snap.calls, snap.count(), snap.sum_ns), (8, 8, 80_000));
    }

    #[test]
    fn busy_marks_close_together_make_a_site_contended() {
        let c = Contention::new();
        assert!(!c.marked(), "one mark says nothing");
        assert!(c.marked(), "a second one microseconds later is busy");
        c.mark_ms.store(now_ms() - 2 * BUSY_WINDOW_MS, Relaxed);
        assert!(!c.marked(), "marks far apart are no sign");
    }

    #[test]
    fn a_shared_counter_written_often_spreads_its_site_without_contention() {
        let c = Cells::new(Kind::Count, OWNER_THREAD);
        for _ in 0..2 * BUSY_EVERY {
            c.bump(1, |s| &s.calls);
        }
        assert!(c.is_spread());
        c.bump(1, |s| &s.calls);
        assert_eq!(c.spread_counters.get(1).unwrap().calls.load(Relaxed), 1);
        assert_eq!(calls(&c), 2 * BUSY_EVERY + 1);
    }

    #[test]
    fn failed_exchanges_close_together_make_a_site_contended() {
        let c = Contention::new();
        let verdicts: Vec<bool> = (0..CONTENDED_AFTER).map(|_| c.failed()).collect();
        // Unless a window ended in between, which takes 10 ms here.
        assert!(verdicts.last() == Some(&true) || !verdicts.iter().any(|&v| v));
        assert!(!verdicts[0]);
    }

    #[test]
    fn threads_writing_while_a_site_spreads_lose_nothing() {
        let c = Cells::new(Kind::Monitored, OWNER_THREAD);
        let per_thread = 200_000;
        let started = std::sync::Barrier::new(4);
        std::thread::scope(|s| {
            for t in [OWNER_THREAD, 1, 2] {
                let (c, started) = (&c, &started);
                s.spawn(move || {
                    started.wait();
                    for _ in 0..per_thread {
                        c.bump(t, |s| &s.calls);
                        c.record_duration(t, 1_000);
                    }
                });
            }
            // Whether or not contention spread it already, the site spreads mid-way.
            started.wait();
            std::thread::sleep(std::time::Duration::from_micros(200));
            c.spread();
        });
        assert!(c.is_spread());
        assert_eq!(calls(&c), 3 * per_thread);
        assert_eq!(c.snapshot(Kind::Monitored).count(), 3 * per_thread);
    }

    #[test]
    fn sites_without_durations_allocate_no_histogram() {
        let c = Cells::new(Kind::Count, OWNER_THREAD);
        c.record_duration(OWNER_THREAD, 1_000);
        c.spread();
        assert!(c.hist.is_empty() && c.spread_hist.all().is_empty());
        assert_eq!(c.spread_counters.all().len(), shard_count::counter_shards());
    }

    #[test]
    fn an_exiting_first_caller_owns_nothing() {
        let c = Cells::new(Kind::Count, UNOWNED);
        c.bump(UNOWNED, |s| &s.calls);
        assert_eq!(c.counters[SHARED].calls.load(Relaxed), 1);
        assert_eq!(calls(&c), 1);
    }
}
