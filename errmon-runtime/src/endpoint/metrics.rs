//! `/metrics`: the Prometheus text, rendered once for scrapes that arrive together, and
//! compressed with `gzip` for scrapers that accept it (Prometheus does).
//!
//! Scrapes render one at a time per encoding. A scrape that finds a rendering started after
//! it arrived takes that one instead of rendering again, so several servers scraping at once
//! cost one rendering and one body in memory, not one each; every answer still reflects the
//! totals as of its arrival or later.
//!
//! A `gzip` body is compressed while it is rendered, 64 KiB of text at a time, so the whole
//! text (25 MB at 10,000 functions) never exists at once: a scrape holds the compressed
//! body (about 1 MB) and one chunk. When the last response holding a body is sent, its buffer
//! goes back to a small pool and the next rendering writes into it: a process scraped again
//! and again keeps the same few buffers instead of allocating (and fragmenting) a body's worth
//! of memory each time.

use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::{Request, Response};
use crate::export::{CONTENT_TYPE, Renderer};

/// The `gzip` level. Measured on the 10,000-function benchmark (`benches/scale.rs`, README
/// "Scale"): level 1 takes 18 ms for 25 MB of text and gives 0.93 MB; level 6 takes 100 ms
/// for 0.69 MB, level 9 380 ms. Prometheus text is long runs of repeated label sets, which
/// the fastest level already finds.
pub(crate) const GZIP_LEVEL: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Plain = 0,
    Gzip = 1,
}

/// Spare body buffers per encoding: as many as can be alive at once (one being sent while
/// the scrapes that arrived after it started share the next), so steady scraping allocates
/// no new body. A plain body is the whole text (27 MB at 10,000 functions); freeing and
/// allocating one again would leave the freed one in the allocator's heap anyway.
const POOLED: [usize; 2] = [2, 2];

type Pool = Mutex<Vec<Vec<u8>>>;

/// The renderer of `/metrics` and, per encoding, the latest rendering while a response
/// holds it.
pub(crate) struct Scrapes {
    renderer: Renderer,
    slots: [Mutex<Slot>; 2],
    pools: [Arc<Pool>; 2],
    /// Where the next rendering waits, for the tests of what is answered meanwhile.
    #[cfg(test)]
    gate: Mutex<Option<Gate>>,
}

/// Holds a rendering: it says it has started on `started`, then waits for `release`.
#[cfg(test)]
pub(crate) struct Gate {
    pub(crate) started: std::sync::mpsc::Sender<()>,
    pub(crate) release: std::sync::mpsc::Receiver<()>,
}

#[derive(Default)]
struct Slot {
    latest: Option<Latest>,
    /// The text of a `gzip` rendering, a chunk at a time.
    chunk: String,
}

struct Latest {
    started: Instant,
    body: Weak<Rendered>,
}

/// One rendered body; its buffer returns to `pool` when the last response holding it is sent.
struct Rendered {
    bytes: Vec<u8>,
    pool: Arc<Pool>,
    cap: usize,
}

impl Drop for Rendered {
    fn drop(&mut self) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < self.cap {
            pool.push(std::mem::take(&mut self.bytes));
        }
    }
}

struct Body(Arc<Rendered>);

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        &self.0.bytes
    }
}

impl Scrapes {
    pub(crate) fn new(renderer: Renderer) -> Self {
        Scrapes {
            renderer,
            slots: Default::default(),
            pools: Default::default(),
            #[cfg(test)]
            gate: Mutex::default(),
        }
    }

    /// The next rendering waits at `gate` before it renders.
    #[cfg(test)]
    pub(crate) fn hold_next(&self, gate: Gate) {
        *self.gate.lock().unwrap_or_else(PoisonError::into_inner) = Some(gate);
    }

