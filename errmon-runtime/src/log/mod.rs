#![cfg_attr(feature = "server", doc = "[`install`]: fn@super::install")]
#![cfg_attr(
    not(feature = "server"),
    doc = "[`install`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/fn.install.html"
)]
#![cfg_attr(feature = "exporter", doc = "[`Config::logs`]: crate::Config::logs")]
#![cfg_attr(
    not(feature = "exporter"),
    doc = "[`Config::logs`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/struct.Config.html#method.logs"
)]
#![cfg_attr(
    not(feature = "logs"),
    doc = "[`init`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/fn.init.html\n\
           [`layer`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/fn.layer.html\n\
           [`LogSettings::init`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/struct.LogSettings.html#method.init\n\
           [`LogSettings::layer`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/struct.LogSettings.html#method.layer"
)]
//! Structured logs through `tracing`: errmon's events, a layer that writes JSON lines with the
//! request context, errmon's own output, and [`init`], which makes errmon's JSON lines the
//! application's log format.
//!
//! errmon emits one `tracing` event per stored error report and panic (level `error`, or per
//! the function's `severity`), per retry (`warn`) and per exhausted retry (`error`), all with
//! target [`TARGET`] (`errmon`) and the field names of [`fields`]; and once, a warning when a
//! panic hook set after errmon's replaced it ([`crate::errors::install_panic_hook`] says how
//! to keep both). They land wherever the
//! application's events go: in the subscriber current where they are emitted, whether the
//! application set it before [`install`] or after it.
//!
//! `install()` never sets a subscriber: the application may set its own at any time, before
//! or after it (`tracing_subscriber::fmt().init()`, `registry().with(..).init()`,
//! `tracing::subscriber::set_global_default`). While no subscriber is current, errmon's events
//! are written by errmon's own output instead: JSON lines on standard error or in the file of
//! [`Config::logs`] (`ERRMON_LOG`, `ERRMON_LOG_LEVEL`,
//! `ERRMON_LOG_FORMAT`; `ERRMON_LOG=off` turns it off), which `install()` starts and keeps to
//! itself: the application's own events are not written there, and no dispatcher is set
//! (`tracing::dispatcher::has_been_set()` stays `false`). [`init`] (or [`LogSettings::init`])
//! sets that output as the global default, so the application's events become errmon's JSON
//! lines too, with the request context.
//!
//! [`layer`] (and [`LogSettings::layer`]) is a `tracing_subscriber` layer for an application
//! with its own subscriber: it writes every event, the application's included, as one JSON
//! line carrying the request id, user id and fields of the
//! [context](crate::context) current where the event was emitted (so across `.await`, on
//! whatever thread polls the request), through a bounded queue to a writer thread.
//! tracing-subscriber's own JSON formatter shows `error.chain` as a string; errmon's lines keep
//! it an array.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! use errmon_runtime::context::Context;
//!
//! let (layer, guard) = errmon_runtime::log::layer();
//! let subscriber = tracing_subscriber::registry().with(layer);
//! tracing::subscriber::with_default(subscriber, || {
//!     Context::from_request_id(Some("req-7")).scope(|| {
//!         // Written with "request_id":"req-7".
//!         tracing::info!(order = 42, "order placed");
//!     });
//! });
//! drop(guard);
//! ```
#![doc = include_str!("../../docs/log.md")]

mod event;
#[cfg(feature = "logs")]
mod file;
#[cfg(feature = "logs")]
mod json;
#[cfg(feature = "logs")]
mod own;
mod settings;
mod writer;

pub use event::TARGET;
#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub use json::JsonLayer;
pub use settings::{
    DEFAULT_KEEP, DEFAULT_MAX_BYTES, DEFAULT_QUEUE, LogConfigError, LogSettings, Output, Profile,
};
pub use writer::{LogGuard, lines_dropped, write_failures};

