//! The hot path: what an instrumented call touches.
//!
//! - `site`: the per-callsite static and its guards ([`Site`], [`Call`], [`Timer`]);
//! - `shard`: the shards a site's counters live in, compact until the site is contended;
//! - `shard_count`: how many per-thread shards a contended site takes (`ERRMON_SHARDS`);
//! - `thread`: thread numbers, which pick a thread's shard;
//! - `once`: storage published once without a lock;
//! - `grid`: the fixed duration grid every duration is recorded into;
//! - `clock`: the one process-wide clock.

pub(crate) mod clock;
pub(crate) mod grid;
pub(crate) mod once;
pub(crate) mod shard;
mod shard_count;
mod site;
pub(crate) mod thread;

pub use site::{Body, Call, Meta, Outcome, Site, Timer};
