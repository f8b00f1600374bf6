//! `ErrmonLayer` and `Endpoints` in axum routers served over real HTTP on loopback, read back
//! as a user would: response headers, the scraped text of the mounted `/errmon/metrics`, and
//! the reports of `/errmon/errors`.
//!
//! Every test uses routes of its own: the HTTP series are process-wide, and the tests of this
//! file run at once.

// Shared with the root package's tests, which do not use the workspace's lint set.
use errmon_test_support as support;

mod server;

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use errmon_runtime::Config;
use errmon_tower::{Endpoints, ErrmonLayer};
use server::Server;
use support::prometheus::Prometheus;
use support::{
    Response, assert_line, connect, get as get_path, promtool_check, send_raw, tool, value,
};

/// `app` with errmon's endpoints under `/errmon`, served.
fn serve(app: Router) -> Server {
    // Before anything installs errmon's panic hook (`Config::endpoint` does): errmon's hook
    // must come first in the chain, since the quiet one does not call the hooks before it for
    // the panics it silences.
    static HOOKS: std::sync::Once = std::sync::Once::new();
    HOOKS.call_once(|| {
        support::quiet_expected_panics();
        errmon_runtime::errors::install_panic_hook();
    });
    let endpoints = Endpoints::new(
        Config::default()
            .capture_facade(false)
            .endpoint()
            .expect("errmon endpoint"),
    );
    server::serve(app.nest_service("/errmon", endpoints))
}

/// `GET path` with extra header lines (each ending in `\r\n`).
fn get_with(addr: SocketAddr, path: &str, headers: &str) -> Response {
    send_raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{headers}\r\n").as_bytes(),
    )
    .expect("request")
}

fn scrape(addr: SocketAddr) -> String {
    let r = get_path(addr, "/errmon/metrics");
    assert_eq!(r.status, 200, "{}", r.head);
    r.text().to_owned()
}

