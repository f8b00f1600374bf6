//! `#[derive(ErrorKind)]` on the error of a `#[monitored]` function: the function behaves as
//! before and its errors are counted by kind.
#![deny(warnings, clippy::all, clippy::pedantic)]

use errmon_runtime::sites;
use errmon_runtime::{ErrorKind, count_calls, monitored, timed};

#[derive(Debug, PartialEq, ErrorKind)]
enum StoreError {
    NotFound,
    #[error_kind("timeout")]
    TimedOut(u32),
    Corrupt {
        offset: u64,
    },
}

#[derive(Debug, PartialEq, errmon_runtime::ErrorKind)]
enum Generic<E: std::fmt::Debug> {
    Inner(E),
}

/// Wraps other errors, as a thiserror `#[error(transparent)]` or `#[from]` variant does: their
/// kind is the wrapped error's.
#[derive(Debug, PartialEq, ErrorKind)]
enum AppError {
    #[error_kind(transparent)]
    Store(StoreError),
    #[error_kind(transparent)]
    Boxed {
        source: Box<StoreError>,
    },
    #[error_kind(transparent)]
    Nested(Generic<StoreError>),
    Config,
}

/// A generic wrapper: the derive needs no `ErrorKind` bound on `E` for its own variants, and
/// the transparent one is checked where the wrapper is used.
#[derive(Debug, PartialEq, ErrorKind)]
enum Layered<E> {
    #[error_kind(transparent)]
    Inner(E),
    Outer,
}

#[monitored]
fn app(id: u32) -> Result<String, AppError> {
    load(id).map_err(AppError::Store)
}

#[monitored]
fn load(id: u32) -> Result<String, StoreError> {
    match id {
        0 => Err(StoreError::NotFound),
        1 => Err(StoreError::TimedOut(30)),
        2 => Err(StoreError::Corrupt { offset: 8 }),
        _ => Ok(format!("item {id}")),
    }
}

#[timed]
#[count_calls]
fn load_timed(id: u32) -> Result<String, StoreError> {
    load(id)
}

#[monitored]
fn wrapped(id: u32) -> Result<String, Generic<StoreError>> {
    load(id).map_err(Generic::Inner)
}

fn errors_of(function: &str) -> Vec<(&'static str, u64)> {
    let mut v: Vec<_> = sites::error_series()
        .into_iter()
        .filter(|e| e.site.meta().function == function && e.site.meta().module == module_path!())
        .map(|e| (e.error_kind, e.count))
        .collect();
    v.sort_unstable();
    v
}

pub fn main() {
    assert_eq!(StoreError::Corrupt { offset: 1 }.error_kind(), "corrupt");
    assert_eq!(load(0), Err(StoreError::NotFound));
    assert_eq!(load(1), Err(StoreError::TimedOut(30)));
    assert_eq!(load(2), Err(StoreError::Corrupt { offset: 8 }));
    assert_eq!(load(3).as_deref(), Ok("item 3"));
    assert_eq!(load_timed(4).as_deref(), Ok("item 4"));
    assert_eq!(wrapped(0), Err(Generic::Inner(StoreError::NotFound)));
    // `wrapped(0)` called `load(0)` too.
    assert_eq!(
        errors_of("load"),
        [("corrupt", 1), ("not_found", 2), ("timeout", 1)]
    );
    assert_eq!(errors_of("wrapped"), [("inner", 1)]);

    assert_eq!(app(1), Err(AppError::Store(StoreError::TimedOut(30))));
    assert_eq!(errors_of("app"), [("timeout", 1)]);
    let boxed = AppError::Boxed {
        source: Box::new(StoreError::NotFound),
    };
    assert_eq!(boxed.error_kind(), "not_found");
    assert_eq!(
        AppError::Nested(Generic::Inner(StoreError::NotFound)).error_kind(),
        "inner"
    );
    assert_eq!(AppError::Config.error_kind(), "config");
    assert_eq!(
        Layered::Inner(StoreError::Corrupt { offset: 0 }).error_kind(),
        "corrupt"
    );
    assert_eq!(Layered::<StoreError>::Outer.error_kind(), "outer");
}
