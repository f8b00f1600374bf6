//! One call's retry, driven attempt by attempt ([`Retry`], [`Attempts`]): each failure decides
//! the next step, and is counted on the call's site and logged.

use std::fmt::Debug;
use std::future::Future;
use std::ops::ControlFlow;
use std::time::Duration;

#[cfg(feature = "tokio")]
use super::SleepFn;
use super::kind::{self, KindOf};
use super::show::{self, Show};
use super::{AsyncTimer, Delays, Policy, Random, StdTimer, Timer, When};
use crate::record::Callsite as Site;

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

impl<'p> Retry<'p, super::Always, super::LazyEntropy> {
    /// A retry of `policy`, every error retried, unobserved.
    #[inline]
    pub(super) fn new(policy: &'p Policy) -> Self {
        Retry {
            policy,
            when: super::Always,
            rng: super::LazyEntropy::default(),
            site: None,
        }
    }
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

    /// Draws jitter from `rng`, such as a seeded [`SplitMix64`](super::SplitMix64) for reproducible delays.
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

    /// [`Attempts::settle`], with log lines writing the error as `show` does; an exhausted
    /// retry's report and log line say `error_kind` `unknown`.
    #[inline]
    fn settle_showing<T, E>(
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

    /// [`Attempts::settle`] for the code `#[retry]` generates: log lines write the error as
    /// `show` does (`Display::fmt` for errors that have it), and an exhausted retry's report
    /// and log line carry the kind `kind` finds (`ErrorKind::error_kind` for errors that
    /// implement it, as `#[monitored]` labels them).
    #[doc(hidden)]
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
