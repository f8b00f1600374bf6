//! Publishing errmon's totals through the `metrics` facade, for applications that install their
//! own recorder (StatsD, OpenTelemetry, ...) instead of calling [`crate::install`].
//!
//! The series are those of `/metrics`, from the same export model: the same names, the same
//! labels in the same order (without the constant labels of a `Config`, which the other
//! recorder has its own way to add). What is exact and what is approximate:
//! - counters (`errmon_calls_total`, `errmon_call_outcomes_total`, `errmon_errors_total`, the
//!   retry families, the drop counters by `reason`) are published with `Counter::absolute`: exact
//!   totals as of the last publish;
//! - `errmon_calls_in_flight` is published with `Gauge::set`: a sample as of the last publish;
//! - the HTTP families (`crate::http`), under errmon's names, likewise;
//! - `errmon_call_duration_seconds` is published with `Histogram::record_many`, one value per
//!   grid slot at the slot's upper bound (durations past 100 s at 100 s): counts are exact, each
//!   duration is rounded up to its grid bound, so sums and quantiles are approximate within the
//!   grid's resolution (at most 50 % at the low end of a decade, usually under 25 %).

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use metrics::{Label, counter, gauge, histogram};

use super::model::{FamilyKind, Labels, Model, Value};
use crate::record::grid::{BOUNDS, BOUNDS_NS, SLOTS};
use crate::schedule::{self, Job, Running};

/// A series as the bridge remembers it between publishes: family name and labels.
type SeriesKey = (&'static str, Vec<(String, String)>);

/// Publishes errmon's totals to the installed `metrics` recorder, remembering what it already
/// sent so histogram observations are sent once.
///
/// ```
/// let mut bridge = errmon_runtime::export::bridge::Bridge::new();
/// bridge.publish(); // call periodically, or use `Bridge::spawn`
/// ```
#[derive(Default)]
pub struct Bridge {
    /// Grid slots already sent, per duration series.
    sent: HashMap<SeriesKey, Box<[u64; SLOTS]>>,
}

impl fmt::Debug for Bridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bridge")
            .field("duration_series", &self.sent.len())
            .finish()
    }
}

impl Bridge {
    /// A bridge that has published nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes the current totals once. Sites that share a label set (the same function name
    /// in two `impl` blocks of one module) are published as one sum, as `/metrics` serves them.
    pub fn publish(&mut self) {
        let model = Model::collect(&[]);
        let mut others = super::http::families();
        others.extend(super::schedule::families());
        for family in model.families().iter().chain(&others) {
            for (labels, value) in &family.series {
                match (family.kind, value) {
                    (FamilyKind::Counter, Value::Number(v)) => {
                        counter!(family.name, to_labels(labels)).absolute(*v);
                    }
                    (FamilyKind::Gauge, Value::Number(v)) => {
                        gauge!(family.name, to_labels(labels)).set(*v as f64);
                    }
                    (FamilyKind::Histogram, Value::Durations(d)) => {
                        self.publish_durations(family.name, labels, &d.slots);
                    }
                    // The model never pairs a histogram with a number or the reverse.
                    _ => {}
                }
            }
        }
    }

    /// Sends each duration recorded since the last publish once, at its grid bound.
    fn publish_durations(&mut self, name: &'static str, labels: &Labels<'_>, slots: &[u64; SLOTS]) {
        let owned: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone().into_owned()))
            .collect();
        let h = histogram!(name, to_labels(labels));
        let sent = self
            .sent
            .entry((name, owned))
            .or_insert_with(|| Box::new([0; SLOTS]));
        for (i, (now, before)) in slots.iter().zip(sent.iter_mut()).enumerate() {
            let delta = now.saturating_sub(*before);
            if delta > 0 {
                let bound = BOUNDS_NS[i.min(BOUNDS - 1)] as f64 / 1e9;
                h.record_many(bound, usize::try_from(delta).unwrap_or(usize::MAX));
                *before = *now;
            }
        }
    }

    /// Publishes every `interval` on errmon's scheduler until the returned guard drops (and
    /// keeps errmon's history meanwhile). An `Err` when the scheduler's thread cannot be
    /// started (the operating system's thread limit), so that a bridge that publishes nothing
    /// is never mistaken for one that works.
    ///
    /// ```
    /// let guard = errmon_runtime::export::bridge::Bridge::spawn(std::time::Duration::from_secs(10))?;
    /// drop(guard); // publishes once more, then stops publishing
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn(interval: Duration) -> io::Result<BridgeGuard> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("bridge_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let bridge = Arc::new(Mutex::new(Bridge::new()));
        let publisher = Arc::clone(&bridge);
        crate::history::keep_sampling();
        let running = Running::start()?;
        bridge
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .publish();
        schedule::add(Job::blocking(name.clone(), interval, move || {
            publisher
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .publish();
        }));
        Ok(BridgeGuard {
            name,
            bridge,
            running: Some(running),
            pid: std::process::id(),
        })
    }
}

/// Stops publishing for [`Bridge::spawn`], after one last publish, when dropped.
///
/// In a child made by `fork()`, the scheduler does not run: dropping the child's copy of the
/// guard publishes nothing and waits for nothing, and the parent goes on publishing.
#[must_use = "the bridge stops publishing when the guard is dropped"]
pub struct BridgeGuard {
    name: String,
    bridge: Arc<Mutex<Bridge>>,
    running: Option<Running>,
    /// The process that started publishing, the only one where the scheduler runs.
    pid: u32,
}

impl fmt::Debug for BridgeGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BridgeGuard")
            .field("job", &self.name)
            .finish_non_exhaustive()
    }
}

impl Drop for BridgeGuard {
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            // A forked child: the parent's scheduler is not here to stop, and its job is not
            // the child's to run (unless the list was locked at the fork, then it stays).
            std::mem::forget(self.running.take());
            schedule::try_remove(&self.name);
            return;
        }
        schedule::remove(&self.name);
        self.bridge
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .publish();
        drop(self.running.take());
    }
}

fn to_labels(labels: &Labels<'_>) -> Vec<Label> {
    labels
        .iter()
        .map(|(k, v)| Label::new((*k).to_owned(), v.clone().into_owned()))
        .collect()
}
