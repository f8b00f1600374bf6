//! errmon's own output: a subscriber (a registry, the level filter and a [`JsonLayer`]) kept in
//! a process-wide slot, never set as a default by [`install`](fn@super::super::install). errmon's events
//! go to it when no subscriber is current (see `crate::emit`, which finds it through [`current`]); [`init`] makes it the
//! application's global default.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};
use std::time::Duration;

use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::layer::SubscriberExt;

use super::file::LogStartError;
use super::settings::{LogConfigError, LogSettings, Output};
use super::writer::{LogGuard, Queue};

/// errmon's own subscriber and what its guards flush.
pub(crate) struct Own {
    subscriber: Arc<dyn Subscriber + Send + Sync>,
    queue: Queue,
    flush_timeout: Duration,
    settings: LogSettings,
    /// Set once [`init`] made it the global default; then it stays in the slot for good.
    global: AtomicBool,
}

/// The output errmon's events go to when no subscriber is current.
static OWN: RwLock<Option<Arc<Own>>> = RwLock::new(None);

/// Whether the slot was ever written: until then, reading it takes no lock (every stored
/// report of a program without errmon's output asks).
static EVER_WRITTEN: AtomicBool = AtomicBool::new(false);

fn slot() -> RwLockWriteGuard<'static, Option<Arc<Own>>> {
    crate::emit::set_output(|| current().map(|own| own as Arc<dyn crate::emit::Output>));
    EVER_WRITTEN.store(true, Ordering::Release);
    // Nothing panics while holding it; a poisoned slot still holds a whole value.
    OWN.write().unwrap_or_else(PoisonError::into_inner)
}

/// errmon's own output, if one is started.
pub(crate) fn current() -> Option<Arc<Own>> {
    if !EVER_WRITTEN.load(Ordering::Acquire) {
        return None;
    }
    OWN.read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(Arc::clone)
}

impl Own {
    fn start(settings: &LogSettings) -> Result<Own, LogStartError> {
        let (layer, queue) = settings.parts()?;
        let subscriber = tracing_subscriber::registry()
            .with(settings.filter())
            .with(layer);
        Ok(Own {
            subscriber: Arc::new(subscriber),
            queue,
            flush_timeout: settings.flush_timeout,
            settings: settings.clone(),
            global: AtomicBool::new(false),
        })
    }

    fn guard(&self) -> LogGuard {
        LogGuard::new(self.queue.clone(), self.flush_timeout)
    }

    fn is_global(&self) -> bool {
        self.global.load(Ordering::Acquire)
    }

    /// Sets it as the global default, unless one is set already.
    fn make_global(&self) -> Result<LogGuard, LogInitError> {
        if self.is_global() {
            return Err(LogInitError::AlreadySet);
        }
        tracing::dispatcher::set_global_default(Dispatch::new(Arc::clone(&self.subscriber)))
            .map_err(|_| LogInitError::AlreadySet)?;
        self.global.store(true, Ordering::Release);
        Ok(self.guard())
    }
}

impl crate::emit::Output for Own {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        self.subscriber.enabled(meta)
    }

    fn event(&self, event: &Event<'_>) {
        if self.subscriber.event_enabled(event) {
            self.subscriber.event(event);
        }
    }
}

/// `install()`'s part: starts errmon's own output with `settings` unless the one started
/// already has them or is the global default (then that one stays), and returns the guard that
/// flushes it. `Output::Off` stops errmon's own lines (unless they are the global default's).
/// Nothing changes when the output cannot be started.
pub(crate) fn start_for_install(settings: &LogSettings) -> Result<Option<LogGuard>, LogStartError> {
    let mut slot = slot();
    if let Some(own) = slot.as_ref() {
        if own.is_global() || own.settings == *settings {
            return Ok(Some(own.guard()));
        }
    }
    let (old, guard) = if settings.output == Output::Off {
        (slot.take(), None)
    } else {
        let own = Own::start(settings)?;
        let guard = own.guard();
        (slot.replace(Arc::new(own)), Some(guard))
    };
    drop(slot);
    // The old writer thread ends once its last guard is dropped.
    drop(old);
    Ok(guard)
}

/// Why [`init`] (or [`LogSettings::init`]) did not set errmon's subscriber as the global
/// default. Nothing was set, and the process's subscriber, if any, stays.
///
/// ```
/// use errmon_runtime::log::LogInitError;
///
/// let app = tracing_subscriber::registry();
/// tracing::subscriber::set_global_default(app)?;
/// let e = errmon_runtime::log::init().unwrap_err();
/// assert!(matches!(e, LogInitError::AlreadySet), "{e}");
/// assert!(e.to_string().contains("already set"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LogInitError {
    /// A global subscriber is already set, the application's or errmon's by an earlier
    /// `init`; it stays, and errmon's events go to it.
    AlreadySet,
    /// A value of `ERRMON_LOG`, `ERRMON_LOG_LEVEL` (or `RUST_LOG`) or `ERRMON_LOG_FORMAT` is
    /// not usable; the message names it.
    Config(LogConfigError),
    /// The output cannot be written: an unwritable file or directory, or no writer thread.
    Start(LogStartError),
}

