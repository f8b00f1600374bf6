//! The server's limits, in one place; the README's endpoint section lists them.

use std::time::Duration;

/// From a connection's start (or the end of its previous response) to the end of a request's
/// head. Scrapers send the head at once; a client sending a byte a second is cut off here.
/// It also closes idle keep-alive connections.
pub(crate) const HEAD_DEADLINE: Duration = Duration::from_secs(2);
/// From a response's first byte to its last: a client reading slowly is cut off here.
/// Prometheus' default scrape timeout is 10 s too.
pub(crate) const RESPONSE_DEADLINE: Duration = Duration::from_secs(10);
/// Each connection's kernel send buffer, in bytes: enough for loopback and LAN speed, and
/// what a client that stops reading holds of the server's memory at most, besides its body.
pub(crate) const SEND_BUFFER: usize = 256 * 1024;
/// Connections served at once; past it, a new connection gets `503` at once and is closed.
pub(crate) const MAX_CONNECTIONS: usize = 512;
/// Connections the kernel queues before errmon accepts them.
pub(crate) const BACKLOG: i32 = 1024;
/// Connections being told `503` at once; past it, new connections are closed unanswered.
pub(crate) const MAX_REFUSING: usize = 64;
/// Headers and bytes of one request head; past them, `431`.
pub(crate) const MAX_HEADERS: usize = 64;
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Threads that render answers (the runtime's blocking pool). Renderings of one encoding
/// take turns anyway (`endpoint/metrics.rs`), and one thread keeps their memory in one
/// allocator arena.
pub(crate) const RENDER_THREADS: usize = 1;
/// How long dropping the guard waits for a rendering in progress, after closing every
/// connection; the whole drop returns within about this.
pub(crate) const SHUTDOWN_WAIT: Duration = Duration::from_millis(500);
