//! errmon's HTTP surface apart from any transport: a [`Request`] model, a [`Response`] model,
//! and one routing table that decides authentication, `404`, `405` and `HEAD` for every
//! route. The embedded server maps hyper's requests onto this model; a framework adapter
//! (`errmon-tower`, or an application's own router) answers with an [`Endpoint`], so the
//! bytes of every answer are the same whoever serves them.
//!
//! ```
//! use errmon_runtime::endpoint::Request;
//!
//! let endpoint = errmon_runtime::Config::default().endpoint()?;
//! let r = endpoint.answer(&Request::new("GET", "/metrics", None));
//! assert_eq!(r.status(), 200);
//! assert_eq!(r.header("content-type"), Some(errmon_runtime::export::CONTENT_TYPE));
//! assert_eq!(endpoint.answer(&Request::new("GET", "/nowhere", None)).status(), 404);
//! # Ok::<(), errmon_runtime::InstallError>(())
//! ```
//!
//! [`Endpoint::answer`] renders on the calling thread, which for `/metrics` of a large
//! registry takes milliseconds (22 ms at 10,000 functions). An async server first asks
//! [`Endpoint::answer_inline`], which answers every cheap route (`/errors`, `/`, and every
//! `401`, `404` and `405`) on the spot, and calls [`Endpoint::answer`] from a blocking pool
//! (`tokio::task::spawn_blocking`) only when it returns `None`, as the embedded server and
//! `errmon-tower` do: a cheap answer never waits behind a rendering.
//!
//! # Adding a route
//!
//! A feature adds its route in `Endpoint::build` (below), the one place where both
//! `install()` and `Config::endpoint()` build the routing table: `routes.add(Route::cheap(
//! path, summary, handler))` (or `Route::render` for an answer that takes milliseconds, or
//! `Route::probe` for a health probe, answered without the token). The handler is a closure
//! that captures the feature's own state. `routes.rs` documents the table; the index (`/`)
//! lists the new route by itself, and the tables of routes of the README and of
//! [Routes](#routes) below each need a row for it (`errmon-runtime/tests/routes.rs` compares
//! them with the index).
#![doc = include_str!("../../docs/endpoint.md")]

mod auth;
mod errors;
mod history;
mod http_types;
mod metrics;
mod request;
mod response;
mod routes;

#[cfg(test)]
pub(crate) use metrics::Gate;
pub(crate) use metrics::Scrapes;
pub(crate) use request::Method;
pub use request::Request;
pub use response::Response;
pub(crate) use routes::Routes;

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::Settings;
use crate::export::Renderer;

/// errmon's routes (`/metrics`, `/errors`, `/` and those to come, each with the state it
/// answers from, such as the renderer behind its scrape cache) and the bearer token. Cheap to
/// clone; clones share that state, so concurrent scrapes through any of them render once.
///
/// Made by [`Config::endpoint`](crate::Config::endpoint) (without the embedded server) or
/// [`InstallGuard::endpoint`](crate::InstallGuard::endpoint) (the running server's own).
#[derive(Clone)]
pub struct Endpoint {
    routes: Arc<Routes>,
    state: Arc<State>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("routes", &self.routes)
            .field("token", &self.state.token.is_some())
            .finish()
    }
}

impl Endpoint {
    /// errmon's endpoint as [`Config::install`](crate::Config::install) and
    /// [`Config::endpoint`](crate::Config::endpoint) serve it: `settings`' token, the
    /// renderer of `/metrics` (with the `metrics` facade's `facade`), and the routing table.
    ///
    /// A feature's route is added here, once for both: after the standard routes,
    /// `routes.add(Route::cheap("/path", "summary", move |req| state.answer(req)))` with the
    /// feature's own state (see `routes.rs`).
    ///
    /// `scheduler` keeps errmon's background jobs running while a clone of the endpoint lives
    /// (for [`Config::endpoint`](crate::Config::endpoint), which has no guard).
    pub(crate) fn build(
        settings: Settings,
        facade: Option<PrometheusHandle>,
        scheduler: Option<crate::schedule::Running>,
    ) -> Self {
        let token = settings.bearer_token.as_ref().map(|t| t.0.clone());
        let mut state = State::new(Renderer::with_facade(settings, facade), token);
        state.scheduler = scheduler;
        let routes = Routes::standard(&state.scrapes);
        Self::new(routes, state)
    }

    pub(crate) fn new(routes: Routes, state: State) -> Self {
        Endpoint {
            routes: Arc::new(routes),
            state: Arc::new(state),
        }
    }

    #[cfg(feature = "server")]
    pub(crate) fn parts(&self) -> (Routes, Arc<State>) {
        (Routes::clone(&self.routes), Arc::clone(&self.state))
    }

