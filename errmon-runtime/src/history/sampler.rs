//! The sampling pass: reads the cumulative counters that already exist (each site's shards
//! and error table, each HTTP route's series, the error tracker's severities) and keeps the
//! differences since the last pass, per function, per route, for all routes together (the
//! function `http_request` of error reports) and for the process.
//!
//! The hot path is not touched: a pass only reads. A site whose counters did not move since
//! the last pass costs one sum of its counter shards; one not called in the last hour keeps
//! its last totals and no records.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::delta::{Delta, sparse_diff, sparse_diff_into, sparse_sub_into};
use super::ring::Ring;
use super::{COARSE_SLOTS, FINE_SLOTS, PER_COARSE};
use crate::errors::Severity;
use crate::record::grid::SLOTS;
use crate::registry::{Kind, Site};

/// Cumulative counts of one source, as read now.
#[derive(Clone, Debug, Default)]
pub(crate) struct Current {
    pub(crate) delta: Delta,
    /// Error series names, by the index `delta.kinds` uses.
    pub(crate) names: Vec<(&'static str, &'static str)>,
    /// Whether the error series (and severities) were read: not when the errors did not move
    /// since the last pass, whose series then stand.
    pub(crate) series_read: bool,
}

/// The records of one function, route or the process.
#[derive(Debug, Default)]
pub(crate) struct Entity {
    /// Cumulative counts at the last pass (as a delta from zero).
    base: Delta,
    /// Activity signature at the last pass: unchanged means nothing to read.
    signature: u64,
    /// The interval of the last pass that read this entity; `None` before the first.
    pub(crate) last: Option<u64>,
    pub(crate) names: Vec<(&'static str, &'static str)>,
    rings: Option<Box<Rings>>,
}

/// The last 15 minutes at 10 s and the last hour at 1 minute; the current minute is summed
/// in `minute` and encoded once it is over.
#[derive(Debug, Default)]
pub(crate) struct Rings {
    pub(crate) fine: Ring,
    pub(crate) coarse: Ring,
    pub(crate) minute: Option<(u64, Delta)>,
}

impl Rings {
    /// Encodes the minute being summed once `now` (a minute number) is past it.
    fn close_minute(&mut self, now: u64) {
        if let Some((m, _)) = &self.minute {
            if *m < now {
                if let Some((m, d)) = self.minute.take() {
                    self.coarse.push(m, &d, now.saturating_sub(COARSE_SLOTS));
                }
            }
        }
    }
}

impl Entity {
    /// What happened since the last pass, given the counts now.
    pub(crate) fn since_last(&self, now: &Current) -> Delta {
        diff(&now.delta, &self.base)
    }

    /// Whether nothing was recorded since the last pass, given the activity signature now.
    pub(crate) fn is_current(&self, signature: u64) -> bool {
        self.last.is_some() && self.signature == signature
    }

    pub(crate) fn rings(&self) -> Option<&Rings> {
        self.rings.as_deref()
    }

    /// Takes the counts now: their difference from the last pass's is recorded at that pass's
    /// interval (`None`: at `interval`), and left in `delta`; then they become the base, and
    /// `now` is left with the old base's memory for the next reading.
    fn advance(&mut self, now: &mut Current, interval: u64, delta: &mut Delta) {
        diff_into(&now.delta, &self.base, delta);
        self.push(delta, interval);
        if now.series_read {
            std::mem::swap(&mut self.names, &mut now.names);
        } else {
            std::mem::swap(&mut now.delta.kinds, &mut self.base.kinds);
            std::mem::swap(&mut now.delta.severities, &mut self.base.severities);
        }
        std::mem::swap(&mut self.base, &mut now.delta);
    }

    /// Records `delta` as what happened since the last pass, when the counts themselves are
    /// not read (the process's are the sum of the others').
    fn record(&mut self, delta: &Delta, interval: u64) {
        self.push(delta, interval);
        self.base.add(delta);
    }

    fn push(&mut self, delta: &Delta, interval: u64) {
        let at = self.last.unwrap_or(interval);
        self.last = Some(interval);
        if delta.is_empty() {
            return self.idle(interval);
        }
        let rings = self.rings.get_or_insert_with(Box::default);
        rings
            .fine
            .push(at, delta, interval.saturating_sub(FINE_SLOTS));
        let minute = at / PER_COARSE;
        rings.close_minute(minute);
        match &mut rings.minute {
            Some((_, sum)) => sum.add(delta),
            None => rings.minute = Some((minute, delta.clone())),
        }
        rings.close_minute(interval / PER_COARSE);
    }

