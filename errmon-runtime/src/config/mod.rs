//! [`Config`]: the builder, the `ERRMON_*` variables, and validation into [`Settings`].
//!
//! Every check runs once, in [`Config::validate`]; installing, building a
//! [`Renderer`](crate::export::Renderer) and the convenience
//! [`render_prometheus`](crate::export::render_prometheus) all start from its `Settings`.

mod builder;
mod env;
mod error;
mod validate;

pub(crate) use builder::Secret;
pub use builder::{Config, DEFAULT_FACADE_BUCKETS, DEFAULT_LISTEN, HttpNaming, MetricMatch};
pub use error::ConfigError;
pub use validate::Settings;
