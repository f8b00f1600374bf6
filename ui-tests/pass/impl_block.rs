//! The attributes on `impl` blocks: inherent and trait impls, generic types, associated items
//! left alone, `skip`ped methods (a `const fn` among them), and per-method arguments.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::fmt::Debug;
use std::marker::PhantomData;

use futures::executor::block_on;

use errmon_runtime::sites::{self, Kind};
use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, Default)]
struct Stack<T> {
    items: Vec<T>,
}

#[monitored]
impl<T: Clone + Debug> Stack<T> {
    const LIMIT: usize = 3;

    fn push(&mut self, t: T) -> Result<usize, T> {
        if self.items.len() >= Self::LIMIT {
            return Err(t);
        }
        self.items.push(t);
        Ok(self.items.len())
    }

    fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    #[monitored(skip)]
    const fn capacity() -> usize {
        Self::LIMIT
    }

    #[monitored(skip)]
    fn peek(&self) -> Option<&T> {
        self.items.last()
    }

    #[monitored(name = "stack_len")]
    fn len(&self) -> usize {
        self.items.len()
    }

    async fn drain(&mut self) -> Vec<T> {
        std::mem::take(&mut self.items)
    }
}

struct Marker<'a, T: ?Sized, const N: usize>(PhantomData<&'a T>, usize);

#[timed]
#[count_calls]
impl<'a, T: ?Sized + 'a, const N: usize> Marker<'a, T, N>
where
    T: Debug,
{
    fn size() -> usize {
        N
    }

    fn show(&self, t: &'a T) -> String {
        format!("{t:?}{}", self.1)
    }

    #[timed(skip)]
    #[count_calls(skip)]
    fn plain(&self) -> usize {
        N * self.1
    }
}

trait Named {
    type Name;
    const PREFIX: &'static str;
    fn name(&self) -> Self::Name;
    fn describe(&self) -> String;
}

#[monitored]
impl Named for Stack<u8> {
    type Name = String;
    const PREFIX: &'static str = "stack";

    fn name(&self) -> String {
        format!("{}{}", Self::PREFIX, self.items.len())
    }

    #[monitored(skip)]
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

fn site_calls(function: &str, kind: Kind) -> Option<u64> {
    sites::all()
        .into_iter()
        .find(|s| {
            let m = s.meta();
            m.function == function && m.kind == kind && m.module == module_path!()
        })
        .map(|s| s.snapshot().calls)
}

pub fn main() {
    let mut s = Stack::default();
    assert_eq!(s.push('a'), Ok(1));
    assert_eq!(s.push('b'), Ok(2));
    assert_eq!(s.push('c'), Ok(3));
    assert_eq!(s.push('d'), Err('d'));
    assert_eq!(s.pop(), Some('c'));
    assert_eq!(s.peek(), Some(&'b'));
    assert_eq!(s.len(), 2);
    assert_eq!(Stack::<char>::capacity(), 3);
    assert_eq!(block_on(s.drain()), ['a', 'b']);

    let m: Marker<'_, str, 4> = Marker(PhantomData, 2);
    assert_eq!(Marker::<str, 4>::size(), 4);
    assert_eq!(m.show("x"), "\"x\"2");
    assert_eq!(m.plain(), 8);

    let s = Stack { items: vec![1u8] };
    assert_eq!(s.name(), "stack1");
    assert_eq!(s.describe(), "Stack { items: [1] }");

    assert_eq!(site_calls("Stack<T>::push", Kind::Monitored), Some(4));
    assert_eq!(site_calls("stack_len", Kind::Monitored), Some(1));
    assert_eq!(site_calls("Stack<T>::peek", Kind::Monitored), None);
    assert_eq!(site_calls("Stack<T>::capacity", Kind::Monitored), None);
    assert_eq!(site_calls("Marker<'a, T, N>::show", Kind::Count), Some(1));
    assert_eq!(site_calls("Marker<'a, T, N>::plain", Kind::Count), None);
    assert_eq!(site_calls("Stack<u8>::name", Kind::Monitored), Some(1));
    assert_eq!(site_calls("Stack<u8>::describe", Kind::Monitored), None);
}
