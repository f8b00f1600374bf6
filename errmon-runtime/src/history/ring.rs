//! Records of consecutive intervals, oldest first, in one byte buffer: each record is its
//! length, the gap in intervals since the record before it, and its [`Delta`]. Intervals in
//! which nothing happened take no record at all.

use std::collections::VecDeque;

use super::delta::{Delta, read_varint, varint, varint_len};

/// The bytes of one record, as [`Ring::walk`] hands them to a decoder.
type Body<'r, 'a> =
    std::iter::Take<&'r mut std::iter::Copied<std::collections::vec_deque::Iter<'a, u8>>>;

#[derive(Debug, Default)]
pub(crate) struct Ring {
    bytes: VecDeque<u8>,
    /// The interval of the oldest record, when there is one.
    first: u64,
    /// The interval of the newest record, when there is one.
    last: u64,
    records: usize,
    /// Where the newest record starts, so it can be merged into.
    last_at: usize,
}

impl Ring {
    pub(crate) fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Bytes held, for the memory bench.
    #[cfg_attr(not(test), allow(dead_code, reason = "read by tests"))]
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Adds `delta` at `interval` (never older than the newest record), merging it into the
    /// newest record of the same interval, then drops records at or before `keep_after`.
    pub(crate) fn push(&mut self, interval: u64, delta: &Delta, keep_after: u64) {
        if self.records > 0 && interval <= self.last {
            self.merge_newest(delta);
        } else {
            let gap = if self.records == 0 {
                self.first = interval;
                0
            } else {
                interval - self.last
            };
            self.append(gap, delta);
            self.last = interval;
            self.records += 1;
        }
        self.age(keep_after);
    }

    /// Adds `delta` into the newest record, decoding only that one.
    fn merge_newest(&mut self, delta: &Delta) {
        let mut it = self.bytes.range(self.last_at..).copied();
        let newest = read_varint(&mut it).and_then(|_len| {
            let gap = read_varint(&mut it)?;
            Some((gap, Delta::decode(&mut it)?))
        });
        let Some((gap, mut merged)) = newest else {
            return self.clear();
        };
        merged.add(delta);
        self.bytes.truncate(self.last_at);
        self.append(gap, &merged);
    }

    fn append(&mut self, gap: u64, delta: &Delta) {
        // A pass appends a record for every busy function: the record is encoded into one
        // buffer reused by the thread (a byte at a time into the ring costs twice as much),
        // and its length counted first so it can lead without a copy.
        thread_local! {
            static RECORD: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        self.last_at = self.bytes.len();
        RECORD.with(|record| match record.try_borrow_mut() {
            Ok(mut record) => {
                record.clear();
                encode_record(gap, delta, &mut *record);
                self.bytes.extend(record.iter());
            }
            // Not reentrant in practice; encoding in place is only slower.
            Err(_) => encode_record(gap, delta, &mut self.bytes),
        });
    }

    /// Drops records at or before `keep_after`.
    pub(crate) fn age(&mut self, keep_after: u64) {
        while self.records > 0 && self.first <= keep_after {
            let mut it = self.bytes.iter().copied();
            let Some(len) = read_varint(&mut it) else {
                return self.clear();
            };
            let head = self.bytes.len() - it.len();
            let total = head + usize::try_from(len).unwrap_or(usize::MAX);
            if total > self.bytes.len() {
                return self.clear();
            }
            self.bytes.drain(..total);
            self.last_at = self.last_at.saturating_sub(total);
            self.records -= 1;
            if self.records == 0 {
                break;
            }
            // The next record's gap is relative to the one dropped.
            let mut it = self.bytes.iter().copied();
            let _len = read_varint(&mut it);
            self.first += read_varint(&mut it).unwrap_or(0);
        }
        if self.records == 0 {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.bytes = VecDeque::new();
        self.records = 0;
        self.last_at = 0;
    }

    /// Every record, oldest first: (interval, delta).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, Delta)> + '_ {
        self.walk(|body| Delta::decode(body))
    }

    /// Every record's counters, oldest first: (interval, [calls, errors, panics, cancelled,
    /// retries, exhausted]), without decoding durations or series.
    pub(crate) fn counts(&self) -> impl Iterator<Item = (u64, [u64; 6])> + '_ {
        self.walk(|body| Delta::decode_counters(body))
    }

    /// Every record, oldest first: its interval and what `decode` reads of its delta (the
    /// rest of the record is skipped).
    fn walk<'a, T: 'a>(
        &'a self,
        decode: fn(&mut Body<'_, 'a>) -> Option<T>,
    ) -> impl Iterator<Item = (u64, T)> + 'a {
        let mut bytes = self.bytes.iter().copied();
        let mut interval = self.first;
        let mut first = true;
        std::iter::from_fn(move || {
            let len = read_varint(&mut bytes)?;
            let mut body = bytes.by_ref().take(usize::try_from(len).ok()?);
            let gap = read_varint(&mut body)?;
            if !first {
                interval += gap;
            }
            first = false;
            let value = decode(&mut body)?;
            body.for_each(drop);
            Some((interval, value))
        })
    }

    /// The sum of records with an interval in `from..=to`.
    #[cfg(test)]
    fn sum(&self, from: u64, to: u64) -> Delta {
        let mut out = Delta::default();
        for (i, d) in self.iter() {
            if (from..=to).contains(&i) {
                out.add(&d);
            }
        }
        out
    }
}

/// A record: its length, the gap in intervals since the record before it, and the delta.
fn encode_record(gap: u64, delta: &Delta, out: &mut impl Extend<u8>) {
    varint((varint_len(gap) + delta.encoded_len()) as u64, out);
    varint(gap, out);
    delta.encode(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(n: u64) -> Delta {
        Delta {
            calls: n,
            ..Delta::default()
        }
    }

    #[test]
    fn records_merge_skip_gaps_and_age_out() {
        let mut r = Ring::default();
        r.push(100, &calls(1), 0);
        r.push(100, &calls(2), 0);
        r.push(103, &calls(4), 0);
        r.push(110, &calls(8), 0);
        let all: Vec<(u64, u64)> = r.iter().map(|(i, d)| (i, d.calls)).collect();
        assert_eq!(all, [(100, 3), (103, 4), (110, 8)]);
        assert_eq!(r.sum(101, 110).calls, 12);
        r.push(110, &calls(1), 100);
        let all: Vec<(u64, u64)> = r.iter().map(|(i, d)| (i, d.calls)).collect();
        assert_eq!(all, [(103, 4), (110, 9)]);
        r.push(200, &calls(1), 150);
        let all: Vec<(u64, u64)> = r.iter().map(|(i, d)| (i, d.calls)).collect();
        assert_eq!(all, [(200, 1)]);
        let counted: Vec<(u64, u64)> = r.counts().map(|(i, c)| (i, c[0])).collect();
        assert_eq!(counted, [(200, 1)]);
        r.push(300, &calls(1), 300);
        assert!(r.is_empty() && r.capacity() == 0);
    }
}
