//! The bridge, for applications that bring their own `metrics` recorder: what another recorder
//! (metrics-util's `DebuggingRecorder`) receives from `Bridge::publish`.
//!
//! The recorder is global and its snapshots drain what they read (counters reset to zero,
//! histogram observations are taken), so tests take turns (`LOCK`), each publishes right before
//! it takes a snapshot, and each reads only the series of its own functions.

use errmon_test_support as support;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Waker};
use std::time::Duration;

use errmon_runtime::export::bridge::Bridge;
use errmon_runtime::{Config, ErrorKind, InstallError, count_calls, monitored, timed};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

static LOCK: Mutex<()> = Mutex::new(());

/// The installed recorder, and this test's turn to read it.
fn recorder() -> (&'static Snapshotter, MutexGuard<'static, ()>) {
    static SNAPSHOTTER: OnceLock<Snapshotter> = OnceLock::new();
    let turn = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let snapshotter = SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder.install().expect("install the debugging recorder");
        snapshotter
    });
    (snapshotter, turn)
}

/// `name{k="v",...}` with the labels sorted by name: their order carries no meaning.
fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let mut labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    labels.sort();
    format!("{name}{{{}}}", labels.join(","))
}

/// What the recorder holds, keyed by [`series`].
fn received(snapshotter: &Snapshotter) -> HashMap<String, DebugValue> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
            (series(key.name(), &labels), value)
        })
        .collect()
}

#[track_caller]
fn counter(got: &HashMap<String, DebugValue>, series: &str) -> u64 {
    match got.get(series) {
        Some(DebugValue::Counter(v)) => *v,
        other => panic!("{series}: expected a counter, got {other:?}\nreceived: {got:#?}"),
    }
}

#[track_caller]
fn gauge(got: &HashMap<String, DebugValue>, series: &str) -> f64 {
    match got.get(series) {
        Some(DebugValue::Gauge(v)) => v.0,
        other => panic!("{series}: expected a gauge, got {other:?}\nreceived: {got:#?}"),
    }
}

/// The observations sent since the last snapshot; none when nothing was sent.
#[track_caller]
fn observations(got: &HashMap<String, DebugValue>, series: &str) -> Vec<f64> {
    match got.get(series) {
        Some(DebugValue::Histogram(v)) => v.iter().map(|f| f.0).collect(),
        None => Vec::new(),
        other => panic!("{series}: expected a histogram, got {other:?}\nreceived: {got:#?}"),
    }
}

#[derive(Debug, ErrorKind)]
enum StoreError {
    NotFound,
}

/// `id % 3`: ok, `NotFound`, panic.
#[monitored(labels(tier = "gold"))]
fn load(id: u64) -> Result<u64, StoreError> {
    match id % 3 {
        0 => Ok(id),
        1 => Err(StoreError::NotFound),
        _ => panic!("load({id}) panics on purpose"),
    }
}

/// Sleeps so its durations have a known lower bound.
#[timed]
fn nap() {
    std::thread::sleep(Duration::from_millis(2));
}

#[count_calls]
fn heartbeat() {}

