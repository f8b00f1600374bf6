//! `severity`, `fields(..)` and `#[error_severity]`: what reports carry, under the strictest
//! lints, on free functions, methods, `impl` blocks and async functions.
#![deny(warnings, clippy::all, clippy::pedantic)]

use errmon_runtime::errors::Severity;
use errmon_runtime::{ErrorKind, monitored};

#[derive(Debug, ErrorKind)]
#[error_severity("warning")]
enum StoreError {
    Busy,
    #[error_severity("critical")]
    Corrupt,
}

#[derive(Debug, ErrorKind)]
enum AppError {
    #[error_kind(transparent)]
    Store(StoreError),
    #[error_kind(transparent)]
    #[error_severity("info")]
    Quiet {
        source: StoreError,
    },
    Other,
}

#[derive(Debug, ErrorKind)]
enum Layered<E> {
    #[error_kind(transparent)]
    Inner(E),
}

pub struct Order {
    pub id: u64,
    pub note: String,
}

#[monitored(severity = "critical", fields(order_id = order.id, note = order.note.clone(), region = "eu"))]
fn save(order: Order) -> Result<u64, AppError> {
    let Order { id, note } = order;
    if note.is_empty() {
        Err(AppError::Other)
    } else {
        Ok(id)
    }
}

#[monitored(fields(r#type = kind, len = kind.len()))]
async fn load(kind: &str) -> Result<usize, StoreError> {
    if kind == "busy" {
        Err(StoreError::Busy)
    } else {
        Ok(kind.len())
    }
}

struct Repo {
    base: u32,
}

#[monitored(severity = "warning", fields(table = "orders"))]
impl Repo {
    #[monitored(fields(id = id))]
    fn get(&self, id: u32) -> Result<u32, StoreError> {
        if id == 0 {
            Err(StoreError::Corrupt)
        } else {
            Ok(self.base + id)
        }
    }

    fn status(&self) -> u32 {
        200 + self.base
    }
}

#[monitored(severity = "info", ok_if = Option::is_some, fields(name = name))]
fn find(name: &str) -> Option<usize> {
    (!name.is_empty()).then_some(name.len())
}

pub fn main() {
    assert_eq!(
        save(Order {
            id: 1,
            note: "a".into()
        })
        .ok(),
        Some(1)
    );
    assert!(
        save(Order {
            id: 2,
            note: String::new()
        })
        .is_err()
    );
    drop(load("busy"));
    let repo = Repo { base: 0 };
    assert!(repo.get(0).is_err());
    assert_eq!(repo.status(), 200);
    assert_eq!(find(""), None);
    assert_eq!(StoreError::Busy.error_severity(), Some(Severity::Warning));
    assert_eq!(
        StoreError::Corrupt.error_severity(),
        Some(Severity::Critical)
    );
    assert_eq!(
        AppError::Store(StoreError::Corrupt).error_severity(),
        Some(Severity::Critical)
    );
    assert_eq!(
        AppError::Quiet {
            source: StoreError::Corrupt
        }
        .error_severity(),
        Some(Severity::Info)
    );
    assert_eq!(AppError::Other.error_severity(), None);
    assert_eq!(
        Layered::Inner(StoreError::Busy).error_severity(),
        Some(Severity::Warning)
    );
}
