//! 42 kinds of malformed or unservable requests, each named with the 4xx it gets: `400` from
//! the parser, `431` for oversized heads, `405` for a body never read; none
//! crashes the server or holds a connection, and the endpoint serves scrapes afterwards.
//!
//! Each case is one connection that sends its bytes and reads one answer, with a client
//! timeout well under the test's patience, so a case that hangs fails by name.

use errmon_test_support as support;

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use errmon_runtime::{Config, count_calls};
use support::{connect, read_one, scrape};

#[count_calls]
fn survivor() {}

/// Long enough for the server's own deadlines (2 s for a head) to answer first.
const CASE_TIMEOUT: Duration = Duration::from_secs(8);

/// (name, the status it gets, the bytes sent).
fn cases() -> Vec<(&'static str, u16, Vec<u8>)> {
    let long = "a".repeat(20 * 1024);
    let s = |v: &str| v.as_bytes().to_vec();
    vec![
        // The request line.
        (
            "nul and control bytes",
            400,
            b"\x00\x01\x02 nonsense\r\n\r\n".to_vec(),
        ),
        ("all 0xff", 400, vec![0xff; 64]),
        (
            "tls client hello",
            400,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(),
        ),
        ("http/9", 400, s("GET /metrics HTTP/9\r\n\r\n")),
        (
            "http/2.0 version",
            400,
            s("GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n"),
        ),
        (
            "lowercase version",
            400,
            s("GET /metrics http/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "version without minor",
            400,
            s("GET /metrics HTTP/1\r\nHost: x\r\n\r\n"),
        ),
        (
            "version 1.2",
            400,
            s("GET /metrics HTTP/1.2\r\nHost: x\r\n\r\n"),
        ),
        ("no version", 400, s("GET /metrics\r\nHost: x\r\n\r\n")),
        (
            "space after version",
            400,
            s("GET /metrics HTTP/1.1 \r\nHost: x\r\n\r\n"),
        ),
        (
            "leading space",
            400,
            s(" GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "two spaces before target",
            400,
            s("GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "space inside target",
            400,
            s("GET /met rics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "control byte in target",
            400,
            b"GET /\x01metrics HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "del in target",
            400,
            b"GET /metrics\x7f HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "non-token method",
            400,
            s("G(T /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "method with nul",
            400,
            b"GE\x00T /metrics HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "bare cr ending the line",
            400,
            s("GET /metrics HTTP/1.1\rHost: x\r\n\r\n"),
        ),
        (
            "bad absolute-form target",
            400,
            s("GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "absolute-form without path",
            400,
            s("GET http:// HTTP/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "target too long",
            431,
            format!("GET /{long} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
        ),
        (
            "method too long",
            431,
            format!("{long} /metrics HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
        ),
        // Headers.
        (
            "header without colon",
            400,
            s("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n"),
        ),
        (
            "space before colon",
            400,
            s("GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n"),
        ),
        (
            "empty header name",
            400,
            s("GET /metrics HTTP/1.1\r\n: x\r\n\r\n"),
        ),
        (
            "space in header name",
            400,
            s("GET /metrics HTTP/1.1\r\nBad Header: x\r\n\r\n"),
        ),
        (
            "nul in header name",
            400,
            b"GET /metrics HTTP/1.1\r\nX\x00Y: z\r\n\r\n".to_vec(),
        ),
        (
            "nul in header value",
            400,
            b"GET /metrics HTTP/1.1\r\nX: a\x00b\r\n\r\n".to_vec(),
        ),
        (
            "bare cr in header value",
            400,
            s("GET /metrics HTTP/1.1\r\nX: a\rb\r\n\r\n"),
        ),
        (
            "obsolete line folding",
            400,
            s("GET /metrics HTTP/1.1\r\nX: a\r\n b\r\n\r\n"),
        ),
        (
            "header line starting with a space",
            400,
            s("GET /metrics HTTP/1.1\r\n Host: x\r\n\r\n"),
        ),
        (
            "header value too long",
            431,
            format!("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: {long}\r\n\r\n").into_bytes(),
        ),
        (
            "too many headers",
            431,
            format!(
                "GET /metrics HTTP/1.1\r\n{}\r\n",
                (0..100)
                    .map(|i| format!("X-{i}: y\r\n"))
                    .collect::<String>()
            )
            .into_bytes(),
        ),
        (
            "content-length not a number",
            400,
            s("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
        ),
        (
            "negative content-length",
            400,
            s("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
        ),
        (
            "content-length with a plus",
            400,
            s("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello"),
        ),
        (
            "content-length overflowing",
            400,
            s(
                "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            ),
        ),
        (
            "two differing content-lengths",
            400,
            s(
                "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            ),
        ),
        (
            "unknown transfer-encoding",
            400,
            s("POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
        ),
        (
            "chunked not last",
            400,
            s("POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
        ),
        (
            "transfer-encoding on http/1.0",
            400,
            s("POST /metrics HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ),
        // Well-formed, but nothing errmon serves: answered without reading the body. (The
        // routing table's 404s and 405s over this transport are in `http.rs`.)
        (
            "post with a bad chunked body",
            405,
            s("POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        ),
    ]
}

fn answer(addr: SocketAddr, raw: &[u8]) -> std::io::Result<support::Response> {
    let mut stream = connect(addr)?;
    stream.set_read_timeout(Some(CASE_TIMEOUT))?;
    // The server may answer and close before reading everything (an oversized head): a
    // failed write is fine as long as the answer can be read.
    let _ = stream.write_all(raw);
    read_one(&mut stream, false)
}

#[test]
fn every_malformed_request_gets_a_4xx_and_the_endpoint_keeps_serving() {
    survivor();
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();
    let cases = cases();
    assert_eq!(cases.len(), 42);
    let mut failures = Vec::new();
    for (name, status, raw) in &cases {
        assert!((400..500).contains(status), "{name}: {status} is not a 4xx");
        match answer(addr, raw) {
            Ok(r) if r.status == *status => {}
            Ok(r) => failures.push(format!("{name}: expected {status}, got {}", r.head)),
            Err(e) => failures.push(format!("{name}: no answer: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let body = scrape(addr);
    support::assert_line(
        &body,
        r#"errmon_calls_total{function="survivor",module="malformed"} 1"#,
    );
}
