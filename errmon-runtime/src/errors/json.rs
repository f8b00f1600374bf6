//! The JSON of `GET /errors`, written by hand (the schema is small and fixed, and a JSON
//! crate would cost every library that depends on errmon its build time), and the parsing of
//! the route's query string.

use std::fmt::{self, Write as _};

use super::report::Report;
use super::snapshot::{ErrorsSnapshot, GroupOrder, MAX_LIMIT, Query, Rate, errors_with};
use crate::common::time::{format_rfc3339, parse_rfc3339};

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

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Query {
    /// Parses a query string such as `limit=5&function=charge&since=2026-12-01T09:00:00Z`
    /// (a leading `?` is allowed, values are percent-decoded). Parameters: `limit` (1 to
    /// 1000, default 10), `function`, `since` (RFC 3339), `order` (`count` or `rate`). Any
    /// other parameter, a repeated one or a bad value is an error naming it.
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        let mut q = Query::default();
        let mut seen: Vec<String> = Vec::new();
        for pair in query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(raw_key).unwrap_or_else(|| raw_key.to_owned());
            let value = percent_decode(raw_value).ok_or_else(|| {
                QueryError::new(
                    &key,
                    format!("`{key}`: `{raw_value}` is not valid percent-encoded UTF-8"),
                )
            })?;
            if seen.contains(&key) {
                return Err(QueryError::new(&key, format!("`{key}` is given twice")));
            }
            seen.push(key.clone());
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

/// The body of `GET /errors?<query>`: [`crate::errors()`] for the parsed query, as JSON; a bad
/// parameter is an `Err` naming it (to be served as `400` with its message).
///
/// ```
/// let body = errmon_runtime::errors::errors_json("limit=3")?;
/// assert!(body.starts_with("{\"generated_at\":"));
/// let err = errmon_runtime::errors::errors_json("since=yesterday").unwrap_err();
/// assert!(err.to_string().contains("`since`"));
/// # Ok::<(), errmon_runtime::errors::QueryError>(())
/// ```
pub fn errors_json(query: &str) -> Result<String, QueryError> {
    Ok(errors_with(&Query::parse(query)?).to_json())
}

/// A JSON string literal.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.push_str("null"),
    }
}

fn time(out: &mut String, ms: Option<u64>) {
    opt_string(out, ms.map(format_rfc3339).as_deref());
}

fn number(out: &mut String, n: f64) {
    if n.is_finite() {
        let _ = write!(out, "{}", (n * 1e6).round() / 1e6);
    } else {
        out.push_str("null");
    }
}

/// `"key":` after a comma unless first.
fn key(out: &mut String, first: &mut bool, k: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    string(out, k);
    out.push(':');
}

fn list<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

fn rates(out: &mut String, rates: &[Rate; 3]) {
    out.push('{');
    let mut first = true;
    for r in rates {
        key(out, &mut first, &format!("{}m", r.window_secs / 60));
        let mut f = true;
        out.push('{');
        key(out, &mut f, "count");
        let _ = write!(out, "{}", r.count);
        key(out, &mut f, "per_second");
        number(out, r.per_second);
        key(out, &mut f, "error_ratio");
        match r.error_ratio {
            Some(x) => number(out, x),
            None => out.push_str("null"),
        }
        out.push('}');
    }
    out.push('}');
}

