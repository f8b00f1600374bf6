//! Inner attributes in the body still apply to the whole body, and items at the top of a body
//! (a `use`, a `const`, a nested `fn`) stay where clippy's `items_after_statements` accepts them.
#![deny(warnings, clippy::all, clippy::pedantic)]

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn cast(x: u64) -> u8 {
    #![allow(clippy::cast_possible_truncation)]
    x as u8
}

#[timed]
#[count_calls]
fn cast_timed(x: u64) -> u8 {
    #![allow(clippy::cast_possible_truncation)]
    x as u8
}

#[monitored]
fn documented() -> u32 {
    //! An inner doc comment.
    #![allow(clippy::items_after_statements)]
    let a = 1;
    const B: u32 = 2;
    a + B
}

#[monitored]
fn with_items(s: &str) -> String {
    use std::fmt::Write as _;
    const SEP: char = '|';
    fn wrap(s: &str) -> String {
        format!("{SEP}{s}{SEP}")
    }
    let mut out = wrap(s);
    write!(out, "{}", s.len()).expect("writing to a String");
    out
}

#[timed]
#[count_calls]
fn with_items_timed(s: &str) -> String {
    use std::fmt::Write as _;
    const SEP: char = '#';
    fn wrap(s: &str) -> String {
        format!("{SEP}{s}{SEP}")
    }
    let mut out = wrap(s);
    write!(out, "{}", s.len()).expect("writing to a String");
    out
}

#[monitored]
async fn cast_async(x: i64) -> u16 {
    #![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    const OFFSET: i64 = 1;
    (x + OFFSET) as u16
}

pub fn main() {
    assert_eq!(cast(0x1ff), 0xff);
    assert_eq!(cast_timed(0x101), 1);
    assert_eq!(documented(), 3);
    assert_eq!(with_items("ab"), "|ab|2");
    assert_eq!(with_items_timed("c"), "#c#1");
    assert_eq!(block_on(cast_async(0x1_0000)), 1);
}
