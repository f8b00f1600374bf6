#![cfg_attr(
    not(feature = "tokio"),
    doc = "[`spawn`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/context/fn.spawn.html"
)]
//! Request context: a request id, a user id and a few string fields that every error report
//! made while the context is current carries.
//!
//! The user id may also be set once after the context is made, by code running inside it
//! ([`set_user_id`]): an authentication layer inside the layer that made the request's
//! context knows the user only once it has checked the credentials.
//!
//! A context is current for a closure ([`Context::scope`]) or for a future
//! ([`Context::wrap`]): a wrapped future sets its context before every poll and restores the
//! previous one after, so it follows the future across threads of a work-stealing runtime and
//! never leaks into other tasks polled on the same thread. Dropping a wrapped future (a
//! cancelled request) also runs with its context, so reports made while it is torn down carry
//! it too.
//!
//! `tokio::spawn` starts a task without the spawner's context (tokio has no inheritance of
//! task-locals). [`bind`] wraps a future with the context current where it is called, and
//! [`spawn`] (with the `tokio` feature) spawns it so wrapped: what crosses is the request id,
//! the user id and the fields, shared, not copied.
//!
//! ```
//! use errmon_runtime::context::{self, Context};
//!
//! // Accept the caller's id when it is well-formed, generate one otherwise.
//! let ctx = Context::from_request_id(Some("req-42")).with_user_id("ada").with_field("tenant", "acme");
//! ctx.scope(|| {
//!     let here = context::current().expect("inside the scope");
//!     assert_eq!(here.request_id(), "req-42");
//!     assert_eq!(here.user_id(), Some("ada"));
//! });
//! assert!(context::current().is_none());
//!
//! let bad = Context::from_request_id(Some("<script>"));
//! assert_ne!(bad.request_id(), "<script>");
//! assert!(bad.request_id_was_generated());
//! ```
//!
//! The current context lives in a thread-local that holds only a pointer, is initialised
//! without code and has no destructor: reading it works even inside other thread-locals'
//! destructors. The data it points to belongs to the scope or the future that set it.

mod future;
mod id;

use std::cell::Cell;
use std::fmt;
use std::ptr;
use std::sync::{Arc, OnceLock};

pub use future::WithContext;
pub use id::{MAX_REQUEST_ID, is_valid_request_id, new_request_id};

/// Fields kept per context; further ones are ignored.
pub const MAX_FIELDS: usize = 16;
/// Bytes kept of a field's name.
pub const MAX_FIELD_NAME: usize = 64;
/// Bytes kept of a field's value or of a user id.
pub const MAX_FIELD_VALUE: usize = 256;

/// A request's context. Cheap to clone: clones share it, and it does not change once built, but
/// for a user id set once later ([`Context::set_user_id`]).
#[derive(Clone)]
pub struct Context(Arc<Inner>);

#[derive(Clone, Debug)]
struct Inner {
    request_id: String,
    generated: bool,
    /// Set by [`Context::with_user_id`] while building, or once later through
    /// [`Context::set_user_id`], which every holder of the context then sees.
    user_id: OnceLock<String>,
    fields: Vec<(String, String)>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.0.request_id)
            .field("user_id", &self.0.user_id)
            .field("fields", &self.0.fields)
            .finish()
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

