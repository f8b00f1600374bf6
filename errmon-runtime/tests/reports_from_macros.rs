//! Reports as the macros hand them over, through real annotated functions and blocks: the
//! error's message, chain, type, kind and severity, the function's fields, the request
//! context; grouping of messages that differ only in ids; panics with the context of the
//! request that panicked; `monitor!` blocks and how each way out of them is recorded.

#[macro_use]
mod support;

use std::fmt;

use errmon_runtime::context::Context;
use errmon_runtime::errors::{self, Severity};
use errmon_runtime::sites::OutcomeLabel;
use errmon_runtime::{ErrorKind, monitor, monitored};
use support::{groups, reports};

#[derive(Debug)]
struct Io(&'static str);

impl fmt::Display for Io {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "socket: {}", self.0)
    }
}

impl std::error::Error for Io {}

#[derive(Debug)]
struct Upstream(Io);

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gateway unavailable")
    }
}

impl std::error::Error for Upstream {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[derive(Debug, ErrorKind)]
enum PayError {
    Declined {
        order: u64,
        source: Upstream,
    },
    #[error_severity("critical")]
    Corrupted,
    #[error_severity("info")]
    #[error_kind("duplicate")]
    AlreadyPaid,
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayError::Declined { order, .. } => write!(f, "order {order} declined"),
            PayError::Corrupted => f.write_str("ledger corrupted"),
            PayError::AlreadyPaid => f.write_str("already paid"),
        }
    }
}

impl std::error::Error for PayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PayError::Declined { source, .. } => Some(source),
            _ => None,
        }
    }
}

struct Order {
    id: u64,
    items: Vec<String>,
}

#[monitored(severity = "warning", fields(order_id = order.id, items = order.items.len(), region = "eu"))]
fn charge(order: Order) -> Result<(), PayError> {
    // The body consumes the order: the fields were taken at entry.
    let Order { id, items } = order;
    drop(items);
    Err(PayError::Declined {
        order: id,
        source: Upstream(Io("connection reset")),
    })
}

