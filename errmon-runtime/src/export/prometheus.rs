//! Prometheus text exposition (format 0.0.4) of errmon's own families, rendered exactly from the
//! registry: counters are sums of shards, histograms are sums of grid slots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::registry::{self, ErrorSeries};
use crate::site::{Kind, OutcomeLabel, Site, Snapshot};

/// What rendering needs from the configuration.
#[derive(Clone, Debug)]
pub(crate) struct RenderOptions {
    /// Exported bucket bounds in seconds, each with its index on the fixed grid.
    pub buckets: Vec<(f64, usize)>,
    /// Labels added to every series, such as `service`.
    pub const_labels: Vec<(String, String)>,
}

pub(crate) const CALLS: &str = "errmon_calls_total";
pub(crate) const OUTCOMES: &str = "errmon_call_outcomes_total";
pub(crate) const ERRORS: &str = "errmon_errors_total";
pub(crate) const IN_FLIGHT: &str = "errmon_calls_in_flight";
pub(crate) const DURATION: &str = "errmon_call_duration_seconds";
pub(crate) const RETRY_ATTEMPTS: &str = "errmon_retry_attempts_total";
pub(crate) const RETRIES: &str = "errmon_retries_total";
pub(crate) const RETRIES_EXHAUSTED: &str = "errmon_retries_exhausted_total";

/// One metric family: series keyed by their rendered label set, so two sites that share labels
/// (the same function name in two `impl` blocks of one module) add up instead of repeating a
/// series, which Prometheus would reject.
struct Family<V> {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    series: BTreeMap<String, V>,
}

impl<V> Family<V> {
    fn new(name: &'static str, kind: &'static str, help: &'static str) -> Self {
        Family {
            name,
            help,
            kind,
            series: BTreeMap::new(),
        }
    }

    fn header(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
    }
}

impl Family<u64> {
    fn add(&mut self, labels: String, v: u64) {
        *self.series.entry(labels).or_default() += v;
    }

    fn render(&self, out: &mut String) {
        if self.series.is_empty() {
            return;
        }
        self.header(out);
        for (labels, v) in &self.series {
            let _ = writeln!(out, "{}{{{labels}}} {v}", self.name);
        }
    }
}

struct Hist {
    cumulative: Vec<u64>,
    count: u64,
    sum_ns: u128,
}

impl Family<Hist> {
    fn add(&mut self, labels: String, snap: &Snapshot, buckets: &[(f64, usize)]) {
        let Some(slots) = &snap.slots else { return };
        let h = self.series.entry(labels).or_insert_with(|| Hist {
            cumulative: vec![0; buckets.len()],
            count: 0,
            sum_ns: 0,
        });
        let mut running = 0;
        let mut next = 0;
        for (b, (_, grid)) in buckets.iter().enumerate() {
            running += slots[next..=*grid].iter().sum::<u64>();
            next = grid + 1;
            h.cumulative[b] += running;
        }
        h.count += snap.count();
        h.sum_ns += u128::from(snap.sum_ns);
    }

    fn render(&self, out: &mut String, buckets: &[(f64, usize)]) {
        if self.series.is_empty() {
            return;
        }
        self.header(out);
        let name = self.name;
        for (labels, h) in &self.series {
            for ((le, _), c) in buckets.iter().zip(&h.cumulative) {
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {c}");
            }
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", seconds(h.sum_ns));
            let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
        }
    }
}

fn seconds(ns: u128) -> f64 {
    // Exact for sums below 2^53 ns (104 days of summed time); close enough past it.
    ns as f64 / 1e9
}

/// Appends `key="value"` with the exposition format's escapes.
pub(crate) fn push_label(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push(',');
    }
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Labeler<'a> {
    opts: &'a RenderOptions,
}

impl Labeler<'_> {
    /// `function`, `module`, then `extra`, then the site's static labels and the constant ones.
    fn labels(&self, site: &Site, extra: &[(&str, &str)]) -> String {
        let meta = site.meta();
        let mut s = String::with_capacity(96);
        push_label(&mut s, "function", meta.function);
        push_label(&mut s, "module", meta.module);
        for (k, v) in extra {
            push_label(&mut s, k, v);
        }
        for (k, v) in meta.labels {
            push_label(&mut s, k, v);
        }
        for (k, v) in &self.opts.const_labels {
            push_label(&mut s, k, v);
        }
        s
    }
}

/// Renders every errmon family into `out`.
pub(crate) fn render(out: &mut String, opts: &RenderOptions) {
    let l = Labeler { opts };
    let mut calls: Family<u64> = Family::new(
        CALLS,
        "counter",
        "Calls of instrumented functions, counted when they start.",
    );
    let mut outcomes: Family<u64> = Family::new(
        OUTCOMES,
        "counter",
        "Finished calls of #[monitored] functions by outcome: ok, error, panic or cancelled.",
    );
    let mut in_flight: Family<u64> = Family::new(
        IN_FLIGHT,
        "gauge",
        "Calls of #[monitored] functions started and not finished.",
    );
    let mut errors: Family<u64> = Family::new(
        ERRORS,
        "counter",
        "Errors returned by #[monitored] functions by error type and kind.",
    );
    let mut durations: Family<Hist> = Family::new(
        DURATION,
        "histogram",
        "Duration of calls of #[timed] and #[monitored] functions in seconds.",
    );

    let mut attempts: Family<u64> = Family::new(
        RETRY_ATTEMPTS,
        "counter",
        "Attempts of #[retry] functions, the first try included.",
    );
    let mut retries: Family<u64> = Family::new(
        RETRIES,
        "counter",
        "Failed attempts of #[retry] functions that were run again.",
    );
    let mut exhausted: Family<u64> = Family::new(
        RETRIES_EXHAUSTED,
        "counter",
        "Calls of #[retry] functions that ran out of attempts or time and returned their last error.",
    );

    for site in registry::sites() {
        let snap = site.snapshot();
        match site.meta().kind {
            Kind::Count => calls.add(l.labels(site, &[]), snap.calls),
            Kind::Timed => durations.add(l.labels(site, &[]), &snap, &opts.buckets),
            Kind::Monitored => {
                calls.add(l.labels(site, &[]), snap.calls);
                for o in OutcomeLabel::ALL {
                    outcomes.add(
                        l.labels(site, &[("outcome", o.as_str())]),
                        snap.outcomes[o as usize],
                    );
                }
                in_flight.add(l.labels(site, &[]), snap.in_flight());
                durations.add(l.labels(site, &[]), &snap, &opts.buckets);
            }
            Kind::Retry => {
                attempts.add(l.labels(site, &[]), snap.calls);
                retries.add(l.labels(site, &[]), snap.retries);
                exhausted.add(l.labels(site, &[]), snap.exhausted);
            }
        }
    }
    for ErrorSeries {
        site,
        error_type,
        error_kind,
        count,
    } in registry::errors()
    {
        errors.add(
            l.labels(
                site,
                &[("error_type", &error_type), ("error_kind", error_kind)],
            ),
            count,
        );
    }

    calls.render(out);
    outcomes.render(out);
    errors.render(out);
    in_flight.render(out);
    durations.render(out, &opts.buckets);
    attempts.render(out);
    retries.render(out);
    exhausted.render(out);
}
