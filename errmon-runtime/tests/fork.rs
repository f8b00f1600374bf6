//! After `fork()`, the child holds a copy of the parent's guards but none of their threads.
//! Dropping the copies there must not panic nor wait, the parent must keep serving, and the
//! child starts a scheduler of its own rather than believing its parent's runs there.
//!
//! The child only drops the guards and `_exit`s with a status the parent checks; the parent
//! waits for it with a deadline and kills it past that, so a child that hangs fails the test
//! instead of hanging the test run.

#![cfg(unix)]

use errmon_test_support as support;

use std::time::{Duration, Instant};

use errmon_runtime::export::bridge::Bridge;
use errmon_runtime::{Config, count_calls};

#[count_calls]
fn ping() {}

/// Exit statuses of the child.
const DROPPED: i32 = 0;
const PANICKED: i32 = 3;
/// The child's own scheduler did not start, or did not stop.
const NO_SCHEDULER: i32 = 4;
const SCHEDULER_LEFT: i32 = 5;

/// Whether this process has a thread named as errmon's scheduler (names are cut to 15 bytes).
fn has_scheduler_thread() -> bool {
    std::fs::read_dir("/proc/self/task").is_ok_and(|tasks| {
        tasks.flatten().any(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|name| name.trim_end() == "errmon-schedule")
        })
    })
}

#[test]
fn dropping_a_guard_in_a_forked_child_neither_panics_nor_hangs_and_the_parent_keeps_serving() {
    ping();
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install");
    let bridge = Bridge::spawn(Duration::from_secs(3600)).expect("spawn the bridge");
    let addr = guard.local_addr();

    let named = Instant::now() + Duration::from_secs(5);
    while !has_scheduler_thread() {
        // The thread names itself once it runs.
        assert!(Instant::now() < named, "the parent runs errmon's scheduler");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: the child drops the two guards, which touch no lock the parent's other threads
    // may hold at the fork (no allocation, no I/O), starts and stops a scheduler of its own,
    // then leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            drop(bridge);
            drop(guard);
            // The parent's scheduler is not inherited: a start here starts the child's own.
            if has_scheduler_thread() {
                return SCHEDULER_LEFT;
            }
            let own = Bridge::spawn(Duration::from_secs(3600)).expect("a bridge in the child");
            // The thread names itself once it runs.
            let named = Instant::now() + Duration::from_secs(5);
            while !has_scheduler_thread() {
                if Instant::now() > named {
                    return NO_SCHEDULER;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(own);
            if has_scheduler_thread() {
                return SCHEDULER_LEFT;
            }
            DROPPED
        }));
        let status = dropped.unwrap_or(PANICKED);
        // SAFETY: ends the child at once, running no destructor and no atexit handler of
        // the parent's copy.
        unsafe { libc::_exit(status) };
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    loop {
        // SAFETY: `pid` is our child; `status` is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(r >= 0, "waitpid failed");
        if r == pid {
            break;
        }
        if Instant::now() > deadline {
            // SAFETY: killing and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("the child did not finish dropping its guards within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        libc::WIFEXITED(status),
        "the child did not exit normally (status {status:#x})"
    );
    assert_eq!(
        libc::WEXITSTATUS(status),
        DROPPED,
        "the child panicked (3) while dropping its guards, or its own scheduler did not start (4) \
         or stop (5)"
    );
    assert!(has_scheduler_thread(), "the parent's scheduler still runs");

    // The parent's endpoint is untouched by what the child did.
    support::assert_line(
        &support::scrape(addr),
        r#"errmon_calls_total{function="ping",module="fork"} 1"#,
    );
    drop(bridge);
    drop(guard);
}
