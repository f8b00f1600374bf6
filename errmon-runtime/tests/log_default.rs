//! `install()` sets no global subscriber: with none set, errmon's own lines land in the
//! configured file anyway; `log::init()` then makes errmon's JSON lines the application's, and
//! the application's events land in the same file with the request. An unwritable directory
//! stops the start-up with an error naming it. (One process: a global subscriber is set once.)

use errmon_runtime::log::{LogSettings, Output};
use errmon_runtime::{Config, InstallError};

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined for order 7")
    }
}

impl std::error::Error for Declined {}

#[errmon_runtime::monitored]
fn charge_without_subscriber() -> Result<(), Declined> {
    Err(Declined)
}

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn install_sets_no_subscriber_and_log_init_makes_errmons_the_applications() {
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
    // install() took nothing the application will want.
    assert!(!tracing::dispatcher::has_been_set());
    errmon_runtime::context::Context::from_request_id(Some("req-own"))
        .scope(|| assert!(charge_without_subscriber().is_err()));
    // Writing errmon's own line set nothing either.
    assert!(!tracing::dispatcher::has_been_set());

    // errmon's format becomes the application's, with install()'s output.
    let logs = errmon_runtime::log::init().unwrap();
    assert!(tracing::dispatcher::has_been_set());
    errmon_runtime::context::Context::from_request_id(Some("req-default"))
        .scope(|| tracing::info!(answer = 42, "from the application"));
    // Once is all: the second call is an error, not a panic, and changes nothing.
    let again = errmon_runtime::log::init().unwrap_err();
    assert!(again.to_string().contains("already set"), "{again}");
    drop(logs);
    drop(guard);

    let lines = lines(&path);
    let report = lines
        .iter()
        .find(|l| l["function"] == "charge_without_subscriber")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(report["target"], "errmon");
    assert_eq!(report["level"], "ERROR");
    assert_eq!(report["error.message"], "card declined for order 7");
    assert_eq!(report["request_id"], "req-own");
    let line = lines.last().unwrap();
    assert_eq!(line["message"], "from the application");
    assert_eq!(line["request_id"], "req-default");
    assert_eq!(line["answer"], 42);
    // One output: no line was written twice.
    assert_eq!(lines.len(), 2, "{lines:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
