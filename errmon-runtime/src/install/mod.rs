//! `install()`: [`Config::install`] starts the embedded endpoint, [`InstallGuard`] stops it,
//! [`InstallError`] says why it did not start.

#[cfg(feature = "endpoint")]
mod endpoint;
#[cfg(feature = "server")]
mod guard;
#[cfg(feature = "endpoint")]
mod spine;

#[cfg(feature = "server")]
pub use guard::InstallGuard;