    /// Notes a pass that found nothing new; frees the records once all are an hour old.
    fn idle(&mut self, interval: u64) {
        self.last = Some(interval);
        if let Some(r) = &mut self.rings {
            r.fine.age(interval.saturating_sub(FINE_SLOTS));
            r.close_minute(interval / PER_COARSE);
            r.coarse
                .age((interval / PER_COARSE).saturating_sub(COARSE_SLOTS));
            if r.fine.is_empty() && r.coarse.is_empty() && r.minute.is_none() {
                self.rings = None;
            }
        }
    }

    /// Bytes held by the records, for the memory bench.
    pub(crate) fn record_bytes(&self) -> usize {
        self.rings.as_ref().map_or(0, |r| {
            let minute = r.minute.as_ref().map_or(0, |(_, d)| d.heap_bytes());
            r.fine.capacity() + r.coarse.capacity() + minute
        })
    }
}

/// `now - base`, counter by counter; series the base does not have count from zero.
fn diff(now: &Delta, base: &Delta) -> Delta {
    let mut out = Delta::default();
    diff_into(now, base, &mut out);
    out
}

/// [`diff`] into `out`, keeping its memory.
fn diff_into(now: &Delta, base: &Delta, out: &mut Delta) {
    let sub = |a: u64, b: u64| a.saturating_sub(b);
    out.calls = sub(now.calls, base.calls);
    out.errors = sub(now.errors, base.errors);
    out.panics = sub(now.panics, base.panics);
    out.cancelled = sub(now.cancelled, base.cancelled);
    out.retries = sub(now.retries, base.retries);
    out.exhausted = sub(now.exhausted, base.exhausted);
    sparse_sub_into(&now.hist, &base.hist, &mut out.hist);
    sparse_sub_into(&now.kinds, &base.kinds, &mut out.kinds);
    sparse_sub_into(&now.severities, &base.severities, &mut out.severities);
}

/// Hashes a site's address: a pass looks up every busy site, and a multiply costs a fraction
/// of the default hasher (addresses need no defence against chosen collisions).
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        // The product's high bits are the well-mixed ones; the table indexes by the low ones.
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(SEED);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(SEED);
    }
}

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Reused from one site to the next within a pass, so a busy site costs no allocation.
#[derive(Default)]
struct Scratch {
    now: Current,
    delta: Delta,
}

/// Every entity's records.
#[derive(Debug, Default)]
pub(crate) struct History {
    pub(crate) last_pass: Option<u64>,
    pub(crate) sites: HashMap<usize, Entity, BuildHasherDefault<AddressHasher>>,
    /// By route template.
    #[cfg(feature = "exporter")]
    pub(crate) routes: HashMap<&'static str, Entity>,
    /// Every route together: the calls and errors of the function `http_request`.
    pub(crate) http: Entity,
    pub(crate) process: Entity,
    /// The tracker's own errors by severity at the last pass.
    pub(crate) tracker_severities: [u64; Severity::ALL.len()],
}

static HISTORY: std::sync::LazyLock<Mutex<History>> = std::sync::LazyLock::new(Mutex::default);

pub(crate) fn lock() -> MutexGuard<'static, History> {
    HISTORY.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn site_key(site: &'static Site) -> usize {
    std::ptr::from_ref(site) as usize
}

/// A site's counts now: calls finished (`#[monitored]`), counted (`#[count_calls]`), timed
/// (`#[timed]`) or attempted (`#[retry]`); outcomes; durations; errors by series. `known` is
/// what the last pass read of it, if any: when its errors did not move, its error series are
/// not read again.
pub(crate) fn read_site(site: &'static Site, known: Option<&Entity>) -> Current {
    let mut now = Current {
        series_read: true,
        ..Current::default()
    };
    let mut slots = [0u64; SLOTS];
    if let Some((counters, _)) = site.totals(&mut slots) {
        fill(site, known, counters, &slots, &mut now);
    }
    now
}