/// Scrapes until `series` has `want`, for what is recorded after the response was read (the
/// end of a body, a cancellation the server notices later).
fn eventually(addr: SocketAddr, series: &str, want: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = scrape(addr);
        if value(&body, series) == Some(want) || Instant::now() > deadline {
            return body;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The stored reports of HTTP requests, newest first, as `/errmon/errors` lists them.
fn reports(addr: SocketAddr) -> Vec<serde_json::Value> {
    let r = get_path(addr, "/errmon/errors?function=http_request&limit=1000");
    assert_eq!(r.status, 200, "{}", r.head);
    let json: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    json["recent"].as_array().expect("recent reports").clone()
}

/// The report of the request `id`.
fn report_of(addr: SocketAddr, id: &str) -> serde_json::Value {
    reports(addr)
        .into_iter()
        .find(|r| r["request_id"] == id)
        .unwrap_or_else(|| panic!("no report of request {id}"))
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36 && errmon_runtime::context::is_valid_request_id(id) && id.as_bytes()[14] == b'4'
}

/// The handler's view: the id in the request's header, then the id of the current context.
async fn echo_id(headers: axum::http::HeaderMap) -> String {
    let header = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let context = errmon_runtime::context::current()
        .map(|c| c.request_id().to_owned())
        .unwrap_or_default();
    format!("{header} {context}")
}

#[test]
fn request_ids_are_accepted_rejected_and_generated() {
    let app = Router::new()
        .route("/ids", get(echo_id))
        .route(
            "/ids/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "failed") }),
        )
        .layer(ErrmonLayer::new());
    let server = serve(app);
    let addr = server.addr;

    // Accepted: the handler, its context and the response all carry the caller's id.
    let r = get_with(addr, "/ids", "x-request-id: req-abc.1_2\r\n");
    assert_eq!(r.header("x-request-id"), Some("req-abc.1_2"));
    assert_eq!(r.text(), "req-abc.1_2 req-abc.1_2");

    // Missing, not allowed characters, too long: a generated UUID, the same everywhere.
    let too_long = "x".repeat(129);
    let mut seen = Vec::new();
    for headers in [
        String::new(),
        "x-request-id: bad id!\r\n".to_owned(),
        "x-request-id: <script>\r\n".to_owned(),
        format!("x-request-id: {too_long}\r\n"),
    ] {
        let r = get_with(addr, "/ids", &headers);
        let id = r.header("x-request-id").expect("an id").to_owned();
        assert!(is_uuid(&id), "{headers:?} gave {id}");
        assert_eq!(r.text(), format!("{id} {id}"), "{headers:?}");
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "every generated id is new: {seen:?}");

    // A rejected id reaches no report: the 5xx is reported under the generated one.
    let r = get_with(addr, "/ids/fail", "x-request-id: rejected-id-\u{e9}\r\n");
    assert_eq!(r.status, 500);
    let id = r.header("x-request-id").expect("an id").to_owned();
    assert!(is_uuid(&id), "{id}");
    let report = report_of(addr, &id);
    assert_eq!(
        report["message"],
        "GET /ids/fail answered 500 Internal Server Error"
    );
    let all = get_path(addr, "/errmon/errors?limit=1000");
    assert!(!all.text().contains("rejected-id"), "{}", all.text());
    assert!(!scrape(addr).contains("rejected-id"));
}

#[test]
fn the_request_id_header_is_configurable() {
    let app = Router::new()
        .route("/correlated", get(|| async { "ok" }))
        .layer(
            ErrmonLayer::new()
                .request_id_header(axum::http::HeaderName::from_static("x-correlation-id")),
        );
    let server = serve(app);
    let r = get_with(server.addr, "/correlated", "x-correlation-id: corr-9\r\n");
    assert_eq!(r.header("x-correlation-id"), Some("corr-9"));
    assert_eq!(r.header("x-request-id"), None);
}

#[test]
fn routes_are_templates_for_matched_nested_and_unmatched_requests() {
    let api = Router::new().route("/items/{item}", get(|| async { "item" }));
    let app = Router::new()
        .route("/members/{id}", get(|| async { "member" }))
        .nest("/api", api)
        .layer(ErrmonLayer::new());
    let server = serve(app);
    let addr = server.addr;
    for path in ["/members/1", "/members/2", "/members/3", "/api/items/9"] {
        assert_eq!(get_path(addr, path).status, 200, "{path}");
    }
    assert_eq!(get_path(addr, "/not/a/route/17").status, 404);

    let body = eventually(
        addr,
        r#"errmon_http_requests_total{method="GET",route="/members/{id}",status="200"}"#,
        3.0,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/members/{id}",status="200"} 3"#,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/api/items/{item}",status="200"} 1"#,
    );
    assert_line(
        &body,
        r#"errmon_http_request_duration_seconds_count{method="GET",route="/api/items/{item}",status="200"} 1"#,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_in_flight{method="GET",route="/members/{id}"} 0"#,
    );
    assert!(
        value(
            &body,
            r#"errmon_http_requests_total{method="GET",route="unmatched",status="404"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{body}"
    );
    assert!(
        !body.contains("/members/1"),
        "a path became a label: {body}"
    );
    assert!(
        !body.contains("/not/a/route"),
        "a path became a label: {body}"
    );
}

/// A scanner: 100,000 random paths, with a method no other test uses, add one series.
#[test]
fn random_paths_add_no_series() {
    let app = Router::new()
        .route("/scanned", get(|| async { "ok" }))
        .layer(ErrmonLayer::new());
    let server = serve(app.clone());
    let series = |body: &str| {
        body.lines()
            .filter(|l| l.starts_with("errmon_http_") && l.contains("method=\"DELETE\""))
            .count()
    };
    // Over HTTP, once, so the series of the unmatched DELETE exist.
    let r = send_raw(
        server.addr,
        b"DELETE /scan-0 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .expect("request");
    assert_eq!(r.status, 404);
    let before = eventually(
        server.addr,
        r#"errmon_http_requests_total{method="DELETE",route="unmatched",status="404"}"#,
        1.0,
    );
    // The rest through the same router and layer in process: the same code path, without
    // 100,000 connections.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..99_999 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let req = axum::http::Request::delete(format!("/scan-{x:x}/{}", x % 977))
                .body(axum::body::Body::empty())
                .expect("request");
            let mut svc = app.clone();
            std::future::poll_fn(|cx| {
                tower_service::Service::<axum::http::Request<axum::body::Body>>::poll_ready(
                    &mut svc, cx,
                )
            })
            .await
            .expect("ready");
            let res = tower_service::Service::call(&mut svc, req)
                .await
                .expect("response");
            assert_eq!(res.status(), 404);
            drop(res);
        }
    });
    let after = eventually(
        server.addr,
        r#"errmon_http_requests_total{method="DELETE",route="unmatched",status="404"}"#,
        100_000.0,
    );
    assert_line(
        &after,
        r#"errmon_http_requests_total{method="DELETE",route="unmatched",status="404"} 100000"#,
    );
    assert_eq!(series(&before), series(&after), "{after}");
    assert!(!after.contains("scan-"), "a path became a label");
}

#[test]
fn statuses_are_labelled_and_5xx_are_reported() {
    let app = Router::new()
        .route(
            "/answer/{code}",
            get(
                |axum::extract::Path(code): axum::extract::Path<u16>| async move {
                    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
                },
            ),
        )
        .layer(ErrmonLayer::new());
    let server = serve(app);
    let addr = server.addr;
    for code in [200, 201, 302, 404, 429, 500, 503, 503] {
        let id = format!("req-status-{code}");
        let r = get_with(
            addr,
            &format!("/answer/{code}"),
            &format!("x-request-id: {id}\r\n"),
        );
        assert_eq!(r.status, code);
        assert_eq!(r.header("x-request-id"), Some(id.as_str()));
    }
    let body = eventually(
        addr,
        r#"errmon_http_requests_total{method="GET",route="/answer/{code}",status="503"}"#,
        2.0,
    );
    for (status, n) in [
        ("200", 1),
        ("201", 1),
        ("302", 1),
        ("404", 1),
        ("429", 1),
        ("500", 1),
        ("503", 2),
    ] {
        assert_line(
            &body,
            &format!(
                r#"errmon_http_requests_total{{method="GET",route="/answer/{{code}}",status="{status}"}} {n}"#
            ),
        );
    }
    // Reports: the two 5xx statuses, with their fields; no 4xx.
    for (code, message, kind) in [
        (
            500,
            "GET /answer/{code} answered 500 Internal Server Error",
            "internal_server_error",
        ),
        (
            503,
            "GET /answer/{code} answered 503 Service Unavailable",
            "service_unavailable",
        ),
    ] {
        let r = report_of(addr, &format!("req-status-{code}"));
        assert_eq!(r["message"], message);
        assert_eq!(r["function"], "http_request");
        assert_eq!(r["error_type"], "StatusCode");
        assert_eq!(r["error_kind"], kind);
        assert_eq!(r["fields"]["http.route"], "/answer/{code}");
        assert_eq!(r["fields"]["http.request.method"], "GET");
        assert_eq!(r["fields"]["http.response.status_code"], code.to_string());
    }
    // The reports' function has the requests as its calls: its error ratio is 5xx answers
    // per request (of every test of this binary), never above 1.
    let r = get_path(addr, "/errmon/errors?function=http_request");
    let json: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    let ratio = json["by_function"][0]["rates"]["15m"]["error_ratio"]
        .as_f64()
        .unwrap_or_else(|| panic!("an error ratio: {json}"));
    assert!(ratio > 0.0 && ratio < 1.0, "{ratio}");
    let all = reports(addr);
    for code in [200, 404, 429] {
        let id = format!("req-status-{code}");
        assert!(!all.iter().any(|r| r["request_id"] == id.as_str()), "{id}");
    }
}

/// The client goes away while the handler waits: the request is `cancelled`, not in flight,
/// and the handler's own `#[monitored]` future is cancelled with it.
#[test]
fn a_request_dropped_by_its_client_is_cancelled() {
    #[errmon_runtime::monitored]
    async fn wait_forever() -> Result<(), std::io::Error> {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
    let app = Router::new()
        .route(
            "/hang",
            get(|| async {
                let _ = wait_forever().await;
                "never"
            }),
        )
        .layer(ErrmonLayer::new());
    let server = serve(app);
    let addr = server.addr;
    let mut stream = connect(addr).expect("connect");
    stream
        .write_all(b"GET /hang HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("send");
    let in_flight = r#"errmon_http_requests_in_flight{method="GET",route="/hang"}"#;
    let body = eventually(addr, in_flight, 1.0);
    assert_eq!(value(&body, in_flight), Some(1.0), "{body}");
    drop(stream);
    // The handler's future is dropped with the request's: its call is cancelled. (A scrape
    // reads the functions' families before the HTTP ones, so wait for the last one to
    // change.)
    let body = eventually(
        addr,
        r#"errmon_call_outcomes_total{function="wait_forever",module="http",outcome="cancelled"}"#,
        1.0,
    );
    assert_line(
        &body,
        r#"errmon_call_outcomes_total{function="wait_forever",module="http",outcome="cancelled"} 1"#,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/hang",status="cancelled"} 1"#,
    );
    assert_line(&body, &format!("{in_flight} 0"));
}

/// A handler panics: the client gets a `500` with its request id, the panic a report with
/// the request id, the user id set inside the layer and the panic's message, and the server
/// goes on serving.
#[test]
fn a_panicking_handler_is_answered_500_and_reported() {
    async fn authenticate(
        req: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        if let Some(user) = req.headers().get("x-user").and_then(|v| v.to_str().ok()) {
            errmon_runtime::context::set_user_id(user);
        }
        next.run(req).await
    }
    let app = Router::new()
        .route(
            "/explode/{n}",
            get(
                |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    if n == 7 {
                        panic!("exploded at order {n}, panics on purpose");
                    }
                    "fine"
                },
            ),
        )
        .layer(axum::middleware::from_fn(authenticate))
        .layer(ErrmonLayer::new());
    let server = serve(app);
    let addr = server.addr;
    let r = get_with(
        addr,
        "/explode/7",
        "x-request-id: req-panic-1\r\nx-user: ada\r\n",
    );
    assert_eq!(r.status, 500);
    assert_eq!(r.header("x-request-id"), Some("req-panic-1"));
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(get_path(addr, "/explode/1").status, 200);

    let r = report_of(addr, "req-panic-1");
    assert_eq!(r["message"], "exploded at order 7, panics on purpose");
    assert_eq!(r["user_id"], "ada");
    assert_eq!(r["panic"], true);
    assert_eq!(r["severity"], "critical");
    assert_eq!(r["fields"]["http.route"], "/explode/{n}");
    assert!(
        r["location"]
            .as_str()
            .is_some_and(|l| l.contains("http.rs:")),
        "{r}"
    );
    let body = eventually(
        addr,
        r#"errmon_http_requests_total{method="GET",route="/explode/{n}",status="500"}"#,
        1.0,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/explode/{n}",status="200"} 1"#,
    );
}

/// The duration runs until the body ends: a body that streams for 300 ms takes at least that
/// long.
#[test]
fn the_duration_covers_the_response_body() {
    let app = Router::new()
        .route(
            "/stream",
            get(|| async { axum::body::Body::new(Ticks::new(3, Duration::from_millis(100))) }),
        )
        .layer(ErrmonLayer::new());
    let server = serve(app);
    let r = get_path(server.addr, "/stream");
    assert_eq!(r.status, 200);
    let body = eventually(
        server.addr,
        r#"errmon_http_request_duration_seconds_count{method="GET",route="/stream",status="200"}"#,
        1.0,
    );
    let sum = value(
        &body,
        r#"errmon_http_request_duration_seconds_sum{method="GET",route="/stream",status="200"}"#,
    )
    .expect("a duration");
    assert!(sum >= 0.3, "{sum} s: the body's time is not counted");
}

/// A body of `left` chunks, one every `every`.
struct Ticks {
    left: u32,
    every: Duration,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl Ticks {
    fn new(left: u32, every: Duration) -> Self {
        Ticks {
            left,
            every,
            sleep: Box::pin(tokio::time::sleep(every)),
        }
    }
}

impl http_body::Body for Ticks {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>> {
        use std::future::Future as _;
        use std::task::Poll;
        if self.left == 0 {
            return Poll::Ready(None);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                self.left -= 1;
                let next = tokio::time::Instant::now() + self.every;
                self.sleep.as_mut().reset(next);
                Poll::Ready(Some(Ok(http_body::Frame::data(bytes::Bytes::from_static(
                    b"chunk\n",
                )))))
            }
        }
    }
}

/// promtool finds nothing wrong with the HTTP families, under either naming.
#[test]
fn promtool_finds_no_problem_in_either_naming() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let app = Router::new()
        .route(
            "/checked/{code}",
            get(
                |axum::extract::Path(code): axum::extract::Path<u16>| async move {
                    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
                },
            ),
        )
        .layer(ErrmonLayer::new());
    let server = serve(app);
    for code in [200, 404, 503] {
        assert_eq!(
            get_path(server.addr, &format!("/checked/{code}")).status,
            code
        );
    }
    let errmon = eventually(
        server.addr,
        r#"errmon_http_requests_total{method="GET",route="/checked/{code}",status="503"}"#,
        1.0,
    );
    let otel = Config::default()
        .capture_facade(false)
        .http_naming(errmon_runtime::HttpNaming::OpenTelemetry)
        .endpoint()
        .expect("endpoint")
        .answer(&errmon_runtime::endpoint::Request::new(
            "GET", "/metrics", None,
        ));
    let otel = std::str::from_utf8(otel.body()).expect("UTF-8").to_owned();
    assert_line(
        &otel,
        r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/checked/{code}",http_response_status_code="503",error_type="503"} 1"#,
    );
    assert_line(
        &otel,
        r#"http_server_active_requests{http_request_method="GET",http_route="/checked/{code}"} 0"#,
    );
    for (naming, body) in [("errmon", &errmon), ("opentelemetry", &otel)] {
        if let Err(report) = promtool_check(&promtool, body) {
            panic!("promtool check metrics ({naming} names): {report}\non:\n{body}");
        }
    }
}

/// A real Prometheus scrapes the mounted endpoint: per-route rate, errors and duration are
/// queryable by route template and status.
#[test]
fn prometheus_scrapes_per_route_red_metrics_from_the_mounted_endpoint() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    let app = Router::new()
        .route(
            "/red/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<u32>| async move {
                    match id {
                        0 => StatusCode::NOT_FOUND,
                        1 => StatusCode::SERVICE_UNAVAILABLE,
                        _ => StatusCode::OK,
                    }
                },
            ),
        )
        .layer(ErrmonLayer::new());
    let server = serve(app);
    for id in [0, 1, 1, 2, 3, 4, 5] {
        get_path(server.addr, &format!("/red/{id}"));
    }
    let mut prometheus = Prometheus::start(&binary, server.addr, "/errmon/metrics");
    prometheus.wait_for(r#"sum(errmon_http_requests_total{route="/red/{id}"})"#, "7");
    for (query, expected) in [
        (
            r#"errmon_http_requests_total{route="/red/{id}",status="200"}"#,
            "4",
        ),
        (
            r#"errmon_http_requests_total{route="/red/{id}",status="503"}"#,
            "2",
        ),
        (
            r#"sum(errmon_http_requests_total{route="/red/{id}",status=~"5.."}) / sum(errmon_http_requests_total{route="/red/{id}"})"#,
            "0.2857142857142857",
        ),
        (
            r#"sum(errmon_http_request_duration_seconds_count{route="/red/{id}"})"#,
            "7",
        ),
        (
            r#"errmon_http_requests_in_flight{method="GET",route="/red/{id}"}"#,
            "0",
        ),
        (
            r#"count(errmon_http_requests_total{route=~"/red/[0-9]+"})"#,
            "",
        ),
    ] {
        assert_eq!(
            prometheus.query(query).unwrap_or_default(),
            expected,
            "{query}"
        );
    }
}

