//! The export model: the one place that maps what a site records to metric families, their
//! labels and their values. The Prometheus text (`prometheus.rs`) and the `metrics` bridge
//! (`bridge.rs`) are both rendered from a [`Model`], so they cannot disagree on names, label
//! order or values.
//!
//! | kind | families |
//! |---|---|
//! | `#[count_calls]` | calls |
//! | `#[timed]` | durations |
//! | `#[monitored]` | calls, outcomes (one series per outcome), errors (one per type and kind), in flight, durations |
//! | `#[retry]` | retry attempts, retries, retries exhausted |
//!
//! Labels, always in this order: `function`, `module`, the family's own (`outcome`, or
//! `error_type` and `error_kind`), the site's static `labels(...)`, then the constant labels of
//! the `Config`. A name is never given twice on one series: the first one wins, so a static
//! label beats a constant label of the same name. `Config::validate` refuses that clash for
//! every site known at start-up; this rule covers sites that appear later (a library loaded
//! with `dlopen`), whose series then keep their own static value.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::record::grid::SLOTS;
use crate::registry;
use crate::registry::{Kind, OutcomeLabel, Site};

pub(crate) const CALLS: &str = "errmon_calls_total";
pub(crate) const OUTCOMES: &str = "errmon_call_outcomes_total";
pub(crate) const ERRORS: &str = "errmon_errors_total";
pub(crate) const IN_FLIGHT: &str = "errmon_calls_in_flight";
pub(crate) const DURATION: &str = "errmon_call_duration_seconds";
pub(crate) const RETRY_ATTEMPTS: &str = "errmon_retry_attempts_total";
pub(crate) const RETRIES: &str = "errmon_retries_total";
pub(crate) const RETRIES_EXHAUSTED: &str = "errmon_retries_exhausted_total";
pub(crate) const REPORTS_DROPPED: &str = "errmon_error_reports_dropped_total";
pub(crate) const LOG_LINES_DROPPED: &str = "errmon_log_lines_dropped_total";

/// How a family's values are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FamilyKind {
    Counter,
    Gauge,
    Histogram,
}

impl FamilyKind {
    /// The `# TYPE` word of the Prometheus text format.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// A series' labels, in the model's order, each name once.
pub(crate) type Labels<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// Durations of one series on the fixed grid, summed over the sites that share its labels.
#[derive(Clone, Debug)]
pub(crate) struct Durations {
    pub(crate) slots: Box<[u64; SLOTS]>,
    pub(crate) sum_ns: u128,
}

impl Durations {
    pub(crate) fn count(&self) -> u64 {
        self.slots.iter().sum()
    }
}

/// A series' value.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// A counter's total or a gauge's value.
    Number(u64),
    Durations(Durations),
}

/// One metric family. Series are keyed by their labels, so two sites that share labels (the
/// same function name in two `impl` blocks of one module) add up instead of repeating a series,
/// which Prometheus would reject.
#[derive(Debug)]
pub(crate) struct Family<'a> {
    pub(crate) name: &'static str,
    pub(crate) kind: FamilyKind,
    pub(crate) help: &'static str,
    pub(crate) series: BTreeMap<Labels<'a>, Value>,
}

impl<'a> Family<'a> {
    const fn new(name: &'static str, kind: FamilyKind, help: &'static str) -> Self {
        Family {
            name,
            kind,
            help,
            series: BTreeMap::new(),
        }
    }

    fn add(&mut self, labels: Labels<'a>, v: u64) {
        let entry = self.series.entry(labels).or_insert(Value::Number(0));
        if let Value::Number(n) = entry {
            *n += v;
        }
    }

    fn add_durations(&mut self, labels: Labels<'a>, slots: &[u64; SLOTS], sum_ns: u64) {
        let entry = self.series.entry(labels).or_insert_with(|| {
            Value::Durations(Durations {
                slots: Box::new([0; SLOTS]),
                sum_ns: 0,
            })
        });
        if let Value::Durations(d) = entry {
            for (total, n) in d.slots.iter_mut().zip(slots) {
                *total += n;
            }
            d.sum_ns += u128::from(sum_ns);
        }
    }
}

