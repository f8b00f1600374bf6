//! Reports of returned errors, as the `#[monitored]` expansion hands them over: message,
//! source chain, type, kind, severity, context, fields, duration; grouping by fingerprint;
//! exact totals from many threads; the query; the JSON shape.

#[macro_use]
mod support;

use std::fmt;
use std::time::{Duration, SystemTime};

use errmon_runtime::__private::Severity;
use errmon_runtime::context::Context;
use errmon_runtime::errors::{self, Query};
use support::{counts, groups, reports};

#[derive(Debug)]
struct Io(&'static str);
impl fmt::Display for Io {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "socket: {}", self.0)
    }
}
impl std::error::Error for Io {}

#[derive(Debug, errmon_runtime::ErrorKind)]
enum PayError {
    Declined { order: u64, source: Io },
}
impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let PayError::Declined { order, .. } = self;
        write!(f, "order {order} declined")
    }
}
impl std::error::Error for PayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let PayError::Declined { source, .. } = self;
        Some(source)
    }
}

monitored_by_hand! {
    fn charge(order: u64) -> Result<(), PayError> {
        std::thread::sleep(Duration::from_millis(2));
        Err(PayError::Declined { order, source: Io("connection reset") })
    }
}

#[test]
fn a_report_carries_message_chain_labels_context_and_duration() {
    let ctx = Context::from_request_id(Some("req-7"))
        .with_user_id("ada")
        .with_field("tenant", "acme");
    ctx.scope(|| charge(17)).unwrap_err();
    let r = &reports("charge")[0];
    assert_eq!(r.message, "order 17 declined");
    assert_eq!(r.chain, ["socket: connection reset"]);
    assert_eq!(r.root_cause(), "socket: connection reset");
    assert_eq!(
        (r.error_type.as_str(), r.error_kind),
        ("PayError", "declined")
    );
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(r.request_id.as_deref(), Some("req-7"));
    assert_eq!(r.user_id.as_deref(), Some("ada"));
    assert_eq!(r.fields, [("tenant".to_owned(), "acme".to_owned())]);
    assert!(
        r.duration.unwrap() >= Duration::from_millis(2),
        "{:?}",
        r.duration
    );
    assert!(!r.panic && r.location.is_none() && r.retry_attempt.is_none());
    assert!(r.backtrace.is_none(), "backtraces are off by default");
    assert!(r.timestamp().ends_with('Z'));
    assert!(
        r.unix_ms
            .abs_diff(errmon_runtime::errors::snapshot().generated_ms)
            < 60_000
    );
}

#[derive(Debug)]
struct OnlyDebug {
    #[expect(dead_code, reason = "shown through Debug only")]
    code: u16,
}

struct OnlyDisplay;
impl fmt::Display for OnlyDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("displayed, not debugged")
    }
}

struct Neither;

monitored_by_hand! {
    fn debug_only() -> Result<(), OnlyDebug> {
        Err(OnlyDebug { code: 503 })
    }
}

monitored_by_hand! {
    fn display_only() -> Result<(), OnlyDisplay> {
        Err(OnlyDisplay)
    }
}

monitored_by_hand! {
    fn neither() -> Result<(), Neither> {
        Err(Neither)
    }
}

#[test]
fn types_without_error_or_display_still_report() {
    let _ = debug_only();
    assert_eq!(reports("debug_only")[0].message, "OnlyDebug { code: 503 }");
    let _ = display_only();
    assert_eq!(
        reports("display_only")[0].message,
        "displayed, not debugged"
    );
    let _ = neither();
    let r = &reports("neither")[0];
    assert_eq!(
        (r.message.as_str(), r.error_type.as_str(), r.error_kind),
        ("", "Neither", "unknown")
    );
}

#[test]
fn severity_and_fields_from_the_expansion_are_recorded() {
    fn reserve(order_id: u64) -> Result<(), OnlyDebug> {
        let call = site_by_hand!("reserve").enter();
        let out: Result<(), OnlyDebug> = Err(OnlyDebug { code: 409 });
        finish_by_hand!(call, out, Severity::Warning, &[("order_id", &order_id)]);
        out
    }
    let _ = reserve(4411);
    let r = &reports("reserve")[0];
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.fields, [("order_id".to_owned(), "4411".to_owned())]);
    // A field of the function replaces the context's field of the same name.
    let ctx = Context::new()
        .with_field("order_id", "from-context")
        .with_field("tenant", "acme");
    let _ = ctx.scope(|| reserve(7));
    let r = &reports("reserve")[0];
    let fields: Vec<(&str, &str)> = r
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(fields, [("order_id", "7"), ("tenant", "acme")]);
    let snap = errmon_runtime::errors::snapshot();
    let warnings = snap
        .by_severity
        .iter()
        .find(|(s, _)| *s == Severity::Warning)
        .unwrap()
        .1;
    assert!(warnings >= 1);
}

