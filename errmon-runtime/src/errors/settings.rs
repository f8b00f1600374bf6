//! [`ErrorSettings`]: how many reports and groups are kept, how fast reports may be stored,
//! backtraces, and the application's filter and scrub hooks.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::report::{Report, Severity};

/// Reports kept in the ring by default.
pub const DEFAULT_RING_SIZE: usize = 1_000;
/// Groups kept by default; errors of further groups fold into one `other` group.
pub const DEFAULT_MAX_GROUPS: usize = 1_000;
/// Reports one function may store in each second by default.
pub const DEFAULT_RATE_LIMIT: u32 = 100;
/// Reports the whole process may store per second by default before sampling starts.
pub const DEFAULT_SAMPLE_ABOVE: u32 = 1_000;

/// What the filter hook sees of an error before anything is formatted.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ReportHead<'a> {
    /// The function's `function` label.
    pub function: &'a str,
    /// The function's module.
    pub module: &'a str,
    /// The full type name of the error (`std::any::type_name`).
    pub type_name: &'a str,
    /// The bounded kind.
    pub error_kind: &'a str,
    /// The severity.
    pub severity: Severity,
    /// Whether it is a panic.
    pub panic: bool,
}

type Filter = Arc<dyn Fn(&ReportHead<'_>) -> bool + Send + Sync>;
type Scrub = Arc<dyn Fn(&mut Report) -> bool + Send + Sync>;

/// How error tracking behaves. Start from [`ErrorSettings::default`] or
/// [`ErrorSettings::from_env`], adjust with the builder methods, then apply with
/// [`configure`](crate::errors::configure) (or hand it to `Config::error_tracking` with the `exporter`
/// feature, which applies it when installing).
///
/// Counting is never affected: totals, counts by function, type, kind and severity, and the
/// rates are exact whatever these settings drop. They decide which errors get a stored
/// [`Report`], and with it a group.
///
/// ```
/// use errmon_runtime::errors::{self, ErrorSettings};
///
/// let settings = ErrorSettings::default()
///     .ring_size(500)
///     .max_groups(200)
///     .rate_limit(20)
///     // Health checks fail all the time: count them, keep no report.
///     .filter(|head| head.function != "health_check")
///     // No e-mail addresses in stored messages.
///     .scrub(|report| {
///         if report.message.contains('@') {
///             report.message = "<redacted>".into();
///         }
///         true
///     });
/// errors::configure(settings)?;
/// # Ok::<(), errmon_runtime::errors::SettingsError>(())
/// ```
#[derive(Clone)]
pub struct ErrorSettings {
    pub(crate) ring_size: usize,
    pub(crate) max_groups: usize,
    pub(crate) backtraces: bool,
    pub(crate) rate_limit: u32,
    pub(crate) sample_above: u32,
    pub(crate) panics_anywhere: bool,
    pub(crate) filter: Option<Filter>,
    pub(crate) scrub: Option<Scrub>,
    pub(crate) clock: fn() -> SystemTime,
}

impl fmt::Debug for ErrorSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorSettings")
            .field("ring_size", &self.ring_size)
            .field("max_groups", &self.max_groups)
            .field("backtraces", &self.backtraces)
            .field("rate_limit", &self.rate_limit)
            .field("sample_above", &self.sample_above)
            .field("panics_anywhere", &self.panics_anywhere)
            .field("filter", &self.filter.is_some())
            .field("scrub", &self.scrub.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for ErrorSettings {
    fn default() -> Self {
        ErrorSettings {
            ring_size: DEFAULT_RING_SIZE,
            max_groups: DEFAULT_MAX_GROUPS,
            backtraces: false,
            rate_limit: DEFAULT_RATE_LIMIT,
            sample_above: DEFAULT_SAMPLE_ABOVE,
            panics_anywhere: false,
            filter: None,
            scrub: None,
            clock: SystemTime::now,
        }
    }
}

/// An error-tracking setting that cannot be used; the message names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError(pub(crate) String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The message says everything; there is no underlying cause.
impl std::error::Error for SettingsError {}

const MAX_RING_SIZE: usize = 1_000_000;
const MAX_MAX_GROUPS: usize = 100_000;

impl ErrorSettings {
    /// The defaults, with `ERRMON_BACKTRACE` (`1`/`true` to capture backtraces, `0`/`false`
    /// not to) read from the environment, as `RUST_BACKTRACE` is for panics.
    ///
    /// ```
    /// let settings = errmon_runtime::errors::ErrorSettings::from_env()?;
    /// # Ok::<(), errmon_runtime::errors::SettingsError>(())
    /// ```
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::default().apply_env(|k| std::env::var(k).ok())
    }

    pub(crate) fn apply_env(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        if let Some(v) = var("ERRMON_BACKTRACE") {
            self.backtraces = match v.trim() {
                "1" | "true" | "full" => true,
                "0" | "false" => false,
                other => {
                    return Err(SettingsError(format!(
                        "ERRMON_BACKTRACE: `{other}` is neither `1` nor `0`"
                    )));
                }
            };
        }
        Ok(self)
    }

    /// Reports kept, newest last; the oldest is dropped for a new one (default 1,000).
    #[must_use = "a builder method returns the changed settings"]
    pub fn ring_size(mut self, reports: usize) -> Self {
        self.ring_size = reports;
        self
    }

    /// Groups kept (default 1,000); errors of groups past the cap fold into one `other` group,
    /// and the folds are counted.
    #[must_use = "a builder method returns the changed settings"]
    pub fn max_groups(mut self, groups: usize) -> Self {
        self.max_groups = groups;
        self
    }

    /// Whether reports carry a backtrace (default off, or `ERRMON_BACKTRACE`). Captured only
    /// for errors whose report is stored, never on the success path, and costing tens of
    /// microseconds each when on.
    #[must_use = "a builder method returns the changed settings"]
    pub fn backtraces(mut self, on: bool) -> Self {
        self.backtraces = on;
        self
    }

    /// Reports one function may store in each second of the clock (default 100); `0` for no
    /// limit. Errors past it are counted, not formatted (drop reason `rate_limited`), and take
    /// no lock.
    #[must_use = "a builder method returns the changed settings"]
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = per_second;
        self
    }

    /// Reports the whole process may store in each second of the clock (default 1,000); `0`
    /// for no limit. Under a flood past it, errors are counted and not formatted (drop reason
    /// `sampled`), and take no lock.
    #[must_use = "a builder method returns the changed settings"]
    pub fn sample_above(mut self, per_second: u32) -> Self {
        self.sample_above = per_second;
        self
    }

    /// Whether panics outside instrumented functions become reports too (default off: only
    /// panics that unwind through a `#[monitored]` function do). Needs the panic hook; see
    /// [`install_panic_hook`](crate::errors::install_panic_hook).
    #[must_use = "a builder method returns the changed settings"]
    pub fn panics_anywhere(mut self, on: bool) -> Self {
        self.panics_anywhere = on;
        self
    }

    /// Decides, before anything is formatted, whether an error gets a report; `false` drops
    /// it (drop reason `filtered`). Runs on the thread that returned the error; a filter that
    /// panics drops the report.
    #[must_use = "a builder method returns the changed settings"]
    pub fn filter(
        mut self,
        keep: impl Fn(&ReportHead<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.filter = Some(Arc::new(keep));
        self
    }

    /// Sees every report before it is grouped and stored, and may change it (redact a message,
    /// remove a field); `false` drops it (drop reason `scrubbed`). The group is computed from
    /// the scrubbed message. A hook that panics drops the report.
    #[must_use = "a builder method returns the changed settings"]
    pub fn scrub(mut self, hook: impl Fn(&mut Report) -> bool + Send + Sync + 'static) -> Self {
        self.scrub = Some(Arc::new(hook));
        self
    }

    /// The wall clock reports, groups and rates read (default [`SystemTime::now`]); for tests.
    #[must_use = "a builder method returns the changed settings"]
    pub fn clock(mut self, now: fn() -> SystemTime) -> Self {
        self.clock = now;
        self
    }

    /// Checks the values; [`configure`](crate::errors::configure) calls it.
    ///
    /// ```
    /// let err = errmon_runtime::errors::ErrorSettings::default().ring_size(0).validate().unwrap_err();
    /// assert!(err.to_string().contains("ring_size"));
    /// ```
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(1..=MAX_RING_SIZE).contains(&self.ring_size) {
            return Err(SettingsError(format!(
                "error ring_size {} is out of range: keep 1 to {MAX_RING_SIZE} reports",
                self.ring_size
            )));
        }
        if !(1..=MAX_MAX_GROUPS).contains(&self.max_groups) {
            return Err(SettingsError(format!(
                "error max_groups {} is out of range: keep 1 to {MAX_MAX_GROUPS} groups",
                self.max_groups
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_named() {
        let e = ErrorSettings::default()
            .max_groups(0)
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("max_groups 0"), "{e}");
        let e = ErrorSettings::default()
            .apply_env(|k| (k == "ERRMON_BACKTRACE").then(|| "maybe".to_owned()))
            .unwrap_err();
        assert!(e.to_string().contains("`maybe`"), "{e}");
        let s = ErrorSettings::default()
            .apply_env(|k| (k == "ERRMON_BACKTRACE").then(|| "1".to_owned()))
            .unwrap();
        assert!(s.backtraces);
    }
}
