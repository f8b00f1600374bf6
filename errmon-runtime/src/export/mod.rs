//! Getting errmon's data out: Prometheus text rendered exactly from the registry, and a bridge
//! that publishes the same totals through the `metrics` facade for other recorders.

pub mod bridge;
pub(crate) mod prometheus;

use crate::{Config, ConfigError};

/// errmon's own families in the Prometheus text format (0.0.4), rendered with `config`'s
/// buckets and constant labels, for applications that serve `/metrics` from their own HTTP
/// server instead of calling [`install`](crate::install). Serve it with
/// `Content-Type: text/plain; version=0.0.4`.
///
/// ```
/// #[errmon_runtime::count_calls]
/// fn handled() {}
///
/// handled();
/// let text = errmon_runtime::export::render_prometheus(&errmon_runtime::Config::default())?;
/// assert!(text.contains(r#"errmon_calls_total{function="handled""#));
/// # Ok::<(), errmon_runtime::ConfigError>(())
/// ```
pub fn render_prometheus(config: &Config) -> Result<String, ConfigError> {
    let opts = config.render_options()?;
    let mut out = String::with_capacity(16 * 1024);
    prometheus::render(&mut out, &opts);
    Ok(out)
}
