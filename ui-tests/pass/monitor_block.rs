//! `monitor!` blocks under the strictest lints: values, `?`, `return`, `break`, `.await`,
//! diverging and unit blocks, nesting, and blocks inside `#[monitored]` functions.
#![deny(warnings, clippy::all, clippy::pedantic)]

use errmon_runtime::{monitor, monitored};

#[derive(Debug)]
pub struct Failed;

fn step(ok: bool) -> Result<u32, Failed> {
    if ok { Ok(1) } else { Err(Failed) }
}

fn with_question_mark(ok: bool) -> Result<u32, Failed> {
    let n = monitor!("pass_question_mark", { step(ok)? + 1 });
    Ok(n)
}

fn with_return(n: u32) -> Option<u32> {
    let doubled = monitor!("pass_return", {
        if n == 0 {
            return None;
        }
        n * 2
    });
    Some(doubled)
}

fn unit_and_loops() -> u32 {
    let mut total = 0;
    for i in 0..5 {
        monitor!("pass_unit", {
            if i == 3 {
                break;
            }
            total += i;
        });
    }
    total
}

fn nested(ok: bool) -> Result<u32, Failed> {
    monitor!("pass_outer", {
        let inner = monitor!("pass_inner", { step(ok)? });
        // The block's value is read where the block ends: its type must be known there.
        Ok::<_, Failed>(inner + 1)
    })
}

fn with_options(id: u64, ok: bool) -> Result<u32, Failed> {
    monitor!(
        "pass_options",
        severity = "warning",
        labels(tier = "gold"),
        fields(id = id, r#type = "card"),
        { step(ok) },
    )
}

fn formatted(ok: bool) -> Result<String, Failed> {
    Ok(monitor!("pass_format", { format!("{}", step(ok)?) }))
}

fn diverges() {
    monitor!("pass_diverges", { panic!("stop") });
}

#[monitored]
fn inside_monitored(ok: bool) -> Result<u32, Failed> {
    let n = monitor!("pass_inside", { step(ok)? });
    Ok(n)
}

#[track_caller]
fn tracked(ok: bool) -> Result<u32, Failed> {
    Ok(monitor!("pass_tracked", { step(ok)? }))
}

async fn awaiting(ok: bool) -> Result<u32, Failed> {
    let n = monitor!("pass_async", {
        std::future::ready(()).await;
        step(ok)?
    });
    Ok(n)
}

#[allow(clippy::unused_async)]
async fn async_unit() {
    monitor!("pass_async_unit", {
        std::future::ready(()).await;
    });
}

pub fn main() {
    assert_eq!(with_question_mark(true).ok(), Some(2));
    assert!(with_question_mark(false).is_err());
    assert_eq!(with_return(0), None);
    assert_eq!(with_return(2), Some(4));
    assert_eq!(unit_and_loops(), 3);
    assert_eq!(nested(true).ok(), Some(2));
    assert!(nested(false).is_err());
    assert_eq!(with_options(1, true).ok(), Some(1));
    assert_eq!(formatted(true).ok().as_deref(), Some("1"));
    assert!(formatted(false).is_err());
    assert!(std::panic::catch_unwind(diverges).is_err());
    assert!(inside_monitored(false).is_err());
    assert!(tracked(false).is_err());
    drop(awaiting(true));
    drop(async_unit());
}
