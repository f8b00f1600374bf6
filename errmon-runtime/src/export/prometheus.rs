//! The Prometheus text exposition format (0.0.4) of a [`Model`]: counters are sums of shards,
//! histograms are sums of grid slots, at the configured bounds.

use std::fmt::Write as _;

use super::model::{Durations, Family, FamilyKind, Labels, Model, Value};

/// Appends `key="value"` with the exposition format's escapes.
fn push_label(out: &mut String, key: &str, value: &str) {
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

/// `k="v",...` for a series.
fn label_text(labels: &Labels<'_>) -> String {
    let mut s = String::with_capacity(96);
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_label(&mut s, k, v);
    }
    s
}

/// Renders every family of `model` into `out`, with `buckets` (bounds in seconds, each with
/// its index on the grid) as the bounds of duration histograms.
pub(crate) fn render(out: &mut String, model: &Model<'_>, buckets: &[(f64, usize)]) {
    for family in &model.families {
        render_family(out, family, buckets);
    }
}

fn render_family(out: &mut String, family: &Family<'_>, buckets: &[(f64, usize)]) {
    if family.series.is_empty() {
        return;
    }
    let name = family.name;
    let _ = writeln!(out, "# HELP {name} {}", family.help);
    let _ = writeln!(out, "# TYPE {name} {}", family.kind.as_str());
    for (labels, value) in &family.series {
        let labels = label_text(labels);
        match (family.kind, value) {
            (FamilyKind::Histogram, Value::Durations(d)) => {
                render_durations(out, name, &labels, d, buckets);
            }
            (_, Value::Number(v)) => {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
            // The model never pairs a histogram with a number or the reverse.
            _ => {}
        }
    }
}

fn render_durations(
    out: &mut String,
    name: &str,
    labels: &str,
    d: &Durations,
    buckets: &[(f64, usize)],
) {
    let mut running = 0;
    let mut next = 0;
    for &(le, grid) in buckets {
        running += d.slots[next..=grid].iter().sum::<u64>();
        next = grid + 1;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {running}");
    }
    let count = d.count();
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", seconds(d.sum_ns));
    let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
}

fn seconds(ns: u128) -> f64 {
    // Exact for sums below 2^53 ns (104 days of summed time); close enough past it.
    ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let labels: Labels<'_> = vec![("note", "a \"q\" b\\s\nn".into())];
        assert_eq!(label_text(&labels), r#"note="a \"q\" b\\s\nn""#);
    }
}