/// Makes `out` the counts of `site` read as `counters` and `slots` (see [`Site::totals`]),
/// reusing its memory; the error series are read only when its errors moved since `known`.
fn fill(
    site: &'static Site,
    known: Option<&Entity>,
    [calls, ok, errors, panics, cancelled, retries, exhausted]: [u64; 7],
    slots: &[u64; SLOTS],
    out: &mut Current,
) {
    let d = &mut out.delta;
    d.calls = match site.meta().kind {
        Kind::Monitored => ok + errors + panics + cancelled,
        Kind::Timed => slots.iter().sum(),
        _ => calls,
    };
    d.errors = errors;
    d.panics = panics;
    d.cancelled = cancelled;
    d.retries = retries;
    d.exhausted = exhausted;
    sparse_diff_into(slots, &[], &mut d.hist);
    d.kinds.clear();
    d.severities.clear();
    out.names.clear();
    let unmoved = known.is_some_and(|e| e.last.is_some() && e.base.errors == errors);
    if !unmoved {
        let series = site.series_counts();
        d.kinds.extend(
            series
                .iter()
                .enumerate()
                .filter(|(_, s)| s.2 > 0)
                .map(|(i, s)| (u8::try_from(i).unwrap_or(u8::MAX), s.2)),
        );
        sparse_diff_into(&site.error_severities(), &[], &mut d.severities);
        out.names.extend(series.iter().map(|s| (s.0, s.1)));
    }
    out.series_read = !unmoved;
}

/// A route's counts now: requests answered (or cancelled), `5xx` and failed ones as errors.
#[cfg(feature = "exporter")]
pub(crate) fn read_route(route: &crate::http::table::Route) -> Current {
    let mut d = Delta::default();
    let mut hist = [0u64; SLOTS];
    route.each_method(|_, series| {
        series.each_status(|code, durations| {
            let mut n = 0;
            for (sum, c) in hist.iter_mut().zip(&durations.slots) {
                let c = c.load(std::sync::atomic::Ordering::Relaxed);
                *sum += c;
                n += c;
            }
            d.calls += n;
            if crate::http::is_server_error(code) {
                d.errors += n;
            } else if code == crate::http::table::CANCELLED {
                d.cancelled += n;
            }
        });
    });
    d.hist = sparse_diff(&hist, &[]);
    Current {
        delta: d,
        names: Vec::new(),
        series_read: true,
    }
}

/// What the process did since the last pass: what every `#[monitored]` and `#[retry]` site
/// recorded since (a site whose signature did not move costs one sum of its counters), every
/// HTTP request, and the tracker's severities.
pub(crate) fn live_process(h: &History) -> Delta {
    let mut scratch = Scratch::default();
    let mut d = Delta::default();
    let mut dense = [0u64; SLOTS];
    crate::registry::each(|site| {
        let kind = site.meta().kind;
        if kind != Kind::Monitored && kind != Kind::Retry {
            return;
        }
        let mut slots = [0u64; SLOTS];
        let Some((counters, signature)) = site.totals(&mut slots) else {
            return;
        };
        let entity = h.sites.get(&site_key(site));
        if entity.is_some_and(|e| e.is_current(signature)) {
            return;
        }
        fill(site, entity, counters, &slots, &mut scratch.now);
        let s = &mut scratch.delta;
        match entity {
            Some(e) => diff_into(&scratch.now.delta, &e.base, s),
            None => std::mem::swap(s, &mut scratch.now.delta),
        }
        if kind == Kind::Retry {
            d.retries += s.retries;
            d.exhausted += s.exhausted;
            return;
        }
        d.calls += s.calls;
        d.errors += s.errors;
        d.panics += s.panics;
        d.cancelled += s.cancelled;
        for &(i, n) in &s.hist {
            dense[usize::from(i)] += n;
        }
    });
    let http = h.http.since_last(&read_http());
    d.calls += http.calls;
    d.errors += http.errors;
    d.cancelled += http.cancelled;
    d.hist = sparse_diff(&dense, &[]);
    d.severities = diff(
        &Delta {
            severities: severities_now(),
            ..Delta::default()
        },
        &h.process.base,
    )
    .severities;
    d
}

/// Every route's counts together.
pub(crate) fn read_http() -> Current {
    #[cfg(feature = "exporter")]
    {
        let mut d = Delta::default();
        let mut dense = [0u64; SLOTS];
        for route in crate::http::table::routes() {
            let r = read_route(route);
            d.calls += r.delta.calls;
            d.errors += r.delta.errors;
            d.cancelled += r.delta.cancelled;
            for &(i, n) in &r.delta.hist {
                dense[usize::from(i)] += n;
            }
        }
        d.hist = sparse_diff(&dense, &[]);
        Current {
            delta: d,
            names: Vec::new(),
            series_read: true,
        }
    }
    #[cfg(not(feature = "exporter"))]
    Current {
        delta: Delta::default(),
        names: Vec::new(),
        series_read: true,
    }
}

