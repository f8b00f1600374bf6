//! The JSON of `GET /errors`, through `serde` (with the `endpoint` feature: a library built
//! without it compiles no JSON crate), and the parsing of the route's query string.
//!
//! The JSON is written from views borrowing the snapshot, in the order of its documented
//! schema; nothing is cloned.

use std::fmt;

use super::snapshot::{GroupOrder, MAX_LIMIT, Query};
use crate::common::time::parse_rfc3339;

/// A bad query parameter of `GET /errors`; the message names it (served as `400`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    parameter: String,
    message: String,
}

impl QueryError {
    fn new(parameter: &str, message: String) -> Self {
        QueryError {
            parameter: parameter.to_owned(),
            message,
        }
    }

    /// The parameter at fault, as written in the query.
    pub fn parameter(&self) -> &str {
        &self.parameter
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The message names the parameter and what it accepts; there is no underlying cause.
impl std::error::Error for QueryError {}

impl Query {
    /// Parses a query string such as `limit=5&function=charge&since=2026-12-01T09:00:00Z`
    /// (a leading `?` is allowed, values are percent-decoded). Parameters: `limit` (1 to
    /// 1000, default 10), `function`, `since` (RFC 3339), `order` (`count` or `rate`). Any
    /// other parameter, a repeated one or a bad value is an error naming it.
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for pair in crate::common::query::pairs(query) {
            let (key, value) = pair.map_err(|bad| QueryError::new(&bad.key, bad.message))?;
            match key.as_str() {
                "limit" => {
                    q.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            QueryError::new(
                                "limit",
                                format!(
                                    "`limit`: `{value}` is not a whole number from 1 to {MAX_LIMIT}"
                                ),
                            )
                        })?;
                }
                "function" if !value.is_empty() => q.function = Some(value),
                "function" => {
                    return Err(QueryError::new(
                        "function",
                        "`function` is empty: name a function".to_owned(),
                    ));
                }
                "since" => {
                    q.since = Some(parse_rfc3339(&value).ok_or_else(|| {
                        QueryError::new(
                            "since",
                            format!("`since`: `{value}` is not an RFC 3339 time such as 2026-12-01T09:00:00Z"),
                        )
                    })?);
                }
                "order" => {
                    q.order = match value.as_str() {
                        "count" => GroupOrder::Count,
                        "rate" => GroupOrder::Rate,
                        _ => {
                            return Err(QueryError::new(
                                "order",
                                format!("`order`: `{value}` is neither `count` nor `rate`"),
                            ));
                        }
                    }
                }
                _ => {
                    return Err(QueryError::new(
                        &key,
                        format!("unknown parameter `{key}`: use limit, function, since or order"),
                    ));
                }
            }
        }
        Ok(q)
    }
}

/// The body of `GET /errors?<query>`: [`crate::errors::snapshot()`] for the parsed query, as JSON; a bad
/// parameter is an `Err` naming it (to be served as `400` with its message).
///
/// ```
/// let body = errmon_runtime::errors::snapshot_json("limit=3")?;
/// assert!(body.starts_with("{\"generated_at\":"));
/// let err = errmon_runtime::errors::snapshot_json("since=yesterday").unwrap_err();
/// assert!(err.to_string().contains("`since`"));
/// # Ok::<(), errmon_runtime::errors::QueryError>(())
/// ```
#[cfg(feature = "endpoint")]
pub fn snapshot_json(query: &str) -> Result<String, QueryError> {
    Ok(super::snapshot::snapshot_with(&Query::parse(query)?).to_json())
}