#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub use file::LogStartError;
#[cfg(feature = "logs")]
pub(crate) use own::start_for_install;
#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub use own::{LogInitError, init};
#[cfg(all(feature = "logs", feature = "exporter"))]
pub(crate) use writer::dropped_by_reason;

/// The stable field names of errmon's events (see the README's table).
pub mod fields {
    /// The error type, shortened (`io::Error`), `panic` for panics.
    pub const ERROR_TYPE: &str = "error.type";
    /// The bounded kind, as in the `error_kind` label.
    pub const ERROR_KIND: &str = "error.kind";
    /// The error's message (`Display`, else `Debug`), a panic's payload.
    pub const ERROR_MESSAGE: &str = "error.message";
    /// The `source()` chain below the error, outermost first, root cause last: a JSON array
    /// (in errmon's lines; a string holding it elsewhere, and in a build without the `logs`
    /// and `endpoint` features, which compiles no JSON crate, the list as `Debug` shows it).
    pub const ERROR_CHAIN: &str = "error.chain";
    /// The fingerprint of the report's group, 16 hex digits, as in `GET /errors`.
    pub const ERROR_FINGERPRINT: &str = "error.fingerprint";
    /// The function's `function` label.
    pub const FUNCTION: &str = "function";
    /// The function's module.
    pub const MODULE: &str = "module";
    /// The request id of the current context.
    pub const REQUEST_ID: &str = "request_id";
    /// The user id of the current context.
    pub const USER_ID: &str = "user_id";
    /// The context's fields and the function's own, as a JSON object (the pairs as `Debug`
    /// shows a map without the `logs` and `endpoint` features).
    pub const FIELDS: &str = "fields";
    /// The attempt that failed (retries, exhausted retries).
    pub const ATTEMPT: &str = "attempt";
    /// How long the call (or, for an exhausted retry, all attempts) ran, in seconds.
    pub const DURATION_S: &str = "duration_s";
    /// `error`, `panic`, `retry` or `exhausted`.
    pub const OUTCOME: &str = "outcome";
}

#[cfg_attr(
    not(feature = "logs"),
    doc = "[`JsonLayer`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/struct.JsonLayer.html"
)]
/// A span named `errmon.request` carrying the `request_id` and `user_id` of the current
/// [context](crate::context) (a disabled span outside one), for applications whose own
/// formatter prints span fields: enter it, or `.instrument()` a request's future with it, and
/// their lines show the request too. errmon's [`JsonLayer`] reads the context itself and
/// needs no span.
///
/// ```
/// use errmon_runtime::context::Context;
///
/// Context::from_request_id(Some("req-3")).with_user_id("ada").scope(|| {
///     let _entered = errmon_runtime::log::request_span().entered();
///     tracing::info!("printed inside errmon.request with request_id=req-3 user_id=ada");
/// });
/// ```
pub fn request_span() -> tracing::Span {
    match crate::context::current() {
        Some(c) => tracing::info_span!(
            target: "errmon",
            "errmon.request",
            request_id = c.request_id(),
            user_id = c.user_id()
        ),
        None => tracing::Span::none(),
    }
}

/// A layer writing JSON lines to standard error with errmon's names, and the guard that
/// flushes them when dropped; [`LogSettings::layer`] for a file, a level or a profile.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let (layer, _guard) = errmon_runtime::log::layer();
/// let _subscriber = tracing_subscriber::registry().with(layer);
/// ```
#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub fn layer() -> (JsonLayer, LogGuard) {
    LogSettings::default()
        .layer()
        .unwrap_or_else(|_| unreachable_stderr())
}

/// Only a writer thread that cannot be spawned stops standard error's writer; then lines are
/// dropped and counted rather than the caller failing.
#[cfg(feature = "logs")]
fn unreachable_stderr() -> (JsonLayer, LogGuard) {
    let queue = writer::Queue::disconnected();
    (
        JsonLayer {
            queue: queue.clone(),
            profile: Profile::Errmon,
        },
        LogGuard::new(queue, std::time::Duration::ZERO),
    )
}
