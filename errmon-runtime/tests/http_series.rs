//! The HTTP families as `/metrics` renders them, under both namings: every kind of status,
//! methods off the list, constant labels. A test binary of its own, so these series are the
//! only ones.

use errmon_runtime::http::{Exchange, Method};
use errmon_runtime::{Config, HttpNaming};

fn record() {
    Exchange::start(Method::Get, Some("/items/{id}")).finish(200);
    Exchange::start(Method::Get, Some("/items/{id}")).finish(503);
    drop(Exchange::start(Method::Get, Some("/items/{id}")));
    Exchange::start(Method::Get, Some("/items/{id}")).fail();
    // Not a status code: counted, under `other`.
    Exchange::start(Method::Get, Some("/items/{id}")).finish(42);
    Exchange::start(Method::parse("PROPFIND"), None).finish(404);
}

fn samples(text: &str, family: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(family))
        .map(str::to_owned)
        .collect()
}

#[test]
fn both_namings_render_every_status() {
    record();
    let pending = Exchange::start(Method::Post, Some("/items"));
    let config = Config::default().const_label("service", "shop");

    let text = errmon_runtime::export::render_prometheus(&config).expect("render");
    assert_eq!(
        samples(&text, "errmon_http_requests_total{"),
        [
            r#"errmon_http_requests_total{method="GET",route="/items/{id}",status="200",service="shop"} 1"#,
            r#"errmon_http_requests_total{method="GET",route="/items/{id}",status="503",service="shop"} 1"#,
            r#"errmon_http_requests_total{method="GET",route="/items/{id}",status="cancelled",service="shop"} 1"#,
            r#"errmon_http_requests_total{method="GET",route="/items/{id}",status="error",service="shop"} 1"#,
            r#"errmon_http_requests_total{method="GET",route="/items/{id}",status="other",service="shop"} 1"#,
            r#"errmon_http_requests_total{method="_OTHER",route="unmatched",status="404",service="shop"} 1"#,
        ]
    );
    assert_eq!(
        samples(&text, "errmon_http_requests_in_flight{"),
        [
            r#"errmon_http_requests_in_flight{method="POST",route="/items",service="shop"} 1"#,
            r#"errmon_http_requests_in_flight{method="GET",route="/items/{id}",service="shop"} 0"#,
            r#"errmon_http_requests_in_flight{method="_OTHER",route="unmatched",service="shop"} 0"#,
        ]
    );
    assert!(text.contains("# TYPE errmon_http_request_duration_seconds histogram\n"));
    assert!(text.contains(
        "\nerrmon_http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",status=\"200\",service=\"shop\",le=\"+Inf\"} 1\n"
    ));

    let text = errmon_runtime::export::render_prometheus(
        &config.clone().http_naming(HttpNaming::OpenTelemetry),
    )
    .expect("render");
    assert!(!text.contains("errmon_http_"), "{text}");
    assert_eq!(
        samples(&text, "http_server_request_duration_seconds_count{"),
        [
            r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/items/{id}",http_response_status_code="200",service="shop"} 1"#,
            r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/items/{id}",http_response_status_code="503",error_type="503",service="shop"} 1"#,
            r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/items/{id}",error_type="cancelled",service="shop"} 1"#,
            r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/items/{id}",error_type="error",service="shop"} 1"#,
            r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/items/{id}",error_type="other",service="shop"} 1"#,
            r#"http_server_request_duration_seconds_count{http_request_method="_OTHER",http_route="unmatched",http_response_status_code="404",service="shop"} 1"#,
        ]
    );
    assert!(text.contains(
        "\nhttp_server_active_requests{http_request_method=\"POST\",http_route=\"/items\",service=\"shop\"} 1\n"
    ));
    drop(pending);
}
