//! `#[retry]` on real functions: attempts and their count on the site, by-value arguments
//! cloned per attempt, `&mut` arguments, every receiver, `when`, async with tokio and with a
//! custom sleep.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use errmon_runtime::retry as retry_rt;
use errmon_runtime::sites::{self, Kind, OutcomeLabel, Snapshot};
use errmon_runtime::{ErrorKind, monitored, retry, timed};

fn snap_of(function: &str, kind: Kind) -> Snapshot {
    sites::all()
        .into_iter()
        .find(|s| s.meta().function == function && s.meta().kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} site for {function}"))
        .snapshot()
}

fn snap(function: &str) -> Snapshot {
    snap_of(function, Kind::Retry)
}

#[derive(Debug, PartialEq, ErrorKind)]
enum NetError {
    Timeout,
    Refused,
}

fn is_transient(e: &NetError) -> bool {
    *e == NetError::Timeout
}

#[retry(attempts = 5, backoff = constant(delay = "1ms"), jitter = none)]
fn flaky(calls: &AtomicU32, succeed_on: u32) -> Result<u32, NetError> {
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n < succeed_on {
        Err(NetError::Timeout)
    } else {
        Ok(n)
    }
}

#[test]
fn retries_until_the_first_success_and_counts_it() {
    let calls = AtomicU32::new(0);
    assert_eq!(flaky(&calls, 3), Ok(3));
    let s = snap("flaky");
    assert_eq!((s.calls, s.retries, s.exhausted), (3, 2, 0));

    let calls = AtomicU32::new(0);
    assert_eq!(flaky(&calls, 99), Err(NetError::Timeout));
    assert_eq!(calls.load(Ordering::Relaxed), 5);
    let s = snap("flaky");
    assert_eq!((s.calls, s.retries, s.exhausted), (8, 6, 1));
}

#[retry(attempts = 4, backoff = constant(delay = "1ms"), when = is_transient)]
fn filtered(calls: &AtomicU32) -> Result<(), NetError> {
    let n = calls.fetch_add(1, Ordering::Relaxed);
    Err(if n == 0 {
        NetError::Timeout
    } else {
        NetError::Refused
    })
}

#[test]
fn errors_the_filter_rejects_are_returned_at_once() {
    let calls = AtomicU32::new(0);
    assert_eq!(filtered(&calls), Err(NetError::Refused));
    assert_eq!(calls.load(Ordering::Relaxed), 2);
    let s = snap("filtered");
    assert_eq!((s.calls, s.retries, s.exhausted), (2, 1, 0));
}

#[retry(attempts = 3, backoff = constant(delay = "1ms"))]
fn consumes(mut name: String, log: &mut Vec<String>) -> Result<usize, NetError> {
    name.push('!');
    log.push(name);
    if log.len() < 3 {
        Err(NetError::Timeout)
    } else {
        Ok(log.len())
    }
}

