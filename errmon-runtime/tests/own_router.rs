//! An application that serves `/metrics` from its own HTTP server: `Config::install_recorder`
//! installs errmon's recorder without a server, and its renderer serves what the embedded
//! endpoint would, the application's own `metrics` facade metrics included.

use errmon_test_support as support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread;

use errmon_runtime::export::{CONTENT_TYPE, Renderer};
use errmon_runtime::{Config, count_calls};

#[count_calls]
fn handled() {}

/// The application's own server: answers every request with the renderer's text, until the
/// listener is closed by the end of the test process.
fn own_server(renderer: Renderer) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let body = renderer.render();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

fn config() -> Config {
    Config::default()
        .listen("127.0.0.1:0")
        .const_label("service", "own")
}

#[test]
fn the_renderer_serves_errmons_families_and_the_facade_like_the_embedded_endpoint() {
    let renderer = config().install_recorder().expect("install the recorder");
    handled();
    support::facade_workload();
    let own = own_server(renderer);

    let r = support::get(own, "/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some(CONTENT_TYPE));
    let body = r.text().to_owned();
    for line in [
        r#"errmon_calls_total{function="handled",module="own_router",service="own"} 1"#,
        "# TYPE itest_jobs_total counter",
        r#"itest_jobs_total{service="own",queue="fast"} 3"#,
        r#"itest_queue_depth{service="own"} 4"#,
        r#"itest_job_duration_seconds_count{service="own"} 4"#,
    ] {
        support::assert_line(&body, line);
    }

    // The embedded endpoint, with the same configuration, serves the same body.
    let guard = config().install().expect("install the endpoint");
    let embedded = support::get(guard.local_addr(), "/metrics");
    assert_eq!(embedded.header("Content-Type"), Some(CONTENT_TYPE));
    assert_eq!(embedded.text(), support::get(own, "/metrics").text());
}
