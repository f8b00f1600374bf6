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
//! | the process | error reports dropped, by reason; log lines dropped, by reason |
//!
//! Labels, always in this order: `function`, `module`, the family's own (`outcome`, or
//! `error_type` and `error_kind`), the site's static `labels(...)`, then the constant labels of
//! the `Config`. A name is never given twice on one series: the first one wins, so a static
//! label beats a constant label of the same name. `Config::validate` refuses that clash for
//! every site known at start-up; this rule covers sites that appear later (a library loaded
//! with `dlopen`), whose series then keep their own static value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::layout::{Group, Layout};
use crate::record::grid::SLOTS;
use crate::registry;
use crate::registry::{Kind, OutcomeLabel};

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

/// One metric family with its series keyed by their labels, as the bridge publishes them.
#[derive(Debug)]
pub(crate) struct Family<'a> {
    pub(crate) name: &'static str,
    pub(crate) kind: FamilyKind,
    pub(crate) series: BTreeMap<Labels<'a>, Value>,
}

/// A family's name, type and help text.
#[derive(Debug)]
pub(crate) struct FamilyDef {
    pub(crate) name: &'static str,
    pub(crate) kind: FamilyKind,
    pub(crate) help: &'static str,
}

/// Every errmon family, in the order they are rendered.
pub(crate) const FAMILIES: [FamilyDef; 10] = {
    use FamilyKind::{Counter, Gauge, Histogram};
    const fn def(name: &'static str, kind: FamilyKind, help: &'static str) -> FamilyDef {
        FamilyDef { name, kind, help }
    }
    [
        def(
            CALLS,
            Counter,
            "Calls of instrumented functions, counted when they start.",
        ),
        def(
            OUTCOMES,
            Counter,
            "Finished calls of #[monitored] functions by outcome: ok, error, panic or cancelled.",
        ),
        def(
            ERRORS,
            Counter,
            "Errors returned by #[monitored] functions by error type and kind.",
        ),
        def(
            IN_FLIGHT,
            Gauge,
            "Calls of #[monitored] functions started and not finished.",
        ),
        def(
            DURATION,
            Histogram,
            "Duration of calls of #[timed] and #[monitored] functions in seconds.",
        ),
        def(
            RETRY_ATTEMPTS,
            Counter,
            "Attempts of #[retry] functions, the first try included.",
        ),
        def(
            RETRIES,
            Counter,
            "Failed attempts of #[retry] functions that were run again.",
        ),
        def(
            RETRIES_EXHAUSTED,
            Counter,
            "Calls of #[retry] functions that ran out of attempts or time and returned their last error.",
        ),
        def(
            REPORTS_DROPPED,
            Counter,
            "Errors counted but given no stored report, by reason: filtered, rate_limited, sampled, scrubbed or busy.",
        ),
        def(
            LOG_LINES_DROPPED,
            Counter,
            "Log lines errmon's log writer did not write, by reason: queue_full, writer_gone or write_failed.",
        ),
    ]
};

const F_CALLS: usize = 0;
const F_OUTCOMES: usize = 1;
const F_ERRORS: usize = 2;
const F_IN_FLIGHT: usize = 3;
const F_DURATION: usize = 4;
const F_ATTEMPTS: usize = 5;
const F_RETRIES: usize = 6;
const F_EXHAUSTED: usize = 7;
/// The first family of the process as a whole rather than of its sites.
const F_DROPPED: usize = 8;
const F_LOG_DROPPED: usize = 9;

/// Outcomes in the order their series are rendered: by label value.
const OUTCOMES_BY_NAME: [OutcomeLabel; 4] = [
    OutcomeLabel::Cancelled,
    OutcomeLabel::Error,
    OutcomeLabel::Ok,
    OutcomeLabel::Panic,
];

