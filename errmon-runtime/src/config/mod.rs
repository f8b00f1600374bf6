//! [`Config`]: the builder, the `ERRMON_*` variables, and validation into [`Settings`].
//!
//! Every check runs once, in [`Config::validate`]; installing, building a
//! [`Renderer`](crate::export::Renderer) and the convenience
//! [`render_prometheus`](crate::export::render_prometheus) all start from its `Settings`.

mod env;

use std::fmt;

use errmon_rules::labels::{LabelNameError, check_label_name};

use crate::record::grid as buckets;
use crate::registry;

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
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) listen: String,
    buckets: Vec<f64>,
    const_labels: Vec<(String, String)>,
    pub(crate) capture_facade: bool,
    pub(crate) bearer_token: Option<Secret>,
    facade_buckets: Vec<(MetricMatch, Vec<f64>)>,
    errors: Option<crate::errors::ErrorSettings>,
    logs: crate::log::LogSettings,
    http_naming: HttpNaming,
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

/// A configuration value that cannot be used; the message names the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A `ConfigError` is the whole story: it has no underlying cause, so `source()` is `None`.
impl std::error::Error for ConfigError {}

/// A [`Config`] that passed [`Config::validate`]: what installing and rendering use, checked
/// once, so nothing fails later.
///
/// ```
/// #[errmon_runtime::count_calls]
/// fn served() {}
///
/// let settings = errmon_runtime::Config::default().const_label("service", "api").validate()?;
/// let renderer = errmon_runtime::export::Renderer::new(settings);
/// served();
/// let body = renderer.render();
/// assert!(body.lines().any(|l| l.starts_with(r#"errmon_calls_total{function="served""#)
///     && l.ends_with(r#",service="api"} 1"#)));
/// # Ok::<(), errmon_runtime::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// Exported duration bounds in seconds, each with its index on the fixed grid.
    pub(crate) buckets: Vec<(f64, usize)>,
    /// Labels added to every series, such as `service`.
    pub(crate) const_labels: Vec<(String, String)>,
    /// Bucket bounds of facade histograms, by name; the duration default included.
    pub(crate) facade_buckets: Vec<(MetricMatch, Vec<f64>)>,
    pub(crate) capture_facade: bool,
    #[cfg(feature = "endpoint")]
    pub(crate) bearer_token: Option<Secret>,
    #[cfg(feature = "server")]
    pub(crate) listen: String,
    /// Error tracking's settings, applied when installing; `None` keeps the current ones.
    #[cfg_attr(
        not(feature = "endpoint"),
        allow(dead_code, reason = "applied by install()")
    )]
    pub(crate) errors: Option<crate::errors::ErrorSettings>,
    /// errmon's own log output, which `install()` starts.
    #[cfg_attr(
        not(all(feature = "server", feature = "logs")),
        allow(dead_code, reason = "applied by install()")
    )]
    pub(crate) logs: crate::log::LogSettings,
    pub(crate) http_naming: HttpNaming,
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
    /// let config = Config::default().errors(ErrorSettings::default().ring_size(5_000));
    /// assert!(config.validate().is_ok());
    /// assert!(Config::default().errors(ErrorSettings::default().ring_size(0)).validate().is_err());
    /// ```
    #[must_use = "a builder method returns the changed Config; use it (chain `.install()`)"]
    pub fn errors(mut self, settings: crate::errors::ErrorSettings) -> Self {
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

    /// Checks every value once and returns the settings installing and rendering use. Also
    /// refuses a constant label whose name a function already uses in its static
    /// `labels(...)`: Prometheus rejects a series that has a label twice, and with it the
    /// whole scrape. (The listen address is resolved when installing, not here.)
    ///
    /// ```
    /// let err = errmon_runtime::Config::default().duration_buckets([0.0033]).validate().unwrap_err();
    /// assert!(err.to_string().contains("the nearest are 0.003 and 0.004"));
    /// ```
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let buckets = duration_buckets(&self.buckets)?;
        self.check_const_labels()?;
        check_token(self.bearer_token.as_ref())?;
        if let Some(e) = &self.errors {
            e.validate().map_err(|e| ConfigError::new(e.to_string()))?;
        }
        let mut facade_buckets = Vec::with_capacity(self.facade_buckets.len() + 1);
        for (metric, bounds) in &self.facade_buckets {
            check_facade_bounds(metric, bounds)?;
        }
        if !buckets.is_empty() {
            // First, so that an entry of the application for the same matcher replaces it.
            facade_buckets.push((
                MetricMatch::Suffix("_seconds".to_owned()),
                buckets.iter().map(|&(b, _)| b).collect(),
            ));
        }
        facade_buckets.extend(self.facade_buckets.iter().cloned());
        Ok(Settings {
            buckets,
            const_labels: self.const_labels.clone(),
            facade_buckets,
            capture_facade: self.capture_facade,
            #[cfg(feature = "endpoint")]
            bearer_token: self.bearer_token.clone(),
            #[cfg(feature = "server")]
            listen: self.listen.clone(),
            errors: self.errors.clone(),
            logs: self.logs.clone(),
            http_naming: self.http_naming,
        })
    }

    fn check_const_labels(&self) -> Result<(), ConfigError> {
        for (i, (k, v)) in self.const_labels.iter().enumerate() {
            check_const_label_name(k)?;
            if self.const_labels[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(ConfigError::new(format!(
                    "constant label `{k}` is set twice"
                )));
            }
            if v.is_empty() {
                return Err(ConfigError::new(format!(
                    "constant label `{k}` has an empty value, which Prometheus treats as no label"
                )));
            }
        }
        if self.const_labels.is_empty() {
            return Ok(());
        }
        for site in registry::sites() {
            let meta = site.meta();
            if let Some((k, _)) = meta
                .labels
                .iter()
                .find(|(k, _)| self.const_labels.iter().any(|(c, _)| c == k))
            {
                return Err(ConfigError::new(format!(
                    "constant label `{k}` clashes with the static label `{k}` of function `{}` \
                     (module `{}`, {}:{}); a series may carry a label once, so rename one of them",
                    meta.function, meta.module, meta.file, meta.line
                )));
            }
        }
        Ok(())
    }
}

