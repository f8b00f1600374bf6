//! An unused reference argument of an `#[async_trait]` method stays out of its future, in both
//! orders: async-trait leaves arguments of reference type out of its `async move` block unless
//! the body uses them, so `impl<T> Generic<T> for One` builds a `Send` future without
//! `T: Sync`. errmon's attributes keep that capture set (a reference drops nothing, so the order
//! they restore for the other arguments does not need it).
#![deny(warnings, clippy::all, clippy::pedantic)]

use async_trait::async_trait;
use futures::executor::block_on;

use errmon_runtime::sites::{self, Kind};
use errmon_runtime::{count_calls, monitored, timed};

#[async_trait]
pub trait Generic<T> {
    async fn take_ref(&self, value: &T);
    async fn take_tuple(&self, values: &(T, T, T)) -> usize;
    async fn take_named(&self, value: &T, count: usize) -> usize;
}

/// Not `Sync`: a future that held a `&NotSync` would not be `Send`.
pub struct NotSync(std::cell::Cell<u8>);

pub struct AttributeFirst;

// `#[monitored]` expands first and sees plain `async fn`s, which `#[async_trait]` boxes after.
#[monitored]
#[async_trait]
impl<T> Generic<T> for AttributeFirst {
    async fn take_ref(&self, _: &T) {}

    async fn take_tuple(&self, (_a, _b, _c): &(T, T, T)) -> usize {
        3
    }

    async fn take_named(&self, _value: &T, count: usize) -> usize {
        count
    }
}

pub struct AsyncTraitFirst;

#[async_trait]
#[monitored]
impl<T> Generic<T> for AsyncTraitFirst {
    async fn take_ref(&self, _: &T) {}

    async fn take_tuple(&self, (_a, _b, _c): &(T, T, T)) -> usize {
        3
    }

    async fn take_named(&self, _value: &T, count: usize) -> usize {
        count
    }
}

pub struct OnTheMethods;

#[timed]
#[async_trait]
impl<T> Generic<T> for OnTheMethods {
    #[count_calls]
    async fn take_ref(&self, _: &T) {}

    async fn take_tuple(&self, (_a, _b, _c): &(T, T, T)) -> usize {
        3
    }

    #[count_calls]
    async fn take_named(&self, _value: &T, count: usize) -> usize {
        count
    }
}

fn monitored_calls(function: &str) -> u64 {
    sites::all()
        .into_iter()
        .find(|s| s.meta().function == function && s.meta().kind == Kind::Monitored)
        .map_or(0, |s| s.snapshot().calls)
}

/// A future that is `Send`, checked where it is built.
fn send<F: std::future::Future + Send>(f: F) -> F {
    f
}

pub fn main() {
    let v = NotSync(std::cell::Cell::new(1));
    let tuple = (NotSync(0.into()), NotSync(0.into()), NotSync(0.into()));
    block_on(async {
        send(Generic::<NotSync>::take_ref(&AttributeFirst, &v)).await;
        assert_eq!(send(AttributeFirst.take_tuple(&tuple)).await, 3);
        assert_eq!(
            send(Generic::<NotSync>::take_named(&AttributeFirst, &v, 2)).await,
            2
        );
        send(Generic::<NotSync>::take_ref(&AsyncTraitFirst, &v)).await;
        assert_eq!(send(AsyncTraitFirst.take_tuple(&tuple)).await, 3);
        assert_eq!(
            send(Generic::<NotSync>::take_named(&AsyncTraitFirst, &v, 2)).await,
            2
        );
        send(Generic::<NotSync>::take_ref(&OnTheMethods, &v)).await;
        assert_eq!(send(OnTheMethods.take_tuple(&tuple)).await, 3);
        assert_eq!(
            send(Generic::<NotSync>::take_named(&OnTheMethods, &v, 2)).await,
            2
        );
    });
    assert_eq!(v.0.get() + tuple.0.0.get(), 1);
    for function in [
        "AttributeFirst::take_ref",
        "AttributeFirst::take_tuple",
        "AttributeFirst::take_named",
        "AsyncTraitFirst::take_ref",
        "AsyncTraitFirst::take_tuple",
        "AsyncTraitFirst::take_named",
    ] {
        assert_eq!(monitored_calls(function), 1, "{function}");
    }
}
