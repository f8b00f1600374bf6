//! The process-wide error tracker: what every error, panic and retry exhaustion goes through,
//! on the thread where it happened.
//!
//! An event is first counted (a returned error by its site already; panics, exhaustions and
//! `5xx` answers here, by function and severity: always exact) and checked against the filter hook, the per-function rate limit and flood sampling, all
//! without a lock (`counters`). Only an event that will be kept is then formatted, scrubbed,
//! grouped and stored, under one mutex taken once per stored report, never while user code
//! (the hooks, `Display` impls) runs, and never on the success path.
//!
//! Nothing here reads a thread-local that can be gone: the maps hash with a fixed hasher (not
//! `RandomState`, whose seed is a thread-local), and the clock is `SystemTime`.

use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, RwLock};

use super::counters::{self, FnCounters, TOTALS};
use super::fingerprint::{fingerprint_of, parameterize};
use super::groups::{Groups, IdentityMap, Key, OTHER_FINGERPRINT};
use super::report::{Report, Severity};
use super::ring::Ring;
use super::settings::{ErrorSettings, ReportHead};
use super::snapshot::DropReason;
use crate::common::time::unix_ms;
use crate::context::{self, Context};
use crate::record::ErrorRef;
use crate::registry::{self, Site};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    /// A `#[monitored]` function returned an error.
    Error,
    /// A panic unwound through an instrumented function, or anywhere (when enabled).
    Panic,
    /// A `#[retry]` call ran out of attempts or time.
    Exhausted,
}

/// A panic as the hook saw it.
#[derive(Debug)]
pub(crate) struct PanicDetails {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
    pub(crate) backtrace: Option<std::backtrace::Backtrace>,
    pub(crate) context: Option<Context>,
    pub(crate) unix_ms: u64,
}

pub(crate) struct Event<'a> {
    pub(crate) site: Option<&'static Site>,
    pub(crate) type_name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) severity: Severity,
    pub(crate) what: What,
    pub(crate) error: ErrorRef<'a>,
    pub(crate) fields: &'a [(&'static str, &'a dyn Display)],
    pub(crate) duration_ns: Option<u64>,
    /// The raw clock reading at the call's start: with its duration, when it ended, so the
    /// report's time needs no clock read of its own.
    pub(crate) started: Option<u64>,
    pub(crate) retry_attempt: Option<u32>,
    pub(crate) panic: Option<PanicDetails>,
    /// Whether the site's own shards counted the error already (by outcome, series and
    /// severity): a returned error of an instrumented call. The tracker then writes no shared
    /// counter for it, so threads failing in one function at once share no cache line.
    pub(crate) counted_by_site: bool,
}

/// Told of every stored report, after the tracker's lock is released: `log` turns each into
/// an event. Collected when the program is linked, so the first report reaches it, with or
/// without `install()`.
pub(crate) struct Stored(pub(crate) fn(&Report));

inventory::collect!(Stored);

