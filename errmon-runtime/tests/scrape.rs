//! What a user sees at `/metrics` after a known workload: exact lines and values for every
//! macro, the facade metrics next to errmon's, and the HTTP headers of the answer.
//!
//! The workload runs once per process, before `install()`, so every test also checks that
//! calls made before installing are served. Each test reads its own functions' series, so the
//! tests can run in any order and in parallel against the one endpoint.

use errmon_test_support as support;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Waker};
use std::time::Duration;

use errmon_runtime::{Config, ErrorKind, InstallGuard, count_calls, monitored, timed};
use support::{assert_line, assert_no_sample_containing, samples, scrape, value};

const BUCKETS: [f64; 5] = [0.001, 0.01, 0.1, 1.0, 10.0];
const BUCKET_LABELS: [&str; 5] = ["0.001", "0.01", "0.1", "1", "10"];

#[derive(Debug, ErrorKind)]
enum StoreError {
    NotFound,
    #[error_kind("timeout")]
    TimedOut,
}

/// By `id % 4`: ok, `NotFound`, `TimedOut`, panic.
#[monitored(labels(tier = "gold"))]
fn load(id: u64) -> Result<u64, StoreError> {
    match id % 4 {
        0 => Ok(id),
        1 => Err(StoreError::NotFound),
        2 => Err(StoreError::TimedOut),
        _ => panic!("load({id}) panics on purpose"),
    }
}

/// Never completes unless `ready`.
#[monitored]
async fn fetch(ready: bool) -> Result<u32, StoreError> {
    if !ready {
        std::future::pending::<()>().await;
    }
    Ok(7)
}

/// Only used by the in-flight test, so its series change only there.
#[monitored]
async fn hang() {
    std::future::pending::<()>().await;
}

#[timed]
fn render(page: &str) -> String {
    page.to_uppercase()
}

/// Sleeps so its durations have a known lower bound.
#[timed]
fn nap() {
    std::thread::sleep(Duration::from_millis(3));
}

#[count_calls]
fn heartbeat() {}

#[monitored]
#[allow(dead_code)]
fn never_called() -> Result<(), StoreError> {
    Ok(())
}

struct Cache {
    hits: u32,
}

#[monitored]
impl Cache {
    #[monitored(error_if = Option::is_none)]
    fn get(&self, key: &str) -> Option<u32> {
        (key == "hit").then_some(self.hits)
    }

    fn put(&mut self, _key: &str) {
        self.hits += 1;
    }

    #[monitored(skip)]
    fn helper(&self) -> u32 {
        self.hits
    }
}

/// Polls `fut` once, which must leave it pending, and returns it.
fn poll_once<F: Future>(fut: F) -> Pin<Box<F>> {
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    fut
}

fn workload() {
    support::quiet_expected_panics();
    for id in 0..10 {
        let _ = std::panic::catch_unwind(|| load(id));
    }
    assert_eq!(futures::executor::block_on(fetch(true)).ok(), Some(7));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    assert_eq!(rt.block_on(fetch(true)).ok(), Some(7));
    drop(poll_once(fetch(false)));
    for page in ["a", "b", "c", "d"] {
        render(page);
    }
    nap();
    nap();
    for _ in 0..7 {
        heartbeat();
    }
    let mut cache = Cache { hits: 0 };
    cache.put("x");
    cache.put("y");
    assert_eq!(cache.get("hit"), Some(2));
    assert_eq!(cache.get("miss"), None);
    assert_eq!(cache.get("miss"), None);
    assert_eq!(cache.helper(), 2);
}

fn endpoint() -> SocketAddr {
    static GUARD: OnceLock<InstallGuard> = OnceLock::new();
    GUARD
        .get_or_init(|| {
            workload();
            let guard = Config::default()
                .listen("127.0.0.1:0")
                .const_label("service", "itest")
                .duration_buckets(BUCKETS)
                .install()
                .expect("install errmon");
            support::facade_workload();
            guard
        })
        .local_addr()
}

