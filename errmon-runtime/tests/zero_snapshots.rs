//! A function never called allocates no shards to report its zeros: reading it (as every
//! scrape does) costs its snapshot and nothing more. Alone in its test binary, so the counting
//! allocator sees only this test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use errmon_runtime::sites::{self, Snapshot};
use errmon_runtime::{count_calls, monitored, timed};

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System`, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[allow(dead_code)]
#[monitored]
fn never_monitored() -> Result<(), std::io::Error> {
    Ok(())
}

#[allow(dead_code)]
#[timed]
fn never_timed() {}

#[allow(dead_code)]
#[count_calls]
fn never_counted() {}

/// The snapshot of `function`, and the bytes allocated while taking it.
fn snapshot_cost(function: &str) -> (Snapshot, usize) {
    let site = sites::all()
        .into_iter()
        .find(|s| s.meta().function == function)
        .unwrap();
    let before = ALLOCATED.load(Relaxed);
    let snap = site.snapshot();
    let errors = site.error_series();
    let cost = ALLOCATED.load(Relaxed) - before;
    assert!(errors.is_empty());
    (snap, cost)
}

#[test]
fn snapshots_of_functions_never_called_allocate_only_themselves() {
    for function in ["never_monitored", "never_timed"] {
        let (snap, cost) = snapshot_cost(function);
        let slots = snap
            .slots
            .as_ref()
            .expect("durations are reported, at zero");
        assert_eq!(snap.count(), 0);
        assert_eq!(cost, size_of_val(&**slots), "{function}");
    }
    let (snap, cost) = snapshot_cost("never_counted");
    assert_eq!((snap.calls, cost), (0, 0));
}
