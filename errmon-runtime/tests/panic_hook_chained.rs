//! The documented way to keep an application's panic hook and errmon's: set it, then call
//! `errmon_runtime::errors::install_panic_hook()`. Panic reports carry their message and
//! location, the application's hook runs once per panic, and nothing is reported as replaced.
//!
//! The panic hook is the process's: this file is its own process, with one test.

use errmon_test_support as support;

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use errmon_runtime::errors::PanicHookState;
use errmon_runtime::{Config, monitored};
use support::events::Events;

#[monitored]
fn ship_parcel(id: u64) {
    panic!("parcel {id} has no address");
}

/// Calls `ship_parcel` from another `#[monitored]` function: one panic, one report.
#[monitored]
fn ship_batch(id: u64) {
    ship_parcel(id);
}

static APP_HOOK_CALLS: AtomicU32 = AtomicU32::new(0);

#[test]
fn an_application_hook_chained_behind_errmons_keeps_both() {
    let events = Events::global();
    let _guard = Config::default()
        .listen("127.0.0.1:0")
        .install()
        .expect("install errmon");
    std::panic::set_hook(Box::new(|_| {
        APP_HOOK_CALLS.fetch_add(1, Relaxed);
    }));
    errmon_runtime::errors::install_panic_hook();
    // Calling it again changes nothing: a panic is still noted once.
    errmon_runtime::errors::install_panic_hook();

    for id in [7, 8] {
        assert!(std::panic::catch_unwind(|| ship_parcel(id)).is_err());
    }
    assert!(std::panic::catch_unwind(|| ship_batch(9)).is_err());
    assert_eq!(APP_HOOK_CALLS.load(Relaxed), 3, "once per panic");

    let snap = errmon_runtime::errors::snapshot();
    assert_eq!(snap.panic_hook, PanicHookState::Chained);
    let reports: Vec<_> = snap
        .recent
        .iter()
        .filter(|r| r.panic && r.module == "panic_hook_chained")
        .collect();
    assert_eq!(reports.len(), 3, "{reports:#?}");
    for (r, id) in reports.iter().zip([9, 8, 7]) {
        assert_eq!(r.function, "ship_parcel", "the innermost function reports");
        assert_eq!(r.message, format!("parcel {id} has no address"));
        assert!(
            r.location
                .as_deref()
                .is_some_and(|l| l.contains("panic_hook_chained.rs:")),
            "{r:?}"
        );
    }
    let by_function = |f: &str| {
        snap.by_function
            .iter()
            .find(|e| e.function == f)
            .map_or(0, |e| e.panics)
    };
    assert_eq!(
        (by_function("ship_parcel"), by_function("ship_batch")),
        (3, 0)
    );
    let warned: Vec<_> = events
        .all()
        .into_iter()
        .filter(|e| e.target == "errmon" && e.level == tracing::Level::WARN)
        .collect();
    assert!(warned.is_empty(), "{warned:#?}");
}
