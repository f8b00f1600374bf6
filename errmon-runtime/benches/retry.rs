//! Per-call cost of `#[retry]` when the first attempt succeeds, next to the same function
//! without it.
//!
//! ```text
//! cargo bench -p errmon-runtime --bench retry
//! ```
//!
//! Three bodies, each with and without `#[retry]`: two small realistic ones (parse a short
//! string to `u64`; split a `key=value` line into an owned key and a number) and a trivial one
//! (`Ok(black_box(x))`), all `#[inline(never)]`, so a case minus its plain twin is what the
//! attribute adds to a real call. The `parts` group times what that
//! no-error path does besides the body, one piece at a time: the clock read that starts the
//! elapsed-time budget (only with `max_elapsed`), setting up the call's `Attempts`, and the sharded counter add of the
//! attempt (as `#[count_calls]` does it).
//!
//! Target: with `#[retry]` at most 1.2x the same function without it.

use std::hint::black_box;
use std::num::ParseIntError;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use errmon_runtime::__private::{Kind, Meta, Site};
use errmon_runtime::retry::{Policy, StdTimer};
use errmon_runtime::{count_calls, retry};

#[inline(never)]
fn parse_plain(text: &str) -> Result<u64, ParseIntError> {
    text.parse()
}

#[retry]
#[inline(never)]
fn parse_retried(text: &str) -> Result<u64, ParseIntError> {
    text.parse()
}

/// `"key=value"` into an owned key and a number: an allocation and a parse, the size of a
/// small real function.
#[inline(never)]
fn parse_line_plain(line: &str) -> Result<(String, u64), ParseIntError> {
    let (key, value) = line.split_once('=').unwrap_or((line, ""));
    let value = value.trim().parse()?;
    Ok((key.trim().to_owned(), value))
}

#[retry]
#[inline(never)]
fn parse_line_retried(line: &str) -> Result<(String, u64), ParseIntError> {
    let (key, value) = line.split_once('=').unwrap_or((line, ""));
    let value = value.trim().parse()?;
    Ok((key.trim().to_owned(), value))
}

/// The same with a wall-clock budget, which costs a clock read per call.
#[retry(max_elapsed = "30s")]
#[inline(never)]
fn parse_line_budgeted(line: &str) -> Result<(String, u64), ParseIntError> {
    let (key, value) = line.split_once('=').unwrap_or((line, ""));
    let value = value.trim().parse()?;
    Ok((key.trim().to_owned(), value))
}

#[inline(never)]
fn trivial_plain(x: u64) -> Result<u64, ParseIntError> {
    Ok(black_box(x))
}

#[retry]
#[inline(never)]
fn trivial_retried(x: u64) -> Result<u64, ParseIntError> {
    Ok(black_box(x))
}

#[count_calls]
#[inline(never)]
fn counted(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x)
}

static POLICY: Policy = Policy::new();

fn retry_overhead(c: &mut Criterion) {
    let text = "18446744073";
    let mut group = c.benchmark_group("parse_u64");
    group.bench_function("plain", |b| {
        b.iter(|| parse_plain(black_box(text)));
    });
    group.bench_function("retry", |b| {
        b.iter(|| parse_retried(black_box(text)));
    });
    group.finish();

    let line = "pool_size = 18446744073";
    let mut group = c.benchmark_group("parse_line");
    group.bench_function("plain", |b| b.iter(|| parse_line_plain(black_box(line))));
    group.bench_function("retry", |b| b.iter(|| parse_line_retried(black_box(line))));
    group.bench_function("retry_max_elapsed", |b| {
        b.iter(|| parse_line_budgeted(black_box(line)));
    });
    group.finish();

    let mut group = c.benchmark_group("trivial");
    group.bench_function("plain", |b| b.iter(|| trivial_plain(black_box(1))));
    group.bench_function("retry", |b| b.iter(|| trivial_retried(black_box(1))));
    group.finish();

    // A site as `#[retry]` declares one (the public `sites` view cannot count), so the parts
    // below count their attempts as `trivial_retried` does.
    static SITE: Site = Site::new(Meta::__new(
        "parts",
        module_path!(),
        file!(),
        line!(),
        Kind::Retry,
        &[],
    ));
    let site = &SITE;
    let mut group = c.benchmark_group("parts");
    group.bench_function("bare_fn", |b| b.iter(|| bare(black_box(1))));
    group.bench_function("std_timer_start", |b| b.iter(StdTimer::start));
    group.bench_function("std_instant_now", |b| b.iter(Instant::now));
    group.bench_function("attempts_setup", |b| {
        b.iter(|| black_box(POLICY.retry().observe(site).start()).attempt());
    });
    group.bench_function("attempts_setup_and_begin", |b| {
        b.iter(|| {
            let mut attempts = POLICY.retry().observe(site).start();
            attempts.begin();
            attempts.attempt()
        });
    });
    group.bench_function("count_calls_fn", |b| b.iter(|| counted(black_box(1))));
    group.finish();
}

criterion_group! {
    name = benches;
    // Short enough to run in a couple of minutes on a shared 2-core machine.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30);
    targets = retry_overhead
}
criterion_main!(benches);
