//! A periodic job and what happened to its runs.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// A future an async job returns for each run.
pub(crate) type RunFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a job runs.
pub(crate) enum Work {
    /// A function that may block: run on the scheduler runtime's blocking pool.
    Blocking(Box<dyn Fn() + Send + Sync>),
    /// A future made afresh for each run, polled on the scheduler's runtime.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "the first async jobs are health checks and pushes"
        )
    )]
    Async(Box<dyn Fn() -> RunFuture + Send + Sync>),
}

/// The shortest interval of a job: a shorter one would keep the scheduler busy.
pub(crate) const MIN_EVERY: Duration = Duration::from_millis(1);
/// The longest: a week, far from any overflow of an `Instant`.
pub(crate) const MAX_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

/// A job the scheduler runs every `every`.
pub(crate) struct Job {
    pub(crate) name: String,
    pub(crate) every: Duration,
    /// How long an async run may take before it is dropped (a blocking run cannot be stopped:
    /// it is counted as an overrun when the next tick finds it still going).
    pub(crate) timeout: Duration,
    pub(crate) work: Work,
    /// Whether a run is in progress.
    pub(crate) running: AtomicBool,
    runs: AtomicU64,
    overruns: AtomicU64,
    panics: AtomicU64,
    timeouts: AtomicU64,
    /// Whether each kind of failure was said in a log line already.
    said: [AtomicBool; 3],
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

/// What went wrong with a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The previous run was still going when the next was due.
    Overrun = 0,
    /// The run panicked.
    Panic = 1,
    /// An async run took longer than its timeout and was dropped.
    Timeout = 2,
}

impl Failure {
    /// Every failure, in label order.
    pub(crate) const ALL: [Failure; 3] = [Failure::Overrun, Failure::Panic, Failure::Timeout];

    /// The value of the `failure` label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Failure::Overrun => "overrun",
            Failure::Panic => "panic",
            Failure::Timeout => "timeout",
        }
    }
}

/// Counts of one job's runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JobStats {
    pub(crate) name: String,
    /// Runs started.
    pub(crate) runs: u64,
    /// Ticks skipped because the previous run was still going.
    pub(crate) overruns: u64,
    /// Runs that panicked.
    pub(crate) panics: u64,
    /// Async runs dropped at their timeout.
    pub(crate) timeouts: u64,
}

impl JobStats {
    /// The count of `failure`.
    pub(crate) fn failures(&self, failure: Failure) -> u64 {
        match failure {
            Failure::Overrun => self.overruns,
            Failure::Panic => self.panics,
            Failure::Timeout => self.timeouts,
        }
    }
}

impl Job {
    /// A job running `work` every `every` (at least [`MIN_EVERY`], at most [`MAX_EVERY`]);
    /// async runs are bounded by nine tenths of it, so a hung one is dropped before the next
    /// is due.
    pub(crate) fn new(name: impl Into<String>, every: Duration, work: Work) -> Self {
        let every = every.clamp(MIN_EVERY, MAX_EVERY);
        Job {
            name: name.into(),
            every,
            timeout: every.mul_f64(0.9),
            work,
            running: AtomicBool::new(false),
            runs: AtomicU64::new(0),
            overruns: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            said: [const { AtomicBool::new(false) }; 3],
        }
    }

    /// A job running the blocking function `f` every `every`.
    pub(crate) fn blocking(
        name: impl Into<String>,
        every: Duration,
        f: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        Self::new(name, every, Work::Blocking(Box::new(f)))
    }

    /// Marks a run as started; false (and an overrun counted) if one is still going.
    pub(crate) fn begin(&self) -> bool {
        if self.running.swap(true, Relaxed) {
            self.failed(Failure::Overrun);
            return false;
        }
        self.runs.fetch_add(1, Relaxed);
        true
    }

    /// Marks the run as over.
    pub(crate) fn end(&self) {
        self.running.store(false, Relaxed);
    }

    /// Marks the run as over when dropped, however it ends: finished, panicked, or dropped
    /// unstarted by a runtime that shuts down.
    pub(crate) fn ending(self: &std::sync::Arc<Self>) -> Ending {
        Ending(std::sync::Arc::clone(self))
    }

    /// Counts a failure, and says the first of each kind in a log line.
    pub(crate) fn failed(&self, how: Failure) {
        let counter = match how {
            Failure::Overrun => &self.overruns,
            Failure::Panic => &self.panics,
            Failure::Timeout => &self.timeouts,
        };
        counter.fetch_add(1, Relaxed);
        if !self.said[how as usize].swap(true, Relaxed) {
            crate::emit::emit!(
                tracing::Level::WARN,
                "errmon's background job failed; the other jobs go on, and \
                 errmon_scheduler_job_failures_total counts every failure";
                "job" = self.name.as_str(),
                "failure" = how.as_str(),
                "interval_s" = self.every.as_secs_f64(),
            );
        }
    }

    pub(crate) fn stats(&self) -> JobStats {
        JobStats {
            name: self.name.clone(),
            runs: self.runs.load(Relaxed),
            overruns: self.overruns.load(Relaxed),
            panics: self.panics.load(Relaxed),
            timeouts: self.timeouts.load(Relaxed),
        }
    }
}

/// See [`Job::ending`].
pub(crate) struct Ending(std::sync::Arc<Job>);

impl Drop for Ending {
    fn drop(&mut self) {
        self.0.end();
    }
}
