//! [`WithContext`]: a future with its context current while it is polled and dropped.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use super::{Context, Inner, Restore};

/// A future that runs with its request context current: set before every poll, restored
/// after, and current while the future is dropped. From [`Context::wrap`] or
/// [`bind`](super::bind).
#[must_use = "futures do nothing unless polled"]
pub struct WithContext<F> {
    ctx: Option<Context>,
    fut: ManuallyDrop<F>,
}

impl<F> std::fmt::Debug for WithContext<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithContext")
            .field("context", &self.ctx)
            .finish_non_exhaustive()
    }
}

impl<F> WithContext<F> {
    pub(super) fn new(ctx: Option<Context>, fut: F) -> Self {
        WithContext {
            ctx,
            fut: ManuallyDrop::new(fut),
        }
    }

    fn ptr(&self) -> *const Inner {
        self.ctx
            .as_ref()
            .map_or(std::ptr::null(), |c| Arc::as_ptr(&c.0))
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is pinned structurally: it is never moved out of a pinned
        // `WithContext` (its `Drop` drops it in place), and `WithContext` is `Unpin` only when
        // `F` is. `ctx` is not pinned and only read.
        let this = unsafe { self.get_unchecked_mut() };
        let _restore = Restore::enter(this.ptr());
        // SAFETY: as above.
        unsafe { Pin::new_unchecked(&mut *this.fut) }.poll(cx)
    }
}

impl<F> Drop for WithContext<F> {
    fn drop(&mut self) {
        let _restore = Restore::enter(self.ptr());
        // SAFETY: dropped once, here, in place (which pinning allows); `fut` is not used after.
        unsafe { ManuallyDrop::drop(&mut self.fut) }
    }
}
