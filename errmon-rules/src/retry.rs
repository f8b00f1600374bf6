//! The defaults of a bare `#[retry]` and of `errmon_runtime::retry::Policy::DEFAULT`.

use core::time::Duration;

/// Attempts, the first try included.
pub const ATTEMPTS: u32 = 3;

/// The first delay of `exponential` and `linear` backoff, and the delay of `constant`.
pub const INITIAL: Duration = Duration::from_millis(100);

/// What `exponential` multiplies each delay by.
pub const FACTOR: f64 = 2.0;

/// What `linear` adds to each delay.
pub const STEP: Duration = Duration::from_millis(100);

/// The cap on any one delay, unless `initial` is larger (then the cap is `initial`).
pub const MAX: Duration = Duration::from_secs(5);

/// The name of the default jitter, as written in `#[retry(jitter = ...)]`.
pub const JITTER: &str = "full";

/// Every jitter `#[retry(jitter = ...)]` accepts, as written there; [`JITTER`] is one of them.
///
/// ```
/// assert!(errmon_rules::retry::JITTERS.contains(&errmon_rules::retry::JITTER));
/// ```
pub const JITTERS: [&str; 4] = ["none", "full", "equal", "decorrelated"];
