//! The bounded ring of the latest reports.

use std::collections::VecDeque;
use std::sync::Arc;

use super::report::Report;

#[derive(Debug)]
pub(crate) struct Ring {
    reports: VecDeque<Arc<Report>>,
    cap: usize,
}

impl Ring {
    pub(crate) fn new(cap: usize) -> Self {
        Ring {
            // Grows as reports arrive: a process with few errors keeps little.
            reports: VecDeque::new(),
            cap,
        }
    }

    /// Adds a report; returns the oldest when full, for the caller to free outside its lock.
    pub(crate) fn push(&mut self, report: Arc<Report>) -> Option<Arc<Report>> {
        let evicted = if self.reports.len() >= self.cap {
            self.reports.pop_front()
        } else {
            None
        };
        self.reports.push_back(report);
        evicted
    }

    /// Keeps the newest `cap` reports.
    pub(crate) fn resize(&mut self, cap: usize) {
        while self.reports.len() > cap {
            self.reports.pop_front();
        }
        self.reports.shrink_to(cap);
        self.cap = cap;
    }

    /// Newest first.
    pub(crate) fn newest(&self) -> impl Iterator<Item = &Arc<Report>> {
        self.reports.iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest() {
        let mut ring = Ring::new(2);
        let report = |ms| {
            let mut r = super::super::tracker::tests_support::report();
            r.unix_ms = ms;
            Arc::new(r)
        };
        for ms in 1..=3 {
            let _ = ring.push(report(ms));
        }
        assert_eq!(ring.newest().map(|r| r.unix_ms).collect::<Vec<_>>(), [3, 2]);
        ring.resize(1);
        assert_eq!(ring.newest().map(|r| r.unix_ms).collect::<Vec<_>>(), [3]);
    }
}
