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
//! [`errors::snapshot()`](crate::errors::snapshot()) is next read. With backtraces on, capturing one takes the
//! standard library's backtrace lock, which another thread printing a panic's backtrace may
//! hold: that is the one wait left, and only when backtraces are asked for.
//!
//! A hook set after errmon's replaces it (`std::panic::set_hook` keeps one hook), and panics
//! then reach instrumented functions without a note: their reports have no message and no
//! location. The first such panic says so, once, in a log line and in
//! [`ErrorsSnapshot::panic_hook`](super::ErrorsSnapshot::panic_hook); calling
//! [`install_panic_hook`] after setting the other hook puts errmon's in front of it again.

use std::any::Any;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use super::report::{MAX_MESSAGE, Severity};
use super::tracker::{self, Event, PanicDetails, What};
use crate::common::clock;
use crate::common::thread::thread_index;
use crate::record::ErrorRef;
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

/// The generation of errmon's newest hook, the one that notes panics; 0 before the first.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Taken while a hook is chained, so two threads chaining at once both end up in the chain.
static CHAINING: Mutex<()> = Mutex::new(());
/// The clock's raw reading when errmon's hook last ran, on any thread.
static LAST_RUN: AtomicU64 = AtomicU64::new(0);
/// Whether a panic unwound through an instrumented function without errmon's hook running
/// since it was chained.
static REPLACED: AtomicBool = AtomicBool::new(false);
/// Whether that was logged (once per process).
static WARNED: AtomicBool = AtomicBool::new(false);

/// Whether errmon's panic hook sees panics, as of the last panic through an instrumented
/// function: [`ErrorsSnapshot::panic_hook`](super::ErrorsSnapshot::panic_hook), `panic_hook`
/// in `GET /errors`.
///
/// ```
/// use errmon_runtime::errors::PanicHookState;
///
/// errmon_runtime::errors::install_panic_hook();
/// assert_eq!(errmon_runtime::errors::snapshot().panic_hook, PanicHookState::Chained);
/// assert_eq!(PanicHookState::Chained.as_str(), "chained");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PanicHookState {
    /// errmon's hook was never installed (no `install()`, `Config::endpoint()` or
    /// [`install_panic_hook`]): panic reports have no message or location.
    Absent,
    /// errmon's hook is installed, and every panic seen since went through it.
    Chained,
    /// A panic unwound through an instrumented function and errmon's hook did not see it: a
    /// hook set after errmon's replaced it, and panic reports have no message or location
    /// until [`install_panic_hook`] is called again.
    Replaced,
}

impl PanicHookState {
    /// `absent`, `chained` or `replaced`, as in the JSON of `GET /errors`.
    ///
    /// ```
    /// assert_eq!(errmon_runtime::errors::PanicHookState::Replaced.as_str(), "replaced");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Chained => "chained",
            Self::Replaced => "replaced",
        }
    }
}

/// The state of errmon's hook now.
pub(crate) fn state() -> PanicHookState {
    if GENERATION.load(Relaxed) == 0 {
        PanicHookState::Absent
    } else if REPLACED.load(Relaxed) {
        PanicHookState::Replaced
    } else {
        PanicHookState::Chained
    }
}

/// Puts errmon's panic hook in front of the hook set until now, which still runs after it
/// (so panics print as before, or as that hook prints them). `install()` and
/// `Config::endpoint()` install it when it is not yet; a library or an application that serves
/// errmon's data itself calls it at start-up. Without the hook, a panic in a `#[monitored]`
/// function still becomes a report, without its payload and location.
///
/// `std::panic::set_hook` keeps one hook: a hook set after errmon's (a quieter one,
/// `color-eyre`'s, `human-panic`'s) replaces it, and errmon says so once, in a warning log
/// line and as `"panic_hook": "replaced"` in `GET /errors`. To keep both, call this function
/// again after setting the other hook: errmon's hook goes in front of it again. An errmon hook
/// left further down the chain by an earlier call passes panics on without noting them, so a
/// panic is noted once however often this is called.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// errmon_runtime::errors::install_panic_hook();
///
/// // The application's own hook, set later: it replaces errmon's...
/// static QUIETED: AtomicU32 = AtomicU32::new(0);
/// std::panic::set_hook(Box::new(|_| {
///     QUIETED.fetch_add(1, Ordering::Relaxed);
/// }));
/// // ...until errmon's is chained in front of it again.
/// errmon_runtime::errors::install_panic_hook();
///
/// #[errmon_runtime::monitored]
/// fn explode() {
///     panic!("boom at order 7");
/// }
///
/// let _ = std::panic::catch_unwind(explode);
/// let snap = errmon_runtime::errors::snapshot();
/// let report = snap.recent.iter().find(|r| r.function == "explode").unwrap();
/// assert!(report.panic && report.message == "boom at order 7");
/// assert!(report.location.as_deref().unwrap().contains(".rs:"));
/// // The application's hook ran too, once.
/// assert_eq!(QUIETED.load(Ordering::Relaxed), 1);
/// ```
pub fn install_panic_hook() {
    let _chaining = CHAINING.lock().unwrap_or_else(|p| p.into_inner());
    chain_hook();
}

/// [`install_panic_hook`], unless errmon's hook was installed before: `install()` and
/// `Config::endpoint()`, which an application may call more than once.
#[cfg(feature = "endpoint")]
pub(crate) fn ensure_panic_hook() {
    let _chaining = CHAINING.lock().unwrap_or_else(|p| p.into_inner());
    if GENERATION.load(Relaxed) == 0 {
        chain_hook();
    }
}

/// Chains a hook of the next generation in front of the current one; called under
/// `CHAINING`.
fn chain_hook() {
    let generation = GENERATION.load(Relaxed) + 1;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Only the newest of errmon's hooks notes: older ones may still be in the chain,
        // behind a hook that calls the one it replaced.
        if GENERATION.load(Relaxed) == generation {
            note(info);
        }
        previous(info);
    }));
    // Once the hook is in place, so a panic meanwhile is noted by the one it replaces.
    GENERATION.store(generation, Relaxed);
    REPLACED.store(false, Relaxed);
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
    LAST_RUN.fetch_max(raw, Relaxed);
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
    if details.is_none() {
        unnoted(site, start);
    }
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
        started: None,
        retry_attempt: None,
        panic: details,
        counted_by_site: false,
    });
}

/// A call of `site` that started at the raw reading `start` unwound, and errmon's hook left
/// no note for its thread. When the hook is installed and ran on no thread since the call
/// started, the panic did not go through it: a hook set later replaced it. Said once, in a
/// warning. (A hook that ran, on this or another thread, is no proof either way: it may have
/// been too busy to note, or the panic may be one caught on another thread and resumed here
/// with `resume_unwind`, which runs no hook. A payload caught before the call started and
/// resumed in it is the one case this takes for a replaced hook.)
#[cold]
fn unnoted(site: &'static Site, start: u64) {
    if GENERATION.load(Relaxed) == 0 || LAST_RUN.load(Relaxed) >= start {
        return;
    }
    REPLACED.store(true, Relaxed);
    if !WARNED.swap(true, Relaxed) {
        let meta = site.meta();
        // errmon's own event: written by errmon's output when no subscriber is current.
        crate::emit::emit!(
            tracing::Level::WARN,
            "a panic hook set after errmon's replaced it: panic reports have no message or \
             location; call errmon_runtime::errors::install_panic_hook() after setting your own \
             hook, which keeps both";
            "function" = meta.function,
            "module" = meta.module,
        );
    }
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
            started: None,
            retry_attempt: None,
            panic: Some(d),
            counted_by_site: false,
        });
    }
}
