//! Errors: what kind each one is (`kind`), and how many each site returned (`table`).
//!
//! Errors are counted per site in a small append-only table of (type, kind) series, with
//! counts sharded per thread like the call counters, so a burst of failures on many threads
//! (an outage, when monitoring matters most) does not funnel through one shared lock or counter.

pub(crate) mod kind;
pub(crate) mod table;
