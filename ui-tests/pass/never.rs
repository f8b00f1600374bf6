//! Functions that never return (`-> !`) and bodies that are `unimplemented!()` or `todo!()`:
//! they panic as before, with no `unreachable_code` warning from the attributes.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::any::Any;
use std::cell::Cell;
use std::panic::UnwindSafe;
use std::sync::Once;

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
fn fail(msg: &str) -> ! {
    panic!("failed: {msg}")
}

#[timed]
#[count_calls]
fn fail_timed(msg: &str) -> ! {
    panic!("timed: {msg}")
}

#[monitored]
#[allow(clippy::unused_async)]
async fn fail_async() -> ! {
    panic!("async")
}

#[monitored]
fn spin_until(flag: &std::sync::atomic::AtomicBool) -> ! {
    flag.store(true, std::sync::atomic::Ordering::Relaxed);
    loop {
        if flag.load(std::sync::atomic::Ordering::Relaxed) {
            std::panic::panic_any(7_u8);
        }
    }
}

#[monitored]
fn later(_x: u32) -> Result<String, std::io::Error> {
    unimplemented!()
}

#[timed]
#[count_calls]
fn later_timed(_x: u32) -> Result<String, std::io::Error> {
    unimplemented!("not yet")
}

#[monitored]
#[allow(clippy::unused_async)]
async fn later_async() -> u32 {
    todo!()
}

#[monitored]
fn diverging_value() -> u32 {
    fail("inner")
}

trait Plan {
    fn run(&self) -> u32;
}

struct Nothing;

#[monitored]
impl Plan for Nothing {
    fn run(&self) -> u32 {
        unimplemented!()
    }
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// `catch_unwind` without printing the expected panic (other threads' panics still print).
fn catch_unwind<R>(f: impl FnOnce() -> R + UnwindSafe) -> Result<R, Box<dyn Any + Send>> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(f);
    QUIET.with(|q| q.set(false));
    result
}

fn panic_message(r: Result<impl Sized, Box<dyn Any + Send>>) -> String {
    let e = r.err().expect("the call panics");
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

pub fn main() {
    assert_eq!(panic_message(catch_unwind(|| fail("x"))), "failed: x");
    assert_eq!(panic_message(catch_unwind(|| fail_timed("y"))), "timed: y");
    assert_eq!(
        panic_message(catch_unwind(|| futures::executor::block_on(fail_async()))),
        "async"
    );
    let flag = std::sync::atomic::AtomicBool::new(false);
    let r = catch_unwind(|| spin_until(&flag));
    assert_eq!(
        r.err().and_then(|e| e.downcast::<u8>().ok()),
        Some(Box::new(7))
    );
    assert!(flag.load(std::sync::atomic::Ordering::Relaxed));
    assert_eq!(panic_message(catch_unwind(|| later(1))), "not implemented");
    assert_eq!(
        panic_message(catch_unwind(|| later_timed(1))),
        "not implemented: not yet"
    );
    assert_eq!(
        panic_message(catch_unwind(|| futures::executor::block_on(later_async()))),
        "not yet implemented"
    );
    assert_eq!(
        panic_message(catch_unwind(diverging_value)),
        "failed: inner"
    );
    assert_eq!(
        panic_message(catch_unwind(|| Nothing.run())),
        "not implemented"
    );
}
