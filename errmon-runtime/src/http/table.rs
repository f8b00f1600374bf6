//! The process-wide table of HTTP series: one entry per route, per method in it, per status
//! answered there.
//!
//! A request finds its route with one hash lookup that takes no lock, its method with an index
//! and its status with a scan of at most [`MAX_STATUSES`] atomics; nothing is allocated after a
//! (route, method, status) is first seen, and entries are never freed (they are bounded, and a
//! request holds `&'static` references to them). Every dimension has a cap: past
//! [`MAX_ROUTES`] routes, a new route is counted under `route="other"`; past
//! [`MAX_STATUSES`] statuses on one route and method, a new status under `status="other"`.
//! A scanner that requests 100,000 random paths of an application adds no series: the paths
//! never reach the table, only the route templates that matched (or `unmatched`).

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::Method;
use crate::record::grid::{SLOTS, slot};

/// Routes kept apart; further ones are counted under `route="other"`.
pub const MAX_ROUTES: usize = 1_000;
/// Statuses kept apart per route and method; further ones are counted under `status="other"`.
pub const MAX_STATUSES: usize = 16;

/// The route of requests that matched none.
pub const UNMATCHED: &str = "unmatched";
/// The route of requests past [`MAX_ROUTES`].
pub const OTHER: &str = "other";

/// The status of a request whose future was dropped before it had a response.
pub(crate) const CANCELLED: u16 = 1;
/// The status past [`MAX_STATUSES`].
pub(crate) const OTHER_STATUS: u16 = 2;
/// The status of a request whose service failed instead of answering.
pub(crate) const FAILED: u16 = 3;

/// Durations of the requests of one (route, method, status): the grid's slots and the exact
/// sum. Their count is the number of requests.
pub(crate) struct Durations {
    pub(crate) slots: [AtomicU64; SLOTS],
    pub(crate) sum_ns: AtomicU64,
}

impl Durations {
    fn new() -> Box<Self> {
        Box::new(Durations {
            slots: [const { AtomicU64::new(0) }; SLOTS],
            sum_ns: AtomicU64::new(0),
        })
    }

    /// Requests recorded: the sum of the slots.
    #[cfg(test)]
    pub(crate) fn count(&self) -> u64 {
        self.slots.iter().map(|c| c.load(Relaxed)).sum()
    }

    fn record(&self, ns: u64) {
        self.slots[slot(ns)].fetch_add(1, Relaxed);
        self.sum_ns.fetch_add(ns, Relaxed);
    }
}

struct StatusSlot {
    /// 0 while free; claimed once, never changed after.
    code: AtomicU16,
    durations: OnceLock<Box<Durations>>,
}

/// One route and method.
pub(crate) struct Series {
    pub(crate) in_flight: AtomicU64,
    statuses: [StatusSlot; MAX_STATUSES],
    other: OnceLock<Box<Durations>>,
}

impl Series {
    fn new() -> Box<Self> {
        Box::new(Series {
            in_flight: AtomicU64::new(0),
            statuses: [const {
                StatusSlot {
                    code: AtomicU16::new(0),
                    durations: OnceLock::new(),
                }
            }; MAX_STATUSES],
            other: OnceLock::new(),
        })
    }

    /// The durations of `code`, claiming a free slot for a status seen the first time.
    fn durations(&self, code: u16) -> &Durations {
        for s in &self.statuses {
            let seen = match s.code.load(Relaxed) {
                0 => match s.code.compare_exchange(0, code, Relaxed, Relaxed) {
                    Ok(_) => code,
                    Err(taken) => taken,
                },
                taken => taken,
            };
            if seen == code {
                return s.durations.get_or_init(Durations::new);
            }
        }
        self.other.get_or_init(Durations::new)
    }

    pub(crate) fn record(&self, code: u16, ns: u64) {
        self.durations(code).record(ns);
    }

    /// Every status seen, with its durations (a status claimed a moment ago may show none yet).
    pub(crate) fn each_status(&self, mut f: impl FnMut(u16, &Durations)) {
        for s in &self.statuses {
            match (s.code.load(Relaxed), s.durations.get()) {
                (0, _) | (_, None) => {}
                (code, Some(d)) => f(code, d),
            }
        }
        if let Some(d) = self.other.get() {
            f(OTHER_STATUS, d);
        }
    }
}

/// One route: its template, and a series per method seen on it.
pub(crate) struct Route {
    pub(crate) name: &'static str,
    methods: [OnceLock<Box<Series>>; Method::ALL.len()],
}

