//! Attribute macros of errmon. Depend on `errmon-runtime`, which re-exports them; the code they
//! generate calls into it.
//!
//! - `#[count_calls]` counts calls.
//! - `#[timed]` records a duration histogram.
//! - `#[monitored]` records calls by outcome, errors by type and kind, durations and calls in
//!   flight.
//! - `#[derive(ErrorKind)]` gives an error enum a bounded `error_kind` label, and its variants
//!   a severity.
//! - `monitor!("name", { .. })` records a block inside a function as `#[monitored]` records a
//!   function.
//!
//! - `#[retry(...)]` runs a function returning `Result` again on `Err`, with backoff and jitter.
//!
//! Each attribute goes on a function (sync or async, free or method) or on an `impl` block,
//! where it instruments every method, labelled `Type::method`. Attributes stack, and nest as
//! written: `#[monitored] #[retry] fn` records the final result of the retried call.
//!
//! The examples on each macro are compiled and run as doc tests of this crate, through
//! `errmon-runtime` (a dev-dependency), and render on the macro's page in errmon-runtime's
//! documentation, which re-exports them.
//!
//! The crate is laid out by concern: `item` dispatches on what an attribute annotates (a
//! function or an `impl` block) and stacks attributes, `args` and `retry::args` parse the
//! arguments, `expand` is the one rewriter every macro wraps bodies with, and `count_calls`,
//! `timed`, `monitored` and `retry` say only what each macro records, and `monitor` is the
//! function-like `monitor!`.

mod args;
mod count_calls;
mod diag;
mod duration;
mod error_kind;
mod expand;
mod item;
mod monitor;
mod monitored;
mod names;
mod retry;
mod timed;

use args::Macro;
use proc_macro::TokenStream;

/// Counts calls of a function, or of every method of an `impl` block, as
/// `errmon_calls_total{function, module}`. The body is untouched: one counter increment on
/// entry.
///
/// # Options
/// - `name = "..."`: the `function` label, instead of the function's name (`Type::method` on an
///   `impl` block's methods; on the block itself, the `Type` part).
/// - `labels(key = "value", ...)`: static labels added to every series of the function. Label
///   names hold only ASCII letters, digits and `_`, and may not be one errmon or Prometheus sets
///   (`function`, `module`, `outcome`, `error_type`, `error_kind`, `le`, `quantile`, `job`,
///   `instance`).
/// - `skip`, on a method inside an annotated `impl` block: leaves that method alone.
///
/// ```
/// use errmon_runtime::count_calls;
///
/// #[count_calls]
/// fn ping() {}
///
/// #[count_calls(name = "health_check", labels(probe = "liveness"))]
/// fn live() -> bool {
///     true
/// }
///
/// struct Cache;
///
/// #[count_calls]
/// impl Cache {
///     fn get(&self, key: &str) -> Option<usize> {
///         Some(key.len())
///     }
///
///     #[count_calls(skip)]
///     fn clear(&self) {}
/// }
///
/// ping();
/// assert!(live());
/// assert_eq!(Cache.get("ab"), Some(2));
/// Cache.clear();
///
/// let calls = |function: &str| {
///     errmon_runtime::sites::all()
///         .into_iter()
///         .find(|s| s.meta().function == function)
///         .map(|s| s.snapshot().calls)
/// };
/// assert_eq!(calls("ping"), Some(1));
/// assert_eq!(calls("health_check"), Some(1));
/// assert_eq!(calls("Cache::get"), Some(1));
/// assert_eq!(calls("Cache::clear"), None);
/// ```
#[proc_macro_attribute]
pub fn count_calls(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::CountCalls, args.into(), item.into()).into()
}

