//! What an error costs the thread that returns it, side by side:
//!
//! - `errmon/stored`: a `#[monitored]` function's error, counted, formatted, grouped and stored
//!   with its full report (no rate limit, no sampling), as `error_path/stored` in
//!   `errmon-runtime/benches/errors.rs`;
//! - `sentry/capture_error`: `sentry_core::capture_error` with a client bound, whose transport
//!   drops each envelope where sentry's HTTP transport would queue it for its own thread (so
//!   this is slightly less than sentry costs a caller);
//! - `tracing/instrument_err`: `#[tracing::instrument(err)]` under a `fmt` subscriber writing
//!   to `io::sink()` (the span, the error event and its formatting).
//!
//! ```text
//! cargo bench --manifest-path benches/compare/Cargo.toml
//! ```

use std::fmt;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use errmon_runtime::errors::{self, ErrorSettings};

#[derive(Debug)]
struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}

impl std::error::Error for Refused {}

#[errmon_runtime::monitored]
#[inline(never)]
fn with_errmon(fail: bool) -> Result<u64, Refused> {
    if black_box(fail) { Err(Refused) } else { Ok(1) }
}

#[inline(never)]
fn with_sentry(fail: bool) -> Result<u64, Refused> {
    if black_box(fail) {
        let e = Refused;
        sentry_core::capture_error(&e);
        Err(e)
    } else {
        Ok(1)
    }
}

#[tracing::instrument(err)]
#[inline(never)]
fn with_tracing(fail: bool) -> Result<u64, Refused> {
    if black_box(fail) { Err(Refused) } else { Ok(1) }
}

/// Drops every envelope: the calling thread's cost is what is measured.
struct Discard;

impl sentry_core::Transport for Discard {
    fn send_envelope(&self, envelope: sentry_core::Envelope) {
        black_box(envelope);
    }
}

fn compare(c: &mut Criterion) {
    let mut g = c.benchmark_group("error");

    errors::configure(ErrorSettings::default().rate_limit(0).sample_above(0)).unwrap();
    g.bench_function("errmon/stored", |b| b.iter(|| with_errmon(true)));

    let mut options = sentry_core::ClientOptions::new();
    options.dsn = Some("https://public@sentry.invalid/1".parse().unwrap());
    options.transport = Some(Arc::new(|_: &sentry_core::ClientOptions| {
        Arc::new(Discard) as Arc<dyn sentry_core::Transport>
    }));
    let client = sentry_core::Client::from(options);
    sentry_core::Hub::current().bind_client(Some(Arc::new(client)));
    g.bench_function("sentry/capture_error", |b| b.iter(|| with_sentry(true)));

    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("tracing/instrument_err", |b| b.iter(|| with_tracing(true)));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30);
    targets = compare
}
criterion_main!(benches);
