//! Getting errmon's data out: Prometheus text rendered exactly from the registry, and a bridge
//! that publishes the same totals through the `metrics` facade for other recorders.

pub mod bridge;
pub(crate) mod prometheus;