fn duration_buckets(seconds: &[f64]) -> Result<Vec<(f64, usize)>, ConfigError> {
    let mut out: Vec<(f64, usize)> = Vec::with_capacity(seconds.len());
    for &b in seconds {
        let Some(i) = buckets::grid_index(b) else {
            let (lo, hi) = buckets::neighbours(b);
            let near = match (lo, hi) {
                (Some(lo), Some(hi)) => format!("; the nearest are {lo} and {hi}"),
                (None, Some(hi)) => format!("; the smallest is {hi}"),
                (Some(lo), None) => format!("; the largest is {lo}"),
                (None, None) => String::new(),
            };
            return Err(ConfigError::new(format!(
                "duration bucket {b} is not on errmon's grid (1.5, 2, 2.5, 3, 4, 5, 6, 7, 7.5, 8, 9, 10 \
                 times a power of ten, from 0.000001 to 100 seconds){near}"
            )));
        };
        if let Some(&(prev, _)) = out.last() {
            if b <= prev {
                return Err(ConfigError::new(format!(
                    "duration buckets must increase: {b} follows {prev}"
                )));
            }
        }
        out.push((b, i));
    }
    Ok(out)
}

fn check_facade_bounds(metric: &MetricMatch, bounds: &[f64]) -> Result<(), ConfigError> {
    let (MetricMatch::Full(name) | MetricMatch::Prefix(name) | MetricMatch::Suffix(name)) = metric;
    if name.is_empty() {
        return Err(ConfigError::new(format!(
            "facade buckets for {metric:?}: the name to match is empty"
        )));
    }
    if bounds.is_empty() {
        return Err(ConfigError::new(format!(
            "facade buckets for {metric:?}: no bounds given"
        )));
    }
    if let Some(b) = bounds.iter().find(|b| !b.is_finite()) {
        return Err(ConfigError::new(format!(
            "facade buckets for {metric:?}: {b} is not a finite bound (`+Inf` is always added)"
        )));
    }
    if let Some(w) = bounds.windows(2).find(|w| w[1] <= w[0]) {
        return Err(ConfigError::new(format!(
            "facade buckets for {metric:?} must increase: {} follows {}",
            w[1], w[0]
        )));
    }
    Ok(())
}

fn check_const_label_name(k: &str) -> Result<(), ConfigError> {
    match check_label_name(k) {
        Ok(()) => Ok(()),
        Err(LabelNameError::Invalid) => Err(ConfigError::new(format!(
            "constant label name `{k}` is not valid: use ASCII letters, digits and `_`, not starting with a digit"
        ))),
        Err(LabelNameError::DoubleUnderscore) => Err(ConfigError::new(format!(
            "constant label name `{k}` starts with `__`, which Prometheus reserves"
        ))),
        Err(LabelNameError::Reserved { why }) => Err(ConfigError::new(format!(
            "constant label name `{k}` is reserved by errmon or Prometheus ({why})"
        ))),
    }
}

