//! [`Policy`]: how many attempts, how long to wait between them and for how long at most; and
//! [`When`], which errors are retried.

use std::fmt::Debug;
#[cfg(feature = "tokio")]
use std::future::Future;
use std::time::Duration;

use super::{Backoff, Jitter, LazyEntropy, Retry};

/// A retry policy: how many attempts, how long to wait between them, and for how long at most.
/// `const`-constructible, so it can live in a `static`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    pub(super) attempts: u32,
    pub(super) backoff: Backoff,
    pub(super) jitter: Jitter,
    pub(super) max_elapsed: Option<Duration>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::new()
    }
}

impl Policy {
    /// The defaults of a bare `#[retry]`, chosen to be safe in production: 3 attempts,
    /// exponential backoff from 100 ms doubling up to 5 s, and full jitter, so a call runs its
    /// body at most 3 times and sleeps at most 300 ms in all. No wall-clock budget: set
    /// [`Policy::max_elapsed`] to bound calls whose body can take long (it costs one clock read
    /// per call).
    ///
    /// The numbers come from `errmon_rules::retry`, which `#[retry]` checks its arguments
    /// against at compile time, so the two cannot disagree.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errmon_runtime::retry::{Backoff, Jitter, Policy};
    ///
    /// assert_eq!(Policy::DEFAULT.max_attempts(), 3);
    /// assert_eq!(
    ///     Policy::DEFAULT.backoff_policy(),
    ///     Backoff::Exponential { initial: Duration::from_millis(100), factor: 2.0, max: Duration::from_secs(5) }
    /// );
    /// assert_eq!(Policy::DEFAULT.jitter_policy(), Jitter::Full);
    /// ```
    pub const DEFAULT: Policy = Policy {
        attempts: errmon_rules::retry::ATTEMPTS,
        backoff: Backoff::Exponential {
            initial: errmon_rules::retry::INITIAL,
            factor: errmon_rules::retry::FACTOR,
            max: errmon_rules::retry::MAX,
        },
        jitter: match Jitter::named(errmon_rules::retry::JITTER) {
            Some(jitter) => jitter,
            None => panic!("errmon_rules::retry::JITTER names no jitter"),
        },
        max_elapsed: None,
    };

    /// [`Policy::DEFAULT`].
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// How many times the operation may run, the first try included; `0` is taken as `1`.
    pub const fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// How delays grow.
    pub const fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How delays are randomised.
    pub const fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The most time a call may take, sleeps and attempts included, before it stops retrying.
    pub const fn max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = Some(max);
        self
    }

    /// No limit on the elapsed time; only `attempts` stops retrying.
    pub const fn unbounded_elapsed(mut self) -> Self {
        self.max_elapsed = None;
        self
    }

    /// The attempt budget, the first try included.
    pub const fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The backoff.
    pub const fn backoff_policy(&self) -> Backoff {
        self.backoff
    }

    /// The jitter.
    pub const fn jitter_policy(&self) -> Jitter {
        self.jitter
    }

    /// The wall-clock budget, if any.
    pub const fn elapsed_budget(&self) -> Option<Duration> {
        self.max_elapsed
    }

    /// A retry of this policy, to configure further (filter, random source, observation).
    #[inline]
    pub fn retry(&self) -> Retry<'_, Always, LazyEntropy> {
        Retry::new(self)
    }

    /// Runs `op` until it succeeds or the policy stops, sleeping with `std::thread::sleep`.
    pub fn run<T, E: Debug>(&self, op: impl FnMut() -> Result<T, E>) -> Result<T, E> {
        self.retry().run(op)
    }

    /// Runs the future `op` makes until one succeeds or the policy stops, sleeping with tokio's
    /// timer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use errmon_runtime::retry::Policy;
    /// let mut tries = 0;
    /// let r: Result<u8, &str> = Policy::new()
    ///     .run_async(|| { tries += 1; let t = tries; async move { if t < 2 { Err("no") } else { Ok(t) } } })
    ///     .await;
    /// assert_eq!(r, Ok(2));
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    pub async fn run_async<T, E: Debug, F: Future<Output = Result<T, E>>>(
        &self,
        op: impl FnMut() -> F,
    ) -> Result<T, E> {
        self.retry().run_async(op).await
    }
}

/// Which errors are retried.
pub trait When<E> {
    /// Whether `error` is worth another attempt.
    fn retry(&mut self, error: &E) -> bool;
}

/// Retries every error.
#[derive(Clone, Copy, Debug, Default)]
pub struct Always;

impl<E> When<E> for Always {
    fn retry(&mut self, _: &E) -> bool {
        true
    }
}

impl<E, F: FnMut(&E) -> bool> When<E> for F {
    fn retry(&mut self, error: &E) -> bool {
        self(error)
    }
}
