//! An application that installs errmon from inside its own tokio runtime: the endpoint runs on
//! errmon's runtime and thread, not the application's, so it serves even while the
//! application's only worker thread is blocked, and dropping the guard there returns.

use errmon_test_support as support;

use std::time::{Duration, Instant};

use errmon_runtime::{Config, count_calls};

#[count_calls]
fn inside() {}

#[tokio::test(flavor = "current_thread")]
async fn the_endpoint_serves_while_the_applications_runtime_is_blocked() {
    inside();
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install errmon inside a runtime");
    // The application's one runtime thread is busy here, in a blocking scrape: an endpoint on
    // this runtime could not answer it.
    let body = support::scrape(guard.local_addr());
    support::assert_line(
        &body,
        r#"errmon_calls_total{function="inside",module="install_in_runtime"} 1"#,
    );
    let t = Instant::now();
    drop(guard);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "drop took {:?}",
        t.elapsed()
    );
}
