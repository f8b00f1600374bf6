//! An axum service behind errmon's tower layer: a request id on every response and every log
//! line of a request, per-route request metrics, an error report of every 5xx answer and every
//! panic, and errmon's `/metrics` and `/errors` on the service's own port.
//!
//! ```text
//! cargo run --example axum_service                 # listens on 127.0.0.1:3000 until Ctrl-C
//! cargo run --example axum_service -- --port 3001  # or PORT=3001
//! curl -si -H 'x-request-id: req-demo-1' -H 'x-user: ada' http://127.0.0.1:3000/orders/503
//! curl -s http://127.0.0.1:3000/errmon/metrics | grep '^errmon_http_'
//! curl -s 'http://127.0.0.1:3000/errmon/errors?limit=2'
//! ```
//!
//! Orders 1 to 499 exist; 500 to 999 are on a database shard that is down (`503`); any other id
//! is not found (`404`). `POST /checkout` with `{"order": N}` charges a payment provider that
//! times out on every third call (retried, so the checkout still succeeds), is down for
//! orders ending in 7 (all three attempts fail: `502`) and declines orders ending in 9
//! (not retried: `402`). The receipt of order 49 hits a bug and panics (`500`).
//!
//! Logs: one stream, the application's own JSON lines on stdout (tracing-subscriber's
//! formatter). errmon's layer runs each request in an `errmon.request` span with its request id
//! and, once the authentication sets it, its user; the formatter prints that span on every line
//! of the request, errmon's own events (its reports and retries, target `errmon`) included.
//! Startup notes go to stderr, so stdout holds only JSON lines.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use errmon_runtime::{ErrorKind, monitored, retry};
use errmon_tower::{Endpoints, ErrmonLayer};
use serde_json::json;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;

const DEFAULT_PORT: u16 = 3000;

#[derive(Debug)]
struct Order {
    id: u64,
    total_cents: u64,
}

/// What the order repository fails with.
#[derive(Debug, ErrorKind)]
enum RepoError {
    /// An answer, not a fault: reported at `info` so it does not read as an outage.
    #[error_severity("info")]
    NotFound(u64),
    #[error_kind("database")]
    ShardDown { shard: &'static str, order: u64 },
}

impl std::fmt::Display for RepoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RepoError::NotFound(id) => write!(f, "order {id} not found"),
            RepoError::ShardDown { shard, order } => {
                write!(
                    f,
                    "connection to {shard} refused while reading order {order}"
                )
            }
        }
    }
}

impl std::error::Error for RepoError {}

/// The repository: each call is counted, timed and, when it fails, reported with the request
/// it ran in.
#[monitored(fields(order = id))]
async fn find_order(id: u64) -> Result<Order, RepoError> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    match id {
        1..=499 => Ok(Order {
            id,
            total_cents: 1_000 + id * 25,
        }),
        500..=999 => Err(RepoError::ShardDown {
            shard: "orders-db-2",
            order: id,
        }),
        _ => Err(RepoError::NotFound(id)),
    }
}

/// What the payment provider answers.
#[derive(Debug, ErrorKind)]
enum PaymentError {
    #[error_kind("timeout")]
    #[error_severity("warning")]
    TimedOut(Duration),
    Unavailable,
    Declined(u64),
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentError::TimedOut(d) => write!(f, "payment provider did not answer within {d:?}"),
            PaymentError::Unavailable => f.write_str("payment provider answered 503"),
            PaymentError::Declined(order) => write!(f, "card declined for order {order}"),
        }
    }
}

impl std::error::Error for PaymentError {}

fn is_transient(e: &PaymentError) -> bool {
    matches!(e, PaymentError::TimedOut(_) | PaymentError::Unavailable)
}

static PROVIDER_CALLS: AtomicU64 = AtomicU64::new(0);

/// The flaky dependency: retried on timeouts and outages, never on a decline.
#[retry(attempts = 3, backoff = exponential(initial = "20ms", factor = 2.0, max = "200ms"), when = is_transient)]
async fn charge(order: u64) -> Result<String, PaymentError> {
    let call = PROVIDER_CALLS.fetch_add(1, Ordering::Relaxed) + 1;
    tokio::time::sleep(Duration::from_millis(3)).await;
    if order % 10 == 7 {
        return Err(PaymentError::Unavailable);
    }
    if order % 10 == 9 {
        return Err(PaymentError::Declined(order));
    }
    if call.is_multiple_of(3) {
        return Err(PaymentError::TimedOut(Duration::from_millis(800)));
    }
    Ok(format!("ch_{order:06}"))
}

