//! The `tracing` events errmon emits: one per stored error report and panic (here), per retry
//! and per retry exhaustion (in `retry`), all with target `errmon` and the names of
//! [`fields`](super::fields).
//!
//! A report is emitted once it is stored, so a dropped report emits nothing. Where the event
//! goes (the current subscriber, errmon's own output, nowhere) is decided before the values are
//! looked at (see [`emit`](super::emit)), and the chain and the fields are written only by the
//! subscriber that visits them: with no subscriber and no output of errmon's, nothing here
//! formats anything.

#[cfg(not(any(feature = "logs", feature = "endpoint")))]
use std::fmt::{self, Display};

use crate::errors::{Hex, Report, Severity};

/// The target of every errmon event.
pub const TARGET: &str = crate::emit::TARGET;

/// Strings as a JSON array, for `error.chain`.
pub(crate) struct JsonStrings<'a>(pub(crate) &'a [String]);

/// Name and value pairs as a JSON object, for `fields`.
pub(crate) struct JsonObject<'a>(pub(crate) &'a [(String, String)]);

// JSON through `serde_json` wherever errmon has it (the features that write or serve JSON);
// without them, a build compiles no JSON crate, and the values are written as `Debug` writes
// the list and the pairs, which is the same for plain text.
#[cfg(any(feature = "logs", feature = "endpoint"))]
mod json {
    use std::fmt::{self, Display};
    use std::io;

    use serde::Serialize;

    use super::{JsonObject, JsonStrings};

    impl Display for JsonStrings<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            json(f, self.0)
        }
    }

    impl Display for JsonObject<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            json(f, &Pairs(self.0))
        }
    }

    struct Pairs<'a>(&'a [(String, String)]);

    impl Serialize for Pairs<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    /// `value` as JSON, written into `f` as `serde_json` writes it, without a string between.
    fn json(f: &mut fmt::Formatter<'_>, value: &(impl Serialize + ?Sized)) -> fmt::Result {
        struct Writer<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl io::Write for Writer<'_, '_> {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                // serde_json writes whole characters at a time.
                let s = std::str::from_utf8(buf).map_err(io::Error::other)?;
                self.0.write_str(s).map_err(io::Error::other)?;
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        serde_json::to_writer(Writer(f), value).map_err(|_| fmt::Error)
    }
}

#[cfg(not(any(feature = "logs", feature = "endpoint")))]
impl Display for JsonStrings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0).finish()
    }
}

#[cfg(not(any(feature = "logs", feature = "endpoint")))]
impl Display for JsonObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

macro_rules! report_event {
    ($level:expr, $r:expr, $message:literal) => {{
        let r: &Report = $r;
        crate::emit::emit!(
            $level, $message;
            "error.type" = r.error_type.as_str(),
            "error.kind" = r.error_kind,
            "error.message" = r.message.as_str(),
            "error.chain" = tracing::field::display(JsonStrings(&r.chain)),
            "error.fingerprint" = tracing::field::display(Hex(r.fingerprint)),
            "function" = r.function,
            "module" = r.module,
            "request_id" = r.request_id.as_deref(),
            "user_id" = r.user_id.as_deref(),
            "fields" = tracing::field::display(JsonObject(&r.fields)),
            "attempt" = r.retry_attempt,
            "duration_s" = r.duration.map(|d| d.as_secs_f64()),
            "outcome" = if r.panic { "panic" } else { "error" },
            "panic.location" = r.location.as_deref(),
            "severity" = r.severity.as_str(),
        )
    }};
}

inventory::submit!(crate::errors::Stored(stored));

/// A stored report's event; an exhausted retry's is the retry's own (`retry`), with its budget.
fn stored(r: &Report) {
    if r.retry_attempt.is_none() {
        report(r);
    }
}

/// The event of a stored report: `error` for errors and panics (and critical ones), `warn`
/// for `severity = "warning"`, `info` for `"info"`.
fn report(r: &Report) {
    use tracing::Level;
    match (r.panic, r.severity) {
        (true, _) => report_event!(Level::ERROR, r, "panic"),
        (false, Severity::Info) => report_event!(Level::INFO, r, "error"),
        (false, Severity::Warning) => report_event!(Level::WARN, r, "error"),
        (false, Severity::Error | Severity::Critical) => report_event!(Level::ERROR, r, "error"),
    }
}

#[cfg(all(test, any(feature = "logs", feature = "endpoint")))]
mod tests {
    use super::*;

    #[test]
    fn arrays_and_objects_are_json() {
        let chain = ["a \"quoted\"\n".to_owned(), "\u{1}root".to_owned()];
        assert_eq!(
            JsonStrings(&chain).to_string(),
            r#"["a \"quoted\"\n","\u0001root"]"#
        );
        assert_eq!(JsonStrings(&[]).to_string(), "[]");
        let fields = [("tenant".to_owned(), "a\\b".to_owned())];
        assert_eq!(JsonObject(&fields).to_string(), r#"{"tenant":"a\\b"}"#);
    }
}