/// Records the duration of each call as the histogram
/// `errmon_call_duration_seconds{function, module}`. Every way out of the body is timed: a value,
/// `return`, `?`, a panic, and for an `async fn`, a future dropped before it completes.
///
/// # Options
/// As for [`macro@count_calls`]: `name = "..."`, `labels(key = "value", ...)`, and `skip` on a
/// method inside an annotated `impl` block.
///
/// ```
/// use errmon_runtime::timed;
///
/// #[timed(labels(tier = "gold"))]
/// fn render(page: &str) -> String {
///     page.to_uppercase()
/// }
///
/// #[timed(name = "fetch_page")]
/// async fn fetch(page: &str) -> String {
///     page.to_owned()
/// }
///
/// assert_eq!(render("home"), "HOME");
/// let site = errmon_runtime::sites::all()
///     .into_iter()
///     .find(|s| s.meta().function == "render" && s.meta().module == module_path!())
///     .unwrap();
/// assert_eq!(site.meta().labels, [("tier", "gold")]);
/// assert_eq!(site.snapshot().count(), 1);
/// # drop(fetch("a"));
/// ```
#[proc_macro_attribute]
pub fn timed(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::Timed, args.into(), item.into()).into()
}

/// Records calls by outcome (`ok`, `error`, `panic`, `cancelled`), errors by type and kind,
/// durations and calls in flight.
///
/// A `Result` is an error on `Err`, labelled with the error's type and, when the type implements
/// `ErrorKind` (see [`derive@ErrorKind`]), its kind; other errors get `error_kind="unknown"`.
/// Any other return type succeeds unless `ok_if` or `error_if` says otherwise.
///
/// # Options
/// As for [`macro@count_calls`] (`name`, `labels`, `skip`), plus one of:
/// - `ok_if = path`: a `fn(&Ret) -> bool`; the call is an error when it returns `false`
///   (`error_kind="not_<path's last name>"`).
/// - `error_if = path`: a `fn(&Ret) -> bool`; the call is an error when it returns `true`
///   (`error_kind="<path's last name>"`).
///
/// Options for the error reports (see `errmon_runtime::errors::snapshot()`):
/// - `severity = "warning"`: the severity of this function's reports, one of `info`,
///   `warning`, `error` (the default) or `critical`. An error whose type gives a severity of its
///   own (`#[error_severity]` on a variant, see [`derive@ErrorKind`]) keeps that one.
/// - `fields(order_id = order.id, region = "eu")`: `name = expression` pairs recorded on each
///   report. The expressions are evaluated when the call starts, before the body runs, so they
///   see the arguments before the body moves them; each value is kept until the call ends (a
///   field that would move out of an argument the body still uses needs `.clone()` or a
///   `Copy` part of it) and must implement `Display`, formatted only when a report is stored.
///   A function without `fields` pays nothing for them.
///
/// On the error path the report gets the error itself: its `Display` message and `source()`
/// chain when the type implements `Error`, else its `Display`, else its `Debug`, else only its
/// type and kind. For `ok_if`/`error_if`, the returned value with `Debug` is the message. The
/// success path records the outcome only.
///
/// `#[monitored]` already counts and times calls: it does not stack with `#[count_calls]` or
/// `#[timed]`, but it does with `#[retry]`, in either order.
///
/// ```
/// use errmon_runtime::{ErrorKind, monitored};
/// use errmon_runtime::sites::OutcomeLabel;
///
/// #[derive(Debug, ErrorKind)]
/// enum DbError {
///     NotFound,
/// }
///
/// #[monitored(labels(table = "users"))]
/// fn load(id: u64) -> Result<String, DbError> {
///     if id == 0 { Err(DbError::NotFound) } else { Ok(format!("user {id}")) }
/// }
///
/// #[monitored(severity = "warning", fields(user_id = id, region = "eu"))]
/// fn load_profile(id: u64) -> Result<String, std::io::Error> {
///     Err(std::io::Error::other(format!("profile {id} missing")))
/// }
///
/// #[monitored(error_if = Option::is_none)]
/// fn find(name: &str) -> Option<u64> {
///     (name == "root").then_some(0)
/// }
///
/// fn is_success(code: &u16) -> bool {
///     (200..300).contains(code)
/// }
///
/// struct Client;
///
/// #[monitored]
/// impl Client {
///     async fn call(&self) -> Result<u8, DbError> {
///         Ok(1)
///     }
///
///     #[monitored(ok_if = is_success)]
///     fn status(&self) -> u16 {
///         503
///     }
/// }
///
/// assert!(load(0).is_err());
/// assert!(load(1).is_ok());
/// assert_eq!(find("nobody"), None);
/// assert_eq!(Client.status(), 503);
/// assert!(load_profile(7).is_err());
/// let report = errmon_runtime::errors::snapshot()
///     .recent
///     .into_iter()
///     .find(|r| r.function == "load_profile")
///     .unwrap();
/// assert_eq!(report.message, "profile 7 missing");
/// assert_eq!(report.severity, errmon_runtime::errors::Severity::Warning);
/// assert_eq!(report.fields, [("user_id".to_owned(), "7".to_owned()), ("region".to_owned(), "eu".to_owned())]);
///
/// let snapshot = |function: &str| {
///     errmon_runtime::sites::all()
///         .into_iter()
///         .find(|s| s.meta().function == function)
///         .unwrap()
///         .snapshot()
/// };
/// let outcomes = snapshot("load").outcomes;
/// assert_eq!((outcomes[OutcomeLabel::Ok as usize], outcomes[OutcomeLabel::Error as usize]), (1, 1));
/// assert_eq!(snapshot("find").outcomes[OutcomeLabel::Error as usize], 1);
/// assert_eq!(snapshot("Client::status").outcomes[OutcomeLabel::Error as usize], 1);
/// let kinds: Vec<_> = errmon_runtime::sites::error_series().into_iter().map(|e| e.error_kind).collect();
/// assert!(kinds.contains(&"not_found") && kinds.contains(&"is_none") && kinds.contains(&"not_is_success"));
/// # drop(Client.call());
/// ```
#[proc_macro_attribute]
pub fn monitored(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::Monitored, args.into(), item.into()).into()
}

