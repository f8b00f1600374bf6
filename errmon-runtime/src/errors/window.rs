//! Rates over the last 1, 5 and 15 minutes from a fixed ring of per-interval counters: no
//! timestamp is kept per error, so memory stays the same however many errors arrive.
//!
//! Time is cut into intervals of [`INTERVAL_MS`]; the ring holds the last [`SLOTS`] of them
//! (15 minutes). A window's count is the sum of the intervals it covers, the current (partial)
//! one included, so it differs from Prometheus' `increase(errmon_errors_total[5m])` by at most
//! one interval's worth of errors at the window's old end.

/// Length of one interval.
pub(crate) const INTERVAL_MS: u64 = 10_000;
/// Intervals kept: 15 minutes.
pub(crate) const SLOTS: usize = 90;
/// The windows reported, in seconds.
pub(crate) const WINDOWS_SECS: [u64; 3] = [60, 300, 900];

#[derive(Clone, Debug)]
pub(crate) struct Window {
    counts: Box<[u32; SLOTS]>,
    /// The interval number (`ms / INTERVAL_MS`) of the newest slot written.
    head: u64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            counts: Box::new([0; SLOTS]),
            head: 0,
        }
    }
}

impl Window {
    /// Counts one event at `now_ms`.
    pub(crate) fn add(&mut self, now_ms: u64) {
        let interval = now_ms / INTERVAL_MS;
        self.advance(interval);
        // An event stamped before the head (a clock that went back) counts in the head's slot.
        let slot = (self.head % SLOTS as u64) as usize;
        self.counts[slot] = self.counts[slot].saturating_add(1);
    }

    fn advance(&mut self, interval: u64) {
        if interval <= self.head {
            return;
        }
        let gap = interval - self.head;
        if gap >= SLOTS as u64 {
            self.counts.fill(0);
        } else {
            for i in self.head + 1..=interval {
                self.counts[(i % SLOTS as u64) as usize] = 0;
            }
        }
        self.head = interval;
    }

    /// Events in the last 1, 5 and 15 minutes as of `now_ms`.
    pub(crate) fn counts(&self, now_ms: u64) -> [u64; 3] {
        let now = now_ms / INTERVAL_MS;
        WINDOWS_SECS.map(|secs| {
            let span = secs * 1000 / INTERVAL_MS;
            // Intervals `now - span + 1 ..= now` that the ring still holds.
            let oldest = (now + 1).saturating_sub(span);
            (oldest..=now.min(self.head))
                .filter(|&i| self.head - i < SLOTS as u64)
                .map(|i| u64::from(self.counts[(i % SLOTS as u64) as usize]))
                .sum()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    #[test]
    fn windows_count_what_happened_within_them() {
        let mut w = Window::default();
        let t0 = 1_000 * MIN;
        for i in 0..20 {
            // One error every 30 s for 10 minutes.
            w.add(t0 + i * 30_000);
        }
        let now = t0 + 19 * 30_000;
        assert_eq!(w.counts(now), [2, 10, 20]);
        // Ten quiet minutes later only the 15-minute window still sees the older errors.
        let later = now + 10 * MIN;
        assert_eq!(w.counts(later), [0, 0, 10]);
        // After the ring went round, nothing is left.
        assert_eq!(w.counts(now + 16 * MIN), [0, 0, 0]);
        w.add(now + 16 * MIN);
        assert_eq!(w.counts(now + 16 * MIN), [1, 1, 1]);
    }
}
