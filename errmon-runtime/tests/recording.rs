//! What each attribute records, read back through `errmon_runtime::sites`: sync, async, a future
//! dropped before completion, panics, errors by type and kind, and predicate classification.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use errmon_runtime::sites::{self, Kind, OutcomeLabel, Snapshot};
use errmon_runtime::{ErrorKind, count_calls, monitored, timed};

fn site(function: &str) -> &'static errmon_runtime::sites::Site {
    sites::all()
        .into_iter()
        .find(|s| s.meta().function == function)
        .unwrap_or_else(|| panic!("no site for {function}"))
}

fn snap(function: &str) -> Snapshot {
    site(function).snapshot()
}

fn outcomes(s: &Snapshot) -> [(OutcomeLabel, u64); 4] {
    OutcomeLabel::ALL.map(|o| (o, s.outcomes[o as usize]))
}

fn errors_of(function: &str) -> Vec<(String, &'static str, u64)> {
    let mut v: Vec<_> = sites::error_series()
        .into_iter()
        .filter(|e| e.site.meta().function == function)
        .map(|e| (e.error_type, e.error_kind, e.count))
        .collect();
    v.sort();
    v
}

#[derive(Debug, ErrorKind)]
enum FetchError {
    NotFound,
    #[error_kind("timeout")]
    TimedOut(#[allow(dead_code)] u32),
}

#[derive(Debug)]
struct PlainError;

#[count_calls]
fn counted() {}

#[test]
fn count_calls_counts_each_call() {
    for _ in 0..5 {
        counted();
    }
    let s = snap("counted");
    assert_eq!(s.calls, 5);
    assert_eq!(s.count(), 0, "count_calls records no durations");
    assert_eq!(site("counted").meta().kind, Kind::Count);
}

#[timed]
fn sleeps(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

#[test]
fn timed_records_one_duration_per_call_with_an_exact_sum() {
    assert_eq!(sleeps(3), 3);
    assert_eq!(sleeps(1), 1);
    let s = snap("sleeps");
    assert_eq!(s.count(), 2);
    // Sleeping guarantees at least the requested time, so the sum is at least 4 ms.
    assert!(s.sum_ns >= 4_000_000, "sum {} ns", s.sum_ns);
    let slots = s.slots.expect("timed sites keep a histogram");
    // Both calls took at least 1 ms: nothing in the slots up to 1 ms (1 µs, then 12 per decade).
    assert_eq!(slots[..=36].iter().sum::<u64>(), 0);
}

#[timed]
fn naps(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn durations_come_with_their_bounds() {
    naps(2);
    let s = snap("naps");
    let per_slot: Vec<(f64, u64)> = s.durations().collect();
    assert_eq!(per_slot.len(), s.slots.as_ref().unwrap().len());
    assert_eq!(per_slot.first().unwrap().0, 1e-6);
    assert_eq!(per_slot[per_slot.len() - 2].0, 100.0);
    assert_eq!(per_slot.last().unwrap().0, f64::INFINITY);
    let buckets: Vec<(f64, u64)> = s.cumulative_durations().collect();
    // Slept at least 2 ms: nothing at or below 1 ms, the call in every bucket from 1 s up.
    let at = |le: f64| buckets.iter().find(|b| b.0 == le).unwrap().1;
    assert_eq!((at(0.001), at(1.0), at(f64::INFINITY)), (0, 1, 1));
    assert!(s.sum_seconds() >= 0.002);
}

#[monitored]
fn fetch(id: u32) -> Result<u32, FetchError> {
    match id {
        0 => Err(FetchError::NotFound),
        1 => Err(FetchError::TimedOut(50)),
        _ => Ok(id),
    }
}

#[test]
fn monitored_counts_outcomes_and_errors_by_kind() {
    for id in [0, 1, 1, 2, 3, 4] {
        let _ = fetch(id);
    }
    let s = snap("fetch");
    assert_eq!(s.calls, 6);
    assert_eq!(
        outcomes(&s),
        [
            (OutcomeLabel::Ok, 3),
            (OutcomeLabel::Error, 3),
            (OutcomeLabel::Panic, 0),
            (OutcomeLabel::Cancelled, 0)
        ]
    );
    assert_eq!(s.in_flight(), 0);
    assert_eq!(s.count(), 6, "every finished call is timed");
    assert_eq!(
        errors_of("fetch"),
        [
            ("FetchError".to_owned(), "not_found", 1),
            ("FetchError".to_owned(), "timeout", 2)
        ]
    );
}

#[monitored]
fn plain(fail: bool) -> Result<(), PlainError> {
    if fail { Err(PlainError) } else { Ok(()) }
}

#[test]
fn errors_without_error_kind_are_unknown() {
    let _ = plain(true);
    let _ = plain(false);
    assert_eq!(
        errors_of("plain"),
        [("PlainError".to_owned(), "unknown", 1)]
    );
}

#[monitored]
fn boxed(fail: bool) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    if fail { Err("boom".into()) } else { Ok(1) }
}

#[test]
fn boxed_errors_are_labelled_by_their_short_type() {
    let _ = boxed(true);
    assert_eq!(
        errors_of("boxed"),
        [("Box<dyn Error + Send + Sync>".to_owned(), "unknown", 1)]
    );
}

#[monitored]
fn read_config(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[monitored]
fn connect(refused: bool) -> Result<(), std::io::Error> {
    Err(if refused {
        std::io::ErrorKind::ConnectionRefused.into()
    } else {
        std::io::Error::other("custom")
    })
}

#[monitored]
fn parse_port(text: &str) -> Result<u16, std::num::ParseIntError> {
    text.parse()
}

#[test]
fn std_errors_are_labelled_with_their_kind() {
    assert!(read_config("/errmon/no/such/file").is_err());
    let _ = connect(true);
    let _ = connect(false);
    for text in ["80", "http", "", "70000"] {
        let _ = parse_port(text);
    }
    // `io::Error` keeps its short type name, `Error`.
    assert_eq!(
        errors_of("read_config"),
        [("Error".to_owned(), "not_found", 1)]
    );
    assert_eq!(
        errors_of("connect"),
        [
            ("Error".to_owned(), "connection_refused", 1),
            ("Error".to_owned(), "other", 1)
        ]
    );
    assert_eq!(
        errors_of("parse_port"),
        [
            ("ParseIntError".to_owned(), "empty", 1),
            ("ParseIntError".to_owned(), "invalid_digit", 1),
            ("ParseIntError".to_owned(), "pos_overflow", 1)
        ]
    );
}

#[monitored]
fn panics(really: bool) -> u8 {
    assert!(!really, "asked to panic");
    7
}

#[test]
fn a_panic_is_recorded_as_such() {
    assert_eq!(panics(false), 7);
    let caught = std::panic::catch_unwind(|| panics(true));
    assert!(caught.is_err());
    let s = snap("panics");
    assert_eq!(s.calls, 2);
    assert_eq!(s.outcomes[OutcomeLabel::Ok as usize], 1);
    assert_eq!(s.outcomes[OutcomeLabel::Panic as usize], 1);
    assert_eq!(s.in_flight(), 0);
}

/// A future that stays pending until `READY` is set.
struct Gate;

static READY: AtomicBool = AtomicBool::new(false);

impl Future for Gate {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if READY.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[monitored]
async fn waits(id: u32) -> Result<u32, FetchError> {
    Gate.await;
    if id == 0 {
        Err(FetchError::NotFound)
    } else {
        Ok(id)
    }
}

#[test]
fn async_calls_are_in_flight_while_pending_and_cancelled_when_dropped() {
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut dropped = pin!(waits(5));
        assert!(dropped.as_mut().poll(&mut cx).is_pending());
        assert_eq!(snap("waits").in_flight(), 1);
    }
    let s = snap("waits");
    assert_eq!(s.outcomes[OutcomeLabel::Cancelled as usize], 1);
    assert_eq!(s.in_flight(), 0);

    // A future never polled has not started: nothing is recorded for it.
    drop(waits(6));
    assert_eq!(snap("waits").calls, 1);

    READY.store(true, Ordering::Release);
    assert_eq!(futures::executor::block_on(waits(2)).unwrap(), 2);
    assert!(futures::executor::block_on(waits(0)).is_err());
    let s = snap("waits");
    assert_eq!(
        outcomes(&s),
        [
            (OutcomeLabel::Ok, 1),
            (OutcomeLabel::Error, 1),
            (OutcomeLabel::Panic, 0),
            (OutcomeLabel::Cancelled, 1)
        ]
    );
    assert_eq!(
        errors_of("waits"),
        [("FetchError".to_owned(), "not_found", 1)]
    );
}

#[monitored(error_if = Option::is_none)]
fn lookup(id: u32) -> Option<u32> {
    (id > 0).then_some(id)
}

fn is_success(code: &u16) -> bool {
    *code < 500
}

#[monitored(ok_if = is_success)]
fn status(code: u16) -> u16 {
    code
}

#[test]
fn predicates_classify_other_return_types() {
    assert_eq!(lookup(0), None);
    assert_eq!(lookup(3), Some(3));
    assert_eq!(snap("lookup").outcomes[OutcomeLabel::Error as usize], 1);
    assert_eq!(
        errors_of("lookup"),
        [("Option<u32>".to_owned(), "is_none", 1)]
    );

    for code in [200, 404, 503, 500] {
        status(code);
    }
    assert_eq!(snap("status").outcomes[OutcomeLabel::Error as usize], 2);
    assert_eq!(
        errors_of("status"),
        [("u16".to_owned(), "not_is_success", 2)]
    );
}

#[monitored]
fn option_is_ok_by_default() -> Option<u8> {
    None
}

#[test]
fn option_returns_are_ok_without_a_predicate() {
    assert_eq!(option_is_ok_by_default(), None);
    assert_eq!(
        snap("option_is_ok_by_default").outcomes[OutcomeLabel::Ok as usize],
        1
    );
}

#[monitored(name = "renamed", labels(tier = "gold", region = "eu"))]
fn with_options() {}

#[test]
fn name_and_labels_are_kept_on_the_site() {
    with_options();
    let s = site("renamed");
    assert_eq!(s.meta().labels, &[("tier", "gold"), ("region", "eu")]);
    assert_eq!(s.meta().module, "recording");
    assert!(s.meta().file.ends_with("recording.rs"));
}

// Never called on purpose; the compiler's dead-code lint still sees through the attribute.
#[allow(dead_code)]
#[monitored]
fn never_called() -> Result<(), PlainError> {
    Ok(())
}

#[test]
fn sites_are_known_before_their_first_call() {
    let s = snap("never_called");
    assert_eq!(s.calls, 0);
    assert_eq!(s.count(), 0);
}

#[monitored]
fn threaded(id: u32) -> Result<u32, FetchError> {
    if id % 4 == 0 {
        Err(FetchError::TimedOut(1))
    } else {
        Ok(id)
    }
}

#[test]
fn shards_add_up_across_threads() {
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for id in 0..1000 {
                    let _ = threaded(id);
                }
            });
        }
    });
    let s = snap("threaded");
    assert_eq!(s.calls, 4000);
    assert_eq!(s.outcomes[OutcomeLabel::Ok as usize], 3000);
    assert_eq!(s.outcomes[OutcomeLabel::Error as usize], 1000);
    assert_eq!(s.count(), 4000);
    assert_eq!(
        errors_of("threaded"),
        [("FetchError".to_owned(), "timeout", 1000)]
    );
}

#[count_calls]
fn hammered() {}

#[test]
fn counts_stay_exact_with_more_threads_than_owned_shards() {
    // Threads come and go, so numbers are reused, and there are more of them than shards
    // owned by one thread, so some share the last shard.
    for _ in 0..3 {
        std::thread::scope(|scope| {
            for _ in 0..24 {
                scope.spawn(|| {
                    for _ in 0..5000 {
                        hammered();
                    }
                });
            }
        });
    }
    assert_eq!(snap("hammered").calls, 3 * 24 * 5000);
}
