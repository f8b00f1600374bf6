//! [`Config::endpoint`]: errmon's routes without the embedded server.

use crate::config::Config;
use crate::endpoint::Endpoint;
use crate::error::InstallError;
use crate::export::facade;

impl Config {
    /// errmon's routes (`/metrics`, `/errors`, `/history`, `/`), with this configuration's bearer token,
    /// buckets and constant labels, to answer from the application's own server: what the
    /// embedded server would serve, byte for byte, without starting it (no port). errmon's
    /// scheduler (history, the facade's upkeep) runs until the last clone of the endpoint is
    /// dropped. `errmon-tower` mounts it in an axum or tower service.
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
        crate::common::clock::warm_up();
        if let Some(errors) = settings.errors.clone() {
            // Validated with the rest of the settings.
            let _ = crate::errors::configure(errors);
        }
        crate::errors::ensure_panic_hook();
        let scheduler = super::spine::start(&settings, facade.as_ref())?;
        Ok(Endpoint::build(settings, facade, Some(scheduler)))
    }
}
