//! [`Config::install`] and the [`InstallGuard`] that stops what it started.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::{Config, ConfigError, Settings};
use crate::endpoint::Endpoint;
use crate::error::InstallError;
use crate::export::facade;
use crate::server::{self, Server};

static INSTALLED: AtomicBool = AtomicBool::new(false);

impl Config {
    /// Starts the endpoint; see [`install`](crate::install).
    pub fn install(self) -> Result<InstallGuard, InstallError> {
        let settings = self.validate()?;
        let addr = resolve(&settings.listen)?;
        if INSTALLED.swap(true, Ordering::AcqRel) {
            return Err(InstallError::AlreadyInstalled);
        }
        match start(settings, addr) {
            Ok(guard) => Ok(guard),
            Err(e) => {
                INSTALLED.store(false, Ordering::Release);
                Err(e)
            }
        }
    }
}

fn start(settings: Settings, addr: SocketAddr) -> Result<InstallGuard, InstallError> {
    let facade = if settings.capture_facade {
        Some(facade::handle(&settings)?)
    } else {
        None
    };
    let bind_error = |source| InstallError::Bind {
        addr: settings.listen.clone(),
        source,
    };
    // Before binding, so that an unwritable log directory stops the start-up with its error.
    // Started whether or not the application has a subscriber: it may set one later, or none.
    #[cfg(feature = "logs")]
    let logs = crate::log::start_for_install(&settings.logs)
        .map_err(|e| InstallError::Config(ConfigError::new(e.describe())))?;
    let listener = server::bind(addr).map_err(bind_error)?;
    // Calibrate the clock now rather than on the first instrumented call.
    crate::common::clock::warm_up();
    if let Some(errors) = settings.errors.clone() {
        // Validated with the rest of the settings.
        let _ = crate::errors::configure(errors);
    }
    crate::errors::ensure_panic_hook();
    let scheduler = super::spine::start(&settings, facade.as_ref())?;
    let listen = settings.listen.clone();
    let endpoint = Endpoint::build(settings, facade, None);
    let (routes, state) = endpoint.parts();
    let server = server::serve(listener, routes, state).map_err(|source| InstallError::Bind {
        addr: listen,
        source,
    })?;
    Ok(InstallGuard {
        server: Some(server),
        scheduler: Some(scheduler),
        endpoint,
        pid: std::process::id(),
        #[cfg(feature = "logs")]
        logs,
    })
}

fn resolve(listen: &str) -> Result<SocketAddr, InstallError> {
    let bad = |why: String| InstallError::Config(ConfigError::new(why));
    let mut addrs = listen
        .to_socket_addrs()
        .map_err(|e| bad(format!("listen address `{listen}` is not valid: {e}")))?;
    addrs
        .next()
        .ok_or_else(|| bad(format!("listen address `{listen}` resolves to no address")))
}

/// Keeps the endpoint running. Dropping it stops accepting, closes every connection at once
/// (clients in the middle of a request or a response see the connection close), waits at most
/// 500 ms for a rendering in progress and joins the server's thread: it returns within 1 s,
/// whatever the clients do. Then it flushes the lines of errmon's own log output, waiting at
/// most its flush timeout (1 s by default).
///
/// After `fork()`, the child inherits a copy of the guard but none of the server's threads,
/// which run only in the parent: the parent keeps serving its own metrics, and the child
/// serves nothing. Dropping the copy in the child (or letting it go out of scope) releases
/// it without waiting for threads that do not exist there; the child may then call
/// [`install`](crate::install) again on an address of its own.
///
/// ```no_run
/// let guard = errmon_runtime::install()?;
/// println!("scrape http://{}/metrics", guard.local_addr());
/// # Ok::<(), errmon_runtime::InstallError>(())
/// ```
#[must_use = "the endpoint stops when the guard is dropped"]
pub struct InstallGuard {
    server: Option<Server>,
    /// errmon's background jobs (history, the facade's upkeep), while this guard lives.
    scheduler: Option<crate::schedule::Running>,
    endpoint: Endpoint,
    /// The process that started the server, the only one where its threads run.
    pid: u32,
    /// Flushes the lines of errmon's own log output when the guard is dropped.
    #[cfg(feature = "logs")]
    logs: Option<crate::log::LogGuard>,
}

impl InstallGuard {
    /// The address the endpoint actually listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server
            .as_ref()
            .map_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)), Server::local_addr)
    }

    /// `http://<addr>/metrics`, ready to print or to put in a scrape config.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.local_addr())
    }

    /// The running server's routes and state, to answer the same requests elsewhere too (an
    /// application's own router, through `errmon-tower`): the same bytes, the same token, the
    /// same scrape cache.
    ///
    /// ```no_run
    /// use errmon_runtime::endpoint::Request;
    ///
    /// let guard = errmon_runtime::install()?;
    /// let r = guard.endpoint().answer(&Request::new("GET", "/errors", None));
    /// assert_eq!(r.status(), 200);
    /// # Ok::<(), errmon_runtime::InstallError>(())
    /// ```
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint.clone()
    }
}

impl fmt::Debug for InstallGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallGuard")
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

impl Drop for InstallGuard {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            if std::process::id() == self.pid {
                server.shutdown();
            } else {
                // A forked child: the threads run in the parent only, so there is nothing
                // to stop or join here, and joining (or detaching) them would fail.
                server.abandon();
            }
        }
        drop(self.scheduler.take());
        // Last, so that what was logged while stopping is written too.
        #[cfg(feature = "logs")]
        drop(self.logs.take());
        INSTALLED.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bearer_tokens_are_refused_without_being_repeated() {
        let e = Config::default().bearer_token("").install().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid errmon configuration: the bearer token is empty"
        );
        let e = Config::default()
            .bearer_token("two words")
            .install()
            .unwrap_err();
        assert!(
            e.to_string().contains("spaces") && !e.to_string().contains("two words"),
            "{e}"
        );
    }

    #[test]
    fn bad_listen_addresses_are_errors() {
        let e = Config::default()
            .listen("not an address")
            .install()
            .unwrap_err();
        assert!(matches!(e, InstallError::Config(_)), "{e}");
        assert!(e.to_string().contains("`not an address`"), "{e}");
    }
}