fn truncated(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

impl Context {
    /// A context with a newly generated request id (a UUID v4).
    pub fn new() -> Self {
        Context(Arc::new(Inner {
            request_id: new_request_id(),
            generated: true,
            user_id: OnceLock::new(),
            fields: Vec::new(),
        }))
    }

    /// A context with the incoming request id (an `X-Request-Id` header, say) if it matches
    /// `^[A-Za-z0-9._-]{1,128}$`, else (or without one) a generated one.
    pub fn from_request_id(incoming: Option<&str>) -> Self {
        match incoming {
            Some(id) if is_valid_request_id(id) => Context(Arc::new(Inner {
                request_id: id.to_owned(),
                generated: false,
                user_id: OnceLock::new(),
                fields: Vec::new(),
            })),
            _ => Self::new(),
        }
    }

    /// Sets the user id (at most [`MAX_FIELD_VALUE`] bytes are kept).
    #[must_use = "returns the changed context"]
    pub fn with_user_id(mut self, user: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.0).user_id =
            OnceLock::from(truncated(user.into(), MAX_FIELD_VALUE));
        self
    }

    /// Sets the user id of this context, shared with every clone of it (the request's layer,
    /// futures bound to it), if none is set yet; `false` if one was. For the code that learns
    /// the user after the context was made: an authentication layer, a handler.
    ///
    /// ```
    /// use errmon_runtime::context::Context;
    ///
    /// let ctx = Context::from_request_id(Some("req-7"));
    /// let seen_by_the_layer = ctx.clone();
    /// assert!(ctx.set_user_id("ada"));
    /// assert!(!ctx.set_user_id("eve"));
    /// assert_eq!(seen_by_the_layer.user_id(), Some("ada"));
    /// ```
    pub fn set_user_id(&self, user: impl Into<String>) -> bool {
        self.0
            .user_id
            .set(truncated(user.into(), MAX_FIELD_VALUE))
            .is_ok()
    }

    /// Adds a field; a field of the same name is replaced. At most [`MAX_FIELDS`] are kept,
    /// names and values cut at [`MAX_FIELD_NAME`] and [`MAX_FIELD_VALUE`] bytes.
    #[must_use = "returns the changed context"]
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = truncated(name.into(), MAX_FIELD_NAME);
        let value = truncated(value.into(), MAX_FIELD_VALUE);
        let fields = &mut Arc::make_mut(&mut self.0).fields;
        if let Some(f) = fields.iter_mut().find(|(n, _)| *n == name) {
            f.1 = value;
        } else if fields.len() < MAX_FIELDS {
            fields.push((name, value));
        }
        self
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.0.request_id
    }

    /// Whether the request id was generated rather than accepted from the caller.
    pub fn request_id_was_generated(&self) -> bool {
        self.0.generated
    }

    /// The user id, if set.
    pub fn user_id(&self) -> Option<&str> {
        self.0.user_id.get().map(String::as_str)
    }

    /// The fields, in the order they were added.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Runs `f` with this context current, then restores the one before (also when `f`
    /// panics). Scopes nest: the innermost one is current.
    ///
    /// ```
    /// use errmon_runtime::context::{self, Context};
    ///
    /// let outer = Context::from_request_id(Some("outer"));
    /// let inner = Context::from_request_id(Some("inner"));
    /// outer.scope(|| {
    ///     inner.scope(|| assert_eq!(context::current().unwrap().request_id(), "inner"));
    ///     assert_eq!(context::current().unwrap().request_id(), "outer");
    /// });
    /// ```
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _restore = Restore::enter(Arc::as_ptr(&self.0));
        f()
    }

    /// This context made current for every poll of `fut` (and for its drop).
    ///
    /// ```
    /// use errmon_runtime::context::{self, Context};
    ///
    /// let fut = Context::from_request_id(Some("r1")).wrap(async {
    ///     context::current().map(|c| c.request_id().to_owned())
    /// });
    /// assert_eq!(futures::executor::block_on(fut).as_deref(), Some("r1"));
    /// ```
    pub fn wrap<F>(self, fut: F) -> WithContext<F> {
        WithContext::new(Some(self), fut)
    }
}

thread_local! {
    // A pointer only, const-initialised, without a destructor: readable at any point of a
    // thread's life, thread-local destructors included. It points into the `Arc` of the scope
    // or future that set it, which outlives the time it is current.
    static CURRENT: Cell<*const Inner> = const { Cell::new(ptr::null()) };
}

/// Puts a context in place and, when dropped (also while unwinding), the one it replaced.
struct Restore(*const Inner);

impl Restore {
    fn enter(ctx: *const Inner) -> Restore {
        Restore(CURRENT.try_with(|c| c.replace(ctx)).unwrap_or(ptr::null()))
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

/// The context current on this thread, if any.
pub fn current() -> Option<Context> {
    let p = CURRENT.try_with(Cell::get).ok()?;
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null pointer was set by a scope or a future that holds a clone of the
    // `Arc` it came from (`Arc::as_ptr`) for as long as the pointer is current, so the `Arc`
    // is alive and one more strong count may be taken from it.
    unsafe {
        Arc::increment_strong_count(p);
        Some(Context(Arc::from_raw(p)))
    }
}

/// Sets the user id of the context current here (see [`Context::set_user_id`]); `false`
/// when there is no context or it has a user id already.
///
/// ```
/// use errmon_runtime::context::{self, Context};
///
/// let ctx = Context::from_request_id(Some("req-8"));
/// ctx.scope(|| assert!(context::set_user_id("ada")));
/// assert_eq!(ctx.user_id(), Some("ada"));
/// assert!(!context::set_user_id("nobody"), "no context is current here");
/// ```
///
/// Also records `user_id` on the current `tracing` span when it declares that field, as the
/// `errmon.request` span of [`log::request_span`](crate::log::request_span) (and so
/// `errmon-tower`'s) does: lines logged from then on in that span show the user.
pub fn set_user_id(user: impl Into<String>) -> bool {
    let Some(c) = current() else { return false };
    if !c.set_user_id(user) {
        return false;
    }
    if let Some(user) = c.user_id() {
        tracing::Span::current().record("user_id", user);
    }
    true
}

/// `fut` wrapped with the context current here (or with none, so that it does not see the
/// context of whatever task polls it), for handing to an executor's `spawn`.
///
/// ```
/// use errmon_runtime::context::{self, Context};
///
/// let task = Context::from_request_id(Some("r7")).scope(|| {
///     context::bind(async { context::current().map(|c| c.request_id().to_owned()) })
/// });
/// // Polled later, elsewhere, outside the scope: the context came with it.
/// assert_eq!(futures::executor::block_on(task).as_deref(), Some("r7"));
/// ```
pub fn bind<F>(fut: F) -> WithContext<F> {
    WithContext::new(current(), fut)
}

/// `tokio::spawn` of `fut` with the spawner's context ([`bind`]); tokio does not carry it.
///
/// ```
/// use errmon_runtime::context::{self, Context};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let ctx = Context::from_request_id(Some("r9"));
/// let handle = ctx.wrap(async { context::spawn(async { context::current() }) }).await;
/// assert_eq!(handle.await.unwrap().unwrap().request_id(), "r9");
/// # }
/// ```
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(bind(fut))
}
