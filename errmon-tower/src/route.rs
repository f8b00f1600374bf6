//! Which route a request is counted under: a template, never the raw path.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// What a route classifier sees of a request: its head, without the body.
#[derive(Debug)]
#[non_exhaustive]
pub struct RequestHead<'a> {
    /// The method.
    pub method: &'a http::Method,
    /// The target, as the server received it.
    pub uri: &'a http::Uri,
    /// The headers.
    pub headers: &'a http::HeaderMap,
    /// The extensions set by the layers before (axum's `MatchedPath`, say).
    pub extensions: &'a http::Extensions,
}

/// Names a request's route: a template such as `/orders/{id}`, or `None` when the request
/// matched no route (counted as `route="unmatched"`). Every distinct name is a series (up to
/// errmon's cap, past which they are counted as `other`), so it must come from a fixed set:
/// never return the path itself.
pub(crate) type Classify = dyn Fn(&RequestHead<'_>) -> Option<Cow<'static, str>> + Send + Sync;

#[derive(Clone, Default)]
pub(crate) struct Classifier(pub(crate) Option<Arc<Classify>>);

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Some(_) if cfg!(feature = "axum") => "Classifier(axum MatchedPath, then custom)",
            Some(_) => "Classifier(custom)",
            None if cfg!(feature = "axum") => "Classifier(axum MatchedPath)",
            None => "Classifier(none: every request is unmatched)",
        })
    }
}

impl Classifier {
    /// The route of a request: axum's `MatchedPath` (with the `axum` feature), else what the
    /// user's classifier says, else none.
    pub(crate) fn route<'a, B>(&self, req: &'a http::Request<B>) -> Option<Cow<'a, str>> {
        #[cfg(feature = "axum")]
        if let Some(matched) = req.extensions().get::<axum::extract::MatchedPath>() {
            return Some(Cow::Borrowed(matched.as_str()));
        }
        if let Some(classify) = &self.0 {
            let head = RequestHead {
                method: req.method(),
                uri: req.uri(),
                headers: req.headers(),
                extensions: req.extensions(),
            };
            return classify(&head);
        }
        None
    }
}