/// A bucket of `errmon_call_duration_seconds`, whose `le` label comes last.
fn bucket(function: &str, static_labels: &str, le: &str) -> String {
    format!(
        "errmon_call_duration_seconds_bucket{{function=\"{function}\",module=\"scrape\"{static_labels},service=\"itest\",le=\"{le}\"}}"
    )
}

#[test]
fn metrics_are_served_as_prometheus_text() {
    let r = support::get(endpoint(), "/metrics");
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(
        r.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(
        r.header("Content-Length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r.text().ends_with('\n'), "the last line is not terminated");
}

/// Fails unless `body` has each of `lines`.
#[track_caller]
fn assert_lines(body: &str, lines: &[&str]) {
    for line in lines {
        assert_line(body, line);
    }
}

#[test]
fn monitored_calls_are_counted_by_outcome_error_type_and_kind() {
    let body = scrape(endpoint());
    assert_lines(
        &body,
        &[
            r#"errmon_calls_total{function="load",module="scrape",tier="gold",service="itest"} 10"#,
            r#"errmon_call_outcomes_total{function="load",module="scrape",outcome="ok",tier="gold",service="itest"} 3"#,
            r#"errmon_call_outcomes_total{function="load",module="scrape",outcome="error",tier="gold",service="itest"} 5"#,
            r#"errmon_call_outcomes_total{function="load",module="scrape",outcome="panic",tier="gold",service="itest"} 2"#,
            r#"errmon_call_outcomes_total{function="load",module="scrape",outcome="cancelled",tier="gold",service="itest"} 0"#,
            r#"errmon_errors_total{function="load",module="scrape",error_type="StoreError",error_kind="not_found",tier="gold",service="itest"} 3"#,
            r#"errmon_errors_total{function="load",module="scrape",error_type="StoreError",error_kind="timeout",tier="gold",service="itest"} 2"#,
            r#"errmon_calls_in_flight{function="load",module="scrape",tier="gold",service="itest"} 0"#,
            r#"errmon_call_duration_seconds_count{function="load",module="scrape",tier="gold",service="itest"} 10"#,
        ],
    );
    let load_errors = samples(&body)
        .filter(|s| s.starts_with(r#"errmon_errors_total{function="load""#))
        .count();
    assert_eq!(load_errors, 2, "one series per error type and kind");
}

#[test]
fn async_calls_count_completions_and_dropped_futures() {
    let body = scrape(endpoint());
    assert_lines(
        &body,
        &[
            r#"errmon_calls_total{function="fetch",module="scrape",service="itest"} 3"#,
            r#"errmon_call_outcomes_total{function="fetch",module="scrape",outcome="ok",service="itest"} 2"#,
            r#"errmon_call_outcomes_total{function="fetch",module="scrape",outcome="error",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="fetch",module="scrape",outcome="panic",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="fetch",module="scrape",outcome="cancelled",service="itest"} 1"#,
            r#"errmon_calls_in_flight{function="fetch",module="scrape",service="itest"} 0"#,
            r#"errmon_call_duration_seconds_count{function="fetch",module="scrape",service="itest"} 3"#,
        ],
    );
}

#[test]
fn calls_in_flight_show_until_the_future_is_dropped() {
    let addr = endpoint();
    let fut = poll_once(hang());
    assert_lines(
        &scrape(addr),
        &[
            r#"errmon_calls_total{function="hang",module="scrape",service="itest"} 1"#,
            r#"errmon_calls_in_flight{function="hang",module="scrape",service="itest"} 1"#,
            r#"errmon_call_outcomes_total{function="hang",module="scrape",outcome="cancelled",service="itest"} 0"#,
        ],
    );
    drop(fut);
    assert_lines(
        &scrape(addr),
        &[
            r#"errmon_calls_total{function="hang",module="scrape",service="itest"} 1"#,
            r#"errmon_calls_in_flight{function="hang",module="scrape",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="hang",module="scrape",outcome="cancelled",service="itest"} 1"#,
        ],
    );
}

#[test]
fn timed_exports_only_a_histogram_and_count_calls_only_a_counter() {
    let body = scrape(endpoint());
    assert_lines(
        &body,
        &[
            r#"errmon_call_duration_seconds_bucket{function="render",module="scrape",service="itest",le="+Inf"} 4"#,
            r#"errmon_call_duration_seconds_count{function="render",module="scrape",service="itest"} 4"#,
            r#"errmon_calls_total{function="heartbeat",module="scrape",service="itest"} 7"#,
        ],
    );
    for s in samples(&body) {
        if s.contains(r#"function="render""#) {
            assert!(s.starts_with("errmon_call_duration_seconds_"), "{s}");
        }
        if s.contains(r#"function="heartbeat""#) {
            assert!(s.starts_with("errmon_calls_total{"), "{s}");
        }
    }
}

#[test]
fn impl_block_methods_are_labelled_type_and_method() {
    let body = scrape(endpoint());
    assert_lines(
        &body,
        &[
            r#"errmon_calls_total{function="Cache::put",module="scrape",service="itest"} 2"#,
            r#"errmon_call_outcomes_total{function="Cache::put",module="scrape",outcome="ok",service="itest"} 2"#,
            r#"errmon_calls_total{function="Cache::get",module="scrape",service="itest"} 3"#,
            r#"errmon_call_outcomes_total{function="Cache::get",module="scrape",outcome="ok",service="itest"} 1"#,
            r#"errmon_call_outcomes_total{function="Cache::get",module="scrape",outcome="error",service="itest"} 2"#,
            r#"errmon_errors_total{function="Cache::get",module="scrape",error_type="Option<u32>",error_kind="is_none",service="itest"} 2"#,
        ],
    );
    // `#[monitored(skip)]` leaves `helper` out.
    assert_no_sample_containing(&body, "helper");
}

#[test]
fn functions_never_called_are_served_at_zero() {
    let body = scrape(endpoint());
    assert_lines(
        &body,
        &[
            r#"errmon_calls_total{function="never_called",module="scrape",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="never_called",module="scrape",outcome="ok",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="never_called",module="scrape",outcome="error",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="never_called",module="scrape",outcome="panic",service="itest"} 0"#,
            r#"errmon_call_outcomes_total{function="never_called",module="scrape",outcome="cancelled",service="itest"} 0"#,
            r#"errmon_calls_in_flight{function="never_called",module="scrape",service="itest"} 0"#,
            r#"errmon_call_duration_seconds_bucket{function="never_called",module="scrape",service="itest",le="0.001"} 0"#,
            r#"errmon_call_duration_seconds_bucket{function="never_called",module="scrape",service="itest",le="10"} 0"#,
            r#"errmon_call_duration_seconds_bucket{function="never_called",module="scrape",service="itest",le="+Inf"} 0"#,
            r#"errmon_call_duration_seconds_sum{function="never_called",module="scrape",service="itest"} 0"#,
            r#"errmon_call_duration_seconds_count{function="never_called",module="scrape",service="itest"} 0"#,
        ],
    );
    assert_no_sample_containing(&body, r#"errmon_errors_total{function="never_called""#);
}

#[test]
fn histograms_use_the_configured_buckets_cumulatively() {
    let body = scrape(endpoint());
    let h = |function: &str, static_labels: &str, suffix: &str| {
        let s = format!(
            "errmon_call_duration_seconds_{suffix}{{function=\"{function}\",module=\"scrape\"{static_labels},service=\"itest\"}}"
        );
        value(&body, &s).unwrap_or_else(|| panic!("no sample {s}"))
    };
    let workload = [
        ("load", ",tier=\"gold\"", 10.0),
        ("fetch", "", 3.0),
        ("Cache::get", "", 3.0),
        ("Cache::put", "", 2.0),
        ("render", "", 4.0),
        ("nap", "", 2.0),
    ];
    for (function, static_labels, calls) in workload {
        let mut previous = 0.0;
        for le in BUCKET_LABELS.iter().chain(&["+Inf"]) {
            let s = bucket(function, static_labels, le);
            let c = value(&body, &s).unwrap_or_else(|| panic!("no sample {s}"));
            assert!(
                c >= previous,
                "{function}: le={le} is {c}, below {previous}"
            );
            previous = c;
        }
        assert_eq!(previous, calls, "{function}: +Inf bucket");
        assert_eq!(h(function, static_labels, "count"), calls, "{function}");
        let buckets = samples(&body)
            .filter(|s| {
                s.starts_with("errmon_call_duration_seconds_bucket{")
                    && s.contains(&format!("function=\"{function}\""))
            })
            .count();
        assert_eq!(buckets, BUCKETS.len() + 1, "{function}: bucket lines");
    }
    // `nap` sleeps 3 ms per call: none fits under 1 ms, and the sum covers both sleeps.
    assert_line(&body, &format!("{} 0", bucket("nap", "", "0.001")));
    assert!(h("nap", "", "sum") >= 0.006);
}

#[test]
fn every_errmon_series_carries_its_static_and_constant_labels() {
    let body = scrape(endpoint());
    let errmon: Vec<&str> = samples(&body)
        .filter(|s| s.starts_with("errmon_"))
        .collect();
    assert!(errmon.len() > 50, "{body}");
    for s in errmon {
        assert!(s.contains(",service=\"itest\""), "no constant label: {s}");
        if s.contains("function=\"load\"") {
            assert!(s.contains(",tier=\"gold\""), "no static label: {s}");
        } else {
            assert!(!s.contains("tier="), "static label leaked: {s}");
        }
    }
}

#[test]
fn facade_metrics_are_served_in_the_same_body() {
    let body = scrape(endpoint());
    for line in [
        "# HELP itest_jobs_total Jobs run by the integration test.",
        "# TYPE itest_jobs_total counter",
        "itest_jobs_total{service=\"itest\",queue=\"fast\"} 3",
        "# TYPE itest_queue_depth gauge",
        "itest_queue_depth{service=\"itest\"} 4",
    ] {
        assert_line(&body, line);
    }
    let errmon_at = body
        .find("# TYPE errmon_calls_total")
        .expect("errmon families");
    let facade_at = body
        .find("# TYPE itest_jobs_total")
        .expect("facade families");
    assert!(errmon_at < facade_at, "errmon's families come first");
}

#[test]
fn facade_histograms_render_as_histograms_with_the_configured_buckets() {
    let body = scrape(endpoint());
    for line in [
        "# HELP itest_job_duration_seconds Job durations recorded through the facade.",
        "# TYPE itest_job_duration_seconds histogram",
        "itest_job_duration_seconds_bucket{service=\"itest\",le=\"0.001\"} 1",
        "itest_job_duration_seconds_bucket{service=\"itest\",le=\"0.01\"} 1",
        "itest_job_duration_seconds_bucket{service=\"itest\",le=\"0.1\"} 1",
        "itest_job_duration_seconds_bucket{service=\"itest\",le=\"1\"} 3",
        "itest_job_duration_seconds_bucket{service=\"itest\",le=\"10\"} 4",
        "itest_job_duration_seconds_bucket{service=\"itest\",le=\"+Inf\"} 4",
        "itest_job_duration_seconds_sum{service=\"itest\"} 2.7509765625",
        "itest_job_duration_seconds_count{service=\"itest\"} 4",
    ] {
        assert_line(&body, line);
    }
    assert!(!body.contains("summary"), "{body}");
    assert!(!body.contains("quantile="), "{body}");
}
