//! `#[track_caller]`: `Location::caller()` in the body, and `#[track_caller]` functions the body
//! calls, still see the caller's location, while `return` and `?` still reach `#[monitored]`.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::cell::Cell;
use std::ops::ControlFlow;
use std::panic::Location;
use std::sync::Once;
use std::task::Poll;

use errmon_runtime::sites::{self, OutcomeLabel};
use errmon_runtime::{count_calls, monitored, retry, timed};

type Here = &'static Location<'static>;

#[track_caller]
fn here() -> Here {
    Location::caller()
}

#[monitored]
#[track_caller]
fn located() -> Here {
    Location::caller()
}

#[track_caller]
#[monitored]
fn located_after() -> Here {
    here()
}

#[timed]
#[count_calls]
#[track_caller]
fn located_timed() -> Here {
    Location::caller()
}

#[derive(Debug, PartialEq)]
enum Error {
    Empty,
    Parse(std::num::ParseIntError),
}

impl From<std::num::ParseIntError> for Error {
    fn from(e: std::num::ParseIntError) -> Self {
        Error::Parse(e)
    }
}

/// Every way out of a body: `?` through `From`, `return`, `let else`, `?` inside a macro's
/// arguments, and the tail; a closure and a nested function keep their own `return` and `?`.
#[monitored]
#[track_caller]
#[allow(clippy::items_after_statements, clippy::needless_return)]
fn parse(s: &str) -> Result<(u32, Here), Error> {
    let at = here();
    if s.is_empty() {
        return Err(Error::Empty);
    }
    let Some(first) = s.split(',').next() else {
        return Err(Error::Empty);
    };
    let first: u32 = first.trim().parse()?;
    let doubled = || -> Option<u32> {
        let d = first.checked_mul(2)?;
        return Some(d);
    };
    fn nested(x: u32) -> Result<u32, std::num::TryFromIntError> {
        let y = u8::try_from(x)?;
        return Ok(u32::from(y));
    }
    let text = format!("{}", nested(doubled().unwrap_or(0)).unwrap_or(0));
    let checked: u32 = format!("{}", text.parse::<u32>()?).parse()?;
    for part in s.split(',').skip(1) {
        if part == "stop" {
            return Ok((checked, at));
        }
        let _: u32 = part.parse()?;
    }
    Ok((checked + 1, at))
}

#[monitored]
#[track_caller]
fn unwrapped(v: Option<u8>) -> u8 {
    v.unwrap()
}

#[monitored]
#[track_caller]
fn record(out: &mut Vec<Here>, stop: bool) {
    if stop {
        return;
    }
    out.push(Location::caller());
}

#[monitored]
#[track_caller]
fn first_mut(v: &mut [u8]) -> Option<&mut u8> {
    let first = v.first_mut()?;
    *first += 1;
    Some(first)
}

/// `?` on every type that accepts it on stable, `?` inside `vec![..; n]` and `assert!`, a
/// `return` of a `::`-path, items at the top of the body, and an `async` block keeping its own
/// `?`.
#[monitored]
#[track_caller]
fn shapes(n: Option<u8>, flow: ControlFlow<u8, u8>) -> Option<Vec<u8>> {
    use std::convert::identity;
    const ZERO: u8 = 0;
    let n = identity(n)?;
    if n == ZERO {
        return ::core::option::Option::None;
    }
    let ControlFlow::Continue(step) = flow else {
        return Some(vec![]);
    };
    let v = vec![n.checked_add(step)?; 2];
    assert!(v.first()?.is_power_of_two(), "{}", v.len());
    let later = async { Some(n.checked_mul(2)? + 1) };
    Some(futures::executor::block_on(later).map_or(v, |d| vec![d]))
}

#[monitored]
#[track_caller]
fn flow(values: &[u8]) -> ControlFlow<u8, u32> {
    let mut total = 0;
    for &v in values {
        let kept = if v > 9 {
            ControlFlow::Break(v)
        } else {
            ControlFlow::Continue(v)
        };
        total += u32::from(kept?);
    }
    ControlFlow::Continue(total)
}

