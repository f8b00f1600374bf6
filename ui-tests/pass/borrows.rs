//! Returning borrows of arguments, shared and `&mut`, from sync and async functions and methods;
//! the closure that runs a sync body must be `FnOnce` for a `&mut` to be moved out of it.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::collections::HashMap;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn first_mut(v: &mut [u32]) -> Option<&mut u32> {
    v.first_mut()
}

#[timed]
#[count_calls]
fn last_mut(v: &mut [u32]) -> Option<&mut u32> {
    v.last_mut()
}

#[monitored]
fn entry<'m>(map: &'m mut HashMap<String, u32>, key: &str) -> &'m mut u32 {
    map.entry(key.to_owned()).or_default()
}

#[monitored]
fn pick<'a>(a: &'a mut String, b: &'a mut String, first: bool) -> &'a mut String {
    if first {
        return a;
    }
    b
}

#[timed]
#[count_calls]
fn pick_timed<'a>(a: &'a mut String, b: &'a mut String, first: bool) -> &'a mut String {
    if first {
        return a;
    }
    b
}

#[monitored]
fn trimmed(s: &str) -> &str {
    s.trim()
}

#[monitored]
fn split_pair(s: &str) -> Result<(&str, &str), &str> {
    s.split_once('=').ok_or(s)
}

#[monitored]
fn reborrow(v: &mut Vec<u8>) -> &mut Vec<u8> {
    v.push(0);
    v
}

#[monitored]
async fn push_async(v: &mut Vec<u8>, x: u8) -> &mut Vec<u8> {
    v.push(x);
    v
}

struct Buffer {
    data: Vec<u8>,
}

impl Buffer {
    #[monitored]
    fn tail(&mut self, n: usize) -> &mut [u8] {
        let len = self.data.len();
        &mut self.data[len.saturating_sub(n)..]
    }

    #[timed]
    #[count_calls]
    fn head(&self, n: usize) -> &[u8] {
        &self.data[..n.min(self.data.len())]
    }

    #[monitored]
    fn grow<'a>(&'a mut self, extra: &[u8]) -> &'a mut Self {
        self.data.extend_from_slice(extra);
        self
    }
}

pub fn main() {
    let mut v = [1, 2, 3];
    *first_mut(&mut v).unwrap() = 10;
    *last_mut(&mut v).unwrap() = 30;
    assert_eq!(v, [10, 2, 30]);
    assert!(first_mut(&mut []).is_none());

    let mut map = HashMap::new();
    *entry(&mut map, "a") += 2;
    *entry(&mut map, "a") += 3;
    assert_eq!(map["a"], 5);

    let (mut a, mut b) = (String::from("a"), String::from("b"));
    pick(&mut a, &mut b, true).push('1');
    pick(&mut a, &mut b, false).push('2');
    pick_timed(&mut a, &mut b, true).push('3');
    pick_timed(&mut a, &mut b, false).push('4');
    assert_eq!((a.as_str(), b.as_str()), ("a13", "b24"));

    let owned = String::from("  hi  ");
    assert_eq!(trimmed(&owned), "hi");
    assert_eq!(split_pair("k=v"), Ok(("k", "v")));
    assert_eq!(split_pair("kv"), Err("kv"));

    let mut bytes = vec![1];
    reborrow(&mut bytes).push(2);
    block_on(push_async(&mut bytes, 3)).push(4);
    assert_eq!(bytes, [1, 0, 2, 3, 4]);

    let mut buf = Buffer {
        data: vec![1, 2, 3],
    };
    buf.tail(2).copy_from_slice(&[8, 9]);
    assert_eq!(buf.head(5), [1, 8, 9]);
    buf.grow(&[4]).grow(&[5]).tail(1)[0] = 6;
    assert_eq!(buf.data, [1, 8, 9, 4, 6]);
}