#[test]
fn publish_sends_counters_as_totals_in_flight_as_a_gauge_and_each_duration_once() {
    let (snapshotter, _turn) = recorder();
    support::quiet_expected_panics();
    for id in 0..6 {
        let _ = std::panic::catch_unwind(|| load(id));
    }
    nap();
    nap();
    for _ in 0..4 {
        heartbeat();
    }
    let mut bridge = Bridge::new();
    bridge.publish();
    let got = received(snapshotter);

    let s = |name: &str, extra: &[(&str, &str)]| {
        let base = [("function", "load"), ("module", "bridge"), ("tier", "gold")];
        series(name, &[&base[..], extra].concat())
    };
    assert_eq!(counter(&got, &s("errmon_calls_total", &[])), 6);
    for (outcome, n) in [("ok", 2), ("error", 2), ("panic", 2), ("cancelled", 0)] {
        let key = s("errmon_call_outcomes_total", &[("outcome", outcome)]);
        assert_eq!(counter(&got, &key), n, "{key}");
    }
    let errors = s(
        "errmon_errors_total",
        &[("error_type", "StoreError"), ("error_kind", "not_found")],
    );
    assert_eq!(counter(&got, &errors), 2);
    assert_eq!(gauge(&got, &s("errmon_calls_in_flight", &[])), 0.0);
    let durations = observations(&got, &s("errmon_call_duration_seconds", &[]));
    assert_eq!(durations.len(), 6, "{durations:?}");
    assert!(
        durations.iter().all(|&d| d > 0.0 && d <= 100.0),
        "{durations:?}"
    );

    // Each nap sleeps 2 ms; a duration is sent as the grid bound at or above it.
    let naps = observations(
        &got,
        r#"errmon_call_duration_seconds{function="nap",module="bridge"}"#,
    );
    assert_eq!(naps.len(), 2, "{naps:?}");
    assert!(naps.iter().all(|&d| d >= 0.002), "{naps:?}");
    assert_eq!(
        counter(
            &got,
            r#"errmon_calls_total{function="heartbeat",module="bridge"}"#
        ),
        4
    );
    // Each macro sends only its own families.
    for key in got.keys() {
        if key.contains(r#"function="nap""#) {
            assert!(key.starts_with("errmon_call_duration_seconds{"), "{key}");
        }
        if key.contains(r#"function="heartbeat""#) {
            assert!(key.starts_with("errmon_calls_total{"), "{key}");
        }
    }

    // Publishing again resends the totals, but not the durations already sent.
    for id in [0, 3, 1] {
        let _ = load(id);
    }
    bridge.publish();
    let got = received(snapshotter);
    assert_eq!(counter(&got, &s("errmon_calls_total", &[])), 9);
    assert_eq!(
        counter(&got, &s("errmon_call_outcomes_total", &[("outcome", "ok")])),
        4
    );
    assert_eq!(counter(&got, &errors), 3);
    let durations = observations(&got, &s("errmon_call_duration_seconds", &[]));
    assert_eq!(durations.len(), 3, "only the new calls: {durations:?}");
    let naps = observations(
        &got,
        r#"errmon_call_duration_seconds{function="nap",module="bridge"}"#,
    );
    assert!(naps.is_empty(), "{naps:?}");
}

#[monitored]
async fn hang() {
    std::future::pending::<()>().await;
}

#[test]
fn the_in_flight_gauge_follows_a_pending_call_until_it_is_dropped() {
    let (snapshotter, _turn) = recorder();
    let in_flight = r#"errmon_calls_in_flight{function="hang",module="bridge"}"#;
    let cancelled =
        r#"errmon_call_outcomes_total{function="hang",module="bridge",outcome="cancelled"}"#;
    let mut fut = Box::pin(hang());
    assert!(
        fut.as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    );
    let mut bridge = Bridge::new();
    bridge.publish();
    let got = received(snapshotter);
    assert_eq!(gauge(&got, in_flight), 1.0);
    assert_eq!(counter(&got, cancelled), 0);
    drop(fut);
    bridge.publish();
    let got = received(snapshotter);
    assert_eq!(gauge(&got, in_flight), 0.0);
    assert_eq!(counter(&got, cancelled), 1);
}

#[count_calls]
fn spawned_ping() {}

#[test]
fn a_spawned_bridge_publishes_once_more_when_its_guard_drops() {
    let (snapshotter, _turn) = recorder();
    let guard = Bridge::spawn(Duration::from_secs(3600)).expect("spawn the bridge thread");
    spawned_ping();
    spawned_ping();
    drop(guard);
    let got = received(snapshotter);
    assert_eq!(
        counter(
            &got,
            r#"errmon_calls_total{function="spawned_ping",module="bridge"}"#
        ),
        2
    );
}

#[count_calls(name = "shared")]
fn shared_a() {}

#[count_calls(name = "shared")]
fn shared_b() {}

/// Two sites may share a label set (`name = ...`, or one method name in two `impl` blocks of a
/// module); `/metrics` adds them up into one series, and the bridge must send the same total.
#[test]
fn sites_sharing_labels_are_published_as_one_total() {
    let (snapshotter, _turn) = recorder();
    shared_a();
    shared_a();
    shared_b();
    shared_b();
    shared_b();
    let line = r#"errmon_calls_total{function="shared",module="bridge"} 5"#;
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install without capturing the facade");
    support::assert_line(&support::scrape(guard.local_addr()), line);
    drop(guard);

    Bridge::new().publish();
    let got = received(snapshotter);
    assert_eq!(
        counter(
            &got,
            r#"errmon_calls_total{function="shared",module="bridge"}"#
        ),
        5,
        "/metrics serves `{line}`"
    );
}