#[cfg(feature = "endpoint")]
impl super::snapshot::ErrorsSnapshot {
    /// The snapshot as the JSON `GET /errors` serves. Times are RFC 3339 in UTC with
    /// milliseconds; `null` where there is nothing (no error yet, no context, no call finished
    /// in a window). Its shape, from a real run (three errors of one function, two of them in
    /// requests of users `ada` and `bob`; `by_function` and each group carry the same `rates`
    /// object as the top level, and `recent` lists reports like `first_error`):
    ///
    /// ```json
    /// {
    ///   "generated_at": "2026-12-01T09:55:27.187Z",
    ///   "totals": {"errors": 3, "panics": 0, "retries_exhausted": 0, "reports_stored": 3,
    ///              "groups": 1, "groups_folded": 0,
    ///              "dropped": {"filtered": 0, "rate_limited": 0, "sampled": 0, "scrubbed": 0, "busy": 0}},
    ///   "panic_hook": "chained",
    ///   "first_seen": "2026-12-01T09:55:27.187Z",
    ///   "last_seen": "2026-12-01T09:55:27.187Z",
    ///   "rates": {"1m": {"count": 3, "per_second": 0.05, "error_ratio": 1.0},
    ///             "5m": {"count": 3, "per_second": 0.01, "error_ratio": 1.0},
    ///             "15m": {"count": 3, "per_second": 0.003333, "error_ratio": 1.0}},
    ///   "by_function": [{"function": "charge_card", "module": "shop::pay", "errors": 3, "panics": 0,
    ///                    "retries_exhausted": 0, "first_seen": "2026-12-01T09:55:27.187Z",
    ///                    "last_seen": "2026-12-01T09:55:27.187Z", "rates": {"1m": {"...": "..."}}}],
    ///   "by_type": [{"error_type": "PayError", "count": 3}],
    ///   "by_kind": [{"error_kind": "declined", "count": 3}],
    ///   "by_severity": {"info": 0, "warning": 0, "error": 3, "critical": 0},
    ///   "top_groups": [{"fingerprint": "aed728e678048c16", "function": "charge_card", "module": "shop::pay",
    ///                   "error_type": "PayError", "error_kind": "declined",
    ///                   "message": "charge for order <int> failed", "count": 3,
    ///                   "first_seen": "2026-12-01T09:55:27.187Z", "last_seen": "2026-12-01T09:55:27.187Z",
    ///                   "users": {"count": 2, "estimated": false},
    ///                   "samples": ["charge for order 1041 failed", "charge for order 1042 failed",
    ///                               "charge for order 1 failed"],
    ///                   "rates": {"1m": {"count": 3, "per_second": 0.05, "error_ratio": null}, "...": {}}}],
    ///   "first_error": {"timestamp": "2026-12-01T09:55:27.187Z", "function": "charge_card",
    ///                   "module": "shop::pay", "error_type": "PayError", "error_kind": "declined",
    ///                   "severity": "error", "message": "charge for order 1041 failed",
    ///                   "chain": ["connection reset by peer"], "root_cause": "connection reset by peer",
    ///                   "request_id": "req-1041", "user_id": "ada", "fields": {"tenant": "acme"},
    ///                   "retry_attempt": null, "duration_ms": 0.000636, "fingerprint": "aed728e678048c16",
    ///                   "panic": false, "location": null, "backtrace": null},
    ///   "last_error": {"...": "a report, as first_error"},
    ///   "recent": [{"...": "reports, newest first"}]
    /// }
    /// ```
    ///
    /// `chain` is the `source()` chain, outermost first, root cause last (also in
    /// `root_cause`); `retry_attempt` is set on reports of exhausted `#[retry]` calls;
    /// `location` on panics. Groups' `error_ratio` is always `null` (a group has no calls of
    /// its own). Ratios, rates and durations are rounded to six decimals. `panic_hook` is
    /// [`PanicHookState`](super::PanicHookState): `chained` while
    /// errmon's panic hook sees panics, `replaced` once a panic went round it (a hook set
    /// after errmon's replaced it; see [`install_panic_hook`](super::install_panic_hook)),
    /// `absent` when it was never installed.
    ///
    /// ```
    /// let json = errmon_runtime::errors::snapshot().to_json();
    /// for part in ["\"totals\":", "\"panic_hook\":", "\"rates\":", "\"top_groups\":", "\"recent\":"] {
    ///     assert!(json.contains(part), "{part}");
    /// }
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(4096);
        // Into a `Vec`, with views whose every part serializes: this cannot fail.
        serde_json::to_writer(&mut out, &view::SnapshotJson(self))
            .expect("the views of a snapshot always serialize");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }
}

/// Views of the snapshot in the shape of the JSON, key for key, each a `Serialize` impl
/// borrowing what it shows (no derive: `serde_derive` would double what JSON adds to a build).
#[cfg(feature = "endpoint")]
mod view {
    use serde::ser::{Serialize, SerializeStruct, Serializer};

    use super::super::report::{Hex, Report, Severity};
    use super::super::snapshot::{DropReason, ErrorsSnapshot, FunctionErrors, Group, Rate, Totals};
    use crate::common::time::format_rfc3339;

    /// Milliseconds since the Unix epoch, as RFC 3339.
    struct Time(u64);

