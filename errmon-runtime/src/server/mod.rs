//! The embedded server: transport only. hyper's HTTP/1.1 on a current-thread tokio runtime
//! that errmon owns, on its own thread (`errmon-http`), never the application's runtime;
//! answers come from the endpoint's routing table (`crate::endpoint`). Cheap routes are
//! answered in the connection's task; renders (`/metrics`) are made on the runtime's blocking
//! pool (`errmon-render`, at most [`limits::RENDER_THREADS`] threads) so a large scrape never
//! stalls the thread that accepts and answers, nor the cheap answers queued behind it.
//!
//! Each connection is a task: thousands cost a few kilobytes each, and a slow one holds no
//! thread. Limits (`limits.rs`): a deadline for each request's head and one for each response,
//! a cap on connections past which a new one gets `503` at once, and keep-alive between
//! requests. Dropping the [`Server`] closes the listener and every connection at once, waits
//! at most [`limits::SHUTDOWN_WAIT`] for a rendering in progress, and returns.

mod conn;
mod io;
pub(crate) mod limits;

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::endpoint::{Routes, State};
use limits::{MAX_CONNECTIONS, MAX_REFUSING, RENDER_THREADS, SHUTDOWN_WAIT};

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nRetry-After: 1\r\nConnection: close\r\n\r\nbusy, try again\n";

pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<Notify>,
    thread: JoinHandle<()>,
}

/// A listening socket on `addr` with a backlog for bursts of connections: the standard
/// library's 128 would make a burst past it wait a second for a retransmitted SYN.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // As std's `TcpListener::bind`: a restarted process may bind while old connections linger.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(limits::BACKLOG)?;
    Ok(socket.into())
}

/// Starts serving `routes` on `listener` on a thread of its own.
pub(crate) fn serve(
    listener: std::net::TcpListener,
    routes: Routes,
    state: Arc<State>,
) -> std::io::Result<Server> {
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(RENDER_THREADS)
        .thread_name("errmon-render")
        .build()?;
    let listener = {
        let _context = runtime.enter();
        TcpListener::from_std(listener)?
    };
    let stop = Arc::new(Notify::new());
    let signal = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("errmon-http".into())
        .spawn(move || {
            runtime.block_on(run(listener, Arc::new(routes), state, &signal));
            // Drops every connection's task now; waits only for a rendering in progress.
            runtime.shutdown_timeout(SHUTDOWN_WAIT);
        })?;
    Ok(Server { addr, stop, thread })
}

impl Server {
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection, and joins the server thread: within about
    /// [`SHUTDOWN_WAIT`], whatever the clients do.
    pub(crate) fn shutdown(self) {
        // A permit is kept if the loop is not waiting yet, so the signal is never lost.
        self.stop.notify_one();
        let _ = self.thread.join();
    }

    /// Lets go of a server whose thread runs in another process: the parent of a `fork()`.
    /// Joining it here would fail, and the listening socket serves the parent.
    pub(crate) fn abandon(self) {
        std::mem::forget(self);
    }
}

/// Counts a task while it lives, however it ends (finished or dropped at shutdown).
struct Counted(Arc<AtomicUsize>);

impl Counted {
    /// A slot if fewer than `cap` are taken.
    fn take(count: &Arc<AtomicUsize>, cap: usize) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < cap).then_some(n + 1)
            })
            .ok()
            .map(|_| Counted(Arc::clone(count)))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn run(listener: TcpListener, routes: Arc<Routes>, state: Arc<State>, stop: &Notify) {
    let active = Arc::new(AtomicUsize::new(0));
    let refusing = Arc::new(AtomicUsize::new(0));
    let mut stopped = pin!(stop.notified());
    loop {
        let next = poll_fn(|cx| {
            if stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            listener.poll_accept(cx).map(Some)
        })
        .await;
        match next {
            None => return,
            // Out of file descriptors and the like: back off instead of spinning.
            Some(Err(_)) => tokio::time::sleep(Duration::from_millis(10)).await,
            Some(Ok((stream, _))) => {
                if let Some(slot) = Counted::take(&active, MAX_CONNECTIONS) {
                    let (routes, state) = (Arc::clone(&routes), Arc::clone(&state));
                    tokio::spawn(async move {
                        conn::serve(stream, routes, state).await;
                        drop(slot);
                    });
                } else if let Some(slot) = Counted::take(&refusing, MAX_REFUSING) {
                    tokio::spawn(async move {
                        refuse(stream).await;
                        drop(slot);
                    });
                }
                // Past both caps the stream is dropped here: closed unanswered.
            }
        }
    }
}

