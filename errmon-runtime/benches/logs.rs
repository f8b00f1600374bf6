//! Cost of logging an error on the calling thread: the error path of errors.rs
//! (`error_path/stored`) with errmon's JSON-lines subscriber set, against the same path with no
//! subscriber.
//!
//! ```text
//! cargo bench -p errmon-runtime --bench logs
//! ```
//!
//! - `logs/no_subscriber`: an error returned, counted, formatted, grouped and stored; no
//!   subscriber, so its event formats nothing;
//! - `logs/json_subscriber`: the same with errmon's default subscriber (registry, `info`
//!   filter, [`JsonLayer`](errmon_runtime::log::JsonLayer)) writing to a file: the line is
//!   formatted on the caller and queued; the writer thread does the I/O. Lines dropped
//!   because the queue was full are printed after the run (a dropped line costs less than a
//!   queued one, so a high figure would flatter the result).
//!
//! Target: `json_subscriber` at most 2 µs median above `no_subscriber`, which stays at the
//! error-tracking figure.

use std::fmt;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errmon_runtime::context::Context;
use errmon_runtime::errors::{self, ErrorSettings};
use errmon_runtime::log::{LogSettings, Output};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug)]
struct Refused;
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}
impl std::error::Error for Refused {}

/// A `#[monitored]` function that fails when `fail`.
#[errmon_runtime::monitored]
#[inline(never)]
fn failing(fail: bool) -> Result<u64, Refused> {
    if black_box(fail) { Err(Refused) } else { Ok(1) }
}

fn logs(c: &mut Criterion) {
    let mut g = c.benchmark_group("logs");
    errors::configure(ErrorSettings::default().rate_limit(0).sample_above(0)).unwrap();
    let ctx = Context::from_request_id(Some("req-bench")).with_user_id("u-1");
    g.bench_function("no_subscriber", |b| {
        ctx.scope(|| b.iter(|| failing(true)));
    });
    let dir = std::env::temp_dir().join(format!("errmon-bench-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let settings = LogSettings::default()
        .output(Output::File(dir.join("bench.log")))
        .max_bytes(64 * 1024 * 1024)
        .keep(1)
        .queue(1 << 16);
    let (layer, guard) = settings.layer().unwrap();
    let subscriber = tracing_subscriber::registry()
        .with(settings.filter())
        .with(layer);
    let before = errmon_runtime::log::lines_dropped();
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("json_subscriber", |b| {
            ctx.scope(|| b.iter(|| failing(true)));
        });
    });
    drop(guard);
    println!(
        "log lines dropped (queue full) during json_subscriber: {}",
        errmon_runtime::log::lines_dropped() - before
    );
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

criterion_group!(benches, logs);
criterion_main!(benches);
