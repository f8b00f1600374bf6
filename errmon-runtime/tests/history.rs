//! The history, sampled by hand on an injected clock: windows of 10 s and 1 min records,
//! what each window holds, quantiles as `histogram_quantile` computes them, routes, the
//! process, and `GET /history`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errmon_runtime::errors::{self, ErrorSettings};
use errmon_runtime::history;

/// A whole number of minutes, so each call's interval is known.
const T0: u64 = 1_800_000_000_000;
static NOW: AtomicU64 = AtomicU64::new(T0);

fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(NOW.load(Relaxed))
}

/// Moves the clock to `secs` after T0 and samples there, as the scheduler does.
fn at(secs: u64) {
    NOW.store(T0 + secs * 1000, Relaxed);
    history::sample();
}

#[derive(Debug, errmon_runtime::ErrorKind)]
enum StoreError {
    NotFound,
    #[error_kind("timeout")]
    TimedOut,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[errmon_runtime::monitored]
fn lookup(n: u32) -> Result<u32, StoreError> {
    match n % 4 {
        1 => Err(StoreError::NotFound),
        2 => Err(StoreError::TimedOut),
        _ => Ok(n),
    }
}

/// Linked in at start-up, never called.
#[errmon_runtime::monitored]
#[allow(dead_code)]
fn never_called() {}

const SECOND: Duration = Duration::from_secs(1);

/// One test: both parts move or read the one injected clock.
#[test]
fn history_of_functions_routes_and_the_process() {
    windows_hold_what_happened_within_them();
    routes_and_the_process_have_their_history_and_history_is_served_as_json();
}

fn windows_hold_what_happened_within_them() {
    errors::configure(ErrorSettings::default().clock(clock)).unwrap();
    at(0);
    // 8 calls at 5 s (interval 0): 4 errors.
    NOW.store(T0 + 5_000, Relaxed);
    (0..8).for_each(|n| drop(lookup(n)));
    // 4 calls at 125 s (interval 12): 2 errors.
    at(120);
    NOW.store(T0 + 125_000, Relaxed);
    (0..4).for_each(|n| drop(lookup(n)));
    // Only successes at 600 s: a pass finds the errors unmoved.
    at(600);
    NOW.store(T0 + 605_000, Relaxed);
    drop(lookup(0));
    at(610);
    // 4 more at 1,255 s (interval 125, minute 20), read without a sample after them.
    at(1_250);
    NOW.store(T0 + 1_255_000, Relaxed);
    (0..4).for_each(|n| drop(lookup(n)));

    let last = |secs| {
        history::function("lookup", Duration::from_secs(secs))
            .unwrap()
            .unwrap()
    };
    let minute = last(60);
    assert_eq!((minute.calls, minute.errors), (4, 2));
    let ratio = minute.error_ratio().unwrap();
    assert_eq!((ratio.value, ratio.calls), (0.5, 4));
    assert_eq!(minute.errors_per_second(), 2.0 / 60.0);
    let mut kinds: Vec<(&str, u64)> = minute
        .errors_by_kind
        .iter()
        .map(|k| (k.error_kind, k.count))
        .collect();
    kinds.sort();
    assert_eq!(kinds, [("not_found", 1), ("timeout", 1)]);
    // Six 10 s points, the live one last.
    assert_eq!(minute.series.len(), 6);
    assert_eq!(minute.series[5].calls, 4);
    assert_eq!(minute.series[5].start_ms, T0 + 1_250_000);
    assert!(minute.series[..5].iter().all(|p| p.calls == 0));

    // The process: every monitored function, its errors by severity.
    let process = history::process(SECOND * 60).unwrap();
    assert_eq!((process.calls, process.errors), (4, 2));
    assert_eq!(
        process.errors_by_severity,
        [(errmon_runtime::errors::Severity::Error, 2)]
    );
    let hour = history::process(SECOND * 3600).unwrap();
    assert_eq!(hour.errors_by_severity.iter().map(|s| s.1).sum::<u64>(), 8);

    // 15 minutes back from 1,255 s reach 355 s: the call at 605 s and the last four.
    assert_eq!(last(900).calls, 5);
    // An hour reaches every call, in minute records.
    let hour = last(3600);
    assert_eq!((hour.calls, hour.errors), (17, 8));
    assert_eq!(hour.errors_by_kind.iter().map(|k| k.count).sum::<u64>(), 8);
    assert_eq!(hour.series.len(), 60);
    assert!(hour.series.iter().all(|p| p.seconds == 60));
    assert_eq!(hour.series.iter().map(|p| p.calls).sum::<u64>(), 17);

    // Long after, nothing is left in any window.
    at(1_250 + 3_700);
    assert_eq!(last(3600).calls, 0);
    assert_eq!(last(60).error_ratio(), None);

    // A function never called has an empty history; an unknown one none.
    let quiet = history::function("never_called", SECOND * 60)
        .unwrap()
        .unwrap();
    assert_eq!((quiet.calls, quiet.quantile(0.5)), (0, None));
    assert!(
        history::function("no_such_fn", SECOND * 60)
            .unwrap()
            .is_none()
    );
    assert!(history::function("lookup", SECOND * 7200).is_err());
    assert!(history::function("lookup", Duration::ZERO).is_err());
}

fn routes_and_the_process_have_their_history_and_history_is_served_as_json() {
    use errmon_runtime::endpoint::Request;
    use errmon_runtime::http::{Exchange, Method};

    for status in [200, 200, 503, 404] {
        Exchange::start(Method::Get, Some("/history-test/{id}")).finish(status);
    }
    let route = history::route("/history-test/{id}", SECOND * 60)
        .unwrap()
        .unwrap();
    assert_eq!((route.calls, route.errors), (4, 1));
    assert!(route.quantile(0.99).is_some());
    assert!(history::route("/nowhere", SECOND * 60).unwrap().is_none());
    let process = history::process(SECOND * 60).unwrap();
    assert!(process.calls >= 4 && process.errors >= 1);

    let endpoint = errmon_runtime::Config::default()
        .capture_facade(false)
        .endpoint()
        .unwrap();
    let get = |target: &str| {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let r = endpoint.answer(&Request::new("GET", path, Some(query)));
        let body = String::from_utf8(r.body().to_vec()).unwrap();
        (r.status(), body)
    };
    let (status, body) = get("/history?window=5m&route=/history-test/%7Bid%7D");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["window_seconds"], 300);
    assert_eq!(v["functions"].as_array().unwrap().len(), 0);
    let r = &v["routes"][0];
    assert_eq!(r["route"], "/history-test/{id}");
    assert_eq!(
        (r["calls"].as_u64(), r["errors"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(r["error_ratio"], 0.25);
    assert_eq!(r["ratio_calls"], 4);
    assert_eq!(r["series"].as_array().unwrap().len(), 30);
    assert!(r["latency_seconds"]["p99"].is_number());
    // Asked for one route, only that route is read.
    assert!(v.get("process").is_none(), "{v}");

    let (status, body) = get("/history");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["window_seconds"], 60);
    assert!(v["process"]["series"].is_array(), "{v}");
    assert!(
        v["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["route"] == "/history-test/{id}")
    );

    for (query, named) in [
        ("window=2h", "`window`"),
        ("window=soon", "`window`"),
        ("function=", "`function`"),
        ("limit=3", "`limit`"),
    ] {
        let (status, body) = get(&format!("/history?{query}"));
        assert_eq!(status, 400, "{query}");
        assert!(body.contains(named), "{query}: {body}");
    }
}
