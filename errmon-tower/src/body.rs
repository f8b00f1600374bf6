//! [`ResponseBody`]: the inner service's body, timed until it ends or is dropped.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use errmon_runtime::context::Context;
use errmon_runtime::http::Exchange;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

pin_project! {
    /// The body of a response through [`ErrmonLayer`](crate::ErrmonLayer): the inner body,
    /// polled with the request's context current and its span entered. The request's duration ends when this body
    /// ends or is dropped, so it covers the time spent sending it.
    pub struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
        recorder: Recorder,
        ctx: Context,
        span: tracing::Span,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Inner { #[pin] body: B },
        /// The answer to a panic: no body.
        Empty,
    }
}

/// Finishes the exchange with its status once: when the body ends, or when it is dropped.
pub(crate) struct Recorder {
    exchange: Option<Exchange>,
    status: u16,
}

impl Recorder {
    pub(crate) fn new(exchange: Option<Exchange>, status: u16) -> Self {
        Recorder { exchange, status }
    }

    fn done(&mut self) {
        if let Some(exchange) = self.exchange.take() {
            exchange.finish(self.status);
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.done();
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn new(body: B, recorder: Recorder, ctx: Context, span: tracing::Span) -> Self {
        ResponseBody {
            kind: Kind::Inner { body },
            recorder,
            ctx,
            span,
        }
    }

    pub(crate) fn empty(recorder: Recorder, ctx: Context, span: tracing::Span) -> Self {
        ResponseBody {
            kind: Kind::Empty,
            recorder,
            ctx,
            span,
        }
    }
}

impl<B> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("request_id", &self.ctx.request_id())
            .field("status", &self.recorder.status)
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = match this.kind.project() {
            KindProj::Inner { body } => {
                let _entered = this.span.enter();
                this.ctx.scope(|| body.poll_frame(cx))
            }
            KindProj::Empty => Poll::Ready(None),
        };
        if let Poll::Ready(None | Some(Err(_))) = polled {
            this.recorder.done();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Empty => SizeHint::with_exact(0),
        }
    }
}
