//! `install()` then the application's `tracing::subscriber::set_global_default(..)`: it
//! succeeds and receives errmon's events; `log::init()` after it is an error, not a panic, and
//! changes nothing. (One process: a global subscriber is set once.)

use errmon_test_support::logs;

use logs::{ALL, Lines, outcomes};

errmon_test_support::errmon_events!();

#[test]
fn set_global_default_after_install_receives_errmons_events() {
    logs::quiet_panics();
    let guard = errmon_runtime::Config::default()
        .listen("127.0.0.1:0")
        .install()
        .unwrap();
    let app = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(app.writer())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let e = errmon_runtime::log::init().unwrap_err();
    assert!(
        matches!(e, errmon_runtime::log::LogInitError::AlreadySet),
        "{e}"
    );
    errmon_events(1);
    drop(guard);
    let app = app.json();
    assert_eq!(outcomes(&app, 1), ALL, "{app:?}");
}
