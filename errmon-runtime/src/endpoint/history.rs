//! `GET /history`: what every function, route and the process did in a window, as JSON
//! (through `serde_json`), from [`crate::history`].
//!
//! Parameters: `window` (`10s` to `1h`: seconds, or a number with `s`, `m` or `h`; default
//! `60s`), `function` (one function's entry, with its per-interval series), `route` (one
//! route's). Without `function` or `route`, every instrumented function and every route that
//! answered in the window is listed, without series, and the process with its series (a
//! listing: it reads every site); with them, only what they name, which reads only those. A
//! bad parameter is a `400` naming it.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Request, Response};
use crate::history::{self, Latency, Point, Stats};

/// The content type of `/history`.
const JSON: &str = "application/json";

/// The window when none is asked for.
const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// What a request asks for.
#[derive(Debug, Default, PartialEq)]
struct Query {
    window: Option<Duration>,
    function: Option<String>,
    route: Option<String>,
}

fn bad(message: String) -> Response {
    Response::new(400, "text/plain; charset=utf-8", format!("{message}\n"))
}

/// `10`, `10s`, `5m`, `1h`.
fn parse_window(v: &str) -> Option<Duration> {
    let (digits, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    let d = Duration::from_secs(secs);
    (history::INTERVAL..=history::MAX_WINDOW)
        .contains(&d)
        .then_some(d)
}

fn parse(query: &str) -> Result<Query, String> {
    let mut q = Query::default();
    for pair in crate::common::query::pairs(query) {
        let (key, value) = pair.map_err(|bad| bad.message)?;
        let named = |what: &str| {
            if value.is_empty() {
                Err(format!("`{key}` is empty: name a {what}"))
            } else {
                Ok(Some(value.clone()))
            }
        };
        match key.as_str() {
            "window" => {
                q.window = Some(parse_window(&value).ok_or_else(|| {
                    format!(
                        "`window`: `{value}` is not a window from 10s to 1h \
                         (seconds, or a number with s, m or h, such as 300 or 5m)"
                    )
                })?);
            }
            "function" => q.function = named("function")?,
            "route" => q.route = named("route template")?,
            _ => {
                return Err(format!(
                    "`{key}` is not a parameter of /history; use window, function or route"
                ));
            }
        }
    }
    Ok(q)
}

fn latency(l: Option<Latency>) -> Value {
    l.map_or(
        Value::Null,
        |l| json!({"p50": l.p50, "p95": l.p95, "p99": l.p99}),
    )
}

fn point(p: &Point) -> Value {
    json!({
        "start_ms": p.start_ms,
        "seconds": p.seconds,
        "calls": p.calls,
        "errors": p.errors,
        "panics": p.panics,
        "latency_seconds": latency(p.latency),
    })
}

fn stats(s: &Stats, key: &str, series: bool) -> Value {
    let mut v = json!({
        key: s.name,
        "calls": s.calls,
        "errors": s.errors,
        "error_ratio": s.error_ratio().map(|r| r.value),
        "ratio_calls": s.calls,
        "errors_per_second": s.errors_per_second(),
        "panics": s.panics,
        "cancelled": s.cancelled,
        "retries": s.retries,
        "retries_exhausted": s.retries_exhausted,
        "latency_seconds": latency(s.latency()),
        "errors_by_kind": s.errors_by_kind.iter().map(|k| json!({
            "error_type": k.error_type,
            "error_kind": k.error_kind,
            "count": k.count,
        })).collect::<Vec<_>>(),
    });
    if !s.errors_by_severity.is_empty() {
        v["errors_by_severity"] = s
            .errors_by_severity
            .iter()
            .map(|(sev, n)| (sev.as_str().to_owned(), json!(n)))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    if series {
        v["series"] = s.series.iter().map(point).collect::<Vec<_>>().into();
    }
    v
}

/// The history as of this request, or `400` naming the parameter that is wrong.
pub(super) fn handle(req: &Request) -> Response {
    let q = match parse(req.query.as_deref().unwrap_or_default()) {
        Ok(q) => q,
        Err(e) => return bad(e),
    };
    let window = q.window.unwrap_or(DEFAULT_WINDOW);
    let read = || -> Result<Value, history::WindowError> {
        let selective = q.function.is_some() || q.route.is_some();
        // The process sums every site: only when no one function or route is asked for.
        let process = (!selective).then(|| history::process(window)).transpose()?;
        let functions: Vec<Value> = match &q.function {
            Some(name) => history::function(name, window)?
                .iter()
                .map(|s| stats(s, "function", true))
                .collect(),
            None if selective => Vec::new(),
            None => history::functions(window)?
                .iter()
                .map(|s| stats(s, "function", false))
                .collect(),
        };
        let routes: Vec<Value> = match &q.route {
            Some(name) => history::route(name, window)?
                .iter()
                .map(|s| stats(s, "route", true))
                .collect(),
            None if selective => Vec::new(),
            None => history::routes(window)?
                .iter()
                .filter(|s| s.calls > 0 || s.errors > 0)
                .map(|s| stats(s, "route", false))
                .collect(),
        };
        let mut v = json!({
            "window_seconds": window.as_secs(),
            "interval_seconds": history::INTERVAL.as_secs(),
            "generated_ms": crate::errors::clock_ms(),
            "functions": functions,
            "routes": routes,
        });
        if let Some(process) = process {
            v["process"] = stats(&process, "name", true);
        }
        Ok(v)
    };
    match read() {
        Ok(v) => Response::new(200, JSON, v.to_string()).with_header("cache-control", "no-store"),
        // `parse` keeps windows within what history keeps.
        Err(e) => bad(format!("`window`: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_take_seconds_or_a_unit_within_what_is_kept() {
        assert_eq!(parse_window("60"), Some(Duration::from_secs(60)));
        assert_eq!(parse_window("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_window("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_window("1h"), Some(Duration::from_secs(3600)));
        for bad in [
            "",
            "0",
            "5",
            "2h",
            "61m",
            "1d",
            "-5m",
            "5 m",
            "m",
            "99999999999999999999h",
        ] {
            assert_eq!(parse_window(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bad_parameter_is_named() {
        for (query, named) in [
            ("window=forever", "`window`"),
            ("function=", "`function`"),
            ("route=", "`route`"),
            ("window=60&window=60", "`window`"),
            ("since=yesterday", "`since`"),
        ] {
            let e = parse(query).unwrap_err();
            assert!(e.contains(named), "{query}: {e}");
        }
        assert_eq!(
            parse("window=5m&function=load%20order").unwrap(),
            Query {
                window: Some(Duration::from_secs(300)),
                function: Some("load order".into()),
                route: None,
            }
        );
    }
}
