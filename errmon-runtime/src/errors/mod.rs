//! Errors: what kind each one is (`kind`), how many each site returned (`table`), and what
//! each one was (reports, groups, rates, panics), for [`crate::errors::snapshot()`] and `GET /errors`.
//!
//! Errors are counted per site in a small append-only table of (type, kind) series, with
//! counts sharded per thread like the call counters, so a burst of failures on many threads
//! (an outage, when monitoring matters most) does not funnel through one shared lock or counter.
//!
//! Each error is also handed to the tracker (`tracker`) on its cold path. A returned error is
//! already counted, with its severity, in its site's table; panics, exhaustions and `5xx`
//! answers are counted by the tracker (`counters`); the 1/5/15-minute windows are read from
//! [`crate::history`], which samples those counts. Then, unless
//! dropped before anything is formatted (the filter, a per-function rate limit, flood
//! sampling; see [`ErrorSettings`]), formatted into a [`Report`] (`report`), grouped by the
//! fingerprint of its parameterized message (`fingerprint`, `groups`, `users`) and kept in a
//! bounded ring (`ring`). Panics come in through a chained hook (`panic`). Memory is bounded
//! by construction: the ring, the group table, each group's users, samples and windows all
//! have fixed caps, whatever the messages or users (a million distinct messages from a
//! hundred thousand users leave about 1.2 MiB live; see `tests/bounded_errors.rs`).
//!
//! Counting and the decision to drop take no lock (`counters`): threads failing in the same
//! function at once share no counter they write (drops are counted in per-thread stripes). A report that is stored takes one mutex,
//! once, to enter its group and the ring; the rate limit and sampling bound how often that
//! happens (by default 100 reports per function and 1,000 per process each second).
//!
//! ```
//! use errmon_runtime::context::Context;
//!
//! #[derive(Debug)]
//! struct NotFound(u64);
//! impl std::fmt::Display for NotFound {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "order {} not found", self.0)
//!     }
//! }
//! impl std::error::Error for NotFound {}
//!
//! #[errmon_runtime::monitored]
//! fn load_order(id: u64) -> Result<(), NotFound> {
//!     Err(NotFound(id))
//! }
//!
//! Context::from_request_id(Some("req-1")).with_user_id("ada").scope(|| {
//!     let _ = load_order(17);
//!     let _ = load_order(99);
//! });
//! let snap = errmon_runtime::errors::snapshot();
//! assert_eq!(snap.by_function.iter().find(|f| f.function == "load_order").unwrap().errors, 2);
//! ```
#![doc = include_str!("../../docs/errors.md")]

mod counters;
mod fingerprint;
mod groups;
mod json;
pub(crate) mod kind;
mod panic;
mod report;
mod ring;
mod settings;
mod snapshot;
mod tracker;
mod users;
mod window;

use std::fmt::Display;

pub use json::QueryError;
#[cfg(feature = "endpoint")]
pub use json::snapshot_json;
pub use panic::{PanicHookState, install_panic_hook};
pub use report::{MAX_CHAIN, MAX_LINK, MAX_MESSAGE, Report, Severity};
pub use settings::{
    DEFAULT_MAX_GROUPS, DEFAULT_RATE_LIMIT, DEFAULT_RING_SIZE, DEFAULT_SAMPLE_ABOVE, ErrorSettings,
    ReportHead, SettingsError,
};
pub use snapshot::{
    DEFAULT_LIMIT, DropReason, ErrorsSnapshot, FunctionErrors, Group, GroupOrder, MAX_LIMIT, Query,
    Rate, Totals, snapshot, snapshot_with,
};
pub(crate) use snapshot::{Scope, Windows};
pub(crate) use tracker::Stored;

pub(crate) use report::Hex;

#[cfg(feature = "endpoint")]
pub(crate) use panic::ensure_panic_hook;
#[cfg(feature = "exporter")]
pub(crate) use panic::unwound_with;

use crate::record::{ErrorRef, Failure};
use crate::registry::Site;
use tracker::{Event, What};

/// Applies error-tracking settings for the whole process. What was recorded before stays;
/// the ring keeps its newest reports if it shrinks.
///
/// ```
/// errmon_runtime::errors::configure(errmon_runtime::errors::ErrorSettings::default().ring_size(100))?;
/// # Ok::<(), errmon_runtime::errors::SettingsError>(())
/// ```
pub fn configure(settings: ErrorSettings) -> Result<(), SettingsError> {
    settings.validate()?;
    tracker::configure(settings);
    Ok(())
}

/// Reports dropped so far, by reason, every reason listed.
#[cfg_attr(
    not(feature = "exporter"),
    allow(dead_code, reason = "exported with the exporter")
)]
pub(crate) fn dropped_totals() -> [(DropReason, u64); DropReason::ALL.len()] {
    tracker::dropped_totals()
}

/// Milliseconds since the Unix epoch on error tracking's clock (an injected one in tests).
pub(crate) fn clock_ms() -> u64 {
    tracker::now_fast()
}

/// Errors, panics and exhaustions counted so far, by severity (indexed as `Severity::ALL`).
pub(crate) fn tracker_severities() -> [u64; Severity::ALL.len()] {
    tracker::tracker_severities()
}

/// Errors of every kind so far by severity: the tracker's and the sites' own.
pub(crate) fn severity_totals() -> [u64; Severity::ALL.len()] {
    tracker::severity_totals()
}

// The calls' error path and unwinding reach error tracking through this.
inventory::submit!(crate::record::ErrorPath {
    returned,
    unwound: panic::unwound,
});

/// The error path of a `#[monitored]` call of `site` that ran `duration_ns`.
fn returned(
    site: &'static Site,
    type_name: &'static str,
    kind: &'static str,
    start: u64,
    duration_ns: u64,
    failure: Failure<'_>,
) {
    tracker::record(Event {
        site: Some(site),
        type_name,
        kind,
        severity: failure.severity,
        what: What::Error,
        error: failure.error,
        fields: failure.fields,
        duration_ns: Some(duration_ns),
        started: Some(start),
        retry_attempt: None,
        panic: None,
        counted_by_site: true,
    });
}

/// A `#[retry]` call of `site` that gave up after `attempt` attempts with `error` of `kind`;
/// the fingerprint of its report's group, if the report was stored.
pub(crate) fn exhausted(
    site: &'static Site,
    attempt: u32,
    type_name: &'static str,
    kind: &'static str,
    error: &dyn Display,
) -> Option<u64> {
    tracker::record(Event {
        site: Some(site),
        type_name,
        kind,
        severity: Severity::Error,
        what: What::Exhausted,
        error: ErrorRef::Display(error),
        fields: &[],
        duration_ns: None,
        started: None,
        retry_attempt: Some(attempt),
        panic: None,
        counted_by_site: false,
    })
}

/// A `5xx` answer to an HTTP request (`crate::http`), counted under `site` with `kind`.
#[cfg(feature = "exporter")]
pub(crate) fn http_status(
    site: &'static Site,
    kind: &'static str,
    message: &dyn Display,
    fields: &[(&'static str, &dyn Display)],
    duration_ns: u64,
) {
    tracker::record(Event {
        site: Some(site),
        type_name: "http::StatusCode",
        kind,
        severity: Severity::Error,
        what: What::Error,
        error: ErrorRef::Display(message),
        fields,
        duration_ns: Some(duration_ns),
        started: None,
        retry_attempt: None,
        panic: None,
        counted_by_site: false,
    });
}
