//! The write side of a site: what the code a macro generates calls on every instrumented call.
//!
//! Every instrumented function owns one `static` [`Site`]. Its first call allocates the site's
//! compact shards (see `shard`) and registers it; later calls find them with one load. Nothing
//! here locks or hashes; nothing allocates after the first call, except once for a site that
//! turns out hot and contended (its per-thread shards) and once on its first error (its error
//! table); and nothing reads a thread-local that can be gone (see `clock` and `thread`), so
//! calls from thread-local destructors are counted too.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::task::{Context, Poll};

use super::failure::Failure;
use super::shard::Cells;
use super::snapshot::OutcomeLabel;
use super::view::{Meta, Site};
use crate::common::clock;
use crate::common::thread::thread_index;

/// A per-callsite static, declared by the code the attribute macros generate (as
/// `__private::Site`): the write side. Its read side is [`crate::sites::Site`], the only one
/// users can reach, so only generated code records.
#[derive(Debug)]
pub struct Callsite(Site);

/// The classification of a returned value, produced by the code a macro generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success.
    Ok,
    /// Failure, with the labels it is counted under.
    Error {
        /// `std::any::type_name` of the error type; shortened when exported.
        type_name: &'static str,
        /// A bounded kind: from [`crate::ErrorKind`], a predicate's name, or `"unknown"`.
        kind: &'static str,
    },
}

impl Callsite {
    /// A site with nothing recorded yet; `const` so it can initialise a `static`.
    pub const fn new(meta: Meta) -> Self {
        Callsite(Site::new(meta))
    }

