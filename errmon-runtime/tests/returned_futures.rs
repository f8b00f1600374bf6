//! A sync function that returns a future is recorded as the future's call: from its first poll
//! to the value it completes with. An awaited `Err` is an error, a future dropped before it
//! completes is cancelled, the duration covers the polls, and a future built but never polled
//! records nothing. For every form: a tail `async` block, a tail `Box::pin(async move ..)`,
//! `BoxFuture`, tower's `Service::call`, and futures of other forms, which errmon wraps.

// The form under test: clippy says the same of these functions without the attributes.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::executor::block_on;
use futures::future::BoxFuture;

use errmon_runtime::sites::{self, OutcomeLabel, Snapshot};
use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, PartialEq)]
struct Fail;

fn snap_of(function: &str) -> Snapshot {
    sites::all()
        .into_iter()
        .find(|s| s.meta().function == function)
        .unwrap_or_else(|| panic!("no site for {function}"))
        .snapshot()
}

/// [ok, error, panic, cancelled]
fn outcomes(s: &Snapshot) -> [u64; 4] {
    OutcomeLabel::ALL.map(|o| s.outcome(o))
}

fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// Pending at its first poll, ready at the next.
#[derive(Default)]
struct Gate(bool);

impl Future for Gate {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

async fn work(x: u8) -> Result<u8, Fail> {
    Gate::default().await;
    if x == 0 { Err(Fail) } else { Ok(x) }
}

const PAUSE: Duration = Duration::from_millis(20);

/// Checks every rule on the function labeled `name`, whose futures `make` builds.
fn check<F: Future<Output = Result<u8, Fail>>>(name: &str, make: impl Fn(u8) -> F) {
    drop(make(1));
    let s = snap_of(name);
    assert_eq!(
        (s.calls, s.count(), outcomes(&s)),
        (0, 0, [0; 4]),
        "{name}: a future never polled is no call"
    );

    {
        let mut fut = pin!(make(1));
        assert!(poll_once(fut.as_mut()).is_pending());
        assert_eq!(
            snap_of(name).in_flight(),
            1,
            "{name}: in flight while pending"
        );
        std::thread::sleep(PAUSE);
        assert_eq!(poll_once(fut.as_mut()), Poll::Ready(Ok(1)));
    }
    let s = snap_of(name);
    assert_eq!((s.count(), outcomes(&s)), (1, [1, 0, 0, 0]), "{name}: ok");
    assert!(
        s.sum_seconds() >= PAUSE.as_secs_f64(),
        "{name}: the duration covers the polls, got {}s",
        s.sum_seconds()
    );

    assert_eq!(block_on(make(0)), Err(Fail));
    let s = snap_of(name);
    assert_eq!(
        outcomes(&s),
        [1, 1, 0, 0],
        "{name}: an awaited Err is an error"
    );

    {
        let mut fut = Box::pin(make(1));
        assert!(poll_once(fut.as_mut()).is_pending());
    }
    let s = snap_of(name);
    assert_eq!(
        (s.count(), s.in_flight(), outcomes(&s)),
        (3, 0, [1, 1, 0, 1]),
        "{name}: dropped before completion is cancelled"
    );
}

#[monitored]
fn impl_tail(x: u8) -> impl Future<Output = Result<u8, Fail>> {
    async move {
        Gate::default().await;
        if x == 0 {
            return Err(Fail);
        }
        Ok(x)
    }
}

#[test]
fn impl_future_with_a_tail_async_block() {
    check("impl_tail", impl_tail);
}

struct Holder(u8);

impl Holder {
    #[monitored]
    fn borrowed(&self) -> impl Future<Output = Result<u8, Fail>> + '_ {
        async { work(self.0).await }
    }
}

#[test]
fn tail_async_block_without_move() {
    let holders = [Holder(0), Holder(1)];
    check("borrowed", |x| holders[usize::from(x)].borrowed());
}

#[monitored]
fn boxed_tail(x: u8) -> Pin<Box<dyn Future<Output = Result<u8, Fail>> + Send>> {
    let x = x.min(5);
    Box::pin(async move { work(x).await })
}

#[test]
fn pinned_box_with_a_tail_box_pin() {
    check("boxed_tail", boxed_tail);
}

#[monitored]
fn box_future(x: u8) -> BoxFuture<'static, Result<u8, Fail>> {
    Box::pin(async move {
        let y = work(x).await?;
        Ok(y)
    })
}

#[test]
fn box_future_alias() {
    check("box_future", box_future);
}

#[monitored]
fn other_impl(x: u8) -> impl Future<Output = Result<u8, Fail>> {
    work(x)
}

#[test]
fn impl_future_of_another_form_is_wrapped() {
    check("other_impl", other_impl);
}

#[monitored]
fn other_boxed(x: u8) -> Pin<Box<dyn Future<Output = Result<u8, Fail>> + Send>> {
    let fut = work(x);
    Box::pin(fut)
}

#[test]
fn pinned_box_of_another_form_is_wrapped() {
    check("other_boxed", other_boxed);
}

#[monitored]
fn other_box_future(x: u8) -> BoxFuture<'static, Result<u8, Fail>> {
    Box::pin(work(x))
}

#[test]
fn box_future_of_another_form_is_wrapped() {
    check("other_box_future", other_box_future);
}

/// tower's `Service`, as far as its `call` goes.
trait Service<Req> {
    type Response;
    type Error;
    type Future: Future<Output = Result<Self::Response, Self::Error>>;
    fn call(&mut self, req: Req) -> Self::Future;
}

struct Svc;

impl Service<u8> for Svc {
    type Response = u8;
    type Error = Fail;
    type Future = BoxFuture<'static, Result<u8, Fail>>;

    #[monitored(name = "Svc::call")]
    fn call(&mut self, req: u8) -> Self::Future {
        let fut = work(req);
        Box::pin(async move { fut.await })
    }
}

#[test]
fn tower_service_call() {
    check("Svc::call", |x| Svc.call(x));
}

#[timed]
fn timed_tail(x: u8) -> impl Future<Output = u8> {
    async move {
        Gate::default().await;
        x
    }
}

#[count_calls]
fn counted_tail(x: u8) -> impl Future<Output = u8> {
    async move { x }
}

#[test]
fn timed_and_counted_returned_futures_record_their_polls() {
    drop(timed_tail(1));
    drop(counted_tail(1));
    assert_eq!(snap_of("timed_tail").count(), 0);
    assert_eq!(snap_of("counted_tail").calls, 0);
    {
        let mut fut = pin!(timed_tail(1));
        assert!(poll_once(fut.as_mut()).is_pending());
        std::thread::sleep(PAUSE);
        assert_eq!(poll_once(fut.as_mut()), Poll::Ready(1));
    }
    assert_eq!(block_on(counted_tail(2)), 2);
    let s = snap_of("timed_tail");
    assert_eq!(s.count(), 1);
    assert!(s.sum_seconds() >= PAUSE.as_secs_f64());
    assert_eq!(snap_of("counted_tail").calls, 1);
}

#[monitored]
fn panics_in_poll(x: u8) -> impl Future<Output = Result<u8, Fail>> {
    let fut = work(x);
    async move {
        let v = fut.await?;
        assert!(v < 100, "too large");
        Ok(v)
    }
}

#[test]
fn a_returned_future_whose_poll_panics_is_a_panic() {
    let caught = std::panic::catch_unwind(|| block_on(panics_in_poll(200)));
    assert!(caught.is_err());
    let s = snap_of("panics_in_poll");
    assert_eq!(outcomes(&s), [0, 0, 1, 0]);
}
