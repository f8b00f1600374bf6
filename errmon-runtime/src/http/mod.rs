//! The embedded endpoint: a small HTTP/1.1 server on its own threads, so scrapes never run on the
//! application's threads or async runtime.
//!
//! One thread accepts; a fixed pool of workers answers, each connection with a deadline for its
//! request and for writing the answer, so a slow or silent client holds one worker for at most
//! a few seconds. When every worker is busy and the queue is full, new connections get `503`.
//! Every answer closes its connection.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::export::{CONTENT_TYPE, Renderer};

const WORKERS: usize = 2;
const QUEUE: usize = 32;
const MAX_HEAD: usize = 16 * 1024;
const READ_DEADLINE: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long, and how much, to read of what a client still sends after its answer.
const DRAIN_DEADLINE: Duration = Duration::from_millis(250);
const DRAIN_MAX: usize = 64 * 1024;

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nRetry-After: 1\r\nConnection: close\r\n\r\nbusy, try again\n";

/// How often the facade recorder's histograms are compacted.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

pub(crate) struct State {
    pub(crate) renderer: Renderer,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub(crate) token: Option<String>,
}

pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

pub(crate) fn serve(listener: TcpListener, state: Arc<State>) -> io::Result<Server> {
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::sync_channel::<TcpStream>(QUEUE);
    let rx = Arc::new(Mutex::new(rx));
    let mut threads = Vec::with_capacity(WORKERS + 2);
    for i in 0..WORKERS {
        let (rx, state, flag) = (Arc::clone(&rx), Arc::clone(&state), Arc::clone(&stop));
        threads.push(spawn(&format!("errmon-http-{i}"), move || {
            worker(&rx, &state, &flag);
        })?);
    }
    let flag = Arc::clone(&stop);
    threads.push(spawn("errmon-accept", move || {
        accept(&listener, &tx, &flag)
    })?);
    if let Some(handle) = state.renderer.facade().cloned() {
        let flag = Arc::clone(&stop);
        threads.push(spawn("errmon-upkeep", move || {
            while !flag.load(Ordering::Acquire) {
                handle.run_upkeep();
                std::thread::park_timeout(UPKEEP_INTERVAL);
            }
        })?);
    }
    Ok(Server {
        addr,
        stop,
        threads,
    })
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name.to_owned()).spawn(f)
}

impl Server {
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn shutdown(self) {
        self.stop.store(true, Ordering::Release);
        // Wake the acceptor, blocked in `accept`, with a connection of our own.
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port())
            }
            _ => self.addr,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        for t in self.threads {
            t.thread().unpark();
            let _ = t.join();
        }
    }

    /// Lets go of a server whose threads run in another process: the parent of a `fork()`.
    /// Joining or detaching them here would fail, and the listening socket serves the parent.
    pub(crate) fn abandon(self) {
        std::mem::forget(self);
    }
}

fn accept(listener: &TcpListener, tx: &SyncSender<TcpStream>, stop: &AtomicBool) {
    for conn in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let Ok(stream) = conn else {
            // Out of file descriptors and the like: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        match tx.try_send(stream) {
            Ok(()) => {}
            Err(TrySendError::Full(mut stream)) => {
                // Answered here, on the accepting thread, so it may block only briefly: one
                // short write, then one short read of the request, since closing with unread
                // data would reset the connection before the client reads the 503.
                let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                let _ = stream.write_all(BUSY);
                let _ = stream.shutdown(std::net::Shutdown::Write);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
                let _ = stream.read(&mut [0u8; 4096]);
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}

fn worker(rx: &Mutex<Receiver<TcpStream>>, state: &State, stop: &AtomicBool) {
    loop {
        let next = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(mut stream) = next else { return };
        // Once shutting down, queued connections are closed unanswered, so dropping the guard
        // does not wait for each of them to time out.
        if stop.load(Ordering::Acquire) {
            continue;
        }
        let _ = handle(&mut stream, state);
    }
}

/// A parsed request head: only what routing needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// The value of the `Authorization` header, if any.
    pub(crate) authorization: Option<Vec<u8>>,
}

/// Why a request could not be parsed, with the status to answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BadRequest {
    Malformed,
    TooLarge,
    Incomplete,
}

pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<Request>, BadRequest> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(_)) => Ok(Some(Request {
            method: req.method.unwrap_or_default().to_owned(),
            path: req.path.unwrap_or_default().to_owned(),
            authorization: req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .map(|h| h.value.to_vec()),
        })),
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => Err(BadRequest::TooLarge),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(BadRequest::TooLarge),
        Err(_) => Err(BadRequest::Malformed),
    }
}

