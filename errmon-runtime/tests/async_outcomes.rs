//! How an `async fn` call that does not finish is counted: `panic` only when its own body
//! unwound, `cancelled` when its future was dropped, even while an unrelated panic unwinds.
//! Driven through `__private` the way the `#[monitored]` expansion of an `async fn` drives it:
//! `let call = SITE.enter_async(); let out = call.body(async move { .. }).await; call.finish(..)`.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use errmon_runtime::__private::{Kind, Meta, Outcome, Site};
use errmon_runtime::sites::{OutcomeLabel, Snapshot};

macro_rules! site {
    ($name:ident) => {
        static $name: Site = Site::new(Meta::__new(
            stringify!($name),
            module_path!(),
            file!(),
            line!(),
            Kind::Monitored,
            &[],
        ));
    };
}

/// The shape of a `#[monitored] async fn` whose body is `body`.
async fn monitored<T>(site: &'static Site, body: impl Future<Output = T>) -> T {
    let call = site.enter_async();
    let out = call.body(body).await;
    call.finish(Outcome::Ok);
    out
}

fn outcomes(site: &'static Site) -> [u64; 4] {
    let s: Snapshot = site.view().snapshot();
    OutcomeLabel::ALL.map(|o| s.outcome(o))
}

fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_future_dropped_while_an_unrelated_panic_unwinds_is_cancelled() {
    site!(DROPPED_IN_UNWIND);
    let mut fut = Box::pin(monitored(&DROPPED_IN_UNWIND, std::future::pending::<()>()));
    assert!(poll_once(fut.as_mut()).is_pending());
    // The owner of the pending future panics for its own reasons; the future drops on the way.
    let caught = catch_unwind(AssertUnwindSafe(move || {
        let _owner = fut;
        panic!("unrelated to the call");
    }));
    assert!(caught.is_err());
    // [ok, error, panic, cancelled]
    assert_eq!(outcomes(&DROPPED_IN_UNWIND), [0, 0, 0, 1]);
}

#[test]
fn a_body_that_panics_is_a_panic() {
    site!(PANICKING_BODY);
    let caught = catch_unwind(|| {
        futures::executor::block_on(monitored(&PANICKING_BODY, async {
            panic!("in the body");
        }))
    });
    assert!(caught.is_err());
    assert_eq!(outcomes(&PANICKING_BODY), [0, 0, 1, 0]);
}

#[test]
fn a_body_that_panicked_is_a_panic_when_its_future_drops_later() {
    // An executor catches the panic of a poll and drops the task afterwards, not unwinding.
    site!(CAUGHT_BY_EXECUTOR);
    let mut fut = Box::pin(monitored(&CAUGHT_BY_EXECUTOR, async {
        panic!("in the body");
    }));
    assert!(catch_unwind(AssertUnwindSafe(|| poll_once(fut.as_mut()))).is_err());
    drop(fut);
    assert_eq!(outcomes(&CAUGHT_BY_EXECUTOR), [0, 0, 1, 0]);
}

#[test]
fn a_pending_future_dropped_normally_is_cancelled_and_a_finished_one_ok() {
    site!(PENDING_THEN_DONE);
    let mut fut = Box::pin(monitored(&PENDING_THEN_DONE, std::future::pending::<()>()));
    assert!(poll_once(fut.as_mut()).is_pending());
    assert_eq!(PENDING_THEN_DONE.view().snapshot().in_flight(), 1);
    drop(fut);
    assert_eq!(
        futures::executor::block_on(monitored(&PENDING_THEN_DONE, async { 7 })),
        7
    );
    assert_eq!(outcomes(&PENDING_THEN_DONE), [1, 0, 0, 1]);
    assert_eq!(PENDING_THEN_DONE.view().snapshot().in_flight(), 0);
}

#[test]
fn a_call_driving_its_body_keeps_the_future_send() {
    fn assert_send<T: Send>(_: &T) {}
    site!(SEND);
    let fut = monitored(&SEND, async { 1 });
    assert_send(&fut);
    assert_eq!(futures::executor::block_on(fut), 1);
}

#[test]
fn a_sync_call_dropped_while_unwinding_is_a_panic() {
    site!(SYNC_PANIC);
    let caught = catch_unwind(|| {
        let _call = SYNC_PANIC.enter();
        panic!("in the body");
    });
    assert!(caught.is_err());
    assert_eq!(outcomes(&SYNC_PANIC), [0, 0, 1, 0]);
}

/// [ok, error, panic, cancelled] of the `#[monitored]` function called `name` in this file.
fn outcomes_of(name: &str) -> [u64; 4] {
    let site = errmon_runtime::sites::all()
        .into_iter()
        .find(|s| s.meta().function == name && s.meta().module == module_path!())
        .unwrap_or_else(|| panic!("no site `{name}`"));
    let s = site.snapshot();
    OutcomeLabel::ALL.map(|o| s.outcome(o))
}

#[errmon_runtime::monitored]
async fn waits_forever() -> Result<(), std::io::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

#[errmon_runtime::monitored]
async fn panics_in_its_body() -> u8 {
    panic!("the body's own panic")
}

#[test]
fn a_monitored_async_fn_dropped_during_an_unrelated_panic_is_cancelled() {
    let mut fut = Box::pin(waits_forever());
    assert!(poll_once(fut.as_mut()).is_pending());
    let caught = catch_unwind(AssertUnwindSafe(move || {
        let _owner = fut;
        panic!("unrelated to the call");
    }));
    assert!(caught.is_err());
    assert_eq!(outcomes_of("waits_forever"), [0, 0, 0, 1]);
}

#[test]
fn a_monitored_async_fn_whose_body_panics_is_a_panic() {
    let caught = catch_unwind(|| futures::executor::block_on(panics_in_its_body()));
    assert!(caught.is_err());
    assert_eq!(outcomes_of("panics_in_its_body"), [0, 0, 1, 0]);
}