/// Records a block inside a function as if it were a `#[monitored]` function of the given
/// name: its own site (calls by outcome, errors by type and kind, durations, calls in flight),
/// and error reports with the request context. The macro's value is the block's value.
///
/// `monitor!("charge_card", { .. })` is recorded like `#[monitored(name = "charge_card")]`:
/// the name is checked as `name = ".."` is, and the outcome is that of the block's value (an
/// `Err` is an error, with its message and source chain; anything else succeeds).
///
/// The block runs inline, so `?`, `return`, `break` and `.await` inside it act on the enclosing
/// function as in any block. As with Python's `with` blocks:
/// - a `?` that leaves on `Err(e)` records the block as failed with `e` (before `From`
///   converts it);
/// - `return`, `break` and `continue` leave the block normally: it is recorded as `ok` (what
///   the function returns is the function's own outcome; annotate the function with
///   `#[monitored]` to record it);
/// - a panic is recorded as `panic`;
/// - what the macro cannot see is recorded as `cancelled`: a future dropped at an `.await`
///   inside the block, an exit hidden inside another macro (`anyhow::bail!`), or a `?` inside
///   a nested `monitor!` (the inner block records the error; the outer one is cancelled).
///
/// Options go between the name and the block, as for `#[monitored]`: `severity = ".."`,
/// `fields(name = expr, ..)` (evaluated when the block starts) and `labels(key = "value", ..)`:
/// `monitor!("charge_card", severity = "critical", fields(order_id = order.id), { .. })`.
///
/// A block without a value (or one that always diverges) succeeds when it ends. The value's
/// type must be known where the block ends, as for a `let` without a type: the outcome is
/// read there, before the type the surrounding code expects is known. A block ending in
/// `Ok(v)` whose error type only the function's return type decides is an error naming
/// `ErrorKind`; write `Ok::<_, MyError>(v)`.
///
/// ```
/// use errmon_runtime::monitor;
///
/// #[derive(Debug)]
/// struct Declined(u64);
///
/// impl std::fmt::Display for Declined {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "card declined for order {}", self.0)
///     }
/// }
///
/// impl std::error::Error for Declined {}
///
/// fn charge(order: u64) -> Result<u64, Declined> {
///     if order % 2 == 0 { Err(Declined(order)) } else { Ok(order * 100) }
/// }
///
/// fn checkout(order: u64) -> Result<String, Declined> {
///     let cents = monitor!("charge_card", severity = "critical", fields(order_id = order), {
///         charge(order)?
///     });
///     let receipt = monitor!("render_receipt", { format!("{cents} cents") });
///     Ok(receipt)
/// }
///
/// async fn checkout_async(order: u64) -> Result<u64, Declined> {
///     monitor!("charge_card_async", {
///         std::future::ready(()).await;
///         charge(order)
///     })
/// }
///
/// assert_eq!(checkout(1).unwrap(), "100 cents");
/// assert!(checkout(2).is_err());
/// let report = &errmon_runtime::errors::snapshot().recent[0];
/// assert_eq!((report.function, report.message.as_str()), ("charge_card", "card declined for order 2"));
/// assert_eq!(report.severity, errmon_runtime::errors::Severity::Critical);
/// assert_eq!(report.fields, [("order_id".to_owned(), "2".to_owned())]);
/// # drop(checkout_async(1));
/// ```
#[proc_macro]
pub fn monitor(input: TokenStream) -> TokenStream {
    monitor::expand(input.into()).into()
}

