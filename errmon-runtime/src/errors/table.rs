//! The per-site table of error series.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, OnceLock};

/// Error series (distinct type and kind pairs) a site may create before new ones fold into
/// `other`.
pub(crate) const MAX_SERIES: usize = 32;

/// The label values errors fold into once a site has created [`MAX_SERIES`] series.
pub(crate) const OTHER: &str = "other";

/// One more slot than series, for `other`.
const SLOTS: usize = MAX_SERIES + 1;

#[repr(align(128))]
struct Shard {
    counts: [AtomicU64; SLOTS],
}

pub(crate) struct ErrorTable {
    keys: [OnceLock<(&'static str, &'static str)>; MAX_SERIES],
    /// Keys published so far; `keys[..len]` are set.
    len: AtomicUsize,
    /// Serialises the insertion of new keys; lookups never take it.
    insert: Mutex<()>,
    shards: Box<[Shard]>,
    mask: usize,
}

fn same(a: &'static str, b: &'static str) -> bool {
    // `type_name` and variant names are usually the same static string each time; comparing
    // the text is the fallback when they are not.
    std::ptr::eq(a, b) || a == b
}

impl ErrorTable {
    pub(crate) fn new(shards: usize) -> Self {
        ErrorTable {
            keys: [const { OnceLock::new() }; MAX_SERIES],
            len: AtomicUsize::new(0),
            insert: Mutex::new(()),
            shards: (0..shards)
                .map(|_| Shard {
                    counts: [const { AtomicU64::new(0) }; SLOTS],
                })
                .collect(),
            mask: shards - 1,
        }
    }

    fn find(&self, type_name: &'static str, kind: &'static str, upto: usize) -> Option<usize> {
        self.keys[..upto].iter().position(|k| {
            k.get()
                .is_some_and(|&(t, k)| same(t, type_name) && same(k, kind))
        })
    }

    /// Counts one error on the shard of thread `thread`.
    pub(crate) fn record(&self, thread: usize, type_name: &'static str, kind: &'static str) {
        let len = self.len.load(Acquire);
        let slot = match self.find(type_name, kind, len) {
            Some(i) => i,
            None => self.insert(type_name, kind),
        };
        self.shards[thread & self.mask].counts[slot].fetch_add(1, Relaxed);
    }

    #[cold]
    fn insert(&self, type_name: &'static str, kind: &'static str) -> usize {
        let _guard = self.insert.lock().unwrap_or_else(|p| p.into_inner());
        let len = self.len.load(Acquire);
        if let Some(i) = self.find(type_name, kind, len) {
            return i;
        }
        if len == MAX_SERIES {
            return MAX_SERIES;
        }
        let _ = self.keys[len].set((type_name, kind));
        self.len.store(len + 1, Release);
        len
    }

    /// Every series with its count: (type name, kind, count), `other` last when used.
    pub(crate) fn series(&self) -> Vec<(&'static str, &'static str, u64)> {
        let len = self.len.load(Acquire);
        let total = |slot: usize| -> u64 {
            self.shards
                .iter()
                .map(|s| s.counts[slot].load(Relaxed))
                .sum()
        };
        let mut out: Vec<_> = self.keys[..len]
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.get().map(|&(t, kind)| (t, kind, total(i))))
            .collect();
        let other = total(MAX_SERIES);
        if other > 0 {
            out.push((OTHER, OTHER, other));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_series_and_folds_past_the_cap() {
        let t = ErrorTable::new(2);
        t.record(0, "app::E", "timeout");
        t.record(1, "app::E", "timeout");
        t.record(0, "app::E", "refused");
        // Same text, another allocation: still the same series.
        let owned: &'static str = Box::leak(String::from("timeout").into_boxed_str());
        t.record(1, "app::E", owned);
        assert_eq!(
            t.series(),
            [("app::E", "timeout", 3), ("app::E", "refused", 1)]
        );

        let kinds: Vec<&'static str> = (0..40)
            .map(|i| &*Box::leak(format!("k{i}").into_boxed_str()))
            .collect();
        for k in &kinds {
            t.record(0, "app::F", k);
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
                        t.record(i, "app::E", "boom");
                    }
                });
            }
        });
        assert_eq!(t.series(), [("app::E", "boom", 4000)]);
    }
}