impl fmt::Display for LogInitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadySet => f.write_str(
                "a global tracing subscriber is already set; it stays, and errmon's events go to it",
            ),
            Self::Config(e) => write!(f, "invalid errmon log configuration: {e}"),
            // The OS error is `source()`, as in `LogStartError`'s own chain.
            Self::Start(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for LogInitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Start(e) => std::error::Error::source(e),
            // `Config`'s message is in `Display` and has no cause of its own.
            Self::AlreadySet | Self::Config(_) => None,
        }
    }
}

/// Makes errmon's JSON lines the application's log format: sets errmon's subscriber as the
/// global default, so the application's own events are written as errmon's lines too, with
/// the request id, user id and fields of the [context](crate::context) current where each is
/// emitted. Call it once, at start-up, instead of setting a subscriber of the application's.
///
/// After [`install`](fn@super::super::install) it uses the output `install()` started (its
/// [`Config::logs`](crate::Config::logs), or `ERRMON_LOG`, `ERRMON_LOG_LEVEL` and
/// `ERRMON_LOG_FORMAT`); before it, or without it, those variables over the defaults
/// (standard error, `info`), as [`LogSettings::apply_env`] reads them. A later `install()`
/// keeps this output. Keep the guard until the end of `main`: dropping it flushes the lines
/// written so far (at most one second by default). With `ERRMON_LOG=off` nothing is set and
/// nothing is written.
///
/// A global subscriber already set is an `Err`, never a panic, and stays: the application may
/// call `init()` and fall back on its own.
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let _errmon = errmon_runtime::install()?;
///     let _logs = errmon_runtime::log::init()?;
///     errmon_runtime::context::Context::from_request_id(Some("req-1")).scope(|| {
///         // {"timestamp":"..","level":"INFO","target":"app","message":"started","request_id":"req-1"}
///         tracing::info!("started");
///     });
///     Ok(())
/// }
/// ```
pub fn init() -> Result<LogGuard, LogInitError> {
    let slot = slot();
    if let Some(own) = slot.as_ref() {
        return own.make_global();
    }
    let settings = LogSettings::default()
        .apply_env(|k| std::env::var(k).ok())
        .map_err(LogInitError::Config)?;
    settings.init_in(slot)
}

impl LogSettings {
    /// Makes errmon's JSON lines with these settings the application's log format, as
    /// [`init`] does with the environment's. When errmon's output is already started with
    /// other settings (by [`install`](fn@super::super::install)), this one replaces it; when it is
    /// already the global default, this is [`LogInitError::AlreadySet`]. `Output::Off` sets
    /// nothing.
    ///
    /// ```
    /// use errmon_runtime::log::{LogSettings, Output, Profile};
    ///
    /// let dir = std::env::temp_dir().join("errmon-doc-init");
    /// std::fs::create_dir_all(&dir)?;
    /// let settings = LogSettings::default()
    ///     .output(Output::File(dir.join("app.log")))
    ///     .level("warn")?
    ///     .profile(Profile::Ecs);
    /// let guard = settings.init()?;
    /// tracing::warn!(order = 7, "stock is low"); // {"@timestamp":..,"log.level":"warn",..}
    /// drop(guard);
    /// assert!(std::fs::read_to_string(dir.join("app.log"))?.contains("stock is low"));
    /// // Set once per process.
    /// assert!(settings.init().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn init(&self) -> Result<LogGuard, LogInitError> {
        let slot = slot();
        match slot.as_ref() {
            Some(own) if own.settings == *self || own.is_global() => own.make_global(),
            _ => self.init_in(slot),
        }
    }

    /// Starts an output with these settings, sets it as the global default and puts it in the
    /// slot; nothing changes on an error.
    fn init_in(
        &self,
        mut slot: RwLockWriteGuard<'static, Option<Arc<Own>>>,
    ) -> Result<LogGuard, LogInitError> {
        if self.output == Output::Off {
            return Ok(LogGuard::new(Queue::disconnected(), Duration::ZERO));
        }
        let own = Own::start(self).map_err(LogInitError::Start)?;
        let guard = own.make_global()?;
        let old = slot.replace(Arc::new(own));
        drop(slot);
        drop(old);
        Ok(guard)
    }
}
