//! Per-route rate, errors and duration of HTTP requests, for framework glue such as
//! `errmon-tower`: an [`Exchange`] per request, started when the route is known and finished
//! with the response's status when its body ends.
//!
//! What it records is served on `/metrics` next to the functions' families:
//!
//! - `errmon_http_requests_total{method, route, status}`, a counter;
//! - `errmon_http_request_duration_seconds{method, route, status}`, a histogram on the
//!   configured duration buckets;
//! - `errmon_http_requests_in_flight{method, route}`, a gauge;
//!
//! or, with [`Config::http_naming`](crate::Config::http_naming) set to
//! [`HttpNaming::OpenTelemetry`](crate::HttpNaming::OpenTelemetry), the names of
//! OpenTelemetry's HTTP semantic conventions as Prometheus spells them.
//!
//! Labels are bounded by construction: `method` is one of ten ([`Method`]); `route` is a route
//! template (never a raw path), [`UNMATCHED`] for a request that matched none, and [`OTHER`]
//! past [`MAX_ROUTES`] templates; `status` is the status code, `cancelled` for a request
//! dropped before it had a response, `error` for one whose service failed instead of
//! answering ([`Exchange::fail`]), and `other` past [`MAX_STATUSES`] codes on one route.
//!
//! ```
//! use errmon_runtime::http::{Exchange, Method};
//!
//! let exchange = Exchange::start(Method::Get, Some("/orders/{id}"));
//! // ... the handler runs, the response body is sent ...
//! exchange.finish(200);
//!
//! // A request whose future was dropped (the client went away) is `cancelled`.
//! drop(Exchange::start(Method::Post, Some("/orders")));
//!
//! let text = errmon_runtime::export::render_prometheus(&errmon_runtime::Config::default())?;
//! assert!(text.contains(
//!     r#"errmon_http_requests_total{method="GET",route="/orders/{id}",status="200"} 1"#
//! ));
//! assert!(text.contains(
//!     r#"errmon_http_requests_total{method="POST",route="/orders",status="cancelled"} 1"#
//! ));
//! # Ok::<(), errmon_runtime::ConfigError>(())
//! ```

mod method;
pub(crate) mod table;

use std::fmt::Display;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

pub use method::Method;
pub use table::{MAX_ROUTES, MAX_STATUSES, OTHER, UNMATCHED};

use crate::common::clock;
use crate::registry::Kind;
use table::{CANCELLED, FAILED, OTHER_STATUS, Route, Series};

/// The function errmon's reports of HTTP requests (`5xx` answers, panics of handlers) carry.
pub const REPORT_FUNCTION: &str = "http_request";

/// The site those reports are counted under. Never entered, so it records no calls and is not
/// listed among the instrumented functions; it gives the reports a function, a rate limit and
/// rates of their own.
static SITE: crate::private::Site = crate::private::Site::new(crate::private::Meta::__new(
    REPORT_FUNCTION,
    module_path!(),
    file!(),
    line!(),
    Kind::Monitored,
    &[],
));

/// Whether `site` is the one HTTP reports are counted under.
pub(crate) fn is_report_site(site: &crate::registry::Site) -> bool {
    std::ptr::eq(site, SITE.view())
}

/// Whether requests answered with `code` count as errors: `5xx`, and a service that failed
/// instead of answering.
pub(crate) fn is_server_error(code: u16) -> bool {
    (500..=599).contains(&code) || code == FAILED
}

/// One request being served: counted in flight from [`Exchange::start`], and recorded with
/// its status and duration by [`Exchange::finish`], or as `cancelled` when dropped before.
#[must_use = "a dropped exchange is recorded as cancelled; call `finish` with the status"]
pub struct Exchange {
    route: &'static Route,
    series: &'static Series,
    method: Method,
    start: u64,
    finished: bool,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("method", &self.method)
            .field("route", &self.route.name)
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Exchange {
    /// Starts a request of `method` on the route template `route` (`None`: it matched no
    /// route). Pass the template (`/orders/{id}`), never the path (`/orders/17`): every
    /// distinct value is a series, up to [`MAX_ROUTES`].
    pub fn start(method: Method, route: Option<&str>) -> Exchange {
        let route = table::route(route);
        let series = route.series(method);
        series.in_flight.fetch_add(1, Relaxed);
        Exchange {
            route,
            series,
            method,
            start: clock::raw(),
            finished: false,
        }
    }

    /// The `route` label this request is counted under.
    pub fn route(&self) -> &'static str {
        self.route.name
    }

