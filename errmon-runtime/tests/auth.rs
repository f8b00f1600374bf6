//! The optional bearer token: without it, or with a wrong one, every route answers 401 with a
//! `WWW-Authenticate` challenge; with it, scrapes work as usual.

use errmon_test_support as support;

use errmon_runtime::{Config, count_calls};
use support::{assert_line, send_raw};

#[count_calls]
fn guarded() {}

fn get_with(addr: std::net::SocketAddr, path: &str, auth: Option<&str>) -> support::Response {
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    let raw = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n");
    send_raw(addr, raw.as_bytes()).expect("an answer")
}

#[test]
fn only_requests_with_the_token_are_served() {
    guarded();
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .bearer_token("s3cret-T0ken")
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();

    for (path, auth) in [
        ("/metrics", None),
        ("/metrics", Some("Bearer wrong")),
        ("/metrics", Some("Bearer s3cret-T0ke")),
        ("/metrics", Some("Basic s3cret-T0ken")),
        ("/", None),
        ("/nowhere", None),
    ] {
        let r = get_with(addr, path, auth);
        assert_eq!(r.status, 401, "{path} with {auth:?}: {}", r.head);
        assert_eq!(
            r.header("WWW-Authenticate"),
            Some("Bearer realm=\"errmon\"")
        );
        assert!(!r.text().contains("errmon_calls_total"), "{}", r.text());
    }

    let r = get_with(addr, "/metrics", Some("Bearer s3cret-T0ken"));
    assert_eq!(r.status, 200, "{}", r.head);
    assert_line(
        r.text(),
        r#"errmon_calls_total{function="guarded",module="auth"} 1"#,
    );
    // The scheme is case-insensitive (RFC 9110); the token is not.
    for scheme in ["bearer", "BEARER"] {
        let r = get_with(addr, "/metrics", Some(&format!("{scheme} s3cret-T0ken")));
        assert_eq!(r.status, 200, "{scheme}: {}", r.head);
    }
    let r = get_with(addr, "/metrics", Some("Bearer S3CRET-T0KEN"));
    assert_eq!(r.status, 401, "{}", r.head);
}
