//! The severities of error reports, by name: what `#[monitored(severity = "..")]` and
//! `#[error_severity("..")]` accept at compile time, and what `errmon_runtime::errors::Severity`
//! is called in JSON, logs and parsing at run time.

/// The severity names, from the least to the most severe; the `n`th names the `n`th variant of
/// `errmon_runtime::errors::Severity`, whose identifier is the name with a capital first letter
/// (`"warning"` names `Severity::Warning`).
pub const NAMES: [&str; 4] = ["info", "warning", "error", "critical"];

/// The position in [`NAMES`] of the severity called `name`, if there is one.
///
/// ```
/// assert_eq!(errmon_rules::severity::position("warning"), Some(1));
/// assert_eq!(errmon_rules::severity::position("warn"), None);
/// ```
pub fn position(name: &str) -> Option<usize> {
    NAMES.iter().position(|n| *n == name)
}