    /// A rendering in `encoding` that started no earlier than `asked`.
    fn fresh(&self, encoding: Encoding, asked: Instant) -> Arc<Rendered> {
        let i = encoding as usize;
        let mut slot = self.slots[i].lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(l) = slot.latest.as_ref().filter(|l| l.started >= asked) {
            if let Some(body) = l.body.upgrade() {
                return body;
            }
        }
        #[cfg(test)]
        {
            let gate = self
                .gate
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(gate) = gate {
                let _ = gate.started.send(());
                let _ = gate.release.recv();
            }
        }
        let started = Instant::now();
        let mut buf = self.pools[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        buf.clear();
        let bytes = match encoding {
            Encoding::Plain => {
                let mut text = String::from_utf8(buf).unwrap_or_default();
                self.renderer.render_into(&mut text);
                text.into_bytes()
            }
            Encoding::Gzip => {
                let mut enc = GzEncoder::new(buf, Compression::new(GZIP_LEVEL));
                // Writing to a Vec cannot fail.
                let mut compress = |text: &mut String| {
                    let _ = enc.write_all(text.as_bytes());
                    text.clear();
                };
                let chunk = &mut slot.chunk;
                self.renderer.render_chunks(chunk, &mut compress);
                compress(chunk);
                enc.finish().unwrap_or_default()
            }
        };
        let body = Arc::new(Rendered {
            bytes,
            pool: Arc::clone(&self.pools[i]),
            cap: POOLED[i],
        });
        slot.latest = Some(Latest {
            started,
            body: Arc::downgrade(&body),
        });
        body
    }
}

/// `gzip` of `plain` at [`GZIP_LEVEL`].
#[cfg(test)]
fn gzip(plain: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(GZIP_LEVEL));
    let _ = enc.write_all(plain);
    enc.finish().unwrap_or_default()
}

/// `/metrics`: a rendering of `scrapes` as of `req`'s arrival or later.
pub(super) fn handle(req: &Request, scrapes: &Scrapes) -> Response {
    let encoding = if req.accepts_gzip() {
        Encoding::Gzip
    } else {
        Encoding::Plain
    };
    let body = Bytes::from_owner(Body(scrapes.fresh(encoding, req.received)));
    let r = Response::new(200, CONTENT_TYPE, body);
    let r = if encoding == Encoding::Gzip {
        r.with_header("content-encoding", "gzip")
    } else {
        r
    };
    r.with_header("vary", "accept-encoding")
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;
    use crate::config::Config;

    fn state() -> Scrapes {
        Scrapes::new(Renderer::new(
            Config::default().validate().expect("default config"),
        ))
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
        let first = state.fresh(Encoding::Plain, Instant::now());
        // `first` is still held, and yet a later scrape renders again.
        let second = state.fresh(Encoding::Plain, Instant::now());
        assert!(!Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn scrapes_that_arrived_before_a_rendering_started_share_it() {
        let state = state();
        let asked = Instant::now();
        let first = state.fresh(Encoding::Plain, asked);
        // Arrived before `first` started (it waited for the thread meanwhile): the same body.
        let waited = state.fresh(Encoding::Plain, asked);
        assert!(Arc::ptr_eq(&first, &waited));
        // The other encoding renders on its own.
        let gzip = state.fresh(Encoding::Gzip, asked);
        assert!(!gzip.bytes.is_empty() && !Arc::ptr_eq(&first, &gzip));
    }

    #[test]
    fn buffers_are_reused_once_their_responses_are_sent() {
        let state = state();
        let mut req = Request::get("/metrics");
        req.accept_encoding = Some(b"gzip".to_vec());
        let first = handle(&req, &state);
        let body = first.body.clone();
        drop(first);
        let pool = &state.pools[Encoding::Gzip as usize];
        // A response still holds the body: nothing is pooled yet.
        assert!(pool.lock().unwrap().is_empty());
        drop(body);
        let pooled = pool.lock().unwrap().clone();
        assert_eq!(pooled.len(), 1);
        // The registry of a unit test is empty: the gzip stream still has its header.
        assert!(pooled[0].capacity() > 0);
        let second = handle(&req, &state);
        assert!(pool.lock().unwrap().is_empty(), "the buffer was not reused");
        drop(second);
    }
}
