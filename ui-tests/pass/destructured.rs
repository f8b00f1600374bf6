//! Parameters given as patterns: tuples, structs, slices, references, `mut` bindings and `_`.
#![deny(warnings, clippy::all, clippy::pedantic)]

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

struct Point {
    x: i32,
    y: i32,
}

#[monitored]
fn swap((a, b): (u8, String)) -> (String, u8) {
    (b, a)
}

#[timed]
#[count_calls]
fn swap_timed((a, b): (u8, String)) -> (String, u8) {
    (b, a)
}

#[monitored]
fn manhattan(Point { x, y }: Point, &Point { x: ox, y: oy }: &Point) -> i32 {
    (x - ox).abs() + (y - oy).abs()
}

#[timed]
#[count_calls]
fn norm1(Point { x, y }: &Point) -> i32 {
    x.abs() + y.abs()
}

#[monitored]
fn sum3([a, b, c]: [u32; 3], _: &str) -> u32 {
    a + b + c
}

#[monitored]
fn bump(mut n: u32, (mut acc, step): (Vec<u32>, u32)) -> Vec<u32> {
    n += step;
    acc.push(n);
    acc
}

#[monitored]
async fn swap_async((a, b): (u8, u8), Point { x, .. }: Point) -> (u8, u8, i32) {
    (b, a, x)
}

pub fn main() {
    assert_eq!(swap((1, "a".to_owned())), ("a".to_owned(), 1));
    assert_eq!(swap_timed((2, "b".to_owned())), ("b".to_owned(), 2));
    assert_eq!(manhattan(Point { x: 1, y: 2 }, &Point { x: 4, y: -2 }), 7);
    assert_eq!(norm1(&Point { x: -3, y: 4 }), 7);
    assert_eq!(sum3([1, 2, 3], "ignored"), 6);
    assert_eq!(bump(1, (vec![0], 2)), [0, 3]);
    assert_eq!(
        block_on(swap_async((1, 2), Point { x: 5, y: 6 })),
        (2, 1, 5)
    );
}