#[derive(Debug)]
struct NotFound(String);
impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for NotFound {}

monitored_by_hand! {
    fn lookup(msg: String) -> Result<(), NotFound> {
        Err(NotFound(msg))
    }
}

#[test]
fn messages_that_differ_only_in_ids_collapse_into_one_group() {
    let messages = [
        "user 17 (ada@example.com) not found in 10.0.0.7 after 30ms",
        "user 99812 (bob@example.org) not found in 192.168.1.20 after 1.5s",
        "user 3 (eve@example.net) not found in 10.0.0.8 after 250us",
        "user 4 (mal@example.net) not found in 10.0.0.9 after 2s",
    ];
    for (i, m) in messages.iter().enumerate() {
        Context::new()
            .with_user_id(format!("u{}", i % 3))
            .scope(|| lookup((*m).to_owned()))
            .unwrap_err();
    }
    Context::new()
        .scope(|| lookup("order 67e55044-10b1-426f-9247-bb680e5fe0c8 is locked".into()))
        .unwrap_err();
    let mut g = groups("lookup");
    g.sort_by_key(|g| std::cmp::Reverse(g.count));
    assert_eq!(g.len(), 2, "{g:#?}");
    assert_eq!(
        g[0].message,
        "user <int> (<email>) not found in <ip> after <duration>"
    );
    assert_eq!(g[0].count, 4);
    assert_eq!((g[0].users, g[0].users_estimated), (3, false));
    assert_eq!(g[0].samples, messages[..3]);
    assert_eq!(g[1].message, "order <uuid> is locked");
    // Every report names its group.
    let fp: Vec<u64> = reports("lookup").iter().map(|r| r.fingerprint).collect();
    assert_eq!(fp.iter().filter(|&&f| f == g[0].fingerprint).count(), 4);
}

monitored_by_hand! {
    fn busy(n: u64) -> Result<(), NotFound> {
        if n % 2 == 0 { Ok(()) } else { Err(NotFound(format!("job {n} failed"))) }
    }
}

#[test]
fn totals_stay_exact_when_eight_threads_record_at_once() {
    const PER_THREAD: u64 = 5_000;
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for n in 0..PER_THREAD * 2 {
                    let _ = busy(n);
                }
            });
        }
    });
    let c = counts("busy").unwrap();
    assert_eq!(c.errors, 8 * PER_THREAD);
    // The 15-minute window saw them all (they are a second old at most).
    assert_eq!(c.rates[2].count, 8 * PER_THREAD);
    // The ratio's baseline is read while seven other threads run, so it may be off by the
    // calls they make meanwhile (a few hundred of 80,000 on a loaded machine).
    let ratio = c.rates[2].error_ratio.unwrap();
    assert!((ratio - 0.5).abs() < 1e-2, "{ratio}");
    // Reports past the per-function rate limit were counted, not stored.
    let g = groups("busy");
    assert!(g.len() == 1 && g[0].count <= 8 * PER_THREAD);
    let snap = errmon_runtime::errors::snapshot();
    let limited = snap
        .totals
        .dropped
        .iter()
        .find(|(r, _)| *r == errors::DropReason::RateLimited)
        .unwrap()
        .1;
    assert_eq!(g[0].count + limited, 8 * PER_THREAD);
}

monitored_by_hand! {
    fn filtered_by_query(n: u32) -> Result<(), NotFound> {
        Err(NotFound(format!("n={n}")))
    }
}

#[test]
fn the_query_selects_by_function_limit_and_time() {
    for n in 0..5 {
        let _ = filtered_by_query(n);
    }
    let q = Query::parse("function=filtered_by_query&limit=2").unwrap();
    let snap = errors::snapshot_with(&q);
    assert_eq!(snap.recent.len(), 2);
    assert!(
        snap.recent
            .iter()
            .all(|r| r.function == "filtered_by_query")
    );
    assert_eq!(snap.recent[0].message, "n=4", "newest first");
    assert_eq!(snap.by_function.len(), 1);
    let future = SystemTime::now() + Duration::from_secs(3600);
    let q = Query::default()
        .with_function("filtered_by_query")
        .with_since(future);
    let snap = errors::snapshot_with(&q);
    assert!(snap.recent.is_empty() && snap.top_groups.is_empty());
}

