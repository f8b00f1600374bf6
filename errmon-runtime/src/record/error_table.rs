//! The per-site table of error series.
//!
//! Series are (type, kind) pairs, appended without a lock: a new one is published into the first
//! empty key slot with a compare-exchange, so the keys set always form a prefix, a lookup stops
//! at the first empty slot, and two threads adding the same pair settle on one slot. Once every
//! slot is taken, errors of new pairs fold into `other` after one scan of the keys: no lock, no
//! allocation, however many of them an outage brings.
//!
//! Counts go to one shared row while the site is compact, and to per-thread rows once the site
//! took per-thread shards (see `record::shard`), so a burst of failures on many threads does not
//! funnel through one cache line.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering::*};

use super::Severity;
use crate::common::once::OnceSlice;

/// Error series (distinct type and kind pairs) a site may create before new ones fold into
/// `other`.
pub(crate) const MAX_SERIES: usize = 32;

/// The label values errors fold into once a site has created [`MAX_SERIES`] series.
pub(crate) const OTHER: &str = "other";

/// One more slot than series, for `other`.
const SLOTS: usize = MAX_SERIES + 1;

/// Errors by severity follow the series' counts in each row.
const SEVERITIES: usize = Severity::ALL.len();

type Counts = [AtomicU64; SLOTS + SEVERITIES];

/// A thread's own counts, on cache lines of their own.
#[repr(align(128))]
struct Row(Counts);

struct Key {
    type_name: &'static str,
    kind: &'static str,
}

pub(crate) struct ErrorTable {
    /// Set in order, never cleared: `keys[..n]` are set, the rest empty.
    keys: [AtomicPtr<Key>; MAX_SERIES],
    shared: Counts,
    rows: OnceSlice<Row>,
}

fn same(a: &'static str, b: &'static str) -> bool {
    // `type_name` and variant names are usually the same static string each time; comparing
    // the text is the fallback when they are not.
    std::ptr::eq(a, b) || a == b
}

impl ErrorTable {
    /// A table whose counts spread over `rows` per-thread rows once its site is contended.
    pub(crate) fn new(rows: usize) -> Self {
        ErrorTable {
            keys: [const { AtomicPtr::new(ptr::null_mut()) }; MAX_SERIES],
            shared: [const { AtomicU64::new(0) }; SLOTS + SEVERITIES],
            rows: OnceSlice::new(rows),
        }
    }

    /// The slot counting (`type_name`, `kind`): its series', added if new, or `other`'s.
    fn slot(&self, type_name: &'static str, kind: &'static str) -> usize {
        let mut fresh: Option<Box<Key>> = None;
        for (i, slot) in self.keys.iter().enumerate() {
            let mut key = slot.load(Acquire);
            if key.is_null() {
                let mine = Box::into_raw(
                    fresh
                        .take()
                        .unwrap_or_else(|| Box::new(Key { type_name, kind })),
                );
                #[cfg(test)]
                tests::before_publishing();
                match slot.compare_exchange(ptr::null_mut(), mine, AcqRel, Acquire) {
                    Ok(_) => return i,
                    Err(theirs) => {
                        // SAFETY: `mine` lost the race and was never shared; try it further on.
                        fresh = Some(unsafe { Box::from_raw(mine) });
                        key = theirs;
                    }
                }
            }
            // SAFETY: published keys come from `Box::into_raw` and are freed only by `drop`.
            let key = unsafe { &*key };
            if same(key.type_name, type_name) && same(key.kind, kind) {
                return i;
            }
        }
        MAX_SERIES
    }

    /// Counts one error of thread `thread`; `spread` says whether its site took per-thread
    /// shards, so that its errors get per-thread rows too.
    #[cfg(test)]
    pub(crate) fn record(
        &self,
        thread: usize,
        spread: bool,
        type_name: &'static str,
        kind: &'static str,
    ) {
        self.record_with(thread, spread, type_name, kind, Severity::Error);
    }

    /// Counts one error of `severity` (see [`ErrorTable::record`]).
    pub(crate) fn record_with(
        &self,
        thread: usize,
        spread: bool,
        type_name: &'static str,
        kind: &'static str,
        severity: Severity,
    ) {
        let slot = self.slot(type_name, kind);
        if spread {
            self.rows
                .init(|_| Row([const { AtomicU64::new(0) }; SLOTS + SEVERITIES]));
        }
        let counts = match self.rows.get(thread) {
            Some(row) => &row.0,
            None => &self.shared,
        };
        // `slot` is at most `MAX_SERIES`, the severity below `SEVERITIES`: always in range,
        // without a panic path to prove it.
        for i in [slot, SLOTS + severity as usize] {
            if let Some(count) = counts.get(i) {
                count.fetch_add(1, Relaxed);
            }
        }
    }

    /// Errors so far by severity, indexed as `Severity::ALL`.
    pub(crate) fn severities(&self) -> [u64; SEVERITIES] {
        std::array::from_fn(|i| {
            std::iter::once(&self.shared)
                .chain(self.rows.all().iter().map(|r| &r.0))
                .map(|counts| counts[SLOTS + i].load(Relaxed))
                .sum()
        })
    }

    /// Every series with its count: (type name, kind, count), `other` last when used.
    pub(crate) fn series(&self) -> Vec<(&'static str, &'static str, u64)> {
        let total = |slot: usize| -> u64 {
            let rows = self.rows.all().iter().map(|r| &r.0);
            std::iter::once(&self.shared)
                .chain(rows)
                .map(|counts| counts[slot].load(Relaxed))
                .sum()
        };
        let mut out: Vec<_> = self
            .keys
            .iter()
            .map(|k| k.load(Acquire))
            .take_while(|k| !k.is_null())
            .enumerate()
            .map(|(i, k)| {
                // SAFETY: as in `slot`.
                let key = unsafe { &*k };
                (key.type_name, key.kind, total(i))
            })
            .collect();
        let other = total(MAX_SERIES);
        if other > 0 {
            out.push((OTHER, OTHER, other));
        }
        out
    }
}

