//! `install()` sets errmon's JSON-lines subscriber when the application set none: errors and
//! the application's events land in the configured file; an unwritable directory stops the
//! start-up with an error naming it. (One process: a global subscriber is set once.)

use errmon_runtime::log::{LogSettings, Output};
use errmon_runtime::{Config, InstallError};

#[test]
fn install_sets_the_default_subscriber_when_there_is_none() {
    let bad = Config::default()
        .listen("127.0.0.1:0")
        .logs(LogSettings::default().output(Output::File("/nonexistent-errmon/x/app.log".into())))
        .install()
        .unwrap_err();
    assert!(matches!(bad, InstallError::Config(_)), "{bad}");
    assert!(
        bad.to_string().contains("/nonexistent-errmon/x/app.log"),
        "{bad}"
    );
    // Nothing was set by the failed start.
    assert!(!tracing::dispatcher::has_been_set());

    let dir = std::env::temp_dir().join(format!("errmon-default-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.log");
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .logs(LogSettings::default().output(Output::File(path.clone())))
        .install()
        .unwrap();
    assert!(tracing::dispatcher::has_been_set());
    errmon_runtime::context::Context::from_request_id(Some("req-default"))
        .scope(|| tracing::info!(answer = 42, "from the application"));
    drop(guard);
    let body = std::fs::read_to_string(&path).unwrap();
    let line: serde_json::Value = serde_json::from_str(body.lines().last().unwrap()).unwrap();
    assert_eq!(line["message"], "from the application");
    assert_eq!(line["request_id"], "req-default");
    assert_eq!(line["answer"], 42);
    let _ = std::fs::remove_dir_all(&dir);
}