fn check_token(token: Option<&Secret>) -> Result<(), ConfigError> {
    // The messages never repeat the token: it is a secret.
    match token.map(|t| &t.0) {
        Some(t) if t.is_empty() => Err(ConfigError::new("the bearer token is empty")),
        Some(t) if !t.bytes().all(|b| b.is_ascii_graphic()) => Err(ConfigError::new(
            "the bearer token has spaces, control or non-ASCII characters; use printable ASCII",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn environment_overrides_defaults() {
        let c = Config::default()
            .apply_env(env(&[
                ("ERRMON_LISTEN", "127.0.0.1:0"),
                ("ERRMON_DURATION_BUCKETS", "0.01, 0.1,1"),
                ("ERRMON_LABELS", "service=api,region=eu"),
            ]))
            .unwrap();
        assert_eq!(c.listen, "127.0.0.1:0");
        assert_eq!(c.buckets, [0.01, 0.1, 1.0]);
        assert_eq!(c.const_labels[1], ("region".into(), "eu".into()));
    }

    #[test]
    fn bad_environment_values_are_named() {
        let e = Config::default()
            .apply_env(env(&[("ERRMON_DURATION_BUCKETS", "0.1,fast")]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERRMON_DURATION_BUCKETS: `fast` is not a number of seconds"
        );
        let e = Config::default()
            .apply_env(env(&[("ERRMON_LABELS", "service")]))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("`service` is not of the form `name=value`"),
            "{e}"
        );
        let e = Config::default()
            .apply_env(env(&[("ERRMON_CAPTURE_FACADE", "yes")]))
            .unwrap_err();
        assert!(e.to_string().contains("`yes`"), "{e}");
        let e = Config::default()
            .apply_env(env(&[("ERRMON_HTTP_NAMING", "prometheus")]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERRMON_HTTP_NAMING: `prometheus` is neither `errmon` nor `opentelemetry`"
        );
        let c = Config::default()
            .apply_env(env(&[("ERRMON_HTTP_NAMING", "opentelemetry")]))
            .unwrap();
        assert_eq!(c.http_naming, HttpNaming::OpenTelemetry);
    }

    #[test]
    fn buckets_off_the_grid_or_out_of_order_are_rejected() {
        let e = Config::default()
            .duration_buckets([0.0033])
            .validate()
            .unwrap_err();
        assert!(
            e.to_string().contains("0.0033") && e.to_string().contains("0.003 and 0.004"),
            "{e}"
        );
        let e = Config::default()
            .duration_buckets([0.1, 0.01])
            .validate()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "duration buckets must increase: 0.01 follows 0.1"
        );
    }

    #[test]
    fn reserved_or_malformed_constant_labels_are_rejected() {
        for (name, why) in [
            ("le", "reserved"),
            ("__x", "`__`"),
            ("9x", "not valid"),
            ("a-b", "not valid"),
        ] {
            let e = Config::default()
                .const_label(name, "v")
                .validate()
                .unwrap_err();
            assert!(e.to_string().contains(why), "{name}: {e}");
        }
        let e = Config::default()
            .const_label("service", "a")
            .const_label("service", "b")
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }

    #[test]
    fn bad_bearer_tokens_are_refused_without_being_repeated() {
        let e = Config::default().bearer_token("").validate().unwrap_err();
        assert_eq!(e.to_string(), "the bearer token is empty");
        let e = Config::default()
            .bearer_token("two words")
            .validate()
            .unwrap_err();
        assert!(
            e.to_string().contains("spaces") && !e.to_string().contains("two words"),
            "{e}"
        );
        let c = Config::default()
            .apply_env(env(&[("ERRMON_BEARER_TOKEN", "t0k3n")]))
            .unwrap();
        assert_eq!(c.bearer_token.as_ref().map(|t| t.0.as_str()), Some("t0k3n"));
        assert!(!format!("{c:?}").contains("t0k3n"), "{c:?}");
    }

    #[test]
    fn facade_buckets_are_checked_and_follow_the_duration_default() {
        for (bounds, why) in [
            (vec![], "no bounds"),
            (vec![10.0, 1.0], "must increase: 1 follows 10"),
            (vec![1.0, f64::INFINITY], "not a finite bound"),
        ] {
            let e = Config::default()
                .facade_buckets(MetricMatch::Full("order_cents".into()), bounds)
                .validate()
                .unwrap_err();
            assert!(
                e.to_string().contains(why) && e.to_string().contains("order_cents"),
                "{e}"
            );
        }
        let s = Config::default()
            .duration_buckets([0.1, 1.0])
            .facade_buckets(MetricMatch::Prefix("order_".into()), [1.0, 10.0])
            .validate()
            .unwrap();
        assert_eq!(
            s.facade_buckets,
            [
                (MetricMatch::Suffix("_seconds".into()), vec![0.1, 1.0]),
                (MetricMatch::Prefix("order_".into()), vec![1.0, 10.0]),
            ]
        );
    }
}