    /// The answer to `req`, exactly as the embedded server gives it: authentication first
    /// (`401`), then `404` for an unknown path, `405` with `Allow` for another method, `GET`'s
    /// head without its body for `HEAD`. Blocks while `/metrics` renders: an async server
    /// calls [`Endpoint::answer_inline`] first, and this from a blocking pool.
    pub fn answer(&self, req: &Request) -> Response {
        self.routes.answer(req, &self.state)
    }

    /// The answer to `req` if it is cheap to make: exactly [`Endpoint::answer`]'s, for every
    /// route answered inline (`/errors`, `/`) and for every `401`, `404` and `405`. `None`
    /// when `req` reaches a route that renders (`/metrics`): call [`Endpoint::answer`] for
    /// it on a blocking pool. A transport answers cheap routes on the task that read the
    /// request, so they never wait behind a rendering.
    ///
    /// ```
    /// use errmon_runtime::endpoint::Request;
    ///
    /// let endpoint = errmon_runtime::Config::default().endpoint()?;
    /// let req = Request::new("GET", "/errors", None);
    /// let r = match endpoint.answer_inline(&req) {
    ///     Some(r) => r,
    ///     // In an async server: `tokio::task::spawn_blocking(move || endpoint.answer(&req))`.
    ///     None => endpoint.answer(&req),
    /// };
    /// assert_eq!(r.status(), 200);
    /// assert!(endpoint.answer_inline(&Request::new("GET", "/metrics", None)).is_none());
    /// assert!(endpoint.answer_inline(&Request::new("HEAD", "/metrics", None)).is_none());
    /// let refused = endpoint.answer_inline(&Request::new("POST", "/metrics", None));
    /// assert_eq!(refused.map(|r| r.status()), Some(405));
    /// # Ok::<(), errmon_runtime::InstallError>(())
    /// ```
    pub fn answer_inline(&self, req: &Request) -> Option<Response> {
        self.routes.answer_inline(req, &self.state)
    }
}

/// What the routing table and the transports read: the bearer token, if one is configured,
/// and the renderer of `/metrics` behind its scrape cache (which `/metrics`' handler shares).
pub(crate) struct State {
    pub(crate) scrapes: Arc<Scrapes>,
    /// When set, each route with [`routes::Auth::Required`] (and every unknown path) needs
    /// `Authorization: Bearer <token>`.
    pub(crate) token: Option<String>,
    /// errmon's background jobs, for an endpoint made without the embedded server: they stop
    /// with its last clone.
    pub(crate) scheduler: Option<crate::schedule::Running>,
}

impl State {
    pub(crate) fn new(renderer: Renderer, token: Option<String>) -> Self {
        State {
            scrapes: Arc::new(Scrapes::new(renderer)),
            token,
            scheduler: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::sync::{Mutex, PoisonError};
    use std::time::Duration;

    use super::*;
    use crate::config::Config;

    /// How long a test waits for what must happen before failing instead of hanging; never
    /// a measure of how fast it happened.
    const STUCK: Duration = Duration::from_secs(30);

    #[test]
    fn cheap_routes_are_answered_while_a_render_is_held() {
        let settings = Config::default().validate().expect("default config");
        let state = State::new(Renderer::new(settings), None);
        let (started, has_started) = mpsc::channel();
        let (release, released) = mpsc::channel();
        state.scrapes.hold_next(Gate {
            started,
            release: released,
        });
        let routes = Routes::standard(&state.scrapes);
        let endpoint = Endpoint::new(routes, state);
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = |events: &Mutex<Vec<&'static str>>, e| {
            events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(e);
        };
        let scrape = {
            let (endpoint, events) = (endpoint.clone(), Arc::clone(&events));
            std::thread::spawn(move || {
                let req = Request::new("GET", "/metrics", None);
                assert!(endpoint.answer_inline(&req).is_none());
                let r = endpoint.answer(&req);
                log(&events, "/metrics answered");
                r.status()
            })
        };
        has_started.recv_timeout(STUCK).expect("the render starts");
        log(&events, "render held");
        for target in ["/errors", "/"] {
            let r = endpoint.answer_inline(&Request::new("GET", target, None));
            assert_eq!(r.map(|r| r.status()), Some(200), "{target}");
        }
        log(&events, "/errors and / answered");
        release.send(()).expect("the render waits");
        assert_eq!(scrape.join().expect("the scrape"), 200);
        assert_eq!(
            *events.lock().unwrap_or_else(PoisonError::into_inner),
            ["render held", "/errors and / answered", "/metrics answered"]
        );
    }
}
