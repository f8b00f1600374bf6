//! The scheduler's thread and its current-thread runtime: started by the first user, stopped
//! by the last.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

use super::job::{Failure, Job, Work};
use super::{STOP_WAIT, current};

/// The scheduler wakes at least this often, so its heartbeat stays fresh.
const BEAT: Duration = Duration::from_secs(1);
/// How long a stopping runtime waits for blocking runs in progress.
const DRAIN: Duration = Duration::from_millis(200);

#[derive(Default)]
struct State {
    users: usize,
    /// The process the thread runs in.
    pid: u32,
    running: Option<Thread>,
}

struct Thread {
    stop: Arc<Notify>,
    wake: Arc<Notify>,
    done: mpsc::Receiver<()>,
    handle: JoinHandle<()>,
}

static STATE: Mutex<State> = Mutex::new(State {
    users: 0,
    pid: 0,
    running: None,
});

/// Milliseconds since `EPOCH` of the last wake-up, plus one; zero while none.
static HEARTBEAT: AtomicU64 = AtomicU64::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn beat() {
    let epoch = EPOCH.get_or_init(Instant::now);
    let ms = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
    HEARTBEAT.store(ms + 1, Relaxed);
}

pub(super) fn heartbeat_age() -> Option<Duration> {
    let beat = HEARTBEAT.load(Relaxed);
    let epoch = EPOCH.get()?;
    (beat != 0 && state().running.is_some()).then(|| {
        let now = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(now.saturating_sub(beat - 1))
    })
}

#[cfg(test)]
pub(super) fn users() -> usize {
    state().users
}

#[cfg(test)]
pub(super) fn is_running() -> bool {
    state().running.is_some()
}

pub(super) fn acquire() -> std::io::Result<()> {
    let mut st = state();
    let pid = std::process::id();
    if st.pid != pid {
        // Nothing started yet, or a forked child's copy of its parent's state: the parent's
        // thread does not exist here, so its handle is neither joined nor dropped.
        if let Some(stale) = st.running.take() {
            std::mem::forget(stale);
        }
        st.users = 0;
        st.pid = pid;
        HEARTBEAT.store(0, Relaxed);
        // A run in flight at the fork never ends here.
        for job in super::current() {
            job.end();
        }
    }
    if st.running.is_none() {
        st.running = Some(spawn()?);
    }
    st.users += 1;
    Ok(())
}

pub(super) fn release() {
    let mut st = state();
    if st.pid != std::process::id() || st.users == 0 {
        return;
    }
    st.users -= 1;
    if st.users > 0 {
        return;
    }
    let Some(t) = st.running.take() else { return };
    t.stop.notify_one();
    // Held meanwhile, so that a new start waits for this stop instead of racing it.
    if t.done.recv_timeout(STOP_WAIT).is_ok() {
        let _ = t.handle.join();
    }
    HEARTBEAT.store(0, Relaxed);
}

/// Wakes the running scheduler, so it sees added or removed jobs now.
pub(super) fn wake() {
    if let Some(t) = &state().running {
        t.wake.notify_one();
    }
}

fn spawn() -> std::io::Result<Thread> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("errmon-job")
        .max_blocking_threads(4)
        .build()?;
    let (stop, wake) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (tell, done) = mpsc::channel();
    let (s, w) = (Arc::clone(&stop), Arc::clone(&wake));
    let handle = std::thread::Builder::new()
        .name("errmon-scheduler".into())
        .spawn(move || {
            runtime.block_on(run(&s, &w));
            runtime.shutdown_timeout(DRAIN);
            let _ = tell.send(());
        })?;
    beat();
    Ok(Thread {
        stop,
        wake,
        done,
        handle,
    })
}

/// The first time a job is due: the next multiple of its interval on the wall clock, so
/// that jobs of one interval run together, and the history's samples fall on its intervals.
fn first_due(now: Instant, every: Duration) -> Instant {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let every_ns = every.as_nanos().max(1);
    let into = since.as_nanos() % every_ns;
    let wait = every_ns - into;
    now + Duration::from_nanos(u64::try_from(wait).unwrap_or(u64::MAX))
}

async fn run(stop: &Notify, wake: &Notify) {
    let mut due: HashMap<String, Instant> = HashMap::new();
    loop {
        beat();
        let now = Instant::now();
        let jobs = current();
        due.retain(|name, _| jobs.iter().any(|j| &j.name == name));
        let mut soonest = now + BEAT;
        for job in jobs {
            let at = due
                .entry(job.name.clone())
                .or_insert_with(|| first_due(now, job.every));
            if *at <= now {
                launch(job.clone());
                *at = at.checked_add(job.every).unwrap_or(now);
                if *at <= now {
                    // Late by more than an interval (a suspended machine): start afresh.
                    *at = now + job.every;
                }
            }
            soonest = soonest.min(*at);
        }
        tokio::select! {
            () = stop.notified() => return,
            () = wake.notified() => {}
            () = tokio::time::sleep_until(soonest.into()) => {}
        }
    }
}

fn launch(job: Arc<Job>) {
    if !job.begin() {
        return;
    }
    let ending = job.ending();
    match &job.work {
        Work::Blocking(_) => {
            tokio::task::spawn_blocking(move || {
                let _ending = ending;
                let Work::Blocking(f) = &job.work else { return };
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
                    job.failed(Failure::Panic);
                }
            });
        }
        Work::Async(make) => {
            let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(make));
            tokio::spawn(async move {
                let _ending = ending;
                match made {
                    Err(_) => job.failed(Failure::Panic),
                    Ok(fut) => {
                        let mut task = tokio::spawn(fut);
                        match tokio::time::timeout(job.timeout, &mut task).await {
                            Ok(Ok(())) => {}
                            Ok(Err(e)) if e.is_panic() => job.failed(Failure::Panic),
                            Ok(Err(_)) => {}
                            Err(_) => {
                                task.abort();
                                job.failed(Failure::Timeout);
                            }
                        }
                    }
                }
            });
        }
    }
}
