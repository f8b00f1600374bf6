//! [`ErrorsSnapshot`]: what [`crate::errors::snapshot()`] returns, built from the tracker in one pass.

use std::sync::atomic::Ordering::Relaxed;
use std::time::SystemTime;

use super::counters::{self, TOTALS};
use super::groups::OTHER_FINGERPRINT;
use super::report::{Report, Severity};
use super::tracker;
use super::window::WINDOWS_SECS;
use crate::common::time::unix_ms;
use crate::registry;

/// Why an error got no stored report. Every drop is counted
/// (`errmon_error_reports_dropped_total{reason}`); the error itself is always counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DropReason {
    /// The application's filter said no.
    Filtered = 0,
    /// Its function stored its share of reports this second.
    RateLimited = 1,
    /// The process stored its share of reports this second: a flood.
    Sampled = 2,
    /// The application's scrub hook dropped it.
    Scrubbed = 3,
    /// A panic whose details could not be noted without waiting.
    Busy = 4,
}

impl DropReason {
    /// Every reason, in label order.
    pub const ALL: [DropReason; 5] = [
        Self::Filtered,
        Self::RateLimited,
        Self::Sampled,
        Self::Scrubbed,
        Self::Busy,
    ];

    /// The value of the `reason` label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Filtered => "filtered",
            Self::RateLimited => "rate_limited",
            Self::Sampled => "sampled",
            Self::Scrubbed => "scrubbed",
            Self::Busy => "busy",
        }
    }
}

/// What to include in a snapshot: the `?limit=`, `?function=` and `?since=` of `GET /errors`.
///
/// ```
/// let q = errmon_runtime::errors::Query::parse("limit=5&function=charge&since=2026-12-01T09:00:00Z")?;
/// assert_eq!(q.limit, 5);
/// let err = errmon_runtime::errors::Query::parse("limit=many").unwrap_err();
/// assert_eq!(err.parameter(), "limit");
/// # Ok::<(), errmon_runtime::errors::QueryError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Query {
    /// Groups and recent reports listed, at most (default 10).
    pub limit: usize,
    /// Only this function's groups, reports and counts by function.
    pub function: Option<String>,
    /// Only groups seen and reports made at or after this time.
    pub since: Option<SystemTime>,
    /// How top groups are ordered.
    pub order: GroupOrder,
}

/// How [`ErrorsSnapshot::top_groups`] is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupOrder {
    /// Most errors since the process started first.
    #[default]
    Count,
    /// Most errors in the last five minutes first.
    Rate,
}

/// The default of [`Query::limit`].
pub const DEFAULT_LIMIT: usize = 10;
/// The largest [`Query::limit`] accepted.
pub const MAX_LIMIT: usize = 1_000;

impl Default for Query {
    fn default() -> Self {
        Query {
            limit: DEFAULT_LIMIT,
            function: None,
            since: None,
            order: GroupOrder::Count,
        }
    }
}

impl Query {
    /// The default query with another limit.
    #[must_use = "returns the changed query"]
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Only what happened at or after `since`.
    #[must_use = "returns the changed query"]
    pub fn with_since(mut self, since: SystemTime) -> Self {
        self.since = Some(since);
        self
    }

    /// Only `function`'s groups, reports and counts.
    #[must_use = "returns the changed query"]
    pub fn with_function(mut self, function: impl Into<String>) -> Self {
        self.function = Some(function.into());
        self
    }
}

/// Totals since the process started.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Totals {
    /// Errors returned by `#[monitored]` functions (what `errmon_errors_total` counts).
    pub errors: u64,
    /// Panics reported.
    pub panics: u64,
    /// `#[retry]` calls that ran out of attempts or time.
    pub retries_exhausted: u64,
    /// Reports stored (the ring keeps the newest of them).
    pub reports_stored: u64,
    /// Reports not stored, by reason; every reason listed.
    pub dropped: Vec<(DropReason, u64)>,
    /// Groups in the table, `other` included.
    pub groups: usize,
    /// Errors counted in `other` because the group table was full.
    pub groups_folded: u64,
}

/// Errors in one window: errors per second and, where calls finished, errors per finished call.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Rate {
    /// The window: 60, 300 or 900 seconds.
    pub window_secs: u64,
    /// Errors in the window.
    pub count: u64,
    /// `count / window_secs`.
    pub per_second: f64,
    /// Errors per finished call in the window; `None` when no call finished in it, and for
    /// groups.
    pub error_ratio: Option<f64>,
}

/// One function's errors.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FunctionErrors {
    /// The `function` label; empty for panics outside instrumented functions.
    pub function: &'static str,
    /// The module.
    pub module: &'static str,
    /// Errors returned.
    pub errors: u64,
    /// Panics.
    pub panics: u64,
    /// Retries exhausted.
    pub retries_exhausted: u64,
    /// The first and the last error, panic or exhaustion, in ms since the Unix epoch.
    pub first_seen_ms: u64,
    /// See `first_seen_ms`.
    pub last_seen_ms: u64,
    /// Returned errors over the last 1, 5 and 15 minutes.
    pub rates: [Rate; 3],
}

