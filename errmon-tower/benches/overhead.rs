//! Per-request cost of [`ErrmonLayer`] on a trivial axum handler, next to the same router bare,
//! with tower-http's tracing and request-id layers, and with axum-prometheus's layer.
//!
//! ```text
//! cargo bench -p errmon-tower --features axum --bench overhead
//! ```
//!
//! Every case is the same router, `Router::new().route("/users/{id}", get(handler))` with a
//! handler answering a short `&'static str`, and differs from the others only by the middleware
//! added with `Router::layer` (so it wraps the route, after axum matched it):
//!
//! - `bare`: none;
//! - `errmon`: `ErrmonLayer::new()`, a request without an id (one is generated);
//! - `tower_http`: tower-http's `SetRequestIdLayer::x_request_id(MakeRequestUuid)` (outermost),
//!   `TraceLayer::new_for_http()` and `PropagateRequestIdLayer::x_request_id()` (innermost):
//!   an id generated and echoed in the response, as `ErrmonLayer` does, and a trace span;
//! - `axum_prometheus`: `axum_prometheus::PrometheusMetricLayer::pair()`'s layer, its global
//!   `metrics` recorder installed (errmon's `install()` is never called here, so errmon
//!   installs no recorder of its own, and `ErrmonLayer` records into errmon's table without it);
//! - `bare_with_id` and `errmon_with_id`: the same two with a valid `x-request-id` on the
//!   request, accepted by `ErrmonLayer` instead of generated. The header makes the request
//!   itself dearer to build, so `errmon_with_id` is compared with `bare_with_id`.
//!
//! Each request is built, sent through the router in-process as a tower `Service`
//! (`ServiceExt::oneshot` on a clone of the `Router`, no socket, no hyper), and its response
//! body collected, so the layers' end-of-body work (where `ErrmonLayer` records the duration)
//! runs inside the timed loop. The loop runs on a current-thread tokio runtime, one `block_on`
//! per criterion sample. No tracing subscriber is installed: `TraceLayer`'s span and events are
//! then disabled, its cheapest form. A sample during which the thread waited for a core more
//! than 5% of the time (other processes on a small shared machine) is taken again, up to 3
//! times; the bench says how many were.
//!
//! After criterion's own report, a table is printed to stdout: each case's median ns/request
//! (the median of the samples' mean time per request, as criterion's `median` estimate), the
//! ns it adds over its bare baseline, and the added cost of `ErrmonLayer` as a fraction of
//! axum-prometheus's. Target: `ErrmonLayer` adds less per request than axum-prometheus does.

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use axum_prometheus::metrics_exporter_prometheus::PrometheusHandle;
use criterion::Criterion;
use errmon_tower::ErrmonLayer;
use http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt;
use tokio::runtime::Runtime;
use tower::ServiceBuilder;
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Criterion's samples per case: the last this many timings of a case are its measurement
/// (the ones before are its warm-up).
const SAMPLES: usize = 50;

/// A well-formed incoming id, as long as a generated UUID.
const INCOMING_ID: &str = "0b6a8e5c-2f1d-4c3b-9a7e-5d4c3b2a1f00";

async fn handler() -> &'static str {
    "user 42"
}

fn router() -> Router {
    Router::new().route("/users/{id}", get(handler))
}

fn request(with_id: bool) -> Request<Body> {
    let mut builder = Request::get("/users/42");
    if with_id {
        builder = builder.header("x-request-id", HeaderValue::from_static(INCOMING_ID));
    }
    builder.body(Body::empty()).expect("a valid request")
}

/// One request through `app`, its response body read to the end.
async fn serve(app: &Router, with_id: bool) -> usize {
    let response = app
        .clone()
        .oneshot(request(with_id))
        .await
        .unwrap_or_else(|e| match e {});
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body of a &'static str")
        .to_bytes();
    black_box(body).len()
}

struct Case {
    name: &'static str,
    app: Router,
    with_id: bool,
    /// The case whose time this one's added cost is taken over.
    baseline: &'static str,
}

/// The cases, and axum-prometheus's handle. `upkeep` is the runtime axum-prometheus spawns
/// its recorder's upkeep task on (every 5 s it drains the histograms' pending values), as an
/// application's other workers would run it: not inside the timed loop.
fn cases(upkeep: &Runtime) -> (Vec<Case>, PrometheusHandle) {
    let (prometheus_layer, prometheus) = {
        let _in = upkeep.enter();
        axum_prometheus::PrometheusMetricLayer::pair()
    };
    let case = |name, app, with_id, baseline| Case {
        name,
        app,
        with_id,
        baseline,
    };
    let cases = vec![
        case("bare", router(), false, "bare"),
        case("errmon", router().layer(ErrmonLayer::new()), false, "bare"),
        case(
            "tower_http",
            router().layer(
                ServiceBuilder::new()
                    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                    .layer(TraceLayer::new_for_http())
                    .layer(PropagateRequestIdLayer::x_request_id()),
            ),
            false,
            "bare",
        ),
        case(
            "axum_prometheus",
            router().layer(prometheus_layer),
            false,
            "bare",
        ),
        case("bare_with_id", router(), true, "bare_with_id"),
        case(
            "errmon_with_id",
            router().layer(ErrmonLayer::new()),
            true,
            "bare_with_id",
        ),
    ];
    (cases, prometheus)
}

