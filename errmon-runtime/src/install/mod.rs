//! `install()`: [`Config::install`] starts the embedded endpoint, [`InstallGuard`] stops it,
//! [`InstallError`] says why it did not start.

#[cfg(feature = "endpoint")]
mod endpoint;
mod error;
#[cfg(feature = "server")]
mod guard;
#[cfg(feature = "endpoint")]
mod spine;

pub use error::InstallError;

#[cfg(feature = "server")]
pub use guard::InstallGuard;
