//! [`Config`], the builder: its defaults and one method per setting.

use std::fmt;

use super::ConfigError;
use crate::record::grid as buckets;

/// The address served when neither [`Config::listen`] nor `ERRMON_LISTEN` says otherwise:
/// loopback only, so nothing is exposed beyond the machine by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9611";

/// Bucket bounds of facade histograms that are not durations (see [`Config::facade_buckets`]):
/// 1, 2.5 and 5 times each power of ten from 1 to 10⁹, for counts, sizes and amounts.
pub const DEFAULT_FACADE_BUCKETS: [f64; 28] = [
    1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1e3, 2.5e3, 5e3, 1e4, 2.5e4, 5e4, 1e5,
    2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9,
];

/// How [`install`](crate::install) sets errmon up. Start from [`Config::default`] (fixed
/// defaults) or [`Config::from_env`] (defaults overridden by `ERRMON_*` variables), adjust with
/// the builder methods, then call [`Config::install`] (or [`Config::validate`] to check it
/// without starting anything).
///
/// ```no_run
/// let _guard = errmon_runtime::Config::default()
///     .listen("127.0.0.1:9000")
///     .const_label("service", "billing")
///     .duration_buckets([0.001, 0.01, 0.1, 1.0])
///     .install()
///     .expect("errmon endpoint");
/// ```
///
/// A builder method returns the changed `Config`; a call whose result is dropped changes
/// nothing, so it is a warning (`unused_must_use`):
///
/// ```compile_fail
/// #[deny(unused_must_use)]
/// fn configure(config: errmon_runtime::Config) {
///     config.listen("0.0.0.0:9611"); // the new address is dropped here
/// }
/// ```
#[doc = include_str!("../../docs/config.md")]
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) listen: String,
    pub(super) buckets: Vec<f64>,
    pub(super) const_labels: Vec<(String, String)>,
    pub(crate) capture_facade: bool,
    pub(crate) bearer_token: Option<Secret>,
    pub(super) facade_buckets: Vec<(MetricMatch, Vec<f64>)>,
    pub(super) errors: Option<crate::errors::ErrorSettings>,
    pub(super) logs: crate::log::LogSettings,
    pub(super) http_naming: HttpNaming,
}

/// The names of the HTTP families (see [`crate::http`]), chosen with [`Config::http_naming`]
/// or `ERRMON_HTTP_NAMING` (`errmon` or `opentelemetry`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpNaming {
    /// `errmon_http_requests_total{method, route, status}`,
    /// `errmon_http_request_duration_seconds{method, route, status}` and
    /// `errmon_http_requests_in_flight{method, route}`.
    #[default]
    Errmon,
    /// OpenTelemetry's HTTP server conventions as Prometheus spells them:
    /// `http_server_request_duration_seconds{http_request_method, http_route,
    /// http_response_status_code, error_type}` (its `_count` is the request count; a
    /// cancelled request has no status code and `error_type="cancelled"`, a `5xx` has its code
    /// as `error_type`) and `http_server_active_requests{http_request_method, http_route}`.
    OpenTelemetry,
}

/// A secret that `Debug` does not show, so printing a `Config` does not leak it.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.to_owned(),
            buckets: buckets::DEFAULT_BUCKETS_SECONDS.to_vec(),
            const_labels: Vec::new(),
            capture_facade: true,
            bearer_token: None,
            facade_buckets: Vec::new(),
            errors: None,
            logs: crate::log::LogSettings::default(),
            http_naming: HttpNaming::Errmon,
        }
    }
}

/// Which facade metrics a [`Config::facade_buckets`] entry applies to, by name. When several
/// match one metric, `Full` wins over `Prefix`, which wins over `Suffix`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricMatch {
    /// The whole name, such as `order_amount_cents`.
    Full(String),
    /// The start of the name, such as `order_`.
    Prefix(String),
    /// The end of the name, such as `_bytes`.
    Suffix(String),
}

