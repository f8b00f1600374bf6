//! How a retry log line writes the error: with `Display` when its type has it (the message a
//! user reads, `service unavailable`), else with `Debug` (`Unavailable`).
//!
//! Code `#[retry]` generates picks the way per error type by autoref specialisation, as
//! `__private::Classify` does for outcomes; by hand, [`super::Attempts::settle`] writes
//! `Debug`, and [`super::Attempts::settle_showing`] takes the way to write it.

use core::fmt;
use core::marker::PhantomData;

/// Writes an error into a log line.
pub type Show<E> = fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result;

/// An error as [`Show`] writes it.
pub(crate) struct Shown<'a, E>(pub(crate) &'a E, pub(crate) Show<E>);

impl<E> fmt::Display for Shown<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.1)(self.0, f)
    }
}

pub(crate) fn display<E: fmt::Display>(e: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Display::fmt(e, f)
}

pub(crate) fn debug<E: fmt::Debug>(e: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Debug::fmt(e, f)
}

fn type_name<E>(_: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(core::any::type_name::<E>())
}

/// The error type of a result, for the generated code's choice:
/// `(&&&ShowError::of(&result)).__errmon_show()` resolves to the first of [`ViaDisplay`],
/// [`ViaDebug`] and [`ViaTypeName`] that applies.
pub struct ShowError<E>(PhantomData<fn(&E)>);

impl<E> fmt::Debug for ShowError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShowError<{}>", core::any::type_name::<E>())
    }
}

impl<E> ShowError<E> {
    /// The choice for `result`'s error type.
    #[inline]
    pub fn of<T>(_result: &Result<T, E>) -> Self {
        ShowError(PhantomData)
    }
}

/// Errors with `Display`: their message.
pub trait ViaDisplay<E> {
    /// The way to write the error.
    fn __errmon_show(&self) -> Show<E>;
}

impl<E: fmt::Display> ViaDisplay<E> for &&ShowError<E> {
    #[inline]
    fn __errmon_show(&self) -> Show<E> {
        display::<E>
    }
}

/// Errors with only `Debug`.
pub trait ViaDebug<E> {
    /// The way to write the error.
    fn __errmon_show(&self) -> Show<E>;
}

impl<E: fmt::Debug> ViaDebug<E> for &ShowError<E> {
    #[inline]
    fn __errmon_show(&self) -> Show<E> {
        debug::<E>
    }
}

/// Errors with neither: their type's name.
pub trait ViaTypeName<E> {
    /// The way to write the error.
    fn __errmon_show(&self) -> Show<E>;
}

impl<E> ViaTypeName<E> for ShowError<E> {
    #[inline]
    fn __errmon_show(&self) -> Show<E> {
        type_name::<E>
    }
}