#[test]
fn install_says_how_to_live_with_another_recorder() {
    let (_, _turn) = recorder();
    let err = Config::default()
        .listen("127.0.0.1:0")
        .install()
        .expect_err("the facade cannot be captured");
    assert!(matches!(err, InstallError::RecorderAlreadySet), "{err:?}");
    assert!(
        err.to_string().contains("Config::capture_facade(false)"),
        "{err}"
    );
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install without capturing the facade");
    let body = support::scrape(guard.local_addr());
    assert!(
        body.contains(r#"errmon_calls_total{function="heartbeat",module="bridge"}"#),
        "{body}"
    );
}

#[monitored(labels(tier = "silver"))]
fn ordered() -> Result<(), StoreError> {
    Err(StoreError::NotFound)
}

/// The bridge and `/metrics` come from one export model: the same series with their labels in
/// the same order (`function`, `module`, the family's own, then static labels).
#[test]
fn the_bridge_sends_labels_in_the_order_metrics_serves_them() {
    let (snapshotter, _turn) = recorder();
    let _ = ordered();
    Bridge::new().publish();
    let mut sent: Vec<String> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, _)| {
            let key = key.key();
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}=\"{}\"", l.key(), l.value()))
                .collect();
            labels
                .iter()
                .any(|l| l == r#"function="ordered""#)
                .then(|| format!("{}{{{}}}", key.name(), labels.join(",")))
        })
        .collect();
    sent.sort();
    let text = errmon_runtime::export::render_prometheus(&Config::default()).expect("render");
    let mut served: Vec<String> = support::samples(&text)
        .filter(|l| l.contains(r#"function="ordered""#))
        .filter_map(|l| l.rsplit_once(' ').map(|(s, _)| s))
        .map(|s| {
            // `name_bucket{...,le=".."}`, `_sum` and `_count` are one histogram for the bridge.
            let s = s
                .split_once(",le=")
                .map_or(s.to_owned(), |(a, _)| format!("{a}}}"));
            s.replace("_seconds_bucket{", "_seconds{")
                .replace("_seconds_sum{", "_seconds{")
                .replace("_seconds_count{", "_seconds{")
        })
        .collect();
    served.sort();
    served.dedup();
    assert_eq!(sent, served);
    assert!(
        sent.contains(
            &r#"errmon_call_outcomes_total{function="ordered",module="bridge",outcome="error",tier="silver"}"#
                .to_owned()
        ),
        "{sent:#?}"
    );
}

/// Requests recorded by `errmon-tower` (through `errmon_runtime::http`) reach the other
/// recorder as `/metrics` serves them: a counter per status, a histogram, an in-flight gauge.
#[test]
fn http_requests_are_published_like_the_functions() {
    use errmon_runtime::http::{Exchange, Method};
    let (snapshotter, _turn) = recorder();
    for status in [200, 200, 503] {
        Exchange::start(Method::Get, Some("/bridge/{id}")).finish(status);
    }
    let pending = Exchange::start(Method::Post, Some("/bridge/{id}"));
    Bridge::new().publish();
    let got = received(snapshotter);
    let labels = |status: &'static str| {
        [
            ("method", "GET"),
            ("route", "/bridge/{id}"),
            ("status", status),
        ]
    };
    assert_eq!(
        counter(&got, &series("errmon_http_requests_total", &labels("200"))),
        2
    );
    assert_eq!(
        counter(&got, &series("errmon_http_requests_total", &labels("503"))),
        1
    );
    assert_eq!(
        observations(
            &got,
            &series("errmon_http_request_duration_seconds", &labels("200"))
        )
        .len(),
        2
    );
    assert_eq!(
        gauge(
            &got,
            &series(
                "errmon_http_requests_in_flight",
                &[("method", "POST"), ("route", "/bridge/{id}")]
            )
        ),
        1.0
    );
    drop(pending);
}

/// The families of the process, whose labels are a fixed set of reasons, reach the other
/// recorder with every reason, at zero until something is dropped, as `/metrics` serves them.
#[test]
fn every_drop_reason_is_published_as_metrics_serves_it() {
    let (snapshotter, _turn) = recorder();
    Bridge::new().publish();
    let got = received(snapshotter);
    let text = errmon_runtime::export::render_prometheus(&Config::default()).expect("render");
    for (family, reasons) in [
        (
            "errmon_error_reports_dropped_total",
            &["filtered", "rate_limited", "sampled", "scrubbed", "busy"][..],
        ),
        (
            "errmon_log_lines_dropped_total",
            &["queue_full", "writer_gone", "write_failed"][..],
        ),
    ] {
        let published: Vec<&str> = got
            .keys()
            .filter(|k| k.starts_with(&format!("{family}{{")))
            .map(String::as_str)
            .collect();
        assert_eq!(published.len(), reasons.len(), "{published:?}");
        for reason in reasons {
            let s = series(family, &[("reason", reason)]);
            let served = support::value(&text, &s).unwrap_or_else(|| panic!("{s} in\n{text}"));
            // Nothing in this process drops log lines or filters reports.
            assert_eq!(counter(&got, &s) as f64, served, "{s}");
        }
    }
}
