//! [`Endpoints`]: errmon's routes as a tower `Service`, to mount in an application's router.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use errmon_runtime::endpoint::{Endpoint, Request as Model, Response as Answer};
use http::{Request, Response};
use http_body_util::Full;
use tower_service::Service;

/// errmon's endpoints (`/metrics`, `/errors`, `/`, and those to come) as a tower
/// [`Service`]: the same routing table, authentication and bytes as the embedded server,
/// answered on the application's own port. Mount it with axum's `Router::nest_service`
/// (which strips the prefix, so `/errmon/metrics` reaches it as `/metrics`).
///
/// Cheap answers (`/errors`, `/`, and every `401`, `404` and `405`) are made at once, on the
/// task that calls the service, so they never wait behind a scrape. Rendering `/metrics` of a
/// large registry takes milliseconds (22 ms at 10,000 functions), so it is made on tokio's
/// blocking pool (`spawn_blocking`), never on a worker thread; concurrent scrapes share one
/// rendering through the endpoint's scrape cache. Outside a tokio runtime every answer is made
/// on the calling thread.
///
/// ```
/// use errmon_tower::Endpoints;
///
/// let endpoints = Endpoints::new(errmon_runtime::Config::default().endpoint()?);
/// // let app = axum::Router::new().nest_service("/errmon", endpoints);
/// # let _ = endpoints;
/// # Ok::<(), errmon_runtime::InstallError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Endpoints {
    endpoint: Endpoint,
}

impl Endpoints {
    /// Serves `endpoint`: from [`Config::endpoint`](errmon_runtime::Config::endpoint), or
    /// from `InstallGuard::endpoint()` (errmon-runtime's `server` feature) to share the
    /// embedded server's.
    pub fn new(endpoint: Endpoint) -> Self {
        Endpoints { endpoint }
    }
}

impl<B> Service<Request<B>> for Endpoints {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = EndpointFuture;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let model = Model::from_http(&req);
        if let Some(answer) = self.endpoint.answer_inline(&model) {
            return EndpointFuture(Pending::Ready(Some(answer)));
        }
        let endpoint = self.endpoint.clone();
        EndpointFuture(match tokio::runtime::Handle::try_current() {
            Ok(rt) => Pending::Blocking(rt.spawn_blocking(move || endpoint.answer(&model))),
            Err(_) => Pending::Ready(Some(endpoint.answer(&model))),
        })
    }
}

/// The future of an [`Endpoints`] answer.
#[derive(Debug)]
pub struct EndpointFuture(Pending);

#[derive(Debug)]
enum Pending {
    /// Being made on tokio's blocking pool.
    Blocking(tokio::task::JoinHandle<Answer>),
    /// Made already: a cheap route, or any answer outside a runtime.
    Ready(Option<Answer>),
}

impl Future for EndpointFuture {
    type Output = Result<Response<Full<Bytes>>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let answer = match &mut self.get_mut().0 {
            Pending::Blocking(handle) => match Pin::new(handle).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(answer)) => Some(answer),
                // The rendering panicked or the runtime is shutting down.
                Poll::Ready(Err(_)) => None,
            },
            Pending::Ready(answer) => answer.take(),
        };
        Poll::Ready(Ok(answer
            .unwrap_or_else(Answer::internal_error)
            .into_http()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header;

    /// Outside a tokio runtime the answer is made at once, on the calling thread.
    #[test]
    fn answers_outside_a_runtime_are_ready_at_once() {
        let endpoint = errmon_runtime::Config::default()
            .capture_facade(false)
            .endpoint()
            .expect("endpoint");
        let mut service = Endpoints::new(endpoint);
        let mut cx = TaskContext::from_waker(std::task::Waker::noop());
        for (path, status, content_type) in [
            ("/metrics", 200, errmon_runtime::export::CONTENT_TYPE),
            ("/nowhere", 404, "text/plain; charset=utf-8"),
        ] {
            let req = Request::get(path).body(()).expect("request");
            let mut fut = service.call(req);
            let Poll::Ready(Ok(r)) = Pin::new(&mut fut).poll(&mut cx) else {
                panic!("{path}: not ready at once");
            };
            assert_eq!(r.status(), status, "{path}");
            assert_eq!(r.headers()[header::CONTENT_TYPE], content_type, "{path}");
        }
    }

    /// Cheap routes are answered on the calling task, without tokio's blocking pool: while the
    /// pool's one thread is held, `/errors`, `/` and a `404` are answered at once and `/metrics`
    /// waits for the thread.
    #[test]
    fn cheap_routes_are_answered_while_the_blocking_pool_is_held() {
        use std::sync::mpsc;
        use std::time::Duration;

        // How long the test waits for the held task to start before failing instead of
        // hanging; never a measure of how fast it started.
        const STUCK: Duration = Duration::from_secs(30);

        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .expect("runtime");
        let endpoint = errmon_runtime::Config::default()
            .capture_facade(false)
            .endpoint()
            .expect("endpoint");
        let mut service = Endpoints::new(endpoint);
        let mut events = Vec::new();
        runtime.block_on(async {
            let (started, has_started) = mpsc::channel();
            let (release, released) = mpsc::channel::<()>();
            let held = tokio::task::spawn_blocking(move || {
                let _ = started.send(());
                let _ = released.recv();
            });
            has_started
                .recv_timeout(STUCK)
                .expect("the blocking thread runs the held task");
            events.push("blocking pool held");
            let mut cx = TaskContext::from_waker(std::task::Waker::noop());
            let mut scrape = service.call(Request::get("/metrics").body(()).expect("request"));
            assert!(Pin::new(&mut scrape).poll(&mut cx).is_pending());
            events.push("/metrics waits");
            for (path, status) in [("/errors?limit=1", 200), ("/", 200), ("/nowhere", 404)] {
                let mut fut = service.call(Request::get(path).body(()).expect("request"));
                let Poll::Ready(Ok(r)) = Pin::new(&mut fut).poll(&mut cx) else {
                    panic!("{path}: not answered at once");
                };
                assert_eq!(r.status(), status, "{path}");
            }
            events.push("/errors, / and 404 answered");
            release.send(()).expect("the held task waits");
            held.await.expect("the held task");
            let r = scrape.await.expect("infallible");
            assert_eq!(r.status(), 200);
            assert_eq!(
                r.headers()[header::CONTENT_TYPE],
                errmon_runtime::export::CONTENT_TYPE
            );
            events.push("/metrics answered");
        });
        assert_eq!(
            events,
            [
                "blocking pool held",
                "/metrics waits",
                "/errors, / and 404 answered",
                "/metrics answered"
            ]
        );
    }
}