/// Runs the body of a function returning `Result` again on `Err`, with backoff, jitter and
/// limits on attempts and elapsed time, and counts attempts
/// (`errmon_retry_attempts_total`), retries and exhausted retries; each retry and each
/// exhaustion is logged through `tracing` (target `errmon::retry`) with the error's `Display`
/// message, or its `Debug` when it has none.
///
/// By-value arguments are cloned for each attempt (so they must be `Clone`); references are
/// reborrowed. An `async fn` sleeps with tokio's timer (the `tokio` feature of errmon-runtime,
/// on by default) unless given `sleep = path`.
///
/// # Options
/// All optional; a bare `#[retry]` is `errmon_runtime::retry::Policy::DEFAULT`: 3 attempts,
/// exponential backoff from 100ms doubling up to 5s, full jitter, no wall-clock budget.
/// - `attempts = 3`: how many times the body may run, the first try included (at least 1).
/// - `backoff = constant(delay = "100ms")`, `linear(initial = "100ms", step = "100ms", max =
///   "5s")` or `exponential(initial = "100ms", factor = 2.0, max = "5s")`: the delay before each
///   retry; the keys inside are optional. Durations are strings with a unit: `ns`, `us`, `ms`,
///   `s`, `m`, `h`.
/// - `jitter = none | full | equal | decorrelated`: how delays are randomised.
/// - `max_elapsed = "30s"`: stop retrying when the next sleep would end past this time since
///   the call started.
/// - `when = path`: a `fn(&E) -> bool`; only errors it accepts are retried, the others are
///   returned at once.
/// - `sleep = path`: the async sleep of an `async fn`, any `fn(Duration) -> impl Future<Output
///   = ()>`.
/// - `name = "..."`: the `function` label.
/// - `skip`, on a method inside a `#[retry]` `impl` block: leaves that method alone. On an `impl`
///   block every method must return a `Result` or be skipped; a method's own `#[retry(...)]`
///   replaces the keys it gives.
///
/// ```
/// use std::cell::Cell;
/// use std::time::Duration;
/// use errmon_runtime::{monitored, retry};
///
/// #[derive(Debug, PartialEq)]
/// enum FetchError {
///     Busy,
///     NotFound,
/// }
///
/// fn is_transient(e: &FetchError) -> bool {
///     *e == FetchError::Busy
/// }
///
/// #[retry(attempts = 5, backoff = exponential(initial = "1ms", max = "10ms"), when = is_transient)]
/// fn fetch(tries: &Cell<u32>, missing: bool) -> Result<u32, FetchError> {
///     tries.set(tries.get() + 1);
///     if missing {
///         Err(FetchError::NotFound)
///     } else if tries.get() < 3 {
///         Err(FetchError::Busy)
///     } else {
///         Ok(tries.get())
///     }
/// }
///
/// #[monitored]
/// #[retry(backoff = constant(delay = "1ms"), jitter = none, max_elapsed = "1s", name = "send_all")]
/// fn send(batch: Vec<u8>) -> Result<usize, FetchError> {
///     Ok(batch.len())
/// }
///
/// async fn pause(delay: Duration) {
///     let _ = delay;
/// }
///
/// #[retry(attempts = 2, backoff = linear(initial = "5ms", step = "5ms"), sleep = pause)]
/// async fn remote() -> Result<(), FetchError> {
///     Ok(())
/// }
///
/// struct Pool;
///
/// #[retry(attempts = 2, backoff = constant(delay = "1ms"))]
/// impl Pool {
///     #[retry(skip)]
///     fn new() -> Self {
///         Pool
///     }
///
///     fn get(&self) -> Result<u8, FetchError> {
///         Ok(1)
///     }
/// }
///
/// let tries = Cell::new(0);
/// assert_eq!(fetch(&tries, false), Ok(3));
/// let tries = Cell::new(0);
/// assert_eq!(fetch(&tries, true), Err(FetchError::NotFound));
/// assert_eq!(tries.get(), 1, "`when` rejects NotFound: no retry");
/// assert_eq!(send(vec![1, 2]), Ok(2));
/// assert_eq!(Pool::new().get(), Ok(1));
///
/// let retry_site = errmon_runtime::sites::all()
///     .into_iter()
///     .find(|s| {
///         let m = s.meta();
///         m.function == "fetch" && m.module == module_path!() && m.kind == errmon_runtime::sites::Kind::Retry
///     })
///     .unwrap();
/// assert_eq!(retry_site.snapshot().retries, 2);
/// # drop(remote());
/// ```
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand(Macro::Retry, args.into(), item.into()).into()
}