    /// The read-only view of this site, as [`crate::sites::all`] lists it.
    pub fn view(&'static self) -> &'static Site {
        &self.0
    }

    /// Static facts about this site.
    pub fn meta(&self) -> &Meta {
        self.0.meta()
    }

    #[inline]
    fn cells(&'static self) -> &'static Cells {
        self.0.cells()
    }

    /// Counts one call (`#[count_calls]`), or one attempt (`#[retry]`).
    #[inline]
    pub fn count(&'static self) {
        self.cells().bump(thread_index(), |c| &c.calls);
    }

    /// Counts a retry (`#[retry]`; attempts are counted with [`Site::count`]).
    #[inline]
    pub fn retried(&'static self) {
        self.cells().bump(thread_index(), |c| &c.retries);
    }

    /// Counts a call that ran out of attempts or time (`#[retry]`).
    #[inline]
    pub fn exhausted(&'static self) {
        self.cells().bump(thread_index(), |c| &c.exhausted);
    }

    /// Starts timing a call; the duration is recorded when the guard drops (`#[timed]`).
    #[inline]
    pub fn time(&'static self) -> Timer {
        Timer {
            cells: self.cells(),
            start: clock::raw(),
        }
    }

    /// Counts a call and starts timing it; [`Call::finish`] records how it ended
    /// (`#[monitored]` on a sync function). The body runs from now on, so a call dropped while
    /// the thread unwinds is a panic.
    #[inline]
    pub fn enter(&'static self) -> Call {
        self.start_call(SYNC)
    }

    /// [`Site::enter`] for an `async fn`, whose body runs only while [`Call::body`] polls it.
    /// Dropped while the body is not being polled, the call is cancelled, even when the drop
    /// happens while an unrelated panic unwinds.
    #[inline]
    pub fn enter_async(&'static self) -> Call {
        self.start_call(AWAITING)
    }

    #[inline]
    fn start_call(&'static self, place: u8) -> Call {
        let cells = self.cells();
        cells.bump(thread_index(), |c| &c.calls);
        Call {
            cells,
            site: &self.0,
            start: clock::raw(),
            place: AtomicU8::new(place),
        }
    }
}

/// Records the duration of a `#[timed]` call when dropped, whichever way the call ends.
#[derive(Debug)]
#[must_use = "the duration is recorded when the timer drops"]
pub struct Timer {
    cells: &'static Cells,
    start: u64,
}

impl Drop for Timer {
    #[inline]
    fn drop(&mut self) {
        let ns = clock::elapsed_ns(self.start);
        self.cells.record_duration(thread_index(), ns);
    }
}

// Where a call's body is, so that a drop without `finish` tells a panic of the body from a
// cancellation. An atomic only so that `&Call` is `Sync` (an `async fn` holding a `Body` stays
// `Send`); one thread at a time touches it, and its relaxed loads and stores are plain moves.
/// A sync call: its body runs from `enter` until `finish`.
const SYNC: u8 = 0;
/// An `async fn` call whose body is not being polled.
const AWAITING: u8 = 1;
/// An `async fn` call whose body is being polled, or whose poll unwound.
const POLLING: u8 = 2;

/// A `#[monitored]` call in progress. [`Call::finish`] records its outcome; dropped without it,
/// the call is recorded as a panic (its body unwound) or as cancelled (an `async fn` future
/// dropped before completion).
#[derive(Debug)]
#[must_use = "a call dropped without `finish` is recorded as a panic or a cancellation"]
pub struct Call {
    cells: &'static Cells,
    /// For the reports of the error path; the success path does not read it.
    site: &'static Site,
    start: u64,
    place: AtomicU8,
}

impl Call {
    /// Runs `fut` as this call's body: while it is polled, the call is inside its body, and a
    /// poll that unwinds leaves it there, so the call counts as a panic.
    #[inline]
    pub fn body<F: Future>(&self, fut: F) -> Body<'_, F> {
        Body { call: self, fut }
    }

    /// Records how the call ended and its duration.
    #[inline]
    pub fn finish(self, outcome: Outcome) {
        let this = ManuallyDrop::new(self);
        let thread = thread_index();
        match outcome {
            Outcome::Ok => {
                this.record(thread, OutcomeLabel::Ok);
            }
            Outcome::Error { type_name, kind } => {
                let ns = this.record(thread, OutcomeLabel::Error);
                record_error(&this, thread, ns, type_name, kind, Failure::OPAQUE);
            }
        }
    }

    /// Records an error with its value (the error path of `#[monitored]`; see
    /// `private::report` for the expansion).
    #[inline]
    pub fn finish_err(self, type_name: &'static str, kind: &'static str, failure: Failure<'_>) {
        let this = ManuallyDrop::new(self);
        let thread = thread_index();
        let ns = this.record(thread, OutcomeLabel::Error);
        record_error(&this, thread, ns, type_name, kind, failure);
    }

    /// Records the outcome and the duration, and returns the duration.
    #[inline]
    fn record(&self, thread: usize, outcome: OutcomeLabel) -> u64 {
        let ns = clock::elapsed_ns(self.start);
        self.cells.record_duration(thread, ns);
        self.cells.bump(thread, |c| &c.outcomes[outcome as usize]);
        ns
    }
}

/// The error path of [`Call::finish`]: out of line, so the success path stays short.
#[cold]
#[inline(never)]
fn record_error(
    call: &Call,
    thread: usize,
    ns: u64,
    type_name: &'static str,
    kind: &'static str,
    failure: Failure<'_>,
) {
    call.cells
        .record_error(thread, type_name, kind, failure.severity);
    if let Some(path) = inventory::iter::<ErrorPath>.into_iter().next() {
        (path.returned)(call.site, type_name, kind, call.start, ns, failure);
    }
}

/// Where a call's error and unwinding go beyond the site's own counters: error tracking, a
/// layer above, submits it when the program is linked, so the first error reaches it with or
/// without `install()`.
pub(crate) struct ErrorPath {
    /// A returned error: the site, the error's type and kind, the call's start (a raw clock
    /// reading) and duration in ns, and the value.
    pub(crate) returned: fn(&'static Site, &'static str, &'static str, u64, u64, Failure<'_>),
    /// A call unwound by a panic: the site, the call's start and duration.
    pub(crate) unwound: fn(&'static Site, u64, u64),
}

inventory::collect!(ErrorPath);

impl Drop for Call {
    #[cold]
    fn drop(&mut self) {
        let outcome = match self.place.load(Relaxed) {
            SYNC if !std::thread::panicking() => OutcomeLabel::Cancelled,
            SYNC | POLLING => OutcomeLabel::Panic,
            _ => OutcomeLabel::Cancelled,
        };
        let ns = self.record(thread_index(), outcome);
        if outcome == OutcomeLabel::Panic {
            if let Some(path) = inventory::iter::<ErrorPath>.into_iter().next() {
                (path.unwound)(self.site, self.start, ns);
            }
        }
    }
}

/// The body of an `async fn` call, from [`Call::body`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Body<'a, F> {
    call: &'a Call,
    fut: F,
}

impl<F: Future> Future for Body<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is pinned structurally: nothing moves it out of a pinned `Body`, which
        // has no `Drop` and is `Unpin` only when `F` is. `this` itself is never moved.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        this.call.place.store(POLLING, Relaxed);
        let out = fut.poll(cx);
        // Not reached when the poll unwinds: the call stays inside its body.
        this.call.place.store(AWAITING, Relaxed);
        out
    }
}
