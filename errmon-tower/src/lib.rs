//! errmon for services built on tower (axum, tonic, hyper): one [`ErrmonLayer`] gives every
//! request an id, errmon's request context and per-route rate, errors and duration, and
//! [`Endpoints`] serves errmon's `/metrics` and `/errors` on the application's own port.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use errmon_tower::{Endpoints, ErrmonLayer};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let endpoints = Endpoints::new(errmon_runtime::Config::from_env()?.endpoint()?);
//! let app = Router::new()
//!     .route("/orders/{id}", get(|| async { "order" }))
//!     // After the routes: the outermost layer, around every other layer and every route.
//!     .layer(ErrmonLayer::new())
//!     // After the layer: scrapes are not counted among the application's requests.
//!     .nest_service("/errmon", endpoints);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! # What each request gets
//!
//! - **A request id**: the caller's `x-request-id` (the header is
//!   [configurable](ErrmonLayer::request_id_header)) when it matches `^[A-Za-z0-9._-]{1,128}$`,
//!   else a generated UUID; the rejected value is dropped before anything logs it. The handler
//!   sees the id in the request's header, and its
//!   [`Context`](errmon_runtime::context::Context) as
//!   [`context::current()`](errmon_runtime::context::current); the response carries the id in
//!   the same header.
//! - **errmon's request context**, current whenever the request's future or its response body
//!   is polled (on whichever worker thread) and while they are dropped: every error report and
//!   every log line made on the way carries the request id, and the user id once the
//!   application's authentication sets it with
//!   [`context::set_user_id`](errmon_runtime::context::set_user_id). For the application's
//!   own log formatter, the request runs in a `tracing` span `errmon.request` with the
//!   `request_id` and, once set, the `user_id` ([`ErrmonLayer::request_span`]).
//! - **RED metrics**: `errmon_http_requests_total{method, route, status}`,
//!   `errmon_http_request_duration_seconds{method, route, status}` (errmon's duration grid,
//!   the configured buckets) and `errmon_http_requests_in_flight{method, route}`; or
//!   OpenTelemetry's names with
//!   [`Config::http_naming`](errmon_runtime::Config::http_naming). `method` is one of a fixed
//!   list (others are `_OTHER`); `route` is axum's `MatchedPath` template (feature `axum`),
//!   else what a [classifier](ErrmonLayer::route_classifier) names, and `unmatched` when
//!   there is none: never the raw path, so a scanner requesting 100,000 random paths adds no
//!   series. (axum names no template for the paths below a `nest_service` mount, only for
//!   the mount point itself: a classifier can name them.)
//!   The duration runs until the response body ends or is dropped; a request dropped before
//!   its response (the client went away) is counted with `status="cancelled"`.
//! - **Error reports**: a `5xx` answer becomes a report (`GET /orders/{id} answered 503
//!   Service Unavailable`, function `http_request`, grouped by route and status) with the
//!   request's id and user; a panic of a handler is caught, reported with its message and
//!   location, and answered `500` (unless an instrumented function it unwound through
//!   reported it already).
//!
//! # Where the layer goes
//!
//! **Apply it with `Router::layer`, after the routes**, so it wraps each route once axum has
//! matched it: that is when axum's `MatchedPath` is known. A layer applied around the router
//! from outside (`ServiceBuilder` around the whole `Router`) runs before routing and counts
//! every request as `unmatched`.
//!
//! **Make it the outermost of the layers that log, trace or fail** (in axum, the last
//! `.layer(..)` call; in a `ServiceBuilder`, the first `.layer(..)`). The request id and the
//! context exist from the moment this layer sees the request; a layer outside it (a
//! `TraceLayer`, a timeout, an authentication layer) runs before the id is chosen and after
//! the context is gone, so its log lines and its errors carry no request id, and the id it
//! could log is not the one the response carries. Layers inside it, the handler and
//! everything they call see the id. An authentication layer that sets the user id belongs
//! inside, for the same reason:
//!
//! ```
//! use axum::{Router, routing::get, middleware};
//! use errmon_tower::ErrmonLayer;
//!
//! async fn authenticate(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
//!     if let Some(user) = req.headers().get("x-user").and_then(|v| v.to_str().ok()) {
//!         errmon_runtime::context::set_user_id(user);
//!     }
//!     next.run(req).await
//! }
//!
//! let app: Router = Router::new()
//!     .route("/orders", get(|| async { "orders" }))
//!     .layer(middleware::from_fn(authenticate)) // inside: sees the context
//!     .layer(ErrmonLayer::new());               // outermost
//! ```
//!
//! # Endpoints on the same port
//!
//! Mount them after `.layer(ErrmonLayer::new())`, as above, so that Prometheus' scrapes are
//! not counted, timed and traced as the application's own requests. Mounted before, they are
//! (under `route="unmatched"`, since axum names no template below a `nest_service` mount).
//!
//! [`Endpoints`] answers exactly as the embedded server of `errmon_runtime::install()` would
//! (same routes, bearer token, bytes), made from
//! [`Config::endpoint`](errmon_runtime::Config::endpoint) without starting that server, or
//! from `InstallGuard::endpoint()` (errmon-runtime's `server` feature) to serve both.

#![doc = include_str!("../docs/guide.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
mod body;
mod endpoints;
mod layer;
mod route;
mod service;

pub use body::ResponseBody;
pub use endpoints::{EndpointFuture, Endpoints};
pub use layer::{ErrmonLayer, REQUEST_ID_HEADER};
pub use route::RequestHead;
pub use service::{ErrmonService, ResponseFuture};
