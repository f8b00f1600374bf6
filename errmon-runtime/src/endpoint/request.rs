//! The request model: only what routing, authentication and encoding need.

use std::time::Instant;

/// A request method as the routing table sees it. Methods are case-sensitive (RFC 9110 §9.1):
/// `get` is [`Method::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Other,
}

impl Method {
    pub(crate) fn parse(method: &str) -> Self {
        match method {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            _ => Method::Other,
        }
    }
}

/// One request, as any transport hands it over: the target's path and query apart (an
/// absolute-form target, `GET http://host/metrics`, gives the same path as `GET /metrics`),
/// and the headers that matter, raw.
///
/// ```
/// use errmon_runtime::endpoint::Request;
///
/// let req = Request::new("GET", "/errors", Some("limit=5"))
///     .header("authorization", b"Bearer s3cret")
///     .header("accept-encoding", b"gzip");
/// # let _ = req;
/// ```
#[derive(Clone, Debug)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) authorization: Option<Vec<u8>>,
    pub(crate) accept_encoding: Option<Vec<u8>>,
    /// `Host`, or the authority of an absolute-form target.
    pub(crate) host: Option<Vec<u8>>,
    /// When the transport had the request's head: answers reflect the totals as of then or
    /// later, however long the request waited for a thread.
    pub(crate) received: Instant,
}

impl Request {
    /// A request of `method` (case-sensitive: `get` is not `GET`) for `path` with `query`
    /// (without its `?`), received now, without headers.
    pub fn new(method: &str, path: &str, query: Option<&str>) -> Self {
        Request {
            method: Method::parse(method),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            authorization: None,
            accept_encoding: None,
            host: None,
            received: Instant::now(),
        }
    }

    /// Adds a header, if it is one errmon reads (`authorization`, `accept-encoding`, `host`;
    /// names compare case-insensitively); others are ignored.
    #[must_use = "returns the changed request"]
    pub fn header(mut self, name: &str, value: &[u8]) -> Self {
        let slot = if name.eq_ignore_ascii_case("authorization") {
            &mut self.authorization
        } else if name.eq_ignore_ascii_case("accept-encoding") {
            &mut self.accept_encoding
        } else if name.eq_ignore_ascii_case("host") {
            &mut self.host
        } else {
            return self;
        };
        *slot = Some(value.to_vec());
        self
    }

    /// A `GET` of `target` (`/path?query`) without headers; add them with the fields.
    #[cfg(test)]
    pub(crate) fn get(target: &str) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (target, None),
        };
        Request {
            method: Method::Get,
            path: path.to_owned(),
            query,
            authorization: None,
            accept_encoding: None,
            host: None,
            received: Instant::now(),
        }
    }

    /// Whether the client accepts a `gzip` body: `gzip` (or `*`) listed in `Accept-Encoding`
    /// without `q=0`.
    pub(crate) fn accepts_gzip(&self) -> bool {
        let Some(header) = &self.accept_encoding else {
            return false;
        };
        let Ok(header) = std::str::from_utf8(header) else {
            return false;
        };
        header.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .or_else(|| p.strip_prefix("Q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(v: &str) -> Request {
        let mut r = Request::get("/metrics");
        r.accept_encoding = Some(v.as_bytes().to_vec());
        r
    }

    #[test]
    fn gzip_is_used_when_accepted() {
        for yes in [
            "gzip",
            "GZIP",
            "deflate, gzip",
            "gzip;q=0.5",
            "*",
            // Prometheus' own header.
            "gzip",
            "br, gzip ; q=1.0",
        ] {
            assert!(accepting(yes).accepts_gzip(), "{yes}");
        }
        for no in ["", "identity", "gzip;q=0", "gzip; q=0.0", "br", "x-gzip2"] {
            assert!(!accepting(no).accepts_gzip(), "{no}");
        }
        assert!(!Request::get("/metrics").accepts_gzip());
    }

    #[test]
    fn methods_are_case_sensitive() {
        assert_eq!(Method::parse("GET"), Method::Get);
        assert_eq!(Method::parse("HEAD"), Method::Head);
        assert_eq!(Method::parse("get"), Method::Other);
        assert_eq!(Method::parse("POST"), Method::Other);
    }
}
