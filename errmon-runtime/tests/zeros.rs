//! The first scrape of a fresh process: every family whose label values are known in advance
//! is served at zero before anything happened, as Prometheus' instrumentation guide asks, so
//! that `rate()` and `increase()` see the first event instead of a series that appears at 1.
//!
//! One test, one process: nothing else may count a drop before the scrape.

use errmon_test_support as support;

use errmon_runtime::{Config, ErrorKind, monitored, retry};
use support::{assert_line, promtool_check, scrape, tool};

#[derive(Debug, ErrorKind)]
enum SyncError {
    Refused,
}

#[monitored]
#[allow(dead_code)]
fn sync_orders() -> Result<(), SyncError> {
    Err(SyncError::Refused)
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[allow(dead_code)]
fn push_orders() -> Result<(), SyncError> {
    Err(SyncError::Refused)
}

#[test]
fn a_fresh_process_serves_every_fixed_label_set_at_zero() {
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .const_label("service", "fresh")
        .install()
        .expect("install errmon");
    let body = scrape(guard.local_addr());
    for line in [
        "# TYPE errmon_error_reports_dropped_total counter",
        r#"errmon_error_reports_dropped_total{reason="filtered",service="fresh"} 0"#,
        r#"errmon_error_reports_dropped_total{reason="rate_limited",service="fresh"} 0"#,
        r#"errmon_error_reports_dropped_total{reason="sampled",service="fresh"} 0"#,
        r#"errmon_error_reports_dropped_total{reason="scrubbed",service="fresh"} 0"#,
        r#"errmon_error_reports_dropped_total{reason="busy",service="fresh"} 0"#,
        "# TYPE errmon_log_lines_dropped_total counter",
        r#"errmon_log_lines_dropped_total{reason="queue_full",service="fresh"} 0"#,
        r#"errmon_log_lines_dropped_total{reason="writer_gone",service="fresh"} 0"#,
        r#"errmon_log_lines_dropped_total{reason="write_failed",service="fresh"} 0"#,
        // Every outcome of a function never called.
        r#"errmon_call_outcomes_total{function="sync_orders",module="zeros",outcome="ok",service="fresh"} 0"#,
        r#"errmon_call_outcomes_total{function="sync_orders",module="zeros",outcome="error",service="fresh"} 0"#,
        r#"errmon_call_outcomes_total{function="sync_orders",module="zeros",outcome="panic",service="fresh"} 0"#,
        r#"errmon_call_outcomes_total{function="sync_orders",module="zeros",outcome="cancelled",service="fresh"} 0"#,
        // What a retry can end in: attempts, retries, exhaustion.
        r#"errmon_retry_attempts_total{function="push_orders",module="zeros",service="fresh"} 0"#,
        r#"errmon_retries_total{function="push_orders",module="zeros",service="fresh"} 0"#,
        r#"errmon_retries_exhausted_total{function="push_orders",module="zeros",service="fresh"} 0"#,
    ] {
        assert_line(&body, line);
    }
    // Each family is described once, even with all its series at zero.
    for family in [
        "errmon_error_reports_dropped_total",
        "errmon_log_lines_dropped_total",
    ] {
        let headers = body
            .lines()
            .filter(|l| *l == format!("# TYPE {family} counter"))
            .count();
        assert_eq!(headers, 1, "{family}");
    }
    let Some(promtool) = tool("promtool") else {
        return;
    };
    if let Err(report) = promtool_check(&promtool, &body) {
        panic!("promtool check metrics: {report}\non:\n{body}");
    }
}
