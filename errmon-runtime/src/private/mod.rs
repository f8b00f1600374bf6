//! What the attribute macros expand to: the whole ABI between `errmon-macros` and the runtime,
//! re-exported as `errmon_runtime::__private`. Not a public API: it changes without notice,
//! in step with the macros (they depend on this exact version).
//!
//! - a site: `static SITE: Site = Site::new(Meta { .. })`, linked in with
//!   `inventory::submit!(Registration(&SITE))`;
//! - `#[count_calls]`: `SITE.count()`; `#[timed]`: `let _t = SITE.time();`;
//! - `#[monitored]`: `let call = SITE.enter();` (or `enter_async` and `call.body(fut).await`),
//!   then `call.finish(outcome)` with the outcome of [`Classify`] or [`predicate_outcome`],
//!   or on the error path `call.finish_err(type_name, kind, Failure { .. })` with the error
//!   value from [`Describe`] (the cold error entry: see `report.rs` for the expansion), or
//!   [`DescribeValue`] for `ok_if`/`error_if`, and `fields(..)` through [`FieldValue`];
//! - `monitor!("name", { .. })`: the same as `#[monitored]`, inline, with `?` spelled through
//!   [`Branch`] and [`FromResidual`] so that it records the error before leaving;
//! - `#[retry]`: `Policy::retry().observe(&SITE)`, [`RetryClone`], [`DefaultTimer`], and
//!   [`ShowError`] to log an error with `Display` when it has one;
//! - `#[derive(ErrorKind)]`: [`TransparentKind`] for `#[error_kind(transparent)]` variants;
//! - `?` in `#[track_caller]` bodies: [`Branch`] and [`FromResidual`].

mod branch;
mod classify;
mod report;
mod retry;

pub use branch::{Branch, FromResidual};
pub use classify::{Classify, TransparentKind, ViaAny, ViaErrorKind, ViaResult, predicate_outcome};
pub use inventory;
pub use report::{
    Describe, DescribeAny, DescribeBoxedError, DescribeDebug, DescribeDisplay, DescribeError,
    DescribeSharedError, DescribeValue, DescribeValueAny, DescribeValueDebug, ErrorRef, Failure,
    FieldValue, Severity, SeverityOf, SeverityOfAny, SeverityOfKind,
};
pub use retry::{DefaultAsyncTimer, DefaultTimer, RetryClone};

pub use crate::record::{Body, Call, Meta, Outcome, Site, Timer};
pub use crate::registry::{Kind, Registration};
pub use crate::retry::show::{ShowError, ViaDebug, ViaDisplay, ViaTypeName};

/// The error kind of errors whose type does not implement [`crate::ErrorKind`].
pub const UNKNOWN_KIND: &str = "unknown";

/// Runs the wrapped body. Taking `FnOnce` makes the compiler infer the closure as `FnOnce`,
/// so a body may return borrows of its by-value captures (`&mut` arguments).
#[inline(always)]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}
