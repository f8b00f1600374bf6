//! Recursive functions, direct and mutual, sync and async, each level counted as a call.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::future::Future;
use std::pin::Pin;

use futures::executor::block_on;

use errmon_runtime::sites::{self, Kind};
use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn factorial(n: u64) -> Result<u64, String> {
    if n <= 1 {
        return Ok(1);
    }
    factorial(n - 1)?
        .checked_mul(n)
        .ok_or_else(|| format!("overflow at {n}"))
}

#[timed]
#[count_calls]
fn fib(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[monitored]
fn is_even(n: u32) -> bool {
    if n == 0 { true } else { is_odd(n - 1) }
}

#[monitored]
fn is_odd(n: u32) -> bool {
    if n == 0 { false } else { is_even(n - 1) }
}

#[monitored]
fn depth(n: u32) -> Pin<Box<dyn Future<Output = u32>>> {
    Box::pin(async move { if n == 0 { 0 } else { depth(n - 1).await + 1 } })
}

#[monitored]
async fn sum_to(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    n + Box::pin(sum_to(n - 1)).await
}

struct Tree(Vec<Tree>);

impl Tree {
    #[monitored]
    fn size(&self) -> usize {
        1 + self.0.iter().map(Self::size).sum::<usize>()
    }
}

fn calls(function: &str, kind: Kind) -> u64 {
    sites::all()
        .into_iter()
        .find(|s| {
            let m = s.meta();
            m.function == function && m.kind == kind && m.module == module_path!()
        })
        .map_or(0, |s| s.snapshot().calls)
}

pub fn main() {
    let before = calls("factorial", Kind::Monitored);
    assert_eq!(factorial(5), Ok(120));
    assert_eq!(calls("factorial", Kind::Monitored) - before, 5);
    assert_eq!(factorial(30), Err("overflow at 21".to_owned()));
    let before = calls("fib", Kind::Count);
    assert_eq!(fib(10), 55);
    assert_eq!(calls("fib", Kind::Count) - before, 177);
    assert!(is_even(10));
    assert!(is_odd(7));
    assert_eq!(block_on(depth(4)), 4);
    assert_eq!(block_on(sum_to(10)), 55);
    let tree = Tree(vec![Tree(vec![]), Tree(vec![Tree(vec![])])]);
    assert_eq!(tree.size(), 4);
}
