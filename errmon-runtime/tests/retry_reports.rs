//! An exhausted `#[retry]` is a report like any other: its error's kind (`ErrorKind`, as
//! `#[monitored]` labels it) and its group's fingerprint, in `errors()` and on its log line.

use std::collections::HashMap;
use std::fmt;

use errmon_runtime::{ErrorKind, retry};
use errmon_test_support::events::Events;

fn logged(f: impl FnOnce()) -> Vec<HashMap<String, String>> {
    let events = Events::default();
    tracing::subscriber::with_default(events.clone(), f);
    events.all().into_iter().map(|e| e.fields).collect()
}

#[derive(Debug, ErrorKind)]
enum UpstreamError {
    #[error_kind("upstream_timeout")]
    TimedOut,
    #[allow(dead_code)]
    Refused,
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("upstream did not answer")
    }
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"), jitter = none)]
fn call_upstream() -> Result<(), UpstreamError> {
    Err(UpstreamError::TimedOut)
}

/// No `ErrorKind`: `unknown`, as `#[monitored]` would say.
#[derive(Debug)]
struct Opaque;

#[retry(attempts = 2, backoff = constant(delay = "1ms"), jitter = none)]
fn call_opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

#[test]
fn an_exhausted_retry_reports_its_errors_kind_and_logs_its_fingerprint() {
    let lines = logged(|| assert!(call_upstream().is_err()));
    let snap = errmon_runtime::errors::snapshot();
    let report = snap
        .recent
        .iter()
        .find(|r| r.function == "call_upstream")
        .expect("a report of the exhausted retry");
    assert_eq!(report.error_kind, "upstream_timeout");
    assert_eq!(report.error_type, "UpstreamError");
    assert_eq!(report.retry_attempt, Some(2));
    assert_ne!(report.fingerprint, 0);
    let group = snap
        .top_groups
        .iter()
        .find(|g| g.function == "call_upstream")
        .expect("its group");
    assert_eq!(group.fingerprint, report.fingerprint);
    assert_eq!(group.error_kind, "upstream_timeout");
    assert!(
        snap.by_kind.iter().any(|&(k, _)| k == "upstream_timeout"),
        "{:?}",
        snap.by_kind
    );

    let exhausted = lines
        .iter()
        .find(|l| l.get("outcome").map(String::as_str) == Some("exhausted"))
        .unwrap_or_else(|| panic!("no exhaustion line in {lines:#?}"));
    assert_eq!(exhausted["error.kind"], "upstream_timeout");
    assert_eq!(exhausted["error.fingerprint"], report.fingerprint_hex());
    assert_eq!(exhausted["error.message"], "upstream did not answer");
    // The retry before it knows no report yet: no fingerprint, and its kind is the
    // exhaustion's business.
    let retried = lines
        .iter()
        .find(|l| l.get("outcome").map(String::as_str) == Some("retry"))
        .expect("a retry line");
    assert!(!retried.contains_key("error.fingerprint"), "{retried:?}");
}

#[test]
fn an_error_without_a_kind_is_reported_unknown() {
    let lines = logged(|| assert!(call_opaque().is_err()));
    let snap = errmon_runtime::errors::snapshot();
    let report = snap
        .recent
        .iter()
        .find(|r| r.function == "call_opaque")
        .expect("a report of the exhausted retry");
    assert_eq!(report.error_kind, "unknown");
    let exhausted = lines
        .iter()
        .find(|l| l.get("outcome").map(String::as_str) == Some("exhausted"))
        .expect("an exhaustion line");
    assert_eq!(exhausted["error.kind"], "unknown");
    assert_eq!(exhausted["error.fingerprint"], report.fingerprint_hex());
}