/// Every case answers 200 with the handler's body, the id cases echo an id (the incoming one
/// where there was one), and both metric layers record the route template, not the path.
fn check(rt: &Runtime, cases: &[Case], prometheus: &PrometheusHandle) {
    rt.block_on(async {
        for c in cases {
            let response = c.app.clone().oneshot(request(c.with_id)).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", c.name);
            let id = response.headers().get("x-request-id").cloned();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"user 42", "{}", c.name);
            match c.name {
                "errmon" | "tower_http" => {
                    let id = id.unwrap_or_else(|| panic!("{}: no id in the response", c.name));
                    assert_eq!(id.len(), 36, "{}: a generated UUID", c.name);
                    assert_ne!(id, INCOMING_ID);
                }
                "errmon_with_id" => assert_eq!(id.as_ref().unwrap(), INCOMING_ID),
                _ => assert!(id.is_none() || c.with_id, "{}", c.name),
            }
        }
    });
    let errmon = errmon_runtime::export::render_prometheus(&errmon_runtime::Config::default())
        .expect("errmon's metrics");
    assert!(
        errmon.contains(
            r#"errmon_http_requests_total{method="GET",route="/users/{id}",status="200"}"#
        ),
        "errmon recorded the route template"
    );
    assert!(
        prometheus.render().contains(r#"endpoint="/users/{id}""#),
        "axum-prometheus recorded the route template"
    );
}

/// Median of the mean ns/request of the measured samples, or `None` if the case was not
/// measured (filtered out, or criterion's test mode).
fn median(timings: &[f64]) -> Option<f64> {
    if timings.len() < SAMPLES {
        return None;
    }
    let mut last = timings[timings.len() - SAMPLES..].to_vec();
    last.sort_by(f64::total_cmp);
    Some(if SAMPLES % 2 == 1 {
        last[SAMPLES / 2]
    } else {
        (last[SAMPLES / 2 - 1] + last[SAMPLES / 2]) / 2.0
    })
}

/// Time this thread spent waiting for a core, from the scheduler's statistics (Linux).
fn runqueue_wait_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().nth(1)?.parse().ok()
}

/// Samples during which the measuring thread waited for a core more than 5% of the time
/// (another process took it, on a small shared machine), taken again up to `TRIES` times.
#[derive(Default)]
struct Disturbed {
    retried: usize,
    kept: usize,
}

impl Disturbed {
    const TRIES: usize = 3;

    fn retry(&mut self, mut sample: impl FnMut() -> Duration) -> Duration {
        for attempt in 1..=Self::TRIES {
            let before = runqueue_wait_ns();
            let elapsed = sample();
            let waited = runqueue_wait_ns()
                .zip(before)
                .map_or(0, |(after, before)| after.saturating_sub(before));
            if u128::from(waited) * 20 <= elapsed.as_nanos() {
                return elapsed;
            }
            if attempt == Self::TRIES {
                self.kept += 1;
                return elapsed;
            }
            self.retried += 1;
        }
        unreachable!("the last try returns")
    }

    fn report(&self, case: &str) {
        if self.retried > 0 {
            eprintln!(
                "{case}: {} samples (warm-up included) taken again because other processes took \
                 the core; {} still disturbed after {} tries, kept (they inflate this case)",
                self.retried,
                self.kept,
                Self::TRIES
            );
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let upkeep = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("a runtime for axum-prometheus's upkeep");
    let (cases, prometheus) = cases(&upkeep);
    check(&rt, &cases, &prometheus);

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(SAMPLES)
        .configure_from_args();
    let mut medians = Vec::new();
    {
        let mut group = c.benchmark_group("overhead");
        for case in &cases {
            // Every call's mean ns/request: criterion's warm-up first, then its samples.
            let mut timings = Vec::new();
            let mut disturbed = Disturbed::default();
            group.bench_function(case.name, |b| {
                b.iter_custom(|iters| {
                    let elapsed = disturbed.retry(|| {
                        rt.block_on(async {
                            let start = Instant::now();
                            for _ in 0..iters {
                                serve(&case.app, case.with_id).await;
                            }
                            start.elapsed()
                        })
                    });
                    timings.push(elapsed.as_nanos() as f64 / iters as f64);
                    elapsed
                });
            });
            disturbed.report(case.name);
            medians.push((case.name, case.baseline, median(&timings)));
        }
        group.finish();
    }
    c.final_summary();

    print_table(&medians);
}

fn print_table(medians: &[(&str, &str, Option<f64>)]) {
    let get = |name: &str| {
        medians
            .iter()
            .find(|(n, _, _)| *n == name)
            .and_then(|(_, _, m)| *m)
    };
    let added = |name: &str| {
        let (_, baseline, m) = medians.iter().find(|(n, _, _)| *n == name)?;
        Some((*m)? - get(baseline)?)
    };
    if medians.iter().all(|(_, _, m)| m.is_none()) {
        println!("overhead: no case measured (criterion's test mode, or a filter): no table");
        return;
    }
    println!();
    println!(
        "{:<16} {:>14} {:>12}  over",
        "case", "median ns/req", "added ns"
    );
    for (name, baseline, m) in medians {
        let cell = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
        let over = if name == baseline { "" } else { baseline };
        println!(
            "{name:<16} {:>14} {:>12}  {over}",
            cell(*m),
            cell(if name == baseline { None } else { added(name) }),
        );
    }
    println!();
    let prometheus = added("axum_prometheus");
    for name in ["errmon", "errmon_with_id", "tower_http"] {
        if let (Some(a), Some(p)) = (added(name), prometheus) {
            println!("added cost {name} / axum_prometheus: {:.2}", a / p);
        }
    }
    if let (Some(a), Some(p)) = (added("errmon"), prometheus) {
        println!(
            "target (ErrmonLayer adds less than axum-prometheus): {}",
            if a < p { "met" } else { "NOT met" }
        );
    }
}
