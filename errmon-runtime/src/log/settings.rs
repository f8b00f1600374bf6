//! [`LogSettings`]: where errmon's JSON lines go, which events they keep, how they are named.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where the lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    #[cfg_attr(
        not(feature = "logs"),
        doc = "[`LogSettings::init`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/struct.LogSettings.html#method.init"
    )]
    /// errmon writes no lines: its events go only to the application's subscriber, if any,
    /// and [`LogSettings::init`] sets nothing.
    Off,
    /// Standard error, one JSON object a line.
    Stderr,
    /// A file, rotated by size (and optionally daily), see [`LogSettings::max_bytes`].
    File(PathBuf),
}

/// How the standard keys of a line are named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// `timestamp`, `level`, `target`, `message`.
    #[default]
    Errmon,
    /// Google Cloud Logging: `time`, `severity`, `message`, and the request id also as
    /// `logging.googleapis.com/trace`.
    Gcp,
    /// Elastic Common Schema: `@timestamp`, `log.level`, `log.logger`, `message`.
    Ecs,
}

impl Profile {
    /// The name used in `ERRMON_LOG_FORMAT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Errmon => "errmon",
            Profile::Gcp => "gcp",
            Profile::Ecs => "ecs",
        }
    }
}

/// A log setting that cannot be used; its message names the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfigError(pub(crate) String);

impl fmt::Display for LogConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LogConfigError {}

/// Default bytes of a log file before it is rotated.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Default rotated files kept besides the current one.
pub const DEFAULT_KEEP: usize = 5;
/// Default lines waiting for the writer thread before new ones are dropped.
pub const DEFAULT_QUEUE: usize = 8192;

/// How errmon writes its JSON lines: output, level filter, naming profile, rotation and the
/// queue to the writer thread.
///
/// ```
/// use errmon_runtime::log::{LogSettings, Output, Profile};
///
/// let settings = LogSettings::default()
///     .output(Output::File("/var/log/app/app.log".into()))
///     .level("info,my_app=debug")?
///     .profile(Profile::Ecs)
///     .max_bytes(16 * 1024 * 1024)
///     .keep(3);
/// assert_eq!(settings.level_directives(), "info,my_app=debug");
/// # Ok::<(), errmon_runtime::log::LogConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSettings {
    pub(crate) output: Output,
    pub(crate) level: String,
    pub(crate) profile: Profile,
    pub(crate) max_bytes: u64,
    pub(crate) daily: bool,
    pub(crate) keep: usize,
    pub(crate) queue: usize,
    pub(crate) flush_timeout: Duration,
}

impl Default for LogSettings {
    /// Standard error, `info`, errmon's names, 64 MiB files, 5 kept, 8,192 queued lines, 1 s
    /// to flush.
    fn default() -> Self {
        LogSettings {
            output: Output::Stderr,
            level: "info".to_owned(),
            profile: Profile::Errmon,
            max_bytes: DEFAULT_MAX_BYTES,
            daily: false,
            keep: DEFAULT_KEEP,
            queue: DEFAULT_QUEUE,
            flush_timeout: Duration::from_secs(1),
        }
    }
}

fn bad(what: impl Into<String>) -> LogConfigError {
    LogConfigError(what.into())
}

impl LogSettings {
    /// Where the lines go.
    #[must_use = "returns the changed settings"]
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    /// The level filter, `RUST_LOG`-style directives such as `warn,my_app=debug`.
    pub fn level(mut self, directives: &str) -> Result<Self, LogConfigError> {
        check_level(directives)?;
        directives.clone_into(&mut self.level);
        Ok(self)
    }

