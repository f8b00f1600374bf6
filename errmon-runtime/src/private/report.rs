//! The cold error entry: how generated code hands the error value over, on the error path
//! only.
//!
//! `#[monitored]` on `fn load(id: u64) -> Result<User, DbError>` expands, around the body, to:
//!
//! ```text
//! let call = SITE.enter();
//! let out: Result<User, DbError> = { body };
//! match (&&&Classify(&out)).__errmon_outcome() {
//!     Outcome::Ok => call.finish(Outcome::Ok),
//!     Outcome::Error { type_name, kind } => call.finish_err(type_name, kind, Failure {
//!         error: (&&&&&&Describe(&out)).__errmon_error(),
//!         // The error's own severity (`ErrorKind::error_severity`), else the function's:
//!         // `Severity::Error`, or the `severity = "..."` given.
//!         severity: (&&SeverityOf(&out)).__errmon_severity().unwrap_or(Severity::Error),
//!         fields: &[],                      // or `&[("order_id", &order.id)]` from `fields(..)`
//!     }),
//!     outcome => call.finish(outcome),
//! }
//! out
//! ```
//!
//! with `DescribeError`, `DescribeSharedError`, `DescribeBoxedError`, `DescribeDisplay`,
//! `DescribeDebug`, `DescribeAny`, `SeverityOfKind`
//! and `SeverityOfAny` imported `as _` next to the `Via*` traits, under
//! `#[allow(unused_imports)]`.
//!
//! (`ok_if`/`error_if` produce the outcome with `predicate_outcome` and describe the value the
//! same way.) The success path is what it was: `finish(Outcome::Ok)`. On the error path the
//! generic code only picks, by autoref specialisation, which `&dyn` to hand over: `&dyn Error`
//! (message and `source()` chain) when the error type is an `Error`, else `&dyn Display`, else
//! `&dyn Debug`, else nothing; everything after that is one non-generic cold function.

use std::error::Error;
use std::fmt::{Debug, Display};

pub use crate::errors::Severity;
pub use crate::record::{ErrorRef, Failure};

/// Finds the strongest view of an error value: the generated code calls
/// `(&&&&&&Describe(&out)).__errmon_error()` on a `Result`.
#[derive(Debug)]
pub struct Describe<'a, R>(pub &'a R);

/// `Err(e)` where `E: Error`: message and source chain.
pub trait DescribeError {
    /// The error value of the described result.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<T, E: Error> DescribeError for &&&&&Describe<'_, Result<T, E>> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        match self.0 {
            Err(e) => ErrorRef::Error(e),
            Ok(_) => ErrorRef::Opaque,
        }
    }
}

/// `Err(e)` where `E` is not an `Error` but hands one out: `Box<dyn Error + Send + Sync>`,
/// `anyhow::Error`. Message and source chain of the error it holds.
pub trait DescribeSharedError {
    /// The error value of the described result.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<T, E: AsRef<dyn Error + Send + Sync + 'static>> DescribeSharedError
    for &&&&Describe<'_, Result<T, E>>
{
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        match self.0 {
            Err(e) => ErrorRef::Error(e.as_ref()),
            Ok(_) => ErrorRef::Opaque,
        }
    }
}

/// `Err(e)` where `E: AsRef<dyn Error>`: `Box<dyn Error>`.
pub trait DescribeBoxedError {
    /// The error value of the described result.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<T, E: AsRef<dyn Error + 'static>> DescribeBoxedError for &&&Describe<'_, Result<T, E>> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        match self.0 {
            Err(e) => ErrorRef::Error(e.as_ref()),
            Ok(_) => ErrorRef::Opaque,
        }
    }
}

/// `Err(e)` where `E: Display` only.
pub trait DescribeDisplay {
    /// The error value of the described result.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<T, E: Display> DescribeDisplay for &&Describe<'_, Result<T, E>> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        match self.0 {
            Err(e) => ErrorRef::Display(e),
            Ok(_) => ErrorRef::Opaque,
        }
    }
}

/// `Err(e)` where `E: Debug` only.
pub trait DescribeDebug {
    /// The error value of the described result.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<T, E: Debug> DescribeDebug for &Describe<'_, Result<T, E>> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        match self.0 {
            Err(e) => ErrorRef::Debug(e),
            Ok(_) => ErrorRef::Opaque,
        }
    }
}

/// Anything else: the report carries the type and the kind.
pub trait DescribeAny {
    /// The error value of the described value.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<R> DescribeAny for Describe<'_, R> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        ErrorRef::Opaque
    }
}

/// Finds the severity an error decides for itself: the generated code calls
/// `(&&SeverityOf(&out)).__errmon_severity()`.
#[derive(Debug)]
pub struct SeverityOf<'a, R>(pub &'a R);

/// `Err(e)` where `E: ErrorKind`: [`crate::ErrorKind::error_severity`].
pub trait SeverityOfKind {
    /// The error's own severity, if it has one.
    fn __errmon_severity(&self) -> Option<Severity>;
}

impl<T, E: crate::ErrorKind> SeverityOfKind for &SeverityOf<'_, Result<T, E>> {
    #[inline]
    fn __errmon_severity(&self) -> Option<Severity> {
        match self.0 {
            Err(e) => e.error_severity(),
            Ok(_) => None,
        }
    }
}

/// Anything else has no opinion.
pub trait SeverityOfAny {
    /// `None`.
    fn __errmon_severity(&self) -> Option<Severity>;
}

impl<R> SeverityOfAny for SeverityOf<'_, R> {
    #[inline]
    fn __errmon_severity(&self) -> Option<Severity> {
        None
    }
}

/// The view of a value `ok_if`/`error_if` classified as an error: the generated code calls
/// `(&&DescribeValue(&out)).__errmon_error()`, `Debug` when the type has it.
#[derive(Debug)]
pub struct DescribeValue<'a, R>(pub &'a R);

/// A value with `Debug`.
pub trait DescribeValueDebug {
    /// The described value.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<R: Debug> DescribeValueDebug for &DescribeValue<'_, R> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        ErrorRef::Debug(self.0)
    }
}

/// A value without `Debug`: the report carries the type and the kind.
pub trait DescribeValueAny {
    /// `ErrorRef::Opaque`.
    fn __errmon_error(&self) -> ErrorRef<'_>;
}

impl<R> DescribeValueAny for DescribeValue<'_, R> {
    #[inline]
    fn __errmon_error(&self) -> ErrorRef<'_> {
        ErrorRef::Opaque
    }
}

/// A value of `fields(name = expr)`: reports format it with `Display`. A trait of its own so
/// that a value without `Display` is reported in these words, on the field.
#[diagnostic::on_unimplemented(
    message = "a `fields(..)` value is recorded with `Display`, but `{Self}` does not implement `Display`",
    label = "this field's value must implement `Display`",
    note = "record a value that has `Display`, such as a number, a string or `format!(\"{{:?}}\", ..)`"
)]
pub trait FieldValue {
    /// The value, to format.
    fn __errmon_field(&self) -> &dyn Display;
}

#[diagnostic::do_not_recommend]
impl<T: Display> FieldValue for T {
    #[inline]
    fn __errmon_field(&self) -> &dyn Display {
        self
    }
}