/// Every errmon family with every series, as of one walk of the registry. Families are in
/// the order they are rendered; those without series are kept, and renderers skip them.
#[derive(Debug)]
pub(crate) struct Model<'a> {
    pub(crate) families: [Family<'a>; 10],
}

const F_CALLS: usize = 0;
const F_OUTCOMES: usize = 1;
const F_ERRORS: usize = 2;
const F_IN_FLIGHT: usize = 3;
const F_DURATION: usize = 4;
const F_ATTEMPTS: usize = 5;
const F_RETRIES: usize = 6;
const F_EXHAUSTED: usize = 7;
const F_DROPPED: usize = 8;
const F_LOG_DROPPED: usize = 9;

impl<'a> Model<'a> {
    /// Walks the registry once. `const_labels` go on every series, after the others.
    pub(crate) fn collect(const_labels: &'a [(String, String)]) -> Self {
        use FamilyKind::{Counter, Gauge, Histogram};
        let mut families = [
            Family::new(
                CALLS,
                Counter,
                "Calls of instrumented functions, counted when they start.",
            ),
            Family::new(
                OUTCOMES,
                Counter,
                "Finished calls of #[monitored] functions by outcome: ok, error, panic or cancelled.",
            ),
            Family::new(
                ERRORS,
                Counter,
                "Errors returned by #[monitored] functions by error type and kind.",
            ),
            Family::new(
                IN_FLIGHT,
                Gauge,
                "Calls of #[monitored] functions started and not finished.",
            ),
            Family::new(
                DURATION,
                Histogram,
                "Duration of calls of #[timed] and #[monitored] functions in seconds.",
            ),
            Family::new(
                RETRY_ATTEMPTS,
                Counter,
                "Attempts of #[retry] functions, the first try included.",
            ),
            Family::new(
                RETRIES,
                Counter,
                "Failed attempts of #[retry] functions that were run again.",
            ),
            Family::new(
                RETRIES_EXHAUSTED,
                Counter,
                "Calls of #[retry] functions that ran out of attempts or time and returned their last error.",
            ),
            Family::new(
                REPORTS_DROPPED,
                Counter,
                "Errors counted but given no stored report, by reason: filtered, rate_limited, sampled, scrubbed or busy.",
            ),
            Family::new(
                LOG_LINES_DROPPED,
                Counter,
                "Log lines dropped because the queue to errmon's log writer thread was full.",
            ),
        ];
        // Rendered once a line was dropped, so a process without drops renders nothing more.
        let log_dropped = crate::log::lines_dropped();
        if log_dropped > 0 {
            let l: Labels<'a> = const_labels
                .iter()
                .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str())))
                .collect();
            families[F_LOG_DROPPED].add(l, log_dropped);
        }
        // A reason appears once it has dropped a report, so a process without drops renders
        // nothing more.
        for (reason, n) in crate::errors::dropped_totals() {
            if n > 0 {
                let mut l: Labels<'a> = vec![("reason", reason.as_str().into())];
                l.extend(
                    const_labels
                        .iter()
                        .filter(|(k, _)| k != "reason")
                        .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str()))),
                );
                families[F_DROPPED].add(l, n);
            }
        }
        for site in registry::sites() {
            let snap = site.snapshot();
            let meta = site.meta();
            let base = || labels(site, &[], const_labels);
            match meta.kind {
                Kind::Count => families[F_CALLS].add(base(), snap.calls),
                Kind::Timed => {
                    if let Some(slots) = &snap.slots {
                        families[F_DURATION].add_durations(base(), slots, snap.sum_ns);
                    }
                }
                Kind::Monitored => {
                    families[F_CALLS].add(base(), snap.calls);
                    for o in OutcomeLabel::ALL {
                        families[F_OUTCOMES].add(
                            labels(site, &[("outcome", o.as_str().into())], const_labels),
                            snap.outcomes[o as usize],
                        );
                    }
                    families[F_IN_FLIGHT].add(base(), snap.in_flight());
                    if let Some(slots) = &snap.slots {
                        families[F_DURATION].add_durations(base(), slots, snap.sum_ns);
                    }
                    for (error_type, error_kind, count) in site_errors(site) {
                        let extra = [
                            ("error_type", Cow::Owned(error_type)),
                            ("error_kind", Cow::Borrowed(error_kind)),
                        ];
                        families[F_ERRORS].add(labels(site, &extra, const_labels), count);
                    }
                }
                Kind::Retry => {
                    families[F_ATTEMPTS].add(base(), snap.calls);
                    families[F_RETRIES].add(base(), snap.retries);
                    families[F_EXHAUSTED].add(base(), snap.exhausted);
                }
            }
        }
        Model { families }
    }
}

