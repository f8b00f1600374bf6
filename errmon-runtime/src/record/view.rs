//! The read-only view of a site, for custom exporters and tests: what it is ([`Meta`]) and what
//! it recorded ([`Site::snapshot`]). Users reach sites only through this view; the write side
//! is the macros' (`__private::Site`).

use super::shard::{Cells, LazyCells};
use super::snapshot::Snapshot;

/// What an attribute records at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `#[count_calls]`: calls, counted on entry.
    Count,
    /// `#[timed]`: a duration histogram.
    Timed,
    /// `#[monitored]`: calls, outcomes, errors, durations and calls in flight.
    Monitored,
    /// `#[retry]`: attempts (in `calls`), retries and exhausted retries.
    Retry,
}

impl Kind {
    /// Whether sites of this kind record durations.
    pub const fn has_durations(self) -> bool {
        matches!(self, Kind::Timed | Kind::Monitored)
    }
}

/// Static facts about a site, fixed at compile time. Fields may be added: only the code the
/// macros generate builds it, and it cannot be matched exhaustively outside errmon.
///
/// ```
/// #[errmon_runtime::monitored(labels(tier = "gold"))]
/// fn charge() {}
///
/// let site = errmon_runtime::sites::all()
///     .into_iter()
///     .find(|s| s.meta().function == "charge" && s.meta().module == module_path!())
///     .unwrap();
/// let meta = site.meta();
/// assert_eq!(meta.kind, errmon_runtime::sites::Kind::Monitored);
/// assert_eq!(meta.labels, &[("tier", "gold")]);
/// assert!(meta.file.ends_with(".rs") && meta.line > 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Meta {
    /// The `function` label: the function's name, `Type::method` in an annotated `impl`, or
    /// the `name = "..."` given.
    pub function: &'static str,
    /// The `module` label (`module_path!()`).
    pub module: &'static str,
    /// Source file of the function.
    pub file: &'static str,
    /// Source line of the function.
    pub line: u32,
    /// What the site records.
    pub kind: Kind,
    /// Extra labels from `labels(key = "value", ...)`.
    pub labels: &'static [(&'static str, &'static str)],
}

impl Meta {
    /// For the code the macros generate, which builds each site's facts in a `const`
    /// context; not for users (fields may be added).
    #[doc(hidden)]
    pub const fn __new(
        function: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        kind: Kind,
        labels: &'static [(&'static str, &'static str)],
    ) -> Self {
        Meta {
            function,
            module,
            file,
            line,
            kind,
            labels,
        }
    }
}

/// One instrumented function as errmon sees it: read-only, listed by [`crate::sites::all`].
///
/// Only the code the attribute macros generate records into a site; a view cannot:
///
/// ```compile_fail,E0599
/// #[errmon_runtime::count_calls]
/// fn ping() {}
///
/// let site = errmon_runtime::sites::all()[0];
/// site.count();
/// ```
pub struct Site {
    meta: Meta,
    cells: LazyCells,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("meta", &self.meta)
            .field("called", &self.cells.get().is_some())
            .finish()
    }
}

impl Site {
    pub(crate) const fn new(meta: Meta) -> Self {
        Site {
            meta,
            cells: LazyCells::new(),
        }
    }

    /// Static facts about this site.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Totals so far; zeros when the function has not been called yet (which allocates no
    /// shards).
    pub fn snapshot(&self) -> Snapshot {
        match self.cells.get() {
            Some(cells) => cells.snapshot(self.meta.kind),
            None => Snapshot::zero(self.meta.kind),
        }
    }

    /// [`Site::snapshot`] without allocating, for periodic readers: calls, the four outcomes,
    /// retries and exhausted retries, the durations added into `slots`, and the site's
    /// [`activity`](Self::activity) as of the same read; `None` before the first call.
    pub(crate) fn totals(&self, slots: &mut [u64; super::grid::SLOTS]) -> Option<([u64; 7], u64)> {
        self.cells.get().map(|c| c.totals(slots))
    }

    /// A number that changes whenever the site records anything (a sum of its counters and
    /// of its durations), cheaper to read than a snapshot; `None` until its first call.
    pub(crate) fn activity(&self) -> Option<u64> {
        self.cells.get().map(Cells::activity)
    }

    /// Errors returned so far by severity, indexed as `Severity::ALL`.
    pub(crate) fn error_severities(&self) -> [u64; super::Severity::ALL.len()] {
        self.cells
            .get()
            .map_or([0; super::Severity::ALL.len()], Cells::error_severities)
    }

    /// Errors returned so far: (full type name, kind, count) per series.
    pub(crate) fn series_counts(&self) -> Vec<(&'static str, &'static str, u64)> {
        self.cells
            .get()
            .map(Cells::series_counts)
            .unwrap_or_default()
    }

    /// The cells calls record into, allocated and registered on the first call.
    #[inline]
    pub(crate) fn cells(&'static self) -> &'static Cells {
        match self.cells.get() {
            Some(cells) => cells,
            None => self.first_call(),
        }
    }

    // Out of line, so the hot path neither reads the kind nor builds the closure.
    #[cold]
    #[inline(never)]
    fn first_call(&'static self) -> &'static Cells {
        self.cells
            .init(self.meta.kind, || super::sites::register(self))
    }
}
