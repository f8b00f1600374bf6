//! `?` spelled with stable traits, for bodies that cannot run in a closure.

use core::convert::Infallible;
use core::ops::ControlFlow;
use core::task::Poll;

/// `?` for the body of a `#[track_caller]` function under `#[monitored]`. That body cannot
/// run in a closure (closures cannot be `#[track_caller]` on stable, so `Location::caller()`
/// would name the macro's closure), so it runs inline in a labeled block, and each `?` the
/// macro sees becomes the stable spelling of its desugaring:
///
/// ```text
/// match Branch::branch(expr) {
///     ControlFlow::Continue(v) => v,
///     ControlFlow::Break(r) => break 'body FromResidual::from_residual(r),
/// }
/// ```
///
/// Implemented for every type `?` accepts on stable; `From` converts errors as `?` does.
#[diagnostic::on_unimplemented(
    message = "the `?` operator can only be applied to values that implement `Try`",
    label = "the `?` operator cannot be applied to type `{Self}`"
)]
pub trait Branch {
    /// The value `expr?` evaluates to.
    type Output;
    /// What `expr?` returns early with, before conversion.
    type Residual;
    /// Whether to go on with a value or to return early.
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

/// The early return of [`Branch`], converted into the function's return type.
#[diagnostic::on_unimplemented(
    message = "the `?` operator cannot return `{R}` early from a function that returns `{Self}`",
    label = "this `?` cannot convert its early return into `{Self}`"
)]
pub trait FromResidual<R> {
    /// Converts an early return.
    fn from_residual(residual: R) -> Self;
}

impl<T, E> Branch for Result<T, E> {
    type Output = T;
    type Residual = Result<Infallible, E>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(v) => ControlFlow::Continue(v),
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }
}

impl<T, E, F: From<E>> FromResidual<Result<Infallible, E>> for Result<T, F> {
    #[inline]
    #[track_caller]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        let Err(e) = residual;
        Err(From::from(e))
    }
}

impl<T> Branch for Option<T> {
    type Output = T;
    type Residual = Option<Infallible>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(v) => ControlFlow::Continue(v),
            None => ControlFlow::Break(None),
        }
    }
}

impl<T> FromResidual<Option<Infallible>> for Option<T> {
    #[inline]
    fn from_residual(_: Option<Infallible>) -> Self {
        None
    }
}

impl<B, C> Branch for ControlFlow<B, C> {
    type Output = C;
    type Residual = ControlFlow<B, Infallible>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, C> {
        match self {
            ControlFlow::Continue(c) => ControlFlow::Continue(c),
            ControlFlow::Break(b) => ControlFlow::Break(ControlFlow::Break(b)),
        }
    }
}

impl<B, C> FromResidual<ControlFlow<B, Infallible>> for ControlFlow<B, C> {
    #[inline]
    fn from_residual(residual: ControlFlow<B, Infallible>) -> Self {
        let ControlFlow::Break(b) = residual;
        ControlFlow::Break(b)
    }
}

impl<T, E> Branch for Poll<Result<T, E>> {
    type Output = Poll<T>;
    type Residual = Result<Infallible, E>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, Poll<T>> {
        match self {
            Poll::Ready(Ok(v)) => ControlFlow::Continue(Poll::Ready(v)),
            Poll::Ready(Err(e)) => ControlFlow::Break(Err(e)),
            Poll::Pending => ControlFlow::Continue(Poll::Pending),
        }
    }
}

impl<T, E> Branch for Poll<Option<Result<T, E>>> {
    type Output = Poll<Option<T>>;
    type Residual = Result<Infallible, E>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, Poll<Option<T>>> {
        match self {
            Poll::Ready(Some(Ok(v))) => ControlFlow::Continue(Poll::Ready(Some(v))),
            Poll::Ready(Some(Err(e))) => ControlFlow::Break(Err(e)),
            Poll::Ready(None) => ControlFlow::Continue(Poll::Ready(None)),
            Poll::Pending => ControlFlow::Continue(Poll::Pending),
        }
    }
}

impl<T, E, F: From<E>> FromResidual<Result<Infallible, E>> for Poll<Result<T, F>> {
    #[inline]
    #[track_caller]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        let Err(e) = residual;
        Poll::Ready(Err(From::from(e)))
    }
}

impl<T, E, F: From<E>> FromResidual<Result<Infallible, E>> for Poll<Option<Result<T, F>>> {
    #[inline]
    #[track_caller]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        let Err(e) = residual;
        Poll::Ready(Some(Err(From::from(e))))
    }
}
