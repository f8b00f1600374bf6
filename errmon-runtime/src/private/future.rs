//! The future errmon wraps around one that a sync `#[monitored]` function returns in a form the
//! macro cannot instrument from inside (not a tail `async` block or `Box::pin(async ..)`):
//! `fn call(&self) -> impl Future<Output = R> { self.inner.call() }`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::record::{Call, Callsite as Site, Outcome};

/// The call of a returned future: it starts at the first poll, ends with the outcome of the
/// value the future completes with, and is cancelled if the future is dropped before it
/// completes (a panic if a poll unwinds). A future never polled records nothing.
#[must_use = "futures do nothing unless polled"]
pub struct Returned<F, C> {
    site: &'static Site,
    call: Option<Call>,
    /// `None` once the future completed.
    classify: Option<C>,
    fut: F,
}

/// Wraps `fut`, whose output `classify` turns into the call's outcome.
#[inline]
pub fn returned<F, C>(site: &'static Site, fut: F, classify: C) -> Returned<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    Returned {
        site,
        call: None,
        classify: Some(classify),
        fut,
    }
}

impl<F, C> Future for Returned<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is pinned structurally: nothing moves it out of a pinned `Returned`,
        // which has no `Drop` and is `Unpin` only when `F` (and `C`) are. The other fields are
        // never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        if this.classify.is_none() {
            // Polled again after it completed: the call was recorded already.
            return fut.poll(cx);
        }
        let site = this.site;
        let call = this.call.get_or_insert_with(|| site.enter_async());
        let mut body = call.body(fut);
        let Poll::Ready(out) = Pin::new(&mut body).poll(cx) else {
            return Poll::Pending;
        };
        if let (Some(call), Some(classify)) = (this.call.take(), this.classify.take()) {
            call.finish(classify(&out));
        }
        Poll::Ready(out)
    }
}

impl<F, C> fmt::Debug for Returned<F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Returned")
            .field("started", &self.call.is_some())
            .field("completed", &self.classify.is_none())
            .finish_non_exhaustive()
    }
}
