//! [`InstallError`]: why installing errmon's endpoint or recorder did not happen. Below `install` and
//! `export`, which both return it.

use std::fmt;

use crate::ConfigError;

/// Why [`install`](crate::install) (or [`Config::install_recorder`](crate::Config::install_recorder))
/// did not start.
///
/// `Display` never repeats what `source()` returns, so chain printers (`anyhow`'s `{:#}`, a
/// loop over `source()`) show each cause once: [`InstallError::Bind`] names the address and
/// leaves what the operating system said to `source()`; [`InstallError::Config`] shows the
/// configuration message, which has no cause of its own, and has no `source()`.
///
/// ```
/// let err = errmon_runtime::Config::default().listen("nowhere").install().unwrap_err();
/// assert!(err.to_string().starts_with("invalid errmon configuration: listen address `nowhere`"));
/// assert!(std::error::Error::source(&err).is_none());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum InstallError {
    /// A configuration value is not usable.
    Config(ConfigError),
    /// errmon is already installed in this process; drop the first guard before installing again.
    AlreadyInstalled,
    /// The listen address could not be bound (in use, or not an address of this machine).
    Bind {
        /// The address as configured.
        addr: String,
        /// What the operating system said; also the error's `source()`.
        source: std::io::Error,
    },
    /// Another `metrics` recorder is installed, so facade metrics cannot be captured.
    RecorderAlreadySet,
    /// The thread of errmon's scheduler could not be started (the operating system's limit
    /// on threads).
    Spawn(std::io::Error),
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => write!(f, "invalid errmon configuration: {e}"),
            Self::AlreadyInstalled => f.write_str(
                "errmon is already installed in this process; keep the first InstallGuard instead of installing twice",
            ),
            // The OS error is the source; printing it here too would show it twice in a chain.
            Self::Bind { addr, .. } => write!(
                f,
                "cannot listen on `{addr}`: choose another address with `Config::listen` or `ERRMON_LISTEN`"
            ),
            Self::RecorderAlreadySet => f.write_str(
                "another `metrics` recorder is already installed; use `Config::capture_facade(false)` \
                 to serve errmon's metrics without capturing the facade",
            ),
            Self::Spawn(_) => f.write_str("errmon's scheduler thread could not be started"),
        }
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind { source, .. } | Self::Spawn(source) => Some(source),
            // `Config`'s message is already in `Display`, and a `ConfigError` has no cause.
            _ => None,
        }
    }
}

impl From<ConfigError> for InstallError {
    fn from(e: ConfigError) -> Self {
        InstallError::Config(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    /// Each error of the chain, outermost first, as `{}` prints it.
    fn chain(e: &dyn Error) -> Vec<String> {
        let mut out = vec![e.to_string()];
        let mut next = e.source();
        while let Some(cause) = next {
            out.push(cause.to_string());
            next = cause.source();
        }
        out
    }

    #[test]
    fn a_chain_shows_each_cause_once() {
        let os = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let os_text = os.to_string();
        let bind = InstallError::Bind {
            addr: "127.0.0.1:9611".into(),
            source: os,
        };
        let printed = chain(&bind);
        assert_eq!(printed.len(), 2, "{printed:?}");
        assert!(printed[0].starts_with("cannot listen on `127.0.0.1:9611`: "));
        assert_eq!(
            printed.join("\n").matches(&os_text).count(),
            1,
            "{printed:?}"
        );

        let config = InstallError::Config(ConfigError::new("the bearer token is empty"));
        let printed = chain(&config);
        assert_eq!(
            printed,
            ["invalid errmon configuration: the bearer token is empty"]
        );
        for e in [
            InstallError::AlreadyInstalled,
            InstallError::RecorderAlreadySet,
        ] {
            assert_eq!(chain(&e).len(), 1, "{e}");
        }
        assert!(ConfigError::new("x").source().is_none());
    }
}
