//! Backoff policies and jitter: which delay comes before each retry.

use std::time::Duration;

/// How the delay grows from one retry to the next, before jitter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backoff {
    /// The same delay before every retry.
    Constant {
        /// The delay.
        delay: Duration,
    },
    /// `initial`, `initial + step`, `initial + 2 × step`, ..., at most `max`.
    Linear {
        /// Delay before the first retry.
        initial: Duration,
        /// Added before each further retry.
        step: Duration,
        /// Cap.
        max: Duration,
    },
    /// `initial`, `initial × factor`, `initial × factor²`, ..., at most `max`.
    Exponential {
        /// Delay before the first retry.
        initial: Duration,
        /// Growth per retry; at least 1.
        factor: f64,
        /// Cap.
        max: Duration,
    },
}

impl Backoff {
    /// The delay before the first retry, and the floor of decorrelated jitter.
    pub const fn initial(&self) -> Duration {
        match *self {
            Backoff::Constant { delay } => delay,
            Backoff::Linear { initial, .. } | Backoff::Exponential { initial, .. } => initial,
        }
    }

    /// The largest delay the policy produces, jitter included.
    pub const fn cap(&self) -> Duration {
        match *self {
            Backoff::Constant { delay } => delay,
            Backoff::Linear { max, .. } | Backoff::Exponential { max, .. } => max,
        }
    }

    /// The delay before retry number `retry` (1 for the first retry), before jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errmon_runtime::retry::Backoff;
    ///
    /// let b = Backoff::Exponential {
    ///     initial: Duration::from_millis(100),
    ///     factor: 2.0,
    ///     max: Duration::from_secs(1),
    /// };
    /// assert_eq!(b.base(1), Duration::from_millis(100));
    /// assert_eq!(b.base(3), Duration::from_millis(400));
    /// assert_eq!(b.base(10), Duration::from_secs(1));
    /// ```
    pub fn base(&self, retry: u32) -> Duration {
        let n = retry.saturating_sub(1);
        match *self {
            Backoff::Constant { delay } => delay,
            Backoff::Linear { initial, step, max } => step
                .checked_mul(n)
                .and_then(|s| initial.checked_add(s))
                .map_or(max, |d| d.min(max)),
            Backoff::Exponential {
                initial,
                factor,
                max,
            } => {
                let scaled = initial.as_secs_f64()
                    * factor.max(1.0).powi(i32::try_from(n).unwrap_or(i32::MAX));
                if scaled.is_finite() && scaled < max.as_secs_f64() {
                    Duration::from_secs_f64(scaled)
                } else {
                    max
                }
            }
        }
    }
}

/// How much randomness spreads the delays of many clients retrying at once (the formulas of
/// AWS's "Exponential Backoff and Jitter"). `base` is the backoff's delay, `cap` its maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// `base`.
    None,
    /// Uniform in `[0, base]`.
    Full,
    /// `base / 2` plus uniform in `[0, base / 2]`.
    Equal,
    /// `min(cap, uniform in [initial, previous × 3])`, starting from `previous = initial`; the
    /// previous delay is kept per call.
    Decorrelated,
}

impl Jitter {
    /// The jitter written `name` in `#[retry(jitter = name)]`.
    pub(crate) const fn named(name: &str) -> Option<Jitter> {
        const fn eq(a: &str, b: &str) -> bool {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            if a.len() != b.len() {
                return false;
            }
            let mut i = 0;
            while i < a.len() {
                if a[i] != b[i] {
                    return false;
                }
                i += 1;
            }
            true
        }
        if eq(name, "none") {
            Some(Jitter::None)
        } else if eq(name, "full") {
            Some(Jitter::Full)
        } else if eq(name, "equal") {
            Some(Jitter::Equal)
        } else if eq(name, "decorrelated") {
            Some(Jitter::Decorrelated)
        } else {
            None
        }
    }
}

/// A source of random numbers for jitter; inject a seeded one for deterministic tests.
pub trait Random {
    /// A uniformly distributed 64-bit value.
    fn next_u64(&mut self) -> u64;
}

/// SplitMix64: small, fast and good enough to spread retries; not for cryptography.
///
/// ```
/// use errmon_runtime::retry::{Random, SplitMix64};
/// let mut a = SplitMix64::seeded(7);
/// let mut b = SplitMix64::seeded(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with a fixed seed.
    pub const fn seeded(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// A generator seeded differently for every call, so concurrent callers do not retry in step.
    pub fn from_entropy() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let local = &n as *const u64 as u64;
        SplitMix64(n ^ t.rotate_left(17) ^ local.rotate_left(41))
    }
}

/// A [`SplitMix64`] seeded from entropy on its first use, so a call that never retries never
/// pays for seeding.
#[derive(Clone, Debug, Default)]
pub struct LazyEntropy(Option<SplitMix64>);

impl Random for LazyEntropy {
    fn next_u64(&mut self) -> u64 {
        self.0
            .get_or_insert_with(SplitMix64::from_entropy)
            .next_u64()
    }
}

impl Random for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Uniform in `[lo, hi]` (or `lo` when `hi <= lo`), by multiply-shift to avoid modulo bias.
fn uniform(rng: &mut impl Random, lo: Duration, hi: Duration) -> Duration {
    let (lo_ns, hi_ns) = (lo.as_nanos(), hi.as_nanos());
    if hi_ns <= lo_ns {
        return lo;
    }
    let span = (hi_ns - lo_ns).min(u128::from(u64::MAX - 1)) + 1;
    let offset = (u128::from(rng.next_u64()) * span) >> 64;
    Duration::from_nanos(u64::try_from(lo_ns + offset).unwrap_or(u64::MAX))
}

/// The delays of one call: one per retry, with decorrelated jitter's state.
#[derive(Clone, Debug)]
pub struct Delays {
    backoff: Backoff,
    jitter: Jitter,
    retry: u32,
    previous: Duration,
}

impl Delays {
    /// The delays for a fresh call.
    pub fn new(backoff: Backoff, jitter: Jitter) -> Self {
        Delays {
            backoff,
            jitter,
            retry: 0,
            previous: backoff.initial(),
        }
    }

    /// The delay before the next retry.
    pub fn next_delay(&mut self, rng: &mut impl Random) -> Duration {
        self.retry = self.retry.saturating_add(1);
        let base = self.backoff.base(self.retry);
        match self.jitter {
            Jitter::None => base,
            Jitter::Full => uniform(rng, Duration::ZERO, base),
            Jitter::Equal => {
                let half = base / 2;
                half + uniform(rng, Duration::ZERO, base - half)
            }
            Jitter::Decorrelated => {
                let initial = self.backoff.initial();
                let hi = self.previous.saturating_mul(3).max(initial);
                let d = uniform(rng, initial, hi).min(self.backoff.cap());
                self.previous = d;
                d
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Jitter;

    #[test]
    fn every_jitter_the_macro_accepts_is_known_here() {
        let named: Vec<_> = errmon_rules::retry::JITTERS
            .iter()
            .map(|name| Jitter::named(name).unwrap_or_else(|| panic!("{name}")))
            .collect();
        assert_eq!(
            named,
            [
                Jitter::None,
                Jitter::Full,
                Jitter::Equal,
                Jitter::Decorrelated
            ]
        );
        assert_eq!(Jitter::named("fast"), None);
    }
}
