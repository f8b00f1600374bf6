//! Panics as reports, through a hook that chains to the one installed before it.
//!
//! The hook does no I/O and does not wait for errmon's locks: it notes the panic (payload,
//! location, the request context, a backtrace when enabled) in a small table keyed by thread,
//! giving up at once (counted as `busy`) if another thread holds the table or the settings,
//! and calls the previous hook (the default one prints the
//! panic, as without errmon). The report is made on the way out: the innermost `#[monitored]`
//! function the panic unwinds through claims the note and reports it under its name, with its
//! call's duration. Outer instrumented functions see the note claimed and add no second report.
//! With [`ErrorSettings::panics_anywhere`](super::ErrorSettings::panics_anywhere), notes that
//! no function claimed within a second become reports without a function when
//! [`errors()`](crate::errors()) is next read. With backtraces on, capturing one takes the
//! standard library's backtrace lock, which another thread printing a panic's backtrace may
//! hold: that is the one wait left, and only when backtraces are asked for.

use std::any::Any;
use std::sync::Mutex;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::report::{ErrorRef, MAX_MESSAGE, Severity};
use super::tracker::{self, Event, PanicDetails, What};
use crate::record::clock;
use crate::record::thread::thread_index;
use crate::registry::Site;

/// Notes kept at once; threads panicking together past it lose their note (counted as `busy`).
const MAX_NOTES: usize = 64;
/// How long a note waits for an instrumented function to claim it.
const UNCLAIMED_MS: u64 = 1_000;

#[derive(Debug)]
struct Note {
    thread: usize,
    /// The clock's raw reading when the panic started: a call claims only panics that
    /// started after it did.
    raw: u64,
    unix_ms: u64,
    claimed: bool,
    details: Option<PanicDetails>,
}

static NOTES: Mutex<Vec<Note>> = Mutex::new(Vec::new());
/// Panics whose note could not be written without waiting.
pub(crate) static BUSY: AtomicU64 = AtomicU64::new(0);

/// Installs errmon's panic hook, chained before the hook installed until now (which still
/// runs, so panics print as before). Idempotent: a second call does nothing. `install()`
/// calls it; a library or an application that serves errmon's data itself calls it at
/// start-up. Without the hook, a panic in a `#[monitored]` function still becomes a report,
/// without its payload and location.
///
/// ```
/// errmon_runtime::errors::install_panic_hook();
///
/// #[errmon_runtime::monitored]
/// fn explode() {
///     panic!("boom at order 7");
/// }
///
/// let _ = std::panic::catch_unwind(explode);
/// let snap = errmon_runtime::errors();
/// let report = snap.recent.iter().find(|r| r.function == "explode").unwrap();
/// assert!(report.panic && report.message == "boom at order 7");
/// assert!(report.location.as_deref().unwrap().contains(".rs:"));
/// ```
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(chain_hook);
}

fn chain_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        note(info);
        previous(info);
    }));
}

fn payload(p: &dyn Any) -> String {
    let text = if let Some(s) = p.downcast_ref::<&str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.as_str()
    } else {
        "Box<dyn Any>"
    };
    super::report::capped(&text, MAX_MESSAGE)
}

fn note(info: &std::panic::PanicHookInfo<'_>) {
    let raw = clock::raw();
    let Some(settings) = tracker::try_settings() else {
        BUSY.fetch_add(1, Relaxed);
        return;
    };
    let details = PanicDetails {
        message: payload(info.payload()),
        location: info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
        backtrace: settings
            .backtraces
            .then(std::backtrace::Backtrace::force_capture),
        context: crate::context::current(),
        unix_ms: tracker::now_ms(&settings),
    };
    let Some(mut notes) = try_lock_briefly(&NOTES) else {
        BUSY.fetch_add(1, Relaxed);
        return;
    };
    let thread = thread_index();
    let fresh = Note {
        thread,
        raw,
        unix_ms: details.unix_ms,
        claimed: false,
        details: Some(details),
    };
    if let Some(n) = notes.iter_mut().find(|n| n.thread == thread) {
        *n = fresh;
    } else if notes.len() < MAX_NOTES {
        notes.push(fresh);
    } else {
        BUSY.fetch_add(1, Relaxed);
    }
}

/// The lock, if it comes free within a few dozen tries: readers of the errors (a scrape of
/// `/errors`) hold it for microseconds, and a panic that happens meanwhile should not lose its
/// message for that. Never waits in the kernel, so a hook that runs while this thread or a
/// stopped one holds the lock gives up instead of hanging.
fn try_lock_briefly<T>(lock: &Mutex<T>) -> Option<std::sync::MutexGuard<'_, T>> {
    for attempt in 0..64 {
        match lock.try_lock() {
            Ok(guard) => return Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) if attempt < 16 => std::hint::spin_loop(),
            Err(std::sync::TryLockError::WouldBlock) => std::thread::yield_now(),
        }
    }
    None
}

/// A `#[monitored]` call of `site` that started at the raw reading `start` unwound after
/// `duration_ns`: reports the panic, unless an inner instrumented function did.
pub(crate) fn unwound(site: &'static Site, start: u64, duration_ns: u64) {
    unwound_with(site, start, duration_ns, &[]);
}

/// [`unwound`], with fields of the caller's for the report.
pub(crate) fn unwound_with(
    site: &'static Site,
    start: u64,
    duration_ns: u64,
    fields: &[(&'static str, &dyn std::fmt::Display)],
) {
    let thread = thread_index();
    let details = {
        let mut notes = NOTES.lock().unwrap_or_else(|p| p.into_inner());
        match notes
            .iter_mut()
            .find(|n| n.thread == thread && n.raw >= start)
        {
            Some(n) if n.claimed => return,
            Some(n) => {
                n.claimed = true;
                n.details.take()
            }
            None => None,
        }
    };
    let message = details
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_default();
    tracker::record(Event {
        site: Some(site),
        type_name: "panic",
        kind: "panic",
        severity: Severity::Critical,
        what: What::Panic,
        error: ErrorRef::Display(&message),
        fields,
        duration_ns: Some(duration_ns),
        retry_attempt: None,
        panic: details,
        counted_by_site: false,
    });
}

/// Reports panics no instrumented function claimed (when panics anywhere are on) and forgets
/// old notes.
pub(crate) fn sweep(now_ms: u64, anywhere: bool) {
    let old: Vec<PanicDetails> = {
        let mut notes = NOTES.lock().unwrap_or_else(|p| p.into_inner());
        let mut old = Vec::new();
        notes.retain_mut(|n| {
            let age = now_ms.saturating_sub(n.unix_ms);
            if n.claimed {
                // Kept a while: an outer function still unwinding must find it claimed.
                return age < 60_000;
            }
            if age < UNCLAIMED_MS {
                return true;
            }
            old.extend(n.details.take());
            false
        });
        old
    };
    if !anywhere {
        return;
    }
    for d in old {
        let message = d.message.clone();
        tracker::record(Event {
            site: None,
            type_name: "panic",
            kind: "panic",
            severity: Severity::Critical,
            what: What::Panic,
            error: ErrorRef::Display(&message),
            fields: &[],
            duration_ns: None,
            retry_attempt: None,
            panic: Some(d),
            counted_by_site: false,
        });
    }
}
