//! What `#[retry]` expansions need beyond `crate::retry`: per-attempt argument copies and the
//! default async timer.

/// Per-attempt copies of by-value arguments of `#[retry]` functions.
#[diagnostic::on_unimplemented(
    message = "#[retry] runs the body once per attempt, so each attempt needs its own copy of this argument, but `{Self}` is not `Clone`",
    label = "moved into every attempt",
    note = "take the argument by reference, or implement `Clone` for `{Self}`"
)]
pub trait RetryClone {
    /// The copy one attempt consumes.
    fn retry_clone(&self) -> Self;
}

impl<T: Clone> RetryClone for T {
    #[inline]
    fn retry_clone(&self) -> Self {
        self.clone()
    }
}

/// Where an `async fn` under `#[retry]` without `sleep = path` gets its timer.
#[derive(Debug)]
pub struct DefaultTimer;

#[diagnostic::on_unimplemented(
    message = "#[retry] on an `async fn` needs a way to sleep between attempts",
    label = "no async timer available",
    note = "enable the `tokio` feature of errmon-runtime (on by default), or write `sleep = path::to::sleep` with any `fn(Duration) -> impl Future<Output = ()>`"
)]
/// The timer of an async `#[retry]` without `sleep = path`; implemented only with the
/// `tokio` feature, so without it the expansion fails with the message above.
pub trait DefaultAsyncTimer {
    /// The timer.
    type Timer: crate::retry::AsyncTimer;
    /// A timer for one call under `policy`.
    fn timer(policy: &crate::retry::Policy) -> Self::Timer;
}

#[cfg(feature = "tokio")]
impl DefaultAsyncTimer for DefaultTimer {
    type Timer = crate::retry::SleepFn<fn(std::time::Duration) -> tokio::time::Sleep>;
    #[inline]
    fn timer(policy: &crate::retry::Policy) -> Self::Timer {
        crate::retry::SleepFn::for_policy(tokio::time::sleep, policy)
    }
}
