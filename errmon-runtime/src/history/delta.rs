//! What happened to one function, route or the process in one interval, and its compact
//! encoding: a few bytes for a quiet interval, a few dozen for a busy one.
//!
//! A record is a flags byte saying which counters are not zero, those counters as LEB128
//! varints, then the duration slots that counted something (gap from the previous slot and
//! count), then the error series and severities when the interval had errors. Ten thousand
//! functions busy for an hour keep about 150 records each (`benches/memory.rs` measures it).

use crate::record::grid::SLOTS;

/// Counts of one interval (or of a window: deltas add up).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Delta {
    /// Finished calls (or counted calls, attempts, requests: see `history`).
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    pub(crate) panics: u64,
    pub(crate) cancelled: u64,
    pub(crate) retries: u64,
    pub(crate) exhausted: u64,
    /// Durations per grid slot, ascending, zeros left out.
    pub(crate) hist: Vec<(u8, u64)>,
    /// Errors per error series of the entity (its index), ascending, zeros left out.
    pub(crate) kinds: Vec<(u8, u64)>,
    /// Errors per severity (its index), ascending, zeros left out.
    pub(crate) severities: Vec<(u8, u64)>,
}

const COUNTERS: usize = 6;
const HIST: u8 = 1 << 6;
const EXTRA: u8 = 1 << 7;

impl Delta {
    fn counters(&self) -> [u64; COUNTERS] {
        [
            self.calls,
            self.errors,
            self.panics,
            self.cancelled,
            self.retries,
            self.exhausted,
        ]
    }

    fn counters_mut(&mut self) -> [&mut u64; COUNTERS] {
        [
            &mut self.calls,
            &mut self.errors,
            &mut self.panics,
            &mut self.cancelled,
            &mut self.retries,
            &mut self.exhausted,
        ]
    }

    /// The bytes [`encode`](Self::encode) appends.
    pub(crate) fn encoded_len(&self) -> usize {
        let mut n = Count(0);
        self.encode(&mut n);
        n.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.counters().iter().all(|&c| c == 0)
            && self.hist.is_empty()
            && self.kinds.is_empty()
            && self.severities.is_empty()
    }

    /// Adds `other` in.
    pub(crate) fn add(&mut self, other: &Delta) {
        for (a, b) in self.counters_mut().into_iter().zip(other.counters()) {
            *a = a.saturating_add(b);
        }
        merge(&mut self.hist, &other.hist);
        merge(&mut self.kinds, &other.kinds);
        merge(&mut self.severities, &other.severities);
    }

    /// Bytes its vectors hold, for the memory bench.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.hist.capacity() + self.kinds.capacity() + self.severities.capacity())
            * std::mem::size_of::<(u8, u64)>()
    }

    /// Durations of this delta as a dense grid.
    pub(crate) fn dense_hist(&self) -> [u64; SLOTS] {
        let mut out = [0; SLOTS];
        for &(slot, n) in &self.hist {
            if let Some(c) = out.get_mut(usize::from(slot)) {
                *c += n;
            }
        }
        out
    }

    /// Appends the encoding of this delta to `out`.
    pub(crate) fn encode(&self, out: &mut impl Extend<u8>) {
        let counters = self.counters();
        let mut flags = 0u8;
        for (i, &c) in counters.iter().enumerate() {
            if c != 0 {
                flags |= 1 << i;
            }
        }
        if !self.hist.is_empty() {
            flags |= HIST;
        }
        if !self.kinds.is_empty() || !self.severities.is_empty() {
            flags |= EXTRA;
        }
        out.extend([flags]);
        for c in counters.into_iter().filter(|&c| c != 0) {
            varint(c, out);
        }
        if flags & HIST != 0 {
            sparse(&self.hist, out);
        }
        if flags & EXTRA != 0 {
            sparse(&self.kinds, out);
            sparse(&self.severities, out);
        }
    }

    /// The six counters of the delta encoded at the front of `bytes` (calls, errors, panics,
    /// cancelled, retries, exhausted), its durations and series skipped without allocating.
    pub(crate) fn decode_counters(bytes: &mut impl Iterator<Item = u8>) -> Option<[u64; 6]> {
        let flags = bytes.next()?;
        let mut out = [0u64; COUNTERS];
        for (i, c) in out.iter_mut().enumerate() {
            if flags & (1 << i) != 0 {
                *c = read_varint(bytes)?;
            }
        }
        Some(out)
    }

    /// Decodes a delta from the front of `bytes`; `None` on bytes this module did not write.
    pub(crate) fn decode(bytes: &mut impl Iterator<Item = u8>) -> Option<Delta> {
        let flags = bytes.next()?;
        let mut d = Delta::default();
        for (i, c) in d.counters_mut().into_iter().enumerate() {
            if flags & (1 << i) != 0 {
                *c = read_varint(bytes)?;
            }
        }
        if flags & HIST != 0 {
            d.hist = read_sparse(bytes)?;
        }
        if flags & EXTRA != 0 {
            d.kinds = read_sparse(bytes)?;
            d.severities = read_sparse(bytes)?;
        }
        Some(d)
    }
}

