//! What a site recorded, summed over its shards.

use crate::record::grid;

use super::view::Kind;

/// How a call ended; the index into [`Snapshot::outcomes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutcomeLabel {
    /// Returned a value classified as success.
    Ok = 0,
    /// Returned a value classified as failure.
    Error = 1,
    /// Unwound with a panic.
    Panic = 2,
    /// An `async fn` whose future was dropped before it completed.
    Cancelled = 3,
}

impl OutcomeLabel {
    /// All outcomes, in label order.
    pub const ALL: [OutcomeLabel; 4] = [Self::Ok, Self::Error, Self::Panic, Self::Cancelled];

    /// The value of the `outcome` label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Panic => "panic",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Totals of one site, summed over its shards.
///
/// Durations are counted on a fixed grid of bounds from 1 µs to 100 s; [`Snapshot::durations`]
/// pairs each count with its bound, as a custom exporter needs them:
///
/// ```
/// #[errmon_runtime::timed]
/// fn render_invoice() {}
///
/// render_invoice();
/// let snap = errmon_runtime::sites::all()
///     .into_iter()
///     .find(|s| s.meta().function == "render_invoice" && s.meta().module == module_path!())
///     .unwrap()
///     .snapshot();
/// let buckets: Vec<(f64, u64)> = snap.cumulative_durations().collect();
/// // The last bucket is `+Inf` and holds every call.
/// assert_eq!(buckets.last(), Some(&(f64::INFINITY, 1)));
/// assert!(buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
/// assert_eq!(snap.durations().map(|(_, n)| n).sum::<u64>(), snap.count());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Snapshot {
    /// Calls counted on entry (`#[count_calls]`, `#[monitored]`).
    pub calls: u64,
    /// Completed calls by outcome, indexed by [`OutcomeLabel`] (`#[monitored]`).
    pub outcomes: [u64; 4],
    /// Duration histogram over the fixed grid (`#[timed]`, `#[monitored]`): the count of each
    /// slot, the `+Inf` slot last. [`Snapshot::durations`] pairs them with their bounds.
    pub slots: Option<Box<[u64; grid::SLOTS]>>,
    /// Exact sum of recorded durations, in nanoseconds.
    pub sum_ns: u64,
    /// Attempts that failed and were run again (`#[retry]`).
    pub retries: u64,
    /// Calls that ran out of attempts or time and returned their last error (`#[retry]`).
    pub exhausted: u64,
}

impl Snapshot {
    /// Nothing recorded, for a site of `kind`.
    pub(crate) fn zero(kind: Kind) -> Self {
        Snapshot {
            calls: 0,
            outcomes: [0; 4],
            slots: kind.has_durations().then(|| Box::new([0; grid::SLOTS])),
            sum_ns: 0,
            retries: 0,
            exhausted: 0,
        }
    }

    /// Calls started and not yet finished; never negative, even while shards are read.
    pub fn in_flight(&self) -> u64 {
        self.calls.saturating_sub(self.outcomes.iter().sum())
    }

    /// Number of recorded durations.
    pub fn count(&self) -> u64 {
        self.slots.as_ref().map_or(0, |s| s.iter().sum())
    }

    /// Completed calls that ended with `outcome`.
    pub fn outcome(&self, outcome: OutcomeLabel) -> u64 {
        self.outcomes[outcome as usize]
    }

    /// Recorded durations per grid slot: (upper bound in seconds, calls in the slot), in
    /// ascending order, the last bound `f64::INFINITY`. Empty for sites without durations.
    pub fn durations(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let bounds = grid::BOUNDS_NS
            .iter()
            .map(|&ns| ns as f64 / 1e9)
            .chain([f64::INFINITY]);
        self.slots
            .iter()
            .flat_map(move |slots| bounds.clone().zip(slots.iter().copied()))
    }

    /// [`Snapshot::durations`] as Prometheus buckets: (`le` in seconds, calls that took at most
    /// that long).
    pub fn cumulative_durations(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.durations().scan(0, |total, (le, n)| {
            *total += n;
            Some((le, *total))
        })
    }

    /// Sum of recorded durations in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_ns as f64 / 1e9
    }
}
