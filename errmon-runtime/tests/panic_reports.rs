//! Panics as reports: through errmon's chained hook, with payload, location and the context
//! of the request that panicked; once per panic however many instrumented functions it
//! unwinds; and, when enabled, outside instrumented functions too.

#[macro_use]
mod support;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errmon_runtime::__private::Severity;
use errmon_runtime::context::Context;
use errmon_runtime::errors::{self, ErrorSettings};
use support::{counts, reports};

static SERIAL: Mutex<()> = Mutex::new(());
static NOW: AtomicU64 = AtomicU64::new(1_800_000_000_000);
static PREVIOUS_RAN: AtomicBool = AtomicBool::new(false);

fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(NOW.load(Relaxed))
}

fn setup() -> std::sync::MutexGuard<'static, ()> {
    let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The hook installed before errmon's: it must still run, after errmon's.
        std::panic::set_hook(Box::new(|_| PREVIOUS_RAN.store(true, Relaxed)));
        errors::install_panic_hook();
        errors::install_panic_hook();
    });
    serial
}

monitored_by_hand! {
    fn charge_card(order: u64) -> Result<(), std::io::Error> {
        if order > 0 {
            panic!("card service returned garbage for order {order}");
        }
        Ok(())
    }
}

#[test]
fn a_panic_report_has_payload_location_and_the_request_context() {
    let _serial = setup();
    errors::configure(ErrorSettings::default().clock(clock)).unwrap();
    PREVIOUS_RAN.store(false, Relaxed);
    let ctx = Context::from_request_id(Some("req-panic")).with_user_id("ada");
    let r = std::panic::catch_unwind(|| ctx.scope(|| charge_card(42)));
    assert!(r.is_err());
    assert!(PREVIOUS_RAN.load(Relaxed), "the previous hook is chained");
    let r = &reports("charge_card")[0];
    assert!(r.panic);
    assert_eq!(r.message, "card service returned garbage for order 42");
    assert!(
        r.location.as_deref().unwrap().contains("panic_reports.rs:"),
        "{:?}",
        r.location
    );
    assert_eq!(r.request_id.as_deref(), Some("req-panic"));
    assert_eq!(r.user_id.as_deref(), Some("ada"));
    assert_eq!(
        (r.error_type.as_str(), r.error_kind, r.severity),
        ("panic", "panic", Severity::Critical)
    );
    assert!(r.duration.is_some());
    assert_eq!(counts("charge_card").unwrap().panics, 1);
}

monitored_by_hand! {
    fn outer() -> Result<(), std::io::Error> {
        inner()
    }
}

monitored_by_hand! {
    fn inner() -> Result<(), std::io::Error> {
        panic!("deep down")
    }
}

#[test]
fn a_panic_through_nested_functions_is_reported_once_by_the_innermost() {
    let _serial = setup();
    errors::configure(ErrorSettings::default().clock(clock)).unwrap();
    assert!(std::panic::catch_unwind(outer).is_err());
    assert_eq!(reports("inner").len(), 1);
    assert!(reports("outer").is_empty());
    assert_eq!(counts("outer").map(|c| c.panics), None);
    // Counted as a panic in the outcomes all the same.
    let outer_site = errmon_runtime::sites::all()
        .into_iter()
        .find(|s| s.meta().function == "outer")
        .unwrap();
    assert_eq!(
        outer_site
            .snapshot()
            .outcome(errmon_runtime::sites::OutcomeLabel::Panic),
        1
    );
}

#[errmon_runtime::monitored]
fn expanded_by_the_macro() -> u32 {
    panic!("from today's expansion")
}

#[test]
fn functions_expanded_by_the_macro_report_their_panics() {
    let _serial = setup();
    errors::configure(ErrorSettings::default().clock(clock)).unwrap();
    assert!(std::panic::catch_unwind(expanded_by_the_macro).is_err());
    assert_eq!(
        reports("expanded_by_the_macro")[0].message,
        "from today's expansion"
    );
}

monitored_by_hand! {
    async fn async_panics(n: u32) -> Result<(), std::io::Error> {
        tokio::task::yield_now().await;
        if n > 0 {
            panic!("async boom {n}");
        }
        Ok(())
    }
}

#[test]
fn an_async_panic_on_a_worker_thread_has_its_task_context() {
    let _serial = setup();
    errors::configure(ErrorSettings::default().clock(clock)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let joined = rt.block_on(async {
        tokio::spawn(Context::from_request_id(Some("req-async")).wrap(async_panics(3))).await
    });
    assert!(joined.unwrap_err().is_panic());
    let r = &reports("async_panics")[0];
    assert_eq!(
        (r.message.as_str(), r.request_id.as_deref()),
        ("async boom 3", Some("req-async"))
    );
}

#[test]
fn panics_anywhere_become_reports_without_a_function_when_enabled() {
    let _serial = setup();
    errors::configure(ErrorSettings::default().clock(clock).panics_anywhere(true)).unwrap();
    let t = std::thread::spawn(|| {
        Context::from_request_id(Some("req-thread")).scope(|| panic!("worker thread died"));
    });
    assert!(t.join().is_err());
    // A note waits a second for an instrumented function to claim it.
    NOW.fetch_add(2_000, Relaxed);
    let snap = errmon_runtime::errors::snapshot();
    let r = snap
        .recent
        .iter()
        .find(|r| r.message == "worker thread died")
        .expect("reported");
    assert_eq!(
        (r.function, r.request_id.as_deref()),
        ("", Some("req-thread"))
    );
    assert!(r.panic);
    errors::configure(ErrorSettings::default().clock(clock)).unwrap();
}
