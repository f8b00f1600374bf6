//! Type, lifetime and const generics with where clauses, on free functions, methods of generic
//! types and async functions; type parameters that only appear in the return type.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn largest<T>(items: &[T]) -> Option<&T>
where
    T: PartialOrd,
{
    let mut best = items.first()?;
    for item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

#[timed]
#[count_calls]
fn smallest<T>(items: &[T]) -> Option<&T>
where
    T: PartialOrd,
{
    let mut best = items.first()?;
    for item in items {
        if item < best {
            best = item;
        }
    }
    Some(best)
}

#[monitored]
fn parse_all<T: FromStr, C>(parts: &[&str]) -> Result<C, T::Err>
where
    C: FromIterator<T>,
{
    parts.iter().map(|p| p.parse()).collect()
}

#[timed]
#[count_calls]
fn parse_all_timed<T: FromStr, C>(parts: &[&str]) -> Result<C, T::Err>
where
    C: FromIterator<T>,
{
    parts.iter().map(|p| p.parse()).collect()
}

#[monitored]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[timed]
#[count_calls]
fn shortest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() <= b.len() { a } else { b }
}

#[monitored]
fn chunk<const N: usize, T: Copy + Default>(items: &[T]) -> [T; N] {
    let mut out = [T::default(); N];
    for (o, i) in out.iter_mut().zip(items) {
        *o = *i;
    }
    out
}

#[timed]
#[count_calls]
fn repeat<const N: usize>(c: char) -> String {
    std::iter::repeat_n(c, N).collect()
}

#[monitored]
async fn join_async<T, I>(items: I, sep: &str) -> String
where
    I: IntoIterator<Item = T>,
    T: Display,
{
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

struct Table<K, V, const CAP: usize> {
    rows: BTreeMap<K, V>,
}

impl<K: Ord + Clone, V, const CAP: usize> Table<K, V, CAP>
where
    V: Clone + Default,
{
    #[monitored]
    fn insert(&mut self, k: K, v: V) -> Result<Option<V>, usize> {
        if self.rows.len() >= CAP && !self.rows.contains_key(&k) {
            return Err(CAP);
        }
        Ok(self.rows.insert(k, v))
    }

    #[timed]
    #[count_calls]
    fn get_or_default(&self, k: &K) -> V {
        self.rows.get(k).cloned().unwrap_or_default()
    }

    #[monitored]
    fn keys<'s>(&'s self) -> Vec<&'s K>
    where
        K: 's,
    {
        self.rows.keys().collect()
    }

    #[monitored]
    fn convert<W>(self, f: impl Fn(V) -> W) -> Table<K, W, CAP> {
        Table {
            rows: self.rows.into_iter().map(|(k, v)| (k, f(v))).collect(),
        }
    }
}

pub fn main() {
    assert_eq!(largest(&[3, 9, 2]), Some(&9));
    assert_eq!(largest::<u8>(&[]), None);
    assert_eq!(smallest(&["b", "a"]), Some(&"a"));
    assert_eq!(parse_all::<u8, Vec<_>>(&["1", "2"]), Ok(vec![1, 2]));
    assert!(parse_all::<u8, Vec<_>>(&["1", "300"]).is_err());
    let set: std::collections::BTreeSet<i8> = parse_all_timed(&["-1", "1", "1"]).unwrap();
    assert_eq!(set.len(), 2);
    let s = String::from("long one");
    {
        let short = String::from("short");
        assert_eq!(longest(&s, &short), "long one");
        assert_eq!(shortest(&s, &short), "short");
    }
    assert_eq!(chunk::<3, u8>(&[1, 2, 3, 4]), [1, 2, 3]);
    assert_eq!(chunk::<2, u8>(&[7]), [7, 0]);
    assert_eq!(repeat::<3>('x'), "xxx");
    assert_eq!(block_on(join_async([1, 2, 3], "-")), "1-2-3");

    let mut t: Table<&str, u32, 2> = Table {
        rows: BTreeMap::new(),
    };
    assert_eq!(t.insert("a", 1), Ok(None));
    assert_eq!(t.insert("a", 2), Ok(Some(1)));
    assert_eq!(t.insert("b", 3), Ok(None));
    assert_eq!(t.insert("c", 4), Err(2));
    assert_eq!(t.get_or_default(&"a"), 2);
    assert_eq!(t.get_or_default(&"z"), 0);
    assert_eq!(t.keys(), [&"a", &"b"]);
    let t = t.convert(|v| v * 10);
    assert_eq!(t.get_or_default(&"b"), 30);
}
