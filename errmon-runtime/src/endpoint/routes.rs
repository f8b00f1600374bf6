//! The routing table: one entry per path, each with its methods, whether it needs the bearer
//! token, a one-line summary for the index, whether it is cheap or a render, and its handler.
//! Authentication, `404`, `405` and `HEAD` are decided here, the same for every route and
//! every transport.
//!
//! A feature adds its route with [`Routes::add`], in `Endpoint::build` (`endpoint/mod.rs`),
//! the one place where both `install()` and `Config::endpoint()` build their table; its
//! handler captures the feature's own state:
//!
//! ```text
//! let history = Arc::clone(&history);
//! routes.add(Route::cheap("/history", "error rates over time as JSON", move |req| {
//!     history.answer(req)
//! }));
//! ```
//!
//! The index (`/`) lists every route with its summary, and the tables of routes of the README
//! and of the endpoint's docs are checked against it (`errmon-runtime/tests/routes.rs`): a new
//! route gets a row in both.

use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use super::auth::authorized;
use super::{Method, Request, Response, Scrapes, State};

/// Whether a route needs the bearer token when one is configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Answered only with `Authorization: Bearer <token>` (when a token is configured).
    Required,
    /// Answered to anyone: for health probes, which cannot carry a token.
    Exempt,
}

/// Where a route's answer is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cost {
    /// Answered inline, on the thread (or task) that read the request: microseconds, never
    /// waiting for a lock a render holds.
    Cheap,
    /// Made on a blocking pool: milliseconds, like `/metrics` of a large registry.
    Render,
}

/// A handler: from the request to a response, with whatever state it captured.
pub(crate) type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

#[derive(Clone)]
enum Answer {
    Handler(Handler),
    /// The index: the table's own list of routes.
    Index,
}

/// One entry of the table.
#[derive(Clone)]
pub(crate) struct Route {
    /// The exact path; no prefix matching, no normalisation (`/metrics/` is not `/metrics`).
    pub(crate) path: &'static str,
    /// The methods served. `HEAD` is answered wherever `GET` is, with `GET`'s head.
    pub(crate) methods: &'static [Method],
    pub(crate) auth: Auth,
    /// One line for the index.
    pub(crate) summary: &'static str,
    pub(crate) cost: Cost,
    answer: Answer,
}

impl Route {
    /// A route served to `GET` (and `HEAD`), behind the token, answered inline: its handler
    /// must not block or take long.
    pub(crate) fn cheap(
        path: &'static str,
        summary: &'static str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> Self {
        Route {
            path,
            methods: GET,
            auth: Auth::Required,
            summary,
            cost: Cost::Cheap,
            answer: Answer::Handler(Arc::new(handler)),
        }
    }

    /// A route served to `GET` (and `HEAD`), behind the token, answered on a blocking pool.
    pub(crate) fn render(
        path: &'static str,
        summary: &'static str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> Self {
        Route {
            cost: Cost::Render,
            ..Self::cheap(path, summary, handler)
        }
    }

    /// A health probe: cheap, and answered without the token (a probe cannot carry one);
    /// [`Route::auth`] puts it behind the token.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the health probes of a later issue are the first")
    )]
    pub(crate) fn probe(
        path: &'static str,
        summary: &'static str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> Self {
        Route {
            auth: Auth::Exempt,
            ..Self::cheap(path, summary, handler)
        }
    }

    /// The same route with `auth`.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "no route of errmon's own changes its default yet")
    )]
    #[must_use = "returns the changed route"]
    pub(crate) fn auth(self, auth: Auth) -> Self {
        Route { auth, ..self }
    }

    fn index() -> Self {
        Route {
            path: "/",
            methods: GET,
            auth: Auth::Required,
            summary: "this index",
            cost: Cost::Cheap,
            answer: Answer::Index,
        }
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("path", &self.path)
            .field("methods", &self.methods)
            .field("auth", &self.auth)
            .field("cost", &self.cost)
            .finish_non_exhaustive()
    }
}

