//! `async fn` and `async unsafe fn`: the futures yield what the bodies return, including
//! early returns and `?` conversions.
#![deny(warnings, clippy::all, clippy::pedantic)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::future::ready;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, PartialEq)]
struct Failure(String);

impl From<std::num::ParseIntError> for Failure {
    fn from(e: std::num::ParseIntError) -> Self {
        Failure(e.to_string())
    }
}

#[monitored]
async fn parse_monitored(s: &str) -> Result<u32, Failure> {
    if s.is_empty() {
        return Err(Failure("empty".to_owned()));
    }
    let n: u32 = ready(s).await.parse()?;
    Ok(n * 2)
}

#[timed]
#[count_calls]
async fn parse_timed(s: &str) -> Result<u32, Failure> {
    if s.is_empty() {
        return Err(Failure("empty".to_owned()));
    }
    let n: u32 = ready(s).await.parse()?;
    Ok(n * 3)
}

#[monitored]
async fn unit_monitored(out: &mut Vec<u8>) {
    out.push(ready(1).await);
}

#[timed]
#[count_calls]
async fn unit_timed(out: &mut Vec<u8>) {
    out.push(ready(2).await);
}

#[monitored]
async fn first_monitored<'a>(words: &'a [&'a str]) -> Option<&'a str> {
    ready(words.first().copied()).await
}

/// Reads through the pointer.
///
/// # Safety
/// `p` must be valid for reads.
#[monitored]
async unsafe fn read_monitored(p: *const u32) -> u32 {
    // SAFETY: the caller guarantees `p` is valid.
    let v = unsafe { *p };
    ready(v).await + 1
}

/// Reads through the pointer.
///
/// # Safety
/// `p` must be valid for reads.
#[timed]
#[count_calls]
async unsafe fn read_timed(p: *const u32) -> u32 {
    // SAFETY: the caller guarantees `p` is valid.
    let v = unsafe { *p };
    ready(v).await + 2
}

pub fn main() {
    block_on(async {
        assert_eq!(parse_monitored("21").await, Ok(42));
        assert_eq!(parse_monitored("").await, Err(Failure("empty".to_owned())));
        assert_eq!(
            parse_monitored("x").await,
            Err(Failure("invalid digit found in string".to_owned()))
        );
        assert_eq!(parse_timed("2").await, Ok(6));
        assert_eq!(parse_timed("").await, Err(Failure("empty".to_owned())));
        assert!(parse_timed("-").await.is_err());

        let mut out = Vec::new();
        unit_monitored(&mut out).await;
        unit_timed(&mut out).await;
        assert_eq!(out, [1, 2]);

        let words = ["a", "b"];
        assert_eq!(first_monitored(&words).await, Some("a"));
        assert_eq!(first_monitored(&[]).await, None);

        let x = 40;
        // SAFETY: `&x` is valid for reads.
        assert_eq!(unsafe { read_monitored(&raw const x) }.await, 41);
        // SAFETY: `&x` is valid for reads.
        assert_eq!(unsafe { read_timed(&raw const x) }.await, 42);
    });
}
