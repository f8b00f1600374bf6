//! The HTTP families (`crate::http`) in the Prometheus text format, after the functions'
//! families: per route, method and status, with errmon's names or OpenTelemetry's.

use std::sync::atomic::Ordering::Relaxed;

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::layout::push_label;
use super::model::{Durations, Family, FamilyKind, Labels, Value};
use super::prometheus::{CHUNK, line, render_durations};
use crate::config::HttpNaming;
use crate::http::table::{self, Route};
use crate::http::{Method, status_label};
use crate::record::grid::SLOTS;

const ERRMON_REQUESTS: &str = "errmon_http_requests_total";
const ERRMON_DURATION: &str = "errmon_http_request_duration_seconds";
const ERRMON_IN_FLIGHT: &str = "errmon_http_requests_in_flight";
const OTEL_DURATION: &str = "http_server_request_duration_seconds";
const OTEL_ACTIVE: &str = "http_server_active_requests";

/// The names of one naming: the families (with their help) and the labels.
struct Names {
    /// The request counter; OpenTelemetry has none (the histogram's `_count` is it).
    requests: Option<(&'static str, &'static str)>,
    duration: (&'static str, &'static str),
    in_flight: (&'static str, &'static str),
    method: &'static str,
    route: &'static str,
    status: &'static str,
}

const ERRMON: Names = Names {
    requests: Some((
        ERRMON_REQUESTS,
        "HTTP requests answered, by method, route template and status; `cancelled` when the request was dropped before its response.",
    )),
    duration: (
        ERRMON_DURATION,
        "Duration of HTTP requests in seconds, from the request to the end of its response body.",
    ),
    in_flight: (
        ERRMON_IN_FLIGHT,
        "HTTP requests started and not yet answered.",
    ),
    method: "method",
    route: "route",
    status: "status",
};

const OTEL: Names = Names {
    requests: None,
    duration: (OTEL_DURATION, "Duration of HTTP server requests."),
    in_flight: (OTEL_ACTIVE, "Number of active HTTP server requests."),
    method: "http_request_method",
    route: "http_route",
    status: "http_response_status_code",
};

/// Renders every HTTP series into `out` (nothing when no request was recorded), calling
/// `flush` past [`CHUNK`] bytes as the functions' families do.
pub(crate) fn render(
    out: &mut String,
    naming: HttpNaming,
    buckets: &[(f64, usize)],
    const_labels: &[(String, String)],
    flush: &mut dyn FnMut(&mut String),
) {
    let routes = table::routes();
    if routes.is_empty() {
        return;
    }
    let names = match naming {
        HttpNaming::Errmon => &ERRMON,
        HttpNaming::OpenTelemetry => &OTEL,
    };
    let taken = [names.method, names.route, names.status, "error_type"];
    let mut consts = String::new();
    for (k, v) in const_labels
        .iter()
        .filter(|(k, _)| !taken.contains(&k.as_str()))
    {
        consts.push(',');
        push_label(&mut consts, k, v);
    }
    let le: Vec<String> = buckets
        .iter()
        .map(|(b, _)| format!(",le=\"{b}\"}} "))
        .collect();
    let mut r = Renderer {
        out,
        flush,
        names,
        consts,
        labels: String::with_capacity(256),
        otel: naming == HttpNaming::OpenTelemetry,
    };
    if let Some((name, help)) = names.requests {
        r.header(name, "counter", help);
        r.each_status(&routes, |r, labels, d| {
            line(r.out, &[name, "{", labels, "} "], d.count());
        });
    }
    let (name, help) = names.duration;
    r.header(name, "histogram", help);
    r.each_status(&routes, |r, labels, d| {
        render_durations(r.out, name, labels, d, buckets, &le);
    });
    let (name, help) = names.in_flight;
    r.header(name, "gauge", help);
    r.in_flight(&routes, name);
}

