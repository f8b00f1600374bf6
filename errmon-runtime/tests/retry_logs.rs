//! What retry log lines say: the error as a user reads it (`Display`) when its type has one,
//! else its `Debug`; `Policy::run` by hand keeps writing `Debug`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use errmon_runtime::retry;
use errmon_runtime::retry::{Backoff, Policy};

/// A subscriber that keeps the `error.message` field and message of every event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(String, String)>>>);

struct Fields {
    error: String,
    message: String,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        match field.name() {
            "error.message" => self.error = format!("{value:?}"),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields {
            error: String::new(),
            message: String::new(),
        };
        event.record(&mut fields);
        self.0.lock().unwrap().push((fields.message, fields.error));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn logged(f: impl FnOnce()) -> Vec<(String, String)> {
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), f);
    let mut lines = capture.0.lock().unwrap();
    std::mem::take(&mut *lines)
}

/// `Debug` says `Unavailable`; `Display` says what a user reads.
#[derive(Debug, PartialEq)]
enum ServiceError {
    Unavailable,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("service unavailable, try again later")
    }
}

#[derive(Debug, PartialEq)]
struct DebugOnly {
    code: u16,
}

struct Neither;

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn displayed() -> Result<(), ServiceError> {
    Err(ServiceError::Unavailable)
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn debugged() -> Result<(), DebugOnly> {
    Err(DebugOnly { code: 503 })
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn generic<E: fmt::Display + fmt::Debug>(e: fn() -> E) -> Result<(), E> {
    Err(e())
}

#[retry(attempts = 2, backoff = constant(delay = "1ms"))]
fn unshowable() -> Result<(), Neither> {
    Err(Neither)
}

#[test]
fn retry_log_lines_show_errors_with_display_when_they_have_it() {
    let lines = logged(|| assert_eq!(displayed(), Err(ServiceError::Unavailable)));
    let expected = "service unavailable, try again later";
    assert_eq!(
        lines,
        [
            ("attempt failed; retrying".to_owned(), expected.to_owned()),
            ("retries exhausted".to_owned(), expected.to_owned()),
        ]
    );

    let lines = logged(|| assert!(generic(|| ServiceError::Unavailable).is_err()));
    assert!(lines.iter().all(|(_, e)| e == expected), "{lines:?}");
}

#[test]
fn errors_without_display_are_shown_with_debug_or_their_type() {
    let lines = logged(|| assert_eq!(debugged(), Err(DebugOnly { code: 503 })));
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().all(|(_, e)| e == "DebugOnly { code: 503 }"),
        "{lines:?}"
    );

    let lines = logged(|| assert!(unshowable().is_err()));
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().all(|(_, e)| e.ends_with("Neither")),
        "{lines:?}"
    );
}

#[test]
fn policy_run_by_hand_writes_debug() {
    let policy = Policy::new().attempts(2).backoff(Backoff::Constant {
        delay: Duration::from_millis(1),
    });
    let lines = logged(|| {
        let r: Result<(), ServiceError> = policy.run(|| Err(ServiceError::Unavailable));
        assert!(r.is_err());
    });
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|(_, e)| e == "Unavailable"), "{lines:?}");
}