/// `report_server_errors(false)`: a `5xx` is counted, not reported.
#[test]
fn server_errors_can_go_unreported() {
    let app = Router::new()
        .route(
            "/quiet-failure",
            get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .layer(ErrmonLayer::new().report_server_errors(false));
    let server = serve(app);
    let r = get_with(
        server.addr,
        "/quiet-failure",
        "x-request-id: req-unreported\r\n",
    );
    assert_eq!(r.status, 503);
    let body = eventually(
        server.addr,
        r#"errmon_http_requests_total{method="GET",route="/quiet-failure",status="503"}"#,
        1.0,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/quiet-failure",status="503"} 1"#,
    );
    assert!(
        !reports(server.addr)
            .iter()
            .any(|r| r["request_id"] == "req-unreported")
    );
}

/// `catch_panics(false)`: the panic goes on unwinding, as without the layer (hyper drops the
/// connection unanswered), and the request, whose future was dropped, is `cancelled`.
#[test]
fn panics_can_be_left_to_unwind() {
    let app = Router::new()
        .route(
            "/unwind",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("left to unwind, panics on purpose");
                }
                "never"
            }),
        )
        .layer(ErrmonLayer::new().catch_panics(false));
    let server = serve(app);
    let answer = send_raw(
        server.addr,
        b"GET /unwind HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.is_err(), "answered: {answer:?}");
    let body = eventually(
        server.addr,
        r#"errmon_http_requests_total{method="GET",route="/unwind",status="cancelled"}"#,
        1.0,
    );
    assert_line(
        &body,
        r#"errmon_http_requests_total{method="GET",route="/unwind",status="cancelled"} 1"#,
    );
}
