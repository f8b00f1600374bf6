#![cfg_attr(feature = "server", doc = "[`install`]: fn@super::install")]
#![cfg_attr(
    not(feature = "server"),
    doc = "[`install`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/fn.install.html"
)]
//! The last hour of every function, every HTTP route and the process, in memory: calls,
//! errors (by kind and severity), panics, cancellations, retries and durations, per interval.
//!
//! errmon's scheduler samples the cumulative counters that already exist every
//! [`INTERVAL`] (10 s) and keeps the differences: at 10 s resolution for the last 15 minutes
//! and at 1 minute resolution for the last hour. Nothing is added to the success path: a call
//! writes what it wrote before, and the sampler reads it. A read adds what happened since the
//! last sample, so it is never more than a moment old. Where no scheduler runs (a library
//! without [`install`], or after the last guard was dropped) nothing samples
//! every 10 s: what happened since the last sample counts as the current interval's, and
//! [`sample`] takes a sample by hand (a test with an injected clock does).
//!
//! Windows are whole intervals ending with the current one: a 60 s window is the current
//! interval and the five before it, so it reaches back between 50 and 60 s; windows longer
//! than 15 minutes are whole minutes. Over the same minute, `calls` and `errors` agree with
//! Prometheus' `increase()` of `errmon_call_outcomes_total` and `errmon_errors_total`
//! (which extrapolates to the window's edges, so the two differ by at most an interval's
//! worth), and quantiles are estimated from the exported buckets exactly as
//! `histogram_quantile()` does (see [`Stats::quantile`]): errmon, Grafana and the dashboard
//! show the same number for the same data.
//!
//! What "calls" counts: finished calls for `#[monitored]` functions (`errmon_call_outcomes_total`),
//! calls for `#[count_calls]`, timed calls for `#[timed]`, attempts for `#[retry]`, answered
//! requests for routes; the process counts the `#[monitored]` functions' calls and the HTTP
//! requests, and its durations are those of the `#[monitored]` functions.
//!
//! ```
//! use std::time::Duration;
//!
//! #[errmon_runtime::monitored]
//! fn charge(cents: u64) -> Result<(), String> {
//!     if cents == 0 { Err("nothing to charge".into()) } else { Ok(()) }
//! }
//!
//! for cents in [100, 0, 250, 0] {
//!     let _ = charge(cents);
//! }
//! let last_minute = errmon_runtime::history::function("charge", Duration::from_secs(60))?.unwrap();
//! assert_eq!((last_minute.calls, last_minute.errors), (4, 2));
//! let ratio = last_minute.error_ratio().unwrap();
//! assert_eq!((ratio.value, ratio.calls), (0.5, 4));
//! assert!(last_minute.quantile(0.99).is_some());
//! # Ok::<(), errmon_runtime::history::WindowError>(())
//! ```
#![doc = include_str!("../../docs/history.md")]

mod delta;
mod quantile;
mod ring;
mod sampler;

use std::fmt;
use std::sync::RwLock;
use std::time::Duration;

use crate::errors::Severity;
use crate::record::grid::{BOUNDS_NS, SLOTS};
use crate::registry::{self, Site};
use delta::Delta;
use sampler::{Current, Entity};

/// How often the scheduler samples, and the resolution of the last 15 minutes.
pub const INTERVAL: Duration = Duration::from_secs(10);
/// The longest window kept.
pub const MAX_WINDOW: Duration = Duration::from_secs(3600);

const INTERVAL_MS: u64 = 10_000;
/// Fine records kept: 15 minutes of 10 s.
const FINE_SLOTS: u64 = 90;
/// Fine intervals per coarse one (1 minute).
const PER_COARSE: u64 = 6;
/// Coarse records kept: 60 minutes.
const COARSE_SLOTS: u64 = 60;

/// A window that cannot be read: zero, or longer than [`MAX_WINDOW`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowError(Duration);

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a window of {:?} is not kept: windows run from 10 s to 1 h",
            self.0
        )
    }
}

impl std::error::Error for WindowError {}

fn check(window: Duration) -> Result<u64, WindowError> {
    let secs = window.as_secs();
    if window < INTERVAL || window > MAX_WINDOW {
        return Err(WindowError(window));
    }
    Ok(secs)
}

