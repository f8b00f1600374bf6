//! A load generator against the endpoint: Debian's `wrk` at 32 connections for 10 s gets no
//! socket error, no timeout and no status other than 200. Skipped, visibly, where `wrk` is
//! not installed, unless `ERRMON_REQUIRE_PROMETHEUS=1` (as in CI, whose `.ci/run` installs
//! it), where a missing `wrk` fails the test. The figures are printed with the result.

use errmon_test_support as support;

use std::io::Write as _;
use std::process::Command;

use errmon_runtime::{Config, count_calls, monitored};

#[derive(Debug, errmon_runtime::ErrorKind)]
enum LoadError {
    Refused,
}

#[monitored]
fn handle(n: u32) -> Result<u32, LoadError> {
    if n % 7 == 0 {
        Err(LoadError::Refused)
    } else {
        Ok(n)
    }
}

#[count_calls]
fn tick() {}

/// Written to the process's stderr directly: libtest would capture `eprintln!`.
fn notice(text: &str) {
    let _ = std::io::stderr().write_all(format!("{text}\n").as_bytes());
}

#[test]
fn wrk_at_32_connections_for_10_s_gets_no_errors() {
    let Some(wrk) = support::which("wrk") else {
        let missing = "wrk not found (install Debian's wrk package)";
        assert!(
            std::env::var("ERRMON_REQUIRE_PROMETHEUS").as_deref() != Ok("1"),
            "{missing}, and ERRMON_REQUIRE_PROMETHEUS=1 requires it"
        );
        notice(&format!(
            "note: wrk_at_32_connections_for_10_s_gets_no_errors SKIPPED, passing without \
             checking anything: {missing}; ERRMON_REQUIRE_PROMETHEUS=1 turns this into a failure"
        ));
        return;
    };
    for n in 0..50 {
        let _ = handle(n);
        tick();
    }
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install errmon");
    let out = Command::new(wrk)
        .args([
            "--threads",
            "2",
            "--connections",
            "32",
            "--duration",
            "10s",
            "--timeout",
            "2s",
            "--latency",
        ])
        .arg(guard.metrics_url())
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    notice(&format!("wrk against {}:\n{text}", guard.metrics_url()));
    // wrk prints these lines only when there is something to count.
    assert!(!text.contains("Socket errors"), "{text}");
    assert!(!text.contains("Non-2xx or 3xx responses"), "{text}");
    let requests: u64 = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ")?.0.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk's output: {text}"));
    assert!(requests > 1000, "only {requests} requests in 10 s: {text}");
    // The endpoint still answers afterwards.
    assert_eq!(support::get(guard.local_addr(), "/metrics").status, 200);
}
