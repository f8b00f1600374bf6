//! The endpoint under bad, slow and many clients: every bad request gets a 4xx, and the server
//! keeps serving scrapes afterwards.
//!
//! All tests share one endpoint and take turns (`LOCK`), so that one test's slow clients do
//! not turn another test's expected status into a `503`. Every client has a timeout
//! ([`support::CLIENT_TIMEOUT`]), so a stuck server fails a test instead of hanging it.

use errmon_test_support as support;

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use errmon_runtime::{Config, InstallGuard, count_calls};
use support::{Response, connect, get, request, scrape, send_raw};

static LOCK: Mutex<()> = Mutex::new(());

#[count_calls]
fn ping() {}

/// The shared endpoint, and this test's turn to use it.
fn endpoint() -> (SocketAddr, MutexGuard<'static, ()>) {
    static GUARD: OnceLock<InstallGuard> = OnceLock::new();
    let turn = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let guard = GUARD.get_or_init(|| {
        ping();
        Config::default()
            .listen("127.0.0.1:0")
            .install()
            .expect("install errmon")
    });
    (guard.local_addr(), turn)
}

const PING: &str = r#"errmon_calls_total{function="ping",module="http"} 1"#;

/// The endpoint still answers a scrape, with errmon's metrics.
#[track_caller]
fn assert_still_serving(addr: SocketAddr) {
    let body = scrape(addr);
    assert!(body.lines().any(|l| l == PING), "{body}");
}

#[track_caller]
fn assert_status(r: &Response, status: u16) {
    assert_eq!(r.status, status, "{}\n\n{}", r.head, r.text());
    assert_eq!(r.header("Connection"), Some("close"), "{}", r.head);
}

#[test]
fn get_metrics_and_the_index_are_served() {
    let (addr, _turn) = endpoint();
    let r = get(addr, "/metrics?debug=1");
    assert_status(&r, 200);
    assert!(r.text().lines().any(|l| l == PING), "{}", r.text());
    let r = get(addr, "/");
    assert_status(&r, 200);
    assert!(r.text().contains("/metrics"), "{}", r.text());
}

#[test]
fn other_methods_get_405_with_allow() {
    let (addr, _turn) = endpoint();
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "get", "BREW"] {
        let r = request(addr, method, "/metrics").expect(method);
        assert_status(&r, 405);
        assert_eq!(r.header("Allow"), Some("GET, HEAD"), "{method}");
    }
    // A body the server does not read does not break the answer. (`Connection: close`: the
    // endpoint keeps connections alive, and this client reads until the server closes.)
    let r = send_raw(
        addr,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world",
    )
    .expect("POST with a body");
    assert_status(&r, 405);
    assert_still_serving(addr);
}

#[test]
fn unknown_paths_get_404() {
    let (addr, _turn) = endpoint();
    for path in [
        "/metric",
        "/metrics/x",
        "/metrics/",
        "/../metrics",
        "//metrics",
        "/METRICS",
        "/%6detrics",
        "*",
    ] {
        let r = get(addr, path);
        assert_status(&r, 404);
        assert!(r.text().contains("/metrics"), "{path}: {}", r.text());
    }
    assert_still_serving(addr);
}

#[test]
fn garbage_gets_400() {
    let (addr, _turn) = endpoint();
    for garbage in [
        b"\x00\x01\x02 nonsense\r\n\r\n".as_slice(),
        b"GET /metrics HTTP/9\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
        &[0xff; 64],
    ] {
        let r = send_raw(addr, garbage).expect("garbage");
        assert_status(&r, 400);
    }
    assert_still_serving(addr);
}

#[test]
fn oversized_heads_get_431() {
    let (addr, _turn) = endpoint();
    let long_header = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let many_headers = format!(
        "GET /metrics HTTP/1.1\r\n{}\r\n",
        (0..100)
            .map(|i| format!("X-{i}: y\r\n"))
            .collect::<String>()
    );
    for raw in [long_header, many_headers] {
        let r = send_raw(addr, raw.as_bytes()).expect("oversized head");
        assert_status(&r, 431);
    }
    assert_still_serving(addr);
}

#[test]
fn head_gets_the_headers_without_the_body() {
    let (addr, _turn) = endpoint();
    let full = get(addr, "/metrics");
    let r = request(addr, "HEAD", "/metrics").expect("HEAD");
    assert_status(&r, 200);
    assert!(r.body.is_empty(), "HEAD answered a body: {}", r.text());
    assert_eq!(r.header("Content-Type"), full.header("Content-Type"));
    // Nothing is recorded between the two requests, so the bodies have the same length.
    assert_eq!(
        r.header("Content-Length"),
        Some(full.body.len().to_string().as_str())
    );
}

#[test]
fn a_silent_client_does_not_stop_others_from_scraping() {
    let (addr, _turn) = endpoint();
    let mut silent = connect(addr).expect("connect");
    assert_still_serving(addr);
    // The server gives up on the silent client: it closes the connection without an answer.
    let mut buf = Vec::new();
    let n = silent
        .read_to_end(&mut buf)
        .expect("the server closes a silent connection");
    assert_eq!(n, 0, "{:?}", String::from_utf8_lossy(&buf));
}