/// The routing table.
#[derive(Clone, Debug)]
pub(crate) struct Routes {
    entries: Vec<Route>,
}

const GET: &[Method] = &[Method::Get];

/// The first line of the index.
const INDEX_TITLE: &str = "errmon";

/// What the request gets, before any handler runs.
enum Decision<'a> {
    /// `401`, `404` or `405`.
    Refused(Response),
    /// The route's handler answers.
    Route(&'a Route),
}

impl Routes {
    /// errmon's routes: `/metrics` (a render of `scrapes`), `/errors` and the index `/`, all
    /// behind the token.
    pub(crate) fn standard(scrapes: &Arc<Scrapes>) -> Self {
        let scrapes = Arc::clone(scrapes);
        let mut routes = Routes {
            entries: Vec::new(),
        };
        routes.add(Route::render(
            "/metrics",
            "Prometheus metrics",
            move |req| super::metrics::handle(req, &scrapes),
        ));
        routes.add(Route::cheap(
            "/errors",
            "error reports, groups and rates as JSON (?limit=, ?function=, ?since=, ?order=)",
            super::errors::handle,
        ));
        routes.add(Route::cheap(
            "/history",
            "the last hour of every function, route and the process as JSON (?window=, ?function=, ?route=)",
            super::history::handle,
        ));
        routes.add(Route::index());
        routes
    }

    /// Adds `route` after the others; the index lists it. Each path is added once (a second
    /// route of a path already in the table would never be reached) with a summary of one
    /// line; debug builds panic otherwise.
    pub(crate) fn add(&mut self, route: Route) {
        debug_assert!(
            route.path.starts_with('/') && self.find(route.path).is_none(),
            "route {} added twice, or not starting with /",
            route.path
        );
        debug_assert!(
            !route.summary.contains('\n'),
            "the summary of {} is more than one line",
            route.path
        );
        self.entries.push(route);
    }

    /// The entries, in order.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &[Route] {
        &self.entries
    }

    fn find(&self, path: &str) -> Option<&Route> {
        self.entries.iter().find(|r| r.path == path)
    }

    /// The index's text: a line per route, in the table's order, with whether it needs the
    /// token and its summary.
    pub(crate) fn index(&self) -> String {
        let width = self
            .entries
            .iter()
            .map(|r| r.path.len())
            .max()
            .unwrap_or(0)
            .max("path".len());
        let mut out = format!("{INDEX_TITLE}\n\n{:width$}  token  summary\n", "path");
        for r in &self.entries {
            let token = match r.auth {
                Auth::Required => "yes",
                Auth::Exempt => "no",
            };
            let _ = writeln!(out, "{:width$}  {token:5}  {}", r.path, r.summary);
        }
        out
    }

    /// The answer to `req`. In this order: an unknown path, or a route that needs the token,
    /// without the right token is `401` (so a client without the token learns nothing about
    /// which paths exist); an unknown path is `404`; a method the route does not serve is
    /// `405` with `Allow`; `HEAD` gets `GET`'s head without its body.
    pub(crate) fn answer(&self, req: &Request, state: &State) -> Response {
        match self.decide(req, state) {
            Decision::Refused(r) => r,
            Decision::Route(route) => self.run(route, req),
        }
    }

    /// [`Routes::answer`] if it is made inline: every refusal, and the routes that are
    /// [`Cost::Cheap`]. `None` when `req` reaches a [`Cost::Render`] route, whose answer is
    /// for a blocking pool. A cheap handler that panics gets `500`, as a render that panics on
    /// a blocking pool gets from the transport, instead of unwinding into the task that read
    /// the request.
    pub(crate) fn answer_inline(&self, req: &Request, state: &State) -> Option<Response> {
        match self.decide(req, state) {
            Decision::Refused(r) => Some(r),
            Decision::Route(route) if route.cost == Cost::Cheap => Some(
                std::panic::catch_unwind(AssertUnwindSafe(|| self.run(route, req)))
                    .unwrap_or_else(|_| Response::text(500, "internal error\n")),
            ),
            Decision::Route(_) => None,
        }
    }

    fn decide(&self, req: &Request, state: &State) -> Decision<'_> {
        let route = self.find(&req.path);
        let head = req.method == Method::Head;
        let needs_token = route.is_none_or(|r| r.auth == Auth::Required);
        if let Some(token) = &state.token {
            if needs_token && !authorized(req.authorization.as_deref(), token) {
                let r = Response::text(401, "missing or wrong bearer token\n")
                    .with_header("www-authenticate", "Bearer realm=\"errmon\"");
                return Decision::Refused(if head { r.without_body() } else { r });
            }
        }
        let Some(route) = route else {
            let r = Response::text(404, "not found; try /metrics\n");
            return Decision::Refused(if head { r.without_body() } else { r });
        };
        let serves = |m: Method| {
            route.methods.contains(&m)
                || (m == Method::Head && route.methods.contains(&Method::Get))
        };
        if !serves(req.method) {
            return Decision::Refused(
                Response::text(405, "method not allowed\n")
                    .with_header("allow", allow(route.methods)),
            );
        }
        Decision::Route(route)
    }

    /// `route`'s answer to `req`, which it serves.
    fn run(&self, route: &Route, req: &Request) -> Response {
        let r = match &route.answer {
            Answer::Handler(handler) => handler(req),
            Answer::Index => Response::new(200, TEXT, self.index()),
        };
        if req.method == Method::Head {
            r.without_body()
        } else {
            r
        }
    }
}