#[cfg_attr(feature = "server", doc = "[`install`]: fn@super::install")]
#[cfg_attr(
    not(feature = "server"),
    doc = "[`install`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/fn.install.html"
)]
/// Takes a sample now, as errmon's scheduler does every [`INTERVAL`]: for a program that runs
/// no scheduler (no [`install`]), and for tests with an injected clock
/// ([`ErrorSettings::clock`](crate::errors::ErrorSettings::clock)), whose time history uses.
///
/// ```
/// errmon_runtime::history::sample();
/// ```
pub fn sample() {
    // The error path's wall clock is derived from the monotonic one: keep it close.
    crate::common::clock::anchor();
    sampler::pass(crate::errors::clock_ms());
}

/// Adds the sampler to errmon's scheduler, once; it samples whenever the scheduler runs.
#[cfg(feature = "exporter")]
pub(crate) fn keep_sampling() {
    crate::schedule::add(crate::schedule::Job::blocking("history", INTERVAL, sample));
}

/// An error ratio and the number of calls it was computed from, so a rule can demand a
/// minimum before it believes one.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Ratio {
    /// Errors per call, from 0 to 1.
    pub value: f64,
    /// The calls it was computed from.
    pub calls: u64,
}

/// Errors of one type and kind in a window.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KindCount {
    /// The error type, shortened as on `/metrics`.
    pub error_type: String,
    /// The bounded kind.
    pub error_kind: &'static str,
    /// Errors in the window.
    pub count: u64,
}

/// One interval of a window, for a chart.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Point {
    /// Start of the interval, in milliseconds since the Unix epoch.
    pub start_ms: u64,
    /// Length of the interval: 10 s, or 60 s in windows over 15 minutes.
    pub seconds: u64,
    /// Calls in the interval.
    pub calls: u64,
    /// Errors in the interval.
    pub errors: u64,
    /// Panics in the interval.
    pub panics: u64,
    /// The median, 95th and 99th percentile durations of the interval, in seconds.
    pub latency: Option<Latency>,
}

/// Duration quantiles, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Latency {
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
}

/// What one function, route or the process did in a window.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// The `function` label, the route template, or `process`.
    pub name: String,
    /// The window.
    pub window: Duration,
    /// Calls in the window (see the module's documentation for what counts as one).
    pub calls: u64,
    /// Errors returned (functions), `5xx` answers (routes), both (the process).
    pub errors: u64,
    /// Panics.
    pub panics: u64,
    /// `async` calls dropped before they finished; requests dropped before their answer.
    pub cancelled: u64,
    /// Attempts retried (`#[retry]`).
    pub retries: u64,
    /// `#[retry]` calls that ran out of attempts or time.
    pub retries_exhausted: u64,
    /// Errors by type and kind (functions).
    pub errors_by_kind: Vec<KindCount>,
    /// Errors by severity (the process, as error tracking counts them).
    pub errors_by_severity: Vec<(Severity, u64)>,
    /// The window's intervals, oldest first.
    pub series: Vec<Point>,
    durations: Box<[u64; SLOTS]>,
}

impl Stats {
    /// Errors per call, with the calls it was computed from; `None` without calls.
    pub fn error_ratio(&self) -> Option<Ratio> {
        (self.calls > 0).then(|| Ratio {
            value: self.errors as f64 / self.calls as f64,
            calls: self.calls,
        })
    }

    /// Errors per second over the window.
    pub fn errors_per_second(&self) -> f64 {
        self.errors as f64 / self.window.as_secs_f64()
    }

    /// The `q`-quantile of the window's durations in seconds, estimated from the exported
    /// buckets exactly as Prometheus' `histogram_quantile(q, rate(..._bucket[w]))` does: the
    /// bucket holding rank `q × count` is found, and the value interpolated linearly between
    /// its bounds (from 0 in the first bucket; the highest finite bound when the rank falls
    /// in `+Inf`). `None` without durations, or for `q` outside `0..=1`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        quantile::quantile(q, &self.durations, &buckets())
    }

    /// The median, 95th and 99th percentile durations; `None` without durations.
    pub fn latency(&self) -> Option<Latency> {
        latency(&self.durations)
    }
}

fn latency(durations: &[u64; SLOTS]) -> Option<Latency> {
    let b = buckets();
    Some(Latency {
        p50: quantile::quantile(0.5, durations, &b)?,
        p95: quantile::quantile(0.95, durations, &b)?,
        p99: quantile::quantile(0.99, durations, &b)?,
    })
}

/// The exported buckets' grid indices quantiles are read through; the default ones until
/// [`set_buckets`] is called by `install()` or `Config::endpoint()`.
static BUCKETS: RwLock<Vec<usize>> = RwLock::new(Vec::new());

