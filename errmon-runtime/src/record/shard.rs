//! Thread numbers and the shards they pick: how a site's counters stay off other threads'
//! cache lines.
//!
//! A site's counters live in shards, each on its own pair of cache lines. Threads are numbered
//! densely (a number is reused once its thread exits), and the thread numbered `n` owns shard
//! `n` alone, so it updates it with plain loads and stores instead of locked instructions, and
//! two threads never fight over a cache line. Threads numbered past the owned shards share one
//! last shard, updated atomically. Readers sum the shards.
//!
//! Nothing here touches a thread-local that can be gone: the thread number is a `const`
//! thread-local without a destructor, readable even while the thread is torn down.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, OnceLock};

use super::grid;
use crate::errors::table::ErrorTable;
use crate::registry::{Kind, Snapshot};

/// Owned counter shards per site, at least and at most; threads past them share one more.
const MIN_COUNTER_SHARDS: usize = 4;
const MAX_COUNTER_SHARDS: usize = 64;
/// The same for histogram shards, which are seven times larger.
const MIN_HIST_SHARDS: usize = 2;
const MAX_HIST_SHARDS: usize = 16;

#[repr(align(128))]
pub(crate) struct CounterShard {
    pub(crate) calls: AtomicU64,
    pub(crate) outcomes: [AtomicU64; 4],
    pub(crate) retries: AtomicU64,
    pub(crate) exhausted: AtomicU64,
}

#[repr(align(128))]
struct HistShard {
    sum_ns: AtomicU64,
    slots: [AtomicU64; grid::SLOTS],
}

/// What a site records into, allocated on its first call.
pub(crate) struct Cells {
    /// Owned shards, then the shared one.
    counters: Box<[CounterShard]>,
    /// Owned shards, then the shared one; empty for sites without durations.
    hist: Box<[HistShard]>,
    /// Created on the first error.
    errors: OnceLock<ErrorTable>,
}

impl std::fmt::Debug for Cells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cells")
            .field("counter_shards", &self.counters.len())
            .field("hist_shards", &self.hist.len())
            .finish_non_exhaustive()
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

/// This thread's number.
#[inline]
pub(crate) fn thread_index() -> usize {
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
        let hist = if kind.has_durations() {
            (0..=owned_shards(MIN_HIST_SHARDS, MAX_HIST_SHARDS))
                .map(|_| HistShard {
                    sum_ns: AtomicU64::new(0),
                    slots: [const { AtomicU64::new(0) }; grid::SLOTS],
                })
                .collect()
        } else {
            Box::default()
        };
        Cells {
            counters,
            hist,
            errors: OnceLock::new(),
        }
    }

    /// Adds one to the counter `field` picks in the shard of thread `thread`.
    #[inline]
    pub(crate) fn bump(&self, thread: usize, field: impl FnOnce(&CounterShard) -> &AtomicU64) {
        if let Some((shard, owned)) = shard_of(&self.counters, thread) {
            add(field(shard), 1, owned);
        }
    }

    #[inline]
    pub(crate) fn record_duration(&self, thread: usize, ns: u64) {
        if let Some((h, owned)) = shard_of(&self.hist, thread) {
            // SAFETY: `slot` returns at most `BOUNDS`, and `slots` has `BOUNDS + 1` entries.
            add(unsafe { h.slots.get_unchecked(grid::slot(ns)) }, 1, owned);
            add(&h.sum_ns, ns, owned);
        }
    }

    /// Counts one error of the given type and kind; the table is created on the first one.
    #[inline]
    pub(crate) fn record_error(&self, thread: usize, type_name: &'static str, kind: &'static str) {
        self.errors
            .get_or_init(|| ErrorTable::new(owned_shards(MIN_HIST_SHARDS, MAX_HIST_SHARDS)))
            .record(thread, type_name, kind);
    }

    /// Error series so far: (type name, kind, count).
    pub(crate) fn error_series(&self) -> Vec<(&'static str, &'static str, u64)> {
        self.errors
            .get()
            .map(ErrorTable::series)
            .unwrap_or_default()
    }

    pub(crate) fn snapshot(&self, kind: Kind) -> Snapshot {
        let mut snap = Snapshot::zero(kind);
        for c in self.counters.iter() {
            snap.calls += c.calls.load(Relaxed);
            snap.retries += c.retries.load(Relaxed);
            snap.exhausted += c.exhausted.load(Relaxed);
            for (sum, o) in snap.outcomes.iter_mut().zip(&c.outcomes) {
                *sum += o.load(Relaxed);
            }
        }
        if let Some(slots) = &mut snap.slots {
            for h in self.hist.iter() {
                snap.sum_ns += h.sum_ns.load(Relaxed);
                for (sum, s) in slots.iter_mut().zip(&h.slots) {
                    *sum += s.load(Relaxed);
                }
            }
        }
        snap
    }
}

/// A site's [`Cells`], allocated on the first call and never freed or replaced.
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
        let fresh = Box::into_raw(Box::new(Cells::new(kind)));
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