#[test]
fn a_report_carries_message_chain_type_kind_severity_fields_and_context() {
    let ctx = Context::from_request_id(Some("req-7"))
        .with_user_id("ada")
        .with_field("tenant", "acme");
    let order = Order {
        id: 17,
        items: vec!["book".into(), "pen".into()],
    };
    ctx.scope(|| charge(order)).unwrap_err();
    let r = &reports("charge")[0];
    assert_eq!(r.message, "order 17 declined");
    assert_eq!(r.chain, ["gateway unavailable", "socket: connection reset"]);
    assert_eq!(r.root_cause(), "socket: connection reset");
    assert_eq!(
        (r.error_type.as_str(), r.error_kind, r.severity),
        ("PayError", "declined", Severity::Warning)
    );
    assert_eq!(r.request_id.as_deref(), Some("req-7"));
    assert_eq!(r.user_id.as_deref(), Some("ada"));
    let fields: Vec<(&str, &str)> = r
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("tenant", "acme"),
            ("order_id", "17"),
            ("items", "2"),
            ("region", "eu")
        ]
    );
    assert!(!r.panic);
    assert!(r.duration.is_some());

    // `GET /errors` serves the JSON, with the `endpoint` feature.
    #[cfg(feature = "endpoint")]
    {
        let json = errmon_runtime::errors::snapshot().to_json();
        assert!(json.contains(r#""message":"order 17 declined""#), "{json}");
        assert!(
            json.contains(r#""chain":["gateway unavailable","socket: connection reset"]"#),
            "{json}"
        );
        assert!(json.contains(r#""severity":"warning""#), "{json}");
        assert!(json.contains(r#""request_id":"req-7""#), "{json}");
    }
}

#[monitored(severity = "warning")]
fn settle(which: u8) -> Result<(), PayError> {
    Err(match which {
        0 => PayError::Corrupted,
        _ => PayError::AlreadyPaid,
    })
}

#[test]
fn a_variants_own_severity_wins_over_the_functions() {
    settle(0).unwrap_err();
    settle(1).unwrap_err();
    let got: Vec<_> = reports("settle")
        .iter()
        .map(|r| (r.error_kind, r.severity))
        .collect();
    assert_eq!(
        got,
        [
            ("duplicate", Severity::Info),
            ("corrupted", Severity::Critical)
        ]
    );
}

#[monitored(severity = "info")]
fn sev_info() -> Result<(), Io> {
    Err(Io("a"))
}
#[monitored(severity = "warning")]
fn sev_warning() -> Result<(), Io> {
    Err(Io("a"))
}
#[monitored]
fn sev_default() -> Result<(), Io> {
    Err(Io("a"))
}
#[monitored(severity = "critical")]
fn sev_critical() -> Result<(), Io> {
    Err(Io("a"))
}

#[test]
fn every_severity_name_lands_as_named() {
    for (f, function, severity) in [
        (sev_info as fn() -> Result<(), Io>, "sev_info", "info"),
        (sev_warning, "sev_warning", "warning"),
        (sev_default, "sev_default", "error"),
        (sev_critical, "sev_critical", "critical"),
    ] {
        f().unwrap_err();
        let r = &reports(function)[0];
        assert_eq!(
            Some(r.severity),
            Severity::from_name(severity),
            "{function}"
        );
    }
}

#[derive(Debug)]
struct DebugOnly {
    #[allow(
        dead_code,
        reason = "read only through `Debug`, which the report shows"
    )]
    code: u16,
}

struct Opaque;

#[monitored]
fn display_only(n: u32) -> Result<(), String> {
    Err(format!("no route for {n}"))
}

#[monitored]
fn debug_only() -> Result<(), DebugOnly> {
    Err(DebugOnly { code: 7 })
}

#[monitored]
fn opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

fn is_success(status: &u16) -> bool {
    (200..300).contains(status)
}

#[monitored(ok_if = is_success, fields(attempt = 3))]
fn status() -> u16 {
    503
}

#[monitored(error_if = Option::is_none)]
fn lookup() -> Option<u32> {
    None
}

#[test]
fn errors_without_error_traits_still_have_the_strongest_view() {
    display_only(4).unwrap_err();
    debug_only().unwrap_err();
    assert!(opaque().is_err());
    assert_eq!(status(), 503);
    assert_eq!(lookup(), None);
    let r = &reports("display_only")[0];
    assert_eq!((r.message.as_str(), r.chain.len()), ("no route for 4", 0));
    assert_eq!(reports("debug_only")[0].message, "DebugOnly { code: 7 }");
    let r = &reports("opaque")[0];
    assert_eq!((r.error_type.as_str(), r.message.as_str()), ("Opaque", ""));
    let r = &reports("status")[0];
    assert_eq!(
        (r.message.as_str(), r.error_kind, r.fields.clone()),
        (
            "503",
            "not_is_success",
            vec![("attempt".into(), "3".into())]
        )
    );
    assert_eq!(reports("lookup")[0].message, "None");
}

#[monitored]
fn find_order(id: u64, host: &str) -> Result<(), String> {
    Err(format!("order {id} not found on {host}"))
}

#[test]
fn messages_that_differ_only_in_ids_form_one_group() {
    for (id, host) in [(1, "10.0.0.1"), (22, "10.0.0.2"), (333, "10.0.0.3")] {
        find_order(id, host).unwrap_err();
    }
    let g = groups("find_order");
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].count, 3);
    assert_eq!(g[0].message, "order <int> not found on <ip>");
    assert_eq!(g[0].samples.len(), 3);
}

#[monitored]
fn explode(order: u64) -> Result<(), Io> {
    if order > 0 {
        panic!("ledger returned garbage for order {order}");
    }
    Ok(())
}

#[monitored]
async fn explode_later(order: u64) -> Result<(), Io> {
    tokio::task::yield_now().await;
    if order > 0 {
        panic!("async ledger garbage for order {order}");
    }
    Ok(())
}

#[test]
fn a_panic_report_has_the_context_of_the_request_that_panicked() {
    errors::install_panic_hook();
    let ctx = Context::from_request_id(Some("req-panic")).with_user_id("bob");
    assert!(std::panic::catch_unwind(|| ctx.scope(|| explode(42))).is_err());
    let r = &reports("explode")[0];
    assert!(r.panic);
    assert_eq!(r.message, "ledger returned garbage for order 42");
    assert_eq!(r.request_id.as_deref(), Some("req-panic"));
    assert_eq!(r.user_id.as_deref(), Some("bob"));
    assert!(
        r.location
            .as_deref()
            .unwrap()
            .contains("reports_from_macros.rs:"),
        "{:?}",
        r.location
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let joined = rt.block_on(async {
        let ctx = Context::from_request_id(Some("req-async-panic")).with_user_id("eve");
        tokio::spawn(ctx.wrap(explode_later(9))).await
    });
    assert!(joined.unwrap_err().is_panic());
    let r = &reports("explode_later")[0];
    assert_eq!(
        (
            r.message.as_str(),
            r.request_id.as_deref(),
            r.user_id.as_deref()
        ),
        (
            "async ledger garbage for order 9",
            Some("req-async-panic"),
            Some("eve")
        )
    );
}

fn site_outcomes(function: &str) -> [u64; 4] {
    let s = errmon_runtime::sites::all()
        .into_iter()
        .find(|s| s.meta().function == function)
        .unwrap()
        .snapshot();
    [
        s.outcome(OutcomeLabel::Ok),
        s.outcome(OutcomeLabel::Error),
        s.outcome(OutcomeLabel::Panic),
        s.outcome(OutcomeLabel::Cancelled),
    ]
}

fn pay(order: u64) -> Result<u64, PayError> {
    if order == 0 {
        return Err(PayError::Corrupted);
    }
    Ok(order * 10)
}

/// A function with three ways out of its block: the value, `?` and `return`.
fn checkout(order: u64) -> Result<String, PayError> {
    let cents = monitor!("block_checkout", {
        if order == 99 {
            return Ok("free".to_owned());
        }
        if order == 98 {
            return Err(PayError::AlreadyPaid);
        }
        let cents = pay(order)?;
        cents + 1
    });
    Ok(format!("{cents}"))
}

#[test]
fn a_block_records_its_value_and_the_question_marks_and_returns_that_leave_it() {
    let ctx = Context::from_request_id(Some("req-block"));
    assert_eq!(checkout(2).unwrap(), "21");
    assert!(matches!(
        ctx.scope(|| checkout(0)),
        Err(PayError::Corrupted)
    ));
    assert_eq!(checkout(99).unwrap(), "free");
    assert!(matches!(checkout(98), Err(PayError::AlreadyPaid)));
    // ok: the value and both `return`s, which leave the block normally; error: `?` on Err.
    assert_eq!(site_outcomes("block_checkout"), [3, 1, 0, 0]);
    let got: Vec<_> = reports("block_checkout")
        .iter()
        .map(|r| (r.message.clone(), r.error_kind, r.request_id.clone()))
        .collect();
    assert_eq!(
        got,
        [(
            "ledger corrupted".to_owned(),
            "corrupted",
            Some("req-block".to_owned())
        )]
    );
    let site = errmon_runtime::sites::all()
        .into_iter()
        .find(|s| s.meta().function == "block_checkout")
        .unwrap();
    assert_eq!(site.meta().module, module_path!());
}

fn block_value(fail: bool) -> Result<u8, Io> {
    monitor!("block_value", {
        if fail { Err(Io("refused")) } else { Ok(1) }
    })
}

fn leave_loop() -> u32 {
    let mut n = 0;
    loop {
        monitor!("block_break", {
            n += 1;
            if n == 2 {
                break;
            }
        });
    }
    n
}

#[test]
fn a_blocks_value_is_its_outcome_and_a_break_out_of_it_ends_it() {
    assert_eq!(block_value(false).unwrap(), 1);
    assert!(block_value(true).is_err());
    assert_eq!(site_outcomes("block_value"), [1, 1, 0, 0]);
    assert_eq!(reports("block_value")[0].message, "socket: refused");
    assert_eq!(leave_loop(), 2);
    assert_eq!(site_outcomes("block_break"), [2, 0, 0, 0]);
}

async fn fetch_async(order: u64) -> Result<u64, PayError> {
    let cents = monitor!("block_async", {
        tokio::task::yield_now().await;
        pay(order)?
    });
    Ok(cents)
}

fn panics_in_block() {
    monitor!("block_panic", {
        panic!("block gave up");
    });
}

#[test]
fn a_block_in_an_async_fn_awaits_and_keeps_the_tasks_context() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let ctx = Context::from_request_id(Some("req-async-block")).with_user_id("kim");
        assert_eq!(
            tokio::spawn(ctx.clone().wrap(fetch_async(3)))
                .await
                .unwrap()
                .unwrap(),
            30
        );
        assert!(
            tokio::spawn(ctx.wrap(fetch_async(0)))
                .await
                .unwrap()
                .is_err()
        );
    });
    assert_eq!(site_outcomes("block_async"), [1, 1, 0, 0]);
    let r = &reports("block_async")[0];
    assert_eq!(
        (
            r.message.as_str(),
            r.request_id.as_deref(),
            r.user_id.as_deref()
        ),
        ("ledger corrupted", Some("req-async-block"), Some("kim"))
    );
    assert!(std::panic::catch_unwind(panics_in_block).is_err());
    assert_eq!(site_outcomes("block_panic"), [0, 0, 1, 0]);
}

