//! Sync functions that return futures, in every form: recorded when the future completes,
//! without warnings from the expansion.
#![deny(warnings, clippy::all, clippy::pedantic)]
// The form under test: clippy says the same of these functions without the attributes.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::pin::Pin;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, PartialEq)]
pub struct Error;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[allow(clippy::unused_async)]
async fn fetch(x: u8) -> Result<u8, Error> {
    if x == 0 { Err(Error) } else { Ok(x) }
}

#[monitored]
fn tail_async(x: u8) -> impl Future<Output = Result<u8, Error>> {
    async move {
        let y = fetch(x).await?;
        Ok(y)
    }
}

#[monitored]
fn tail_box_pin(x: u8) -> Pin<Box<dyn Future<Output = Result<u8, Error>> + Send>> {
    Box::pin(async move { fetch(x).await })
}

#[monitored]
fn alias<'a>(s: &'a str) -> BoxFuture<'a, Result<&'a str, Error>> {
    Box::pin(async move { if s.is_empty() { Err(Error) } else { Ok(s) } })
}

#[monitored]
fn other_form(x: u8) -> impl Future<Output = Result<u8, Error>> + Send {
    fetch(x)
}

#[monitored]
fn other_boxed(x: u8) -> BoxFuture<'static, Result<u8, Error>> {
    Box::pin(fetch(x))
}

#[monitored]
#[track_caller]
fn located(x: u8) -> impl Future<Output = Result<u8, Error>> {
    fetch(x)
}

#[monitored]
fn unit_output() -> impl Future<Output = ()> {
    async {}
}

#[monitored(error_if = Option::is_none)]
fn optional(x: u8) -> impl Future<Output = Option<u8>> {
    async move { x.checked_sub(1) }
}

#[timed]
#[count_calls]
fn timed_tail(x: u8) -> impl Future<Output = u8> {
    async move { x }
}

/// tower's `Service`, as far as its `call` goes.
pub trait Service<Req> {
    type Response;
    type Error;
    type Future: Future<Output = Result<Self::Response, Self::Error>>;
    fn call(&mut self, req: Req) -> Self::Future;
}

pub struct Svc {
    calls: u32,
}

impl Service<u8> for Svc {
    type Response = u8;
    type Error = Error;
    type Future = BoxFuture<'static, Result<u8, Error>>;

    #[monitored]
    fn call(&mut self, req: u8) -> Self::Future {
        self.calls += 1;
        let fut = fetch(req);
        Box::pin(async move { fut.await })
    }
}

pub fn main() {
    assert_eq!(block_on(tail_async(1)), Ok(1));
    assert_eq!(block_on(tail_async(0)), Err(Error));
    assert_eq!(block_on(tail_box_pin(2)), Ok(2));
    assert_eq!(block_on(alias("a")), Ok("a"));
    assert_eq!(block_on(alias("")), Err(Error));
    assert_eq!(block_on(other_form(3)), Ok(3));
    assert_eq!(block_on(other_boxed(4)), Ok(4));
    assert_eq!(block_on(located(5)), Ok(5));
    block_on(unit_output());
    assert_eq!(block_on(optional(0)), None);
    assert_eq!(block_on(timed_tail(6)), 6);
    let mut svc = Svc { calls: 0 };
    assert_eq!(block_on(svc.call(7)), Ok(7));
    assert_eq!(svc.calls, 1);
}
