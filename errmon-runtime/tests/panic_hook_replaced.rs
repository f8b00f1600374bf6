//! A panic hook set after `install()` replaces errmon's: errmon notices at the first panic
//! through an instrumented function, says so once in a warning and in `GET /errors`, and
//! `install_panic_hook()` puts its hook in front of the application's again.
//!
//! The panic hook is the process's: this file is its own process, with one test.

use errmon_test_support as support;

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use errmon_runtime::{Config, monitored};
use support::events::Events;
use support::get;

#[monitored]
fn settle_invoice(id: u64) {
    panic!("invoice {id} has no lines");
}

/// Calls of the application's own hook, which prints nothing.
static QUIET_CALLS: AtomicU32 = AtomicU32::new(0);

fn quiet_hook() {
    std::panic::set_hook(Box::new(|_| {
        QUIET_CALLS.fetch_add(1, Relaxed);
    }));
}

/// The `panic_hook` entry of `GET /errors`, and the newest report of `settle_invoice`.
fn errors(addr: std::net::SocketAddr) -> (String, serde_json::Value) {
    let r = get(addr, "/errors?function=settle_invoice&limit=1");
    assert_eq!(r.status, 200, "{}", r.text());
    let json: serde_json::Value = serde_json::from_str(r.text()).expect("valid JSON");
    let state = json["panic_hook"]
        .as_str()
        .unwrap_or_else(|| panic!("no panic_hook in {json:#}"))
        .to_owned();
    (state, json["recent"][0].clone())
}

fn warnings(events: &Events) -> Vec<support::events::Event> {
    events
        .all()
        .into_iter()
        .filter(|e| e.target == "errmon" && e.level == tracing::Level::WARN)
        .collect()
}

#[test]
fn a_hook_set_after_install_is_noticed_once_and_install_panic_hook_keeps_both() {
    let events = Events::global();
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();
    assert_eq!(errors(addr).0, "chained");

    // The quickstart's mistake: a quieter hook after `install()`.
    quiet_hook();
    for id in [1, 2] {
        assert!(std::panic::catch_unwind(|| settle_invoice(id)).is_err());
    }
    assert_eq!(QUIET_CALLS.load(Relaxed), 2);
    let (state, report) = errors(addr);
    assert_eq!(state, "replaced");
    // What the warning is about: the report has neither message nor location.
    assert_eq!(report["message"], "", "{report:#}");
    assert_eq!(report["location"], serde_json::Value::Null, "{report:#}");
    let warned = warnings(&events);
    assert_eq!(warned.len(), 1, "one warning for two panics: {warned:#?}");
    let message = warned[0].field("message").unwrap_or_default();
    assert!(
        message.contains("replaced") && message.contains("install_panic_hook()"),
        "{message}"
    );
    assert_eq!(warned[0].field("function"), Some("settle_invoice"));

    // The documented way: errmon's hook in front of the application's again.
    errmon_runtime::errors::install_panic_hook();
    assert!(std::panic::catch_unwind(|| settle_invoice(3)).is_err());
    assert_eq!(
        QUIET_CALLS.load(Relaxed),
        3,
        "the application's hook still runs"
    );
    let (state, report) = errors(addr);
    assert_eq!(state, "chained");
    assert_eq!(report["message"], "invoice 3 has no lines", "{report:#}");
    assert!(
        report["location"]
            .as_str()
            .is_some_and(|l| l.contains("panic_hook_replaced.rs:")),
        "{report:#}"
    );
    assert_eq!(warnings(&events).len(), 1, "still one warning");
}
