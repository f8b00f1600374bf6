//! The sampling pass: reads the cumulative counters that already exist (each site's shards
//! and error table, each HTTP route's series, the error tracker's severities) and keeps the
//! differences since the last pass, per function, per route, for all routes together (the
//! function `http_request` of error reports) and for the process.
//!
//! The hot path is not touched: a pass only reads. A site whose counters did not move since
//! the last pass costs one sum of its counter shards; one not called in the last hour keeps
//! its last totals and no records.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::delta::{Delta, sparse_diff};
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
    /// interval (`None`: at `interval`), and returned; then this becomes the base.
    fn advance(&mut self, mut now: Current, interval: u64) -> Delta {
        let delta = diff(&now.delta, &self.base);
        self.push(&delta, interval);
        if now.series_read {
            self.names = now.names;
        } else {
            now.delta.kinds = std::mem::take(&mut self.base.kinds);
            now.delta.severities = std::mem::take(&mut self.base.severities);
        }
        self.base = now.delta;
        delta
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
    let sub = |a: u64, b: u64| a.saturating_sub(b);
    // Both ascending by index: one walk.
    let sparse = |now: &[(u8, u64)], base: &[(u8, u64)]| -> Vec<(u8, u64)> {
        let mut base = base.iter().peekable();
        now.iter()
            .filter_map(|&(i, n)| {
                while base.next_if(|&&(j, _)| j < i).is_some() {}
                let b = base.next_if(|&&(j, _)| j == i).map_or(0, |&(_, b)| b);
                (n > b).then(|| (i, n - b))
            })
            .collect()
    };
    Delta {
        calls: sub(now.calls, base.calls),
        errors: sub(now.errors, base.errors),
        panics: sub(now.panics, base.panics),
        cancelled: sub(now.cancelled, base.cancelled),
        retries: sub(now.retries, base.retries),
        exhausted: sub(now.exhausted, base.exhausted),
        hist: sparse(&now.hist, &base.hist),
        kinds: sparse(&now.kinds, &base.kinds),
        severities: sparse(&now.severities, &base.severities),
    }
}

/// Every entity's records.
#[derive(Debug, Default)]
pub(crate) struct History {
    pub(crate) last_pass: Option<u64>,
    pub(crate) sites: HashMap<usize, Entity>,
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
    let mut slots = [0u64; SLOTS];
    let Some([calls, ok, errors, panics, cancelled, retries, exhausted]) =
        site.sum_into(&mut slots)
    else {
        return Current {
            delta: Delta::default(),
            names: Vec::new(),
            series_read: true,
        };
    };
    let kind = site.meta().kind;
    let calls = match kind {
        Kind::Monitored => ok + errors + panics + cancelled,
        Kind::Timed => slots.iter().sum(),
        _ => calls,
    };
    let unmoved = known.is_some_and(|e| e.last.is_some() && e.base.errors == errors);
    let (kinds, severities, names) = if unmoved {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let series = site.error_series();
        (
            series
                .iter()
                .enumerate()
                .filter(|(_, s)| s.2 > 0)
                .map(|(i, s)| (u8::try_from(i).unwrap_or(u8::MAX), s.2))
                .collect(),
            sparse_diff(&site.error_severities(), &[]),
            series.iter().map(|s| (s.0, s.1)).collect(),
        )
    };
    Current {
        delta: Delta {
            calls,
            errors,
            panics,
            cancelled,
            retries,
            exhausted,
            hist: sparse_diff(&slots, &[]),
            kinds,
            severities,
        },
        names,
        series_read: !unmoved,
    }
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
    let mut d = Delta::default();
    let mut dense = [0u64; SLOTS];
    crate::registry::each(|site| {
        let kind = site.meta().kind;
        if kind != Kind::Monitored && kind != Kind::Retry {
            return;
        }
        let Some(signature) = site.activity() else {
            return;
        };
        let entity = h.sites.get(&site_key(site));
        if entity.is_some_and(|e| e.is_current(signature)) {
            return;
        }
        let now = read_site(site, entity);
        let s = entity.map_or_else(|| now.delta.clone(), |e| e.since_last(&now));
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
    crate::registry::each(|site| {
        let Some(signature) = site.activity() else {
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
        let now = read_site(site, Some(entity));
        let d = entity.advance(now, interval);
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
    let http_now = advance_routes(h, last_pass, interval);
    let http = h.http.advance(
        Current {
            delta: http_now,
            names: Vec::new(),
            series_read: true,
        },
        interval,
    );
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
fn advance_routes(h: &mut History, last_pass: Option<u64>, interval: u64) -> Delta {
    let mut sum = Delta::default();
    let mut dense = [0u64; SLOTS];
    for route in crate::http::table::routes() {
        let now = read_route(route);
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
        entity.advance(now, interval);
    }
    sum.hist = sparse_diff(&dense, &[]);
    sum
}

/// No routes without the exporter.
#[cfg(not(feature = "exporter"))]
fn advance_routes(_: &mut History, _: Option<u64>, _: u64) -> Delta {
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
