//! A crate that defines its own `mod core`, `mod std`, `mod errmon_runtime`, `Result`, `Option`
//! and `Box`: the generated code names nothing through the user's scope.
#![deny(warnings, clippy::all, clippy::pedantic)]
#![allow(clippy::module_name_repetitions)]

mod core {}

#[allow(dead_code)]
mod errmon_runtime {}

mod std {}

#[allow(dead_code)]
#[derive(Debug, PartialEq)]
enum Result<T> {
    Good(T),
    Bad,
}

#[allow(dead_code)]
struct Option;

#[allow(dead_code)]
struct Box;

#[allow(dead_code)]
fn line() -> u32 {
    0
}

use ::errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn check(x: u8) -> Result<u8> {
    if x == 0 {
        return Result::Bad;
    }
    Result::Good(x)
}

#[timed]
#[count_calls]
fn check_timed(x: u8) -> Result<u8> {
    if x == 0 {
        return Result::Bad;
    }
    Result::Good(x)
}

#[monitored]
fn std_result(x: u8) -> ::core::result::Result<u8, ()> {
    if x == 0 { Err(()) } else { Ok(x) }
}

#[monitored]
async fn check_async(x: u8) -> Result<u8> {
    check(x)
}

pub fn main() {
    assert_eq!(check(1), Result::Good(1));
    assert_eq!(check(0), Result::Bad);
    assert_eq!(check_timed(2), Result::Good(2));
    assert_eq!(std_result(0), Err(()));
    assert_eq!(
        ::futures::executor::block_on(check_async(3)),
        Result::Good(3)
    );
}