    impl Serialize for Time {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format_rfc3339(self.0))
        }
    }

    /// A number rounded to six decimals; `null` when not finite.
    struct Rounded(f64);

    impl Serialize for Rounded {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_f64((self.0 * 1e6).round() / 1e6)
        }
    }

    /// A fingerprint, 16 hex digits.
    struct Fingerprint(u64);

    impl Serialize for Fingerprint {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&Hex(self.0))
        }
    }

    /// Each item of a list through its view.
    struct Each<'a, T, V>(&'a [T], fn(&'a T) -> V);

    impl<'a, T, V: Serialize> Serialize for Each<'a, T, V> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(self.1))
        }
    }

    /// Counts as an object keyed by name: `{"info": 0, "warning": 2, ..}`.
    struct Counts<'a, K>(&'a [(K, u64)], fn(K) -> &'static str);

    impl<K: Copy> Serialize for Counts<'_, K> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|&(k, n)| (self.1(k), n)))
        }
    }

    /// One count of a list, named: `{"error_type": "PayError", "count": 3}`.
    struct Count<'a>(&'static str, &'a str, u64);

    impl Serialize for Count<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_struct("Count", 2)?;
            m.serialize_field(self.0, self.1)?;
            m.serialize_field("count", &self.2)?;
            m.end()
        }
    }

    /// The 1, 5 and 15-minute windows, keyed `1m`, `5m`, `15m`.
    struct Rates<'a>(&'a [Rate; 3]);

    /// A window's key: its minutes, `5m`.
    struct Window(u64);

    impl Serialize for Window {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&format_args!("{}m", self.0 / 60))
        }
    }

    impl Serialize for Rates<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|r| (Window(r.window_secs), RateJson(r))))
        }
    }

    struct RateJson<'a>(&'a Rate);

    impl Serialize for RateJson<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let r = self.0;
            let mut m = s.serialize_struct("Rate", 3)?;
            m.serialize_field("count", &r.count)?;
            m.serialize_field("per_second", &Rounded(r.per_second))?;
            m.serialize_field("error_ratio", &r.error_ratio.map(Rounded))?;
            m.end()
        }
    }

    pub(super) struct SnapshotJson<'a>(pub(super) &'a ErrorsSnapshot);

    impl Serialize for SnapshotJson<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let snap = self.0;
            let mut m = s.serialize_struct("ErrorsSnapshot", 14)?;
            m.serialize_field("generated_at", &Time(snap.generated_ms))?;
            m.serialize_field("totals", &TotalsJson(&snap.totals))?;
            m.serialize_field("panic_hook", snap.panic_hook.as_str())?;
            m.serialize_field("first_seen", &snap.first_seen_ms.map(Time))?;
            m.serialize_field("last_seen", &snap.last_seen_ms.map(Time))?;
            m.serialize_field("rates", &Rates(&snap.rates))?;
            m.serialize_field("by_function", &Each(&snap.by_function, FunctionJson))?;
            m.serialize_field(
                "by_type",
                &Each(&snap.by_type, |(t, n)| Count("error_type", t, *n)),
            )?;
            m.serialize_field(
                "by_kind",
                &Each(&snap.by_kind, |&(k, n)| Count("error_kind", k, n)),
            )?;
            m.serialize_field("by_severity", &Counts(&snap.by_severity, Severity::as_str))?;
            m.serialize_field("top_groups", &Each(&snap.top_groups, GroupJson))?;
            m.serialize_field("first_error", &snap.first_error.as_ref().map(ReportJson))?;
            m.serialize_field("last_error", &snap.last_error.as_ref().map(ReportJson))?;
            m.serialize_field("recent", &Each(&snap.recent, ReportJson))?;
            m.end()
        }
    }

    struct TotalsJson<'a>(&'a Totals);

    impl Serialize for TotalsJson<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let t = self.0;
            let mut m = s.serialize_struct("Totals", 7)?;
            m.serialize_field("errors", &t.errors)?;
            m.serialize_field("panics", &t.panics)?;
            m.serialize_field("retries_exhausted", &t.retries_exhausted)?;
            m.serialize_field("reports_stored", &t.reports_stored)?;
            m.serialize_field("groups", &t.groups)?;
            m.serialize_field("groups_folded", &t.groups_folded)?;
            m.serialize_field("dropped", &Counts(&t.dropped, DropReason::as_str))?;
            m.end()
        }
    }

    struct FunctionJson<'a>(&'a FunctionErrors);

    impl Serialize for FunctionJson<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let f = self.0;
            let mut m = s.serialize_struct("FunctionErrors", 8)?;
            m.serialize_field("function", f.function)?;
            m.serialize_field("module", f.module)?;
            m.serialize_field("errors", &f.errors)?;
            m.serialize_field("panics", &f.panics)?;
            m.serialize_field("retries_exhausted", &f.retries_exhausted)?;
            m.serialize_field("first_seen", &Time(f.first_seen_ms))?;
            m.serialize_field("last_seen", &Time(f.last_seen_ms))?;
            m.serialize_field("rates", &Rates(&f.rates))?;
            m.end()
        }
    }

    struct GroupJson<'a>(&'a Group);

    /// Distinct users of a group, and whether that is an estimate.
    struct Users(u64, bool);

    impl Serialize for Users {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_struct("Users", 2)?;
            m.serialize_field("count", &self.0)?;
            m.serialize_field("estimated", &self.1)?;
            m.end()
        }
    }

    impl Serialize for GroupJson<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let g = self.0;
            let mut m = s.serialize_struct("Group", 12)?;
            m.serialize_field("fingerprint", &Fingerprint(g.fingerprint))?;
            m.serialize_field("function", g.function)?;
            m.serialize_field("module", g.module)?;
            m.serialize_field("error_type", &g.error_type)?;
            m.serialize_field("error_kind", g.error_kind)?;
            m.serialize_field("message", &g.message)?;
            m.serialize_field("count", &g.count)?;
            m.serialize_field("first_seen", &Time(g.first_seen_ms))?;
            m.serialize_field("last_seen", &Time(g.last_seen_ms))?;
            m.serialize_field("users", &Users(g.users, g.users_estimated))?;
            m.serialize_field("samples", &g.samples)?;
            m.serialize_field("rates", &Rates(&g.rates))?;
            m.end()
        }
    }

    pub(super) struct ReportJson<'a>(pub(super) &'a Report);

    /// Name and value pairs as an object.
    struct Pairs<'a>(&'a [(String, String)]);

    impl Serialize for Pairs<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    impl Serialize for ReportJson<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let r = self.0;
            let mut m = s.serialize_struct("Report", 18)?;
            m.serialize_field("timestamp", &Time(r.unix_ms))?;
            m.serialize_field("function", r.function)?;
            m.serialize_field("module", r.module)?;
            m.serialize_field("error_type", &r.error_type)?;
            m.serialize_field("error_kind", r.error_kind)?;
            m.serialize_field("severity", r.severity.as_str())?;
            m.serialize_field("message", &r.message)?;
            m.serialize_field("chain", &r.chain)?;
            m.serialize_field("root_cause", r.root_cause())?;
            m.serialize_field("request_id", &r.request_id)?;
            m.serialize_field("user_id", &r.user_id)?;
            m.serialize_field("fields", &Pairs(&r.fields))?;
            m.serialize_field("retry_attempt", &r.retry_attempt)?;
            let duration_ms = r.duration.map(|d| Rounded(d.as_secs_f64() * 1e3));
            m.serialize_field("duration_ms", &duration_ms)?;
            m.serialize_field("fingerprint", &Fingerprint(r.fingerprint))?;
            m.serialize_field("panic", &r.panic)?;
            m.serialize_field("location", &r.location)?;
            m.serialize_field("backtrace", &r.backtrace)?;
            m.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "endpoint")]
    fn strings_are_escaped() {
        let mut report = super::super::tracker::tests_support::report();
        report.message = "a\"b\\c\nd\u{1}é".to_owned();
        let out = serde_json::to_string(&view::ReportJson(&report)).unwrap();
        assert!(out.contains(r#","message":"a\"b\\c\nd\u0001é","#), "{out}");
    }

    #[test]
    fn bad_parameters_are_named() {
        for (q, param) in [
            ("limit=0", "limit"),
            ("limit=x", "limit"),
            ("since=2026-12-01", "since"),
            ("order=size", "order"),
            ("function=", "function"),
            ("colour=red", "colour"),
            ("limit=1&limit=2", "limit"),
            ("since=%zz", "since"),
        ] {
            let e = Query::parse(q).unwrap_err();
            assert_eq!(e.parameter(), param, "{q}: {e}");
            assert!(e.to_string().contains(&format!("`{param}`")), "{q}: {e}");
        }
        let q = Query::parse(
            "?since=2026-12-01T09%3A00%3A00%2B01%3A00&function=Client%3A%3Acall&order=rate",
        )
        .unwrap();
        assert_eq!(q.function.as_deref(), Some("Client::call"));
        assert_eq!(q.order, GroupOrder::Rate);
        assert_eq!(
            crate::common::time::unix_ms(q.since.unwrap()),
            1_796_112_000_000
        );
    }
}
