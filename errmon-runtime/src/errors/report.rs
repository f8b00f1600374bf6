//! One error as it is kept: [`Report`], and how an error value becomes a message and a source
//! chain.

use std::error::Error;
use std::fmt::{self, Debug, Display, Write as _};
use std::time::Duration;

use crate::record::ErrorRef;
pub use crate::record::Severity;

/// A fingerprint as the 16 hex digits of the JSON and the logs, formatted only when written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hex(pub(crate) u64);

impl Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// One error, as stored in the ring and listed by [`crate::errors::snapshot()`].
///
/// Its [`chain`](Report::chain) holds the messages of the error's `source()` links, ordered from
/// the outermost (the error's direct source) to the root cause, which is last; the error's own
/// message is [`message`](Report::message). At most [`MAX_CHAIN`] links are kept, and a chain
/// that loops back on itself stops at the first repeated link.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// When the error happened, in milliseconds since the Unix epoch; see
    /// [`Report::timestamp`] for RFC 3339.
    pub unix_ms: u64,
    /// The function's `function` label; empty for a panic outside instrumented functions.
    pub function: &'static str,
    /// The function's module.
    pub module: &'static str,
    /// The error type, shortened as in the `error_type` label (`panic` for panics).
    pub error_type: String,
    /// The bounded kind, as in the `error_kind` label.
    pub error_kind: &'static str,
    /// The error's `Display` (its `Debug` for types without `Display`), at most
    /// [`MAX_MESSAGE`] bytes; a panic's payload.
    pub message: String,
    /// The `source()` chain, outermost first, root cause last.
    pub chain: Vec<String>,
    /// How bad it is.
    pub severity: Severity,
    /// The request id of the context the error happened in.
    pub request_id: Option<String>,
    /// The user id of that context.
    pub user_id: Option<String>,
    /// The context's fields, then the function's own fields.
    pub fields: Vec<(String, String)>,
    /// The attempt that failed last, for a `#[retry]` call that ran out of attempts or time.
    pub retry_attempt: Option<u32>,
    /// How long the call ran, where known.
    pub duration: Option<Duration>,
    /// The fingerprint of the report's group.
    pub fingerprint: u64,
    /// Whether this was a panic.
    pub panic: bool,
    /// A panic's `file:line:column`.
    pub location: Option<String>,
    /// A backtrace, when enabled (see [`crate::errors::ErrorSettings::backtraces`]).
    pub backtrace: Option<String>,
}

impl Report {
    /// [`Report::unix_ms`] as RFC 3339 in UTC, such as `2026-12-01T09:31:51.123Z`.
    pub fn timestamp(&self) -> String {
        crate::common::time::format_rfc3339(self.unix_ms)
    }

    /// The fingerprint as the 16 hex digits the JSON shows.
    pub fn fingerprint_hex(&self) -> String {
        format!("{:016x}", self.fingerprint)
    }

    /// The root cause's message: the chain's last link, or the message when there is no chain.
    pub fn root_cause(&self) -> &str {
        self.chain.last().unwrap_or(&self.message)
    }
}

/// Bytes kept of a message; longer ones end in `…`.
pub const MAX_MESSAGE: usize = 1024;
/// Bytes kept of each link of a source chain.
pub const MAX_LINK: usize = 512;
/// Links kept of a source chain.
pub const MAX_CHAIN: usize = 16;

impl ErrorRef<'_> {
    /// The message and the source chain, both capped.
    pub(crate) fn describe(&self) -> (String, Vec<String>) {
        match *self {
            ErrorRef::Error(e) => (capped(e, MAX_MESSAGE), chain(e)),
            ErrorRef::Display(d) => (capped(d, MAX_MESSAGE), Vec::new()),
            ErrorRef::Debug(d) => (capped(&DebugAsDisplay(d), MAX_MESSAGE), Vec::new()),
            ErrorRef::Opaque => (String::new(), Vec::new()),
        }
    }
}

