//! `impl Trait` in argument position and in return position, also nested in a `Result`.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::fmt::Display;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn describe(x: impl Display, y: &impl Display) -> String {
    format!("{x}/{y}")
}

#[timed]
#[count_calls]
fn describe_timed(x: impl Display, y: &impl Display) -> String {
    format!("{x}:{y}")
}

#[monitored]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[timed]
#[count_calls]
fn odds(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 1)
}

#[monitored]
fn digits(s: &str) -> Result<impl Iterator<Item = u32> + '_, char> {
    if let Some(bad) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(bad);
    }
    Ok(s.chars().filter_map(|c| c.to_digit(10)))
}

#[timed]
#[count_calls]
fn digits_timed(s: &str) -> Result<impl Iterator<Item = u32> + '_, char> {
    if let Some(bad) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(bad);
    }
    Ok(s.chars().filter_map(|c| c.to_digit(10)))
}

#[monitored]
fn parsed(items: &[&str]) -> Result<impl Iterator<Item = u8>, std::num::ParseIntError> {
    let v = items
        .iter()
        .map(|s| s.parse::<u8>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v.into_iter())
}

#[monitored]
fn adder(n: i32) -> impl Fn(i32) -> i32 {
    move |x| x + n
}

#[monitored]
fn boxed(flag: bool) -> Box<dyn Iterator<Item = u8>> {
    if flag {
        Box::new(std::iter::once(1))
    } else {
        Box::new(std::iter::empty())
    }
}

#[monitored]
async fn collect_async(it: impl IntoIterator<Item = u8>) -> impl Display {
    it.into_iter().map(u32::from).sum::<u32>()
}

pub fn main() {
    assert_eq!(describe(1, &"a"), "1/a");
    assert_eq!(describe_timed('x', &2.5), "x:2.5");
    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(odds(6).collect::<Vec<_>>(), [1, 3, 5]);
    assert_eq!(digits("123").unwrap().sum::<u32>(), 6);
    assert_eq!(digits("1a3").err(), Some('a'));
    assert_eq!(digits_timed("45").unwrap().collect::<Vec<_>>(), [4, 5]);
    assert_eq!(digits_timed("4-").err(), Some('-'));
    assert_eq!(parsed(&["1", "2"]).unwrap().collect::<Vec<_>>(), [1, 2]);
    assert!(parsed(&["1", "x"]).is_err());
    assert_eq!(adder(2)(3), 5);
    assert_eq!(boxed(true).count(), 1);
    assert_eq!(boxed(false).count(), 0);
    assert_eq!(block_on(collect_async([1, 2, 3])).to_string(), "6");
}
