//! `ERRMON_*` environment variables over a [`Config`]: each a value of the builder, a bad one an
//! error naming the variable and the value.

use super::{Config, ConfigError, HttpNaming, Secret};

impl Config {
    /// Applies the variables `var` finds; [`Config::from_env`] reads the process's.
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
        if let Some(v) = var("ERRMON_HTTP_NAMING") {
            self.http_naming = match v.trim() {
                "errmon" => HttpNaming::Errmon,
                "opentelemetry" | "otel" => HttpNaming::OpenTelemetry,
                other => {
                    return Err(ConfigError::new(format!(
                        "ERRMON_HTTP_NAMING: `{other}` is neither `errmon` nor `opentelemetry`"
                    )));
                }
            };
        }
        if var("ERRMON_BACKTRACE").is_some() {
            let errors = self.errors.take().unwrap_or_default();
            self.errors = Some(
                errors
                    .apply_env(&var)
                    .map_err(|e| ConfigError::new(e.to_string()))?,
            );
        }
        self.logs = self
            .logs
            .apply_env(&var)
            .map_err(|e| ConfigError::new(e.to_string()))?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::vars as env;

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
}
