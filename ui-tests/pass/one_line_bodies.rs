//! Bodies written on one line, as rustfmt leaves them under `#[rustfmt::skip]`: no attribute
//! may make rustc warn about the braces (`unused_braces`, whose suggestion would delete the
//! function's own braces), sync or async, alone or stacked, on functions and methods.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::time::Duration;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, retry, timed};

#[derive(Debug, PartialEq)]
pub struct Busy;

async fn no_wait(_: Duration) {}

#[rustfmt::skip]
// The user's own lint on bodies without `.await`, not one about generated code.
#[allow(clippy::unused_async)]
mod bodies {
    use super::{Busy, count_calls, monitored, no_wait, retry, timed};

    #[count_calls] pub fn counted() -> u32 { 1 }
    #[timed] pub fn timed_value() -> u32 { 2 }
    #[monitored] pub fn monitored_value() -> u32 { 3 }
    #[monitored] pub fn monitored_result() -> Result<u32, Busy> { Ok(4) }
    #[retry] pub fn retried() -> Result<u32, Busy> { Ok(5) }
    #[retry] #[track_caller] pub fn retried_located() -> Result<u32, Busy> { Ok(6) }
    #[retry(sleep = no_wait)] pub async fn retried_async() -> Result<u32, Busy> { Ok(7) }
    #[monitored] #[retry] pub fn monitored_retried() -> Result<u32, Busy> { Ok(8) }
    #[monitored] #[retry(sleep = no_wait)] pub async fn monitored_retried_async() -> Result<u32, Busy> { Ok(9) }
    #[retry] #[monitored] pub fn retried_monitored() -> Result<u32, Busy> { Ok(10) }
    #[monitored] #[track_caller] pub fn monitored_located() -> Result<u32, Busy> { Ok(11) }
    #[count_calls] pub async fn counted_async() -> u32 { 12 }
    #[timed] pub async fn timed_async() -> u32 { 13 }
    #[monitored] pub async fn monitored_async() -> Result<u32, Busy> { Ok(14) }
    #[timed] #[retry] pub fn timed_retried() -> Result<u32, Busy> { Ok(15) }
    #[monitored] #[retry] #[track_caller] pub fn monitored_retried_located() -> Result<u32, Busy> { Ok(20) }
    #[timed] #[count_calls] #[track_caller] pub fn timed_located() -> u32 { 21 }

    pub struct Client(pub u32);

    #[monitored] impl Client { pub fn call(&self) -> Result<u32, Busy> { Ok(self.0 + 16) } }
    #[timed] impl Client { pub fn timed_call(&self) -> u32 { self.0 + 17 } }
    #[count_calls] impl Client { pub fn counted_call(&self) -> u32 { self.0 + 18 } }
    impl Client { #[retry] pub fn retried_call(&self) -> Result<u32, Busy> { Ok(self.0 + 19) } }
}

pub fn main() {
    use bodies::{Client, *};
    assert_eq!(counted(), 1);
    assert_eq!(timed_value(), 2);
    assert_eq!(monitored_value(), 3);
    assert_eq!(monitored_result(), Ok(4));
    assert_eq!(retried(), Ok(5));
    assert_eq!(retried_located(), Ok(6));
    assert_eq!(block_on(retried_async()), Ok(7));
    assert_eq!(monitored_retried(), Ok(8));
    assert_eq!(block_on(monitored_retried_async()), Ok(9));
    assert_eq!(retried_monitored(), Ok(10));
    assert_eq!(monitored_located(), Ok(11));
    assert_eq!(block_on(counted_async()), 12);
    assert_eq!(block_on(timed_async()), 13);
    assert_eq!(block_on(monitored_async()), Ok(14));
    assert_eq!(timed_retried(), Ok(15));
    assert_eq!(monitored_retried_located(), Ok(20));
    assert_eq!(timed_located(), 21);
    assert_eq!(Client(0).call(), Ok(16));
    assert_eq!(Client(0).timed_call(), 17);
    assert_eq!(Client(0).counted_call(), 18);
    assert_eq!(Client(0).retried_call(), Ok(19));
}
