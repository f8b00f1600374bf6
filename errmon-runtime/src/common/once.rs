//! Storage published once, without a lock: what a site allocates lazily.
//!
//! `OnceLock` makes a second thread wait while the first initialises; on the hot path nothing
//! may wait, so here every racing thread builds its own value, one compare-exchange publishes
//! one of them, and the others free theirs. Readers pay one acquire load.

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering::*};

/// A `T` allocated on first use and never replaced.
pub(crate) struct OnceBox<T>(AtomicPtr<T>);

impl<T> OnceBox<T> {
    pub(crate) const fn new() -> Self {
        OnceBox(AtomicPtr::new(ptr::null_mut()))
    }

    /// The value, if one was published.
    #[inline]
    pub(crate) fn get(&self) -> Option<&T> {
        let p = self.0.load(Acquire);
        // SAFETY: a published pointer came from `Box::into_raw` and is freed only by `drop`,
        // which needs `&mut self`.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// The value, publishing `make()` if there is none yet; the second item says whether this
    /// call's value was the one published.
    pub(crate) fn get_or_init(&self, make: impl FnOnce() -> T) -> (&T, bool) {
        if let Some(v) = self.get() {
            return (v, false);
        }
        let fresh = Box::into_raw(Box::new(make()));
        match self
            .0
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            // SAFETY: just published; see `get`.
            Ok(_) => (unsafe { &*fresh }, true),
            Err(winner) => {
                // SAFETY: `fresh` was never shared.
                drop(unsafe { Box::from_raw(fresh) });
                // SAFETY: as in `get`.
                (unsafe { &*winner }, false)
            }
        }
    }
}

impl<T> Drop for OnceBox<T> {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // SAFETY: published from `Box::into_raw`, and no reference outlives `&mut self`.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// `len` values of `T` allocated together on first use and never replaced: per-thread shards.
/// The length is fixed when the slice is declared, so a reader needs only the pointer.
pub(crate) struct OnceSlice<T> {
    ptr: AtomicPtr<T>,
    len: usize,
}

impl<T> OnceSlice<T> {
    pub(crate) const fn new(len: usize) -> Self {
        OnceSlice {
            ptr: AtomicPtr::new(ptr::null_mut()),
            len,
        }
    }

    /// The `i`-th value, if the values were published and `i` is in range.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.lookup(i).ok()
    }

    /// The `i`-th value, or whether the values were published: one load for both answers.
    #[inline]
    pub(crate) fn lookup(&self, i: usize) -> Result<&T, bool> {
        let p = self.ptr.load(Acquire);
        if p.is_null() {
            return Err(false);
        }
        if i >= self.len {
            return Err(true);
        }
        // SAFETY: a published pointer is the start of `len` values from `Box::into_raw`, freed
        // only by `drop`; `i < len`.
        Ok(unsafe { &*p.add(i) })
    }

    /// All values, if published.
    pub(crate) fn all(&self) -> &[T] {
        let p = self.ptr.load(Acquire);
        if p.is_null() {
            return &[];
        }
        // SAFETY: as in `get`.
        unsafe { std::slice::from_raw_parts(p, self.len) }
    }

    /// Whether the values were published.
    #[inline]
    pub(crate) fn is_published(&self) -> bool {
        !self.ptr.load(Acquire).is_null()
    }

    /// Publishes `len` values made by `make`, unless some already are.
    pub(crate) fn init(&self, make: impl FnMut(usize) -> T) {
        if self.len == 0 || self.is_published() {
            return;
        }
        let fresh: Box<[T]> = (0..self.len).map(make).collect();
        let fresh = Box::into_raw(fresh).cast::<T>();
        if self
            .ptr
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
            .is_err()
        {
            // SAFETY: `fresh` holds `len` values from `Box::into_raw` and was never shared.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, self.len)) });
        }
    }
}

impl<T> Drop for OnceSlice<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        if !p.is_null() {
            // SAFETY: as in `init`; no reference outlives `&mut self`.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, self.len)) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn racing_initialisers_publish_one_value_and_free_the_others() {
        let made = AtomicUsize::new(0);
        let cell = OnceBox::new();
        let published = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let (cell, made) = (&cell, &made);
                    s.spawn(move || {
                        let (v, mine) = cell.get_or_init(|| {
                            made.fetch_add(1, Relaxed);
                            i
                        });
                        (*v, mine)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        });
        let winner = published[0].0;
        assert!(published.iter().all(|&(v, _)| v == winner));
        assert_eq!(published.iter().filter(|&&(_, mine)| mine).count(), 1);
        assert!(made.load(Relaxed) >= 1);
    }

    #[test]
    fn a_slice_is_empty_until_published_then_fixed() {
        let s = OnceSlice::new(3);
        assert_eq!(s.get(0), None);
        assert_eq!(s.lookup(0), Err(false));
        assert!(s.all().is_empty());
        s.init(|i| i * 10);
        s.init(|_| 99);
        assert_eq!(s.all(), [0, 10, 20]);
        assert_eq!((s.get(2), s.lookup(3)), (Some(&20), Err(true)));
    }
}
