//! The clock and sleep of retries: [`StdTimer`] and [`SleepFn`], or a fake one in tests.

use std::future::Future;
use std::time::Duration;

use super::Policy;
use crate::common::clock;

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
