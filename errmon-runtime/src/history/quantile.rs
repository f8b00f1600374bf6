//! Quantiles estimated from histogram buckets exactly as Prometheus' `histogram_quantile`
//! does (`promql/quantile.go`, `bucketQuantile`), so errmon, Grafana and the dashboard show
//! the same number for the same data:
//!
//! 1. the buckets are the exported ones (`le` bounds of `errmon_call_duration_seconds`, the
//!    configured [`Config::duration_buckets`](crate::Config::duration_buckets)), counted
//!    cumulatively, `+Inf` last;
//! 2. no observation: no value (Prometheus: `NaN`);
//! 3. the rank is `q × count`; the answer lies in the first bucket whose cumulative count
//!    reaches the rank;
//! 4. if that is the `+Inf` bucket, the answer is the highest finite bound;
//! 5. otherwise it is interpolated linearly inside the bucket, from its lower bound (the
//!    previous bucket's bound, or 0 for the first) to its upper bound.

use crate::record::grid::{BOUNDS, BOUNDS_NS, SLOTS};

/// The `q`-quantile, in seconds, of the durations counted per grid slot in `slots`, read
/// through the exported buckets whose grid indices are `buckets` (ascending). `None` when
/// nothing was counted or `q` is not within `0..=1`.
pub(crate) fn quantile(q: f64, slots: &[u64; SLOTS], buckets: &[usize]) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    // Cumulative counts at each exported bound, then `+Inf`.
    let mut cumulative = Vec::with_capacity(buckets.len() + 1);
    let mut total = 0u64;
    let mut next = 0usize;
    for &b in buckets {
        let b = b.min(BOUNDS - 1);
        while next <= b {
            total += slots[next];
            next += 1;
        }
        cumulative.push((BOUNDS_NS[b] as f64 / 1e9, total));
    }
    total += slots[next.min(SLOTS)..].iter().sum::<u64>();
    cumulative.push((f64::INFINITY, total));
    if total == 0 || cumulative.len() < 2 {
        return None;
    }
    let rank = q * total as f64;
    // The first bucket, `+Inf` left out, whose count reaches the rank (`sort.Search` over
    // `len - 1` buckets in Prometheus).
    let finite = cumulative.len() - 1;
    let b = cumulative[..finite]
        .iter()
        .position(|&(_, c)| c as f64 >= rank)
        .unwrap_or(finite);
    if b == finite {
        return Some(cumulative[finite - 1].0);
    }
    let (end, count_here) = cumulative[b];
    let (start, below) = if b == 0 {
        if end <= 0.0 {
            return Some(end);
        }
        (0.0, 0)
    } else {
        cumulative[b - 1]
    };
    let in_bucket = (count_here - below) as f64;
    let rank = rank - below as f64;
    Some(start + (end - start) * (rank / in_bucket))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::grid::slot;

    fn grid_index(seconds: f64) -> usize {
        BOUNDS_NS
            .iter()
            .position(|&ns| ns == (seconds * 1e9).round() as u64)
            .unwrap()
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket_as_prometheus_does() {
        let buckets: Vec<usize> = [0.01, 0.1, 1.0].map(grid_index).to_vec();
        let mut slots = [0u64; SLOTS];
        // 50 calls of 5 ms, 50 of 50 ms.
        slots[slot(5_000_000)] += 50;
        slots[slot(50_000_000)] += 50;
        // rank 50 of 100: the first bucket (le 0.01) holds exactly 50: its upper bound.
        assert_eq!(quantile(0.5, &slots, &buckets), Some(0.01));
        // rank 99: 49 of the 50 in (0.01, 0.1]: 0.01 + 0.09 × 49/50.
        let p99 = quantile(0.99, &slots, &buckets).unwrap();
        assert!((p99 - (0.01 + 0.09 * 49.0 / 50.0)).abs() < 1e-12, "{p99}");
        // rank 25: half-way into the first bucket, from 0.
        assert_eq!(quantile(0.25, &slots, &buckets), Some(0.005));
        assert_eq!(quantile(0.5, &[0; SLOTS], &buckets), None);
        assert_eq!(quantile(1.5, &slots, &buckets), None);
    }

    #[test]
    fn a_rank_in_the_inf_bucket_is_the_highest_finite_bound() {
        let buckets: Vec<usize> = [0.01, 0.1].map(grid_index).to_vec();
        let mut slots = [0u64; SLOTS];
        slots[slot(5_000_000)] += 1;
        slots[slot(5_000_000_000)] += 9;
        assert_eq!(quantile(0.99, &slots, &buckets), Some(0.1));
        assert_eq!(quantile(0.05, &slots, &buckets), Some(0.005));
    }
}