async fn get_order(Path(id): Path<u64>) -> Response {
    tracing::info!(order = id, "loading order");
    match find_order(id).await {
        Ok(order) => {
            Json(json!({"id": order.id, "total_cents": order.total_cents})).into_response()
        }
        Err(RepoError::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(e @ RepoError::ShardDown { .. }) => {
            tracing::warn!(order = id, error = %e, "order store unavailable");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn receipt(Path(id): Path<u64>) -> String {
    tracing::info!(order = id, "rendering receipt");
    // A bug that shows up for one order: the template has no room for it.
    assert!(id != 49, "receipt template overflow for order {id}");
    format!("receipt for order {id}\n")
}

async fn checkout(Json(body): Json<serde_json::Value>) -> Response {
    let Some(order) = body.get("order").and_then(serde_json::Value::as_u64) else {
        return (StatusCode::BAD_REQUEST, "expected {\"order\": <number>}\n").into_response();
    };
    tracing::info!(order, "checking out");
    match charge(order).await {
        Ok(charge_id) => {
            tracing::info!(order, charge_id, "order paid");
            Json(json!({"order": order, "charge": charge_id})).into_response()
        }
        Err(PaymentError::Declined(_)) => StatusCode::PAYMENT_REQUIRED.into_response(),
        Err(e) => {
            tracing::warn!(order, error = %e, "payment failed after retries");
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

/// Authentication, inside errmon's layer: the request's context is current here, so the user
/// set now is on every report of the request from here on, and `set_user_id` records it on the
/// request's `errmon.request` span, so every log line from here on shows it too.
async fn authenticate(req: Request, next: Next) -> Response {
    if let Some(user) = req.headers().get("x-user").and_then(|v| v.to_str().ok()) {
        errmon_runtime::context::set_user_id(user);
    }
    next.run(req).await
}

fn port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let given = match (args.next().as_deref(), args.next()) {
        (None, _) => std::env::var("PORT").ok(),
        (Some("--port"), Some(n)) => Some(n),
        (Some(other), _) => {
            return Err(format!(
                "unknown argument `{other}`; usage: axum_service [--port N]"
            ));
        }
    };
    match given {
        None => Ok(DEFAULT_PORT),
        Some(n) => n
            .parse()
            .map_err(|_| format!("the port must be a number from 0 to 65535, not `{n}`")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = port()?;
    // The application's subscriber first, before anything can log: its own JSON lines on
    // stdout, with the fields of the current span (`errmon.request` during a request). errmon's
    // events go through it like any other.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::registry().with(filter).with(
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false),
    );
    tracing::subscriber::set_global_default(subscriber)?;

    // Quiet the default panic message and backtrace: errmon's report of a panic, and its log
    // line, carry the message, the location and the request. Set before `endpoint()`, whose
    // panic hook notes each panic and then calls this one.
    std::panic::set_hook(Box::new(|_| {}));
    // errmon's routes on this port; `ERRMON_*` variables configure them (a bearer token, say).
    let endpoints = Endpoints::new(errmon_runtime::Config::from_env()?.endpoint()?);
    let app = Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/orders/{id}", get(get_order))
        .route("/orders/{id}/receipt", get(receipt))
        .route("/checkout", post(checkout))
        // Inside errmon's layer: sees the request's context.
        .layer(middleware::from_fn(authenticate))
        // Last: the outermost layer, wrapping each route once axum has matched it.
        .layer(ErrmonLayer::new())
        // After the layer: Prometheus' scrapes are not counted among the application's requests.
        .nest_service("/errmon", endpoints);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    // For whoever runs it, on stderr: stdout holds only the JSON lines.
    eprintln!("listening on {base}");
    eprintln!("  {base}/orders/42           an order (1-499 exist, 500-999: 503, else 404)");
    eprintln!("  {base}/orders/49/receipt   a panic, answered 500");
    eprintln!(
        "  curl -X POST -H 'content-type: application/json' -d '{{\"order\": 17}}' {base}/checkout"
    );
    eprintln!("  {base}/errmon/metrics      errmon's metrics, errmon_http_* among them");
    eprintln!("  {base}/errmon/errors       error reports");
    tracing::info!(%base, "listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    tracing::info!("stopped");
    Ok(())
}
