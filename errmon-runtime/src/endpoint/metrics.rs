//! `/metrics`: the Prometheus text, rendered once for scrapes that arrive together, and
//! compressed with `gzip` for scrapers that accept it (Prometheus does).
//!
//! Scrapes render one at a time. A scrape that finds a rendering started after it arrived
//! takes that one instead of rendering again, so several servers scraping at once cost one
//! rendering and one body in memory, not one each; every answer still reflects the totals as
//! of its arrival or later. Bodies are freed when the last response holding them is sent.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Instant;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::{Request, Response, State};
use crate::export::{CONTENT_TYPE, Renderer};

/// The `gzip` level. Measured on the 10,000-function benchmark (README, "Scale"): level 1
/// compresses the text about as well as the default level 6 for a fraction of its time,
/// because Prometheus text is long runs of repeated label sets.
pub(crate) const GZIP_LEVEL: u32 = 1;

/// The renderer of `/metrics` and the body of the latest rendering, while a response holds it.
pub(crate) struct Scrapes {
    renderer: Renderer,
    latest: Mutex<Option<Latest>>,
}

struct Latest {
    started: Instant,
    body: Weak<Rendered>,
}

/// One rendering, plain and (on first demand) compressed.
struct Rendered {
    plain: Vec<u8>,
    gzip: OnceLock<Vec<u8>>,
}

struct Plain(Arc<Rendered>);
struct Gzip(Arc<Rendered>);

impl AsRef<[u8]> for Plain {
    fn as_ref(&self) -> &[u8] {
        &self.0.plain
    }
}

impl AsRef<[u8]> for Gzip {
    fn as_ref(&self) -> &[u8] {
        self.0.gzip.get().map_or(&[], Vec::as_slice)
    }
}

impl Scrapes {
    pub(crate) fn new(renderer: Renderer) -> Self {
        Scrapes {
            renderer,
            latest: Mutex::new(None),
        }
    }

    pub(crate) fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// A rendering that started no earlier than this call.
    fn fresh(&self) -> Arc<Rendered> {
        let asked = Instant::now();
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(l) = latest.as_ref().filter(|l| l.started >= asked) {
            if let Some(body) = l.body.upgrade() {
                return body;
            }
        }
        let started = Instant::now();
        let body = Arc::new(Rendered {
            plain: self.renderer.render().into_bytes(),
            gzip: OnceLock::new(),
        });
        *latest = Some(Latest {
            started,
            body: Arc::downgrade(&body),
        });
        body
    }
}

/// `gzip` of `plain` at [`GZIP_LEVEL`].
pub(crate) fn gzip(plain: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(plain.len() / 8 + 64),
        Compression::new(GZIP_LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = std::io::Write::write_all(&mut enc, plain);
    enc.finish().unwrap_or_default()
}

pub(super) fn handle(req: &Request, state: &State) -> Response {
    let rendered = state.scrapes.fresh();
    let r = if req.accepts_gzip() {
        rendered.gzip.get_or_init(|| gzip(&rendered.plain));
        Response::new(200, CONTENT_TYPE, Bytes::from_owner(Gzip(rendered)))
            .with_header("content-encoding", "gzip")
    } else {
        Response::new(200, CONTENT_TYPE, Bytes::from_owner(Plain(rendered)))
    };
    r.with_header("vary", "accept-encoding")
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;
    use crate::config::Config;

    fn state() -> State {
        State::new(
            Renderer::new(Config::default().validate().expect("default config")),
            None,
        )
    }

    fn gunzip(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .expect("a gzip body");
        out
    }

    #[test]
    fn gzip_is_served_when_accepted_and_decodes_to_the_plain_text() {
        let state = state();
        let plain = handle(&Request::get("/metrics"), &state);
        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(plain.header("vary"), Some("accept-encoding"));
        let mut req = Request::get("/metrics");
        req.accept_encoding = Some(b"gzip".to_vec());
        let gz = handle(&req, &state);
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert_eq!(gz.header("vary"), Some("accept-encoding"));
        // Nothing records in between, so both are the same text.
        assert_eq!(gunzip(&gz.body), &plain.body[..]);

        let text = "errmon_calls_total{function=\"f\",module=\"m\"} 1\n".repeat(1000);
        let packed = gzip(text.as_bytes());
        assert!(packed.len() < text.len() / 20, "{}", packed.len());
        assert_eq!(gunzip(&packed), text.as_bytes());
    }

    #[test]
    fn a_scrape_never_gets_a_rendering_older_than_itself() {
        let state = state();
        let first = state.scrapes.fresh();
        // `first` is still held, and yet a later scrape renders again.
        let second = state.scrapes.fresh();
        assert!(!Arc::ptr_eq(&first, &second));
    }
}
