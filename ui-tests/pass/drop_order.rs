//! Arguments and locals are dropped in the same order as without the attributes: locals first,
//! then the arguments, last first, whatever order the body reads them in, and whether or not
//! it names them (`_` arguments, arguments only an earlier one is read of).
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::cell::RefCell;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

thread_local! {
    static DROPPED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

struct Noisy(&'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        DROPPED.with(|d| d.borrow_mut().push(self.0));
    }
}

struct Pair {
    x: Noisy,
    y: Noisy,
}

fn dropped(f: impl FnOnce()) -> Vec<&'static str> {
    DROPPED.with(|d| d.borrow_mut().clear());
    f();
    DROPPED.with(RefCell::take)
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
fn reference(a: Noisy, (b, c): (Noisy, Noisy), Pair { x, y }: Pair) -> usize {
    let _local = Noisy("local");
    [&a, &b, &c, &x, &y].len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
fn closure(a: Noisy, (b, c): (Noisy, Noisy), Pair { x, y }: Pair) -> usize {
    let _local = Noisy("local");
    [&a, &b, &c, &x, &y].len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
#[track_caller]
fn inline(a: Noisy, (b, c): (Noisy, Noisy), Pair { x, y }: Pair) -> usize {
    let _local = Noisy("local");
    [&a, &b, &c, &x, &y].len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[timed]
#[count_calls]
fn prologue(a: Noisy, (b, c): (Noisy, Noisy), Pair { x, y }: Pair) -> usize {
    let _local = Noisy("local");
    [&a, &b, &c, &x, &y].len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
async fn in_future(a: Noisy, (b, c): (Noisy, Noisy), Pair { x, y }: Pair) -> usize {
    let _local = Noisy("local");
    [&a, &b, &c, &x, &y].len()
}

/// The body names only the first argument: the others, `_` included, still drop before it.
#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
fn reference_partial(a: Noisy, _b: Noisy, _: Noisy, _d: Noisy) -> usize {
    let _local = Noisy("local");
    a.0.len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
fn closure_partial(a: Noisy, _b: Noisy, _: Noisy, _d: Noisy) -> usize {
    let _local = Noisy("local");
    a.0.len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
#[track_caller]
fn inline_partial(a: Noisy, _b: Noisy, _: Noisy, _d: Noisy) -> usize {
    let _local = Noisy("local");
    a.0.len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[timed]
#[count_calls]
fn prologue_partial(a: Noisy, _b: Noisy, _: Noisy, _d: Noisy) -> usize {
    let _local = Noisy("local");
    a.0.len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
async fn in_future_partial(a: Noisy, _b: Noisy, _: Noisy, _d: Noisy) -> usize {
    let _local = Noisy("local");
    a.0.len()
}

/// The body names the later argument and the middle of a destructured one, but not the first.
#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
fn reference_late(_a: Noisy, (_b, c): (Noisy, Noisy), mut d: Noisy) -> usize {
    d.0 = "d";
    let _local = Noisy("local");
    c.0.len() + d.0.len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
fn closure_late(_a: Noisy, (_b, c): (Noisy, Noisy), mut d: Noisy) -> usize {
    d.0 = "d";
    let _local = Noisy("local");
    c.0.len() + d.0.len()
}

#[allow(clippy::needless_pass_by_value)] // by value, to see when they drop
#[monitored]
async fn in_future_late(_a: Noisy, (_b, c): (Noisy, Noisy), mut d: Noisy) -> usize {
    d.0 = "d";
    let _local = Noisy("local");
    c.0.len() + d.0.len()
}

struct Owner(Noisy);

impl Owner {
    #[allow(clippy::needless_pass_by_value)]
    fn reference(self, a: Noisy) -> usize {
        [&self.0.0, &a.0].len()
    }

    #[monitored]
    #[allow(clippy::needless_pass_by_value)]
    fn closure(self, a: Noisy) -> usize {
        [&self.0.0, &a.0].len()
    }

    #[monitored]
    #[allow(clippy::needless_pass_by_value)]
    async fn in_future(self, a: Noisy) -> usize {
        [&self.0.0, &a.0].len()
    }
}

type Shape = fn(Noisy, (Noisy, Noisy), Pair) -> usize;
type Partial = fn(Noisy, Noisy, Noisy, Noisy) -> usize;
type Late = fn(Noisy, (Noisy, Noisy), Noisy) -> usize;

fn partial_args() -> (Noisy, Noisy, Noisy, Noisy) {
    (Noisy("a"), Noisy("b"), Noisy("_"), Noisy("d"))
}

fn args() -> (Noisy, (Noisy, Noisy), Pair) {
    (
        Noisy("a"),
        (Noisy("b"), Noisy("c")),
        Pair {
            x: Noisy("x"),
            y: Noisy("y"),
        },
    )
}

pub fn main() {
    let expected = dropped(|| {
        let (a, bc, p) = args();
        assert_eq!(reference(a, bc, p), 5);
    });
    assert_eq!(expected, ["local", "y", "x", "c", "b", "a"]);
    let cases: [(&str, Shape); 3] = [
        ("closure", closure),
        ("inline", inline),
        ("prologue", prologue),
    ];
    for (name, f) in cases {
        let order = dropped(|| {
            let (a, bc, p) = args();
            assert_eq!(f(a, bc, p), 5);
        });
        assert_eq!(order, expected, "{name}");
    }
    let order = dropped(|| {
        let (a, bc, p) = args();
        assert_eq!(block_on(in_future(a, bc, p)), 5);
    });
    assert_eq!(order, expected, "async");

    let expected = dropped(|| {
        assert_eq!(Owner(Noisy("self")).reference(Noisy("a")), 2);
    });
    assert_eq!(expected, ["a", "self"]);
    let order = dropped(|| {
        assert_eq!(Owner(Noisy("self")).closure(Noisy("a")), 2);
    });
    assert_eq!(order, expected, "method");
    let order = dropped(|| {
        assert_eq!(block_on(Owner(Noisy("self")).in_future(Noisy("a"))), 2);
    });
    assert_eq!(order, expected, "async method");

    let expected = dropped(|| {
        let (a, b, w, d) = partial_args();
        assert_eq!(reference_partial(a, b, w, d), 1);
    });
    assert_eq!(expected, ["local", "d", "_", "b", "a"]);
    let cases: [(&str, Partial); 4] = [
        ("closure", closure_partial),
        ("inline", inline_partial),
        ("prologue", prologue_partial),
        ("async", |a, b, w, d| {
            block_on(in_future_partial(a, b, w, d))
        }),
    ];
    for (name, f) in cases {
        let order = dropped(|| {
            let (a, b, w, d) = partial_args();
            assert_eq!(f(a, b, w, d), 1);
        });
        assert_eq!(
            order, expected,
            "{name}, body naming only the first argument"
        );
    }

    let late_args = || (Noisy("a"), (Noisy("b"), Noisy("c")), Noisy("x"));
    let expected = dropped(|| {
        let (a, bc, d) = late_args();
        assert_eq!(reference_late(a, bc, d), 2);
    });
    assert_eq!(expected, ["local", "d", "c", "b", "a"]);
    let cases: [(&str, Late); 2] = [
        ("closure", closure_late),
        ("async", |a, bc, d| block_on(in_future_late(a, bc, d))),
    ];
    for (name, f) in cases {
        let order = dropped(|| {
            let (a, bc, d) = late_args();
            assert_eq!(f(a, bc, d), 2);
        });
        assert_eq!(order, expected, "{name}, body naming only later arguments");
    }
}