/// What one group of sites recorded, summed over its sites. `None`: no site of the group
/// records into that family (a `#[timed]` site has no calls, a `#[count_calls]` site no
/// outcomes), so the group has no series there.
#[derive(Debug, Default)]
struct Values {
    calls: Option<u64>,
    outcomes: Option<[u64; 4]>,
    in_flight: Option<u64>,
    durations: Option<Durations>,
    /// (short type name, kind, count), sorted, each pair once.
    errors: Vec<(String, &'static str, u64)>,
    attempts: Option<u64>,
    retries: Option<u64>,
    exhausted: Option<u64>,
}

fn add(total: &mut Option<u64>, v: u64) {
    *total.get_or_insert(0) += v;
}

impl Values {
    /// Adds a snapshot's durations; the first site's slots are taken over, not copied, so a
    /// group of one site (the usual case) allocates nothing more.
    fn add_durations(&mut self, slots: Box<[u64; SLOTS]>, sum_ns: u64) {
        match &mut self.durations {
            None => {
                self.durations = Some(Durations {
                    slots,
                    sum_ns: u128::from(sum_ns),
                });
            }
            Some(d) => {
                for (total, n) in d.slots.iter_mut().zip(slots.iter()) {
                    *total += n;
                }
                d.sum_ns += u128::from(sum_ns);
            }
        }
    }

