//! The Prometheus text exposition format (0.0.4) of a [`Model`]: counters are sums of shards,
//! histograms are sums of grid slots, at the configured bounds.
//!
//! Written for 10,000 functions and more: each series' label text is copied from the pieces
//! its group prepared once (`layout.rs`), numbers are formatted without `fmt`, and the
//! output grows in one buffer sized from the previous scrape.

use std::fmt::Write as _;

use super::layout::{Group, push_label};
use super::model::{Durations, Extra, FAMILIES, FamilyKind, Model, Sample};

/// Past this many bytes, `render` hands its output to `flush`.
pub(crate) const CHUNK: usize = 64 * 1024;

/// Renders every family of `model` into `out`, with `buckets` (bounds in seconds, each with
/// its index on the grid) as the bounds of duration histograms. Whenever `out` holds more
/// than [`CHUNK`] bytes, after a whole series, it calls `flush`, which may take the text away
/// (compressing it as it goes) or leave it to grow; what is left at the end is the caller's.
pub(crate) fn render(
    out: &mut String,
    model: &Model<'_>,
    buckets: &[(f64, usize)],
    flush: &mut dyn FnMut(&mut String),
) {
    let le: Vec<String> = buckets
        .iter()
        .map(|(b, _)| format!(",le=\"{b}\"}} "))
        .collect();
    let mut labels = String::with_capacity(256);
    for (i, family) in FAMILIES.iter().enumerate() {
        let mut header = false;
        model.each_series(i, |group, extra, sample| {
            if !header {
                header = true;
                for line in [
                    ["# HELP ", family.name, " ", family.help, "\n"],
                    ["# TYPE ", family.name, " ", family.kind.as_str(), "\n"],
                ] {
                    line.iter().for_each(|s| out.push_str(s));
                }
            }
            label_text(&mut labels, group, extra);
            match (family.kind, sample) {
                (FamilyKind::Histogram, Sample::Durations(d)) => {
                    render_durations(out, family.name, &labels, d, buckets, &le);
                }
                (_, Sample::Number(v)) if labels.is_empty() => line(out, &[family.name, " "], v),
                (_, Sample::Number(v)) => {
                    line(out, &[family.name, "{", &labels, "} "], v);
                }
                // The model never pairs a histogram with a number or the reverse.
                _ => {}
            }
            if out.len() >= CHUNK {
                flush(out);
            }
        });
    }
}

/// `k="v",...` of a series into `out`, replacing what it held.
fn label_text(out: &mut String, group: &Group, extra: Extra<'_>) {
    out.clear();
    out.push_str(&group.head);
    match extra {
        Extra::None => out.push_str(&group.tail),
        Extra::Outcome(o) => {
            out.push(',');
            push_label(out, "outcome", o);
            out.push_str(&group.tail_outcome);
        }
        Extra::Error(t, k) => {
            out.push(',');
            push_label(out, "error_type", t);
            out.push(',');
            push_label(out, "error_kind", k);
            out.push_str(&group.tail_error);
        }
        Extra::Reason(r) => {
            push_label(out, "reason", r);
            out.push_str(&group.tail);
        }
    }
}

/// The pieces, then the number, then a newline.
pub(super) fn line(out: &mut String, pieces: &[&str], n: u64) {
    pieces.iter().for_each(|p| out.push_str(p));
    push_u64(out, n);
    out.push('\n');
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits are UTF-8.
    out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

pub(super) fn render_durations(
    out: &mut String,
    name: &str,
    labels: &str,
    d: &Durations,
    buckets: &[(f64, usize)],
    le: &[String],
) {
    let mut running = 0;
    let mut next = 0;
    for (&(_, grid), le) in buckets.iter().zip(le) {
        running += d.slots[next..=grid].iter().sum::<u64>();
        next = grid + 1;
        line(out, &[name, "_bucket{", labels, le], running);
    }
    let count = d.count();
    line(out, &[name, "_bucket{", labels, ",le=\"+Inf\"} "], count);
    out.push_str(name);
    out.push_str("_sum{");
    out.push_str(labels);
    out.push_str("} ");
    let _ = writeln!(out, "{}", seconds(d.sum_ns));
    line(out, &[name, "_count{", labels, "} "], count);
}

/// Seconds as Prometheus parses them: exact for sums below 2^53 ns (104 days of summed
/// time), close enough past it.
fn seconds(ns: u128) -> f64 {
    ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 12345, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