impl Config {
    /// The defaults, overridden by these environment variables where set:
    /// - `ERRMON_LISTEN`: address to serve on, such as `0.0.0.0:9611`;
    /// - `ERRMON_DURATION_BUCKETS`: bucket bounds in seconds, comma-separated (`0.01,0.1,1`);
    /// - `ERRMON_LABELS`: constant labels, comma-separated (`service=api,region=eu`);
    /// - `ERRMON_CAPTURE_FACADE`: `true` or `false`, see [`Config::capture_facade`];
    /// - `ERRMON_BEARER_TOKEN`: see [`Config::bearer_token`];
    /// - `ERRMON_HTTP_NAMING`: `errmon` or `opentelemetry`, see [`Config::http_naming`];
    /// - `ERRMON_BACKTRACE`: `1` or `0`, see [`ErrorSettings::backtraces`](crate::errors::ErrorSettings::backtraces);
    /// - `ERRMON_LOG`, `ERRMON_LOG_LEVEL` (else `RUST_LOG`), `ERRMON_LOG_FORMAT`: see
    ///   [`LogSettings::apply_env`](crate::log::LogSettings::apply_env).
    ///
    /// ```
    /// let config = errmon_runtime::Config::from_env()?;
    /// # Ok::<(), errmon_runtime::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::default().apply_env(|k| std::env::var(k).ok())
    }

    /// errmon's own log output, which [`Config::install`] starts: it writes errmon's events
    /// while no subscriber is current, and `log::init()` makes it the application's (see
    /// [`log`](crate::log)); replaces what `ERRMON_LOG`, `ERRMON_LOG_LEVEL` (or `RUST_LOG`)
    /// and `ERRMON_LOG_FORMAT` set.
    ///
    /// ```
    /// use errmon_runtime::{Config, log::{LogSettings, Output}};
    ///
    /// let config = Config::default().logs(LogSettings::default().output(Output::Off));
    /// assert!(config.validate().is_ok());
    /// ```
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn logs(mut self, settings: crate::log::LogSettings) -> Self {
        self.logs = settings;
        self
    }

    /// Error tracking's settings (ring size, group cap, rate limits, backtraces, the filter
    /// and scrub hooks), applied by [`Config::install`]; replaces what `ERRMON_BACKTRACE` set.
    ///
    /// ```
    /// use errmon_runtime::{Config, errors::ErrorSettings};
    ///
    /// let config = Config::default().error_tracking(ErrorSettings::default().ring_size(5_000));
    /// assert!(config.validate().is_ok());
    /// assert!(Config::default().error_tracking(ErrorSettings::default().ring_size(0)).validate().is_err());
    /// ```
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn error_tracking(mut self, settings: crate::errors::ErrorSettings) -> Self {
        self.errors = Some(settings);
        self
    }

    /// The names and labels of the HTTP families that `errmon-tower` (or any caller of
    /// [`crate::http`]) records into; errmon's own by default.
    ///
    /// ```
    /// use errmon_runtime::{Config, HttpNaming, http::{Exchange, Method}};
    ///
    /// Exchange::start(Method::Get, Some("/doc/naming")).finish(200);
    /// let text = errmon_runtime::export::render_prometheus(
    ///     &Config::default().http_naming(HttpNaming::OpenTelemetry),
    /// )?;
    /// assert!(text.contains(
    ///     r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/doc/naming",http_response_status_code="200"} 1"#
    /// ));
    /// # Ok::<(), errmon_runtime::ConfigError>(())
    /// ```
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn http_naming(mut self, naming: HttpNaming) -> Self {
        self.http_naming = naming;
        self
    }

    /// Where the endpoint listens: `host:port`, resolved when installing. Port `0` picks a free
    /// port; [`InstallGuard::local_addr`](crate::InstallGuard::local_addr) tells which.
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Bucket bounds of `errmon_call_duration_seconds`, in seconds. Every call is recorded on a
    /// fixed grid (1.5, 2, 2.5, 3, 4, 5, 6, 7, 7.5, 8, 9 and 10 times each power of ten from 1 µs
    /// to 100 s), so exported counts are exact; validation fails on a bound off the grid and
    /// names the nearest ones. The same bounds apply to histograms recorded through the
    /// `metrics` facade whose names end in `_seconds` (see [`Config::facade_buckets`]).
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn duration_buckets(mut self, seconds: impl IntoIterator<Item = f64>) -> Self {
        self.buckets = seconds.into_iter().collect();
        self
    }

    /// Adds a label to every series, such as `service="billing"`. A function whose static
    /// `labels(...)` use the same name is refused by [`Config::validate`], naming both.
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn const_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.const_labels.push((name.into(), value.into()));
        self
    }

    /// Bucket bounds for the application's own histograms recorded through the `metrics`
    /// facade, chosen by metric name. Without an entry that matches, a histogram whose name
    /// ends in `_seconds` gets the [duration buckets](Config::duration_buckets), and any other
    /// gets [`DEFAULT_FACADE_BUCKETS`] (1 to 10⁹, for counts, sizes and amounts). Entries set
    /// here win over both; among entries, a `Full` match wins over a `Prefix` one, which wins
    /// over a `Suffix` one. Bounds must be finite and increasing.
    ///
    /// There is no `ERRMON_*` variable for this: bucket bounds belong next to the metric they
    /// describe, in code.
    ///
    /// ```
    /// use errmon_runtime::{Config, MetricMatch};
    ///
    /// let config = Config::default()
    ///     .facade_buckets(MetricMatch::Full("order_amount_cents".into()), [100.0, 1_000.0, 10_000.0])
    ///     .facade_buckets(MetricMatch::Suffix("_bytes".into()), [1024.0, 1048576.0]);
    /// assert!(config.validate().is_ok());
    /// ```
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn facade_buckets(
        mut self,
        metric: MetricMatch,
        bounds: impl IntoIterator<Item = f64>,
    ) -> Self {
        self.facade_buckets
            .push((metric, bounds.into_iter().collect()));
        self
    }

    /// Whether `install` also installs a `metrics` recorder and serves what the application
    /// records through the facade (`metrics::counter!` and friends) at `/metrics`. On by
    /// default; turn it off when the application installs its own recorder.
    ///
    /// A process has one `metrics` recorder for its whole life, so when `install` runs again
    /// after an earlier guard was dropped, facade metrics keep the buckets and constant labels
    /// of the first install; errmon's own families use the new ones.
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn capture_facade(mut self, on: bool) -> Self {
        self.capture_facade = on;
        self
    }

    /// Requires every request to the endpoint to carry `Authorization: Bearer <token>`; others
    /// get `401`. Worth setting whenever the endpoint listens beyond loopback. In Prometheus:
    /// `authorization: { credentials: <token> }` in the scrape config.
    ///
    /// ```no_run
    /// let _guard = errmon_runtime::Config::default()
    ///     .listen("0.0.0.0:9611")
    ///     .bearer_token(std::env::var("METRICS_TOKEN").expect("METRICS_TOKEN"))
    ///     .install()?;
    /// # Ok::<(), errmon_runtime::InstallError>(())
    /// ```
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(Secret(token.into()));
        self
    }
}