#[test]
fn by_value_arguments_are_fresh_and_mut_references_persist_per_attempt() {
    let mut log = Vec::new();
    assert_eq!(consumes("a".to_owned(), &mut log), Ok(3));
    assert_eq!(log, ["a!", "a!", "a!"]);
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"), name = "parse_port")]
fn parse(text: &str) -> Result<u16, std::num::ParseIntError> {
    let port: u16 = text.trim().parse()?;
    Ok(port)
}

#[test]
fn question_mark_and_name_work() {
    assert_eq!(parse(" 80 "), Ok(80));
    assert!(parse("x").is_err());
    let s = snap("parse_port");
    assert_eq!((s.calls, s.retries, s.exhausted), (3, 1, 1));
}

#[derive(Clone, Default)]
struct Client {
    tries: Arc<AtomicU32>,
}

impl Client {
    fn attempt(&self, until: u32) -> Result<u32, NetError> {
        let n = self.tries.fetch_add(1, Ordering::Relaxed) + 1;
        if n < until {
            Err(NetError::Timeout)
        } else {
            Ok(n)
        }
    }

    #[retry(attempts = 3, backoff = constant(delay = "1ms"))]
    fn by_ref(&self) -> Result<u32, NetError> {
        self.attempt(2)
    }

    #[retry(attempts = 3, backoff = constant(delay = "1ms"))]
    fn by_mut(&mut self) -> Result<u32, NetError> {
        self.attempt(2)
    }

    #[retry(attempts = 3, backoff = constant(delay = "1ms"))]
    fn by_value(self) -> Result<u32, NetError> {
        self.attempt(2)
    }

    #[retry(attempts = 3, backoff = constant(delay = "1ms"))]
    fn by_mut_value(mut self) -> Result<u32, NetError> {
        self.tries = Arc::clone(&self.tries);
        self.attempt(2)
    }

    #[retry(attempts = 3, backoff = constant(delay = "1ms"))]
    fn by_arc(self: Arc<Self>) -> Result<u32, NetError> {
        self.attempt(2)
    }
}

#[test]
fn every_receiver_is_retried() {
    let mut c = Client::default();
    assert_eq!(c.by_ref(), Ok(2));
    assert_eq!(c.by_mut(), Ok(3));
    let c2 = Client::default();
    assert_eq!(c2.clone().by_value(), Ok(2));
    assert_eq!(c2.clone().by_mut_value(), Ok(3));
    assert_eq!(Arc::new(Client::default()).by_arc(), Ok(2));
}

#[retry(attempts = 3, backoff = exponential(initial = "100ms", factor = 2.0, max = "1s"), jitter = none)]
async fn remote(calls: &AtomicU32) -> Result<u32, NetError> {
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    tokio::task::yield_now().await;
    if n < 3 { Err(NetError::Timeout) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn async_functions_sleep_with_tokio() {
    let start = tokio::time::Instant::now();
    let calls = AtomicU32::new(0);
    assert_eq!(remote(&calls).await, Ok(3));
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    let s = snap("remote");
    assert_eq!((s.calls, s.retries), (3, 2));
}

static SLEPT: AtomicU32 = AtomicU32::new(0);

async fn count_sleep(d: Duration) {
    SLEPT.fetch_add(u32::try_from(d.as_millis()).unwrap(), Ordering::Relaxed);
}

#[retry(attempts = 4, backoff = linear(initial = "10ms", step = "5ms", max = "1s"), jitter = none, sleep = count_sleep)]
async fn custom_sleep(calls: &AtomicU32) -> Result<(), NetError> {
    calls.fetch_add(1, Ordering::Relaxed);
    Err(NetError::Refused)
}

#[test]
fn async_functions_use_the_given_sleep() {
    let calls = AtomicU32::new(0);
    let r = futures::executor::block_on(custom_sleep(&calls));
    assert_eq!(r, Err(NetError::Refused));
    assert_eq!(calls.load(Ordering::Relaxed), 4);
    // 10 + 15 + 20 ms, and no sleep after the last attempt.
    assert_eq!(SLEPT.load(Ordering::Relaxed), 45);
}

#[test]
fn the_policy_is_usable_by_hand() {
    let policy = retry_rt::Policy::new()
        .attempts(2)
        .backoff(retry_rt::Backoff::Constant {
            delay: Duration::from_millis(1),
        });
    let mut n = 0;
    let r: Result<(), u32> = policy.run(|| {
        n += 1;
        Err(n)
    });
    assert_eq!(r, Err(2));
}

#[monitored]
#[retry(attempts = 3, backoff = constant(delay = "1ms"))]
fn monitored_outside(calls: &AtomicU32) -> Result<u32, NetError> {
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n < 3 { Err(NetError::Timeout) } else { Ok(n) }
}

#[retry(attempts = 3, backoff = constant(delay = "1ms"))]
#[monitored]
fn monitored_inside(calls: &AtomicU32) -> Result<u32, NetError> {
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n < 3 { Err(NetError::Timeout) } else { Ok(n) }
}

#[timed]
#[retry(attempts = 2, backoff = constant(delay = "20ms"), jitter = none)]
fn timed_outside() -> Result<(), NetError> {
    Err(NetError::Refused)
}

#[test]
fn stacked_attributes_nest_as_written() {
    assert_eq!(monitored_outside(&AtomicU32::new(0)), Ok(3));
    let m = snap_of("monitored_outside", Kind::Monitored);
    assert_eq!(m.calls, 1, "the outer #[monitored] sees one call");
    assert_eq!(m.outcomes[OutcomeLabel::Ok as usize], 1);
    assert_eq!(snap_of("monitored_outside", Kind::Retry).calls, 3);

    assert_eq!(monitored_inside(&AtomicU32::new(0)), Ok(3));
    let m = snap_of("monitored_inside", Kind::Monitored);
    assert_eq!(m.calls, 3, "the inner #[monitored] sees every attempt");
    assert_eq!(m.outcomes[OutcomeLabel::Error as usize], 2);
    assert_eq!(m.outcomes[OutcomeLabel::Ok as usize], 1);

    assert!(timed_outside().is_err());
    let t = snap_of("timed_outside", Kind::Timed);
    assert_eq!(t.count(), 1);
    assert!(
        t.sum_ns >= 20_000_000,
        "the outer #[timed] includes the sleep: {} ns",
        t.sum_ns
    );
}

#[retry(attempts = 5, backoff = constant(delay = "50ms"), jitter = none, max_elapsed = "1ms")]
fn tight_budget(calls: &AtomicU32) -> Result<(), NetError> {
    calls.fetch_add(1, Ordering::Relaxed);
    Err(NetError::Timeout)
}

#[test]
fn max_elapsed_stops_before_a_sleep_that_would_overshoot_it() {
    let calls = AtomicU32::new(0);
    assert_eq!(tight_budget(&calls), Err(NetError::Timeout));
    // Any first attempt plus a 50 ms sleep is past 1 ms: no retry at all.
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    let s = snap("tight_budget");
    assert_eq!((s.calls, s.retries, s.exhausted), (1, 0, 1));
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[track_caller]
fn caller_line(fail_first: &AtomicU32) -> Result<u32, NetError> {
    if fail_first.fetch_add(1, Ordering::Relaxed) == 0 {
        return Err(NetError::Timeout);
    }
    Ok(std::panic::Location::caller().line())
}

#[test]
fn track_caller_functions_still_see_their_caller() {
    let line = line!() + 1;
    let got = caller_line(&AtomicU32::new(0));
    assert_eq!(got, Ok(line));
    assert_eq!(snap("caller_line").retries, 1);
}