#[monitored]
#[track_caller]
fn poll(ready: Poll<Result<u8, std::num::TryFromIntError>>) -> Poll<Result<u16, Error>> {
    match ready? {
        Poll::Ready(v) => Poll::Ready(Ok(u16::from(v) + u16::try_from(-1_i32).unwrap_or(0))),
        Poll::Pending => Poll::Pending,
    }
}

impl From<std::num::TryFromIntError> for Error {
    fn from(_: std::num::TryFromIntError) -> Self {
        Error::Empty
    }
}

#[monitored]
#[track_caller]
fn diverges(message: &str) -> u32 {
    panic!("{message}")
}

#[monitored]
#[track_caller]
fn up_to(n: u32) -> impl Iterator<Item = (u32, Here)> {
    let at = here();
    if n == 0 {
        return None.into_iter().flatten();
    }
    Some((0..n).map(move |i| (i, at))).into_iter().flatten()
}

struct Checker(bool);

impl Checker {
    #[monitored]
    #[track_caller]
    fn check(&self) -> Result<Here, Here> {
        if !self.0 {
            return Err(Location::caller());
        }
        Ok(here())
    }
}

#[monitored]
impl Checker {
    #[track_caller]
    fn by_value(self) -> Option<Here> {
        // Not `self.0.then(Location::caller)`: through a function pointer, `caller` would
        // name the place in `core` that calls it.
        if self.0 {
            Some(Location::caller())
        } else {
            None
        }
    }
}

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static PANIC_LINE: Cell<Option<u32>> = const { Cell::new(None) };
}

/// The line a panic in `f` reports; the panic is not printed.
fn panic_line<R>(f: impl FnOnce() -> R + std::panic::UnwindSafe) -> Option<u32> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                PANIC_LINE.with(|l| l.set(info.location().map(Location::line)));
            } else {
                previous(info);
            }
        }));
    });
    CAPTURING.with(|c| c.set(true));
    let result = std::panic::catch_unwind(f);
    CAPTURING.with(|c| c.set(false));
    assert!(result.is_err(), "expected a panic");
    PANIC_LINE.with(Cell::take)
}

fn outcomes(function: &str) -> [u64; 3] {
    let site = sites::all()
        .into_iter()
        .find(|s| s.meta().function == function && s.meta().module == module_path!())
        .unwrap_or_else(|| panic!("no site for {function}"));
    let s = site.snapshot();
    [
        s.calls,
        s.outcomes[OutcomeLabel::Ok as usize],
        s.outcomes[OutcomeLabel::Error as usize],
    ]
}

/// A qualified `return` under `#[monitored]` over `#[retry]`: both attributes still apply.
#[monitored]
#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
#[track_caller]
fn qualified(s: &str) -> Result<u32, Error> {
    if s.is_empty() {
        return ::core::result::Result::Err(Error::Empty);
    }
    Ok(s.parse()?)
}

/// tracing's `?` and `%` sigils in a macro are not the `?` operator.
#[monitored]
#[track_caller]
fn traced(s: &str) -> Result<u32, Error> {
    let n: u32 = s.parse()?;
    tracing::info!(?n, s = %s, "parsed");
    tracing::debug!(n = ?n);
    tracing::error!(err = ?Error::Empty, "not an error: {}", n);
    Ok(n)
}

mod other {
    pub type Result<T> = std::result::Result<T, String>;
}

/// A glob import in the body shadows the return type's name; the signature's `Result` is still
/// the prelude's.
#[monitored]
#[track_caller]
fn glob_in_body(s: &str) -> Result<u32, Error> {
    #[allow(clippy::wildcard_imports)]
    use other::*;
    let text: Result<&str> = Ok(s);
    let n = text.map_err(|_| Error::Empty)?.parse()?;
    Ok(n)
}