#[test]
fn more_silent_clients_than_workers_only_delay_a_scrape() {
    let (addr, _turn) = endpoint();
    // Each holds a worker until the server's read deadline; the scrape waits its turn.
    let silent: Vec<_> = (0..3).map(|_| connect(addr).expect("connect")).collect();
    let half_sent = (0..2)
        .map(|_| {
            let mut s = connect(addr).expect("connect");
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost:")
                .expect("write");
            s
        })
        .collect::<Vec<_>>();
    assert_still_serving(addr);
    drop((silent, half_sent));
}

#[test]
fn a_client_that_keeps_sending_after_its_answer_is_cut_off() {
    let (addr, _turn) = endpoint();
    let mut s = connect(addr).expect("connect");
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    // Keep sending, as a client streaming a body nobody asked for would, until the server
    // closes the connection; it must not hold a worker for as long as the client likes.
    let give_up = Instant::now() + Duration::from_secs(30);
    let mut closed = false;
    while Instant::now() < give_up {
        if let Err(e) = s.write_all(b"x") {
            assert!(
                matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
                "{e}"
            );
            closed = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        closed,
        "the server kept reading from a client that kept sending for 30 s"
    );
    assert_still_serving(addr);
}

#[test]
fn many_concurrent_scrapes_get_200_or_503_and_never_hang() {
    let (addr, _turn) = endpoint();
    let clients: Vec<_> = (0..64)
        .map(|_| thread::spawn(move || request(addr, "GET", "/metrics")))
        .collect();
    let mut ok = 0;
    let mut busy = 0;
    for c in clients {
        let r = c
            .join()
            .expect("client thread")
            .expect("every client gets an answer");
        match r.status {
            200 => {
                assert!(r.text().lines().any(|l| l == PING), "{}", r.text());
                ok += 1;
            }
            503 => {
                assert_eq!(r.header("Connection"), Some("close"));
                busy += 1;
            }
            other => panic!("status {other}: {}", r.head),
        }
    }
    assert!(ok > 0, "no scrape succeeded ({busy} got 503)");
    assert_still_serving(addr);
}

#[test]
fn a_connection_is_kept_alive_between_requests() {
    let (addr, _turn) = endpoint();
    let mut s = connect(addr).expect("connect");
    for _ in 0..3 {
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        let r = support::read_one(&mut s, false).expect("an answer on the same connection");
        assert_eq!(r.status, 200, "{}", r.head);
        assert_eq!(r.header("Connection"), None, "{}", r.head);
        assert!(r.text().lines().any(|l| l == PING), "{}", r.text());
    }
    // HEAD on a kept-alive connection: the head says how long GET's body is, and no body
    // follows, so the next answer starts right after it (a stray body would be read as the
    // next answer's head). One request at a time: `read_one` drops what it reads past its
    // answer.
    s.write_all(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let head = support::read_one(&mut s, true).expect("HEAD");
    assert_eq!(head.status, 200);
    assert!(
        head.header("Content-Length").is_some_and(|n| n != "0"),
        "{}",
        head.head
    );
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let index = support::read_one(&mut s, false).expect("GET / after HEAD");
    assert_eq!(index.status, 200);
    assert!(index.text().contains("/metrics"), "{}", index.text());
}

#[test]
fn an_idle_kept_alive_connection_is_closed_by_the_head_deadline() {
    let (addr, _turn) = endpoint();
    let mut s = connect(addr).expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    assert_eq!(support::read_one(&mut s, false).expect("GET /").status, 200);
    let t = Instant::now();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .expect("the server closes the idle connection");
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "idle for {:?}",
        t.elapsed()
    );
}

#[test]
fn absolute_form_targets_route_like_origin_form() {
    let (addr, _turn) = endpoint();
    let raw = format!(
        "GET http://{addr}/metrics?x=1 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let r = send_raw(addr, raw.as_bytes()).expect("absolute-form");
    assert_status(&r, 200);
    assert!(r.text().lines().any(|l| l == PING), "{}", r.text());
    let r = send_raw(
        addr,
        b"GET http://elsewhere/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .expect("absolute-form, unknown path");
    assert_status(&r, 404);
}

#[test]
fn gzip_is_served_to_scrapers_that_accept_it() {
    let (addr, _turn) = endpoint();
    let plain = get(addr, "/metrics");
    let r = send_raw(
        addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    )
    .expect("gzip scrape");
    assert_status(&r, 200);
    assert_eq!(r.header("Content-Encoding"), Some("gzip"), "{}", r.head);
    assert_eq!(r.header("Vary"), Some("accept-encoding"), "{}", r.head);
    assert_eq!(&r.body[..2], b"\x1f\x8b", "not a gzip stream");
    assert!(
        r.body.len() < plain.body.len(),
        "{} >= {}",
        r.body.len(),
        plain.body.len()
    );
    assert_eq!(plain.header("Content-Encoding"), None);
}
