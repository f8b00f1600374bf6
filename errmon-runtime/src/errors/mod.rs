//! Errors counted per site: a small append-only table of (type, kind) series per site, with
//! counts sharded per thread like the call counters, so a burst of failures on many threads
//! (an outage, when monitoring matters most) does not funnel through one shared lock or counter.

pub(crate) mod table;