/// One group of errors with the same fingerprint.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Group {
    /// The fingerprint, as in the reports of the group.
    pub fingerprint: u64,
    /// The function; empty for `other`.
    pub function: &'static str,
    /// The module.
    pub module: &'static str,
    /// The error type, shortened; `other` for the overflow group.
    pub error_type: String,
    /// The kind.
    pub error_kind: &'static str,
    /// The parameterized message, such as `order <int> not found`.
    pub message: String,
    /// Errors in the group.
    pub count: u64,
    /// First seen, ms since the Unix epoch.
    pub first_seen_ms: u64,
    /// Last seen.
    pub last_seen_ms: u64,
    /// Distinct user ids among the group's reports: exact up to 64, then a HyperLogLog
    /// estimate (about 3% standard error).
    pub users: u64,
    /// Whether `users` is an estimate.
    pub users_estimated: bool,
    /// Up to three distinct raw messages.
    pub samples: Vec<String>,
    /// Errors in the group over the last 1, 5 and 15 minutes.
    pub rates: [Rate; 3],
}

/// Everything errmon knows about the errors of the process, from [`crate::errors::snapshot()`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ErrorsSnapshot {
    /// When the snapshot was taken, ms since the Unix epoch.
    pub generated_ms: u64,
    /// Totals.
    pub totals: Totals,
    /// The first error of any kind, and the last.
    pub first_seen_ms: Option<u64>,
    /// See `first_seen_ms`.
    pub last_seen_ms: Option<u64>,
    /// The first report stored, and the last.
    pub first_error: Option<Report>,
    /// See `first_error`.
    pub last_error: Option<Report>,
    /// Returned errors of all functions over the last 1, 5 and 15 minutes.
    pub rates: [Rate; 3],
    /// Counts by function, most errors first.
    pub by_function: Vec<FunctionErrors>,
    /// Counts by shortened error type, most first.
    pub by_type: Vec<(String, u64)>,
    /// Counts by kind, most first.
    pub by_kind: Vec<(&'static str, u64)>,
    /// Counts by severity, every severity listed.
    pub by_severity: Vec<(Severity, u64)>,
    /// The top groups, by [`Query::order`].
    pub top_groups: Vec<Group>,
    /// The newest reports, newest first.
    pub recent: Vec<Report>,
    /// Whether errmon's panic hook sees panics:
    /// [`Replaced`](super::PanicHookState::Replaced) once a panic went round it, when a hook
    /// set later replaced it.
    pub panic_hook: super::PanicHookState,
}

/// What the windows of `/errors` are read from: a function's site, every HTTP request
/// together (the function `http_request`), or the process.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope {
    Site(&'static registry::Site),
    #[cfg_attr(
        not(feature = "exporter"),
        allow(dead_code, reason = "HTTP is the exporter's")
    )]
    Http,
    Process,
}

/// The reader of errors and calls in the windows of [`WINDOWS_SECS`], which a higher layer
/// (`history`, which keeps them) submits at link time: error tracking keeps no windows of
/// its own for functions and the process, so that an error on the calling thread writes
/// nothing a sampler can read.
pub(crate) struct Windows {
    /// (errors, calls) in each window of [`WINDOWS_SECS`] ending at `now`, in ms.
    pub(crate) read: fn(Scope, u64) -> [(u64, u64); 3],
}

inventory::collect!(Windows);

fn windows(scope: Scope, now: u64) -> [(u64, u64); 3] {
    inventory::iter::<Windows>
        .into_iter()
        .next()
        .map_or([(0, 0); 3], |w| (w.read)(scope, now))
}

/// Rates from (errors, calls) per window; `with_ratio` false for groups, whose calls are
/// not known.
fn rates(counts: [(u64, u64); 3], with_ratio: bool) -> [Rate; 3] {
    std::array::from_fn(|i| {
        let secs = WINDOWS_SECS[i];
        let (errors, calls) = counts[i];
        Rate {
            window_secs: secs,
            count: errors,
            per_second: errors as f64 / secs as f64,
            error_ratio: (with_ratio && calls > 0).then(|| errors as f64 / calls as f64),
        }
    })
}

fn tally<K: PartialEq>(counts: &mut Vec<(K, u64)>, key: K, n: u64) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some(e) => e.1 += n,
        None => counts.push((key, n)),
    }
}