/// One pass at `now_ms`.
pub(crate) fn pass(now_ms: u64) {
    let interval = now_ms / super::INTERVAL_MS;
    let mut guard = lock();
    let h = &mut *guard;
    let last_pass = h.last_pass;
    let mut process = Delta::default();
    let mut dense = [0u64; SLOTS];
    // What the sites' own tables counted since the last pass, by severity.
    let mut severities = [0u64; Severity::ALL.len()];
    let mut scratch = Scratch::default();
    crate::registry::each(|site| {
        let mut slots = [0u64; SLOTS];
        let Some((counters, signature)) = site.totals(&mut slots) else {
            return;
        };
        let entity = h.sites.entry(site_key(site)).or_insert_with(|| Entity {
            last: last_pass,
            ..Entity::default()
        });
        if entity.is_current(signature) {
            entity.idle(interval);
            return;
        }
        entity.signature = signature;
        fill(site, Some(entity), counters, &slots, &mut scratch.now);
        entity.advance(&mut scratch.now, interval, &mut scratch.delta);
        let d = &scratch.delta;
        for &(i, n) in &d.severities {
            if let Some(s) = severities.get_mut(usize::from(i)) {
                *s += n;
            }
        }
        match site.meta().kind {
            Kind::Monitored => {
                process.calls += d.calls;
                process.errors += d.errors;
                process.panics += d.panics;
                process.cancelled += d.cancelled;
                for &(i, n) in &d.hist {
                    dense[usize::from(i)] += n;
                }
            }
            Kind::Retry => {
                process.retries += d.retries;
                process.exhausted += d.exhausted;
            }
            _ => {}
        }
    });
    // Every route, and all of them together as the function `http_request`.
    scratch.now = Current {
        delta: advance_routes(h, last_pass, interval, &mut scratch.delta),
        names: Vec::new(),
        series_read: true,
    };
    let http = &mut scratch.delta;
    h.http.advance(&mut scratch.now, interval, http);
    process.calls += http.calls;
    process.errors += http.errors;
    process.cancelled += http.cancelled;
    process.hist = sparse_diff(&dense, &[]);
    // The tracker's own severities (panics, exhaustions, `5xx`), since the last pass.
    let tracker = crate::errors::tracker_severities();
    for (i, s) in severities.iter_mut().enumerate() {
        *s += tracker[i].saturating_sub(h.tracker_severities[i]);
    }
    h.tracker_severities = tracker;
    process.severities = sparse_diff(&severities, &[]);
    h.process.record(&process, interval);
    h.last_pass = Some(interval);
}

/// Reads and records every route; returns their counts now, summed.
#[cfg(feature = "exporter")]
fn advance_routes(
    h: &mut History,
    last_pass: Option<u64>,
    interval: u64,
    delta: &mut Delta,
) -> Delta {
    let mut sum = Delta::default();
    let mut dense = [0u64; SLOTS];
    for route in crate::http::table::routes() {
        let mut now = read_route(route);
        sum.calls += now.delta.calls;
        sum.errors += now.delta.errors;
        sum.cancelled += now.delta.cancelled;
        for &(i, n) in &now.delta.hist {
            dense[usize::from(i)] += n;
        }
        let entity = h.routes.entry(route.name).or_insert_with(|| Entity {
            last: last_pass,
            ..Entity::default()
        });
        entity.advance(&mut now, interval, delta);
    }
    sum.hist = sparse_diff(&dense, &[]);
    sum
}

/// No routes without the exporter.
#[cfg(not(feature = "exporter"))]
fn advance_routes(_: &mut History, _: Option<u64>, _: u64, _: &mut Delta) -> Delta {
    Delta::default()
}

/// The tracker's errors by severity so far, sparse.
fn severities_now() -> Vec<(u8, u64)> {
    crate::errors::severity_totals()
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, &n)| (u8::try_from(i).unwrap_or(u8::MAX), n))
        .collect()
}

/// Severity names by the index the process's `severities` use.
pub(crate) fn severity(i: u8) -> Option<Severity> {
    Severity::ALL.get(usize::from(i)).copied()
}