    fn collect(group: &Group) -> Self {
        let mut v = Values::default();
        for site in &group.sites {
            let mut snap = site.snapshot();
            match site.meta().kind {
                Kind::Count => add(&mut v.calls, snap.calls),
                Kind::Timed => {
                    if let Some(slots) = snap.slots.take() {
                        v.add_durations(slots, snap.sum_ns);
                    }
                }
                Kind::Monitored => {
                    add(&mut v.calls, snap.calls);
                    let o = v.outcomes.get_or_insert([0; 4]);
                    for (total, n) in o.iter_mut().zip(snap.outcomes) {
                        *total += n;
                    }
                    add(&mut v.in_flight, snap.in_flight());
                    if let Some(slots) = snap.slots.take() {
                        v.add_durations(slots, snap.sum_ns);
                    }
                    // Read per site, in the same walk as its snapshot, rather than through
                    // `registry::error_series()`, which would walk the registry again.
                    for (type_name, kind, count) in site.series_counts() {
                        v.errors.push((
                            registry::short_type_name_of(type_name).into_owned(),
                            kind,
                            count,
                        ));
                    }
                }
                Kind::Retry => {
                    add(&mut v.attempts, snap.calls);
                    add(&mut v.retries, snap.retries);
                    add(&mut v.exhausted, snap.exhausted);
                }
            }
        }
        if group.sites.len() > 1 || v.errors.len() > 1 {
            v.errors
                .sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            v.errors.dedup_by(|later, kept| {
                let same = later.0 == kept.0 && later.1 == kept.1;
                if same {
                    kept.2 += later.2;
                }
                same
            });
        }
        v
    }
}

/// The labels a family adds to a series, between the group's `head` and its tail.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Extra<'a> {
    None,
    Outcome(&'static str),
    Error(&'a str, &'static str),
    /// A series of the process, not of a site: `reason`, then the constant labels only.
    Reason(&'static str),
}

/// A series' value, borrowed from the model.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sample<'a> {
    Number(u64),
    Durations(&'a Durations),
}

/// Every series of every errmon family, as of one walk of the registry.
#[derive(Debug)]
pub(crate) struct Model<'a> {
    layout: Arc<Layout>,
    values: Vec<Values>,
    /// Error reports dropped, by reason: every reason, from start-up, so that `rate()` and
    /// `increase()` see the first drop.
    dropped: Vec<(&'static str, u64)>,
    /// Log lines dropped, by reason, likewise; none without the `logs` feature, which has no
    /// log writer.
    log_dropped: Vec<(&'static str, u64)>,
    const_labels: &'a [(String, String)],
}

impl<'a> Model<'a> {
    /// Walks the registry once, with a layout built for `const_labels`.
    pub(crate) fn collect(const_labels: &'a [(String, String)]) -> Self {
        Self::with_layout(Arc::new(Layout::build(const_labels)), const_labels)
    }

    /// Walks the sites of `layout` once; `const_labels` must be those it was built with.
    pub(crate) fn with_layout(layout: Arc<Layout>, const_labels: &'a [(String, String)]) -> Self {
        let values = layout.groups.iter().map(Values::collect).collect();
        let dropped = crate::errors::dropped_totals()
            .into_iter()
            .map(|(reason, n)| (reason.as_str(), n))
            .collect();
        #[cfg(feature = "logs")]
        let log_dropped = crate::log::dropped_by_reason()
            .into_iter()
            .map(|(reason, n)| (reason.as_str(), n))
            .collect();
        #[cfg(not(feature = "logs"))]
        let log_dropped = Vec::new();
        Model {
            layout,
            values,
            dropped,
            log_dropped,
            const_labels,
        }
    }

    /// Calls `f` for each series of `FAMILIES[family]`, in order.
    pub(crate) fn each_series(
        &self,
        family: usize,
        mut f: impl FnMut(&Group, Extra<'_>, Sample<'_>),
    ) {
        if family == F_DROPPED || family == F_LOG_DROPPED {
            let reasons = if family == F_DROPPED {
                &self.dropped
            } else {
                &self.log_dropped
            };
            for &(reason, n) in reasons {
                f(
                    &self.layout.process,
                    Extra::Reason(reason),
                    Sample::Number(n),
                );
            }
            return;
        }
        for (g, v) in self.layout.groups.iter().zip(&self.values) {
            let number = |n: Option<u64>| n.map(Sample::Number);
            match family {
                F_CALLS | F_IN_FLIGHT | F_ATTEMPTS | F_RETRIES | F_EXHAUSTED => {
                    let n = match family {
                        F_CALLS => v.calls,
                        F_IN_FLIGHT => v.in_flight,
                        F_ATTEMPTS => v.attempts,
                        F_RETRIES => v.retries,
                        _ => v.exhausted,
                    };
                    if let Some(s) = number(n) {
                        f(g, Extra::None, s);
                    }
                }
                F_OUTCOMES => {
                    if let Some(o) = &v.outcomes {
                        for label in OUTCOMES_BY_NAME {
                            f(
                                g,
                                Extra::Outcome(label.as_str()),
                                Sample::Number(o[label as usize]),
                            );
                        }
                    }
                }
                F_ERRORS => {
                    for (t, k, n) in &v.errors {
                        f(g, Extra::Error(t, k), Sample::Number(*n));
                    }
                }
                F_DURATION => {
                    if let Some(d) = &v.durations {
                        f(g, Extra::None, Sample::Durations(d));
                    }
                }
                _ => {}
            }
        }
    }

    /// Every family with its series keyed by labels in the model's order, for the bridge.
    pub(crate) fn families(&self) -> Vec<Family<'_>> {
        (0..FAMILIES.len())
            .map(|i| {
                let mut series = BTreeMap::new();
                self.each_series(i, |g, extra, sample| {
                    let extra: Vec<(&str, Cow<'_, str>)> = match extra {
                        Extra::None => Vec::new(),
                        Extra::Outcome(o) => vec![("outcome", o.into())],
                        Extra::Error(t, k) => vec![
                            ("error_type", Cow::Owned(t.to_owned())),
                            ("error_kind", k.into()),
                        ],
                        Extra::Reason(r) => {
                            let mut labels: Labels<'_> = vec![("reason", r.into())];
                            labels.extend(
                                self.const_labels
                                    .iter()
                                    .filter(|(k, _)| k != "reason")
                                    .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str()))),
                            );
                            if let Sample::Number(n) = sample {
                                series.insert(labels, Value::Number(n));
                            }
                            return;
                        }
                    };
                    let meta = g.first().meta();
                    let labels = ordered_labels(
                        meta.function,
                        meta.module,
                        &extra,
                        meta.labels,
                        self.const_labels,
                    );
                    let value = match sample {
                        Sample::Number(n) => Value::Number(n),
                        Sample::Durations(d) => Value::Durations(d.clone()),
                    };
                    series.insert(labels, value);
                });
                Family {
                    name: FAMILIES[i].name,
                    kind: FAMILIES[i].kind,
                    series,
                }
            })
            .collect()
    }
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
