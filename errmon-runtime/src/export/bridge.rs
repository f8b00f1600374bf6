//! Publishing errmon's totals through the `metrics` facade, for applications that install their
//! own recorder (StatsD, OpenTelemetry, ...) instead of calling [`crate::install`].
//!
//! What is exact and what is approximate:
//! - counters (`errmon_calls_total`, `errmon_call_outcomes_total`, `errmon_errors_total`) are
//!   published with `Counter::absolute`: exact totals as of the last publish;
//! - `errmon_calls_in_flight` is published with `Gauge::set`: a sample as of the last publish;
//! - `errmon_call_duration_seconds` is published with `Histogram::record_many`, one value per
//!   grid slot at the slot's upper bound (durations past 100 s at 100 s): counts are exact, each
//!   duration is rounded up to its grid bound, so sums and quantiles are approximate within the
//!   grid's resolution (at most 50 % at the low end of a decade, usually under 25 %).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use metrics::{Label, counter, gauge, histogram};

use crate::buckets::{BOUNDS, BOUNDS_NS, SLOTS};
use crate::export::prometheus::{
    CALLS, DURATION, ERRORS, IN_FLIGHT, OUTCOMES, RETRIES, RETRIES_EXHAUSTED, RETRY_ATTEMPTS,
};
use crate::registry;
use crate::site::{Kind, OutcomeLabel, Site};

/// Publishes errmon's totals to the installed `metrics` recorder, remembering what it already
/// sent so histogram observations are sent once.
///
/// ```
/// let mut bridge = errmon_runtime::export::bridge::Bridge::new();
/// bridge.publish(); // call periodically, or use `Bridge::spawn`
/// ```
#[derive(Default)]
pub struct Bridge {
    sent: HashMap<usize, Box<[u64; SLOTS]>>,
}

impl Bridge {
    /// A bridge that has published nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes the current totals once. Sites that share a label set (the same function name
    /// in two `impl` blocks of one module) are published as one sum, as `/metrics` serves them.
    pub fn publish(&mut self) {
        // (metric, labels) -> total; a BTreeMap so each series is published once, summed.
        let mut counters: BTreeMap<(&'static str, Labels), u64> = BTreeMap::new();
        let mut gauges: BTreeMap<(&'static str, Labels), u64> = BTreeMap::new();
        for site in registry::sites() {
            let snap = site.snapshot();
            let labels = base_labels(site);
            let mut add =
                |name: &'static str, extra: Option<(&'static str, &'static str)>, v: u64| {
                    let mut l = labels.clone();
                    l.extend(extra.map(|(k, v)| (k.to_owned(), v.to_owned())));
                    *counters.entry((name, l)).or_default() += v;
                };
            match site.meta().kind {
                Kind::Count => add(CALLS, None, snap.calls),
                Kind::Monitored => {
                    add(CALLS, None, snap.calls);
                    for o in OutcomeLabel::ALL {
                        add(
                            OUTCOMES,
                            Some(("outcome", o.as_str())),
                            snap.outcomes[o as usize],
                        );
                    }
                    *gauges.entry((IN_FLIGHT, labels.clone())).or_default() += snap.in_flight();
                }
                Kind::Retry => {
                    add(RETRY_ATTEMPTS, None, snap.calls);
                    add(RETRIES, None, snap.retries);
                    add(RETRIES_EXHAUSTED, None, snap.exhausted);
                }
                Kind::Timed => {}
            }
            if let Some(slots) = &snap.slots {
                self.publish_durations(site, &labels, slots);
            }
        }
        for e in registry::errors() {
            let mut l = base_labels(e.site);
            l.push(("error_type".to_owned(), e.error_type));
            l.push(("error_kind".to_owned(), e.error_kind.to_owned()));
            *counters.entry((ERRORS, l)).or_default() += e.count;
        }
        for ((name, labels), total) in counters {
            counter!(name, to_labels(labels)).absolute(total);
        }
        for ((name, labels), value) in gauges {
            gauge!(name, to_labels(labels)).set(value as f64);
        }
    }

    /// Sends each duration recorded since the last publish once, at its grid bound; per site,
    /// so sites sharing labels add up in the recorder's histogram.
    fn publish_durations(&mut self, site: &'static Site, labels: &Labels, slots: &[u64; SLOTS]) {
        let sent = self
            .sent
            .entry(std::ptr::from_ref(site) as usize)
            .or_insert_with(|| Box::new([0; SLOTS]));
        let h = histogram!(DURATION, to_labels(labels.clone()));
        for (i, (now, before)) in slots.iter().zip(sent.iter_mut()).enumerate() {
            let delta = now.saturating_sub(*before);
            if delta > 0 {
                let bound = BOUNDS_NS[i.min(BOUNDS - 1)] as f64 / 1e9;
                h.record_many(bound, usize::try_from(delta).unwrap_or(usize::MAX));
                *before = *now;
            }
        }
    }

    /// Publishes every `interval` on a background thread until the returned guard drops.
    pub fn spawn(interval: Duration) -> BridgeGuard {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("errmon-bridge".into())
            .spawn(move || {
                let mut bridge = Bridge::new();
                loop {
                    bridge.publish();
                    std::thread::park_timeout(interval);
                    if flag.load(Ordering::Acquire) {
                        bridge.publish();
                        return;
                    }
                }
            })
            .ok();
        BridgeGuard { stop, thread }
    }
}

/// Stops the publishing thread of [`Bridge::spawn`], after one last publish, when dropped.
pub struct BridgeGuard {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for BridgeGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

type Labels = Vec<(String, String)>;

fn base_labels(site: &Site) -> Labels {
    let meta = site.meta();
    let mut l = vec![
        ("function".to_owned(), meta.function.to_owned()),
        ("module".to_owned(), meta.module.to_owned()),
    ];
    l.extend(
        meta.labels
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned())),
    );
    l
}

fn to_labels(labels: Labels) -> Vec<Label> {
    labels.into_iter().map(|(k, v)| Label::new(k, v)).collect()
}
