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
#![doc = include_str!("../../docs/retry.md")]

//!
//! Files: `policy` (what to retry and how long), `backoff` (the delays and their jitter),
//! `timer` (the clock and sleep, replaceable in tests), `attempts` (one call driven attempt by
//! attempt, counted on its site and logged), and what only generated code uses: `show` and
//! `kind`, how an exhausted retry's error is written and labelled.

mod attempts;
mod backoff;
pub(crate) mod kind;
mod policy;
pub(crate) mod show;
mod timer;

pub use attempts::{Attempts, Next, Retry};
pub use backoff::{Backoff, Delays, Jitter, LazyEntropy, Random, SplitMix64};
pub use policy::{Always, Policy, When};
pub use timer::{AsyncTimer, SleepFn, StdTimer, Timer};