/// The HTTP families under errmon's names, as the bridge publishes them: requests (a
/// counter), durations (a histogram) and in-flight requests (a gauge), each series keyed by
/// its `method`, `route` and (but in-flight) `status` labels.
pub(crate) fn families() -> Vec<Family<'static>> {
    let mut requests = BTreeMap::new();
    let mut durations = BTreeMap::new();
    let mut in_flight = BTreeMap::new();
    for route in table::routes() {
        route.each_method(|method, series| {
            let head: Labels<'static> = vec![
                (ERRMON.method, Cow::Borrowed(method.as_str())),
                (ERRMON.route, Cow::Borrowed(route.name)),
            ];
            series.each_status(|code, d| {
                let mut buf = String::new();
                let mut labels = head.clone();
                labels.push((
                    ERRMON.status,
                    Cow::Owned(status_label(code, &mut buf).to_owned()),
                ));
                let d = snapshot(d);
                requests.insert(labels.clone(), Value::Number(d.count()));
                durations.insert(labels, Value::Durations(d));
            });
            in_flight.insert(head, Value::Number(series.in_flight.load(Relaxed)));
        });
    }
    vec![
        Family {
            name: ERRMON_REQUESTS,
            kind: FamilyKind::Counter,
            series: requests,
        },
        Family {
            name: ERRMON_DURATION,
            kind: FamilyKind::Histogram,
            series: durations,
        },
        Family {
            name: ERRMON_IN_FLIGHT,
            kind: FamilyKind::Gauge,
            series: in_flight,
        },
    ]
}

/// The durations of one series as of now.
fn snapshot(d: &crate::http::table::Durations) -> Durations {
    let mut slots = Box::new([0u64; SLOTS]);
    for (to, from) in slots.iter_mut().zip(&d.slots) {
        *to = from.load(Relaxed);
    }
    Durations {
        slots,
        sum_ns: u128::from(d.sum_ns.load(Relaxed)),
    }
}

struct Renderer<'a> {
    out: &'a mut String,
    flush: &'a mut dyn FnMut(&mut String),
    names: &'static Names,
    consts: String,
    labels: String,
    otel: bool,
}

impl Renderer<'_> {
    fn header(&mut self, name: &str, kind: &str, help: &str) {
        for piece in [
            "# HELP ",
            name,
            " ",
            help,
            "\n# TYPE ",
            name,
            " ",
            kind,
            "\n",
        ] {
            self.out.push_str(piece);
        }
    }

    /// The method and route labels of a series into `self.labels`.
    fn head(&mut self, method: Method, route: &Route) {
        self.labels.clear();
        push_label(&mut self.labels, self.names.method, method.as_str());
        self.labels.push(',');
        push_label(&mut self.labels, self.names.route, route.name);
    }

    fn each_status(
        &mut self,
        routes: &[&'static Route],
        mut f: impl FnMut(&mut Self, &str, &Durations),
    ) {
        for route in routes {
            route.each_method(|method, series| {
                let mut statuses = Vec::new();
                series.each_status(|code, d| {
                    let durations = snapshot(d);
                    let mut buf = String::new();
                    let label = status_label(code, &mut buf).to_owned();
                    statuses.push((label, durations));
                });
                statuses.sort_by(|a, b| a.0.cmp(&b.0));
                for (status, durations) in statuses {
                    self.head(method, route);
                    self.status_labels(&status);
                    let labels = std::mem::take(&mut self.labels);
                    f(self, &labels, &durations);
                    self.labels = labels;
                    if self.out.len() >= CHUNK {
                        (self.flush)(self.out);
                    }
                }
            });
        }
    }

    /// The status (or, under OpenTelemetry's names, the status code and `error_type`) and
    /// the constant labels, after the head.
    fn status_labels(&mut self, status: &str) {
        let otel = self.otel;
        let code = status.bytes().all(|b| b.is_ascii_digit());
        if !otel || code {
            self.labels.push(',');
            push_label(&mut self.labels, self.names.status, status);
        }
        if otel && (!code || status.starts_with('5')) {
            self.labels.push(',');
            push_label(&mut self.labels, "error_type", status);
        }
        self.labels.push_str(&self.consts);
    }

    fn in_flight(&mut self, routes: &[&'static Route], name: &str) {
        for route in routes {
            route.each_method(|method, series| {
                self.head(method, route);
                self.labels.push_str(&self.consts);
                let n = series.in_flight.load(Relaxed);
                line(self.out, &[name, "{", &self.labels, "} "], n);
            });
        }
    }
}
