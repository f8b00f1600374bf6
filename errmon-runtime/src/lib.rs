// The crate page is the index of the guides, which live in the docs of each module; the README
// is the repository's landing page. Links to what a feature set leaves out point at docs.rs.
#![cfg_attr(feature = "server", doc = "[install]: fn@install")]
#![cfg_attr(
    not(feature = "server"),
    doc = "[install]: https://docs.rs/errmon-runtime/latest/errmon_runtime/fn.install.html\n\
           [`InstallGuard`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/struct.InstallGuard.html"
)]
#![cfg_attr(
    not(feature = "exporter"),
    doc = "[`Config`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/struct.Config.html\n\
           [`export`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/export/\n\
           [`export::Renderer`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/export/struct.Renderer.html\n\
           [`http`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/http/"
)]
#![cfg_attr(
    not(feature = "endpoint"),
    doc = "[`endpoint`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/endpoint/\n\
           [`endpoint::Endpoint`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/endpoint/struct.Endpoint.html\n\
           [`Config::endpoint`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/struct.Config.html#method.endpoint"
)]
#![cfg_attr(
    not(feature = "logs"),
    doc = "[log::layer]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/fn.layer.html\n\
           [log::init]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/fn.init.html\n\
           [`log::init`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/log/fn.init.html"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "[`context::spawn`]: https://docs.rs/errmon-runtime/latest/errmon_runtime/context/fn.spawn.html"
)]
#![doc = include_str!("../docs/crate.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod common;
#[cfg(feature = "exporter")]
mod config;
pub mod context;
mod emit;
#[cfg(feature = "endpoint")]
#[cfg_attr(docsrs, doc(cfg(feature = "endpoint")))]
pub mod endpoint;
#[cfg(feature = "exporter")]
mod error;
pub mod errors;
#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub mod export;
pub mod history;
#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub mod http;
#[cfg(feature = "exporter")]
mod install;
pub mod log;
mod private;
mod record;
mod registry;
pub mod retry;
#[cfg(feature = "exporter")]
mod schedule;
#[cfg(feature = "server")]
mod server;

pub use errmon_macros::{ErrorKind, count_calls, monitor, monitored, retry, timed};
pub use errors::kind::ErrorKind;

#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub use config::{
    Config, ConfigError, DEFAULT_FACADE_BUCKETS, DEFAULT_LISTEN, HttpNaming, MetricMatch, Settings,
};
#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub use error::InstallError;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use install::InstallGuard;

/// Starts the embedded default: a Prometheus endpoint on `127.0.0.1:9611` (or `ERRMON_LISTEN`)
/// serving errmon's metrics and whatever the application records through the `metrics` facade.
/// Equivalent to `Config::from_env()?.install()`.
///
/// Also installs errmon's panic hook ([`errors::install_panic_hook`]), chained to the one
/// installed before, so panics in instrumented functions become error reports. A hook set
/// after `install` replaces it: call [`errors::install_panic_hook`] after setting it to keep
/// both.
///
/// Calls made before `install` are kept and served. A second `install` while the first guard is
/// alive, a port in use or a bad address is an `Err`, never a panic.
///
/// ```no_run
/// let guard = errmon_runtime::install()?;
/// println!("scrape {}", guard.metrics_url());
/// # Ok::<(), errmon_runtime::InstallError>(())
/// ```
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub fn install() -> Result<InstallGuard, InstallError> {
    Config::from_env()?.install()
}

/// Introspection of the sites errmon knows, for custom exporters and tests: read-only views of
/// what each instrumented function is and what it recorded.
///
/// ```
/// use errmon_runtime::sites::{self, OutcomeLabel};
///
/// #[errmon_runtime::monitored]
/// fn load(id: u32) -> std::io::Result<u32> {
///     if id == 0 { Err(std::io::ErrorKind::NotFound.into()) } else { Ok(id) }
/// }
///
/// let _ = load(0);
/// let _ = load(1);
/// let mut report = String::new();
/// // Every instrumented function of the program, here only the one called `load`.
/// let mine = |s: &&sites::Site| s.meta().function == "load" && s.meta().module == module_path!();
/// for site in sites::all().into_iter().filter(mine) {
///     let (meta, snap) = (site.meta(), site.snapshot());
///     report += &format!("{} calls={} ok={}", meta.function, snap.calls, snap.outcome(OutcomeLabel::Ok));
///     for e in site.error_series() {
///         report += &format!(" {}/{}={}", e.error_type, e.error_kind, e.count);
///     }
/// }
/// assert_eq!(report, "load calls=2 ok=1 Error/not_found=1");
/// ```
pub mod sites {
    pub use crate::registry::{
        ErrorSeries, Kind, Meta, OutcomeLabel, Site, Snapshot, error_series, sites as all,
    };
}

/// The README's examples, compiled as doc tests: the README is the repository's landing page,
/// not the crate page, and its code still has to build.
#[cfg(all(doctest, feature = "server"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// What the attribute macros expand to. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
}