impl Route {
    fn new(name: &'static str) -> &'static Route {
        Box::leak(Box::new(Route {
            name,
            methods: [const { OnceLock::new() }; Method::ALL.len()],
        }))
    }

    pub(crate) fn series(&self, method: Method) -> &Series {
        self.methods[method as usize].get_or_init(Series::new)
    }

    pub(crate) fn each_method(&self, mut f: impl FnMut(Method, &Series)) {
        for m in Method::ALL {
            if let Some(s) = self.methods[m as usize].get() {
                f(m, s);
            }
        }
    }
}

/// Slots of the route index: a power of two, more than twice [`MAX_ROUTES`], so that a probe
/// ends after a few slots.
const INDEX_SLOTS: usize = 2048;
const _: () = assert!(INDEX_SLOTS.is_power_of_two() && INDEX_SLOTS > 2 * MAX_ROUTES);

/// Routes by the hash of their name, open addressing with linear probing. A slot is set once
/// and never cleared, so a lookup reads without a lock and writes nothing: requests of one
/// route on many cores share no written cache line here. Inserting takes `INSERT`, so a
/// route is added once.
static INDEX: [OnceLock<&'static Route>; INDEX_SLOTS] = [const { OnceLock::new() }; INDEX_SLOTS];
/// The number of routes in `INDEX`, held while one is added.
static INSERT: Mutex<usize> = Mutex::new(0);
static UNMATCHED_ROUTE: OnceLock<&'static Route> = OnceLock::new();
static OTHER_ROUTE: OnceLock<&'static Route> = OnceLock::new();

/// FNV-1a: route names are the application's templates, short, and at most [`MAX_ROUTES`] of
/// them are ever stored, so a fast hash without a seed is enough (a seed would come from a
/// thread-local, which a request served from a thread-local's destructor may no longer have).
fn hash(name: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 32)) as usize
}

/// The slot of `name`, or the first free slot of its probe sequence.
fn probe(name: &str) -> (usize, Option<&'static Route>) {
    let mut i = hash(name) & (INDEX_SLOTS - 1);
    loop {
        match INDEX[i].get() {
            None => return (i, None),
            Some(r) if r.name == name => return (i, Some(r)),
            Some(_) => i = (i + 1) & (INDEX_SLOTS - 1),
        }
    }
}

/// The entry of `route` (`None`: the request matched no route).
pub(crate) fn route(route: Option<&str>) -> &'static Route {
    let Some(name) = route else {
        return UNMATCHED_ROUTE.get_or_init(|| Route::new(UNMATCHED));
    };
    if let (_, Some(r)) = probe(name) {
        return r;
    }
    let mut count = INSERT.lock().unwrap_or_else(PoisonError::into_inner);
    let (free, found) = probe(name);
    if let Some(r) = found {
        return r;
    }
    if *count >= MAX_ROUTES {
        return OTHER_ROUTE.get_or_init(|| Route::new(OTHER));
    }
    let r = Route::new(Box::leak(name.into()));
    // The slot is free and only written under `INSERT`, which is held.
    let _ = INDEX[free].set(r);
    *count += 1;
    r
}

/// Every route seen, `unmatched` and `other` included, sorted by name.
pub(crate) fn routes() -> Vec<&'static Route> {
    let mut all: Vec<&'static Route> = INDEX.iter().filter_map(|s| s.get().copied()).collect();
    all.extend(UNMATCHED_ROUTE.get().copied());
    all.extend(OTHER_ROUTE.get().copied());
    all.sort_by_key(|r| r.name);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes the README gives, on 64-bit targets.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn series_take_the_memory_the_readme_says() {
        use std::mem::size_of;
        assert_eq!(size_of::<Route>(), 176);
        assert_eq!(size_of::<Series>(), 408);
        assert_eq!(size_of::<Durations>(), 792);
        assert_eq!(
            size_of::<[OnceLock<&'static Route>; INDEX_SLOTS]>(),
            32 * 1024
        );
    }

    #[test]
    fn statuses_past_the_cap_share_the_other_slot() {
        let s = Series::new();
        for code in 200..200 + MAX_STATUSES as u16 + 5 {
            s.record(code, 1_000);
        }
        s.record(200, 1_000);
        let mut seen = Vec::new();
        s.each_status(|code, d| {
            seen.push((code, d.count()));
        });
        assert_eq!(seen.len(), MAX_STATUSES + 1);
        assert_eq!(seen[0], (200, 2));
        assert_eq!(seen[MAX_STATUSES], (OTHER_STATUS, 5));
    }

    #[test]
    fn routes_past_the_cap_are_other_and_each_is_stored_once() {
        // Other tests of this binary add a few routes too: stay clear of the exact cap.
        let mine: Vec<&'static Route> = (0..MAX_ROUTES + 10)
            .map(|i| route(Some(&format!("/cap-test/{i}"))))
            .collect();
        assert!(mine.iter().any(|r| r.name == OTHER));
        assert!(mine[..MAX_ROUTES - 20].iter().all(|r| r.name != OTHER));
        for (i, r) in mine.iter().enumerate().take(MAX_ROUTES - 20) {
            assert!(std::ptr::eq(*r, route(Some(&format!("/cap-test/{i}")))));
        }
        let listed = routes();
        let names: std::collections::HashSet<&str> = listed.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), listed.len(), "a route is listed twice");
        assert!(listed.len() <= MAX_ROUTES + 2);
    }

    #[test]
    fn routes_are_found_again_and_none_is_unmatched() {
        let a = route(Some("/table-test/{id}"));
        assert!(std::ptr::eq(a, route(Some("/table-test/{id}"))));
        assert_eq!(route(None).name, UNMATCHED);
        assert!(routes().iter().any(|r| std::ptr::eq(*r, a)));
    }
}
