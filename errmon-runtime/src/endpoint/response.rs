//! The response model: a status, headers, and a body of bytes.

use std::borrow::Cow;

use bytes::Bytes;

/// A response body. `Bytes` so a body shared by concurrent scrapes is one allocation.
pub(crate) type Body = Bytes;

/// One response, before any transport writes it. `Content-Length` is the transport's to add,
/// from the body, except for `HEAD`, whose [`Response::content_length`] says what `GET` would
/// have sent.
#[derive(Clone, Debug)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, Cow<'static, str>)>,
    pub(crate) body: Body,
    /// Set for the answer to `HEAD`: the length of the body `GET` would get, which is empty.
    pub(crate) content_length: Option<usize>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &'static str, body: impl Into<Body>) -> Self {
        Response {
            status,
            headers: vec![("content-type", Cow::Borrowed(content_type))],
            body: body.into(),
            content_length: None,
        }
    }

    /// A short `text/plain` answer.
    pub(crate) fn text(status: u16, body: &'static str) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            Bytes::from_static(body.as_bytes()),
        )
    }

    pub(crate) fn with_header(
        mut self,
        name: &'static str,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, names in lowercase, in order; `Content-Length` is not among them.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter().map(|(k, v)| (*k, v.as_ref()))
    }

    /// The body: shared, not copied, with the scrapes that got the same rendering.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, taken.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// For the answer to `HEAD`: the `Content-Length` that `GET` would have sent (the body is
    /// empty). `None` otherwise: the body's length is the `Content-Length`.
    pub fn content_length(&self) -> Option<usize> {
        self.content_length
    }

    /// The first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The answer to `HEAD`: the same head, no body.
    pub(crate) fn without_body(mut self) -> Self {
        self.content_length = Some(self.body.len());
        self.body = Body::new();
        self
    }
}
