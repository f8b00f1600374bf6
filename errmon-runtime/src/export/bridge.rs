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

use std::collections::HashMap;
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

    /// Publishes the current totals once.
    pub fn publish(&mut self) {
        for site in registry::sites() {
            let snap = site.snapshot();
            let labels = base_labels(site);
            let kind = site.meta().kind;
            match kind {
                Kind::Count | Kind::Monitored => {
                    counter!(CALLS, labels.clone()).absolute(snap.calls);
                }
                Kind::Retry => {
                    counter!(RETRY_ATTEMPTS, labels.clone()).absolute(snap.calls);
                    counter!(RETRIES, labels.clone()).absolute(snap.retries);
                    counter!(RETRIES_EXHAUSTED, labels.clone()).absolute(snap.exhausted);
                }
                Kind::Timed => {}
            }
            if kind == Kind::Monitored {
                for o in OutcomeLabel::ALL {
                    let mut l = labels.clone();
                    l.push(Label::new("outcome", o.as_str()));
                    counter!(OUTCOMES, l).absolute(snap.outcomes[o as usize]);
                }
                gauge!(IN_FLIGHT, labels.clone()).set(snap.in_flight() as f64);
            }
            if let Some(slots) = &snap.slots {
                let sent = self
                    .sent
                    .entry(std::ptr::from_ref(site) as usize)
                    .or_insert_with(|| Box::new([0; SLOTS]));
                let h = histogram!(DURATION, labels);
                for (i, (now, before)) in slots.iter().zip(sent.iter_mut()).enumerate() {
                    let delta = now.saturating_sub(*before);
                    if delta > 0 {
                        let bound = BOUNDS_NS[i.min(BOUNDS - 1)] as f64 / 1e9;
                        h.record_many(bound, usize::try_from(delta).unwrap_or(usize::MAX));
                        *before = *now;
                    }
                }
            }
        }
        for e in registry::errors() {
            let mut l = base_labels(e.site);
            l.push(Label::new("error_type", e.error_type));
            l.push(Label::new("error_kind", e.error_kind));
            counter!(ERRORS, l).absolute(e.count);
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

fn base_labels(site: &Site) -> Vec<Label> {
    let meta = site.meta();
    let mut l = vec![
        Label::new("function", meta.function),
        Label::new("module", meta.module),
    ];
    l.extend(meta.labels.iter().map(|&(k, v)| Label::new(k, v)));
    l
}
