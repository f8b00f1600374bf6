//! How bad an error is: counted by each site as it is returned, so the write side owns it;
//! error tracking re-exports it as `errors::Severity`.

use std::fmt::{self, Display};

/// How bad an error is; a bounded set, so it can be a label. Returned errors are
/// [`Severity::Error`] unless the function says otherwise; panics are [`Severity::Critical`].
///
/// ```
/// use errmon_runtime::errors::Severity;
///
/// assert_eq!(Severity::from_name("warning"), Some(Severity::Warning));
/// assert_eq!(Severity::default().as_str(), "error");
/// assert!(Severity::Critical > Severity::Error);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing, not a failure of the service (an expected, handled error).
    Info = 0,
    /// A failure the caller recovers from (a retried dependency, a fallback taken).
    Warning = 1,
    /// A failed operation: the default.
    #[default]
    Error = 2,
    /// The process or a request is in trouble: panics, data loss.
    Critical = 3,
}

impl Severity {
    /// Every severity, from the least to the most severe.
    pub const ALL: [Severity; 4] = [Self::Info, Self::Warning, Self::Error, Self::Critical];

    /// The name used in JSON and in `#[monitored(severity = "...")]`: the one
    /// `errmon_rules::severity::NAMES` gives it, the list the macros check names against.
    pub const fn as_str(self) -> &'static str {
        errmon_rules::severity::NAMES[self as usize]
    }

    /// The severity called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Severity> {
        errmon_rules::severity::position(name).map(|i| Self::ALL[i])
    }
}

// One name per severity, in the order of `ALL`, which is the order of the discriminants.
const _: () = assert!(Severity::ALL.len() == errmon_rules::severity::NAMES.len());

impl Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
