//! errmon's attributes written above or below tracing's `#[instrument]` (and `#[tokio::test]`):
//! both expand, in either order, without warnings, on free functions, `async fn`s, methods,
//! annotated `impl` blocks and functions that return futures.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::future::Future;
use std::pin::Pin;

use futures::executor::block_on;
use tracing::instrument;

use errmon_runtime::{count_calls, monitored, retry, timed};

#[derive(Debug, PartialEq)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

#[monitored]
#[instrument(ret, err)]
fn above(x: u8) -> Result<u8, Error> {
    if x == 0 { Err(Error) } else { Ok(x) }
}

#[instrument(ret, err)]
#[monitored]
fn below(x: u8) -> Result<u8, Error> {
    if x == 0 { Err(Error) } else { Ok(x) }
}

#[monitored]
#[instrument(err, skip(_unused))]
async fn above_async(x: u8, _unused: &str) -> Result<u8, Error> {
    tracing::info!(x, "polled");
    above(x)
}

#[instrument(level = "debug", err)]
#[monitored]
async fn below_async(x: u8) -> Result<u8, Error> {
    below(x)
}

#[timed]
#[count_calls]
#[instrument]
fn timed_above(x: u8) -> u8 {
    x
}

#[instrument]
#[timed]
fn timed_below(x: u8) -> u8 {
    x
}

#[monitored]
#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[instrument(err)]
fn retried(x: u8) -> Result<u8, Error> {
    above(x)
}

#[monitored]
#[instrument(ret)]
#[track_caller]
fn located(x: u8) -> Result<u8, Error> {
    tracing::info!(?x, "sigil");
    let y = above(x)?;
    Ok(y)
}

#[monitored]
#[instrument(err)]
fn returns_future(x: u8) -> Pin<Box<dyn Future<Output = Result<u8, Error>> + Send>> {
    Box::pin(async move { above(x) })
}

#[instrument(err)]
#[monitored]
fn returns_future_below(x: u8) -> Pin<Box<dyn Future<Output = Result<u8, Error>> + Send>> {
    Box::pin(async move { below(x) })
}

pub struct Client {
    base: u8,
}

impl Client {
    #[monitored]
    #[instrument(skip(self), err)]
    fn get(&self, x: u8) -> Result<u8, Error> {
        above(self.base + x)
    }

    #[instrument(skip(self))]
    #[monitored]
    async fn get_async(&self, x: u8) -> Result<u8, Error> {
        below(self.base + x)
    }
}

pub struct Annotated;

#[monitored]
impl Annotated {
    #[instrument(err)]
    fn one(x: u8) -> Result<u8, Error> {
        above(x)
    }

    #[instrument]
    async fn two(x: u8) -> Result<u8, Error> {
        below(x)
    }
}

#[monitored]
#[tokio::test]
async fn monitored_above_tokio_test() {
    assert_eq!(above_async(1, "").await, Ok(1));
}

#[tokio::test]
#[monitored]
async fn monitored_below_tokio_test() {
    assert_eq!(below_async(1).await, Ok(1));
}

pub fn main() {
    assert_eq!(above(1), Ok(1));
    assert_eq!(below(0), Err(Error));
    assert_eq!(block_on(above_async(2, "")), Ok(2));
    assert_eq!(block_on(below_async(0)), Err(Error));
    assert_eq!(timed_above(3) + timed_below(3), 6);
    assert_eq!(retried(4), Ok(4));
    assert_eq!(located(5), Ok(5));
    assert_eq!(block_on(returns_future(6)), Ok(6));
    assert_eq!(block_on(returns_future_below(0)), Err(Error));
    let c = Client { base: 1 };
    assert_eq!(c.get(1), Ok(2));
    assert_eq!(block_on(c.get_async(1)), Ok(2));
    assert_eq!(Annotated::one(7), Ok(7));
    assert_eq!(block_on(Annotated::two(8)), Ok(8));
}
