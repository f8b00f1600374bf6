//! The application's subscriber set before `install()`: `install()` succeeds, the application's
//! subscriber receives errmon's events, and errmon's own output writes none of them. (One
//! process: a global subscriber is set once.)

use errmon_test_support::logs;

use errmon_runtime::log::{LogSettings, Output};
use logs::{ALL, Lines, outcomes};

errmon_test_support::errmon_events!();

#[test]
fn a_subscriber_set_before_install_receives_errmons_events() {
    logs::quiet_panics();
    let app = Lines::default();
    tracing_subscriber::fmt()
        .json()
        .with_writer(app.writer())
        .init();
    let dir = std::env::temp_dir().join(format!("errmon-before-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("errmon.log");
    let guard = errmon_runtime::Config::default()
        .listen("127.0.0.1:0")
        .logs(LogSettings::default().output(Output::File(path.clone())))
        .install()
        .unwrap();
    errmon_events(1);
    drop(guard);
    let app = app.json();
    assert_eq!(outcomes(&app, 1), ALL, "{app:?}");
    let own = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(own.is_empty(), "{own}");
    let _ = std::fs::remove_dir_all(&dir);
}
