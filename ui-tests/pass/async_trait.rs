//! `#[async_trait]` in both orders. Applied first, it turns each `async fn` into a `fn` returning
//! `Pin<Box<dyn Future>>`; the attributes must still record the awaited call (its outcome and
//! its duration), not the construction of the future.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use futures::executor::block_on;

use errmon_runtime::sites::{self, Kind, OutcomeLabel, Snapshot};
use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, PartialEq)]
struct Missing(String);

impl From<std::num::ParseIntError> for Missing {
    fn from(e: std::num::ParseIntError) -> Self {
        Missing(e.to_string())
    }
}

#[async_trait]
trait Repo {
    async fn get(&self, key: &str) -> Result<u32, Missing>;
    async fn put(&mut self, key: &str, value: u32);
    async fn len(&self) -> usize;
}

/// A future that is pending on its first poll.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Default)]
struct MethodFirst(Vec<(String, u32)>);

// `#[async_trait]` expands first and hands `#[monitored]` a method returning a boxed future.
#[async_trait]
impl Repo for MethodFirst {
    #[monitored]
    async fn get(&self, key: &str) -> Result<u32, Missing> {
        YieldOnce(false).await;
        if let Some(n) = key.strip_prefix('#') {
            return Ok(n.parse()?);
        }
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| Missing(key.to_owned()))
    }

    #[timed]
    #[count_calls]
    async fn put(&mut self, key: &str, value: u32) {
        YieldOnce(false).await;
        self.0.push((key.to_owned(), value));
    }

    #[monitored]
    async fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Default)]
struct ImplFirst(Vec<(String, u32)>);

#[async_trait]
#[monitored]
impl Repo for ImplFirst {
    async fn get(&self, key: &str) -> Result<u32, Missing> {
        YieldOnce(false).await;
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| Missing(key.to_owned()))
    }

    async fn put(&mut self, key: &str, value: u32) {
        self.0.push((key.to_owned(), value));
    }

    #[monitored(skip)]
    async fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Default)]
struct MonitoredFirst(Vec<(String, u32)>);

// `#[monitored]` expands first and sees plain `async fn`s.
#[monitored]
#[async_trait]
impl Repo for MonitoredFirst {
    async fn get(&self, key: &str) -> Result<u32, Missing> {
        YieldOnce(false).await;
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| Missing(key.to_owned()))
    }

    async fn put(&mut self, key: &str, value: u32) {
        self.0.push((key.to_owned(), value));
    }

    async fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Default)]
struct TimedFirst(Vec<(String, u32)>);

#[async_trait]
#[timed]
#[count_calls]
impl Repo for TimedFirst {
    async fn get(&self, key: &str) -> Result<u32, Missing> {
        YieldOnce(false).await;
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| Missing(key.to_owned()))
    }

    async fn put(&mut self, key: &str, value: u32) {
        self.0.push((key.to_owned(), value));
    }

    async fn len(&self) -> usize {
        self.0.len()
    }
}

/// `?Send` futures, a generic method and a default method of the trait itself.
#[async_trait(?Send)]
trait Render {
    async fn render<D: std::fmt::Display>(&self, d: D) -> String;

    #[monitored]
    async fn twice(&self, s: &str) -> String {
        YieldOnce(false).await;
        s.repeat(2)
    }
}

struct Local(std::rc::Rc<str>);

#[async_trait(?Send)]
impl Render for Local {
    #[monitored]
    async fn render<D: std::fmt::Display>(&self, d: D) -> String {
        YieldOnce(false).await;
        format!("{}{d}", self.0)
    }
}

fn snap(function: &str, kind: Kind) -> Snapshot {
    sites::all()
        .into_iter()
        .find(|s| {
            let m = s.meta();
            m.function == function && m.kind == kind && m.module == module_path!()
        })
        .unwrap_or_else(|| panic!("no {kind:?} site for {function}"))
        .snapshot()
}