#[test]
#[cfg(feature = "endpoint")]
fn the_json_has_the_documented_shape() {
    Context::from_request_id(Some("req-json"))
        .scope(|| charge(5))
        .unwrap_err();
    let body = errors::snapshot_json("function=charge&limit=1").unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).expect(&body);
    for key in [
        "generated_at",
        "totals",
        "first_seen",
        "last_seen",
        "rates",
        "by_function",
        "by_type",
        "by_kind",
        "by_severity",
        "top_groups",
        "first_error",
        "last_error",
        "recent",
    ] {
        assert!(v.get(key).is_some(), "no {key} in {body}");
    }
    for key in [
        "errors",
        "panics",
        "retries_exhausted",
        "reports_stored",
        "groups",
        "groups_folded",
    ] {
        assert!(v["totals"][key].is_u64(), "totals.{key}");
    }
    for reason in ["filtered", "rate_limited", "sampled", "scrubbed", "busy"] {
        assert!(v["totals"]["dropped"][reason].is_u64(), "dropped.{reason}");
    }
    for w in ["1m", "5m", "15m"] {
        assert!(
            v["rates"][w]["count"].is_u64() && v["rates"][w]["per_second"].is_number(),
            "{w}"
        );
    }
    let f = &v["by_function"][0];
    assert_eq!(f["function"], "charge");
    assert!(f["errors"].as_u64().unwrap() >= 1);
    assert!(f["rates"]["5m"]["error_ratio"].is_number());
    let g = &v["top_groups"][0];
    assert_eq!(g["message"], "order <int> declined");
    assert_eq!(g["error_type"], "PayError");
    assert_eq!(g["fingerprint"].as_str().unwrap().len(), 16);
    assert!(g["users"]["count"].is_u64() && g["users"]["estimated"].is_boolean());
    let r = &v["recent"][0];
    assert_eq!(r["request_id"], "req-json");
    assert_eq!(r["message"], "order 5 declined");
    assert_eq!(r["chain"][0], "socket: connection reset");
    assert_eq!(r["root_cause"], "socket: connection reset");
    assert_eq!(r["severity"], "error");
    assert_eq!(r["panic"], false);
    assert!(r["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(r["duration_ms"].as_f64().unwrap() >= 2.0);
    assert!(r["retry_attempt"].is_null() && r["location"].is_null());
    assert!(v["by_severity"]["error"].as_u64().unwrap() >= 1);

    let err = errors::snapshot_json("limit=-1").unwrap_err();
    assert_eq!(err.parameter(), "limit");
}

#[errmon_runtime::monitored]
fn through_the_macro() -> std::io::Result<()> {
    Err(std::io::ErrorKind::TimedOut.into())
}

#[test]
fn errors_through_the_macro_are_reported_with_their_value() {
    let _ = through_the_macro();
    let r = &reports("through_the_macro")[0];
    assert_eq!(
        (r.error_type.as_str(), r.error_kind, r.message.as_str()),
        ("Error", "timed_out", "timed out")
    );
}

#[derive(Debug)]
struct Unavailable;

#[errmon_runtime::retry(attempts = 3, backoff = constant(delay = "1ms"), jitter = none)]
fn flaky() -> Result<(), Unavailable> {
    Err(Unavailable)
}

#[test]
fn an_exhausted_retry_reports_its_attempts() {
    let _ = flaky();
    let r = &reports("flaky")[0];
    assert_eq!(r.retry_attempt, Some(3));
    assert_eq!(
        (r.message.as_str(), r.error_type.as_str()),
        ("Unavailable", "Unavailable")
    );
    assert_eq!(counts("flaky").unwrap().retries_exhausted, 1);
}

#[derive(Debug)]
enum CacheError {
    Miss,
    Corrupt,
}

impl errmon_runtime::ErrorKind for CacheError {
    fn error_kind(&self) -> &'static str {
        match self {
            CacheError::Miss => "miss",
            CacheError::Corrupt => "corrupt",
        }
    }
    fn error_severity(&self) -> Option<Severity> {
        matches!(self, CacheError::Miss).then_some(Severity::Info)
    }
}

#[test]
fn an_error_may_set_its_own_severity_over_the_functions() {
    fn cached(miss: bool) -> Result<(), CacheError> {
        let call = site_by_hand!("cached").enter();
        let out = Err(if miss {
            CacheError::Miss
        } else {
            CacheError::Corrupt
        });
        finish_by_hand!(call, out, Severity::Warning, &[]);
        out
    }
    let _ = cached(true);
    let _ = cached(false);
    let r = reports("cached");
    assert_eq!((r[1].error_kind, r[1].severity), ("miss", Severity::Info));
    assert_eq!(
        (r[0].error_kind, r[0].severity),
        ("corrupt", Severity::Warning)
    );
}
