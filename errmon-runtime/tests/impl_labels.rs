//! An annotated `impl` block gives every errmon attribute inside it the `Type::method` label, so
//! that calls and retries of one method join in queries; `#[retry]` on an `impl` block retries
//! every method that returns a `Result`, and refuses the others unless they are skipped.

use std::sync::atomic::{AtomicU32, Ordering};

use errmon_runtime::sites::{self, Kind, OutcomeLabel, Snapshot};
use errmon_runtime::{monitored, retry, timed};

fn snap_of(function: &str, kind: Kind) -> Snapshot {
    sites::all()
        .into_iter()
        .find(|s| s.meta().function == function && s.meta().kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} site for {function}"))
        .snapshot()
}

fn functions_of(kind: Kind, prefix: &str) -> Vec<&'static str> {
    let mut names: Vec<_> = sites::all()
        .into_iter()
        .filter(|s| s.meta().kind == kind && s.meta().function.starts_with(prefix))
        .map(|s| s.meta().function)
        .collect();
    names.sort_unstable();
    names
}

#[derive(Debug, PartialEq)]
struct Busy;

#[derive(Default)]
struct Client {
    tries: AtomicU32,
}

impl Client {
    fn attempt(&self, until: u32) -> Result<u32, Busy> {
        let n = self.tries.fetch_add(1, Ordering::Relaxed) + 1;
        if n < until { Err(Busy) } else { Ok(n) }
    }
}

#[monitored]
impl Client {
    #[retry(attempts = 3, backoff = constant(delay = "1ms"))]
    fn call(&self) -> Result<u32, Busy> {
        self.attempt(2)
    }

    #[timed]
    #[monitored(skip)]
    fn timed_only(&self) -> u32 {
        7
    }
}

#[test]
fn retries_inside_a_monitored_impl_share_the_method_label() {
    let c = Client::default();
    assert_eq!(c.call(), Ok(2));
    let calls = snap_of("Client::call", Kind::Monitored);
    assert_eq!(
        calls.calls, 1,
        "#[monitored] on the impl sees the whole call"
    );
    assert_eq!(calls.outcomes[OutcomeLabel::Ok as usize], 1);
    let retries = snap_of("Client::call", Kind::Retry);
    assert_eq!((retries.calls, retries.retries), (2, 1));
    assert_eq!(functions_of(Kind::Retry, "call"), Vec::<&str>::new());
    // Skipped by #[monitored], its other attributes still get the impl's label.
    assert_eq!(c.timed_only(), 7);
    assert_eq!(snap_of("Client::timed_only", Kind::Timed).count(), 1);
}

struct Pool {
    tries: AtomicU32,
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
impl Pool {
    #[retry(skip)]
    fn new() -> Self {
        Pool {
            tries: AtomicU32::new(0),
        }
    }

    fn get(&self) -> Result<u32, Busy> {
        let n = self.tries.fetch_add(1, Ordering::Relaxed) + 1;
        if n < 99 { Err(Busy) } else { Ok(n) }
    }

    #[retry(attempts = 4)]
    fn get_harder(&self) -> Result<u32, Busy> {
        let n = self.tries.fetch_add(1, Ordering::Relaxed) + 1;
        if n < 99 { Err(Busy) } else { Ok(n) }
    }

    #[monitored]
    fn checked(&self) -> Result<u32, Busy> {
        Err(Busy)
    }

    #[retry(name = "pool_release")]
    fn release(&self) -> Result<(), Busy> {
        Ok(())
    }
}

#[test]
fn retry_on_an_impl_retries_each_method_with_its_own_overrides() {
    let pool = Pool::new();
    assert_eq!(pool.get(), Err(Busy));
    assert_eq!(pool.tries.load(Ordering::Relaxed), 2);
    let s = snap_of("Pool::get", Kind::Retry);
    assert_eq!((s.calls, s.retries, s.exhausted), (2, 1, 1));

    assert_eq!(pool.get_harder(), Err(Busy));
    assert_eq!(
        pool.tries.load(Ordering::Relaxed),
        6,
        "the method's attempts win"
    );
    assert_eq!(snap_of("Pool::get_harder", Kind::Retry).calls, 4);

    assert_eq!(pool.checked(), Err(Busy));
    let m = snap_of("Pool::checked", Kind::Monitored);
    assert_eq!(
        m.calls, 2,
        "#[monitored] below the impl's #[retry] sees each attempt"
    );
    assert_eq!(snap_of("Pool::checked", Kind::Retry).calls, 2);

    assert_eq!(pool.release(), Ok(()));
    assert_eq!(snap_of("pool_release", Kind::Retry).calls, 1);
    assert_eq!(
        functions_of(Kind::Retry, "Pool::"),
        ["Pool::checked", "Pool::get", "Pool::get_harder"]
    );
}
