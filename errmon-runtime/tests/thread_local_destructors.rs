//! Calls made from a thread-local's destructor: a per-thread connection whose `Drop` calls a
//! monitored `flush()`, on every thread that exits. Such calls must be counted, and must not
//! touch a thread-local (errmon's or a dependency's) that the thread already destroyed: a panic
//! there aborts the whole process, so the scenario runs in a child process.

use std::process::Command;

use errmon_runtime::sites;
use errmon_runtime::{monitored, retry, timed};

#[derive(Debug)]
struct FlushError;

#[monitored]
fn flush(fail: bool) -> Result<(), FlushError> {
    if fail { Err(FlushError) } else { Ok(()) }
}

#[timed]
fn close() {}

/// A wall-clock budget: the retry reads the clock when the call starts.
#[retry(attempts = 2, max_elapsed = "1s")]
fn reconnect() -> Result<(), FlushError> {
    Ok(())
}

/// Called only from destructors: its site's first call (allocation, registration) happens
/// while a thread is torn down.
#[monitored]
fn goodbye() {}

struct Connection;

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = flush(true);
        close();
        let _ = reconnect();
        goodbye();
    }
}

thread_local! {
    static CONNECTION: Connection = const { Connection };
}

fn calls(function: &str) -> (u64, u64) {
    let site = sites::all()
        .into_iter()
        .find(|s| s.meta().function == function)
        .unwrap_or_else(|| panic!("no site for {function}"));
    let snap = site.snapshot();
    (snap.calls, snap.count())
}

const CHILD: &str = "ERRMON_TEST_THREAD_LOCAL_DESTRUCTOR_CHILD";

/// Runs in the child: the thread-local is set before the thread's first timed call, so it is
/// destroyed after everything the first call set up on that thread.
fn child() {
    std::thread::spawn(|| {
        CONNECTION.with(|_| {});
        let _ = flush(false);
        close();
        let _ = reconnect();
    })
    .join()
    .expect("the thread exits cleanly");
    // A thread whose only errmon calls come from the destructor: it gets its thread number
    // while exiting.
    std::thread::spawn(|| CONNECTION.with(|_| {}))
        .join()
        .expect("the thread exits cleanly");
    // `flush`: one call from the first thread's body, one from each destructor, all timed.
    assert_eq!(calls("flush"), (3, 3));
    assert_eq!(calls("close"), (0, 3));
    // `reconnect`: one attempt each time, no durations.
    assert_eq!(calls("reconnect"), (3, 0));
    assert_eq!(calls("goodbye"), (2, 2));
}

#[test]
fn calls_from_a_thread_local_destructor_are_counted_and_do_not_abort() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "calls_from_a_thread_local_destructor_are_counted_and_do_not_abort",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The child ran the scenario rather than filtering the test out.
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
}
