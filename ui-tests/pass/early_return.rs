//! Early `return`, `?` converting errors through `From` (also into `Box<dyn Error>`), `?` on
//! `Option`, `let else`, and `return` from inside loops, closures and nested functions.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::error::Error;
use std::fmt;

use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, PartialEq)]
enum AppError {
    Parse(String),
    Negative(i64),
}

impl From<std::num::ParseIntError> for AppError {
    fn from(e: std::num::ParseIntError) -> Self {
        AppError::Parse(e.to_string())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl Error for AppError {}

#[monitored]
fn parse_positive(s: &str) -> Result<i64, AppError> {
    let n: i64 = s.trim().parse()?;
    if n < 0 {
        return Err(AppError::Negative(n));
    }
    Ok(n)
}

#[timed]
#[count_calls]
fn parse_positive_timed(s: &str) -> Result<i64, AppError> {
    let n: i64 = s.trim().parse()?;
    if n < 0 {
        return Err(AppError::Negative(n));
    }
    Ok(n)
}

#[monitored]
fn sum_boxed(parts: &[&str]) -> Result<i64, Box<dyn Error + Send + Sync>> {
    let mut total = 0;
    for p in parts {
        total += parse_positive(p)?;
        if total > 100 {
            return Err("too large".into());
        }
    }
    Ok(total)
}

#[timed]
#[count_calls]
fn sum_boxed_timed(parts: &[&str]) -> Result<i64, Box<dyn Error>> {
    let mut total = 0;
    for p in parts {
        total += parse_positive(p)?;
    }
    Ok(total)
}

#[monitored]
#[allow(clippy::question_mark)]
fn second_word(s: &str) -> Option<&str> {
    let mut words = s.split_whitespace();
    words.next()?;
    let Some(w) = words.next() else {
        return None;
    };
    Some(w)
}

#[timed]
#[count_calls]
fn second_word_timed(s: &str) -> Option<&str> {
    let mut words = s.split_whitespace();
    words.next()?;
    words.next()
}

#[monitored]
#[allow(clippy::items_after_statements, clippy::needless_return)]
fn find_first_even(v: &[u32]) -> u32 {
    for &x in v {
        if x % 2 == 0 {
            return x;
        }
    }
    // A `return` in a closure or a nested function returns from them, not from `find_first_even`.
    let fallback = || {
        return 1;
    };
    fn nested() -> u32 {
        return 2;
    }
    fallback() + nested()
}

#[monitored]
fn collect_lengths(v: &[&str]) -> Result<Vec<usize>, AppError> {
    v.iter()
        .map(|s| {
            if s.is_empty() {
                return Err(AppError::Parse("empty".to_owned()));
            }
            Ok(s.len())
        })
        .collect()
}

#[monitored]
fn unit_early(out: &mut Vec<u8>, stop: bool) {
    if stop {
        return;
    }
    out.push(1);
}

#[timed]
#[count_calls]
fn unit_early_timed(out: &mut Vec<u8>, stop: bool) {
    if stop {
        return;
    }
    out.push(2);
}

#[monitored]
fn labeled(v: &[u8]) -> usize {
    let mut n = 0;
    'outer: for chunk in v.chunks(2) {
        for &x in chunk {
            if x == 0 {
                break 'outer;
            }
            if x == 9 {
                return 99;
            }
            n += 1;
        }
    }
    n
}

pub fn main() {
    assert_eq!(parse_positive(" 5 "), Ok(5));
    assert_eq!(parse_positive("-5"), Err(AppError::Negative(-5)));
    assert!(matches!(parse_positive("x"), Err(AppError::Parse(_))));
    assert_eq!(parse_positive_timed("6"), Ok(6));
    assert_eq!(parse_positive_timed("-6"), Err(AppError::Negative(-6)));
    assert!(matches!(parse_positive_timed(""), Err(AppError::Parse(_))));

    assert_eq!(sum_boxed(&["1", "2"]).unwrap(), 3);
    assert_eq!(
        sum_boxed(&["1", "-2"]).unwrap_err().to_string(),
        "Negative(-2)"
    );
    assert_eq!(
        sum_boxed(&["99", "2"]).unwrap_err().to_string(),
        "too large"
    );
    assert_eq!(sum_boxed_timed(&["4", "5"]).unwrap(), 9);
    assert!(sum_boxed_timed(&["a"]).is_err());

    assert_eq!(second_word("a b c"), Some("b"));
    assert_eq!(second_word("a"), None);
    assert_eq!(second_word(""), None);
    assert_eq!(second_word_timed("x y"), Some("y"));
    assert_eq!(second_word_timed(""), None);

    assert_eq!(find_first_even(&[1, 4, 6]), 4);
    assert_eq!(find_first_even(&[1]), 3);
    assert_eq!(collect_lengths(&["ab", "c"]), Ok(vec![2, 1]));
    assert!(collect_lengths(&["ab", ""]).is_err());

    let mut out = vec![];
    unit_early(&mut out, true);
    unit_early(&mut out, false);
    unit_early_timed(&mut out, true);
    unit_early_timed(&mut out, false);
    assert_eq!(out, [1, 2]);

    assert_eq!(labeled(&[1, 1, 1, 0, 1]), 3);
    assert_eq!(labeled(&[1, 9]), 99);
}
