//! `log::init()` before `install()`: errmon's JSON lines are the application's format, and
//! `install()` keeps that output rather than starting the one of its own settings. (One
//! process: a global subscriber is set once.)

use errmon_test_support::logs;

errmon_test_support::errmon_events!();

use errmon_runtime::log::{LogSettings, Output};

#[test]
fn install_keeps_the_output_log_init_set() {
    logs::quiet_panics();
    let dir = std::env::temp_dir().join(format!("errmon-init-first-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (first, second) = (dir.join("init.log"), dir.join("install.log"));
    let logs = LogSettings::default()
        .output(Output::File(first.clone()))
        .init()
        .unwrap();
    assert!(tracing::dispatcher::has_been_set());
    let guard = errmon_runtime::Config::default()
        .listen("127.0.0.1:0")
        .logs(LogSettings::default().output(Output::File(second.clone())))
        .install()
        .unwrap();
    errmon_runtime::context::Context::from_request_id(Some("req-first")).scope(|| {
        errmon_events(1);
        tracing::info!(order = 1, "from the application");
    });
    // The install guard flushes the lines too.
    drop(guard);
    let lines = logs::parse(&std::fs::read_to_string(&first).unwrap());
    assert_eq!(logs::outcomes(&lines, 1), logs::ALL, "{lines:?}");
    let app = lines
        .iter()
        .find(|l| l["message"] == "from the application")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(app["request_id"], "req-first");
    assert!(!second.exists());
    drop(logs);
    let _ = std::fs::remove_dir_all(&dir);
}
