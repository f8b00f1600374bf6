//! What the error path of generated code hands over: the error value by the strongest trait
//! its type implements, its severity and the function's fields (error tracking describes
//! it). Public only through `__private`.

use std::error::Error;
use std::fmt::{self, Debug, Display};

use super::Severity;

/// The error value handed over on the error path, by the strongest trait its type implements:
/// `Error` (with its `source()` chain), `Display`, `Debug`, or nothing at all.
#[derive(Clone, Copy)]
pub enum ErrorRef<'a> {
    /// An error with a source chain.
    Error(&'a (dyn Error + 'a)),
    /// A value with a message but no chain.
    Display(&'a (dyn Display + 'a)),
    /// A value with only a `Debug` form.
    Debug(&'a (dyn Debug + 'a)),
    /// A value errmon cannot print; the report carries its type and kind only.
    Opaque,
}

impl Debug for ErrorRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            ErrorRef::Error(_) => "Error",
            ErrorRef::Display(_) => "Display",
            ErrorRef::Debug(_) => "Debug",
            ErrorRef::Opaque => "Opaque",
        };
        f.debug_tuple("ErrorRef").field(&what).finish()
    }
}

/// What `finish_err` gets besides the labels: the error value, the severity, and the
/// function's `fields(..)`.
pub struct Failure<'a> {
    /// The error, as `__private::Describe` found it.
    pub error: ErrorRef<'a>,
    /// The severity of the function (or of the error's variant).
    pub severity: Severity,
    /// `fields(name = expr, ..)` of the function: evaluated at entry, formatted only here.
    pub fields: &'a [(&'static str, &'a dyn Display)],
}

impl Failure<'_> {
    /// An error whose value is not at hand (`Call::finish` with an error outcome).
    pub const OPAQUE: Failure<'static> = Failure {
        error: ErrorRef::Opaque,
        severity: Severity::Error,
        fields: &[],
    };
}

impl Debug for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("error", &self.error)
            .field("severity", &self.severity)
            .field(
                "fields",
                &self.fields.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}