    /// The naming profile.
    #[must_use = "returns the changed settings"]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Bytes after which a log file is rotated (at a line boundary: a line is never split).
    #[must_use = "returns the changed settings"]
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }

    /// Also rotate at the first line of each day (local time).
    #[must_use = "returns the changed settings"]
    pub fn daily(mut self, daily: bool) -> Self {
        self.daily = daily;
        self
    }

    /// Rotated files kept besides the current one (`app.log.1` is the newest).
    #[must_use = "returns the changed settings"]
    pub fn keep(mut self, files: usize) -> Self {
        self.keep = files.max(1);
        self
    }

    /// Lines that may wait for the writer thread; when it is full, new lines are dropped and
    /// counted in `errmon_log_lines_dropped_total{reason="queue_full"}`.
    #[must_use = "returns the changed settings"]
    pub fn queue(mut self, lines: usize) -> Self {
        self.queue = lines.max(1);
        self
    }

    /// How long dropping the guard waits for queued lines to be written.
    #[must_use = "returns the changed settings"]
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.flush_timeout = timeout;
        self
    }

    /// The level directives.
    pub fn level_directives(&self) -> &str {
        &self.level
    }

    /// Applies the environment: `ERRMON_LOG` (`off`, `stderr` or `file:PATH`),
    /// `ERRMON_LOG_LEVEL` (else `RUST_LOG`), `ERRMON_LOG_FORMAT` (`errmon`, `gcp`, `ecs`).
    /// A bad value is an error naming the variable and the value.
    ///
    /// ```
    /// use errmon_runtime::log::LogSettings;
    ///
    /// let env = |k: &str| (k == "ERRMON_LOG_FORMAT").then(|| "syslog".to_owned());
    /// let e = LogSettings::default().apply_env(env).unwrap_err();
    /// assert!(e.to_string().contains("ERRMON_LOG_FORMAT") && e.to_string().contains("`syslog`"));
    /// ```
    pub fn apply_env(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, LogConfigError> {
        if let Some(v) = var("ERRMON_LOG") {
            self.output = parse_output(&v)?;
        }
        let level = var("ERRMON_LOG_LEVEL")
            .map(|v| ("ERRMON_LOG_LEVEL", v))
            .or_else(|| var("RUST_LOG").map(|v| ("RUST_LOG", v)));
        if let Some((name, v)) = level {
            check_level(&v).map_err(|e| bad(format!("{name}: {e}")))?;
            self.level = v;
        }
        if let Some(v) = var("ERRMON_LOG_FORMAT") {
            self.profile = match v.trim() {
                "errmon" => Profile::Errmon,
                "gcp" => Profile::Gcp,
                "ecs" => Profile::Ecs,
                _ => {
                    return Err(bad(format!(
                        "ERRMON_LOG_FORMAT `{v}` is not one of `errmon`, `gcp`, `ecs`"
                    )));
                }
            };
        }
        Ok(self)
    }
}

fn parse_output(v: &str) -> Result<Output, LogConfigError> {
    match v.trim() {
        "off" => Ok(Output::Off),
        "stderr" => Ok(Output::Stderr),
        other => match other.strip_prefix("file:") {
            Some(path) if !path.is_empty() => Ok(Output::File(PathBuf::from(path))),
            _ => Err(bad(format!(
                "ERRMON_LOG `{v}` is not `off`, `stderr` or `file:PATH`"
            ))),
        },
    }
}

#[cfg(feature = "logs")]
fn check_level(directives: &str) -> Result<(), LogConfigError> {
    tracing_subscriber::EnvFilter::builder()
        .parse(directives)
        .map(drop)
        .map_err(|e| bad(format!("level `{directives}` is not valid: {e}")))
}

#[cfg(not(feature = "logs"))]
fn check_level(_: &str) -> Result<(), LogConfigError> {
    // Without the subscriber nothing reads the directives.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::vars as env;

    #[test]
    fn the_environment_sets_output_level_and_profile() {
        let s = LogSettings::default()
            .apply_env(env(&[
                ("ERRMON_LOG", "file:/tmp/x.log"),
                ("RUST_LOG", "debug"),
                ("ERRMON_LOG_LEVEL", "warn,app=trace"),
                ("ERRMON_LOG_FORMAT", "gcp"),
            ]))
            .unwrap();
        assert_eq!(s.output, Output::File("/tmp/x.log".into()));
        assert_eq!(s.level, "warn,app=trace");
        assert_eq!(s.profile, Profile::Gcp);
        let s = LogSettings::default()
            .apply_env(env(&[("RUST_LOG", "debug"), ("ERRMON_LOG", "off")]))
            .unwrap();
        assert_eq!((s.output, s.level.as_str()), (Output::Off, "debug"));
    }

    #[test]
    fn bad_values_are_named() {
        for (var, value) in [
            ("ERRMON_LOG", "file:"),
            ("ERRMON_LOG", "syslog"),
            ("ERRMON_LOG_FORMAT", "json"),
        ] {
            let e = LogSettings::default()
                .apply_env(env(&[(var, value)]))
                .unwrap_err();
            assert!(
                e.to_string().contains(var) && e.to_string().contains(&format!("`{value}`")),
                "{e}"
            );
        }
        #[cfg(feature = "logs")]
        {
            let e = LogSettings::default()
                .apply_env(env(&[("ERRMON_LOG_LEVEL", "info,app=loud")]))
                .unwrap_err();
            assert!(e.to_string().contains("ERRMON_LOG_LEVEL"), "{e}");
        }
    }
}
