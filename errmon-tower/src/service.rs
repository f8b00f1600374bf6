//! [`ErrmonService`]: the layer's service, and the future of its responses.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use errmon_runtime::context::{Context, WithContext};
use errmon_runtime::http::{Exchange, Method};
use http::{HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::body::{Recorder, ResponseBody};
use crate::layer::Settings;

/// The service [`ErrmonLayer`](crate::ErrmonLayer) wraps around another.
#[derive(Clone, Debug)]
pub struct ErrmonService<S> {
    pub(crate) inner: S,
    pub(crate) config: Arc<Settings>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ErrmonService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let config = &self.config;
        let exchange = Exchange::start(
            Method::parse(req.method().as_str()),
            config.classifier.route(&req).as_deref(),
        );
        let incoming = req.headers().get(&config.header);
        // An id that is not `^[A-Za-z0-9._-]{1,128}$` is replaced by a generated one here,
        // before anything could log it; the handler sees the id the response will carry.
        let ctx = Context::from_request_id(incoming.and_then(|v| v.to_str().ok()));
        let id = match incoming {
            Some(v) if !ctx.request_id_was_generated() => v.clone(),
            _ => {
                // A generated id is a UUID: always a valid header value.
                let v = HeaderValue::from_str(ctx.request_id()).ok();
                if let Some(v) = &v {
                    req.headers_mut().insert(config.header.clone(), v.clone());
                }
                v.unwrap_or_else(|| HeaderValue::from_static(""))
            }
        };
        let span = if config.span {
            ctx.scope(errmon_runtime::log::request_span)
        } else {
            tracing::Span::none()
        };
        let inner = span.in_scope(|| ctx.scope(|| self.inner.call(req)));
        ResponseFuture {
            inner: ctx.clone().wrap(inner),
            span,
            exchange: Some(exchange),
            ctx,
            id,
            config: Arc::clone(&self.config),
        }
    }
}

pin_project! {
    /// The response future of [`ErrmonService`]: the inner service's, with the request's
    /// context current whenever it is polled or dropped, and its span entered while polled.
    /// Dropped before it completes (the client went away), the request is counted as
    /// `cancelled`.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: WithContext<F>,
        span: tracing::Span,
        exchange: Option<Exchange>,
        ctx: Context,
        id: HeaderValue,
        config: Arc<Settings>,
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("request_id", &self.ctx.request_id())
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        // Entered for the whole poll: the report of a `5xx` or a panic is in the span too.
        let _entered = this.span.enter();
        let polled = if this.config.catch_panics {
            catch_unwind(AssertUnwindSafe(|| this.inner.as_mut().poll(cx)))
        } else {
            Ok(this.inner.as_mut().poll(cx))
        };
        let ready = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(ready)) => Some(ready),
            Err(_panic) => None,
        };
        let exchange = this.exchange.take();
        let ctx = this.ctx.clone();
        let response = match ready {
            Some(Ok(response)) => response,
            Some(Err(e)) => {
                if let Some(exchange) = exchange {
                    exchange.fail();
                }
                return Poll::Ready(Err(e));
            }
            None => {
                // The inner future is not polled again: it panicked.
                if let Some(exchange) = &exchange {
                    ctx.scope(|| exchange.report_panic());
                }
                let body =
                    ResponseBody::empty(Recorder::new(exchange, 500), ctx, this.span.clone());
                let mut response = Response::new(body);
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_LENGTH, HeaderValue::from(0));
                insert_id(&mut response, &this.config.header, this.id);
                return Poll::Ready(Ok(response));
            }
        };
        let status = response.status().as_u16();
        if let Some(exchange) = &exchange {
            if status >= 500 && this.config.report_server_errors {
                ctx.scope(|| exchange.report_server_error(status));
            }
        }
        let (parts, body) = response.into_parts();
        let body = ResponseBody::new(
            body,
            Recorder::new(exchange, status),
            ctx,
            this.span.clone(),
        );
        let mut response = Response::from_parts(parts, body);
        insert_id(&mut response, &this.config.header, this.id);
        Poll::Ready(Ok(response))
    }
}

/// Echoes the request id in the response, replacing one the handler set.
fn insert_id<B>(response: &mut Response<B>, name: &http::HeaderName, id: &HeaderValue) {
    if !id.is_empty() {
        response.headers_mut().insert(name.clone(), id.clone());
    }
}
