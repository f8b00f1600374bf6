//! [`Config::endpoint`]: errmon's routes without the embedded server.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::InstallError;
use crate::config::Config;
use crate::endpoint::{Endpoint, Routes, State};
use crate::export::{Renderer, facade};

/// How often the facade's histograms are folded when nobody scrapes (as the server does).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

impl Config {
    /// errmon's routes (`/metrics`, `/errors`, `/`), with this configuration's bearer token,
    /// buckets and constant labels, to answer from the application's own server: what the
    /// embedded server would serve, byte for byte, without starting it (no port, no thread of
    /// its own). `errmon-tower` mounts it in an axum or tower service.
    ///
    /// Sets up what [`Config::install`] sets up besides the server: the `metrics` facade
    /// recorder (unless [`Config::capture_facade`]`(false)`), error tracking's settings and
    /// the panic hook. It sets no log subscriber: an application with its own adds
    /// [`log::layer()`](crate::log::layer) to it. The listen address is not used.
    ///
    /// ```
    /// use errmon_runtime::endpoint::Request;
    ///
    /// let endpoint = errmon_runtime::Config::default().bearer_token("s3cret").endpoint()?;
    /// assert_eq!(endpoint.answer(&Request::new("GET", "/errors", None)).status(), 401);
    /// let authorized = Request::new("GET", "/errors", None).header("authorization", b"Bearer s3cret");
    /// assert_eq!(endpoint.answer(&authorized).status(), 200);
    /// # Ok::<(), errmon_runtime::InstallError>(())
    /// ```
    pub fn endpoint(self) -> Result<Endpoint, InstallError> {
        let settings = self.validate()?;
        let facade = if settings.capture_facade {
            Some(facade::handle(&settings)?)
        } else {
            None
        };
        crate::record::clock::warm_up();
        if let Some(errors) = settings.errors.clone() {
            // Validated with the rest of the settings.
            let _ = crate::errors::configure(errors);
        }
        crate::errors::ensure_panic_hook();
        let token = settings.bearer_token.as_ref().map(|t| t.0.clone());
        let endpoint = Endpoint::new(
            Routes::standard(),
            State::new(Renderer::with_facade(settings, facade), token),
        );
        if endpoint.state().scrapes.renderer().facade().is_some() {
            upkeep(Arc::downgrade(endpoint.state()));
        }
        Ok(endpoint)
    }
}

/// Folds the facade's histogram samples every [`UPKEEP_INTERVAL`] while the endpoint lives,
/// so an application that is not scraped does not keep every sample; the thread ends with the
/// endpoint's last clone.
fn upkeep(state: Weak<State>) {
    let spawned = std::thread::Builder::new()
        .name("errmon-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                let Some(state) = state.upgrade() else { return };
                if let Some(h) = state.scrapes.renderer().facade() {
                    h.run_upkeep();
                }
            }
        });
    // Without the thread, scrapes still fold the samples: not worth failing for.
    drop(spawned);
}