/// Adds the sparse counts `b` into `a`, both ascending by index.
fn merge(a: &mut Vec<(u8, u64)>, b: &[(u8, u64)]) {
    if b.is_empty() {
        return;
    }
    if a.is_empty() {
        a.extend_from_slice(b);
        return;
    }
    // Most often `b`'s slots are among `a`'s (a function's durations stay in the same few
    // buckets): add in place, without a new vector.
    let mut at = 0;
    let within = b.iter().all(|&(i, _)| {
        while a.get(at).is_some_and(|&(j, _)| j < i) {
            at += 1;
        }
        a.get(at).is_some_and(|&(j, _)| j == i)
    });
    if within {
        let mut at = 0;
        for &(i, n) in b {
            while a[at].0 < i {
                at += 1;
            }
            a[at].1 = a[at].1.saturating_add(n);
        }
        return;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(&(x, n)), Some(&(y, m))) if x == y => {
                out.push((x, n.saturating_add(m)));
                i += 1;
                j += 1;
            }
            (Some(&(x, n)), Some(&(y, _))) if x < y => {
                out.push((x, n));
                i += 1;
            }
            (Some(&(x, n)), None) => {
                out.push((x, n));
                i += 1;
            }
            (_, Some(&(y, m))) => {
                out.push((y, m));
                j += 1;
            }
            (None, None) => break,
        }
    }
    *a = out;
}

/// Counts the bytes an encoder writes, so a record's length can precede it without a buffer.
struct Count(usize);

impl Extend<u8> for Count {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
        self.0 += bytes.into_iter().count();
    }
}

pub(crate) fn varint(mut v: u64, out: &mut impl Extend<u8>) {
    while v >= 0x80 {
        out.extend([(v as u8) | 0x80]);
        v >>= 7;
    }
    out.extend([v as u8]);
}

/// The bytes [`varint`] writes for `v`.
pub(crate) fn varint_len(v: u64) -> usize {
    (64 - v.max(1).leading_zeros() as usize).div_ceil(7)
}

pub(crate) fn read_varint(bytes: &mut impl Iterator<Item = u8>) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = bytes.next()?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn sparse(entries: &[(u8, u64)], out: &mut impl Extend<u8>) {
    varint(entries.len() as u64, out);
    let mut prev = 0u8;
    for &(i, n) in entries {
        out.extend([i.wrapping_sub(prev)]);
        varint(n, out);
        prev = i;
    }
}

fn read_sparse(bytes: &mut impl Iterator<Item = u8>) -> Option<Vec<(u8, u64)>> {
    let len = usize::try_from(read_varint(bytes)?).ok()?;
    let mut out = Vec::with_capacity(len.min(256));
    let mut prev = 0u8;
    for _ in 0..len {
        let i = prev.wrapping_add(bytes.next()?);
        out.push((i, read_varint(bytes)?));
        prev = i;
    }
    Some(out)
}

/// The sparse difference `now - base` of two dense arrays.
pub(crate) fn sparse_diff(now: &[u64], base: &[u64]) -> Vec<(u8, u64)> {
    let mut out = Vec::new();
    sparse_diff_into(now, base, &mut out);
    out
}

/// [`sparse_diff`] into `out`, replacing what it held but keeping its memory.
pub(crate) fn sparse_diff_into(now: &[u64], base: &[u64], out: &mut Vec<(u8, u64)>) {
    out.clear();
    out.extend(
        now.iter()
            .zip(base.iter().chain(std::iter::repeat(&0)))
            .enumerate()
            .filter_map(|(i, (&n, &b))| {
                let d = n.saturating_sub(b);
                (d > 0).then(|| (u8::try_from(i).unwrap_or(u8::MAX), d))
            }),
    );
}

/// `now - base`, entry by entry, of two sparse counts ascending by index, into `out`;
/// entries `base` lacks count from zero.
pub(crate) fn sparse_sub_into(now: &[(u8, u64)], base: &[(u8, u64)], out: &mut Vec<(u8, u64)>) {
    out.clear();
    let mut base = base.iter().peekable();
    out.extend(now.iter().filter_map(|&(i, n)| {
        while base.next_if(|&&(j, _)| j < i).is_some() {}
        let b = base.next_if(|&&(j, _)| j == i).map_or(0, |&(_, b)| b);
        (n > b).then(|| (i, n - b))
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_round_trip_and_quiet_ones_take_one_byte() {
        let busy = Delta {
            calls: 1_000,
            errors: 3,
            panics: 0,
            cancelled: 1,
            retries: 0,
            exhausted: 0,
            hist: vec![(10, 400), (11, 590), (40, 10)],
            kinds: vec![(0, 2), (3, 1)],
            severities: vec![(2, 3)],
        };
        let mut bytes = Vec::new();
        busy.encode(&mut bytes);
        assert!(bytes.len() < 30, "{}", bytes.len());
        assert_eq!(Delta::decode(&mut bytes.into_iter()), Some(busy));
        let mut quiet = Vec::new();
        Delta::default().encode(&mut quiet);
        assert_eq!(quiet, [0]);
        for v in [0, 1, 127, 128, 16_383, 16_384, u64::MAX] {
            let mut bytes = Vec::new();
            varint(v, &mut bytes);
            assert_eq!(varint_len(v), bytes.len(), "{v}");
        }
        assert_eq!(Delta::decode(&mut [0x81u8].into_iter()), None);
    }

    #[test]
    fn deltas_add_up_slot_by_slot() {
        let mut a = Delta {
            calls: 2,
            hist: vec![(1, 1), (5, 1)],
            ..Delta::default()
        };
        a.add(&Delta {
            calls: 3,
            hist: vec![(0, 1), (5, 2)],
            ..Delta::default()
        });
        assert_eq!(a.calls, 5);
        assert_eq!(a.hist, [(0, 1), (1, 1), (5, 3)]);
        assert_eq!(sparse_diff(&[5, 3, 3], &[5, 1]), [(1, 2), (2, 3)]);
    }
}
