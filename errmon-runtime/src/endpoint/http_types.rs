//! Between the `http` crate's types and the endpoint's: the one mapping every transport uses
//! (the embedded server's hyper connection, errmon-tower's `Endpoints` service), so a route
//! reads the same request and answers the same bytes however it is served.

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http_body_util::Full;

use super::request::Method;
use super::{Request, Response};

impl Request {
    /// The request errmon's routes read, from an `http` request: its method, path and query,
    /// and the headers routes look at (`Authorization`, `Accept-Encoding`, `Host`, or for an
    /// absolute-form target such as `GET http://host/metrics`, the target's authority).
    ///
    /// ```
    /// let req = http::Request::get("http://127.0.0.1:9611/metrics?x=1").body(()).unwrap();
    /// let model = errmon_runtime::endpoint::Request::from_http(&req);
    /// # let _ = model;
    /// ```
    pub fn from_http<B>(req: &http::Request<B>) -> Request {
        let header = |name: HeaderName| req.headers().get(name).map(|v| v.as_bytes().to_vec());
        let uri = req.uri();
        Request {
            method: Method::parse(req.method().as_str()),
            // For an absolute-form target the URI's path is `/metrics`, as for an origin-form
            // one.
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            authorization: header(header::AUTHORIZATION),
            accept_encoding: header(header::ACCEPT_ENCODING),
            host: header(header::HOST)
                .or_else(|| uri.authority().map(|a| a.as_str().as_bytes().to_vec())),
            received: std::time::Instant::now(),
        }
    }
}

impl Response {
    /// The `500` a transport answers when making the answer failed (its rendering panicked,
    /// or the runtime it ran on is shutting down).
    pub fn internal_error() -> Response {
        Response::text(500, "internal error\n")
    }

    /// This answer as an `http` response: its status, its headers (any a transport cannot
    /// carry left out, never a panic), its body, and `Content-Length` for `HEAD`.
    ///
    /// ```
    /// let r = errmon_runtime::endpoint::Response::internal_error().into_http();
    /// assert_eq!(r.status(), 500);
    /// ```
    pub fn into_http(self) -> http::Response<Full<Bytes>> {
        let status = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let length = self.content_length;
        let mut out = http::Response::new(Full::new(self.body));
        *out.status_mut() = status;
        let headers = out.headers_mut();
        for (name, value) in self.headers {
            // Checked, not `from_static`, which panics on a name that is not lowercase.
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        if let Some(n) = length {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
        }
        out
    }
}