/// `503` at once, then a short wait for the request, since closing with unread data would
/// reset the connection before the client reads the answer.
async fn refuse(stream: TcpStream) {
    // A new connection's send buffer is empty: the few bytes fit without waiting.
    let _ = stream.try_write(BUSY);
    let Ok(std) = stream.into_std() else { return };
    let _ = std.shutdown(std::net::Shutdown::Write);
    let Ok(stream) = TcpStream::from_std(std) else {
        return;
    };
    let drain = async {
        let mut sink = [0u8; 4096];
        while stream.readable().await.is_ok() {
            match stream.try_read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(100), drain).await;
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::sync::mpsc;
    use std::sync::{Mutex, PoisonError};

    use super::*;
    use crate::config::Config;
    use crate::endpoint::Gate;
    use crate::export::Renderer;

    /// How long a test waits for what must happen before failing instead of hanging; never
    /// a measure of how fast it happened.
    const STUCK: Duration = Duration::from_secs(30);

    /// `GET target` over a connection of its own: the status and the body.
    fn get(addr: SocketAddr, target: &str) -> (u16, String) {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(STUCK)).expect("timeout");
        write!(
            s,
            "GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut out = Vec::new();
        s.read_to_end(&mut out).expect("the answer, in full");
        let text = String::from_utf8_lossy(&out);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, body.to_owned())
    }

    /// The server's one render thread is held by a `/metrics` rendering; `/errors` and `/`,
    /// asked over TCP meanwhile, are answered before it ends.
    #[test]
    fn cheap_routes_are_answered_while_a_render_holds_the_render_thread() {
        let settings = Config::default().validate().expect("default config");
        let state = State::new(Renderer::new(settings), None);
        let (started, has_started) = mpsc::channel();
        let (release, released) = mpsc::channel();
        state.scrapes.hold_next(Gate {
            started,
            release: released,
        });
        let routes = Routes::standard(&state.scrapes);
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
        let server = serve(listener, routes, Arc::new(state)).expect("serve");
        let addr = server.local_addr();
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = |events: &Mutex<Vec<&'static str>>, e| {
            events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(e);
        };
        let scrape = {
            let events = Arc::clone(&events);
            std::thread::spawn(move || {
                let answer = get(addr, "/metrics");
                log(&events, "/metrics answered");
                answer
            })
        };
        has_started.recv_timeout(STUCK).expect("the render starts");
        log(&events, "render held");
        let (status, body) = get(addr, "/errors?limit=1");
        assert_eq!(status, 200, "{body}");
        assert!(
            body.starts_with('{') && body.contains("\"top_groups\""),
            "{body}"
        );
        log(&events, "/errors answered");
        let (status, body) = get(addr, "/");
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("/errors"), "{body}");
        log(&events, "/ answered");
        release.send(()).expect("the render waits");
        let (status, body) = scrape.join().expect("the scrape");
        assert_eq!(status, 200, "{body}");
        server.shutdown();
        assert_eq!(
            *events.lock().unwrap_or_else(PoisonError::into_inner),
            [
                "render held",
                "/errors answered",
                "/ answered",
                "/metrics answered"
            ]
        );
    }
}
