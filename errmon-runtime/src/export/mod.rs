//! Getting errmon's data out: Prometheus text rendered exactly from the registry, and a bridge
//! that publishes the same totals through the `metrics` facade for other recorders. Both are
//! rendered from one export model (`model.rs`): one walk of the registry, one mapping from
//! what a site records to families, labels and values.
//!
//! Applications that serve `/metrics` from their own router build a [`Renderer`] once at
//! start-up, with [`Config::install_recorder`] (errmon's families and the application's own
//! `metrics` facade metrics, as the embedded endpoint serves them) or [`Renderer::new`]
//! (errmon's families only), and answer with its text and [`CONTENT_TYPE`].
#![doc = include_str!("../../docs/export.md")]

pub mod bridge;
pub(crate) mod facade;
pub(crate) mod http;
mod layout;
pub(crate) mod model;
mod prometheus;
mod schedule;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::{Config, ConfigError, Settings};

/// The `Content-Type` of [`Renderer::render`]'s text, and of the embedded endpoint's
/// `/metrics`: the Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders `/metrics` from settings validated once: build it at start-up, where a bad
/// configuration is an error, and call [`Renderer::render`] on every scrape, which cannot fail.
///
/// ```
/// #[errmon_runtime::count_calls]
/// fn handled() {}
///
/// let renderer = errmon_runtime::export::Renderer::new(errmon_runtime::Config::default().validate()?);
/// handled();
/// // In the application's own `/metrics` handler:
/// let body = renderer.render();
/// let content_type = errmon_runtime::export::CONTENT_TYPE;
/// assert!(body.contains(r#"errmon_calls_total{function="handled""#));
/// # let _ = content_type;
/// # Ok::<(), errmon_runtime::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Renderer {
    settings: Settings,
    facade: Option<PrometheusHandle>,
    /// Shared by clones: the label layout of the sites, and the previous body's length.
    cache: Arc<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    layout: layout::LayoutCache,
    last_len: AtomicUsize,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Renderer")
            .field("settings", &self.settings)
            .field("facade", &self.facade.is_some())
            .finish()
    }
}

impl Renderer {
    /// A renderer of errmon's own families. To serve the application's `metrics` facade
    /// metrics too, build it with [`Config::install_recorder`] instead.
    pub fn new(settings: Settings) -> Self {
        Self::with_facade(settings, None)
    }

    pub(crate) fn with_facade(settings: Settings, facade: Option<PrometheusHandle>) -> Self {
        Renderer {
            settings,
            facade,
            cache: Arc::default(),
        }
    }

    /// The Prometheus text: errmon's families, then the facade's metrics if this renderer
    /// captures them. Serve it with [`CONTENT_TYPE`].
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    /// [`Renderer::render`] into `out`, replacing what it held and keeping its capacity: the
    /// embedded endpoint reuses its buffers from scrape to scrape.
    pub(crate) fn render_into(&self, out: &mut String) {
        out.clear();
        // Sized from the previous text, with room to grow, so a large body is not copied over
        // and over (and held twice) while it grows.
        let last = self.cache.last_len.load(Ordering::Relaxed);
        out.reserve((last + last / 64).max(16 * 1024));
        self.render_chunks(out, &mut |_| {});
    }

    /// Renders into `buf` (cleared first), calling `flush` whenever it holds more than about
    /// 64 KiB; the text left in `buf` at the end comes last. A `flush` that takes the text
    /// (and clears `buf`) streams the body without ever holding all of it.
    pub(crate) fn render_chunks(&self, buf: &mut String, flush: &mut dyn FnMut(&mut String)) {
        buf.clear();
        let consts = &self.settings.const_labels;
        let layout = self.cache.layout.current(consts);
        let model = model::Model::with_layout(layout, consts);
        let mut flushed = 0;
        let mut counted = |text: &mut String| {
            flushed += text.len();
            flush(text);
            flushed -= text.len();
        };
        prometheus::render(buf, &model, &self.settings.buckets, &mut counted);
        drop(model);
        http::render(
            buf,
            self.settings.http_naming,
            &self.settings.buckets,
            consts,
            &mut counted,
        );
        schedule::render(buf, consts);
        if let Some(h) = &self.facade {
            buf.push_str(&h.render());
        }
        self.cache
            .last_len
            .store(flushed + buf.len(), Ordering::Relaxed);
    }
}

/// errmon's own families in the Prometheus text format (0.0.4), rendered with `config`'s
/// buckets and constant labels. A convenience that validates `config` on every call, and
/// renders no facade metrics: an application serving `/metrics` itself should build a
/// [`Renderer`] once instead ([`Config::install_recorder`] to include its own `metrics`
/// facade metrics). Serve it with [`CONTENT_TYPE`].
///
/// ```
/// #[errmon_runtime::count_calls]
/// fn handled() {}
///
/// handled();
/// let text = errmon_runtime::export::render_prometheus(&errmon_runtime::Config::default())?;
/// assert!(text.contains(r#"errmon_calls_total{function="handled""#));
/// # Ok::<(), errmon_runtime::ConfigError>(())
/// ```
pub fn render_prometheus(config: &Config) -> Result<String, ConfigError> {
    Ok(Renderer::new(config.validate()?).render())
}
