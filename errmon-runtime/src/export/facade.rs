//! Capturing the `metrics` facade: the application's own `metrics::counter!`, `histogram!`,
//! ... recorded by metrics-exporter-prometheus and served after errmon's families.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::Renderer;
use crate::config::{Config, ConfigError, DEFAULT_FACADE_BUCKETS, MetricMatch, Settings};
use crate::error::InstallError;

/// The facade recorder can be installed once per process; later installs reuse its handle.
static FACADE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The handle of the process's facade recorder, installing it with `settings` the first time.
pub(crate) fn handle(settings: &Settings) -> Result<PrometheusHandle, InstallError> {
    if let Some(h) = FACADE.get() {
        return Ok(h.clone());
    }
    let config_error = |e: metrics_exporter_prometheus::BuildError| {
        InstallError::Config(ConfigError::new(e.to_string()))
    };
    let mut builder = PrometheusBuilder::new()
        .set_buckets(&DEFAULT_FACADE_BUCKETS)
        .map_err(config_error)?;
    for (metric, bounds) in &settings.facade_buckets {
        let matcher = match metric {
            MetricMatch::Full(s) => Matcher::Full(s.clone()),
            MetricMatch::Prefix(s) => Matcher::Prefix(s.clone()),
            MetricMatch::Suffix(s) => Matcher::Suffix(s.clone()),
        };
        builder = builder
            .set_buckets_for_metric(matcher, bounds)
            .map_err(config_error)?;
    }
    for (k, v) in &settings.const_labels {
        builder = builder.add_global_label(k, v);
    }
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| InstallError::RecorderAlreadySet)?;
    Ok(FACADE.get_or_init(|| handle).clone())
}

impl Config {
    /// Installs errmon's `metrics` recorder without a server, for an application that serves
    /// `/metrics` from its own router, and returns the [`Renderer`] of everything the embedded
    /// endpoint would serve: errmon's families, then what the application records through the
    /// `metrics` facade. Serve its text with [`CONTENT_TYPE`](crate::export::CONTENT_TYPE).
    ///
    /// Every check happens here, at start-up. With [`Config::capture_facade`]`(false)` no
    /// recorder is installed and the renderer serves errmon's families only. A process has one
    /// `metrics` recorder for life: a second call (or a later [`install`](crate::install))
    /// reuses the first one's, with its buckets and constant labels for facade metrics.
    ///
    /// ```
    /// let renderer = errmon_runtime::Config::default().install_recorder()?;
    /// metrics::counter!("orders_total").increment(1);
    /// // In the application's own `/metrics` handler:
    /// let body = renderer.render();
    /// assert!(body.contains("orders_total 1"));
    /// # Ok::<(), errmon_runtime::InstallError>(())
    /// ```
    pub fn install_recorder(self) -> Result<Renderer, InstallError> {
        let settings = self.validate()?;
        let facade = if settings.capture_facade {
            Some(handle(&settings)?)
        } else {
            None
        };
        Ok(Renderer::with_facade(settings, facade))
    }
}