fn sorted<K: Ord>(mut v: Vec<(K, u64)>) -> Vec<(K, u64)> {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// A snapshot of the errors of the process: totals, counts by function, type, kind and
/// severity, the first and the last error, the top groups, the newest reports and the rates
/// over 1, 5 and 15 minutes. [`snapshot_with`] takes a [`Query`];
/// `ErrorsSnapshot::to_json` (with the `endpoint` feature) is what `GET /errors` serves.
///
/// ```
/// #[errmon_runtime::monitored]
/// fn parse_amount(s: &str) -> Result<u64, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// let _ = parse_amount("12x");
/// let snap = errmon_runtime::errors::snapshot();
/// let f = snap.by_function.iter().find(|f| f.function == "parse_amount").unwrap();
/// assert_eq!(f.errors, 1);
/// ```
pub fn snapshot() -> ErrorsSnapshot {
    snapshot_with(&Query::default())
}

/// A snapshot of what `query` selects.
pub fn snapshot_with(query: &Query) -> ErrorsSnapshot {
    let settings = tracker::settings();
    let now = tracker::now_ms(&settings);
    super::panic::sweep(now, settings.panics_anywhere);
    // Read before the lock: it walks the registry.
    let process_windows = windows(Scope::Process, now);
    let errors = tracker::errors_total();
    let by_severity = tracker::severity_totals();
    let since_ms = query.since.map(unix_ms);
    let wanted = |function: &str| query.function.as_deref().is_none_or(|f| f == function);

    // Returned errors by type and kind come from their sites' error tables, where they are
    // counted; panics and exhaustions from the tracker.
    let mut by_type: Vec<(String, u64)> = Vec::new();
    let mut by_kind: Vec<(&'static str, u64)> = Vec::new();
    let mut by_function: Vec<FunctionErrors> = Vec::new();
    for f in counters::functions() {
        let Some((first_seen_ms, last_seen_ms)) = f.span() else {
            continue;
        };
        if let Some(site) = f.site {
            for (t, k, n) in site.series_counts() {
                tally(&mut by_type, registry::short_type_name(t), n);
                tally(&mut by_kind, k, n);
            }
        }
        let (function, module) = f
            .site
            .map_or(("", ""), |s| (s.meta().function, s.meta().module));
        if !wanted(function) {
            continue;
        }
        let errors = tracker::errors_of(f);
        let scope = f.site.map(Scope::Site);
        by_function.push(FunctionErrors {
            function,
            module,
            errors,
            panics: f.panics.load(Relaxed),
            retries_exhausted: f.exhausted.load(Relaxed),
            first_seen_ms,
            last_seen_ms,
            rates: rates(
                scope.map_or([(0, 0); 3], |scope| windows(scope, now)),
                scope.is_some(),
            ),
        });
    }
    by_function.sort_by(|a, b| {
        (b.errors + b.panics + b.retries_exhausted)
            .cmp(&(a.errors + a.panics + a.retries_exhausted))
            .then_with(|| (a.function, a.module).cmp(&(b.function, b.module)))
    });

    let st = tracker::lock();
    for &(t, n) in st.types.values() {
        tally(&mut by_type, registry::short_type_name(t), n);
    }
    for &(k, n) in st.kinds.values() {
        tally(&mut by_kind, k, n);
    }

    let mut groups: Vec<Group> = st
        .groups
        .iter()
        .filter(|(fp, g)| {
            (*fp == OTHER_FINGERPRINT && query.function.is_none() || wanted(g.function))
                && since_ms.is_none_or(|s| g.last_ms >= s)
        })
        .map(|(fp, g)| {
            let (users, users_estimated) = g.users.count();
            Group {
                fingerprint: fp,
                function: g.function,
                module: g.module,
                error_type: if fp == OTHER_FINGERPRINT {
                    "other".to_owned()
                } else if g.type_name == "panic" {
                    "panic".to_owned()
                } else {
                    registry::short_type_name(g.type_name)
                },
                error_kind: g.kind,
                message: g.pattern.clone(),
                count: g.count,
                first_seen_ms: g.first_ms,
                last_seen_ms: g.last_ms,
                users,
                users_estimated,
                samples: g.samples.clone(),
                rates: rates(g.window.counts(now).map(|n| (n, 0)), false),
            }
        })
        .collect();
    let key = |g: &Group| match query.order {
        GroupOrder::Count => g.count,
        GroupOrder::Rate => g.rates[1].count,
    };
    groups.sort_by(|a, b| {
        key(b)
            .cmp(&key(a))
            .then_with(|| b.last_seen_ms.cmp(&a.last_seen_ms))
    });
    groups.truncate(query.limit);

    let recent = st
        .ring
        .newest()
        .filter(|r| wanted(r.function) && since_ms.is_none_or(|s| r.unix_ms >= s))
        .take(query.limit)
        .map(|r| (**r).clone())
        .collect();

    let dropped = tracker::dropped_totals().to_vec();
    let all = &TOTALS.all;
    let span = all.span();

    ErrorsSnapshot {
        generated_ms: now,
        totals: Totals {
            errors,
            panics: all.panics.load(Relaxed),
            retries_exhausted: all.exhausted.load(Relaxed),
            reports_stored: st.stored,
            dropped,
            groups: st.groups.len(),
            groups_folded: st.groups.folded,
        },
        first_seen_ms: span.map(|(first, _)| first),
        last_seen_ms: span.map(|(_, last)| last),
        first_error: st.first_report.as_deref().cloned(),
        // The ring keeps at least one report: its newest is the last.
        last_error: st.ring.newest().next().map(|r| Report::clone(r)),
        rates: rates(process_windows, true),
        by_function,
        by_type: sorted(by_type),
        by_kind: sorted(by_kind),
        by_severity: Severity::ALL
            .iter()
            .map(|&s| (s, by_severity[s as usize]))
            .collect(),
        top_groups: groups,
        recent,
        panic_hook: super::panic::state(),
    }
}