    /// The `method` label.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Time since [`Exchange::start`].
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(clock::elapsed_ns(self.start))
    }

    /// Records the request as answered with `status` (`100..=999`), taking its duration now.
    pub fn finish(mut self, status: u16) {
        self.finished = true;
        let code = if (100..=999).contains(&status) {
            status
        } else {
            OTHER_STATUS
        };
        self.record(code);
    }

    /// Records the request as failed without a response (the service returned an error, so
    /// the server closes the connection): `status="error"`.
    pub fn fail(mut self) {
        self.finished = true;
        self.record(FAILED);
    }

    fn record(&self, code: u16) {
        self.series.in_flight.fetch_sub(1, Relaxed);
        self.series.record(code, clock::elapsed_ns(self.start));
    }

    /// Makes an error report of a `5xx` answer (nothing for another status), with the request
    /// context current here: the message names the method, route and status, so reports
    /// group by route and status; `http.request.method`, `http.route` and
    /// `http.response.status_code` are among its fields.
    ///
    /// ```
    /// use errmon_runtime::context::Context;
    /// use errmon_runtime::http::{Exchange, Method};
    ///
    /// Context::from_request_id(Some("req-5xx-doc")).scope(|| {
    ///     let exchange = Exchange::start(Method::Get, Some("/doc/report"));
    ///     exchange.report_server_error(503);
    ///     exchange.finish(503);
    /// });
    /// let snap = errmon_runtime::errors::snapshot();
    /// let r = snap.recent.iter().find(|r| r.request_id.as_deref() == Some("req-5xx-doc")).unwrap();
    /// assert_eq!(r.message, "GET /doc/report answered 503 Service Unavailable");
    /// assert_eq!((r.function, r.error_kind), ("http_request", "service_unavailable"));
    /// ```
    pub fn report_server_error(&self, status: u16) {
        if !(500..=599).contains(&status) {
            return;
        }
        let (kind, reason) = server_error(status);
        let message = Answered {
            method: self.method,
            route: self.route.name,
            status,
            reason,
        };
        let method = self.method.as_str();
        let fields: [(&'static str, &dyn Display); 3] = [
            ("http.request.method", &method),
            ("http.route", &self.route.name),
            ("http.response.status_code", &status),
        ];
        crate::errors::http_status(
            SITE.view(),
            kind,
            &message,
            &fields,
            clock::elapsed_ns(self.start),
        );
    }

    /// Makes an error report of a panic caught while serving this request, on the thread that
    /// caught it: the panic's message and location come from errmon's panic hook
    /// ([`crate::errors::install_panic_hook`]), the request context from where the panic
    /// happened. Nothing if an instrumented function the panic unwound through has reported
    /// it already.
    pub fn report_panic(&self) {
        let method = self.method.as_str();
        let fields: [(&'static str, &dyn Display); 2] = [
            ("http.request.method", &method),
            ("http.route", &self.route.name),
        ];
        crate::errors::unwound_with(
            SITE.view(),
            self.start,
            clock::elapsed_ns(self.start),
            &fields,
        );
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        if !self.finished {
            self.record(CANCELLED);
        }
    }
}

/// `GET /orders/{id} answered 503 Service Unavailable`.
struct Answered {
    method: Method,
    route: &'static str,
    status: u16,
    reason: &'static str,
}

impl Display for Answered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} answered {}", self.method, self.route, self.status)?;
        if !self.reason.is_empty() {
            write!(f, " {}", self.reason)?;
        }
        Ok(())
    }
}

/// The `error_kind` and reason phrase of a `5xx` status.
fn server_error(status: u16) -> (&'static str, &'static str) {
    match status {
        500 => ("internal_server_error", "Internal Server Error"),
        501 => ("not_implemented", "Not Implemented"),
        502 => ("bad_gateway", "Bad Gateway"),
        503 => ("service_unavailable", "Service Unavailable"),
        504 => ("gateway_timeout", "Gateway Timeout"),
        505 => ("http_version_not_supported", "HTTP Version Not Supported"),
        507 => ("insufficient_storage", "Insufficient Storage"),
        508 => ("loop_detected", "Loop Detected"),
        _ => ("server_error", ""),
    }
}

/// The `status` label of a recorded code.
pub(crate) fn status_label(code: u16, buf: &mut String) -> &str {
    match code {
        CANCELLED => "cancelled",
        OTHER_STATUS => "other",
        FAILED => "error",
        _ => {
            buf.clear();
            let _ = std::fmt::Write::write_fmt(buf, format_args!("{code}"));
            buf
        }
    }
}
