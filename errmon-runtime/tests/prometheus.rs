//! The endpoint against the real thing: `promtool check metrics` on a scrape, and a Prometheus
//! server scraping the endpoint and answering queries about it.
//!
//! Both tools come with Debian's `prometheus` package. Without them these tests write a
//! `SKIPPED` notice to stderr, which `cargo test` shows (it is not captured), and pass, unless
//! `ERRMON_REQUIRE_PROMETHEUS=1` (as in CI), where they fail. Everything listens
//! on loopback, on ports picked for the test, never on Prometheus's default 9090.

use errmon_test_support as support;

use std::net::SocketAddr;
use std::sync::OnceLock;

use errmon_runtime::{Config, ErrorKind, InstallGuard, count_calls, monitored, retry, timed};
use support::prometheus::Prometheus;
use support::{promtool_check, scrape, tool};

#[derive(Debug, ErrorKind)]
enum JobError {
    Rejected,
    #[error_kind("timeout")]
    TimedOut,
}

#[monitored(labels(queue = "fast"))]
fn work(n: u32) -> Result<u32, JobError> {
    match n % 5 {
        3 => Err(JobError::Rejected),
        4 => Err(JobError::TimedOut),
        _ => Ok(n),
    }
}

#[timed]
fn render(n: u32) -> String {
    n.to_string()
}

#[count_calls]
fn heartbeat() {}

#[monitored]
#[allow(dead_code)]
fn never_called() {}

/// Fails on odd numbers: two attempts each, then gives up.
#[retry(attempts = 2, backoff = constant(delay = "1ms"), jitter = none)]
fn flaky(n: u32) -> Result<u32, JobError> {
    if n % 2 == 1 {
        Err(JobError::TimedOut)
    } else {
        Ok(n)
    }
}

fn endpoint() -> SocketAddr {
    static GUARD: OnceLock<InstallGuard> = OnceLock::new();
    GUARD
        .get_or_init(|| {
            for n in 0..5 {
                let _ = work(n);
                render(n);
                heartbeat();
                let _ = flaky(n);
            }
            let guard = Config::default()
                .listen("127.0.0.1:0")
                .const_label("service", "itest")
                // Label values are escaped; Prometheus must read them back.
                .const_label("note", "a \"quoted\" back\\slash\nnewline")
                .install()
                .expect("install errmon");
            support::facade_workload();
            guard
        })
        .local_addr()
}

#[test]
fn promtool_finds_no_problem_in_a_scrape() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let body = scrape(endpoint());
    assert!(
        body.contains("itest_job_duration_seconds_bucket"),
        "the scrape includes facade metrics: {body}"
    );
    if let Err(report) = promtool_check(&promtool, &body) {
        panic!("promtool check metrics: {report}\non:\n{body}");
    }
}

#[test]
fn prometheus_scrapes_the_endpoint_and_answers_queries() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    let target = endpoint();
    let mut prometheus = Prometheus::start(&binary, target, "/metrics");
    prometheus.wait_for(r#"errmon_calls_total{function="work"}"#, "5");
    for (query, expected) in [
        (r#"up{job="errmon"}"#, "1"),
        (
            r#"errmon_call_outcomes_total{function="work",outcome="error"}"#,
            "2",
        ),
        (
            r#"errmon_errors_total{function="work",error_type="JobError",error_kind="timeout"}"#,
            "1",
        ),
        (
            r#"errmon_call_duration_seconds_count{function="render",queue=""}"#,
            "5",
        ),
        (r#"errmon_calls_total{function="heartbeat"}"#, "5"),
        (r#"errmon_calls_total{function="never_called"}"#, "0"),
        (r#"errmon_retry_attempts_total{function="flaky"}"#, "7"),
        (r#"errmon_retries_total{function="flaky"}"#, "2"),
        (r#"errmon_retries_exhausted_total{function="flaky"}"#, "2"),
        (r#"itest_jobs_total{queue="fast"}"#, "3"),
        (r#"itest_job_duration_seconds_bucket{le="1"}"#, "3"),
        (
            r#"count(errmon_calls_total{service="itest",note="a \"quoted\" back\\slash\nnewline"})"#,
            "3",
        ),
    ] {
        assert_eq!(
            prometheus.query(query).as_deref(),
            Some(expected),
            "{query}"
        );
    }
}
