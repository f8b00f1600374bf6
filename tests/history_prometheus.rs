//! `GET /history` against a real Prometheus scraping the same process: the requests example
//! runs for a while, Prometheus scrapes it every second, and over the same minute the calls,
//! errors, error ratio and p99 of `/history?window=60s` match what `increase()`, the ratio of
//! increases and `histogram_quantile()` say, within one 10 s interval.
//!
//! Needs Debian's `prometheus` package (skipped with a notice without it, failing instead
//! with `ERRMON_REQUIRE_PROMETHEUS=1`). Takes about 80 s: a minute of samples on both sides.

use errmon_test_support as support;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::prometheus::Prometheus;

/// The example, killed when the test ends however it ends.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn example_binary(name: &str) -> std::path::PathBuf {
    // `target/debug/deps/<this test>` → `target/debug/examples/<name>`, which `cargo test`
    // builds with the tests.
    let exe = std::env::current_exe().expect("the test's own path");
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug");
    debug.join("examples").join(name)
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
}

fn unix_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Sleeps until the wall clock is `offset` seconds into a 10 s interval.
fn sleep_until_into_interval(offset: f64) {
    let into = unix_secs() % 10.0;
    let wait = (offset - into).rem_euclid(10.0);
    std::thread::sleep(Duration::from_secs_f64(wait));
}

fn number(prometheus: &mut Prometheus, query: &str, at: f64) -> f64 {
    prometheus
        .query_at(query, at)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no value for `{query}`\n{}", prometheus.log()))
}

/// The index of the exported bucket (default buckets) `seconds` falls in.
fn bucket_of(seconds: f64) -> usize {
    const BUCKETS: [f64; 17] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        5.0, 10.0, 30.0,
    ];
    BUCKETS
        .iter()
        .position(|&b| seconds <= b + 1e-12)
        .unwrap_or(BUCKETS.len())
}

#[test]
fn history_agrees_with_prometheus_over_the_same_minute() {
    let Some(binary) = support::tool("prometheus") else {
        return;
    };
    let addr = free_addr();
    let _example = Example(
        Command::new(example_binary("requests"))
            .args(["--seconds", "300"])
            .env("ERRMON_LISTEN", addr.to_string())
            .env("ERRMON_LOG", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run the requests example"),
    );
    let up = Instant::now() + Duration::from_secs(30);
    while support::request(addr, "GET", "/metrics").is_err() {
        assert!(Instant::now() < up, "the example never served /metrics");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut prometheus = Prometheus::start(&binary, addr, "/metrics");
    prometheus.wait_for("up", "1");
    // A minute of scrapes and of samples, then the end of an interval: there `/history`'s
    // 60 s window (this interval and the five before it) is 59.5 s long.
    std::thread::sleep(Duration::from_secs(65));
    sleep_until_into_interval(9.5);

    let at = unix_secs();
    let body = support::get(addr, "/history?window=60s&function=checkout");
    assert_eq!(body.status, 200, "{}", body.text());
    let history: Value = serde_json::from_str(body.text()).expect("JSON");
    let f = &history["functions"][0];
    assert_eq!(f["function"], "checkout", "{history}");
    let calls = f["calls"].as_f64().unwrap();
    let errors = f["errors"].as_f64().unwrap();
    let p99 = f["latency_seconds"]["p99"].as_f64().unwrap();

    let prom = |p: &mut Prometheus, q: &str| number(p, q, at);
    let calls_p = prom(
        &mut prometheus,
        r#"sum(increase(errmon_call_outcomes_total{function="checkout"}[60s]))"#,
    );
    let errors_p = prom(
        &mut prometheus,
        r#"sum(increase(errmon_errors_total{function="checkout"}[60s]))"#,
    );
    let ratio_p = prom(
        &mut prometheus,
        r#"sum(increase(errmon_errors_total{function="checkout"}[60s])) / sum(increase(errmon_call_outcomes_total{function="checkout"}[60s]))"#,
    );
    let p99_p = prom(
        &mut prometheus,
        r#"histogram_quantile(0.99, sum by (le) (rate(errmon_call_duration_seconds_bucket{function="checkout"}[60s])))"#,
    );

    // One interval's worth: a sixth of the minute, and a little for the scrape's second.
    let within = |ours: f64, theirs: f64, what: &str| {
        let slack = theirs / 6.0 + 5.0;
        assert!(
            (ours - theirs).abs() <= slack,
            "{what}: /history says {ours}, Prometheus {theirs} (allowed {slack:.1})"
        );
    };
    within(calls, calls_p, "calls");
    within(errors, errors_p, "errors");
    assert!(calls > 100.0 && errors > 5.0, "{f}");
    // The ratio of counts each within an interval of Prometheus' lies within these bounds.
    let slack_c = calls_p / 6.0 + 5.0;
    let slack_e = errors_p / 6.0 + 5.0;
    let ratio = f["error_ratio"].as_f64().unwrap();
    assert_eq!(f["ratio_calls"].as_f64(), Some(calls));
    let (low, high) = (
        (errors - slack_e).max(0.0) / (calls + slack_c),
        (errors + slack_e) / (calls - slack_c).max(1.0),
    );
    assert!(
        (low..=high).contains(&ratio_p) && (ratio - errors / calls).abs() < 1e-9,
        "ratio: /history {ratio}, Prometheus {ratio_p} (bounds {low}..{high})"
    );
    // The same estimate from (nearly) the same buckets: the same bucket, or its neighbour
    // when the window's edges moved a few calls across a bound.
    let (ours, theirs) = (bucket_of(p99), bucket_of(p99_p));
    assert!(
        ours.abs_diff(theirs) <= 1,
        "p99: /history {p99} s (bucket {ours}), Prometheus {p99_p} s (bucket {theirs})"
    );
}
