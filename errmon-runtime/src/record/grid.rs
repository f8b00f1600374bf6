//! The fixed duration grid every call is recorded into.
//!
//! The hot path cannot afford to look up configured buckets, and calls made before `install()`
//! must not be lost, so every site records into one fixed, fine, log-linear grid: within each
//! decade from 1 µs to 100 s the bounds are 1.5, 2, 2.5, 3, 4, 5, 6, 7, 7.5, 8, 9 and 10 times
//! the decade. Exported buckets are sums of grid slots, so any exported bound that lies on the
//! grid is exact; [`crate::Config::duration_buckets`] only accepts such bounds.

/// Mantissas of the grid bounds within one decade, in tenths.
const MANTISSAS_TENTHS: [u64; 12] = [15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 100];

/// Decades covered: bounds of the form `m × 10^d` nanoseconds for `d` in `3..=10` (1 µs to 100 s).
const FIRST_DECADE: u32 = 3;
const DECADES: usize = 8;

/// Number of finite bounds: 1 µs, then 12 per decade.
pub(crate) const BOUNDS: usize = 1 + DECADES * MANTISSAS_TENTHS.len();

/// Number of slots: one per finite bound plus the overflow (`+Inf`) slot.
pub(crate) const SLOTS: usize = BOUNDS + 1;

/// Grid bounds in nanoseconds, ascending.
pub(crate) const BOUNDS_NS: [u64; BOUNDS] = bounds_ns();

const fn bounds_ns() -> [u64; BOUNDS] {
    let mut out = [0u64; BOUNDS];
    out[0] = 1_000;
    let mut d = 0;
    while d < DECADES {
        let scale = 10u64.pow(FIRST_DECADE + d as u32);
        let mut m = 0;
        while m < MANTISSAS_TENTHS.len() {
            out[1 + d * MANTISSAS_TENTHS.len() + m] = MANTISSAS_TENTHS[m] * scale / 10;
            m += 1;
        }
        d += 1;
    }
    out
}

/// Index of the slot counting a duration of `ns` nanoseconds: the first bound `>= ns`, or the
/// overflow slot. Branch-light: one `ilog10` and twelve comparisons.
#[inline]
pub(crate) fn slot(ns: u64) -> usize {
    if ns <= BOUNDS_NS[0] {
        return 0;
    }
    if ns > BOUNDS_NS[BOUNDS - 1] {
        return BOUNDS;
    }
    // ns - 1 so that a value equal to a decade bound (10^d) lands in the decade below,
    // whose last bound it is ("le" is inclusive).
    let decade = ((ns - 1).ilog10() - FIRST_DECADE) as usize;
    let row = &BOUNDS_NS[1 + decade * MANTISSAS_TENTHS.len()..][..MANTISSAS_TENTHS.len()];
    let below = row.iter().filter(|&&b| b < ns).count();
    1 + decade * MANTISSAS_TENTHS.len() + below
}

/// Position of `seconds` on the grid, if it is one of its bounds.
#[cfg(feature = "exporter")]
pub(crate) fn grid_index(seconds: f64) -> Option<usize> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return None;
    }
    let ns = seconds * 1e9;
    BOUNDS_NS
        .iter()
        .position(|&b| ((b as f64) - ns).abs() <= (b as f64) * 1e-9)
}

/// The grid bounds nearest to `seconds`, below and above, for error messages.
#[cfg(feature = "exporter")]
pub(crate) fn neighbours(seconds: f64) -> (Option<f64>, Option<f64>) {
    let ns = seconds * 1e9;
    let below = BOUNDS_NS.iter().rev().find(|&&b| (b as f64) < ns);
    let above = BOUNDS_NS.iter().find(|&&b| (b as f64) > ns);
    (
        below.map(|&b| b as f64 / 1e9),
        above.map(|&b| b as f64 / 1e9),
    )
}

/// The default exported buckets, in seconds: Prometheus client defaults, widened to 100 µs and
/// 30 s, as slot indices of the grid.
#[cfg(feature = "exporter")]
pub(crate) const DEFAULT_BUCKETS_SECONDS: [f64; 17] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_strictly_increasing_and_span_1us_to_100s() {
        assert_eq!(BOUNDS_NS[0], 1_000);
        assert_eq!(BOUNDS_NS[BOUNDS - 1], 100_000_000_000);
        assert!(BOUNDS_NS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn slot_is_the_first_bound_not_below_the_value() {
        for ns in [
            0, 1, 999, 1_000, 1_001, 1_500, 1_501, 9_999, 10_000, 10_001, 74_999, 75_000,
        ] {
            let expected = BOUNDS_NS.iter().position(|&b| ns <= b).unwrap_or(BOUNDS);
            assert_eq!(slot(ns), expected, "ns = {ns}");
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ns = x % 200_000_000_000;
            let expected = BOUNDS_NS.iter().position(|&b| ns <= b).unwrap_or(BOUNDS);
            assert_eq!(slot(ns), expected, "ns = {ns}");
        }
        assert_eq!(slot(u64::MAX), BOUNDS);
    }

    #[test]
    #[cfg(feature = "exporter")]
    fn default_buckets_lie_on_the_grid() {
        for b in DEFAULT_BUCKETS_SECONDS {
            assert!(grid_index(b).is_some(), "{b}");
        }
        assert_eq!(grid_index(0.0033), None);
        assert_eq!(neighbours(0.0033), (Some(0.003), Some(0.004)));
    }
}
