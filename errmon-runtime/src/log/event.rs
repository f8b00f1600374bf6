//! The `tracing` events errmon emits: one per stored error report and panic (here), per retry
//! and per retry exhaustion (in `retry`), all with target `errmon` and the names of
//! [`fields`](super::fields).
//!
//! A report is emitted once it is stored, so a dropped report emits nothing. Where the event
//! goes (the current subscriber, errmon's own output, nowhere) is decided before the values are
//! looked at (see [`emit`](super::emit)), and the chain and the fields are written only by the
//! subscriber that visits them: with no subscriber and no output of errmon's, nothing here
//! formats anything.

use std::fmt::{self, Display, Write as _};

use crate::errors::{Hex, Report, Severity};

/// The target of every errmon event.
pub const TARGET: &str = crate::emit::TARGET;

/// Strings as a JSON array, for `error.chain`.
pub(crate) struct JsonStrings<'a>(pub(crate) &'a [String]);

impl Display for JsonStrings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('[')?;
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            escaped(f, s)?;
        }
        f.write_char(']')
    }
}

/// Name and value pairs as a JSON object, for `fields`.
pub(crate) struct JsonObject<'a>(pub(crate) &'a [(String, String)]);

impl Display for JsonObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            escaped(f, k)?;
            f.write_char(':')?;
            escaped(f, v)?;
        }
        f.write_char('}')
    }
}

/// `s` as a JSON string, quotes included.
pub(crate) fn escaped(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    escaped_inner(out, s)?;
    out.write_char('"')
}

/// `s` escaped for the inside of a JSON string.
pub(crate) fn escaped_inner(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.write_str(&s[start..i])?;
        if esc.is_empty() {
            write!(out, "\\u{:04x}", c as u32)?;
        } else {
            out.write_str(esc)?;
        }
        start = i + c.len_utf8();
    }
    out.write_str(&s[start..])
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

#[cfg(test)]
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