fn buckets() -> Vec<usize> {
    let set = BUCKETS.read().unwrap_or_else(|p| p.into_inner());
    if set.is_empty() {
        default_buckets()
    } else {
        set.clone()
    }
}

fn default_buckets() -> Vec<usize> {
    const DEFAULT: [f64; 17] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        5.0, 10.0, 30.0,
    ];
    DEFAULT
        .iter()
        .filter_map(|&s| {
            let ns = (s * 1e9).round() as u64;
            BOUNDS_NS.iter().position(|&b| b == ns)
        })
        .collect()
}

/// Reads quantiles through the exported buckets with these grid indices.
#[cfg(feature = "endpoint")]
pub(crate) fn set_buckets(grid_indices: Vec<usize>) {
    *BUCKETS.write().unwrap_or_else(|p| p.into_inner()) = grid_indices;
}

/// The interval what happened since `entity`'s last sample is counted in: that sample's,
/// while samples come every interval; the current one when none was ever taken or the last
/// is more than an interval old (no scheduler runs: a library without `install()`, or after
/// the last guard was dropped), so that recent events are never aged out unseen. Without a
/// scheduler, windows are then as fine as the reads that sample by hand.
fn live_interval(entity: Option<&Entity>, cur: u64) -> u64 {
    match entity.and_then(|e| e.last) {
        Some(last) if cur.saturating_sub(last) <= 1 => last,
        _ => cur,
    }
}

/// A window's intervals, oldest first, with the first one's number and their length in
/// intervals: `entity`'s records plus `live` (what happened since its last sample).
fn points_of(entity: Option<&Entity>, live: &Delta, secs: u64, now: u64) -> (Vec<Delta>, u64, u64) {
    let cur = now / INTERVAL_MS;
    let live_at = live_interval(entity, cur);
    let fine = secs.div_ceil(INTERVAL_MS / 1000);
    let rings = entity.and_then(Entity::rings);
    let (per, records, to, at) = if fine <= FINE_SLOTS {
        (1, rings.map(|r| &r.fine), cur, live_at)
    } else {
        let to = cur / PER_COARSE;
        (
            PER_COARSE,
            rings.map(|r| &r.coarse),
            to,
            live_at / PER_COARSE,
        )
    };
    let span = if per == 1 { fine } else { secs.div_ceil(60) };
    let from = to + 1 - span.min(to + 1);
    let mut points = vec![Delta::default(); usize::try_from(to - from + 1).unwrap_or(0)];
    let mut add = |i: u64, d: &Delta| {
        if (from..=to).contains(&i) {
            if let Some(p) = points.get_mut(usize::try_from(i - from).unwrap_or(usize::MAX)) {
                p.add(d);
            }
        }
    };
    if let Some(r) = records {
        for (i, d) in r.iter() {
            add(i, &d);
        }
    }
    // The minute being summed, not yet a record.
    if let (PER_COARSE, Some((m, d))) = (per, rings.and_then(|r| r.minute.as_ref())) {
        add(*m, d);
    }
    add(at, live);
    (points, from, per)
}

/// A window of `entity`, with its series; `names` are its error series (the newest list:
/// series are only ever appended).
fn window_of(
    name: String,
    entity: Option<&Entity>,
    live: &Delta,
    names: &[(&'static str, &'static str)],
    secs: u64,
    now: u64,
) -> Stats {
    let (points, from, per) = points_of(entity, live, secs, now);
    let mut total = Delta::default();
    for p in &points {
        total.add(p);
    }
    let seconds = per * INTERVAL_MS / 1000;
    Stats {
        name,
        window: Duration::from_secs(secs),
        calls: total.calls,
        errors: total.errors,
        panics: total.panics,
        cancelled: total.cancelled,
        retries: total.retries,
        retries_exhausted: total.exhausted,
        errors_by_kind: total
            .kinds
            .iter()
            .filter_map(|&(i, count)| {
                let &(type_name, kind) = names.get(usize::from(i))?;
                Some(KindCount {
                    error_type: registry::short_type_name(type_name),
                    error_kind: kind,
                    count,
                })
            })
            .collect(),
        errors_by_severity: total
            .severities
            .iter()
            .filter_map(|&(i, n)| Some((sampler::severity(i)?, n)))
            .collect(),
        series: points
            .iter()
            .enumerate()
            .map(|(k, p)| Point {
                start_ms: (from + k as u64) * per * INTERVAL_MS,
                seconds,
                calls: p.calls,
                errors: p.errors,
                panics: p.panics,
                latency: latency(&p.dense_hist()),
            })
            .collect(),
        durations: Box::new(total.dense_hist()),
    }
}

