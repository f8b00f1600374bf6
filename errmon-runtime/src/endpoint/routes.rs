//! The routing table: one entry per path, each with its methods, whether it needs the bearer
//! token, and its handler. Authentication, `404`, `405` and `HEAD` are decided here, the same
//! for every route and every transport.

use super::auth::authorized;
use super::{Method, Request, Response, State};

/// Whether a route needs the bearer token when one is configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Answered only with `Authorization: Bearer <token>` (when a token is configured).
    Required,
    /// Answered to anyone: for health probes, which cannot carry a token.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the health probes of a later issue are the first")
    )]
    Exempt,
}

/// A handler: from the request and the shared state to a response. A plain `fn`, so the
/// table is data and a handler cannot capture anything the table does not show.
pub(crate) type Handler = fn(&Request, &State) -> Response;

/// One entry of the table.
#[derive(Clone, Copy)]
pub(crate) struct Route {
    /// The exact path; no prefix matching, no normalisation (`/metrics/` is not `/metrics`).
    pub(crate) path: &'static str,
    /// The methods served. `HEAD` is answered wherever `GET` is, with `GET`'s head.
    pub(crate) methods: &'static [Method],
    pub(crate) auth: Auth,
    pub(crate) handler: Handler,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("path", &self.path)
            .field("methods", &self.methods)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// The routing table.
#[derive(Clone, Debug)]
pub(crate) struct Routes {
    entries: Vec<Route>,
}

const GET: &[Method] = &[Method::Get];

const INDEX: &str = "errmon\n\n/metrics  Prometheus metrics\n/errors   error reports, groups and rates as JSON (?limit=, ?function=, ?since=, ?order=)\n/history  the last hour of every function, route and the process as JSON (?window=, ?function=, ?route=)\n";

impl Routes {
    /// errmon's routes: `/metrics`, `/errors` and the index `/`, all behind the token.
    pub(crate) fn standard() -> Self {
        Routes {
            entries: vec![
                Route {
                    path: "/metrics",
                    methods: GET,
                    auth: Auth::Required,
                    handler: super::metrics::handle,
                },
                Route {
                    path: "/errors",
                    methods: GET,
                    auth: Auth::Required,
                    handler: super::errors::handle,
                },
                Route {
                    path: "/history",
                    methods: GET,
                    auth: Auth::Required,
                    handler: super::history::handle,
                },
                Route {
                    path: "/",
                    methods: GET,
                    auth: Auth::Required,
                    handler: |_, _| Response::text(200, INDEX),
                },
            ],
        }
    }

    /// The entries, in order.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &[Route] {
        &self.entries
    }

    /// The answer to `req`. In this order: an unknown path, or a route that needs the token,
    /// without the right token is `401` (so a client without the token learns nothing about
    /// which paths exist); an unknown path is `404`; a method the route does not serve is
    /// `405` with `Allow`; `HEAD` gets `GET`'s head without its body.
    pub(crate) fn answer(&self, req: &Request, state: &State) -> Response {
        let route = self.entries.iter().find(|r| r.path == req.path);
        let head = req.method == Method::Head;
        let needs_token = route.is_none_or(|r| r.auth == Auth::Required);
        if let Some(token) = &state.token {
            if needs_token && !authorized(req.authorization.as_deref(), token) {
                let r = Response::text(401, "missing or wrong bearer token\n")
                    .with_header("www-authenticate", "Bearer realm=\"errmon\"");
                return if head { r.without_body() } else { r };
            }
        }
        let Some(route) = route else {
            let r = Response::text(404, "not found; try /metrics\n");
            return if head { r.without_body() } else { r };
        };
        let serves = |m: Method| {
            route.methods.contains(&m)
                || (m == Method::Head && route.methods.contains(&Method::Get))
        };
        if !serves(req.method) {
            return Response::text(405, "method not allowed\n")
                .with_header("allow", allow(route.methods));
        }
        let r = (route.handler)(req, state);
        if head { r.without_body() } else { r }
    }
}

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

    fn with(method: Method, target: &str, auth: Option<&str>) -> Request {
        let mut r = Request::get(target);
        r.method = method;
        r.authorization = auth.map(|a| a.as_bytes().to_vec());
        r
    }

    #[test]
    fn metrics_and_the_index_are_served_to_get_and_head() {
        let routes = Routes::standard();
        let state = state(None);
        let r = routes.answer(&Request::get("/metrics?debug=1"), &state);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some(crate::export::CONTENT_TYPE));
        let r = routes.answer(&Request::get("/"), &state);
        assert_eq!(r.status, 200);
        assert_eq!(&r.body[..], INDEX.as_bytes());
        let head = routes.answer(&with(Method::Head, "/", None), &state);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(head.content_length, Some(INDEX.len()));
        assert_eq!(head.header("content-type"), r.header("content-type"));
    }

    #[test]
    fn errors_are_json_and_a_bad_parameter_is_named_in_a_400() {
        let routes = Routes::standard();
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
        let routes = Routes::standard();
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
        let routes = Routes::standard();
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
        let mut routes = Routes::standard();
        let standard = routes.entries().len();
        routes.entries.push(Route {
            path: "/livez",
            methods: GET,
            auth: Auth::Exempt,
            handler: |_, _| Response::text(200, "ok\n"),
        });
        let state = state(Some("s3cret"));
        assert_eq!(routes.answer(&Request::get("/livez"), &state).status, 200);
        assert_eq!(routes.answer(&Request::get("/metrics"), &state).status, 401);
        assert_eq!(routes.entries().len(), standard + 1);
    }

    #[test]
    fn allow_lists_head_with_get() {
        assert_eq!(allow(&[Method::Get]), "GET, HEAD");
        assert_eq!(allow(&[Method::Get, Method::Head]), "GET, HEAD");
    }
}
