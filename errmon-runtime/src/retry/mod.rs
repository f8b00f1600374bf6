//! Retries with backoff and jitter, observed: the runtime behind `#[retry(...)]`, usable by hand.
//!
//! ```
//! use std::time::Duration;
//! use errmon_runtime::retry::{Backoff, Jitter, Policy};
//!
//! const POLICY: Policy = Policy::new()
//!     .attempts(4)
//!     .backoff(Backoff::Exponential {
//!         initial: Duration::from_millis(1),
//!         factor: 2.0,
//!         max: Duration::from_millis(10),
//!     })
//!     .jitter(Jitter::Full);
//!
//! let mut calls = 0;
//! let result: Result<u32, &str> = POLICY.run(|| {
//!     calls += 1;
//!     if calls < 3 { Err("flaky") } else { Ok(calls) }
//! });
//! assert_eq!(result, Ok(3));
//! ```
//!
//! Semantics: the operation runs again on `Err` while the `when` filter accepts the error (every
//! error by default), the attempt budget (`attempts` counts the first try) and the wall-clock
//! budget (`max_elapsed`, including time spent in the operation) allow it. The result is the
//! first `Ok`, the first error the filter rejects, or the last error. There is no sleep after
//! the last attempt, and none that would end past `max_elapsed`.

mod backoff;
pub(crate) mod kind;
pub(crate) mod show;

use std::fmt::Debug;
use std::future::Future;
use std::ops::ControlFlow;
use std::time::Duration;

pub use backoff::{Backoff, Delays, Jitter, LazyEntropy, Random, SplitMix64};
pub use kind::KindOf;
pub use show::Show;

use crate::common::clock;
use crate::record::Callsite as Site;

/// A retry policy: how many attempts, how long to wait between them, and for how long at most.
/// `const`-constructible, so it can live in a `static`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    attempts: u32,
    backoff: Backoff,
    jitter: Jitter,
    max_elapsed: Option<Duration>,
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
        Retry {
            policy: self,
            when: Always,
            rng: LazyEntropy::default(),
            site: None,
        }
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

/// The clock and sleep of synchronous retries; inject a fake one for tests without waiting.
pub trait Timer {
    /// Time since the call started.
    fn elapsed(&self) -> Duration;
    /// Waits for `delay`.
    fn sleep(&mut self, delay: Duration);
}

/// `std::thread::sleep`, and a monotonic clock started with the call when the policy has a
/// wall-clock budget. Reading a clock is most of what a retry costs when nothing fails, so a
/// policy without `max_elapsed` reads none.
#[derive(Clone, Copy, Debug)]
pub struct StdTimer(Option<quanta::Instant>);

impl StdTimer {
    /// A timer started now.
    #[inline]
    pub fn start() -> Self {
        StdTimer(Some(clock::now()))
    }

    /// A timer without a clock: `elapsed` is always zero.
    #[inline]
    pub fn unclocked() -> Self {
        StdTimer(None)
    }

    /// Started now when `policy` has a wall-clock budget, else without a clock.
    #[inline]
    pub fn for_policy(policy: &Policy) -> Self {
        if policy.max_elapsed.is_some() {
            Self::start()
        } else {
            Self::unclocked()
        }
    }
}

impl Timer for StdTimer {
    fn elapsed(&self) -> Duration {
        self.0.map_or(Duration::ZERO, clock::elapsed)
    }

    fn sleep(&mut self, delay: Duration) {
        std::thread::sleep(delay);
    }
}

/// The clock and sleep of asynchronous retries.
pub trait AsyncTimer {
    /// The future that sleeps.
    type Sleep: Future<Output = ()>;
    /// Time since the call started.
    fn elapsed(&self) -> Duration;
    /// A future that completes after `delay`.
    fn sleep(&mut self, delay: Duration) -> Self::Sleep;
}

/// An [`AsyncTimer`] from any `fn(Duration) -> impl Future`, such as `tokio::time::sleep`;
/// clocked like [`StdTimer`].
#[derive(Clone, Copy, Debug)]
pub struct SleepFn<F> {
    sleep: F,
    start: Option<quanta::Instant>,
}