/// The content type of the index.
const TEXT: &str = "text/plain; charset=utf-8";

/// The `Allow` header of a route: its methods, and `HEAD` with `GET`.
fn allow(methods: &[Method]) -> String {
    let mut out = Vec::new();
    for m in methods {
        match m {
            Method::Get => out.extend(["GET", "HEAD"]),
            Method::Head => {
                if !out.contains(&"HEAD") {
                    out.push("HEAD");
                }
            }
            Method::Other => {}
        }
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::export::Renderer;

    fn state(token: Option<&str>) -> State {
        let settings = Config::default().validate().expect("default config");
        State::new(Renderer::new(settings), token.map(str::to_owned))
    }

    /// The standard routes, with a renderer of their own.
    fn standard() -> Routes {
        Routes::standard(&state(None).scrapes)
    }

    fn with(method: Method, target: &str, auth: Option<&str>) -> Request {
        let mut r = Request::get(target);
        r.method = method;
        r.authorization = auth.map(|a| a.as_bytes().to_vec());
        r
    }

    #[test]
    fn metrics_and_the_index_are_served_to_get_and_head() {
        let routes = standard();
        let state = state(None);
        let r = routes.answer(&Request::get("/metrics?debug=1"), &state);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some(crate::export::CONTENT_TYPE));
        let r = routes.answer(&Request::get("/"), &state);
        assert_eq!(r.status, 200);
        assert_eq!(&r.body[..], routes.index().as_bytes());
        let head = routes.answer(&with(Method::Head, "/", None), &state);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(head.content_length, Some(routes.index().len()));
        assert_eq!(head.header("content-type"), r.header("content-type"));
    }

    #[test]
    fn errors_are_json_and_a_bad_parameter_is_named_in_a_400() {
        let routes = standard();
        let state = state(None);
        let r = routes.answer(&Request::get("/errors?limit=2"), &state);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = std::str::from_utf8(&r.body).unwrap();
        assert!(
            body.starts_with('{') && body.contains("\"top_groups\""),
            "{body}"
        );
        for (query, parameter) in [
            ("limit=lots", "`limit`"),
            ("since=yesterday", "`since`"),
            ("order=loudest", "`order`"),
        ] {
            let r = routes.answer(&Request::get(&format!("/errors?{query}")), &state);
            assert_eq!(r.status, 400, "{query}");
            let text = std::str::from_utf8(&r.body).unwrap();
            assert!(text.contains(parameter), "{query}: {text}");
        }
    }

    #[test]
    fn unknown_paths_are_404_and_other_methods_405() {
        let routes = standard();
        let state = state(None);
        for path in ["/metric", "/metrics/", "/metrics/x", "/../metrics", "*", ""] {
            let r = routes.answer(&Request::get(path), &state);
            assert_eq!(r.status, 404, "{path}");
            assert!(std::str::from_utf8(&r.body).unwrap().contains("/metrics"));
        }
        let r = routes.answer(&with(Method::Other, "/metrics", None), &state);
        assert_eq!(r.status, 405);
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
        // Unknown path and unknown method: the path decides.
        let r = routes.answer(&with(Method::Other, "/nowhere", None), &state);
        assert_eq!(r.status, 404);
    }

    #[test]
    fn the_token_guards_every_required_route_and_unknown_paths() {
        let routes = standard();
        let state = state(Some("s3cret"));
        for (method, path, auth) in [
            (Method::Get, "/metrics", None),
            (Method::Get, "/metrics", Some("Bearer wrong")),
            (Method::Get, "/metrics", Some("Basic s3cret")),
            (Method::Get, "/", None),
            (Method::Get, "/nowhere", None),
            (Method::Other, "/metrics", None),
            (Method::Head, "/metrics", None),
        ] {
            let r = routes.answer(&with(method, path, auth), &state);
            assert_eq!(r.status, 401, "{method:?} {path} {auth:?}");
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer realm=\"errmon\"")
            );
        }
        for auth in ["Bearer s3cret", "BEARER s3cret", "bearer s3cret"] {
            let r = routes.answer(&with(Method::Get, "/metrics", Some(auth)), &state);
            assert_eq!(r.status, 200, "{auth}");
        }
        let r = routes.answer(
            &with(Method::Get, "/nowhere", Some("Bearer s3cret")),
            &state,
        );
        assert_eq!(r.status, 404);
    }

    #[test]
    fn an_exempt_route_is_served_without_the_token() {
        let mut routes = standard();
        let standard = routes.entries().len();
        routes.add(Route::probe("/livez", "liveness", |_| {
            Response::text(200, "ok\n")
        }));
        let state = state(Some("s3cret"));
        assert_eq!(routes.answer(&Request::get("/livez"), &state).status, 200);
        assert_eq!(routes.answer(&Request::get("/metrics"), &state).status, 401);
        assert_eq!(routes.entries().len(), standard + 1);
    }

    #[test]
    fn a_route_answers_from_the_state_it_captured() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        let calls = Arc::new(AtomicUsize::new(0));
        let mut routes = standard();
        let counted = Arc::clone(&calls);
        routes.add(Route::cheap("/calls", "calls so far", move |_| {
            let n = counted.fetch_add(1, Ordering::Relaxed) + 1;
            Response::new(200, TEXT, format!("{n}\n"))
        }));
        // A probe put behind the token when it is added.
        routes.add(
            Route::probe("/readyz", "readiness", |_| Response::text(200, "ok\n"))
                .auth(Auth::Required),
        );
        let open = state(None);
        assert_eq!(
            &routes.answer(&Request::get("/calls"), &open).body[..],
            b"1\n"
        );
        assert_eq!(
            &routes.answer(&Request::get("/calls"), &open).body[..],
            b"2\n"
        );
        let guarded = state(Some("s3cret"));
        for path in ["/calls", "/readyz"] {
            assert_eq!(
                routes.answer(&Request::get(path), &guarded).status,
                401,
                "{path}"
            );
            let r = routes.answer(&with(Method::Get, path, Some("Bearer s3cret")), &guarded);
            assert_eq!(r.status, 200, "{path}");
        }
        assert_eq!(calls.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn the_index_lists_every_route_with_its_token_and_summary() {
        let mut routes = standard();
        routes.add(Route::probe("/livez", "liveness", |_| {
            Response::text(200, "ok\n")
        }));
        let index = routes.index();
        let mut lines = index.lines();
        assert_eq!(lines.next(), Some(INDEX_TITLE));
        assert_eq!(lines.next(), Some(""));
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["path", "token", "summary"]);
        let listed: Vec<(&str, &str, String)> = lines
            .map(|l| {
                let mut words = l.split_whitespace();
                let path = words.next().unwrap();
                let token = words.next().unwrap();
                (path, token, words.collect::<Vec<_>>().join(" "))
            })
            .collect();
        let expected: Vec<(&str, &str, String)> = routes
            .entries()
            .iter()
            .map(|r| {
                let token = if r.auth == Auth::Required {
                    "yes"
                } else {
                    "no"
                };
                (r.path, token, r.summary.to_owned())
            })
            .collect();
        assert_eq!(listed, expected);
        assert_eq!(
            listed.iter().map(|l| l.0).collect::<Vec<_>>(),
            ["/metrics", "/errors", "/history", "/", "/livez"]
        );
        // Served as the table is when answered, so a route added later is listed too.
        let r = routes.answer(&Request::get("/"), &state(None));
        assert_eq!(&r.body[..], index.as_bytes());
    }

    #[test]
    fn only_a_render_is_left_for_a_blocking_pool() {
        let routes = standard();
        let open = state(None);
        for (method, target) in [(Method::Get, "/metrics"), (Method::Head, "/metrics?x=1")] {
            let req = with(method, target, None);
            assert!(
                routes.answer_inline(&req, &open).is_none(),
                "{method:?} {target}"
            );
        }
        for (method, target, status) in [
            (Method::Get, "/errors?limit=1", 200),
            (Method::Get, "/errors?limit=lots", 400),
            (Method::Head, "/errors", 200),
            (Method::Get, "/", 200),
            (Method::Get, "/nowhere", 404),
            (Method::Other, "/metrics", 405),
        ] {
            let req = with(method, target, None);
            let inline = routes.answer_inline(&req, &open);
            let inline = inline.unwrap_or_else(|| panic!("{method:?} {target} not inline"));
            let answered = routes.answer(&req, &open);
            assert_eq!(inline.status, status, "{method:?} {target}");
            assert_eq!(answered.status, status, "{method:?} {target}");
            assert_eq!(inline.headers, answered.headers, "{method:?} {target}");
            assert_eq!(
                inline.content_length, answered.content_length,
                "{method:?} {target}"
            );
            if target != "/errors?limit=1" && method != Method::Head {
                // `/errors` carries the time of its answer; the others are equal to the byte.
                assert_eq!(inline.body, answered.body, "{method:?} {target}");
            }
        }
        // Refused before the render: answered inline; with the token, rendered.
        let guarded = state(Some("s3cret"));
        let refused = routes.answer_inline(&Request::get("/metrics"), &guarded);
        assert_eq!(refused.map(|r| r.status), Some(401));
        let authorized = with(Method::Get, "/metrics", Some("Bearer s3cret"));
        assert!(routes.answer_inline(&authorized, &guarded).is_none());
        assert_eq!(routes.answer(&authorized, &guarded).status, 200);
    }

    #[test]
    fn a_cheap_handler_that_panics_is_answered_500() {
        let mut routes = standard();
        routes.add(Route::cheap("/broken", "panics", |_| {
            panic!("a broken handler")
        }));
        let r = routes.answer_inline(&Request::get("/broken"), &state(None));
        assert_eq!(r.as_ref().map(|r| r.status), Some(500));
        assert_eq!(
            r.as_ref().and_then(|r| r.header("content-type")),
            Some(TEXT)
        );
        // The table still answers.
        let r = routes.answer_inline(&Request::get("/errors"), &state(None));
        assert_eq!(r.map(|r| r.status), Some(200));
    }

    #[test]
    fn allow_lists_head_with_get() {
        assert_eq!(allow(&[Method::Get]), "GET, HEAD");
        assert_eq!(allow(&[Method::Get, Method::Head]), "GET, HEAD");
    }
}
