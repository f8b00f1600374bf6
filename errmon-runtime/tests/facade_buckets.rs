//! Buckets of the application's own histograms recorded through the `metrics` facade: by name
//! from `Config::facade_buckets`, the duration buckets for names ending in `_seconds`, and a
//! general-purpose default for the others, so an amount in cents does not land in `+Inf`.

use errmon_test_support as support;

use errmon_runtime::{Config, DEFAULT_FACADE_BUCKETS, MetricMatch};
use support::{assert_line, scrape};

#[test]
fn facade_histograms_get_buckets_by_name_with_defaults_for_durations_and_amounts() {
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .duration_buckets([0.01, 0.1, 1.0])
        .facade_buckets(MetricMatch::Full("basket_items".into()), [1.0, 5.0, 20.0])
        .facade_buckets(MetricMatch::Prefix("queue_".into()), [10.0, 100.0])
        .install()
        .expect("install errmon");

    // An amount in cents, with no entry of its own: the general-purpose default.
    for cents in [1999.0, 4500.0, 120_000.0] {
        metrics::histogram!("order_amount_cents").record(cents);
    }
    metrics::histogram!("basket_items").record(3.0);
    metrics::histogram!("queue_wait_jobs").record(42.0);
    metrics::histogram!("request_duration_seconds").record(0.05);

    let body = scrape(guard.local_addr());
    for line in [
        r#"order_amount_cents_bucket{le="1000"} 0"#,
        r#"order_amount_cents_bucket{le="2500"} 1"#,
        r#"order_amount_cents_bucket{le="5000"} 2"#,
        r#"order_amount_cents_bucket{le="100000"} 2"#,
        r#"order_amount_cents_bucket{le="250000"} 3"#,
        r#"order_amount_cents_bucket{le="+Inf"} 3"#,
        r#"basket_items_bucket{le="1"} 0"#,
        r#"basket_items_bucket{le="5"} 1"#,
        r#"basket_items_bucket{le="20"} 1"#,
        r#"queue_wait_jobs_bucket{le="10"} 0"#,
        r#"queue_wait_jobs_bucket{le="100"} 1"#,
        r#"request_duration_seconds_bucket{le="0.01"} 0"#,
        r#"request_duration_seconds_bucket{le="0.1"} 1"#,
        r#"request_duration_seconds_bucket{le="1"} 1"#,
    ] {
        assert_line(&body, line);
    }
    let bounds = |name: &str| {
        body.lines()
            .filter(|l| l.starts_with(&format!("{name}_bucket{{")))
            .count()
    };
    assert_eq!(
        bounds("order_amount_cents"),
        DEFAULT_FACADE_BUCKETS.len() + 1
    );
    assert_eq!(bounds("basket_items"), 4);
    assert_eq!(bounds("request_duration_seconds"), 4);
    drop(guard);
}
