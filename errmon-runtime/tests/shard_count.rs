//! `ERRMON_SHARDS`: how many per-thread shards a hot site takes, read once per process. Each case
//! runs this test again in a child process with the variable set, and the child reports the
//! bytes a site allocates when it turns hot, counted by a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use errmon_runtime::count_calls;
use errmon_runtime::sites;

/// Counts the bytes allocated by threads that opted in, so the test harness's own
/// allocations stay out of the figure.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // const and without a destructor: readable from inside the allocator at any time.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded to `System` unchanged; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTED.with(Cell::get) {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Set in the child processes.
const CHILD: &str = "ERRMON_SHARD_COUNT_TEST_CHILD";

/// One counter shard: seven counters on their own two cache lines.
const COUNTER_SHARD_BYTES: usize = 128;

/// Writes past this many on the shared shard, quickly, make a site hot (`record::shard`).
const BUSY: usize = 2 * 65_536;

#[count_calls]
fn busy() {}

/// In the child: the bytes `busy`'s site allocates when a second thread makes it hot.
fn bytes_when_hot() -> usize {
    // The first call, on this thread, allocates the compact shards: this thread owns one.
    busy();
    let (bytes, calls) = std::thread::spawn(|| {
        // Numbers this thread before measuring: registering its exit hook allocates.
        busy();
        COUNTED.set(true);
        for _ in 0..BUSY {
            busy();
        }
        COUNTED.set(false);
        let bytes = ALLOCATED.load(Relaxed);
        busy();
        (bytes, BUSY + 2)
    })
    .join()
    .unwrap();
    busy();
    let site = sites::all()
        .into_iter()
        .find(|s| s.meta().function == "busy")
        .unwrap();
    // Totals stay exact across the switch: calls before it, during it and after it.
    assert_eq!(site.snapshot().calls, (calls + 2) as u64);
    bytes
}

/// Runs this test in a child with `ERRMON_SHARDS=value`: the bytes it reported, and its stderr.
fn child(value: &str) -> (usize, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "errmon_shards_sets_the_shards_of_a_hot_site",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ERRMON_SHARDS", value)
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "child at {value}:\n{stdout}\n{stderr}"
    );
    let bytes = stdout
        .lines()
        .find_map(|l| l.strip_prefix("HOT_SITE_BYTES "))
        .and_then(|b| b.parse().ok())
        .unwrap_or_else(|| panic!("no figure from the child at {value}:\n{stdout}"));
    (bytes, stderr)
}

#[test]
fn errmon_shards_sets_the_shards_of_a_hot_site() {
    if std::env::var_os(CHILD).is_some() {
        // On a line of its own: libtest has begun its `test ... ` line.
        println!("\nHOT_SITE_BYTES {}", bytes_when_hot());
        return;
    }
    for (value, shards) in [("2", 2), ("64", 64), (" 16 ", 16)] {
        let (bytes, stderr) = child(value);
        assert_eq!(bytes, shards * COUNTER_SHARD_BYTES, "ERRMON_SHARDS={value}");
        assert!(!stderr.contains("ERRMON_SHARDS"), "{stderr}");
    }
}

#[test]
fn a_bad_errmon_shards_is_reported_once_and_the_default_used() {
    let default = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .next_power_of_two()
        .clamp(4, 64);
    for bad in ["0", "many", "100000"] {
        let (bytes, stderr) = child(bad);
        assert_eq!(bytes, default * COUNTER_SHARD_BYTES, "ERRMON_SHARDS={bad}");
        let notice = format!(
            "errmon: ERRMON_SHARDS=`{bad}` is not a whole number of shards from 1 to 1024; \
             using {default} shards, the default for this machine\n"
        );
        assert_eq!(stderr.matches(&notice).count(), 1, "{stderr}");
    }
}
