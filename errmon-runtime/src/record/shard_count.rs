//! How many per-thread shards a hot, contended site takes: `ERRMON_SHARDS`, or one per core.
//!
//! The count is read once per process, when the first site is first called, and never changes
//! (a site's shards are allocated at their final size). `ERRMON_SHARDS` is a whole number from
//! 1 to [`LIMIT`]; without it, the count is the number of cores rounded up to a power of two,
//! from 4 to 64. Histograms and error counts take at most [`MAX_HIST_SHARDS`] of them (a
//! histogram shard is seven times a counter shard). A value errmon cannot use is reported once
//! on stderr and the default is used: recording must go on whatever the environment says.
//!
//! Setting it to a large machine's core count measures that machine's memory on a small one
//! (`benches/memory.rs`).

use std::ffi::OsStr;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The variable read.
pub(crate) const VAR: &str = "ERRMON_SHARDS";

/// The largest count accepted.
pub(crate) const LIMIT: usize = 1024;

/// Histogram and error-count shards per site, at most.
pub(crate) const MAX_HIST_SHARDS: usize = 16;

/// The default count's bounds.
const DEFAULT_MIN: usize = 4;
const DEFAULT_MAX: usize = 64;

/// Zero until read.
static SHARDS: AtomicUsize = AtomicUsize::new(0);

/// Counter shards per contended site.
pub(crate) fn counter_shards() -> usize {
    match SHARDS.load(Relaxed) {
        0 => read(),
        n => n,
    }
}

/// Histogram (and error-count) shards per contended site.
pub(crate) fn hist_shards() -> usize {
    counter_shards().min(MAX_HIST_SHARDS)
}

#[cold]
#[inline(never)]
fn read() -> usize {
    let default = default_count();
    let n = match parse(std::env::var_os(VAR).as_deref()) {
        Ok(n) => n.unwrap_or(default),
        Err(bad) => {
            // Two threads making their first calls at once may both get here; one reports.
            if SHARDS
                .compare_exchange(0, default, Relaxed, Relaxed)
                .is_ok()
            {
                // Not `eprintln!`, which panics when stderr is closed.
                let _ = writeln!(
                    std::io::stderr(),
                    "errmon: {bad}; using {default} shards, the default for this machine"
                );
            }
            default
        }
    };
    SHARDS.store(n, Relaxed);
    n
}

/// The machine's cores rounded up to a power of two, within bounds.
fn default_count() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .next_power_of_two()
        .clamp(DEFAULT_MIN, DEFAULT_MAX)
}

/// The count `value` asks for, `None` without one, or why it cannot be used.
fn parse(value: Option<&OsStr>) -> Result<Option<usize>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=LIMIT) => Ok(Some(n)),
        _ => Err(format!(
            "{VAR}=`{text}` is not a whole number of shards from 1 to {LIMIT}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_in_range_are_taken_and_others_named_in_the_error() {
        let parse_str = |s: &str| parse(Some(OsStr::new(s)));
        assert_eq!(parse(None), Ok(None));
        assert_eq!(parse_str("64"), Ok(Some(64)));
        assert_eq!(parse_str(" 2 "), Ok(Some(2)));
        assert_eq!(parse_str("1"), Ok(Some(1)));
        assert_eq!(parse_str("1024"), Ok(Some(1024)));
        for bad in ["0", "1025", "-4", "four", "", "2.5"] {
            let err = parse_str(bad).unwrap_err();
            assert_eq!(
                err,
                format!("ERRMON_SHARDS=`{bad}` is not a whole number of shards from 1 to 1024")
            );
        }
    }

    #[test]
    fn the_default_is_a_power_of_two_from_4_to_64() {
        let n = default_count();
        assert!(n.is_power_of_two() && (4..=64).contains(&n), "{n}");
    }
}
