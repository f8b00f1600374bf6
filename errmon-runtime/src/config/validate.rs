//! [`Config::validate`]: every check, once, into the [`Settings`] installing and rendering use.

use errmon_rules::labels::{LabelNameError, check_label_name};

use super::{Config, ConfigError, HttpNaming, MetricMatch, Secret};
use crate::record::grid as buckets;
use crate::registry;

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
    use crate::common::vars as env;

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
