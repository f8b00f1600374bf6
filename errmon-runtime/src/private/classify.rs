//! Classifying a returned value as success or failure, by its type or by a predicate.

use super::UNKNOWN_KIND;
use crate::record::Outcome;

/// Classifies a returned value by its type, through autoref specialisation: the generated
/// code calls `(&&&Classify(&value)).__errmon_outcome()`, and method resolution picks the
/// most specific of the three traits below that applies.
#[derive(Debug)]
pub struct Classify<'a, R>(pub &'a R);

/// `Result<T, E>` where `E: ErrorKind`: the kind comes from the error.
pub trait ViaErrorKind {
    /// The outcome of the classified value.
    fn __errmon_outcome(&self) -> Outcome;
}

impl<T, E: crate::ErrorKind> ViaErrorKind for &&Classify<'_, Result<T, E>> {
    #[inline]
    fn __errmon_outcome(&self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::Error {
                type_name: core::any::type_name::<E>(),
                kind: e.error_kind(),
            },
        }
    }
}

/// Any other `Result<T, E>`.
pub trait ViaResult {
    /// The outcome of the classified value.
    fn __errmon_outcome(&self) -> Outcome;
}

impl<T, E> ViaResult for &Classify<'_, Result<T, E>> {
    #[inline]
    fn __errmon_outcome(&self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::Error {
                type_name: core::any::type_name::<E>(),
                kind: UNKNOWN_KIND,
            },
        }
    }
}

/// Everything else succeeds, unless `ok_if` or `error_if` says otherwise.
pub trait ViaAny {
    /// The outcome of the classified value.
    fn __errmon_outcome(&self) -> Outcome;
}

impl<R> ViaAny for Classify<'_, R> {
    #[inline]
    fn __errmon_outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

/// The outcome of `ok_if`/`error_if`: an error is labelled with the returned type's name and
/// the predicate's name as its kind.
#[inline]
pub fn predicate_outcome<R>(_value: &R, is_error: bool, kind: &'static str) -> Outcome {
    if is_error {
        Outcome::Error {
            type_name: core::any::type_name::<R>(),
            kind,
        }
    } else {
        Outcome::Ok
    }
}

/// The kind of a `#[error_kind(transparent)]` variant: that of the error it wraps. A trait
/// of its own so that a wrapped type without `ErrorKind` is reported in these words.
#[diagnostic::on_unimplemented(
    message = "#[error_kind(transparent)] gives this variant the kind of the error it wraps, but `{Self}` does not implement `ErrorKind`",
    label = "wrapped here",
    note = "derive or implement `errmon_runtime::ErrorKind` for `{Self}`, or name this variant's kind with #[error_kind(\"...\")]"
)]
pub trait TransparentKind {
    /// The wrapped error's kind.
    fn transparent_kind(&self) -> &'static str;
}

// Not recommended, so rustc reports the message above instead of listing `ErrorKind`'s impls.
#[diagnostic::do_not_recommend]
impl<E: crate::ErrorKind + ?Sized> TransparentKind for E {
    #[inline]
    fn transparent_kind(&self) -> &'static str {
        self.error_kind()
    }
}
