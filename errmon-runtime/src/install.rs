//! `install()`, its [`Config`], and the guard that shuts everything down.

use std::fmt;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::buckets;
use crate::export::prometheus::RenderOptions;
use crate::http::{self, Server};

/// The address served when neither [`Config::listen`] nor `ERRMON_LISTEN` says otherwise:
/// loopback only, so nothing is exposed beyond the machine by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9611";

/// Label names errmon sets itself, and those Prometheus reserves; constant and static labels
/// may not use them.
pub(crate) const RESERVED_LABELS: [&str; 9] = [
    "function",
    "module",
    "outcome",
    "error_type",
    "error_kind",
    "le",
    "quantile",
    "job",
    "instance",
];

/// How [`install`](crate::install) sets errmon up. Start from [`Config::default`] (fixed
/// defaults) or [`Config::from_env`] (defaults overridden by `ERRMON_*` variables), adjust with
/// the builder methods, then call [`Config::install`].
///
/// ```no_run
/// let _guard = errmon_runtime::Config::default()
///     .listen("127.0.0.1:9000")
///     .const_label("service", "billing")
///     .duration_buckets([0.001, 0.01, 0.1, 1.0])
///     .install()
///     .expect("errmon endpoint");
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    listen: String,
    buckets: Vec<f64>,
    const_labels: Vec<(String, String)>,
    capture_facade: bool,
    bearer_token: Option<Secret>,
}

/// A secret that `Debug` does not show, so printing a `Config` does not leak it.
#[derive(Clone)]
struct Secret(String);

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
        }
    }
}

/// A configuration value that cannot be used; the message names the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
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

impl std::error::Error for ConfigError {}

