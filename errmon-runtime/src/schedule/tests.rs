use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::*;

const TICK: Duration = Duration::from_millis(20);

/// Waits (bounded) until `done` holds.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < until, "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn stats_of(name: &str) -> JobStats {
    stats().into_iter().find(|s| s.name == name).unwrap()
}

#[test]
fn a_panicking_or_overrunning_job_is_counted_and_the_others_go_on() {
    let running = Running::start().unwrap();
    let ticks = Arc::new(AtomicU64::new(0));
    let t = Arc::clone(&ticks);
    add(Job::blocking("test-steady", TICK, move || {
        t.fetch_add(1, Relaxed);
    }));
    add(Job::blocking("test-panics", TICK, || {
        panic!("a job's own bug")
    }));
    add(Job::blocking("test-overruns", TICK, || {
        std::thread::sleep(TICK * 4);
    }));
    add(Job::new(
        "test-async-hangs",
        TICK,
        Work::Async(Box::new(|| Box::pin(std::future::pending()))),
    ));
    eventually("the steady job ran five times", || ticks.load(Relaxed) >= 5);
    eventually("every failure was counted", || {
        stats_of("test-panics").panics >= 2
            && stats_of("test-overruns").overruns >= 2
            && stats_of("test-async-hangs").timeouts >= 2
    });
    let panics = stats_of("test-panics");
    assert!(panics.runs >= panics.panics);
    let names = [
        "test-steady",
        "test-panics",
        "test-overruns",
        "test-async-hangs",
    ];
    for name in names {
        remove(name);
    }
    // Only these: the other tests of this file add jobs of their own meanwhile. A run in
    // flight when its job is removed (the overrunning one sleeps four ticks) ends first.
    eventually("every removed job is gone", || {
        stats().iter().all(|s| !names.contains(&&*s.name))
    });
    drop(running);
}

#[test]
fn async_jobs_run_without_a_runtime_of_the_callers() {
    let running = Running::start().unwrap();
    let ran = Arc::new(AtomicU64::new(0));
    let r = Arc::clone(&ran);
    add(Job::new(
        "test-async",
        TICK,
        Work::Async(Box::new(move || {
            let r = Arc::clone(&r);
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                r.fetch_add(1, Relaxed);
            })
        })),
    ));
    eventually("the async job ran twice", || ran.load(Relaxed) >= 2);
    assert!(heartbeat_age().is_some_and(|age| age < Duration::from_secs(5)));
    remove("test-async");
    drop(running);
}

#[test]
fn the_last_user_stops_the_thread_within_the_bound() {
    let a = Running::start().unwrap();
    let b = Running::start().unwrap();
    drop(a);
    assert!(thread::is_running());
    drop(b);
    // Other tests of this binary may hold the scheduler too: only when this was the last
    // user must the thread be gone.
    if thread::users() == 0 {
        assert!(!thread::is_running());
        assert!(heartbeat_age().is_none());
    }
}
