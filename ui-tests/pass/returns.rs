//! Unit, value, `Result` and `Option` returns keep their values under every attribute.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::cell::Cell;

use errmon_runtime::{count_calls, monitored, timed};

thread_local! {
    static TOUCHED: Cell<u32> = const { Cell::new(0) };
}

#[monitored]
fn unit_monitored() {
    TOUCHED.with(|t| t.set(t.get() + 1));
}

#[timed]
#[count_calls]
fn unit_timed() {
    TOUCHED.with(|t| t.set(t.get() + 10));
}

#[monitored]
#[allow(clippy::unused_unit)]
fn explicit_unit_monitored() -> () {
    TOUCHED.with(|t| t.set(t.get() + 100));
}

#[monitored]
fn value_monitored(x: u32) -> String {
    format!("<{x}>")
}

#[count_calls]
#[timed]
fn value_timed(x: u32) -> String {
    format!("[{x}]")
}

#[monitored]
fn result_monitored(x: i64) -> Result<u32, std::num::TryFromIntError> {
    u32::try_from(x)
}

#[timed]
#[count_calls]
fn result_timed(x: i64) -> Result<u32, std::num::TryFromIntError> {
    u32::try_from(x)
}

#[monitored]
fn option_monitored(v: &[u8]) -> Option<u8> {
    v.iter().copied().max()
}

#[timed]
#[count_calls]
fn option_timed(v: &[u8]) -> Option<u8> {
    v.iter().copied().min()
}

#[monitored]
fn tuple_monitored(a: u8, b: u8) -> (u8, bool) {
    a.overflowing_add(b)
}

#[monitored(error_if = Option::is_none)]
fn option_predicate(s: &str) -> Option<usize> {
    s.find('x')
}

// One-line bodies: rustc's `unused_braces` only looks at blocks written on one line.
#[rustfmt::skip]
mod one_line {
    use errmon_runtime::{count_calls, monitored, timed};

    #[monitored]
    pub fn one() -> u32 { 1 }

    #[monitored]
    pub async fn two() -> u32 { 2 }

    #[monitored]
    #[track_caller]
    pub fn three() -> u32 { 3 }

    #[timed]
    #[count_calls]
    pub fn four() -> u32 { 4 }

    #[monitored]
    pub fn unit() {}
}

pub fn main() {
    assert_eq!(one_line::one(), 1);
    assert_eq!(futures::executor::block_on(one_line::two()), 2);
    assert_eq!(one_line::three(), 3);
    assert_eq!(one_line::four(), 4);
    one_line::unit();

    unit_monitored();
    unit_timed();
    explicit_unit_monitored();
    assert_eq!(TOUCHED.with(Cell::get), 111);

    assert_eq!(value_monitored(3), "<3>");
    assert_eq!(value_timed(4), "[4]");
    assert_eq!(result_monitored(7), Ok(7));
    assert!(result_monitored(-1).is_err());
    assert_eq!(result_timed(8), Ok(8));
    assert!(result_timed(i64::MAX).is_err());
    assert_eq!(option_monitored(&[1, 9, 2]), Some(9));
    assert_eq!(option_monitored(&[]), None);
    assert_eq!(option_timed(&[4, 3]), Some(3));
    assert_eq!(option_timed(&[]), None);
    assert_eq!(tuple_monitored(250, 10), (4, true));
    assert_eq!(option_predicate("axb"), Some(1));
    assert_eq!(option_predicate("ab"), None);
}
