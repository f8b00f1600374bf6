//! The hot path: what an instrumented call touches.
//!
//! - `site`: the per-callsite static and its guards ([`Site`], [`Call`], [`Timer`]);
//! - `shard`: thread numbers and the per-thread shards a site's counters live in;
//! - `grid`: the fixed duration grid every duration is recorded into;
//! - `clock`: the one process-wide clock.

pub(crate) mod clock;
pub(crate) mod grid;
pub(crate) mod shard;
mod site;

pub use site::{Body, Call, Meta, Outcome, Site, Timer};
