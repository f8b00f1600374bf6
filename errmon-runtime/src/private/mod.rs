//! What the attribute macros expand to: the whole ABI between `errmon-macros` and the runtime,
//! re-exported as `errmon_runtime::__private`. Not a public API: it changes without notice,
//! in step with the macros (they depend on this exact version).
//!
//! - a site: `static SITE: Site = Site::new(Meta { .. })`, linked in at start-up with
//!   `register_site!(&SITE)` (a [`Link`] and its constructor: see `register.rs`);
//! - `#[count_calls]`: `SITE.count()`; `#[timed]`: `let _t = SITE.time();`;
//! - `#[monitored]`: `let call = SITE.enter();` (or `enter_async` and `call.body(fut).await`),
//!   then `call.finish(outcome)` with the outcome of [`Classify`] or [`predicate_outcome`],
//!   or on the error path `call.finish_err(type_name, kind, Failure { .. })` with the error
//!   value from [`Describe`] (the cold error entry: see `report.rs` for the expansion), or
//!   [`DescribeValue`] for `ok_if`/`error_if`, and `fields(..)` through [`FieldValue`];
//! - a sync `#[monitored]` fn returning a future it cannot instrument inside:
//!   [`returned`]`(&SITE, future, |value| outcome)`;
//! - `monitor!("name", { .. })`: the same as `#[monitored]`, inline, with `?` spelled through
//!   [`Branch`] and [`FromResidual`] so that it records the error before leaving, and the
//!   block run under [`always`] so that what records it is never unreachable code;
//! - `#[retry]`: `Policy::retry().observe(&SITE)`, [`RetryClone`], [`DefaultTimer`],
//!   [`ShowError`] to log an error with `Display` when it has one, and [`KindOfError`] to
//!   report an exhausted retry's error with its `ErrorKind`;
//! - `#[derive(ErrorKind)]`: [`TransparentKind`] for `#[error_kind(transparent)]` variants;
//! - `?` in `#[track_caller]` bodies: [`Branch`] and [`FromResidual`].

mod branch;
mod classify;
mod future;
mod register;
mod report;
mod retry;

pub use branch::{Branch, FromResidual};
pub use classify::{Classify, TransparentKind, ViaAny, ViaErrorKind, ViaResult, predicate_outcome};
pub use future::{Returned, returned};
pub use inventory;
pub use register::register_site;
pub use report::{
    Describe, DescribeAny, DescribeBoxedError, DescribeDebug, DescribeDisplay, DescribeError,
    DescribeSharedError, DescribeValue, DescribeValueAny, DescribeValueDebug, ErrorRef, Failure,
    FieldValue, Severity, SeverityOf, SeverityOfAny, SeverityOfKind,
};
pub use retry::{DefaultAsyncTimer, DefaultTimer, RetryClone};

pub use crate::record::{Body, Call, Callsite as Site, Meta, Outcome, Timer};
pub use crate::registry::{Kind, Link, Registration};
pub use crate::retry::kind::{KindOf, KindOfError, ViaKind, ViaNoKind};
pub use crate::retry::show::{Show, ShowError, ViaDebug, ViaDisplay, ViaTypeName};

/// The traits that classify a `#[monitored]` call's value, for a glob import: unlike a list
/// of traits, of which only one applies, a glob of which one is used is not `unused_imports`,
/// so the expansion needs no `allow` (which a crate that forbids `warnings` refuses).
pub mod outcome_via {
    pub use super::classify::{ViaAny, ViaErrorKind, ViaResult};
}

/// The traits that describe an error and pick its severity on the error path, for a glob
/// import (see [`outcome_via`]).
pub mod describe_via {
    pub use super::report::{
        DescribeAny, DescribeBoxedError, DescribeDebug, DescribeDisplay, DescribeError,
        DescribeSharedError, DescribeValueAny, DescribeValueDebug, SeverityOfAny, SeverityOfKind,
    };
}

/// The traits that pick an error's severity, for a glob import (see [`outcome_via`]).
pub mod severity_via {
    pub use super::report::{SeverityOfAny, SeverityOfKind};
}

/// The traits that show a retried error, for a glob import (see [`outcome_via`]).
pub mod show_via {
    pub use crate::retry::show::{ViaDebug, ViaDisplay, ViaTypeName};
}

/// The traits that find the kind of an exhausted retry's error, for a glob import (see
/// [`outcome_via`]).
pub mod kind_via {
    pub use crate::retry::kind::{ViaKind, ViaNoKind};
}

/// `true`, as a call that rustc does not read: `monitor!` runs its block as
/// `if always() { block } else { never_called() }`, which diverges only when the block and the
/// other branch both do, so the statements recording the block after it are not unreachable
/// code even when the block always returns, breaks or panics (a crate may forbid
/// `unreachable_code`, and an `allow` would be refused there).
#[inline(always)]
pub fn always() -> bool {
    true
}

/// The value of a return edge that never runs (`if false { return never_called(); }`): typed
/// as any `T` rather than `!`, so that the edge gives a closure or `async` block its type
/// without being unreachable code, which a crate may forbid.
#[inline(always)]
pub fn never_called<T>() -> T {
    unreachable!("a fake return edge is never taken")
}

/// The error kind of errors whose type does not implement [`crate::ErrorKind`].
pub const UNKNOWN_KIND: &str = crate::errors::kind::UNKNOWN;

/// Runs the wrapped body. Taking `FnOnce` makes the compiler infer the closure as `FnOnce`,
/// so a body may return borrows of its by-value captures (`&mut` arguments).
#[inline(always)]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}
