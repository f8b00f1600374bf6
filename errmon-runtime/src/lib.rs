//! Error monitoring in one line per function.
//!
//! Annotate functions, call [`install`] at start-up, and point Prometheus at the endpoint:
//!
//! ```no_run
//! use errmon_runtime::{count_calls, monitored, timed};
//!
//! #[derive(Debug, errmon_runtime::ErrorKind)]
//! enum DbError {
//!     NotFound,
//!     Timeout,
//! }
//!
//! #[monitored]
//! fn load_user(id: u64) -> Result<String, DbError> {
//!     if id == 0 { Err(DbError::NotFound) } else { Ok(format!("user {id}")) }
//! }
//!
//! #[timed]
//! fn render(page: &str) -> String {
//!     page.to_uppercase()
//! }
//!
//! #[count_calls]
//! fn ping() {}
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let guard = errmon_runtime::install()?;
//!     println!("scrape {}", guard.metrics_url());
//!     let _ = load_user(7);
//!     render("home");
//!     ping();
//!     Ok(())
//! }
//! ```
//!
//! See the README for every metric, label and option.

#![warn(missing_docs)]
// Temporary, until the record/, private/ and retry/ moves land: their types (Site, Registration,
// ErrorSeries, Call, Timer, Classify, DefaultTimer, two retry types) have no Debug yet. Remove
// at merge.
#![allow(missing_debug_implementations)]

// Without the exporter, nothing converts configured bounds to the grid.
#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
mod buckets;
#[cfg(feature = "exporter")]
mod config;
#[cfg(feature = "server")]
mod endpoint;
mod errors;
#[cfg(feature = "exporter")]
pub mod export;
#[cfg(feature = "exporter")]
mod install;
mod registry;
pub mod retry;
#[cfg(feature = "server")]
mod server;
mod site;

pub use errmon_macros::{ErrorKind, count_calls, monitored, retry, timed};

#[cfg(feature = "exporter")]
pub use config::{
    Config, ConfigError, DEFAULT_FACADE_BUCKETS, DEFAULT_LISTEN, MetricMatch, Settings,
};
#[cfg(feature = "exporter")]
pub use install::InstallError;
#[cfg(feature = "server")]
pub use install::InstallGuard;

/// Starts the embedded default: a Prometheus endpoint on `127.0.0.1:9611` (or `ERRMON_LISTEN`)
/// serving errmon's metrics and whatever the application records through the `metrics` facade.
/// Equivalent to `Config::from_env()?.install()`.
///
/// Calls made before `install` are kept and served. A second `install` while the first guard is
/// alive, a port in use or a bad address is an `Err`, never a panic.
///
/// ```no_run
/// let guard = errmon_runtime::install()?;
/// println!("scrape {}", guard.metrics_url());
/// # Ok::<(), errmon_runtime::InstallError>(())
/// ```
#[cfg(feature = "server")]
pub fn install() -> Result<InstallGuard, InstallError> {
    Config::from_env()?.install()
}

/// A bounded, stable name for each kind of error, used as the `error_kind` label.
///
/// Derive it on an error enum to label each error with its variant name in `snake_case`
/// (`#[error_kind("...")]` on a variant overrides it), or implement it by hand. Errors whose
/// type does not implement it are labelled `error_kind="unknown"`; their messages never become
/// labels.
///
/// ```
/// #[derive(Debug, errmon_runtime::ErrorKind)]
/// enum FetchError {
///     TimedOut,
///     #[error_kind("http_5xx")]
///     ServerError(u16),
/// }
///
/// use errmon_runtime::ErrorKind as _;
/// assert_eq!(FetchError::TimedOut.error_kind(), "timed_out");
/// assert_eq!(FetchError::ServerError(503).error_kind(), "http_5xx");
/// ```
pub trait ErrorKind {
    /// The kind of this error: a `&'static str` from a fixed set, never a message.
    fn error_kind(&self) -> &'static str;
}

impl<E: ErrorKind + ?Sized> ErrorKind for &E {
    fn error_kind(&self) -> &'static str {
        (**self).error_kind()
    }
}

impl<E: ErrorKind + ?Sized> ErrorKind for Box<E> {
    fn error_kind(&self) -> &'static str {
        (**self).error_kind()
    }
}

/// Introspection of the sites errmon knows, for custom exporters and tests.
pub mod sites {
    pub use crate::registry::{ErrorSeries, errors, sites as all};
    pub use crate::site::{Kind, Meta, OutcomeLabel, Site, Snapshot};
}

/// What the attribute macros expand to. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::Registration;
    pub use crate::site::{Call, Kind, Meta, Outcome, Site, Timer};
    pub use inventory;

    /// The error kind of errors whose type does not implement [`crate::ErrorKind`].
    pub const UNKNOWN_KIND: &str = "unknown";

    /// Runs the wrapped body. Taking `FnOnce` makes the compiler infer the closure as `FnOnce`,
    /// so a body may return borrows of its by-value captures (`&mut` arguments).
    #[inline(always)]
    pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// Classifies a returned value by its type, through autoref specialisation: the generated
    /// code calls `(&&&Classify(&value)).__errmon_outcome()`, and method resolution picks the
    /// most specific of the three traits below that applies.
    pub struct Classify<'a, R>(pub &'a R);

    /// `Result<T, E>` where `E: ErrorKind`: the kind comes from the error.
    pub trait ViaErrorKind {
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
        fn __errmon_outcome(&self) -> Outcome;
    }

    impl<R> ViaAny for Classify<'_, R> {
        #[inline]
        fn __errmon_outcome(&self) -> Outcome {
            Outcome::Ok
        }
    }

    /// Per-attempt copies of by-value arguments of `#[retry]` functions.
    #[diagnostic::on_unimplemented(
        message = "#[retry] runs the body once per attempt, so each attempt needs its own copy of this argument, but `{Self}` is not `Clone`",
        label = "moved into every attempt",
        note = "take the argument by reference, or implement `Clone` for `{Self}`"
    )]
    pub trait RetryClone {
        fn retry_clone(&self) -> Self;
    }

    impl<T: Clone> RetryClone for T {
        #[inline]
        fn retry_clone(&self) -> Self {
            self.clone()
        }
    }

    /// Where an `async fn` under `#[retry]` without `sleep = path` gets its timer.
    pub struct DefaultTimer;

    #[diagnostic::on_unimplemented(
        message = "#[retry] on an `async fn` needs a way to sleep between attempts",
        label = "no async timer available",
        note = "enable the `tokio` feature of errmon-runtime (on by default), or write `sleep = path::to::sleep` with any `fn(Duration) -> impl Future<Output = ()>`"
    )]
    pub trait DefaultAsyncTimer {
        type Timer: crate::retry::AsyncTimer;
        fn timer(policy: &crate::retry::Policy) -> Self::Timer;
    }

    #[cfg(feature = "tokio")]
    impl DefaultAsyncTimer for DefaultTimer {
        type Timer = crate::retry::SleepFn<fn(std::time::Duration) -> tokio::time::Sleep>;
        #[inline]
        fn timer(policy: &crate::retry::Policy) -> Self::Timer {
            crate::retry::SleepFn::for_policy(tokio::time::sleep, policy)
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
        fn branch(self) -> core::ops::ControlFlow<Self::Residual, Self::Output>;
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

    use core::convert::Infallible;
    use core::ops::ControlFlow;
    use core::task::Poll;

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
}
