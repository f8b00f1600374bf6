//! A glob import that shadows `Result`, `Option` and `Ok` of the prelude: the generated code must
//! not name them, and the user's spelling of the return type keeps its meaning.
#![deny(warnings, clippy::all, clippy::pedantic)]

mod types {
    pub type Result<T> = std::result::Result<T, Error>;

    #[derive(Debug, PartialEq)]
    pub struct Error(pub &'static str);

    #[derive(Debug, PartialEq)]
    pub enum Option {
        Yes,
        No,
    }

    #[allow(non_snake_case, clippy::unnecessary_wraps)]
    pub fn Ok<T>(t: T) -> Result<T> {
        std::result::Result::Ok(t)
    }
}

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};
#[allow(clippy::wildcard_imports)]
use types::*;

#[monitored]
fn check(x: u8) -> Result<u8> {
    if x == 0 {
        return Err(Error("zero"));
    }
    let doubled = x.checked_mul(2).ok_or(Error("overflow"))?;
    Ok(doubled)
}

#[timed]
#[count_calls]
fn check_timed(x: u8) -> Result<u8> {
    if x == 0 {
        return Err(Error("zero"));
    }
    Ok(x)
}

#[monitored]
fn answer(b: bool) -> Option {
    if b { Option::Yes } else { Option::No }
}

#[timed]
#[count_calls]
fn answer_timed(b: bool) -> Option {
    if b { Option::Yes } else { Option::No }
}

#[monitored]
async fn check_async(x: u8) -> Result<u8> {
    check(x)
}

pub fn main() {
    assert_eq!(check(2), Ok(4));
    assert_eq!(check(0), Err(Error("zero")));
    assert_eq!(check(200), Err(Error("overflow")));
    assert_eq!(check_timed(3), Ok(3));
    assert_eq!(check_timed(0), Err(Error("zero")));
    assert_eq!(answer(true), Option::Yes);
    assert_eq!(answer_timed(false), Option::No);
    assert_eq!(block_on(check_async(1)), Ok(2));
}
