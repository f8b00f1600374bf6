//! The one owner of errmon's background work: a scheduler on a thread of errmon's own
//! (`errmon-scheduler`), running every periodic job errmon has (the history sampler, the
//! `metrics` facade's upkeep, the bridge, and those features add) on its own current-thread
//! tokio runtime, so async jobs need no runtime of the application's.
//!
//! - **Who starts it.** [`install`](crate::install), [`Config::endpoint`](crate::Config::endpoint)
//!   and [`Bridge::spawn`](crate::export::bridge::Bridge::spawn) each hold a [`Running`]; the
//!   thread starts with the first and stops with the last, within [`STOP_WAIT`].
//! - **Jobs.** A [`Job`] runs every interval, one run at a time: a run still going when the
//!   next is due is an *overrun*, that tick is skipped. Sync jobs run on the runtime's blocking
//!   pool, so one that blocks holds one pool thread and never the scheduler; async jobs run
//!   as tasks, each bounded by a timeout. A job that panics, overruns or times out is counted
//!   ([`stats`]) and said once in a log line (target `errmon`); the others go on.
//! - **Liveness.** [`heartbeat_age`] is how long ago the scheduler last woke up: a wedged
//!   scheduler shows as an age past its bound.
//! - **fork().** A child process has no scheduler thread, even if its parent had one: the
//!   inherited state is discarded the first time the child starts one, and dropping an
//!   inherited [`Running`] in the child neither joins nor stops anything.

mod job;
mod thread;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

#[cfg(test)]
use job::Work;
pub(crate) use job::{Failure, Job, JobStats};

/// How long dropping the last [`Running`] waits for the scheduler's thread to stop.
pub(crate) const STOP_WAIT: Duration = Duration::from_secs(1);

/// The jobs, whether or not the scheduler runs: a job added before the scheduler starts runs
/// once it does.
static JOBS: Mutex<Vec<Arc<Job>>> = Mutex::new(Vec::new());

fn jobs() -> std::sync::MutexGuard<'static, Vec<Arc<Job>>> {
    JOBS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Adds `job`, unless one of the same name is there already; returns the job that runs.
pub(crate) fn add(job: Job) -> Arc<Job> {
    let mut all = jobs();
    if let Some(existing) = all.iter().find(|j| j.name == job.name) {
        return Arc::clone(existing);
    }
    let job = Arc::new(job);
    all.push(Arc::clone(&job));
    drop(all);
    thread::wake();
    job
}

/// Removes the job named `name`; a run in progress finishes.
pub(crate) fn remove(name: &str) {
    jobs().retain(|j| j.name != name);
    thread::wake();
}

/// [`remove`], unless the list is locked (in a forked child, by a thread of the parent's).
pub(crate) fn try_remove(name: &str) {
    if let Ok(mut all) = JOBS.try_lock() {
        all.retain(|j| j.name != name);
    }
}

/// The jobs to run, as of now.
fn current() -> Vec<Arc<Job>> {
    jobs().clone()
}

/// Runs, overruns, panics and timeouts of every job so far.
pub(crate) fn stats() -> Vec<JobStats> {
    jobs().iter().map(|j| j.stats()).collect()
}

/// How long ago the scheduler last woke up; `None` while it does not run.
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "read by the probes of a later feature")
)]
pub(crate) fn heartbeat_age() -> Option<Duration> {
    thread::heartbeat_age()
}

/// Keeps the scheduler running while it lives; the last one dropped stops it.
#[must_use = "the scheduler stops when the last `Running` is dropped"]
pub(crate) struct Running {
    pid: u32,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").finish_non_exhaustive()
    }
}

impl Running {
    /// Starts the scheduler unless it runs already. An `Err` only when the operating system
    /// refuses a thread or a runtime.
    pub(crate) fn start() -> std::io::Result<Running> {
        thread::acquire()?;
        Ok(Running {
            pid: std::process::id(),
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A forked child's copy: the thread runs in the parent only.
        if std::process::id() == self.pid {
            thread::release();
        }
    }
}

#[cfg(test)]
mod tests;
