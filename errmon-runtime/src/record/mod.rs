//! The hot path: what an instrumented call touches, and the sites it records into. The
//! lowest layer but `common`: error tracking, the registry's readers, history and the
//! exporters read what it wrote, and error tracking subscribes to its error path
//! ([`ErrorPath`]).
//!
//! - `site`: the per-callsite static generated code declares and its guards ([`Callsite`],
//!   [`Call`], [`Timer`]);
//! - `view`: what a site is ([`Meta`], [`Kind`]) and its read-only side ([`Site`]);
//! - `snapshot`: a site's totals as read ([`Snapshot`]);
//! - `sites`: every site called or linked in so far;
//! - `shard`: the shards a site's counters live in, compact until the site is contended;
//! - `shard_count`: how many per-thread shards a contended site takes (`ERRMON_SHARDS`);
//! - `error_table`: a site's errors by type, kind and severity;
//! - `severity`, `failure`: how bad an error is, and the error value a call hands over;
//! - `grid`: the fixed duration grid every duration is recorded into.
//!
//! The clock, thread numbers and storage published once are in `common`.

pub(crate) mod error_table;
mod failure;
pub(crate) mod grid;
mod severity;
pub(crate) mod shard;
mod shard_count;
mod site;
pub(crate) mod sites;
mod snapshot;
mod view;

pub use failure::{ErrorRef, Failure};
pub use severity::Severity;
pub(crate) use site::ErrorPath;
pub use site::{Body, Call, Callsite, Outcome, Timer};
pub use snapshot::{OutcomeLabel, Snapshot};
pub use view::{Kind, Meta, Site};