/// What the process did in the last `window`.
///
/// ```
/// let stats = errmon_runtime::history::process(std::time::Duration::from_secs(300))?;
/// assert!(stats.errors <= stats.calls);
/// # Ok::<(), errmon_runtime::history::WindowError>(())
/// ```
pub fn process(window: Duration) -> Result<Stats, WindowError> {
    let secs = check(window)?;
    let now = crate::errors::clock_ms();
    let h = sampler::lock();
    let live = sampler::live_process(&h);
    Ok(window_of(
        "process".into(),
        Some(&h.process),
        &live,
        &[],
        secs,
        now,
    ))
}

/// What the `#[monitored]` (or `#[timed]`, ...) function with the `function` label `name` did
/// in the last `window`, summed over the modules that have one of that name, as a PromQL
/// `sum by (function)` would; `Ok(None)` when no instrumented function has that name.
pub fn function(name: &str, window: Duration) -> Result<Option<Stats>, WindowError> {
    let secs = check(window)?;
    let now = crate::errors::clock_ms();
    let sites = registry::named(name);
    if sites.is_empty() {
        return Ok(None);
    }
    Ok(Some(sum_sites(name, &sites, secs, now)))
}

/// [`function`] for every instrumented function, in name order.
pub fn functions(window: Duration) -> Result<Vec<Stats>, WindowError> {
    let secs = check(window)?;
    let now = crate::errors::clock_ms();
    let mut all = registry::sites();
    all.sort_by_key(|s| s.meta().function);
    Ok(all
        .chunk_by(|a, b| a.meta().function == b.meta().function)
        .map(|sites| sum_sites(sites[0].meta().function, sites, secs, now))
        .collect())
}

fn sum_sites(name: &str, sites: &[&'static Site], secs: u64, now: u64) -> Stats {
    let mut out: Option<Stats> = None;
    // `#[monitored]` with `#[retry]` on one function: its calls are the monitored ones, the
    // retry site's attempts count as retries only.
    let monitored = sites
        .iter()
        .any(|s| s.meta().kind == crate::registry::Kind::Monitored);
    for &site in sites {
        let mut stats = site_window(site, secs, now);
        if monitored && site.meta().kind == crate::registry::Kind::Retry {
            stats.calls = 0;
            for p in &mut stats.series {
                p.calls = 0;
            }
        }
        match &mut out {
            None => out = Some(stats),
            Some(o) => o.absorb(stats),
        }
    }
    let mut out =
        out.unwrap_or_else(|| window_of(name.into(), None, &Delta::default(), &[], secs, now));
    name.clone_into(&mut out.name);
    out
}

impl Stats {
    /// Adds another entity's stats of the same window.
    fn absorb(&mut self, other: Stats) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.panics += other.panics;
        self.cancelled += other.cancelled;
        self.retries += other.retries;
        self.retries_exhausted += other.retries_exhausted;
        for k in other.errors_by_kind {
            match self
                .errors_by_kind
                .iter_mut()
                .find(|m| m.error_type == k.error_type && m.error_kind == k.error_kind)
            {
                Some(m) => m.count += k.count,
                None => self.errors_by_kind.push(k),
            }
        }
        for (a, b) in self.durations.iter_mut().zip(other.durations.iter()) {
            *a += b;
        }
        for (p, q) in self.series.iter_mut().zip(other.series) {
            p.calls += q.calls;
            p.errors += q.errors;
            p.panics += q.panics;
            // Quantiles do not add up; the chart shows the larger one.
            p.latency = match (p.latency, q.latency) {
                (Some(a), Some(b)) => Some(Latency {
                    p50: a.p50.max(b.p50),
                    p95: a.p95.max(b.p95),
                    p99: a.p99.max(b.p99),
                }),
                (a, b) => a.or(b),
            };
        }
    }
}

