//! `install()` then the application's `tracing_subscriber::registry().with(..).init()`: nothing
//! panics and the application's layers receive errmon's events. (One process: a global
//! subscriber is set once.)

use errmon_test_support::logs;

use logs::{ALL, Lines, outcomes};

errmon_test_support::errmon_events!();
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[test]
fn registry_init_after_install_receives_errmons_events() {
    logs::quiet_panics();
    let guard = errmon_runtime::Config::default()
        .listen("127.0.0.1:0")
        .install()
        .unwrap();
    let app = Lines::default();
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info"))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(app.writer()),
        )
        .init();
    errmon_events(1);
    drop(guard);
    let app = app.json();
    assert_eq!(outcomes(&app, 1), ALL, "{app:?}");
}