impl<F> SleepFn<F> {
    /// A timer started now that sleeps with `sleep`.
    #[inline]
    pub fn new(sleep: F) -> Self {
        SleepFn {
            sleep,
            start: Some(clock::now()),
        }
    }

    /// Started now when `policy` has a wall-clock budget, else without a clock.
    #[inline]
    pub fn for_policy(sleep: F, policy: &Policy) -> Self {
        SleepFn {
            sleep,
            start: policy.max_elapsed.map(|_| clock::now()),
        }
    }
}

impl<F: FnMut(Duration) -> S, S: Future<Output = ()>> AsyncTimer for SleepFn<F> {
    type Sleep = S;

    fn elapsed(&self) -> Duration {
        self.start.map_or(Duration::ZERO, clock::elapsed)
    }

    fn sleep(&mut self, delay: Duration) -> S {
        (self.sleep)(delay)
    }
}

/// One call's retry: the policy with its filter, random source and observation.
pub struct Retry<'p, W, R> {
    policy: &'p Policy,
    when: W,
    rng: R,
    site: Option<&'static Site>,
}

/// What to do after an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Sleep this long, then run the next attempt.
    Retry(Duration),
    /// Return the error.
    Stop,
}

impl<'p, W, R: Random> Retry<'p, W, R> {
    /// Retries only errors for which `when` returns `true`.
    pub fn when<E, W2: FnMut(&E) -> bool>(self, when: W2) -> Retry<'p, W2, R> {
        Retry {
            policy: self.policy,
            when,
            rng: self.rng,
            site: self.site,
        }
    }

    /// Draws jitter from `rng`, such as a seeded [`SplitMix64`] for reproducible delays.
    pub fn rng<R2: Random>(self, rng: R2) -> Retry<'p, W, R2> {
        Retry {
            policy: self.policy,
            when: self.when,
            rng,
            site: self.site,
        }
    }

    /// Counts attempts, retries and exhaustions on `site` and names its function in logs.
    #[doc(hidden)]
    #[inline]
    pub fn observe(mut self, site: &'static Site) -> Self {
        self.site = Some(site);
        self
    }

    /// The start of a call driven step by step: see [`Attempts`].
    #[inline]
    pub fn start(self) -> Attempts<'p, W, R> {
        Attempts {
            delays: None,
            retry: self,
            attempt: 0,
        }
    }

    /// Runs `op` until it succeeds or the policy stops, sleeping with `std::thread::sleep`.
    pub fn run<T, E: Debug>(self, op: impl FnMut() -> Result<T, E>) -> Result<T, E>
    where
        W: When<E>,
    {
        let mut timer = StdTimer::for_policy(self.policy);
        self.run_with_timer(&mut timer, op)
    }

    /// Runs `op` until it succeeds or the policy stops, with `timer` for the clock and sleeps.
    pub fn run_with_timer<T, E: Debug>(
        self,
        timer: &mut impl Timer,
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, E>
    where
        W: When<E>,
    {
        let mut attempts = self.start();
        loop {
            attempts.begin();
            match attempts.settle(op(), || timer.elapsed()) {
                ControlFlow::Break(result) => return result,
                ControlFlow::Continue(delay) => timer.sleep(delay),
            }
        }
    }

    /// Runs the future `op` makes until one succeeds or the policy stops, sleeping with `timer`.
    pub async fn run_async_with<T, E: Debug, F: Future<Output = Result<T, E>>>(
        self,
        mut timer: impl AsyncTimer,
        mut op: impl FnMut() -> F,
    ) -> Result<T, E>
    where
        W: When<E>,
    {
        let mut attempts = self.start();
        loop {
            attempts.begin();
            match attempts.settle(op().await, || timer.elapsed()) {
                ControlFlow::Break(result) => return result,
                ControlFlow::Continue(delay) => timer.sleep(delay).await,
            }
        }
    }

    /// [`Retry::run_async_with`] with tokio's timer.
    #[cfg(feature = "tokio")]
    pub async fn run_async<T, E: Debug, F: Future<Output = Result<T, E>>>(
        self,
        op: impl FnMut() -> F,
    ) -> Result<T, E>
    where
        W: When<E>,
    {
        let timer = SleepFn::for_policy(tokio::time::sleep, self.policy);
        self.run_async_with(timer, op).await
    }
}