/// A site's error series: (short type name, kind, count). Read per site, in the same walk as
/// its snapshot, rather than through `registry::errors()`, which would walk the registry again.
fn site_errors(site: &Site) -> impl Iterator<Item = (String, &'static str, u64)> {
    site.error_series()
        .into_iter()
        .map(|(type_name, kind, count)| (registry::short_type_name(type_name), kind, count))
}

/// A series' labels in the model's order; a name already present is not added again.
fn labels<'a>(
    site: &'static Site,
    extra: &[(&'a str, Cow<'a, str>)],
    const_labels: &'a [(String, String)],
) -> Labels<'a> {
    let meta = site.meta();
    ordered_labels(meta.function, meta.module, extra, meta.labels, const_labels)
}

pub(crate) fn ordered_labels<'a>(
    function: &'a str,
    module: &'a str,
    extra: &[(&'a str, Cow<'a, str>)],
    static_labels: &'a [(&'static str, &'static str)],
    const_labels: &'a [(String, String)],
) -> Labels<'a> {
    let mut out: Labels<'a> =
        Vec::with_capacity(2 + extra.len() + static_labels.len() + const_labels.len());
    let mut push = |k: &'a str, v: Cow<'a, str>| {
        if !out.iter().any(|(have, _)| *have == k) {
            out.push((k, v));
        }
    };
    push("function", function.into());
    push("module", module.into());
    for (k, v) in extra {
        push(k, v.clone());
    }
    for &(k, v) in static_labels {
        push(k, v.into());
    }
    for (k, v) in const_labels {
        push(k, v.as_str().into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(labels: &Labels<'_>) -> Vec<String> {
        labels.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    #[test]
    fn labels_come_in_one_order() {
        let consts = [("service".to_owned(), "api".to_owned())];
        let l = ordered_labels(
            "load",
            "app",
            &[("outcome", "ok".into())],
            &[("tier", "gold")],
            &consts,
        );
        assert_eq!(
            names(&l),
            [
                "function=load",
                "module=app",
                "outcome=ok",
                "tier=gold",
                "service=api"
            ]
        );
    }

    /// A site that appears after `Config::validate` (loaded with `dlopen`) with a static label
    /// of a constant label's name keeps its own value, and the name appears once.
    #[test]
    fn a_static_label_wins_over_a_constant_label_of_the_same_name() {
        let consts = [
            ("service".to_owned(), "from-config".to_owned()),
            ("region".to_owned(), "eu".to_owned()),
        ];
        let l = ordered_labels("late", "plugin", &[], &[("service", "plugin")], &consts);
        assert_eq!(
            names(&l),
            [
                "function=late",
                "module=plugin",
                "service=plugin",
                "region=eu"
            ]
        );
        // errmon's own names win over everything after them, whatever a site declares.
        let l = ordered_labels(
            "f",
            "m",
            &[("outcome", "ok".into())],
            &[("outcome", "x"), ("function", "y")],
            &[],
        );
        assert_eq!(names(&l), ["function=f", "module=m", "outcome=ok"]);
    }
}
