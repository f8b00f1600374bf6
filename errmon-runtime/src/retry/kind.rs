//! The kind of an exhausted retry's error, for its report and its log line: what
//! [`ErrorKind::error_kind`] says when the error type implements it, `unknown` otherwise, as
//! `#[monitored]` labels errors.
//!
//! Code `#[retry]` generates picks the way per error type by autoref specialisation, as it
//! does for [`Show`](super::Show); by hand, [`super::Attempts::settle_showing`] reports
//! `unknown`, and [`super::Attempts::settle_described`] takes the way to find the kind.

use core::fmt;
use core::marker::PhantomData;

use crate::ErrorKind;
use crate::errors::kind::UNKNOWN as UNKNOWN_KIND;

/// Finds the kind of an error: the `error_kind` of an exhausted retry's report.
///
/// ```
/// use errmon_runtime::__private::KindOf;
///
/// let kind: KindOf<std::io::Error> = |e| errmon_runtime::ErrorKind::error_kind(e);
/// assert_eq!(kind(&std::io::Error::from(std::io::ErrorKind::TimedOut)), "timed_out");
/// ```
pub type KindOf<E> = fn(&E) -> &'static str;

/// `unknown`, whatever the error: the kind of errors whose type has none.
pub(crate) fn unknown<E>(_: &E) -> &'static str {
    UNKNOWN_KIND
}

fn of_kind<E: ErrorKind>(e: &E) -> &'static str {
    e.error_kind()
}

/// The error type of a result, for the generated code's choice:
/// `(&&KindOfError::of(&result)).__errmon_kind()` resolves to [`ViaKind`] when the type
/// implements [`ErrorKind`], else to [`ViaNoKind`].
///
/// ```
/// use errmon_runtime::__private::{KindOfError, kind_via::*};
///
/// let timed_out: Result<(), std::io::Error> = Err(std::io::ErrorKind::TimedOut.into());
/// let kind = (&&KindOfError::of(&timed_out)).__errmon_kind();
/// assert_eq!(kind(timed_out.as_ref().unwrap_err()), "timed_out");
///
/// let opaque: Result<(), String> = Err("no kind".to_owned());
/// let kind = (&&KindOfError::of(&opaque)).__errmon_kind();
/// assert_eq!(kind(opaque.as_ref().unwrap_err()), "unknown");
/// ```
pub struct KindOfError<E>(PhantomData<fn(&E)>);

impl<E> fmt::Debug for KindOfError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KindOfError<{}>", core::any::type_name::<E>())
    }
}

impl<E> KindOfError<E> {
    /// The choice for `result`'s error type.
    #[inline]
    pub fn of<T>(_result: &Result<T, E>) -> Self {
        KindOfError(PhantomData)
    }
}

/// Errors whose type implements [`ErrorKind`]: its kind.
pub trait ViaKind<E> {
    /// The way to find the kind.
    fn __errmon_kind(&self) -> KindOf<E>;
}

impl<E: ErrorKind> ViaKind<E> for &KindOfError<E> {
    #[inline]
    fn __errmon_kind(&self) -> KindOf<E> {
        of_kind::<E>
    }
}

/// Any other error: `unknown`.
pub trait ViaNoKind<E> {
    /// The way to find the kind.
    fn __errmon_kind(&self) -> KindOf<E>;
}

impl<E> ViaNoKind<E> for KindOfError<E> {
    #[inline]
    fn __errmon_kind(&self) -> KindOf<E> {
        unknown::<E>
    }
}
