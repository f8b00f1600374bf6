//! errmon's endpoints mounted in an axum router answer byte for byte as the embedded server
//! does: the same statuses, headers and bodies for every route, method and token.
//!
//! A test binary of its own: nothing else records while the two are compared.

use errmon_test_support as support;

mod server;

use std::net::SocketAddr;

use axum::Router;
use errmon_runtime::Config;
use errmon_runtime::log::{LogSettings, Output};
use errmon_tower::Endpoints;
use support::{Response, send_raw};

#[errmon_runtime::monitored]
fn lookup(id: u32) -> Result<u32, std::io::Error> {
    if id % 2 == 0 {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no order {id}"),
        ))
    } else {
        Ok(id)
    }
}

fn send(addr: SocketAddr, method: &str, path: &str, headers: &str) -> Response {
    send_raw(
        addr,
        format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{headers}\r\n")
            .as_bytes(),
    )
    .expect("request")
}

/// What must be the same of an answer: its status, the headers errmon sets, its body.
type Comparable = (u16, Vec<(String, Option<String>)>, Vec<u8>);

/// The parts of `r` that must match. `generated_at` of `/errors` is the time of the answer,
/// so it is left out.
fn comparable(r: &Response) -> Comparable {
    let headers = [
        "content-type",
        "content-encoding",
        "content-length",
        "vary",
        "allow",
        "www-authenticate",
        "cache-control",
    ]
    .iter()
    .map(|h| (h.to_string(), r.header(h).map(str::to_owned)))
    .collect();
    let mut body = r.body.clone();
    if let Some(at) = body.windows(16).position(|w| w == b"\"generated_at\":\"") {
        let start = at + 16;
        body.splice(start..start + 24, std::iter::empty());
    }
    (r.status, headers, body)
}

#[test]
fn mounted_endpoints_answer_byte_for_byte_as_the_embedded_server() {
    for id in 0..6 {
        let _ = lookup(id);
    }
    let config = || {
        Config::default()
            .listen("127.0.0.1:0")
            .bearer_token("s3cret")
            .logs(LogSettings::default().output(Output::Off))
    };
    let guard = config().install().expect("install");
    // The running server's own endpoint, and one made without a server.
    let shared =
        server::serve(Router::new().nest_service("/errmon", Endpoints::new(guard.endpoint())));
    let separate = server::serve(Router::new().nest_service(
        "/errmon",
        Endpoints::new(config().endpoint().expect("endpoint")),
    ));
    let token = "authorization: Bearer s3cret\r\n";
    let cases = [
        ("GET", "/metrics", token.to_owned()),
        (
            "GET",
            "/metrics",
            format!("{token}accept-encoding: gzip\r\n"),
        ),
        ("HEAD", "/metrics", token.to_owned()),
        ("GET", "/", token.to_owned()),
        ("GET", "/errors?limit=3", token.to_owned()),
        ("GET", "/errors?limit=lots", token.to_owned()),
        ("GET", "/metrics", String::new()),
        (
            "GET",
            "/metrics",
            "authorization: Bearer wrong\r\n".to_owned(),
        ),
        ("GET", "/nowhere", token.to_owned()),
        ("GET", "/nowhere", String::new()),
        ("POST", "/metrics", token.to_owned()),
        ("GET", "/history?window=forever", token.to_owned()),
        ("GET", "/history", String::new()),
    ];
    let mut statuses = Vec::new();
    for (method, path, headers) in &cases {
        let embedded = send(guard.local_addr(), method, path, headers);
        let mounted = format!("/errmon{path}");
        for addr in [shared.addr, separate.addr] {
            let other = send(addr, method, &mounted, headers);
            assert_eq!(
                comparable(&other),
                comparable(&embedded),
                "{method} {path} {headers:?}\nmounted: {}\nembedded: {}",
                other.head,
                embedded.head
            );
        }
        statuses.push(embedded.status);
        if (*method, *path, headers.as_str()) == ("GET", "/metrics", token) {
            assert!(
                embedded
                    .text()
                    .contains(r#"errmon_calls_total{function="lookup""#),
                "{}",
                embedded.text()
            );
        }
    }
    assert_eq!(
        statuses,
        [
            200, 200, 200, 200, 200, 400, 401, 401, 404, 401, 405, 400, 401
        ]
    );
    // `/history` moves with the clock (`generated_ms`, the series' intervals): compared by
    // what it counts.
    for addr in [guard.local_addr(), shared.addr, separate.addr] {
        let prefix = if addr == guard.local_addr() {
            ""
        } else {
            "/errmon"
        };
        let r = send(
            addr,
            "GET",
            &format!("{prefix}/history?window=5m&function=lookup"),
            token,
        );
        assert_eq!(r.status, 200, "{}", r.head);
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
        assert_eq!(v["functions"][0]["function"], "lookup", "{v}");
        assert_eq!(v["functions"][0]["calls"], 6, "{v}");
    }
}