/// Calls, ok, error, cancelled and recorded durations of a `#[monitored]` site so far.
fn counts(function: &str) -> [u64; 5] {
    let s = snap(function, Kind::Monitored);
    [
        s.calls,
        s.outcomes[OutcomeLabel::Ok as usize],
        s.outcomes[OutcomeLabel::Error as usize],
        s.outcomes[OutcomeLabel::Cancelled as usize],
        s.count(),
    ]
}

fn delta(before: [u64; 5], after: [u64; 5]) -> [u64; 5] {
    std::array::from_fn(|i| after[i] - before[i])
}

async fn exercise(repo: &mut dyn Repo) {
    repo.put("a", 1).await;
    repo.put("b", 2).await;
    assert_eq!(repo.get("a").await, Ok(1));
    assert_eq!(repo.get("c").await, Err(Missing("c".to_owned())));
    assert_eq!(repo.len().await, 2);
}

/// Polls a future once, then drops it.
fn poll_once_and_drop<F: Future>(f: F) {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(f.as_mut().poll(&mut cx).is_pending());
}

pub fn main() {
    let get = "get";
    let before = counts(get);
    block_on(async {
        let mut repo = MethodFirst::default();
        exercise(&mut repo).await;
        assert_eq!(repo.get("#12").await, Ok(12));
        assert_eq!(
            repo.get("#x").await,
            Err(Missing("invalid digit found in string".to_owned()))
        );
    });
    // calls, ok, error, cancelled, durations: the awaited results, not the boxed futures.
    assert_eq!(delta(before, counts(get)), [4, 2, 2, 0, 4]);

    // A future that is never polled records nothing, as for a plain `async fn`; one dropped
    // while pending is cancelled.
    let repo = MethodFirst::default();
    let before = counts(get);
    drop(repo.get("a"));
    assert_eq!(delta(before, counts(get)), [0; 5]);
    poll_once_and_drop(repo.get("a"));
    assert_eq!(delta(before, counts(get)), [1, 0, 0, 1, 1]);

    let timed = |f: &str| snap(f, Kind::Timed).count();
    let calls = |f: &str| snap(f, Kind::Count).calls;
    let (durations, called) = (timed("put"), calls("put"));
    let mut repo = MethodFirst::default();
    drop(repo.put("a", 1));
    assert_eq!(timed("put") - durations, 0, "not polled, not timed");
    block_on(repo.put("a", 1));
    assert_eq!(timed("put") - durations, 1);
    assert_eq!(calls("put") - called, 1);

    for (prefix, mut repo) in [
        ("ImplFirst", Box::new(ImplFirst::default()) as Box<dyn Repo>),
        ("MonitoredFirst", Box::new(MonitoredFirst::default())),
    ] {
        let get = format!("{prefix}::get");
        let before = counts(&get);
        block_on(exercise(&mut *repo));
        assert_eq!(delta(before, counts(&get)), [2, 1, 1, 0, 2], "{get}");
        let put = format!("{prefix}::put");
        assert_eq!(counts(&put)[..3], [2, 2, 0], "{put}");
    }
    assert!(
        sites::all()
            .iter()
            .all(|s| s.meta().function != "ImplFirst::len"),
        "a skipped method has no site"
    );
    assert_eq!(counts("MonitoredFirst::len")[..2], [1, 1]);

    let (durations, called) = (timed("TimedFirst::get"), calls("TimedFirst::get"));
    let mut repo = TimedFirst::default();
    block_on(exercise(&mut repo));
    let unpolled = repo.get("a");
    drop(unpolled);
    poll_once_and_drop(repo.get("a"));
    // Two awaited calls and one dropped while pending; the unpolled future is not a call.
    assert_eq!(timed("TimedFirst::get") - durations, 3);
    assert_eq!(calls("TimedFirst::get") - called, 3);

    let local = Local("#".into());
    let before = [counts("render"), counts("twice")];
    assert_eq!(block_on(local.render(5)), "#5");
    assert_eq!(block_on(local.twice("ab")), "abab");
    assert_eq!(delta(before[0], counts("render")), [1, 1, 0, 0, 1]);
    assert_eq!(delta(before[1], counts("twice")), [1, 1, 0, 0, 1]);
}