impl Drop for ErrorTable {
    fn drop(&mut self) {
        for key in &mut self.keys {
            let key = *key.get_mut();
            if !key.is_null() {
                // SAFETY: from `Box::into_raw`, and no reference outlives `&mut self`.
                drop(unsafe { Box::from_raw(key) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::sync::mpsc;
    use std::time::Duration;

    thread_local! {
        static BEFORE_PUBLISHING: RefCell<Option<Box<dyn FnMut()>>> = const { RefCell::new(None) };
    }

    /// Runs this thread's hook, if a test set one, as a new key is about to be published.
    pub(super) fn before_publishing() {
        BEFORE_PUBLISHING.with_borrow_mut(|hook| {
            if let Some(hook) = hook {
                hook();
            }
        });
    }

    fn leaked(text: String) -> &'static str {
        Box::leak(text.into_boxed_str())
    }

    #[test]
    fn counts_per_series_and_folds_past_the_cap() {
        let t = ErrorTable::new(2);
        t.record(0, false, "app::E", "timeout");
        t.record(1, false, "app::E", "timeout");
        t.record(0, false, "app::E", "refused");
        // Same text, another allocation: still the same series.
        let owned: &'static str = leaked(String::from("timeout"));
        t.record(1, false, "app::E", owned);
        assert_eq!(
            t.series(),
            [("app::E", "timeout", 3), ("app::E", "refused", 1)]
        );

        let kinds: Vec<&'static str> = (0..40).map(|i| leaked(format!("k{i}"))).collect();
        for k in &kinds {
            t.record(0, false, "app::F", k);
        }
        let series = t.series();
        assert_eq!(series.len(), MAX_SERIES + 1);
        assert_eq!(series.last(), Some(&(OTHER, OTHER, 10)));
    }

    #[test]
    fn concurrent_inserts_of_one_key_make_one_series() {
        let t = ErrorTable::new(4);
        std::thread::scope(|s| {
            for i in 0..4 {
                let t = &t;
                s.spawn(move || {
                    for _ in 0..1000 {
                        t.record(i, false, "app::E", "boom");
                    }
                });
            }
        });
        assert_eq!(t.series(), [("app::E", "boom", 4000)]);
    }

    #[test]
    fn concurrent_inserts_of_distinct_keys_fill_the_slots_once_each() {
        let t = ErrorTable::new(4);
        let kinds: Vec<&'static str> = (0..48).map(|i| leaked(format!("k{i}"))).collect();
        std::thread::scope(|s| {
            for i in 0..4 {
                let (t, kinds) = (&t, &kinds);
                s.spawn(move || {
                    for round in 0..50 {
                        for k in kinds {
                            t.record(i, round % 2 == 1, "app::E", k);
                        }
                    }
                });
            }
        });
        let series = t.series();
        assert_eq!(series.len(), MAX_SERIES + 1);
        let mut named: Vec<_> = series[..MAX_SERIES].iter().map(|s| s.1).collect();
        named.sort_unstable();
        named.dedup();
        assert_eq!(named.len(), MAX_SERIES, "no series twice");
        // Every thread saw every kind 50 times, whichever slot it landed in.
        assert!(series[..MAX_SERIES].iter().all(|s| s.2 == 4 * 50));
        assert_eq!(series[MAX_SERIES], (OTHER, OTHER, 16 * 4 * 50));
    }

    #[test]
    fn an_error_past_the_cap_waits_for_no_other_thread() {
        let t = ErrorTable::new(2);
        for i in 0..MAX_SERIES - 1 {
            t.record(0, false, "app::E", leaked(format!("k{i}")));
        }
        let (paused, is_paused) = mpsc::channel();
        let (resume, resumed) = mpsc::channel::<()>();
        std::thread::scope(|s| {
            let t = &t;
            // This thread stops in the middle of adding a series, about to publish it.
            s.spawn(move || {
                BEFORE_PUBLISHING.set(Some(Box::new(move || {
                    let _ = paused.send(());
                    let _ = resumed.recv();
                })));
                t.record(1, false, "app::E", "late");
            });
            is_paused.recv().unwrap();
            // Meanwhile another takes the last slot, then records past the cap.
            let (done, is_done) = mpsc::channel();
            s.spawn(move || {
                t.record(2, false, "app::E", "last");
                t.record(2, false, "app::E", "past");
                let _ = done.send(());
            });
            let finished = is_done.recv_timeout(Duration::from_secs(10));
            drop(resume);
            finished.expect("recording past the cap waited for a paused insertion");
        });
        let series = t.series();
        assert_eq!(series.len(), MAX_SERIES + 1);
        assert_eq!(series[MAX_SERIES - 1], ("app::E", "last", 1));
        // The paused thread found the last slot taken: its error folded into `other` too.
        assert_eq!(series[MAX_SERIES], (OTHER, OTHER, 2));
    }

    #[test]
    fn a_spread_site_counts_on_per_thread_rows_and_totals_stay_exact() {
        let t = ErrorTable::new(2);
        t.record(0, false, "app::E", "boom");
        assert!(t.rows.all().is_empty(), "a compact site has no rows");
        for thread in [0, 1, 7] {
            t.record(thread, true, "app::E", "boom");
        }
        assert_eq!(t.rows.get(1).unwrap().0[0].load(Relaxed), 1);
        // Thread 7 has no row of its own: it counts on the shared one.
        assert_eq!(t.shared[0].load(Relaxed), 2);
        assert_eq!(t.series(), [("app::E", "boom", 4)]);
    }
}