#[monitored]
fn boxed_shared() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err(Box::new(Upstream(Io("timed out"))))
}

#[monitored]
fn boxed_local() -> Result<(), Box<dyn std::error::Error>> {
    Err(Box::new(Upstream(Io("refused"))))
}

#[test]
fn a_boxed_error_keeps_its_source_chain() {
    boxed_shared().unwrap_err();
    boxed_local().unwrap_err();
    let r = &reports("boxed_shared")[0];
    assert_eq!(
        (r.message.as_str(), r.chain.clone()),
        ("gateway unavailable", vec!["socket: timed out".to_owned()])
    );
    let r = &reports("boxed_local")[0];
    assert_eq!(
        (r.message.as_str(), r.chain.clone()),
        ("gateway unavailable", vec!["socket: refused".to_owned()])
    );
}

async fn waits_in_block(gate: tokio::sync::oneshot::Receiver<()>) -> u8 {
    monitor!("block_dropped", {
        let _ = gate.await;
        1
    })
}

#[test]
fn a_future_dropped_at_an_await_inside_a_block_is_cancelled() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_keep, gate) = tokio::sync::oneshot::channel::<()>();
    rt.block_on(async {
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(5), waits_in_block(gate));
        assert!(waiting.await.is_err(), "the gate never opens");
    });
    assert_eq!(site_outcomes("block_dropped"), [0, 0, 0, 1]);
}

fn refund(order: &Order) -> Result<u64, PayError> {
    monitor!(
        "block_options",
        severity = "info",
        labels(tier = "gold"),
        fields(order_id = order.id),
        { pay(order.id) }
    )
}

#[test]
fn a_block_takes_severity_fields_and_labels() {
    let order = Order {
        id: 0,
        items: Vec::new(),
    };
    assert!(refund(&order).is_err());
    let r = &reports("block_options")[0];
    assert_eq!(
        (r.severity, r.fields.clone()),
        // The variant's own severity wins, as for functions.
        (
            Severity::Critical,
            vec![("order_id".to_owned(), "0".to_owned())]
        )
    );
    let site = errmon_runtime::sites::all()
        .into_iter()
        .find(|s| s.meta().function == "block_options")
        .unwrap();
    assert_eq!(site.meta().labels, [("tier", "gold")]);
    assert!(order.items.is_empty());
}
