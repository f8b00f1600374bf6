//! The user's own lints still fire through the attributes: each function below has the
//! mistake a pedantic lint reports, and `#[expect]`s it, so `cargo clippy` (which lints this
//! file through `tests/lints.rs`, with `warnings` denied) fails with
//! `unfulfilled_lint_expectations` when the attribute hides it. rustc alone does not check
//! expectations of clippy's lints.
//!
//! Three lints about a whole function cannot be kept by the attributes that wrap its body
//! (`#[monitored]`, `#[retry]`) without changing what they do: `needless_pass_by_value`,
//! since the body runs in a `move` closure or `async move` block that takes the arguments, so
//! that they drop inside the call, in the function's order; `unnecessary_wraps`, since the
//! function's value passes through the local its outcome is read from; `unused_async`, since
//! the wrapper awaits the body. The prologue attributes (`#[timed]`, `#[count_calls]`) keep
//! them: `needless_pass_by_value` is tested below.
#![deny(warnings, clippy::all, clippy::pedantic)]

use errmon_runtime::{count_calls, monitored, timed};

#[timed]
#[expect(clippy::needless_pass_by_value, reason = "under test")]
pub fn by_value_timed(s: String) -> usize {
    s.len()
}

#[monitored]
#[expect(clippy::items_after_statements, reason = "under test")]
pub fn item_after_statement(x: u8) -> u8 {
    let y = x + 1;
    const TWO: u8 = 2;
    y * TWO
}

#[count_calls]
#[expect(clippy::items_after_statements, reason = "under test")]
pub fn item_after_statement_counted(x: u8) -> u8 {
    let y = x + 1;
    const TWO: u8 = 2;
    y * TWO
}

#[monitored]
#[expect(clippy::semicolon_if_nothing_returned, reason = "under test")]
pub fn no_semicolon(v: &mut Vec<u8>) {
    v.push(1)
}

#[timed]
#[expect(clippy::semicolon_if_nothing_returned, reason = "under test")]
pub fn no_semicolon_timed(v: &mut Vec<u8>) {
    v.push(1)
}

pub fn main() {
    assert_eq!(by_value_timed("ab".to_owned()), 2);
    assert_eq!(item_after_statement(1), 4);
    assert_eq!(item_after_statement_counted(1), 4);
    let mut v = Vec::new();
    no_semicolon(&mut v);
    no_semicolon_timed(&mut v);
    assert_eq!(v, [1, 1]);
}