/// Implements `errmon_runtime::ErrorKind` for an enum, the bounded `error_kind` label of its
/// errors: each variant's kind is its name in `snake_case`.
///
/// # Options, on a variant
/// - `#[error_kind("timeout")]`: this kind instead (at most 64 characters).
/// - `#[error_kind(transparent)]`, on a variant with one field: the kind of the error it wraps,
///   whose type implements `ErrorKind` too, as thiserror's `#[error(transparent)]` forwards the
///   message, and its severity unless the variant gives one.
/// - `#[error_severity("critical")]`: the severity of this variant's reports (`info`, `warning`,
///   `error` or `critical`), which `ErrorKind::error_severity` returns and which wins over the
///   function's `#[monitored(severity = "..")]`. A separate attribute rather than a key of
///   `#[error_kind]`, since a variant may set either without the other. On the enum itself: the
///   severity of every variant that gives none.
///
/// ```
/// use errmon_runtime::ErrorKind;
///
/// #[derive(Debug, ErrorKind)]
/// enum PoolError {
///     Exhausted,
/// }
///
/// #[derive(Debug, ErrorKind)]
/// enum DbError {
///     NotFound,
///     #[error_kind("timeout")]
///     #[error_severity("warning")]
///     TimedOut { after_ms: u64 },
///     #[error_kind(transparent)]
///     Pool(PoolError),
/// }
///
/// assert_eq!(DbError::NotFound.error_kind(), "not_found");
/// assert_eq!(DbError::TimedOut { after_ms: 30 }.error_kind(), "timeout");
/// assert_eq!(DbError::Pool(PoolError::Exhausted).error_kind(), "exhausted");
/// assert_eq!(DbError::TimedOut { after_ms: 30 }.error_severity(), Some(errmon_runtime::errors::Severity::Warning));
/// assert_eq!(DbError::NotFound.error_severity(), None);
/// ```
#[proc_macro_derive(ErrorKind, attributes(error_kind, error_severity))]
pub fn derive_error_kind(input: TokenStream) -> TokenStream {
    error_kind::derive(input.into()).into()
}
