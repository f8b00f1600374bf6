//! With no subscriber at all, errmon's own lines still reach standard error, in the format and
//! at the level `ERRMON_LOG_FORMAT` and `ERRMON_LOG_LEVEL` ask for, and no dispatcher is set.
//! The test runs itself again as a child process whose standard error it reads.

use errmon_test_support::logs;

errmon_test_support::errmon_events!();

use std::process::Command;

const CHILD: &str = "ERRMON_TEST_NO_SUBSCRIBER_CHILD";

#[test]
fn errmons_lines_reach_stderr_without_a_subscriber() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "errmons_lines_reach_stderr_without_a_subscriber",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("ERRMON_LISTEN", "127.0.0.1:0")
        .env("ERRMON_LOG_FORMAT", "ecs")
        .env("ERRMON_LOG_LEVEL", "error")
        .env_remove("ERRMON_LOG")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines = logs::parse(&stderr);
    // The retry is a warning, below `ERRMON_LOG_LEVEL=error`.
    assert_eq!(
        logs::outcomes(&lines, 1),
        ["error", "exhausted", "panic"],
        "{stderr}"
    );
    let report = lines
        .iter()
        .find(|l| l["function"] == "charge")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(report["log.level"], "error");
    assert_eq!(report["request_id"], "req-stderr");
    assert_eq!(report["error.message"], "card declined for order 1");
}

fn child() {
    logs::quiet_panics();
    let guard = errmon_runtime::install().unwrap();
    errmon_runtime::context::Context::from_request_id(Some("req-stderr"))
        .scope(|| errmon_events(1));
    assert!(!tracing::dispatcher::has_been_set());
    // Dropping the guard flushes errmon's lines.
    drop(guard);
}
