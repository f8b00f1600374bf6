//! What every way of starting errmon starts besides its transport: the scheduler with the
//! history sampler and the `metrics` facade's upkeep, and the buckets history reads
//! quantiles through.

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::Settings;
use crate::error::InstallError;
use crate::schedule::{self, Job, Running};

/// How often the facade's histograms are folded, whether or not anyone scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Starts (or joins) the scheduler and adds errmon's standing jobs.
pub(crate) fn start(
    settings: &Settings,
    facade: Option<&PrometheusHandle>,
) -> Result<Running, InstallError> {
    crate::history::set_buckets(settings.buckets.iter().map(|&(_, i)| i).collect());
    crate::history::keep_sampling();
    if let Some(handle) = facade {
        let handle = handle.clone();
        schedule::add(Job::blocking("facade_upkeep", UPKEEP_INTERVAL, move || {
            handle.run_upkeep();
        }));
    }
    Running::start().map_err(InstallError::Spawn)
}
