//! The hot path: what an instrumented call touches.
//!
//! - `site`: the per-callsite static and its guards ([`Site`], [`Call`], [`Timer`]);
//! - `shard`: the shards a site's counters live in, compact until the site is contended;
//! - `shard_count`: how many per-thread shards a contended site takes (`ERRMON_SHARDS`);
//! - `grid`: the fixed duration grid every duration is recorded into.
//!
//! The clock, thread numbers and storage published once are in `common`.

pub(crate) mod grid;
pub(crate) mod shard;
mod shard_count;
mod site;

pub use site::{Body, Call, Meta, Outcome, Site, Timer};
