//! Bounded by construction: a million distinct messages and a hundred thousand distinct users
//! through one function, every one of them formatted and grouped (no rate limit, no
//! sampling), leave memory flat once the ring and the group table are full, and every total
//! exact.

#[macro_use]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

use errmon_runtime::context::Context;
use errmon_runtime::errors::{self, ErrorSettings};

/// The bytes allocated and not yet freed, by the whole test process.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// A message no placeholder folds: `n` spelled in letters, so each one is its own group.
struct Distinct(u64);
impl fmt::Debug for Distinct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut n = self.0;
        f.write_str("failure ")?;
        loop {
            f.write_str(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"][(n % 10) as usize])?;
            n /= 10;
            if n == 0 {
                return Ok(());
            }
        }
    }
}

monitored_by_hand! {
    fn ingest(n: u64) -> Result<(), Distinct> {
        Err(Distinct(n))
    }
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_million_distinct_messages_and_100k_users_stay_bounded() {
    const MESSAGES: u64 = 1_000_000;
    const USERS: u64 = 100_000;
    errors::configure(ErrorSettings::default().rate_limit(0).sample_above(0)).unwrap();
    let feed = |range: std::ops::Range<u64>| {
        for n in range {
            let user = format!("user-{}", n % USERS);
            Context::from_request_id(Some("bulk"))
                .with_user_id(user)
                .scope(|| ingest(n))
                .unwrap_err();
        }
    };
    // Fill the ring and the group table, then measure.
    feed(0..USERS);
    let (live_full, rss_full) = (LIVE.load(Relaxed), rss_kib());
    feed(USERS..MESSAGES);
    let (live_end, rss_end) = (LIVE.load(Relaxed), rss_kib());
    eprintln!(
        "live heap after {USERS} errors: {} KiB, after {MESSAGES}: {} KiB; RSS {rss_full:?} -> {rss_end:?} KiB",
        live_full / 1024,
        live_end / 1024
    );
    // Nothing grows with the number of messages or users once the caps are reached.
    assert!(
        live_end - live_full < 256 * 1024,
        "grew {} bytes",
        live_end - live_full
    );
    assert!(live_end < 16 << 20, "{live_end} bytes live");

    let snap = errors::snapshot_with(&errors::Query::default().with_limit(errors::MAX_LIMIT));
    let f = snap
        .by_function
        .iter()
        .find(|f| f.function == "ingest")
        .unwrap();
    assert_eq!(f.errors, MESSAGES);
    assert_eq!(snap.totals.reports_stored, MESSAGES);
    assert_eq!(snap.totals.groups, errors::DEFAULT_MAX_GROUPS + 1);
    assert_eq!(
        snap.totals.groups_folded,
        MESSAGES - errors::DEFAULT_MAX_GROUPS as u64
    );
    // `other` holds every error past the first thousand groups, each of which has one.
    let other = &snap.top_groups[0];
    assert_eq!(
        (other.error_type.as_str(), other.count),
        ("other", snap.totals.groups_folded)
    );
    assert!(
        snap.top_groups[1..]
            .iter()
            .all(|g| g.count == 1 && g.function == "ingest")
    );
    assert!(other.users_estimated);
    let err = (other.users as f64 - USERS as f64).abs() / USERS as f64;
    assert!(err < 0.1, "{} users estimated for {USERS}", other.users);
    assert_eq!(snap.recent.len(), errors::MAX_LIMIT);
}
