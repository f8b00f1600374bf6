//! [`ErrmonLayer`] and its options.

use std::borrow::Cow;
use std::sync::Arc;

use http::HeaderName;
use tower_layer::Layer;

use crate::route::{Classifier, RequestHead};
use crate::service::ErrmonService;

/// The header a request id is read from and echoed in, unless
/// [`ErrmonLayer::request_id_header`] says otherwise.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// A tower [`Layer`] that gives every request an id, errmon's request context and per-route
/// rate, errors and duration, and makes an error report of every `5xx` answer and every
/// panic of a handler. See the [crate documentation](crate) for what it records and where it
/// goes in a stack of layers.
///
/// ```
/// use errmon_tower::ErrmonLayer;
///
/// let layer = ErrmonLayer::new()
///     .request_id_header(http::HeaderName::from_static("x-correlation-id"));
/// # let _ = layer;
/// ```
#[derive(Clone, Debug)]
pub struct ErrmonLayer {
    pub(crate) config: Arc<Settings>,
}

#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) header: HeaderName,
    pub(crate) classifier: Classifier,
    pub(crate) report_server_errors: bool,
    pub(crate) catch_panics: bool,
    pub(crate) span: bool,
}

impl Default for ErrmonLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrmonLayer {
    /// The layer with its defaults: ids in `x-request-id`, routes from axum's `MatchedPath`
    /// (with the `axum` feature; without it, give a [`route_classifier`](Self::route_classifier)),
    /// `5xx` answers reported, panics caught and answered `500`, each request in an
    /// `errmon.request` span.
    pub fn new() -> Self {
        ErrmonLayer {
            config: Arc::new(Settings {
                header: REQUEST_ID_HEADER,
                classifier: Classifier::default(),
                report_server_errors: true,
                catch_panics: true,
                span: true,
            }),
        }
    }

    fn with(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// The header a caller's request id is read from, and the id is echoed in.
    #[must_use = "returns the changed layer"]
    pub fn request_id_header(self, name: HeaderName) -> Self {
        self.with(|s| s.header = name)
    }

    /// Names the route of each request axum's `MatchedPath` does not name (all of them
    /// without the `axum` feature, in a service that is not an axum router): a template such
    /// as `/orders/{id}`, or `None` for a request that matched no route. Under axum, those are
    /// the fallback's requests and those of services mounted with `nest_service` (a
    /// `ServeDir` of static files, say), whose tail axum does not name.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use errmon_tower::ErrmonLayer;
    ///
    /// let layer = ErrmonLayer::new().route_classifier(|req| {
    ///     let path = req.uri.path();
    ///     if path.starts_with("/orders/") {
    ///         Some(Cow::Borrowed("/orders/{id}"))
    ///     } else if path == "/health" {
    ///         Some(Cow::Borrowed("/health"))
    ///     } else {
    ///         None
    ///     }
    /// });
    /// # let _ = layer;
    /// ```
    #[must_use = "returns the changed layer"]
    pub fn route_classifier<F>(self, classify: F) -> Self
    where
        F: Fn(&RequestHead<'_>) -> Option<Cow<'static, str>> + Send + Sync + 'static,
    {
        self.with(|s| s.classifier = Classifier(Some(Arc::new(classify))))
    }

    /// Whether a `5xx` answer becomes an error report (on by default). Its counting in
    /// `errmon_http_requests_total` does not depend on this.
    #[must_use = "returns the changed layer"]
    pub fn report_server_errors(self, on: bool) -> Self {
        self.with(|s| s.report_server_errors = on)
    }

    /// Whether a panic of the inner service is caught, reported and answered `500` with an
    /// empty body (on by default). Off, the panic unwinds on, as without the layer, and the
    /// request is counted as `cancelled`.
    #[must_use = "returns the changed layer"]
    pub fn catch_panics(self, on: bool) -> Self {
        self.with(|s| s.catch_panics = on)
    }

    /// Whether each request runs in a `tracing` span `errmon.request` (target `errmon`, level
    /// `info`) with its `request_id`, and its `user_id` once
    /// [`context::set_user_id`](errmon_runtime::context::set_user_id) sets it (on by
    /// default): an application whose own formatter prints span fields (tracing-subscriber's
    /// `fmt`, its JSON with `with_current_span`) then shows the request on every line.
    /// errmon's own log layer reads the context itself and needs no span. Costs nothing when
    /// no subscriber wants `errmon` spans at `info`.
    #[must_use = "returns the changed layer"]
    pub fn request_span(self, on: bool) -> Self {
        self.with(|s| s.span = on)
    }
}

impl<S> Layer<S> for ErrmonLayer {
    type Service = ErrmonService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ErrmonService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}