impl Config {
    /// The defaults, overridden by these environment variables where set:
    /// - `ERRMON_LISTEN`: address to serve on, such as `0.0.0.0:9611`;
    /// - `ERRMON_DURATION_BUCKETS`: bucket bounds in seconds, comma-separated (`0.01,0.1,1`);
    /// - `ERRMON_LABELS`: constant labels, comma-separated (`service=api,region=eu`);
    /// - `ERRMON_CAPTURE_FACADE`: `true` or `false`, see [`Config::capture_facade`];
    /// - `ERRMON_BEARER_TOKEN`: see [`Config::bearer_token`].
    ///
    /// ```
    /// let config = errmon_runtime::Config::from_env()?;
    /// # Ok::<(), errmon_runtime::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::default().apply_env(|k| std::env::var(k).ok())
    }

    pub(crate) fn apply_env(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        if let Some(v) = var("ERRMON_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("ERRMON_DURATION_BUCKETS") {
            self.buckets = v
                .split(',')
                .map(|b| {
                    b.trim().parse::<f64>().map_err(|_| {
                        ConfigError::new(format!(
                            "ERRMON_DURATION_BUCKETS: `{}` is not a number of seconds",
                            b.trim()
                        ))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = var("ERRMON_LABELS") {
            for pair in v.split(',').filter(|p| !p.trim().is_empty()) {
                let (k, val) = pair.split_once('=').ok_or_else(|| {
                    ConfigError::new(format!(
                        "ERRMON_LABELS: `{}` is not of the form `name=value`",
                        pair.trim()
                    ))
                })?;
                self.const_labels
                    .push((k.trim().to_owned(), val.trim().to_owned()));
            }
        }
        if let Some(v) = var("ERRMON_BEARER_TOKEN") {
            self.bearer_token = Some(Secret(v));
        }
        if let Some(v) = var("ERRMON_CAPTURE_FACADE") {
            self.capture_facade = match v.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => {
                    return Err(ConfigError::new(format!(
                        "ERRMON_CAPTURE_FACADE: `{other}` is neither `true` nor `false`"
                    )));
                }
            };
        }
        Ok(self)
    }

    /// Where the endpoint listens: `host:port`, resolved when installing. Port `0` picks a free
    /// port; [`InstallGuard::local_addr`] tells which.
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Bucket bounds of `errmon_call_duration_seconds`, in seconds. Every call is recorded on a
    /// fixed grid (1.5, 2, 2.5, 3, 4, 5, 6, 7, 7.5, 8, 9 and 10 times each power of ten from 1 µs
    /// to 100 s), so exported counts are exact; installing fails on a bound off the grid and
    /// names the nearest ones. The same bounds apply to histograms recorded through the
    /// `metrics` facade.
    pub fn duration_buckets(mut self, seconds: impl IntoIterator<Item = f64>) -> Self {
        self.buckets = seconds.into_iter().collect();
        self
    }

    /// Adds a label to every series, such as `service="billing"`.
    pub fn const_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.const_labels.push((name.into(), value.into()));
        self
    }

    /// Whether `install` also installs a `metrics` recorder and serves what the application
    /// records through the facade (`metrics::counter!` and friends) at `/metrics`. On by
    /// default; turn it off when the application installs its own recorder.
    ///
    /// A process has one `metrics` recorder for its whole life, so when `install` runs again
    /// after an earlier guard was dropped, facade metrics keep the buckets and constant labels
    /// of the first install; errmon's own families use the new ones.
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
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(Secret(token.into()));
        self
    }

    /// Starts the endpoint; see [`install`](crate::install).
    pub fn install(self) -> Result<InstallGuard, InstallError> {
        let opts = self.render_options()?;
        self.check_token()?;
        let addr = resolve(&self.listen)?;
        if INSTALLED.swap(true, Ordering::AcqRel) {
            return Err(InstallError::AlreadyInstalled);
        }
        match self.start(addr, opts) {
            Ok(guard) => Ok(guard),
            Err(e) => {
                INSTALLED.store(false, Ordering::Release);
                Err(e)
            }
        }
    }

    fn check_token(&self) -> Result<(), ConfigError> {
        // The messages never repeat the token: it is a secret.
        match self.bearer_token.as_ref().map(|t| &t.0) {
            Some(t) if t.is_empty() => Err(ConfigError::new("the bearer token is empty")),
            Some(t) if !t.bytes().all(|b| b.is_ascii_graphic()) => Err(ConfigError::new(
                "the bearer token has spaces, control or non-ASCII characters; use printable ASCII",
            )),
            _ => Ok(()),
        }
    }

    fn start(&self, addr: SocketAddr, opts: RenderOptions) -> Result<InstallGuard, InstallError> {
        let facade = if self.capture_facade {
            Some(facade_handle(&opts)?)
        } else {
            None
        };
        let listener = TcpListener::bind(addr).map_err(|source| InstallError::Bind {
            addr: self.listen.clone(),
            source,
        })?;
        // Calibrate the clock now rather than on the first instrumented call.
        let _ = quanta::Instant::now();
        let state = http::State {
            opts,
            facade,
            token: self.bearer_token.as_ref().map(|t| t.0.clone()),
        };
        let server =
            http::serve(listener, Arc::new(state)).map_err(|source| InstallError::Bind {
                addr: self.listen.clone(),
                source,
            })?;
        Ok(InstallGuard {
            server: Some(server),
        })
    }

    pub(crate) fn render_options(&self) -> Result<RenderOptions, ConfigError> {
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for &b in &self.buckets {
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
            if let Some(&(prev, _)) = buckets.last() {
                if b <= prev {
                    return Err(ConfigError::new(format!(
                        "duration buckets must increase: {b} follows {prev}"
                    )));
                }
            }
            buckets.push((b, i));
        }
        for (k, v) in &self.const_labels {
            check_label_name(k)?;
            if self.const_labels.iter().filter(|(k2, _)| k2 == k).count() > 1 {
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
        Ok(RenderOptions {
            buckets,
            const_labels: self.const_labels.clone(),
        })
    }
}

fn check_label_name(k: &str) -> Result<(), ConfigError> {
    let mut chars = k.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(ConfigError::new(format!(
            "constant label name `{k}` is not valid: use ASCII letters, digits and `_`, not starting with a digit"
        )));
    }
    if k.starts_with("__") {
        return Err(ConfigError::new(format!(
            "constant label name `{k}` starts with `__`, which Prometheus reserves"
        )));
    }
    if RESERVED_LABELS.contains(&k) {
        return Err(ConfigError::new(format!(
            "constant label name `{k}` is reserved by errmon or Prometheus"
        )));
    }
    Ok(())
}

fn resolve(listen: &str) -> Result<SocketAddr, InstallError> {
    let bad = |why: String| InstallError::Config(ConfigError::new(why));
    let mut addrs = listen
        .to_socket_addrs()
        .map_err(|e| bad(format!("listen address `{listen}` is not valid: {e}")))?;
    addrs
        .next()
        .ok_or_else(|| bad(format!("listen address `{listen}` resolves to no address")))
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The facade recorder can be installed once per process; later installs reuse its handle.
static FACADE: OnceLock<PrometheusHandle> = OnceLock::new();

fn facade_handle(opts: &RenderOptions) -> Result<PrometheusHandle, InstallError> {
    if let Some(h) = FACADE.get() {
        return Ok(h.clone());
    }
    let bounds: Vec<f64> = opts.buckets.iter().map(|&(b, _)| b).collect();
    let mut builder = PrometheusBuilder::new();
    if !bounds.is_empty() {
        builder = builder
            .set_buckets(&bounds)
            .map_err(|e| InstallError::Config(ConfigError::new(e.to_string())))?;
    }
    for (k, v) in &opts.const_labels {
        builder = builder.add_global_label(k, v);
    }
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| InstallError::RecorderAlreadySet)?;
    Ok(FACADE.get_or_init(|| handle).clone())
}

/// Why [`install`](crate::install) did not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum InstallError {
    /// A configuration value is not usable.
    Config(ConfigError),
    /// errmon is already installed in this process; drop the first guard before installing again.
    AlreadyInstalled,
    /// The listen address could not be bound (in use, or not an address of this machine).
    Bind {
        /// The address as configured.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Another `metrics` recorder is installed, so facade metrics cannot be captured.
    RecorderAlreadySet,
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => write!(f, "invalid errmon configuration: {e}"),
            Self::AlreadyInstalled => f.write_str(
                "errmon is already installed in this process; keep the first InstallGuard instead of installing twice",
            ),
            Self::Bind { addr, source } => write!(f, "cannot listen on `{addr}`: {source}"),
            Self::RecorderAlreadySet => f.write_str(
                "another `metrics` recorder is already installed; use `Config::capture_facade(false)` \
                 to serve errmon's metrics without capturing the facade",
            ),
        }
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(e) => Some(e),
            Self::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<ConfigError> for InstallError {
    fn from(e: ConfigError) -> Self {
        InstallError::Config(e)
    }
}

/// Keeps the endpoint running; dropping it stops the server and joins its threads.
///
/// ```no_run
/// let guard = errmon_runtime::install()?;
/// println!("scrape http://{}/metrics", guard.local_addr());
/// # Ok::<(), errmon_runtime::InstallError>(())
/// ```
#[must_use = "the endpoint stops when the guard is dropped"]
pub struct InstallGuard {
    server: Option<Server>,
}

impl InstallGuard {
    /// The address the endpoint actually listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server
            .as_ref()
            .map_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)), Server::local_addr)
    }

    /// `http://<addr>/metrics`, ready to print or to put in a scrape config.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.local_addr())
    }
}