fn read_head(stream: &mut TcpStream) -> Result<Request, BadRequest> {
    let deadline = Instant::now() + READ_DEADLINE;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(BadRequest::Incomplete);
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(BadRequest::Incomplete),
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(req) = parse_head(&buf[..buf.len().min(MAX_HEAD)])? {
            return Ok(req);
        }
    }
}

fn handle(stream: &mut TcpStream, state: &State) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let req = match read_head(stream) {
        Ok(req) => req,
        Err(BadRequest::Malformed) => {
            return respond(
                stream,
                400,
                "text/plain",
                &[],
                b"malformed HTTP request\n",
                false,
            );
        }
        Err(BadRequest::TooLarge) => {
            return respond(
                stream,
                431,
                "text/plain",
                &[],
                b"request head too large\n",
                false,
            );
        }
        Err(BadRequest::Incomplete) => return Ok(()),
    };
    let head_only = req.method == "HEAD";
    if let Some(token) = &state.token {
        if !authorized(req.authorization.as_deref(), token) {
            return respond(
                stream,
                401,
                "text/plain",
                &[("WWW-Authenticate", "Bearer realm=\"errmon\"")],
                b"missing or wrong bearer token\n",
                head_only,
            );
        }
    }
    if req.method != "GET" && !head_only {
        return respond(
            stream,
            405,
            "text/plain",
            &[("Allow", "GET, HEAD")],
            b"only GET and HEAD are served\n",
            false,
        );
    }
    let path = req.path.split(['?', '#']).next().unwrap_or_default();
    match path {
        "/metrics" => {
            let body = state.renderer.render();
            respond(stream, 200, CONTENT_TYPE, &[], body.as_bytes(), head_only)
        }
        "/" => respond(
            stream,
            200,
            "text/plain; charset=utf-8",
            &[],
            b"errmon\n\n/metrics  Prometheus metrics\n",
            head_only,
        ),
        _ => respond(
            stream,
            404,
            "text/plain",
            &[],
            b"not found; try /metrics\n",
            head_only,
        ),
    }
}

/// Whether `header` is `Bearer <token>`, compared in time independent of where they differ.
fn authorized(header: Option<&[u8]>, token: &str) -> bool {
    let Some(header) = header else { return false };
    let Some(given) = header
        .strip_prefix(b"Bearer ")
        .or_else(|| header.strip_prefix(b"bearer "))
    else {
        return false;
    };
    let expected = token.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (k, v) in extra {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Drain what the client still sends so closing does not reset the connection before it has
    // read the answer; bounded in time and bytes, so a client that keeps sending cannot hold
    // this thread.
    let deadline = Instant::now() + DRAIN_DEADLINE;
    let mut drained = 0;
    let mut sink = [0u8; 1024];
    while drained < DRAIN_MAX {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => drained += n,
            _ => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_authorized() {
        assert!(authorized(Some(b"Bearer s3cret"), "s3cret"));
        assert!(authorized(Some(b"bearer s3cret"), "s3cret"));
        assert!(!authorized(None, "s3cret"));
        assert!(!authorized(Some(b"Bearer s3cre"), "s3cret"));
        assert!(!authorized(Some(b"Bearer s3cretx"), "s3cret"));
        assert!(!authorized(Some(b"Basic s3cret"), "s3cret"));
        assert!(!authorized(Some(b"s3cret"), "s3cret"));
    }

    #[test]
    fn parses_a_request_head() {
        let r = parse_head(b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            r,
            Request {
                method: "GET".into(),
                path: "/metrics?x=1".into(),
                authorization: None,
            }
        );
        let r = parse_head(b"GET / HTTP/1.1\r\nauthorization: Bearer s3cret\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(r.authorization.as_deref(), Some(&b"Bearer s3cret"[..]));
        assert_eq!(parse_head(b"GET /metrics HTTP/1.1\r\nHost"), Ok(None));
        assert_eq!(
            parse_head(b"\x00\x01 nonsense\r\n\r\n"),
            Err(BadRequest::Malformed)
        );
        let huge = [b"GET / HTTP/1.1\r\nX: ".as_slice(), &[b'a'; MAX_HEAD]].concat();
        assert_eq!(parse_head(&huge[..MAX_HEAD]), Err(BadRequest::TooLarge));
    }
}
