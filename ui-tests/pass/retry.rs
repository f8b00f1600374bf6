//! `#[retry]` on every shape it accepts: free functions, `?` through `From`, by-value,
//! destructured, `impl Trait` and `&mut` arguments, `#[track_caller]`, every receiver, generics, async with a
//! custom sleep, stacked with `#[monitored]` and `#[timed]` in both orders, and on an `impl` block.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::sync::Arc;
use std::time::Duration;

use futures::executor::block_on;

use errmon_runtime::{ErrorKind, monitored, retry, timed};

#[derive(Debug, PartialEq, ErrorKind)]
pub enum NetError {
    Busy,
    Parse,
}

impl From<std::num::ParseIntError> for NetError {
    fn from(_: std::num::ParseIntError) -> Self {
        NetError::Parse
    }
}

fn is_busy(e: &NetError) -> bool {
    *e == NetError::Busy
}

async fn no_wait(_: Duration) {}

#[retry(attempts = 3, backoff = constant(delay = "1ms"), when = is_busy)]
fn parse(text: &str) -> Result<u32, NetError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[track_caller]
fn located(text: &str) -> Result<(u32, u32), NetError> {
    let n: u32 = text.parse()?;
    if n == 0 {
        return Err(NetError::Busy);
    }
    Ok((n, std::panic::Location::caller().line()))
}

#[retry(attempts = 3, backoff = constant(delay = "1ms"))]
fn consume(mut log: Vec<u32>, (a, b): (u32, u32), tries: &mut u32) -> Result<Vec<u32>, NetError> {
    *tries += 1;
    log.push(a + b);
    if *tries < 2 {
        return Err(NetError::Busy);
    }
    Ok(log)
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn with_impl(f: impl Fn() -> u32 + Clone) -> Result<u32, NetError> {
    Ok(f())
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn generic<T>(value: T) -> Result<u64, NetError>
where
    T: Copy + Into<u64>,
{
    Ok(value.into())
}

#[retry(attempts = 3, backoff = linear(initial = "1ms", step = "1ms", max = "5ms"), jitter = equal, sleep = no_wait)]
async fn fetch(tries: &mut u32) -> Result<u32, NetError> {
    *tries += 1;
    if *tries < 3 {
        Err(NetError::Busy)
    } else {
        Ok(*tries)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Client {
    calls: u32,
}

impl Client {
    #[retry(attempts = 2, backoff = constant(delay = "1ms"))]
    fn by_ref(&self) -> Result<u32, NetError> {
        Ok(self.calls)
    }

    #[retry(attempts = 2, backoff = constant(delay = "1ms"))]
    fn by_mut(&mut self) -> Result<u32, NetError> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[retry(attempts = 2, backoff = constant(delay = "1ms"))]
    fn by_value(self) -> Result<u32, NetError> {
        Ok(self.calls)
    }

    #[retry(attempts = 2, backoff = constant(delay = "1ms"))]
    fn by_mut_value(mut self) -> Result<u32, NetError> {
        self.calls += 10;
        Ok(self.calls)
    }

    #[retry(attempts = 2, backoff = constant(delay = "1ms"))]
    fn by_arc(self: Arc<Self>) -> Result<u32, NetError> {
        Ok(self.calls)
    }

    #[retry(attempts = 2, backoff = constant(delay = "1ms"), jitter = decorrelated, sleep = no_wait)]
    async fn by_ref_async(&self) -> Result<u32, NetError> {
        Ok(self.calls)
    }
}

pub struct Pool(u32);

/// On an `impl` block: every method returning `Result`, async ones too; the others skipped.
#[retry(attempts = 2, backoff = constant(delay = "1ms"), sleep = no_wait)]
impl Pool {
    #[retry(skip)]
    #[must_use]
    pub fn new() -> Self {
        Pool(0)
    }

    fn get(&mut self) -> Result<u32, NetError> {
        self.0 += 1;
        if self.0 < 2 {
            Err(NetError::Busy)
        } else {
            Ok(self.0)
        }
    }

    #[retry(attempts = 1)]
    async fn get_async(&self) -> Result<u32, NetError> {
        Ok(self.0)
    }

    #[monitored]
    fn monitored_get(&self) -> Result<u32, NetError> {
        Ok(self.0)
    }
}

#[monitored]
#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn monitored_outside() -> Result<(), NetError> {
    Err(NetError::Busy)
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[timed]
fn timed_inside() -> Result<u8, NetError> {
    Ok(1)
}

pub fn main() {
    assert_eq!(parse("42"), Ok(42));
    assert_eq!(parse("x"), Err(NetError::Parse));
    assert_eq!(located("7"), Ok((7, line!())));
    assert_eq!(located("0"), Err(NetError::Busy));

    let mut tries = 0;
    assert_eq!(consume(vec![1], (2, 3), &mut tries), Ok(vec![1, 5]));
    assert_eq!(tries, 2);
    assert_eq!(with_impl(|| 7), Ok(7));
    assert_eq!(generic(3u8), Ok(3));

    let mut tries = 0;
    assert_eq!(block_on(fetch(&mut tries)), Ok(3));

    let mut c = Client::default();
    assert_eq!(c.by_mut(), Ok(1));
    assert_eq!(c.by_ref(), Ok(1));
    assert_eq!(block_on(c.by_ref_async()), Ok(1));
    assert_eq!(c.clone().by_value(), Ok(1));
    assert_eq!(c.clone().by_mut_value(), Ok(11));
    assert_eq!(Arc::new(c).by_arc(), Ok(1));

    let mut pool = Pool::new();
    assert_eq!(pool.get(), Ok(2));
    assert_eq!(block_on(pool.get_async()), Ok(2));
    assert_eq!(pool.monitored_get(), Ok(2));

    assert_eq!(monitored_outside(), Err(NetError::Busy));
    assert_eq!(timed_inside(), Ok(1));
}