/// A call's attempts driven step by step, for code that cannot hand its operation over as a
/// closure (the code `#[retry]` generates runs the body inline, so `&mut` arguments are
/// reborrowed per attempt): call [`Attempts::begin`] before each attempt and
/// [`Attempts::failed`] after each failed one.
pub struct Attempts<'p, W, R> {
    retry: Retry<'p, W, R>,
    /// Made on the first failure, so a call that succeeds at once does not set it up.
    delays: Option<Delays>,
    attempt: u32,
}

impl<W, R: Random> Attempts<'_, W, R> {
    /// Marks the start of an attempt.
    #[inline]
    pub fn begin(&mut self) {
        self.attempt += 1;
        if let Some(site) = self.retry.site {
            site.count();
        }
    }

    /// The number of the attempt under way, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Settles an attempt's result: `Break` with what to return (a success, or an error that is
    /// not retried), or `Continue` with the delay before the next attempt. `elapsed` is only
    /// asked for when the attempt failed. Log lines write the error with `Debug`.
    #[inline]
    pub fn settle<T, E: Debug>(
        &mut self,
        result: Result<T, E>,
        elapsed: impl FnOnce() -> Duration,
    ) -> ControlFlow<Result<T, E>, Duration>
    where
        W: When<E>,
    {
        self.settle_showing(result, elapsed, show::debug::<E>)
    }

    /// [`Attempts::settle`], with log lines writing the error as `show` does: the code
    /// `#[retry]` generates passes `Display::fmt` for errors that have it. An exhausted
    /// retry's report and log line say `error_kind` `unknown`: see
    /// [`Attempts::settle_described`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use errmon_runtime::retry::{Backoff, Policy};
    ///
    /// let policy = Policy::new().attempts(2).backoff(Backoff::Constant { delay: Duration::ZERO });
    /// let mut attempts = policy.retry().start();
    /// let show: errmon_runtime::retry::Show<std::io::Error> = |e, f| std::fmt::Display::fmt(e, f);
    /// attempts.begin();
    /// let first: Result<(), _> = Err(std::io::Error::other("refused"));
    /// assert!(attempts.settle_showing(first, || Duration::ZERO, show).is_continue());
    /// ```
    #[inline]
    pub fn settle_showing<T, E>(
        &mut self,
        result: Result<T, E>,
        elapsed: impl FnOnce() -> Duration,
        show: Show<E>,
    ) -> ControlFlow<Result<T, E>, Duration>
    where
        W: When<E>,
    {
        self.settle_described(result, elapsed, show, kind::unknown::<E>)
    }

    /// [`Attempts::settle_showing`], with the kind of the error an exhausted retry gives up
    /// with found by `kind`, for its report and its log line: the code `#[retry]` generates
    /// passes [`ErrorKind::error_kind`](crate::ErrorKind::error_kind) for errors that
    /// implement it, as `#[monitored]` labels them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errmon_runtime::retry::{Backoff, KindOf, Policy, Show};
    ///
    /// let policy = Policy::new().attempts(1).backoff(Backoff::Constant { delay: Duration::ZERO });
    /// let mut attempts = policy.retry().start();
    /// let show: Show<std::io::Error> = |e, f| std::fmt::Display::fmt(e, f);
    /// let kind: KindOf<std::io::Error> = |e| errmon_runtime::ErrorKind::error_kind(e);
    /// attempts.begin();
    /// let only: Result<(), _> = Err(std::io::Error::from(std::io::ErrorKind::TimedOut));
    /// // Out of attempts: logged as exhausted with `error.kind` `timed_out`.
    /// assert!(attempts.settle_described(only, || Duration::ZERO, show, kind).is_break());
    /// ```
    #[inline]
    pub fn settle_described<T, E>(
        &mut self,
        result: Result<T, E>,
        elapsed: impl FnOnce() -> Duration,
        show: Show<E>,
        kind: KindOf<E>,
    ) -> ControlFlow<Result<T, E>, Duration>
    where
        W: When<E>,
    {
        match result {
            Ok(v) => ControlFlow::Break(Ok(v)),
            Err(e) => match self.failed_showing(&e, elapsed(), show, kind) {
                Next::Retry(delay) => ControlFlow::Continue(delay),
                Next::Stop => ControlFlow::Break(Err(e)),
            },
        }
    }

    /// Decides what follows a failed attempt, given the time elapsed since the call started;
    /// counts and logs the retry or the exhaustion, writing the error with `Debug`.
    pub fn failed<E: Debug>(&mut self, error: &E, elapsed: Duration) -> Next
    where
        W: When<E>,
    {
        self.failed_showing(error, elapsed, show::debug::<E>, kind::unknown::<E>)
    }

    fn failed_showing<E>(
        &mut self,
        error: &E,
        elapsed: Duration,
        show: Show<E>,
        kind: KindOf<E>,
    ) -> Next
    where
        W: When<E>,
    {
        if !self.retry.when.retry(error) {
            return Next::Stop;
        }
        let policy = self.retry.policy;
        if self.attempt >= policy.attempts {
            self.exhausted(&show::Shown(error, show), kind(error), elapsed, "attempts");
            return Next::Stop;
        }
        let delay = self
            .delays
            .get_or_insert_with(|| Delays::new(policy.backoff, policy.jitter))
            .next_delay(&mut self.retry.rng);
        if policy
            .max_elapsed
            .is_some_and(|max| elapsed.saturating_add(delay) > max)
        {
            self.exhausted(
                &show::Shown(error, show),
                kind(error),
                elapsed,
                "max_elapsed",
            );
            return Next::Stop;
        }
        let (function, module) = self.names();
        if let Some(site) = self.retry.site {
            site.retried();
        }
        crate::emit::emit!(
            tracing::Level::WARN, "attempt failed; retrying";
            "function" = function,
            "module" = module,
            "error.type" = crate::registry::short_type_name_of(std::any::type_name::<E>()).as_ref(),
            "attempt" = self.attempt,
            "delay_ms" = delay.as_secs_f64() * 1e3,
            "error.message" = tracing::field::display(show::Shown(error, show)),
            "outcome" = "retry",
        );
        Next::Retry(delay)
    }

    /// Counts the exhaustion, reports it and logs it: the log line carries the fingerprint
    /// of the report's group when the report was stored (not when the rate limit, sampling
    /// or the filter dropped it).
    fn exhausted<E>(
        &self,
        error: &show::Shown<'_, E>,
        kind: &'static str,
        elapsed: Duration,
        budget: &'static str,
    ) {
        let (function, module) = self.names();
        let fingerprint = self.retry.site.and_then(|site| {
            site.exhausted();
            let type_name = std::any::type_name::<E>();
            crate::errors::exhausted(site.view(), self.attempt, type_name, kind, error)
        });
        let fingerprint = fingerprint.map(|fp| tracing::field::display(crate::errors::Hex(fp)));
        // Without a wall-clock budget no clock runs, so there is no elapsed time to report.
        let duration_s = self.retry.policy.max_elapsed.map(|_| elapsed.as_secs_f64());
        crate::emit::emit!(
            tracing::Level::ERROR, "retries exhausted";
            "function" = function,
            "module" = module,
            "error.type" = crate::registry::short_type_name_of(std::any::type_name::<E>()).as_ref(),
            "error.kind" = kind,
            "error.fingerprint" = fingerprint,
            "attempt" = self.attempt,
            "duration_s" = duration_s,
            "budget" = budget,
            "error.message" = tracing::field::display(error),
            "outcome" = "exhausted",
        );
    }

    fn names(&self) -> (&'static str, &'static str) {
        self.retry
            .site
            .map_or(("", ""), |s| (s.meta().function, s.meta().module))
    }
}

impl<W, R> Debug for Retry<'_, W, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The filter and the random source are usually closures and seeds of no interest.
        f.debug_struct("Retry")
            .field("policy", self.policy)
            .field("function", &self.site.map(|s| s.meta().function))
            .finish_non_exhaustive()
    }
}

impl<W, R> Debug for Attempts<'_, W, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attempts")
            .field("retry", &self.retry)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}
