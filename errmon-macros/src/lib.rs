//! Attribute macros of errmon. Depend on `errmon-runtime`, which re-exports them; the code they
//! generate calls into it.
//!
//! - `#[count_calls]` counts calls.
//! - `#[timed]` records a duration histogram.
//! - `#[monitored]` records calls by outcome, errors by type and kind, durations and calls in
//!   flight.
//! - `#[derive(ErrorKind)]` gives an error enum a bounded `error_kind` label.
//!
//! Each attribute goes on a function (sync or async, free or method) or on an `impl` block,
//! where it instruments every method. See the `errmon-runtime` documentation for examples.

mod args;
mod count_calls;
mod diag;
mod duration;
mod error_kind;
mod expand;
mod item;
mod monitored;
mod names;
mod retry;
mod timed;

use args::Macro;
use proc_macro::TokenStream;

/// Counts calls of a function, or of every method of an `impl` block, as
/// `errmon_calls_total{function, module}`.
///
/// Arguments: `name = "..."` (the `function` label), `labels(key = "value", ...)` (static extra
/// labels), and on a method inside an annotated `impl` block, `skip`.
///
/// ```ignore
/// #[errmon_runtime::count_calls]
/// fn ping() {}
/// ```
#[proc_macro_attribute]
pub fn count_calls(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::CountCalls, args.into(), item.into()).into()
}

/// Records the duration of each call as the histogram `errmon_call_duration_seconds`.
///
/// Arguments as for `#[count_calls]`.
///
/// ```ignore
/// #[errmon_runtime::timed(labels(tier = "gold"))]
/// fn render(page: &str) -> String { page.to_uppercase() }
/// ```
#[proc_macro_attribute]
pub fn timed(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::Timed, args.into(), item.into()).into()
}

/// Records calls by outcome (`ok`, `error`, `panic`, `cancelled`), errors by type and kind,
/// durations and calls in flight.
///
/// Arguments as for `#[count_calls]`, plus `ok_if = path` or `error_if = path`: a function
/// `fn(&Ret) -> bool` that classifies a return value that is not a `Result`.
///
/// ```ignore
/// #[errmon_runtime::monitored(error_if = Option::is_none)]
/// fn find(id: u64) -> Option<String> { None }
/// ```
#[proc_macro_attribute]
pub fn monitored(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::Monitored, args.into(), item.into()).into()
}

/// Runs the body of a function returning `Result` again on `Err`, with backoff, jitter and
/// limits on attempts and elapsed time, and counts attempts, retries and exhausted retries.
///
/// Arguments (all optional): `attempts = 3` (the first try included), `backoff =
/// constant(delay = "100ms")`, `linear(initial = "100ms", step = "100ms", max = "5s")` or
/// `exponential(initial = "100ms", factor = 2.0, max = "5s")`, `jitter = none | full | equal |
/// decorrelated`, `max_elapsed = "30s"`, `when = path` (a `fn(&E) -> bool`; only errors it
/// accepts are retried), `sleep = path` (the async sleep of an `async fn`), `name = "..."`.
///
/// ```ignore
/// #[errmon_runtime::retry(attempts = 5, backoff = exponential(initial = "50ms", max = "2s"), when = is_transient)]
/// fn fetch(url: &str) -> Result<String, FetchError> { todo_fetch(url) }
/// ```
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::Retry, args.into(), item.into()).into()
}

/// Implements `errmon_runtime::ErrorKind` for an enum: each variant's kind is its name in
/// `snake_case`, or the string given by `#[error_kind("...")]` on the variant.
///
/// ```ignore
/// #[derive(errmon_runtime::ErrorKind)]
/// enum DbError { NotFound, #[error_kind("timeout")] TimedOut }
/// ```
#[proc_macro_derive(ErrorKind, attributes(error_kind))]
pub fn derive_error_kind(input: TokenStream) -> TokenStream {
    error_kind::derive(input.into()).into()
}
