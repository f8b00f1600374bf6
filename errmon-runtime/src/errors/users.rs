//! Distinct users affected by a group, in bounded memory: exact while few, then estimated.
//!
//! Up to [`EXACT_USERS`] users are kept as 64-bit hashes and counted exactly. Past that the set
//! turns into a HyperLogLog sketch of 2¹⁰ one-byte registers (1 KiB per group, a standard error
//! of about 3.3%), with the usual linear-counting correction for small counts, so a group hit by
//! a hundred thousand users costs the same memory as one hit by a thousand.

/// Users counted exactly before the count becomes an estimate.
pub(crate) const EXACT_USERS: usize = 64;

const P: u32 = 10;
const REGISTERS: usize = 1 << P;

#[derive(Clone, Debug, Default)]
pub(crate) enum DistinctUsers {
    #[default]
    None,
    Exact(Vec<u64>),
    Estimated(Box<[u8; REGISTERS]>),
}

impl DistinctUsers {
    pub(crate) fn insert(&mut self, user: &str) {
        let h = hash(user);
        match self {
            DistinctUsers::None => *self = DistinctUsers::Exact(vec![h]),
            DistinctUsers::Exact(set) => {
                if set.contains(&h) {
                    return;
                }
                if set.len() < EXACT_USERS {
                    set.push(h);
                    return;
                }
                let mut regs = Box::new([0u8; REGISTERS]);
                for &old in set.iter().chain([&h]) {
                    add(&mut regs, old);
                }
                *self = DistinctUsers::Estimated(regs);
            }
            DistinctUsers::Estimated(regs) => add(regs, h),
        }
    }

    /// The count, and whether it is an estimate.
    pub(crate) fn count(&self) -> (u64, bool) {
        match self {
            DistinctUsers::None => (0, false),
            DistinctUsers::Exact(set) => (set.len() as u64, false),
            DistinctUsers::Estimated(regs) => (estimate(regs), true),
        }
    }
}

fn add(regs: &mut [u8; REGISTERS], h: u64) {
    let idx = (h >> (64 - P)) as usize;
    // Leading zeros of the remaining bits, plus one; a sentinel bit bounds it.
    let rest = (h << P) | (1 << (P - 1));
    let rank = rest.leading_zeros() as u8 + 1;
    if rank > regs[idx] {
        regs[idx] = rank;
    }
}

fn estimate(regs: &[u8; REGISTERS]) -> u64 {
    let m = REGISTERS as f64;
    let sum: f64 = regs.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let raw = alpha * m * m / sum;
    let zeros = regs.iter().filter(|&&r| r == 0).count();
    let e = if raw <= 2.5 * m && zeros > 0 {
        m * (m / zeros as f64).ln()
    } else {
        raw
    };
    e.round() as u64
}

/// SplitMix64's finaliser over FNV-1a: well spread bits for the sketch, stable across runs.
fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_few_then_estimated_within_a_few_percent() {
        let mut u = DistinctUsers::default();
        assert_eq!(u.count(), (0, false));
        for i in 0..EXACT_USERS {
            u.insert(&format!("user-{i}"));
            u.insert(&format!("user-{i}"));
        }
        assert_eq!(u.count(), (EXACT_USERS as u64, false));
        for n in [1_000u64, 100_000] {
            let mut u = DistinctUsers::default();
            for i in 0..n {
                u.insert(&format!("user-{i}"));
            }
            let (est, estimated) = u.count();
            assert!(estimated);
            let err = (est as f64 - n as f64).abs() / n as f64;
            assert!(err < 0.1, "{n} users estimated as {est}");
        }
    }
}