impl fmt::Debug for InstallGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallGuard")
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

impl Drop for InstallGuard {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
        INSTALLED.store(false, Ordering::Release);
    }
}

/// How often the facade recorder's histograms are compacted.
pub(crate) const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

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
    }

    #[test]
    fn buckets_off_the_grid_or_out_of_order_are_rejected() {
        let e = Config::default()
            .duration_buckets([0.0033])
            .render_options()
            .unwrap_err();
        assert!(
            e.to_string().contains("0.0033") && e.to_string().contains("0.003 and 0.004"),
            "{e}"
        );
        let e = Config::default()
            .duration_buckets([0.1, 0.01])
            .render_options()
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
                .render_options()
                .unwrap_err();
            assert!(e.to_string().contains(why), "{name}: {e}");
        }
        let e = Config::default()
            .const_label("service", "a")
            .const_label("service", "b")
            .render_options()
            .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }

    #[test]
    fn bad_bearer_tokens_are_refused_without_being_repeated() {
        let e = Config::default().bearer_token("").install().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid errmon configuration: the bearer token is empty"
        );
        let e = Config::default()
            .bearer_token("two words")
            .install()
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
    fn bad_listen_addresses_are_errors() {
        let e = Config::default()
            .listen("not an address")
            .install()
            .unwrap_err();
        assert!(matches!(e, InstallError::Config(_)), "{e}");
        assert!(e.to_string().contains("`not an address`"), "{e}");
    }
}