pub fn main() {
    assert_eq!(traced("4"), Ok(4));
    assert!(traced("x").is_err());
    assert_eq!(glob_in_body("5"), Ok(5));
    assert_eq!(qualified(""), Err(Error::Empty));
    let kinds: Vec<_> = sites::all()
        .into_iter()
        .filter(|s| s.meta().function == "qualified")
        .map(|s| s.meta().kind)
        .collect();
    assert_eq!(
        kinds.len(),
        2,
        "both #[monitored] and #[retry] apply: {kinds:?}"
    );
    let (at, line) = (located(), line!());
    assert_eq!((at.file(), at.line()), (file!(), line));
    let (at, line) = (located_after(), line!());
    assert_eq!(at.line(), line);
    let (at, line) = (located_timed(), line!());
    assert_eq!(at.line(), line);

    let before = outcomes("parse");
    let (r, line) = (parse("7,1,stop,x"), line!());
    let (value, at) = r.unwrap();
    assert_eq!((value, at.line()), (14, line));
    assert_eq!(parse("7,1").map(|(v, _)| v), Ok(15));
    assert_eq!(parse("200").map(|(v, _)| v), Ok(1));
    assert_eq!(parse(""), Err(Error::Empty));
    assert!(matches!(parse("x"), Err(Error::Parse(_))));
    assert!(matches!(parse("1,x"), Err(Error::Parse(_))));
    let after = outcomes("parse");
    assert_eq!(
        [0, 1, 2].map(|i| after[i] - before[i]),
        [6, 3, 3],
        "calls, ok, error"
    );

    assert_eq!(unwrapped(Some(3)), 3);
    let (panicked_at, line) = (panic_line(|| unwrapped(None)), line!());
    assert_eq!(panicked_at, Some(line));

    let mut seen = vec![];
    record(&mut seen, true);
    let line = line!() + 1;
    record(&mut seen, false);
    assert_eq!(seen.iter().map(|l| l.line()).collect::<Vec<_>>(), [line]);

    let mut v = [1, 2];
    *first_mut(&mut v).unwrap() += 10;
    assert_eq!(v, [12, 2]);
    assert_eq!(first_mut(&mut []), None);

    let (ok, line) = (Checker(true).check(), line!());
    assert_eq!(ok.map(Location::line), Ok(line));
    let (err, line) = (Checker(false).check(), line!());
    assert_eq!(err.map_err(Location::line), Err(line));
    let (at, line) = (Checker(true).by_value(), line!());
    assert_eq!(at.map(Location::line), Some(line));
    assert_eq!(outcomes("check")[1..], [1, 1]);

    assert_eq!(shapes(Some(1), ControlFlow::Continue(1)), Some(vec![3]));
    assert_eq!(shapes(None, ControlFlow::Continue(1)), None);
    assert_eq!(shapes(Some(0), ControlFlow::Continue(1)), None);
    assert_eq!(shapes(Some(1), ControlFlow::Break(0)), Some(vec![]));
    assert_eq!(shapes(Some(255), ControlFlow::Continue(1)), None);
    // The `async` block's `?` gives up on 128 * 2 without returning from `shapes`.
    assert_eq!(
        shapes(Some(128), ControlFlow::Continue(0)),
        Some(vec![128, 128])
    );
    assert_eq!(flow(&[1, 2, 3]), ControlFlow::Continue(6));
    assert_eq!(flow(&[1, 20, 3]), ControlFlow::Break(20));
    assert_eq!(poll(Poll::Ready(Ok(4))), Poll::Ready(Ok(4)));
    assert_eq!(poll(Poll::Pending), Poll::Pending);
    let too_big = u8::try_from(300_u32).map(|_| 0);
    assert_eq!(poll(Poll::Ready(too_big)), Poll::Ready(Err(Error::Empty)));

    let (panicked_at, line) = (panic_line(|| diverges("boom")), line!());
    assert_eq!(panicked_at, Some(line));

    let (items, line) = (up_to(2).collect::<Vec<_>>(), line!());
    assert_eq!(
        items
            .iter()
            .map(|(i, at)| (*i, at.line()))
            .collect::<Vec<_>>(),
        [(0, line), (1, line)]
    );
    assert_eq!(up_to(0).count(), 0);
}