/// What is kept of stored reports; counting is in `counters`, without this lock.
pub(crate) struct State {
    pub(crate) settings: Arc<ErrorSettings>,
    pub(crate) stored: u64,
    pub(crate) first_report: Option<Arc<Report>>,
    /// Types and kinds of panics and exhausted retries; returned errors are counted by type
    /// and kind in their sites' error tables.
    pub(crate) types: IdentityMap<usize, (&'static str, u64)>,
    pub(crate) kinds: IdentityMap<usize, (&'static str, u64)>,
    pub(crate) ring: Ring,
    pub(crate) groups: Groups,
}

fn initial_settings() -> ErrorSettings {
    // A bad `ERRMON_BACKTRACE` is reported by `ErrorSettings::from_env` and `Config::from_env`;
    // here, before anyone asked, the default stands.
    ErrorSettings::from_env().unwrap_or_default()
}

static STATE: LazyLock<Mutex<State>> = LazyLock::new(|| {
    let settings = settings();
    Mutex::new(State {
        ring: Ring::new(settings.ring_size),
        settings,
        stored: 0,
        first_report: None,
        types: IdentityMap::default(),
        kinds: IdentityMap::default(),
        groups: Groups::default(),
    })
});

/// The settings the counting half reads, as atomics: no lock before a report is known to be
/// kept.
static RATE_LIMIT: AtomicU32 = AtomicU32::new(super::settings::DEFAULT_RATE_LIMIT);
static SAMPLE_ABOVE: AtomicU32 = AtomicU32::new(super::settings::DEFAULT_SAMPLE_ABOVE);
/// Whether the settings' clock is not `SystemTime::now` (tests), so it must be read from them.
static CUSTOM_CLOCK: AtomicBool = AtomicBool::new(false);

/// The settings, readable without the state's lock (the filter runs before it is taken).
static SETTINGS: LazyLock<RwLock<Arc<ErrorSettings>>> =
    LazyLock::new(|| RwLock::new(Arc::new(initial_settings())));

pub(crate) fn lock() -> MutexGuard<'static, State> {
    // A panic while the lock is held cannot leave the counters half-written in a way that
    // matters: go on with them.
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn settings() -> Arc<ErrorSettings> {
    Arc::clone(&SETTINGS.read().unwrap_or_else(|p| p.into_inner()))
}

/// Like [`settings`], but gives up instead of waiting (for the panic hook).
pub(crate) fn try_settings() -> Option<Arc<ErrorSettings>> {
    SETTINGS.try_read().ok().map(|s| Arc::clone(&s))
}

pub(crate) fn now_ms(settings: &ErrorSettings) -> u64 {
    unix_ms((settings.clock)())
}

/// [`now_ms`] without reading the settings unless a clock was injected.
pub(crate) fn now_fast() -> u64 {
    if CUSTOM_CLOCK.load(Relaxed) {
        now_ms(&settings())
    } else {
        crate::common::clock::unix_ms()
    }
}

/// Applies new settings. Reports and groups recorded so far stay (the ring keeps its newest
/// reports when it shrinks).
pub(crate) fn configure(settings: ErrorSettings) {
    let settings = Arc::new(settings);
    HAS_FILTER.store(settings.filter.is_some(), Relaxed);
    HAS_SCRUB.store(settings.scrub.is_some(), Relaxed);
    BACKTRACES.store(u8::from(settings.backtraces), Relaxed);
    RATE_LIMIT.store(settings.rate_limit, Relaxed);
    SAMPLE_ABOVE.store(settings.sample_above, Relaxed);
    // Compared by address: the default is the one function that needs no settings read.
    let system: fn() -> std::time::SystemTime = std::time::SystemTime::now;
    CUSTOM_CLOCK.store(!std::ptr::fn_addr_eq(settings.clock, system), Relaxed);
    *SETTINGS.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&settings);
    let mut st = lock();
    st.ring.resize(settings.ring_size);
    st.settings = settings;
}

/// Counts an event, without a lock (but for the rare types of panics and exhaustions).
fn count(f: &FnCounters, ev: &Event<'_>, now: u64) {
    let all = &TOTALS.all;
    match ev.what {
        // Past the table's capacity a function's errors are counted here after all: its own
        // counters are not listed.
        What::Error if ev.counted_by_site && f.site.is_some() => {}
        What::Error => {
            all.errors.fetch_add(1, Relaxed);
            f.errors.fetch_add(1, Relaxed);
            TOTALS.severities[ev.severity as usize].fetch_add(1, Relaxed);
        }
        What::Panic | What::Exhausted => {
            let (total, own) = if ev.what == What::Panic {
                (&all.panics, &f.panics)
            } else {
                (&all.exhausted, &f.exhausted)
            };
            total.fetch_add(1, Relaxed);
            own.fetch_add(1, Relaxed);
            let tally = |map: &mut IdentityMap<usize, (&'static str, u64)>, s: &'static str| {
                map.entry(s.as_ptr() as usize).or_insert((s, 0)).1 += 1;
            };
            // Keyed by address: each is a `&'static str` from the code (type names, kind
            // names), so the number of keys is bounded by the program.
            let mut st = lock();
            tally(&mut st.types, ev.type_name);
            tally(&mut st.kinds, ev.kind);
            drop(st);
            TOTALS.severities[ev.severity as usize].fetch_add(1, Relaxed);
        }
    }
    all.seen(now);
    f.seen(now);
}

/// Whether a counted event gets a report.
fn admit(f: &FnCounters, filtered: bool, now: u64) -> Result<(), DropReason> {
    if filtered {
        return Err(DropReason::Filtered);
    }
    if !f.gate.admit(RATE_LIMIT.load(Relaxed), now) {
        return Err(DropReason::RateLimited);
    }
    if !TOTALS.sampler.admit(SAMPLE_ABOVE.load(Relaxed), now) {
        return Err(DropReason::Sampled);
    }
    Ok(())
}

/// Panics, exhaustions and `5xx` answers so far by severity: what the tracker itself counted.
pub(crate) fn tracker_severities() -> [u64; Severity::ALL.len()] {
    std::array::from_fn(|i| TOTALS.severities[i].load(Relaxed))
}

/// Errors of every kind so far by severity: those the tracker counted, and those the erring
/// functions' own tables counted.
pub(crate) fn severity_totals() -> [u64; Severity::ALL.len()] {
    let mut out: [u64; Severity::ALL.len()] =
        std::array::from_fn(|i| TOTALS.severities[i].load(Relaxed));
    registry::each(|site| {
        for (o, n) in out.iter_mut().zip(site.error_severities()) {
            *o += n;
        }
    });
    out
}

/// Errors returned so far in the whole process: those the tracker counted (`5xx` answers)
/// and those the sites' tables did.
pub(crate) fn errors_total() -> u64 {
    let mut n = TOTALS.all.errors.load(Relaxed);
    registry::each(|site| n += site.error_severities().iter().sum::<u64>());
    n
}

/// Errors a function returned so far: those its table counted and those the tracker did.
pub(crate) fn errors_of(f: &FnCounters) -> u64 {
    f.errors.load(Relaxed)
        + f.site
            .map_or(0, |s| s.error_severities().iter().sum::<u64>())
}

pub(crate) fn drop_report(why: DropReason) {
    TOTALS.dropped.add(why);
}

/// Reports dropped so far by reason, with the panic hook's `busy` ones.
pub(crate) fn dropped_totals() -> [(DropReason, u64); DropReason::ALL.len()] {
    let busy = super::panic::BUSY.load(Relaxed);
    DropReason::ALL.map(|r| {
        let extra = if r == DropReason::Busy { busy } else { 0 };
        (r, TOTALS.dropped.total(r) + extra)
    })
}

/// A user hook, run so that its panic cannot escape into the application's error path.
fn guarded<R>(hook: impl FnOnce() -> R) -> Option<R> {
    catch_unwind(AssertUnwindSafe(hook)).ok()
}

/// Whether the settings have a filter, so that an error whose report is dropped reads the
/// settings only when there is one.
static HAS_FILTER: AtomicBool = AtomicBool::new(false);
/// Whether the settings have a scrub hook, read likewise.
static HAS_SCRUB: AtomicBool = AtomicBool::new(false);
/// Whether reports of returned errors capture a backtrace (`UNREAD` until the settings are
/// first read, as `ERRMON_BACKTRACE` may ask for them): the one setting every stored report
/// reads, kept apart so that storing one takes no read lock.
static BACKTRACES: AtomicU8 = AtomicU8::new(UNREAD);
const UNREAD: u8 = 2;

fn backtraces() -> bool {
    match BACKTRACES.load(Relaxed) {
        UNREAD => {
            let on = settings().backtraces;
            // A `configure` in between wins.
            let _ = BACKTRACES.compare_exchange(UNREAD, u8::from(on), Relaxed, Relaxed);
            on
        }
        on => on == 1,
    }
}

/// Counts an event and, if it is kept, stores its report: the fingerprint of its group then.
pub(crate) fn record(ev: Event<'_>) -> Option<u64> {
    let (function, module) = ev
        .site
        .map_or(("", ""), |s| (s.meta().function, s.meta().module));
    let panic = ev.what == What::Panic;
    let filtered = HAS_FILTER.load(Relaxed)
        && settings().filter.as_ref().is_some_and(|keep| {
            let head = ReportHead {
                function,
                module,
                type_name: ev.type_name,
                error_kind: ev.kind,
                severity: ev.severity,
                panic,
            };
            !guarded(|| keep(&head)).unwrap_or(false)
        });
    let now = match (&ev.panic, ev.started, ev.duration_ns) {
        (Some(p), _, _) => p.unix_ms,
        (None, Some(start), Some(ns)) if !CUSTOM_CLOCK.load(Relaxed) => {
            crate::common::clock::unix_ms_after(start, ns)
        }
        _ => now_fast(),
    };
    let f = counters::function(ev.site);
    count(f, &ev, now);
    if let Err(why) = admit(f, filtered, now) {
        drop_report(why);
        return None;
    }
    // `None` when the error's own `Display` (or a field's) panicked: the error stays counted.
    let backtraces = backtraces();
    let mut report = build(&ev, backtraces, function, module, now)?;
    if HAS_SCRUB.load(Relaxed) {
        if let Some(scrub) = &settings().scrub {
            if !guarded(|| scrub(&mut report)).unwrap_or(false) {
                drop_report(DropReason::Scrubbed);
                return None;
            }
        }
    }
    let pattern = parameterize(&report.message);
    let fp = match fingerprint_of(function, ev.type_name, ev.kind, &pattern) {
        OTHER_FINGERPRINT => 1,
        fp => fp,
    };
    let key = Key {
        fingerprint: fp,
        function,
        module,
        type_name: ev.type_name,
        kind: ev.kind,
        pattern: &pattern,
    };
    let (stored, evicted);
    {
        let mut st = lock();
        let cap = st.settings.max_groups;
        report.fingerprint =
            st.groups
                .record(&key, cap, &report.message, report.user_id.as_deref(), now);
        let report = Arc::new(report);
        stored = Arc::clone(&report);
        if st.first_report.is_none() {
            st.first_report = Some(Arc::clone(&report));
        }
        evicted = st.ring.push(report);
        st.stored += 1;
    }
    // Freed after the lock is released.
    drop(evicted);
    for hook in inventory::iter::<Stored> {
        (hook.0)(&stored);
    }
    Some(stored.fingerprint)
}

fn build(
    ev: &Event<'_>,
    backtraces: bool,
    function: &'static str,
    module: &'static str,
    now: u64,
) -> Option<Report> {
    let (message, chain) = guarded(|| ev.error.describe())?;
    let context = match &ev.panic {
        Some(p) => p.context.clone(),
        None => context::current(),
    };
    let mut fields: Vec<(String, String)> = context
        .as_ref()
        .map(|c| {
            c.fields()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    for &(k, v) in ev.fields {
        let v = guarded(|| super::report::capped(v, crate::context::MAX_FIELD_VALUE))?;
        // The function's own field wins over the context's of the same name: one key each.
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(f) => f.1 = v,
            None => fields.push((k.to_owned(), v)),
        }
    }
    let backtrace = match &ev.panic {
        Some(p) => p.backtrace.as_ref().map(ToString::to_string),
        None if backtraces => Some(std::backtrace::Backtrace::force_capture().to_string()),
        None => None,
    };
    Some(Report {
        unix_ms: now,
        function,
        module,
        error_type: if ev.what == What::Panic {
            "panic".to_owned()
        } else {
            registry::short_type_name_of(ev.type_name).into_owned()
        },
        error_kind: ev.kind,
        message,
        chain,
        severity: ev.severity,
        request_id: context.as_ref().map(|c| c.request_id().to_owned()),
        user_id: context
            .as_ref()
            .and_then(|c| c.user_id().map(str::to_owned)),
        fields,
        retry_attempt: ev.retry_attempt,
        duration: ev.duration_ns.map(std::time::Duration::from_nanos),
        fingerprint: 0,
        panic: ev.what == What::Panic,
        location: ev.panic.as_ref().and_then(|p| p.location.clone()),
        backtrace,
    })
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub(crate) fn report() -> Report {
        Report {
            unix_ms: 0,
            function: "f",
            module: "m",
            error_type: "E".into(),
            error_kind: "k",
            message: String::new(),
            chain: Vec::new(),
            severity: Severity::Error,
            request_id: None,
            user_id: None,
            fields: Vec::new(),
            retry_attempt: None,
            duration: None,
            fingerprint: 0,
            panic: false,
            location: None,
            backtrace: None,
        }
    }
}
