//! A crate that forbids `warnings` and `unreachable_code`: errmon emits no `allow` that would
//! overrule them, on any shape it rewrites.
#![forbid(warnings, unreachable_code)]

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitor, monitored, retry, timed};

#[derive(Debug, PartialEq)]
pub struct Error;

#[monitored]
fn sync(x: u8) -> Result<u8, Error> {
    if x == 0 {
        return Err(Error);
    }
    Ok(x)
}

#[monitored]
async fn in_future(x: u8) -> Result<u8, Error> {
    sync(x)
}

#[monitored]
#[track_caller]
fn inline(x: u8) -> Result<u8, Error> {
    let y = sync(x)?;
    Ok(y)
}

#[monitored]
fn diverges() -> u8 {
    panic!("diverges")
}

#[monitored]
fn never() -> ! {
    panic!("never")
}

#[timed]
#[count_calls]
fn prologue(x: u8) -> u8 {
    x
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn retried(x: u8) -> Result<u8, Error> {
    sync(x)
}

#[monitored]
#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[track_caller]
fn retried_inline(x: u8) -> Result<u8, Error> {
    let y = sync(x)?;
    Ok(y)
}

#[monitored]
fn returns_tail(x: u8) -> impl std::future::Future<Output = Result<u8, Error>> {
    let y = x.min(100);
    async move { sync(y) }
}

#[monitored]
fn returns_other(x: u8) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u8, Error>>>> {
    Box::pin(in_future(x))
}

#[monitored]
fn partial(first: u8, _: u8, _second: u8) -> u8 {
    first
}

/// `monitor!` blocks that always leave: what records them after the block is still reachable.
fn blocks(x: u8) -> Result<u8, Error> {
    if x == 0 {
        monitor!("forbid_block_returns", {
            return Err(Error);
        });
    }
    let y = monitor!("forbid_block_value", {
        if x == 1 {
            return Ok(1);
        }
        Ok::<_, Error>(x)
    })?;
    if y == 2 {
        monitor!("forbid_block_panics", { panic!("two") });
    }
    Ok(y)
}

/// Never called: only the start-up registration can list it.
#[monitored]
fn linked_at_start_up() -> u8 {
    1
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether `f` panics, without printing the expected panic (other threads' panics still print).
fn quietly<R>(f: impl FnOnce() -> R + std::panic::UnwindSafe) -> bool {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let panicked = std::panic::catch_unwind(f).is_err();
    QUIET.with(|q| q.set(false));
    panicked
}

#[derive(Debug, errmon_runtime::ErrorKind)]
pub enum StoreError {
    #[error_severity("critical")]
    Corrupt,
    #[error_kind(transparent)]
    Inner(InnerError),
}

#[derive(Debug, errmon_runtime::ErrorKind)]
pub enum InnerError {
    Busy,
}

#[monitored(severity = "warning", fields(id = x))]
fn with_report_options(x: u8) -> Result<u8, StoreError> {
    match x {
        0 => Err(StoreError::Corrupt),
        1 => Err(StoreError::Inner(InnerError::Busy)),
        _ => Ok(x),
    }
}

pub fn main() {
    // Referenced (so not dead code) but never called.
    let _: fn() -> u8 = linked_at_start_up;
    assert!(
        errmon_runtime::sites::all()
            .iter()
            .any(|s| s.meta().function == "linked_at_start_up" && s.snapshot().calls == 0),
        "a site is registered at start-up, before its first call"
    );
    assert!(with_report_options(0).is_err());
    assert!(with_report_options(1).is_err());
    assert_eq!(with_report_options(2).ok(), Some(2));
    assert_eq!(block_on(returns_tail(6)), Ok(6));
    assert_eq!(block_on(returns_other(7)), Ok(7));
    assert_eq!(partial(8, 9, 10), 8);
    assert_eq!(sync(1), Ok(1));
    assert_eq!(block_on(in_future(0)), Err(Error));
    assert_eq!(inline(2), Ok(2));
    assert_eq!(prologue(3), 3);
    assert_eq!(retried(4), Ok(4));
    assert_eq!(retried_inline(5), Ok(5));
    assert_eq!(blocks(0), Err(Error));
    assert_eq!(blocks(1), Ok(1));
    assert_eq!(blocks(3), Ok(3));
    assert!(quietly(|| blocks(2)));
    assert!(quietly(diverges));
    assert!(quietly(|| never()));
}