fn report(out: &mut String, r: &Report) {
    let mut f = true;
    out.push('{');
    key(out, &mut f, "timestamp");
    string(out, &r.timestamp());
    for (k, v) in [("function", r.function), ("module", r.module)] {
        key(out, &mut f, k);
        string(out, v);
    }
    key(out, &mut f, "error_type");
    string(out, &r.error_type);
    key(out, &mut f, "error_kind");
    string(out, r.error_kind);
    key(out, &mut f, "severity");
    string(out, r.severity.as_str());
    key(out, &mut f, "message");
    string(out, &r.message);
    key(out, &mut f, "chain");
    list(out, &r.chain, |out, link| string(out, link));
    key(out, &mut f, "root_cause");
    string(out, r.root_cause());
    key(out, &mut f, "request_id");
    opt_string(out, r.request_id.as_deref());
    key(out, &mut f, "user_id");
    opt_string(out, r.user_id.as_deref());
    key(out, &mut f, "fields");
    out.push('{');
    let mut ff = true;
    for (k, v) in &r.fields {
        key(out, &mut ff, k);
        string(out, v);
    }
    out.push('}');
    key(out, &mut f, "retry_attempt");
    match r.retry_attempt {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
    key(out, &mut f, "duration_ms");
    match r.duration {
        Some(d) => number(out, d.as_secs_f64() * 1e3),
        None => out.push_str("null"),
    }
    key(out, &mut f, "fingerprint");
    string(out, &r.fingerprint_hex());
    key(out, &mut f, "panic");
    out.push_str(if r.panic { "true" } else { "false" });
    key(out, &mut f, "location");
    opt_string(out, r.location.as_deref());
    key(out, &mut f, "backtrace");
    opt_string(out, r.backtrace.as_deref());
    out.push('}');
}

fn opt_report(out: &mut String, r: Option<&Report>) {
    match r {
        Some(r) => report(out, r),
        None => out.push_str("null"),
    }
}

impl ErrorsSnapshot {
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
    ///   "rates": {"1m": {"count": 3, "per_second": 0.05, "error_ratio": 1},
    ///             "5m": {"count": 3, "per_second": 0.01, "error_ratio": 1},
    ///             "15m": {"count": 3, "per_second": 0.003333, "error_ratio": 1}},
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
    /// its own). `panic_hook` is [`PanicHookState`](super::PanicHookState): `chained` while
    /// errmon's panic hook sees panics, `replaced` once a panic went round it (a hook set
    /// after errmon's replaced it; see [`install_panic_hook`](super::install_panic_hook)),
    /// `absent` when it was never installed.
    ///
    /// ```
    /// let json = errmon_runtime::errors().to_json();
    /// for part in ["\"totals\":", "\"panic_hook\":", "\"rates\":", "\"top_groups\":", "\"recent\":"] {
    ///     assert!(json.contains(part), "{part}");
    /// }
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(4096);
        let mut f = true;
        out.push('{');
        key(&mut out, &mut f, "generated_at");
        string(&mut out, &format_rfc3339(self.generated_ms));
        key(&mut out, &mut f, "totals");
        {
            let t = &self.totals;
            let mut tf = true;
            out.push('{');
            for (k, v) in [
                ("errors", t.errors),
                ("panics", t.panics),
                ("retries_exhausted", t.retries_exhausted),
                ("reports_stored", t.reports_stored),
                ("groups", t.groups as u64),
                ("groups_folded", t.groups_folded),
            ] {
                key(&mut out, &mut tf, k);
                let _ = write!(out, "{v}");
            }
            key(&mut out, &mut tf, "dropped");
            out.push('{');
            let mut df = true;
            for (reason, n) in &t.dropped {
                key(&mut out, &mut df, reason.as_str());
                let _ = write!(out, "{n}");
            }
            out.push_str("}}");
        }
        key(&mut out, &mut f, "panic_hook");
        string(&mut out, self.panic_hook.as_str());
        key(&mut out, &mut f, "first_seen");
        time(&mut out, self.first_seen_ms);
        key(&mut out, &mut f, "last_seen");
        time(&mut out, self.last_seen_ms);
        key(&mut out, &mut f, "rates");
        rates(&mut out, &self.rates);
        key(&mut out, &mut f, "by_function");
        list(&mut out, &self.by_function, |out, fe| {
            let mut f = true;
            out.push('{');
            key(out, &mut f, "function");
            string(out, fe.function);
            key(out, &mut f, "module");
            string(out, fe.module);
            for (k, v) in [
                ("errors", fe.errors),
                ("panics", fe.panics),
                ("retries_exhausted", fe.retries_exhausted),
            ] {
                key(out, &mut f, k);
                let _ = write!(out, "{v}");
            }
            key(out, &mut f, "first_seen");
            time(out, Some(fe.first_seen_ms));
            key(out, &mut f, "last_seen");
            time(out, Some(fe.last_seen_ms));
            key(out, &mut f, "rates");
            rates(out, &fe.rates);
            out.push('}');
        });
        key(&mut out, &mut f, "by_type");
        list(&mut out, &self.by_type, |out, (t, n)| {
            out.push_str("{\"error_type\":");
            string(out, t);
            let _ = write!(out, ",\"count\":{n}}}");
        });
        key(&mut out, &mut f, "by_kind");
        list(&mut out, &self.by_kind, |out, (k, n)| {
            out.push_str("{\"error_kind\":");
            string(out, k);
            let _ = write!(out, ",\"count\":{n}}}");
        });
        key(&mut out, &mut f, "by_severity");
        out.push('{');
        let mut sf = true;
        for (s, n) in &self.by_severity {
            key(&mut out, &mut sf, s.as_str());
            let _ = write!(out, "{n}");
        }
        out.push('}');
        key(&mut out, &mut f, "top_groups");
        list(&mut out, &self.top_groups, |out, g| {
            let mut f = true;
            out.push('{');
            key(out, &mut f, "fingerprint");
            string(out, &format!("{:016x}", g.fingerprint));
            key(out, &mut f, "function");
            string(out, g.function);
            key(out, &mut f, "module");
            string(out, g.module);
            key(out, &mut f, "error_type");
            string(out, &g.error_type);
            key(out, &mut f, "error_kind");
            string(out, g.error_kind);
            key(out, &mut f, "message");
            string(out, &g.message);
            key(out, &mut f, "count");
            let _ = write!(out, "{}", g.count);
            key(out, &mut f, "first_seen");
            time(out, Some(g.first_seen_ms));
            key(out, &mut f, "last_seen");
            time(out, Some(g.last_seen_ms));
            key(out, &mut f, "users");
            let _ = write!(
                out,
                "{{\"count\":{},\"estimated\":{}}}",
                g.users, g.users_estimated
            );
            key(out, &mut f, "samples");
            list(out, &g.samples, |out, s| string(out, s));
            key(out, &mut f, "rates");
            rates(out, &g.rates);
            out.push('}');
        });
        key(&mut out, &mut f, "first_error");
        opt_report(&mut out, self.first_error.as_ref());
        key(&mut out, &mut f, "last_error");
        opt_report(&mut out, self.last_error.as_ref());
        key(&mut out, &mut f, "recent");
        list(&mut out, &self.recent, report);
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, r#""a\"b\\c\nd\u0001é""#);
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
