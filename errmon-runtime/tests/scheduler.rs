//! errmon's background work on `/metrics`: each job's runs, and its failures by kind at zero
//! from the start, promtool-clean.

use errmon_test_support as support;

use std::time::{Duration, Instant};

use errmon_runtime::Config;
use support::{assert_line, promtool_check, scrape, tool, value};

#[test]
fn the_scheduler_s_jobs_are_served_with_their_failures_at_zero() {
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .install()
        .expect("install");
    let addr = guard.local_addr();
    let body = scrape(addr);
    for job in ["history", "facade_upkeep"] {
        for failure in ["overrun", "panic", "timeout"] {
            assert_line(
                &body,
                &format!(
                    r#"errmon_scheduler_job_failures_total{{job="{job}",failure="{failure}"}} 0"#
                ),
            );
        }
    }
    // The history is sampled every 10 s, on the 10 s of the wall clock.
    let runs = |body: &str| value(body, r#"errmon_scheduler_job_runs_total{job="history"}"#);
    let until = Instant::now() + Duration::from_secs(30);
    while runs(&scrape(addr)).unwrap_or(0.0) < 1.0 {
        assert!(Instant::now() < until, "the history was never sampled");
        std::thread::sleep(Duration::from_millis(200));
    }
    if let Some(promtool) = tool("promtool") {
        promtool_check(&promtool, &scrape(addr)).expect("promtool check metrics");
    }
    drop(guard);
}