struct DebugAsDisplay<'a>(&'a dyn Debug);

impl Display for DebugAsDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

fn chain(e: &dyn Error) -> Vec<String> {
    // Links are told apart by address and type (a wide pointer): an error's first field has
    // the error's own address. A type whose vtable is duplicated across codegen units can make
    // a cycle look new; the cap still ends it.
    let mut seen: Vec<*const dyn Error> = vec![std::ptr::from_ref(e)];
    let mut out = Vec::new();
    let mut next = e.source();
    while let Some(link) = next {
        let at: *const dyn Error = std::ptr::from_ref(link);
        if out.len() == MAX_CHAIN || seen.iter().any(|&s| std::ptr::eq(s, at)) {
            break;
        }
        out.push(capped(link, MAX_LINK));
        seen.push(at);
        next = link.source();
    }
    out
}

/// `Display` of `v`, cut at a character boundary after `cap` bytes, without formatting the rest.
pub(crate) fn capped(v: &dyn Display, cap: usize) -> String {
    struct Capped {
        out: String,
        cap: usize,
        full: bool,
    }
    impl fmt::Write for Capped {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = self.cap - self.out.len();
            if s.len() <= room {
                self.out.push_str(s);
                return Ok(());
            }
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.out.push_str(&s[..end]);
            self.full = true;
            // Stops the formatting of the rest: it would be thrown away.
            Err(fmt::Error)
        }
    }
    let mut w = Capped {
        out: String::new(),
        cap,
        full: false,
    };
    // An error from a `Display` impl itself leaves what it wrote so far.
    let _ = write!(w, "{v}");
    if w.full {
        w.out.push('…');
    }
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_severity_has_the_name_of_its_place() {
        for (i, severity) in Severity::ALL.into_iter().enumerate() {
            assert_eq!(severity as usize, i);
            assert_eq!(severity.as_str(), errmon_rules::severity::NAMES[i]);
            assert_eq!(Severity::from_name(severity.as_str()), Some(severity));
        }
        assert_eq!(Severity::from_name("fatal"), None);
    }

    #[derive(Debug)]
    struct Link(&'static str, Option<Box<Link>>);
    impl Display for Link {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Link {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[derive(Debug)]
    struct Cycle(&'static str, &'static Cycle);
    impl Display for Cycle {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Cycle {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(self.1)
        }
    }
    static A: Cycle = Cycle("a", &B);
    static B: Cycle = Cycle("b", &A);

    #[test]
    fn chains_go_outermost_first_and_stop_at_cycles_and_caps() {
        let e = Link(
            "top",
            Some(Box::new(Link("mid", Some(Box::new(Link("root", None)))))),
        );
        let (msg, chain) = ErrorRef::Error(&e).describe();
        assert_eq!(
            (msg.as_str(), chain),
            ("top", vec!["mid".to_owned(), "root".to_owned()])
        );
        // a -> b -> a: the walk stops where the chain comes back.
        let (_, chain) = ErrorRef::Error(&A).describe();
        assert_eq!(chain, ["b"]);
        let mut deep = Link("0", None);
        for _ in 0..40 {
            deep = Link("n", Some(Box::new(deep)));
        }
        assert_eq!(ErrorRef::Error(&deep).describe().1.len(), MAX_CHAIN);
    }

    #[test]
    fn debug_only_values_and_long_messages() {
        #[derive(Debug)]
        struct Code(#[expect(dead_code, reason = "read through Debug only")] u16);
        assert_eq!(ErrorRef::Debug(&Code(503)).describe().0, "Code(503)");
        assert_eq!(ErrorRef::Opaque.describe().0, "");
        let long = "é".repeat(MAX_MESSAGE);
        let msg = capped(&long, MAX_MESSAGE);
        assert!(
            msg.len() <= MAX_MESSAGE + '…'.len_utf8() && msg.ends_with('…'),
            "{}",
            msg.len()
        );
    }
}
