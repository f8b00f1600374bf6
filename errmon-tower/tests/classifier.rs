//! A service that is not an axum router names its routes with a classifier: here a plain
//! tower service, served as an axum fallback (which axum names no route for), with or without
//! the crate's `axum` feature.
//!
//! A test binary of its own, so its series are the only ones.

use errmon_test_support as support;

mod server;

use std::borrow::Cow;
use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use errmon_tower::{Endpoints, ErrmonLayer};
use support::{assert_line, get, send_raw};
use tower_layer::Layer;

async fn files(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    let status = if req.uri().path().starts_with("/static/") {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    Ok(r)
}

#[test]
fn a_classifier_names_the_routes_of_a_plain_service() {
    let layer = ErrmonLayer::new().route_classifier(|req| {
        req.uri
            .path()
            .starts_with("/static/")
            .then_some(Cow::Borrowed("/static/{*path}"))
    });
    let app = Router::new()
        .nest_service(
            "/errmon",
            Endpoints::new(
                errmon_runtime::Config::default()
                    .capture_facade(false)
                    .endpoint()
                    .expect("endpoint"),
            ),
        )
        .fallback_service(layer.layer(tower::service_fn(files)));
    let server = server::serve(app);
    let addr = server.addr;

    for path in ["/static/app.css", "/static/js/app.js", "/elsewhere"] {
        let r = send_raw(
            addr,
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .expect("request");
        assert!(r.header("x-request-id").is_some(), "{}", r.head);
    }
    let body = get(addr, "/errmon/metrics").text().to_owned();
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/static/{*path}",status="200"} 2"#,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
    );
    let series = body
        .lines()
        .filter(|l| l.starts_with("errmon_http_requests_total{"))
        .count();
    assert_eq!(series, 2, "{body}");
}
