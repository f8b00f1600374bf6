//! `install()` then the application's `tracing_subscriber::fmt().init()`: nothing panics, and
//! errmon's events go wherever a subscriber is current: errmon's own output while there is
//! none, a scoped subscriber inside its scope, the application's once it is set, and never two
//! of them. (One process: a global subscriber is set once.)

use errmon_test_support::logs;

use errmon_runtime::Config;
use errmon_runtime::log::{LogSettings, Output};
use logs::{ALL, Lines, outcomes};

errmon_test_support::errmon_events!();

#[test]
fn fmt_init_after_install_receives_errmons_events() {
    logs::quiet_panics();
    let dir = std::env::temp_dir().join(format!("errmon-fmt-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("errmon.log");
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .logs(LogSettings::default().output(Output::File(path.clone())))
        .install()
        .unwrap();

    // No subscriber yet: errmon's own output.
    errmon_events(1);

    // A scoped subscriber, inside its scope.
    let scoped = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(scoped.writer())
        .finish();
    tracing::subscriber::with_default(subscriber, || errmon_events(2));

    // The application's own, set the usual way after install(): no panic.
    let app = Lines::default();
    tracing_subscriber::fmt()
        .json()
        .with_writer(app.writer())
        .init();
    errmon_events(3);
    tracing::info!(order = 3, "from the application");
    drop(guard);

    let own = logs::parse(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(outcomes(&own, 1), ALL, "{own:?}");
    assert!(
        outcomes(&own, 2).is_empty() && outcomes(&own, 3).is_empty(),
        "{own:?}"
    );

    let scoped = scoped.json();
    assert_eq!(outcomes(&scoped, 2), ALL, "{scoped:?}");
    assert!(outcomes(&scoped, 3).is_empty(), "{scoped:?}");

    let app = app.json();
    assert_eq!(outcomes(&app, 3), ALL, "{app:?}");
    assert!(
        outcomes(&app, 1).is_empty() && outcomes(&app, 2).is_empty(),
        "{app:?}"
    );
    let report = app
        .iter()
        .find(|l| l["fields"]["function"] == "charge")
        .unwrap_or_else(|| panic!("{app:?}"));
    assert_eq!(report["level"], "ERROR");
    assert_eq!(
        report["fields"]["error.message"],
        "card declined for order 3"
    );
    assert!(
        app.iter()
            .any(|l| l["fields"]["message"] == "from the application")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