/// One site's window.
pub(crate) fn site_window(site: &'static Site, secs: u64, now: u64) -> Stats {
    let name = site.meta().function.to_owned();
    let Some(signature) = site.activity() else {
        return window_of(name, None, &Delta::default(), &[], secs, now);
    };
    let h = sampler::lock();
    let entity = h.sites.get(&sampler::site_key(site));
    match entity {
        // Nothing recorded since the last sample: its records are the whole story.
        Some(e) if e.is_current(signature) => {
            window_of(name, entity, &Delta::default(), &e.names, secs, now)
        }
        _ => {
            let current: Current = sampler::read_site(site, entity);
            let live = entity.map_or_else(|| current.delta.clone(), |e| e.since_last(&current));
            let names = match entity {
                Some(e) if !current.series_read => &e.names,
                _ => &current.names,
            };
            window_of(name, entity, &live, names, secs, now)
        }
    }
}

/// What the HTTP route with the template `template` did in the last `window`; `Ok(None)`
/// when no request was recorded on it.
#[cfg(feature = "exporter")]
pub fn route(template: &str, window: Duration) -> Result<Option<Stats>, WindowError> {
    let secs = check(window)?;
    let now = crate::errors::clock_ms();
    let Some(route) = crate::http::table::routes()
        .into_iter()
        .find(|r| r.name == template)
    else {
        return Ok(None);
    };
    Ok(Some(route_window(route, secs, now)))
}

/// [`route`] for every route seen, in template order.
#[cfg(feature = "exporter")]
pub fn routes(window: Duration) -> Result<Vec<Stats>, WindowError> {
    let secs = check(window)?;
    let now = crate::errors::clock_ms();
    Ok(crate::http::table::routes()
        .into_iter()
        .map(|r| route_window(r, secs, now))
        .collect())
}

#[cfg(feature = "exporter")]
fn route_window(route: &crate::http::table::Route, secs: u64, now: u64) -> Stats {
    let h = sampler::lock();
    let current = sampler::read_route(route);
    let entity = h.routes.get(route.name);
    let live = match entity {
        Some(e) => e.since_last(&current),
        None => current.delta.clone(),
    };
    window_of(route.name.into(), entity, &live, &[], secs, now)
}

// Error tracking's windows (`/errors`, `errors()`) are read from here.
inventory::submit!(crate::errors::Windows {
    read: errors_windows
});

/// (errors, calls) of `scope` in each window of `/errors`.
fn errors_windows(scope: crate::errors::Scope, now: u64) -> [(u64, u64); 3] {
    use crate::errors::Scope;
    const WINDOWS: [u64; 3] = [60, 300, 900];
    let h = sampler::lock();
    // HTTP reports are counted under a site of their own, whose calls are every request's.
    #[cfg(feature = "exporter")]
    let scope = match scope {
        Scope::Site(site) if crate::http::is_report_site(site) => Scope::Http,
        scope => scope,
    };
    let (entity, live) = match scope {
        Scope::Site(site) => {
            let Some(signature) = site.activity() else {
                return [(0, 0); 3];
            };
            let entity = h.sites.get(&sampler::site_key(site));
            let live = match entity {
                Some(e) if e.is_current(signature) => Delta::default(),
                Some(e) => e.since_last(&sampler::read_site(site, Some(e))),
                None => sampler::read_site(site, None).delta,
            };
            (entity, live)
        }
        Scope::Http => (Some(&h.http), h.http.since_last(&sampler::read_http())),
        Scope::Process => (Some(&h.process), sampler::live_process(&h)),
    };
    // One walk of the 10 s records for the three windows, counters only.
    let cur = now / INTERVAL_MS;
    let live_at = live_interval(entity, cur);
    let spans = WINDOWS.map(|secs| secs / (INTERVAL_MS / 1000));
    let mut out = [(0u64, 0u64); 3];
    let mut add = |interval: u64, errors: u64, calls: u64| {
        for (o, span) in out.iter_mut().zip(spans) {
            if interval <= cur && cur - interval < span {
                o.0 += errors;
                o.1 += calls;
            }
        }
    };
    if let Some(r) = entity.and_then(Entity::rings) {
        for (interval, [calls, errors, ..]) in r.fine.counts() {
            add(interval, errors, calls);
        }
    }
    add(live_at, live.errors, live.calls);
    out
}

/// Bytes the records of every entity hold, for `benches/memory.rs`.
#[doc(hidden)]
pub fn record_bytes() -> usize {
    let h = sampler::lock();
    let mut n = h.http.record_bytes() + h.process.record_bytes();
    n += h.sites.values().map(Entity::record_bytes).sum::<usize>();
    #[cfg(feature = "exporter")]
    {
        n += h.routes.values().map(Entity::record_bytes).sum::<usize>();
    }
    n
}
